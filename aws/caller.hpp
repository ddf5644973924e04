// The one retrying caller every AWS call goes through: CodeArtifact, STS, the SSO portal, GitHub's OIDC
// token endpoint, the container credentials endpoint and IMDS. It owns the attempts, the backoff (jittered,
// or the fixed pause the policy names), Retry-After, the per-attempt deadline, the debug lines, the
// "(after N attempts)" suffix and the redaction of the call's secrets; the caller says how to build each
// attempt's request and how to read a response that is not a success.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "aws/retry.hpp"
#include "core/error.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "sigv4/sigv4.hpp"

namespace cat::aws {

// What a call needs from outside, in one place so that tests substitute each piece.
struct CallOptions {
    http::Transport* transport = nullptr;  // must be set to send
    RetryPolicy retry;                     // --max-attempts / AWS_MAX_ATTEMPTS / max_attempts
    std::chrono::milliseconds attempt_timeout{40'000};
    std::string user_agent = "codeartifact-token";
    std::function<std::chrono::system_clock::time_point()> now;  // default: the system clock
    std::function<void(std::chrono::milliseconds)> sleep;        // default: std::this_thread::sleep_for
    std::function<double()> uniform01;                           // in [0, 1); default: a seeded generator
    std::function<void(const std::string&)> debug;               // one line per event; never given a secret
};

// The options' clock, or the system clock.
std::chrono::system_clock::time_point now(const CallOptions& options);

// What one call is, for its debug lines and messages.
struct CallSpec {
    std::string operation;  // starts every debug line: "AssumeRole", "imds", "sso"
    std::string failing;    // starts a transport error's message ("<failing>: connect failed ..."); default: operation
    std::span<const std::string_view> secrets = {};  // replaced by <redacted> in every message (4+ characters)
};

// Builds the request of attempt `attempt` (1, 2, ...): signed requests are signed afresh each time. An
// error ends the call there, before that attempt is sent (a DPoP proof that could not be made).
using BuildRequest = std::function<Result<http::Request>(int attempt)>;
// Reads a response: nullopt when it is the success the caller wants (it is returned), else the Error,
// whose `retryable` says whether another attempt may help.
using Classify = std::function<std::optional<Error>(const http::Response&)>;

// Sends until a response classifies as a success, a failure is not retryable, or the policy's attempts
// are spent. Each request's header values and body are wiped once sent. Transport errors are retried when is_retryable
// says so. Before a retry it sleeps backoff(policy, attempt, Retry-After of a throttling answer). The final error has "
// (after N attempts)" when there was more than one.
Result<http::Response> send_with_retries(const CallOptions& options, const CallSpec& spec,
                                         const BuildRequest& build_request, const Classify& classify);

// A (signed) request on the wire to `endpoint`: its path and query become the target, its body and
// headers are moved over.
http::Request to_wire(sigv4::Request request, const http::Url& endpoint);

// The endpoint's path (a configured endpoint URL may have one, never with a trailing '/') followed by `path`.
std::string with_base_path(const http::Url& endpoint, std::string_view path);

// The error of an AWS answer: ErrorKind::api, the code ("HTTP <status>" when there is none) and the
// message "<operation> failed: <code>[: <message>]". When the body was not an error document of the
// protocol (`recognised` false) and gave no message, the message says that a proxy or gateway may have
// answered (`expected` names the document: "an AWS error", "an STS error"). `retryable` is left to the
// caller.
Error api_error(int http_status, std::string_view operation, std::string code, std::string_view message,
                bool recognised, std::string_view expected);

// The User-Agent with botocore's application id (AWS_SDK_UA_APP_ID / sdk_ua_app_id) appended as
// " app/<id>", each character outside ASCII letters, digits and !$%&'*+-.^_`|~, replaced by '-'
// (botocore's useragent.py); unchanged when the id is empty.
std::string with_app_id(std::string user_agent, std::string_view app_id);

// Replaces every occurrence of `secret` (when it has 4 characters or more) with "<redacted>".
void redact(std::string& text, std::string_view secret);

}  // namespace cat::aws
