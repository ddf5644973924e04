// URLs, host headers and proxy selection: plain string work, no Beast here.
#ifdef _WIN32
#include <ws2tcpip.h>  // inet_pton
#else
#include <arpa/inet.h>
#endif

#include <algorithm>
#include <array>
#include <cstdlib>

#include "core/text.hpp"
#include "http/transport.hpp"

namespace cat::http {
namespace {

using text::iequals;
using text::trim;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

// A host name as it may appear in a URL: letters, digits, '-', '.', '_'.
bool valid_name(std::string_view host) {
    return !host.empty() && std::all_of(host.begin(), host.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' || c == '.' || c == '_';
    });
}

}  // namespace

std::optional<IpAddress> parse_ip(std::string_view s) {
    if (s.empty() || s.size() > 45) return std::nullopt;
    const std::string z(s);  // inet_pton wants a terminated string
    IpAddress ip;
    if (inet_pton(AF_INET, z.c_str(), ip.bytes.data()) == 1) return ip;
    if (inet_pton(AF_INET6, z.c_str(), ip.bytes.data()) == 1) {
        ip.v6 = true;
        return ip;
    }
    return std::nullopt;
}

namespace {

std::optional<std::uint16_t> parse_port(std::string_view s) {
    if (s.empty() || s.size() > 5 || !std::all_of(s.begin(), s.end(), is_digit)) return std::nullopt;
    unsigned v = 0;
    for (char c : s) v = v * 10 + static_cast<unsigned>(c - '0');
    if (v == 0 || v > 65535) return std::nullopt;
    return static_cast<std::uint16_t>(v);
}

std::uint16_t default_port(std::string_view scheme) {
    return scheme == "https" ? 443 : 80;
}

struct HostPort {
    std::string host;  // lower case, IPv6 without brackets
    std::optional<std::uint16_t> port;
};

// "host", "host:port", "[v6]" or "[v6]:port". `what` names the thing in error messages.
Result<HostPort> parse_host_port(std::string_view s, std::string_view what, ErrorKind kind) {
    auto fail = [&](std::string_view why) { return Error::make(kind, std::string(what) + ": " + std::string(why)); };
    HostPort out;
    std::string_view port_text;
    bool has_port = false;
    if (!s.empty() && s.front() == '[') {
        const auto close = s.find(']');
        if (close == std::string_view::npos) return fail("unterminated '[' in the host");
        const auto inside = s.substr(1, close - 1);
        const auto ip = parse_ip(inside);
        if (!ip || !ip->v6) return fail("invalid IPv6 address in brackets");
        out.host = text::lower(inside);
        const auto rest = s.substr(close + 1);
        if (!rest.empty()) {
            if (rest.front() != ':') return fail("unexpected characters after the IPv6 address");
            has_port = true;
            port_text = rest.substr(1);
        }
    } else {
        const auto colon = s.find(':');
        if (colon != std::string_view::npos && s.find(':', colon + 1) != std::string_view::npos)
            return fail("IPv6 addresses must be written in brackets, as in [::1]");
        const auto name = s.substr(0, colon);
        if (name.empty()) return fail("missing host");
        if (!valid_name(name)) return fail("invalid character in the host name");
        out.host = text::lower(name);
        if (colon != std::string_view::npos) {
            has_port = true;
            port_text = s.substr(colon + 1);
        }
    }
    if (has_port && !port_text.empty()) {
        out.port = parse_port(port_text);
        if (!out.port) return fail("invalid port (expected 1-65535)");
    }
    return out;
}

int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size()) return std::nullopt;
        const int hi = hex_value(s[i + 1]);
        const int lo = hex_value(s[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
    }
    return out;
}

// "http://[user:pass@]host[:port][/]" or "host:port". Errors never repeat the URL: it may hold a password.
Result<Proxy> parse_proxy(std::string_view text, std::string_view variable) {
    const std::string what = "invalid " + std::string(variable);
    auto fail = [&](std::string_view why) { return Error::make(ErrorKind::config, what + ": " + std::string(why)); };
    std::string_view s = trim(text);
    // A CR, LF or other control character is a mistake (a value pasted with its line break), never a host.
    if (std::any_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
        return fail("it contains a control character (a line break?)");
    if (const auto sep = s.find("://"); sep != std::string_view::npos) {
        const std::string scheme = text::lower(s.substr(0, sep));
        if (scheme == "https")
            return Error::make(ErrorKind::config, std::string(variable) +
                                                      ": https:// proxy URLs (TLS to the proxy) are not supported; "
                                                      "use an http:// proxy URL (https requests through it stay "
                                                      "end-to-end TLS)");
        if (scheme != "http") {
            // Quoted only when it is a scheme: the text before a later "://" ("user:pass@host/?u=http://")
            // may be user information.
            const bool is_scheme = std::all_of(scheme.begin(), scheme.end(), [](char c) {
                return (c >= 'a' && c <= 'z') || is_digit(c) || c == '+' || c == '-' || c == '.';
            });
            return fail(is_scheme ? "unsupported proxy scheme \"" + scheme + "\" (only http:// is supported)"
                                  : "unsupported proxy scheme (only http:// is supported)");
        }
        s.remove_prefix(sep + 3);
    }
    // The authority ends at the first '/', '?' or '#'; a path after it is ignored.
    s = s.substr(0, s.find_first_of("/?#"));
    Proxy proxy;
    if (const auto at = s.rfind('@'); at != std::string_view::npos) {
        const auto info = s.substr(0, at);
        const auto colon = info.find(':');
        auto user = percent_decode(info.substr(0, colon));
        auto password =
            colon == std::string_view::npos ? std::optional<std::string>("") : percent_decode(info.substr(colon + 1));
        if (!user || !password) return fail("invalid percent-encoding in the user info");
        proxy.user = std::move(*user);
        proxy.password = std::move(*password);
        s.remove_prefix(at + 1);
    }
    auto hp = parse_host_port(s, what, ErrorKind::config);
    if (!hp) return std::move(hp).error();
    proxy.host = std::move(hp->host);
    proxy.port = hp->port.value_or(80);
    return proxy;
}

// One NO_PROXY entry: a host or domain suffix, an IP literal, or a CIDR block; optionally with a port.
struct NoProxyEntry {
    std::string host;  // lower case, leading '.' or "*." removed
    std::optional<IpAddress> ip;
    int prefix = -1;  // CIDR prefix length, or -1
    std::optional<std::uint16_t> port;
};

std::optional<NoProxyEntry> parse_no_proxy_entry(std::string_view e) {
    NoProxyEntry out;
    std::string_view host = e;
    std::string_view port;
    if (!e.empty() && e.front() == '[') {
        const auto close = e.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        host = e.substr(1, close - 1);
        const auto rest = e.substr(close + 1);
        if (rest.starts_with(':')) port = rest.substr(1);
    } else if (std::count(e.begin(), e.end(), ':') == 1) {  // more than one: a bare IPv6 literal
        const auto colon = e.find(':');
        host = e.substr(0, colon);
        port = e.substr(colon + 1);
    }
    if (!port.empty()) {
        out.port = parse_port(port);
        if (!out.port) return std::nullopt;
    }
    if (const auto slash = host.find('/'); slash != std::string_view::npos) {
        const auto bits = host.substr(slash + 1);
        host = host.substr(0, slash);
        if (bits.empty() || bits.size() > 3 || !std::all_of(bits.begin(), bits.end(), is_digit)) return std::nullopt;
        out.prefix = std::atoi(std::string(bits).c_str());
    }
    out.ip = parse_ip(host);
    if (out.ip) {
        if (out.prefix > (out.ip->v6 ? 128 : 32)) return std::nullopt;
    } else {
        if (out.prefix >= 0) return std::nullopt;
        if (host.starts_with("*.")) host.remove_prefix(2);
        if (host.starts_with('.')) host.remove_prefix(1);
        if (host.empty()) return std::nullopt;
        out.host = text::lower(host);
    }
    return out;
}

bool in_block(const IpAddress& addr, const IpAddress& net, int prefix) {
    if (addr.v6 != net.v6) return false;
    const int whole = prefix / 8;
    const auto n = static_cast<std::size_t>(whole);
    if (!std::equal(addr.bytes.begin(), addr.bytes.begin() + whole, net.bytes.begin())) return false;
    const int rest = prefix % 8;
    if (rest == 0) return true;
    const auto mask = static_cast<unsigned char>(0xff << (8 - rest));
    return (addr.bytes[n] & mask) == (net.bytes[n] & mask);
}

bool matches(const NoProxyEntry& e, const Url& url, const std::optional<IpAddress>& url_ip) {
    if (e.port && *e.port != url.port) return false;
    if (e.ip) {
        if (!url_ip) return false;
        return e.prefix < 0 ? *url_ip == *e.ip : in_block(*url_ip, *e.ip, e.prefix);
    }
    if (url_ip) return false;  // an IP literal is matched by IP entries only, never as a domain suffix
    const std::string host = text::lower(url.host);
    if (host == e.host) return true;
    return host.size() > e.host.size() && host.ends_with(e.host) && host[host.size() - e.host.size() - 1] == '.';
}

bool bypass_proxy(std::string_view no_proxy, const Url& url) {
    const auto url_ip = parse_ip(url.host);
    std::size_t pos = 0;
    while (pos < no_proxy.size()) {
        const auto end = std::min(no_proxy.find_first_of(", \t\r\n", pos), no_proxy.size());
        const auto item = no_proxy.substr(pos, end - pos);
        pos = end + 1;
        if (item.empty()) continue;
        if (item == "*") return true;
        const auto entry = parse_no_proxy_entry(item);
        if (entry && matches(*entry, url, url_ip)) return true;
    }
    return false;
}

std::string env_any(const Env& env, std::string_view upper, std::string_view lower_name) {
    std::string v = env.get(upper);
    return v.empty() ? env.get(lower_name) : v;
}

}  // namespace

Result<Url> parse_url(std::string_view text) {
    auto fail = [](std::string_view why) { return Error::make(ErrorKind::usage, "invalid URL: " + std::string(why)); };
    if (std::any_of(text.begin(), text.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u <= 0x20 || u >= 0x7f;
        }))
        return fail("it contains a space, a control character or a non-ASCII byte");
    const auto sep = text.find("://");
    if (sep == std::string_view::npos) return fail("expected an absolute URL such as https://host/path");
    Url url;
    url.scheme = text::lower(text.substr(0, sep));
    if (url.scheme != "https" && url.scheme != "http")
        return fail("unsupported scheme \"" + url.scheme + "\" (expected https or http)");
    std::string_view rest = text.substr(sep + 3);
    const auto authority_end = std::min(rest.find_first_of("/?#"), rest.size());
    const auto authority = rest.substr(0, authority_end);
    if (authority.find('@') != std::string_view::npos) return fail("user info in URLs is not supported");
    auto hp = parse_host_port(authority, "invalid URL", ErrorKind::usage);
    if (!hp) return std::move(hp).error();
    url.host = std::move(hp->host);
    url.port = hp->port.value_or(default_port(url.scheme));
    rest.remove_prefix(authority_end);
    rest = rest.substr(0, rest.find('#'));
    url.target = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
    return url;
}

std::string host_header(const Url& url) {
    std::string out = url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host;
    if (url.port != default_port(url.scheme)) out += ":" + std::to_string(url.port);
    return out;
}

std::string Response::header(std::string_view name) const {
    for (const auto& [n, v] : headers)
        if (iequals(n, name)) return v;
    return {};
}

Result<std::optional<Proxy>> ProxySettings::proxy_for(const Url& url) const {
    const bool https = url.scheme == "https";
    const std::string& setting = https ? https_proxy : http_proxy;
    if (trim(setting).empty() || bypass_proxy(no_proxy, url)) return std::optional<Proxy>{};
    auto proxy = parse_proxy(setting, https ? "HTTPS_PROXY" : "HTTP_PROXY");
    if (!proxy) return std::move(proxy).error();
    return std::optional<Proxy>(std::move(proxy).value());
}

ProxySettings ProxySettings::from_env(const Env& env) {
    ProxySettings s;
    s.https_proxy = env_any(env, "HTTPS_PROXY", "https_proxy");
    s.http_proxy = env_any(env, "HTTP_PROXY", "http_proxy");
    s.no_proxy = env_any(env, "NO_PROXY", "no_proxy");
    return s;
}

}  // namespace cat::http
