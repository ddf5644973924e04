// The real transport: Boost.Beast over Asio, OpenSSL for TLS. One io_context per exchange, run one
// stage at a time; every stage has its own expiry, never later than the caller's deadline.
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <array>
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
#include <unordered_map>

#include "http/transport.hpp"

namespace cat::http {
namespace {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = net::ip::tcp;
using std::chrono::milliseconds;

constexpr std::size_t max_header_bytes = 64 * 1024;

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

// A PEM bundle of trusted certificates (AWS_CA_BUNDLE, or the only trust store of an image without hashed
// links), read but not parsed up front. OpenSSL 3 spends over a million instructions parsing each
// certificate (its public key goes through the provider decoders): about 230 M for the 145 of Debian's
// ca-certificates.crt, when a verification needs one or two of them. Like OpenSSL's hashed-directory
// lookup, this is an X509_LOOKUP that OpenSSL asks for a subject's certificates as it builds a chain; it
// parses only the certificates whose subject may match, and adds to the store those that do
// (X509_NAME_cmp, OpenSSL's own comparison). A file it does not fully understand is left to OpenSSL.
class LazyBundle {
public:
    // Reads `path`; nullptr when it is not a plain bundle of certificates (then OpenSSL loads it whole).
    static std::unique_ptr<LazyBundle> read(const std::string& path) {
        std::string text;
        if (!read_file(path, text)) return nullptr;
        auto bundle = std::make_unique<LazyBundle>();
        for (std::size_t pos = 0; (pos = text.find("-----BEGIN ", pos)) != std::string::npos;) {
            const std::size_t label_at = pos + 11;
            const std::size_t label_end = text.find("-----", label_at);
            if (label_end == std::string::npos) return nullptr;
            const std::string label = text.substr(label_at, label_end - label_at);
            const std::string end_line = "-----END " + label + "-----";
            const std::size_t end = text.find(end_line, label_end + 5);
            if (end == std::string::npos) return nullptr;
            const std::string_view body(text.data() + label_end + 5, end - label_end - 5);
            pos = end + end_line.size();
            const bool aux = label == "TRUSTED CERTIFICATE";
            if (!aux && label != "CERTIFICATE" && label != "X509 CERTIFICATE") return nullptr;  // keys, CRLs
            Entry e;
            e.aux = aux;
            if (!base64_decode(body, e.der)) return nullptr;
            const std::string_view subject = subject_of(e.der);
            if (subject.empty()) return nullptr;
            auto key = name_key(subject);
            if (!key) return nullptr;
            bundle->index_.emplace(std::move(*key), bundle->entries_.size());
            bundle->entries_.push_back(std::move(e));
        }
        if (bundle->entries_.empty()) return nullptr;
        return bundle;
    }

    LazyBundle() = default;
    LazyBundle(const LazyBundle&) = delete;
    LazyBundle& operator=(const LazyBundle&) = delete;
    ~LazyBundle() {
        for (auto& e : entries_) X509_free(e.cert);
    }

    // Makes OpenSSL ask this bundle for trusted certificates by subject.
    bool attach(X509_STORE* store) {
        static X509_LOOKUP_METHOD* const method = [] {
            X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("codeartifact-token lazy PEM bundle");
            if (m != nullptr) X509_LOOKUP_meth_set_get_by_subject(m, &LazyBundle::get_by_subject);
            return m;
        }();
        if (method == nullptr) return false;
        X509_LOOKUP* lookup = X509_STORE_add_lookup(store, method);
        return lookup != nullptr && X509_LOOKUP_set_method_data(lookup, this) == 1;
    }

private:
    struct Entry {
        std::string der;
        bool aux = false;     // TRUSTED CERTIFICATE: the certificate followed by OpenSSL's trust settings
        bool parsed = false;  // cert holds the certificate, or nullptr when it did not parse
        bool added = false;   // in the store
        X509* cert = nullptr;
    };

    static bool read_file(const std::string& path, std::string& out) {
        std::FILE* f = std::fopen(path.c_str(), "rb");
        if (f == nullptr) return false;
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) {
            out.append(buf, n);
            if (out.size() > 64 * 1024 * 1024) break;  // not a CA bundle; OpenSSL may say why
        }
        const bool ok = std::ferror(f) == 0 && out.size() <= 64 * 1024 * 1024;
        std::fclose(f);
        return ok;
    }

    static bool base64_decode(std::string_view in, std::string& out) {
        enum : signed char { invalid = -1, space = -2, pad = -3 };
        static constexpr auto table = [] {
            std::array<signed char, 256> t{};
            t.fill(invalid);
            for (std::size_t i = 0; i < 26; ++i) {
                t['A' + i] = static_cast<signed char>(i);
                t['a' + i] = static_cast<signed char>(26 + i);
            }
            for (std::size_t i = 0; i < 10; ++i) t['0' + i] = static_cast<signed char>(52 + i);
            t['+'] = 62;
            t['/'] = 63;
            t['\n'] = t['\r'] = t[' '] = t['\t'] = space;
            t['='] = pad;
            return t;
        }();
        out.resize(in.size() / 4 * 3 + 3);
        std::size_t n = 0, pads = 0;
        std::uint32_t acc = 0;
        int bits = 0;
        const auto at = [&](std::size_t i) { return table[static_cast<unsigned char>(in[i])]; };
        for (std::size_t i = 0; i < in.size(); ++i) {
            // Four characters at a time, three bytes, between line breaks.
            while (bits == 0 && pads == 0 && i + 4 <= in.size()) {
                const signed char a = at(i), b = at(i + 1), c = at(i + 2), d = at(i + 3);
                if ((a | b | c | d) < 0) break;
                const auto v = static_cast<std::uint32_t>(a << 18 | b << 12 | c << 6 | d);
                out[n++] = static_cast<char>(v >> 16);
                out[n++] = static_cast<char>((v >> 8) & 0xff);
                out[n++] = static_cast<char>(v & 0xff);
                i += 4;
            }
            if (i == in.size()) break;
            const signed char v = at(i);
            if (v >= 0) {
                if (pads != 0) return false;  // data after the padding
                acc = (acc << 6) | static_cast<std::uint32_t>(v);
                bits += 6;
                if (bits >= 8) {
                    bits -= 8;
                    out[n++] = static_cast<char>((acc >> bits) & 0xff);
                }
            } else if (v == pad) {
                ++pads;
            } else if (v != space) {
                return false;  // PEM headers, or not base64
            }
        }
        out.resize(n);
        return pads <= 2 && bits < 6 && n != 0;
    }

    // One DER element: its tag, its whole encoding and its contents.
    struct Tlv {
        unsigned char tag = 0;
        std::string_view whole, contents;
    };

    static bool next_tlv(std::string_view& in, Tlv& t) {
        if (in.size() < 2) return false;
        const auto* p = reinterpret_cast<const unsigned char*>(in.data());
        t.tag = p[0];
        if ((t.tag & 0x1f) == 0x1f) return false;  // high tag numbers: not in certificates
        std::size_t header = 2, length = p[1];
        if ((length & 0x80) != 0) {
            const std::size_t n = length & 0x7f;
            if (n == 0 || n > 4 || in.size() < 2 + n) return false;
            length = 0;
            for (std::size_t i = 0; i < n; ++i) length = (length << 8) | p[2 + i];
            header += n;
        }
        if (in.size() - header < length) return false;
        t.whole = in.substr(0, header + length);
        t.contents = in.substr(header, length);
        in.remove_prefix(header + length);
        return true;
    }

    // The subject Name (its whole DER) of a DER certificate; empty when the structure is not a certificate's.
    static std::string_view subject_of(std::string_view der) {
        Tlv cert, tbs, field;
        if (!next_tlv(der, cert) || cert.tag != 0x30) return {};
        std::string_view c = cert.contents;
        if (!next_tlv(c, tbs) || tbs.tag != 0x30) return {};
        std::string_view t = tbs.contents;
        if (!next_tlv(t, field)) return {};
        if (field.tag == 0xa0 && !next_tlv(t, field)) return {};  // [0] version, then the serial number
        if (field.tag != 0x02) return {};
        for (int i = 0; i < 3; ++i)  // signature algorithm, issuer, validity
            if (!next_tlv(t, field) || field.tag != 0x30) return {};
        if (!next_tlv(t, field) || field.tag != 0x30) return {};
        return field.whole;
    }

    // A key under which names that OpenSSL compares equal always meet: per relative distinguished name,
    // its attributes sorted, each the type's OID and the value's characters, decoded by string type,
    // ASCII letters in lower case and ASCII white space dropped. OpenSSL's canonical form converts the
    // strings to UTF-8, lower-cases ASCII and collapses white space, so its equal names have equal keys;
    // names with equal keys are then compared by OpenSSL itself.
    static std::optional<std::string> name_key(std::string_view name_der) {
        Tlv name;
        if (!next_tlv(name_der, name) || name.tag != 0x30) return std::nullopt;
        std::string key;
        std::vector<std::pair<Tlv, Tlv>> attributes;
        std::vector<std::string> several;
        for (std::string_view rdns = name.contents; !rdns.empty();) {
            Tlv rdn;
            if (!next_tlv(rdns, rdn) || rdn.tag != 0x31) return std::nullopt;
            attributes.clear();
            for (std::string_view atvs = rdn.contents; !atvs.empty();) {
                Tlv atv, type, value;
                if (!next_tlv(atvs, atv) || atv.tag != 0x30) return std::nullopt;
                std::string_view a = atv.contents;
                if (!next_tlv(a, type) || type.tag != 0x06 || !next_tlv(a, value)) return std::nullopt;
                attributes.emplace_back(type, value);
            }
            if (attributes.empty()) continue;
            append_u32(key, attributes.size());
            if (attributes.size() == 1) {
                append_attribute(key, attributes[0].first, attributes[0].second);
                continue;
            }
            several.assign(attributes.size(), std::string());
            for (std::size_t i = 0; i < attributes.size(); ++i)
                append_attribute(several[i], attributes[i].first, attributes[i].second);
            std::sort(several.begin(), several.end());
            for (const auto& attribute : several) key += attribute;
        }
        return key;
    }

    static void append_u32(std::string& out, std::size_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
    }

    // The type's OID, then the value's characters (4 bytes each), decoded by its string type, ASCII letters
    // in lower case, ASCII white space dropped; each with its length first.
    static void append_attribute(std::string& out, const Tlv& type, const Tlv& value) {
        append_u32(out, type.contents.size());
        out += type.contents;
        const std::size_t length_at = out.size();
        append_u32(out, 0);
        const auto put = [&out](std::uint32_t c) {
            if (c == ' ' || (c >= '\t' && c <= '\r')) return;
            if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
            append_u32(out, c);
        };
        const auto* p = reinterpret_cast<const unsigned char*>(value.contents.data());
        const std::size_t n = value.contents.size();
        if (value.tag == 0x1e && n % 2 == 0) {  // BMPString
            for (std::size_t i = 0; i < n; i += 2) put(static_cast<std::uint32_t>(p[i] << 8 | p[i + 1]));
        } else if (value.tag == 0x1c && n % 4 == 0) {  // UniversalString
            for (std::size_t i = 0; i < n; i += 4)
                put(static_cast<std::uint32_t>(p[i]) << 24 |
                    static_cast<std::uint32_t>(p[i + 1] << 16 | p[i + 2] << 8 | p[i + 3]));
        } else if (value.tag != 0x0c || !put_utf8(value.contents, put)) {
            // PrintableString, IA5String, T61String (as Latin-1), VisibleString, anything else, bad UTF-8.
            out.resize(length_at + 4);
            for (std::size_t i = 0; i < n; ++i) put(p[i]);
        }
        const std::size_t chars = (out.size() - length_at - 4) / 4;
        for (std::size_t i = 0; i < 4; ++i) out[length_at + i] = static_cast<char>((chars >> (24 - 8 * i)) & 0xff);
    }

    template <class Put>
    static bool put_utf8(std::string_view v, const Put& put) {
        for (std::size_t i = 0; i < v.size();) {
            const auto b = static_cast<unsigned char>(v[i]);
            const std::size_t len = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
            if (len == 0 || i + len > v.size()) return false;
            std::uint32_t c = len == 1 ? b : b & (0x7fu >> len);
            for (std::size_t k = 1; k < len; ++k) {
                const auto cont = static_cast<unsigned char>(v[i + k]);
                if ((cont >> 6) != 2) return false;
                c = (c << 6) | (cont & 0x3fu);
            }
            put(c);
            i += len;
        }
        return true;
    }

    static int get_by_subject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name, X509_OBJECT* ret) {
        if (type != X509_LU_X509 || name == nullptr) return 0;
        auto* self = static_cast<LazyBundle*>(X509_LOOKUP_get_method_data(lookup));
        const unsigned char* der = nullptr;
        std::size_t der_len = 0;
        if (self == nullptr || X509_NAME_get0_der(name, &der, &der_len) != 1) return 0;
        const auto key = name_key(std::string_view(reinterpret_cast<const char*>(der), der_len));
        if (!key) return 0;
        X509_STORE* store = X509_LOOKUP_get_store(lookup);
        X509* found = nullptr;
        const auto [first, last] = self->index_.equal_range(*key);
        for (auto it = first; it != last; ++it) {
            Entry& e = self->entries_[it->second];
            if (!e.parsed) {
                e.parsed = true;
                const auto* p = reinterpret_cast<const unsigned char*>(e.der.data());
                const long len = static_cast<long>(e.der.size());
                e.cert = e.aux ? d2i_X509_AUX(nullptr, &p, len) : d2i_X509(nullptr, &p, len);
            }
            if (e.cert == nullptr || X509_NAME_cmp(X509_get_subject_name(e.cert), name) != 0) continue;
            if (!e.added) {
                if (X509_STORE_add_cert(store, e.cert) != 1) continue;
                e.added = true;
            }
            if (found == nullptr) found = e.cert;
        }
        ERR_clear_error();  // a certificate that did not parse is not the caller's error
        if (found == nullptr) return 0;
        // As OpenSSL's own lookups do, `ret` borrows the store's reference: the caller takes its own.
        if (X509_OBJECT_set1_X509(ret, found) != 1) return 0;
        X509_free(found);
        return 1;
    }

    std::vector<Entry> entries_;
    std::unordered_multimap<std::string, std::size_t> index_;  // name_key -> entries_
};

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
    Clock::time_point begin(const char* stage, milliseconds timeout) {
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

    Error fail(std::string_view reason, std::string_view where, bool retryable = false) const {
        return error(std::string(stage_) + " failed: " + std::string(reason) + " (" + std::string(where) + ")",
                     retryable);
    }

    Error fail(const beast::error_code& ec, std::string_view where) const {
        if (ec == beast::error::timeout)
            return error(std::string(stage_) + " timed out after " + std::to_string(budget_.count()) + " ms (" +
                             std::string(where) + ")",
                         true);
        if (ec == net::error::eof || ec == ssl::error::stream_truncated || ec == bhttp::error::end_of_stream ||
            ec == bhttp::error::partial_message)
            return fail(stage_ == std::string_view("read") ? "connection closed before the response was complete"
                                                           : "connection closed by the peer",
                        where, true);
        if (ec == net::error::connection_reset) return fail("connection reset by peer", where, true);
        // Socket errors (refused, unreachable) may pass; TLS and HTTP protocol errors will not.
        return fail(openssl_message(ec), where, ec.category() == boost::system::system_category());
    }

    Result<std::vector<tcp::endpoint>> resolve(const std::string& host, std::uint16_t port, const std::string& where) {
        const auto until = begin("resolve", options_.connect_timeout);
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
        if (state->status != 0) return fail(gai_strerror(state->status), where, state->status == EAI_AGAIN);
        if (state->endpoints.empty()) return fail("no IPv4 or IPv6 address", where);
        return std::move(state->endpoints);
    }

    Status connect(const std::vector<tcp::endpoint>& endpoints, const std::string& where) {
        begin("connect", options_.connect_timeout);
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
        begin("proxy", options_.connect_timeout);
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
        if (buffer_.size() != 0) return fail("proxy sent data before the TLS handshake", where);
        return Ok{};
    }

    Status handshake(ssl::context& tls) {
        const std::string& host = request_.url.host;
        const std::string where = authority(host, request_.url.port);
        tls_.emplace(tcp_, tls);
        SSL* ssl = tls_->native_handle();
        X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
        beast::error_code ec;
        net::ip::make_address(host, ec);
        if (!ec) {
            // An IP literal: verify against the certificate's IP SANs, and send no SNI (RFC 6066).
            if (X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) != 1) return fail("bad IP address", where);
        } else {
            X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
            if (X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) != 1 ||
                SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,  // SSL_set_tlsext_host_name
                         const_cast<char*>(host.c_str())) != 1)
                return fail("bad host name", where);
        }
        begin("handshake", options_.connect_timeout);
        const auto out = wait([&](Completion done) { tls_->async_handshake(ssl::stream_base::client, done); });
        if (!out.ec) return Ok{};
        if (const long verify = SSL_get_verify_result(ssl); verify != X509_V_OK)
            return fail(std::string("certificate verify failed: ") + X509_verify_cert_error_string(verify), where);
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
        const auto too_large = [&] { return fail("response larger than " + std::to_string(cap) + " bytes", where); };

        begin("write", options_.read_timeout);
        auto req = build_request();
        auto out = wait([&](Completion done) { bhttp::async_write(stream, req, done); });
        if (out.ec) return fail(out.ec, where);

        begin("read", options_.read_timeout);
        bhttp::response_parser<bhttp::string_body> parser;
        parser.header_limit(static_cast<std::uint32_t>(std::min(cap, max_header_bytes)));
        parser.body_limit(cap);
        if (request_.method == "HEAD") parser.skip(true);
        out = wait([&](Completion done) { bhttp::async_read_header(stream, buffer_, parser, done); });
        if (out.ec == bhttp::error::header_limit || out.ec == bhttp::error::body_limit) return too_large();
        if (out.ec) return fail(out.ec, where);
        // The cap covers headers and body together.
        const std::size_t left = cap - std::min(cap, out.bytes);
        if (const auto length = parser.content_length(); length && *length > left) return too_large();
        parser.body_limit(left);
        if (!parser.is_done()) {
            out = wait([&](Completion done) { bhttp::async_read(stream, buffer_, parser, done); });
            if (out.ec == ssl::error::stream_truncated && parser.need_eof()) {
                // A body delimited by the end of the connection, closed without a TLS close_notify.
                out.ec = {};
                parser.put_eof(out.ec);
            }
            if (out.ec == bhttp::error::body_limit || out.ec == bhttp::error::buffer_overflow) return too_large();
            if (out.ec) return fail(out.ec, where);
        }

        auto msg = parser.release();
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
    const char* stage_ = "";
    milliseconds budget_{0};
    net::io_context ioc_{1};
    beast::tcp_stream tcp_{ioc_};
    std::optional<ssl::stream<beast::tcp_stream&>> tls_;
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

    // A PEM bundle: certificates parsed as chains need them (LazyBundle), or, for a file that is not a
    // plain bundle of certificates, all of them now by OpenSSL.
    void load_bundle(ssl::context& tls, const std::string& path, beast::error_code& ec) {
        if (auto bundle = LazyBundle::read(path);
            bundle && bundle->attach(SSL_CTX_get_cert_store(tls.native_handle()))) {
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
    std::unique_ptr<LazyBundle> bundle_;  // the store's lookup refers to it: destroyed after tls_
    std::optional<ssl::context> tls_;
};

}  // namespace

std::unique_ptr<Transport> make_transport(Options options) {
    return std::make_unique<BeastTransport>(std::move(options));
}

}  // namespace cat::http
