#include "core/sha256.hpp"

#include <algorithm>
#include <cstddef>

#include "core/secret.hpp"

namespace cat {
namespace {

// FIPS 180-4, 4.2.2: the first 32 bits of the fractional parts of the cube roots of the first 64 primes.
constexpr std::array<std::uint32_t, 64> k{
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

constexpr std::uint32_t rotr(std::uint32_t x, int n) noexcept {
    return (x >> n) | (x << (32 - n));
}

// FIPS 180-4, 6.2.2: one 64-byte block into the hash value `h`.
void compress(std::array<std::uint32_t, 8>& h, const std::uint8_t* block) noexcept {
    std::array<std::uint32_t, 64> w{};
    for (std::size_t t = 0; t < 16; ++t)
        w[t] = std::uint32_t{block[4 * t]} << 24 | std::uint32_t{block[4 * t + 1]} << 16 |
               std::uint32_t{block[4 * t + 2]} << 8 | std::uint32_t{block[4 * t + 3]};
    for (std::size_t t = 16; t < 64; ++t) {
        const std::uint32_t s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
        const std::uint32_t s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    std::uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (std::size_t t = 0; t < 64; ++t) {
        const std::uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[t] + w[t];
        const std::uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

// The hash of `data` after the 64-byte blocks already compressed into `h` (`done` bytes of them).
std::array<std::uint8_t, 32> finish(std::array<std::uint32_t, 8>& h, std::size_t done, std::string_view data) noexcept {
    const auto* p = reinterpret_cast<const std::uint8_t*>(data.data());
    std::size_t left = data.size();
    for (; left >= 64; left -= 64, p += 64) compress(h, p);
    // FIPS 180-4, 5.1.1: the message, a 1 bit, zeros, and its length in bits (64 bits, big-endian).
    std::array<std::uint8_t, 128> tail{};
    for (std::size_t i = 0; i < left; ++i) tail[i] = p[i];
    tail[left] = 0x80;
    const std::size_t blocks = left < 56 ? 1 : 2;
    const std::uint64_t bits = static_cast<std::uint64_t>(done + data.size()) * 8;
    for (std::size_t i = 0; i < 8; ++i) tail[blocks * 64 - 1 - i] = static_cast<std::uint8_t>(bits >> (8 * i));
    for (std::size_t b = 0; b < blocks; ++b) compress(h, tail.data() + 64 * b);
    wipe(tail.data(), tail.size());
    std::array<std::uint8_t, 32> out{};
    for (std::size_t i = 0; i < 8; ++i)
        for (std::size_t j = 0; j < 4; ++j) out[4 * i + j] = static_cast<std::uint8_t>(h[i] >> (24 - 8 * j));
    wipe(h.data(), sizeof h);
    return out;
}

// FIPS 180-4, 5.3.3: the initial hash value.
constexpr std::array<std::uint32_t, 8> initial{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                               0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

std::string_view bytes(std::span<const std::uint8_t> s) {
    return {reinterpret_cast<const char*>(s.data()), s.size()};
}

}  // namespace

std::array<std::uint8_t, 32> sha256(std::string_view data) noexcept {
    std::array<std::uint32_t, 8> h = initial;
    return finish(h, 0, data);
}

std::array<std::uint8_t, 32> hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) noexcept {
    // RFC 2104: a key longer than the block is hashed first; then H(K ^ opad, H(K ^ ipad, data)).
    std::array<std::uint8_t, 64> block{};
    if (key.size() > block.size()) {
        auto hashed = sha256(bytes(key));
        std::copy(hashed.begin(), hashed.end(), block.begin());
        wipe(hashed.data(), hashed.size());
    } else {
        std::copy(key.begin(), key.end(), block.begin());
    }
    for (auto& b : block) b ^= 0x36;
    std::array<std::uint32_t, 8> h = initial;
    compress(h, block.data());
    auto inner = finish(h, 64, data);
    for (auto& b : block) b ^= 0x36 ^ 0x5c;
    h = initial;
    compress(h, block.data());
    wipe(block.data(), block.size());
    const auto out = finish(h, 64, bytes(inner));
    wipe(inner.data(), inner.size());
    return out;
}

}  // namespace cat
