#include "sigv4/sigv4.hpp"

#include <algorithm>
#include <cstdio>

#include "sigv4/crypto.hpp"

namespace cat::sigv4 {
namespace {

constexpr std::string_view algorithm = "AWS4-HMAC-SHA256";
constexpr std::string_view empty_body_sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

bool unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
           c == '.' || c == '~';
}

char lower(char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lowercase(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Trims and collapses every run of white space (including folded lines) into one space.
void append_trimmed(std::string& out, std::string_view v) {
    bool pending_space = false;
    bool any = false;
    for (char c : v) {
        if (is_space(c)) {
            pending_space = any;
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        any = true;
        out += c;
    }
}

// Headers that are never signed: they are changed by proxies and clients after signing.
bool unsigned_header(std::string_view lower_name) {
    return lower_name == "user-agent" || lower_name == "authorization" || lower_name == "expect" ||
           lower_name == "x-amzn-trace-id";
}

void put_2(char* p, int v) {
    p[0] = static_cast<char>('0' + v / 10);
    p[1] = static_cast<char>('0' + v % 10);
}

void set_header(std::vector<Header>& headers, std::string_view name, std::string value) {
    std::erase_if(headers, [&](const Header& h) { return lowercase(h.name) == name; });
    headers.push_back({std::string(name), std::move(value)});
}

}  // namespace

Credentials::~Credentials() {
    crypto::wipe(secret_access_key);
    crypto::wipe(session_token);
}

SigningKey::~SigningKey() {
    crypto::wipe(key_.data(), key_.size());
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
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(s.size() + s.size() / 2);
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (unreserved(c) || (keep_slash && c == '/')) {
            out += ch;
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 0x0f];
        }
    }
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
    std::vector<std::pair<std::string, std::string>> encoded;
    encoded.reserve(query.size());
    for (const auto& [k, v] : query) encoded.emplace_back(uri_encode(k, false), uri_encode(v, false));
    std::sort(encoded.begin(), encoded.end());
    std::string out;
    for (const auto& [k, v] : encoded) {
        if (!out.empty()) out += '&';
        out += k;
        out += '=';
        out += v;
    }
    return out;
}

std::string hex_sha256(std::string_view data) {
    if (data.empty()) return std::string(empty_body_sha256);
    const Digest d = crypto::sha256(data);
    std::string out;
    crypto::append_hex(out, d);
    return out;
}

Request with_signer_headers(Request req, const Context& ctx) {
    set_header(req.headers, "host", req.host);
    set_header(req.headers, "x-amz-date", amz_date(ctx.time));
    if (ctx.options.sign_body) set_header(req.headers, "x-amz-content-sha256", hex_sha256(req.body));
    const bool token = ctx.credentials != nullptr && !ctx.credentials->session_token.empty();
    if (token && !ctx.options.omit_session_token)
        set_header(req.headers, "x-amz-security-token", ctx.credentials->session_token);
    return req;
}

std::string canonical_request(const Request& req, const Context& ctx, std::string* signed_headers) {
    struct Item {
        std::string name;
        std::string_view value;
        std::size_t order;
    };
    std::vector<Item> items;
    items.reserve(req.headers.size());
    for (std::size_t i = 0; i < req.headers.size(); ++i) {
        std::string name = lowercase(req.headers[i].name);
        if (unsigned_header(name)) continue;
        items.push_back({std::move(name), req.headers[i].value, i});
    }
    std::sort(items.begin(), items.end(),
              [](const Item& a, const Item& b) { return a.name != b.name ? a.name < b.name : a.order < b.order; });

    std::string out;
    out.reserve(256 + req.path.size() + req.body.size() / 8);
    out += req.method;
    out += '\n';
    out += uri_encode(ctx.options.normalize_path ? normalize_path(req.path) : req.path, true);
    out += '\n';
    out += canonical_query(req.query);
    out += '\n';
    std::string names;
    for (std::size_t i = 0; i < items.size(); ++i) {
        const bool first_of_name = i == 0 || items[i].name != items[i - 1].name;
        if (first_of_name) {
            if (i != 0) out += '\n';
            out += items[i].name;
            out += ':';
            if (!names.empty()) names += ';';
            names += items[i].name;
        } else {
            out += ',';
        }
        append_trimmed(out, items[i].value);
    }
    out += "\n\n";
    out += names;
    out += '\n';
    out += hex_sha256(req.body);
    if (signed_headers != nullptr) *signed_headers = std::move(names);
    return out;
}

std::string credential_scope(std::string_view day, std::string_view region, std::string_view service) {
    std::string s;
    s.reserve(day.size() + region.size() + service.size() + 16);
    s += day;
    s += '/';
    s += region;
    s += '/';
    s += service;
    s += "/aws4_request";
    return s;
}

std::string string_to_sign(std::string_view creq, const Context& ctx) {
    const std::string date = amz_date(ctx.time);
    std::string out;
    out.reserve(160);
    out += algorithm;
    out += '\n';
    out += date;
    out += '\n';
    out += credential_scope(std::string_view(date).substr(0, 8), ctx.region, ctx.service);
    out += '\n';
    crypto::append_hex(out, crypto::sha256(creq));
    return out;
}

SigningKey signing_key(std::string_view secret, std::string_view day, std::string_view region,
                       std::string_view service) {
    std::string k0;
    k0.reserve(4 + secret.size());
    k0 += "AWS4";
    k0 += secret;
    const auto* k0_bytes = reinterpret_cast<const std::uint8_t*>(k0.data());
    Digest k = crypto::hmac_sha256({k0_bytes, k0.size()}, day);
    crypto::wipe(k0);
    k = crypto::hmac_sha256(k, region);
    k = crypto::hmac_sha256(k, service);
    k = crypto::hmac_sha256(k, "aws4_request");
    SigningKey key(k);
    crypto::wipe(k.data(), k.size());
    return key;
}

std::string signature(const SigningKey& key, std::string_view sts) {
    std::string out;
    out.reserve(64);
    crypto::append_hex(out, crypto::hmac_sha256(key.bytes(), sts));
    return out;
}

std::string authorization(const Context& ctx, std::string_view signed_headers, std::string_view sig) {
    std::string out;
    out.reserve(200 + signed_headers.size());
    out += algorithm;
    out += " Credential=";
    out += ctx.credentials != nullptr ? ctx.credentials->access_key_id : std::string();
    out += '/';
    out += credential_scope(amz_day(ctx.time), ctx.region, ctx.service);
    out += ", SignedHeaders=";
    out += signed_headers;
    out += ", Signature=";
    out += sig;
    return out;
}

SigningKey KeyCache::get(const Credentials& creds, std::string_view day, std::string_view region,
                         std::string_view service) {
    std::string id = creds.access_key_id;
    for (auto part : {day, region, service}) {
        id += '\n';
        id += part;
    }
    const Digest fingerprint = crypto::sha256(creds.secret_access_key);
    std::lock_guard lock(mutex_);
    for (const auto& e : entries_)
        if (e.id == id && e.secret_fingerprint == fingerprint) return e.key;
    SigningKey key = signing_key(creds.secret_access_key, day, region, service);
    if (entries_.size() >= 8) entries_.erase(entries_.begin());
    entries_.push_back({std::move(id), fingerprint, key});
    return key;
}

Request sign(Request req, const Context& ctx, KeyCache* cache) {
    static const Credentials none;
    const Credentials& creds = ctx.credentials != nullptr ? *ctx.credentials : none;
    req = with_signer_headers(std::move(req), ctx);
    std::string names;
    const std::string creq = canonical_request(req, ctx, &names);
    const std::string sts = string_to_sign(creq, ctx);
    const std::string day = amz_day(ctx.time);
    const SigningKey key = cache != nullptr ? cache->get(creds, day, ctx.region, ctx.service)
                                            : signing_key(creds.secret_access_key, day, ctx.region, ctx.service);
    set_header(req.headers, "authorization", authorization(ctx, names, signature(key, sts)));
    if (ctx.options.omit_session_token && !creds.session_token.empty())
        set_header(req.headers, "x-amz-security-token", creds.session_token);
    return req;
}

}  // namespace cat::sigv4
