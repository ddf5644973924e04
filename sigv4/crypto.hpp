// SHA-256 and HMAC-SHA256 on OpenSSL 3's EVP interfaces, with the algorithm objects fetched once.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "sigv4/sigv4.hpp"

namespace cat::sigv4::crypto {

Digest sha256(std::string_view data);
Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data);
// Lower-case hex of `bytes`, appended to `out`.
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);
// Overwrites memory the optimiser cannot elide (OPENSSL_cleanse).
void wipe(void* p, std::size_t n) noexcept;
void wipe(std::string& s) noexcept;

}  // namespace cat::sigv4::crypto
