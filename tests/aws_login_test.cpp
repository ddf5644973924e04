// DPoP (base64url, the JWK, ES256) and the login_session provider over a fake transport.
#define BOOST_TEST_MODULE aws_login
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <boost/test/unit_test.hpp>
#include <map>
#include <set>
#include <string>

#include "aws/credentials/dpop.hpp"
#include "aws/credentials/login.hpp"
#include "fake_transport.hpp"

namespace a = cat::aws;
using cat::test::reply;

namespace {

// The AWS SDK for Rust's DPoP test key (aws-config src/login/dpop.rs, TEST_KEY) and the public
// coordinates its test expects.
constexpr std::string_view rust_key =
    "-----BEGIN EC PRIVATE KEY-----\n"
    "MHcCAQEEIBMB/RwQERsVoqWRQG4zK8CnaAa5dfrpbm+9tFdBh3z4oAoGCCqGSM49\n"
    "AwEHoUQDQgAEWb1VLi1EA2hJaTz4yYuxSELvY+1GAfL+8rUTCAdiFid87Bf6GY+s\n"
    "2+1RpqDv0RpZiDIMCrZrsAh+RK9S3QCaGA==\n"
    "-----END EC PRIVATE KEY-----\n";
// botocore's login test key (tests/unit/login/login-provider-test-cases.json): PKCS#8.
constexpr std::string_view botocore_key =
    "-----BEGIN PRIVATE KEY-----\n"
    "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg+PNauWi/ihtwHHbq\n"
    "1tgc8Vgpwx0qQlNSN38y+z0igWehRANCAAR2Ntw6BXJ1v8jb9XjzKZJ+gL5f/3Jq\n"
    "IqiH2PUGKWxoFwNlcNB83FivEXEzlTbuCQK5OezOYb3gbvHuzKkB0nDX\n"
    "-----END PRIVATE KEY-----";

std::string unbase64url(std::string_view s) {
    std::string out;
    std::uint32_t acc = 0;
    int bits = 0;
    for (char c : s) {
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-'             ? 62
                : c == '_'             ? 63
                                       : -1;
        BOOST_REQUIRE(v >= 0);
        acc = (acc << 6) | static_cast<std::uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out += static_cast<char>((acc >> bits) & 0xff);
        }
    }
    return out;
}

rapidjson::Document parse(const std::string& json) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    BOOST_REQUIRE(!doc.HasParseError() && doc.IsObject());
    return doc;
}

// Verifies a JWS ES256 signature (r || s) over `input` with the JWK's public point, independently of
// DpopKey: the point is rebuilt from x and y.
bool verify_es256(const std::string& x, const std::string& y, const std::string& input, const std::string& sig) {
    const std::string xb = unbase64url(x), yb = unbase64url(y), raw = unbase64url(sig);
    if (xb.size() != 32 || yb.size() != 32 || raw.size() != 64) return false;
    std::string point = "\x04" + xb + yb;
    EVP_PKEY* key = nullptr;
    EVP_PKEY_CTX* pctx = EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr);
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string("group", const_cast<char*>("prime256v1"), 0),
                           OSSL_PARAM_construct_octet_string("pub", point.data(), point.size()),
                           OSSL_PARAM_construct_end()};
    bool ok = pctx != nullptr && EVP_PKEY_fromdata_init(pctx) == 1 &&
              EVP_PKEY_fromdata(pctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
    EVP_PKEY_CTX_free(pctx);
    ECDSA_SIG* es = ECDSA_SIG_new();
    ECDSA_SIG_set0(es, BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr),
                   BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_length = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    ok = ok && der_length > 0 && EVP_DigestVerifyInit_ex(md, nullptr, "SHA256", nullptr, nullptr, key, nullptr) == 1 &&
         EVP_DigestVerify(md, der, static_cast<std::size_t>(der_length),
                          reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
    EVP_MD_CTX_free(md);
    OPENSSL_free(der);
    EVP_PKEY_free(key);
    return ok;
}

}  // namespace

BOOST_AUTO_TEST_CASE(base64url_is_rfc_4648_section_5_without_padding) {
    BOOST_TEST(a::base64url(std::string_view("")) == "");
    BOOST_TEST(a::base64url(std::string_view("f")) == "Zg");
    BOOST_TEST(a::base64url(std::string_view("fo")) == "Zm8");
    BOOST_TEST(a::base64url(std::string_view("foo")) == "Zm9v");
    BOOST_TEST(a::base64url(std::string_view("foob")) == "Zm9vYg");
    BOOST_TEST(a::base64url(std::string_view("fooba")) == "Zm9vYmE");
    BOOST_TEST(a::base64url(std::string_view("foobar")) == "Zm9vYmFy");
    BOOST_TEST(a::base64url(std::string_view("\xfb\xff\xbf")) == "-_-_");
    BOOST_TEST(unbase64url(a::base64url(std::string_view("\x00\x01\xfe\xff", 4))) ==
               std::string("\x00\x01\xfe\xff", 4));
}

BOOST_AUTO_TEST_CASE(the_jwk_has_the_keys_public_coordinates) {
    auto key = a::DpopKey::from_pem(rust_key);
    BOOST_REQUIRE(key.ok());
    BOOST_TEST(key->jwk_x() == "Wb1VLi1EA2hJaTz4yYuxSELvY-1GAfL-8rUTCAdiFic");
    BOOST_TEST(key->jwk_y() == "fOwX-hmPrNvtUaag79EaWYgyDAq2a7AIfkSvUt0Amhg");
    auto pkcs8 = a::DpopKey::from_pem(botocore_key);
    BOOST_REQUIRE(pkcs8.ok());
    BOOST_TEST(unbase64url(pkcs8->jwk_x()).size() == 32u);
}

BOOST_AUTO_TEST_CASE(bad_keys_are_refused_without_quoting_them) {
    for (std::string_view pem :
         {std::string_view("not a key"),
          std::string_view("-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----\n")}) {
        auto key = a::DpopKey::from_pem(pem);
        BOOST_REQUIRE(!key.ok());
        BOOST_TEST(key.error().message.find("dpopKey") != std::string::npos);
        BOOST_TEST(key.error().message.find("c2VjcmV0") == std::string::npos);
    }
}

// Throwaway P-256 keys made for this test only (openssl ec -aes256 / openssl pkcs8 -topk8 -v2 aes-256-cbc,
// passphrase "throwaway"): an encrypted dpopKey is refused in one line, without OpenSSL's default passphrase
// callback asking on the terminal.
BOOST_AUTO_TEST_CASE(an_encrypted_key_is_refused_without_asking_for_a_passphrase) {
    for (std::string_view pem : {std::string_view("-----BEGIN EC PRIVATE KEY-----\n"
                                                  "Proc-Type: 4,ENCRYPTED\n"
                                                  "DEK-Info: AES-256-CBC,2D009A654757BB68171406D6D27B25AC\n\n"
                                                  "nW4vyagbw5OUF5VhC4O/Q29RKHUZ6193ebS2xBBuhyo+19Yd+fwWpIvdjhBgni2V\n"
                                                  "JFpkfC71igLhKUTNFw7A+KsQ29Nrxoh8AiPrAfuRD3NlnHVcmRTF6pITFdUGVA+L\n"
                                                  "zqe3gwcWgtH+QFy74KGzRqXBpXw4GjxjB2ZBgsTOc0E=\n"
                                                  "-----END EC PRIVATE KEY-----\n"),
                                 std::string_view("-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                                                  "MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiJpVSMKIMaYgICCAAw\n"
                                                  "DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEKcMLBioFk3J33xoNMSekVcEgZCE\n"
                                                  "Mh1b8JVYogtUi5H1PnuNw4MokgqGFrLfV6lS/arXv0MFCyaeT7Af+puygOP+5b8x\n"
                                                  "PE5u7MD9Kw64yTHzzVTHn6wOeUO/EaMmTPcjkjLDusOlmvTLTEJlXYkXU+b59o1O\n"
                                                  "fkv8bVUix2oqyOGmk/qQqzxVWi32Jg6ZSAznGIWEhNIOOF9vviqXrSRuPGXtRiM=\n"
                                                  "-----END ENCRYPTED PRIVATE KEY-----\n")}) {
        auto key = a::DpopKey::from_pem(pem);
        BOOST_REQUIRE(!key.ok());
        const std::string& message = key.error().message;
        BOOST_TEST(message ==
                   "the DPoP key (dpopKey) is encrypted with a passphrase (aws login writes it unencrypted)");
    }
}

BOOST_AUTO_TEST_CASE(a_proof_is_an_es256_jwt_with_the_jwk_and_the_claims) {
    auto key = a::DpopKey::from_pem(rust_key);
    BOOST_REQUIRE(key.ok());
    auto proof = a::dpop_proof(*key, {"POST", "https://us-east-1.signin.aws.amazon.com/v1/token", 1730123380, "id-1"});
    BOOST_REQUIRE(proof.ok());
    const auto dot1 = proof->find('.'), dot2 = proof->rfind('.');
    BOOST_REQUIRE(dot1 != std::string::npos && dot2 != dot1);
    const auto header = parse(unbase64url(proof->substr(0, dot1)));
    BOOST_TEST(std::string(header["typ"].GetString()) == "dpop+jwt");
    BOOST_TEST(std::string(header["alg"].GetString()) == "ES256");
    BOOST_TEST(std::string(header["jwk"]["kty"].GetString()) == "EC");
    BOOST_TEST(std::string(header["jwk"]["crv"].GetString()) == "P-256");
    BOOST_TEST(std::string(header["jwk"]["x"].GetString()) == key->jwk_x());
    const auto payload = parse(unbase64url(proof->substr(dot1 + 1, dot2 - dot1 - 1)));
    BOOST_TEST(std::string(payload["htm"].GetString()) == "POST");
    BOOST_TEST(std::string(payload["htu"].GetString()) == "https://us-east-1.signin.aws.amazon.com/v1/token");
    BOOST_TEST(payload["iat"].GetInt64() == 1730123380);
    BOOST_TEST(std::string(payload["jti"].GetString()) == "id-1");
    BOOST_TEST(
        proof->substr(0, dot2) ==
        a::dpop_signing_input(*key, {"POST", "https://us-east-1.signin.aws.amazon.com/v1/token", 1730123380, "id-1"}));
    BOOST_TEST(verify_es256(key->jwk_x(), key->jwk_y(), proof->substr(0, dot2), proof->substr(dot2 + 1)));
    BOOST_TEST(!verify_es256(key->jwk_x(), key->jwk_y(), proof->substr(0, dot2) + "x", proof->substr(dot2 + 1)));
}

BOOST_AUTO_TEST_CASE(proof_ids_are_version_4_uuids_and_differ) {
    std::set<std::string> seen;
    for (int i = 0; i < 50; ++i) {
        auto id = a::new_dpop_id();
        BOOST_REQUIRE(id.ok());
        BOOST_TEST(id->size() == 36u);
        BOOST_TEST((*id)[14] == '4');
        BOOST_TEST(std::string("89ab").find((*id)[19]) != std::string::npos);
        seen.insert(*id);
    }
    BOOST_TEST(seen.size() == 50u);
}

BOOST_AUTO_TEST_CASE(cache_file_names_are_the_sdks) {
    // botocore's login test cases and the Rust SDK's cache tests (which also trim the ARN).
    BOOST_TEST(a::login_cache_file_name("arn:aws:sts::012345678910:assumed-role/Admin/admin") ==
               "4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json");
    BOOST_TEST(a::login_cache_file_name("arn:aws:iam::0123456789012:user/Admin") ==
               "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json");
    BOOST_TEST(a::login_cache_file_name("  arn:aws:iam::0123456789012:user/Admin  ") ==
               "36db1d138ff460920374e4c3d8e01f53f9f73537e89c88d639f68393df0e2726.json");
}

BOOST_AUTO_TEST_CASE(signin_endpoints_per_partition) {
    BOOST_TEST(*a::signin_endpoint("us-east-1") == "https://us-east-1.signin.aws.amazon.com");
    BOOST_TEST(*a::signin_endpoint("cn-north-1") == "https://cn-north-1.signin.amazonaws.cn");
    BOOST_TEST(*a::signin_endpoint("us-gov-west-1") == "https://us-gov-west-1.signin.amazonaws-us-gov.com");
    BOOST_TEST(!a::signin_endpoint("us-east-1.evil.example/").ok());
}

namespace {

const std::string session = "arn:aws:sts::012345678910:assumed-role/Admin/admin";
const std::string cache_path =
    "/home/u/.aws/login/cache/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json";

std::string cache_json(const std::string& expires_at, const std::string& key = std::string(rust_key)) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    w.StartObject();
    w.Key("accessToken");
    w.StartObject();
    for (auto [k, v] :
         {std::pair{"accessKeyId", "ASIAOLDLOGINEXAMPLE"}, std::pair{"secretAccessKey", "old-login-secret"},
          std::pair{"sessionToken", "old-login-session"}, std::pair{"accountId", "012345678901"},
          std::pair{"expiresAt", expires_at.c_str()}}) {
        w.Key(k);
        w.String(v);
    }
    w.EndObject();
    w.Key("tokenType");
    w.String("aws_sigv4");
    w.Key("refreshToken");
    w.String("login-refresh-token-1");
    w.Key("idToken");
    w.String("id.token.kept");
    w.Key("clientId");
    w.String("arn:aws:signin:::devtools/same-device");
    w.Key("dpopKey");
    w.String(key.c_str());
    w.EndObject();
    return b.GetString();
}

struct LoginFixture {
    cat::test::FakeTransport transport;
    a::ProviderContext ctx;
    std::map<std::string, std::string> files, written;
    std::vector<std::string> debug;
    LoginFixture() {
        ctx.home = "/home/u";
        ctx.call.transport = &transport;
        ctx.call.now = [] { return std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}; };
        ctx.call.sleep = [](std::chrono::milliseconds) {};
        ctx.call.debug = [this](const std::string& line) { debug.push_back(line); };
        ctx.read_file = [this](const std::string& path) -> cat::Result<std::string> {
            auto it = files.find(path);
            if (it == files.end())
                return cat::Error::make(cat::ErrorKind::config, "cannot read " + path + ": No such file");
            return it->second;
        };
        ctx.write_file = [this](const std::string& path, std::string_view bytes) -> cat::Status {
            written[path] = std::string(bytes);
            return cat::Ok{};
        };
    }
    a::LoginSettings settings() const { return {"console", session, "us-east-1", ""}; }
    std::string all_debug() const {
        std::string s;
        for (const auto& l : debug) s += l + "\n";
        return s;
    }
};

const std::string refreshed =
    R"({"accessToken":{"accessKeyId":"ASIANEWLOGINEXAMPLE","secretAccessKey":"new-login-secret","sessionToken":"new-login-session"},"tokenType":"aws_sigv4","expiresIn":900,"refreshToken":"login-refresh-token-2"})";

}  // namespace

BOOST_FIXTURE_TEST_CASE(valid_cached_credentials_are_used_as_they_are, LoginFixture) {
    files[cache_path] = cache_json("2026-03-01T00:10:00Z");
    auto c = a::credentials_from_login(ctx, settings());
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
    BOOST_TEST(c->keys.access_key_id == "ASIAOLDLOGINEXAMPLE");
    BOOST_TEST(c->keys.secret_access_key.view() == "old-login-secret");
    BOOST_TEST((c->kind == a::CredentialSource::login));
    BOOST_TEST(transport.sent.empty());
    BOOST_TEST(written.empty());
}

BOOST_FIXTURE_TEST_CASE(credentials_within_five_minutes_are_refreshed_and_written_back, LoginFixture) {
    files[cache_path] = cache_json("2026-03-01T00:04:59Z");
    transport.replies.push_back(reply(200, refreshed));
    auto c = a::credentials_from_login(ctx, settings());
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
    BOOST_TEST(c->keys.access_key_id == "ASIANEWLOGINEXAMPLE");
    BOOST_TEST(c->keys.session_token.view() == "new-login-session");
    BOOST_TEST((c->expiration == std::chrono::sys_seconds{std::chrono::sys_days{std::chrono::year{2026} / 3 / 1}} +
                                     std::chrono::seconds{900}));
    BOOST_REQUIRE_EQUAL(transport.sent.size(), 1u);
    const auto& req = transport.sent[0];
    BOOST_TEST(req.method == "POST");
    BOOST_TEST(req.url.host == "us-east-1.signin.aws.amazon.com");
    BOOST_TEST(req.url.target == "/v1/token");
    const auto body = parse(req.body);
    BOOST_TEST(std::string(body["clientId"].GetString()) == "arn:aws:signin:::devtools/same-device");
    BOOST_TEST(std::string(body["grantType"].GetString()) == "refresh_token");
    BOOST_TEST(std::string(body["refreshToken"].GetString()) == "login-refresh-token-1");
    std::string dpop;
    for (const auto& [k, v] : req.headers)
        if (k == "DPoP") dpop = v;
    BOOST_REQUIRE(!dpop.empty());
    const auto payload = parse(unbase64url(dpop.substr(dpop.find('.') + 1, dpop.rfind('.') - dpop.find('.') - 1)));
    BOOST_TEST(std::string(payload["htu"].GetString()) == "https://us-east-1.signin.aws.amazon.com/v1/token");
    BOOST_TEST(payload["iat"].GetInt64() == 1772323200);

    BOOST_REQUIRE_EQUAL(written.count(cache_path), 1u);
    const auto file = parse(written[cache_path]);
    BOOST_TEST(std::string(file["accessToken"]["accessKeyId"].GetString()) == "ASIANEWLOGINEXAMPLE");
    BOOST_TEST(std::string(file["accessToken"]["secretAccessKey"].GetString()) == "new-login-secret");
    BOOST_TEST(std::string(file["accessToken"]["accountId"].GetString()) == "012345678901");
    BOOST_TEST(std::string(file["accessToken"]["expiresAt"].GetString()) == "2026-03-01T00:15:00Z");
    BOOST_TEST(std::string(file["refreshToken"].GetString()) == "login-refresh-token-2");
    BOOST_TEST(std::string(file["idToken"].GetString()) == "id.token.kept");
    BOOST_TEST(std::string(file["tokenType"].GetString()) == "aws_sigv4");
    BOOST_TEST(std::string(file["dpopKey"].GetString()) == std::string(rust_key));
    BOOST_TEST(file.MemberBegin()->name.GetString() == std::string("accessToken"));  // members stay in place

    for (const char* secret : {"login-refresh-token", "old-login-secret", "new-login-secret", "MHcCAQEE"})
        BOOST_TEST(all_debug().find(secret) == std::string::npos, secret);
}

// The configured retry mode decides what is retried: legacy retries a 509 (standard does not).
BOOST_FIXTURE_TEST_CASE(the_retry_mode_decides_what_is_retried, LoginFixture) {
    for (const auto mode : {a::RetryMode::legacy, a::RetryMode::standard}) {
        files[cache_path] = cache_json("2026-03-01T00:04:59Z");
        transport.sent.clear();
        transport.replies.clear();
        transport.replies.push_back(reply(509, R"({"error":"BANDWIDTH"})"));
        transport.replies.push_back(reply(200, refreshed));
        ctx.call.retry.mode = mode;
        ctx.call.retry.max_attempts = 3;
        auto c = a::credentials_from_login(ctx, settings());
        BOOST_TEST(c.ok() == (mode == a::RetryMode::legacy));
        BOOST_TEST(transport.sent.size() == (mode == a::RetryMode::legacy ? 2u : 1u));
    }
}

// The refreshed credentials serve the run when the cache cannot be written back, with a warning naming the
// file (the next run refreshes again from the old one).
BOOST_FIXTURE_TEST_CASE(a_failed_write_back_is_a_warning, LoginFixture) {
    files[cache_path] = cache_json("2026-03-01T00:04:59Z");
    transport.replies.push_back(reply(200, refreshed));
    std::vector<std::string> warnings;
    ctx.warn = [&](const std::string& line) { warnings.push_back(line); };
    ctx.write_file = [](const std::string& path, std::string_view) -> cat::Status {
        return cat::Error::make(cat::ErrorKind::config, "cannot write " + path + ": Read-only file system");
    };
    auto c = a::credentials_from_login(ctx, settings());
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
    BOOST_TEST(c->keys.access_key_id == "ASIANEWLOGINEXAMPLE");
    BOOST_REQUIRE_EQUAL(warnings.size(), 1u);
    BOOST_TEST(warnings[0].find("could not be written back to " + cache_path) != std::string::npos, warnings[0]);
    BOOST_TEST(warnings[0].find("Read-only file system") != std::string::npos, warnings[0]);
    BOOST_TEST(warnings[0].find('\n') == std::string::npos);
    for (const char* secret : {"login-refresh-token", "new-login-secret", "new-login-session", "MHcCAQEE"})
        BOOST_TEST(warnings[0].find(secret) == std::string::npos, secret);
}

BOOST_FIXTURE_TEST_CASE(a_configured_endpoint_is_used_and_named_in_htu, LoginFixture) {
    files[cache_path] = cache_json("2026-02-28T00:00:00Z");
    transport.replies.push_back(reply(200, refreshed));
    auto s = settings();
    s.endpoint_url = "https://127.0.0.1:8443/base/";
    s.region.clear();
    auto c = a::credentials_from_login(ctx, s);
    BOOST_REQUIRE_MESSAGE(c.ok(), (c.ok() ? std::string() : c.error().message));
    const std::string& dpop = transport.sent.at(0).headers.back().second;
    BOOST_TEST(transport.sent[0].url.target == "/base/v1/token");
    const auto payload = parse(unbase64url(dpop.substr(dpop.find('.') + 1, dpop.rfind('.') - dpop.find('.') - 1)));
    BOOST_TEST(std::string(payload["htu"].GetString()) == "https://127.0.0.1:8443/base/v1/token");
}

BOOST_FIXTURE_TEST_CASE(a_refused_refresh_names_the_services_error, LoginFixture) {
    files[cache_path] = cache_json("2026-02-28T00:00:00Z");
    transport.replies.push_back(reply(401, R"({"error":"TOKEN_EXPIRED","message":"The refresh token has expired"})",
                                      {{"x-amzn-ErrorType", "AccessDeniedException"}}));
    auto c = a::credentials_from_login(ctx, settings());
    BOOST_REQUIRE(!c.ok());
    const auto& e = c.error();
    BOOST_TEST((e.kind == cat::ErrorKind::credentials));
    BOOST_TEST(e.code == "AccessDeniedException");
    BOOST_TEST(e.message.find("TOKEN_EXPIRED") != std::string::npos, e.message);
    BOOST_TEST(e.message.find("aws login --profile console") != std::string::npos, e.message);
    BOOST_TEST(written.empty());
}

BOOST_FIXTURE_TEST_CASE(missing_and_malformed_caches_are_clear_errors, LoginFixture) {
    auto c = a::credentials_from_login(ctx, settings());
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().message.find("run `aws login --profile console`") != std::string::npos, c.error().message);

    struct Case {
        std::string content, field;
    };
    std::string no_refresh = cache_json("2026-03-02T00:00:00Z");
    no_refresh.replace(no_refresh.find("\"refreshToken\""), 14, "\"refreshTokenX\"");
    std::string no_account = cache_json("2026-03-02T00:00:00Z");
    no_account.replace(no_account.find("\"accountId\""), 11, "\"accountIdX\"");
    for (const Case& k : {Case{"not json", "not a JSON object"}, Case{no_refresh, "has no refreshToken"},
                          Case{no_account, "has no accountId"}, Case{cache_json("tomorrow"), "expiresAt"},
                          Case{cache_json("2026-01-01T00:00:00Z",
                                          "-----BEGIN EC PRIVATE KEY-----\nc2VjcmV0\n-----END EC PRIVATE KEY-----"),
                               "dpopKey"}}) {
        files[cache_path] = k.content;
        auto r = a::credentials_from_login(ctx, settings());
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().kind == cat::ErrorKind::credentials));
        BOOST_TEST(r.error().message.find(k.field) != std::string::npos, r.error().message);
        BOOST_TEST(r.error().message.find("aws login --profile console") != std::string::npos, r.error().message);
        BOOST_TEST(r.error().message.find("c2VjcmV0") == std::string::npos);
        BOOST_TEST(r.error().message.find("old-login-secret") == std::string::npos);
    }
    BOOST_TEST(transport.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(the_cache_directory_can_be_moved, LoginFixture) {
    ctx.env.set("AWS_LOGIN_CACHE_DIRECTORY", "~/elsewhere");
    files["/home/u/elsewhere/4b0ba8f99f075c0633e122fd73346ce203a3faf18ea0310eb2d29df1bab2e255.json"] =
        cache_json("2026-03-02T00:00:00Z");
    BOOST_TEST(a::credentials_from_login(ctx, settings()).ok());
}
