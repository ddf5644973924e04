// The real transport over real sockets, against the loopback servers that tests/tools/with-servers
// starts (tests/servers/README.md). A few cases use a tiny in-process listener for what those servers
// cannot show: a peer that never answers, and a plain-http proxy.
#define BOOST_TEST_MODULE http_transport_test
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <boost/test/unit_test.hpp>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/transport.hpp"

namespace h = cat::http;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    return v != nullptr ? v : "";
}

std::string port(const char* name) {
    const std::string v = env(name);
    BOOST_REQUIRE_MESSAGE(!v.empty(), std::string(name) + " is not set: run this test under tests/tools/with-servers");
    return v;
}

h::Url url(const std::string& text) {
    auto u = h::parse_url(text);
    BOOST_REQUIRE_MESSAGE(u.ok(), text);
    return std::move(u).value();
}

std::string main_url(const std::string& path) {
    return "https://127.0.0.1:" + port("CAT_TEST_PORT_MAIN") + path;
}

h::Options options() {
    h::Options o;
    o.ca_bundle = port("CAT_TEST_CA");
    o.connect_timeout = 5s;
    o.read_timeout = 10s;
    return o;
}

cat::Result<h::Response> send(const h::Options& o, h::Request r, std::chrono::milliseconds budget = 20s) {
    return h::make_transport(o)->send(r, h::Clock::now() + budget);
}

cat::Result<h::Response> get(const h::Options& o, const std::string& u) {
    h::Request r;
    r.url = url(u);
    return send(o, std::move(r));
}

h::Response ok(const cat::Result<h::Response>& r) {
    BOOST_REQUIRE_MESSAGE(r.ok(), "unexpected error: " + (r.ok() ? std::string() : r.error().message));
    return r.value();
}

cat::Error failed(const cat::Result<h::Response>& r, std::string_view stage) {
    BOOST_REQUIRE_MESSAGE(!r.ok(), "expected an error at stage " + std::string(stage));
    const cat::Error& e = r.error();
    BOOST_TEST_MESSAGE("error: " << e.message);
    BOOST_TEST((e.kind == cat::ErrorKind::network));
    BOOST_TEST(cat::stage_name(e.stage) == stage, e.message);
    BOOST_TEST(e.message.find(std::string(stage)) != std::string::npos, e.message);
    return e;
}

bool contains(const std::string& s, std::string_view part) {
    return s.find(part) != std::string::npos;
}

// The echo route's JSON: method, target, headers (as [name, value] pairs) and body.
struct Echo {
    std::string method, target, body;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string header(std::string_view name) const {
        for (const auto& [n, v] : headers)
            if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
                    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
                }))
                return v;
        return "<absent>";
    }
};

Echo echo(const h::Response& r) {
    BOOST_REQUIRE_EQUAL(r.status, 200);
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    BOOST_REQUIRE_MESSAGE(!d.HasParseError() && d.IsObject(), "echo body is not JSON: " + r.body);
    Echo e;
    e.method = d["method"].GetString();
    e.target = d["target"].GetString();
    e.body = d["body"].GetString();
    for (const auto& pair : d["headers"].GetArray()) e.headers.emplace_back(pair[0].GetString(), pair[1].GetString());
    return e;
}

// proxy.log: one JSON object per request the proxies saw.
std::vector<std::string> proxy_log() {
    std::ifstream in(port("CAT_TEST_STATE") + "/proxy.log");
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

bool logged_connect(const std::vector<std::string>& before, const std::string& listener, const std::string& target,
                    bool auth_ok) {
    const auto after = proxy_log();
    for (std::size_t i = before.size(); i < after.size(); ++i) {
        rapidjson::Document d;
        d.Parse(after[i].c_str());
        if (d.HasParseError() || !d.IsObject()) continue;
        if (std::string(d["listener"].GetString()) == listener && std::string(d["method"].GetString()) == "CONNECT" &&
            std::string(d["target"].GetString()) == target && d["auth_ok"].GetBool() == auth_ok)
            return true;
    }
    return false;
}

// A port on 127.0.0.1 that nothing listens on (bound, then released).
std::string closed_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    BOOST_REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    close(fd);
    return std::to_string(ntohs(a.sin_port));
}

// Accepts one connection on 127.0.0.1, keeps what the client sent, answers `reply` after the request head
// (or nothing), and closes when the client does; with `reset`, resets the connection after the head instead.
class OneShotServer {
public:
    explicit OneShotServer(std::string reply, bool reset = false) : reply_(std::move(reply)), reset_(reset) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        BOOST_REQUIRE(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        BOOST_REQUIRE(listen(fd_, 1) == 0);
        socklen_t len = sizeof a;
        BOOST_REQUIRE(getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port_ = std::to_string(ntohs(a.sin_port));
        thread_ = std::thread([this] { serve(); });
    }
    OneShotServer(const OneShotServer&) = delete;
    OneShotServer& operator=(const OneShotServer&) = delete;
    ~OneShotServer() { finish(); }

    const std::string& port() const { return port_; }
    // Waits for the exchange to end and returns what the client sent.
    const std::string& received() {
        finish();
        return received_;
    }

private:
    void serve() {
        const int c = accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        timeval tv{5, 0};
        setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        bool answered = false;
        for (;;) {
            const auto n = recv(c, buf, sizeof buf, 0);
            if (n <= 0) break;
            received_.append(buf, static_cast<std::size_t>(n));
            if (reset_ && contains(received_, "\r\n\r\n")) {
                const linger hard{1, 0};  // close() sends RST
                setsockopt(c, SOL_SOCKET, SO_LINGER, &hard, sizeof hard);
                break;
            }
            if (!answered && !reply_.empty() && contains(received_, "\r\n\r\n")) {
                send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
                shutdown(c, SHUT_WR);
                answered = true;
            }
        }
        close(c);
    }
    void finish() {
        if (thread_.joinable()) {
            shutdown(fd_, SHUT_RDWR);  // wakes accept() when nobody connected
            thread_.join();
            close(fd_);
        }
    }

    std::string reply_;
    bool reset_ = false;
    int fd_ = -1;
    std::string port_;
    std::string received_;
    std::thread thread_;
};

}  // namespace

BOOST_AUTO_TEST_CASE(https_get_with_content_length) {
    const auto r = ok(get(options(), main_url("/__test/big?size=1000")));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == std::string(1000, 'a'));
    BOOST_TEST(r.header("content-length") == "1000");
}

BOOST_AUTO_TEST_CASE(https_get_sends_host_and_no_length) {
    const auto e = echo(ok(get(options(), main_url("/__test/echo?x=1"))));
    BOOST_TEST(e.method == "GET");
    BOOST_TEST(e.target == "/__test/echo?x=1");
    BOOST_TEST(e.header("Host") == "127.0.0.1:" + port("CAT_TEST_PORT_MAIN"));
    BOOST_TEST(e.header("Content-Length") == "<absent>");
}

BOOST_AUTO_TEST_CASE(https_post_sends_body_and_length) {
    h::Request r;
    r.method = "POST";
    r.url = url(main_url("/__test/echo"));
    r.headers = {{"Content-Type", "application/json"}, {"X-Custom", "one"}, {"X-Custom", "two"}};
    r.body = R"({"a":1})";
    const auto e = echo(ok(send(options(), r)));
    BOOST_TEST(e.method == "POST");
    BOOST_TEST(e.body == r.body);
    BOOST_TEST(e.header("Content-Length") == "7");
    BOOST_TEST(e.header("Content-Type") == "application/json");
    BOOST_TEST(e.header("Host") == "127.0.0.1:" + port("CAT_TEST_PORT_MAIN"));
    BOOST_TEST(std::count_if(e.headers.begin(), e.headers.end(), [](const auto& p) { return p.first == "X-Custom"; }) ==
               2);
}

BOOST_AUTO_TEST_CASE(https_post_without_body_sends_zero_length) {
    h::Request r;
    r.method = "POST";
    r.url = url(main_url("/__test/echo"));
    const auto e = echo(ok(send(options(), r)));
    BOOST_TEST(e.header("Content-Length") == "0");
    BOOST_TEST(e.body == "");
}

BOOST_AUTO_TEST_CASE(caller_host_header_is_kept) {
    h::Request r;
    r.url = url(main_url("/__test/echo"));
    r.headers = {{"host", "codeartifact.example"}};
    const auto e = echo(ok(send(options(), r)));
    BOOST_TEST(e.header("Host") == "codeartifact.example");
    BOOST_TEST(std::count_if(e.headers.begin(), e.headers.end(),
                             [](const auto& p) { return p.first == "Host" || p.first == "host"; }) == 1);
}

BOOST_AUTO_TEST_CASE(chunked_response) {
    const auto r = ok(get(options(), main_url("/__test/chunked")));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == "hello, chunked world");
}

BOOST_AUTO_TEST_CASE(status_codes_are_responses_not_errors) {
    const auto r = ok(get(options(), main_url("/__test/status?code=503")));
    BOOST_TEST(r.status == 503);
    BOOST_TEST(r.body == "status 503");
    BOOST_TEST(ok(get(options(), main_url("/__test/status?code=204"))).status == 204);
}

BOOST_AUTO_TEST_CASE(interim_responses_are_skipped) {
    const auto r = ok(get(options(), main_url("/__test/continue?n=3")));
    BOOST_TEST(r.status == 200);
    BOOST_TEST(r.body == "after interim");
    const auto e = get(options(), main_url("/__test/continue?n=20"));
    BOOST_REQUIRE(!e);
    BOOST_TEST(e.error().message.find("too many interim (1xx) responses") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(response_cap) {
    auto o = options();
    o.max_response_bytes = 10'000;
    BOOST_TEST(ok(get(o, main_url("/__test/big?size=5000"))).body.size() == 5000u);
    const auto e = failed(get(o, main_url("/__test/big?size=20000")), "read");
    BOOST_TEST(contains(e.message, "response larger than 10000 bytes"), e.message);
    // Headers count too: a body that fits alone but not with the headers.
    const auto e2 = failed(get(o, main_url("/__test/big?size=9990")), "read");
    BOOST_TEST(contains(e2.message, "larger than"), e2.message);
    // And a chunked body is cut off as it grows.
    o.max_response_bytes = 120;
    const auto e3 = failed(get(o, main_url("/__test/chunked")), "read");
    BOOST_TEST(contains(e3.message, "larger than"), e3.message);
    // The same response would come again: not retryable, whichever way it was too large.
    BOOST_TEST((!e.retryable && !e2.retryable && !e3.retryable));
}

BOOST_AUTO_TEST_CASE(read_timeout) {
    auto o = options();
    o.read_timeout = 300ms;
    h::Request r;
    r.url = url(main_url("/__test/slow?ms=5000"));
    r.headers = {{"Authorization", "secret-token-value"}};
    const auto start = h::Clock::now();
    const auto e = failed(send(o, r), "read");
    BOOST_TEST((h::Clock::now() - start < 3s));
    BOOST_TEST(contains(e.message, "read timed out after 300 ms"), e.message);
    BOOST_TEST(e.retryable);
    BOOST_TEST(contains(e.message, "127.0.0.1:" + port("CAT_TEST_PORT_MAIN")), e.message);
    BOOST_TEST(!contains(e.message, "secret"), e.message);
}

BOOST_AUTO_TEST_CASE(deadline_caps_the_stage_timeouts) {
    h::Request r;
    r.url = url(main_url("/__test/slow?ms=5000"));
    const auto start = h::Clock::now();
    const auto e = failed(send(options(), r, 400ms), "read");
    BOOST_TEST((h::Clock::now() - start < 3s));
    BOOST_TEST(contains(e.message, "timed out"), e.message);
    // A deadline already past fails at once, naming the first stage.
    const auto e2 = failed(send(options(), r, -1s), "connect");
    BOOST_TEST(contains(e2.message, "connect timed out after 0 ms"), e2.message);
}

BOOST_AUTO_TEST_CASE(connection_refused) {
    const auto e = failed(get(options(), "https://127.0.0.1:" + closed_port() + "/"), "connect");
    BOOST_TEST(contains(e.message, "refused"), e.message);
    BOOST_TEST(e.retryable);
}

BOOST_AUTO_TEST_CASE(unknown_host_fails_at_resolve) {
    auto o = options();
    o.connect_timeout = 2s;
    const auto e = failed(get(o, "https://no-such-host.invalid/"), "resolve");
    BOOST_TEST(contains(e.message, "no-such-host.invalid:443"), e.message);
    BOOST_TEST(e.retryable);  // as the SDKs do
}

BOOST_AUTO_TEST_CASE(tls_version_refusal_is_not_retryable) {
    const auto e = failed(get(options(), "https://127.0.0.1:" + port("CAT_TEST_PORT_TLS11_ONLY") + "/"), "handshake");
    BOOST_TEST(contains(e.message, "protocol version"), e.message);
    BOOST_TEST(!e.retryable);
}

BOOST_AUTO_TEST_CASE(wrong_host_certificate) {
    const std::string p = port("CAT_TEST_PORT_WRONG_HOST");
    const auto e = failed(get(options(), "https://127.0.0.1:" + p + "/__test/echo"), "handshake");
    BOOST_TEST(contains(e.message, "certificate verify failed"), e.message);
    BOOST_TEST(contains(e.message, "IP address mismatch"), e.message);
    BOOST_TEST(!e.retryable);
    const auto e2 = failed(get(options(), "https://localhost:" + p + "/__test/echo"), "handshake");
    BOOST_TEST(contains(e2.message, "hostname mismatch"), e2.message);
}

BOOST_AUTO_TEST_CASE(untrusted_certificate) {
    const auto e = failed(get(options(), "https://127.0.0.1:" + port("CAT_TEST_PORT_UNTRUSTED") + "/"), "handshake");
    BOOST_TEST(contains(e.message, "certificate verify failed"), e.message);
}

BOOST_AUTO_TEST_CASE(system_trust_store_does_not_trust_the_test_ca) {
    auto o = options();
    o.ca_bundle.clear();
    const auto e = failed(get(o, main_url("/__test/echo")), "handshake");
    BOOST_TEST(contains(e.message, "certificate verify failed"), e.message);
}

BOOST_AUTO_TEST_CASE(ca_bundle_as_a_hashed_directory) {
    // The CA under its subject-hash name, as c_rehash or "openssl rehash" would link it.
    std::string dir = (std::filesystem::temp_directory_path() / "cat-http-test-XXXXXX").string();
    BOOST_REQUIRE(mkdtemp(dir.data()) != nullptr);
    const std::string ca = port("CAT_TEST_CA");
    std::string hash;
    if (FILE* p = popen(("openssl x509 -hash -noout -in '" + ca + "'").c_str(), "r")) {
        char buf[64] = {};
        if (fgets(buf, sizeof buf, p) != nullptr) hash = buf;
        pclose(p);
    }
    while (!hash.empty() && (hash.back() == '\n' || hash.back() == '\r')) hash.pop_back();
    BOOST_REQUIRE_MESSAGE(hash.size() == 8, "openssl x509 -hash failed");
    std::filesystem::copy_file(ca, dir + "/" + hash + ".0");
    auto o = options();
    o.ca_bundle = dir;
    echo(ok(get(o, main_url("/__test/echo"))));
    std::filesystem::remove_all(dir);
}

BOOST_AUTO_TEST_CASE(unreadable_ca_bundle_is_a_config_error) {
    auto o = options();
    o.ca_bundle = "/nonexistent/ca.pem";
    const auto r = get(o, main_url("/__test/echo"));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == cat::ErrorKind::config));
    BOOST_TEST(contains(r.error().message, "/nonexistent/ca.pem"), r.error().message);
}

BOOST_AUTO_TEST_CASE(localhost_name) {
    const auto e = echo(ok(get(options(), "https://localhost:" + port("CAT_TEST_PORT_MAIN") + "/__test/echo")));
    BOOST_TEST(e.header("Host") == "localhost:" + port("CAT_TEST_PORT_MAIN"));
}

BOOST_AUTO_TEST_CASE(ipv6_literal) {
    const std::string p = env("CAT_TEST_PORT_MAIN6");
    if (p.empty()) {
        BOOST_TEST_MESSAGE("no IPv6 loopback: skipped");
        return;
    }
    const auto e = echo(ok(get(options(), "https://[::1]:" + p + "/__test/echo")));
    BOOST_TEST(e.header("Host") == "[::1]:" + p);
}

BOOST_AUTO_TEST_CASE(plain_http) {
    const std::string p = port("CAT_TEST_PORT_PLAIN");
    const auto e = echo(ok(get(options(), "http://127.0.0.1:" + p + "/__test/echo")));
    BOOST_TEST(e.header("Host") == "127.0.0.1:" + p);
    BOOST_TEST(ok(get(options(), "http://127.0.0.1:" + p + "/__test/chunked")).body == "hello, chunked world");
}

BOOST_AUTO_TEST_CASE(close_early) {
    const auto e = failed(get(options(), main_url("/__test/close-early")), "read");
    BOOST_TEST(contains(e.message, "closed before the response was complete"), e.message);
    BOOST_TEST(e.retryable);
}

BOOST_AUTO_TEST_CASE(reset_by_peer) {
    OneShotServer rude("", true);
    const auto e = failed(get(options(), "http://127.0.0.1:" + rude.port() + "/"), "read");
    BOOST_TEST(contains(e.message, "connection reset by peer"), e.message);
    BOOST_TEST(e.retryable);
}

BOOST_AUTO_TEST_CASE(connect_through_open_proxy) {
    auto o = options();
    o.proxy.https_proxy = "http://127.0.0.1:" + port("CAT_TEST_PROXY_OPEN");
    const auto before = proxy_log();
    const auto e = echo(ok(get(o, main_url("/__test/echo"))));
    BOOST_TEST(e.header("Host") == "127.0.0.1:" + port("CAT_TEST_PORT_MAIN"));
    BOOST_TEST(e.header("Proxy-Authorization") == "<absent>");
    BOOST_TEST(logged_connect(before, "open", "127.0.0.1:" + port("CAT_TEST_PORT_MAIN"), false));
}

BOOST_AUTO_TEST_CASE(connect_through_open_proxy_to_ipv6) {
    const std::string p = env("CAT_TEST_PORT_MAIN6");
    if (p.empty()) {
        BOOST_TEST_MESSAGE("no IPv6 loopback: skipped");
        return;
    }
    auto o = options();
    o.proxy.https_proxy = "http://127.0.0.1:" + port("CAT_TEST_PROXY_OPEN");
    const auto before = proxy_log();
    BOOST_TEST(echo(ok(get(o, "https://[::1]:" + p + "/__test/echo"))).header("Host") == "[::1]:" + p);
    BOOST_TEST(logged_connect(before, "open", "[::1]:" + p, false));
}

BOOST_AUTO_TEST_CASE(connect_through_auth_proxy) {
    auto o = options();
    o.proxy.https_proxy = "http://proxyuser:p%40ss%3Aword@127.0.0.1:" + port("CAT_TEST_PROXY_AUTH");
    const auto before = proxy_log();
    const auto e = echo(ok(get(o, main_url("/__test/echo"))));
    BOOST_TEST(e.header("Proxy-Authorization") == "<absent>");  // for the proxy only, not the origin
    BOOST_TEST(logged_connect(before, "auth", "127.0.0.1:" + port("CAT_TEST_PORT_MAIN"), true));

    o.proxy.https_proxy = "http://127.0.0.1:" + port("CAT_TEST_PROXY_AUTH");
    const auto err = failed(get(o, main_url("/__test/echo")), "proxy");
    BOOST_TEST(contains(err.message, "407"), err.message);
    BOOST_TEST(contains(err.message, "authentication"), err.message);

    o.proxy.https_proxy = "http://proxyuser:wrong-s3cret@127.0.0.1:" + port("CAT_TEST_PROXY_AUTH");
    const auto err2 = failed(get(o, main_url("/__test/echo")), "proxy");
    BOOST_TEST(contains(err2.message, "authentication failed"), err2.message);
    BOOST_TEST(!contains(err2.message, "s3cret"), err2.message);
}

BOOST_AUTO_TEST_CASE(refusing_proxy) {
    auto o = options();
    o.proxy.https_proxy = "http://127.0.0.1:" + port("CAT_TEST_PROXY_REFUSE");
    const auto e = failed(get(o, main_url("/__test/echo")), "proxy");
    BOOST_TEST(contains(e.message, "proxy refused CONNECT: HTTP 403"), e.message);
    BOOST_TEST(e.http_status == 403);
    BOOST_TEST(!e.retryable);
}

BOOST_AUTO_TEST_CASE(no_proxy_bypasses_the_proxy) {
    auto o = options();
    o.proxy.https_proxy = "http://127.0.0.1:" + port("CAT_TEST_PROXY_REFUSE");
    o.proxy.no_proxy = "example.com, 127.0.0.1";
    const auto before = proxy_log();
    echo(ok(get(o, main_url("/__test/echo"))));
    BOOST_TEST(proxy_log().size() == before.size());
}

BOOST_AUTO_TEST_CASE(https_proxy_url_is_refused) {
    auto o = options();
    o.proxy.https_proxy = "https://127.0.0.1:" + port("CAT_TEST_PROXY_OPEN");
    const auto r = get(o, main_url("/__test/echo"));
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "not supported"), r.error().message);
}

BOOST_AUTO_TEST_CASE(plain_http_through_a_proxy_uses_absolute_form) {
    OneShotServer proxy("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi");
    auto o = options();
    o.proxy.http_proxy = "http://u%3A1:pw@127.0.0.1:" + proxy.port();
    const auto r = ok(get(o, "http://169.254.169.254/latest/api/token"));
    BOOST_TEST(r.body == "hi");
    const std::string& sent = proxy.received();
    BOOST_TEST(sent.starts_with("GET http://169.254.169.254/latest/api/token HTTP/1.1\r\n"), sent);
    BOOST_TEST(contains(sent, "Host: 169.254.169.254\r\n"), sent);
    BOOST_TEST(contains(sent, "Proxy-Authorization: Basic dToxOnB3\r\n"), sent);  // base64("u:1:pw")
}

BOOST_AUTO_TEST_CASE(silent_peer_times_out_at_handshake) {
    OneShotServer silent("");
    auto o = options();
    o.connect_timeout = 300ms;
    const auto start = h::Clock::now();
    const auto e = failed(get(o, "https://127.0.0.1:" + silent.port() + "/"), "handshake");
    BOOST_TEST((h::Clock::now() - start < 3s));
    BOOST_TEST(contains(e.message, "handshake timed out after 300 ms"), e.message);
}

BOOST_AUTO_TEST_CASE(silent_proxy_times_out_at_proxy) {
    OneShotServer silent("");
    auto o = options();
    o.connect_timeout = 300ms;
    o.proxy.https_proxy = "127.0.0.1:" + silent.port();
    const auto e = failed(get(o, main_url("/")), "proxy");
    BOOST_TEST(contains(e.message, "proxy timed out after 300 ms"), e.message);
    BOOST_TEST(contains(silent.received(), "CONNECT 127.0.0.1:" + port("CAT_TEST_PORT_MAIN") + " HTTP/1.1\r\n"));
}

BOOST_AUTO_TEST_CASE(bad_header_is_refused_before_sending) {
    h::Request r;
    r.url = url(main_url("/__test/echo"));
    r.headers = {{"X-Bad", "a\r\nX-Injected: 1"}};
    const auto res = send(options(), r);
    BOOST_REQUIRE(!res.ok());
    BOOST_TEST((res.error().kind == cat::ErrorKind::internal));
    BOOST_TEST(contains(res.error().message, "X-Bad"), res.error().message);
    BOOST_TEST(!contains(res.error().message, "Injected"), res.error().message);
    r.headers = {{"Bad Name", "v"}};
    BOOST_TEST(!send(options(), r).ok());
    r.headers.clear();
    r.method = "GET /x HTTP/1.1\r\n";
    BOOST_TEST(!send(options(), r).ok());
}

BOOST_AUTO_TEST_CASE(one_transport_many_requests) {
    const auto t = h::make_transport(options());
    for (int i = 0; i < 3; ++i) {
        h::Request r;
        r.url = url(main_url("/__test/status?code=200"));
        BOOST_TEST(ok(t->send(r, h::Clock::now() + 20s)).status == 200);
    }
}
