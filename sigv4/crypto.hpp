// SHA-256 and HMAC-SHA256 on OpenSSL 3's EVP interfaces, with the algorithm objects fetched once.
#pragma once

#include <openssl/types.h>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/secret.hpp"
#include "core/text.hpp"
#include "sigv4/sigv4.hpp"

namespace cat::sigv4::crypto {

Digest sha256(std::string_view data);
Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);

// HMAC-SHA256 under one key that is set up once: the key's inner and outer hash states are kept, so
// each mac() hashes only the message. One object is not for concurrent use. OpenSSL cleanses the
// states when the object goes.
class HmacSha256 {
public:
    explicit HmacSha256(std::span<const std::uint8_t> key);
    HmacSha256(const HmacSha256&) = delete;
    HmacSha256& operator=(const HmacSha256&) = delete;
    ~HmacSha256();
    Digest mac(std::string_view data);

private:
    EVP_MAC_CTX* ctx_;
};

}  // namespace cat::sigv4::crypto
