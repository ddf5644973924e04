// The real transport: Boost.Beast over Asio, OpenSSL for TLS. One io_context per exchange, run one
// stage at a time; every stage has its own expiry, never later than the caller's deadline.
#ifdef _WIN32
#include <winsock2.h>
#include <ws2tcpip.h>  // getaddrinfo
#else
#include <netdb.h>
#endif
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "http/transport.hpp"
#include "http/trust_store.hpp"

namespace cat::http {
namespace {

// A chain that ends in a CA we do not trust is most often a corporate proxy or a private CA: say how to
// trust it.
std::string untrusted_hint(long verify) {
    switch (verify) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
            return "; to trust a private or proxy CA, give its PEM file with --ca-bundle or AWS_CA_BUNDLE";
        default: return {};
    }
}

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::size_t max_header_bytes = 64 * 1024;
constexpr int max_interim_responses = 8;

std::string authority(const std::string& host, std::uint16_t port) {
    return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool ieq(std::string_view a, std::string_view b) {
    return beast::iequals(a, b);
}

// Header names must be tokens and values free of CR, LF and NUL, or a caller could smuggle a request.
bool valid_header(std::string_view name, std::string_view value) {
    const bool name_ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    });
    return name_ok && value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::string basic_credentials(const Proxy& proxy) {
    const std::string plain = proxy.user + ":" + proxy.password;
    std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(plain.data()), static_cast<int>(plain.size()));
    out.resize(static_cast<std::size_t>(std::max(n, 0)));
    return "Basic " + out;
}

// getaddrinfo on a detached thread: a stuck resolver cannot hold the caller past its deadline (Asio's
// resolver would join its thread when the io_context is destroyed).
struct Lookup {
    std::mutex mutex;
    std::condition_variable done_cv;
    bool done = false;
    int status = 0;
    std::vector<tcp::endpoint> endpoints;
};

void lookup(const std::shared_ptr<Lookup>& state, const std::string& host, std::uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    const int status = getaddrinfo(host.c_str(), nullptr, &hints, &list);
    std::vector<tcp::endpoint> endpoints;
    for (const addrinfo* ai = list; status == 0 && ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family == AF_INET) {
            const auto* sa = reinterpret_cast<const sockaddr_in*>(ai->ai_addr);
            net::ip::address_v4::bytes_type b;
            std::memcpy(b.data(), &sa->sin_addr, b.size());
            endpoints.emplace_back(net::ip::address_v4(b), port);
        } else if (ai->ai_family == AF_INET6) {
            const auto* sa = reinterpret_cast<const sockaddr_in6*>(ai->ai_addr);
            net::ip::address_v6::bytes_type b;
            std::memcpy(b.data(), &sa->sin6_addr, b.size());
            endpoints.emplace_back(net::ip::address_v6(b, sa->sin6_scope_id), port);
        }
    }
    if (list != nullptr) freeaddrinfo(list);
    const std::lock_guard lock(state->mutex);
    state->status = status;
    state->endpoints = std::move(endpoints);
    state->done = true;
    state->done_cv.notify_all();
}

// plugin/main.cpp leaves OpenSSL's error strings unloaded (a million instructions a run); they are
// loaded here, the first time an OpenSSL error is put into words. The reason codes stay meaningful without
// them: an error whose text is not loaded is shown by its code, which `openssl errstr` explains.
std::string openssl_message(const beast::error_code& ec) {
    if (ec.category() != net::error::get_ssl_category()) return ec.message();
    static const bool loaded = [] {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
        // The per-library loaders OpenSSL 3 keeps for this; each is a no-op when the strings are there.
        for (int (*load)() : {ERR_load_ERR_strings, ERR_load_SSL_strings, ERR_load_X509_strings,
                              ERR_load_X509V3_strings, ERR_load_PEM_strings, ERR_load_ASN1_strings,
                              ERR_load_EVP_strings, ERR_load_BIO_strings, ERR_load_BUF_strings, ERR_load_CRYPTO_strings,
                              ERR_load_EC_strings, ERR_load_RSA_strings, ERR_load_OBJ_strings, ERR_load_RAND_strings})
            load();
#pragma GCC diagnostic pop
        return true;
    }();
    (void)loaded;
    const auto code = static_cast<unsigned long>(static_cast<unsigned int>(ec.value()));
    // A failed system call (opening a CA bundle, say): OpenSSL keeps errno, and has no text for it.
    if (ERR_SYSTEM_ERROR(code)) return std::strerror(ERR_GET_REASON(code));
    if (ERR_reason_error_string(code) != nullptr) return ec.message();
    char text[32];
    std::snprintf(text, sizeof text, "OpenSSL error %08lX", code);
    return text;
}

// The completion handler of one stage: records the outcome and says it is done.
struct Outcome {
    beast::error_code ec;
    std::size_t bytes = 0;
    bool done = false;
};

struct Completion {
    Outcome* out;
    void operator()(beast::error_code ec, std::size_t n = 0) const {
        out->ec = ec;
        out->bytes = n;
        out->done = true;
    }
    void operator()(beast::error_code ec, const tcp::endpoint&) const { (*this)(ec); }
};

// One request/response exchange; the stages run in order: resolve, connect, proxy, handshake, write, read.
class Exchange {
public:
    Exchange(const Options& options, const Request& request, Deadline deadline, std::optional<Proxy> proxy)
        : options_(options), request_(request), deadline_(deadline), proxy_(std::move(proxy)) {}

    Result<Response> run(ssl::context* tls) {
        const std::string& host = proxy_ ? proxy_->host : request_.url.host;
        const std::uint16_t port = proxy_ ? proxy_->port : request_.url.port;
        const std::string peer = (proxy_ ? "proxy " : "") + authority(host, port);

        auto endpoints = resolve(host, port, peer);
        if (!endpoints) return std::move(endpoints).error();
        if (auto s = connect(*endpoints, peer); !s) return std::move(s).error();
        if (tls == nullptr) return exchange(tcp_);
        if (proxy_)
            if (auto s = tunnel(); !s) return std::move(s).error();
        if (auto s = handshake(*tls); !s) return std::move(s).error();
        return exchange(*tls_);
    }

private:
    // Starts a stage: its name, and the time it must finish by (stage timeout capped by the deadline).
    Clock::time_point begin(Stage stage, milliseconds timeout) {
        stage_ = stage;
        const auto now = Clock::now();
        const auto until = std::min(now + timeout, deadline_);
        budget_ = std::max(std::chrono::ceil<milliseconds>(until - now), milliseconds(0));
        tcp_.expires_at(until);
        return until;
    }

    // Runs the io_context until the operation started by `start` completes (or times out).
    template <class Start>
    Outcome wait(Start&& start) {
        Outcome out;
        if (budget_.count() <= 0) {
            out.ec = beast::error::timeout;
            return out;
        }
        start(Completion{&out});
        ioc_.restart();
        while (!out.done && ioc_.run_one() != 0) {
        }
        if (!out.done) out.ec = net::error::operation_aborted;
        return out;
    }

    // A network error of the current stage; `retryable` when another attempt may well succeed.
    Error error(std::string message, bool retryable) const {
        Error e = Error::make(ErrorKind::network, std::move(message));
        e.stage = stage_;
        e.retryable = retryable;
        return e;
    }

    Error fail(std::string_view reason, std::string_view where, bool retryable) const {
        return error(
            std::string(stage_name(stage_)) + " failed: " + std::string(reason) + " (" + std::string(where) + ")",
            retryable);
    }

    // Timeouts, closed or reset connections, socket errors (refused, unreachable) and broken responses may
    // pass; what the server refused in the handshake (a TLS version, say) will be the same next time.
    Error fail(const beast::error_code& ec, std::string_view where) const {
        if (ec == beast::error::timeout)
            return error(std::string(stage_name(stage_)) + " timed out after " + std::to_string(budget_.count()) +
                             " ms (" + std::string(where) + ")",
                         true);
        if (ec == net::error::eof || ec == ssl::error::stream_truncated || ec == bhttp::error::end_of_stream ||
            ec == bhttp::error::partial_message)
            return fail(stage_ == Stage::read ? "connection closed before the response was complete"
                                              : "connection closed by the peer",
                        where, true);
        if (ec == net::error::connection_reset) return fail("connection reset by peer", where, true);
        return fail(openssl_message(ec), where,
                    stage_ != Stage::handshake || ec.category() == boost::system::system_category());
    }

    Result<std::vector<tcp::endpoint>> resolve(const std::string& host, std::uint16_t port, const std::string& where) {
        const auto until = begin(Stage::resolve, options_.connect_timeout);
        beast::error_code ec;
        const auto ip = net::ip::make_address(host, ec);
        if (!ec) return std::vector<tcp::endpoint>{{ip, port}};
        if (host == "localhost")
            return std::vector<tcp::endpoint>{{net::ip::address_v4::loopback(), port},
                                              {net::ip::address_v6::loopback(), port}};
        if (budget_.count() <= 0) return fail(beast::error::timeout, where);
        auto state = std::make_shared<Lookup>();
        std::thread(lookup, state, host, port).detach();
        std::unique_lock lock(state->mutex);
        if (!state->done_cv.wait_until(lock, until, [&] { return state->done; }))
            return fail(beast::error::timeout, where);
        // A name that does not resolve may resolve on another attempt (the SDKs retry it too).
        if (state->status != 0) return fail(gai_strerror(state->status), where, true);
        if (state->endpoints.empty()) return fail("no IPv4 or IPv6 address", where, true);
        return std::move(state->endpoints);
    }

    Status connect(const std::vector<tcp::endpoint>& endpoints, const std::string& where) {
        begin(Stage::connect, options_.connect_timeout);
        const auto out = wait([&](Completion done) { tcp_.async_connect(endpoints, done); });
        if (out.ec) return fail(out.ec, where);
        beast::error_code ignored;
        tcp_.socket().set_option(tcp::no_delay(true), ignored);
        return Ok{};
    }

    // CONNECT host:port through the proxy; on a 2xx the connection is a tunnel to the origin.
    Status tunnel() {
        const std::string where = "proxy " + authority(proxy_->host, proxy_->port);
        const std::string target = authority(request_.url.host, request_.url.port);
        begin(Stage::proxy, options_.connect_timeout);
        bhttp::request<bhttp::empty_body> req{bhttp::verb::connect, target, 11};
        req.set(bhttp::field::host, target);
        if (!proxy_->user.empty() || !proxy_->password.empty())
            req.set(bhttp::field::proxy_authorization, basic_credentials(*proxy_));
        auto out = wait([&](Completion done) { bhttp::async_write(tcp_, req, done); });
        if (out.ec) return fail(out.ec, where);
        bhttp::response_parser<bhttp::empty_body> parser;
        parser.skip(true);  // a CONNECT response has no body
        parser.header_limit(16 * 1024);
        out = wait([&](Completion done) { bhttp::async_read(tcp_, buffer_, parser, done); });
        if (out.ec) return fail(out.ec, where);
        const unsigned status = parser.get().result_int();
        if (status < 200 || status > 299) {
            std::string why = "proxy refused CONNECT: HTTP " + std::to_string(status);
            if (status == 407)
                why += proxy_->user.empty() ? ", proxy authentication required: put user:password in the proxy URL"
                                            : ", proxy authentication failed: check the user and password";
            Error e = error(why + " (" + where + ")", false);
            e.http_status = static_cast<int>(status);
            return e;
        }
        if (buffer_.size() != 0) return fail("proxy sent data before the TLS handshake", where, false);
        return Ok{};
    }

    Status handshake(ssl::context& tls) {
        const std::string& host = request_.url.host;
        const std::string where = authority(host, request_.url.port);
        begin(Stage::handshake, options_.connect_timeout);
        tls_.emplace(tcp_, tls);
        SSL* ssl = tls_->native_handle();
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        beast::error_code ec;
        net::ip::make_address(host, ec);
        if (!ec) {
            // An IP literal: verify against the certificate's IP SANs, and send no SNI (RFC 6066).
            if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) return fail("bad IP address", where, false);
        } else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,  // SSL_set_tlsext_host_name
                         const_cast<char*>(host.c_str())) != 1)
                return fail("bad host name", where, false);
        }
        const auto out = wait([&](Completion done) { tls_->async_handshake(ssl::stream_base::client, done); });
        if (!out.ec) return Ok{};
        if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK)
            return fail(std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify) +
                            untrusted_hint(verify),
                        where, false);
        return fail(out.ec, where);
    }

    bhttp::request<bhttp::string_body> build_request() const {
        const Url& url = request_.url;
        bhttp::request<bhttp::string_body> req;
        req.version(11);
        req.method_string(request_.method);
        // Through a plain-http proxy the request line carries the absolute URL.
        req.target(proxy_ && url.scheme == "http" ? "http://" + host_header(url) + url.target : url.target);
        bool has_host = false, has_length = false, has_connection = false;
        for (const auto& [name, value] : request_.headers) {
            req.insert(name, value);
            has_host = has_host || ieq(name, "host");
            has_length = has_length || ieq(name, "content-length") || ieq(name, "transfer-encoding");
            has_connection = has_connection || ieq(name, "connection");
        }
        if (!has_host) req.set(bhttp::field::host, host_header(url));
        if (!has_connection) req.set(bhttp::field::connection, "close");
        if (proxy_ && url.scheme == "http" && (!proxy_->user.empty() || !proxy_->password.empty()))
            req.set(bhttp::field::proxy_authorization, basic_credentials(*proxy_));
        const std::string_view m = request_.method;
        if (!has_length && (!request_.body.empty() || (m != "GET" && m != "HEAD" && m != "DELETE" && m != "OPTIONS")))
            req.content_length(request_.body.size());
        req.body() = request_.body;
        return req;
    }

    template <class Stream>
    Result<Response> exchange(Stream& stream) {
        const std::string where = authority(request_.url.host, request_.url.port);
        const std::size_t cap = options_.max_response_bytes;
        // Another attempt would get the same response.
        const auto too_large = [&] {
            return fail("response larger than " + std::to_string(cap) + " bytes", where, false);
        };

        begin(Stage::write, options_.read_timeout);
        auto req = build_request();
        auto out = wait([&](Completion done) { bhttp::async_write(stream, req, done); });
        if (out.ec) return fail(out.ec, where);

        begin(Stage::read, options_.read_timeout);
        // Interim responses (100 Continue, 102, 103) precede the final one: skip them, a bounded number, and
        // read the next (RFC 9110 15.2). 101 is final: we never ask to switch protocols.
        std::optional<bhttp::response_parser<bhttp::string_body>> parser;
        for (int interim = 0;; ++interim) {
            if (interim > max_interim_responses) return fail("too many interim (1xx) responses", where, false);
            parser.emplace();
            parser->header_limit(static_cast<std::uint32_t>(std::min(cap, max_header_bytes)));
            parser->body_limit(cap);
            if (request_.method == "HEAD") parser->skip(true);
            out = wait([&](Completion done) { bhttp::async_read_header(stream, buffer_, *parser, done); });
            if (out.ec) break;
            const unsigned status = parser->get().result_int();
            if (status < 100 || status > 199 || status == 101) break;
        }
        if (out.ec == bhttp::error::header_limit || out.ec == bhttp::error::body_limit) return too_large();
        if (out.ec) return fail(out.ec, where);
        // The cap covers headers and body together.
        const std::size_t left = cap - std::min(cap, out.bytes);
        if (const auto length = parser->content_length(); length && *length > left) return too_large();
        parser->body_limit(left);
        if (!parser->is_done()) {
            out = wait([&](Completion done) { bhttp::async_read(stream, buffer_, *parser, done); });
            if (out.ec == ssl::error::stream_truncated && parser->need_eof()) {
                // A body delimited by the end of the connection, closed without a TLS close_notify.
                out.ec = {};
                parser->put_eof(out.ec);
            }
            if (out.ec == bhttp::error::body_limit || out.ec == bhttp::error::buffer_overflow) return too_large();
            if (out.ec) return fail(out.ec, where);
        }

        auto msg = parser->release();
        Response response;
        response.status = static_cast<int>(msg.result_int());
        for (const auto& field : msg) response.headers.emplace_back(field.name_string(), field.value());
        response.body = std::move(msg.body());
        // One request per connection: no TLS close_notify exchange, the destructors just close the socket.
        return response;
    }

    const Options& options_;
    const Request& request_;
    Deadline deadline_;
    std::optional<Proxy> proxy_;
    Stage stage_ = Stage::none;
    milliseconds budget_{0};
    net::io_context ioc_{1};
    // The io_context's own executor rather than beast::tcp_stream's type-erased any_io_executor: the same
    // operations without Asio's any_executor machinery in the binary (issue 16: 28 KiB).
    using Stream = beast::basic_stream<tcp, net::io_context::executor_type>;
    Stream tcp_{ioc_.get_executor()};
    std::optional<ssl::stream<Stream&>> tls_;
    beast::flat_buffer buffer_;
};

class BeastTransport final : public Transport {
public:
    explicit BeastTransport(Options options) : options_(std::move(options)) {}

    Result<Response> send(const Request& request, Deadline deadline) override {
        try {
            if (auto s = check(request); !s) return std::move(s).error();
            auto proxy = options_.proxy.proxy_for(request.url);
            if (!proxy) return std::move(proxy).error();
            ssl::context* tls = nullptr;
            if (request.url.scheme == "https") {
                if (auto s = load_trust_store(); !s) return std::move(s).error();
                tls = &*tls_;
            } else if (request.url.scheme != "http") {
                return Error::make(ErrorKind::usage, "unsupported URL scheme \"" + request.url.scheme + "\"");
            }
            Exchange exchange(options_, request, deadline, std::move(*proxy));
            return exchange.run(tls);
        } catch (const std::exception& e) {
            return Error::make(ErrorKind::internal, std::string("HTTP transport: ") + e.what());
        }
    }

private:
    // A bad method, target or header is the caller's bug; refused before connecting. The message names
    // the header but never shows a value.
    static Status check(const Request& request) {
        if (request.method.empty() || !valid_header(request.method, "") ||
            request.url.target.find_first_of(std::string_view(" \r\n\0", 4)) != std::string::npos)
            return Error::make(ErrorKind::internal, "HTTP request with an invalid method or target");
        for (const auto& [name, value] : request.headers)
            if (!valid_header(name, value))
                return Error::make(ErrorKind::internal,
                                   "HTTP request with an invalid header " + (valid_header(name, "") ? name : ""));
        return Ok{};
    }

    // The TLS context is made on first use and kept for later exchanges of this transport.
    Status load_trust_store() {
        if (tls_) return Ok{};
        ssl::context tls{ssl::context::tls_client};
        SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
        tls.set_verify_mode(ssl::verify_peer);
        beast::error_code ec;
        std::error_code fs_ec;
        const std::string& path = options_.ca_bundle;
        if (!path.empty()) {
            if (std::filesystem::is_directory(path, fs_ec))
                tls.add_verify_path(path, ec);
            else
                load_bundle(tls, path, ec);
            if (ec)
                return Error::make(ErrorKind::config, "cannot load the CA bundle " + path + ": " + openssl_message(ec));
        } else if (has_system_store) {
            if (auto s = load_system_store(SSL_CTX_get_cert_store(tls.native_handle())); !s) return s;
        } else if (has_hashed_certs("/etc/ssl/certs")) {
            // Certificates are looked up one by one as needed: much faster than parsing a whole bundle.
            tls.add_verify_path("/etc/ssl/certs", ec);
        } else if (std::filesystem::is_regular_file("/etc/ssl/certs/ca-certificates.crt", fs_ec)) {
            load_bundle(tls, "/etc/ssl/certs/ca-certificates.crt", ec);
        } else {
            tls.set_default_verify_paths(ec);
        }
        if (ec) return Error::make(ErrorKind::config, "cannot load the system trust store: " + openssl_message(ec));
        tls_.emplace(std::move(tls));
        return Ok{};
    }

    // A PEM bundle: certificates parsed as chains need them (CaBundle), or, for a file that is not a
    // plain bundle of certificates, all of them now by OpenSSL.
    void load_bundle(ssl::context& tls, const std::string& path, beast::error_code& ec) {
        if (auto bundle = CaBundle::read(path); bundle && bundle->attach(SSL_CTX_get_cert_store(tls.native_handle()))) {
            bundle_ = std::move(bundle);
            return;
        }
        ERR_clear_error();
        tls.load_verify_file(path, ec);
    }

    // True when `dir` holds OpenSSL's hash links ("5ad8a5d6.0"); some images only ship the bundle file.
    static bool has_hashed_certs(const char* dir) {
        std::error_code ec;
        for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
            const std::string name = it->path().filename().string();
            if (name.size() == 10 && name[8] == '.' && name[9] >= '0' && name[9] <= '9') return true;
        }
        return false;
    }

    Options options_;
    std::unique_ptr<CaBundle> bundle_;  // the store's lookup refers to it: destroyed after tls_
    std::optional<ssl::context> tls_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(Options options) {
    return std::make_unique<BeastTransport>(std::move(options));
}

}  // namespace cat::http
