#include "plugin/app.hpp"

#include <charconv>
#include <optional>

#include "aws/codeartifact.hpp"
#include "aws/endpoints.hpp"
#include "cache/token_cache.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "plugin/help.hpp"
#include "protocol/github.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

namespace cat::plugin {
namespace {

using protocol::OutputMode;
using protocol::Params;

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

bool truthy(std::string_view v) {
    std::string s(v);
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s == "true" || s == "1" || s == "yes";
}

Result<long long> parse_int(std::string_view name, std::string_view text, long long min, long long max) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || v < min || v > max)
        return usage(std::string(name) + " \"" + std::string(text) + "\" is invalid: it must be a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max));
    return v;
}

// Everything the call needs, resolved from parameters and environment.
struct Plan {
    OutputMode mode = OutputMode::json;
    bool debug = false;
    bool dry_run = false;
    std::string region;
    http::Url endpoint;
    std::string endpoint_source;
    sigv4::Credentials credentials;
    std::string credentials_source;
    std::string identity;  // the access key id, or the role of assumed-role credentials (never secret)
    http::Options transport;
    aws::RetryPolicy retry;
    aws::TokenRequest token;
    std::optional<aws::EndpointRequest> repository;
    bool use_cache = true;
    std::string cache_dir;
    std::optional<std::chrono::seconds> refresh_margin;
};

Result<Plan> make_plan(const Params& p, const Env& env, OutputMode mode) {
    Plan plan;
    plan.mode = mode;
    plan.debug = truthy(p.get("debug"));
    plan.dry_run = truthy(p.get("dry_run"));

    // What to ask for.
    plan.token.domain = p.get("domain");
    plan.token.domain_owner = p.get("domain_owner");
    if (p.has("duration_seconds")) {
        auto d = parse_int("duration_seconds", p.get("duration_seconds"), 0, 43200);
        if (!d) return std::move(d).error();
        plan.token.duration_seconds = *d;
    }
    if (auto s = aws::validate(plan.token); !s) return s.error();
    if (p.has("repository") || p.has("format")) {
        if (!p.has("repository") || !p.has("format"))
            return usage("repository and format go together: give both to get the repository endpoint");
        aws::EndpointRequest r{plan.token.domain, plan.token.domain_owner, p.get("repository"), p.get("format"),
                               p.get("endpoint_type")};
        if (auto s = aws::validate(r); !s) return s.error();
        plan.repository = std::move(r);
    } else if (p.has("endpoint_type")) {
        return usage("endpoint_type needs repository and format");
    }

    // Whether to use the token cache.
    if (p.has("cache")) {
        const std::string c = p.get("cache");
        if (c != "true" && c != "false") return usage("cache \"" + c + "\" is invalid: it must be true or false");
        plan.use_cache = c == "true";
    }
    if (truthy(p.get("no_cache"))) plan.use_cache = false;
    if (plan.use_cache) {
        plan.cache_dir = p.get("cache_dir");
        if (plan.cache_dir.empty()) {
            auto dir = cache::default_cache_dir(env, env.get("HOME"));
            if (!dir) return std::move(dir).error();
            plan.cache_dir = std::move(*dir);
        }
    }
    if (p.has("refresh_margin")) {
        auto m = parse_int("refresh_margin", p.get("refresh_margin"), 0, 43200);
        if (!m) return std::move(m).error();
        plan.refresh_margin = std::chrono::seconds{*m};
    }

    // Where to send it.
    plan.region = p.get("region");
    if (plan.region.empty()) plan.region = env.get("AWS_REGION");
    if (plan.region.empty()) plan.region = env.get("AWS_DEFAULT_REGION");
    aws::EndpointConfig endpoint_config;
    endpoint_config.flag = p.get("endpoint_url");
    endpoint_config.env = [&env](std::string_view name) -> std::optional<std::string> {
        if (!env.has(name)) return std::nullopt;
        return env.get(name);
    };
    auto configured = aws::configured_endpoint("codeartifact", endpoint_config);
    if (!configured) return std::move(configured).error();
    aws::EndpointParams ep;
    ep.region = plan.region;
    ep.use_fips = truthy(env.get("AWS_USE_FIPS_ENDPOINT"));
    ep.use_dualstack = truthy(env.get("AWS_USE_DUALSTACK_ENDPOINT"));
    ep.endpoint_override = configured->url;
    auto endpoint = aws::codeartifact_endpoint(ep);
    if (!endpoint) return std::move(endpoint).error();
    auto parsed = http::parse_url(endpoint->url);
    if (!parsed) {
        Error e = std::move(parsed).error();
        e.kind = ErrorKind::config;
        e.message = "endpoint " + endpoint->url + ": " + e.message;
        return e;
    }
    plan.endpoint = std::move(*parsed);
    plan.region = endpoint->signing_region;
    plan.endpoint_source = configured->url.empty() ? "the regional endpoint" : configured->source;

    // Who asks. (Explicit values, then the environment; the full chain comes with the credentials issue.)
    if (p.has("access_key") || p.has("secret_key")) {
        if (!p.has("access_key") || !p.has("secret_key"))
            return Error::make(ErrorKind::credentials, "access_key and secret_key go together: give both");
        plan.credentials = {p.get("access_key"), p.get("secret_key"), p.get("session_token")};
        plan.credentials_source = "explicit parameters";
        plan.identity = plan.credentials.access_key_id;
    } else if (env.has("AWS_ACCESS_KEY_ID") && env.has("AWS_SECRET_ACCESS_KEY")) {
        std::string token = env.get("AWS_SESSION_TOKEN");
        if (token.empty()) token = env.get("AWS_SECURITY_TOKEN");
        plan.credentials = {env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY"), std::move(token)};
        plan.credentials_source = "environment";
        plan.identity = plan.credentials.access_key_id;
    } else {
        return Error::make(ErrorKind::credentials,
                           "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or pass "
                           "access_key and secret_key");
    }

    // How.
    plan.transport.ca_bundle = p.get("ca_bundle");
    if (plan.transport.ca_bundle.empty()) plan.transport.ca_bundle = env.get("AWS_CA_BUNDLE");
    for (auto [name, target] : {std::pair{"connect_timeout", &plan.transport.connect_timeout},
                                std::pair{"read_timeout", &plan.transport.read_timeout}}) {
        if (!p.has(name)) continue;
        auto s = parse_int(name, p.get(name), 1, 3600);
        if (!s) return std::move(s).error();
        *target = std::chrono::seconds{*s};
    }
    plan.transport.proxy = http::ProxySettings::from_env(env);
    std::string attempts = p.get("max_attempts");
    if (attempts.empty()) attempts = env.get("AWS_MAX_ATTEMPTS");
    if (!attempts.empty()) {
        auto n = parse_int("max_attempts", attempts, 1, 20);
        if (!n) return std::move(n).error();
        plan.retry.max_attempts = static_cast<int>(*n);
    }
    return plan;
}

// The signed request as it would go on the wire, session token redacted.
std::string describe_dry_run(const Plan& plan) {
    sigv4::Request req = aws::get_authorization_token_request(plan.token, plan.endpoint);
    req.headers.push_back({"User-Agent", std::string("codeartifact-token/") + CAT_VERSION});
    const sigv4::Context ctx{plan.region,
                             "codeartifact",
                             std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()),
                             &plan.credentials,
                             {}};
    req = sigv4::sign(std::move(req), ctx);
    std::string out = req.method + " " + plan.endpoint.scheme + "://" + req.host + req.path;
    if (!req.query.empty()) out += "?" + sigv4::canonical_query(req.query);
    out += "\n";
    for (const auto& h : req.headers)
        out += h.name + ": " + (h.name == "x-amz-security-token" ? std::string("<redacted>") : h.value) + "\n";
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
    debug("region " + plan.region + ", endpoint " + plan.endpoint.scheme + "://" + http::host_header(plan.endpoint) +
          " (" + plan.endpoint_source + "), credentials from " + plan.credentials_source + " (access key " +
          plan.credentials.access_key_id + ")");
    if (!p.secrets_from_argv.empty())
        io.err("codeartifact-token: warning: " + p.secrets_from_argv.front() +
               " was given on the command line, where other processes can read it; prefer the environment");
    if (plan.dry_run) return describe_dry_run(plan);

    auto transport = http::make_transport(plan.transport);
    aws::ClientConfig cc;
    cc.endpoint = plan.endpoint;
    cc.region = plan.region;
    cc.credentials = plan.credentials;
    cc.retry = plan.retry;
    const auto cc_attempt_timeout = plan.transport.connect_timeout * 3 + plan.transport.read_timeout;
    cc.attempt_timeout = cc_attempt_timeout;
    cc.user_agent = std::string("codeartifact-token/") + CAT_VERSION;
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
            plan.endpoint.scheme + "://" + http::host_header(plan.endpoint) + plan.endpoint.target,
            plan.region,
            plan.token.domain,
            plan.token.domain_owner,
            plan.token.duration_seconds ? std::to_string(*plan.token.duration_seconds) : "",
            plan.identity};
        const auto lock_timeout = cc_attempt_timeout * plan.retry.max_attempts + std::chrono::seconds{5};
        return c->get_or_fetch(
            key, [] { return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()); },
            plan.refresh_margin, fetch, std::chrono::duration_cast<std::chrono::milliseconds>(lock_timeout));
    }();
    if (!token) return std::move(token).error();
    protocol::Outcome o;
    o.authorization_token = token->token;
    o.expiration = token->expiration;
    o.from_cache = token->from_cache;
    o.domain = plan.token.domain;
    o.domain_owner = plan.token.domain_owner;
    o.region = plan.region;
    if (plan.repository) {
        auto url = client.get_repository_endpoint(*plan.repository);
        if (!url) return std::move(url).error();
        o.repository_endpoint = *url;
    }
    debug(std::string(o.from_cache ? "token from the cache" : "token received") + ", expires " +
          protocol::rfc3339(o.expiration));

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
