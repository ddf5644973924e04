// The whole program as a function: arguments, environment and standard streams in, exit code out.
// main() is a thin wrapper; tests call run() directly.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/env.hpp"
#include "core/result.hpp"

namespace cat::plugin {

struct Io {
    std::function<std::string()> read_stdin;  // all of standard input
    bool stdin_is_terminal = true;
    std::function<void(std::string_view)> out;  // standard output: called at most once, with everything
    std::function<void(std::string_view)> err;  // standard error: one call per line
    // Appends to a file (GITHUB_OUTPUT, GITHUB_ENV), creating it 0600 if needed.
    std::function<Status(const std::string& path, std::string_view text)> append_file;
};

int run(std::span<const std::string_view> args, const Env& env, Io& io);

}  // namespace cat::plugin
