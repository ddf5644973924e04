#pragma once
#include "aws/credentials/provider.hpp"
#include "aws/sts.hpp"

namespace cat::aws {

// AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN (+ AWS_ROLE_SESSION_NAME): the token file is read and
// exchanged with an unsigned AssumeRoleWithWebIdentity (EKS IRSA, and any OIDC platform).
class WebIdentityEnvProvider : public CredentialsProvider {
public:
    WebIdentityEnvProvider(const ProviderContext& ctx, StsConfig sts) : ctx_(ctx), sts_(std::move(sts)) {}
    std::string name() const override { return "web identity (env)"; }
    Resolved<AwsCredentials> resolve() override;

private:
    const ProviderContext& ctx_;
    StsConfig sts_;
};

// GitHub Actions OIDC: when a role is given and ACTIONS_ID_TOKEN_REQUEST_URL and
// ACTIONS_ID_TOKEN_REQUEST_TOKEN are set, GET $URL&audience=sts.amazonaws.com with
// "Authorization: Bearer $TOKEN", read {"value": JWT}, and AssumeRoleWithWebIdentity with it.
class GitHubOidcProvider : public CredentialsProvider {
public:
    GitHubOidcProvider(const ProviderContext& ctx, StsConfig sts, AssumeRoleParams role)
        : ctx_(ctx), sts_(std::move(sts)), role_(std::move(role)) {}
    std::string name() const override { return "github oidc"; }
    Resolved<AwsCredentials> resolve() override;

private:
    const ProviderContext& ctx_;
    StsConfig sts_;
    AssumeRoleParams role_;
};

// The web identity token from a file, for both the env provider and profiles with web_identity_token_file.
Result<AwsCredentials> credentials_from_web_identity_file(const ProviderContext& ctx, const StsConfig& sts,
                                                          const std::string& token_file, const AssumeRoleParams& role);

}  // namespace cat::aws
