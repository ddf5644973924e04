#include "plugin/app.hpp"

#include <algorithm>
#include <map>
#include <new>
#include <optional>

#include "aws/codeartifact.hpp"
#include "aws/credentials/chain.hpp"
#include "aws/credentials/container.hpp"
#include "aws/credentials/process.hpp"
#include "aws/endpoints.hpp"
#include "aws/rfc3339.hpp"
#include "cache/token_cache.hpp"
#include "configure/configure.hpp"
#include "core/files.hpp"
#include "core/platform.hpp"
#include "core/process.hpp"
#include "core/result.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"
#include "http/transport.hpp"
#include "plugin/help.hpp"
#include "plugin/helpers.hpp"
#include "plugin/plan.hpp"
#include "protocol/github.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

namespace cat::plugin {
namespace {

using protocol::OutputMode;
using protocol::Params;

// Who the caller is, for the cache key: the role of assumed-role credentials (without the session name,
// which changes from run to run; the AssumeRole that gave them proved the base credentials), else the
// access key id with an HMAC-SHA256 of it and the session token keyed by the secret key, so a wrong secret
// never gets the token cached for the right one. Never a secret.
std::string identity_of(const aws::AwsCredentials& c) {
    if (c.role_arn.empty()) {
        const sigv4::Credentials& k = c.keys;
        const std::string_view secret = k.secret_access_key.view();
        std::string data = k.access_key_id + '\n' + std::string(k.session_token.view());
        // core's HMAC, not OpenSSL's: on a cache hit nothing else needs OpenSSL (core/sha256.hpp).
        const auto proof = hmac_sha256(std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()),
                                       data);  // NOLINT
        wipe(data);
        return k.access_key_id + " " + text::hex(proof);
    }
    const auto at = c.role_arn.find(":assumed-role/");
    if (at == std::string::npos) return c.role_arn;
    const auto session = c.role_arn.find('/', at + 14);
    return c.role_arn.substr(0, session);
}

// What cargo's credential-provider passes us back: the domain, owner and region the token was for, and the
// settings of this run that a plain run in cargo's environment would not find (profile, role, endpoint).
std::vector<std::string> helper_arguments(const Plan& plan, const protocol::Outcome& o, const std::string& endpoint) {
    // The endpoint's host names all three (the owner even when the caller's account was the default).
    std::vector<std::string> args = helpers::keyring_arguments(endpoint);
    if (args.empty()) args = {"--domain", o.domain, "--domain-owner", o.domain_owner, "--region", o.region};
    if (args[3].empty()) args.erase(args.begin() + 2, args.begin() + 4);
    if (plan.profile_from_flag) args.insert(args.end(), {"--profile", plan.profile});
    if (!plan.role_arn.empty()) args.insert(args.end(), {"--role-arn", plan.role_arn});
    if (!plan.endpoint_config.flag.empty()) args.insert(args.end(), {"--endpoint-url", plan.endpoint_config.flag});
    return args;
}

// Two spellings of one directory ("/root", "/root/").
bool same_directory(std::string_view a, std::string_view b) {
    while (a.size() > 1 && a.ends_with('/')) a.remove_suffix(1);
    while (b.size() > 1 && b.ends_with('/')) b.remove_suffix(1);
    return a == b;
}

// The input of one --configure item: its tool, its repository and that repository's endpoint.
configure::ConfigureInput configure_input(const Plan& plan, const configure::Target& t, const protocol::Outcome& o,
                                          const Env& env) {
    configure::ConfigureInput in;
    in.tool = t.tool;
    for (const auto& e : o.repository_endpoints)
        if (e.repository == t.repository && e.format == t.format) in.repository_endpoint = e.url;
    in.token = o.authorization_token.reveal();
    in.domain = o.domain;
    in.domain_owner = o.domain_owner;
    in.repository = t.repository;
    in.namespace_ = t.namespace_.empty() ? plan.namespace_ : t.namespace_;
    in.extra_index = t.extra_index || plan.extra_index;
    in.config_file = plan.config_file;
    in.token_reference = plan.token_reference;
    in.credential_helper = plan.credential_helper;
    in.remove = plan.unconfigure;
    if (in.remove) in.token.clear();
    if (in.credential_helper)
        in.helper_command = helpers::helper_command(helper_arguments(plan, o, in.repository_endpoint));
    if (auto home = process::account_home(); !home.empty() && !same_directory(home, env.get("HOME")))
        in.account_home = std::move(home);
    return in;
}

// Every configured tool's variables (--output env, exec), in order, each name once (tools share
// CODEARTIFACT_AUTH_TOKEN). The notes for variables go to `notes`.
Result<std::vector<std::pair<std::string, std::string>>> configure_vars(const Plan& plan, const protocol::Outcome& o,
                                                                        const Env& env,
                                                                        std::vector<std::string>& notes) {
    std::vector<std::pair<std::string, std::string>> vars;
    for (const auto& t : plan.configure) {
        configure::ConfigureInput in = configure_input(plan, t, o, env);
        if (auto s = configure::validate(in); !s) return s.error();
        for (auto& [k, v] : configure::env_vars(in)) {
            const std::string& name = k;  // a structured binding cannot be captured (before C++20 in clang 16)
            const auto same = std::ranges::find_if(vars, [&](const auto& kv) { return kv.first == name; });
            if (same == vars.end())
                vars.emplace_back(k, std::move(v));
            else
                same->second = std::move(v);
        }
        for (auto& n : configure::notes(in, true)) notes.push_back(std::move(n));
        wipe(in.token);
    }
    return vars;
}

// --configure TOOL[:REPOSITORY],...: the tools' configuration, as export lines, a dry run, or written to
// their files. Every tool's files are planned before any is written.
Result<std::string> configure_tools(const Plan& plan, const protocol::Outcome& o, const Env& env, Io& io) {
    std::string out;
    std::vector<std::string> notes;
    if (plan.mode == OutputMode::env) {
        auto vars = configure_vars(plan, o, env, notes);
        if (!vars) return std::move(vars).error();
        for (auto& [k, v] : *vars) {
            out += "export " + k + "=" + protocol::shell_quote(v) + "\n";
            wipe(v);
        }
    } else {
        std::vector<std::pair<configure::ConfigureInput, std::vector<configure::FileEdit>>> planned;
        for (const auto& t : plan.configure) {
            configure::ConfigureInput in = configure_input(plan, t, o, env);
            auto edits = configure::plan(in, env, platform::home_dir(env), configure::filesystem_reader());
            if (!edits) return std::move(edits).error();
            planned.emplace_back(std::move(in), std::move(*edits));
        }
        // Locked in the cache folder (--no-cache too), so that parallel runs on one file all land.
        std::string lock_dir = plan.cache_dir;
        if (auto d = cache::default_cache_dir(env, platform::home_dir(env)); lock_dir.empty() && d) lock_dir = *d;
        for (auto& [in, edits] : planned) {
            if (plan.dry_run) {
                out += configure::render_dry_run(edits, plan.show_token);
            } else {
                auto done = configure::apply_locked(in, env, platform::home_dir(env), edits, lock_dir);
                if (!done) return std::move(done).error();
                for (const auto& e : *done)
                    out += std::string(!e.changed() ? "unchanged "
                                       : in.remove  ? "unconfigured "
                                                    : "configured ") +
                           in.tool + ": " + e.path + (e.remove ? " (removed: nothing else was in it)" : "") + "\n";
            }
            for (auto& n : configure::notes(in, false)) notes.push_back(std::move(n));
            const auto format = configure::repository_format(in.tool);
            const bool keyring = in.credential_helper && format && *format == "pypi";
            wipe(in.token);
            if (keyring && !plan.dry_run) {
                auto linked = helpers::install_keyring_link(env, notes);
                if (!linked) return std::move(linked).error();
                out += *linked;
            }
        }
    }
    for (const auto& note : notes) io.err("codeartifact-token: " + note);
    return out;
}

// exec: the command and the environment it runs with (ours, with the token's variables and each
// configured tool's). The strings of the environment are wiped when it is dropped.
struct ExecCall {
    std::vector<std::string> argv;
    std::vector<std::string> env;  // NAME=value
    ExecCall() = default;
    ExecCall(ExecCall&&) = default;
    ExecCall& operator=(ExecCall&&) = default;
    ExecCall(const ExecCall&) = delete;
    ExecCall& operator=(const ExecCall&) = delete;
    ~ExecCall() {
        for (auto& e : env) wipe(e);
    }
};

// What a run ends with: text for stdout (and files), or a command to run in our place.
struct Answer {
    protocol::Rendered rendered;
    std::optional<ExecCall> exec;
};

// What the front door gave: the parameters, the output mode, and the GitHub Action's own inputs.
struct Request {
    Params params;
    OutputMode mode = OutputMode::json;
    protocol::GithubOptions github;
    std::vector<std::string> command;  // exec: the command after "--"
    std::string no_query;              // why no Terraform query was read from a stdin that is not a terminal
};

// How long a run with flags waits for a Terraform query on a stdin that is not a terminal. Terraform writes
// the query as it starts the program; a pipe nobody writes to (ssh, some CI agents) costs this wait once.
constexpr std::chrono::milliseconds query_wait_with_domain{100};
constexpr std::chrono::milliseconds query_wait_without_domain{1000};

// The Terraform query on stdin, read when --output terraform is given (waiting for it) or when stdin is not
// a terminal and something arrives on it; it counts when it is a JSON object (leading white space aside).
// Flags win over its keys.
Status take_query(Request& r, bool explicit_terraform, Io& io) {
    if (r.mode == OutputMode::github) return Ok{};
    if (!explicit_terraform) {
        if (io.stdin_is_terminal) return Ok{};
        const auto wait = r.params.has("domain") ? query_wait_with_domain : query_wait_without_domain;
        if (io.stdin_ready && !io.stdin_ready(wait)) {
            r.no_query = "nothing arrived on stdin within " + std::to_string(wait.count()) +
                         " ms; --output terraform waits for it";
            return Ok{};
        }
    }
    const std::string text = io.read_stdin();
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos || text[first] != '{') {
        if (explicit_terraform)
            return Error::make(ErrorKind::usage,
                               std::string("--output terraform reads a JSON object from stdin, and ") +
                                   (first == std::string::npos ? "stdin was empty" : "stdin is not one"));
        r.no_query = first == std::string::npos ? "stdin was empty" : "stdin did not carry a JSON object";
        return Ok{};
    }
    auto query = protocol::parse_json_object(text);
    if (!query) return std::move(query).error();
    r.params.fill_from(*query);
    if (!r.params.has("output")) r.mode = OutputMode::terraform;
    return Ok{};
}

// The front door: CLI flags, and a Terraform query on stdin (the only input when there are no arguments).
// For exec, only the flags before "--" are ours, and stdin is the command's: no query is read.
Result<Request> read_request(std::span<const std::string_view> args, Io& io, std::vector<std::string> command) {
    const bool exec = !command.empty();
    if (args.empty() && !exec) {
        if (io.stdin_is_terminal) return Error::make(ErrorKind::usage, std::string(short_usage));
        auto params = protocol::parse_json_object(io.read_stdin());
        if (!params) return std::move(params).error();
        return Request{std::move(*params), OutputMode::terraform, {}, {}, {}};
    }
    auto params = protocol::parse_cli(args);
    if (!params) return std::move(params).error();
    Request r{std::move(*params), OutputMode::json, {}, std::move(command), {}};
    if (exec) {
        if (r.params.has("output"))
            return Error::make(ErrorKind::usage,
                               "output does not go with exec: the command's standard output is its own");
        return r;
    }
    if (r.params.has("output")) {
        auto m = protocol::parse_output_mode(r.params.get("output"));
        if (!m) return std::move(m).error();
        r.mode = *m;
    }
    if (auto s = take_query(r, r.params.has("output") && r.mode == OutputMode::terraform, io); !s) return s.error();
    return r;
}

// The action's INPUT_* variables, under --output github only (a Terraform or shell step inside a workflow
// also sees GITHUB_ACTIONS=true and keeps its own protocol). Flags win over inputs.
Status take_github_inputs(Request& r, const Env& env) {
    auto inputs = protocol::parse_github_inputs(env);
    if (!inputs) return std::move(inputs).error();
    r.params.fill_from(inputs->params);
    r.github = inputs->options;
    return Ok{};
}

// The transport of a dry run: nothing goes over the network. Credentials that need it (STS AssumeRole,
// the SSO portal, the container endpoint, instance metadata) stop here with one line; local sources
// (flags, environment, files, credential_process) still resolve.
class OfflineTransport : public http::Transport {
public:
    Result<http::Response> send(const http::Request& r, http::Deadline) override {
        return Error::make(ErrorKind::usage, "--dry-run sends nothing over the network, and these credentials need " +
                                                 r.method + " " + r.url.scheme + "://" + http::host_header(r.url) +
                                                 r.url.target + " (run without --dry-run)");
    }
};

// A dry run sends nothing, unless it shows what --configure would write or what exec would run: those
// need the token and the repository endpoints.
bool offline(const Plan& plan) {
    return plan.dry_run && plan.configure.empty() && plan.exec_command.empty();
}

std::unique_ptr<http::Transport> make_run_transport(const Plan& plan, const Io& io) {
    if (offline(plan)) return std::make_unique<OfflineTransport>();
    return io.make_transport ? io.make_transport(plan.transport) : http::make_transport(plan.transport);
}

// What every step uses: the plan, the transport for the API calls, the clock, the debug lines.
struct Run {
    Plan plan;
    const Env& env;
    Io& io;
    std::unique_ptr<http::Transport> transport;
    std::string user_agent = std::string("codeartifact-token/") + CAT_VERSION;

    Run(Plan p, const Env& e, Io& i) : plan(std::move(p)), env(e), io(i), transport(make_run_transport(plan, io)) {
        user_agent = aws::with_app_id(std::move(user_agent), plan.ua_app_id);
    }
    Run(const Run&) = delete;  // the functions below capture `this`
    Run& operator=(const Run&) = delete;
    std::chrono::system_clock::time_point now() const { return io.now ? io.now() : std::chrono::system_clock::now(); }
    std::function<std::chrono::system_clock::time_point()> clock() const {
        return [this] { return now(); };
    }
    void debug(const std::string& line) const {
        if (plan.debug) io.err("codeartifact-token: " + line);
    }
    std::function<void(const std::string&)> debug_fn() const {
        return [this](const std::string& line) { debug(line); };
    }
    // Every AWS call's settings: --max-attempts / AWS_MAX_ATTEMPTS, timeouts, user agent, clock, debug.
    aws::CallOptions call_options() const {
        aws::CallOptions call;
        call.transport = transport.get();
        call.retry = plan.retry;
        call.attempt_timeout = plan.attempt_timeout;
        call.user_agent = user_agent;
        call.now = clock();
        if (plan.debug) call.debug = debug_fn();
        return call;
    }
};

// The signed request as it would go on the wire, session token redacted.
std::string describe_dry_run(const Run& run, const ResolvedEndpoint& endpoint, const sigv4::Credentials& credentials) {
    sigv4::Request req = aws::get_authorization_token_request(run.plan.token, endpoint.url);
    req.headers.push_back({"User-Agent", run.user_agent});
    const sigv4::Context ctx{
        endpoint.signing_region, "codeartifact", std::chrono::floor<std::chrono::seconds>(run.now()), &credentials, {}};
    req = sigv4::sign(std::move(req), ctx);
    std::string out = req.method + " " + endpoint.url.scheme + "://" + req.host + req.path;
    if (!req.query.empty()) out += "?" + sigv4::canonical_query(req.query);
    out += "\n";
    for (const auto& h : req.headers) {
        std::string value = h.value;
        if (h.name == "x-amz-security-token") value = "<redacted>";
        // AWS accepts a signature for about 15 minutes: a printed one could be replayed for a token.
        if (const auto at = value.find("Signature="); h.name == "authorization" && at != std::string::npos)
            value = value.substr(0, at) + "Signature=<redacted>";
        out += h.name + ": " + value + "\n";
    }
    out += "(the signature and any session token are redacted: this request cannot be replayed)\n";
    return out;
}

// The STS client's settings (AssumeRole, AssumeRoleWithWebIdentity): the one place that fills StsConfig.
Result<aws::StsConfig> sts_config(const Run& run) {
    auto ep = resolve_service_endpoint(run.plan, "STS");
    if (!ep) return std::move(ep).error();
    run.debug("STS endpoint " + ep->url.scheme + "://" + http::host_header(ep->url) + " (" + ep->source + ")");
    return aws::StsConfig{run.call_options(), ep->url, ep->signing_region};
}

// The CodeArtifact client's settings: the one place that fills ClientConfig.
aws::ClientConfig client_config(const Run& run, const ResolvedEndpoint& endpoint, const aws::AwsCredentials& creds) {
    return aws::ClientConfig{run.call_options(), endpoint.url, endpoint.signing_region, creds.keys};
}

// What the credential providers may touch. Providers make their own transports: the container endpoint
// bypasses proxies and IMDS has its own short timeouts (as botocore); STS calls share the main transport
// through sts_config.
aws::ProviderContext provider_context(const Run& run) {
    aws::ProviderContext ctx;
    ctx.env = run.env;
    ctx.home = platform::home_dir(run.env);
    ctx.call = run.call_options();
    if (!offline(run.plan)) ctx.call.transport = nullptr;  // a dry run: offline
    ctx.transport_options = run.plan.transport;
    ctx.run_process = aws::run_process;
    ctx.warn = [&run](const std::string& line) { run.io.err("codeartifact-token: warning: " + line); };
    return ctx;
}

// The profile's ec2_metadata_service_* and metadata_service_* settings.
aws::ImdsConfig imds_config(const Plan& plan) {
    return {plan.profile_settings.get("ec2_metadata_service_endpoint"),
            plan.profile_settings.get("ec2_metadata_service_endpoint_mode"),
            plan.profile_settings.get("metadata_service_timeout"),
            plan.profile_settings.get("metadata_service_num_attempts"),
            plan.profile_settings.get("ec2_metadata_v1_disabled"),
            plan.profile_settings.get("imds_use_ipv6")};
}

// AWS_DEFAULTS_MODE=auto without AWS_EXECUTION_ENV, as botocore: the instance's region from instance metadata
// (its usual budget: 1 s, 1 attempt; AWS_EC2_METADATA_DISABLED skips it) makes it in-region when it is the
// call's region, cross-region when it is another; no answer makes it standard. A dry run asks nothing.
void resolve_auto_defaults(Plan& plan, const Env& env, const Io& io) {
    std::string mode = "standard";
    if (!offline(plan)) {
        aws::ProviderContext ctx;
        ctx.env = env;
        ctx.home = platform::home_dir(env);
        ctx.transport_options = plan.transport;
        if (plan.debug) ctx.call.debug = [&io](const std::string& line) { io.err("codeartifact-token: " + line); };
        aws::ImdsProvider imds(ctx, imds_config(plan));
        if (auto region = imds.region(); region) mode = *region == plan.region ? "in-region" : "cross-region";
    }
    apply_defaults_mode(plan, mode);
    if (plan.debug) io.err("codeartifact-token: defaults mode auto: " + mode);
}

aws::ChainOptions chain_options(const Run& run) {
    const Plan& plan = run.plan;
    aws::ChainOptions chain;
    chain.access_key = plan.access_key;
    chain.secret_key = plan.secret_key.reveal();
    chain.session_token = plan.session_token.reveal();
    chain.profile = plan.profile;
    chain.profile_explicit = plan.profile_explicit;
    chain.profile_from_flag = plan.profile_from_flag;
    chain.role_arn = plan.role_arn;
    chain.sts = [&run] { return sts_config(run); };
    chain.sso_endpoint = [&plan](const aws::IniSection&, std::string_view service_id) -> std::string {
        aws::EndpointConfig ec = plan.endpoint_config;
        ec.flag.clear();
        ec.profile_service_endpoint_url =
            plan.config.service_endpoint_url(plan.profile_settings, aws::services_section_key(service_id));
        auto configured = aws::configured_endpoint(service_id, ec);
        return configured ? configured->url : std::string();
    };
    chain.region = plan.region;
    chain.imds = imds_config(plan);
    return chain;
}

// Step 1, credentials: the chain, from the plan. On EC2 with instance-profile credentials and no region
// configured, the region is the instance's own.
Result<aws::AwsCredentials> credentials(Run& run) {
    const aws::ProviderContext ctx = provider_context(run);
    const aws::ChainOptions chain = chain_options(run);
    auto creds = aws::resolve_credentials(ctx, run.plan.config, chain);
    if (!creds) return std::move(creds).error();
    if (run.plan.region.empty() && creds->kind == aws::CredentialSource::instance_metadata) {
        aws::ImdsProvider imds(ctx, chain.imds);
        if (auto r = imds.region(); r) {
            run.plan.region = *r;
            run.debug("region " + run.plan.region + " from instance metadata");
        }
    }
    return creds;
}

// Step 2, region and endpoint: the CodeArtifact URL and signing region.
Result<ResolvedEndpoint> where(const Run& run, const aws::AwsCredentials& creds) {
    auto endpoint = resolve_service_endpoint(run.plan, "codeartifact");
    if (!endpoint) return std::move(endpoint).error();
    run.debug("region " + endpoint->signing_region + ", endpoint " + endpoint->url.scheme + "://" +
              http::host_header(endpoint->url) + " (" + endpoint->source + "), credentials from " + creds.source +
              " (access key " + creds.keys.access_key_id + ")");
    return endpoint;
}

// Step 3, the token through the cache: a fresh entry, or GetAuthorizationToken under the key's lock.
// AWS refused the credentials (401, 403: a wrong or expired key, no permission): say which were used.
Error naming_the_caller(Error e, const aws::AwsCredentials& creds) {
    if (e.kind == ErrorKind::api && (e.http_status == 401 || e.http_status == 403))
        e.message +=
            "; signed with credentials from " + creds.source + " (access key id " + creds.keys.access_key_id + ")";
    return e;
}

Result<cache::CachedToken> token_through_cache(const Run& run, aws::Client& client, const ResolvedEndpoint& endpoint,
                                               const aws::AwsCredentials& creds) {
    const Plan& plan = run.plan;
    auto fetch = [&]() -> Result<cache::FetchedToken> {
        auto t = client.get_authorization_token(plan.token);
        if (!t) return naming_the_caller(std::move(t).error(), creds);
        return cache::FetchedToken(std::move(t->authorization_token), t->expiration);
    };
    auto uncached = [&]() -> Result<cache::CachedToken> {
        auto f = fetch();
        if (!f) return std::move(f).error();
        return cache::CachedToken(std::move(f->token), f->expiration, false);
    };
    if (!plan.use_cache) return uncached();
    auto c = cache::TokenCache::open(plan.cache_dir, plan.debug ? cache::DebugFn(run.debug_fn()) : cache::DebugFn{});
    if (!c) {
        // The directory the user named with --cache-dir must work. Otherwise a cache that cannot be used
        // (no HOME, read-only, full) only costs a request: a --debug note; one that is unsafe (a symlink,
        // not ours, writable by others) is never used, and says so once.
        Error e = std::move(c).error();
        if (plan.cache_dir_explicit) {
            e.message += " (or pass --no-cache)";
            return e;
        }
        if (e.code == files::unsafe_path)
            run.io.err("codeartifact-token: warning: " + e.message + "; fetching without the cache");
        else
            run.debug(e.message + "; fetching without the cache");
        return uncached();
    }
    // Different credentials never share an entry: the key holds the caller's identity (the role for
    // assumed roles, whose key ids change with every AssumeRole).
    const cache::CacheKey key{endpoint.url.scheme + "://" + http::host_header(endpoint.url) + endpoint.url.target,
                              endpoint.signing_region,
                              plan.token.domain,
                              plan.token.domain_owner,
                              plan.token.duration_seconds ? std::to_string(*plan.token.duration_seconds) : "",
                              identity_of(creds)};
    const auto lock_timeout = plan.attempt_timeout * plan.retry.max_attempts + std::chrono::seconds{5};
    return c->get_or_fetch(
        key, [&run] { return std::chrono::floor<std::chrono::seconds>(run.now()); }, plan.refresh_margin, fetch,
        std::chrono::duration_cast<std::chrono::milliseconds>(lock_timeout));
}

// Step 3, with the repository endpoint when one was asked for: the outcome the outputs show.
Result<protocol::Outcome> outcome(const Run& run, const ResolvedEndpoint& endpoint, const aws::AwsCredentials& creds) {
    const Plan& plan = run.plan;
    aws::Client client(client_config(run, endpoint, creds));
    auto token = token_through_cache(run, client, endpoint, creds);
    if (!token) return std::move(token).error();
    protocol::Outcome o;
    o.authorization_token = std::move(token->token);
    o.expiration = token->expiration;
    o.from_cache = token->from_cache;
    o.domain = plan.token.domain;
    o.domain_owner = plan.token.domain_owner;
    o.region = endpoint.signing_region;
    for (const auto& r : plan.repositories) {
        auto url = client.get_repository_endpoint(r);
        if (!url) return naming_the_caller(std::move(url).error(), creds);
        o.repository_endpoints.push_back({r.repository, r.format, *url});
    }
    if (o.repository_endpoints.size() == 1) o.repository_endpoint = o.repository_endpoints.front().url;
    run.debug(std::string(o.from_cache ? "token from the cache" : "token received") + ", expires " +
              aws::format_rfc3339(o.expiration));
    return o;
}

// exec: the command, with our environment and the token's variables (those of --output env), then each
// configured tool's; with --dry-run, what would run (the token as ****).
Result<Answer> exec_command(const Run& run, const protocol::Outcome& o) {
    const Plan& plan = run.plan;
    std::vector<std::string> notes;
    auto tool_vars = configure_vars(plan, o, run.env, notes);
    if (!tool_vars) return std::move(tool_vars).error();
    auto vars = protocol::env_vars(o);
    for (auto& [k, v] : *tool_vars) {
        const std::string& name = k;  // a structured binding cannot be captured (before C++20 in clang 16)
        const auto same = std::ranges::find_if(vars, [&](const auto& kv) { return kv.first == name; });
        if (same == vars.end())
            vars.emplace_back(k, std::move(v));
        else
            std::swap(same->second, v);
        wipe(v);
    }
    if (plan.debug || plan.dry_run)
        for (const auto& note : notes) run.io.err("codeartifact-token: " + note);
    Answer a;
    if (plan.dry_run) {
        std::string& out = a.rendered.stdout_text;
        out = "# would run:";
        for (const auto& arg : plan.exec_command) out += " " + protocol::shell_quote(arg);
        out += "\n# with this environment and:\n";
        const std::string token = o.authorization_token.reveal();
        for (auto& [k, v] : vars) out += k + "=" + configure::redact(v, token) + "\n";
        for (auto& kv : vars) wipe(kv.second);
        return a;
    }
    ExecCall call;
    call.argv = plan.exec_command;
    std::map<std::string, std::string, std::less<>> merged = run.env.all();
    for (auto& [k, v] : vars) std::swap(merged[k], v);
    for (auto& [k, v] : vars) wipe(v);
    call.env.reserve(merged.size());
    for (auto& [k, v] : merged) {
        call.env.push_back(k + "=" + v);
        wipe(v);
    }
    a.exec = std::move(call);
    return a;
}

// --unconfigure TOOL[:REPOSITORY],...: our entries go, found by each repository's endpoint computed here (the
// form GetRepositoryEndpoint answers for the default endpoint type), without credentials or any call.
Result<Answer> unconfigure(const Run& run) {
    const Plan& plan = run.plan;
    auto endpoint = resolve_service_endpoint(plan, "codeartifact");
    if (!endpoint) return std::move(endpoint).error();
    const std::string& region = endpoint->signing_region;
    protocol::Outcome o;
    o.domain = plan.token.domain;
    o.domain_owner = plan.token.domain_owner;
    o.region = region;
    for (const auto& r : plan.repositories)
        o.repository_endpoints.push_back({r.repository, r.format,
                                          "https://" + o.domain + "-" + o.domain_owner + ".d.codeartifact." + region +
                                              (region.starts_with("cn-") ? ".amazonaws.com.cn/" : ".amazonaws.com/") +
                                              r.format + "/" + r.repository + "/"});
    auto text = configure_tools(plan, o, run.env, run.io);
    if (!text) return std::move(text).error();
    return Answer{protocol::Rendered{std::move(*text), {}}, {}};
}

// Step 4, output: the tools' configuration with --configure, the command with exec, else the outcome in
// the request's mode. The GitHub Action's configure input gets both: the tools' files and the step's
// outputs (mask first).
Result<Answer> output(const Run& run, const Request& request, const protocol::Outcome& o) {
    if (!run.plan.exec_command.empty()) return exec_command(run, o);
    if (!run.plan.configure.empty()) {
        auto text = configure_tools(run.plan, o, run.env, run.io);
        if (!text) return std::move(text).error();
        if (request.mode != OutputMode::github) return Answer{protocol::Rendered{std::move(*text), {}}, {}};
        auto r = protocol::render(request.mode, o, {request.params, run.env, request.github, {}});
        if (!r) return std::move(r).error();
        r->stdout_text += *text;
        return Answer{std::move(*r), {}};
    }
    auto r = protocol::render(request.mode, o, {request.params, run.env, request.github, {}});
    if (!r) return std::move(r).error();
    return Answer{std::move(*r), {}};
}

Result<Answer> execute(const Request& request, const Env& env, Io& io) {
    auto plan = make_plan(request.params, env, request.mode);
    if (!plan) return std::move(plan).error();
    plan->exec_command = request.command;
    if (!request.params.secrets_from_argv.empty())
        io.err("codeartifact-token: warning: " + request.params.secrets_from_argv.front() +
               " was given on the command line, where other processes can read it; prefer the environment");
    // --unconfigure makes no call: the defaults mode (auto asks instance metadata) is not needed there.
    if (plan->defaults_mode == "auto" && !plan->unconfigure) resolve_auto_defaults(*plan, env, io);
    Run run(std::move(*plan), env, io);
    if (run.plan.unconfigure) return unconfigure(run);

    auto creds = credentials(run);
    if (!creds) return std::move(creds).error();
    auto endpoint = where(run, *creds);
    if (!endpoint) return std::move(endpoint).error();
    // Without --configure or exec, --dry-run shows the signed request and sends nothing; with them, the
    // token is fetched and --dry-run shows the configuration or the command instead.
    if (offline(run.plan)) return Answer{protocol::Rendered{describe_dry_run(run, *endpoint, creds->keys), {}}, {}};
    auto o = outcome(run, *endpoint, *creds);
    if (!o) return std::move(o).error();
    return output(run, request, *o);
}

// exec: the command in our place (POSIX), or its exit code (Windows). A command that cannot be run exits
// as a shell's would: 127 when it is not found, 126 when it cannot be run.
int run_command(const ExecCall& call, Io& io) {
    auto r = io.exec ? io.exec(call.argv, call.env) : process::exec_replace(call.argv, call.env);
    if (r) return *r;
    Error e = std::move(r).error();
    const int code = e.code == process::not_found_code ? 127 : 126;
    e.code.clear();  // the exit code tells which
    io.err("codeartifact-token: " + describe(e));
    return code;
}

void report_internal_error(Io& io, const char* what) noexcept {
    try {
        io.err(std::string("codeartifact-token: internal error: ") + what);
    } catch (...) {  // NOLINT(bugprone-empty-catch): out of memory again; nowhere left to say it
    }
}

// The answer on stdout: exit 0, or 1 with one line when it did not all get out (closed, full, a reader
// gone).
int write_out(Io& io, std::string_view text) {
    auto s = io.out(text);
    if (s) return 0;
    io.err("codeartifact-token: " + describe(s.error()));
    return exit_code(ErrorKind::internal);
}

// The run, with errors as values: the exit code, and stdout written once at the end.
int run_checked(std::span<const std::string_view> args, const Env& env, Io& io) {
    // The credential helpers (cargo's credential-provider, the keyring command of pip and uv) have their
    // own protocols: plugin/helpers.cpp.
    if (helpers::is_helper_call(args)) return helpers::run_helper(args, env, io);
    // exec [options] -- COMMAND [ARGS...]: only the options are ours (a --help after "--" is the command's).
    std::span<const std::string_view> options = args;
    std::vector<std::string> command;
    const bool exec = !args.empty() && args[0] == "exec";
    if (exec) {
        options = args.subspan(1);
        const auto dashes = std::ranges::find(options, std::string_view("--"));
        command.assign(dashes + (dashes == options.end() ? 0 : 1), options.end());
        options = options.first(static_cast<std::size_t>(dashes - options.begin()));
    }
    if (options.size() == 1 && options[0] == "--version" && !exec) {
        return write_out(io, std::string("codeartifact-token ") + CAT_VERSION + "\n");
    }
    // --help anywhere asks for help (as git and curl): "--domain x --help" is not a usage error.
    if (const auto h = std::ranges::find(options, std::string_view("--help"));
        h != options.end() ||
        (options.size() == 1 && (options[0] == "-h" || options[0] == "-?" || text::iequals(options[0], "-Help")))) {
        const bool aliases = h != options.end() && h + 1 != options.end() && h[1] == "aliases";
        return write_out(io, aliases ? aliases_text() : help_text());
    }
    OutputMode mode = OutputMode::json;
    const auto fail = [&](const Error& e) {
        const std::string line = describe(e);
        if (auto annotation = protocol::render_failure(mode, line); !annotation.empty()) (void)io.out(annotation);
        io.err("codeartifact-token: " + line);
        return exit_code(e.kind);
    };
    Result<Answer> result = [&]() -> Result<Answer> {
        if (exec && command.empty())
            return Error::make(ErrorKind::usage,
                               "exec needs a command after --: codeartifact-token exec [options] -- COMMAND [ARGS...]");
        auto request = read_request(options, io, std::move(command));
        if (!request) return std::move(request).error();
        mode = request->mode;
        if (mode == OutputMode::github) {
            if (auto s = take_github_inputs(*request, env); !s) return s.error();
            if (!request->params.has("domain"))
                return Error::make(ErrorKind::usage,
                                   "domain is required: give the step its domain (with: domain: my-domain)");
        }
        auto done = execute(*request, env, io);
        if (!done && done.error().kind == ErrorKind::usage && !request->params.has("domain") &&
            !request->no_query.empty()) {
            Error e = std::move(done).error();  // "domain is required": say why no query gave it
            e.message += " (no Terraform query was read: " + request->no_query + ")";
            return e;
        }
        return done;
    }();
    if (!result) return fail(result.error());
    // Nothing of ours is open or held any more (the cache, its locks, the connections): the command may
    // take our place.
    if (result->exec) return run_command(*result->exec, io);
    const protocol::Rendered& rendered = result->rendered;
    // stdout first: in GitHub mode it carries the ::add-mask:: line, and no file gets the token unless
    // the mask went out before it.
    if (const int code = write_out(io, rendered.stdout_text); code != 0) return code;
    for (const auto& a : rendered.appends)
        if (auto s = io.append_file(a.path, a.text); !s) return fail(s.error());
    return 0;
}

}  // namespace

int run(std::span<const std::string_view> args, const Env& env, Io& io) noexcept {
    // An exception (std::bad_alloc, an OpenSSL failure thrown as std::runtime_error) is a bug or a broken
    // environment: one line and exit 1, never std::terminate. stdout is written last, so nothing partial
    // has gone out.
    try {
        return run_checked(args, env, io);
    } catch (const std::bad_alloc&) {
        report_internal_error(io, "out of memory");
    } catch (const std::exception& e) {
        report_internal_error(io, e.what());
    } catch (...) {
        report_internal_error(io, "unknown exception");
    }
    return exit_code(ErrorKind::internal);
}

}  // namespace cat::plugin
