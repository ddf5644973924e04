#pragma once
#include <memory>
#include <vector>

#include "aws/credentials/container.hpp"
#include "aws/credentials/provider.hpp"
#include "aws/shared_config.hpp"
#include "aws/sts.hpp"
#include "core/secret.hpp"

namespace cat::aws {

// Asks each provider in turn. The first that succeeds wins; one that applies but fails ends the search
// with its error; when none applies, the error (ErrorKind::credentials) lists each one and why it did not
// apply.
class ChainProvider : public CredentialsProvider {
public:
    // `hint`: what to do when no provider applies (credentials_hint), said before each provider's reason.
    ChainProvider(std::vector<std::unique_ptr<CredentialsProvider>> providers, std::string hint)
        : providers_(std::move(providers)), hint_(std::move(hint)) {}
    std::string name() const override { return "chain"; }
    Resolved<AwsCredentials> resolve() override;

private:
    std::vector<std::unique_ptr<CredentialsProvider>> providers_;
    std::string hint_;
};

// The likeliest fix when no credentials are found, for where we run (GitHub Actions, Jenkins, a container,
// else a workstation).
std::string credentials_hint(const Env& env);

struct ChainOptions {
    // Explicit keys (the first source).
    std::string access_key;
    Secret secret_key, session_token;
    // The profile: its name, and whether it was chosen (flag or AWS_PROFILE) rather than defaulted.
    std::string profile;
    bool profile_explicit = false;
    // Named on the command line (--profile, or the profile input): as in botocore, the environment's keys
    // are then not used, since the caller asked for the profile by name.
    bool profile_from_flag = false;
    // --role-arn / the action's role-to-assume: assumed from whatever the chain found (AssumeRole), or
    // with GitHub's OIDC token when that is all there is (AssumeRoleWithWebIdentity).
    std::string role_arn;
    std::string role_session_name;
    std::function<Result<StsConfig>()> sts;
    // The configured endpoint URL of "SSO" (the portal), "SSO OIDC" or "Signin" (login_session) for a
    // profile; empty: the regional one.
    std::function<std::string(const IniSection&, std::string_view service_id)> sso_endpoint;
    std::string region;  // the configured region (may be empty): AWS Sign-In's, for login_session
    ImdsConfig imds;     // the profile's ec2_metadata_service_* and metadata_service_* settings
};

// The default chain, in botocore's order: explicit, env, profile, web identity (env), GitHub OIDC (with a
// role), AWS_CREDENTIAL_FILE, the boto config, container, instance metadata; then, with a role that was not assumed
// yet, AssumeRole.
Result<AwsCredentials> resolve_credentials(const ProviderContext& ctx, const SharedConfig& config,
                                           const ChainOptions& options);

}  // namespace cat::aws
