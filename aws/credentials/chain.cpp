#include "aws/credentials/chain.hpp"

#include "aws/credentials/boto.hpp"
#include "aws/credentials/container.hpp"
#include "aws/credentials/environment.hpp"
#include "aws/credentials/profile.hpp"
#include "aws/credentials/support.hpp"
#include "aws/credentials/web_identity.hpp"
#include "core/text.hpp"

namespace cat::aws {

Resolved<AwsCredentials> ChainProvider::resolve() {
    std::string reasons;
    for (const auto& p : providers_) {
        auto creds = p->resolve();
        if (creds.applies()) return creds;
        if (!reasons.empty()) reasons += "; ";
        reasons += p->name() + ": " + creds.reason();
    }
    return Error::make(ErrorKind::credentials, "no AWS credentials found: " + hint_ + " (tried: " + reasons + ")");
}

std::string credentials_hint(const Env& env) {
    if (text::parse_bool(env.get("GITHUB_ACTIONS")).value_or(false))
        return "in GitHub Actions, give the step role-to-assume and the job permissions: id-token: write "
               "(or run aws-actions/configure-aws-credentials before it)";
    if (env.has("JENKINS_URL"))
        return "in Jenkins, bind keys with withCredentials([aws(...)]) or withAWS(role: ...), or give the agent "
               "an instance role";
    if (env.has("ECS_CONTAINER_METADATA_URI_V4") || env.has("KUBERNETES_SERVICE_HOST"))
        return "in a container, give the task or pod an IAM role (ECS task role, EKS IRSA or Pod Identity)";
    return "run aws configure (keys) or aws sso login --profile NAME (SSO), or set AWS_PROFILE";
}

Result<AwsCredentials> resolve_credentials(const ProviderContext& ctx, const SharedConfig& config,
                                           const ChainOptions& o) {
    // As the AWS CLI: a profile named by --profile, AWS_PROFILE or AWS_DEFAULT_PROFILE must exist, even
    // when keys come from elsewhere ("default" may be absent).
    if (o.profile_explicit && o.profile != "default" && config.profile(o.profile) == nullptr) {
        const char* by = o.profile_from_flag          ? "--profile"
                         : ctx.env.has("AWS_PROFILE") ? "AWS_PROFILE"
                                                      : "AWS_DEFAULT_PROFILE";
        return Error::make(ErrorKind::credentials, std::string(by) + ": " + missing_profile(config, o.profile));
    }
    std::vector<std::unique_ptr<CredentialsProvider>> chain;
    chain.push_back(std::make_unique<FunctionProvider>(
        "explicit", [&o] { return explicit_credentials(o.access_key, o.secret_key, o.session_token); }));
    if (!o.profile_from_flag)
        chain.push_back(std::make_unique<FunctionProvider>("env", [&ctx] { return environment_credentials(ctx.env); }));
    chain.push_back(std::make_unique<ProfileProvider>(ctx, config, o.profile, o.profile_explicit, o.sts, o.sso_endpoint,
                                                      o.imds, o.region));
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
    // The boto 2 files come after the shared files' providers and before the container (botocore).
    chain.push_back(
        std::make_unique<FunctionProvider>("AWS_CREDENTIAL_FILE", [&ctx] { return ec2_credential_file(ctx); }));
    chain.push_back(std::make_unique<FunctionProvider>("boto config", [&ctx] { return boto_config(ctx); }));
    chain.push_back(std::make_unique<ContainerProvider>(ctx));
    chain.push_back(std::make_unique<ImdsProvider>(ctx, o.imds));

    ChainProvider provider(std::move(chain), credentials_hint(ctx.env));
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
