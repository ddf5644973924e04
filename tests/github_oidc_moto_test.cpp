// GitHub Actions OIDC end to end over real sockets: GitHubOidcProvider asks tests/servers/oidc_server.py
// for an ID token (bearer token, audience), then exchanges it with moto_server's
// AssumeRoleWithWebIdentity. `tests/tools/with-servers --moto --oidc` starts both and exports CAT_TEST_MOTO_URL,
// CAT_TEST_OIDC_URL, CAT_TEST_OIDC_REQUEST_TOKEN, CAT_TEST_OIDC_JWT and CAT_TEST_STATE (oidc.log).
#define BOOST_TEST_MODULE github_oidc_moto_test
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <fstream>

#include "aws/credentials/web_identity.hpp"
#include "server_env.hpp"

using namespace cat;
using namespace std::chrono;

namespace {

using test::required_env;

const std::string role_arn = "arn:aws:iam::123456789012:role/gha-role";

struct LogEntry {
    std::string method, path;
    std::vector<std::pair<std::string, std::string>> query;
    bool bearer_ok = false;
    int status = 0;
};

// oidc.log, one JSON object a line.
std::vector<LogEntry> oidc_log() {
    std::ifstream in(required_env("CAT_TEST_STATE") + "/oidc.log");
    std::vector<LogEntry> out;
    for (std::string line; std::getline(in, line);) {
        rapidjson::Document d;
        d.Parse(line.c_str());
        BOOST_REQUIRE(!d.HasParseError() && d.IsObject());
        LogEntry e;
        e.method = d["method"].GetString();
        e.path = d["path"].GetString();
        for (const auto& m : d["query"].GetObject())
            for (const auto& v : m.value.GetArray()) e.query.emplace_back(m.name.GetString(), v.GetString());
        e.bearer_ok = d["bearer_ok"].GetBool();
        e.status = d["status"].GetInt();
        out.push_back(std::move(e));
    }
    return out;
}

struct Servers {
    std::unique_ptr<http::Transport> transport = http::make_transport({});
    aws::ProviderContext ctx;
    std::vector<std::string> debug_lines;
    const std::string oidc = required_env("CAT_TEST_OIDC_URL");
    const std::string request_token = required_env("CAT_TEST_OIDC_REQUEST_TOKEN");
    const std::string jwt = required_env("CAT_TEST_OIDC_JWT");
    const std::size_t log_start = oidc_log().size();

    Servers() {
        ctx.call.transport = transport.get();
        ctx.call.debug = [this](const std::string& line) { debug_lines.push_back(line); };
        ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", oidc + "/token?api-version=2.0");
        ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    }
    aws::StsConfig sts(std::string endpoint = required_env("CAT_TEST_MOTO_URL")) {
        auto url = http::parse_url(endpoint);
        BOOST_REQUIRE(url.ok());
        aws::StsConfig c;
        c.endpoint = *url;
        c.region = "us-east-1";
        c.call.attempt_timeout = 20s;
        c.call.sleep = [](milliseconds) {};
        c.call.debug = ctx.call.debug;
        return c;
    }
    aws::Resolved<aws::AwsCredentials> resolve(aws::StsConfig config, std::string session = "") {
        aws::GitHubOidcProvider provider(ctx, std::move(config), aws::AssumeRoleParams{role_arn, session, "", {}});
        auto r = provider.resolve();
        if (r.failed()) {
            BOOST_TEST(r.error().message.find(request_token) == std::string::npos);
            BOOST_TEST(r.error().message.find(jwt) == std::string::npos);
        }
        for (const auto& line : debug_lines) {
            BOOST_TEST(line.find(request_token) == std::string::npos);
            BOOST_TEST(line.find(jwt) == std::string::npos);
        }
        return r;
    }
    std::vector<LogEntry> new_requests() const {
        auto all = oidc_log();
        return {all.begin() + static_cast<std::ptrdiff_t>(std::min(log_start, all.size())), all.end()};
    }
};

// The error of a failed result, for test messages (Boost.Test builds them even when the check passes).
template <class T>
std::string why(const Result<T>& r) {
    return r.ok() ? std::string() : describe(r.error());
}
template <class T>
std::string why(const cat::aws::Resolved<T>& r) {
    if (r.ok()) return {};
    return r.failed() ? cat::describe(r.error()) : "not applicable: " + r.reason();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(github_oidc_to_moto, Servers) {
    auto creds = resolve(sts());
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    BOOST_TEST(creds->keys.access_key_id.starts_with("ASIA"));
    BOOST_TEST(!creds->keys.secret_access_key.empty());
    BOOST_TEST(!creds->keys.session_token.empty());
    BOOST_REQUIRE(creds->expiration.has_value());
    BOOST_TEST((*creds->expiration > floor<seconds>(system_clock::now())));
    BOOST_TEST(creds->role_arn == "arn:aws:sts::123456789012:assumed-role/gha-role/GitHubActions");
    BOOST_TEST(creds->source == "GitHub Actions OIDC: assumed role " + role_arn + " with a web identity token");

    const auto log = new_requests();
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    BOOST_TEST(log[0].method == "GET");
    BOOST_TEST(log[0].path == "/token");
    BOOST_TEST(log[0].bearer_ok);
    BOOST_TEST(log[0].status == 200);
    const std::vector<std::pair<std::string, std::string>> query = {{"api-version", "2.0"},
                                                                    {"audience", "sts.amazonaws.com"}};
    BOOST_TEST((log[0].query == query));
}

BOOST_FIXTURE_TEST_CASE(request_url_without_query, Servers) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", oidc + "/token");
    auto creds = resolve(sts(), "custom-session");
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    BOOST_TEST(creds->role_arn == "arn:aws:sts::123456789012:assumed-role/gha-role/custom-session");
    const auto log = new_requests();
    BOOST_REQUIRE_EQUAL(log.size(), 1u);
    const std::vector<std::pair<std::string, std::string>> query = {{"audience", "sts.amazonaws.com"}};
    BOOST_TEST((log[0].query == query));
}

BOOST_FIXTURE_TEST_CASE(wrong_request_token_is_refused, Servers) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "a-stale-token");
    auto creds = resolve(sts());
    BOOST_REQUIRE(!creds.ok());
    BOOST_TEST((creds.error().kind == ErrorKind::credentials));
    BOOST_TEST(creds.error().http_status == 401);
    BOOST_TEST(creds.error().message.starts_with("GitHub OIDC token request to " + oidc + " failed: HTTP 401"));
    const auto log = new_requests();
    BOOST_REQUIRE_EQUAL(log.size(), 1u);  // not retried
    BOOST_TEST(!log[0].bearer_ok);
}

BOOST_FIXTURE_TEST_CASE(server_errors_are_retried, Servers) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", oidc + "/token-500-once?api-version=2.0");
    auto creds = resolve(sts());
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    const auto log = new_requests();
    BOOST_REQUIRE_EQUAL(log.size(), 2u);
    BOOST_TEST(log[0].status == 500);
    BOOST_TEST(log[1].status == 200);
}

BOOST_FIXTURE_TEST_CASE(unreadable_token_responses, Servers) {
    for (const char* path : {"/token-not-json", "/token-no-value"}) {
        ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", oidc + path);
        auto creds = resolve(sts());
        BOOST_REQUIRE(!creds.ok());
        BOOST_TEST(creds.error().message.find("is not a JSON object with a \"value\" string") != std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(sts_error_over_a_real_socket, Servers) {
    // The OIDC server also plays an STS endpoint that refuses.
    auto creds = resolve(sts(oidc + "/sts-error"));
    BOOST_REQUIRE(!creds.ok());
    const Error& e = creds.error();
    BOOST_TEST((e.kind == ErrorKind::api));
    BOOST_TEST(e.code == "AccessDenied");
    BOOST_TEST(e.http_status == 403);
    BOOST_TEST(e.request_id == "oidc-server-sts-error-1");
    BOOST_TEST(e.message ==
               "AssumeRoleWithWebIdentity failed: AccessDenied: Not authorized to perform "
               "sts:AssumeRoleWithWebIdentity & friends");
    const auto log = new_requests();
    BOOST_REQUIRE_EQUAL(log.size(), 2u);
    BOOST_TEST(log[1].method == "POST");
    BOOST_TEST(log[1].path == "/sts-error/");
}
