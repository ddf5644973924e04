// The whole program as a function: arguments, environment and standard streams in, exit code out.
// main() is a thin wrapper; tests call run() directly.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"

namespace cat::plugin {

struct Io {
    std::function<std::string()> read_stdin;  // all of standard input
    // One line of standard input without its '\n', nullopt at its end (cargo's credential protocol); empty
    // means C stdio's stdin.
    std::function<std::optional<std::string>()> read_line;
    bool stdin_is_terminal = true;
    // Whether standard input has something to read (data or its end) within the wait; empty: it has.
    std::function<bool(std::chrono::milliseconds)> stdin_ready;
    // Standard output: called once with everything (in GitHub mode, again with an `::error::` annotation if
    // a file append fails afterwards). An error when it was not all written (closed, full, a reader gone).
    std::function<Status(std::string_view)> out;
    std::function<void(std::string_view)> err;  // standard error: one call per line
    // Appends to a file (GITHUB_OUTPUT, GITHUB_ENV), creating it 0600 if needed.
    std::function<Status(const std::string& path, std::string_view text)> append_file;

    // Seams for tests; empty means the real thing. The transport for the API calls (CodeArtifact, STS:
    // the container and IMDS providers make their own), and the clock (signing, the cache, credentials).
    std::function<std::unique_ptr<http::Transport>(const http::Options&)> make_transport;
    std::function<std::chrono::system_clock::time_point()> now;
    // exec's command (argv, "NAME=value" environment): process::exec_replace, which on POSIX returns only
    // when it could not run the command.
    std::function<Result<int>(const std::vector<std::string>& argv, const std::vector<std::string>& env)> exec;
};

// Never throws: an exception (allocation, OpenSSL) ends in exit 1 with one line on stderr and nothing on
// stdout.
int run(std::span<const std::string_view> args, const Env& env, Io& io) noexcept;

}  // namespace cat::plugin
