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

Result<RetryMode> parse_retry_mode(std::string_view value, std::string_view source) {
    if (value == "standard") return RetryMode::standard;
    if (value == "legacy") return RetryMode::legacy;
    if (value == "adaptive") return RetryMode::adaptive;
    return Error::make(ErrorKind::config, std::string(source) + " \"" + std::string(value) +
                                              "\" is invalid: it must be standard, legacy or adaptive");
}

bool is_retryable(const Error& e, RetryMode mode) {
    if (mode != RetryMode::legacy || e.kind != ErrorKind::api) return is_retryable(e);
    switch (e.http_status) {
        case 429:
        case 500:
        case 502:
        case 503:
        case 504:
        case 509: return true;
        case 400: {
            static constexpr std::array<std::string_view, 6> codes = {"Throttling",
                                                                      "ThrottlingException",
                                                                      "ThrottledException",
                                                                      "RequestThrottledException",
                                                                      "ProvisionedThroughputExceededException",
                                                                      "IDPCommunicationError"};
            return std::find(codes.begin(), codes.end(), e.code) != codes.end();
        }
        default: return false;
    }
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
    } else if (policy.mode == RetryMode::legacy) {
        // botocore's legacy delay: rand * 2^(retry-1) s, no cap, and Retry-After is not read.
        return std::chrono::milliseconds(
            static_cast<long long>(uniform01() * std::ldexp(1000.0, std::max(0, retry - 1))));
    } else {
        const double base_ms = std::ldexp(1000.0, std::max(0, retry - 1));
        const double cap_ms = std::min(base_ms, static_cast<double>(policy.max_backoff.count()));
        delay = std::chrono::milliseconds(static_cast<long long>(uniform01() * cap_ms));
    }
    if (retry_after > delay) delay = std::min(retry_after, policy.max_backoff);
    return delay;
}

// botocore's numbers: the bucket's floor of 0.5 tokens/s, CUBIC's scale 0.4 and beta 0.7, the rate
// measured in half-second buckets smoothed by 0.8, and a new rate at most twice the measured one.
namespace {
constexpr double min_fill_rate = 0.5, cubic_scale = 0.4, cubic_beta = 0.7, smoothing = 0.8, bucket_seconds = 0.5;
}  // namespace

RateLimiter::RateLimiter(double now) : last_refill_(now), last_bucket_(std::floor(now)), last_fail_(now) {
    set_rate(now, 1);  // botocore's TokenBucket(max_rate=1)
}

void RateLimiter::refill(double now) {
    if (now <= last_refill_) return;  // still within a wait already counted
    capacity_ = std::min(max_capacity_, capacity_ + (now - last_refill_) * fill_rate_);
    last_refill_ = now;
}

void RateLimiter::set_rate(double now, double rate) {
    refill(now);
    fill_rate_ = std::max(rate, min_fill_rate);
    max_capacity_ = std::max(rate, 1.0);
    capacity_ = std::min(capacity_, max_capacity_);
}

double RateLimiter::before_send(double now) {
    if (!enabled_) return 0;
    refill(now);
    if (capacity_ >= 1) {
        capacity_ -= 1;
        return 0;
    }
    // Wait until the missing part of the token has flowed in; it is taken at once.
    const double wait = (1 - capacity_) / fill_rate_;
    capacity_ = 0;
    last_refill_ = now + wait;
    return wait;
}

void RateLimiter::after_response(double now, bool throttled) {
    const double bucket = std::floor(now / bucket_seconds) * bucket_seconds;
    ++count_;
    if (bucket > last_bucket_) {
        measured_ = count_ / (bucket - last_bucket_) * smoothing + measured_ * (1 - smoothing);
        count_ = 0;
        last_bucket_ = bucket;
    }
    double rate = 0;
    if (throttled) {
        w_max_ = enabled_ ? std::min(measured_, fill_rate_) : measured_;
        k_ = std::cbrt(w_max_ * (1 - cubic_beta) / cubic_scale);
        last_fail_ = now;
        rate = w_max_ * cubic_beta;
        enabled_ = true;
    } else {
        rate = cubic_scale * std::pow(now - last_fail_ - k_, 3) + w_max_;
    }
    set_rate(now, std::min(rate, 2 * measured_));
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
