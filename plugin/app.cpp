#include "plugin/app.hpp"

#include <optional>

#include "aws/codeartifact.hpp"
#include "aws/credentials/chain.hpp"
#include "aws/credentials/container.hpp"
#include "aws/credentials/process.hpp"
#include "aws/endpoints.hpp"
#include "cache/token_cache.hpp"
#include "configure/configure.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "plugin/help.hpp"
#include "plugin/plan.hpp"
#include "protocol/github.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

namespace cat::plugin {
namespace {

using protocol::OutputMode;
using protocol::Params;

// The signed request as it would go on the wire, session token redacted.
std::string describe_dry_run(const Plan& plan, const http::Url& endpoint, const std::string& region,
                             const sigv4::Credentials& credentials) {
    sigv4::Request req = aws::get_authorization_token_request(plan.token, endpoint);
    req.headers.push_back({"User-Agent", std::string("codeartifact-token/") + CAT_VERSION});
    const sigv4::Context ctx{region,
                             "codeartifact",
                             std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()),
                             &credentials,
                             {}};
    req = sigv4::sign(std::move(req), ctx);
    std::string out = req.method + " " + endpoint.scheme + "://" + req.host + req.path;
    if (!req.query.empty()) out += "?" + sigv4::canonical_query(req.query);
    out += "\n";
    for (const auto& h : req.headers)
        out += h.name + ": " + (h.name == "x-amz-security-token" ? std::string("<redacted>") : h.value) + "\n";
    return out;
}

// Who the caller is, for the cache key: the role of assumed-role credentials (without the session name,
// which changes from run to run), else the access key id. Never a secret.
std::string identity_of(const aws::AwsCredentials& c) {
    if (c.role_arn.empty()) return c.keys.access_key_id;
    const auto at = c.role_arn.find(":assumed-role/");
    if (at == std::string::npos) return c.role_arn;
    const auto session = c.role_arn.find('/', at + 14);
    return c.role_arn.substr(0, session);
}

// --configure TOOL: the tool's configuration, as export lines, a dry run, or written to its files.
Result<std::string> configure_tool(const Plan& plan, const protocol::Outcome& o, const Env& env, Io& io) {
    configure::ConfigureInput in;
    in.tool = plan.configure_tool;
    in.repository_endpoint = o.repository_endpoint;
    in.token = o.authorization_token;
    in.domain = o.domain;
    in.domain_owner = o.domain_owner;
    in.repository = plan.repository ? plan.repository->repository : std::string();
    in.namespace_ = plan.namespace_;
    in.extra_index = plan.extra_index;
    in.config_file = plan.config_file;
    const bool env_output = plan.mode == OutputMode::env;
    std::string out;
    if (env_output) {
        if (auto s = configure::validate(in); !s) return s.error();
        for (const auto& [k, v] : configure::env_vars(in)) out += "export " + k + "=" + protocol::shell_quote(v) + "\n";
    } else {
        auto edits = configure::plan(in, env, env.get("HOME"), configure::filesystem_reader());
        if (!edits) return std::move(edits).error();
        if (plan.dry_run) {
            out = configure::render_dry_run(*edits, plan.show_token);
        } else {
            if (auto s = configure::apply(*edits); !s) return s.error();
            for (const auto& e : *edits)
                out += std::string(e.changed() ? "configured " : "unchanged ") + plan.configure_tool + ": " + e.path +
                       "\n";
        }
    }
    for (const auto& note : configure::notes(in, env_output)) io.err("codeartifact-token: " + note);
    return out;
}

Result<std::string> execute(const Params& p, const Env& env, OutputMode mode,
                            const std::optional<protocol::GithubOptions>& github, Io& io) {
    auto plan_or = make_plan(p, env, mode);
    if (!plan_or) return std::move(plan_or).error();
    Plan& plan = *plan_or;
    auto debug = [&](const std::string& line) {
        if (plan.debug) io.err("codeartifact-token: " + line);
    };
    if (!p.secrets_from_argv.empty())
        io.err("codeartifact-token: warning: " + p.secrets_from_argv.front() +
               " was given on the command line, where other processes can read it; prefer the environment");
    const std::string user_agent = std::string("codeartifact-token/") + CAT_VERSION;
    auto transport = http::make_transport(plan.transport);

    // Credentials, through the chain.
    aws::ProviderContext ctx;
    ctx.env = env;
    ctx.home = env.get("HOME");
    // Providers make their own transports: the container endpoint bypasses proxies and IMDS has its own
    // short timeouts (as botocore). STS calls share the main transport through StsConfig.
    ctx.transport = nullptr;
    ctx.transport_options = plan.transport;
    ctx.run_process = aws::run_process;
    ctx.debug = debug;
    aws::ChainOptions chain;
    chain.access_key = plan.access_key;
    chain.secret_key = plan.secret_key;
    chain.session_token = plan.session_token;
    chain.profile = plan.profile;
    chain.profile_explicit = plan.profile_explicit;
    chain.profile_from_flag = plan.profile_from_flag;
    chain.role_arn = plan.role_arn;
    chain.sts = [&]() -> Result<aws::StsConfig> {
        auto ep = resolve_service_endpoint(plan, "STS");
        if (!ep) return std::move(ep).error();
        debug("STS endpoint " + ep->url.scheme + "://" + http::host_header(ep->url) + " (" + ep->source + ")");
        aws::StsConfig sts;
        sts.transport = transport.get();
        sts.endpoint = ep->url;
        sts.region = ep->signing_region;
        sts.retry = plan.retry;
        sts.attempt_timeout = plan.attempt_timeout;
        sts.user_agent = user_agent;
        sts.debug = debug;
        return sts;
    };
    chain.sso_endpoint = [&](const aws::IniSection&) -> std::string {
        aws::EndpointConfig ec = plan.endpoint_config;
        ec.flag.clear();
        ec.profile_service_endpoint_url = plan.config.service_endpoint_url(plan.profile_settings, "sso");
        auto configured = aws::configured_endpoint("SSO", ec);
        return configured ? configured->url : std::string();
    };
    chain.imds = {plan.profile_settings.get("ec2_metadata_service_endpoint"),
                  plan.profile_settings.get("ec2_metadata_service_endpoint_mode"),
                  plan.profile_settings.get("metadata_service_timeout"),
                  plan.profile_settings.get("metadata_service_num_attempts")};
    auto creds = aws::resolve_credentials(ctx, plan.config, chain);
    if (!creds) return std::move(creds).error();
    if (plan.region.empty() && creds->source.find("instance metadata") != std::string::npos) {
        // On EC2 with instance-profile credentials, the instance's own region.
        aws::ImdsProvider imds(ctx, chain.imds);
        if (auto r = imds.region(); r) {
            plan.region = *r;
            debug("region " + plan.region + " from instance metadata");
        }
    }

    // Where.
    auto endpoint = resolve_service_endpoint(plan, "codeartifact");
    if (!endpoint) return std::move(endpoint).error();
    const std::string region = endpoint->signing_region;
    debug("region " + region + ", endpoint " + endpoint->url.scheme + "://" + http::host_header(endpoint->url) + " (" +
          endpoint->source + "), credentials from " + creds->source + " (access key " + creds->keys.access_key_id +
          ")");
    // Without --configure, --dry-run shows the signed request and sends nothing; with it, the token is
    // fetched and --dry-run shows the configuration instead of writing it.
    if (plan.dry_run && plan.configure_tool.empty()) return describe_dry_run(plan, endpoint->url, region, creds->keys);

    aws::ClientConfig cc;
    cc.endpoint = endpoint->url;
    cc.region = region;
    cc.credentials = creds->keys;
    cc.retry = plan.retry;
    cc.attempt_timeout = plan.attempt_timeout;
    cc.user_agent = user_agent;
    if (plan.debug) cc.debug = debug;
    aws::Client client(*transport, std::move(cc));

    auto fetch = [&]() -> Result<cache::FetchedToken> {
        auto t = client.get_authorization_token(plan.token);
        if (!t) return std::move(t).error();
        return cache::FetchedToken(std::move(t->authorization_token), t->expiration);
    };
    Result<cache::CachedToken> token = [&]() -> Result<cache::CachedToken> {
        if (!plan.use_cache) {
            auto f = fetch();
            if (!f) return std::move(f).error();
            return cache::CachedToken(std::move(f->token), f->expiration, false);
        }
        auto c = cache::TokenCache::open(plan.cache_dir, plan.debug ? cache::DebugFn(debug) : cache::DebugFn{});
        if (!c) {
            Error e = std::move(c).error();
            e.message += " (or pass --no-cache)";
            return e;
        }
        // Different credentials never share an entry: the key holds the caller's identity (the role for
        // assumed roles, whose key ids change with every AssumeRole).
        const cache::CacheKey key{
            endpoint->url.scheme + "://" + http::host_header(endpoint->url) + endpoint->url.target,
            region,
            plan.token.domain,
            plan.token.domain_owner,
            plan.token.duration_seconds ? std::to_string(*plan.token.duration_seconds) : "",
            identity_of(*creds)};
        const auto lock_timeout = plan.attempt_timeout * plan.retry.max_attempts + std::chrono::seconds{5};
        return c->get_or_fetch(
            key, [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); },
            plan.refresh_margin, fetch, std::chrono::duration_cast<std::chrono::milliseconds>(lock_timeout));
    }();
    if (!token) return std::move(token).error();
    protocol::Outcome o;
    o.authorization_token = token->token.reveal();
    o.expiration = token->expiration;
    o.from_cache = token->from_cache;
    o.domain = plan.token.domain;
    o.domain_owner = plan.token.domain_owner;
    o.region = region;
    if (plan.repository) {
        auto url = client.get_repository_endpoint(*plan.repository);
        if (!url) return std::move(url).error();
        o.repository_endpoint = *url;
    }
    debug(std::string(o.from_cache ? "token from the cache" : "token received") + ", expires " +
          protocol::rfc3339(o.expiration));

    if (!plan.configure_tool.empty()) return configure_tool(plan, o, env, io);
    if (github) {
        const std::string out_path = env.get("GITHUB_OUTPUT");
        if (out_path.empty())
            return Error::make(ErrorKind::config,
                               "GITHUB_OUTPUT is not set: --output github runs inside a GitHub Actions step");
        const auto w = protocol::render_github(o, *github, protocol::random_delimiter);
        if (auto s = io.append_file(out_path, w.output_append); !s) return s.error();
        if (!w.env_append.empty()) {
            const std::string env_path = env.get("GITHUB_ENV");
            if (env_path.empty())
                return Error::make(ErrorKind::config, "GITHUB_ENV is not set: set export-env to false outside GitHub");
            if (auto s = io.append_file(env_path, w.env_append); !s) return s.error();
        }
        return w.stdout_text;
    }
    switch (plan.mode) {
        case OutputMode::text: return protocol::render_text(o, p);
        case OutputMode::env: return protocol::render_env(o);
        case OutputMode::json:
        case OutputMode::terraform: {
            auto fields = protocol::select(o, p);
            if (!fields) return std::move(fields).error();
            // json reports whether the token came from the cache; Terraform's object keeps its shape.
            const std::string sel = p.get("select");
            if (plan.mode == OutputMode::json && (sel.empty() || sel == "*"))
                fields->emplace_back("from_cache", o.from_cache ? "true" : "false");
            return protocol::render_json(*fields);
        }
    }
    return Error::make(ErrorKind::internal, "unknown output mode");
}

}  // namespace

int run(std::span<const std::string_view> args, const Env& env, Io& io) {
    if (args.size() == 1 && args[0] == "--version") {
        io.out(std::string("codeartifact-token ") + CAT_VERSION + "\n");
        return 0;
    }
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        io.out(help_text());
        return 0;
    }

    const bool terraform_stdin = args.empty() && !io.stdin_is_terminal;
    Result<Params> params = terraform_stdin ? protocol::parse_json_object(io.read_stdin()) : protocol::parse_cli(args);
    Result<std::string> output = [&]() -> Result<std::string> {
        if (!params) return params.error();
        OutputMode mode = OutputMode::json;
        std::optional<protocol::GithubOptions> github;
        if (terraform_stdin) {
            mode = OutputMode::terraform;
        } else if (params->get("output") == "github") {
            // GitHub mode only when asked for (action.yml passes --output github): a Terraform or shell
            // step inside a workflow also sees GITHUB_ACTIONS=true and keeps its own protocol.
            auto inputs = protocol::parse_github_inputs(env);
            if (!inputs) return std::move(inputs).error();
            for (auto& [k, v] : inputs->params.values)
                if (!params->has(k)) params->set(k, v);
            github = inputs->options;
        } else if (params->has("output")) {
            auto m = protocol::parse_output_mode(params->get("output"));
            if (!m) return std::move(m).error();
            mode = *m;
        }
        return execute(*params, env, mode, github, io);
    }();
    if (!output) {
        const std::string line = describe(output.error());
        // In a GitHub step, also as an error annotation (workflow commands are read from stdout).
        if (params && params->get("output") == "github") io.out("::error title=codeartifact-token::" + line + "\n");
        io.err("codeartifact-token: " + line);
        return exit_code(output.error().kind);
    }
    io.out(*output);
    return 0;
}

}  // namespace cat::plugin
