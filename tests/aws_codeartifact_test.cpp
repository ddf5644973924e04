// The CodeArtifact client over a fake transport: request shape, validation, responses, errors, retries.
// (The same paths over real sockets are in plugin_loopback_test.)
#define BOOST_TEST_MODULE aws_codeartifact_test
#include <boost/test/unit_test.hpp>

#include <deque>

#include "aws/codeartifact.hpp"

#include "fake_transport.hpp"

using namespace cat;
using namespace std::chrono;

namespace {

using test::FakeTransport;
using test::reply;

http::Response aws_error(int status, const std::string& code, const std::string& message) {
    return reply(status, R"({"__type":")" + code + R"(","message":")" + message + R"("})",
                 {{"x-amzn-RequestId", "req-123"}, {"x-amzn-ErrorType", code + ":http://internal.amazon.com/"}});
}

struct Fixture {
    FakeTransport transport;
    std::vector<milliseconds> sleeps;
    aws::ClientConfig config() {
        aws::ClientConfig c;
        c.call.transport = &transport;
        c.endpoint = http::Url{"https", "codeartifact.us-west-2.amazonaws.com", 443, "/"};
        c.region = "us-west-2";
        c.credentials = {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "session"};
        c.call.now = [] { return system_clock::time_point{sys_days{2026y / November / 28}}; };
        c.call.sleep = [this](milliseconds d) { sleeps.push_back(d); };
        c.call.uniform01 = [] { return 0.5; };
        return c;
    }
    aws::TokenRequest request{"my-domain", "111122223333", 900};
};

const std::string ok_body = R"({"authorizationToken":"TOKEN","expiration":1795902251.123})";

}  // namespace

BOOST_FIXTURE_TEST_CASE(token_request_shape, Fixture) {
    transport.replies.push_back(reply(200, ok_body));
    aws::Client client(config());
    auto token = client.get_authorization_token(request);
    BOOST_REQUIRE(token.ok());
    BOOST_TEST(token->authorization_token.reveal() == "TOKEN");
    BOOST_TEST(token->expiration.time_since_epoch().count() == 1795902251);
    BOOST_REQUIRE_EQUAL(transport.sent.size(), 1u);
    const auto& r = transport.sent[0];
    BOOST_TEST(r.method == "POST");
    BOOST_TEST(r.url.target == "/v1/authorization-token?domain=my-domain&domain-owner=111122223333&duration=900");
    bool authz = false, token_header = false, ua = false;
    for (const auto& [k, v] : r.headers) {
        authz |= k == "authorization" && v.starts_with(
                                             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-west-2/"
                                             "codeartifact/aws4_request, SignedHeaders=host;x-amz-date;"
                                             "x-amz-security-token, Signature=");
        token_header |= k == "x-amz-security-token" && v == "session";
        ua |= k == "User-Agent";
    }
    BOOST_TEST(authz);
    BOOST_TEST(token_header);
    BOOST_TEST(ua);
}

BOOST_FIXTURE_TEST_CASE(optional_fields_are_left_out, Fixture) {
    transport.replies.push_back(reply(200, R"({"authorizationToken":"T","expiration":1795902251})"));
    aws::Client client(config());
    BOOST_REQUIRE(client.get_authorization_token({"my-domain", "", std::nullopt}).ok());
    BOOST_TEST(transport.sent[0].url.target == "/v1/authorization-token?domain=my-domain");
}

BOOST_FIXTURE_TEST_CASE(endpoint_base_path_is_kept, Fixture) {
    transport.replies.push_back(reply(200, ok_body));
    auto c = config();
    c.endpoint = http::Url{"https", "127.0.0.1", 8443, "/prefix/"};
    aws::Client client(c);
    BOOST_REQUIRE(client.get_authorization_token(request).ok());
    BOOST_TEST(transport.sent[0].url.target.starts_with("/prefix/v1/authorization-token?"));
}

BOOST_FIXTURE_TEST_CASE(repository_endpoint, Fixture) {
    transport.replies.push_back(reply(200, R"({"repositoryEndpoint":"https://x/npm/repo/"})"));
    aws::Client client(config());
    auto url = client.get_repository_endpoint({"my-domain", "", "repo", "npm", "ipv4"});
    BOOST_REQUIRE(url.ok());
    BOOST_TEST(*url == "https://x/npm/repo/");
    BOOST_TEST(transport.sent[0].method == "GET");
    BOOST_TEST(transport.sent[0].url.target ==
               "/v1/repository/endpoint?domain=my-domain&endpointType=ipv4&format=npm&repository=repo");
}

BOOST_AUTO_TEST_CASE(validation_names_the_field) {
    auto msg = [](aws::TokenRequest r) { return aws::validate(r).error().message; };
    BOOST_TEST(msg({"", "", std::nullopt}) == "domain is required");
    BOOST_TEST(msg({"A-domain", "", std::nullopt}).starts_with("domain \"A-domain\" is invalid"));
    BOOST_TEST(msg({"d", "", std::nullopt}).starts_with("domain \"d\" is invalid"));
    BOOST_TEST(msg({"dom-", "", std::nullopt}).starts_with("domain \"dom-\" is invalid"));
    BOOST_TEST(msg({std::string(51, 'a'), "", std::nullopt}).starts_with("domain \""));
    BOOST_TEST(aws::validate(aws::TokenRequest{std::string(50, 'a'), "", std::nullopt}).ok());
    BOOST_TEST(msg({"dom", "12345", std::nullopt}).starts_with("domain_owner \"12345\" is invalid"));
    BOOST_TEST(msg({"dom", "", 899}) == "duration_seconds 899 is invalid: it must be 0 or 900 to 43200");
    BOOST_TEST(msg({"dom", "", 43201}) == "duration_seconds 43201 is invalid: it must be 0 or 900 to 43200");
    BOOST_TEST(aws::validate(aws::TokenRequest{"dom", "", 0}).ok());
    BOOST_TEST(aws::validate(aws::TokenRequest{"dom", "", 43200}).ok());
    auto emsg = [](aws::EndpointRequest r) { return aws::validate(r).error().message; };
    BOOST_TEST(emsg({"dom", "", "r", "npm", ""}).starts_with("repository \"r\" is invalid"));
    BOOST_TEST(emsg({"dom", "", "_repo", "npm", ""}).starts_with("repository \"_repo\" is invalid"));
    BOOST_TEST(emsg({"dom", "", "repo", "rpm", ""}).starts_with("format \"rpm\" is invalid"));
    BOOST_TEST(emsg({"dom", "", "repo", "npm", "ipv6"}).starts_with("endpoint_type \"ipv6\" is invalid"));
    BOOST_TEST(aws::validate(aws::EndpointRequest{"dom", "", "My.repo_1-x", "cargo", "dualstack"}).ok());
}

BOOST_FIXTURE_TEST_CASE(validation_happens_before_the_network, Fixture) {
    aws::Client client(config());
    auto r = client.get_authorization_token({"BAD", "", std::nullopt});
    BOOST_TEST(!r.ok());
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_CASE(error_parsing) {
    auto e = aws::parse_error(aws_error(403, "AccessDeniedException", "no"), "GetAuthorizationToken");
    BOOST_TEST(e.code == "AccessDeniedException");
    BOOST_TEST(e.request_id == "req-123");
    BOOST_TEST(e.message == "GetAuthorizationToken failed: AccessDeniedException: no");
    BOOST_TEST(describe(e) == "GetAuthorizationToken failed: AccessDeniedException: no (request id req-123, HTTP 403)");
    BOOST_TEST(exit_code(e.kind) == 4);
    // Code from the body when there is no header, after '#'.
    e = aws::parse_error(reply(400, R"({"__type":"com.amazon#ValidationException","Message":"bad"})"), "Op");
    BOOST_TEST(e.code == "ValidationException");
    BOOST_TEST(e.message == "Op failed: ValidationException: bad");
    e = aws::parse_error(reply(400, R"({"code":"Foo"})"), "Op");
    BOOST_TEST(e.code == "Foo");
    // Not JSON at all: the status.
    e = aws::parse_error(reply(502, "<html>Bad Gateway</html>"), "Op");
    BOOST_TEST(e.code == "HTTP 502");
    BOOST_TEST(e.message.find("not an AWS error") != std::string::npos);
    BOOST_TEST(e.retryable);
}

BOOST_FIXTURE_TEST_CASE(throttling_is_retried_with_backoff, Fixture) {
    transport.replies.push_back(aws_error(429, "ThrottlingException", "slow down"));
    transport.replies.push_back(aws_error(400, "ThrottlingException", "slow down"));
    transport.replies.push_back(reply(200, ok_body));
    aws::Client client(config());
    BOOST_REQUIRE(client.get_authorization_token(request).ok());
    BOOST_TEST(client.attempts() == 3);
    // random 0.5 * min(2^(n-1) s, 20 s)
    BOOST_TEST(sleeps == (std::vector<milliseconds>{500ms, 1000ms}));
}

BOOST_FIXTURE_TEST_CASE(retry_after_is_honoured, Fixture) {
    auto throttled = aws_error(429, "TooManyRequestsException", "x");
    throttled.headers.emplace_back("Retry-After", "3");
    transport.replies.push_back(throttled);
    transport.replies.push_back(reply(200, ok_body));
    aws::Client client(config());
    BOOST_REQUIRE(client.get_authorization_token(request).ok());
    BOOST_TEST(sleeps == (std::vector<milliseconds>{3000ms}));
}

BOOST_FIXTURE_TEST_CASE(server_errors_give_up_after_max_attempts, Fixture) {
    for (int i = 0; i < 5; ++i) transport.replies.push_back(aws_error(503, "ServiceUnavailableException", "down"));
    auto c = config();
    c.call.retry.max_attempts = 4;
    aws::Client client(c);
    auto r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(client.attempts() == 4);
    BOOST_TEST(r.error().message.find("after 4 attempts") != std::string::npos);
    BOOST_TEST(r.error().code == "ServiceUnavailableException");
}

BOOST_FIXTURE_TEST_CASE(auth_errors_are_not_retried, Fixture) {
    transport.replies.push_back(aws_error(403, "InvalidSignatureException", "sig"));
    aws::Client client(config());
    auto r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(client.attempts() == 1);
    BOOST_TEST(r.error().request_id == "req-123");
}

BOOST_FIXTURE_TEST_CASE(network_errors_are_retried_but_certificates_are_not, Fixture) {
    Error reset = Error::make(ErrorKind::network, "read failed: connection reset by peer");
    reset.stage = Stage::read;
    reset.retryable = true;
    transport.replies.push_back(reset);
    transport.replies.push_back(reply(200, ok_body));
    aws::Client client(config());
    BOOST_REQUIRE(client.get_authorization_token(request).ok());
    BOOST_TEST(client.attempts() == 2);

    Error cert = Error::make(ErrorKind::network, "handshake failed: certificate verify failed");
    cert.stage = Stage::handshake;
    transport.replies.push_back(cert);
    auto r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(client.attempts() == 1);
    BOOST_TEST(r.error().message == "GetAuthorizationToken: handshake failed: certificate verify failed");
}

BOOST_FIXTURE_TEST_CASE(unreadable_responses, Fixture) {
    transport.replies.push_back(reply(200, "this is not json"));
    transport.replies.push_back(reply(200, R"({"authorizationToken":"T"})"));
    transport.replies.push_back(reply(200, R"({"authorizationToken":"T","expiration":"soon"})"));
    aws::Client client(config());
    for (int i = 0; i < 3; ++i) {
        auto r = client.get_authorization_token(request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().message.find("unreadable response") != std::string::npos);
        BOOST_TEST(exit_code(r.error().kind) == 5);
    }
}

BOOST_FIXTURE_TEST_CASE(deep_json_is_unreadable_not_a_crash, Fixture) {
    // 200,000 levels: RapidJSON's recursive parser would overflow the stack (issue 12, item 2).
    const std::string deep(200000, '[');
    transport.replies.push_back(reply(200, deep));
    transport.replies.push_back(reply(400, deep));
    aws::Client client(config());
    auto r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.find("unreadable response") != std::string::npos);
    BOOST_TEST(exit_code(r.error().kind) == 5);
    r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(exit_code(r.error().kind) == 4);
    BOOST_TEST(r.error().http_status == 400);
}

BOOST_FIXTURE_TEST_CASE(tokens_with_control_characters_are_unreadable, Fixture) {
    // Checked once where the response is read, so no output mode prints them (issue 12, item 10).
    for (const char* body : {R"({"authorizationToken":"abc\n::warning::INJECTED","expiration":1795902251})",
                             R"({"authorizationToken":"a\u0000b","expiration":1795902251})",
                             R"({"authorizationToken":"a b","expiration":1795902251})",
                             R"({"authorizationToken":"a'b","expiration":1795902251})",
                             R"({"authorizationToken":"a\u001b[31m","expiration":1795902251})"}) {
        transport.replies.push_back(reply(200, body));
        aws::Client client(config());
        auto r = client.get_authorization_token(request);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().message.find("unreadable response") != std::string::npos);
        BOOST_TEST(r.error().message.find("INJECTED") == std::string::npos);
        BOOST_TEST(exit_code(r.error().kind) == 5);
    }
    // What real tokens are made of: base64url segments joined by dots, and base64 with + / =.
    const std::string real = "eyJ2ZXIiOjEsImlzdSI6MTc.AYADeFhJ-_abc~.Zm9v+YmFy/YmF6==";
    transport.replies.push_back(reply(200, R"({"authorizationToken":")" + real + R"(","expiration":1795902251})"));
    aws::Client client(config());
    auto t = client.get_authorization_token(request);
    BOOST_REQUIRE(t.ok());
    BOOST_TEST(t->authorization_token.reveal() == real);
}

BOOST_AUTO_TEST_CASE(backoff_bounds) {
    const aws::RetryPolicy p;
    auto one = [] { return 0.999999; };
    BOOST_TEST(aws::backoff(p, 1, 0ms, one).count() <= 1000);
    BOOST_TEST(aws::backoff(p, 5, 0ms, one).count() <= 16000);
    BOOST_TEST(aws::backoff(p, 10, 0ms, one).count() <= 20000);
    BOOST_TEST(aws::backoff(p, 10, 0ms, one).count() >= 19999);
    BOOST_TEST(aws::backoff(p, 1, 60000ms, one).count() == 20000);  // Retry-After capped
}

BOOST_FIXTURE_TEST_CASE(caller_secrets_in_aws_messages_are_redacted, Fixture) {
    // A signature mismatch quotes the canonical request, session token included.
    transport.replies.push_back(aws_error(403, "InvalidSignatureException",
                                          "The Canonical String should have been x-amz-security-token:session host"));
    aws::Client client(config());
    auto r = client.get_authorization_token(request);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.find("x-amz-security-token:<redacted> host") != std::string::npos);
    BOOST_TEST(r.error().message.find(":session") == std::string::npos);
}
