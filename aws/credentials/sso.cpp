// IAM Identity Center (SSO): the cached access token, then GetRoleCredentials on the SSO portal.
#include "aws/credentials/sso.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <array>
#include <cmath>
#include <cstring>
#include <vector>

#include "aws/codeartifact.hpp"
#include "aws/credentials/support.hpp"
#include "aws/endpoints.hpp"
#include "aws/retry.hpp"
#include "aws/rfc3339.hpp"
#include "core/platform.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

constexpr std::string_view operation = "GetRoleCredentials";
// botocore's SSOTokenProvider refreshes a token with less than 15 minutes left.
constexpr std::chrono::seconds sso_refresh_window{15 * 60};

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

Error config_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

// The access token and its expiry from the cache file's JSON; nullopt when the file is invalid (`why`
// says what is wrong).
struct CachedToken {
    Secret access_token;
    std::chrono::sys_seconds expires_at{};
    // What a refresh needs (empty when absent): botocore requires all four keys.
    Secret refresh_token;
    Secret client_secret;
    std::string client_id;
    std::string registration_expires_at;  // as written; copied back unchanged, as botocore does
};

std::optional<CachedToken> parse_cached_token(std::string_view content, std::string& why) {
    return detail::read_json_in_place(content, [&](const rapidjson::Document& doc) -> std::optional<CachedToken> {
        if (doc.HasParseError() || !doc.IsObject()) {
            why = "it is not a JSON object";
            return std::nullopt;
        }
        auto token = detail::string_member(doc, "accessToken");
        if (!token || token->empty()) {
            why = "it has no accessToken";
            return std::nullopt;
        }
        CachedToken out;
        out.access_token = std::move(*token);
        const auto expires = detail::string_member(doc, "expiresAt");
        if (!expires) {
            why = "it has no expiresAt";
            return std::nullopt;
        }
        const auto when = parse_rfc3339(*expires);
        if (!when) {
            why = "its expiresAt \"" + detail::one_line(*expires, 64) + "\" is not an RFC 3339 time";
            return std::nullopt;
        }
        if (!detail::header_safe(out.access_token.view())) {
            why = "its accessToken contains control characters";
            return std::nullopt;
        }
        out.expires_at = *when;
        if (auto v = detail::string_member(doc, "refreshToken")) out.refresh_token = std::move(*v);
        if (auto v = detail::string_member(doc, "clientSecret")) out.client_secret = std::move(*v);
        if (auto v = detail::string_member(doc, "clientId")) out.client_id = std::move(*v);
        if (auto v = detail::string_member(doc, "registrationExpiresAt")) out.registration_expires_at = std::move(*v);
        return out;
    });
}

// `configured`, else https://<host_prefix><sso_region>.<the partition's DNS suffix>, with `path` after its
// own path (trailing slashes and any query dropped). `what` names the endpoint in errors.
Result<http::Url> sso_url(const std::string& configured, std::string_view host_prefix, const std::string& region,
                          std::string_view what, std::string_view path) {
    std::string base = configured;
    if (base.empty()) {
        if (!detail::host_label(region))
            return config_error("sso_region \"" + detail::one_line(region, 64) + "\" is not a valid region");
        base = "https://" + std::string(host_prefix) + region + "." + std::string(partition_for(region).dns_suffix);
    }
    return detail::endpoint_with_path(base, what, path);
}

Result<http::Url> portal_url(const SsoSettings& sso) {
    return sso_url(sso.endpoint_url, "portal.sso.", sso.region, "SSO",
                   "/federation/credentials?" +
                       sigv4::canonical_query({{"role_name", sso.role_name}, {"account_id", sso.account_id}}));
}

// The SSO OIDC token endpoint: the configured one, else https://oidc.<region>.<DNS suffix>, with /token.
Result<http::Url> oidc_token_url(const SsoSettings& sso) {
    return sso_url(sso.oidc_endpoint_url, "oidc.", sso.region, "SSO OIDC", "/token");
}

// botocore's expiresAt: "%Y-%m-%dT%H:%M:%SZ".
std::string cache_time(std::chrono::sys_seconds t) {
    return format_rfc3339(t);
}

}  // namespace

std::string sso_cache_file_name(std::string_view key) {
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA1", nullptr);
    if (md == nullptr) return {};
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    const int ok = EVP_Digest(key.data(), key.size(), digest, &length, md, nullptr);
    EVP_MD_free(md);
    if (ok != 1) return {};
    std::string out;
    text::append_hex(out, std::span<const std::uint8_t>(digest, length));
    return out + ".json";
}

Result<AwsCredentials> parse_sso_role_credentials(std::string_view json) {
    const auto fail = [](std::string_view why) {
        return credentials_error(std::string(operation) + ": unreadable response from the SSO portal (" +
                                 std::string(why) + ")");
    };
    return detail::read_json_in_place(json, [&](const rapidjson::Document& doc) -> Result<AwsCredentials> {
        if (doc.HasParseError() || !doc.IsObject()) return fail("not a JSON object");
        const auto role = doc.FindMember("roleCredentials");
        if (role == doc.MemberEnd() || !role->value.IsObject()) return fail("no roleCredentials object");
        const rapidjson::Value& rc = role->value;
        AwsCredentials out;
        const auto required = [&](const char* name, auto& into) -> Status {
            auto v = detail::string_member(rc, name);
            if (!v || v->empty()) return fail(std::string("no ") + name);
            into = std::move(*v);
            return Ok{};
        };
        if (auto s = required("accessKeyId", out.keys.access_key_id); !s) return std::move(s).error();
        if (auto s = required("secretAccessKey", out.keys.secret_access_key); !s) return std::move(s).error();
        if (auto s = required("sessionToken", out.keys.session_token); !s) return std::move(s).error();
        const auto exp = rc.FindMember("expiration");
        if (exp == rc.MemberEnd() || !exp->value.IsNumber()) return fail("no expiration");
        const double ms = exp->value.IsInt64() ? static_cast<double>(exp->value.GetInt64()) : exp->value.GetDouble();
        if (!(ms >= 0 && ms < 253402300800000.0)) return fail("expiration out of range");
        out.expiration = std::chrono::sys_seconds{std::chrono::seconds{static_cast<long long>(std::floor(ms / 1000))}};
        out.source = "sso";
        out.kind = CredentialSource::sso;
        return out;
    });
}

Result<SsoTokenRefresh> parse_sso_create_token(std::string_view json) {
    const auto fail = [](std::string_view why) {
        return credentials_error("CreateToken: unreadable response from SSO OIDC (" + std::string(why) + ")");
    };
    return detail::read_json_in_place(json, [&](const rapidjson::Document& doc) -> Result<SsoTokenRefresh> {
        if (doc.HasParseError() || !doc.IsObject()) return fail("not a JSON object");
        SsoTokenRefresh out;
        auto token = detail::string_member(doc, "accessToken");
        if (!token || token->empty()) return fail("no accessToken");
        out.access_token = std::move(*token);
        if (!detail::header_safe(out.access_token.view())) return fail("the accessToken contains control characters");
        const auto in = doc.FindMember("expiresIn");
        if (in == doc.MemberEnd() || !in->value.IsInt64()) return fail("no expiresIn");
        const std::int64_t seconds = in->value.GetInt64();
        if (seconds <= 0 || seconds > 366LL * 24 * 3600) return fail("expiresIn out of range");
        out.expires_in = std::chrono::seconds{seconds};
        if (doc.HasMember("refreshToken")) {
            auto refresh = detail::string_member(doc, "refreshToken");
            if (!refresh) return fail("the refreshToken is not a string");
            out.refresh_token = Secret(std::move(*refresh));
        }
        return out;
    });
}

namespace {

// What to say and do around one SSO token: the names, and how to log in again.
struct SsoNames {
    bool session = false;
    std::string who;    // sso-session "S" / SSO start URL U
    std::string login;  // run `aws sso login ...`
};

// CreateToken with the cached refresh token; the new token is written back to `path`.
Result<CachedToken> refresh_sso_token(const ProviderContext& ctx, const SsoSettings& sso, const CachedToken& old,
                                      const std::string& path) {
    auto url = oidc_token_url(sso);
    if (!url) return std::move(url).error();
    const std::string where = detail::describe_url(*url);
    detail::ProviderTransport transport(ctx, ctx.transport_options.connect_timeout, ctx.transport_options.read_timeout);
    const auto build = [&](int) {
        http::Request req;
        req.method = "POST";
        req.url = *url;
        req.headers.emplace_back("Content-Type", "application/json");
        req.body = detail::json_object({{"clientId", old.client_id},
                                        {"clientSecret", old.client_secret.view()},
                                        {"grantType", "refresh_token"},
                                        {"refreshToken", old.refresh_token.view()}});
        return req;
    };
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status == 200) return std::nullopt;
        Error e = parse_error(r, "CreateToken",
                              {old.refresh_token.view(), old.client_secret.view(), old.access_token.view()});
        e.retryable = is_retryable(e, ctx.call.retry.mode);
        return e;
    };
    const std::array<std::string_view, 3> secrets = {old.refresh_token.view(), old.client_secret.view(),
                                                     old.access_token.view()};
    auto response = send_with_retries(detail::call_options(ctx, *transport),
                                      {"sso-oidc", "the SSO OIDC endpoint " + where, secrets}, build, classify);
    if (!response) return std::move(response).error();
    const Secret body = std::move(response->body);
    auto answer = parse_sso_create_token(body.view());
    if (!answer) return std::move(answer).error();

    const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
    CachedToken fresh;
    fresh.access_token = std::move(answer->access_token);
    fresh.expires_at = now + answer->expires_in;
    fresh.client_id = old.client_id;
    fresh.client_secret = old.client_secret;
    fresh.registration_expires_at = old.registration_expires_at;
    // botocore keeps a refresh token only when the answer has one.
    if (answer->refresh_token) fresh.refresh_token = std::move(*answer->refresh_token);

    const std::string expires = cache_time(fresh.expires_at);
    detail::JsonMembers members = {{"startUrl", sso.start_url},
                                   {"region", sso.region},
                                   {"accessToken", fresh.access_token.view()},
                                   {"expiresAt", expires},
                                   {"clientId", fresh.client_id},
                                   {"clientSecret", fresh.client_secret.view()},
                                   {"registrationExpiresAt", fresh.registration_expires_at}};
    if (answer->refresh_token) members.emplace_back("refreshToken", fresh.refresh_token.view());
    const Secret file = detail::json_object(members);
    auto written = ctx.write_file ? ctx.write_file(path, file.view()) : write_private_file(path, file.view());
    // The new token serves this run either way; the next run refreshes again from the old file.
    if (!written)
        detail::warn(ctx,
                     "the refreshed SSO token could not be written back to " + path + ": " + written.error().message);
    else
        detail::debug(ctx, "sso: refreshed the token (it expires at " + expires + ") and wrote it back to " + path);
    return fresh;
}

// Why the cached token cannot be refreshed (empty: it can), botocore's conditions.
std::string no_refresh_reason(const CachedToken& token, std::chrono::sys_seconds now) {
    if (token.refresh_token.empty()) return "the cache holds no refresh token";
    if (token.client_id.empty() || token.client_secret.empty())
        return "the cache holds no client registration (clientId, clientSecret)";
    if (token.registration_expires_at.empty()) return "the cache holds no registrationExpiresAt";
    const auto registration = parse_rfc3339(token.registration_expires_at);
    if (!registration)
        return "its registrationExpiresAt \"" + detail::one_line(token.registration_expires_at, 64) +
               "\" is not an RFC 3339 time";
    if (*registration <= now) return "its client registration expired at " + format_rfc3339(*registration);
    return {};
}

}  // namespace

Result<AwsCredentials> credentials_from_sso(const ProviderContext& ctx, const SsoSettings& sso) {
    const bool session = !sso.session_name.empty();
    const std::string key = session ? sso.session_name : sso.start_url;
    const std::string login = session               ? "run `aws sso login --sso-session " + sso.session_name + "`"
                              : sso.profile.empty() ? std::string("run `aws sso login`")
                                                    : "run `aws sso login --profile " + sso.profile + "`";
    const std::string who = session ? "sso-session \"" + sso.session_name + "\"" : "SSO start URL " + sso.start_url;
    const std::string profile = sso.profile.empty() ? std::string("the SSO profile") : "profile " + sso.profile;
    if (key.empty()) return config_error(profile + " has neither sso_session nor sso_start_url");
    if (sso.account_id.empty()) return config_error(profile + " has no sso_account_id");
    if (sso.role_name.empty()) return config_error(profile + " has no sso_role_name");
    if (sso.region.empty() && sso.endpoint_url.empty()) return config_error(profile + " has no sso_region");

    auto url = portal_url(sso);
    if (!url) return std::move(url).error();

    const std::string home = ctx.home.empty() ? platform::home_dir(ctx.env) : ctx.home;
    if (home.empty())
        return config_error(std::string(platform::home_variable) +
                            " is not set: cannot find the SSO token cache (~/.aws/sso/cache)");
    const std::string name = sso_cache_file_name(key);
    if (name.empty()) return Error::make(ErrorKind::internal, "OpenSSL: SHA-1 is not available");
    const std::string path = home + "/.aws/sso/cache/" + name;
    detail::debug(ctx, "sso: reading the cached token for " + who + " from " + path);
    auto content = ctx.read_file ? ctx.read_file(path) : read_whole_file(path);
    if (!content)
        return credentials_error("no usable cached SSO token for " + who + " (" + content.error().message +
                                 "): " + login);
    const Secret cached = std::move(*content);
    std::string why;
    auto token = parse_cached_token(cached.view(), why);
    if (!token) return credentials_error("the cached SSO token " + path + " is invalid (" + why + "): " + login);
    const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
    const bool expired = token->expires_at <= now;
    if (!session && expired)  // botocore refreshes only sso-session tokens
        return credentials_error("the SSO token for " + who + " expired at " + format_rfc3339(token->expires_at) +
                                 ": " + login);
    if (session && token->expires_at - now < sso_refresh_window) {
        const std::string cannot = no_refresh_reason(*token, now);
        if (!cannot.empty()) {
            if (expired)
                return credentials_error("the SSO session " + sso.session_name + " has expired (its token expired at " +
                                         format_rfc3339(token->expires_at) + " and " + cannot + "): " + login);
            detail::debug(ctx, "sso: the token expires at " + format_rfc3339(token->expires_at) +
                                   " and is not refreshed: " + cannot);
        } else {
            detail::debug(ctx, "sso: the token expires at " + format_rfc3339(token->expires_at) +
                                   ": refreshing it with SSO OIDC CreateToken");
            auto fresh = refresh_sso_token(ctx, sso, *token, path);
            if (fresh) {
                token = std::move(*fresh);
            } else if (!expired) {  // botocore keeps a token that still works
                detail::debug(ctx, "sso: the refresh failed, the cached token is used until it expires: " +
                                       fresh.error().message);
            } else {
                Error e = std::move(fresh).error();
                if (e.http_status == 0) return e;  // no answer: a network error, as it is
                Error out = credentials_error("the SSO session " + sso.session_name +
                                              " has expired and could not be refreshed (" + e.message + "): " + login);
                out.code = e.code;
                out.http_status = e.http_status;
                out.request_id = e.request_id;
                return out;
            }
        }
    }

    // The portal call honours --max-attempts / AWS_MAX_ATTEMPTS like every other call (ctx.call.retry).
    detail::ProviderTransport transport(ctx, ctx.transport_options.connect_timeout, ctx.transport_options.read_timeout);
    const std::string where = detail::describe_url(*url);
    detail::debug(ctx, "sso: " + std::string(operation) + " for account " + sso.account_id + ", role " + sso.role_name);
    const auto build = [&](int) {
        http::Request req;
        req.method = "GET";
        req.url = *url;
        req.headers.emplace_back("x-amz-sso_bearer_token", token->access_token.reveal());
        return req;
    };
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status == 200) return std::nullopt;
        Error error = parse_error(r, operation, {token->access_token.view()});
        error.retryable = is_retryable(error, ctx.call.retry.mode);
        if (r.status == 401 || error.code == "UnauthorizedException") {
            Error e = credentials_error("the SSO session has expired or is invalid (" + who + "): " + login);
            e.code = error.code;
            e.http_status = error.http_status;
            e.request_id = error.request_id;
            return e;
        }
        return error;
    };
    const std::array<std::string_view, 1> secrets = {token->access_token.view()};
    auto response = send_with_retries(detail::call_options(ctx, *transport),
                                      {"sso", "the SSO portal " + where, secrets}, build, classify);
    if (!response) return std::move(response).error();
    const Secret body = std::move(response->body);
    auto creds = parse_sso_role_credentials(body.view());
    if (creds) creds->source = "sso (account " + sso.account_id + ", role " + sso.role_name + ")";
    return creds;
}

}  // namespace cat::aws
