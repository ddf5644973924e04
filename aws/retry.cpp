#include "aws/retry.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string_view>

namespace cat::aws {

bool is_throttling_code(std::string_view code) {
    static constexpr std::array<std::string_view, 14> codes = {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    };
    return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool is_retryable(const Error& e) {
    if (e.kind == ErrorKind::network) {
        // The transport decides: connection problems are transient; a refused certificate or TLS version,
        // a proxy's refusal or an oversized response will be the same next time.
        return e.retryable;
    }
    if (e.kind != ErrorKind::api) return false;
    if (is_throttling_code(e.code)) return true;
    if (e.code == "RequestTimeout" || e.code == "RequestTimeoutException" || e.code == "InternalError") return true;
    switch (e.http_status) {
        case 429:
        case 500:
        case 502:
        case 503:
        case 504: return true;
        default: return false;
    }
}

std::chrono::milliseconds backoff(const RetryPolicy& policy, int retry, std::chrono::milliseconds retry_after,
                                  const std::function<double()>& uniform01) {
    std::chrono::milliseconds delay{0};
    if (policy.fixed_backoff) {
        delay = *policy.fixed_backoff;
    } else {
        const double base_ms = std::ldexp(1000.0, std::max(0, retry - 1));
        const double cap_ms = std::min(base_ms, static_cast<double>(policy.max_backoff.count()));
        delay = std::chrono::milliseconds(static_cast<long long>(uniform01() * cap_ms));
    }
    if (retry_after > delay) delay = std::min(retry_after, policy.max_backoff);
    return delay;
}

std::chrono::milliseconds retry_after(const http::Response& response) {
    const std::string v = response.header("Retry-After");
    if (v.empty() || v.size() > 6) return std::chrono::milliseconds{0};
    long long s = 0;
    for (char c : v) {
        if (c < '0' || c > '9') return std::chrono::milliseconds{0};
        s = s * 10 + (c - '0');
    }
    return std::chrono::seconds{s};
}

}  // namespace cat::aws
