// What the file layer's implementations (files_posix.cpp, files_windows.cpp) share: pure functions on
// names. Internal to core/.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/files.hpp"

namespace cat::files::detail {

// ".<name>.<pid>.<n>.<ticks>.tmp": a writer's temporary file beside `name`.
inline std::string temp_name(std::string_view name, std::uint64_t pid) {
    static std::atomic<unsigned> counter{0};
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    return "." + std::string(name) + "." + std::to_string(pid) + "." + std::to_string(counter++) + "." +
           std::to_string(ticks & 0xffffff) + ".tmp";
}

// ".<name>.<digits>.<digits>.<digits>.tmp", the form of temp_name(name).
inline bool is_temp_name_of(std::string_view candidate, std::string_view name) {
    const std::string prefix = "." + std::string(name) + ".";
    constexpr std::string_view suffix = ".tmp";
    if (candidate.size() <= prefix.size() + suffix.size() || !candidate.starts_with(prefix) ||
        !candidate.ends_with(suffix))
        return false;
    const std::string_view middle = candidate.substr(prefix.size(), candidate.size() - prefix.size() - suffix.size());
    int numbers = 1;
    bool digit_before = false;
    for (char c : middle) {
        if (c == '.') {
            if (!digit_before) return false;
            ++numbers;
            digit_before = false;
        } else if (c >= '0' && c <= '9') {
            digit_before = true;
        } else {
            return false;
        }
    }
    return digit_before && numbers == 3;
}

// "standard input", "standard output", "standard error": a stream's name in messages.
inline std::string_view std_name(Stream s) {
    switch (s) {
        case Stream::in: return "standard input";
        case Stream::out: return "standard output";
        case Stream::err: return "standard error";
    }
    return "standard error";
}

}  // namespace cat::files::detail
