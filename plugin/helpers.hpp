// The credential helpers: the tool runs codeartifact-token each time it needs the token, and gets it
// through the cache, so it is never stale and never on disk in the tool's files.
//   cargo: `credential-provider = [PROGRAM, --domain, D, ...]` in config.toml; cargo adds --cargo-plugin
//          and speaks its JSON-lines protocol on stdin/stdout.
//   pip, uv: `keyring get URL USER` (their subprocess keyring provider): the program answers when called
//          as `keyring` (a link of that name) or as `codeartifact-token keyring ...`.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "plugin/app.hpp"

namespace cat::plugin::helpers {

// Whether `args` ask for a helper: "keyring ..." first, or "--cargo-plugin" last.
bool is_helper_call(std::span<const std::string_view> args);

// Runs the helper that `args` ask for; the exit code.
int run_helper(std::span<const std::string_view> args, const Env& env, Io& io);

// The command cargo's credential-provider runs: this program's absolute path (the name alone when it
// cannot be known) and `args`.
std::vector<std::string> helper_command(std::vector<std::string> args);

// What a keyring service (a URL or host[:port]) names when it is a CodeArtifact repository host,
// DOMAIN-OWNER.d.codeartifact.REGION.amazonaws.com (.amazonaws.com.cn in China): the arguments that ask for
// its token. Empty for any other host.
std::vector<std::string> keyring_arguments(std::string_view service);

// Where --configure pip/uv --credential-helper puts its `keyring` link: $XDG_DATA_HOME/codeartifact-token/bin
// or ~/.local/share/codeartifact-token/bin. Empty without HOME.
std::string keyring_dir(const Env& env);

// Makes DIR/keyring a link to this program: the line for stdout; what the user should know (PATH) in `notes`.
Result<std::string> install_keyring_link(const Env& env, std::vector<std::string>& notes);

}  // namespace cat::plugin::helpers
