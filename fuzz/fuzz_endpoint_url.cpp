// Configured endpoint URLs and endpoint resolution. NUL-separated fields:
//   0 a URL for aws::validate_endpoint_url;
//   1 the service id, 2 --endpoint-url, 3 the profile's services-section URL, 4 the profile's endpoint_url,
//   5 the profile's ignore_configured_endpoint_urls, then KEY=VALUE environment entries: for
//   aws::configured_endpoint;
//   and fields 0-2 again as region / override / options for codeartifact_endpoint and sts_endpoint.
#include <map>

#include "aws/endpoints.hpp"
#include "fuzz/fuzz_common.hpp"
#include "http/transport.hpp"

using namespace cat;

namespace {

void check_config_error(const Error& e) {
    FUZZ_CHECK(e.kind == ErrorKind::config);
    fuzz::check_error(e);
}

void check_endpoint(const Result<aws::Endpoint>& e, const aws::EndpointParams& p) {
    if (!e) {
        check_config_error(e.error());
        return;
    }
    FUZZ_CHECK(!e->url.empty() && !e->signing_region.empty() && !e->partition.empty());
    if (p.endpoint_override.empty()) {
        // A resolved endpoint is always a URL the transport can parse, for a valid region.
        auto url = http::parse_url(e->url);
        FUZZ_CHECK(url && url->scheme == "https" && url->target == "/");
        FUZZ_CHECK(aws::validate_endpoint_url(e->url, "resolved"));
    } else {
        FUZZ_CHECK(e->url == p.endpoint_override);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto fields = fuzz::split(fuzz::as_view(data, size), '\0');
    auto field = [&](std::size_t i) { return i < fields.size() ? std::string(fields[i]) : std::string(); };

    const std::string url = field(0);
    if (auto st = aws::validate_endpoint_url(url, "AWS_ENDPOINT_URL"); st) {
        FUZZ_CHECK(url.find("://") != std::string::npos);
        FUZZ_CHECK(url.find_first_of(" \t\r\n") == std::string::npos);
    } else {
        check_config_error(st.error());
        FUZZ_CHECK(st.error().message.find("AWS_ENDPOINT_URL") != std::string::npos);
    }

    const std::string service_id = field(1);
    const std::string var = aws::endpoint_env_var(service_id);
    FUZZ_CHECK(var.size() == service_id.size() + 17 && var.starts_with("AWS_ENDPOINT_URL_"));
    FUZZ_CHECK(aws::services_section_key(service_id).size() == service_id.size());

    std::map<std::string, std::string, std::less<>> env;
    for (std::size_t i = 6; i < fields.size(); ++i) {
        const auto eq = fields[i].find('=');
        if (eq != std::string_view::npos) env.emplace(fields[i].substr(0, eq), fields[i].substr(eq + 1));
    }
    aws::EndpointConfig config;
    config.flag = field(2);
    if (!env.empty()) {
        config.env = [&](std::string_view name) -> std::optional<std::string> {
            const auto it = env.find(name);
            return it == env.end() ? std::nullopt : std::optional<std::string>(it->second);
        };
    }
    config.profile_service_endpoint_url = field(3);
    config.profile_endpoint_url = field(4);
    config.profile_ignore_configured_endpoint_urls = field(5);
    if (auto chosen = aws::configured_endpoint(service_id, config)) {
        FUZZ_CHECK(chosen->url.empty() == chosen->source.empty());
        if (!chosen->url.empty()) FUZZ_CHECK(aws::validate_endpoint_url(chosen->url, chosen->source));
        if (!config.flag.empty()) FUZZ_CHECK(chosen->source == "--endpoint-url" && chosen->url == config.flag);
    } else {
        check_config_error(chosen.error());
    }

    // Resolution with field 0 as the region, field 2 as an override, the first byte of field 1 as switches.
    aws::EndpointParams p;
    p.region = field(0);
    const unsigned char options = service_id.empty() ? 0 : static_cast<unsigned char>(service_id[0]);
    p.use_fips = (options & 1) != 0;
    p.use_dualstack = (options & 2) != 0;
    if ((options & 4) != 0) p.endpoint_override = field(2);
    p.sts_regional_endpoints =
        (options & 8) != 0 ? aws::StsRegionalEndpoints::legacy : aws::StsRegionalEndpoints::regional;
    check_endpoint(aws::codeartifact_endpoint(p), p);
    check_endpoint(aws::sts_endpoint(p), p);
    if (auto mode = aws::parse_sts_regional_endpoints(field(5), "AWS_STS_REGIONAL_ENDPOINTS"); !mode)
        check_config_error(mode.error());
    return 0;
}
