// From parameters and environment to everything one run needs: what to ask for, where, how, and the
// settings the credential chain reads. Pure except for reading the shared config files.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "aws/codeartifact.hpp"
#include "aws/endpoints.hpp"
#include "aws/shared_config.hpp"
#include "configure/configure.hpp"
#include "core/env.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "http/transport.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

namespace cat::plugin {

struct Plan {
    protocol::OutputMode mode = protocol::OutputMode::json;
    bool debug = false;
    bool dry_run = false;

    // What to ask for: the token, and the endpoint of each distinct repository and format (--repository
    // with --format, or the --configure items), in order.
    aws::TokenRequest token;
    std::vector<aws::EndpointRequest> repositories;

    // The shared config and the selected profile (an empty section when the profile does not exist).
    aws::SharedConfig config;
    std::string profile;
    bool profile_explicit = false;
    bool profile_from_flag = false;
    aws::IniSection profile_settings;

    // Where: the region may still be empty here, when instance metadata is to tell it.
    std::string region;
    bool use_fips = false;
    bool use_dualstack = false;
    aws::EndpointConfig endpoint_config;  // configured endpoint URLs (flag, env, profile)
    aws::StsRegionalEndpoints sts_regional_endpoints = aws::StsRegionalEndpoints::regional;

    // Who: explicit keys and a role to assume; the chain does the rest.
    std::string access_key;
    Secret secret_key, session_token;
    std::string role_arn;

    // How.
    http::Options transport;
    aws::RetryPolicy retry;
    std::chrono::milliseconds attempt_timeout{};
    // AWS_DEFAULTS_MODE / defaults_mode; "auto" until resolve_auto_defaults (plugin/app.cpp) settles it.
    std::string defaults_mode = "legacy";
    bool connect_timeout_from_flag = false;  // --connect-timeout: the defaults mode leaves it
    std::string ua_app_id;  // AWS_SDK_UA_APP_ID / sdk_ua_app_id: "app/<id>" at the end of the User-Agent

    // --configure TOOL[:REPOSITORY],...: write each tool's configuration for its repository (or, with
    // exec, put its variables in the command's environment).
    std::vector<configure::Target> configure;
    std::string config_file;
    std::string namespace_;
    bool extra_index = false;
    bool show_token = false;
    bool token_reference = false;    // --no-token-in-file
    bool credential_helper = false;  // --credential-helper
    bool unconfigure = false;        // --unconfigure: `configure` names the tools; no token is fetched

    // The token cache.
    bool use_cache = true;
    std::string cache_dir;
    bool cache_dir_explicit = false;  // --cache-dir (JSON: cache_dir): unusable is an error, not a skip
    std::optional<std::chrono::seconds> refresh_margin;

    // exec: the command to run with the token in its environment (empty: not exec).
    std::vector<std::string> exec_command;
};

Result<Plan> make_plan(const protocol::Params& p, const Env& env, protocol::OutputMode mode);

// Sets the plan's defaults mode (legacy, standard, in-region, cross-region, mobile; anything else is left
// at our defaults): the connect timeout of botocore's sdk-default-configuration.json, unless
// --connect-timeout gave one, and the attempt timeout that follows from it.
void apply_defaults_mode(Plan& plan, std::string_view mode);

// The CodeArtifact endpoint for the plan's region and settings; `source` says where it came from.
struct ResolvedEndpoint {
    http::Url url;
    std::string signing_region;
    std::string source;
};
Result<ResolvedEndpoint> resolve_service_endpoint(const Plan& plan, std::string_view service_id);

}  // namespace cat::plugin
