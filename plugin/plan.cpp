#include "plugin/plan.hpp"

#include <algorithm>
#include <charconv>

#include "core/platform.hpp"
#include "core/text.hpp"

#include "cache/token_cache.hpp"
#include "configure/configure.hpp"

namespace cat::plugin {
namespace {

using protocol::Params;

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

// A boolean setting: unset (empty) is false; anything but text::parse_bool's spellings is an error of
// `kind` naming the setting.
Result<bool> boolean(std::string_view name, std::string_view value, ErrorKind kind = ErrorKind::usage) {
    if (value.empty()) return false;
    if (const auto b = text::parse_bool(value)) return *b;
    return Error::make(kind, std::string(name) + " \"" + std::string(value) + "\" is invalid: it must be " +
                                 std::string(text::bool_spellings));
}

// The boolean parameter `name`.
Result<bool> switch_param(const Params& p, std::string_view name) {
    return boolean(name, p.get(name));
}

Result<long long> parse_int(std::string_view name, std::string_view text, long long min, long long max) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
        return usage(std::string(name) + " \"" + std::string(text) + "\" is invalid: it must be a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max));
    return v;
}

// The first non-empty of: a parameter, environment variables, a profile setting.
std::string first_of(const Params& p, std::string_view param, const Env& env,
                     std::initializer_list<std::string_view> vars, const aws::IniSection& profile,
                     std::string_view setting) {
    if (!param.empty() && p.has(param)) return p.get(param);
    for (auto v : vars)
        if (env.has(v)) return env.get(v);
    return setting.empty() ? std::string() : profile.get(setting);
}

// The defaults mode `value` (any case; empty: legacy). auto is in-region when AWS_EXECUTION_ENV is set
// and AWS_REGION (else AWS_DEFAULT_REGION) is the region of the call, cross-region when it is another;
// without them it stays "auto" here, for resolve_auto_defaults to ask instance metadata.
Result<std::string> defaults_mode(const std::string& value, const Env& env, const std::string& region) {
    const std::string mode = text::lower(value);
    if (mode.empty()) return std::string("legacy");
    for (const char* known : {"legacy", "standard", "in-region", "cross-region", "mobile"})
        if (mode == known) return mode;
    if (mode == "auto") {
        if (env.get("AWS_EXECUTION_ENV").empty()) return mode;
        const std::string current = env.has("AWS_REGION") ? env.get("AWS_REGION") : env.get("AWS_DEFAULT_REGION");
        if (!current.empty()) return std::string(current == region ? "in-region" : "cross-region");
        return mode;
    }
    return Error::make(ErrorKind::config,
                       std::string(env.has("AWS_DEFAULTS_MODE") ? "AWS_DEFAULTS_MODE" : "defaults_mode") + " \"" +
                           value +
                           "\" is invalid: it must be legacy, standard, in-region, cross-region, "
                           "mobile or auto");
}

}  // namespace

Result<Plan> make_plan(const Params& p, const Env& env, protocol::OutputMode mode) {
    Plan plan;
    plan.mode = mode;
    for (auto [name, target] : {std::pair{"debug", &plan.debug}, std::pair{"dry_run", &plan.dry_run},
                                std::pair{"extra_index", &plan.extra_index}, std::pair{"show_token", &plan.show_token},
                                std::pair{"no_token_in_file", &plan.token_reference},
                                std::pair{"credential_helper", &plan.credential_helper}}) {
        auto b = switch_param(p, name);
        if (!b) return std::move(b).error();
        *target = *b;
    }

    // What to ask for: checked first, so a bad request fails before any file or network is touched.
    plan.token.domain = p.get("domain");
    plan.token.domain_owner = p.get("domain_owner");
    if (p.has("duration_seconds")) {
        auto d = parse_int("duration_seconds", p.get("duration_seconds"), 0, 43200);
        if (!d) return std::move(d).error();
        plan.token.duration_seconds = *d;
    }
    if (auto s = aws::validate(plan.token); !s) return s.error();
    // --configure (or --unconfigure) TOOL[:REPOSITORY],...: each repository's format is its tool's.
    const std::string format = p.get("format");
    if (p.has("configure") && p.has("unconfigure")) return usage("configure and unconfigure do not go together");
    if (p.has("configure") || p.has("unconfigure")) {
        plan.unconfigure = p.has("unconfigure");
        // Our entries are found by the repository's endpoint, computed without a call: it needs the owner.
        if (plan.unconfigure && plan.token.domain_owner.empty())
            return usage("unconfigure needs domain_owner: the 12-digit account that owns the domain");
        auto targets =
            configure::parse_targets(p.get(plan.unconfigure ? "unconfigure" : "configure"), p.get("repository"));
        if (!targets) return std::move(targets).error();
        plan.configure = std::move(*targets);
        bool repository_used = false;
        for (const auto& t : plan.configure) {
            if (!format.empty() && format != t.format)
                return usage("format " + format + " does not fit configure " + t.tool + " (it uses " + t.format + ")");
            repository_used = repository_used || t.repository == p.get("repository");
            aws::EndpointRequest r{plan.token.domain, plan.token.domain_owner, t.repository, t.format,
                                   p.get("endpoint_type")};
            if (auto s = aws::validate(r); !s) return s.error();
            const auto same = [&](const aws::EndpointRequest& e) {
                return e.repository == r.repository && e.format == r.format;
            };
            if (std::ranges::find_if(plan.repositories, same) == plan.repositories.end())
                plan.repositories.push_back(std::move(r));
        }
        if (p.has("repository") && !repository_used)
            return usage("repository " + p.get("repository") +
                         " is configured for no tool: every configure item names its own repository");
        if (p.has("config_file") && plan.configure.size() > 1)
            return usage("config_file goes with one configure tool: it replaces that tool's file");
        plan.config_file = aws::expand_home(p.get("config_file"), platform::home_dir(env));
        plan.namespace_ = p.get("namespace");
    } else {
        for (const char* only :
             {"config_file", "namespace", "extra_index", "show_token", "no_token_in_file", "credential_helper"})
            if (p.has(only)) return usage(std::string(only) + " goes with configure");
        if (p.has("repository") || !format.empty()) {
            if (!p.has("repository") || format.empty())
                return usage("repository and format go together: give both to get the repository endpoint");
            aws::EndpointRequest r{plan.token.domain, plan.token.domain_owner, p.get("repository"), format,
                                   p.get("endpoint_type")};
            if (auto s = aws::validate(r); !s) return s.error();
            plan.repositories.push_back(std::move(r));
        }
    }
    if (plan.repositories.empty() && p.has("endpoint_type")) return usage("endpoint_type needs repository and format");

    // The token cache.
    if (p.has("cache")) {
        auto c = switch_param(p, "cache");
        if (!c) return std::move(c).error();
        plan.use_cache = *c;
    }
    auto no_cache = switch_param(p, "no_cache");
    if (!no_cache) return std::move(no_cache).error();
    if (*no_cache) plan.use_cache = false;
    if (plan.use_cache) {
        plan.cache_dir = p.get("cache_dir");
        plan.cache_dir_explicit = !plan.cache_dir.empty();
        if (plan.cache_dir.empty()) {
            // No HOME and no cache directory configured (a bare container, env -i): run without the cache.
            auto dir = cache::default_cache_dir(env, platform::home_dir(env));
            if (dir)
                plan.cache_dir = std::move(*dir);
            else
                plan.use_cache = false;
        }
    }
    if (p.has("refresh_margin")) {
        auto m = parse_int("refresh_margin", p.get("refresh_margin"), 0, 43200);
        if (!m) return std::move(m).error();
        plan.refresh_margin = std::chrono::seconds{*m};
    }

    // The shared config files and the profile.
    auto config =
        aws::load_shared_config(env, platform::home_dir(env), p.get("profile_location"), aws::read_optional_file);
    if (!config) return std::move(config).error();
    plan.config = std::move(*config);
    plan.profile = aws::selected_profile(p.get("profile"), env);
    plan.profile_explicit = p.has("profile") || env.has("AWS_PROFILE") || env.has("AWS_DEFAULT_PROFILE");
    plan.profile_from_flag = p.has("profile");
    if (const auto* section = plan.config.profile(plan.profile)) plan.profile_settings = *section;
    const aws::IniSection& prof = plan.profile_settings;

    // Where: --region > AWS_REGION > AWS_DEFAULT_REGION > the profile's region (> instance metadata,
    // later, when it is the credential source).
    plan.region = first_of(p, "region", env, {"AWS_REGION", "AWS_DEFAULT_REGION"}, prof, "region");
    for (auto [setting, var, target] :
         {std::tuple{"use_fips_endpoint", "AWS_USE_FIPS_ENDPOINT", &plan.use_fips},
          std::tuple{"use_dualstack_endpoint", "AWS_USE_DUALSTACK_ENDPOINT", &plan.use_dualstack}}) {
        auto b = boolean(setting, first_of(p, "", env, {var}, prof, setting), ErrorKind::config);
        if (!b) return std::move(b).error();
        *target = *b;
    }
    auto sts_mode = aws::parse_sts_regional_endpoints(
        first_of(p, "", env, {"AWS_STS_REGIONAL_ENDPOINTS"}, prof, "sts_regional_endpoints"), "sts_regional_endpoints");
    if (!sts_mode) return std::move(sts_mode).error();
    plan.sts_regional_endpoints = *sts_mode;
    plan.endpoint_config.flag = p.get("endpoint_url");
    plan.endpoint_config.env = [env](std::string_view name) -> std::optional<std::string> {
        if (!env.has(name)) return std::nullopt;
        return env.get(name);
    };
    plan.endpoint_config.profile_endpoint_url = prof.get("endpoint_url");
    plan.endpoint_config.profile_ignore_configured_endpoint_urls = prof.get("ignore_configured_endpoint_urls");

    // Who.
    plan.access_key = p.get("access_key");
    plan.secret_key = p.secret("secret_key");
    plan.session_token = p.secret("session_token");
    plan.role_arn = p.get("role_arn");

    // How.
    plan.transport.ca_bundle =
        aws::expand_home(first_of(p, "ca_bundle", env, {"AWS_CA_BUNDLE"}, prof, "ca_bundle"), platform::home_dir(env));
    for (auto [name, target] : {std::pair{"connect_timeout", &plan.transport.connect_timeout},
                                std::pair{"read_timeout", &plan.transport.read_timeout}}) {
        if (!p.has(name)) continue;
        auto s = parse_int(name, p.get(name), 1, 3600);
        if (!s) return std::move(s).error();
        *target = std::chrono::seconds{*s};
    }
    plan.transport.proxy = http::ProxySettings::from_env(env);
    // AWS_DEFAULTS_MODE / defaults_mode (botocore's data/sdk-default-configuration.json): every mode but
    // legacy makes standard the default retry mode (ours already), regional STS endpoints (ours already)
    // and sets the connect timeout unless --connect-timeout does.
    auto defaults = defaults_mode(first_of(p, "", env, {"AWS_DEFAULTS_MODE"}, prof, "defaults_mode"), env, plan.region);
    if (!defaults) return std::move(defaults).error();
    plan.connect_timeout_from_flag = p.has("connect_timeout");
    apply_defaults_mode(plan, *defaults);
    const std::string retry_mode = first_of(p, "", env, {"AWS_RETRY_MODE"}, prof, "retry_mode");
    if (!retry_mode.empty()) {
        auto parsed = aws::parse_retry_mode(retry_mode, env.has("AWS_RETRY_MODE") ? "AWS_RETRY_MODE" : "retry_mode");
        if (!parsed) return std::move(parsed).error();
        plan.retry.mode = *parsed;
    }
    // botocore's legacy mode makes 5 attempts unless told otherwise (its _retry.json).
    if (plan.retry.mode == aws::RetryMode::legacy) plan.retry.max_attempts = 5;
    const std::string attempts = first_of(p, "max_attempts", env, {"AWS_MAX_ATTEMPTS"}, prof, "max_attempts");
    if (!attempts.empty()) {
        auto n = parse_int("max_attempts", attempts, 1, 20);
        if (!n) return std::move(n).error();
        plan.retry.max_attempts = static_cast<int>(*n);
    }
    plan.ua_app_id = first_of(p, "", env, {"AWS_SDK_UA_APP_ID"}, prof, "sdk_ua_app_id");
    plan.attempt_timeout = plan.transport.connect_timeout * 3 + plan.transport.read_timeout;
    return plan;
}

void apply_defaults_mode(Plan& plan, std::string_view mode) {
    plan.defaults_mode = std::string(mode);
    // connectTimeoutInMillis of botocore's sdk-default-configuration.json.
    using ms = std::chrono::milliseconds;
    std::optional<ms> connect;
    if (mode == "standard" || mode == "cross-region") connect = ms{3100};
    if (mode == "in-region") connect = ms{1100};
    if (mode == "mobile") connect = ms{30000};
    if (connect && !plan.connect_timeout_from_flag) plan.transport.connect_timeout = *connect;
    plan.attempt_timeout = plan.transport.connect_timeout * 3 + plan.transport.read_timeout;
}

Result<ResolvedEndpoint> resolve_service_endpoint(const Plan& plan, std::string_view service_id) {
    aws::EndpointConfig ec = plan.endpoint_config;
    const bool codeartifact = service_id == "codeartifact";
    if (!codeartifact) ec.flag.clear();  // --endpoint-url is CodeArtifact's
    ec.profile_service_endpoint_url =
        plan.config.service_endpoint_url(plan.profile_settings, aws::services_section_key(service_id));
    auto configured = aws::configured_endpoint(service_id, ec);
    if (!configured) return std::move(configured).error();
    aws::EndpointParams ep;
    ep.region = plan.region;
    ep.use_fips = plan.use_fips;
    ep.use_dualstack = plan.use_dualstack;
    ep.endpoint_override = configured->url;
    ep.sts_regional_endpoints = plan.sts_regional_endpoints;
    auto endpoint = codeartifact ? aws::codeartifact_endpoint(ep) : aws::sts_endpoint(ep);
    if (!endpoint) return std::move(endpoint).error();
    auto parsed = http::parse_url(endpoint->url);
    if (!parsed) {
        Error e = std::move(parsed).error();
        e.kind = ErrorKind::config;
        e.message = "endpoint " + endpoint->url + ": " + e.message;
        return e;
    }
    return ResolvedEndpoint{std::move(*parsed), endpoint->signing_region,
                            configured->url.empty() ? "the regional endpoint" : configured->source};
}

}  // namespace cat::plugin
