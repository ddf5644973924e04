// STS over real sockets: AssumeRole and AssumeRoleWithWebIdentity through the real transport against
// moto_server on loopback (tests/tools/with-servers --moto starts it and exports CAT_TEST_MOTO_URL). moto accepts
// any credentials and any token, and hands out well-formed fake credentials for account 123456789012.
#define BOOST_TEST_MODULE sts_moto_test
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "aws/credentials/web_identity.hpp"
#include "aws/sts.hpp"
#include "server_env.hpp"

using namespace cat;
using namespace std::chrono;

namespace {

using test::required_env;

struct Moto {
    std::unique_ptr<http::Transport> transport = http::make_transport({});
    std::vector<std::string> debug_lines;

    aws::StsConfig config() {
        auto url = http::parse_url(required_env("CAT_TEST_MOTO_URL"));
        BOOST_REQUIRE(url.ok());
        aws::StsConfig c;
        c.call.transport = transport.get();
        c.endpoint = *url;
        c.region = "us-east-1";
        c.call.attempt_timeout = 20s;
        c.call.sleep = [](milliseconds) {};
        c.call.debug = [this](const std::string& line) { debug_lines.push_back(line); };
        return c;
    }
};

const std::string role_arn = "arn:aws:iam::123456789012:role/ci-role";
const std::string web_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.sig";

// What every set of temporary credentials from STS looks like.
void check_well_formed(const aws::AwsCredentials& c, const std::string& session) {
    BOOST_TEST(c.keys.access_key_id.starts_with("ASIA"));
    BOOST_TEST(c.keys.access_key_id.size() >= 16u);
    BOOST_TEST(c.keys.secret_access_key.size() >= 20u);
    BOOST_TEST(!c.keys.session_token.empty());
    BOOST_REQUIRE(c.expiration.has_value());
    const auto now = floor<seconds>(system_clock::now());
    BOOST_TEST((*c.expiration > now));
    BOOST_TEST((*c.expiration < now + 13h));
    BOOST_TEST(c.role_arn == "arn:aws:sts::123456789012:assumed-role/ci-role/" + session);
}

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

BOOST_FIXTURE_TEST_CASE(assume_role, Moto) {
    aws::AwsCredentials source{{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""}, {}, "test", {}};
    aws::AssumeRoleParams p{role_arn, "moto-session", "external-id-1", 900};
    auto creds = aws::assume_role(config(), source, p);
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    check_well_formed(*creds, "moto-session");
    BOOST_TEST(creds->source == "assumed role " + role_arn);
    // DurationSeconds is honoured.
    BOOST_TEST((*creds->expiration <= floor<seconds>(system_clock::now()) + 900s));
}

BOOST_FIXTURE_TEST_CASE(assume_role_default_session_name, Moto) {
    aws::AwsCredentials source{{"AKIDEXAMPLE", "secret", "a-session-token"}, {}, "test", {}};
    auto c = config();
    c.call.now = [] { return system_clock::time_point{sys_days{2026y / January / 2}}; };
    auto creds = aws::assume_role(c, source, aws::AssumeRoleParams{role_arn, "", "", std::nullopt});
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    check_well_formed(*creds, aws::default_session_name(c.call.now()));
}

BOOST_FIXTURE_TEST_CASE(role_chaining_signs_with_a_session_token, Moto) {
    aws::AwsCredentials source{{"AKIDEXAMPLE", "secret", ""}, {}, "test", {}};
    auto first = aws::assume_role(config(), source, aws::AssumeRoleParams{role_arn, "first", "", std::nullopt});
    BOOST_REQUIRE_MESSAGE(first.ok(), why(first));
    auto second = aws::assume_role(config(), *first, aws::AssumeRoleParams{role_arn, "second", "", std::nullopt});
    BOOST_REQUIRE_MESSAGE(second.ok(), why(second));
    check_well_formed(*second, "second");
    BOOST_TEST(second->keys.access_key_id != first->keys.access_key_id);
    for (const auto& line : debug_lines) {
        BOOST_TEST(line.find(first->keys.secret_access_key.reveal()) == std::string::npos);
        BOOST_TEST(line.find(first->keys.session_token.reveal()) == std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(assume_role_with_web_identity, Moto) {
    auto creds = aws::assume_role_with_web_identity(config(), web_token,
                                                    aws::AssumeRoleParams{role_arn, "web-session", "", 3600});
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    check_well_formed(*creds, "web-session");
    BOOST_TEST(creds->source == "assumed role " + role_arn + " with a web identity token");
    for (const auto& line : debug_lines) BOOST_TEST(line.find(web_token) == std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(web_identity_env_provider, Moto) {
    std::string dir = (std::filesystem::temp_directory_path() / "cat-sts-moto.XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(dir.data()) != nullptr);
    const std::string file = dir + "/token";
    std::ofstream(file) << web_token << "\n";

    aws::ProviderContext ctx;
    ctx.call.transport = transport.get();
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", file);
    ctx.env.set("AWS_ROLE_ARN", role_arn);
    ctx.env.set("AWS_ROLE_SESSION_NAME", "irsa-session");
    auto sts = config();
    sts.call.transport = nullptr;  // the context's
    aws::WebIdentityEnvProvider provider(ctx, sts);
    auto creds = provider.resolve();
    std::filesystem::remove_all(dir);
    BOOST_REQUIRE_MESSAGE(creds.ok(), why(creds));
    check_well_formed(*creds, "irsa-session");
    BOOST_TEST(creds->source.starts_with("AWS_WEB_IDENTITY_TOKEN_FILE: assumed role " + role_arn));
}
