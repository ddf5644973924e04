// What the process layer's implementations (process_posix.cpp, process_windows.cpp) share: how their
// errors read. Internal to core/.
#pragma once

#include <cstddef>
#include <string>

#include "core/error.hpp"

namespace cat::process::detail {

// A program that could not be run, or did not finish as it should: a configuration error.
inline Error run_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

inline std::string quoted(const std::string& program) {
    return "\"" + program + "\"";
}

// "1 MiB" for whole mebibytes, else "N bytes": the output bound in messages.
inline std::string describe_bytes(std::size_t n) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    if (n >= mib && n % mib == 0) return std::to_string(n / mib) + " MiB";
    return std::to_string(n) + " bytes";
}

}  // namespace cat::process::detail
