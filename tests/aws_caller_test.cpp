// aws::send_with_retries as every AWS call uses it: one data-driven case over the callers (CodeArtifact,
// STS AssumeRole and AssumeRoleWithWebIdentity, the SSO portal, GitHub's OIDC endpoint, the container
// endpoint, IMDS), with the retry policy the program builds from --max-attempts or AWS_MAX_ATTEMPTS.
#define BOOST_TEST_MODULE aws_caller_test
#include <algorithm>
#include <boost/test/data/monomorphic.hpp>
#include <boost/test/data/test_case.hpp>
#include <boost/test/unit_test.hpp>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "aws/caller.hpp"
#include "aws/codeartifact.hpp"
#include "aws/credentials/container.hpp"
#include "aws/credentials/sso.hpp"
#include "aws/credentials/web_identity.hpp"
#include "aws/sts.hpp"
#include "fake_transport.hpp"
#include "plugin/plan.hpp"

namespace aws = cat::aws;
namespace http = cat::http;
namespace bdata = boost::unit_test::data;
using namespace std::chrono;
using namespace std::chrono_literals;
using cat::Env;
using cat::Error;
using cat::test::FakeTransport;
using cat::test::reply;

namespace {

constexpr auto test_time = sys_days{2026y / March / 1};

// What a caller did: its error (every reply is a failure), as text.
using Run = std::function<std::string(aws::ProviderContext& ctx, const aws::StsConfig& sts)>;

struct Caller {
    const char* name;
    Run run;
    // The attempts it makes with the program's policy of `max_attempts`: the policy's own, or an SDK budget.
    std::function<int(int max_attempts)> attempts;
    milliseconds pause_without_retry_after;  // with uniform01 = 0: 0, or the SDK's fixed pause
};

std::ostream& operator<<(std::ostream& os, const Caller& c) {
    return os << c.name;
}

template <class R>
std::string failure(const R& r) {
    if (r.ok()) return "unexpected success";
    return cat::describe(r.error());
}

http::Url url(const std::string& host) {
    return http::Url{"https", host, 443, "/"};
}

aws::AssumeRoleParams role() {
    return {"arn:aws:iam::111122223333:role/ci", "session", "", {}};
}

const std::vector<Caller> callers = {
    {"GetAuthorizationToken",
     [](aws::ProviderContext&, const aws::StsConfig& sts) {
         aws::Client client(aws::ClientConfig{sts.call,
                                              url("codeartifact.us-west-2.amazonaws.com"),
                                              "us-west-2",
                                              {"AKIDEXAMPLE", "secret-key-example", ""}});
         return failure(client.get_authorization_token({"my-domain", "111122223333", 900}));
     },
     [](int n) { return n; }, 0ms},
    {"STS AssumeRole",
     [](aws::ProviderContext&, const aws::StsConfig& sts) {
         aws::AwsCredentials source;
         source.keys = {"AKIDEXAMPLE", "secret-key-example", ""};
         return failure(aws::assume_role(sts, source, role()));
     },
     [](int n) { return n; }, 0ms},
    {"STS AssumeRoleWithWebIdentity",
     [](aws::ProviderContext&, const aws::StsConfig& sts) {
         return failure(aws::assume_role_with_web_identity(sts, "web-identity-token", role()));
     },
     [](int n) { return n; }, 0ms},
    {"SSO GetRoleCredentials",
     [](aws::ProviderContext& ctx, const aws::StsConfig&) {
         ctx.read_file = [](const std::string&) -> cat::Result<std::string> {
             return std::string(R"({"accessToken":"sso-access-token","expiresAt":"2026-03-02T00:00:00Z"})");
         };
         aws::SsoSettings sso{"dev", "", "https://example.awsapps.com/start", "us-east-1", "111122223333", "Dev",
                              "",    ""};
         return failure(aws::credentials_from_sso(ctx, sso));
     },
     [](int n) { return n; }, 0ms},
    {"GitHub OIDC",
     [](aws::ProviderContext& ctx, const aws::StsConfig& sts) {
         ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/idtoken?api-version=2.0");
         ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "request-token");
         return failure(aws::GitHubOidcProvider(ctx, sts, role()).resolve());
     },
     [](int n) { return n; }, 0ms},
    // botocore's container provider: 3 attempts 1 s apart, whatever --max-attempts says.
    {"container endpoint",
     [](aws::ProviderContext& ctx, const aws::StsConfig&) {
         ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/credentials");
         return failure(aws::ContainerProvider(ctx).resolve());
     },
     [](int) { return 3; }, 1000ms},
    // IMDS: metadata_service_num_attempts (here 4), without a pause (IMDSv1 off: no fallback after the token).
    {"IMDS",
     [](aws::ProviderContext& ctx, const aws::StsConfig&) {
         ctx.env.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "4");
         ctx.env.set("AWS_EC2_METADATA_V1_DISABLED", "true");
         return failure(aws::ImdsProvider(ctx).resolve());
     },
     [](int) { return 4; }, 0ms},
};

// How the user asks for the attempts.
struct Setting {
    const char* name;
    std::vector<std::string_view> args;
    Env env;
};

std::ostream& operator<<(std::ostream& os, const Setting& s) {
    return os << s.name;
}

const std::vector<Setting> settings = {
    {"--max-attempts 2", {"--domain", "my-domain", "--max-attempts", "2"}, Env{}},
    {"AWS_MAX_ATTEMPTS=5", {"--domain", "my-domain"}, Env{{{"AWS_MAX_ATTEMPTS", "5"}}}},
};

}  // namespace

BOOST_DATA_TEST_CASE(max_attempts_bounds_every_call_and_retry_after_raises_the_delay,
                     bdata::make(callers) * bdata::make(settings) * bdata::make({false, true}), caller, setting,
                     with_retry_after) {
    // The policy the program builds.
    Env env = setting.env;
    env.set("HOME", "/nonexistent-home-for-test");
    env.set("AWS_REGION", "us-west-2");
    auto params = cat::protocol::parse_cli(setting.args);
    BOOST_REQUIRE(params.ok());
    auto plan = cat::plugin::make_plan(*params, env, cat::protocol::OutputMode::json);
    BOOST_REQUIRE_MESSAGE(plan.ok(), failure(plan));
    const int max_attempts = plan->retry.max_attempts;

    FakeTransport transport;
    std::vector<milliseconds> sleeps;
    aws::CallOptions call;
    call.transport = &transport;
    call.retry = plan->retry;
    call.attempt_timeout = plan->attempt_timeout;
    call.now = [] { return system_clock::time_point{test_time}; };
    call.sleep = [&](milliseconds d) { sleeps.push_back(d); };
    call.uniform01 = [] { return 0.0; };  // no jitter: the pause is what the policy and Retry-After make it
    aws::ProviderContext ctx;
    ctx.call = call;
    ctx.home = "/home/tester";
    const aws::StsConfig sts{call, url("sts.us-west-2.amazonaws.com"), "us-west-2"};

    // Throttled on every attempt.
    std::vector<std::pair<std::string, std::string>> headers;
    if (with_retry_after) headers.emplace_back("Retry-After", "7");
    for (int i = 0; i < 30; ++i) transport.replies.push_back(reply(429, "{}", headers));

    const std::string error = caller.run(ctx, sts);
    const int expected = caller.attempts(max_attempts);
    BOOST_TEST(transport.sent.size() == static_cast<std::size_t>(expected), error);
    BOOST_TEST(error.find("(after " + std::to_string(expected) + " attempts)") != std::string::npos, error);
    BOOST_REQUIRE_EQUAL(sleeps.size(), static_cast<std::size_t>(expected - 1));
    for (const auto d : sleeps) BOOST_TEST((d == (with_retry_after ? 7000ms : caller.pause_without_retry_after)));
}

BOOST_AUTO_TEST_CASE(retry_after_is_capped_by_max_backoff_and_read_only_from_throttling_answers) {
    FakeTransport transport;
    std::vector<milliseconds> sleeps;
    aws::CallOptions call;
    call.transport = &transport;
    call.retry.max_attempts = 2;
    call.sleep = [&](milliseconds d) { sleeps.push_back(d); };
    call.uniform01 = [] { return 0.0; };
    const auto build = [](int) {
        http::Request r;
        r.method = "GET";
        r.url = url("example.com");
        return r;
    };
    const auto classify = [](const http::Response& r) -> std::optional<Error> {
        Error e = Error::make(cat::ErrorKind::api, "HTTP " + std::to_string(r.status));
        e.http_status = r.status;
        e.retryable = true;
        return e;
    };
    transport.replies.push_back(reply(429, "", {{"Retry-After", "3600"}}));
    transport.replies.push_back(reply(429, ""));
    transport.replies.push_back(reply(500, "", {{"Retry-After", "5"}}));
    transport.replies.push_back(reply(500, ""));
    auto first = aws::send_with_retries(call, {"op", {}, {}}, build, classify);
    auto second = aws::send_with_retries(call, {"op", {}, {}}, build, classify);
    BOOST_TEST(!first.ok());
    BOOST_TEST(!second.ok());
    BOOST_REQUIRE_EQUAL(sleeps.size(), 2u);
    BOOST_TEST((sleeps[0] == call.retry.max_backoff));
    BOOST_TEST((sleeps[1] == 0ms));  // a 500 is not a throttling answer
}

BOOST_AUTO_TEST_CASE(the_callers_secrets_are_redacted_and_requests_wiped) {
    FakeTransport transport;
    std::vector<std::string> lines;
    aws::CallOptions call;
    call.transport = &transport;
    call.retry.max_attempts = 1;
    call.debug = [&](const std::string& line) { lines.push_back(line); };
    const std::string secret = "very-secret-token";
    const auto build = [&](int) {
        http::Request r;
        r.method = "POST";
        r.url = url("example.com");
        r.url.target = "/path?query=not-shown";
        r.headers.emplace_back("Authorization", "Bearer " + secret);
        r.body = secret;
        return r;
    };
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        Error e = Error::make(cat::ErrorKind::api, "refused " + r.body);
        e.code = secret;
        return e;
    };
    transport.replies.push_back(reply(403, secret));
    const std::array<std::string_view, 1> secrets = {secret};
    auto r = aws::send_with_retries(call, {"op", {}, secrets}, build, classify);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message == "refused <redacted>");
    BOOST_TEST(r.error().code == "<redacted>");
    for (const auto& line : lines) BOOST_TEST(line.find(secret) == std::string::npos, line);
    BOOST_TEST(lines.front() == "op: attempt 1 POST https://example.com/path");
}

// A request that cannot be built (login's DPoP proof) ends the call before that attempt is sent, also after
// a retryable failure.
BOOST_AUTO_TEST_CASE(a_request_that_cannot_be_built_is_not_sent) {
    FakeTransport transport;
    aws::CallOptions call;
    call.transport = &transport;
    call.retry.max_attempts = 3;
    call.sleep = [](milliseconds) {};
    const auto build = [](int attempt) -> cat::Result<http::Request> {
        if (attempt == 2) return Error::make(cat::ErrorKind::internal, "no proof");
        http::Request r;
        r.method = "POST";
        r.url = url("example.com");
        return r;
    };
    const auto classify = [](const http::Response& r) -> std::optional<Error> {
        Error e = Error::make(cat::ErrorKind::api, "HTTP " + std::to_string(r.status));
        e.retryable = true;
        return e;
    };
    for (int i = 0; i < 3; ++i) transport.replies.push_back(reply(500, ""));
    auto r = aws::send_with_retries(call, {"op", {}, {}}, build, classify);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message == "no proof");
    BOOST_TEST(transport.sent.size() == 1u);
}

// AWS_RETRY_MODE=legacy: botocore's _retry.json decides what is retried, for the SDK callers (CodeArtifact
// here; STS and SSO classify the same way).
BOOST_AUTO_TEST_CASE(legacy_mode_retries_botocores_list_only) {
    struct Case {
        int status;
        const char* code;
        bool standard, legacy;
    };
    const Case cases[] = {
        {400, "ThrottlingException", true, true},         {400, "Throttling", true, true},
        {503, "ServiceUnavailableException", true, true}, {500, "InternalServerException", true, true},
        {429, "TooManyRequestsException", true, true},    {400, "RequestTimeout", true, false},
        {400, "LimitExceededException", true, false},     {400, "TooManyRequestsException", true, false},
        {509, "BandwidthLimitExceeded", true, true},      {509, "Other", false, true},
        {403, "AccessDeniedException", false, false},     {400, "ValidationException", false, false},
    };
    for (const auto& c : cases) {
        for (const auto mode : {aws::RetryMode::standard, aws::RetryMode::legacy}) {
            FakeTransport transport;
            aws::CallOptions call;
            call.transport = &transport;
            call.retry.max_attempts = 2;
            call.retry.mode = mode;
            call.sleep = [](milliseconds) {};
            for (int i = 0; i < 2; ++i)
                transport.replies.push_back(
                    reply(c.status, std::string(R"({"__type":")") + c.code + R"(","message":"m"})"));
            aws::Client client(aws::ClientConfig{call,
                                                 url("codeartifact.us-west-2.amazonaws.com"),
                                                 "us-west-2",
                                                 {"AKIDEXAMPLE", "secret-key-example", ""}});
            BOOST_TEST(!client.get_authorization_token({"my-domain", "111122223333", 900}).ok());
            const bool retried = transport.sent.size() == 2;
            BOOST_TEST(retried == (mode == aws::RetryMode::legacy ? c.legacy : c.standard),
                       c.status << " " << c.code << (mode == aws::RetryMode::legacy ? " legacy" : " standard"));
        }
    }
}

BOOST_AUTO_TEST_CASE(legacy_backoff_doubles_without_a_cap_and_ignores_retry_after) {
    aws::RetryPolicy legacy;
    legacy.mode = aws::RetryMode::legacy;
    legacy.max_backoff = 1500ms;  // the standard mode's cap; legacy has none
    const auto half = [] { return 0.5; };
    BOOST_TEST((aws::backoff(legacy, 1, 0ms, half) == 500ms));
    BOOST_TEST((aws::backoff(legacy, 2, 0ms, half) == 1000ms));
    BOOST_TEST((aws::backoff(legacy, 4, 0ms, half) == 4000ms));
    BOOST_TEST((aws::backoff(legacy, 1, 7000ms, half) == 500ms));
    aws::RetryPolicy standard;
    standard.max_backoff = 1500ms;
    BOOST_TEST((aws::backoff(standard, 4, 0ms, half) == 750ms));
    BOOST_TEST((aws::backoff(standard, 1, 7000ms, half) == 1500ms));
}

// AWS_RETRY_MODE=adaptive: botocore's client-side rate limiter. Off until a throttling answer; then each
// attempt takes a token from a bucket that, for one call (a measured send rate near 0), fills at
// botocore's floor of 0.5 tokens/s and holds 1: a 2 s wait before each later attempt.
BOOST_AUTO_TEST_CASE(adaptive_mode_waits_for_the_rate_limiter_after_throttling) {
    for (const bool throttling : {true, false}) {
        FakeTransport transport;
        std::vector<milliseconds> sleeps;
        std::vector<std::string> lines;
        auto clock = sys_time<milliseconds>(test_time);
        aws::CallOptions call;
        call.transport = &transport;
        call.retry.max_attempts = 3;
        call.retry.mode = aws::RetryMode::adaptive;
        call.uniform01 = [] { return 0.0; };
        call.now = [&] { return system_clock::time_point(clock); };
        call.sleep = [&](milliseconds d) {
            sleeps.push_back(d);
            clock += d;
        };
        call.debug = [&](const std::string& line) { lines.push_back(line); };
        for (int i = 0; i < 3; ++i)
            transport.replies.push_back(throttling ? reply(400, R"({"__type":"ThrottlingException"})")
                                                   : reply(500, R"({"__type":"InternalServerException"})"));
        aws::Client client(aws::ClientConfig{
            call, url("codeartifact.us-west-2.amazonaws.com"), "us-west-2", {"AKIDEXAMPLE", "secret-key-example", ""}});
        BOOST_TEST(!client.get_authorization_token({"my-domain", "111122223333", 900}).ok());
        BOOST_TEST(transport.sent.size() == 3u);
        if (throttling) {
            BOOST_TEST((sleeps == std::vector<milliseconds>{0ms, 2000ms, 0ms, 2000ms}));
            BOOST_TEST(std::count_if(lines.begin(), lines.end(), [](const std::string& l) {
                           return l.find("client-side rate limiter") != std::string::npos;
                       }) == 2);
        } else {
            BOOST_TEST((sleeps == std::vector<milliseconds>{0ms, 0ms}));  // backoff only: never enabled
        }
    }
}
