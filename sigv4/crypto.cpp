#include "sigv4/crypto.hpp"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <memory>
#include <stdexcept>

namespace cat::sigv4::crypto {
namespace {

// Fetched once per process: OpenSSL 3's implicit fetch in EVP_sha256()/HMAC() costs a lookup per call.
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) throw std::runtime_error("OpenSSL: SHA256 is not available");
    return md;
}

EVP_MAC* hmac_mac() {
    static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (mac == nullptr) throw std::runtime_error("OpenSSL: HMAC is not available");
    return mac;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* c) const noexcept { EVP_MD_CTX_free(c); }
};
struct MacCtxFree {
    void operator()(EVP_MAC_CTX* c) const noexcept { EVP_MAC_CTX_free(c); }
};

// One HMAC context per thread with its digest set once: setting OSSL_MAC_PARAM_DIGEST on every
// EVP_MAC_init fetches SHA256 again each time. EVP_MAC_init then only (re)keys it. Between calls it
// holds the hash states of the last key it was given, as the context before it did; OpenSSL cleanses
// them when the thread ends.
EVP_MAC_CTX* hmac_ctx() {
    thread_local const std::unique_ptr<EVP_MAC_CTX, MacCtxFree> ctx = [] {
        std::unique_ptr<EVP_MAC_CTX, MacCtxFree> c{EVP_MAC_CTX_new(hmac_mac())};
        char digest_name[] = "SHA256";
        const OSSL_PARAM params[] = {
            OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
            OSSL_PARAM_construct_end(),
        };
        if (c && EVP_MAC_CTX_set_params(c.get(), params) != 1) c.reset();
        return c;
    }();
    if (!ctx) throw std::runtime_error("OpenSSL: HMAC-SHA256 is not available");
    return ctx.get();
}

}  // namespace

Digest sha256(std::string_view data) {
    Digest out{};
    thread_local std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx{EVP_MD_CTX_new()};
    unsigned int len = 0;
    if (!ctx || EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) != 1 ||
        EVP_DigestUpdate(ctx.get(), data.data(), data.size()) != 1 ||
        EVP_DigestFinal_ex(ctx.get(), out.data(), &len) != 1 || len != out.size())
        throw std::runtime_error("OpenSSL: SHA256 failed");
    return out;
}

Digest hmac_sha256(std::span<const std::uint8_t> key, std::string_view data) {
    Digest out{};
    EVP_MAC_CTX* ctx = hmac_ctx();
    // A null key would make EVP_MAC_init reuse the previous one; an empty key must not.
    static constexpr std::uint8_t no_key[1] = {0};
    const std::uint8_t* key_bytes = key.empty() ? no_key : key.data();
    std::size_t len = 0;
    if (EVP_MAC_init(ctx, key_bytes, key.size(), nullptr) != 1 ||
        EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx, out.data(), &len, out.size()) != 1 || len != out.size())
        throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
    return out;
}

HmacSha256::HmacSha256(std::span<const std::uint8_t> key) : ctx_(EVP_MAC_CTX_new(hmac_mac())) {
    static constexpr std::uint8_t no_key[1] = {0};
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end(),
    };
    if (ctx_ == nullptr || EVP_MAC_init(ctx_, key.empty() ? no_key : key.data(), key.size(), params) != 1) {
        EVP_MAC_CTX_free(ctx_);
        throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
    }
}

HmacSha256::~HmacSha256() {
    EVP_MAC_CTX_free(ctx_);
}

Digest HmacSha256::mac(std::string_view data) {
    Digest out{};
    std::size_t len = 0;
    // A null key restarts from the kept states of the key given at construction.
    if (EVP_MAC_init(ctx_, nullptr, 0, nullptr) != 1 ||
        EVP_MAC_update(ctx_, reinterpret_cast<const unsigned char*>(data.data()), data.size()) != 1 ||
        EVP_MAC_final(ctx_, out.data(), &len, out.size()) != 1 || len != out.size())
        throw std::runtime_error("OpenSSL: HMAC-SHA256 failed");
    return out;
}

}  // namespace cat::sigv4::crypto
