// SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104) of short messages, without OpenSSL: what a cache hit
// needs (the entry's name, and the caller's identity in the key). OpenSSL 3's first digest or MAC builds
// its provider's algorithm tables (about 3.5 M instructions, bench/run), so a hit uses these and never
// starts OpenSSL's providers. Signing and TLS keep OpenSSL's (sigv4/crypto.hpp), which is faster per byte.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace cat {

std::array<std::uint8_t, 32> sha256(std::string_view data) noexcept;
// The key's padded copies and the inner hash are wiped before it returns.
std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) noexcept;

}  // namespace cat
