// The program core in-process: plugin::run driven through its Io seam, with a fake transport, a fixed
// clock, and a temporary HOME and cache; make_plan's precedence of flags, environment and profile.
#define BOOST_TEST_MODULE plugin_app_test
#include <stdlib.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <new>
#include <sstream>
#include <stdexcept>

#include "aws/caller.hpp"
#include "core/process.hpp"
#include "fake_transport.hpp"
#include "plugin/app.hpp"
#include "plugin/help.hpp"
#include "plugin/helpers.hpp"
#include "plugin/plan.hpp"

namespace fs = std::filesystem;
using namespace std::chrono;
using cat::test::reply;

namespace {

constexpr std::string_view secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const sys_seconds fixed_now = sys_days{2026y / November / 29} + 12h;

std::string token_body(std::string_view token) {
    const auto expires = (fixed_now + 12h).time_since_epoch().count();
    return R"({"authorizationToken":")" + std::string(token) + R"(","expiration":)" + std::to_string(expires) + "}";
}

std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A transport that forwards to the fixture's FakeTransport, so that the replies and the requests sent
// outlive each run.
class Forward : public cat::http::Transport {
public:
    explicit Forward(cat::test::FakeTransport& to) : to_(to) {}
    cat::Result<cat::http::Response> send(const cat::http::Request& r, cat::http::Deadline d) override {
        return to_.send(r, d);
    }

private:
    cat::test::FakeTransport& to_;
};

// One temporary HOME (with ~/.aws/config), one cache directory, an environment with static keys and a
// region, a fixed clock, and the fake transport. run() records stdout, stderr lines and the exit code.
struct App {
    fs::path root;
    std::map<std::string, std::string, std::less<>> vars;
    cat::test::FakeTransport transport;
    std::string out;
    std::vector<std::string> err;
    int out_calls = 0;
    bool out_fails = false;  // stdout closed or full
    cat::plugin::Io io;

    App() {
        std::string tmpl = (fs::temp_directory_path() / "cat-plugin-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        root = tmpl;
        fs::create_directories(root / "home/.aws");
        std::ofstream(root / "home/.aws/config") << "[default]\nregion = eu-west-1\nmax_attempts = 7\n"
                                                    "[profile ci]\nregion = ap-south-1\nmax_attempts = 4\n"
                                                    "endpoint_url = https://profile.example\n"
                                                    "[profile modes]\nretry_mode = legacy\ndefaults_mode = Mobile\n"
                                                    "sdk_ua_app_id = team tools/1\n";
        vars = {{"HOME", (root / "home").string()},   {"CODEARTIFACT_TOKEN_CACHE_DIR", (root / "cache").string()},
                {"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}, {"AWS_SECRET_ACCESS_KEY", std::string(secret_key)},
                {"AWS_REGION", "us-west-2"},          {"AWS_EC2_METADATA_DISABLED", "true"}};
        io.stdin_is_terminal = true;
        io.read_stdin = [] { return std::string(); };
        io.out = [this](std::string_view s) -> cat::Status {
            ++out_calls;
            if (out_fails)
                return cat::Error::make(cat::ErrorKind::config,
                                        "cannot write to standard output: No space left on device");
            out += s;
            return cat::Ok{};
        };
        io.err = [this](std::string_view s) { err.emplace_back(s); };
        io.append_file = [](const std::string& path, std::string_view text) -> cat::Status {
            std::ofstream(path, std::ios::app) << text;
            return cat::Ok{};
        };
        io.make_transport = [this](const cat::http::Options&) { return std::make_unique<Forward>(transport); };
        io.now = [] { return fixed_now; };
    }
    ~App() {
        // Whatever happened, no secret on stderr, and stdout written at most once (twice in GitHub mode: the
        // outputs, then the annotation of a failed file append).
        for (const auto& line : err) BOOST_TEST(line.find(secret_key) == std::string::npos);
        BOOST_TEST(out_calls <= 2);
        std::error_code ec;
        fs::remove_all(root, ec);
    }

    cat::Env env() const { return cat::Env(vars); }

    int run(std::vector<std::string_view> args) {
        out.clear();
        err.clear();
        out_calls = 0;
        return cat::plugin::run(args, env(), io);
    }
    // A Terraform query on stdin (no arguments, stdin not a terminal).
    int run_terraform(std::string query) {
        io.stdin_is_terminal = false;
        io.read_stdin = [query] { return query; };
        return run({});
    }
    void script_token(std::string_view token = "tok-1") { transport.replies.push_back(reply(200, token_body(token))); }
};

// make_plan with the fixture's environment and HOME.
struct Planning : App {
    using Args = std::vector<std::string_view>;
    cat::Result<cat::plugin::Plan> plan(Args args) {
        auto params = cat::protocol::parse_cli(args);
        BOOST_REQUIRE(params.ok());
        auto p = cat::plugin::make_plan(*params, env(), cat::protocol::OutputMode::json);
        BOOST_TEST_MESSAGE((p ? std::string("planned") : p.error().message));
        return p;
    }
    std::string region(Args args) { return plan(std::move(args)).value().region; }
    std::string profile(Args args) { return plan(std::move(args)).value().profile; }
    std::string attempts(Args args) { return std::to_string(plan(std::move(args)).value().retry.max_attempts); }
    std::string endpoint(Args args) {
        auto p = plan(std::move(args));
        BOOST_REQUIRE(p.ok());
        auto ep = cat::plugin::resolve_service_endpoint(*p, "codeartifact");
        BOOST_REQUIRE(ep.ok());
        return ep->url.scheme + "://" + ep->url.host;
    }

    // A setting's precedence, peeled a layer at a time: what `get` sees with the flag and every variable
    // set, then without the flag, then after removing each variable in turn (the profile's value last).
    std::vector<std::string> peel(std::string (Planning::*get)(Args), std::string_view flag, std::string_view value,
                                  const std::vector<std::pair<std::string, std::string>>& variables, Args more = {}) {
        for (const auto& [k, v] : variables) vars[k] = v;
        Args base{"--domain", "dm"};
        base.insert(base.end(), more.begin(), more.end());
        Args with_flag = base;
        with_flag.insert(with_flag.end(), {flag, value});
        std::vector<std::string> seen{(this->*get)(with_flag)};
        for (const auto& variable : variables) {
            seen.push_back((this->*get)(base));
            vars.erase(variable.first);
        }
        seen.push_back((this->*get)(base));
        return seen;
    }
    using Seen = std::vector<std::string>;
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(precedence, Planning)

BOOST_AUTO_TEST_CASE(region_flag_then_environment_then_profile) {
    BOOST_TEST(peel(&Planning::region, "--region", "sa-east-1",
                    {{"AWS_REGION", "us-west-2"}, {"AWS_DEFAULT_REGION", "ca-central-1"}}) ==
               (Seen{"sa-east-1", "us-west-2", "ca-central-1", "eu-west-1"}));
    BOOST_TEST(region({"--domain", "dm", "--profile", "ci"}) == "ap-south-1");
}

BOOST_AUTO_TEST_CASE(profile_flag_then_environment) {
    BOOST_TEST(peel(&Planning::profile, "--profile", "ci", {{"AWS_PROFILE", "dev"}, {"AWS_DEFAULT_PROFILE", "ops"}}) ==
               (Seen{"ci", "dev", "ops", "default"}));
    BOOST_TEST(plan({"--domain", "dm", "--profile", "ci"})->profile_from_flag);
    vars["AWS_PROFILE"] = "ci";
    BOOST_TEST(!plan({"--domain", "dm"})->profile_from_flag);
    BOOST_TEST(plan({"--domain", "dm"})->profile_explicit);
}

BOOST_AUTO_TEST_CASE(max_attempts_flag_then_environment_then_profile) {
    BOOST_TEST(peel(&Planning::attempts, "--max-attempts", "2", {{"AWS_MAX_ATTEMPTS", "5"}}) == (Seen{"2", "5", "7"}));
    BOOST_TEST(attempts({"--domain", "dm", "--profile", "ci"}) == "4");
    vars["AWS_MAX_ATTEMPTS"] = "21";
    auto bad = plan({"--domain", "dm"});
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message.starts_with("max_attempts \"21\" is invalid"));
}

BOOST_AUTO_TEST_CASE(retry_mode_environment_then_profile) {
    using cat::aws::RetryMode;
    const auto mode = [&](Args args) { return plan(std::move(args)).value().retry.mode; };
    BOOST_TEST((mode({"--domain", "dm"}) == RetryMode::standard));  // the AWS CLI v2's default
    BOOST_TEST(attempts({"--domain", "dm", "--profile", "ci"}) == "4");
    // legacy: botocore's 5 attempts, unless max_attempts says otherwise.
    BOOST_TEST((mode({"--domain", "dm", "--profile", "modes"}) == RetryMode::legacy));
    BOOST_TEST(attempts({"--domain", "dm", "--profile", "modes"}) == "5");
    BOOST_TEST(attempts({"--domain", "dm", "--profile", "modes", "--max-attempts", "2"}) == "2");
    vars["AWS_RETRY_MODE"] = "adaptive";
    BOOST_TEST((mode({"--domain", "dm", "--profile", "modes"}) == RetryMode::adaptive));
    BOOST_TEST(attempts({"--domain", "dm"}) == "7");
    vars["AWS_RETRY_MODE"] = "Legacy";  // botocore compares exactly
    auto bad = plan({"--domain", "dm"});
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message == "AWS_RETRY_MODE \"Legacy\" is invalid: it must be standard, legacy or adaptive");
    BOOST_TEST(exit_code(bad.error().kind) == 6);
}

BOOST_AUTO_TEST_CASE(defaults_mode_sets_the_connect_timeout) {
    using std::chrono::milliseconds;
    const auto timeout = [&](Args args) { return plan(std::move(args)).value().transport.connect_timeout; };
    const milliseconds ours = timeout({"--domain", "dm"});  // legacy: no smart defaults
    BOOST_TEST(plan({"--domain", "dm"})->defaults_mode == "legacy");
    BOOST_TEST((timeout({"--domain", "dm", "--profile", "modes"}) == milliseconds{30000}));  // Mobile, any case
    for (const auto& [mode, ms] :
         {std::pair{"standard", 3100}, std::pair{"in-region", 1100}, std::pair{"cross-region", 3100},
          std::pair{"mobile", 30000}, std::pair{"legacy", static_cast<int>(ours.count())}}) {
        vars["AWS_DEFAULTS_MODE"] = mode;
        BOOST_TEST((timeout({"--domain", "dm"}) == milliseconds{ms}), mode);
        BOOST_TEST((plan({"--domain", "dm"})->retry.mode == cat::aws::RetryMode::standard), mode);
    }
    // --connect-timeout wins, as a client Config's connect_timeout does in botocore.
    vars["AWS_DEFAULTS_MODE"] = "in-region";
    BOOST_TEST((timeout({"--domain", "dm", "--connect-timeout", "7"}) == milliseconds{7000}));
    // auto: in-region when the execution environment's region is the call's, else cross-region; without
    // one, the instance's region decides when the run starts (here instance metadata is off: standard).
    vars["AWS_DEFAULTS_MODE"] = "auto";
    BOOST_TEST(plan({"--domain", "dm"})->defaults_mode == "auto");
    script_token();
    BOOST_TEST(run({"--domain", "dm", "--debug"}) == 0);
    BOOST_TEST(std::count(err.begin(), err.end(), "codeartifact-token: defaults mode auto: standard") == 1);
    vars["AWS_EXECUTION_ENV"] = "AWS_ECS_FARGATE";
    BOOST_TEST(plan({"--domain", "dm"})->defaults_mode == "in-region");
    BOOST_TEST((timeout({"--domain", "dm"}) == milliseconds{1100}));
    BOOST_TEST(plan({"--domain", "dm", "--region", "eu-central-1"})->defaults_mode == "cross-region");
    vars["AWS_DEFAULTS_MODE"] = "fast";
    auto bad = plan({"--domain", "dm"});
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message ==
               "AWS_DEFAULTS_MODE \"fast\" is invalid: it must be legacy, standard, "
               "in-region, cross-region, mobile or auto");
}

// --unconfigure makes no call: AWS_DEFAULTS_MODE=auto does not ask instance metadata for the region (here
// an endpoint on a closed port, with metadata allowed; a request would show as its debug lines).
BOOST_AUTO_TEST_CASE(unconfigure_asks_no_instance_metadata_for_the_defaults_mode) {
    vars.erase("AWS_EC2_METADATA_DISABLED");
    vars["AWS_EC2_METADATA_SERVICE_ENDPOINT"] = "http://127.0.0.1:1";
    vars["AWS_DEFAULTS_MODE"] = "auto";
    BOOST_TEST(run({"--domain", "dm", "--domain-owner", "111122223333", "--unconfigure", "npm", "--repository",
                    "npm-store", "--debug"}) == 0);
    for (const auto& line : err) {
        BOOST_TEST(line.find("defaults mode auto") == std::string::npos, line);
        BOOST_TEST(line.find("127.0.0.1:1") == std::string::npos, line);
        BOOST_TEST(line.find("imds") == std::string::npos, line);
    }
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_CASE(sdk_ua_app_id_environment_then_profile) {
    BOOST_TEST(plan({"--domain", "dm"})->ua_app_id.empty());
    BOOST_TEST(plan({"--domain", "dm", "--profile", "modes"})->ua_app_id == "team tools/1");
    vars["AWS_SDK_UA_APP_ID"] = "ci-app";
    BOOST_TEST(plan({"--domain", "dm", "--profile", "modes"})->ua_app_id == "ci-app");
    BOOST_TEST(cat::aws::with_app_id("codeartifact-token/1.0.0", "team tools/1") ==
               "codeartifact-token/1.0.0 app/team-tools-1");
    BOOST_TEST(cat::aws::with_app_id("codeartifact-token/1.0.0", "") == "codeartifact-token/1.0.0");
    // botocore's sanitize_user_agent_string_component(allow_hash=True), one '-' per code point (and per byte
    // that is not UTF-8, as Python's surrogateescape reads the environment): the expected values are its.
    BOOST_TEST(cat::aws::with_app_id("ua", "team#tools/1") == "ua app/team#tools-1");
    BOOST_TEST(cat::aws::with_app_id("ua", "caf\xc3\xa9 #1 \xe2\x9c\x93") == "ua app/caf--#1--");
    BOOST_TEST(cat::aws::with_app_id("ua", "\xf0\x9f\x98\x80!") == "ua app/-!");
    BOOST_TEST(cat::aws::with_app_id("ua", "x\xff\xfey") == "ua app/x--y");
    BOOST_TEST(cat::aws::with_app_id("ua", "\xe2\x9c") == "ua app/--");
    BOOST_TEST(cat::aws::with_app_id("ua", "\xed\xa0\x80") == "ua app/---");  // a surrogate: 3 bytes
}

BOOST_AUTO_TEST_CASE(endpoint_url_flag_then_environment_then_profile) {
    BOOST_TEST(peel(&Planning::endpoint, "--endpoint-url", "https://flag.example",
                    {{"AWS_ENDPOINT_URL_CODEARTIFACT", "https://service.example"},
                     {"AWS_ENDPOINT_URL", "https://global.example"}},
                    {"--profile", "ci"}) == (Seen{"https://flag.example", "https://service.example",
                                                  "https://global.example", "https://profile.example"}));
    BOOST_TEST(endpoint({"--domain", "dm"}) == "https://codeartifact.us-west-2.amazonaws.com");
}

BOOST_AUTO_TEST_CASE(duration_from_the_flag_checked_locally) {
    BOOST_TEST(!plan({"--domain", "dm"})->token.duration_seconds.has_value());
    BOOST_TEST(plan({"--domain", "dm", "--duration-seconds", "900"})->token.duration_seconds.value() == 900);
    BOOST_TEST(exit_code(plan({"--domain", "dm", "--duration-seconds", "50000"}).error().kind) == 2);
    BOOST_TEST(exit_code(plan({"--domain", "dm", "--duration-seconds", "12x"}).error().kind) == 2);
}

BOOST_AUTO_TEST_CASE(booleans_take_one_set_of_spellings) {
    BOOST_TEST(!plan({"--domain", "dm", "--cache", "off"})->use_cache);
    BOOST_TEST(plan({"--domain", "dm", "--cache", "YES"})->use_cache);
    auto bad = plan({"--domain", "dm", "--cache", "maybe"});
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message == "cache \"maybe\" is invalid: it must be true/false, yes/no, on/off or 1/0");
    vars["AWS_USE_FIPS_ENDPOINT"] = "1";
    BOOST_TEST(plan({"--domain", "dm"})->use_fips);
    vars["AWS_USE_FIPS_ENDPOINT"] = "sometimes";
    BOOST_TEST(exit_code(plan({"--domain", "dm"}).error().kind) == 6);
}

BOOST_AUTO_TEST_CASE(configure_items_name_their_repositories) {
    auto p = plan({"--domain", "dm", "--configure", "npm:npm-store", "--configure", "pip:pypi-store,uv:pypi-store"});
    BOOST_REQUIRE(p.ok());
    BOOST_REQUIRE(p->configure.size() == 3u);
    BOOST_TEST(p->configure[1].tool == "pip");
    BOOST_TEST(p->configure[1].repository == "pypi-store");
    BOOST_TEST(p->configure[1].format == "pypi");
    BOOST_REQUIRE(p->repositories.size() == 2u);  // one endpoint per repository and format
    BOOST_TEST(p->repositories[0].repository == "npm-store");
    BOOST_TEST(p->repositories[1].format == "pypi");
    // A bare tool takes --repository; one repository for two formats is two endpoints.
    p = plan({"--domain", "dm", "--repository", "shared", "--configure", "npm pip twine:shared"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->repositories.size() == 2u);
    BOOST_TEST(p->configure[0].repository == "shared");
    const auto message = [&](Args args) { return plan(std::move(args)).error().message; };
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm"}).starts_with("configure needs repository"));
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:ra,pnpm:rb"}).find("twice") != std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:"}).find("no repository") != std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--configure", "nmp:ra"}).find("did you mean npm") != std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--repository", "rx", "--configure", "npm:ra"}).find("no tool") !=
               std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:ra,pip:rb", "--config-file", "f"})
                   .starts_with("config_file goes with one"));
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:ra,pip:rb", "--format", "npm"})
                   .starts_with("format npm does not fit configure pip"));
    // An item's own namespace and extra index: TOOL[:REPOSITORY][@NAMESPACE][+extra-index].
    p = plan({"--domain", "dm", "--repository", "rs", "--configure", "npm:ra@corp,swift@mona,pip:rb+extra-index,uv"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->configure[0].repository == "ra");
    BOOST_TEST(p->configure[0].namespace_ == "corp");
    BOOST_TEST(p->configure[1].tool == "swift");
    BOOST_TEST(p->configure[1].repository == "rs");
    BOOST_TEST(p->configure[1].namespace_ == "mona");
    BOOST_TEST(p->configure[2].repository == "rb");
    BOOST_TEST(p->configure[2].extra_index);
    BOOST_TEST((!p->configure[3].extra_index && p->configure[3].namespace_.empty()));
    BOOST_TEST(message({"--domain", "dm", "--configure", "pip:ra+extra"}).find("unknown option +extra") !=
               std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:ra@"}).find("no namespace after the @") !=
               std::string::npos);
    BOOST_TEST(message({"--domain", "dm", "--configure", "npm:bad/name"}).find("repository") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(secrets_are_held_as_secrets) {
    auto p = plan({"--domain", "dm", "--access-key", "AKID2", "--secret-key", "s3cret", "--session-token", "t0k"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->secret_key.reveal() == "s3cret");
    BOOST_TEST(p->session_token.reveal() == "t0k");
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(program, App)

BOOST_AUTO_TEST_CASE(json_with_a_signed_request) {
    script_token();
    BOOST_TEST(run({"--domain", "my-domain", "--domain-owner", "111122223333"}) == 0);
    BOOST_TEST(out.starts_with(R"({"authorization_token":"tok-1","expiration":"2026-11-30T00:00:00Z",)"));
    BOOST_TEST(out.ends_with(R"("from_cache":"false"})"
                             "\n"));
    BOOST_TEST(err.empty());
    BOOST_REQUIRE(transport.sent.size() == 1u);
    const auto& req = transport.sent.front();
    BOOST_TEST(req.method == "POST");
    BOOST_TEST(req.url.host == "codeartifact.us-west-2.amazonaws.com");
    BOOST_TEST(req.url.target == "/v1/authorization-token?domain=my-domain&domain-owner=111122223333");
    bool signed_now = false;
    for (const auto& [k, v] : req.headers)
        if (k == "authorization")
            signed_now =
                v.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-west-2/codeartifact/aws4_request");
    BOOST_TEST(signed_now);
}

BOOST_AUTO_TEST_CASE(cache_miss_then_hit) {
    script_token();
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_TEST(out.find(R"("from_cache":"false")") != std::string::npos);
    BOOST_TEST(fs::is_directory(root / "cache"));
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_TEST(out.find(R"("authorization_token":"tok-1")") != std::string::npos);
    BOOST_TEST(out.find(R"("from_cache":"true")") != std::string::npos);
    BOOST_TEST(transport.sent.size() == 1u);  // the second run sent nothing
    // Another domain is another key: a miss.
    script_token("tok-2");
    BOOST_TEST(run({"--domain", "other"}) == 0);
    BOOST_TEST(transport.sent.size() == 2u);
}

// Issue 12 item 13: the entry is keyed by a digest that proves the secret key, not by the key id alone.
BOOST_AUTO_TEST_CASE(cache_key_proves_the_secret) {
    script_token();
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    vars["AWS_SECRET_ACCESS_KEY"] = "another-secret-for-the-same-key-id";
    script_token("tok-2");
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_TEST(out.find(R"("authorization_token":"tok-2")") != std::string::npos);
    BOOST_TEST(transport.sent.size() == 2u);  // a miss: the wrong secret does not get tok-1
    vars["AWS_SECRET_ACCESS_KEY"] = std::string(secret_key);
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_TEST(out.find(R"("authorization_token":"tok-1")") != std::string::npos);
    BOOST_TEST(transport.sent.size() == 2u);  // the right secret: a hit
    for (const auto& e : fs::directory_iterator(root / "cache"))
        BOOST_TEST(read(e.path()).find(secret_key) == std::string::npos);
}

// Issue 12 item 5: a default cache directory that cannot be used costs a request, not the job; an unsafe
// one is not used and gets one warning; a --cache-dir the user named must work.
BOOST_AUTO_TEST_CASE(an_unusable_cache_degrades_an_unsafe_one_warns) {
    std::ofstream(root / "file") << "x";
    vars["CODEARTIFACT_TOKEN_CACHE_DIR"] = (root / "file/cache").string();  // cannot be created
    script_token();
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_TEST(err.empty());
    script_token();
    BOOST_TEST(run({"--domain", "dm", "--debug"}) == 0);
    BOOST_TEST(std::count_if(err.begin(), err.end(), [](const std::string& l) {
                   return l.find("fetching without the cache") != std::string::npos;
               }) == 1);
    BOOST_TEST(transport.sent.size() == 2u);

    fs::create_directories(root / "open");
    fs::permissions(root / "open", fs::perms::all);
    vars["CODEARTIFACT_TOKEN_CACHE_DIR"] = (root / "open").string();
    script_token();
    BOOST_TEST(run({"--domain", "dm"}) == 0);
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front().starts_with("codeartifact-token: warning: refusing cache directory"));
    BOOST_TEST(fs::is_empty(root / "open"));
    BOOST_TEST(transport.sent.size() == 3u);

    BOOST_TEST(run({"--domain", "dm", "--cache-dir", (root / "open").string()}) == 6);
    BOOST_TEST(run({"--domain", "dm", "--cache-dir", (root / "file/cache").string()}) == 6);
    BOOST_TEST(transport.sent.size() == 3u);
}

BOOST_AUTO_TEST_CASE(no_cache_fetches_every_time) {
    script_token();
    script_token("tok-2");
    BOOST_TEST(run({"--domain", "dm", "--no-cache"}) == 0);
    BOOST_TEST(run({"--domain", "dm", "--no-cache"}) == 0);
    BOOST_TEST(out.find("tok-2") != std::string::npos);
    BOOST_TEST(transport.sent.size() == 2u);
    BOOST_TEST(!fs::exists(root / "cache"));
}

BOOST_AUTO_TEST_CASE(dry_run_sends_nothing) {
    vars["AWS_SESSION_TOKEN"] = "session-secret";
    BOOST_TEST(run({"--domain", "dm", "--dry-run"}) == 0);
    BOOST_TEST(transport.sent.empty());
    BOOST_TEST(out.starts_with("POST https://codeartifact.us-west-2.amazonaws.com/v1/authorization-token?domain=dm\n"));
    BOOST_TEST(out.find("x-amz-date: 20261129T120000Z\n") != std::string::npos);
    BOOST_TEST(out.find("x-amz-security-token: <redacted>\n") != std::string::npos);
    BOOST_TEST(out.find("session-secret") == std::string::npos);
    BOOST_TEST(out.find(secret_key) == std::string::npos);
    // Issue 12 item 6: the signature is redacted (a printed one could be replayed for 15 minutes).
    BOOST_TEST(out.find("authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/us-west-2/codeartifact/"
                        "aws4_request, SignedHeaders=") != std::string::npos);
    BOOST_TEST(out.find(", Signature=<redacted>\n") != std::string::npos);
    BOOST_TEST(out.ends_with("(the signature and any session token are redacted: this request cannot be replayed)\n"));
}

// Issue 12 item 6: credentials that need the network stop a dry run before anything is sent.
BOOST_AUTO_TEST_CASE(dry_run_with_a_role_sends_no_assume_role) {
    BOOST_TEST(run({"--domain", "dm", "--dry-run", "--role-arn", "arn:aws:iam::111122223333:role/r"}) == 2);
    BOOST_TEST(transport.sent.empty());
    BOOST_TEST(out.empty());
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front().find("--dry-run sends nothing over the network") != std::string::npos);
    BOOST_TEST(err.front().find("sts.") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_and_env) {
    script_token();
    BOOST_TEST(run({"--domain", "dm", "--output", "text"}) == 0);
    BOOST_TEST(out == "tok-1\n");
    BOOST_TEST(run({"--domain", "dm", "--output", "env"}) == 0);
    BOOST_TEST(out ==
               "export CODEARTIFACT_AUTH_TOKEN='tok-1'\n"
               "export CODEARTIFACT_AUTH_TOKEN_EXPIRATION='2026-11-30T00:00:00Z'\n");
    BOOST_TEST(run({"--domain", "dm", "--output", "text", "--select", "Expiration"}) == 0);
    BOOST_TEST(out == "2026-11-30T00:00:00Z\n");
}

BOOST_AUTO_TEST_CASE(terraform_through_stdin) {
    script_token();
    BOOST_TEST(run_terraform(R"({"domain":"dm","DomainOwner":"111122223333"})") == 0);
    BOOST_TEST(out == R"({"authorization_token":"tok-1","expiration":"2026-11-30T00:00:00Z","expiration_unix":")" +
                          std::to_string((fixed_now + 12h).time_since_epoch().count()) +
                          R"(","domain":"dm","domain_owner":"111122223333","region":"us-west-2"})"
                          "\n");
    BOOST_TEST(run_terraform(R"({"domain":"dm","bogus":"x"})") == 2);
    BOOST_TEST(out.empty());
}

// Terraform's `program = ["codeartifact-token", "--no-cache"]`: flags do not switch the query off.
BOOST_AUTO_TEST_CASE(a_query_beside_flags_is_read_and_flags_win) {
    script_token();
    io.stdin_is_terminal = false;
    std::chrono::milliseconds waited{0};
    io.stdin_ready = [&waited](std::chrono::milliseconds w) {
        waited = w;
        return true;
    };
    io.read_stdin = [] { return std::string(R"( {"domain":"from-query","region":"eu-west-1"})"); };
    BOOST_TEST(run({"--no-cache", "--region", "us-east-2"}) == 0);
    BOOST_TEST(waited == std::chrono::milliseconds(1000));  // no --domain: the query is needed
    BOOST_TEST(out.find(R"("domain":"from-query")") != std::string::npos);
    BOOST_TEST(out.find(R"("region":"us-east-2")") != std::string::npos);  // the flag won
    BOOST_TEST(out.find("from_cache") == std::string::npos);               // the Terraform shape
    BOOST_TEST(err.empty());
}

BOOST_AUTO_TEST_CASE(stdin_without_a_query_is_ignored_or_named) {
    io.stdin_is_terminal = false;
    io.stdin_ready = [](std::chrono::milliseconds) { return false; };  // a pipe nobody writes to
    BOOST_TEST(run({"--no-cache"}) == 2);
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front() ==
               "codeartifact-token: domain is required (no Terraform query was read: nothing arrived "
               "on stdin within 1000 ms; --output terraform waits for it)");
    io.stdin_ready = [](std::chrono::milliseconds) { return true; };
    io.read_stdin = [] { return std::string("not json\n"); };
    script_token();
    BOOST_TEST(run({"--domain", "dm", "--output", "text"}) == 0);  // text on stdin is not a query: ignored
    BOOST_TEST(out == "tok-1\n");
    BOOST_TEST(run({"--domain", "dm", "--output", "terraform"}) == 2);  // but --output terraform needs one
    BOOST_TEST(err.back() ==
               "codeartifact-token: --output terraform reads a JSON object from stdin, and stdin is not one");
    io.stdin_is_terminal = true;
    BOOST_TEST(run({}) == 2);  // a bare run in a terminal: the short usage line
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front().starts_with("codeartifact-token: usage: codeartifact-token --domain DOMAIN"));
    BOOST_TEST(err.front().size() <= 200u);
}

BOOST_AUTO_TEST_CASE(github_writes_its_files) {
    script_token();
    vars["GITHUB_OUTPUT"] = (root / "output").string();
    vars["GITHUB_ENV"] = (root / "env").string();
    vars["INPUT_DOMAIN"] = "dm";
    vars["INPUT_DOMAIN-OWNER"] = "111122223333";
    BOOST_TEST(run({"--output", "github"}) == 0);
    BOOST_TEST(out.starts_with("::add-mask::tok-1\n"));
    BOOST_TEST(
        out.ends_with("codeartifact-token: token for domain dm expires 2026-11-30T00:00:00Z; "
                      "CODEARTIFACT_AUTH_TOKEN is set for later steps\n"));
    const std::string output = read(root / "output");
    BOOST_TEST(output.starts_with("authorization-token<<ghadelimiter_"));
    BOOST_TEST(output.find("\ntok-1\n") != std::string::npos);
    BOOST_TEST(output.find("expiration<<") != std::string::npos);
    BOOST_TEST(read(root / "env").starts_with("CODEARTIFACT_AUTH_TOKEN<<ghadelimiter_"));
    BOOST_REQUIRE(transport.sent.size() == 1u);
    BOOST_TEST(transport.sent.front().url.target == "/v1/authorization-token?domain=dm&domain-owner=111122223333");

    // Failures in a GitHub step are also an annotation on stdout; the files stay as they were.
    vars.erase("GITHUB_ENV");
    vars["INPUT_MASK"] = "false";
    BOOST_TEST(run({"--output", "github"}) == 6);
    BOOST_TEST(out ==
               "::error title=codeartifact-token::GITHUB_ENV is not set: set export-env to false outside "
               "GitHub\n");
    BOOST_TEST(read(root / "output") == output);
    vars["INPUT_EXPORT-ENV"] = "no";
    BOOST_TEST(run({"--output", "github"}) == 0);
    BOOST_TEST(out.starts_with("codeartifact-token: token for domain dm expires"));  // mask off
}

// Issue 12 item 3: a failed write to stdout is an error with one line; in GitHub mode the files get
// nothing unless stdout (with the ::add-mask:: line) was written first.
BOOST_AUTO_TEST_CASE(a_failed_stdout_is_an_error_and_the_github_files_stay_empty) {
    script_token();
    out_fails = true;
    BOOST_TEST(run({"--domain", "dm", "--output", "text"}) == 1);
    BOOST_TEST(err == std::vector<std::string>{
                          "codeartifact-token: cannot write to standard output: No space left on device"});
    vars["GITHUB_OUTPUT"] = (root / "output").string();
    vars["GITHUB_ENV"] = (root / "env").string();
    BOOST_TEST(run({"--domain", "dm", "--output", "github"}) == 1);
    BOOST_TEST(err.size() == 1u);
    BOOST_TEST(!fs::exists(root / "output"));
    BOOST_TEST(!fs::exists(root / "env"));
    BOOST_TEST(run({"--version"}) == 1);

    // stdout fine, GITHUB_ENV unwritable: the token in GITHUB_OUTPUT was masked before it got there.
    out_fails = false;
    io.append_file = [this](const std::string& path, std::string_view text) -> cat::Status {
        if (path == vars["GITHUB_ENV"]) return cat::Error::make(cat::ErrorKind::config, "cannot append to " + path);
        BOOST_TEST(out.starts_with("::add-mask::tok-1\n"));
        std::ofstream(path, std::ios::app) << text;
        return cat::Ok{};
    };
    BOOST_TEST(run({"--domain", "dm", "--output", "github"}) == 6);
    BOOST_TEST(out.starts_with("::add-mask::tok-1\n"));
    BOOST_TEST(out.find("::error title=codeartifact-token::cannot append to") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(configure_as_environment_variables) {
    script_token();
    transport.replies.push_back(reply(
        200, R"({"repositoryEndpoint":"https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/repo/"})"));
    BOOST_TEST(run({"--domain", "dm", "--domain-owner", "111122223333", "--repository", "repo", "--configure", "npm",
                    "--output", "env"}) == 0);
    BOOST_TEST(out.starts_with("export "));
    BOOST_TEST(out.find("tok-1") != std::string::npos);
    BOOST_REQUIRE(transport.sent.size() == 2u);
    BOOST_TEST(transport.sent[1].url.target.starts_with("/v1/repository/endpoint?"));
    BOOST_TEST(!fs::exists(root / "home/.npmrc"));  // variables only: no file written
}

BOOST_AUTO_TEST_CASE(several_repositories_one_token) {
    script_token();
    for (const char* url : {"https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/npm-store/",
                            "https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/"})
        transport.replies.push_back(reply(200, std::string(R"({"repositoryEndpoint":")") + url + "\"}"));
    BOOST_TEST(run_terraform(R"({"domain":"dm","configure":"npm:npm-store,pip:pypi-store"})") == 0);
    BOOST_REQUIRE(transport.sent.size() == 3u);  // one token, one endpoint per repository
    BOOST_TEST(transport.sent[1].url.target.find("repository=npm-store") != std::string::npos);
    BOOST_TEST(transport.sent[2].url.target.find("format=pypi") != std::string::npos);
    BOOST_TEST(out.find("configured npm: ") != std::string::npos);
    BOOST_TEST(out.find("configured pip: ") != std::string::npos);
    BOOST_TEST(read(root / "home/.npmrc").find("/npm/npm-store/:_authToken=tok-1") != std::string::npos);
    BOOST_TEST(read(root / "home/.config/pip/pip.conf").find("/pypi/pypi-store/simple/") != std::string::npos);

    // Without --configure: the per-repository keys in json (the token from the cache now).
    transport.sent.clear();
    for (const char* url : {"https://h/npm/ra/", "https://h/pypi/ra/"})
        transport.replies.push_back(reply(200, std::string(R"({"repositoryEndpoint":")") + url + "\"}"));
    BOOST_TEST(run({"--domain", "dm", "--configure", "npm:ra,pip:ra", "--output", "env"}) == 0);
    BOOST_TEST(out.find("export NPM_CONFIG_REGISTRY='https://h/npm/ra/'\n") != std::string::npos);
    BOOST_TEST(out.find("export PIP_INDEX_URL='https://aws:tok-1@h/pypi/ra/simple/'\n") != std::string::npos);
    BOOST_TEST(transport.sent.size() == 2u);
}

// Each item with its own namespace and extra index, in a Terraform query; --unconfigure takes them the same.
BOOST_AUTO_TEST_CASE(items_carry_their_namespace_and_extra_index) {
    script_token();
    for (const char* url : {"https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/npm-store/",
                            "https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/pypi-store/"})
        transport.replies.push_back(reply(200, std::string(R"({"repositoryEndpoint":")") + url + "\"}"));
    BOOST_TEST(run_terraform(R"({"domain":"dm","configure":"npm:npm-store@corp,pip:pypi-store+extra-index"})") == 0);
    const auto npmrc = read(root / "home/.npmrc");
    BOOST_TEST(npmrc.find("@corp:registry=https://") != std::string::npos, npmrc);
    BOOST_TEST(npmrc.find("\nregistry=") == std::string::npos, npmrc);
    const auto pip = read(root / "home/.config/pip/pip.conf");
    BOOST_TEST(pip.find("extra-index-url = https://aws:tok-1@") != std::string::npos, pip);
    io.stdin_is_terminal = true;  // no query this time
    BOOST_TEST(run({"--domain", "dm", "--domain-owner", "111122223333", "--region", "us-west-2", "--unconfigure",
                    "npm:npm-store@corp,pip:pypi-store+extra-index"}) == 0);
    BOOST_TEST(!fs::exists(root / "home/.npmrc"));
    BOOST_TEST(!fs::exists(root / "home/.config/pip/pip.conf"));
}

BOOST_AUTO_TEST_CASE(github_input_configure_takes_several_lines) {
    script_token();
    for (const char* url : {"https://h/npm/npm-store/", "https://h/pypi/pypi-store/"})
        transport.replies.push_back(reply(200, std::string(R"({"repositoryEndpoint":")") + url + "\"}"));
    vars["GITHUB_OUTPUT"] = (root / "gh-out").string();
    vars["GITHUB_ENV"] = (root / "gh-env").string();
    vars["INPUT_DOMAIN"] = "dm";
    vars["INPUT_CONFIGURE"] = "npm:npm-store\npip:pypi-store\n";
    BOOST_TEST(run({"--output", "github"}) == 0);
    BOOST_TEST(transport.sent.size() == 3u);
    BOOST_TEST(out.find("configured npm: ") != std::string::npos);
    BOOST_TEST(out.find("configured pip: ") != std::string::npos);
}

// exec through the Io seam: what would replace the process.
struct Exec : App {
    std::vector<std::string> argv;
    std::vector<std::string> child_env;
    int calls = 0;
    cat::Result<int> answer = 0;
    Exec() {
        io.exec = [this](const std::vector<std::string>& a, const std::vector<std::string>& e) -> cat::Result<int> {
            ++calls;
            argv = a;
            child_env = e;
            return answer;
        };
    }
    std::string var(std::string_view name) const {
        for (const auto& kv : child_env)
            if (kv.starts_with(std::string(name) + "=")) return kv.substr(name.size() + 1);
        return "<unset>";
    }
};

BOOST_FIXTURE_TEST_CASE(exec_runs_the_command_with_the_token_in_its_environment, Exec) {
    script_token();
    answer = 42;  // the command's exit code (Windows; on POSIX the command replaces us)
    BOOST_TEST(run({"exec", "--domain", "dm", "--", "npm", "install", "--help"}) == 42);
    BOOST_TEST(calls == 1);
    BOOST_TEST(argv == (std::vector<std::string>{"npm", "install", "--help"}));
    BOOST_TEST(var("CODEARTIFACT_AUTH_TOKEN") == "tok-1");
    BOOST_TEST(var("CODEARTIFACT_AUTH_TOKEN_EXPIRATION") == "2026-11-30T00:00:00Z");
    BOOST_TEST(var("HOME") == vars["HOME"]);  // our environment passes on
    BOOST_TEST(out.empty());                  // stdout is the command's
    BOOST_TEST(out_calls == 0);
    BOOST_TEST(err.empty());
    for (const auto& a : argv) BOOST_TEST(a.find("tok-1") == std::string::npos);

    // The tools' variables, one token and one endpoint per repository.
    transport.sent.clear();
    for (const char* url : {"https://h/npm/rn/", "https://h/pypi/rp/"})
        transport.replies.push_back(reply(200, std::string(R"({"repositoryEndpoint":")") + url + "\"}"));
    BOOST_TEST(run({"exec", "--domain", "dm", "--configure", "npm:rn", "--configure", "pip:rp", "--", "pip", "x"}) ==
               42);
    BOOST_TEST(transport.sent.size() == 2u);  // the token came from the cache
    BOOST_TEST(var("NPM_CONFIG_REGISTRY") == "https://h/npm/rn/");
    BOOST_TEST(var("PIP_INDEX_URL") == "https://aws:tok-1@h/pypi/rp/simple/");
    BOOST_TEST(var("CODEARTIFACT_REPOSITORY_ENDPOINT_NPM_RN") == "https://h/npm/rn/");
    BOOST_TEST(var("CODEARTIFACT_REPOSITORY_ENDPOINT") == "<unset>");
    BOOST_TEST(err.empty());  // the tools' notes only with --debug or --dry-run
}

BOOST_FIXTURE_TEST_CASE(exec_failures, Exec) {
    BOOST_TEST(run({"exec", "--domain", "dm"}) == 2);
    BOOST_TEST(err.back().find("exec needs a command after --") != std::string::npos);
    BOOST_TEST(run({"exec", "--domain", "dm", "--"}) == 2);
    BOOST_TEST(run({"exec", "--domain", "dm", "--output", "json", "--", "true"}) == 2);
    BOOST_TEST(run({"exec", "--domain", "dm", "--show-token", "--", "true"}) == 2);
    BOOST_TEST(calls == 0);
    BOOST_TEST(transport.sent.empty());

    // Not found: 127; found but not runnable: 126, as shells; one line each.
    script_token();
    cat::Error e = cat::Error::make(cat::ErrorKind::config, "cannot run \"nope\": No such file or directory");
    e.code = std::string(cat::process::not_found_code);
    answer = e;
    BOOST_TEST(run({"exec", "--domain", "dm", "--", "nope"}) == 127);
    BOOST_TEST(err == std::vector<std::string>{"codeartifact-token: cannot run \"nope\": No such file or directory"});
    e.code = std::string(cat::process::not_runnable_code);
    answer = e;
    BOOST_TEST(run({"exec", "--domain", "dm", "--", "./x"}) == 126);

    // An API error is ours: the command does not run.
    calls = 0;
    transport.replies.push_back(
        reply(403, R"({"message":"not allowed"})", {{"x-amzn-ErrorType", "AccessDeniedException"}}));
    BOOST_TEST(run({"exec", "--domain", "other", "--", "true"}) == 4);
    BOOST_TEST(calls == 0);
    BOOST_TEST(out.empty());
}

BOOST_FIXTURE_TEST_CASE(exec_help_and_dry_run, Exec) {
    BOOST_TEST(run({"exec", "--help"}) == 0);
    BOOST_TEST(out.find("--domain") != std::string::npos);
    script_token();
    transport.replies.push_back(reply(200, R"({"repositoryEndpoint":"https://h/pypi/rp/"})"));
    BOOST_TEST(run({"exec", "--domain", "dm", "--configure", "pip:rp", "--dry-run", "--", "pip", "it's"}) == 0);
    BOOST_TEST(calls == 0);
    BOOST_TEST(out.starts_with("# would run: 'pip' 'it'\\''s'\n# with this environment and:\n"));
    BOOST_TEST(out.find("CODEARTIFACT_AUTH_TOKEN=****\n") != std::string::npos);
    BOOST_TEST(out.find("PIP_INDEX_URL=https://aws:****@h/pypi/rp/simple/\n") != std::string::npos);
    BOOST_TEST(out.find("tok-1") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(exit_codes, App)

BOOST_AUTO_TEST_CASE(usage_is_2) {
    BOOST_TEST(run({"--domian", "d"}) == 2);
    BOOST_TEST(out.empty());
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front() == "codeartifact-token: unknown option --domian (did you mean --domain?)");
    BOOST_TEST(run({"--domain", "dm", "--output", "yaml"}) == 2);
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_CASE(credentials_is_3) {
    vars.erase("AWS_ACCESS_KEY_ID");
    vars.erase("AWS_SECRET_ACCESS_KEY");
    BOOST_TEST(run({"--domain", "dm"}) == 3);
    BOOST_TEST(out.empty());
    BOOST_TEST(err.size() == 1u);
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_CASE(api_is_4) {
    transport.replies.push_back(
        reply(403, R"({"message":"not allowed"})", {{"x-amzn-ErrorType", "AccessDeniedException"}}));
    BOOST_TEST(run({"--domain", "dm"}) == 4);
    BOOST_TEST(out.empty());
    BOOST_REQUIRE(err.size() == 1u);
    BOOST_TEST(err.front().find("AccessDeniedException") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(network_is_5) {
    transport.replies.push_back(cat::Error::make(cat::ErrorKind::network, "connect: connection refused"));
    BOOST_TEST(run({"--domain", "dm", "--max-attempts", "1"}) == 5);
    BOOST_TEST(out.empty());
    BOOST_TEST(err.size() == 1u);
}

BOOST_AUTO_TEST_CASE(config_is_6) {
    vars.erase("AWS_REGION");
    vars["AWS_CONFIG_FILE"] = (root / "none").string();
    BOOST_TEST(run({"--domain", "dm"}) == 6);  // no region anywhere
    BOOST_TEST(out.empty());
    BOOST_TEST(transport.sent.empty());
}

BOOST_AUTO_TEST_CASE(an_exception_is_internal_1_with_one_line) {
    struct Throws : cat::http::Transport {
        cat::Result<cat::http::Response> send(const cat::http::Request&, cat::http::Deadline) override {
            throw std::bad_alloc();
        }
    };
    io.make_transport = [](const cat::http::Options&) { return std::make_unique<Throws>(); };
    BOOST_TEST(run({"--domain", "dm", "--output", "github"}) == 1);
    BOOST_TEST(out.empty());
    BOOST_TEST(err == std::vector<std::string>{"codeartifact-token: internal error: out of memory"});

    io.read_stdin = []() -> std::string { throw std::runtime_error("OpenSSL: RAND_bytes failed"); };
    io.stdin_is_terminal = false;
    BOOST_TEST(run({}) == 1);
    BOOST_TEST(out.empty());
    BOOST_TEST(err == std::vector<std::string>{"codeartifact-token: internal error: OpenSSL: RAND_bytes failed"});
}

BOOST_AUTO_TEST_CASE(help_fits_80_columns_and_lists_every_parameter) {
    BOOST_TEST(cat::plugin::help_sections_missing().empty());  // a new parameter needs a --help section
    for (const std::string& text : {cat::plugin::help_text(), cat::plugin::aliases_text()}) {
        std::size_t at = 0;
        while (at < text.size()) {
            const auto end = text.find('\n', at);
            const std::string_view line(text.data() + at, (end == std::string::npos ? text.size() : end) - at);
            BOOST_TEST(line.size() <= 80u, line);
            at = end == std::string::npos ? text.size() : end + 1;
        }
    }
    BOOST_TEST(run({"--help", "aliases"}) == 0);
    BOOST_TEST(out.find("--domain-owner") != std::string::npos);
    BOOST_TEST(out.find("DomainOwner") != std::string::npos);
    BOOST_TEST(run({"--help"}) == 0);
    BOOST_TEST(out.find("id-token: write") != std::string::npos);
    BOOST_TEST(out.find("Default: 43200") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(help_anywhere_prints_help) {
    for (const auto& args : {std::vector<std::string_view>{"--help", "--domain", "x"},
                             std::vector<std::string_view>{"--domain", "x", "--help"}}) {
        BOOST_TEST(run(args) == 0);
        BOOST_TEST(out.find("--domain") != std::string::npos);
        BOOST_TEST(err.empty());
        BOOST_TEST(transport.sent.empty());
    }
}

BOOST_AUTO_TEST_SUITE_END()

// The credential helpers (plugin/helpers.cpp): cargo's protocol and the keyring command, in process.
BOOST_FIXTURE_TEST_SUITE(credential_helpers, App)

BOOST_AUTO_TEST_CASE(cargo_protocol) {
    script_token("tok-9");
    std::vector<std::string> lines{R"({"v":1,"kind":"get","operation":"read","registry":{"index-url":"x"},)"
                                   R"("args":["--domain","dm","--region","us-west-2"]})",
                                   R"({"v":1,"kind":"login","registry":{"index-url":"x"}})", "not json"};
    io.read_line = [&lines]() -> std::optional<std::string> {
        if (lines.empty()) return std::nullopt;
        auto l = lines.front();
        lines.erase(lines.begin());
        return l;
    };
    BOOST_TEST(run({"--cargo-plugin"}) == 0);
    BOOST_TEST(
        out.starts_with("{\"v\":[1]}\n{\"Ok\":{\"kind\":\"get\",\"token\":\"Bearer tok-9\",\"cache\":\"expires\","));
    BOOST_TEST(out.find("{\"Err\":{\"kind\":\"operation-not-supported\"}}\n") != std::string::npos);
    BOOST_TEST(
        out.ends_with("{\"Err\":{\"kind\":\"other\",\"message\":\"codeartifact-token: cargo sent a request it "
                      "cannot read\"}}\n"));
    out_calls = 0;  // the protocol writes a line per answer, not stdout once
}

BOOST_AUTO_TEST_CASE(keyring_answers_codeartifact_hosts_only) {
    using cat::plugin::helpers::keyring_arguments;
    using V = std::vector<std::string>;
    BOOST_TEST(keyring_arguments("https://my-dom-111122223333.d.codeartifact.eu-west-1.amazonaws.com/pypi/r/simple/") ==
               (V{"--domain", "my-dom", "--domain-owner", "111122223333", "--region", "eu-west-1"}));
    BOOST_TEST(keyring_arguments("d-111122223333.d.codeartifact.cn-north-1.amazonaws.com.cn:443") ==
               (V{"--domain", "d", "--domain-owner", "111122223333", "--region", "cn-north-1"}));
    BOOST_TEST(keyring_arguments("https://pypi.org/simple/").empty());
    BOOST_TEST(keyring_arguments("https://d-1111.d.codeartifact.us-west-2.amazonaws.com/").empty());
    BOOST_TEST(keyring_arguments("https://evil.example/d-111122223333.d.codeartifact.us-west-2.amazonaws.com").empty());
    script_token("tok-7");
    vars["PATH"] = "/nonexistent";
    BOOST_TEST(
        run({"keyring", "get", "https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/r/", "aws"}) == 0);
    BOOST_TEST(out == "tok-7\n");
    BOOST_TEST(run({"keyring", "get", "https://pypi.org/simple/", "aws"}) == 1);
    BOOST_TEST(out.empty());
    BOOST_TEST(run({"keyring", "get", "https://dm-111122223333.d.codeartifact.us-west-2.amazonaws.com/", "bob"}) == 1);
}

BOOST_AUTO_TEST_SUITE_END()
