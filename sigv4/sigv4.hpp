// AWS Signature Version 4, as pure functions over a request value and a signing context.
//
// The stages are separate so each can be tested against AWS's suites on its own:
//   canonical_request() -> string_to_sign() -> signing_key() -> signature() -> authorization()
// sign() runs them all and returns the request with the signer-owned headers added: host, x-amz-date,
// x-amz-security-token (when a session token exists) and Authorization. The time comes in through the
// context; nothing here reads a clock, the environment or a file.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/secret.hpp"

namespace cat::sigv4 {

// The secret parts wipe themselves when they go away.
struct Credentials {
    std::string access_key_id;
    Secret secret_access_key;
    Secret session_token;  // empty when the credentials are long-term

    Credentials() = default;
    Credentials(std::string ak, Secret sk, Secret token = {})
        : access_key_id(std::move(ak)), secret_access_key(std::move(sk)), session_token(std::move(token)) {}
};

struct Header {
    std::string name;
    std::string value;
};

// An HTTP request before signing. `path` is the path exactly as it goes into the request line; the
// canonical URI encodes it once more (the "double encoding" every service but S3 expects). The query is
// a list of decoded name/value pairs in any order; the wire form and the canonical form are the same
// encoding (see canonical_query()).
struct Request {
    std::string method = "GET";
    std::string host;  // with ":port" when the port is not the scheme's default
    std::string path = "/";
    std::vector<std::pair<std::string, std::string>> query;
    std::vector<Header> headers;
    std::string body;
};

struct Options {
    bool normalize_path = true;       // remove "." and ".." segments and empty segments (not S3)
    bool sign_body = false;           // add and sign x-amz-content-sha256
    bool omit_session_token = false;  // add x-amz-security-token after signing (unsigned), as STS
                                      // presigning does; off for every call this project makes
};

struct Context {
    std::string_view region;
    std::string_view service;
    std::chrono::sys_seconds time;
    const Credentials* credentials = nullptr;
    Options options;
};

using Digest = std::array<std::uint8_t, 32>;

// The derived key kSigning. Wiped on destruction.
class SigningKey {
public:
    SigningKey() = default;
    explicit SigningKey(const Digest& d) : key_(d) {}
    SigningKey(const SigningKey&) = default;
    SigningKey& operator=(const SigningKey&) = default;
    ~SigningKey();
    const Digest& bytes() const noexcept { return key_; }

private:
    Digest key_{};
};

// "20150830T123600Z" and "20150830".
std::string amz_date(std::chrono::sys_seconds t);
std::string amz_day(std::chrono::sys_seconds t);

// Percent-encoding with only A-Za-z0-9-_.~ unescaped; '/' kept when keep_slash.
std::string uri_encode(std::string_view s, bool keep_slash);
// Removes "." and "..", and collapses empty segments, keeping a trailing slash.
std::string normalize_path(std::string_view path);
// Canonical query string: each name and value encoded, pairs sorted by encoded name then value.
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);
// Lower-case hex SHA-256.
std::string hex_sha256(std::string_view data);

// The headers the signer adds (host, x-amz-date, x-amz-content-sha256, x-amz-security-token), merged
// into the request's own. Existing values of these names are replaced.
Request with_signer_headers(Request req, const Context& ctx);

// Stage 1. `req` must already hold the signer headers (with_signer_headers). The result is what AWS's
// suites call the canonical request. Also returns the signed-header list through `signed_headers`.
std::string canonical_request(const Request& req, const Context& ctx, std::string* signed_headers = nullptr);
// "20150830/us-east-1/service/aws4_request".
std::string credential_scope(std::string_view day, std::string_view region, std::string_view service);
// Stage 2.
std::string string_to_sign(std::string_view canonical_request, const Context& ctx);
// Stage 3: HMAC chain "AWS4"+secret -> day -> region -> service -> "aws4_request".
SigningKey signing_key(std::string_view secret, std::string_view day, std::string_view region,
                       std::string_view service);
// Stage 4: lower-case hex HMAC of the string to sign.
std::string signature(const SigningKey& key, std::string_view string_to_sign);
// Stage 5: the Authorization header value.
std::string authorization(const Context& ctx, std::string_view signed_headers, std::string_view signature);

namespace crypto {
class HmacSha256;
}

// Caches derived signing keys per (access key, day, region, service), for repeated signing.
class KeyCache {
public:
    KeyCache();
    KeyCache(const KeyCache&) = delete;
    KeyCache& operator=(const KeyCache&) = delete;
    ~KeyCache();

    SigningKey get(const Credentials& creds, std::string_view day, std::string_view region, std::string_view service);
    // What signature(get(creds, day, region, service), string_to_sign) returns, but the key's HMAC
    // states are kept with it, so a repeated signature skips setting the key up.
    std::string signature(const Credentials& creds, std::string_view day, std::string_view region,
                          std::string_view service, std::string_view string_to_sign);

private:
    struct Entry {
        std::string id;  // access key + day + region + service; identifies, holds no secret
        Digest secret_fingerprint{};
        SigningKey key;
        std::unique_ptr<crypto::HmacSha256> hmac;  // keyed with `key`, made when first needed
    };
    // The entry for these, derived and added when missing. The caller holds mutex_.
    Entry& entry(const Credentials& creds, std::string_view day, std::string_view region, std::string_view service);

    std::mutex mutex_;
    std::vector<Entry> entries_;
};

// Everything at once. With a cache, key derivation is skipped when the key is known.
Request sign(Request req, const Context& ctx, KeyCache* cache = nullptr);

}  // namespace cat::sigv4
