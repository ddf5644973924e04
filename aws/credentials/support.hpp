// Small helpers the HTTP-based and file-based providers of this folder share (internal to aws/).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <thread>

#include "aws/credentials/provider.hpp"

namespace cat::aws::detail {

// The transport a provider sends through: ctx.transport when set, else one of its own made from
// ctx.transport_options with the provider's timeouts, and without the proxy when `use_proxy` is false
// (botocore sends container credential requests directly).
class ProviderTransport {
public:
    ProviderTransport(const ProviderContext& ctx, std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds read_timeout, bool use_proxy = true) {
        if (ctx.transport != nullptr) {
            transport_ = ctx.transport;
            return;
        }
        http::Options options = ctx.transport_options;
        options.connect_timeout = connect_timeout;
        options.read_timeout = read_timeout;
        if (!use_proxy) options.proxy = {};
        owned_ = http::make_transport(std::move(options));
        transport_ = owned_.get();
    }
    http::Transport& operator*() const { return *transport_; }
    http::Transport* operator->() const { return transport_; }

private:
    std::unique_ptr<http::Transport> owned_;
    http::Transport* transport_ = nullptr;
};

inline void debug(const ProviderContext& ctx, const std::string& message) {
    if (ctx.debug) ctx.debug(message);
}

inline std::chrono::system_clock::time_point now(const ProviderContext& ctx) {
    return ctx.now ? ctx.now() : std::chrono::system_clock::now();
}

inline void pause(const ProviderContext& ctx, std::chrono::milliseconds d) {
    if (ctx.sleep)
        ctx.sleep(d);
    else
        std::this_thread::sleep_for(d);
}

inline bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

inline std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

// Text from outside (a server's message) made fit for a one-line error: control characters become
// spaces, and it is cut to `max` bytes.
inline std::string one_line(std::string_view s, std::size_t max = 200) {
    std::string out;
    for (char c : s.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (s.size() > max) out += "...";
    return out;
}

// A value that may go into an HTTP header: no control characters (so no CR or LF).
inline bool header_safe(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
    }
    return true;
}

// "http://host:port/path" without the query, for messages.
inline std::string describe_url(const http::Url& url) {
    return url.scheme + "://" + http::host_header(url) + url.target.substr(0, url.target.find('?'));
}

}  // namespace cat::aws::detail
