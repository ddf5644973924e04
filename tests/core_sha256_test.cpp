// core/sha256: FIPS 180-4's and RFC 4231's examples, and the same digests and MACs as OpenSSL's for every
// length around the block and padding boundaries (the token cache's entry names and keys must not change
// with the implementation).
#define BOOST_TEST_MODULE core_sha256
#include <boost/test/unit_test.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <string>

#include "core/sha256.hpp"
#include "core/text.hpp"

namespace {

std::string hex_sha256(std::string_view s) {
    return cat::text::hex(cat::sha256(s));
}

std::string openssl_sha256(std::string_view s) {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    BOOST_REQUIRE(EVP_Digest(s.data(), s.size(), md.data(), &len, EVP_sha256(), nullptr) == 1);
    return cat::text::hex(std::span<const std::uint8_t>(md.data(), len));
}

std::string hex_hmac(std::string_view key, std::string_view data) {
    return cat::text::hex(
        cat::hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(key.data()), key.size()), data));
}

std::string openssl_hmac(std::string_view key, std::string_view data) {
    std::array<std::uint8_t, EVP_MAX_MD_SIZE> md{};
    unsigned int len = 0;
    BOOST_REQUIRE(HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
                       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md.data(), &len) != nullptr);
    return cat::text::hex(std::span<const std::uint8_t>(md.data(), len));
}

}  // namespace

// NIST's examples for SHA-256 (csrc.nist.gov, "Examples with Intermediate Values": SHA256.pdf,
// SHA2_Additional.pdf).
BOOST_AUTO_TEST_CASE(nist_examples) {
    BOOST_TEST(hex_sha256("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    BOOST_TEST(hex_sha256("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    BOOST_TEST(hex_sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    BOOST_TEST(hex_sha256(std::string(1000000, 'a')) ==
               "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(same_as_openssl_for_every_length_to_300) {
    std::string data;
    for (std::size_t n = 0; n <= 300; ++n) {
        BOOST_TEST_CONTEXT("length " << n) {
            BOOST_TEST(hex_sha256(data) == openssl_sha256(data));
        }
        data.push_back(static_cast<char>((n * 131 + 7) & 0xff));
    }
}

// RFC 4231, 4.2, 4.3, 4.7 (test cases 1, 2 and 7: a key longer than the block).
BOOST_AUTO_TEST_CASE(rfc4231_examples) {
    BOOST_TEST(hex_hmac(std::string(20, '\x0b'), "Hi There") ==
               "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    BOOST_TEST(hex_hmac("Jefe", "what do ya want for nothing?") ==
               "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    BOOST_TEST(hex_hmac(std::string(131, '\xaa'),
                        "This is a test using a larger than block-size key and a larger than block-size data. The key "
                        "needs to be hashed before being used by the HMAC algorithm.") ==
               "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

BOOST_AUTO_TEST_CASE(hmac_same_as_openssl_for_key_and_data_lengths) {
    std::string bytes;
    for (std::size_t n = 0; n <= 200; ++n) bytes.push_back(static_cast<char>((n * 89 + 3) & 0xff));
    for (std::size_t key : {0u, 1u, 31u, 32u, 63u, 64u, 65u, 100u, 200u})
        for (std::size_t data = 0; data <= 200; data += 7) BOOST_TEST_CONTEXT("key " << key << ", data " << data) {
                const std::string_view k(bytes.data(), key), d(bytes.data() + 1, std::min<std::size_t>(data, 199));
                BOOST_TEST(hex_hmac(k, d) == openssl_hmac(k, d));
            }
}
