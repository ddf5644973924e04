// The container credentials endpoint (ECS, EKS Pod Identity) and EC2 instance metadata (IMDSv2).
#include "aws/credentials/container.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cstring>
#include <memory>

#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "core/json.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

Error config_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

// The same error, its message prefixed (a transport error keeps its stage and retryability).
Error prefixed(Error e, const std::string& prefix, ErrorKind kind) {
    e.message = prefix + e.message;
    e.kind = kind;
    return e;
}

// parse_metadata_credentials, telling apart a body that is not JSON at all (which botocore retries).
Result<AwsCredentials> parse_credentials(std::string_view json, std::string_view source, bool& unparsable) {
    const std::string src(source);
    unparsable = false;
    return detail::read_json_in_place(json, [&](const rapidjson::Document& doc) -> Result<AwsCredentials> {
        if (doc.HasParseError() || !doc.IsObject()) {
            unparsable = true;
            return credentials_error(src + ": the response is not a JSON object");
        }
        if (const auto code = doc.FindMember("Code"); code != doc.MemberEnd()) {
            if (!code->value.IsString()) return credentials_error(src + ": the response's Code is not a string");
            const std::string value(code->value.GetString(), code->value.GetStringLength());
            if (value != "Success") {
                std::string message = src + ": the endpoint answered Code \"" + detail::one_line(value, 100) + "\"";
                if (const auto m = detail::string_member(doc, "Message"); m && !m->empty())
                    message += ": " + detail::one_line(*m);
                Error e = credentials_error(std::move(message));
                e.code = detail::one_line(value, 100);
                return e;
            }
        }
        AwsCredentials out;
        const auto required = [&](const char* name, auto& into) -> Status {
            auto v = detail::string_member(doc, name);
            if (!v || v->empty()) return credentials_error(src + ": the response has no " + name);
            into = std::move(*v);
            return Ok{};
        };
        if (auto s = required("AccessKeyId", out.keys.access_key_id); !s) return std::move(s).error();
        if (auto s = required("SecretAccessKey", out.keys.secret_access_key); !s) return std::move(s).error();
        if (auto s = required("Token", out.keys.session_token); !s) return std::move(s).error();
        std::string expiration;
        if (auto s = required("Expiration", expiration); !s) return std::move(s).error();
        const auto when = parse_rfc3339(expiration);
        if (!when)
            return credentials_error(src + ": Expiration \"" + detail::one_line(expiration, 64) +
                                     "\" is not an RFC 3339 time");
        out.expiration = *when;
        if (auto arn = detail::string_member(doc, "RoleArn")) out.role_arn = detail::one_line(*arn, 2048);
        out.source = src;
        return out;
    });
}

// ---- container ----

constexpr std::string_view relative_var = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
constexpr std::string_view full_var = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
constexpr std::string_view token_var = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
constexpr std::string_view token_file_var = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
constexpr int container_attempts = 3;
constexpr seconds container_timeout{2};
constexpr seconds container_pause{1};

// botocore's allow-list for http: loopback addresses, "localhost", the ECS host and the EKS Pod Identity
// hosts. IP literals are compared as addresses.
bool allowed_http_host(const std::string& host) {
    if (host == "localhost") return true;
    const auto ip = http::parse_ip(host);
    if (!ip) return false;
    const auto& b = ip->bytes;
    if (!ip->v6) return b[0] == 127 || (b[0] == 169 && b[1] == 254 && b[2] == 170 && (b[3] == 2 || b[3] == 23));
    static constexpr std::array<unsigned char, 16> loopback{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    static constexpr std::array<unsigned char, 16> eks{0xfd, 0, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x23};
    return b == loopback || b == eks;
}

Result<http::Url> container_url(const Env& env) {
    const std::string relative = env.get(relative_var);
    if (!relative.empty()) {
        if (relative.front() != '/')
            return config_error(std::string(relative_var) + " must be a path starting with '/'");
        auto url = http::parse_url("http://169.254.170.2" + relative);
        if (!url) return prefixed(std::move(url).error(), std::string(relative_var) + ": ", ErrorKind::config);
        return url;
    }
    const std::string full = env.get(full_var);
    auto url = http::parse_url(full);
    if (!url) return prefixed(std::move(url).error(), std::string(full_var) + ": ", ErrorKind::config);
    if (url->scheme != "https" && !allowed_http_host(url->host))
        return config_error(std::string(full_var) + ": unsupported host \"" + url->host +
                            "\": over http only a loopback address, localhost, 169.254.170.2, 169.254.170.23 or "
                            "fd00:ec2::23 may serve credentials (https may use any host)");
    return url;
}

// The Authorization header's value: the token file (read now, on every resolve) or the variable. Trimmed
// of spaces, tabs, CR and LF (botocore's strip() also drops form feeds and vertical tabs; here they stay
// and are refused as control characters).
Result<Secret> container_authorization(const ProviderContext& ctx) {
    const std::string file = ctx.env.get(token_file_var);
    Secret token;
    std::string from;
    if (!file.empty()) {
        auto content = ctx.read_file ? ctx.read_file(file) : read_whole_file(file);
        if (!content)
            return prefixed(std::move(content).error(),
                            "the container authorization token file (" + std::string(token_file_var) + "): ",
                            ErrorKind::credentials);
        const Secret whole = std::move(*content);
        token = text::trim(whole.view());
        from = file + " (" + std::string(token_file_var) + ")";
    } else {
        const Secret whole = ctx.env.get(token_var);
        token = text::trim(whole.view());
        from = std::string(token_var);
    }
    if (!detail::header_safe(token.view()))
        return config_error("the container authorization token from " + from +
                            " is not a legal header value: it contains CR, LF or another control character");
    return token;
}

// ---- IMDS ----

constexpr std::string_view imds_default_endpoint = "http://169.254.169.254/";
constexpr std::string_view imds_default_endpoint_v6 = "http://[fd00:ec2::254]/";
constexpr std::string_view token_path = "/latest/api/token";
constexpr std::string_view roles_path = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view region_path = "/latest/meta-data/placement/region";

// The first non-empty of the variable and the profile's value, with where it came from.
std::pair<std::string, std::string> setting(const Env& env, std::string_view var, const std::string& profile_value,
                                            std::string_view profile_key) {
    if (std::string v = env.get(var); !v.empty()) return {v, std::string(var)};
    return {profile_value, "profile " + std::string(profile_key)};
}

Result<int> whole_number(const std::pair<std::string, std::string>& value, int fallback, int max) {
    const std::string t(text::trim(value.first));
    if (t.empty()) return fallback;
    int n = 0;
    bool ok = t.size() <= 6;
    for (char c : t) {
        ok = ok && c >= '0' && c <= '9';
        if (ok) n = n * 10 + (c - '0');
    }
    if (!ok || n < 1 || n > max)
        return config_error(value.second + " \"" + detail::one_line(t, 32) +
                            "\" is invalid: expected a whole number from 1 to " + std::to_string(max));
    return n;
}

struct ImdsSettings {
    http::Url base;
    std::string where;  // the base URL, for messages
    milliseconds timeout{1000};
    int attempts = 1;
    bool v1_disabled = false;
    std::string v1_disabled_by;  // the variable or profile key that disabled IMDSv1
};

// botocore compares the lower-cased value with "true": "1" or "yes" do not disable IMDS (parse_bool would).
bool imds_disabled(const Env& env) {
    return text::iequals(env.get("AWS_EC2_METADATA_DISABLED"), "true");
}

Result<ImdsSettings> imds_settings(const Env& env, const ImdsConfig& config) {
    ImdsSettings s;
    const auto endpoint =
        setting(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", config.endpoint, "ec2_metadata_service_endpoint");
    const auto mode = setting(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", config.endpoint_mode,
                              "ec2_metadata_service_endpoint_mode");
    std::string m = text::lower(text::trim(mode.first));
    if (!m.empty() && m != "ipv4" && m != "ipv6")
        return config_error(mode.second + " \"" + detail::one_line(mode.first, 32) +
                            "\" is invalid: expected IPv4 or IPv6");
    // botocore: imds_use_ipv6 counts only when no endpoint mode is set (ensure_boolean: "true", any case).
    if (m.empty() && text::iequals(setting(env, "AWS_IMDS_USE_IPV6", config.use_ipv6, "imds_use_ipv6").first, "true"))
        m = "ipv6";
    const auto v1 = setting(env, "AWS_EC2_METADATA_V1_DISABLED", config.v1_disabled, "ec2_metadata_v1_disabled");
    s.v1_disabled = text::iequals(text::trim(v1.first), "true");
    s.v1_disabled_by = v1.second;
    std::string base(text::trim(endpoint.first));
    if (base.empty()) base = m == "ipv6" ? imds_default_endpoint_v6 : imds_default_endpoint;
    auto url = http::parse_url(base);
    if (!url) return prefixed(std::move(url).error(), endpoint.second + ": ", ErrorKind::config);
    s.base = std::move(*url);
    s.base.target = s.base.target.substr(0, s.base.target.find('?'));
    while (!s.base.target.empty() && s.base.target.back() == '/') s.base.target.pop_back();
    s.where = s.base.scheme + "://" + http::host_header(s.base) + s.base.target;
    auto timeout =
        whole_number(setting(env, "AWS_METADATA_SERVICE_TIMEOUT", config.timeout, "metadata_service_timeout"), 1, 3600);
    if (!timeout) return std::move(timeout).error();
    s.timeout = seconds{*timeout};
    auto attempts = whole_number(
        setting(env, "AWS_METADATA_SERVICE_NUM_ATTEMPTS", config.num_attempts, "metadata_service_num_attempts"), 1, 20);
    if (!attempts) return std::move(attempts).error();
    s.attempts = *attempts;
    return s;
}

// One IMDS session: the token, then GETs with it, each request tried metadata_service_num_attempts
// times without a pause (botocore), each attempt with the timeout to connect and again to read.
class ImdsClient {
public:
    ImdsClient(const ProviderContext& ctx, ImdsSettings settings)
        : ctx_(ctx),
          s_(std::move(settings)),
          transport_(ctx, s_.timeout, s_.timeout),
          options_(detail::call_options(ctx, *transport_, policy(s_.attempts), 2 * s_.timeout)) {}
    ImdsClient(const ImdsClient&) = delete;
    ImdsClient& operator=(const ImdsClient&) = delete;

    const std::string& where() const { return s_.where; }

    // PUT /latest/api/token. Nothing accepting the connection is "not applicable"; 400 or a 200 without a
    // usable token is an error; other refusals and silence fall back to IMDSv1 (no token) as botocore does,
    // unless IMDSv1 is disabled.
    Resolved<Ok> fetch_token() {
        const auto build = [&](int) {
            http::Request req;
            req.method = "PUT";
            req.url = url(token_path);
            req.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
            return req;
        };
        bool unusable = false;
        const auto classify = [&](const http::Response& r) -> std::optional<Error> {
            Error e;
            if (r.status == 200) {
                token_ = text::trim(r.body);
                if (!token_.empty() && detail::header_safe(token_.view())) return std::nullopt;
                token_.clear();
                unusable = true;
                e = credentials_error("the instance metadata service at " + s_.where +
                                      " returned an unusable IMDSv2 token");
            } else {
                e = credentials_error("the instance metadata service at " + s_.where + " answered HTTP " +
                                      std::to_string(r.status) + " to the IMDSv2 token request");
                // botocore stops at 400 (an error) and at 403, 404, 405 (IMDSv1); it tries the rest again.
                e.retryable = r.status != 400 && r.status != 403 && r.status != 404 && r.status != 405;
            }
            e.http_status = r.status;
            return e;
        };
        const auto started = http::Clock::now();
        auto r = send_with_retries(options_, {"imds", "no answer from the instance metadata service at " + s_.where},
                                   build, classify);
        if (r) {
            wipe(r->body);
            return Ok{};
        }
        Error e = std::move(r).error();
        std::string why;
        if (e.http_status != 0) {  // it answered
            if (e.http_status == 400 || unusable) return e;
            why = e.message;
        } else if (e.stage == Stage::read || e.stage == Stage::write) {
            // Connected, but no answer: from a container on EC2, the classic symptom of a hop limit of 1
            // (the token's answer dies on the way; IMDSv1 answers are not limited).
            silent_ = true;
            why = "the IMDSv2 token request: " + e.message;
            if (http::Clock::now() - started >= s_.timeout)
                why += " (in a container on EC2, the instance's metadata hop limit may be too low for IMDSv2)";
        } else {
            return NotApplicable{std::move(e.message)};
        }
        if (s_.v1_disabled) {
            Error out = credentials_error(why + "; IMDSv1 is disabled by " + s_.v1_disabled_by);
            out.http_status = e.http_status;
            return out;
        }
        detail::debug(ctx_, "imds: " + why + ": falling back to IMDSv1");
        v1_ = true;
        return Ok{};
    }

    // Whether the session uses IMDSv1 (no token), and whether that is because the token request went unanswered.
    bool v1() const { return v1_; }
    bool silent() const { return silent_; }

    // GET `path` with the token: network failures, non-200 answers, empty bodies (and bodies that are not
    // JSON, when `json`) are retried. The last answer is returned whatever its status; an error only when
    // no attempt got one.
    Result<http::Response> get(const std::string& path, bool json) {
        const auto build = [&](int) {
            http::Request req;
            req.method = "GET";
            req.url = url(path);
            if (!v1_) req.headers.emplace_back("X-aws-ec2-metadata-token", token_.reveal());
            return req;
        };
        std::optional<Secret> last_body;
        int last_status = 0;
        const auto classify = [&](const http::Response& r) -> std::optional<Error> {
            last_status = r.status;
            last_body = Secret(r.body);
            bool usable = r.status == 200 && !r.body.empty();
            if (usable && json) {
                rapidjson::Document doc;
                json::parse(doc, r.body);
                usable = !doc.HasParseError();
            }
            if (usable) return std::nullopt;
            Error e = unexpected(r.status, path);
            e.retryable = true;
            return e;
        };
        auto r = send_with_retries(options_, {"imds", "the instance metadata service at " + s_.where}, build, classify);
        if (r) return r;
        if (last_body) {
            http::Response out;
            out.status = last_status;
            out.body = last_body->reveal();
            return out;
        }
        Error e = std::move(r).error();
        e.kind = ErrorKind::credentials;
        return e;
    }

    Error unexpected(int status, const std::string& what) const {
        Error e = credentials_error("the instance metadata service at " + s_.where + " answered HTTP " +
                                    std::to_string(status) + " to " + what);
        e.http_status = status;
        return e;
    }

private:
    static RetryPolicy policy(int attempts) {
        RetryPolicy p;
        p.max_attempts = attempts;
        p.fixed_backoff = milliseconds{0};
        return p;
    }
    http::Url url(std::string_view path) const {
        http::Url u = s_.base;
        u.target += path;
        return u;
    }

    const ProviderContext& ctx_;
    ImdsSettings s_;
    detail::ProviderTransport transport_;
    CallOptions options_;
    Secret token_;
    bool v1_ = false;      // no token: IMDSv1
    bool silent_ = false;  // the token request was accepted but never answered
};

// An IMDS session with its token, or why there is none.
Resolved<std::unique_ptr<ImdsClient>> open_imds(const ProviderContext& ctx, const ImdsConfig& config) {
    if (imds_disabled(ctx.env)) return NotApplicable{"disabled by AWS_EC2_METADATA_DISABLED"};
    auto settings = imds_settings(ctx.env, config);
    if (!settings) return std::move(settings).error();
    auto imds = std::make_unique<ImdsClient>(ctx, std::move(*settings));
    if (auto token = imds->fetch_token(); !token) return std::move(token).pass_on<std::unique_ptr<ImdsClient>>();
    return imds;
}

bool valid_role_name(std::string_view role) {
    if (role.empty() || role.size() > 128) return false;
    for (char c : role) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
                        c == '=' || c == ',' || c == '.' || c == '@' || c == '_' || c == '-';
        if (!ok) return false;
    }
    return true;
}

bool valid_region(std::string_view region) {
    if (region.empty() || region.size() > 64) return false;
    for (char c : region)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

}  // namespace

Result<AwsCredentials> parse_metadata_credentials(std::string_view json, std::string_view source) {
    bool unparsable = false;
    return parse_credentials(json, source, unparsable);
}

Resolved<AwsCredentials> ContainerProvider::resolve() {
    const Env& env = ctx_.env;
    if (!env.has(relative_var) && !env.has(full_var))
        return NotApplicable{std::string(relative_var) + " and " + std::string(full_var) + " not set"};
    auto url = container_url(env);
    if (!url) return std::move(url).error();
    auto token = container_authorization(ctx_);
    if (!token) return std::move(token).error();

    const std::string source = "container credentials endpoint " + detail::describe_url(*url);
    detail::ProviderTransport transport(ctx_, container_timeout, container_timeout, /*use_proxy=*/false);
    RetryPolicy policy;
    policy.max_attempts = container_attempts;
    policy.fixed_backoff = container_pause;
    const auto build = [&](int) {
        http::Request req;
        req.method = "GET";
        req.url = *url;
        req.headers.emplace_back("Accept", "application/json");
        if (!token->empty()) req.headers.emplace_back("Authorization", token->reveal());
        return req;
    };
    std::optional<AwsCredentials> creds;
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status != 200) {
            Error e = credentials_error(source + " answered HTTP " + std::to_string(r.status));
            e.http_status = r.status;
            e.retryable = true;  // botocore retries every failure
            // The service's own explanation, when it gives one as JSON; never the raw body.
            rapidjson::Document doc;
            json::parse(doc, r.body);
            if (!doc.HasParseError() && doc.IsObject()) {
                auto message = detail::string_member(doc, "message");
                if (!message) message = detail::string_member(doc, "Message");
                if (message && !message->empty()) e.message += ": " + detail::one_line(*message);
            }
            return e;
        }
        bool unparsable = false;
        auto parsed = parse_credentials(r.body, source, unparsable);
        if (!parsed) {
            Error e = std::move(parsed).error();
            e.retryable = unparsable;  // a body that is not JSON is retried; missing fields are not
            return e;
        }
        creds = std::move(*parsed);
        return std::nullopt;
    };
    const std::array<std::string_view, 1> secrets = {token->view()};
    auto response = send_with_retries(detail::call_options(ctx_, *transport, policy, 2 * container_timeout),
                                      {"container", source, secrets}, build, classify);
    if (!response) {
        Error e = std::move(response).error();
        e.kind = ErrorKind::credentials;
        return e;
    }
    wipe(response->body);
    creds->source = "container credentials endpoint";
    creds->kind = CredentialSource::container;
    return std::move(*creds);
}

Resolved<AwsCredentials> ImdsProvider::resolve() {
    auto session = open_imds(ctx_, config_);
    if (!session) return std::move(session).pass_on<AwsCredentials>();
    ImdsClient& imds = **session;

    auto roles = imds.get(std::string(roles_path), false);
    if (!roles) {
        // botocore gives up quietly when IMDSv1 gets no answer either after a silent token request.
        if (imds.silent() && roles.error().http_status == 0) return NotApplicable{roles.error().message};
        return std::move(roles).error();
    }
    const Secret listing_body = std::move(roles->body);
    if (roles->status == 404)
        return NotApplicable{"no IAM role is attached to the instance (HTTP 404 from " + imds.where() +
                             std::string(roles_path) + ")"};
    if (roles->status != 200) return imds.unexpected(roles->status, "the role listing");
    const std::string_view listing = text::trim(listing_body.view());
    if (listing.empty())
        return credentials_error("the instance metadata service at " + imds.where() +
                                 " returned an empty role listing");
    const std::string role(text::trim(listing.substr(0, listing.find('\n'))));
    if (!valid_role_name(role))
        return credentials_error("the instance metadata service at " + imds.where() +
                                 " returned an invalid role name \"" + detail::one_line(role, 64) + "\"");

    auto creds = imds.get(std::string(roles_path) + role, true);
    if (!creds) return std::move(creds).error();
    const Secret body = std::move(creds->body);
    if (creds->status != 200) return imds.unexpected(creds->status, "the credentials request for role " + role);
    auto out = parse_metadata_credentials(body.view(),
                                          "the instance metadata service at " + imds.where() + " (role " + role + ")");
    if (!out) return std::move(out).error();
    out->source = "instance metadata (role " + role + (imds.v1() ? ", IMDSv1)" : ")");
    out->kind = CredentialSource::instance_metadata;
    return std::move(*out);
}

Resolved<std::string> ImdsProvider::region() {
    auto session = open_imds(ctx_, config_);
    if (!session) return std::move(session).pass_on<std::string>();
    ImdsClient& imds = **session;
    auto r = imds.get(std::string(region_path), false);
    if (!r) return std::move(r).error();
    if (r->status != 200) return imds.unexpected(r->status, "the region request");
    const std::string region(text::trim(r->body));
    if (!valid_region(region))
        return credentials_error("the instance metadata service at " + imds.where() + " returned an invalid region \"" +
                                 detail::one_line(region, 64) + "\"");
    return region;
}

}  // namespace cat::aws
