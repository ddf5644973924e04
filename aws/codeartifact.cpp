#include "aws/codeartifact.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "core/json.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

// GetRepositoryEndpoint's formats (botocore's codeartifact model, PackageFormat).
constexpr std::array<std::string_view, 8> formats = {"npm",     "pypi", "maven", "nuget",
                                                     "generic", "ruby", "swift", "cargo"};

constexpr std::string_view service = "codeartifact";

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

bool lower_or_digit(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool digit(char c) {
    return c >= '0' && c <= '9';
}
bool alnum(char c) {
    return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

Status validate_domain(const std::string& d) {
    bool ok = d.size() >= 2 && d.size() <= 50 && d.front() >= 'a' && d.front() <= 'z' && lower_or_digit(d.back());
    for (char c : d) ok = ok && (lower_or_digit(c) || c == '-');
    if (!ok)
        return usage("domain " + quoted(d) +
                     " is invalid: it must be 2 to 50 characters of a-z, 0-9 and '-', start with a letter and "
                     "end with a letter or digit");
    return Ok{};
}

Status validate_owner(const std::string& o) {
    if (o.empty()) return Ok{};
    bool ok = o.size() == 12;
    for (char c : o) ok = ok && digit(c);
    if (!ok) return usage("domain_owner " + quoted(o) + " is invalid: it must be a 12-digit AWS account ID");
    return Ok{};
}

// A request on a domain: `path` under the endpoint's base path, with domain and domain-owner.
sigv4::Request domain_request(std::string method, const http::Url& endpoint, std::string_view path,
                              const std::string& domain, const std::string& owner) {
    sigv4::Request req;
    req.method = std::move(method);
    req.host = http::host_header(endpoint);
    req.path = with_base_path(endpoint, path);
    req.query.emplace_back("domain", domain);
    if (!owner.empty()) req.query.emplace_back("domain-owner", owner);
    return req;
}

// A repository endpoint URL given as the repository (https://D-O.d.codeartifact.R.amazonaws.com/npm/REPO/):
// " (did you mean --repository REPO?)", or "" when the URL does not look like one.
std::string repository_in_url(std::string_view url) {
    const auto path = url.find('/', url.find("://") + 3);
    if (path == std::string_view::npos) return {};
    std::vector<std::string_view> parts;
    for (std::size_t at = path + 1; at < url.size();) {
        const auto end = std::min(url.find('/', at), url.size());
        if (end > at) parts.push_back(url.substr(at, end - at));
        at = end + 1;
    }
    if (parts.size() < 2) return {};
    return " (did you mean " + std::string(parts[1]) + ", with format " + std::string(parts[0]) + "?)";
}

// The format a mistaken one probably means: a tool's name (pip, mvn, yarn, gem, dotnet) or a typo.
std::string_view format_hint(std::string_view given) {
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> tools = {{
        {"pip", "pypi"},
        {"python", "pypi"},
        {"twine", "pypi"},
        {"uv", "pypi"},
        {"poetry", "pypi"},
        {"mvn", "maven"},
        {"gradle", "maven"},
        {"yarn", "npm"},
        {"pnpm", "npm"},
        {"node", "npm"},
        {"gem", "ruby"},
        {"bundler", "ruby"},
        {"dotnet", "nuget"},
        {"crate", "cargo"},
        {"crates", "cargo"},
        {"rubygems", "ruby"},
    }};
    const std::string key = text::lower(given);
    for (const auto& [tool, format] : tools)
        if (key == tool) return format;
    return text::closest(key, formats);
}

Result<rapidjson::Document> parse_json_object(const std::string& body) {
    rapidjson::Document doc;
    json::parse(doc, body);
    if (doc.HasParseError() || !doc.IsObject()) return Error::make(ErrorKind::network, "not a JSON object");
    return doc;
}

// What a CodeArtifact token is made of (base64 and base64url, with dots), as configure/ also checks.
bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

std::string string_member(const rapidjson::Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

Error unreadable(std::string_view operation, const http::Response& r, std::string_view why) {
    Error e = Error::make(ErrorKind::network, std::string(operation) + ": unreadable response from the endpoint (" +
                                                  std::string(why) + ")");
    e.http_status = r.status;
    e.request_id = r.header("x-amzn-RequestId");
    e.stage = Stage::read;
    return e;
}

}  // namespace

Status validate(const TokenRequest& r) {
    if (r.domain.empty()) return usage("domain is required");
    if (auto s = validate_domain(r.domain); !s) return s;
    if (auto s = validate_owner(r.domain_owner); !s) return s;
    if (r.duration_seconds) {
        const long long d = *r.duration_seconds;
        if (d != 0 && (d < 900 || d > 43200))
            return usage("duration_seconds " + std::to_string(d) + " is invalid: it must be 0 or 900 to 43200");
    }
    return Ok{};
}

Status validate(const EndpointRequest& r) {
    if (r.domain.empty()) return usage("domain is required");
    if (auto s = validate_domain(r.domain); !s) return s;
    if (auto s = validate_owner(r.domain_owner); !s) return s;
    const std::string& repo = r.repository;
    bool ok = repo.size() >= 2 && repo.size() <= 100 && alnum(repo.front());
    for (char c : repo) ok = ok && (alnum(c) || c == '.' || c == '_' || c == '-');
    if (!ok && repo.find("://") != std::string::npos)
        return usage("repository " + quoted(repo) + " is invalid: give the repository's name, not its URL" +
                     repository_in_url(repo));
    if (!ok)
        return usage("repository " + quoted(repo) +
                     " is invalid: it must be 2 to 100 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting "
                     "with a letter or digit");
    if (std::find(formats.begin(), formats.end(), r.format) == formats.end()) {
        std::string msg = "format " + quoted(r.format) +
                          " is invalid: it must be one of npm, pypi, maven, nuget, generic, ruby, swift, cargo";
        if (const auto hint = format_hint(r.format); !hint.empty()) msg += " (did you mean " + std::string(hint) + "?)";
        return usage(std::move(msg));
    }
    if (!r.endpoint_type.empty() && r.endpoint_type != "dualstack" && r.endpoint_type != "ipv4")
        return usage("endpoint_type " + quoted(r.endpoint_type) + " is invalid: it must be dualstack or ipv4");
    return Ok{};
}

sigv4::Request get_authorization_token_request(const TokenRequest& r, const http::Url& endpoint) {
    sigv4::Request req = domain_request("POST", endpoint, "/v1/authorization-token", r.domain, r.domain_owner);
    if (r.duration_seconds) req.query.emplace_back("duration", std::to_string(*r.duration_seconds));
    return req;
}

sigv4::Request get_repository_endpoint_request(const EndpointRequest& r, const http::Url& endpoint) {
    sigv4::Request req = domain_request("GET", endpoint, "/v1/repository/endpoint", r.domain, r.domain_owner);
    req.query.emplace_back("repository", r.repository);
    req.query.emplace_back("format", r.format);
    if (!r.endpoint_type.empty()) req.query.emplace_back("endpointType", r.endpoint_type);
    return req;
}

Result<Token> parse_token_response(const http::Response& response) {
    constexpr std::string_view op = "GetAuthorizationToken";
    auto doc = parse_json_object(response.body);
    if (!doc) return unreadable(op, response, "the body is not a JSON object");
    Token t;
    t.authorization_token = string_member(*doc, "authorizationToken");
    if (t.authorization_token.empty()) return unreadable(op, response, "no authorizationToken");
    // Checked once here for every output mode: a newline or NUL would forge lines or cut the token short.
    const std::string& token = t.authorization_token.reveal();
    if (!std::all_of(token.begin(), token.end(), token_char))
        return unreadable(op, response, "the authorizationToken has characters a token cannot have");
    const auto exp = doc->FindMember("expiration");
    double seconds = 0;
    if (exp != doc->MemberEnd() && exp->value.IsNumber()) {
        seconds = exp->value.GetDouble();
    } else if (exp != doc->MemberEnd() && exp->value.IsString()) {
        char* end = nullptr;
        seconds = std::strtod(exp->value.GetString(), &end);
        if (end == exp->value.GetString() || *end != '\0') seconds = -1;
    } else {
        seconds = -1;
    }
    if (!(seconds >= 0 && seconds < 253402300800.0)) return unreadable(op, response, "no valid expiration");
    t.expiration = std::chrono::sys_seconds{std::chrono::seconds{static_cast<long long>(std::floor(seconds))}};
    return t;
}

Result<std::string> parse_repository_endpoint_response(const http::Response& response) {
    constexpr std::string_view op = "GetRepositoryEndpoint";
    auto doc = parse_json_object(response.body);
    if (!doc) return unreadable(op, response, "the body is not a JSON object");
    std::string url = string_member(*doc, "repositoryEndpoint");
    if (url.empty()) return unreadable(op, response, "no repositoryEndpoint");
    return url;
}

Error parse_error(const http::Response& response, std::string_view operation,
                  std::initializer_list<std::string_view> secrets) {
    std::string request_id = response.header("x-amzn-RequestId");
    for (auto secret : secrets) redact(request_id, secret);  // describe() prints it
    std::string code = response.header("x-amzn-ErrorType");
    std::string message;
    rapidjson::Document doc;
    json::parse(doc, response.body);
    const bool json = !doc.HasParseError() && doc.IsObject();
    if (json) {
        if (code.empty()) code = string_member(doc, "__type");
        if (code.empty()) code = string_member(doc, "code");
        message = string_member(doc, "message");
        if (message.empty()) message = string_member(doc, "Message");
        for (auto secret : secrets) redact(message, secret);
    }
    code = code.substr(0, code.find(':'));
    if (const auto hash = code.rfind('#'); hash != std::string::npos) code = code.substr(hash + 1);
    // The code comes from a header or the body too: redacted, one line of reasonable length, like the message.
    for (auto secret : secrets) redact(code, secret);
    if (code.size() > 100) code.resize(100);
    for (char& c : code)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    // Keep messages to one printable line of reasonable length.
    std::string clean;
    for (char c : message.substr(0, 300)) clean += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    Error e = api_error(response.status, operation, std::move(code), clean, json, "an AWS error");
    e.request_id = std::move(request_id);
    e.retryable = is_retryable(e);
    return e;
}

template <class T>
Result<T> Client::call(const sigv4::Request& unsigned_request, std::string_view operation,
                       Result<T> (*parse)(const http::Response&)) {
    attempts_ = 0;
    const CallOptions& options = config_.call;
    const auto build = [&](int attempt) {
        attempts_ = attempt;
        sigv4::Request req = unsigned_request;
        req.headers.push_back({"User-Agent", options.user_agent});
        const sigv4::Context ctx{
            config_.region, service, std::chrono::floor<std::chrono::seconds>(now(options)), &config_.credentials, {}};
        return to_wire(sigv4::sign(std::move(req), ctx, &keys_), config_.endpoint);
    };
    // An AWS message may quote the request it could not verify (a signature mismatch quotes the canonical
    // request, session token included): never pass the caller's secrets on.
    const std::array<std::string_view, 2> secrets = {config_.credentials.session_token.view(),
                                                     config_.credentials.secret_access_key.view()};
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status >= 200 && r.status < 300) return std::nullopt;
        Error e = parse_error(r, operation, {secrets[0], secrets[1]});
        e.retryable = is_retryable(e, options.retry.mode);
        return e;
    };
    auto response = send_with_retries(options, {std::string(operation), {}, secrets}, build, classify);
    if (!response) return std::move(response).error();
    return parse(*response);
}

Result<Token> Client::get_authorization_token(const TokenRequest& r) {
    if (auto s = validate(r); !s) return s.error();
    return call(get_authorization_token_request(r, config_.endpoint), "GetAuthorizationToken", parse_token_response);
}

Result<std::string> Client::get_repository_endpoint(const EndpointRequest& r) {
    if (auto s = validate(r); !s) return s.error();
    return call(get_repository_endpoint_request(r, config_.endpoint), "GetRepositoryEndpoint",
                parse_repository_endpoint_response);
}

}  // namespace cat::aws
