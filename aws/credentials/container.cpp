// The container credentials endpoint (ECS, EKS Pod Identity) and EC2 instance metadata (IMDSv2).
#include "aws/credentials/container.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <rapidjson/document.h>

#include <cstring>

#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "sigv4/crypto.hpp"

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

// Overwrites a string that held secrets when the scope ends.
class Wipe {
public:
    explicit Wipe(std::string& s) : s_(s) {}
    Wipe(const Wipe&) = delete;
    Wipe& operator=(const Wipe&) = delete;
    ~Wipe() { sigv4::crypto::wipe(s_); }

private:
    std::string& s_;
};

// Overwrites the header values of a request (the Authorization header) when the scope ends.
class WipeHeaders {
public:
    explicit WipeHeaders(http::Request& r) : r_(r) {}
    WipeHeaders(const WipeHeaders&) = delete;
    WipeHeaders& operator=(const WipeHeaders&) = delete;
    ~WipeHeaders() {
        for (auto& h : r_.headers) sigv4::crypto::wipe(h.second);
    }

private:
    http::Request& r_;
};

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

// parse_metadata_credentials, telling apart a body that is not JSON at all (which botocore retries).
Result<AwsCredentials> parse_credentials(std::string_view json, std::string_view source, bool& unparsable) {
    const std::string src(source);
    unparsable = false;
    // Parsed in place in a copy that is wiped afterwards, so the keys are not left in the parser's memory.
    std::string buffer(json);
    Wipe wipe(buffer);
    rapidjson::Document doc;
    doc.ParseInsitu(buffer.data());
    if (doc.HasParseError() || !doc.IsObject()) {
        unparsable = true;
        return credentials_error(src + ": the response is not a JSON object");
    }
    if (const auto code = doc.FindMember("Code"); code != doc.MemberEnd()) {
        if (!code->value.IsString()) return credentials_error(src + ": the response's Code is not a string");
        const std::string value(code->value.GetString(), code->value.GetStringLength());
        if (value != "Success") {
            std::string message = src + ": the endpoint answered Code \"" + detail::one_line(value, 100) + "\"";
            if (const auto m = string_member(doc, "Message"); m && !m->empty()) message += ": " + detail::one_line(*m);
            Error e = credentials_error(std::move(message));
            e.code = detail::one_line(value, 100);
            return e;
        }
    }
    AwsCredentials out;
    const auto required = [&](const char* name, auto& into) -> Status {
        auto v = string_member(doc, name);
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
    if (auto arn = string_member(doc, "RoleArn")) out.role_arn = detail::one_line(*arn, 2048);
    out.source = src;
    return out;
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
    in_addr v4{};
    if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
        const std::uint32_t a = ntohl(v4.s_addr);
        return (a >> 24) == 127 || a == 0xA9FEAA02u /* 169.254.170.2 */ || a == 0xA9FEAA17u /* 169.254.170.23 */;
    }
    in6_addr v6{};
    if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
        if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
        in6_addr eks{};
        inet_pton(AF_INET6, "fd00:ec2::23", &eks);
        return std::memcmp(&v6, &eks, sizeof v6) == 0;
    }
    return false;
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

// The Authorization header's value: the token file (read now, on every resolve) or the variable.
Result<std::string> container_authorization(const ProviderContext& ctx) {
    const std::string file = ctx.env.get(token_file_var);
    std::string token;
    std::string from;
    if (!file.empty()) {
        auto content = ctx.read_file ? ctx.read_file(file) : read_whole_file(file);
        if (!content)
            return prefixed(std::move(content).error(),
                            "the container authorization token file (" + std::string(token_file_var) + "): ",
                            ErrorKind::credentials);
        token = std::string(detail::trim(*content));
        sigv4::crypto::wipe(*content);
        from = file + " (" + std::string(token_file_var) + ")";
    } else {
        token = std::string(detail::trim(ctx.env.get(token_var)));
        from = std::string(token_var);
    }
    if (!detail::header_safe(token)) {
        sigv4::crypto::wipe(token);
        return config_error("the container authorization token from " + from +
                            " is not a legal header value: it contains CR, LF or another control character");
    }
    return token;
}

// ---- IMDS ----

constexpr std::string_view imds_default_endpoint = "http://169.254.169.254/";
constexpr std::string_view imds_default_endpoint_v6 = "http://[fd00:ec2::254]/";
constexpr std::string_view token_path = "/latest/api/token";
constexpr std::string_view roles_path = "/latest/meta-data/iam/security-credentials/";
constexpr std::string_view region_path = "/latest/meta-data/placement/region";

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

// The first non-empty of the variable and the profile's value, with where it came from.
std::pair<std::string, std::string> setting(const Env& env, std::string_view var, const std::string& profile_value,
                                            std::string_view profile_key) {
    if (std::string v = env.get(var); !v.empty()) return {v, std::string(var)};
    return {profile_value, "profile " + std::string(profile_key)};
}

Result<int> whole_number(const std::pair<std::string, std::string>& value, int fallback, int max) {
    const std::string t(detail::trim(value.first));
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
};

bool imds_disabled(const Env& env) {
    return lower(env.get("AWS_EC2_METADATA_DISABLED")) == "true";
}

Result<ImdsSettings> imds_settings(const Env& env, const ImdsConfig& config) {
    ImdsSettings s;
    const auto endpoint =
        setting(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT", config.endpoint, "ec2_metadata_service_endpoint");
    const auto mode = setting(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", config.endpoint_mode,
                              "ec2_metadata_service_endpoint_mode");
    const std::string m = lower(std::string(detail::trim(mode.first)));
    if (!m.empty() && m != "ipv4" && m != "ipv6")
        return config_error(mode.second + " \"" + detail::one_line(mode.first, 32) +
                            "\" is invalid: expected IPv4 or IPv6");
    std::string text(detail::trim(endpoint.first));
    if (text.empty()) text = m == "ipv6" ? imds_default_endpoint_v6 : imds_default_endpoint;
    auto url = http::parse_url(text);
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

// One IMDS session: the token, then GETs with it.
class ImdsClient {
public:
    ImdsClient(const ProviderContext& ctx, ImdsSettings settings)
        : ctx_(ctx), s_(std::move(settings)), transport_(ctx, s_.timeout, s_.timeout) {}
    ImdsClient(const ImdsClient&) = delete;
    ImdsClient& operator=(const ImdsClient&) = delete;
    ~ImdsClient() { sigv4::crypto::wipe(token_); }

    const std::string& where() const { return s_.where; }

    // PUT /latest/api/token. Nothing answering is a skip; an answer that gives no token is an error.
    Status fetch_token() {
        http::Request req;
        req.method = "PUT";
        req.url = url(token_path);
        req.headers.emplace_back("X-aws-ec2-metadata-token-ttl-seconds", "21600");
        std::optional<Error> network;
        int status = 0;
        for (int attempt = 1; attempt <= s_.attempts; ++attempt) {
            detail::debug(
                ctx_, "imds: PUT " + s_.where + std::string(token_path) + " (attempt " + std::to_string(attempt) + ")");
            auto r = transport_->send(req, deadline());
            if (!r) {
                network = std::move(r).error();
                continue;
            }
            network.reset();
            status = r->status;
            if (status == 200) {
                token_ = std::string(detail::trim(r->body));
                sigv4::crypto::wipe(r->body);
                if (token_.empty() || !detail::header_safe(token_))
                    return credentials_error("the instance metadata service at " + s_.where +
                                             " returned an unusable IMDSv2 token");
                return Ok{};
            }
            if (status == 400 || status == 403 || status == 404 || status == 405) break;
        }
        if (network) {
            std::string reason =
                "no answer from the instance metadata service at " + s_.where + ": " + network->message;
            if (network->message.find("timed out") != std::string::npos)
                reason += " (in a container on EC2, the instance's metadata hop limit may be too low for IMDSv2)";
            return skip(std::move(reason));
        }
        Error e =
            credentials_error(status == 403 || status == 404 || status == 405
                                  ? "the instance metadata service at " + s_.where + " refused an IMDSv2 token (HTTP " +
                                        std::to_string(status) + "); IMDSv1 is not used"
                                  : "the instance metadata service at " + s_.where + " answered HTTP " +
                                        std::to_string(status) + " to the IMDSv2 token request");
        e.http_status = status;
        return e;
    }

    // GET `path` with the token, `attempts` times at most: network failures, non-200 answers, empty bodies
    // (and bodies that are not JSON, when `json`) are retried. The last answer is returned whatever its
    // status; an error only when no attempt got one.
    Result<http::Response> get(const std::string& path, bool json) {
        http::Request req;
        req.method = "GET";
        req.url = url(path);
        req.headers.emplace_back("X-aws-ec2-metadata-token", token_);
        std::optional<http::Response> last;
        Error network;
        for (int attempt = 1; attempt <= s_.attempts; ++attempt) {
            detail::debug(ctx_, "imds: GET " + s_.where + path + " (attempt " + std::to_string(attempt) + ")");
            auto r = transport_->send(req, deadline());
            if (!r) {
                network = std::move(r).error();
                continue;
            }
            bool retry = r->status != 200 || r->body.empty();
            if (!retry && json) {
                rapidjson::Document doc;
                doc.Parse(r->body.data(), r->body.size());
                retry = doc.HasParseError();
            }
            if (last) sigv4::crypto::wipe(last->body);
            last = std::move(*r);
            if (!retry) break;
        }
        sigv4::crypto::wipe(req.headers.back().second);
        if (last) return std::move(*last);
        return prefixed(std::move(network), "the instance metadata service at " + s_.where + ": ",
                        ErrorKind::credentials);
    }

    Error unexpected(const http::Response& r, const std::string& what) const {
        Error e = credentials_error("the instance metadata service at " + s_.where + " answered HTTP " +
                                    std::to_string(r.status) + " to " + what);
        e.http_status = r.status;
        return e;
    }

private:
    http::Url url(std::string_view path) const {
        http::Url u = s_.base;
        u.target += path;
        return u;
    }
    http::Deadline deadline() const { return http::Clock::now() + 2 * s_.timeout; }

    const ProviderContext& ctx_;
    ImdsSettings s_;
    detail::ProviderTransport transport_;
    std::string token_;
};

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

Result<AwsCredentials> ContainerProvider::resolve() {
    const Env& env = ctx_.env;
    if (!env.has(relative_var) && !env.has(full_var))
        return skip(std::string(relative_var) + " and " + std::string(full_var) + " not set");
    auto url = container_url(env);
    if (!url) return std::move(url).error();
    auto token = container_authorization(ctx_);
    if (!token) return std::move(token).error();
    Wipe wipe_token(*token);

    http::Request req;
    req.method = "GET";
    req.url = *url;
    req.headers.emplace_back("Accept", "application/json");
    if (!token->empty()) req.headers.emplace_back("Authorization", *token);
    WipeHeaders wipe_headers(req);

    const std::string where = detail::describe_url(*url);
    const std::string source = "container credentials endpoint " + where;
    detail::ProviderTransport transport(ctx_, container_timeout, container_timeout, /*use_proxy=*/false);
    Error last;
    for (int attempt = 1; attempt <= container_attempts; ++attempt) {
        if (attempt > 1) detail::pause(ctx_, container_pause);
        detail::debug(ctx_, "container: GET " + where + (token->empty() ? "" : " with an Authorization header") +
                                " (attempt " + std::to_string(attempt) + ")");
        auto r = transport->send(req, http::Clock::now() + 2 * container_timeout);
        if (!r) {
            last = prefixed(std::move(r).error(), source + ": ", ErrorKind::credentials);
            continue;
        }
        Wipe wipe_body(r->body);
        if (r->status != 200) {
            last = credentials_error(source + " answered HTTP " + std::to_string(r->status));
            last.http_status = r->status;
            // The service's own explanation, when it gives one as JSON; never the raw body.
            rapidjson::Document doc;
            doc.Parse(r->body.data(), r->body.size());
            if (!doc.HasParseError() && doc.IsObject()) {
                auto message = string_member(doc, "message");
                if (!message) message = string_member(doc, "Message");
                if (message && !message->empty() && (token->empty() || message->find(*token) == std::string::npos))
                    last.message += ": " + detail::one_line(*message);
            }
            continue;
        }
        bool unparsable = false;
        auto creds = parse_credentials(r->body, source, unparsable);
        if (!creds && unparsable) {
            last = std::move(creds).error();
            continue;
        }
        if (creds) creds->source = "container credentials endpoint";
        return creds;
    }
    return last;
}

Result<AwsCredentials> ImdsProvider::resolve() {
    if (imds_disabled(ctx_.env)) return skip("disabled by AWS_EC2_METADATA_DISABLED");
    auto settings = imds_settings(ctx_.env, config_);
    if (!settings) return std::move(settings).error();
    ImdsClient imds(ctx_, std::move(*settings));
    if (auto s = imds.fetch_token(); !s) return std::move(s).error();

    auto roles = imds.get(std::string(roles_path), false);
    if (!roles) return std::move(roles).error();
    if (roles->status == 404)
        return skip("no IAM role is attached to the instance (HTTP 404 from " + imds.where() + std::string(roles_path) +
                    ")");
    if (roles->status != 200) return imds.unexpected(*roles, "the role listing");
    const std::string_view listing = detail::trim(roles->body);
    if (listing.empty())
        return credentials_error("the instance metadata service at " + imds.where() +
                                 " returned an empty role listing");
    const std::string role(detail::trim(listing.substr(0, listing.find('\n'))));
    if (!valid_role_name(role))
        return credentials_error("the instance metadata service at " + imds.where() +
                                 " returned an invalid role name \"" + detail::one_line(role, 64) + "\"");

    auto creds = imds.get(std::string(roles_path) + role, true);
    if (!creds) return std::move(creds).error();
    Wipe wipe_body(creds->body);
    if (creds->status != 200) return imds.unexpected(*creds, "the credentials request for role " + role);
    auto out = parse_metadata_credentials(creds->body,
                                          "the instance metadata service at " + imds.where() + " (role " + role + ")");
    if (out) out->source = "instance metadata (role " + role + ")";
    return out;
}

Result<std::string> ImdsProvider::region() {
    if (imds_disabled(ctx_.env)) return skip("disabled by AWS_EC2_METADATA_DISABLED");
    auto settings = imds_settings(ctx_.env, config_);
    if (!settings) return std::move(settings).error();
    ImdsClient imds(ctx_, std::move(*settings));
    if (auto s = imds.fetch_token(); !s) return std::move(s).error();
    auto r = imds.get(std::string(region_path), false);
    if (!r) return std::move(r).error();
    if (r->status != 200) return imds.unexpected(*r, "the region request");
    const std::string region(detail::trim(r->body));
    if (!valid_region(region))
        return credentials_error("the instance metadata service at " + imds.where() + " returned an invalid region \"" +
                                 detail::one_line(region, 64) + "\"");
    return region;
}

}  // namespace cat::aws
