#include "aws/credentials/web_identity.hpp"

#include <rapidjson/document.h>

#include <random>
#include <thread>

#include "sigv4/crypto.hpp"

namespace cat::aws {
namespace {

constexpr std::string_view github_audience = "sts.amazonaws.com";
// The session name GitHub's configure-aws-credentials action uses by default.
constexpr std::string_view github_session_name = "GitHubActions";

std::string trimmed(std::string_view s) {
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
    while (!s.empty() && space(s.front())) s.remove_prefix(1);
    while (!s.empty() && space(s.back())) s.remove_suffix(1);
    return std::string(s);
}

// A string that is wiped when it goes away: the tokens on their way to STS.
struct Secret {
    std::string value;
    ~Secret() { sigv4::crypto::wipe(value); }
};

void debug(const ProviderContext& ctx, const std::string& line) {
    if (ctx.debug) ctx.debug(line);
}

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

StsConfig with_transport(StsConfig sts, const ProviderContext& ctx) {
    if (sts.transport == nullptr) sts.transport = ctx.transport;
    return sts;
}

void pause(const StsConfig& sts, int attempt) {
    std::function<double()> uniform01 = sts.uniform01;
    if (!uniform01) {
        uniform01 = [gen = std::mt19937_64{std::random_device{}()}]() mutable {
            return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
        };
    }
    const auto delay = backoff(sts.retry, attempt, std::chrono::milliseconds{0}, uniform01);
    if (sts.sleep)
        sts.sleep(delay);
    else
        std::this_thread::sleep_for(delay);
}

// GET <request_url>[?&]audience=sts.amazonaws.com with the bearer token; the JWT from {"value": ...}.
Result<std::string> github_id_token(const ProviderContext& ctx, const StsConfig& sts, const std::string& request_url,
                                    const std::string& request_token) {
    const std::string separator = request_url.find('?') == std::string::npos ? "?" : "&";
    auto url = http::parse_url(request_url + separator + "audience=" + std::string(github_audience));
    if (!url) return credentials_error("ACTIONS_ID_TOKEN_REQUEST_URL is not a usable URL: " + url.error().message);
    http::Transport* transport = ctx.transport != nullptr ? ctx.transport : sts.transport;
    if (transport == nullptr) return Error::make(ErrorKind::internal, "github oidc: no transport");

    struct WipedRequest : http::Request {
        ~WipedRequest() {
            for (auto& h : headers) sigv4::crypto::wipe(h.second);  // the bearer token
        }
    } request;
    request.method = "GET";
    request.url = *url;
    request.headers = {
        {"Authorization", "Bearer " + request_token}, {"Accept", "application/json"}, {"User-Agent", sts.user_agent}};
    const std::string where = url->scheme + "://" + http::host_header(*url);
    const int max_attempts = std::max(1, sts.retry.max_attempts);
    for (int attempt = 1;; ++attempt) {
        debug(ctx, "github oidc: attempt " + std::to_string(attempt) + " GET " + where + " (audience " +
                       std::string(github_audience) + ")");
        auto response = transport->send(request, http::Clock::now() + sts.attempt_timeout);
        Error error;
        bool retry = false;
        if (!response) {
            error = std::move(response).error();
            error.message = "GitHub OIDC token request to " + where + ": " + error.message;
            retry = is_retryable(error);
        } else if (response->status != 200) {
            error = credentials_error("GitHub OIDC token request to " + where + " failed: HTTP " +
                                      std::to_string(response->status));
            if (response->status == 401 || response->status == 403)
                error.message += " (ACTIONS_ID_TOKEN_REQUEST_TOKEN refused: it is only valid during its job)";
            error.http_status = response->status;
            retry = response->status == 429 || response->status >= 500;
            sigv4::crypto::wipe(response->body);
        } else {
            rapidjson::Document doc;
            doc.Parse(response->body.data(), response->body.size());
            sigv4::crypto::wipe(response->body);
            if (!doc.HasParseError() && doc.IsObject()) {
                const auto value = doc.FindMember("value");
                if (value != doc.MemberEnd() && value->value.IsString() && value->value.GetStringLength() > 0)
                    return std::string(value->value.GetString(), value->value.GetStringLength());
            }
            Error e = credentials_error("GitHub OIDC token response from " + where +
                                        " is not a JSON object with a \"value\" string");
            e.http_status = 200;
            return e;
        }
        debug(ctx, "github oidc: attempt " + std::to_string(attempt) + " failed: " + describe(error));
        if (!retry || attempt >= max_attempts) {
            if (attempt > 1) error.message += " (after " + std::to_string(attempt) + " attempts)";
            return error;
        }
        pause(sts, attempt);
    }
}

}  // namespace

Result<AwsCredentials> credentials_from_web_identity_file(const ProviderContext& ctx, const StsConfig& sts,
                                                          const std::string& token_file, const AssumeRoleParams& role) {
    debug(ctx, "web identity: reading the token from " + token_file);
    auto content = ctx.read_file ? ctx.read_file(token_file) : read_whole_file(token_file);
    if (!content) {
        Error e = std::move(content).error();
        e.kind = ErrorKind::credentials;
        e.message = "web identity token file: " + e.message;
        return e;
    }
    Secret token{trimmed(*content)};
    sigv4::crypto::wipe(*content);
    if (token.value.empty()) return credentials_error("web identity token file " + token_file + " is empty");
    debug(ctx, "web identity: assuming role " + role.role_arn);
    return assume_role_with_web_identity(with_transport(sts, ctx), token.value, role);
}

Result<AwsCredentials> WebIdentityEnvProvider::resolve() {
    const std::string file = ctx_.env.get("AWS_WEB_IDENTITY_TOKEN_FILE");
    if (file.empty()) return skip("AWS_WEB_IDENTITY_TOKEN_FILE not set");
    AssumeRoleParams role;
    role.role_arn = ctx_.env.get("AWS_ROLE_ARN");
    if (role.role_arn.empty())
        return Error::make(ErrorKind::config, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
    role.role_session_name = ctx_.env.get("AWS_ROLE_SESSION_NAME");
    auto creds = credentials_from_web_identity_file(ctx_, sts_, file, role);
    if (creds) creds->source = "AWS_WEB_IDENTITY_TOKEN_FILE: " + creds->source;
    return creds;
}

Result<AwsCredentials> GitHubOidcProvider::resolve() {
    if (role_.role_arn.empty()) return skip("no role to assume (role_arn not given)");
    const std::string url = ctx_.env.get("ACTIONS_ID_TOKEN_REQUEST_URL");
    Secret request_token{ctx_.env.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN")};
    if (url.empty() && request_token.value.empty())
        return skip(
            "ACTIONS_ID_TOKEN_REQUEST_URL not set (not a GitHub Actions job, or the job lacks `permissions: "
            "id-token: write`)");
    if (url.empty())
        return credentials_error("ACTIONS_ID_TOKEN_REQUEST_TOKEN is set but ACTIONS_ID_TOKEN_REQUEST_URL is not");
    if (request_token.value.empty())
        return credentials_error("ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not");

    auto jwt = github_id_token(ctx_, sts_, url, request_token.value);
    if (!jwt) return std::move(jwt).error();
    Secret token{std::move(*jwt)};
    AssumeRoleParams role = role_;
    if (role.role_session_name.empty()) role.role_session_name = std::string(github_session_name);
    debug(ctx_, "github oidc: assuming role " + role.role_arn + " as session " + role.role_session_name);
    auto creds = assume_role_with_web_identity(with_transport(sts_, ctx_), token.value, role);
    if (creds) creds->source = "GitHub Actions OIDC: " + creds->source;
    return creds;
}

}  // namespace cat::aws
