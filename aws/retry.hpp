// Retries in the AWS SDKs' modes (standard, legacy, adaptive): which failures are retried and how long to
// wait.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string_view>

#include "core/result.hpp"

#include "core/error.hpp"
#include "http/transport.hpp"

namespace cat::aws {

// AWS_RETRY_MODE / retry_mode. standard: the SDKs' standard rules (3 attempts by default). legacy:
// botocore's _retry.json (5 attempts; fewer errors; rand * 2^(n-1) s without a cap; no Retry-After).
// adaptive: standard, plus botocore's client-side rate limiter once a throttling answer came back.
enum class RetryMode { standard, legacy, adaptive };

// "standard", "legacy" or "adaptive" exactly (botocore compares so); anything else is a config error
// naming `source`.
Result<RetryMode> parse_retry_mode(std::string_view value, std::string_view source);

struct RetryPolicy {
    int max_attempts = 3;  // AWS_MAX_ATTEMPTS, max_attempts in the profile, --max-attempts
    RetryMode mode = RetryMode::standard;
    std::chrono::milliseconds max_backoff{20'000};
    // Set: this pause between attempts instead of the jittered exponential one (botocore's container
    // provider waits 1 s; its IMDS fetcher does not wait).
    std::optional<std::chrono::milliseconds> fixed_backoff;
};

// Throttling error codes as the SDKs list them, transient codes, HTTP 500/502/503/504/429, and network
// failures (connect, reset, timeouts, broken responses) are retried; validation and auth errors never.
bool is_retryable(const Error& e);
bool is_throttling_code(std::string_view code);
// The same decision in `mode`: legacy retries HTTP 429, 500, 502, 503, 504 and 509, the codes Throttling,
// ThrottlingException, ThrottledException, RequestThrottledException, ProvisionedThroughputExceededException
// and STS's IDPCommunicationError with HTTP 400, and connection failures (botocore's _retry.json).
bool is_retryable(const Error& e, RetryMode mode);

// Adaptive mode's client-side rate limiter (botocore's retries/adaptive.py: a token bucket whose rate a
// CUBIC calculator sets from the measured send rate), for the attempts of one call. Off until the first
// throttling answer; then every attempt takes one token, waiting for it. Times are seconds of `now`.
class RateLimiter {
public:
    explicit RateLimiter(double now);
    // Before an attempt: how long to wait for a token (0 when off or when one is there), taken.
    double before_send(double now);
    // After an answer (or a failure): whether it was throttling.
    void after_response(double now, bool throttled);

private:
    void refill(double now);
    void set_rate(double now, double rate);
    bool enabled_ = false;
    // The token bucket.
    double fill_rate_ = 0, max_capacity_ = 1, capacity_ = 0, last_refill_ = 0;
    // The measured send rate, in half-second buckets, smoothed.
    double measured_ = 0, last_bucket_ = 0;
    int count_ = 0;
    // CUBIC.
    double w_max_ = 0, k_ = 0, last_fail_ = 0;
};

// The delay before retry number `retry` (1 for the first retry): random[0,1) * min(2^(retry-1) s,
// max_backoff), or the policy's fixed_backoff. `retry_after` (from a Retry-After header, 0 when absent) raises it, up
// to max_backoff. `uniform01` returns a number in [0, 1).
std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, std::chrono::milliseconds retry_after,
                                  const std::function<double()>& uniform01);

// The Retry-After header in whole seconds (the form AWS sends), or 0 when absent or not a number.
std::chrono::milliseconds retry_after(const http::Response& response);

}  // namespace cat::aws
