// Endpoint resolution for the services this tool calls (CodeArtifact, STS), equivalent to the endpoint
// rule sets botocore ships for them, and the AWS SDKs' precedence of configured endpoint URLs.
//
// Everything here is a pure function of its inputs: nothing reads the environment or a file. The facts
// (partitions, DNS suffixes, which partitions support FIPS and dual-stack, STS's legacy global regions)
// are a table transcribed from botocore's data; endpoints.cpp names the files and the version.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cat::aws {

// One partition of botocore's partitions.json: its "id", "regionRegex", "regions" (the explicit list)
// and "outputs".
struct Partition {
    std::string_view id;                      // "aws", "aws-cn", "aws-us-gov", ...
    std::string_view region_regex;            // verbatim; matched as ECMAScript (endpoints.cpp: the subset used)
    std::string_view dns_suffix;              // "amazonaws.com"
    std::string_view dualstack_dns_suffix;    // "api.aws"
    std::string_view implicit_global_region;  // "us-east-1"
    bool supports_fips = false;
    bool supports_dualstack = false;
    std::span<const std::string_view> regions;  // explicit region names, including "aws-global" and the like
};

// The built-in table, in partitions.json order ("aws" first).
std::span<const Partition> partitions();
// The botocore release whose data the table and the resolvers were transcribed from.
inline constexpr std::string_view botocore_data_version = "1.43.11";

// The partition a region belongs to, as the rule sets' aws.partition() finds it: the first partition
// (in table order) that lists the region explicitly or whose regex matches it; "aws" (the first entry)
// when none does. `table` must not be empty.
const Partition& partition_for(std::string_view region, std::span<const Partition> table = partitions());

// AWS_STS_REGIONAL_ENDPOINTS / sts_regional_endpoints. `legacy` sends the 16 regions of the old global
// list (us-east-1, eu-west-1, ...) to https://sts.amazonaws.com; the SDKs' default is `regional`.
enum class StsRegionalEndpoints { regional, legacy };

// "regional" or "legacy" (exactly, as botocore compares); empty means the default, regional. Anything
// else is a config error naming `source` (e.g. "AWS_STS_REGIONAL_ENDPOINTS").
Result<StsRegionalEndpoints> parse_sts_regional_endpoints(std::string_view value, std::string_view source);

struct EndpointParams {
    std::string region;             // empty: none configured
    bool use_fips = false;          // AWS_USE_FIPS_ENDPOINT / use_fips_endpoint
    bool use_dualstack = false;     // AWS_USE_DUALSTACK_ENDPOINT / use_dualstack_endpoint
    std::string endpoint_override;  // a configured endpoint URL (see configured_endpoint()); empty: none
    StsRegionalEndpoints sts_regional_endpoints = StsRegionalEndpoints::regional;  // read by sts_endpoint() only
};

struct Endpoint {
    std::string url;             // "https://codeartifact.us-west-2.amazonaws.com" (an override as given)
    std::string signing_region;  // the SigV4 region: the region, but us-east-1 for https://sts.amazonaws.com
    std::string_view partition;  // id of the region's partition
};

// Both fail with ErrorKind::config when
//   - the region is set but is not a valid host label (botocore's check when it creates a client);
//   - an override comes with FIPS or dual-stack ("Invalid Configuration: FIPS and custom endpoint are
//     not supported", "... Dualstack ..."), or the override is not an http(s) URL with a host;
//   - there is no region, override or not ("no region: set --region, AWS_REGION or AWS_DEFAULT_REGION"):
//     the rule sets accept an override alone, but the request must still be signed for a region;
//   - FIPS and/or dual-stack is asked of a partition without it (the rule sets' messages).
Result<Endpoint> codeartifact_endpoint(const EndpointParams& params, std::span<const Partition> table = partitions());
Result<Endpoint> sts_endpoint(const EndpointParams& params, std::span<const Partition> table = partitions());

// Configured endpoint URLs for one service, highest precedence first:
//   1. --endpoint-url
//   2. AWS_ENDPOINT_URL_<SERVICE> (endpoint_env_var())
//   3. AWS_ENDPOINT_URL
//   4. the profile's services section: `<services_section_key()> =` / `  endpoint_url = ...`
//   5. the profile's endpoint_url
// An empty value counts as unset. When ignoring is on, only 1 counts: AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
// if it is set at all, else the profile's ignore_configured_endpoint_urls, is on when it equals "true"
// in any case.
struct EndpointConfig {
    std::string flag;  // --endpoint-url
    // Looks up an environment variable; nullopt when it is unset. May be empty: no environment.
    std::function<std::optional<std::string>(std::string_view name)> env;
    std::string profile_service_endpoint_url;             // the services section's entry for the service
    std::string profile_endpoint_url;                     // endpoint_url in the profile
    std::string profile_ignore_configured_endpoint_urls;  // ignore_configured_endpoint_urls in the profile
};

struct ConfiguredEndpoint {
    std::string url;     // empty: none configured
    std::string source;  // "--endpoint-url", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL",
                         // "profile services section (sts endpoint_url)", "profile endpoint_url"; empty
};

// `service_id` is the service's serviceId ("codeartifact", "STS", "SSO", "SSO OIDC"). The chosen URL is
// validated (validate_endpoint_url()); lower-precedence values are not looked at.
Result<ConfiguredEndpoint> configured_endpoint(std::string_view service_id, const EndpointConfig& config);

// "AWS_ENDPOINT_URL_" + service id upper-cased, spaces and hyphens as underscores: AWS_ENDPOINT_URL_SSO_OIDC.
std::string endpoint_env_var(std::string_view service_id);
// The key of the service in a services section: lower-cased, spaces and hyphens as underscores: sso_oidc.
std::string services_section_key(std::string_view service_id);

// An http or https URL (scheme in any case) with a host: DNS labels of letters, digits and hyphens, or a
// bracketed IPv6 address; an optional port 1-65535; then nothing or a path, query or fragment. No user
// information, spaces or control characters. The config error names `source` and quotes the URL.
Status validate_endpoint_url(std::string_view url, std::string_view source);

}  // namespace cat::aws
