// DPoP proofs: base64url, the JWK of a P-256 key, ES256 signatures (OpenSSL 3).
#include "aws/credentials/dpop.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>

#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

constexpr std::size_t coordinate_size = 32;  // P-256

Error key_error(std::string why) {
    return Error::make(ErrorKind::credentials, "the DPoP key (dpopKey) " + std::move(why));
}

// A big number as exactly `size` big-endian bytes; false when it does not fit.
bool fixed_bytes(const BIGNUM* n, std::array<std::uint8_t, coordinate_size>& out) {
    return n != nullptr && BN_bn2binpad(n, out.data(), static_cast<int>(out.size())) == static_cast<int>(out.size());
}

std::string coordinate(const EVP_PKEY* key, const char* name) {
    BIGNUM* n = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &n) != 1) return {};
    std::array<std::uint8_t, coordinate_size> bytes{};
    const bool ok = fixed_bytes(n, bytes);
    BN_free(n);
    return ok ? base64url(bytes) : std::string();
}

template <class Write>
std::string json(Write&& write) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    write(w);
    return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace

std::string base64url(std::span<const std::uint8_t> bytes) {
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    out.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
        for (int shift = 18; shift >= 0; shift -= 6) out += alphabet[(v >> shift) & 63];
    }
    const std::size_t rest = bytes.size() - i;
    if (rest > 0) {
        std::uint32_t v = std::uint32_t{bytes[i]} << 16;
        if (rest == 2) v |= std::uint32_t{bytes[i + 1]} << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        if (rest == 2) out += alphabet[(v >> 6) & 63];
    }
    return out;
}

std::string base64url(std::string_view bytes) {
    return base64url(std::span(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
}

void DpopKey::Free::operator()(EVP_PKEY* key) const noexcept {
    EVP_PKEY_free(key);
}

Result<DpopKey> DpopKey::from_pem(std::string_view pem) {
    if (pem.find("-----BEGIN") == std::string_view::npos) return key_error("is not a PEM private key");
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    if (bio == nullptr) return Error::make(ErrorKind::internal, "OpenSSL: out of memory");
    // A passphrase callback that has none: without one OpenSSL would ask for it on the terminal.
    bool encrypted = false;
    EVP_PKEY* raw = PEM_read_bio_PrivateKey(
        bio, nullptr,
        [](char*, int, int, void* asked) {
            *static_cast<bool*>(asked) = true;
            return -1;
        },
        &encrypted);
    BIO_free(bio);
    ERR_clear_error();
    if (raw == nullptr && encrypted)
        return key_error("is encrypted with a passphrase (aws login writes it unencrypted)");
    if (raw == nullptr) return key_error("cannot be read as an EC private key (SEC1 or PKCS#8 PEM)");
    DpopKey key;
    key.key_.reset(raw);
    if (EVP_PKEY_is_a(raw, "EC") != 1) return key_error("is not an EC key");
    std::array<char, 64> group{};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(), &length) != 1 ||
        std::string_view(group.data(), length) != "prime256v1")
        return key_error("is not on the P-256 curve");
    key.x_ = coordinate(raw, OSSL_PKEY_PARAM_EC_PUB_X);
    key.y_ = coordinate(raw, OSSL_PKEY_PARAM_EC_PUB_Y);
    if (key.x_.empty() || key.y_.empty()) return key_error("has no public point");
    return key;
}

Result<std::string> DpopKey::sign_es256(std::string_view input) const {
    const auto failed = [] { return Error::make(ErrorKind::internal, "OpenSSL: the ES256 signature failed"); };
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == nullptr) return failed();
    std::array<unsigned char, 80> der{};  // an ECDSA P-256 signature is at most 72 bytes of DER
    std::size_t der_length = der.size();
    const bool signed_ok = EVP_DigestSignInit_ex(ctx, nullptr, "SHA256", nullptr, nullptr, key_.get(), nullptr) == 1 &&
                           EVP_DigestSign(ctx, der.data(), &der_length,
                                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(ctx);
    if (!signed_ok) return failed();
    const unsigned char* p = der.data();
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der_length));
    if (sig == nullptr) return failed();
    std::array<std::uint8_t, coordinate_size * 2> raw{};
    std::array<std::uint8_t, coordinate_size> r{}, s{};
    const bool ok = fixed_bytes(ECDSA_SIG_get0_r(sig), r) && fixed_bytes(ECDSA_SIG_get0_s(sig), s);
    ECDSA_SIG_free(sig);
    if (!ok) return failed();
    std::copy(r.begin(), r.end(), raw.begin());
    std::copy(s.begin(), s.end(), raw.begin() + coordinate_size);
    return base64url(raw);
}

std::string dpop_signing_input(const DpopKey& key, const DpopClaims& claims) {
    const auto str = [](auto& w, std::string_view v) {
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    };
    const std::string header = json([&](auto& w) {
        w.StartObject();
        w.Key("typ");
        w.String("dpop+jwt");
        w.Key("alg");
        w.String("ES256");
        w.Key("jwk");
        w.StartObject();
        w.Key("kty");
        w.String("EC");
        w.Key("x");
        str(w, key.jwk_x());
        w.Key("y");
        str(w, key.jwk_y());
        w.Key("crv");
        w.String("P-256");
        w.EndObject();
        w.EndObject();
    });
    const std::string payload = json([&](auto& w) {
        w.StartObject();
        w.Key("htm");
        str(w, claims.method);
        w.Key("htu");
        str(w, claims.url);
        w.Key("iat");
        w.Int64(claims.issued_at);
        w.Key("jti");
        str(w, claims.id);
        w.EndObject();
    });
    return base64url(header) + "." + base64url(payload);
}

Result<std::string> dpop_proof(const DpopKey& key, const DpopClaims& claims) {
    std::string input = dpop_signing_input(key, claims);
    auto signature = key.sign_es256(input);
    if (!signature) return std::move(signature).error();
    return input + "." + *signature;
}

Result<std::string> new_dpop_id() {
    std::array<std::uint8_t, 16> b{};
    if (RAND_bytes(b.data(), static_cast<int>(b.size())) != 1)
        return Error::make(ErrorKind::internal, "OpenSSL: no random bytes for the DPoP proof's jti");
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // the RFC 4122 variant
    std::string hex;
    text::append_hex(hex, b);
    return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" + hex.substr(16, 4) + "-" +
           hex.substr(20);
}

}  // namespace cat::aws
