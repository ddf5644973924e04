// Parameters from every front door, and the renderers.
#define BOOST_TEST_MODULE protocol_test
#include <boost/test/unit_test.hpp>

#include "core/text.hpp"
#include "protocol/github.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

using namespace cat::protocol;
using namespace std::chrono;

namespace {
cat::Result<Params> cli(std::initializer_list<std::string_view> args) {
    std::vector<std::string_view> v(args);
    return parse_cli(v);
}
cat::Env env_of(std::initializer_list<std::pair<const std::string, std::string>> vars) {
    return cat::Env(std::map<std::string, std::string, std::less<>>(vars));
}
Outcome sample() {
    Outcome o;
    o.authorization_token = "tok'en";
    o.expiration = sys_days{2026y / November / 28} + 21h + 44min + 11s;
    o.domain = "my-domain";
    o.domain_owner = "111122223333";
    o.region = "us-west-2";
    return o;
}
}  // namespace

BOOST_AUTO_TEST_CASE(cli_flags_and_values) {
    auto p = cli({"--domain", "d1", "--domain-owner=111122223333", "--debug", "--duration-seconds", ""});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->get("domain") == "d1");
    BOOST_TEST(p->get("domain_owner") == "111122223333");
    BOOST_TEST(p->get("debug") == "true");
    BOOST_TEST(!p->has("duration_seconds"));  // empty means unset
    BOOST_TEST(p->secrets_from_argv.empty());
}

BOOST_AUTO_TEST_CASE(cli_errors_name_the_argument) {
    auto typo = cli({"--domian", "x"});
    BOOST_REQUIRE(!typo.ok());
    BOOST_TEST(typo.error().message == "unknown option --domian (did you mean --domain?)");
    BOOST_TEST(exit_code(typo.error().kind) == 2);
    BOOST_TEST(cli({"--domain"}).error().message == "option --domain needs a value");
    BOOST_TEST(cli({"stray"}).error().message.find("\"stray\"") != std::string::npos);
    BOOST_TEST(cli({"--debug=yes"}).error().message == "option --debug takes no value");
    BOOST_TEST(cli({"--domain", "a", "--domain", "b"}).error().message.find("more than once") != std::string::npos);
    BOOST_TEST(cli({"--zzzzzzzz", "x"}).error().message == "unknown option --zzzzzzzz");
}

BOOST_AUTO_TEST_CASE(secret_flags_are_noted_for_a_warning) {
    auto p = cli({"--access-key", "AKID", "--secret-key", "s3cret"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->secrets_from_argv == std::vector<std::string>{"secret_key"});
}

BOOST_AUTO_TEST_CASE(json_aliases_are_case_insensitive) {
    auto p = parse_json_object(
        R"({"Domain":"d","DOMAINOWNER":"111122223333","DurationSecond":"900","profilename":"ci","AK":"a",)"
        R"("SK":"s","st":"t","RegionToCall":"eu-west-1","domain-owner-x":""})");
    BOOST_REQUIRE(!p.ok());  // the last key is unknown
    BOOST_TEST(p.error().message.find("domain-owner-x") != std::string::npos);
    p = parse_json_object(
        R"({"Domain":"d","DOMAINOWNER":"111122223333","DurationSecond":"900","profilename":"ci","AK":"a",)"
        R"("SK":"s","st":"t","RegionToCall":"eu-west-1","AWSProfilesLocation":"/x"})");
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->get("domain") == "d");
    BOOST_TEST(p->get("domain_owner") == "111122223333");
    BOOST_TEST(p->get("duration_seconds") == "900");
    BOOST_TEST(p->get("profile") == "ci");
    BOOST_TEST(p->get("access_key") == "a");
    BOOST_TEST(p->secret("secret_key").reveal() == "s");
    BOOST_TEST(p->get("secret_key").empty());  // secrets are held apart, as Secret
    BOOST_TEST(p->secret("session_token").reveal() == "t");
    BOOST_TEST(p->get("region") == "eu-west-1");
    BOOST_TEST(p->get("profile_location") == "/x");
}

BOOST_AUTO_TEST_CASE(json_decodes_go_escapes) {
    // Terraform's encoder writes <, > and & as \u003c, \u003e, \u0026.
    auto p = parse_json_object(R"({"domain":"a\u003cb\u003e\u0026c","region":"\u00e9\ud83d\ude00"})");
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->get("domain") == "a<b>&c");
    BOOST_TEST(p->get("region") == "\xc3\xa9\xf0\x9f\x98\x80");
}

BOOST_AUTO_TEST_CASE(json_errors) {
    BOOST_TEST(parse_json_object("[1]").error().message == "the input must be a JSON object of strings");
    BOOST_TEST(parse_json_object("{\"domain\": 5}").error().message == "input \"domain\" must be a string");
    BOOST_TEST(parse_json_object("{").error().message.find("not valid JSON") != std::string::npos);
    BOOST_TEST(parse_json_object(R"({"domian":"x"})").error().message ==
               "unknown input \"domian\" (did you mean \"domain\"?)");
    BOOST_TEST(!parse_json_object(R"({"output":"text"})").ok());  // CLI-only
}

BOOST_AUTO_TEST_CASE(select_picks_fields) {
    Params p;
    auto all = select(sample(), p);
    BOOST_REQUIRE(all.ok());
    BOOST_TEST(all->size() == 6u);
    BOOST_TEST(render_json(*all) ==
               R"({"authorization_token":"tok'en","expiration":"2026-11-28T21:44:11Z","expiration_unix":")" +
                   std::to_string(sample().expiration.time_since_epoch().count()) +
                   R"(","domain":"my-domain","domain_owner":"111122223333","region":"us-west-2"})"
                   "\n");
    p.set("select", "AuthorizationToken");
    BOOST_TEST(render_json(*select(sample(), p)) == "{\"authorization_token\":\"tok'en\"}\n");
    p.set("select", "expiration");
    BOOST_TEST(render_text(sample(), p).value() == "2026-11-28T21:44:11Z\n");
    p.set("domain", "my-domain");
    p.set("select", "^Domain");
    BOOST_TEST(render_json(*select(sample(), p)) == "{\"domain\":\"my-domain\"}\n");
    p.set("secret_key", "x");
    p.set("select", "^SecretKey");
    BOOST_TEST(!select(sample(), p).ok());
    p.set("select", "Nonsense");
    BOOST_TEST(select(sample(), p).error().message.find("\"Nonsense\" is invalid") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(text_and_env) {
    Params p;
    BOOST_TEST(render_text(sample(), p).value() == "tok'en\n");
    BOOST_TEST(render_env(sample()) ==
               "export CODEARTIFACT_AUTH_TOKEN='tok'\\''en'\n"
               "export CODEARTIFACT_AUTH_TOKEN_EXPIRATION='2026-11-28T21:44:11Z'\n");
}

BOOST_AUTO_TEST_CASE(output_modes) {
    BOOST_TEST(parse_output_mode("terraform").ok());
    BOOST_TEST((parse_output_mode("github").value() == OutputMode::github));
    BOOST_TEST(parse_output_mode("yaml").error().message ==
               "output \"yaml\" is invalid: it must be json, text, env, github, terraform or cmdlet");
}

BOOST_AUTO_TEST_CASE(every_mode_through_render) {
    Params p;
    const cat::Env env = cat::Env(
        std::map<std::string, std::string, std::less<>>{{"GITHUB_OUTPUT", "/gh/out"}, {"GITHUB_ENV", "/gh/env"}});
    const RenderContext ctx{p, env, {}, [] { return std::string("EOF"); }};
    BOOST_TEST(render(OutputMode::text, sample(), ctx)->stdout_text == "tok'en\n");
    BOOST_TEST(render(OutputMode::env, sample(), ctx)->stdout_text == render_env(sample()));
    BOOST_TEST(render(OutputMode::json, sample(), ctx)
                   ->stdout_text.ends_with(R"("from_cache":"false"})"
                                           "\n"));
    BOOST_TEST(render(OutputMode::terraform, sample(), ctx)->stdout_text.find("from_cache") == std::string::npos);
    for (auto mode : {OutputMode::json, OutputMode::text, OutputMode::env, OutputMode::terraform})
        BOOST_TEST(render(mode, sample(), ctx)->appends.empty());

    auto gh = render(OutputMode::github, sample(), ctx);
    BOOST_REQUIRE(gh.ok());
    BOOST_TEST(gh->stdout_text.starts_with("::add-mask::tok'en\n"));
    BOOST_REQUIRE(gh->appends.size() == 2u);
    BOOST_TEST(gh->appends[0].path == "/gh/out");
    BOOST_TEST(gh->appends[0].text ==
               "authorization-token<<EOF\ntok'en\nEOF\nexpiration<<EOF\n2026-11-28T21:44:11Z\nEOF\n");
    BOOST_TEST(gh->appends[1].path == "/gh/env");
    BOOST_TEST(gh->appends[1].text == "CODEARTIFACT_AUTH_TOKEN<<EOF\ntok'en\nEOF\n");

    const cat::Env none;
    auto unset = render(OutputMode::github, sample(), {p, none, {}, {}});
    BOOST_REQUIRE(!unset.ok());
    BOOST_TEST(unset.error().message.starts_with("GITHUB_OUTPUT is not set"));
    BOOST_TEST(exit_code(unset.error().kind) == 6);
    const cat::Env output_only = env_of({{"GITHUB_OUTPUT", "/gh/out"}});
    BOOST_TEST(render(OutputMode::github, sample(), {p, output_only, {}, {}})
                   .error()
                   .message.starts_with("GITHUB_ENV is not set"));
    BOOST_TEST(render(OutputMode::github, sample(), {p, output_only, {.export_env = false}, {}})->appends.size() == 1u);

    BOOST_TEST(render_failure(OutputMode::github, "boom") == "::error title=codeartifact-token::boom\n");
    BOOST_TEST(render_failure(OutputMode::json, "boom").empty());
    // GitHub's escaping of command data: '%' (else "%0A" in a message would become a line break), CR, LF.
    BOOST_TEST(render_failure(OutputMode::github, "100% of %0A\r\n::x") ==
               "::error title=codeartifact-token::100%25 of %250A%0D%0A::x\n");
}

BOOST_AUTO_TEST_CASE(several_repository_endpoints_have_keys_of_their_own) {
    Outcome o = sample();
    o.repository_endpoints = {{"npm-store", "npm", "https://h/npm/npm-store/"},
                              {"py.store", "pypi", "https://h/pypi/py.store/"}};
    Params p;
    auto fields = select(o, p);
    BOOST_REQUIRE(fields.ok());
    BOOST_TEST(fields->at(fields->size() - 2).first == "repository_endpoint_npm_npm-store");
    BOOST_TEST(fields->back().first == "repository_endpoint_pypi_py.store");
    for (const auto& f : *fields) BOOST_TEST(f.first != "repository_endpoint");
    p.set("select", "repository_endpoint_pypi_py.store");
    BOOST_TEST(select(o, p)->front().second == "https://h/pypi/py.store/");
    BOOST_TEST(render_env(o).find("export CODEARTIFACT_REPOSITORY_ENDPOINT_PYPI_PY_STORE='https://h/pypi/py.store/'") !=
               std::string::npos);
    const cat::Env env = env_of({{"GITHUB_OUTPUT", "/gh/out"}, {"GITHUB_ENV", "/gh/env"}});
    auto gh = render(OutputMode::github, o, {Params{}, env, {}, [] { return std::string("EOF"); }});
    BOOST_REQUIRE(gh.ok());
    BOOST_TEST(gh->appends[0].text.find("repository-endpoint-npm-npm-store<<EOF\nhttps://h/npm/npm-store/\n") !=
               std::string::npos);
    // One endpoint keeps the one key.
    o.repository_endpoints.pop_back();
    o.repository_endpoint = o.repository_endpoints.front().url;
    BOOST_TEST(render_env(o).find("CODEARTIFACT_REPOSITORY_ENDPOINT='https://h/npm/npm-store/'") != std::string::npos);
    BOOST_TEST(render_env(o).find("ENDPOINT_NPM") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(configure_may_be_given_once_per_tool) {
    auto p = cli({"--configure", "npm:a-repo", "--configure", "pip:b-repo"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->get("configure") == "npm:a-repo,pip:b-repo");
}

BOOST_AUTO_TEST_CASE(github_boolean_inputs_take_every_spelling) {
    auto in = parse_github_inputs(env_of({{"INPUT_MASK", "No"}, {"INPUT_EXPORT-ENV", "off"}}));
    BOOST_REQUIRE(in.ok());
    BOOST_TEST(!in->options.mask);
    BOOST_TEST(!in->options.export_env);
    auto bad = parse_github_inputs(env_of({{"INPUT_MASK", "maybe"}}));
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message == "input mask \"maybe\" is invalid: it must be true/false, yes/no, on/off or 1/0");
}

// The runner sets every input action.yml declares, empty when the workflow leaves it out.
BOOST_AUTO_TEST_CASE(github_empty_inputs_are_unset) {
    auto in = parse_github_inputs(env_of(
        {{"INPUT_ROLE-ARN", "arn:aws:iam::111122223333:role/r"}, {"INPUT_ROLE-TO-ASSUME", ""}, {"INPUT_REGION", ""}}));
    BOOST_REQUIRE(in.ok());
    BOOST_TEST(in->params.get("role_arn") == "arn:aws:iam::111122223333:role/r");
    BOOST_TEST(!in->params.has("region"));
    auto twice = parse_github_inputs(env_of({{"INPUT_ROLE-ARN", "a"}, {"INPUT_ROLE-TO-ASSUME", "b"}}));
    BOOST_TEST(twice.error().message == "inputs set role_arn twice");
}

// GITHUB_ENV gets what --output env prints: the repository endpoint too, when one was asked for.
BOOST_AUTO_TEST_CASE(github_env_has_the_repository_endpoint) {
    Params p;
    const cat::Env env = env_of({{"GITHUB_OUTPUT", "/gh/out"}, {"GITHUB_ENV", "/gh/env"}});
    Outcome o = sample();
    o.repository_endpoint = "https://d-1.d.codeartifact.us-west-2.amazonaws.com/npm/r/";
    auto gh = render(OutputMode::github, o, {p, env, {}, [] { return std::string("EOF"); }});
    BOOST_REQUIRE(gh.ok());
    BOOST_REQUIRE(gh->appends.size() == 2u);
    BOOST_TEST(
        gh->appends[1].text.ends_with("CODEARTIFACT_REPOSITORY_ENDPOINT<<EOF\n" + o.repository_endpoint + "\nEOF\n"));
    BOOST_TEST(gh->stdout_text.ends_with(
        "; CODEARTIFACT_AUTH_TOKEN and CODEARTIFACT_REPOSITORY_ENDPOINT are set for later steps\n"));
}

BOOST_AUTO_TEST_CASE(suggestions) {
    BOOST_TEST(suggest("domainowner", false) == "domain_owner");
    BOOST_TEST(suggest("regoin", true) == "--region");
    BOOST_TEST(suggest("profle", false) == "profile");
    BOOST_TEST(suggest("completely-different", false).empty());
}

// Get-CAAuthorizationToken's command line: -Parameter value, every alias, any case, -Parameter:value.
BOOST_AUTO_TEST_CASE(cmdlet_parameters_and_aliases) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"-Domain", "domain"},
        {"-DomainOwner", "domain_owner"},
        {"-DurationSecond", "duration_seconds"},
        {"-DurationSeconds", "duration_seconds"},
        {"-Select", "select"},
        {"-Region", "region"},
        {"-RegionToCall", "region"},
        {"-ProfileName", "profile"},
        {"-StoredCredentials", "profile"},
        {"-AWSProfileName", "profile"},
        {"-ProfileLocation", "profile_location"},
        {"-AWSProfilesLocation", "profile_location"},
        {"-ProfilesLocation", "profile_location"},
        {"-AccessKey", "access_key"},
        {"-AK", "access_key"},
        {"-EndpointUrl", "endpoint_url"},
    };
    for (const auto& [flag, name] : cases) {
        BOOST_TEST_CONTEXT(flag) {
            auto p = cli({flag, "v1"});
            BOOST_REQUIRE(p.ok());
            BOOST_TEST(p->get(name) == "v1");
            BOOST_TEST(p->get("output") == "cmdlet");
            const std::string lower = cat::text::lower(flag);
            BOOST_TEST(cli({lower, "v1"})->get(name) == "v1");
            const std::string colon = std::string(flag) + ":v2";
            BOOST_TEST(cli({colon})->get(name) == "v2");
        }
    }
    for (std::string_view flag : {"-SecretKey", "-SK", "-SecretAccessKey", "-sk"}) {
        auto p = cli({flag, "s3cret"});
        BOOST_REQUIRE(p.ok());
        BOOST_TEST(p->secret("secret_key").view() == "s3cret");
        BOOST_TEST(p->secrets_from_argv == std::vector<std::string>{"secret_key"});
    }
    for (std::string_view flag : {"-SessionToken", "-ST"})
        BOOST_TEST(cli({flag, "tok"})->secret("session_token").view() == "tok");
}

BOOST_AUTO_TEST_CASE(cmdlet_and_kebab_syntax_mix) {
    auto p = cli({"-Domain", "d", "--domain-owner", "111122223333", "-Debug", "-DryRun:False"});
    BOOST_REQUIRE(p.ok());
    BOOST_TEST(p->get("domain_owner") == "111122223333");
    BOOST_TEST(p->get("debug") == "true");
    BOOST_TEST(!p->has("dry_run"));
    BOOST_TEST(p->get("output") == "cmdlet");  // a -Parameter was used and no --output
    BOOST_TEST(cli({"-Domain", "d", "--output", "json"})->get("output") == "json");
    BOOST_TEST(cli({"--output", "text", "-Domain", "d"})->get("output") == "text");
    BOOST_TEST(!cli({"--domain", "d"})->has("output"));
    BOOST_TEST(cli({"-Domain", "a", "--domain", "b"}).error().message == "option --domain is given more than once");
    BOOST_TEST(cli({"--region", "a", "-RegionToCall", "b"}).error().message ==
               "parameter -RegionToCall is given more than once");
    BOOST_TEST(cli({"-Debug:maybe"}).error().message == "parameter -Debug takes True or False after the colon");
    BOOST_TEST(cli({"-Domain"}).error().message == "parameter -Domain needs a value");
}

BOOST_AUTO_TEST_CASE(cmdlet_prefixes_bind_like_powershell) {
    BOOST_TEST(cli({"-DomainO", "1"})->get("domain_owner") == "1");
    BOOST_TEST(cli({"-Domain", "d"})->get("domain") == "d");  // an exact name beats a longer one
    BOOST_TEST(cli({"-dur", "900"})->get("duration_seconds") == "900");
    BOOST_TEST(cli({"-Dom", "x"}).error().message == "parameter -Dom is ambiguous: it may be -Domain or -DomainOwner");
    auto typo = cli({"-Domian", "x"});
    BOOST_TEST(typo.error().message == "unknown parameter -Domian (did you mean -Domain?)");
    BOOST_TEST(exit_code(typo.error().kind) == 2);
    BOOST_TEST(cli({"-RegionToCal", "x"})->get("region") == "x");  // a prefix
    BOOST_TEST(cli({"-RegionToCalll", "x"}).error().message ==
               "unknown parameter -RegionToCalll (did you mean -RegionToCall?)");
    BOOST_TEST(cli({"-Zzzzzzzz", "x"}).error().message == "unknown parameter -Zzzzzzzz");
    BOOST_TEST(cli({"-1"}).error().message.find("unexpected argument") == 0);
}

BOOST_AUTO_TEST_CASE(cmdlet_dotnet_parameters_are_refused) {
    const std::vector<std::pair<std::string_view, std::string_view>> cases = {
        {"-Credential", "-ProfileName"},      {"-Cred", "credential_process"},  {"-NetworkCredential", "SAML"},
        {"-clientconfig", "--endpoint-url"},  {"-ClientConfig", "HTTPS_PROXY"}, {"-ErrorAction", "$LASTEXITCODE"},
        {"-OutVariable", "common parameter"},
    };
    for (const auto& [flag, hint] : cases) {
        BOOST_TEST_CONTEXT(flag) {
            auto e = cli({"-Domain", "d", flag, "x"});
            BOOST_REQUIRE(!e.ok());
            BOOST_TEST(exit_code(e.error().kind) == 2);
            BOOST_TEST(e.error().message.starts_with(std::string(flag) + " "));
            BOOST_TEST(e.error().message.find(hint) != std::string::npos);
            BOOST_TEST(e.error().message.find('\n') == std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(cmdlet_output_follows_select) {
    const auto env = env_of({});
    const auto out = [&](std::initializer_list<std::string_view> args) {
        auto p = cli(args);
        BOOST_REQUIRE(p.ok());
        auto mode = parse_output_mode(p->get("output"));
        BOOST_REQUIRE(mode.ok());
        auto r = render(*mode, sample(), {*p, env, {}, {}});
        BOOST_REQUIRE(r.ok());
        return r->stdout_text;
    };
    const std::string all = R"({"AuthorizationToken":"tok'en","Expiration":"2026-11-28T21:44:11Z"})"
                            "\n";
    BOOST_TEST(out({"-Domain", "my-domain"}) == all);
    BOOST_TEST(out({"-Domain", "my-domain", "-Select", "*"}) == all);
    BOOST_TEST(out({"-Domain", "my-domain", "-Select", "AuthorizationToken"}) == "tok'en\n");
    BOOST_TEST(out({"-Domain", "my-domain", "-Select", "Expiration"}) == "2026-11-28T21:44:11Z\n");
    BOOST_TEST(out({"-Domain", "my-domain", "-Select", "^Domain"}) == "my-domain\n");
    BOOST_TEST(out({"-Domain", "d", "-DurationSeconds", "900", "-Select", "^DurationSecond"}) == "900\n");
    BOOST_TEST(out({"-Domain", "d", "-Select", "^DomainOwner"}) == "\n");
    BOOST_TEST(out({"--domain", "d", "--output", "cmdlet"}) == all);
    auto secret = cli({"-Domain", "d", "-SK", "s", "-Select", "^SecretKey"});
    BOOST_TEST(render(OutputMode::cmdlet, sample(), {*secret, env, {}, {}}).error().message.find("never echoed") !=
               std::string::npos);
}
