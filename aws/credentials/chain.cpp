#include "aws/credentials/chain.hpp"

#include "aws/credentials/container.hpp"
#include "aws/credentials/environment.hpp"
#include "aws/credentials/profile.hpp"
#include "aws/credentials/support.hpp"
#include "aws/credentials/web_identity.hpp"

namespace cat::aws {

Resolved<AwsCredentials> ChainProvider::resolve() {
    std::string reasons;
    for (const auto& p : providers_) {
        auto creds = p->resolve();
        if (creds.applies()) return creds;
        if (!reasons.empty()) reasons += "; ";
        reasons += p->name() + ": " + creds.reason();
    }
    return Error::make(ErrorKind::credentials, "no AWS credentials found (" + reasons + ")");
}

Result<AwsCredentials> resolve_credentials(const ProviderContext& ctx, const SharedConfig& config,
                                           const ChainOptions& o) {
    std::vector<std::unique_ptr<CredentialsProvider>> chain;
    chain.push_back(std::make_unique<FunctionProvider>(
        "explicit", [&o] { return explicit_credentials(o.access_key, o.secret_key, o.session_token); }));
    if (!o.profile_from_flag)
        chain.push_back(std::make_unique<FunctionProvider>("env", [&ctx] { return environment_credentials(ctx.env); }));
    chain.push_back(
        std::make_unique<ProfileProvider>(ctx, config, o.profile, o.profile_explicit, o.sts, o.sso_endpoint, o.imds));
    // Web identity and GitHub OIDC need an STS client; create it only if one of them applies.
    StsConfig lazy_sts;
    const bool web_identity = ctx.env.has("AWS_WEB_IDENTITY_TOKEN_FILE");
    const bool github = !o.role_arn.empty() && ctx.env.has("ACTIONS_ID_TOKEN_REQUEST_URL");
    if (web_identity || github) {
        auto sts = o.sts();
        if (!sts) return std::move(sts).error();
        lazy_sts = *sts;
    }
    chain.push_back(std::make_unique<WebIdentityEnvProvider>(ctx, lazy_sts));
    AssumeRoleParams role{o.role_arn, o.role_session_name, {}, {}};
    if (!o.role_arn.empty()) chain.push_back(std::make_unique<GitHubOidcProvider>(ctx, lazy_sts, role));
    chain.push_back(std::make_unique<ContainerProvider>(ctx));
    chain.push_back(std::make_unique<ImdsProvider>(ctx, o.imds));

    ChainProvider provider(std::move(chain));
    auto creds = provider.resolve();
    if (!creds) return std::move(creds).error();  // the chain turns "none applies" into an error
    detail::debug(ctx, "credentials from " + creds->source);
    if (o.role_arn.empty() || creds->kind == CredentialSource::github_oidc) return std::move(*creds);
    detail::debug(ctx, "assuming " + o.role_arn + " with credentials from " + creds->source);
    auto sts = o.sts();
    if (!sts) return std::move(sts).error();
    auto assumed = assume_role(*sts, *creds, role);
    if (assumed) assumed->source = "role " + o.role_arn + " assumed with credentials from " + creds->source;
    return assumed;
}

}  // namespace cat::aws
