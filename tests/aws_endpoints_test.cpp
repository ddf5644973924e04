// Endpoint resolution for CodeArtifact and STS, and the precedence of configured endpoint URLs.
// tests/endpoints_vs_botocore.py checks the same resolvers against botocore's rule engine.
#define BOOST_TEST_MODULE aws_endpoints_test
#include <boost/test/unit_test.hpp>

#include <map>
#include <regex>
#include <string>
#include <vector>

#include "aws/endpoints.hpp"

namespace aws = cat::aws;
using aws::EndpointParams;

namespace {

aws::EndpointParams params(std::string region, bool fips = false, bool dualstack = false, std::string endpoint = {}) {
    aws::EndpointParams p;
    p.region = std::move(region);
    p.use_fips = fips;
    p.use_dualstack = dualstack;
    p.endpoint_override = std::move(endpoint);
    return p;
}

std::string url(const cat::Result<aws::Endpoint>& r) {
    if (!r) return "error: " + r.error().message;
    return r->url;
}

std::string ca(std::string region, bool fips = false, bool dualstack = false) {
    return url(aws::codeartifact_endpoint(params(std::move(region), fips, dualstack)));
}

std::string sts(std::string region, bool fips = false, bool dualstack = false,
                aws::StsRegionalEndpoints mode = aws::StsRegionalEndpoints::regional) {
    auto p = params(std::move(region), fips, dualstack);
    p.sts_regional_endpoints = mode;
    return url(aws::sts_endpoint(p));
}

// An environment made of a map.
struct FakeEnv {
    std::map<std::string, std::string, std::less<>> vars;
    std::optional<std::string> operator()(std::string_view name) const {
        const auto it = vars.find(name);
        if (it == vars.end()) return std::nullopt;
        return it->second;
    }
};

// The facts of Debian's botocore 1.29.27 for aws-iso: no dual-stack. Used to reach the error branches,
// since every partition of the current table supports both FIPS and dual-stack.
constexpr std::string_view old_iso_regions[] = {"aws-iso-global", "us-iso-east-1", "us-iso-west-1"};
constexpr std::string_view no_regions[] = {"x"};
const aws::Partition old_table[] = {
    {"aws", R"(^(us|eu|ap|sa|ca|me|af)\-\w+\-\d+$)", "amazonaws.com", "api.aws", "", true, true, no_regions},
    {"aws-iso", R"(^us\-iso\-\w+\-\d+$)", "c2s.ic.gov", "c2s.ic.gov", "", true, false, old_iso_regions},
    {"test-nofips", R"(^zz\-\w+\-\d+$)", "example.test", "dual.example.test", "", false, true, no_regions},
};

}  // namespace

BOOST_AUTO_TEST_CASE(table_is_complete_and_in_file_order) {
    std::vector<std::string_view> ids;
    for (const auto& p : aws::partitions()) ids.push_back(p.id);
    const std::vector<std::string_view> want{"aws",       "aws-cn",    "aws-eusc",  "aws-iso",
                                             "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-us-gov"};
    BOOST_TEST(ids == want, boost::test_tools::per_element());
    for (const auto& p : aws::partitions()) {
        BOOST_TEST_CONTEXT(p.id) {
            BOOST_TEST(p.supports_fips);
            BOOST_TEST(p.supports_dualstack);
            BOOST_TEST(!p.regions.empty());
            // Every explicit region belongs to its own partition.
            for (auto r : p.regions) BOOST_TEST(aws::partition_for(r).id == p.id, r);
            // The implicit global region is one of the partition's regions.
            BOOST_TEST(aws::partition_for(p.implicit_global_region).id == p.id);
        }
    }
}

BOOST_AUTO_TEST_CASE(partition_for_regions) {
    BOOST_TEST(aws::partition_for("us-west-2").id == "aws");
    BOOST_TEST(aws::partition_for("us-east-9").id == "aws");  // regex only
    BOOST_TEST(aws::partition_for("mx-central-1").id == "aws");
    BOOST_TEST(aws::partition_for("aws-global").id == "aws");  // explicit only
    BOOST_TEST(aws::partition_for("cn-north-1").id == "aws-cn");
    BOOST_TEST(aws::partition_for("cn-south-7").id == "aws-cn");
    BOOST_TEST(aws::partition_for("aws-cn-global").id == "aws-cn");
    BOOST_TEST(aws::partition_for("us-gov-west-1").id == "aws-us-gov");
    BOOST_TEST(aws::partition_for("us-gov-central-3").id == "aws-us-gov");
    BOOST_TEST(aws::partition_for("us-iso-east-1").id == "aws-iso");
    BOOST_TEST(aws::partition_for("us-isob-east-1").id == "aws-iso-b");
    BOOST_TEST(aws::partition_for("eu-isoe-west-1").id == "aws-iso-e");
    BOOST_TEST(aws::partition_for("us-isof-south-1").id == "aws-iso-f");
    BOOST_TEST(aws::partition_for("eusc-de-east-1").id == "aws-eusc");
    BOOST_TEST(aws::partition_for("eusc-de-north-2").id == "aws-eusc");
    // No match: the first partition, as the rule sets' aws.partition() does.
    BOOST_TEST(aws::partition_for("eusc-fr-east-1").id == "aws");
    BOOST_TEST(aws::partition_for("mars-west-1").id == "aws");
    BOOST_TEST(aws::partition_for("us-east").id == "aws");
    BOOST_TEST(aws::partition_for("").id == "aws");
}

BOOST_AUTO_TEST_CASE(codeartifact_every_partition) {
    BOOST_TEST(ca("us-west-2") == "https://codeartifact.us-west-2.amazonaws.com");
    BOOST_TEST(ca("us-east-9") == "https://codeartifact.us-east-9.amazonaws.com");
    BOOST_TEST(ca("cn-north-1") == "https://codeartifact.cn-north-1.amazonaws.com.cn");
    BOOST_TEST(ca("us-gov-west-1") == "https://codeartifact.us-gov-west-1.amazonaws.com");
    BOOST_TEST(ca("us-iso-east-1") == "https://codeartifact.us-iso-east-1.c2s.ic.gov");
    BOOST_TEST(ca("us-isob-east-1") == "https://codeartifact.us-isob-east-1.sc2s.sgov.gov");
    BOOST_TEST(ca("eu-isoe-west-1") == "https://codeartifact.eu-isoe-west-1.cloud.adc-e.uk");
    BOOST_TEST(ca("us-isof-south-1") == "https://codeartifact.us-isof-south-1.csp.hci.ic.gov");
    BOOST_TEST(ca("eusc-de-east-1") == "https://codeartifact.eusc-de-east-1.amazonaws.eu");
    BOOST_TEST(ca("mars-west-1") == "https://codeartifact.mars-west-1.amazonaws.com");

    const auto r = aws::codeartifact_endpoint(params("cn-northwest-1"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->signing_region == "cn-northwest-1");
    BOOST_TEST(r->partition == "aws-cn");
}

BOOST_AUTO_TEST_CASE(codeartifact_fips_and_dualstack) {
    BOOST_TEST(ca("us-west-2", true) == "https://codeartifact-fips.us-west-2.amazonaws.com");
    BOOST_TEST(ca("us-west-2", false, true) == "https://codeartifact.us-west-2.api.aws");
    BOOST_TEST(ca("us-west-2", true, true) == "https://codeartifact-fips.us-west-2.api.aws");
    BOOST_TEST(ca("cn-north-1", false, true) == "https://codeartifact.cn-north-1.api.amazonwebservices.com.cn");
    BOOST_TEST(ca("cn-north-1", true, true) == "https://codeartifact-fips.cn-north-1.api.amazonwebservices.com.cn");
    BOOST_TEST(ca("us-gov-east-1", true) == "https://codeartifact-fips.us-gov-east-1.amazonaws.com");
    BOOST_TEST(ca("us-iso-west-1", false, true) == "https://codeartifact.us-iso-west-1.api.aws.ic.gov");
    BOOST_TEST(ca("us-isob-east-1", true, true) == "https://codeartifact-fips.us-isob-east-1.api.aws.scloud");
    BOOST_TEST(ca("eu-isoe-west-1", false, true) == "https://codeartifact.eu-isoe-west-1.api.cloud-aws.adc-e.uk");
    BOOST_TEST(ca("us-isof-east-1", true) == "https://codeartifact-fips.us-isof-east-1.csp.hci.ic.gov");
    BOOST_TEST(ca("eusc-de-east-1", false, true) == "https://codeartifact.eusc-de-east-1.api.amazonwebservices.eu");
}

BOOST_AUTO_TEST_CASE(unsupported_variants_are_errors) {
    auto with = [](std::string region, bool fips, bool dualstack) {
        return url(aws::codeartifact_endpoint(params(std::move(region), fips, dualstack), old_table));
    };
    BOOST_TEST(with("us-iso-east-1", false, false) == "https://codeartifact.us-iso-east-1.c2s.ic.gov");
    BOOST_TEST(with("us-iso-east-1", true, false) == "https://codeartifact-fips.us-iso-east-1.c2s.ic.gov");
    BOOST_TEST(with("us-iso-east-1", false, true) ==
               "error: DualStack is enabled but this partition does not support DualStack");
    BOOST_TEST(with("us-iso-east-1", true, true) ==
               "error: FIPS and DualStack are enabled, but this partition does not support one or both");
    BOOST_TEST(with("zz-top-1", true, false) == "error: FIPS is enabled but this partition does not support FIPS");
    BOOST_TEST(with("zz-top-1", true, true) ==
               "error: FIPS and DualStack are enabled, but this partition does not support one or both");
    BOOST_TEST(with("zz-top-1", false, true) == "https://codeartifact.zz-top-1.dual.example.test");
    // Not in the old aws regex: falls back to the first partition all the same.
    BOOST_TEST(with("il-central-1", false, false) == "https://codeartifact.il-central-1.amazonaws.com");

    auto sts_with = [](std::string region, bool fips, bool dualstack) {
        return url(aws::sts_endpoint(params(std::move(region), fips, dualstack), old_table));
    };
    BOOST_TEST(sts_with("us-iso-east-1", false, true) ==
               "error: DualStack is enabled but this partition does not support DualStack");
    BOOST_TEST(sts_with("zz-top-1", true, false) == "error: FIPS is enabled but this partition does not support FIPS");

    const auto r = aws::codeartifact_endpoint(params("us-iso-east-1", false, true), old_table);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == cat::ErrorKind::config));
}

// aws/endpoints.cpp matches regionRegex without std::regex: the same verdicts as std::regex_search
// (ECMAScript) for the table's patterns and for the rest of the syntax it accepts.
BOOST_AUTO_TEST_CASE(region_regex_matches_as_std_regex) {
    std::vector<std::string_view> patterns;
    for (const auto& p : aws::partitions()) patterns.push_back(p.region_regex);
    for (std::string_view extra : {R"(^(us|eu|ap|sa|ca|me|af)\-\w+\-\d+$)", R"(cn\-\w+)", R"(^a(b|bc)*c$)",
                                   R"(^(a|ab)(c|bcd)(d*)$)", R"(^[a-z0-9]+\-[^-]+$)", R"(^x?y+\.z$)", R"(\W\D\S)",
                                   R"(^(|a)+b$)", R"(^.\s.$)", R"(eu\-(isoe|x)?\-\w+)", R"(^[\w\-]+$)", R"(^[]a$)"})
        patterns.push_back(extra);
    const std::vector<std::string> regions{"us-east-1",
                                           "us-east-99",
                                           "eu-isoe-west-1",
                                           "eusc-de-east-1",
                                           "eusc-fr-east-1",
                                           "us-gov-west-1",
                                           "us-isob-east-1",
                                           "us-isof-south-1",
                                           "us-iso-east-1",
                                           "cn-north-1",
                                           "cn-north-",
                                           "xus-east-1",
                                           "us-east-1x",
                                           "us_east-1",
                                           "us--1",
                                           "US-EAST-1",
                                           "mx-central-1",
                                           "il-central-1",
                                           "",
                                           "abc",
                                           "abbcc",
                                           "ac",
                                           "abcd",
                                           "abcdd",
                                           "b",
                                           "aab",
                                           "x.z",
                                           "yy.z",
                                           "xyy.z",
                                           "a-b",
                                           "a1-bc",
                                           "a1--",
                                           "a b",
                                           "a\tb",
                                           "a\nb",
                                           "é-x-1",
                                           "-!-",
                                           "a",
                                           "eu--west",
                                           "eu-x-west",
                                           "eu-isoe-north"};
    const std::string_view none[] = {"#"};
    for (const auto pattern : patterns) {
        const std::regex re(pattern.begin(), pattern.end(), std::regex::ECMAScript);
        // Two partitions: one that matches none of the regions, then the pattern's.
        const aws::Partition table[] = {
            {"neither", "^#$", "", "", "", true, true, none},
            {"pattern", pattern, "", "", "", true, true, none},
        };
        for (const auto& r : regions) BOOST_TEST_CONTEXT(pattern << " on \"" << r << '"') {
                BOOST_TEST((aws::partition_for(r, table).id == "pattern") == std::regex_search(r, re));
            }
    }
}

BOOST_AUTO_TEST_CASE(endpoint_override) {
    const auto r = aws::codeartifact_endpoint(params("us-west-2", false, false, "http://localhost:4566"));
    BOOST_REQUIRE(r);
    BOOST_TEST(r->url == "http://localhost:4566");
    BOOST_TEST(r->signing_region == "us-west-2");
    BOOST_TEST(r->partition == "aws");

    BOOST_TEST(url(aws::codeartifact_endpoint(params("us-west-2", true, false, "https://x.example"))) ==
               "error: Invalid Configuration: FIPS and custom endpoint are not supported");
    BOOST_TEST(url(aws::codeartifact_endpoint(params("us-west-2", false, true, "https://x.example"))) ==
               "error: Invalid Configuration: Dualstack and custom endpoint are not supported");
    BOOST_TEST(url(aws::codeartifact_endpoint(params("us-west-2", true, true, "https://x.example"))) ==
               "error: Invalid Configuration: FIPS and custom endpoint are not supported");
    BOOST_TEST(url(aws::sts_endpoint(params("us-west-2", true, false, "https://x.example"))) ==
               "error: Invalid Configuration: FIPS and custom endpoint are not supported");
    BOOST_TEST(url(aws::sts_endpoint(params("us-west-2", false, true, "https://x.example"))) ==
               "error: Invalid Configuration: Dualstack and custom endpoint are not supported");

    // An override wins over STS's legacy global endpoint.
    auto p = params("us-east-1", false, false, "https://sts.internal.example/");
    p.sts_regional_endpoints = aws::StsRegionalEndpoints::legacy;
    const auto s = aws::sts_endpoint(p);
    BOOST_REQUIRE(s);
    BOOST_TEST(s->url == "https://sts.internal.example/");
    BOOST_TEST(s->signing_region == "us-east-1");

    // The override must be a URL; the requests still need a region to sign for.
    const auto bad = aws::codeartifact_endpoint(params("us-west-2", false, false, "localhost:4566"));
    BOOST_REQUIRE(!bad);
    BOOST_TEST((bad.error().kind == cat::ErrorKind::config));
    BOOST_TEST(bad.error().message.find("\"localhost:4566\"") != std::string::npos);
    BOOST_TEST(url(aws::codeartifact_endpoint(params("", false, false, "http://localhost:4566"))) ==
               "error: no region: set --region, AWS_REGION or AWS_DEFAULT_REGION");
}

BOOST_AUTO_TEST_CASE(missing_and_invalid_region) {
    for (const bool is_sts : {false, true}) {
        const auto missing = is_sts ? aws::sts_endpoint(params("")) : aws::codeartifact_endpoint(params(""));
        BOOST_REQUIRE(!missing);
        BOOST_TEST((missing.error().kind == cat::ErrorKind::config));
        BOOST_TEST(missing.error().message == "no region: set --region, AWS_REGION or AWS_DEFAULT_REGION");

        for (const std::string& bad :
             std::initializer_list<std::string>{"us-west-2/", "us west 2", "-us-west-2", "us-west-2-", "us_west_2",
                                                "123", "us-west-2.evil.com", std::string(64, 'a'), "us-west-2\n"}) {
            const auto r = is_sts ? aws::sts_endpoint(params(bad)) : aws::codeartifact_endpoint(params(bad));
            BOOST_TEST_CONTEXT(bad) {
                BOOST_REQUIRE(!r);
                BOOST_TEST((r.error().kind == cat::ErrorKind::config));
                BOOST_TEST(r.error().message == "invalid region \"" + bad + "\": not a valid host label");
            }
        }
    }
    // Valid host labels that match no partition still resolve (in "aws"), as in botocore.
    BOOST_TEST(ca("local") == "https://codeartifact.local.amazonaws.com");
    BOOST_TEST(ca(std::string(63, 'a')) == "https://codeartifact." + std::string(63, 'a') + ".amazonaws.com");
}

BOOST_AUTO_TEST_CASE(sts_regional) {
    BOOST_TEST(sts("us-east-1") == "https://sts.us-east-1.amazonaws.com");
    BOOST_TEST(sts("eu-west-1") == "https://sts.eu-west-1.amazonaws.com");
    BOOST_TEST(sts("us-east-9") == "https://sts.us-east-9.amazonaws.com");
    BOOST_TEST(sts("cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn");
    BOOST_TEST(sts("us-gov-west-1") == "https://sts.us-gov-west-1.amazonaws.com");
    BOOST_TEST(sts("us-iso-east-1") == "https://sts.us-iso-east-1.c2s.ic.gov");
    BOOST_TEST(sts("us-isob-east-1") == "https://sts.us-isob-east-1.sc2s.sgov.gov");
    BOOST_TEST(sts("eu-isoe-west-1") == "https://sts.eu-isoe-west-1.cloud.adc-e.uk");
    BOOST_TEST(sts("us-isof-south-1") == "https://sts.us-isof-south-1.csp.hci.ic.gov");
    BOOST_TEST(sts("eusc-de-east-1") == "https://sts.eusc-de-east-1.amazonaws.eu");

    // aws-global is the global endpoint even in regional mode, signed for us-east-1.
    const auto g = aws::sts_endpoint(params("aws-global"));
    BOOST_REQUIRE(g);
    BOOST_TEST(g->url == "https://sts.amazonaws.com");
    BOOST_TEST(g->signing_region == "us-east-1");
    BOOST_TEST(sts("aws-global", true) == "https://sts-fips.aws-global.amazonaws.com");
    BOOST_TEST(sts("aws-cn-global") == "https://sts.aws-cn-global.amazonaws.com.cn");
}

BOOST_AUTO_TEST_CASE(sts_fips_and_dualstack) {
    BOOST_TEST(sts("us-west-2", true) == "https://sts-fips.us-west-2.amazonaws.com");
    BOOST_TEST(sts("us-west-2", false, true) == "https://sts.us-west-2.api.aws");
    BOOST_TEST(sts("us-west-2", true, true) == "https://sts-fips.us-west-2.api.aws");
    // GovCloud's regular STS hosts are FIPS endpoints already.
    BOOST_TEST(sts("us-gov-west-1", true) == "https://sts.us-gov-west-1.amazonaws.com");
    BOOST_TEST(sts("us-gov-west-1", true, true) == "https://sts-fips.us-gov-west-1.api.aws");
    BOOST_TEST(sts("us-gov-east-1", false, true) == "https://sts.us-gov-east-1.api.aws");
    BOOST_TEST(sts("cn-north-1", true) == "https://sts-fips.cn-north-1.amazonaws.com.cn");
    BOOST_TEST(sts("us-iso-east-1", true, true) == "https://sts-fips.us-iso-east-1.api.aws.ic.gov");
}

BOOST_AUTO_TEST_CASE(sts_legacy_global_endpoint) {
    using M = aws::StsRegionalEndpoints;
    for (const char* r : {"us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1",
                          "ap-northeast-1", "ap-south-1", "sa-east-1", "ca-central-1", "aws-global"}) {
        auto p = params(r);
        p.sts_regional_endpoints = M::legacy;
        const auto e = aws::sts_endpoint(p);
        BOOST_REQUIRE(e);
        BOOST_TEST(e->url == "https://sts.amazonaws.com", r);
        BOOST_TEST(e->signing_region == "us-east-1", r);
    }
    // Regions outside the old global list, and FIPS or dual-stack, stay regional.
    BOOST_TEST(sts("eu-south-1", false, false, M::legacy) == "https://sts.eu-south-1.amazonaws.com");
    BOOST_TEST(sts("ap-northeast-2", false, false, M::legacy) == "https://sts.ap-northeast-2.amazonaws.com");
    BOOST_TEST(sts("cn-north-1", false, false, M::legacy) == "https://sts.cn-north-1.amazonaws.com.cn");
    BOOST_TEST(sts("us-east-1", true, false, M::legacy) == "https://sts-fips.us-east-1.amazonaws.com");
    BOOST_TEST(sts("us-east-1", false, true, M::legacy) == "https://sts.us-east-1.api.aws");
    const auto e = aws::sts_endpoint(params("eu-south-1"));
    BOOST_REQUIRE(e);
    BOOST_TEST(e->signing_region == "eu-south-1");
}

BOOST_AUTO_TEST_CASE(sts_regional_endpoints_values) {
    using M = aws::StsRegionalEndpoints;
    BOOST_TEST((*aws::parse_sts_regional_endpoints("", "AWS_STS_REGIONAL_ENDPOINTS") == M::regional));
    BOOST_TEST((*aws::parse_sts_regional_endpoints("regional", "AWS_STS_REGIONAL_ENDPOINTS") == M::regional));
    BOOST_TEST((*aws::parse_sts_regional_endpoints("legacy", "AWS_STS_REGIONAL_ENDPOINTS") == M::legacy));
    const auto bad = aws::parse_sts_regional_endpoints("Legacy", "AWS_STS_REGIONAL_ENDPOINTS");
    BOOST_REQUIRE(!bad);
    BOOST_TEST((bad.error().kind == cat::ErrorKind::config));
    BOOST_TEST(bad.error().message ==
               "invalid AWS_STS_REGIONAL_ENDPOINTS \"Legacy\": expected \"regional\" or \"legacy\"");
}

BOOST_AUTO_TEST_CASE(service_names) {
    BOOST_TEST(aws::endpoint_env_var("codeartifact") == "AWS_ENDPOINT_URL_CODEARTIFACT");
    BOOST_TEST(aws::endpoint_env_var("STS") == "AWS_ENDPOINT_URL_STS");
    BOOST_TEST(aws::endpoint_env_var("SSO") == "AWS_ENDPOINT_URL_SSO");
    BOOST_TEST(aws::endpoint_env_var("SSO OIDC") == "AWS_ENDPOINT_URL_SSO_OIDC");
    BOOST_TEST(aws::services_section_key("codeartifact") == "codeartifact");
    BOOST_TEST(aws::services_section_key("STS") == "sts");
    BOOST_TEST(aws::services_section_key("SSO OIDC") == "sso_oidc");
}

BOOST_AUTO_TEST_CASE(configured_endpoint_precedence) {
    FakeEnv env;
    aws::EndpointConfig cfg;
    cfg.flag = "https://flag.example";
    cfg.profile_service_endpoint_url = "https://profile-service.example";
    cfg.profile_endpoint_url = "https://profile.example";
    env.vars = {{"AWS_ENDPOINT_URL_CODEARTIFACT", "https://env-service.example"},
                {"AWS_ENDPOINT_URL_STS", "https://env-sts.example"},
                {"AWS_ENDPOINT_URL", "https://env.example"}};
    auto resolve = [&](std::string_view service = "codeartifact") {
        cfg.env = env;
        const auto r = aws::configured_endpoint(service, cfg);
        BOOST_REQUIRE(r);
        return r->url + " <- " + r->source;
    };

    BOOST_TEST(resolve() == "https://flag.example <- --endpoint-url");
    cfg.flag.clear();
    BOOST_TEST(resolve() == "https://env-service.example <- AWS_ENDPOINT_URL_CODEARTIFACT");
    BOOST_TEST(resolve("STS") == "https://env-sts.example <- AWS_ENDPOINT_URL_STS");
    BOOST_TEST(resolve("SSO") == "https://env.example <- AWS_ENDPOINT_URL");
    env.vars.erase("AWS_ENDPOINT_URL_CODEARTIFACT");
    BOOST_TEST(resolve() == "https://env.example <- AWS_ENDPOINT_URL");
    env.vars["AWS_ENDPOINT_URL"] = "";  // empty counts as unset
    BOOST_TEST(resolve() == "https://profile-service.example <- profile services section (codeartifact endpoint_url)");
    env.vars.erase("AWS_ENDPOINT_URL");
    BOOST_TEST(resolve("STS") == "https://env-sts.example <- AWS_ENDPOINT_URL_STS");
    cfg.profile_service_endpoint_url.clear();
    BOOST_TEST(resolve() == "https://profile.example <- profile endpoint_url");
    cfg.profile_endpoint_url.clear();
    BOOST_TEST(resolve() == " <- ");

    // No environment at all.
    cfg.env = nullptr;
    cfg.profile_endpoint_url = "https://profile.example";
    const auto r = aws::configured_endpoint("codeartifact", cfg);
    BOOST_REQUIRE(r);
    BOOST_TEST(r->url == "https://profile.example");
}

BOOST_AUTO_TEST_CASE(configured_endpoint_ignore_flag) {
    FakeEnv env;
    aws::EndpointConfig cfg;
    cfg.profile_service_endpoint_url = "https://profile-service.example";
    cfg.profile_endpoint_url = "https://profile.example";
    env.vars = {{"AWS_ENDPOINT_URL_CODEARTIFACT", "https://env-service.example"},
                {"AWS_ENDPOINT_URL", "https://env.example"}};
    auto resolve = [&]() {
        cfg.env = env;
        const auto r = aws::configured_endpoint("codeartifact", cfg);
        BOOST_REQUIRE(r);
        return r->url;
    };

    for (const char* on : {"true", "TRUE", "True"}) {
        env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = on;
        BOOST_TEST(resolve() == "", on);
        cfg.flag = "http://127.0.0.1:8080";  // the flag is never ignored
        BOOST_TEST(resolve() == "http://127.0.0.1:8080", on);
        cfg.flag.clear();
    }
    for (const char* off : {"false", "1", "yes", ""}) {
        env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = off;
        BOOST_TEST(resolve() == "https://env-service.example", off);
    }
    // The profile's setting counts only when the variable is unset.
    cfg.profile_ignore_configured_endpoint_urls = "true";
    env.vars["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "false";
    BOOST_TEST(resolve() == "https://env-service.example");
    env.vars.erase("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS");
    BOOST_TEST(resolve() == "");
}

BOOST_AUTO_TEST_CASE(configured_endpoint_validation) {
    FakeEnv env;
    aws::EndpointConfig cfg;
    env.vars = {{"AWS_ENDPOINT_URL_STS", "localhost:4566"}, {"AWS_ENDPOINT_URL", "https://fine.example"}};
    cfg.env = env;
    const auto r = aws::configured_endpoint("STS", cfg);
    BOOST_REQUIRE(!r);
    BOOST_TEST((r.error().kind == cat::ErrorKind::config));
    BOOST_TEST(r.error().message ==
               "invalid endpoint URL \"localhost:4566\" from AWS_ENDPOINT_URL_STS: expected http:// or https:// and a "
               "host");

    cfg.flag = "ftp://x.example";
    const auto f = aws::configured_endpoint("STS", cfg);
    BOOST_REQUIRE(!f);
    BOOST_TEST(f.error().message.find("from --endpoint-url: the scheme must be http or https") != std::string::npos);

    cfg.flag.clear();
    cfg.env = nullptr;
    cfg.profile_service_endpoint_url = "https://";
    const auto p = aws::configured_endpoint("codeartifact", cfg);
    BOOST_REQUIRE(!p);
    BOOST_TEST(p.error().message ==
               "invalid endpoint URL \"https://\" from profile services section (codeartifact "
               "endpoint_url): no host");
}

BOOST_AUTO_TEST_CASE(endpoint_url_syntax) {
    for (const char* good :
         {"http://localhost", "https://localhost:4566", "HTTPS://Example.COM/", "http://127.0.0.1:8080/path?q=1#f",
          "https://codeartifact.us-west-2.amazonaws.com", "http://[::1]:4566", "http://[fe80::1]/x", "https://a.b.",
          "http://host?x", "http://host#frag", "https://host:65535"}) {
        BOOST_TEST(static_cast<bool>(aws::validate_endpoint_url(good, "test")), good);
    }
    for (const char* bad : {"",
                            "localhost",
                            "localhost:4566",
                            "//host",
                            "ftp://host",
                            "https//host",
                            "https://",
                            "http://:80",
                            "https://host:0",
                            "https://host:65536",
                            "https://host:",
                            "https://host:8o",
                            "http://user:pw@host",
                            "http://ho st",
                            "http://host/a b",
                            "http://-host",
                            "http://host-.com",
                            "http://a..b",
                            "http://ho_st",
                            "http://[::1",
                            "http://[::1]x",
                            "http://[xyz]",
                            "https://host\t",
                            "http://[::1]:"}) {
        const auto st = aws::validate_endpoint_url(bad, "test");
        BOOST_TEST(!st, bad);
        if (!st) BOOST_TEST((st.error().kind == cat::ErrorKind::config));
    }
}
