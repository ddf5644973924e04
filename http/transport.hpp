// The transport interface: one HTTP(S) exchange, with deadlines. Only http/ includes Beast or
// OpenSSL's TLS headers; everything above talks to this interface, and unit tests use a fake.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace cat::http {

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;

struct Url {
    std::string scheme;  // "https" or "http"
    std::string host;    // a name, an IPv4 literal, or an IPv6 literal without brackets
    std::uint16_t port = 0;
    std::string target;  // path and query, as sent in the request line ("/" at least)
};

// Parses "https://host[:port][/path][?query]" (IPv6 literals in brackets). Errors name the problem.
Result<Url> parse_url(std::string_view text);
// An IP literal in binary form, network order: the first 4 bytes for IPv4, all 16 for IPv6; nothing when
// `s` is not one.
struct IpAddress {
    bool v6 = false;
    std::array<unsigned char, 16> bytes{};
    bool operator==(const IpAddress&) const = default;
};
std::optional<IpAddress> parse_ip(std::string_view s);
// "host" or "host:port" (port omitted when it is the scheme's default), brackets around IPv6 literals.
std::string host_header(const Url& url);

struct Request {
    std::string method = "GET";
    Url url;
    std::vector<std::pair<std::string, std::string>> headers;  // sent as given; Host is added if absent
    std::string body;
};

struct Response {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    // First value of a header, matched case-insensitively; empty when absent.
    std::string header(std::string_view name) const;
};

struct Proxy {
    std::string host;
    std::uint16_t port = 0;
    std::string user;      // from the proxy URL's user info, percent-decoded
    std::string password;  // idem; never logged
};

// Proxy settings as the AWS SDKs read them: HTTPS_PROXY/https_proxy for https URLs, HTTP_PROXY/http_proxy
// for http URLs, NO_PROXY/no_proxy a comma-separated list of hosts, domain suffixes (".example.com" or
// "example.com" matching subdomains too), IP literals, CIDR blocks ("10.0.0.0/8"), or "*"; an entry with
// ":port" only matches that port. A proxy URL is "http://[user:pass@]host[:port]" (port 80 by default) or
// "host:port".
struct ProxySettings {
    std::string https_proxy;
    std::string http_proxy;
    std::string no_proxy;
    // The proxy to use for `url`, or nothing for a direct connection. A malformed proxy URL is an error,
    // and so is an https:// proxy URL (TLS to the proxy itself is not supported).
    Result<std::optional<Proxy>> proxy_for(const Url& url) const;
    // Reads HTTPS_PROXY, HTTP_PROXY and NO_PROXY (each upper case first, then lower case).
    static ProxySettings from_env(const Env& env);
};

struct Options {
    std::chrono::milliseconds connect_timeout{10'000};  // resolve + connect + TLS handshake, each stage
    std::chrono::milliseconds read_timeout{30'000};     // write + read of the response
    std::string ca_bundle;  // a PEM file or a hashed directory; empty: the system trust store
    ProxySettings proxy;
    std::size_t max_response_bytes = 1 << 20;  // headers + body; more is an error
};

class Transport {
public:
    virtual ~Transport() = default;
    // One exchange. Errors are ErrorKind::network with the Stage that failed, and `retryable` unless
    // another attempt would fail the same way (a refused certificate or TLS version, a proxy's refusal,
    // an oversized response); a timeout says "timed out" and names the stage.
    virtual Result<Response> send(const Request& request, Deadline deadline) = 0;
};

// The real transport on Boost.Beast/Asio and OpenSSL: TLS 1.2+, SNI, peer and host-name verification
// always on, CONNECT tunnelling through proxies, HTTP/1.1 with content-length and chunked bodies.
std::unique_ptr<Transport> make_transport(Options options);

}  // namespace cat::http
