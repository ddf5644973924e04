// DPoP proofs (RFC 9449) for the AWS Sign-In token endpoint: an ES256 JWT signed with the P-256 key that
// `aws login` cached, carrying the public key as a JWK. The crypto is OpenSSL 3's.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <openssl/types.h>

#include "core/result.hpp"

namespace cat::aws {

// base64url without padding (RFC 4648 section 5), as JWTs use it.
std::string base64url(std::span<const std::uint8_t> bytes);
std::string base64url(std::string_view bytes);

// A P-256 private key. Holds OpenSSL's key; never printed.
class DpopKey {
public:
    // A PEM private key: SEC1 ("EC PRIVATE KEY", as the AWS CLI writes it) or PKCS#8 ("PRIVATE KEY").
    // Errors (ErrorKind::credentials) say what is wrong, never quote the key.
    static Result<DpopKey> from_pem(std::string_view pem);

    // The public key as the JWK a DPoP header carries: {"kty":"EC","x":...,"y":...,"crv":"P-256"}, x and y
    // the 32-byte big-endian coordinates in base64url.
    const std::string& jwk_x() const noexcept { return x_; }
    const std::string& jwk_y() const noexcept { return y_; }

    // An ES256 signature of `input`: SHA-256, ECDSA, then r and s as 32 bytes each (JWS, not DER).
    Result<std::string> sign_es256(std::string_view input) const;

private:
    struct Free {
        void operator()(EVP_PKEY* key) const noexcept;
    };
    std::unique_ptr<EVP_PKEY, Free> key_;
    std::string x_, y_;
};

// What a proof says about its request.
struct DpopClaims {
    std::string method = "POST";  // htm
    std::string url;              // htu: the request's URL without query or fragment
    std::int64_t issued_at = 0;   // iat: seconds since the epoch
    std::string id;               // jti: unique per proof (new_dpop_id)
};

// header.payload of the proof (both base64url JSON): {"typ":"dpop+jwt","alg":"ES256","jwk":{...}} and
// {"htm","htu","iat","jti"} in botocore's order.
std::string dpop_signing_input(const DpopKey& key, const DpopClaims& claims);

// The DPoP header's value: header.payload.signature.
Result<std::string> dpop_proof(const DpopKey& key, const DpopClaims& claims);

// A random UUID (version 4) from OpenSSL's generator, as the SDKs use for jti.
Result<std::string> new_dpop_id();

}  // namespace cat::aws
