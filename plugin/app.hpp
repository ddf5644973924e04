// The whole program as a function: arguments, environment and standard streams in, exit code out.
// main() is a thin wrapper; tests call run() directly.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/env.hpp"

namespace cat::plugin {

struct Io {
    std::function<std::string()> read_stdin;  // all of standard input
    bool stdin_is_terminal = true;
    std::function<void(std::string_view)> out;  // standard output: called at most once, with everything
    std::function<void(std::string_view)> err;  // standard error: one call per line
};

int run(std::span<const std::string_view> args, const Env& env, Io& io);

}  // namespace cat::plugin
