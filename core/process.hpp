// The process layer: runs a program without a shell and captures its standard output. Like the file layer
// (core/files.hpp) it is a platform seam: core/process_posix.cpp is fork/execvp, a Windows port is
// CreateProcessW with its own argument quoting. Nothing POSIX appears here.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cat::process {

struct Options {
    // More standard output than this ends the program (killed) and the run is an error.
    std::size_t max_output = std::size_t{1} << 20;  // 1 MiB
    // When set, a program still running after this long is killed and the run is an error.
    std::optional<std::chrono::milliseconds> timeout;
    // The program starts in a process group of its own, and every kill (timeout, too much output, our own
    // termination) goes to the whole group: what it started in turn does not outlive it. Not when we are
    // the foreground job of a terminal: there the program stays in our group, so that it may still read the
    // terminal (an MFA prompt) and Ctrl-C reaches it.
    bool own_process_group = false;
    // While it runs, SIGTERM, SIGINT or SIGHUP to us kills the program (its group), and we then end by the
    // same signal: it is not left running, reparented to PID 1.
    bool kill_on_termination = false;
    // When set, its standard error is captured (the last this-many bytes) into Finished::err instead of
    // being passed through to ours.
    std::optional<std::size_t> capture_error;
};

struct Finished {
    int exit_code = 0;  // the exit status; negative when a signal ended the program (-9: SIGKILL)
    std::string out;    // its standard output
    std::string err;    // its standard error (the end of it), when Options::capture_error is set
};

// Runs argv[0] (looked up in PATH when it has no '/') with the arguments argv[1..] exactly as given (no
// shell: spaces, quotes and '$' reach the program verbatim), our environment and (unless captured) our
// standard error; its standard input is ours too. Errors (ErrorKind::config; the caller may re-kind them)
// name the program:
//   cannot run "prog": No such file or directory        (it could not be started)
//   "prog" wrote more than 1048576 bytes to its standard output
//   "prog" did not finish within 5000 ms (killed)
//   "prog": cannot read its output: ...
// Output already read is wiped when the run fails (it may hold secrets); so is captured standard error.
// The Error::code of a run that did not finish within its timeout (killed).
inline constexpr std::string_view timed_out_code = "ProcessTimeout";
Result<Finished> run(const std::vector<std::string>& argv, const Options& options = {});

// The Error::code of an exec_replace that found no program (a shell's exit 127), and of one that found it
// but could not run it (not executable, a directory, a bad interpreter: 126).
inline constexpr std::string_view not_found_code = "CommandNotFound";
inline constexpr std::string_view not_runnable_code = "CommandNotRunnable";

// Runs argv[0] with the arguments argv[1..] exactly as given (no shell), with exactly `env` ("NAME=value"
// each) as its environment, on our standard streams (and any descriptor not marked close-on-exec). argv[0]
// without a '/' is looked up in the PATH of `env` (unset: /bin:/usr/bin), as execvp does: directories that
// do not have it are skipped, one that has it but may not run it makes the error "not runnable" when no
// later one has it, and a file without "#!" is run by /bin/sh (as execvp and shells do).
// POSIX (core/process_posix.cpp): the program replaces this process (execve), so its exit status, and the
// signal that ends it, are the ones our caller sees, and signals sent to us reach it. SIGPIPE is set back
// to its default first. Returns only when it could not run the program: an Error (ErrorKind::config,
// code not_found_code or not_runnable_code) `cannot run "prog": No such file or directory`.
// Windows (core/process_windows.cpp): CreateProcessW (the arguments quoted for CommandLineToArgvW, the
// environment block sorted, inheritable standard handles), waited for; returns its exit code. Ctrl-C and
// Ctrl-Break reach it through the console it shares with us; we ignore them while it runs.
Result<int> exec_replace(const std::vector<std::string>& argv, const std::vector<std::string>& env);

// The home directory of the account we run as, from the password database (POSIX: getpwuid_r of the real
// uid), which Java takes for user.home whatever HOME says, and so where Maven reads ~/.m2/settings.xml;
// empty when there is none. Windows: the profile folder (FOLDERID_Profile), Java's user.home there.
std::string account_home();

// Windows passes a program one command line, not an argv: run() joins argv with these rules, and the
// program's C runtime (or CommandLineToArgvW) splits it again. Pure, so tested on every platform.
// The command line whose split is exactly `argv`: argv[0] (the program, which cannot hold '"') quoted when
// it has spaces; each other argument quoted when it has spaces, tabs or quotes or is empty, with a quote
// escaped by a backslash and the backslashes before a quote (or the closing quote) doubled.
Result<std::string> windows_command_line(const std::vector<std::string>& argv);
// The split of a Windows command line, as CommandLineToArgvW and the Microsoft C runtime (2008 and later)
// do it: argv[0] ends at the first space outside quotes and knows no escapes; after it, 2n backslashes and
// a quote are n backslashes and a quote that opens or closes a quoted part, 2n+1 backslashes and a quote
// are n backslashes and a literal quote, other backslashes are literal, and "" inside quotes is a quote.
std::vector<std::string> split_windows_command_line(std::string_view line);

}  // namespace cat::process
