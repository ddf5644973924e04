// GitHub Actions I/O: inputs from INPUT_* variables, outputs through workflow commands on stdout and the
// files named by GITHUB_OUTPUT and GITHUB_ENV.
#pragma once

#include <functional>
#include <string>

#include "core/env.hpp"
#include "core/result.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

namespace cat::protocol {

struct GithubInputs {
    Params params;
    GithubOptions options;
};

// The runner names each input INPUT_<NAME> with the name upper-cased, spaces as '_' and hyphens kept:
// INPUT_DOMAIN-OWNER, INPUT_ROLE-TO-ASSUME. Inputs are the action's kebab-case names or any parameter
// name or alias; an unknown INPUT_* variable is an error naming it (a typo must not drop a setting).
Result<GithubInputs> parse_github_inputs(const Env& env);

struct GithubWrites {
    std::string stdout_text;    // workflow commands: ::add-mask:: first
    std::string output_append;  // for $GITHUB_OUTPUT
    std::string env_append;     // for $GITHUB_ENV (empty when export-env is off)
};

// `delimiter` makes a heredoc delimiter; it is called again until the delimiter occurs in no value.
GithubWrites render_github(const Outcome& o, const GithubOptions& options,
                           const std::function<std::string()>& delimiter);
// The github output mode: render_github, with the files named by GITHUB_OUTPUT and GITHUB_ENV in `env`
// (a config error when one that is needed is unset). `delimiter` empty: random_delimiter.
Result<Rendered> render_github_files(const Outcome& o, const GithubOptions& options, const Env& env,
                                     const std::function<std::string()>& delimiter);
// name<<DELIM\nvalue\nDELIM\n
std::string github_heredoc(std::string_view name, std::string_view value, std::string_view delimiter);
// A random delimiter, "ghadelimiter_" and 32 hex digits.
std::string random_delimiter();

}  // namespace cat::protocol
