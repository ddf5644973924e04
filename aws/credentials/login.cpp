// `aws login` console credentials: the Sign-In token cache and its DPoP-signed refresh.
#include "aws/credentials/login.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <array>

#include "aws/codeartifact.hpp"
#include "aws/credentials/dpop.hpp"
#include "aws/credentials/support.hpp"
#include "aws/endpoints.hpp"
#include "aws/rfc3339.hpp"
#include "aws/shared_config.hpp"
#include "core/platform.hpp"
#include "core/secret.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

constexpr std::string_view operation = "CreateOAuth2Token";
// botocore's LoginCredentialFetcher and the Rust SDK refresh credentials with less than 5 minutes left.
constexpr std::chrono::seconds refresh_threshold{5 * 60};

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

// The cache file's content that we use; the rest of the file is copied back as it is.
struct LoginToken {
    sigv4::Credentials keys;
    std::string account_id;
    std::chrono::sys_seconds expires_at{};
    Secret refresh_token;
    std::string client_id;
    Secret dpop_key;
};

// A required string member of `obj`; `why` names it when it is absent, not a string or empty.
template <class Value>
std::optional<std::string> required(const Value& obj, const char* name, const char* where, std::string& why) {
    auto v = detail::string_member(obj, name);
    if (!v || v->empty()) {
        why = std::string(where) + (obj.HasMember(name) ? " has an empty or non-string " : " has no ") + name;
        return std::nullopt;
    }
    return v;
}

std::optional<LoginToken> parse_login_token(std::string_view content, std::string& why) {
    return detail::read_json_in_place(content, [&](const rapidjson::Document& doc) -> std::optional<LoginToken> {
        if (doc.HasParseError() || !doc.IsObject()) {
            why = "it is not a JSON object";
            return std::nullopt;
        }
        const auto access = doc.FindMember("accessToken");
        if (access == doc.MemberEnd() || !access->value.IsObject()) {
            why = access == doc.MemberEnd() ? "it has no accessToken" : "its accessToken is not an object";
            return std::nullopt;
        }
        const rapidjson::Value& at = access->value;
        LoginToken out;
        auto ak = required(at, "accessKeyId", "its accessToken", why);
        if (!ak) return std::nullopt;
        auto sk = required(at, "secretAccessKey", "its accessToken", why);
        if (!sk) return std::nullopt;
        auto st = required(at, "sessionToken", "its accessToken", why);
        if (!st) return std::nullopt;
        auto account = required(at, "accountId", "its accessToken", why);
        if (!account) return std::nullopt;
        auto expires = required(at, "expiresAt", "its accessToken", why);
        if (!expires) return std::nullopt;
        out.keys = sigv4::Credentials(std::move(*ak), std::move(*sk), std::move(*st));
        out.account_id = std::move(*account);
        const auto when = parse_rfc3339(*expires);
        if (!when) {
            why = "its accessToken's expiresAt \"" + detail::one_line(*expires, 64) + "\" is not an RFC 3339 time";
            return std::nullopt;
        }
        out.expires_at = *when;
        auto refresh = required(doc, "refreshToken", "it", why);
        if (!refresh) return std::nullopt;
        out.refresh_token = std::move(*refresh);
        auto client = required(doc, "clientId", "it", why);
        if (!client) return std::nullopt;
        out.client_id = std::move(*client);
        auto key = required(doc, "dpopKey", "it", why);
        if (!key) return std::nullopt;
        out.dpop_key = std::move(*key);
        if (!detail::header_safe(out.keys.access_key_id) || !detail::header_safe(out.keys.session_token.view())) {
            why = "its accessToken's accessKeyId or sessionToken contains control characters";
            return std::nullopt;
        }
        return out;
    });
}

// The cache file with accessToken and refreshToken replaced, every other member as it was and where it
// was (botocore updates the token's dictionary and writes it back).
Secret rewrite_cache(std::string_view cached, const LoginRefresh& fresh, std::string_view account_id,
                     std::string_view expires_at) {
    return detail::read_json_in_place(cached, [&](const rapidjson::Document& doc) {
        std::string text;
        text.reserve((cached.size() + fresh.keys.access_key_id.size() + fresh.keys.secret_access_key.size() +
                      fresh.keys.session_token.size() + fresh.refresh_token.size() + account_id.size()) *
                         6 +
                     256);
        detail::ReservedStringStream stream{&text};
        rapidjson::Writer<detail::ReservedStringStream> w(stream);
        const auto str = [&w](std::string_view v) { w.String(v.data(), static_cast<rapidjson::SizeType>(v.size())); };
        const auto write_access_token = [&] {
            w.StartObject();
            w.Key("accessKeyId");
            str(fresh.keys.access_key_id);
            w.Key("secretAccessKey");
            str(fresh.keys.secret_access_key.view());
            w.Key("sessionToken");
            str(fresh.keys.session_token.view());
            w.Key("accountId");
            str(account_id);
            w.Key("expiresAt");
            str(expires_at);
            w.EndObject();
        };
        w.StartObject();
        for (const auto& m : doc.GetObject()) {
            const std::string_view key(m.name.GetString(), m.name.GetStringLength());
            w.Key(m.name.GetString(), m.name.GetStringLength());
            if (key == "accessToken")
                write_access_token();
            else if (key == "refreshToken")
                str(fresh.refresh_token.view());
            else
                m.value.Accept(w);
        }
        w.EndObject();
        return Secret(std::move(text));
    });
}

// The cache directory: AWS_LOGIN_CACHE_DIRECTORY, else ~/.aws/login/cache; empty without a home to
// expand.
std::string cache_directory(const ProviderContext& ctx, const std::string& home) {
    const std::string configured = ctx.env.get("AWS_LOGIN_CACHE_DIRECTORY");
    if (!configured.empty() && !(configured.front() == '~' && home.empty())) return expand_home(configured, home);
    return home.empty() ? std::string() : home + "/.aws/login/cache";
}

// CreateOAuth2Token with the cached refresh token and a DPoP proof; the answer is written back to `path`.
Result<LoginToken> refresh(const ProviderContext& ctx, const LoginSettings& login, const LoginToken& old,
                           std::string_view cached, const std::string& path) {
    std::string base = login.endpoint_url;
    if (base.empty()) {
        if (login.region.empty())
            return Error::make(ErrorKind::config,
                               "profile " + login.profile +
                                   ": refreshing the login session needs a region for AWS Sign-In (region in the "
                                   "profile, AWS_REGION or --region)");
        auto regional = signin_endpoint(login.region);
        if (!regional) return std::move(regional).error();
        base = *regional;
    }
    auto url = detail::endpoint_with_path(base, "Sign-In", "/v1/token");
    if (!url) return std::move(url).error();
    auto key = DpopKey::from_pem(old.dpop_key.view());
    if (!key)
        return credentials_error("the login cache " + path + " is invalid (" + key.error().message +
                                 "): run `aws login --profile " + login.profile + "`");
    const std::string htu = detail::describe_url(*url);
    detail::debug(ctx, "login: the credentials expire at " + format_rfc3339(old.expires_at) +
                           ": refreshing them with AWS Sign-In CreateOAuth2Token at " + htu);

    const auto build = [&](int) -> Result<http::Request> {
        // A proof per attempt: its jti must be new and its iat current. Without one the refresh token is not
        // sent at all.
        const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
        auto id = new_dpop_id();
        auto proof = id ? dpop_proof(*key, {"POST", htu, now.time_since_epoch().count(), *id})
                        : Result<std::string>(std::move(id).error());
        if (!proof) return std::move(proof).error();
        http::Request req;
        req.method = "POST";
        req.url = *url;
        req.headers.emplace_back("Content-Type", "application/json");
        req.headers.emplace_back("DPoP", std::move(*proof));
        req.body = detail::json_object(
            {{"clientId", old.client_id}, {"grantType", "refresh_token"}, {"refreshToken", old.refresh_token.view()}});
        return req;
    };
    const std::array<std::string_view, 3> secrets = {old.refresh_token.view(), old.keys.secret_access_key.view(),
                                                     old.keys.session_token.view()};
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status == 200) return std::nullopt;
        Error e = parse_error(r, operation, {secrets[0], secrets[1], secrets[2]});
        e.retryable = is_retryable(e, ctx.call.retry.mode);
        // Sign-In's errors carry an OAuth error code in "error" (TOKEN_EXPIRED, USER_CREDENTIALS_CHANGED,
        // INSUFFICIENT_PERMISSIONS, ...), which botocore decides on.
        const std::string oauth = detail::read_json_in_place(r.body, [](const rapidjson::Document& doc) {
            if (doc.HasParseError() || !doc.IsObject()) return std::string();
            return detail::one_line(detail::string_member(doc, "error").value_or(""), 64);
        });
        if (!oauth.empty() && oauth != e.code) e.message += " (error " + oauth + ")";
        return e;
    };
    detail::ProviderTransport transport(ctx, ctx.transport_options.connect_timeout, ctx.transport_options.read_timeout);
    auto response = send_with_retries(detail::call_options(ctx, *transport),
                                      {"signin", "the AWS Sign-In endpoint " + htu, secrets}, build, classify);
    if (!response) return std::move(response).error();
    const Secret body = std::move(response->body);
    auto answer = parse_create_oauth2_token(body.view());
    if (!answer) return std::move(answer).error();

    const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
    LoginToken fresh;
    fresh.expires_at = now + answer->expires_in;
    fresh.account_id = old.account_id;
    fresh.client_id = old.client_id;
    fresh.dpop_key = old.dpop_key;
    const std::string expires = format_rfc3339(fresh.expires_at);
    const Secret file = rewrite_cache(cached, *answer, old.account_id, expires);
    fresh.keys = std::move(answer->keys);
    fresh.refresh_token = std::move(answer->refresh_token);
    auto written = ctx.write_file ? ctx.write_file(path, file.view()) : write_private_file(path, file.view());
    // The new credentials serve this run either way (the Rust SDK only warns too).
    if (!written)
        detail::warn(ctx, "the refreshed login credentials could not be written back to " + path + ": " +
                              written.error().message);
    else
        detail::debug(ctx, "login: refreshed (the credentials expire at " + expires + ") and wrote back " + path);
    return fresh;
}

}  // namespace

Result<LoginRefresh> parse_create_oauth2_token(std::string_view json) {
    return detail::read_json_in_place(json, [&](const rapidjson::Document& doc) -> Result<LoginRefresh> {
        std::string why;
        const auto fail = [&] {
            return credentials_error(std::string(operation) + ": unreadable response from AWS Sign-In (" + why + ")");
        };
        if (doc.HasParseError() || !doc.IsObject()) {
            why = "not a JSON object";
            return fail();
        }
        const auto access = doc.FindMember("accessToken");
        if (access == doc.MemberEnd() || !access->value.IsObject()) {
            why = "no accessToken object";
            return fail();
        }
        LoginRefresh out;
        auto ak = required(access->value, "accessKeyId", "its accessToken", why);
        auto sk = ak ? required(access->value, "secretAccessKey", "its accessToken", why) : std::nullopt;
        auto st = sk ? required(access->value, "sessionToken", "its accessToken", why) : std::nullopt;
        auto refresh = st ? required(doc, "refreshToken", "it", why) : std::nullopt;
        if (!refresh) return fail();
        out.keys = sigv4::Credentials(std::move(*ak), std::move(*sk), std::move(*st));
        out.refresh_token = std::move(*refresh);
        if (!detail::header_safe(out.keys.access_key_id) || !detail::header_safe(out.keys.session_token.view())) {
            why = "control characters in the credentials";
            return fail();
        }
        const auto in = doc.FindMember("expiresIn");
        if (in == doc.MemberEnd() || !in->value.IsInt64() || in->value.GetInt64() <= 0 ||
            in->value.GetInt64() > 366LL * 24 * 3600) {
            why = "no expiresIn, or out of range";
            return fail();
        }
        out.expires_in = std::chrono::seconds{in->value.GetInt64()};
        return out;
    });
}

std::string login_cache_file_name(std::string_view session) {
    std::string out;
    text::append_hex(out, sha256(text::trim(session)));
    return out + ".json";
}

Result<std::string> signin_endpoint(std::string_view region) {
    if (!detail::host_label(region))
        return Error::make(ErrorKind::config,
                           "region \"" + detail::one_line(region, 64) + "\" is not a valid region for AWS Sign-In");
    // botocore's signin endpoint rules (2023-01-01) for an operation outside the control plane, without FIPS
    // or dual-stack.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> hosts = {{
        {"aws", "signin.aws.amazon.com"},
        {"aws-cn", "signin.amazonaws.cn"},
        {"aws-us-gov", "signin.amazonaws-us-gov.com"},
        {"aws-iso", "signin.c2shome.ic.gov"},
        {"aws-iso-b", "signin.sc2shome.sgov.gov"},
        {"aws-iso-f", "signin.csphome.hci.ic.gov"},
        {"aws-iso-e", "signin.csphome.adc-e.uk"},
        {"aws-eusc", "signin.amazonaws-eusc.eu"},
    }};
    const Partition& partition = partition_for(region);
    std::string host = "signin." + std::string(partition.dns_suffix);
    for (const auto& [id, name] : hosts)
        if (id == partition.id) host = name;
    return "https://" + std::string(region) + "." + host;
}

Result<AwsCredentials> credentials_from_login(const ProviderContext& ctx, const LoginSettings& login) {
    const std::string relogin = "run `aws login --profile " + login.profile + "`";
    const std::string home = ctx.home.empty() ? platform::home_dir(ctx.env) : ctx.home;
    const std::string dir = cache_directory(ctx, home);
    if (dir.empty())
        return Error::make(ErrorKind::config, std::string(platform::home_variable) +
                                                  " is not set: cannot find the login cache (~/.aws/login/cache)");
    const std::string path = dir + "/" + login_cache_file_name(login.session);
    detail::debug(ctx, "login: reading the cached credentials of login session " + login.session + " from " + path);
    auto content = ctx.read_file ? ctx.read_file(path) : read_whole_file(path);
    if (!content)
        return credentials_error("no cached credentials for login session " + login.session + " (" +
                                 content.error().message + "): " + relogin);
    const Secret cached = std::move(*content);
    std::string why;
    auto token = parse_login_token(cached.view(), why);
    if (!token) return credentials_error("the login cache " + path + " is invalid (" + why + "): " + relogin);

    const auto now = std::chrono::floor<std::chrono::seconds>(aws::now(ctx.call));
    if (token->expires_at - now <= refresh_threshold) {
        auto fresh = refresh(ctx, login, *token, cached.view(), path);
        if (!fresh) {
            Error e = std::move(fresh).error();
            if (e.http_status == 0) return e;  // no answer (a network error) or a local problem: as it is
            Error out = credentials_error("the login session " + login.session + " could not be refreshed (" +
                                          e.message + "): " + relogin);
            out.code = e.code;
            out.http_status = e.http_status;
            out.request_id = e.request_id;
            return out;
        }
        token = std::move(*fresh);
    } else {
        detail::debug(ctx, "login: the cached credentials are valid until " + format_rfc3339(token->expires_at));
    }
    AwsCredentials creds;
    creds.keys = std::move(token->keys);
    creds.expiration = token->expires_at;
    creds.source = "login session " + login.session;
    creds.kind = CredentialSource::login;
    return creds;
}

}  // namespace cat::aws
