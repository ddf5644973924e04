#pragma once
#include "aws/credentials/container.hpp"
#include "aws/credentials/provider.hpp"
#include "aws/shared_config.hpp"
#include "aws/sts.hpp"

namespace cat::aws {

// "no profile X in FILE or FILE (the profiles there: a, b)": the error for a profile that is not there.
std::string missing_profile(const SharedConfig& config, std::string_view profile);

// The selected profile of the shared config and credentials files. In botocore's order, a profile holds:
//   role_arn with source_profile (chains allowed, cycles an error) or credential_source (Environment,
//     Ec2InstanceMetadata, EcsContainer), or with web_identity_token_file; plus external_id,
//     role_session_name, duration_seconds;
//   sso_session (with an [sso-session] section) or the legacy sso_start_url, with sso_account_id and
//     sso_role_name;
//   aws_access_key_id / aws_secret_access_key / aws_session_token;
//   login_session (`aws login`: login.hpp);
//   credential_process.
class ProfileProvider : public CredentialsProvider {
public:
    // `explicitly_selected`: the profile was named (--profile, AWS_PROFILE), so its absence is an error;
    // an absent "default" profile only means the provider does not apply. `sts` gives the STS client
    // settings, asked for only when a role is assumed; `sso_endpoint` a service's configured endpoint URL
    // (SSO, SSO OIDC, Signin); `region` the configured region (AWS Sign-In's, for login_session).
    ProfileProvider(const ProviderContext& ctx, const SharedConfig& config, std::string profile,
                    bool explicitly_selected, std::function<Result<StsConfig>()> sts,
                    std::function<std::string(const IniSection&, std::string_view service_id)> sso_endpoint = {},
                    ImdsConfig imds = {}, std::string region = {});
    std::string name() const override { return "profile " + profile_; }
    Resolved<AwsCredentials> resolve() override;

private:
    Resolved<AwsCredentials> resolve_profile(const std::string& name, std::vector<std::string>& visited,
                                             bool as_source);
    Result<AwsCredentials> from_credential_source(const std::string& profile, const std::string& source);
    Result<AwsCredentials> assume(const std::string& profile, const IniSection& section, const AwsCredentials& source);

    const ProviderContext& ctx_;
    const SharedConfig& config_;
    std::string profile_;
    bool explicit_;
    std::function<Result<StsConfig>()> sts_;
    std::function<std::string(const IniSection&, std::string_view service_id)> sso_endpoint_;
    ImdsConfig imds_;
    std::string region_;  // the configured region: AWS Sign-In's, for login_session
};

// role_arn, role_session_name, external_id and duration_seconds of a profile section.
Result<AssumeRoleParams> role_params(const std::string& profile, const IniSection& section);

}  // namespace cat::aws
