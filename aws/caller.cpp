#include "aws/caller.hpp"

#include <algorithm>
#include <random>
#include <thread>

#include "core/secret.hpp"
#include "core/utf.hpp"

namespace cat::aws {
namespace {

std::string without_query(const http::Url& url) {
    return url.scheme + "://" + http::host_header(url) + url.target.substr(0, url.target.find('?'));
}

void redact_error(Error& e, std::span<const std::string_view> secrets) {
    for (std::string_view secret : secrets) {
        redact(e.message, secret);
        redact(e.code, secret);
        redact(e.request_id, secret);
    }
}

}  // namespace

std::chrono::system_clock::time_point now(const CallOptions& options) {
    return options.now ? options.now() : std::chrono::system_clock::now();
}

http::Request to_wire(sigv4::Request request, const http::Url& endpoint) {
    http::Request wire;
    wire.method = std::move(request.method);
    wire.url = endpoint;
    wire.url.target = std::move(request.path);
    if (!request.query.empty()) wire.url.target += "?" + sigv4::canonical_query(request.query);
    for (auto& h : request.headers) wire.headers.emplace_back(std::move(h.name), std::move(h.value));
    wire.body = std::move(request.body);
    return wire;
}

std::string with_base_path(const http::Url& endpoint, std::string_view path) {
    std::string base = endpoint.target.substr(0, endpoint.target.find('?'));
    while (!base.empty() && base.back() == '/') base.pop_back();
    return base + std::string(path);
}

Error api_error(int http_status, std::string_view operation, std::string code, std::string_view message,
                bool recognised, std::string_view expected) {
    Error e;
    e.kind = ErrorKind::api;
    e.http_status = http_status;
    e.code = code.empty() ? "HTTP " + std::to_string(http_status) : std::move(code);
    e.message = std::string(operation) + " failed: " + e.code;
    if (!message.empty())
        e.message += ": " + std::string(message);
    else if (!recognised)
        e.message += " (the response is not " + std::string(expected) + ": a proxy or gateway may have answered)";
    return e;
}

// As botocore's sanitize_user_agent_string_component(allow_hash=True): ASCII letters, digits,
// "!$%&'*+-.^_`|~," and '#' stay; any other code point becomes one '-' (a byte that is not well-formed
// UTF-8 counts as one, as Python's surrogateescape reads it).
std::string with_app_id(std::string user_agent, std::string_view app_id) {
    if (app_id.empty()) return user_agent;
    static constexpr std::string_view punctuation = "!$%&'*+-.^_`|~,#";
    user_agent += " app/";
    for (std::size_t i = 0; i < app_id.size();) {
        const char c = app_id[i];
        const auto u = static_cast<unsigned char>(c);
        const bool allowed = (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || (u >= '0' && u <= '9') ||
                             punctuation.find(c) != std::string_view::npos;
        user_agent += allowed ? c : '-';
        const std::size_t len = u >= 0xc2 && u <= 0xdf   ? 2
                                : u >= 0xe0 && u <= 0xef ? 3
                                : u >= 0xf0 && u <= 0xf4 ? 4
                                                         : 1;
        i += len > 1 && utf::valid_utf8(app_id.substr(i, len)) ? len : 1;
    }
    return user_agent;
}

void redact(std::string& text, std::string_view secret) {
    if (secret.size() < 4) return;
    for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at))
        text.replace(at, secret.size(), "<redacted>");
}

Result<http::Response> send_with_retries(const CallOptions& options, const CallSpec& spec,
                                         const BuildRequest& build_request, const Classify& classify) {
    const std::string& failing = spec.failing.empty() ? spec.operation : spec.failing;
    if (options.transport == nullptr) return Error::make(ErrorKind::internal, failing + ": no transport");
    std::function<double()> uniform01 = options.uniform01;
    if (!uniform01) {
        uniform01 = [gen = std::mt19937_64{std::random_device{}()}]() mutable {
            return std::uniform_real_distribution<double>(0.0, 1.0)(gen);
        };
    }
    const auto debug = [&](const std::string& line) {
        if (options.debug) options.debug(spec.operation + ": " + line);
    };
    const int max_attempts = std::max(1, options.retry.max_attempts);
    const auto seconds = [&] { return std::chrono::duration<double>(now(options).time_since_epoch()).count(); };
    const auto pause = [&](std::chrono::milliseconds delay) {
        if (options.sleep)
            options.sleep(delay);
        else
            std::this_thread::sleep_for(delay);
    };
    std::optional<RateLimiter> limiter;  // adaptive mode: botocore's client-side rate limiter
    if (options.retry.mode == RetryMode::adaptive) limiter.emplace(seconds());
    for (int attempt = 1;; ++attempt) {
        if (limiter) {
            const auto wait = std::chrono::milliseconds(static_cast<long long>(limiter->before_send(seconds()) * 1000));
            if (wait.count() > 0) {
                debug("waiting " + std::to_string(wait.count()) + " ms for the client-side rate limiter");
                pause(wait);
            }
        }
        auto built = build_request(attempt);
        if (!built) return std::move(built).error();
        http::Request request = std::move(*built);
        debug("attempt " + std::to_string(attempt) + " " + request.method + " " + without_query(request.url));
        auto response = options.transport->send(request, http::Clock::now() + options.attempt_timeout);
        // Headers and body may hold a secret (a bearer token, a web identity token).
        for (auto& header : request.headers) wipe(header.second);
        wipe(request.body);
        Error error;
        std::chrono::milliseconds hint{0};
        if (response) {
            auto failure = classify(*response);
            if (!failure) return response;
            error = std::move(*failure);
            if (response->status == 429 || is_throttling_code(error.code)) hint = retry_after(*response);
        } else {
            error = std::move(response).error();
            error.message = failing + ": " + error.message;
            error.retryable = is_retryable(error, options.retry.mode);
        }
        if (limiter) limiter->after_response(seconds(), is_throttling_code(error.code));
        redact_error(error, spec.secrets);
        debug("attempt " + std::to_string(attempt) + " failed: " + describe(error));
        if (!error.retryable || attempt >= max_attempts) {
            if (attempt > 1) error.message += " (after " + std::to_string(attempt) + " attempts)";
            return error;
        }
        const auto delay = backoff(options.retry, attempt, hint, uniform01);
        debug("retrying in " + std::to_string(delay.count()) + " ms");
        pause(delay);
    }
}

}  // namespace cat::aws
