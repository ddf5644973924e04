// The CodeArtifact API client (rest-json, signing name "codeartifact"): GetAuthorizationToken and
// GetRepositoryEndpoint, with local validation by the service model's rules and standard-mode retries.
#pragma once

#include <chrono>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>

#include "aws/retry.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "sigv4/sigv4.hpp"

namespace cat::aws {

struct TokenRequest {
    std::string domain;
    std::string domain_owner;                   // empty: the caller's account
    std::optional<long long> duration_seconds;  // 0, or 900..43200; absent: the service default
};

struct Token {
    Secret authorization_token;
    std::chrono::sys_seconds expiration{};
};

struct EndpointRequest {
    std::string domain;
    std::string domain_owner;
    std::string repository;
    std::string format;         // npm, pypi, maven, nuget, generic, ruby, swift, cargo
    std::string endpoint_type;  // empty, dualstack or ipv4
};

// Local checks with the model's rules, before any network call. The error names the field and the rule.
Status validate(const TokenRequest& r);
Status validate(const EndpointRequest& r);

// The unsigned requests. `endpoint` is the service's base URL (scheme, host, port, optional base path).
sigv4::Request get_authorization_token_request(const TokenRequest& r, const http::Url& endpoint);
sigv4::Request get_repository_endpoint_request(const EndpointRequest& r, const http::Url& endpoint);

// Response bodies. A malformed successful response is a network error ("unreadable response").
Result<Token> parse_token_response(const http::Response& response);
Result<std::string> parse_repository_endpoint_response(const http::Response& response);
// A rest-json error: code from x-amzn-ErrorType (cut at ':'), else __type/code in the body (after '#'),
// else the HTTP status; message from message/Message; request id from x-amzn-RequestId.
// `secrets` (the caller's session token and secret key) are replaced by <redacted> wherever the message
// quotes them, before it is shortened.
Error parse_error(const http::Response& response, std::string_view operation,
                  std::initializer_list<std::string_view> secrets = {});

struct ClientConfig {
    http::Url endpoint;
    std::string region;
    sigv4::Credentials credentials;
    RetryPolicy retry;
    std::chrono::milliseconds attempt_timeout{40'000};
    std::string user_agent = "codeartifact-token";
    std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
    std::function<void(std::chrono::milliseconds)> sleep;  // default: std::this_thread::sleep_for
    std::function<double()> uniform01;                     // default: a random_device-seeded generator
    std::function<void(const std::string&)> debug;         // one line per event; never given a secret
};

class Client {
public:
    Client(http::Transport& transport, ClientConfig config);
    Result<Token> get_authorization_token(const TokenRequest& r);
    Result<std::string> get_repository_endpoint(const EndpointRequest& r);
    int attempts() const noexcept { return attempts_; }  // of the last call

private:
    Result<http::Response> call(const sigv4::Request& unsigned_request, std::string_view operation);

    http::Transport& transport_;
    ClientConfig config_;
    sigv4::KeyCache keys_;
    int attempts_ = 0;
};

}  // namespace cat::aws
