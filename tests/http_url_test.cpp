// Unit tests of URL parsing, Host headers and proxy selection (no sockets).
#define BOOST_TEST_MODULE http_url_test
#include <boost/test/unit_test.hpp>

#include "http/transport.hpp"

namespace h = cat::http;

namespace {
h::Url url(std::string_view text) {
    auto u = h::parse_url(text);
    BOOST_REQUIRE_MESSAGE(u.ok(), std::string(text) + ": " + (u.ok() ? "" : u.error().message));
    return std::move(u).value();
}

std::string url_error(std::string_view text) {
    auto u = h::parse_url(text);
    BOOST_REQUIRE_MESSAGE(!u.ok(), std::string(text) + " should not parse");
    BOOST_TEST((u.error().kind == cat::ErrorKind::usage));
    return u.error().message;
}

// The proxy chosen for `target`, as "user:password@host:port", "direct", or "error: message".
std::string route(const h::ProxySettings& s, std::string_view target) {
    auto p = s.proxy_for(url(target));
    if (!p) return "error: " + p.error().message;
    if (!*p) return "direct";
    const h::Proxy& proxy = **p;
    std::string out;
    if (!proxy.user.empty() || !proxy.password.empty()) out = proxy.user + ":" + proxy.password + "@";
    return out + proxy.host + ":" + std::to_string(proxy.port);
}

h::ProxySettings https_via(std::string proxy, std::string no_proxy = "") {
    h::ProxySettings s;
    s.https_proxy = std::move(proxy);
    s.no_proxy = std::move(no_proxy);
    return s;
}
}  // namespace

BOOST_AUTO_TEST_CASE(parse_url_defaults) {
    const auto u = url("https://codeartifact.us-west-2.amazonaws.com/v1/authorization-token?domain=d&duration=900");
    BOOST_TEST(u.scheme == "https");
    BOOST_TEST(u.host == "codeartifact.us-west-2.amazonaws.com");
    BOOST_TEST(u.port == 443);
    BOOST_TEST(u.target == "/v1/authorization-token?domain=d&duration=900");

    const auto plain = url("http://169.254.169.254");
    BOOST_TEST(plain.scheme == "http");
    BOOST_TEST(plain.host == "169.254.169.254");
    BOOST_TEST(plain.port == 80);
    BOOST_TEST(plain.target == "/");

    BOOST_TEST(url("HTTPS://Example.COM:8443").host == "example.com");
    BOOST_TEST(url("HTTPS://Example.COM:8443").scheme == "https");
    BOOST_TEST(url("https://example.com:8443").port == 8443);
    BOOST_TEST(url("https://example.com?x=1").target == "/?x=1");
    BOOST_TEST(url("https://example.com/a/b#frag").target == "/a/b");
    BOOST_TEST(url("https://example.com#frag").target == "/");
    BOOST_TEST(url("https://example.com:/p").port == 443);  // an empty port is the default (RFC 3986)
}

BOOST_AUTO_TEST_CASE(parse_url_ipv6) {
    const auto u = url("https://[::1]:8443/x");
    BOOST_TEST(u.host == "::1");
    BOOST_TEST(u.port == 8443);
    BOOST_TEST(u.target == "/x");
    const auto v = url("http://[FD00:EC2::254]/latest/api/token");
    BOOST_TEST(v.host == "fd00:ec2::254");
    BOOST_TEST(v.port == 80);
    BOOST_TEST(url("https://[::ffff:127.0.0.1]").host == "::ffff:127.0.0.1");
}

BOOST_AUTO_TEST_CASE(parse_url_rejects_bad_urls) {
    BOOST_TEST(url_error("example.com/path").find("absolute URL") != std::string::npos);
    BOOST_TEST(url_error("ftp://example.com/").find("unsupported scheme") != std::string::npos);
    BOOST_TEST(url_error("https:///path").find("missing host") != std::string::npos);
    BOOST_TEST(url_error("https://").find("missing host") != std::string::npos);
    BOOST_TEST(url_error("https://example.com:0/").find("port") != std::string::npos);
    BOOST_TEST(url_error("https://example.com:65536/").find("port") != std::string::npos);
    BOOST_TEST(url_error("https://example.com:12a/").find("port") != std::string::npos);
    BOOST_TEST(url_error("https://::1/").find("brackets") != std::string::npos);
    BOOST_TEST(url_error("https://[::1/").find("unterminated") != std::string::npos);
    BOOST_TEST(url_error("https://[not-ip]/").find("IPv6") != std::string::npos);
    BOOST_TEST(url_error("https://[127.0.0.1]/").find("IPv6") != std::string::npos);
    BOOST_TEST(url_error("https://[::1]x/").find("after the IPv6") != std::string::npos);
    BOOST_TEST(url_error("https://user:secret@example.com/").find("user info") != std::string::npos);
    BOOST_TEST(url_error("https://user:secret@example.com/").find("secret") == std::string::npos);
    BOOST_TEST(url_error("https://exa mple.com/").find("space") != std::string::npos);
    BOOST_TEST(url_error("https://example.com/a\r\nX-Injected: 1").find("control") != std::string::npos);
    BOOST_TEST(url_error("https://ex%41mple.com/").find("invalid character") != std::string::npos);
    BOOST_TEST(url_error("https://example.com/\xc3\xa9").find("non-ASCII") != std::string::npos);
    BOOST_TEST(url_error("").find("absolute URL") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(host_header_omits_default_ports) {
    BOOST_TEST(h::host_header(url("https://example.com/")) == "example.com");
    BOOST_TEST(h::host_header(url("https://example.com:443/")) == "example.com");
    BOOST_TEST(h::host_header(url("https://example.com:80/")) == "example.com:80");
    BOOST_TEST(h::host_header(url("http://example.com:80/")) == "example.com");
    BOOST_TEST(h::host_header(url("http://example.com:443/")) == "example.com:443");
    BOOST_TEST(h::host_header(url("https://[::1]/")) == "[::1]");
    BOOST_TEST(h::host_header(url("https://[::1]:8443/")) == "[::1]:8443");
    BOOST_TEST(h::host_header(url("http://127.0.0.1:8080/")) == "127.0.0.1:8080");
}

BOOST_AUTO_TEST_CASE(response_header_is_case_insensitive) {
    h::Response r;
    r.headers = {{"Content-Type", "application/json"}, {"x-amzn-RequestId", "abc"}, {"X-AMZN-REQUESTID", "def"}};
    BOOST_TEST(r.header("content-type") == "application/json");
    BOOST_TEST(r.header("X-Amzn-RequestId") == "abc");
    BOOST_TEST(r.header("missing") == "");
}

BOOST_AUTO_TEST_CASE(proxy_by_scheme) {
    h::ProxySettings s;
    BOOST_TEST(route(s, "https://example.com/") == "direct");
    s.https_proxy = "http://proxy.corp:3128";
    BOOST_TEST(route(s, "https://example.com/") == "proxy.corp:3128");
    BOOST_TEST(route(s, "http://example.com/") == "direct");
    s.http_proxy = "http://plain.corp";
    BOOST_TEST(route(s, "http://example.com/") == "plain.corp:80");
    BOOST_TEST(route(s, "https://example.com/") == "proxy.corp:3128");
    s.https_proxy = "   ";
    BOOST_TEST(route(s, "https://example.com/") == "direct");
}

BOOST_AUTO_TEST_CASE(proxy_url_with_a_control_character_is_refused_as_such) {
    for (const char* bad :
         {"http://proxy.corp:3128\r\nX-Injected: 1", "http://proxy.corp\n:3128", "proxy\x1b.corp:80"}) {
        const std::string r = route(https_via(bad), "https://a.com/");
        BOOST_TEST(r.find("control character") != std::string::npos, r);
        BOOST_TEST(r.find("IPv6") == std::string::npos, r);
        BOOST_TEST(r.find("proxy.corp") == std::string::npos, r);  // the value is not repeated
    }
}

BOOST_AUTO_TEST_CASE(proxy_url_forms) {
    BOOST_TEST(route(https_via("proxy.corp:8080"), "https://a.com/") == "proxy.corp:8080");
    BOOST_TEST(route(https_via("proxy.corp"), "https://a.com/") == "proxy.corp:80");
    BOOST_TEST(route(https_via("HTTP://Proxy.Corp:8080/"), "https://a.com/") == "proxy.corp:8080");
    BOOST_TEST(route(https_via("http://10.0.0.1:3128/some/path"), "https://a.com/") == "10.0.0.1:3128");
    BOOST_TEST(route(https_via("http://[fd00::1]:3128"), "https://a.com/") == "fd00::1:3128");
    BOOST_TEST(route(https_via("http://[fd00::1]"), "https://a.com/") == "fd00::1:80");
    BOOST_TEST(route(https_via(" http://proxy.corp:3128 \n"), "https://a.com/") == "proxy.corp:3128");
}

BOOST_AUTO_TEST_CASE(proxy_user_info_is_percent_decoded) {
    BOOST_TEST(route(https_via("http://proxyuser:p%40ss%3Aword@127.0.0.1:3128"), "https://a.com/") ==
               "proxyuser:p@ss:word@127.0.0.1:3128");
    BOOST_TEST(route(https_via("http://user@proxy.corp:3128"), "https://a.com/") == "user:@proxy.corp:3128");
    BOOST_TEST(route(https_via("http://us%65r:pa:ss@proxy.corp"), "https://a.com/") == "user:pa:ss@proxy.corp:80");
    // The last '@' separates the user info: an unencoded '@' in the password still works.
    BOOST_TEST(route(https_via("http://u:p@ss@proxy.corp:1"), "https://a.com/") == "u:p@ss@proxy.corp:1");
    BOOST_TEST(route(https_via("u:p@proxy.corp:1"), "https://a.com/") == "u:p@proxy.corp:1");
}

BOOST_AUTO_TEST_CASE(bad_proxy_urls_are_errors_without_secrets) {
    for (const char* bad :
         {"http://u:s3cret@proxy.corp:99999", "http://u:s3cret%zz@proxy.corp:1", "http://u:s3cret@:3128",
          "socks5://u:s3cret@proxy.corp:1080", "http://u:s3cret@fd00::1:1", "http://u:s3cret@pro xy:1"}) {
        auto p = https_via(bad).proxy_for(url("https://a.com/"));
        BOOST_REQUIRE_MESSAGE(!p.ok(), bad);
        BOOST_TEST(p.error().message.find("HTTPS_PROXY") != std::string::npos, bad);
        BOOST_TEST(p.error().message.find("s3cret") == std::string::npos, bad);
        BOOST_TEST((p.error().kind == cat::ErrorKind::config));
    }
    auto tls = https_via("https://u:s3cret@proxy.corp:443").proxy_for(url("https://a.com/"));
    BOOST_REQUIRE(!tls.ok());
    BOOST_TEST(tls.error().message.find("not supported") != std::string::npos);
    BOOST_TEST(tls.error().message.find("s3cret") == std::string::npos);

    h::ProxySettings s;
    s.http_proxy = "ftp://proxy";
    auto p = s.proxy_for(url("http://a.com/"));
    BOOST_REQUIRE(!p.ok());
    BOOST_TEST(p.error().message.find("HTTP_PROXY") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(no_proxy_hosts_and_suffixes) {
    const auto s = https_via("http://proxy:3128", "localhost, .internal.corp,example.com  Other.Org\t*.wild.net");
    BOOST_TEST(route(s, "https://localhost:8443/") == "direct");
    BOOST_TEST(route(s, "https://example.com/") == "direct");
    BOOST_TEST(route(s, "https://a.example.com/") == "direct");
    BOOST_TEST(route(s, "https://a.b.example.com/") == "direct");
    BOOST_TEST(route(s, "https://notexample.com/") == "proxy:3128");
    BOOST_TEST(route(s, "https://example.com.evil.net/") == "proxy:3128");
    BOOST_TEST(route(s, "https://internal.corp/") == "direct");
    BOOST_TEST(route(s, "https://x.internal.corp/") == "direct");
    BOOST_TEST(route(s, "https://OTHER.org/") == "direct");
    BOOST_TEST(route(s, "https://api.other.org/") == "direct");
    BOOST_TEST(route(s, "https://x.wild.net/") == "direct");
    BOOST_TEST(route(s, "https://codeartifact.us-west-2.amazonaws.com/") == "proxy:3128");
}

BOOST_AUTO_TEST_CASE(no_proxy_star_disables_all) {
    BOOST_TEST(route(https_via("http://proxy:3128", "*"), "https://anything.example/") == "direct");
    BOOST_TEST(route(https_via("http://proxy:3128", "foo.com, *"), "https://[::1]/") == "direct");
    BOOST_TEST(route(https_via("http://proxy:3128", "*.com"), "https://example.org/") == "proxy:3128");
}

BOOST_AUTO_TEST_CASE(no_proxy_ip_literals) {
    const auto s = https_via("http://proxy:3128", "127.0.0.1,::1,[fd00:ec2::254],10.0.0.0/8,2001:db8::/32");
    BOOST_TEST(route(s, "https://127.0.0.1:8443/") == "direct");
    BOOST_TEST(route(s, "https://127.0.0.2/") == "proxy:3128");
    BOOST_TEST(route(s, "https://[::1]:8443/") == "direct");
    BOOST_TEST(route(s, "https://[0:0:0:0:0:0:0:1]/") == "direct");  // compared as addresses
    BOOST_TEST(route(s, "https://[fd00:ec2::254]/") == "direct");
    BOOST_TEST(route(s, "https://10.1.2.3/") == "direct");
    BOOST_TEST(route(s, "https://11.1.2.3/") == "proxy:3128");
    BOOST_TEST(route(s, "https://[2001:db8:1::5]/") == "direct");
    BOOST_TEST(route(s, "https://[2001:db9::5]/") == "proxy:3128");
    // An IP entry is not a domain suffix.
    BOOST_TEST(route(https_via("http://proxy:3128", "0.0.1"), "https://127.0.0.1/") == "proxy:3128");
}

BOOST_AUTO_TEST_CASE(no_proxy_ports) {
    const auto s = https_via("http://proxy:3128", "example.com:8443,127.0.0.1:9000,[::1]:9001");
    BOOST_TEST(route(s, "https://example.com:8443/") == "direct");
    BOOST_TEST(route(s, "https://a.example.com:8443/") == "direct");
    BOOST_TEST(route(s, "https://example.com/") == "proxy:3128");
    BOOST_TEST(route(s, "https://127.0.0.1:9000/") == "direct");
    BOOST_TEST(route(s, "https://127.0.0.1:9001/") == "proxy:3128");
    BOOST_TEST(route(s, "https://[::1]:9001/") == "direct");
    BOOST_TEST(route(s, "https://[::1]:9000/") == "proxy:3128");
    // Malformed entries are ignored, not fatal.
    BOOST_TEST(route(https_via("http://proxy:3128", "example.com:xyz,[::1,,"), "https://example.com/") == "proxy:3128");
}

BOOST_AUTO_TEST_CASE(no_proxy_wins_over_a_malformed_proxy) {
    BOOST_TEST(route(https_via("http://proxy:bad", "example.com"), "https://example.com/") == "direct");
}

BOOST_AUTO_TEST_CASE(settings_from_env) {
    cat::Env env;
    env.set("https_proxy", "http://lower:1");
    env.set("HTTP_PROXY", "http://upper:2");
    env.set("http_proxy", "http://lower:3");
    env.set("no_proxy", "example.com");
    const auto s = h::ProxySettings::from_env(env);
    BOOST_TEST(s.https_proxy == "http://lower:1");
    BOOST_TEST(s.http_proxy == "http://upper:2");
    BOOST_TEST(s.no_proxy == "example.com");
}
