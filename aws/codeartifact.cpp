#include "aws/codeartifact.hpp"

#include <rapidjson/document.h>

#include <array>
#include <cmath>
#include <random>
#include <thread>

#include "sigv4/crypto.hpp"

namespace cat::aws {
namespace {

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
        return usage("domain \"" + d +
                     "\" is invalid: it must be 2 to 50 characters of a-z, 0-9 and '-', start with a letter and "
                     "end with a letter or digit");
    return Ok{};
}

Status validate_owner(const std::string& o) {
    if (o.empty()) return Ok{};
    bool ok = o.size() == 12;
    for (char c : o) ok = ok && digit(c);
    if (!ok) return usage("domain_owner \"" + o + "\" is invalid: it must be a 12-digit AWS account ID");
    return Ok{};
}

std::string with_base_path(const http::Url& endpoint, std::string_view path) {
    std::string base = endpoint.target.substr(0, endpoint.target.find('?'));
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + std::string(path);
}

Result<rapidjson::Document> parse_json_object(const std::string& body) {
    rapidjson::Document doc;
    doc.Parse(body.data(), body.size());
    if (doc.HasParseError() || !doc.IsObject()) return Error::make(ErrorKind::network, "not a JSON object");
    return doc;
}

std::string string_member(const rapidjson::Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return {};
    return {it->value.GetString(), it->value.GetStringLength()};
}

void redact(std::string& message, std::string_view secret) {
    if (secret.size() < 4) return;
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at))
        message.replace(at, secret.size(), "<redacted>");
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

Token::~Token() {
    sigv4::crypto::wipe(authorization_token);
}

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
    if (!ok)
        return usage("repository \"" + repo +
                     "\" is invalid: it must be 2 to 100 characters of A-Z, a-z, 0-9, '.', '_' and '-', starting "
                     "with a letter or digit");
    static constexpr std::array<std::string_view, 8> formats = {"npm",     "pypi", "maven", "nuget",
                                                                "generic", "ruby", "swift", "cargo"};
    if (std::find(formats.begin(), formats.end(), r.format) == formats.end())
        return usage("format \"" + r.format +
                     "\" is invalid: it must be one of npm, pypi, maven, nuget, generic, ruby, swift, cargo");
    if (!r.endpoint_type.empty() && r.endpoint_type != "dualstack" && r.endpoint_type != "ipv4")
        return usage("endpoint_type \"" + r.endpoint_type + "\" is invalid: it must be dualstack or ipv4");
    return Ok{};
}

sigv4::Request get_authorization_token_request(const TokenRequest& r, const http::Url& endpoint) {
    sigv4::Request req;
    req.method = "POST";
    req.host = http::host_header(endpoint);
    req.path = with_base_path(endpoint, "/v1/authorization-token");
    req.query.emplace_back("domain", r.domain);
    if (!r.domain_owner.empty()) req.query.emplace_back("domain-owner", r.domain_owner);
    if (r.duration_seconds) req.query.emplace_back("duration", std::to_string(*r.duration_seconds));
    return req;
}

sigv4::Request get_repository_endpoint_request(const EndpointRequest& r, const http::Url& endpoint) {
    sigv4::Request req;
    req.method = "GET";
    req.host = http::host_header(endpoint);
    req.path = with_base_path(endpoint, "/v1/repository/endpoint");
    req.query.emplace_back("domain", r.domain);
    if (!r.domain_owner.empty()) req.query.emplace_back("domain-owner", r.domain_owner);
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
    Error e;
    e.kind = ErrorKind::api;
    e.http_status = response.status;
    e.request_id = response.header("x-amzn-RequestId");
    for (auto secret : secrets) redact(e.request_id, secret);  // describe() prints it
    std::string code = response.header("x-amzn-ErrorType");
    std::string message;
    rapidjson::Document doc;
    doc.Parse(response.body.data(), response.body.size());
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
    e.code = code.empty() ? "HTTP " + std::to_string(response.status) : code;
    // Keep messages to one printable line of reasonable length.
    std::string clean;
    for (char c : message.substr(0, 300)) clean += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
    e.message = std::string(operation) + " failed: " + e.code;
    if (!clean.empty())
        e.message += ": " + clean;
    else if (!json)
        e.message += " (the response is not an AWS error: a proxy or gateway may have answered)";
    e.retryable = is_retryable(e);
    return e;
}

Client::Client(http::Transport& transport, ClientConfig config) : transport_(transport), config_(std::move(config)) {
    if (!config_.sleep) config_.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
    if (!config_.uniform01) {
        config_.uniform01 = [gen = std::mt19937_64{std::random_device{}()}]() mutable {
            return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
        };
    }
}

Result<http::Response> Client::call(const sigv4::Request& unsigned_request, std::string_view operation) {
    attempts_ = 0;
    const int max_attempts = std::max(1, config_.retry.max_attempts);
    for (int attempt = 1;; ++attempt) {
        attempts_ = attempt;
        sigv4::Request req = unsigned_request;
        req.headers.push_back({"User-Agent", config_.user_agent});
        const sigv4::Context ctx{
            config_.region, service, std::chrono::floor<std::chrono::seconds>(config_.now()), &config_.credentials, {}};
        req = sigv4::sign(std::move(req), ctx, &keys_);

        http::Request wire;
        wire.method = req.method;
        wire.url = config_.endpoint;
        wire.url.target = req.path;
        if (!req.query.empty()) wire.url.target += "?" + sigv4::canonical_query(req.query);
        for (auto& h : req.headers) wire.headers.emplace_back(std::move(h.name), std::move(h.value));

        if (config_.debug)
            config_.debug(std::string(operation) + ": attempt " + std::to_string(attempt) + " " + wire.method + " " +
                          wire.url.scheme + "://" + http::host_header(wire.url) + wire.url.target);
        auto response = transport_.send(wire, http::Clock::now() + config_.attempt_timeout);
        Error error;
        std::chrono::milliseconds hint{0};
        if (response && response->status >= 200 && response->status < 300) return response;
        if (response) {
            // An AWS message may quote the request it could not verify (a signature mismatch quotes the
            // canonical request, session token included): never pass the caller's secrets on.
            error = parse_error(*response, operation,
                                {config_.credentials.session_token, config_.credentials.secret_access_key});
            if (response->status == 429 || is_throttling_code(error.code)) hint = retry_after(*response);
        } else {
            error = std::move(response).error();
            error.message = std::string(operation) + ": " + error.message;
        }
        if (config_.debug)
            config_.debug(std::string(operation) + ": attempt " + std::to_string(attempt) +
                          " failed: " + describe(error));
        if (!is_retryable(error) || attempt >= max_attempts) {
            if (attempt > 1) error.message += " (after " + std::to_string(attempt) + " attempts)";
            return error;
        }
        const auto delay = backoff(config_.retry, attempt, hint, config_.uniform01);
        if (config_.debug)
            config_.debug(std::string(operation) + ": retrying in " + std::to_string(delay.count()) + " ms");
        config_.sleep(delay);
    }
}

Result<Token> Client::get_authorization_token(const TokenRequest& r) {
    if (auto s = validate(r); !s) return s.error();
    auto response = call(get_authorization_token_request(r, config_.endpoint), "GetAuthorizationToken");
    if (!response) return std::move(response).error();
    return parse_token_response(*response);
}

Result<std::string> Client::get_repository_endpoint(const EndpointRequest& r) {
    if (auto s = validate(r); !s) return s.error();
    auto response = call(get_repository_endpoint_request(r, config_.endpoint), "GetRepositoryEndpoint");
    if (!response) return std::move(response).error();
    return parse_repository_endpoint_response(*response);
}

}  // namespace cat::aws
