#include "sigv4/sigv4.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>

#include "core/secret.hpp"
#include "core/text.hpp"
#include "sigv4/crypto.hpp"

namespace cat::sigv4 {
namespace {

using text::iequals;
using text::lower;

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view empty_body_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
constexpr std::string_view terminator = "aws4_request";

constexpr std::array<bool, 256> unreserved_table = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 256; ++c)
        t[static_cast<std::size_t>(c)] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                                         c == '-' || c == '_' || c == '.' || c == '~';
    return t;
}();

bool unreserved(char c) {
    return unreserved_table[static_cast<unsigned char>(c)];
}

// Orders as the lower-cased names would (bytes compared unsigned, as std::string does).
int icompare(std::string_view a, std::string_view b) {
    const std::size_t n = std::min(a.size(), b.size());
    for (std::size_t i = 0; i < n; ++i) {
        const auto x = static_cast<unsigned char>(lower(a[i]));
        const auto y = static_cast<unsigned char>(lower(b[i]));
        if (x != y) return x < y ? -1 : 1;
    }
    return a.size() == b.size() ? 0 : (a.size() < b.size() ? -1 : 1);
}

void append_lower(std::string& out, std::string_view s) {
    const std::size_t at = out.size();
    out.append(s);
    for (std::size_t i = at; i < out.size(); ++i) out[i] = lower(out[i]);
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// The first white space character at or after `i`, or v.size(). Header values (a session token is
// most of a canonical request) are scanned eight bytes at a time for a byte below 0x21, then byte by
// byte from there.
std::size_t find_space(std::string_view v, std::size_t i) {
    constexpr std::uint64_t ones = 0x0101010101010101, high_bits = 0x8080808080808080;
    for (; i + 8 <= v.size(); i += 8) {
        std::uint64_t w = 0;
        std::memcpy(&w, v.data() + i, 8);
        if (((w - ones * 0x21) & ~w & high_bits) != 0) break;  // some byte < 0x21
    }
    while (i < v.size() && !is_space(v[i])) ++i;
    return i;
}

// Trims and collapses every run of white space (including folded lines) into one space.
void append_trimmed(std::string& out, std::string_view v) {
    std::size_t i = 0;
    bool first = true;
    while (true) {
        while (i < v.size() && is_space(v[i])) ++i;
        if (i == v.size()) return;
        const std::size_t j = find_space(v, i);
        if (!first) out += ' ';
        out.append(v.substr(i, j - i));
        first = false;
        i = j;
    }
}

// Headers that are never signed: they are changed by proxies and clients after signing.
bool unsigned_header(std::string_view name) {
    return iequals(name, "user-agent") || iequals(name, "authorization") || iequals(name, "expect") ||
           iequals(name, "x-amzn-trace-id");
}

void put_2(char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

void set_header(std::vector<Header>& headers, std::string_view lower_name, std::string value) {
    std::erase_if(headers, [&](const Header& h) { return iequals(h.name, lower_name); });
    headers.push_back({std::string(lower_name), std::move(value)});
}

std::size_t encoded_size(std::string_view s, bool keep_slash) {
    std::size_t n = s.size();
    for (char c : s)
        if (!unreserved(c) && !(keep_slash && c == '/')) n += 2;
    return n;
}

// Appends `s` percent-encoded, copying runs of characters that stay as they are in one go.
void append_encoded(std::string& out, std::string_view s, bool keep_slash) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::size_t i = 0;
    while (i < s.size()) {
        std::size_t j = i;
        while (j < s.size() && (unreserved(s[j]) || (keep_slash && s[j] == '/'))) ++j;
        out.append(s.substr(i, j - i));
        if (j == s.size()) return;
        const auto c = static_cast<unsigned char>(s[j]);
        const char escaped[3] = {'%', hex[c >> 4], hex[c & 0x0f]};
        out.append(escaped, 3);
        i = j + 1;
    }
}

// True when normalize_path(path) == path, so the common case skips it.
bool already_normal(std::string_view path) {
    if (path.empty() || path[0] != '/') return false;
    std::size_t pos = 1;
    while (pos < path.size()) {
        const std::size_t next = std::min(path.find('/', pos), path.size());
        const std::string_view seg = path.substr(pos, next - pos);
        if (seg.empty() || seg == "." || seg == "..") return false;
        pos = next + 1;
    }
    return true;
}

// A few elements on the stack, more on the heap.
template <class T, std::size_t N>
class SmallBuffer {
public:
    explicit SmallBuffer(std::size_t n) : size_(n) {
        if (n > N) heap_.resize(n);
    }
    T* begin() { return size_ > N ? heap_.data() : stack_.data(); }
    T* end() { return begin() + size_; }
    T& operator[](std::size_t i) { return begin()[i]; }

private:
    std::size_t size_;
    std::array<T, N> stack_{};
    std::vector<T> heap_;
};

void append_canonical_query(std::string& out, const std::vector<std::pair<std::string, std::string>>& query) {
    if (query.empty()) return;
    struct Pair {
        std::string_view name, value;
    };
    SmallBuffer<Pair, 16> pairs(query.size());
    // Names and values that need no encoding are used as they are; the others are encoded into one
    // buffer, sized up front so that it never moves.
    std::size_t extra = 0;
    for (const auto& [k, v] : query) {
        const std::size_t ek = encoded_size(k, false), ev = encoded_size(v, false);
        if (ek != k.size()) extra += ek;
        if (ev != v.size()) extra += ev;
    }
    std::string encoded;
    encoded.reserve(extra);
    const auto encode = [&](const std::string& s) -> std::string_view {
        if (encoded_size(s, false) == s.size()) return s;
        const std::size_t at = encoded.size();
        append_encoded(encoded, s, false);
        return std::string_view(encoded).substr(at);
    };
    for (std::size_t i = 0; i < query.size(); ++i) pairs[i] = {encode(query[i].first), encode(query[i].second)};
    std::sort(pairs.begin(), pairs.end(),
              [](const Pair& a, const Pair& b) { return a.name != b.name ? a.name < b.name : a.value < b.value; });
    bool first = true;
    for (const Pair& p : pairs) {
        if (!first) out += '&';
        first = false;
        out.append(p.name);
        out += '=';
        out.append(p.value);
    }
}

void append_hex_sha256(std::string& out, std::string_view data) {
    if (data.empty()) {
        out.append(empty_body_sha256);
        return;
    }
    text::append_hex(out, crypto::sha256(data));
}

void append_scope(std::string& out, std::string_view day, std::string_view region, std::string_view service) {
    out.append(day);
    out += '/';
    out.append(region);
    out += '/';
    out.append(service);
    out += '/';
    out.append(terminator);
}

// `date` is amz_date(ctx.time).
void add_signer_headers(Request& req, const Context& ctx, std::string date) {
    req.headers.reserve(req.headers.size() + 5);  // room for these and Authorization
    set_header(req.headers, "host", req.host);
    set_header(req.headers, "x-amz-date", std::move(date));
    if (ctx.options.sign_body) set_header(req.headers, "x-amz-content-sha256", hex_sha256(req.body));
    const bool token = ctx.credentials != nullptr && !ctx.credentials->session_token.empty();
    if (token && !ctx.options.omit_session_token)
        set_header(req.headers, "x-amz-security-token", ctx.credentials->session_token.reveal());
}

std::string make_string_to_sign(std::string_view creq, std::string_view date, std::string_view region,
                                std::string_view service) {
    std::string out;
    out.reserve(algorithm.size() + date.size() + 8 + region.size() + service.size() + terminator.size() + 68);
    out.append(algorithm);
    out += '\n';
    out.append(date);
    out += '\n';
    append_scope(out, date.substr(0, 8), region, service);
    out += '\n';
    text::append_hex(out, crypto::sha256(creq));
    return out;
}

std::string make_authorization(std::string_view access_key_id, std::string_view day, const Context& ctx,
                               std::string_view signed_headers, std::string_view sig) {
    static constexpr std::string_view credential = " Credential=", signed_label = ", SignedHeaders=",
                                      signature_label = ", Signature=";
    std::string out;
    out.reserve(algorithm.size() + credential.size() + access_key_id.size() + 1 + day.size() + ctx.region.size() +
                ctx.service.size() + terminator.size() + 3 + signed_label.size() + signed_headers.size() +
                signature_label.size() + sig.size());
    out.append(algorithm);
    out.append(credential);
    out.append(access_key_id);
    out += '/';
    append_scope(out, day, ctx.region, ctx.service);
    out.append(signed_label);
    out.append(signed_headers);
    out.append(signature_label);
    out.append(sig);
    return out;
}

}  // namespace

SigningKey::~SigningKey() {
    wipe(key_.data(), key_.size());
}

std::string amz_date(std::chrono::sys_seconds t) {
    const auto days = std::chrono::floor<std::chrono::days>(t);
    const std::chrono::year_month_day ymd{days};
    const std::chrono::hh_mm_ss hms{t - days};
    std::string s(16, '\0');
    const int y = static_cast<int>(ymd.year());
    s[0] = static_cast<char>('0' + y / 1000 % 10);
    s[1] = static_cast<char>('0' + y / 100 % 10);
    put_2(&s[2], y % 100);
    put_2(&s[4], static_cast<int>(static_cast<unsigned>(ymd.month())));
    put_2(&s[6], static_cast<int>(static_cast<unsigned>(ymd.day())));
    s[8] = 'T';
    put_2(&s[9], static_cast<int>(hms.hours().count()));
    put_2(&s[11], static_cast<int>(hms.minutes().count()));
    put_2(&s[13], static_cast<int>(hms.seconds().count()));
    s[15] = 'Z';
    return s;
}

std::string amz_day(std::chrono::sys_seconds t) {
    return amz_date(t).substr(0, 8);
}

std::string uri_encode(std::string_view s, bool keep_slash) {
    std::string out;
    out.reserve(encoded_size(s, keep_slash));
    append_encoded(out, s, keep_slash);
    return out;
}

std::string normalize_path(std::string_view path) {
    std::vector<std::string_view> segments;
    std::size_t pos = 0;
    while (pos <= path.size()) {
        const std::size_t next = std::min(path.find('/', pos), path.size());
        const std::string_view seg = path.substr(pos, next - pos);
        if (seg == "..") {
            if (!segments.empty()) segments.pop_back();
        } else if (!seg.empty() && seg != ".") {
            segments.push_back(seg);
        }
        pos = next + 1;
    }
    std::string out;
    for (auto seg : segments) {
        out += '/';
        out += seg;
    }
    // A trailing slash (or a last segment of "." or "..") survives, as in the suites' expectations.
    const bool trailing = !path.empty() && (path.back() == '/' || path.ends_with("/.") || path.ends_with("/.."));
    if (out.empty() || (trailing && out.back() != '/')) out += '/';
    return out;
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
    std::string out;
    append_canonical_query(out, query);
    return out;
}

std::string hex_sha256(std::string_view data) {
    std::string out;
    out.reserve(64);
    append_hex_sha256(out, data);
    return out;
}

Request with_signer_headers(Request req, const Context& ctx) {
    add_signer_headers(req, ctx, amz_date(ctx.time));
    return req;
}

std::string canonical_request(const Request& req, const Context& ctx, std::string* signed_headers) {
    struct Item {
        std::string_view name;  // as given; compared and written lower-case
        std::string_view value;
        std::size_t order;
    };
    SmallBuffer<Item, 16> all(req.headers.size());
    std::size_t n = 0, header_bytes = 0;
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
        const Header& h = req.headers[i];
        if (unsigned_header(h.name)) continue;
        all[n++] = {h.name, h.value, i};
        header_bytes += 2 * h.name.size() + h.value.size() + 2;
    }
    Item* const items = all.begin();
    std::sort(items, items + n, [](const Item& a, const Item& b) {
        const int c = icompare(a.name, b.name);
        return c != 0 ? c < 0 : a.order < b.order;
    });

    std::string path;
    const bool normalize = ctx.options.normalize_path && !already_normal(req.path);
    if (normalize) path = normalize_path(req.path);
    const std::string_view uri = normalize ? std::string_view(path) : std::string_view(req.path);
    std::size_t query_bytes = 0;
    for (const auto& [k, v] : req.query) query_bytes += 3 * (k.size() + v.size()) + 2;

    std::string out;
    out.reserve(req.method.size() + 3 * uri.size() + query_bytes + header_bytes + 64 + 8);
    out.append(req.method);
    out += '\n';
    append_encoded(out, uri, true);
    out += '\n';
    append_canonical_query(out, req.query);
    out += '\n';
    std::string names;
    names.reserve(header_bytes / 2);
    for (std::size_t i = 0; i < n; ++i) {
        const bool first_of_name = i == 0 || icompare(items[i].name, items[i - 1].name) != 0;
        if (first_of_name) {
            if (i != 0) {
                out += '\n';
                names += ';';
            }
            append_lower(out, items[i].name);
            append_lower(names, items[i].name);
            out += ':';
        } else {
            out += ',';
        }
        append_trimmed(out, items[i].value);
    }
    out += "\n\n";
    out.append(names);
    out += '\n';
    append_hex_sha256(out, req.body);
    if (signed_headers != nullptr) *signed_headers = std::move(names);
    return out;
}

std::string credential_scope(std::string_view day, std::string_view region, std::string_view service) {
    std::string s;
    s.reserve(day.size() + region.size() + service.size() + 3 + terminator.size());
    append_scope(s, day, region, service);
    return s;
}

std::string string_to_sign(std::string_view creq, const Context& ctx) {
    return make_string_to_sign(creq, amz_date(ctx.time), ctx.region, ctx.service);
}

SigningKey signing_key(std::string_view secret, std::string_view day, std::string_view region,
                       std::string_view service) {
    std::string k0;
    k0.reserve(4 + secret.size());
    k0 += "AWS4";
    k0 += secret;
    const auto* k0_bytes = reinterpret_cast<const std::uint8_t*>(k0.data());
    Digest k = crypto::hmac_sha256({k0_bytes, k0.size()}, day);
    wipe(k0);
    k = crypto::hmac_sha256(k, region);
    k = crypto::hmac_sha256(k, service);
    k = crypto::hmac_sha256(k, "aws4_request");
    SigningKey key(k);
    wipe(k.data(), k.size());
    return key;
}

std::string signature(const SigningKey& key, std::string_view sts) {
    std::string out;
    out.reserve(64);
    text::append_hex(out, crypto::hmac_sha256(key.bytes(), sts));
    return out;
}

std::string authorization(const Context& ctx, std::string_view signed_headers, std::string_view sig) {
    const std::string_view access_key_id =
        ctx.credentials != nullptr ? std::string_view(ctx.credentials->access_key_id) : std::string_view();
    return make_authorization(access_key_id, amz_day(ctx.time), ctx, signed_headers, sig);
}

KeyCache::KeyCache() = default;
KeyCache::~KeyCache() = default;

KeyCache::Entry& KeyCache::entry(const Credentials& creds, std::string_view day, std::string_view region,
                                 std::string_view service) {
    const std::string_view parts[] = {creds.access_key_id, day, region, service};
    // id is the parts joined with '\n'; compared in place so that a hit allocates nothing.
    const auto same_id = [&](std::string_view id) {
        for (std::size_t i = 0; i < std::size(parts); ++i) {
            if (i != 0) {
                if (id.empty() || id[0] != '\n') return false;
                id.remove_prefix(1);
            }
            if (!id.starts_with(parts[i])) return false;
            id.remove_prefix(parts[i].size());
        }
        return id.empty();
    };
    const Digest fingerprint = crypto::sha256(creds.secret_access_key.view());
    for (auto& e : entries_)
        if (e.secret_fingerprint == fingerprint && same_id(e.id)) return e;

    std::string id;
    id.reserve(parts[0].size() + day.size() + region.size() + service.size() + 3);
    for (std::size_t i = 0; i < std::size(parts); ++i) {
        if (i != 0) id += '\n';
        id += parts[i];
    }
    SigningKey key = signing_key(creds.secret_access_key.view(), day, region, service);
    if (entries_.size() >= 8) entries_.erase(entries_.begin());
    entries_.push_back({std::move(id), fingerprint, key, nullptr});
    return entries_.back();
}

SigningKey KeyCache::get(const Credentials& creds, std::string_view day, std::string_view region,
                         std::string_view service) {
    std::lock_guard lock(mutex_);
    return entry(creds, day, region, service).key;
}

std::string KeyCache::signature(const Credentials& creds, std::string_view day, std::string_view region,
                                std::string_view service, std::string_view sts) {
    std::string out;
    out.reserve(64);
    std::lock_guard lock(mutex_);
    Entry& e = entry(creds, day, region, service);
    if (!e.hmac) e.hmac = std::make_unique<crypto::HmacSha256>(e.key.bytes());
    text::append_hex(out, e.hmac->mac(sts));
    return out;
}

Request sign(Request req, const Context& ctx, KeyCache* cache) {
    static const Credentials none;
    const Credentials& creds = ctx.credentials != nullptr ? *ctx.credentials : none;
    const std::string date = amz_date(ctx.time);
    const std::string_view day = std::string_view(date).substr(0, 8);
    add_signer_headers(req, ctx, date);
    std::string names;
    const std::string creq = canonical_request(req, ctx, &names);
    const std::string sts = make_string_to_sign(creq, date, ctx.region, ctx.service);
    const std::string sig =
        cache != nullptr ? cache->signature(creds, day, ctx.region, ctx.service, sts)
                         : signature(signing_key(creds.secret_access_key.view(), day, ctx.region, ctx.service), sts);
    set_header(req.headers, "authorization", make_authorization(creds.access_key_id, day, ctx, names, sig));
    if (ctx.options.omit_session_token && !creds.session_token.empty())
        set_header(req.headers, "x-amz-security-token", creds.session_token.reveal());
    return req;
}

}  // namespace cat::sigv4
