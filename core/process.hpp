// The process layer: runs a program without a shell and captures its standard output. Like the file layer
// (core/files.hpp) it is a platform seam: core/process_posix.cpp is fork/execvp, a Windows port is
// CreateProcessW with its own argument quoting. Nothing POSIX appears here.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace cat::process {

struct Options {
    // More standard output than this ends the program (killed) and the run is an error.
    std::size_t max_output = std::size_t{1} << 20;  // 1 MiB
    // When set, a program still running after this long is killed and the run is an error.
    std::optional<std::chrono::milliseconds> timeout;
};

struct Finished {
    int exit_code = 0;  // the exit status; negative when a signal ended the program (-9: SIGKILL)
    std::string out;    // its standard output
};

// Runs argv[0] (looked up in PATH when it has no '/') with the arguments argv[1..] exactly as given (no
// shell: spaces, quotes and '$' reach the program verbatim), our environment and our standard error; its
// standard input is ours too. Errors (ErrorKind::config; the caller may re-kind them) name the program:
//   cannot run "prog": No such file or directory        (it could not be started)
//   "prog" wrote more than 1048576 bytes to its standard output
//   "prog" did not finish within 5000 ms (killed)
//   "prog": cannot read its output: ...
// Output already read is wiped when the run fails (it may hold secrets).
Result<Finished> run(const std::vector<std::string>& argv, const Options& options = {});

}  // namespace cat::process
