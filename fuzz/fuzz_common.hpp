// Helpers shared by the fuzz targets: invariant checks that abort (so libFuzzer records a crash even in
// builds with NDEBUG) and ways to cut the input into fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

#define FUZZ_CHECK(cond)                                                                      \
    do {                                                                                      \
        if (!(cond)) {                                                                        \
            std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond); \
            std::abort();                                                                     \
        }                                                                                     \
    } while (0)

namespace cat::fuzz {

inline std::string_view as_view(const std::uint8_t* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// Fields separated by `sep`; n separators give n + 1 fields (empty ones included).
inline std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    for (;;) {
        const auto at = s.find(sep);
        out.push_back(s.substr(0, at));
        if (at == std::string_view::npos) return out;
        s.remove_prefix(at + 1);
    }
}

inline bool one_line(std::string_view s) {
    return s.find_first_of("\r\n") == std::string_view::npos;
}

// What every error must satisfy: a message, and one line once described (the only way errors reach
// stderr, the GitHub ::error annotation or a debug log).
inline void check_error(const Error& e) {
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(one_line(describe(e)));
}

}  // namespace cat::fuzz
