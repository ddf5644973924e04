// Unit tests of the signer's pieces beyond what the AWS suites cover.
#define BOOST_TEST_MODULE sigv4_test
#include <boost/test/unit_test.hpp>

#include "sigv4/sigv4.hpp"

namespace sv = cat::sigv4;
using namespace std::chrono;

namespace {
const sv::Credentials creds("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");

std::string header(const sv::Request& r, std::string_view name) {
    for (const auto& h : r.headers)
        if (h.name == name) return h.value;
    return "<absent>";
}

sv::Request codeartifact_request() {
    sv::Request r;
    r.method = "POST";
    r.host = "codeartifact.us-west-2.amazonaws.com";
    r.path = "/v1/authorization-token";
    r.query = {{"domain", "my-domain"}, {"domain-owner", "111122223333"}, {"duration", "900"}};
    r.headers.push_back({"User-Agent", "codeartifact-token/0.1"});
    return r;
}
}  // namespace

BOOST_AUTO_TEST_CASE(amz_date_formats) {
    BOOST_TEST(sv::amz_date(sys_days{2015y / August / 30} + 12h + 36min) == "20150830T123600Z");
    BOOST_TEST(sv::amz_date(sys_days{2026y / January / 1} + 1h + 2min + 3s) == "20260101T010203Z");
    BOOST_TEST(sv::amz_day(sys_days{1999y / December / 31} + 23h + 59min + 59s) == "19991231");
}

BOOST_AUTO_TEST_CASE(uri_encode_keeps_only_unreserved) {
    BOOST_TEST(sv::uri_encode("a-b_c.d~e", false) == "a-b_c.d~e");
    BOOST_TEST(sv::uri_encode("a b+c/d=e&f*", false) == "a%20b%2Bc%2Fd%3De%26f%2A");
    BOOST_TEST(sv::uri_encode("/a b/c", true) == "/a%20b/c");
    BOOST_TEST(sv::uri_encode("\xe1\x88\xb4", false) == "%E1%88%B4");
}

BOOST_AUTO_TEST_CASE(normalize_path_cases) {
    BOOST_TEST(sv::normalize_path("") == "/");
    BOOST_TEST(sv::normalize_path("/") == "/");
    BOOST_TEST(sv::normalize_path("//a//b//") == "/a/b/");
    BOOST_TEST(sv::normalize_path("/a/./b/../c") == "/a/c");
    BOOST_TEST(sv::normalize_path("/../../x") == "/x");
    BOOST_TEST(sv::normalize_path("/a/b/..") == "/a/");
}

BOOST_AUTO_TEST_CASE(canonical_query_sorts_by_encoded_name_then_value) {
    BOOST_TEST(sv::canonical_query({{"b", "2"}, {"a", "z"}, {"a", "y"}, {"A", "1"}}) == "A=1&a=y&a=z&b=2");
    BOOST_TEST(sv::canonical_query({{"k", ""}, {"sp ace", "a+b"}}) == "k=&sp%20ace=a%2Bb");
    BOOST_TEST(sv::canonical_query({}) == "");
}

BOOST_AUTO_TEST_CASE(user_agent_is_never_signed) {
    const sv::Context ctx{"us-west-2", "codeartifact", sys_days{2026y / November / 28}, &creds, {}};
    const auto signed_req = sv::sign(codeartifact_request(), ctx);
    const std::string authz = header(signed_req, "authorization");
    BOOST_TEST(authz.find("SignedHeaders=host;x-amz-date,") != std::string::npos);
    BOOST_TEST(header(signed_req, "User-Agent") == "codeartifact-token/0.1");
    BOOST_TEST(header(signed_req, "host") == "codeartifact.us-west-2.amazonaws.com");
    BOOST_TEST(header(signed_req, "x-amz-date") == "20261128T000000Z");
    BOOST_TEST(header(signed_req, "x-amz-security-token") == "<absent>");
}

BOOST_AUTO_TEST_CASE(session_token_is_added_and_signed) {
    const sv::Credentials temp("ASIAEXAMPLE", "secret", "token/with+chars==");
    const sv::Context ctx{"us-west-2", "codeartifact", sys_days{2026y / November / 28}, &temp, {}};
    const auto signed_req = sv::sign(codeartifact_request(), ctx);
    BOOST_TEST(header(signed_req, "x-amz-security-token") == "token/with+chars==");
    BOOST_TEST(header(signed_req, "authorization").find("SignedHeaders=host;x-amz-date;x-amz-security-token,") !=
               std::string::npos);
}

BOOST_AUTO_TEST_CASE(existing_signer_headers_are_replaced) {
    auto req = codeartifact_request();
    req.headers.push_back({"X-Amz-Date", "19700101T000000Z"});
    req.headers.push_back({"Host", "wrong.example"});
    const sv::Context ctx{"us-west-2", "codeartifact", sys_days{2026y / November / 28}, &creds, {}};
    const auto signed_req = sv::sign(req, ctx);
    int dates = 0, hosts = 0;
    for (const auto& h : signed_req.headers) {
        dates += h.name == "x-amz-date" || h.name == "X-Amz-Date";
        hosts += h.name == "host" || h.name == "Host";
    }
    BOOST_TEST(dates == 1);
    BOOST_TEST(hosts == 1);
    BOOST_TEST(header(signed_req, "host") == "codeartifact.us-west-2.amazonaws.com");
}

BOOST_AUTO_TEST_CASE(key_cache_gives_the_same_signature) {
    sv::KeyCache cache;
    const sv::Context ctx{"us-west-2", "codeartifact", sys_days{2026y / November / 28} + 5h, &creds, {}};
    const auto plain = sv::sign(codeartifact_request(), ctx);
    const auto first = sv::sign(codeartifact_request(), ctx, &cache);
    const auto second = sv::sign(codeartifact_request(), ctx, &cache);
    BOOST_TEST(header(plain, "authorization") == header(first, "authorization"));
    BOOST_TEST(header(first, "authorization") == header(second, "authorization"));
    // Another secret under the same key id must not reuse the cached key.
    const sv::Credentials rotated("AKIDEXAMPLE", "another-secret");
    const sv::Context ctx2{"us-west-2", "codeartifact", ctx.time, &rotated, {}};
    BOOST_TEST(header(sv::sign(codeartifact_request(), ctx2, &cache), "authorization") !=
               header(first, "authorization"));
    // Another day derives another key.
    const sv::Context ctx3{"us-west-2", "codeartifact", ctx.time + days{1}, &creds, {}};
    BOOST_TEST(header(sv::sign(codeartifact_request(), ctx3, &cache), "authorization") ==
               header(sv::sign(codeartifact_request(), ctx3), "authorization"));
}

BOOST_AUTO_TEST_CASE(signing_key_matches_aws_documentation_example) {
    // From the AWS General Reference "Examples of how to derive a signing key for Signature Version 4":
    // secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20120215, us-east-1, iam.
    const auto key = sv::signing_key("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "20120215", "us-east-1", "iam");
    static constexpr char hex[] = "0123456789abcdef";
    std::string got;
    for (auto b : key.bytes()) {
        got += hex[b >> 4];
        got += hex[b & 15];
    }
    BOOST_TEST(got == "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d");
}
