#include "aws/credentials/web_identity.hpp"

#include <rapidjson/document.h>

#include <array>

#include "aws/credentials/support.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

constexpr std::string_view github_audience = "sts.amazonaws.com";
// The session name GitHub's configure-aws-credentials action uses by default.
constexpr std::string_view github_session_name = "GitHubActions";

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

// The STS settings with the context's transport when they have none.
StsConfig with_transport(StsConfig sts, const ProviderContext& ctx) {
    if (sts.call.transport == nullptr) sts.call.transport = ctx.call.transport;
    return sts;
}

// GET <request_url>[?&]audience=sts.amazonaws.com with the bearer token; the JWT from {"value": ...}.
// Sent with the STS call options (--max-attempts, the attempt timeout, the user agent).
Result<Secret> github_id_token(const ProviderContext& ctx, const StsConfig& sts, const std::string& request_url,
                               const Secret& request_token) {
    const std::string separator = request_url.find('?') == std::string::npos ? "?" : "&";
    auto url = http::parse_url(request_url + separator + "audience=" + std::string(github_audience));
    if (!url) return credentials_error("ACTIONS_ID_TOKEN_REQUEST_URL is not a usable URL: " + url.error().message);
    CallOptions options = sts.call;
    if (ctx.call.transport != nullptr) options.transport = ctx.call.transport;
    if (ctx.call.debug) options.debug = ctx.call.debug;
    const std::string where = url->scheme + "://" + http::host_header(*url);
    const auto build = [&](int) {
        http::Request request;
        request.method = "GET";
        request.url = *url;
        request.headers = {{"Authorization", "Bearer " + request_token.reveal()},
                           {"Accept", "application/json"},
                           {"User-Agent", options.user_agent}};
        return request;
    };
    Secret jwt;
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status != 200) {
            Error e = credentials_error("GitHub OIDC token request to " + where + " failed: HTTP " +
                                        std::to_string(r.status));
            if (r.status == 401 || r.status == 403)
                e.message += " (ACTIONS_ID_TOKEN_REQUEST_TOKEN refused: it is only valid during its job)";
            e.http_status = r.status;
            e.retryable = r.status == 429 || r.status >= 500;
            return e;
        }
        auto value = detail::read_json_in_place(r.body, [](const rapidjson::Document& doc) -> std::optional<Secret> {
            if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
            auto v = detail::string_member(doc, "value");
            if (!v || v->empty()) return std::nullopt;
            return Secret(std::move(*v));
        });
        if (!value) {
            Error e = credentials_error("GitHub OIDC token response from " + where +
                                        " is not a JSON object with a \"value\" string");
            e.http_status = 200;
            return e;
        }
        jwt = std::move(*value);
        return std::nullopt;
    };
    const std::array<std::string_view, 1> secrets = {request_token.view()};
    auto response =
        send_with_retries(options, {"github oidc", "GitHub OIDC token request to " + where, secrets}, build, classify);
    if (!response) return std::move(response).error();
    wipe(response->body);
    return jwt;
}

}  // namespace

Result<AwsCredentials> credentials_from_web_identity_file(const ProviderContext& ctx, const StsConfig& sts,
                                                          const std::string& token_file, const AssumeRoleParams& role) {
    detail::debug(ctx, "web identity: reading the token from " + token_file);
    auto content = detail::read_source_file(ctx, token_file, "web identity token file");
    if (!content) return std::move(content).error();
    const Secret whole = std::move(*content);
    const Secret token = text::trim(whole.view());
    if (token.empty()) return credentials_error("web identity token file " + token_file + " is empty");
    detail::debug(ctx, "web identity: assuming role " + role.role_arn);
    return assume_role_with_web_identity(with_transport(sts, ctx), token.reveal(), role);
}

Resolved<AwsCredentials> WebIdentityEnvProvider::resolve() {
    const std::string file = ctx_.env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (file.empty()) return NotApplicable{"AWS_WEB_IDENTITY_TOKEN_FILE not set"};
    AssumeRoleParams role;
    role.role_arn = ctx_.env.get("AWS_ROLE_ARN");
    if (role.role_arn.empty())
        return Error::make(ErrorKind::config, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    role.role_session_name = ctx_.env.get("AWS_ROLE_SESSION_NAME");
    auto creds = credentials_from_web_identity_file(ctx_, sts_, file, role);
    if (creds) creds->source = "AWS_WEB_IDENTITY_TOKEN_FILE: " + creds->source;
    return creds;
}

Resolved<AwsCredentials> GitHubOidcProvider::resolve() {
    if (role_.role_arn.empty()) return NotApplicable{"no role to assume (role_arn not given)"};
    const std::string url = ctx_.env.get("ACTIONS_ID_TOKEN_REQUEST_URL");
    const Secret request_token = ctx_.env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    if (url.empty() && request_token.empty())
        return NotApplicable{
            "ACTIONS_ID_TOKEN_REQUEST_URL not set (not a GitHub Actions job, or the job lacks `permissions: "
            "id-token: write`)"};
    if (url.empty())
        return credentials_error("ACTIONS_ID_TOKEN_REQUEST_TOKEN is set but ACTIONS_ID_TOKEN_REQUEST_URL is not");
    if (request_token.empty())
        return credentials_error("ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not");

    auto jwt = github_id_token(ctx_, sts_, url, request_token);
    if (!jwt) return std::move(jwt).error();
    AssumeRoleParams role = role_;
    if (role.role_session_name.empty()) role.role_session_name = std::string(github_session_name);
    detail::debug(ctx_, "github oidc: assuming role " + role.role_arn + " as session " + role.role_session_name);
    auto creds = assume_role_with_web_identity(with_transport(sts_, ctx_), jwt->reveal(), role);
    if (!creds) return std::move(creds).error();
    creds->source = "GitHub Actions OIDC: " + creds->source;
    creds->kind = CredentialSource::github_oidc;
    return std::move(*creds);
}

}  // namespace cat::aws
