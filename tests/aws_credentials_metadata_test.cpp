// The container, IMDS, credential_process and SSO providers.
//
// Unit tests drive them through a fake transport and fake file reading; the "real_*" suites use real
// sockets on 127.0.0.1 only, against tests/servers/metadata_server.py (started by
// tests/tools/with-servers --metadata, which exports CAT_TEST_METADATA_URL and the tokens), and against moto's
// IMDS emulation (with-servers --moto: CAT_TEST_MOTO_URL). credential_process runs real children.
#define BOOST_TEST_MODULE aws_credentials_metadata_test
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rapidjson/document.h>
#include <boost/test/unit_test.hpp>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "aws/credentials/container.hpp"
#include "aws/credentials/process.hpp"
#include "aws/credentials/role_cache.hpp"
#include "aws/credentials/sso.hpp"
#include "aws/rfc3339.hpp"
#include "temp_dir.hpp"

namespace cat {
// For Boost.Test's messages.
inline std::ostream& operator<<(std::ostream& os, ErrorKind k) {
    return os << "ErrorKind(" << exit_code(k) << ")";
}
}  // namespace cat

namespace a = cat::aws;
namespace h = cat::http;
using namespace std::chrono_literals;
using cat::Env;
using cat::Error;
using cat::ErrorKind;
using cat::Result;

namespace {

// ---- helpers --------------------------------------------------------------------------------------

std::string getenv_str(const char* name) {
    const char* v = std::getenv(name);  // NOLINT(concurrency-mt-unsafe)
    return v != nullptr ? v : "";
}

bool contains(const std::string& haystack, std::string_view needle) {
    return haystack.find(needle) != std::string::npos;
}

h::Response response(int status, std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
    h::Response r;
    r.status = status;
    r.body = std::move(body);
    r.headers = std::move(headers);
    return r;
}

Error network_error(cat::Stage stage, std::string message) {
    Error e = Error::make(ErrorKind::network, std::move(message));
    e.stage = stage;
    e.retryable = true;
    return e;
}

std::string request_header(const h::Request& r, std::string_view name) {
    for (const auto& [n, v] : r.headers) {
        if (n.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < n.size(); ++i)
            same = same &&
                   std::tolower(static_cast<unsigned char>(n[i])) == std::tolower(static_cast<unsigned char>(name[i]));
        if (same) return v;
    }
    return {};
}

bool has_request_header(const h::Request& r, std::string_view name) {
    for (const auto& [n, v] : r.headers)
        if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char x, char y) {
                return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
            }))
            return true;
    return false;
}

std::string url_of(const h::Request& r) {
    return r.url.scheme + "://" + h::host_header(r.url) + r.url.target;
}

// A transport that records requests and answers from a handler.
class FakeTransport : public h::Transport {
public:
    std::vector<h::Request> requests;
    std::function<Result<h::Response>(const h::Request&)> handler = [](const h::Request&) -> Result<h::Response> {
        return response(404, "no handler");
    };
    Result<h::Response> send(const h::Request& request, h::Deadline) override {
        requests.push_back(request);
        return handler(request);
    }
};

constexpr std::string_view secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr std::string_view session_token = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN";

std::string metadata_json(std::string_view expiration = "2026-03-01T12:00:00Z", bool with_code = false) {
    std::string s = "{";
    if (with_code) s += "\"Code\":\"Success\",\"LastUpdated\":\"2026-03-01T06:00:00Z\",\"Type\":\"AWS-HMAC\",";
    s += "\"AccessKeyId\":\"ASIAFAKEEXAMPLE\",\"SecretAccessKey\":\"" + std::string(secret_key) + "\",\"Token\":\"" +
         std::string(session_token) + "\",\"Expiration\":\"" + std::string(expiration) +
         "\",\"RoleArn\":\"arn:aws:iam::123456789012:role/app\"}";
    return s;
}

std::chrono::sys_seconds ts(std::string_view text) {
    const auto t = a::parse_rfc3339(text);
    BOOST_REQUIRE_MESSAGE(t.has_value(), std::string(text));
    return *t;
}

// The fields metadata_json() writes.
void check_metadata_credentials(const a::AwsCredentials& c) {
    BOOST_TEST(c.keys.access_key_id == "ASIAFAKEEXAMPLE");
    BOOST_TEST(c.keys.secret_access_key == secret_key);
    BOOST_TEST(c.keys.session_token == session_token);
    BOOST_REQUIRE(c.expiration.has_value());
    BOOST_TEST(a::format_rfc3339(*c.expiration) == "2026-03-01T12:00:00Z");
    BOOST_TEST(c.role_arn == "arn:aws:iam::123456789012:role/app");
}

// The error's description when `r` failed, for assertion messages (which are evaluated eagerly).
template <class T>
std::string why(const Result<T>& r) {
    return r.ok() ? std::string() : cat::describe(r.error());
}
template <class T>
std::string why(const cat::aws::Resolved<T>& r) {
    if (r.ok()) return {};
    return r.failed() ? cat::describe(r.error()) : "not applicable: " + r.reason();
}

// No error message may carry a secret.
void check_no_secrets(const Error& e, std::initializer_list<std::string_view> extra = {}) {
    const std::string text = cat::describe(e);
    BOOST_TEST(!contains(text, secret_key), text);
    BOOST_TEST(!contains(text, session_token), text);
    for (auto s : extra) BOOST_TEST(!contains(text, s), text);
}

// A context with a fake transport, a fixed clock, recorded sleeps and no file system.
struct Fixture {
    FakeTransport transport;
    std::vector<std::chrono::milliseconds> sleeps;
    std::map<std::string, std::string> files;
    std::vector<std::string> reads;
    a::ProviderContext ctx;
    Fixture() {
        ctx.call.transport = &transport;
        ctx.call.now = [] { return std::chrono::system_clock::time_point(ts("2026-03-01T00:00:00Z")); };
        ctx.call.sleep = [this](std::chrono::milliseconds d) { sleeps.push_back(d); };
        ctx.read_file = [this](const std::string& path) -> Result<std::string> {
            reads.push_back(path);
            const auto it = files.find(path);
            if (it == files.end()) return Error::make(ErrorKind::config, "cannot read " + path + ": No such file");
            return it->second;
        };
        ctx.run_process = [](const std::vector<std::string>&,
                             std::optional<std::chrono::milliseconds>) -> Result<a::ProcessOutput> {
            return Error::make(ErrorKind::internal, "no process expected");
        };
        ctx.home = "/home/tester";
    }
};

// A temporary directory (tests/temp_dir.hpp) that also writes files into itself.
struct TempDir : cat::test::TempDir {
    TempDir() : cat::test::TempDir("cat-meta-test") {}
    std::string write(const std::string& name, const std::string& content, bool executable = false) const {
        const std::string p = *this / name;
        std::filesystem::create_directories(std::filesystem::path(p).parent_path());
        std::ofstream(p, std::ios::binary) << content;
        if (executable) ::chmod(p.c_str(), 0700);
        return p;
    }
};

}  // namespace

// ---- RFC 3339 ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(timestamps)

BOOST_AUTO_TEST_CASE(parses_the_forms_credential_sources_write) {
    using namespace std::chrono;
    const auto base = sys_days{2026y / March / 1} + 12h + 34min + 56s;
    BOOST_TEST((a::parse_rfc3339("2026-03-01T12:34:56Z") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01t12:34:56z") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01 12:34:56Z") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01T12:34:56.999999Z") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01T14:34:56+02:00") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01T10:04:56-0230") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01T12:34:56+00") == base));
    BOOST_TEST((a::parse_rfc3339("2026-03-01T12:34:56UTC") == base));
    BOOST_TEST(a::format_rfc3339(base) == "2026-03-01T12:34:56Z");
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_a_time) {
    for (const char* bad :
         {"", "2026-03-01", "2026-03-01T12:34:56", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z",
          "2026-03-01T24:00:00Z", "2026-03-01T12:60:00Z", "2026-03-01T12:34:56.Z", "2026-03-01T12:34:56Zjunk",
          "26-03-01T12:34:56Z", "2026-03-01T12:34:56+2", "1772368496", "2026-03-01T12:34:56+24:00"})
        BOOST_TEST(!a::parse_rfc3339(bad).has_value(), bad);
}

BOOST_AUTO_TEST_SUITE_END()

// ---- parse_metadata_credentials ------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(metadata_parsing)

BOOST_AUTO_TEST_CASE(reads_every_field) {
    auto c = a::parse_metadata_credentials(metadata_json("2026-03-01T12:00:00Z", true), "test");
    BOOST_REQUIRE(c.ok());
    check_metadata_credentials(*c);
    BOOST_TEST(c->source == "test");
}

BOOST_AUTO_TEST_CASE(a_code_other_than_success_is_an_error_with_its_message) {
    auto c = a::parse_metadata_credentials(
        R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"EC2 cannot assume the role app","LastUpdated":"x"})",
        "imds");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::credentials);
    BOOST_TEST(contains(c.error().message, "AssumeRoleUnauthorizedAccess"));
    BOOST_TEST(contains(c.error().message, "EC2 cannot assume the role app"));
}

BOOST_AUTO_TEST_CASE(missing_or_mistyped_fields_are_errors_without_secrets) {
    const std::string sk(secret_key);
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"", "not a JSON object"},
        {"[]", "not a JSON object"},
        {"{", "not a JSON object"},
        {"null", "not a JSON object"},
        {R"({"SecretAccessKey":")" + sk + R"(","Token":"t","Expiration":"2026-03-01T12:00:00Z"})", "no AccessKeyId"},
        {R"({"AccessKeyId":"AK","Token":"t","Expiration":"2026-03-01T12:00:00Z"})", "no SecretAccessKey"},
        {R"({"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"(","Expiration":"2026-03-01T12:00:00Z"})", "no Token"},
        {R"({"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"(","Token":"t"})", "no Expiration"},
        {R"({"AccessKeyId":5,"SecretAccessKey":")" + sk + R"(","Token":"t","Expiration":"2026-03-01T12:00:00Z"})",
         "no AccessKeyId"},
        {R"({"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"(","Token":"t","Expiration":"tomorrow"})",
         "not an RFC 3339 time"},
        {R"({"Code":5})", "Code is not a string"},
    };
    for (const auto& [json, what] : cases) {
        auto c = a::parse_metadata_credentials(json, "src");
        BOOST_REQUIRE_MESSAGE(!c.ok(), json);
        BOOST_TEST(contains(c.error().message, what), c.error().message);
        BOOST_TEST(c.error().message.starts_with("src: "));
        check_no_secrets(c.error());
    }
}

BOOST_AUTO_TEST_CASE(never_crashes_on_mangled_input) {
    const std::string good = metadata_json("2026-03-01T12:00:00Z", true);
    std::mt19937 rng(1234);
    constexpr std::string_view specials = "{}[]\",:\\0 \x01\xff";
    for (int i = 0; i < 3000; ++i) {
        std::string s = good;
        const int edits = 1 + static_cast<int>(rng() % 8);
        for (int k = 0; k < edits && !s.empty(); ++k) {
            const std::size_t pos = rng() % s.size();
            switch (rng() % 3) {
                case 0: s[pos] = static_cast<char>(rng() % 256); break;
                case 1: s.erase(pos, 1 + rng() % 4); break;
                default: s.insert(pos, 1, specials[rng() % specials.size()]); break;
            }
        }
        auto c = a::parse_metadata_credentials(s, "fuzz");
        if (!c.ok()) check_no_secrets(c.error());
        (void)a::parse_process_output(s, "fuzz");
        (void)a::parse_sso_role_credentials(s);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- container -----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(container)

BOOST_FIXTURE_TEST_CASE(skipped_when_no_variable_is_set, Fixture) {
    a::ContainerProvider p(ctx);
    BOOST_TEST(p.name() == "container");
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies());
    BOOST_TEST(contains(c.reason(), "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"));
    BOOST_TEST(transport.requests.empty());
}

BOOST_FIXTURE_TEST_CASE(relative_uri_goes_to_the_ecs_host, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc-123");
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:9/ignored");  // relative wins
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, metadata_json()); };
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_REQUIRE_EQUAL(transport.requests.size(), 1u);
    const auto& r = transport.requests[0];
    BOOST_TEST(r.method == "GET");
    BOOST_TEST(url_of(r) == "http://169.254.170.2/v2/credentials/abc-123");
    BOOST_TEST(request_header(r, "Accept") == "application/json");
    BOOST_TEST(!has_request_header(r, "Authorization"));
    check_metadata_credentials(*c);
    BOOST_TEST(c->source == "container credentials endpoint");
    BOOST_TEST((c->kind == a::CredentialSource::container));
}

BOOST_FIXTURE_TEST_CASE(relative_uri_must_be_a_path, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", ".evil.example/x");
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::config);
    BOOST_TEST(transport.requests.empty());
}

BOOST_AUTO_TEST_CASE(full_uri_allow_list_is_botocores) {
    const std::vector<std::string> allowed = {
        "http://127.0.0.1:8080/creds",
        "http://127.1.2.3/creds",
        "http://[::1]:9/creds",
        "http://localhost/creds",
        "http://LOCALHOST:80/creds",
        "http://169.254.170.2/v2/creds",
        "http://169.254.170.23/v1/credentials",
        "http://[fd00:ec2::23]/v1/credentials",
        "http://[fd00:ec2:0::23]/x",
        "https://creds.example.com/get",
        "HTTPS://10.1.2.3:8443/x",
    };
    for (const auto& u : allowed) {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", u);
        f.transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, metadata_json()); };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_TEST(c.ok(), u << ": " << (c.ok() ? "" : c.error().message));
        BOOST_TEST(f.transport.requests.size() == 1u, u);
    }
    const std::vector<std::string> refused = {
        "http://example.com/creds",    "http://169.254.169.254/latest",
        "http://10.0.0.1/creds",       "http://[fd00:ec2::24]/x",
        "http://127.1/creds",          "http://169.254.170.3/x",
        "http://[::ffff:127.0.0.1]/x", "http://0.0.0.0/x",
        "ftp://127.0.0.1/x",           "not a url",
    };
    for (const auto& u : refused) {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", u);
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(!c.ok(), u);
        BOOST_TEST(c.error().kind == ErrorKind::config, u);
        BOOST_TEST(contains(c.error().message, "AWS_CONTAINER_CREDENTIALS_FULL_URI"), c.error().message);
        BOOST_TEST(c.applies());
        BOOST_TEST(f.transport.requests.empty(), u);
    }
}

BOOST_FIXTURE_TEST_CASE(authorization_from_the_variable, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "Basic c2VjcmV0");
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, metadata_json()); };
    a::ContainerProvider p(ctx);
    BOOST_REQUIRE(p.resolve().ok());
    BOOST_TEST(request_header(transport.requests.at(0), "Authorization") == "Basic c2VjcmV0");
    BOOST_TEST(reads.empty());
}

BOOST_FIXTURE_TEST_CASE(token_file_wins_is_trimmed_and_read_on_every_resolve, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23/v1/credentials");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "from-variable");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/var/run/secrets/pods.eks.amazonaws.com/token");
    files["/var/run/secrets/pods.eks.amazonaws.com/token"] = "  eks-token-1\n";
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, metadata_json()); };
    a::ContainerProvider p(ctx);
    BOOST_REQUIRE(p.resolve().ok());
    files["/var/run/secrets/pods.eks.amazonaws.com/token"] = "eks-token-2";  // rotated
    BOOST_REQUIRE(p.resolve().ok());
    BOOST_REQUIRE_EQUAL(transport.requests.size(), 2u);
    BOOST_TEST(request_header(transport.requests[0], "Authorization") == "eks-token-1");
    BOOST_TEST(request_header(transport.requests[1], "Authorization") == "eks-token-2");
    BOOST_TEST(reads.size() == 2u);
}

BOOST_AUTO_TEST_CASE(token_with_cr_or_lf_is_refused_without_showing_it) {
    for (const std::string token : {"abc\r\nX-Injected: 1", "abc\ndef", "abc\rdef", "abc\x01"}) {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds");
        f.ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/token");
        f.files["/token"] = token;
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::config);
        BOOST_TEST(contains(c.error().message, "not a legal header value"));
        check_no_secrets(c.error(), {"abc"});
        BOOST_TEST(f.transport.requests.empty());
    }
    Fixture f;
    f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds");
    f.ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "tok\nen");
    a::ContainerProvider p(f.ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "AWS_CONTAINER_AUTHORIZATION_TOKEN"));
}

BOOST_FIXTURE_TEST_CASE(unreadable_token_file_is_an_error_naming_it, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "/nowhere/token");
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::credentials);
    BOOST_TEST(contains(c.error().message, "/nowhere/token"));
    BOOST_TEST(c.applies());
}

BOOST_FIXTURE_TEST_CASE(failures_are_retried_three_times_one_second_apart, Fixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
    int n = 0;
    transport.handler = [&](const h::Request&) -> Result<h::Response> {
        if (++n < 3) return network_error(cat::Stage::connect, "connect failed: Connection refused (127.0.0.1:8080)");
        return response(200, metadata_json());
    };
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(transport.requests.size() == 3u);
    BOOST_REQUIRE_EQUAL(sleeps.size(), 2u);
    BOOST_TEST(sleeps[0].count() == 1000);
}

BOOST_AUTO_TEST_CASE(persistent_failures_are_errors_not_skips) {
    {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
        f.ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", "secret-auth-token");
        f.transport.handler = [](const h::Request&) -> Result<h::Response> {
            return response(401, R"({"message":"bad token secret-auth-token"})");
        };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(c.error().http_status == 401);
        BOOST_TEST(contains(c.error().message, "HTTP 401"));
        check_no_secrets(c.error(), {"secret-auth-token"});
        BOOST_TEST(f.transport.requests.size() == 3u);
    }
    {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
        f.transport.handler = [](const h::Request&) -> Result<h::Response> {
            return response(500, R"({"message":"agent overloaded"})");
        };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(contains(c.error().message, "agent overloaded"));
    }
    {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1:8080/creds");
        f.transport.handler = [](const h::Request&) -> Result<h::Response> {
            return network_error(cat::Stage::connect, "connect failed: Connection refused (127.0.0.1:8080)");
        };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.applies());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(cat::stage_name(c.error().stage) == "connect");
        BOOST_TEST(contains(c.error().message, "Connection refused"));
    }
}

BOOST_AUTO_TEST_CASE(unparsable_bodies_are_retried_but_missing_fields_are_not) {
    {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds");
        f.transport.handler = [](const h::Request&) -> Result<h::Response> {
            return response(200, "<html>" + std::string(secret_key));
        };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(contains(c.error().message, "not a JSON object"));
        check_no_secrets(c.error());
        BOOST_TEST(f.transport.requests.size() == 3u);
    }
    {
        Fixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://127.0.0.1/creds");
        f.transport.handler = [](const h::Request&) -> Result<h::Response> {
            return response(200, R"({"AccessKeyId":"AK","SecretAccessKey":"SK","Expiration":"2026-03-01T12:00:00Z"})");
        };
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(contains(c.error().message, "no Token"));
        BOOST_TEST(f.transport.requests.size() == 1u);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- IMDS ----------------------------------------------------------------------------------------------

namespace {

// An IMDSv2 on the fake transport; `role_status`, `creds_body` etc. choose its answers.
struct FakeImds {
    int token_status = 200;
    std::string token = "imds-session-token-XYZ";
    int role_status = 200;
    std::string role = "app-role\n";
    int creds_status = 200;
    std::string creds_body = metadata_json("2026-03-01T12:00:00Z", true);
    std::string region = "eu-central-1";
    std::optional<Error> token_error;
    std::optional<Error> get_error;  // every GET fails so
    bool accepts_v1 = true;          // GETs without a token are served (IMDSv1)

    Result<h::Response> operator()(const h::Request& r) const {
        const std::string& t = r.url.target;
        if (t.ends_with("/latest/api/token")) {
            if (token_error) return *token_error;
            if (r.method != "PUT") return response(405, "");
            return response(token_status, token_status == 200 ? token : "");
        }
        if (get_error) return *get_error;
        const bool v1 = accepts_v1 && !has_request_header(r, "X-aws-ec2-metadata-token");
        if (!v1 && request_header(r, "X-aws-ec2-metadata-token") != token) return response(401, "");
        if (t.ends_with("/latest/meta-data/iam/security-credentials/")) return response(role_status, role);
        if (t.ends_with("/latest/meta-data/iam/security-credentials/app-role"))
            return response(creds_status, creds_body);
        if (t.ends_with("/latest/meta-data/placement/region")) return response(200, region);
        return response(404, "");
    }
};

}  // namespace

// A context whose transport is a FakeImds.
struct ImdsFixture : Fixture {
    FakeImds imds;
    ImdsFixture() { transport.handler = std::ref(imds); }
};

BOOST_AUTO_TEST_SUITE(imds)

BOOST_FIXTURE_TEST_CASE(token_then_role_then_credentials, ImdsFixture) {
    a::ImdsProvider p(ctx);
    BOOST_TEST(p.name() == "imds");
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_REQUIRE_EQUAL(transport.requests.size(), 3u);
    const auto& put = transport.requests[0];
    BOOST_TEST(put.method == "PUT");
    BOOST_TEST(url_of(put) == "http://169.254.169.254/latest/api/token");
    BOOST_TEST(request_header(put, "X-aws-ec2-metadata-token-ttl-seconds") == "21600");
    BOOST_TEST(transport.requests[1].method == "GET");
    BOOST_TEST(url_of(transport.requests[1]) == "http://169.254.169.254/latest/meta-data/iam/security-credentials/");
    BOOST_TEST(url_of(transport.requests[2]) ==
               "http://169.254.169.254/latest/meta-data/iam/security-credentials/app-role");
    for (int i = 1; i < 3; ++i)
        BOOST_TEST(request_header(transport.requests[static_cast<std::size_t>(i)], "X-aws-ec2-metadata-token") ==
                   imds.token);
    check_metadata_credentials(*c);
    BOOST_TEST(contains(c->source, "app-role"));
    BOOST_TEST((c->kind == a::CredentialSource::instance_metadata));
}

BOOST_AUTO_TEST_CASE(disabled_by_the_environment) {
    for (const char* v : {"true", "True", "TRUE"}) {
        Fixture f;
        f.ctx.env.set("AWS_EC2_METADATA_DISABLED", v);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(!c.applies());
        BOOST_TEST(contains(c.reason(), "disabled"));
        auto r = p.region();
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(!r.applies());
        BOOST_TEST(f.transport.requests.empty());
    }
    Fixture f;
    f.ctx.env.set("AWS_EC2_METADATA_DISABLED", "false");
    FakeImds imds;
    f.transport.handler = std::ref(imds);
    a::ImdsProvider p(f.ctx);
    BOOST_TEST(p.resolve().ok());
}

BOOST_AUTO_TEST_CASE(endpoint_and_mode_settings) {
    {
        Fixture f;
        f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
        FakeImds imds;
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        BOOST_REQUIRE(p.resolve().ok());
        BOOST_TEST(url_of(f.transport.requests.at(0)) == "http://[fd00:ec2::254]/latest/api/token");
    }
    {
        Fixture f;
        f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:1338/base/");
        FakeImds imds;
        f.transport.handler = std::ref(imds);
        a::ImdsConfig profile;
        profile.endpoint = "http://10.9.9.9/";
        profile.endpoint_mode = "ipv6";
        a::ImdsProvider p(f.ctx, profile);  // the environment wins
        BOOST_REQUIRE(p.resolve().ok());
        BOOST_TEST(url_of(f.transport.requests.at(0)) == "http://127.0.0.1:1338/base/latest/api/token");
    }
    {
        Fixture f;
        FakeImds imds;
        f.transport.handler = std::ref(imds);
        a::ImdsConfig profile;
        profile.endpoint = "http://[::1]:8080";
        a::ImdsProvider p(f.ctx, profile);
        BOOST_REQUIRE(p.resolve().ok());
        BOOST_TEST(url_of(f.transport.requests.at(0)) == "http://[::1]:8080/latest/api/token");
    }
    for (const auto& [var, value] :
         std::vector<std::pair<std::string, std::string>>{{"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv5"},
                                                          {"AWS_EC2_METADATA_SERVICE_ENDPOINT", "169.254.169.254"},
                                                          {"AWS_METADATA_SERVICE_TIMEOUT", "1.5"},
                                                          {"AWS_METADATA_SERVICE_TIMEOUT", "0"},
                                                          {"AWS_METADATA_SERVICE_NUM_ATTEMPTS", "many"}}) {
        Fixture f;
        f.ctx.env.set(var, value);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(!c.ok(), var + "=" + value);
        BOOST_TEST(c.error().kind == ErrorKind::config, var);
        BOOST_TEST(contains(c.error().message, var), c.error().message);
        BOOST_TEST(f.transport.requests.empty());
    }
}

BOOST_FIXTURE_TEST_CASE(nothing_answering_is_a_skip_with_the_reason, ImdsFixture) {
    ctx.env.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "3");
    imds.token_error = network_error(cat::Stage::connect, "connect timed out after 1000 ms (169.254.169.254:80)");
    a::ImdsProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies());
    BOOST_TEST(contains(c.reason(), "connect timed out"), c.reason());
    BOOST_TEST(contains(c.reason(), "169.254.169.254"));
    BOOST_TEST(transport.requests.size() == 3u);  // AWS_METADATA_SERVICE_NUM_ATTEMPTS
    auto r = p.region();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(!r.applies());
}

BOOST_AUTO_TEST_CASE(a_refused_token_falls_back_to_imdsv1_as_botocore) {
    // botocore's _fetch_metadata_token: 403, 404, 405 give up at once and every other status but 400 is
    // tried again; then the GETs go without a token.
    for (int status : {403, 404, 405, 500, 503}) {
        Fixture f;
        f.ctx.env.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2");
        std::vector<std::string> debug;
        f.ctx.call.debug = [&](const std::string& line) { debug.push_back(line); };
        FakeImds imds;
        imds.token_status = status;
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
        const std::size_t puts = status >= 500 ? 2 : 1;
        BOOST_REQUIRE_EQUAL(f.transport.requests.size(), puts + 2);
        for (std::size_t i = puts; i < f.transport.requests.size(); ++i) {
            BOOST_TEST(f.transport.requests[i].method == "GET");
            BOOST_TEST(!has_request_header(f.transport.requests[i], "X-aws-ec2-metadata-token"));
        }
        check_metadata_credentials(*c);
        BOOST_TEST(contains(c->source, "IMDSv1"), c->source);
        bool said = false;
        for (const auto& line : debug) said = said || contains(line, "falling back to IMDSv1");
        BOOST_TEST(said);
    }
    for (int status : {400}) {  // botocore: BadIMDSRequestError
        Fixture f;
        FakeImds imds;
        imds.token_status = status;
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(c.failed());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(c.error().http_status == status);
        BOOST_TEST(f.transport.requests.size() == 1u);
    }
    Fixture f;
    FakeImds imds;
    imds.token = "bad\r\ntoken";
    f.transport.handler = std::ref(imds);
    a::ImdsProvider p(f.ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "unusable IMDSv2 token"));
    BOOST_TEST(!contains(c.error().message, "bad"));
}

BOOST_AUTO_TEST_CASE(imdsv1_disabled_by_the_environment_or_the_profile) {
    const auto run = [](const std::string& env_value, const std::string& profile_value) {
        Fixture f;
        if (!env_value.empty()) f.ctx.env.set("AWS_EC2_METADATA_V1_DISABLED", env_value);
        FakeImds imds;
        imds.token_status = 403;
        f.transport.handler = std::ref(imds);
        a::ImdsConfig config;
        config.v1_disabled = profile_value;
        a::ImdsProvider p(f.ctx, config);
        auto c = p.resolve();
        return std::pair{std::move(c), f.transport.requests.size()};
    };
    for (const char* v : {"true", "TRUE", "True"}) {
        auto [c, requests] = run(v, "");
        BOOST_REQUIRE(c.failed());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(contains(c.error().message, "IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED"),
                   c.error().message);
        BOOST_TEST(c.error().http_status == 403);
        BOOST_TEST(requests == 1u);
    }
    auto [by_profile, n] = run("", "true");
    BOOST_REQUIRE(by_profile.failed());
    BOOST_TEST(contains(by_profile.error().message, "profile ec2_metadata_v1_disabled"), by_profile.error().message);
    BOOST_TEST(n == 1u);
    // The variable wins over the profile; anything but "true" leaves IMDSv1 on (botocore's ensure_boolean).
    for (const auto& [env_value, profile_value] :
         std::vector<std::pair<std::string, std::string>>{{"false", "true"}, {"1", ""}, {"yes", ""}, {"", "false"}}) {
        auto [c, requests] = run(env_value, profile_value);
        BOOST_TEST(c.ok(), env_value << "/" << profile_value << ": " << why(c));
        BOOST_TEST(requests == 3u);
    }
    // A token that works is used whatever the setting.
    Fixture f;
    f.ctx.env.set("AWS_EC2_METADATA_V1_DISABLED", "true");
    FakeImds imds;
    imds.accepts_v1 = false;
    f.transport.handler = std::ref(imds);
    a::ImdsProvider p(f.ctx);
    BOOST_TEST(p.resolve().ok());
}

BOOST_AUTO_TEST_CASE(a_token_request_without_answer_falls_back_to_imdsv1) {
    // Connected, then nothing (a read timeout or a closed connection): the hop limit of a container on EC2.
    {
        Fixture f;
        FakeImds imds;
        imds.token_error = network_error(cat::Stage::read, "read timed out after 1000 ms");
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
        BOOST_TEST(f.transport.requests.size() == 3u);
        BOOST_TEST(!has_request_header(f.transport.requests.at(1), "X-aws-ec2-metadata-token"));
        auto r = p.region();
        BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
        BOOST_TEST(*r == "eu-central-1");
    }
    {
        // IMDSv1 gets no answer either: not applicable, as botocore gives up quietly.
        Fixture f;
        FakeImds imds;
        imds.token_error = network_error(cat::Stage::read, "read timed out after 1000 ms");
        imds.get_error = network_error(cat::Stage::read, "read timed out after 1000 ms");
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(!c.applies(), why(c));
    }
    {
        Fixture f;
        f.ctx.env.set("AWS_EC2_METADATA_V1_DISABLED", "true");
        FakeImds imds;
        imds.token_error = network_error(cat::Stage::read, "read timed out after 1000 ms");
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(c.failed());
        BOOST_TEST(contains(c.error().message, "no answer"), c.error().message);
        BOOST_TEST(contains(c.error().message, "IMDSv1 is disabled"), c.error().message);
        BOOST_TEST(f.transport.requests.size() == 1u);
    }
}

BOOST_AUTO_TEST_CASE(imds_use_ipv6_counts_when_no_mode_is_set) {
    const auto first_url = [](const std::string& use_ipv6, const std::string& mode, bool in_profile) {
        Fixture f;
        if (!mode.empty()) f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", mode);
        a::ImdsConfig config;
        if (in_profile)
            config.use_ipv6 = use_ipv6;
        else
            f.ctx.env.set("AWS_IMDS_USE_IPV6", use_ipv6);
        FakeImds imds;
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx, config);
        BOOST_REQUIRE(p.resolve().ok());
        return url_of(f.transport.requests.at(0));
    };
    BOOST_TEST(first_url("true", "", false) == "http://[fd00:ec2::254]/latest/api/token");
    BOOST_TEST(first_url("True", "", true) == "http://[fd00:ec2::254]/latest/api/token");
    BOOST_TEST(first_url("true", "IPv4", false) == "http://169.254.169.254/latest/api/token");
    BOOST_TEST(first_url("false", "", false) == "http://169.254.169.254/latest/api/token");
}

BOOST_FIXTURE_TEST_CASE(no_role_is_a_skip, ImdsFixture) {
    imds.role_status = 404;
    a::ImdsProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies());
    BOOST_TEST(contains(c.reason(), "no IAM role"));
}

BOOST_AUTO_TEST_CASE(an_answering_imds_with_garbage_is_an_error) {
    const auto run = [](auto tweak) {
        Fixture f;
        FakeImds imds;
        tweak(imds);
        f.transport.handler = std::ref(imds);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.applies(), why(c));
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        check_no_secrets(c.error(), {imds.token});
        return c.error();
    };
    BOOST_TEST(contains(run([](FakeImds& i) { i.creds_body = "<html>" + std::string(secret_key); }).message,
                        "not a JSON object"));
    BOOST_TEST(contains(
        run([](FakeImds& i) { i.creds_body = R"({"Code":"AssumeRoleUnauthorizedAccess","Message":"nope"})"; }).message,
        "AssumeRoleUnauthorizedAccess"));
    BOOST_TEST(contains(run([](FakeImds& i) { i.creds_status = 500; }).message, "HTTP 500"));
    BOOST_TEST(contains(run([](FakeImds& i) { i.role_status = 500; }).message, "HTTP 500"));
    BOOST_TEST(contains(run([](FakeImds& i) { i.role = "bad role/../x\n"; }).message, "invalid role name"));
    BOOST_TEST(contains(run([](FakeImds& i) { i.role = ""; }).message, "empty role listing"));
    BOOST_TEST(contains(run([](FakeImds& i) {
                            i.creds_body =
                                R"({"Code":"Success","AccessKeyId":"AK","SecretAccessKey":"SK","Token":"T"})";
                        }).message,
                        "no Expiration"));
}

BOOST_FIXTURE_TEST_CASE(attempts_apply_to_every_request, ImdsFixture) {
    ctx.env.set("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "2");
    int role_calls = 0;
    transport.handler = [&](const h::Request& r) -> Result<h::Response> {
        if (r.url.target.ends_with("/security-credentials/") && ++role_calls == 1) return response(503, "");
        return imds(r);
    };
    a::ImdsProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(transport.requests.size() == 4u);
}

BOOST_FIXTURE_TEST_CASE(region_from_placement, ImdsFixture) {
    a::ImdsProvider p(ctx);
    auto r = p.region();
    BOOST_REQUIRE_MESSAGE(r.ok(), why(r));
    BOOST_TEST(*r == "eu-central-1");
    BOOST_TEST(url_of(transport.requests.at(1)) == "http://169.254.169.254/latest/meta-data/placement/region");
    imds.region = "<html>";
    auto bad = p.region();
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(contains(bad.error().message, "invalid region"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- credential_process --------------------------------------------------------------------------------

BOOST_AUTO_TEST_SUITE(process)

BOOST_AUTO_TEST_CASE(split_like_shlex) {
    using V = std::vector<std::string>;
    const std::vector<std::pair<std::string, V>> cases = {
        {"a b  c", {"a", "b", "c"}},
        {"'a b' \"c d\"", {"a b", "c d"}},
        {"a\"b c\"d", {"ab cd"}},
        {R"("a\"b")", {"a\"b"}},
        {R"("a\\b")", {"a\\b"}},
        {R"("a\nb")", {"a\\nb"}},
        {R"("\$HOME")", {"\\$HOME"}},
        {R"(a\ b)", {"a b"}},
        {R"(a\\b)", {"a\\b"}},
        {"''", {""}},
        {R"('it'\''s')", {"it's"}},
        {"x\ty\nz\r", {"x", "y", "z"}},
        {"", {}},
        {"   ", {}},
        {"\"a b\"c'd e'", {"a bcd e"}},
        {"/usr/bin/aws-vault export --format=json 'my profile'",
         {"/usr/bin/aws-vault", "export", "--format=json", "my profile"}},
    };
    for (const auto& [line, want] : cases) {
        auto got = a::split_command_line(line);
        BOOST_REQUIRE_MESSAGE(got.ok(), line);
        BOOST_TEST(*got == want, "split of [" << line << "]");
    }
    for (const std::string bad : {"'abc", "\"abc", "abc\\", "\"abc\\", "a 'b"}) {
        auto got = a::split_command_line(bad);
        BOOST_TEST(!got.ok(), bad);
        if (!got.ok()) BOOST_TEST(got.error().kind == ErrorKind::config);
    }
}

// botocore's split on Windows (compat._windows_shell_split); the expected words are its output.
BOOST_AUTO_TEST_CASE(credential_process_windows_split_is_botocores) {
    const std::vector<std::pair<std::string, std::vector<std::string>>> cases = {
        {"C:\\tools\\helper.exe --profile x", {"C:\\tools\\helper.exe", "--profile", "x"}},
        {"\"C:\\Program Files\\h.exe\" a", {"C:\\Program Files\\h.exe", "a"}},
        {"a\\\\\"b c\"", {"a\\b c"}},
        {"a\\\\b", {"a\\\\b"}},
        {"\"\" x", {"", "x"}},
        {"\"a\"\"b\"", {"ab"}},
        {"x\t y  ", {"x", "y"}},
        {"a\\\"b", {"a\"b"}},
        {"tail\\", {"tail\\"}},
        {"\\\\server\\share\\p.exe \"{\\\"Version\\\": 1}\"", {"\\\\server\\share\\p.exe", "{\"Version\": 1}"}},
    };
    for (const auto& [line, want] : cases) {
        auto got = a::split_windows_command_line(line);
        BOOST_REQUIRE_MESSAGE(got.ok(), line);
        BOOST_TEST(*got == want, "split of [" << line << "]");
    }
    BOOST_TEST(!a::split_windows_command_line("\"abc").ok());
}

BOOST_AUTO_TEST_CASE(output_parsing) {
    auto full = a::parse_process_output(
        R"({"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"sk","SessionToken":"st","Expiration":"2026-03-01T12:00:00Z"})",
        "src");
    BOOST_REQUIRE(full.ok());
    BOOST_TEST(full->keys.access_key_id == "AKIAPROC");
    BOOST_TEST(full->keys.session_token == "st");
    BOOST_TEST(a::format_rfc3339(*full->expiration) == "2026-03-01T12:00:00Z");

    auto minimal = a::parse_process_output(R"({"Version":1,"AccessKeyId":"AK","SecretAccessKey":"sk"})", "src");
    BOOST_REQUIRE(minimal.ok());
    BOOST_TEST(minimal->keys.session_token.empty());
    BOOST_TEST(!minimal->expiration.has_value());

    auto nulls = a::parse_process_output(
        R"({"Version":1.0,"AccessKeyId":"AK","SecretAccessKey":"sk","SessionToken":null,"Expiration":null})", "src");
    BOOST_TEST(nulls.ok());

    const std::string sk(secret_key);
    const std::vector<std::pair<std::string, std::string>> bad = {
        {"garbage " + sk, "not a JSON object"},
        {R"({"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"("})", "no Version"},
        {R"({"Version":2,"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"("})", "unsupported Version 2"},
        {R"({"Version":"1","AccessKeyId":"AK","SecretAccessKey":")" + sk + R"("})", "unsupported Version \"1\""},
        {R"({"Version":1,"SecretAccessKey":")" + sk + R"("})", "no AccessKeyId"},
        {R"({"Version":1,"AccessKeyId":"AK"})", "no SecretAccessKey"},
        {R"({"Version":1,"AccessKeyId":"AK","SecretAccessKey":""})", "SecretAccessKey is empty"},
        {R"({"Version":1,"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"(","SessionToken":5})",
         "SessionToken is not a string"},
        {R"({"Version":1,"AccessKeyId":"AK","SecretAccessKey":")" + sk + R"(","Expiration":"soon"})",
         "not an RFC 3339 time"},
    };
    for (const auto& [json, what] : bad) {
        auto c = a::parse_process_output(json, "credential_process \"x\"");
        BOOST_REQUIRE_MESSAGE(!c.ok(), json);
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(contains(c.error().message, what), c.error().message);
        check_no_secrets(c.error());
    }
}

BOOST_AUTO_TEST_CASE(runs_the_split_command_and_reports_exit_status_without_output) {
    Fixture f;
    std::vector<std::vector<std::string>> calls;
    a::ProcessOutput answer{0, R"({"Version":1,"AccessKeyId":"AKIAPROC","SecretAccessKey":"sk"})", ""};
    std::vector<std::optional<std::chrono::milliseconds>> limits;
    f.ctx.run_process = [&](const std::vector<std::string>& argv,
                            std::optional<std::chrono::milliseconds> limit) -> Result<a::ProcessOutput> {
        calls.push_back(argv);
        limits.push_back(limit);
        return answer;
    };
    auto c = a::credentials_from_process(f.ctx, "/opt/bin/creds --profile 'my team'", "ci");
    BOOST_REQUIRE(c.ok());
    BOOST_REQUIRE_EQUAL(calls.size(), 1u);
    BOOST_TEST(calls[0] == (std::vector<std::string>{"/opt/bin/creds", "--profile", "my team"}));
    BOOST_TEST(c->source == "profile ci: credential_process");
    BOOST_TEST((limits.back() == std::optional<std::chrono::milliseconds>(std::chrono::minutes(1))));

    answer = {1, "{\"SecretAccessKey\":\"" + std::string(secret_key) + "\"}", ""};
    c = a::credentials_from_process(f.ctx, "/opt/bin/creds --profile 'my team'", "ci");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().message == "credential_process \"/opt/bin/creds --profile 'my team'\" exited with status 1");
    BOOST_TEST(c.error().kind == ErrorKind::credentials);
    check_no_secrets(c.error());

    answer = {-9, "", ""};
    c = a::credentials_from_process(f.ctx, "/opt/bin/creds", "ci");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "killed by signal 9"));

    c = a::credentials_from_process(f.ctx, "/opt/bin/creds 'unterminated", "ci");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::config);
    BOOST_TEST(contains(c.error().message, "unterminated single quote"));

    c = a::credentials_from_process(f.ctx, "  ", "ci");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::config);
    BOOST_TEST(calls.size() == 3u);  // neither of the last two ran anything
}

BOOST_AUTO_TEST_CASE(real_children) {
    TempDir dir;
    const std::string json_ok = R"({"Version": 1, "AccessKeyId": "AKIACHILD", "SecretAccessKey": ")" +
                                std::string(secret_key) + R"(", "SessionToken": "child-token", )" +
                                R"("Expiration": "2026-03-01T12:00:00Z"})";
    const std::string ok = dir.write("ok.sh", "#!/bin/sh\ncat <<'EOF'\n" + json_ok + "\nEOF\n", true);
    const std::string args = dir.write(
        "args dir/args.sh",
        "#!/bin/sh\nprintf '{\"Version\":1,\"AccessKeyId\":\"%s\",\"SecretAccessKey\":\"%s|%s\"}' \"$1\" \"$2\" "
        "\"$CAT_TEST_CHILD_VAR\"\n",
        true);
    const std::string fail = dir.write(
        "fail.sh",
        "#!/bin/sh\necho 'credential helper: no session, log in first' >&2\necho '" + json_ok + "'\nexit 1\n", true);
    const std::string garbage =
        dir.write("garbage.sh", "#!/bin/sh\necho 'hello, not json " + std::string(secret_key) + "'\n", true);
    const std::string big = dir.write("big.sh", "#!/bin/sh\nhead -c 2000000 /dev/zero\n", true);
    const std::string killed = dir.write("killed.sh", "#!/bin/sh\nkill -9 $$\n", true);
    const std::string not_exec = dir.write("not-exec.sh", "#!/bin/sh\necho hi\n", false);

    a::ProviderContext ctx;                                                                // the real run_process
    ctx.call.now = [] { return std::chrono::sys_days{std::chrono::year{2026} / 2 / 1}; };  // before ok.sh's Expiration
    auto c = a::credentials_from_process(ctx, ok, "p");
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "AKIACHILD");
    BOOST_TEST(c->keys.secret_access_key == secret_key);
    BOOST_TEST(c->keys.session_token == "child-token");
    BOOST_TEST(a::format_rfc3339(*c->expiration) == "2026-03-01T12:00:00Z");

    // Words with spaces reach the child intact; the child inherits our environment.
    ::setenv("CAT_TEST_CHILD_VAR", "inherited", 1);  // NOLINT(concurrency-mt-unsafe)
    c = a::credentials_from_process(ctx, "'" + args + "' \"AK WITH SPACE\" second\\ word", "p");
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "AK WITH SPACE");
    BOOST_TEST(c->keys.secret_access_key == "second word|inherited");

    c = a::credentials_from_process(ctx, fail, "p");
    BOOST_REQUIRE(!c.ok());
    // One cleaned line of its standard error, the last.
    BOOST_TEST(c.error().message == "credential_process \"" + fail +
                                        "\" exited with status 1 (its last line on stderr: credential helper: no "
                                        "session, log in first)");
    check_no_secrets(c.error());

    c = a::credentials_from_process(ctx, garbage, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "not a JSON object"));
    BOOST_TEST(contains(c.error().message, garbage));
    check_no_secrets(c.error(), {"hello"});

    c = a::credentials_from_process(ctx, big, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "more than 1 MiB"), c.error().message);

    c = a::credentials_from_process(ctx, killed, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "killed by signal 9"), c.error().message);

    c = a::credentials_from_process(ctx, dir.path + "/no-such-program --flag", "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "cannot run \"" + dir.path + "/no-such-program\""), c.error().message);
    BOOST_TEST(contains(c.error().message, "No such file"), c.error().message);

    c = a::credentials_from_process(ctx, not_exec, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(contains(c.error().message, "Permission denied"), c.error().message);

    // Credentials already expired are refused (as botocore), naming when.
    ctx.call.now = [] { return std::chrono::sys_days{std::chrono::year{2026} / 3 / 2}; };
    c = a::credentials_from_process(ctx, ok, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::credentials);
    BOOST_TEST(contains(c.error().message, "expired at 2026-03-01T12:00:00Z"), c.error().message);
    check_no_secrets(c.error());

    // Fifty lines on stderr and a failure: one line of it, cut, control characters gone.
    const std::string noisy = dir.write(
        "noisy.sh",
        "#!/bin/sh\ni=0; while [ $i -lt 50 ]; do echo \"line $i $(printf '\\033')[31m red\" >&2; i=$((i+1)); done\n"
        "printf '%0300d\\n' 7 >&2\nexit 2\n",
        true);
    c = a::credentials_from_process(ctx, noisy, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().message.find('\n') == std::string::npos);
    BOOST_TEST(c.error().message.find('\x1b') == std::string::npos);
    BOOST_TEST(!contains(c.error().message, "line 49"), c.error().message);
    BOOST_TEST(contains(c.error().message, "(its last line on stderr: 0000"), c.error().message);
    BOOST_TEST(c.error().message.size() < fail.size() + 300, c.error().message);

    // A time limit from the environment; a bad one is a configuration error.
    const std::string hangs = dir.write("hangs.sh", "#!/bin/sh\nsleep 30\n", true);
    ctx.env =
        cat::Env(std::map<std::string, std::string, std::less<>>{{std::string(a::process_timeout_variable), "1"}});
    c = a::credentials_from_process(ctx, hangs, "p");
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.error().kind == ErrorKind::credentials);
    BOOST_TEST(contains(c.error().message, "did not finish within 1000 ms (killed)"), c.error().message);
    BOOST_TEST(contains(c.error().message, "CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT"), c.error().message);
    for (const char* bad : {"-1", "1.5", "abc", "100000"}) {
        ctx.env =
            cat::Env(std::map<std::string, std::string, std::less<>>{{std::string(a::process_timeout_variable), bad}});
        c = a::credentials_from_process(ctx, ok, "p");
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::config);
    }

    // PATH lookup (execvp) and an exit status from a program we did not write.
    auto out = a::run_process({"sh", "-c", "printf hello; exit 3"});
    BOOST_REQUIRE(out.ok());
    BOOST_TEST(out->exit_code == 3);
    BOOST_TEST(out->out == "hello");
}

BOOST_AUTO_TEST_SUITE_END()

// ---- SSO -----------------------------------------------------------------------------------------------

namespace {

const std::string sso_token_value = "aoaAAAAAGSSOACCESSTOKENEXAMPLE";

std::string cache_json(const std::string& expires_at) {
    return R"({"startUrl":"https://d-1234567890.awsapps.com/start","region":"us-east-1","accessToken":")" +
           sso_token_value + R"(","expiresAt":")" + expires_at + R"("})";
}

std::string role_credentials_json(long long expiration_ms = 1772371200123) {
    return R"({"roleCredentials":{"accessKeyId":"ASIASSOEXAMPLE","secretAccessKey":")" + std::string(secret_key) +
           R"(","sessionToken":")" + std::string(session_token) + R"(","expiration":)" + std::to_string(expiration_ms) +
           "}}";
}

a::SsoSettings session_settings() {
    a::SsoSettings s;
    s.profile = "dev";
    s.session_name = "my-sso-session";
    s.start_url = "https://d-1234567890.awsapps.com/start";
    s.region = "us-east-1";
    s.account_id = "111122223333";
    s.role_name = "ReadOnly";
    return s;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sso)

BOOST_AUTO_TEST_CASE(cache_file_name_is_the_sha1_of_the_key) {
    // printf %s my-sso-session | sha1sum
    BOOST_TEST(a::sso_cache_file_name("my-sso-session") == "b755b5ec73400c04400e978208d8559ad1f39053.json");
    // printf %s https://d-1234567890.awsapps.com/start | sha1sum
    BOOST_TEST(a::sso_cache_file_name("https://d-1234567890.awsapps.com/start") ==
               "7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json");
    BOOST_TEST(a::sso_cache_file_name("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709.json");
}

BOOST_FIXTURE_TEST_CASE(session_profile_reads_its_cache_and_calls_the_portal, Fixture) {
    files["/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json"] =
        cache_json("2026-03-01T08:00:00Z");
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, role_credentials_json()); };
    auto c = a::credentials_from_sso(ctx, session_settings());
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_REQUIRE_EQUAL(transport.requests.size(), 1u);
    const auto& r = transport.requests[0];
    BOOST_TEST(r.method == "GET");
    BOOST_TEST(
        url_of(r) ==
        "https://portal.sso.us-east-1.amazonaws.com/federation/credentials?account_id=111122223333&role_name=ReadOnly");
    BOOST_TEST(request_header(r, "x-amz-sso_bearer_token") == sso_token_value);
    BOOST_TEST(c->keys.access_key_id == "ASIASSOEXAMPLE");
    BOOST_TEST(c->keys.secret_access_key == secret_key);
    BOOST_TEST(c->keys.session_token == session_token);
    BOOST_TEST(a::format_rfc3339(*c->expiration) == "2026-03-01T13:20:00Z");  // 1772371200123 ms
    BOOST_TEST(contains(c->source, "111122223333"));
}

BOOST_FIXTURE_TEST_CASE(legacy_profile_hashes_the_start_url_and_other_partitions_use_their_suffix, Fixture) {
    auto s = session_settings();
    s.session_name.clear();
    s.region = "cn-north-1";
    s.role_name = "Role With Space";
    files["/home/tester/.aws/sso/cache/7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"] =
        cache_json("2026-03-01T08:00:00Z");
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, role_credentials_json()); };
    auto c = a::credentials_from_sso(ctx, s);
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(url_of(transport.requests.at(0)) ==
               "https://portal.sso.cn-north-1.amazonaws.com.cn/federation/credentials?account_id=111122223333&"
               "role_name=Role%20With%20Space");
}

BOOST_AUTO_TEST_CASE(missing_or_expired_tokens_say_how_to_log_in) {
    {
        Fixture f;
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(contains(c.error().message, "aws sso login --sso-session my-sso-session"), c.error().message);
        BOOST_TEST(f.transport.requests.empty());
    }
    {
        Fixture f;
        auto s = session_settings();
        s.session_name.clear();
        auto c = a::credentials_from_sso(f.ctx, s);
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(contains(c.error().message, "aws sso login --profile dev"), c.error().message);
    }
    for (const char* expires : {"2026-02-28T23:00:00Z", "2026-03-01T00:00:00Z", "2026-03-01T01:00:00+01:00"}) {
        Fixture f;  // the clock says 2026-03-01T00:00:00Z
        f.files["/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json"] = cache_json(expires);
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(contains(c.error().message, "expired"), c.error().message);
        BOOST_TEST(contains(c.error().message, "aws sso login --sso-session my-sso-session"));
        check_no_secrets(c.error(), {sso_token_value});
        BOOST_TEST(f.transport.requests.empty());
    }
    for (const std::string& content :
         std::vector<std::string>{std::string("not json"), std::string(R"({"expiresAt":"2026-03-02T00:00:00Z"})"),
                                  R"({"accessToken":")" + sso_token_value + R"("})",
                                  R"({"accessToken":")" + sso_token_value + R"(","expiresAt":"tomorrow"})",
                                  R"({"accessToken":"a\r\nb","expiresAt":"2026-03-02T00:00:00Z"})"}) {
        Fixture f;
        f.files["/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json"] = content;
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(contains(c.error().message, "is invalid"), c.error().message);
        BOOST_TEST(contains(c.error().message, "aws sso login"));
        check_no_secrets(c.error(), {sso_token_value});
    }
}

BOOST_AUTO_TEST_CASE(portal_errors) {
    const auto run = [](h::Response answer, std::size_t expected_requests) {
        Fixture f;
        f.files["/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json"] =
            cache_json("2026-03-01T08:00:00Z");
        f.transport.handler = [answer](const h::Request&) -> Result<h::Response> { return answer; };
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(f.transport.requests.size() == expected_requests);
        check_no_secrets(c.error(), {sso_token_value});
        return c.error();
    };
    auto e = run(response(401, R"({"message":"Session token not found or invalid"})",
                          {{"x-amzn-ErrorType", "UnauthorizedException:http://internal.amazon.com/"}}),
                 1);
    BOOST_TEST(e.kind == ErrorKind::credentials);
    BOOST_TEST(contains(e.message, "the SSO session has expired or is invalid"), e.message);
    BOOST_TEST(contains(e.message, "aws sso login --sso-session my-sso-session"));
    BOOST_TEST(e.http_status == 401);

    e = run(response(403, R"({"message":"No access"})", {{"x-amzn-ErrorType", "ForbiddenException"}}), 1);
    BOOST_TEST(e.kind == ErrorKind::api);
    BOOST_TEST(e.code == "ForbiddenException");
    BOOST_TEST(contains(e.message, "No access"));

    e = run(response(500, R"({"message":"boom"})"), 3);  // retried
    BOOST_TEST(e.kind == ErrorKind::api);

    e = run(response(200, "{\"roleCredentials\":{\"accessKeyId\":\"AK\"}}"), 1);
    BOOST_TEST(contains(e.message, "unreadable response"));
}

BOOST_FIXTURE_TEST_CASE(configured_endpoint_and_bad_settings, Fixture) {
    auto s = session_settings();
    s.endpoint_url = "http://127.0.0.1:4566/sso-base/";
    files["/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json"] =
        cache_json("2026-03-01T08:00:00Z");
    transport.handler = [](const h::Request&) -> Result<h::Response> { return response(200, role_credentials_json()); };
    BOOST_REQUIRE(a::credentials_from_sso(ctx, s).ok());
    BOOST_TEST(url_of(transport.requests.at(0)) ==
               "http://127.0.0.1:4566/sso-base/federation/credentials?account_id=111122223333&role_name=ReadOnly");

    for (auto tweak : std::vector<std::function<void(a::SsoSettings&)>>{
             [](a::SsoSettings& x) { x.account_id.clear(); }, [](a::SsoSettings& x) { x.role_name.clear(); },
             [](a::SsoSettings& x) { x.region.clear(); },
             [](a::SsoSettings& x) { x.region = "us-east-1.evil.example/"; },
             [](a::SsoSettings& x) {
                 x.session_name.clear();
                 x.start_url.clear();
             },
             [](a::SsoSettings& x) { x.endpoint_url = "not a url"; }}) {
        Fixture g;
        auto bad = session_settings();
        tweak(bad);
        auto c = a::credentials_from_sso(g.ctx, bad);
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::config, c.error().message);
        BOOST_TEST(g.transport.requests.empty());
    }
}

namespace {

const std::string sso_cache_path = "/home/tester/.aws/sso/cache/b755b5ec73400c04400e978208d8559ad1f39053.json";
const std::string refresh_token_value = "Atzr|REFRESHTOKENEXAMPLE";
const std::string client_secret_value = "eyJraWQiOiJDTElFTlRTRUNSRVRFWEFNUExFIn0";
const std::string new_access_token = "aoaNEWACCESSTOKENEXAMPLE";

// A cache file as `aws sso login` writes it, with the registration botocore needs to refresh.
std::string refreshable_cache_json(const std::string& expires_at,
                                   const std::string& registration_expires_at = "2026-05-01T00:00:00Z",
                                   bool with_refresh_token = true) {
    std::string json = R"({"startUrl":"https://d-1234567890.awsapps.com/start","region":"us-east-1","accessToken":")" +
                       sso_token_value + R"(","expiresAt":")" + expires_at +
                       R"(","clientId":"client-id-EXAMPLE","clientSecret":")" + client_secret_value +
                       R"(","registrationExpiresAt":")" + registration_expires_at + "\"";
    if (with_refresh_token) json += R"(,"refreshToken":")" + refresh_token_value + "\"";
    return json + "}";
}

// A fixture whose transport plays SSO OIDC (POST .../token) and the portal, and whose file writes are kept.
struct SsoRefreshFixture : Fixture {
    std::map<std::string, std::string> written;
    h::Response oidc_answer =
        response(200, R"({"accessToken":")" + new_access_token +
                          R"(","tokenType":"Bearer","expiresIn":28800,"refreshToken":"Atzr|ROTATED"})");
    SsoRefreshFixture() {
        ctx.write_file = [this](const std::string& path, std::string_view bytes) -> cat::Status {
            written[path] = std::string(bytes);
            return cat::Ok{};
        };
        transport.handler = [this](const h::Request& r) -> Result<h::Response> {
            if (r.method == "POST") return oidc_answer;
            return response(200, role_credentials_json());
        };
    }
    std::vector<const h::Request*> posts() const {
        std::vector<const h::Request*> out;
        for (const auto& r : transport.requests)
            if (r.method == "POST") out.push_back(&r);
        return out;
    }
};

std::string json_string(const std::string& json, const char* name) {
    rapidjson::Document doc;
    doc.Parse(json.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember(name) || !doc[name].IsString()) return "<absent>";
    return doc[name].GetString();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(an_expiring_session_token_is_refreshed_and_written_back, SsoRefreshFixture) {
    // The clock says 2026-03-01T00:00:00Z: 10 minutes left is inside botocore's 15-minute window.
    files[sso_cache_path] = refreshable_cache_json("2026-03-01T00:10:00Z");
    std::vector<std::string> debug;
    ctx.call.debug = [&](const std::string& line) { debug.push_back(line); };
    auto c = a::credentials_from_sso(ctx, session_settings());
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_REQUIRE_EQUAL(transport.requests.size(), 2u);
    const h::Request& post = transport.requests[0];
    BOOST_TEST(post.method == "POST");
    BOOST_TEST(url_of(post) == "https://oidc.us-east-1.amazonaws.com/token");
    BOOST_TEST(request_header(post, "Content-Type") == "application/json");
    BOOST_TEST(!has_request_header(post, "Authorization"));  // unsigned
    BOOST_TEST(json_string(post.body, "grantType") == "refresh_token");
    BOOST_TEST(json_string(post.body, "clientId") == "client-id-EXAMPLE");
    BOOST_TEST(json_string(post.body, "clientSecret") == client_secret_value);
    BOOST_TEST(json_string(post.body, "refreshToken") == refresh_token_value);
    // The portal gets the new token.
    BOOST_TEST(request_header(transport.requests[1], "x-amz-sso_bearer_token") == new_access_token);

    BOOST_REQUIRE_EQUAL(written.count(sso_cache_path), 1u);
    const std::string& file = written[sso_cache_path];
    BOOST_TEST(json_string(file, "accessToken") == new_access_token);
    BOOST_TEST(json_string(file, "expiresAt") == "2026-03-01T08:00:00Z");  // now + expiresIn
    BOOST_TEST(json_string(file, "refreshToken") == "Atzr|ROTATED");
    BOOST_TEST(json_string(file, "clientId") == "client-id-EXAMPLE");
    BOOST_TEST(json_string(file, "clientSecret") == client_secret_value);
    BOOST_TEST(json_string(file, "registrationExpiresAt") == "2026-05-01T00:00:00Z");
    BOOST_TEST(json_string(file, "startUrl") == "https://d-1234567890.awsapps.com/start");
    BOOST_TEST(json_string(file, "region") == "us-east-1");
    for (const auto& line : debug)
        for (const std::string& secret :
             {sso_token_value, new_access_token, refresh_token_value, client_secret_value, std::string("ROTATED")})
            BOOST_TEST(!contains(line, secret), line);
}

BOOST_FIXTURE_TEST_CASE(an_expired_session_token_is_refreshed_without_rotation, SsoRefreshFixture) {
    files[sso_cache_path] = refreshable_cache_json("2026-02-28T20:00:00Z");
    oidc_answer =
        response(200, R"({"accessToken":")" + new_access_token + R"(","tokenType":"Bearer","expiresIn":3600})");
    auto s = session_settings();
    s.oidc_endpoint_url = "http://127.0.0.1:4566/oidc-base/";
    auto c = a::credentials_from_sso(ctx, s);
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(url_of(transport.requests.at(0)) == "http://127.0.0.1:4566/oidc-base/token");
    const std::string& file = written[sso_cache_path];
    BOOST_TEST(json_string(file, "expiresAt") == "2026-03-01T01:00:00Z");
    BOOST_TEST(json_string(file, "refreshToken") == "<absent>");  // botocore keeps only a returned one
}

BOOST_FIXTURE_TEST_CASE(tokens_with_time_left_are_not_refreshed, SsoRefreshFixture) {
    files[sso_cache_path] = refreshable_cache_json("2026-03-01T00:15:00Z");  // exactly 15 minutes: not < window
    BOOST_REQUIRE(a::credentials_from_sso(ctx, session_settings()).ok());
    BOOST_TEST(posts().empty());
    BOOST_TEST(written.empty());
}

BOOST_AUTO_TEST_CASE(an_expired_token_that_cannot_be_refreshed_says_how_to_log_in) {
    const auto run = [](const std::string& cache, a::SsoSettings s = session_settings()) {
        SsoRefreshFixture f;
        f.files[s.session_name.empty() ? "/home/tester/.aws/sso/cache/7487b5b67d5fa1132cf33fa93ae51ef38cc37752.json"
                                       : sso_cache_path] = cache;
        auto c = a::credentials_from_sso(f.ctx, s);
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(f.posts().empty());
        BOOST_TEST(f.written.empty());
        check_no_secrets(c.error(), {sso_token_value, refresh_token_value, client_secret_value});
        return c.error().message;
    };
    auto m = run(refreshable_cache_json("2026-02-28T23:00:00Z", "2026-05-01T00:00:00Z", false));
    BOOST_TEST(contains(m, "the SSO session my-sso-session has expired"), m);
    BOOST_TEST(contains(m, "no refresh token"), m);
    BOOST_TEST(contains(m, "run `aws sso login --sso-session my-sso-session`"), m);
    m = run(refreshable_cache_json("2026-02-28T23:00:00Z", "2026-02-28T00:00:00Z"));
    BOOST_TEST(contains(m, "client registration expired at 2026-02-28T00:00:00Z"), m);
    m = run(refreshable_cache_json("2026-02-28T23:00:00Z", "someday"));
    BOOST_TEST(contains(m, "registrationExpiresAt"), m);
    // Legacy profiles (sso_start_url in the profile) are not refreshed, as in botocore.
    auto legacy = session_settings();
    legacy.session_name.clear();
    m = run(refreshable_cache_json("2026-02-28T23:00:00Z"), legacy);
    BOOST_TEST(contains(m, "expired at"), m);
    BOOST_TEST(contains(m, "aws sso login --profile dev"), m);
}

BOOST_AUTO_TEST_CASE(a_failed_refresh) {
    const auto oidc_refusal = response(400, R"({"error":"invalid_grant","error_description":"expired"})",
                                       {{"x-amzn-ErrorType", "InvalidGrantException"}, {"x-amzn-RequestId", "r-1"}});
    {
        // Expired: the error names the code and says how to log in.
        SsoRefreshFixture f;
        f.files[sso_cache_path] = refreshable_cache_json("2026-02-28T23:00:00Z");
        f.oidc_answer = oidc_refusal;
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(c.error().code == "InvalidGrantException");
        BOOST_TEST(c.error().http_status == 400);
        BOOST_TEST(contains(c.error().message, "has expired and could not be refreshed"), c.error().message);
        BOOST_TEST(contains(c.error().message, "aws sso login --sso-session my-sso-session"));
        BOOST_TEST(f.transport.requests.size() == 1u);
        BOOST_TEST(f.written.empty());
        check_no_secrets(c.error(), {sso_token_value, refresh_token_value, client_secret_value});
    }
    {
        // Not expired yet: the cached token is used (botocore).
        SsoRefreshFixture f;
        f.files[sso_cache_path] = refreshable_cache_json("2026-03-01T00:05:00Z");
        f.oidc_answer = oidc_refusal;
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
        BOOST_REQUIRE_EQUAL(f.transport.requests.size(), 2u);
        BOOST_TEST(request_header(f.transport.requests[1], "x-amz-sso_bearer_token") == sso_token_value);
        BOOST_TEST(f.written.empty());
    }
    {
        // A server error is retried with the call policy, then reported.
        SsoRefreshFixture f;
        f.files[sso_cache_path] = refreshable_cache_json("2026-02-28T23:00:00Z");
        f.oidc_answer = response(500, R"({"message":"boom"})");
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_REQUIRE(!c.ok());
        BOOST_TEST(f.transport.requests.size() == 3u);
        BOOST_TEST(c.error().http_status == 500);
    }
    {
        // A write that fails does not fail the run.
        SsoRefreshFixture f;
        f.files[sso_cache_path] = refreshable_cache_json("2026-02-28T23:00:00Z");
        f.ctx.write_file = [](const std::string& path, std::string_view) -> cat::Status {
            return Error::make(ErrorKind::config, "cannot write " + path);
        };
        auto c = a::credentials_from_sso(f.ctx, session_settings());
        BOOST_TEST(c.ok(), why(c));
    }
}

BOOST_AUTO_TEST_CASE(create_token_parsing) {
    auto r = a::parse_sso_create_token(R"({"accessToken":"AT","expiresIn":60,"refreshToken":"RT"})");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->access_token.reveal() == "AT");
    BOOST_TEST(r->expires_in.count() == 60);
    BOOST_REQUIRE(r->refresh_token.has_value());
    for (const std::string bad :
         {"", "[]", R"({"expiresIn":60})", R"({"accessToken":"AT"})", R"({"accessToken":"AT","expiresIn":"60"})",
          R"({"accessToken":"AT","expiresIn":0})", R"({"accessToken":"A\nT","expiresIn":60})",
          R"({"accessToken":"AT","expiresIn":60,"refreshToken":5})"}) {
        auto b = a::parse_sso_create_token(bad);
        BOOST_TEST(!b.ok(), bad);
        if (!b.ok()) BOOST_TEST(!contains(b.error().message, "AT"), b.error().message);
    }
}

BOOST_AUTO_TEST_CASE(role_credentials_parsing) {
    auto c = a::parse_sso_role_credentials(role_credentials_json(1700000000999));
    BOOST_REQUIRE(c.ok());
    BOOST_TEST(c->expiration->time_since_epoch().count() == 1700000000);
    const std::vector<std::string> bad_inputs = {
        "",
        "[]",
        R"({"roleCredentials":[]})",
        R"({"roleCredentials":{"accessKeyId":"AK","secretAccessKey":"SK","sessionToken":"T"}})",
        R"({"roleCredentials":{"accessKeyId":"AK","secretAccessKey":"SK","sessionToken":"T","expiration":"1"}})",
        R"({"roleCredentials":{"accessKeyId":"AK","secretAccessKey":"SK","sessionToken":"T","expiration":-5}})",
        R"({"roleCredentials":{"accessKeyId":"AK","secretAccessKey":"SK","sessionToken":"T","expiration":1e300}})",
    };
    for (const std::string& bad : bad_inputs) {
        auto r = a::parse_sso_role_credentials(bad);
        BOOST_TEST(!r.ok(), bad);
    }
}

BOOST_AUTO_TEST_SUITE_END()

// ---- files ---------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(read_whole_file_reads_and_names_the_path_on_failure) {
    TempDir dir;
    const std::string p = dir.write("f.txt", std::string("a\0b", 3));
    auto r = a::read_whole_file(p);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == std::string("a\0b", 3));
    auto missing = a::read_whole_file(dir.path + "/missing");
    BOOST_REQUIRE(!missing.ok());
    BOOST_TEST(contains(missing.error().message, dir.path + "/missing"));
    BOOST_TEST(!a::read_whole_file(dir.path).ok());  // a directory
}

// ---- real sockets: the loopback metadata server ------------------------------------------------------

namespace {

std::string metadata_url() {
    const std::string u = getenv_str("CAT_TEST_METADATA_URL");
    BOOST_REQUIRE_MESSAGE(!u.empty(),
                          "CAT_TEST_METADATA_URL is not set: run under tests/tools/with-servers --metadata");
    BOOST_REQUIRE_MESSAGE(u.starts_with("http://127.0.0.1:"), "the metadata server must be on loopback: " + u);
    return u;
}

// The server's request log (one JSON object per line), from line `from` on.
std::vector<std::string> log_lines() {
    std::ifstream in(getenv_str("CAT_TEST_METADATA_STATE") + "/metadata_server.log");
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) out.push_back(line);
    return out;
}

std::string logged_header(const std::string& line, const char* name) {
    rapidjson::Document doc;
    doc.Parse(line.c_str());
    if (doc.HasParseError() || !doc.IsObject() || !doc.HasMember("headers") || !doc["headers"].IsObject()) return {};
    const auto& hs = doc["headers"];
    const auto it = hs.FindMember(name);
    return it != hs.MemberEnd() && it->value.IsString() ? it->value.GetString() : "";
}

// A real-transport context: no fake transport, no proxy, quick timeouts, no real sleeping.
struct RealFixture {
    a::ProviderContext ctx;
    RealFixture() {
        ctx.transport_options.connect_timeout = 5s;
        ctx.transport_options.read_timeout = 5s;
        ctx.call.sleep = [](std::chrono::milliseconds) {};
    }
};

// A loopback port nothing listens on (bound, then closed).
std::uint16_t closed_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(real_container)

BOOST_FIXTURE_TEST_CASE(full_uri_on_loopback_with_a_token_file, RealFixture) {
    const std::string base = metadata_url();
    TempDir dir;
    const std::string token_file = dir.write("token", getenv_str("CAT_TEST_CONTAINER_TOKEN") + "\n");
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", base + "/container/creds");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", token_file);
    a::ContainerProvider p(ctx);
    const std::size_t before = log_lines().size();
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "ASIAMETADATAEXAMPLE");
    BOOST_TEST(c->keys.secret_access_key == "metadataSecretKeyEXAMPLE0123456789abcdef");
    BOOST_TEST(c->keys.session_token == "metadataSessionTokenEXAMPLE");
    BOOST_TEST(c->role_arn == "arn:aws:iam::111122223333:role/metadata-test-role");
    BOOST_TEST(c->expiration.has_value());
    const auto lines = log_lines();
    BOOST_REQUIRE_EQUAL(lines.size(), before + 1);
    BOOST_TEST(logged_header(lines.back(), "authorization") == getenv_str("CAT_TEST_CONTAINER_TOKEN"));

    // The file is read again on the next resolve: a rotated (wrong) token now fails, after 3 attempts.
    dir.write("token", "rotated-wrong-token");
    auto bad = p.resolve();
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().http_status == 401);
    BOOST_TEST(!contains(bad.error().message, "rotated-wrong-token"));
    BOOST_TEST(log_lines().size() == before + 4);
}

BOOST_AUTO_TEST_CASE(garbage_and_server_errors) {
    const std::string base = metadata_url();
    for (const std::string path : {"/garbage/container/creds", "/fail-500/container/creds"}) {
        RealFixture f;
        f.ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", base + path);
        f.ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", getenv_str("CAT_TEST_CONTAINER_TOKEN"));
        a::ContainerProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(!c.ok(), path);
        BOOST_TEST(c.error().kind == ErrorKind::credentials);
        BOOST_TEST(c.applies());
        BOOST_TEST_MESSAGE(path << ": " << why(c));
    }
}

BOOST_FIXTURE_TEST_CASE(its_own_transport_ignores_the_proxy, RealFixture) {
    // botocore sends container credential requests directly: a configured (dead) proxy must not matter.
    ctx.transport_options.proxy.http_proxy = "http://127.0.0.1:" + std::to_string(closed_port());
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI", metadata_url() + "/container/creds");
    ctx.env.set("AWS_CONTAINER_AUTHORIZATION_TOKEN", getenv_str("CAT_TEST_CONTAINER_TOKEN"));
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_TEST(c.ok(), why(c));
}

BOOST_FIXTURE_TEST_CASE(nothing_listening_is_an_error, RealFixture) {
    ctx.env.set("AWS_CONTAINER_CREDENTIALS_FULL_URI",
                "http://127.0.0.1:" + std::to_string(closed_port()) + "/container/creds");
    a::ContainerProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(c.applies());
    BOOST_TEST(cat::stage_name(c.error().stage) == "connect");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_imds)

BOOST_FIXTURE_TEST_CASE(credentials_and_region_over_imdsv2, RealFixture) {
    const std::string base = metadata_url();
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base);
    a::ImdsProvider p(ctx);
    const std::size_t before = log_lines().size();
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "ASIAMETADATAEXAMPLE");
    BOOST_TEST(c->keys.session_token == "metadataSessionTokenEXAMPLE");
    BOOST_TEST(contains(c->source, "metadata-test-role"));
    const auto lines = log_lines();
    BOOST_REQUIRE_EQUAL(lines.size(), before + 3);
    BOOST_TEST(logged_header(lines[before], "x-aws-ec2-metadata-token-ttl-seconds") == "21600");
    BOOST_TEST(!logged_header(lines[before + 1], "x-aws-ec2-metadata-token").empty());

    auto region = p.region();
    BOOST_REQUIRE_MESSAGE(region.ok(), why(region));
    BOOST_TEST(*region == "eu-west-3");
}

BOOST_AUTO_TEST_CASE(faults) {
    const std::string base = metadata_url();
    const auto run = [&](const std::string& prefix) {
        RealFixture f;
        f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base + prefix);
        a::ImdsProvider p(f.ctx);
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(!c.ok(), prefix);
        BOOST_TEST_MESSAGE(prefix << ": " << why(c));
        if (c.failed())
            check_no_secrets(c.error(), {"metadataSecretKeyEXAMPLE", "metadataSessionTokenEXAMPLE", "imds-"});
        return c;
    };
    auto no_role = run("/no-role");
    BOOST_TEST(!no_role.applies());
    BOOST_TEST(contains(no_role.reason(), "no IAM role"));
    for (const auto& [prefix, expected] :
         {std::pair{"/garbage", "not a JSON object"}, std::pair{"/error-code/", "AssumeRoleUnauthorizedAccess"}}) {
        auto c = run(prefix);
        BOOST_REQUIRE(c.failed());
        BOOST_TEST(contains(c.error().message, expected));
    }
}

BOOST_AUTO_TEST_CASE(imdsv1_fallback_and_its_switch_off) {
    const std::string base = metadata_url();
    for (const std::string prefix : {"/v1-only", "/token-404", "/token-405", "/token-silent"}) {
        RealFixture f;
        f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base + prefix);
        f.ctx.env.set("AWS_METADATA_SERVICE_TIMEOUT", "1");
        a::ImdsProvider p(f.ctx);
        const std::size_t before = log_lines().size();
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(c.ok(), prefix << ": " << why(c));
        BOOST_TEST(c->keys.access_key_id == "ASIAMETADATAEXAMPLE");
        BOOST_TEST(contains(c->source, "IMDSv1"));
        const auto lines = log_lines();
        BOOST_REQUIRE_EQUAL(lines.size(), before + 3);
        BOOST_TEST(logged_header(lines[before + 1], "x-aws-ec2-metadata-token").empty());
        BOOST_TEST(logged_header(lines[before + 2], "x-aws-ec2-metadata-token").empty());
        auto region = p.region();
        BOOST_REQUIRE_MESSAGE(region.ok(), why(region));
        BOOST_TEST(*region == "eu-west-3");
    }
    for (const std::string prefix : {"/v1-only", "/token-silent"}) {
        RealFixture f;
        f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base + prefix);
        f.ctx.env.set("AWS_METADATA_SERVICE_TIMEOUT", "1");
        f.ctx.env.set("AWS_EC2_METADATA_V1_DISABLED", "true");
        a::ImdsProvider p(f.ctx);
        const std::size_t before = log_lines().size();
        auto c = p.resolve();
        BOOST_REQUIRE_MESSAGE(c.failed(), prefix);
        BOOST_TEST(contains(c.error().message, "IMDSv1 is disabled by AWS_EC2_METADATA_V1_DISABLED"),
                   c.error().message);
        BOOST_TEST(log_lines().size() == before + 1);  // the PUT only
    }
}

BOOST_FIXTURE_TEST_CASE(ipv6_endpoint_on_loopback, RealFixture) {
    // The IPv6 mode's address (fd00:ec2::254) exists only on EC2: the endpoint setting, which botocore lets win
    // over the mode, points the same client at the server's [::1] listener. The mode's URL: endpoint_and_mode_settings.
    const std::string base6 = getenv_str("CAT_TEST_METADATA_URL6");
    if (base6.empty()) {
        BOOST_TEST_MESSAGE("no IPv6 loopback on this machine: only the URL selection is tested");
        return;
    }
    BOOST_REQUIRE(base6.starts_with("http://[::1]:"));
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "IPv6");
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base6);
    a::ImdsProvider p(ctx);
    const std::size_t before = log_lines().size();
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "ASIAMETADATAEXAMPLE");
    const auto lines = log_lines();
    BOOST_REQUIRE_EQUAL(lines.size(), before + 3);
    BOOST_TEST(logged_header(lines[before], "host") == base6.substr(7));
    BOOST_TEST(!logged_header(lines[before + 1], "x-aws-ec2-metadata-token").empty());
}

BOOST_FIXTURE_TEST_CASE(goes_through_the_configured_proxy, RealFixture) {
    // botocore applies the environment's proxies to IMDS: a dead proxy means nothing answers.
    const std::string proxy = "127.0.0.1:" + std::to_string(closed_port());
    ctx.transport_options.proxy.http_proxy = "http://" + proxy;
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", metadata_url());
    a::ImdsProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies());
    BOOST_TEST(contains(c.reason(), "proxy " + proxy), c.reason());
}

BOOST_FIXTURE_TEST_CASE(nothing_listening_is_a_skip, RealFixture) {
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(closed_port()));
    a::ImdsProvider p(ctx);
    auto c = p.resolve();
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies(), why(c));
    BOOST_TEST(contains(c.reason(), "no answer from the instance metadata service"), c.reason());
}

BOOST_AUTO_TEST_CASE(a_peer_that_never_answers_times_out_into_a_skip) {
    // Listening but never accepting: the connection completes in the backlog, the token never comes.
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    BOOST_REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    BOOST_REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    BOOST_REQUIRE(::listen(fd, 8) == 0);
    socklen_t len = sizeof addr;
    BOOST_REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    a::ProviderContext ctx;  // the provider's own transport, with AWS_METADATA_SERVICE_TIMEOUT
    ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", "http://127.0.0.1:" + std::to_string(ntohs(addr.sin_port)));
    ctx.env.set("AWS_METADATA_SERVICE_TIMEOUT", "1");
    a::ImdsProvider p(ctx);
    const auto start = std::chrono::steady_clock::now();
    auto c = p.resolve();
    const auto took = std::chrono::steady_clock::now() - start;
    ::close(fd);
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST(!c.applies(), why(c));
    BOOST_TEST(contains(c.reason(), "timed out"), c.reason());
    BOOST_TEST(took < 5s);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(real_sso)

BOOST_AUTO_TEST_CASE(cached_token_and_portal_on_loopback) {
    const std::string base = metadata_url();
    TempDir home;
    const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    const std::string token = getenv_str("CAT_TEST_SSO_TOKEN");
    home.write(".aws/sso/cache/" + a::sso_cache_file_name("loopback-session"),
               R"({"accessToken":")" + token + R"(","expiresAt":")" + a::format_rfc3339(now + 1h) +
                   R"(","region":"us-east-1","startUrl":"https://d-1234567890.awsapps.com/start"})");
    RealFixture f;
    f.ctx.home = home.path;  // the default file reader
    a::SsoSettings s;
    s.profile = "loopback";
    s.session_name = "loopback-session";
    s.start_url = "https://d-1234567890.awsapps.com/start";
    s.region = "us-east-1";
    s.account_id = "111122223333";
    s.role_name = "MetadataTestRole";
    s.endpoint_url = base;
    const std::size_t before = log_lines().size();
    auto c = a::credentials_from_sso(f.ctx, s);
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "ASIAMETADATAEXAMPLE");
    BOOST_TEST(c->keys.session_token == "metadataSessionTokenEXAMPLE");
    BOOST_REQUIRE(c->expiration.has_value());
    BOOST_TEST((*c->expiration > now + 50min));
    const auto lines = log_lines();
    BOOST_REQUIRE_EQUAL(lines.size(), before + 1);
    BOOST_TEST(logged_header(lines.back(), "x-amz-sso_bearer_token") == token);

    // The portal refuses another role (403 ForbiddenException: an API error) and a wrong token (401).
    s.role_name = "SomeOtherRole";
    auto forbidden = a::credentials_from_sso(f.ctx, s);
    BOOST_REQUIRE(!forbidden.ok());
    BOOST_TEST(forbidden.error().kind == ErrorKind::api);
    BOOST_TEST(forbidden.error().code == "ForbiddenException");

    s.role_name = "MetadataTestRole";
    home.write(".aws/sso/cache/" + a::sso_cache_file_name("loopback-session"),
               R"({"accessToken":"revoked-token","expiresAt":")" + a::format_rfc3339(now + 1h) + R"("})");
    auto unauthorized = a::credentials_from_sso(f.ctx, s);
    BOOST_REQUIRE(!unauthorized.ok());
    BOOST_TEST(unauthorized.error().kind == ErrorKind::credentials);
    BOOST_TEST(contains(unauthorized.error().message, "the SSO session has expired or is invalid"));
    BOOST_TEST(contains(unauthorized.error().message, "aws sso login --sso-session loopback-session"));
    BOOST_TEST(!contains(unauthorized.error().message, "revoked-token"));
}

BOOST_AUTO_TEST_SUITE_END()

// ---- real sockets: moto's IMDS emulation (tests/tools/with-servers --metadata --moto) ---------------------

namespace {

struct MotoAvailable {
    boost::test_tools::assertion_result operator()(boost::unit_test::test_unit_id) const {
        boost::test_tools::assertion_result r(!getenv_str("CAT_TEST_MOTO_URL").empty());
        r.message() << "CAT_TEST_MOTO_URL is not set (run under tests/tools/with-servers --metadata --moto)";
        return r;
    }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(role_cache)

// The AWS CLI cache entry's Expiration against the clock: a far-future one ("9999-12-31T00:00:00UTC") is
// valid (the difference was once taken in nanoseconds, which overflowed), one within 15 minutes is not.
BOOST_AUTO_TEST_CASE(far_future_and_expiring_entries) {
    Fixture f;
    std::string entry;
    f.ctx.read_if_exists = [&](const std::string&) -> Result<std::optional<std::string>> {
        return std::optional<std::string>(entry);
    };
    const auto with_expiration = [](std::string_view when) {
        return R"({"Credentials": {"AccessKeyId": "ASIACACHEDEXAMPLE", "SecretAccessKey": "s", "SessionToken": "t",)"
               R"( "Expiration": ")" +
               std::string(when) + R"("}})";
    };
    const auto now = std::chrono::system_clock::time_point(ts("2026-03-01T00:00:00Z")) + 999ms;
    entry = with_expiration("9999-12-31T00:00:00UTC");
    auto cached = a::read_role_cache(f.ctx, "/c.json", now);
    BOOST_REQUIRE(cached.has_value());
    BOOST_TEST(cached->keys.access_key_id == "ASIACACHEDEXAMPLE");
    entry = with_expiration("2026-03-01T00:15:01UTC");
    BOOST_TEST(a::read_role_cache(f.ctx, "/c.json", now).has_value());
    entry = with_expiration("2026-03-01T00:14:59UTC");
    BOOST_TEST(!a::read_role_cache(f.ctx, "/c.json", now).has_value());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(moto_imds, *boost::unit_test::precondition(MotoAvailable()))

BOOST_AUTO_TEST_CASE(credentials_and_region_from_moto) {
    const std::string base = getenv_str("CAT_TEST_MOTO_URL");
    BOOST_REQUIRE(base.starts_with("http://127.0.0.1:"));
    RealFixture f;
    f.ctx.env.set("AWS_EC2_METADATA_SERVICE_ENDPOINT", base);
    a::ImdsProvider p(f.ctx);
    auto c = p.resolve();
    BOOST_REQUIRE_MESSAGE(c.ok(), why(c));
    BOOST_TEST(c->keys.access_key_id == "test-key");
    BOOST_TEST(c->keys.secret_access_key == "test-secret-key");
    BOOST_TEST(c->keys.session_token == "test-session-token");
    BOOST_TEST(contains(c->source, "default-role"));
    BOOST_REQUIRE(c->expiration.has_value());
    BOOST_TEST((*c->expiration > std::chrono::system_clock::now()));
    auto region = p.region();
    BOOST_REQUIRE_MESSAGE(region.ok(), why(region));
    BOOST_TEST(*region == "us-east-1");
}

BOOST_AUTO_TEST_SUITE_END()
