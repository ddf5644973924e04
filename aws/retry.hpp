// Retries in the AWS SDKs' "standard" mode: which failures are retried and how long to wait.
#pragma once

#include <chrono>
#include <functional>
#include <optional>

#include "core/error.hpp"
#include "http/transport.hpp"

namespace cat::aws {

struct RetryPolicy {
    int max_attempts = 3;  // AWS_MAX_ATTEMPTS, max_attempts in the profile, --max-attempts
    std::chrono::milliseconds max_backoff{20'000};
    // Set: this pause between attempts instead of the jittered exponential one (botocore's container
    // provider waits 1 s; its IMDS fetcher does not wait).
    std::optional<std::chrono::milliseconds> fixed_backoff;
};

// Throttling error codes as the SDKs list them, transient codes, HTTP 500/502/503/504/429, and network
// failures (connect, reset, timeouts, broken responses) are retried; validation and auth errors never.
bool is_retryable(const Error& e);
bool is_throttling_code(std::string_view code);

// The delay before retry number `retry` (1 for the first retry): random[0,1) * min(2^(retry-1) s,
// max_backoff), or the policy's fixed_backoff. `retry_after` (from a Retry-After header, 0 when absent) raises it, up
// to max_backoff. `uniform01` returns a number in [0, 1).
std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, std::chrono::milliseconds retry_after,
                                  const std::function<double()>& uniform01);

// The Retry-After header in whole seconds (the form AWS sends), or 0 when absent or not a number.
std::chrono::milliseconds retry_after(const http::Response& response);

}  // namespace cat::aws
