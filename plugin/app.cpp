#include "plugin/app.hpp"

#include <algorithm>
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
#include "core/result.hpp"
#include "core/text.hpp"
#include "http/transport.hpp"
#include "plugin/help.hpp"
#include "plugin/plan.hpp"
#include "protocol/github.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"
#include "sigv4/crypto.hpp"

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
        const auto proof = sigv4::crypto::hmac_sha256(
            std::span(reinterpret_cast<const std::uint8_t*>(secret.data()), secret.size()), data);  // NOLINT
        wipe(data);
        return k.access_key_id + " " + text::hex(proof);
    }
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
    in.token = o.authorization_token.reveal();
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
        auto edits = configure::plan(in, env, platform::home_dir(env), configure::filesystem_reader());
        if (!edits) return std::move(edits).error();
        if (plan.dry_run) {
            out = configure::render_dry_run(*edits, plan.show_token);
        } else {
            // Locked in the cache folder (--no-cache too), so that parallel runs on one file all land.
            std::string lock_dir = plan.cache_dir;
            if (auto d = cache::default_cache_dir(env, platform::home_dir(env)); lock_dir.empty() && d) lock_dir = *d;
            auto done = configure::apply_locked(in, env, platform::home_dir(env), *edits, lock_dir);
            if (!done) return std::move(done).error();
            for (const auto& e : *done)
                out += std::string(e.changed() ? "configured " : "unchanged ") + plan.configure_tool + ": " + e.path +
                       "\n";
        }
    }
    for (const auto& note : configure::notes(in, env_output)) io.err("codeartifact-token: " + note);
    return out;
}

// What the front door gave: the parameters, the output mode, and the GitHub Action's own inputs.
struct Request {
    Params params;
    OutputMode mode = OutputMode::json;
    protocol::GithubOptions github;
};

// The front door: no arguments and stdin not a terminal is a Terraform query; otherwise CLI flags.
Result<Request> read_request(std::span<const std::string_view> args, Io& io) {
    const bool terraform_stdin = args.empty() && !io.stdin_is_terminal;
    auto params = terraform_stdin ? protocol::parse_json_object(io.read_stdin()) : protocol::parse_cli(args);
    if (!params) return std::move(params).error();
    Request r{std::move(*params), terraform_stdin ? OutputMode::terraform : OutputMode::json, {}};
    if (r.params.has("output")) {
        auto m = protocol::parse_output_mode(r.params.get("output"));
        if (!m) return std::move(m).error();
        r.mode = *m;
    }
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

std::unique_ptr<http::Transport> make_run_transport(const Plan& plan, const Io& io) {
    if (plan.dry_run && plan.configure_tool.empty()) return std::make_unique<OfflineTransport>();
    return io.make_transport ? io.make_transport(plan.transport) : http::make_transport(plan.transport);
}

// What every step uses: the plan, the transport for the API calls, the clock, the debug lines.
struct Run {
    Plan plan;
    const Env& env;
    Io& io;
    std::unique_ptr<http::Transport> transport;
    std::string user_agent = std::string("codeartifact-token/") + CAT_VERSION;

    Run(Plan p, const Env& e, Io& i) : plan(std::move(p)), env(e), io(i), transport(make_run_transport(plan, io)) {}
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
    if (!run.plan.dry_run || !run.plan.configure_tool.empty()) ctx.call.transport = nullptr;  // a dry run: offline
    ctx.transport_options = run.plan.transport;
    ctx.run_process = aws::run_process;
    return ctx;
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
    chain.sso_endpoint = [&plan](const aws::IniSection&) -> std::string {
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
Result<cache::CachedToken> token_through_cache(const Run& run, aws::Client& client, const ResolvedEndpoint& endpoint,
                                               const aws::AwsCredentials& creds) {
    const Plan& plan = run.plan;
    auto fetch = [&]() -> Result<cache::FetchedToken> {
        auto t = client.get_authorization_token(plan.token);
        if (!t) return std::move(t).error();
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
    if (plan.repository) {
        auto url = client.get_repository_endpoint(*plan.repository);
        if (!url) return std::move(url).error();
        o.repository_endpoint = *url;
    }
    run.debug(std::string(o.from_cache ? "token from the cache" : "token received") + ", expires " +
              aws::format_rfc3339(o.expiration));
    return o;
}

// Step 4, output: the tool's configuration with --configure, else the outcome in the request's mode.
Result<protocol::Rendered> output(const Run& run, const Request& request, const protocol::Outcome& o) {
    if (!run.plan.configure_tool.empty()) {
        auto text = configure_tool(run.plan, o, run.env, run.io);
        if (!text) return std::move(text).error();
        return protocol::Rendered{std::move(*text), {}};
    }
    return protocol::render(request.mode, o, {request.params, run.env, request.github, {}});
}

Result<protocol::Rendered> execute(const Request& request, const Env& env, Io& io) {
    auto plan = make_plan(request.params, env, request.mode);
    if (!plan) return std::move(plan).error();
    if (!request.params.secrets_from_argv.empty())
        io.err("codeartifact-token: warning: " + request.params.secrets_from_argv.front() +
               " was given on the command line, where other processes can read it; prefer the environment");
    Run run(std::move(*plan), env, io);

    auto creds = credentials(run);
    if (!creds) return std::move(creds).error();
    auto endpoint = where(run, *creds);
    if (!endpoint) return std::move(endpoint).error();
    // Without --configure, --dry-run shows the signed request and sends nothing; with it, the token is
    // fetched and --dry-run shows the configuration instead of writing it.
    if (run.plan.dry_run && run.plan.configure_tool.empty())
        return protocol::Rendered{describe_dry_run(run, *endpoint, creds->keys), {}};
    auto o = outcome(run, *endpoint, *creds);
    if (!o) return std::move(o).error();
    return output(run, request, *o);
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
    if (args.size() == 1 && args[0] == "--version") {
        return write_out(io, std::string("codeartifact-token ") + CAT_VERSION + "\n");
    }
    // --help anywhere asks for help (as git and curl): "--domain x --help" is not a usage error.
    if ((args.size() == 1 && args[0] == "-h") || std::ranges::find(args, std::string_view("--help")) != args.end()) {
        return write_out(io, help_text());
    }
    OutputMode mode = OutputMode::json;
    const auto fail = [&](const Error& e) {
        const std::string line = describe(e);
        if (auto annotation = protocol::render_failure(mode, line); !annotation.empty()) (void)io.out(annotation);
        io.err("codeartifact-token: " + line);
        return exit_code(e.kind);
    };
    Result<protocol::Rendered> result = [&]() -> Result<protocol::Rendered> {
        auto request = read_request(args, io);
        if (!request) return std::move(request).error();
        mode = request->mode;
        if (mode == OutputMode::github)
            if (auto s = take_github_inputs(*request, env); !s) return s.error();
        return execute(*request, env, io);
    }();
    if (!result) return fail(result.error());
    // stdout first: in GitHub mode it carries the ::add-mask:: line, and no file gets the token unless
    // the mask went out before it.
    if (const int code = write_out(io, result->stdout_text); code != 0) return code;
    for (const auto& a : result->appends)
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
