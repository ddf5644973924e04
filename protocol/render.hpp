// Output renderers: one outcome, rendered for each consumer. Every renderer returns the whole text, so
// the caller writes stdout once, after everything has succeeded (no partial output on error).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"
#include "protocol/params.hpp"

namespace cat::protocol {

// One repository's endpoint (GetRepositoryEndpoint).
struct RepositoryEndpoint {
    std::string repository;
    std::string format;
    std::string url;
};

struct Outcome {
    Secret authorization_token;
    std::chrono::sys_seconds expiration{};
    std::string domain;
    std::string domain_owner;
    std::string region;
    std::string repository_endpoint;  // the endpoint when exactly one was asked for
    // Every endpoint asked for, in order. With more than one, the outputs name each by format and
    // repository: repository_endpoint_<format>_<repository> (json, terraform), repository-endpoint-<format>-
    // <repository> (GitHub outputs), CODEARTIFACT_REPOSITORY_ENDPOINT_<FORMAT>_<REPOSITORY> (env: upper case,
    // '-' and '.' as '_'), and repository_endpoint is empty.
    std::vector<RepositoryEndpoint> repository_endpoints;
    bool from_cache = false;  // reported in json output (not in Terraform's, whose shape stays fixed)
};

// Every output mode. To add one: a value here, its name in render.cpp's output_modes, its case in render().
// cmdlet is Get-CAAuthorizationToken's -Select: the response as a JSON object with its own property names
// (AuthorizationToken, Expiration) for "*", else the selected value alone; the default of the -Parameter
// syntax.
enum class OutputMode { json, text, env, terraform, github, cmdlet };
Result<OutputMode> parse_output_mode(std::string_view s);

// The GitHub Action's own inputs (not parameters).
struct GithubOptions {
    bool export_env = true;  // input export-env: write CODEARTIFACT_AUTH_TOKEN to $GITHUB_ENV
    bool mask = true;        // input mask: ::add-mask:: the token before anything else
};

// What a mode writes: standard output (written once, last), and text to append to files first.
struct Rendered {
    struct Append {
        std::string path;
        std::string text;
    };
    std::string stdout_text;
    std::vector<Append> appends;
};

struct RenderContext {
    const Params& params;  // select
    const Env& env;        // GITHUB_OUTPUT, GITHUB_ENV
    GithubOptions github;
    // Makes a heredoc delimiter for the GitHub files (default: random_delimiter).
    std::function<std::string()> delimiter;
};

// The outcome in `mode`. Errors: a bad `select` (usage), GITHUB_OUTPUT / GITHUB_ENV unset (config).
Result<Rendered> render(OutputMode mode, const Outcome& o, const RenderContext& ctx);
// What goes to standard output besides the line on stderr when a run fails in `mode` (github: an
// ::error:: annotation, since workflow commands are read from stdout; the others: nothing).
std::string render_failure(OutputMode mode, std::string_view line);

// The (key, value) pairs the selection picks, in output order, with the keys the outputs use:
// authorization_token, expiration, expiration_unix, domain, domain_owner, region, repository_endpoint.
// `select`: "*" or empty for all, a property (AuthorizationToken, authorization_token, Expiration, ...)
// for that one, "^Name" for the input parameter Name.
Result<std::vector<std::pair<std::string, std::string>>> select(const Outcome& o, const Params& p);

std::string render_json(const std::vector<std::pair<std::string, std::string>>& fields);  // flat, strings
// The selected value alone (the token when nothing is selected), with a newline.
Result<std::string> render_text(const Outcome& o, const Params& p);
// The cmdlet's output: {"AuthorizationToken":..,"Expiration":..} for "*" or nothing selected, else as text.
Result<std::string> render_cmdlet(const Outcome& o, const Params& p);
// The variables of --output env (and exec): CODEARTIFACT_AUTH_TOKEN, CODEARTIFACT_AUTH_TOKEN_EXPIRATION and
// the repository endpoint(s), in order.
std::vector<std::pair<std::string, std::string>> env_vars(const Outcome& o);
// env_vars as "export NAME='value'" lines with POSIX shell quoting.
std::string render_env(const Outcome& o);
// The key of one of several repository endpoints: `prefix` + format + `separator` + repository.
std::string endpoint_key(std::string_view prefix, char separator, const RepositoryEndpoint& e);
std::string shell_quote(std::string_view s);

}  // namespace cat::protocol
