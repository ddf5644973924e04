// IAM Identity Center (SSO): the cached access token, then GetRoleCredentials on the SSO portal.
#include "aws/credentials/sso.hpp"

#include <openssl/evp.h>
#include <rapidjson/document.h>

#include <array>
#include <cmath>

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
        return out;
    });
}

bool host_label(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

Result<http::Url> portal_url(const SsoSettings& sso) {
    std::string base;
    if (!sso.endpoint_url.empty()) {
        base = sso.endpoint_url;
    } else {
        if (!host_label(sso.region))
            return config_error("sso_region \"" + detail::one_line(sso.region, 64) + "\" is not a valid region");
        base = "https://portal.sso." + sso.region + "." + std::string(partition_for(sso.region).dns_suffix);
    }
    auto url = http::parse_url(base);
    if (!url) {
        Error e = std::move(url).error();
        e.kind = ErrorKind::config;
        e.message = "the SSO endpoint URL: " + e.message;
        return e;
    }
    std::string path = url->target.substr(0, url->target.find('?'));
    while (!path.empty() && path.back() == '/') path.pop_back();
    url->target = path + "/federation/credentials?" +
                  sigv4::canonical_query({{"role_name", sso.role_name}, {"account_id", sso.account_id}});
    return url;
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
    const auto token = parse_cached_token(cached.view(), why);
    if (!token) return credentials_error("the cached SSO token " + path + " is invalid (" + why + "): " + login);
    const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
    if (token->expires_at <= now)
        return credentials_error("the SSO token for " + who + " expired at " + format_rfc3339(token->expires_at) +
                                 ": " + login);

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
