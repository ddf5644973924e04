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

inline bool credential_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '/' || c == '+' ||
           c == '=';
}

// The words of the program's fixed text that look like credentials (below): operation and source names.
// A secret that is part of one of them is not looked for in messages, which may name it.
inline constexpr std::string_view kCredentialLikeWords[] = {"CreateOAuth2Token", "Ec2InstanceMetadata",
                                                            "EC2ThrottledException"};

// Whether `s` looks like a credential: at least 12 characters of [A-Za-z0-9/+=] with a digit and an
// upper-case letter (an access key, a secret key or a session token does), and not part of one of
// kCredentialLikeWords. No other fixed text of an error message has such a run, so finding one in a message
// means the message quotes input. (Checking for the input itself in the message does not work: the fuzzer
// learns the messages' words from that comparison and feeds them back.)
inline bool credential_like(std::string_view s) {
    if (s.size() < 12) return false;
    bool digit = false, upper = false;
    for (char c : s) {
        if (!credential_char(c)) return false;
        digit = digit || (c >= '0' && c <= '9');
        upper = upper || (c >= 'A' && c <= 'Z');
    }
    for (const auto word : kCredentialLikeWords)
        if (word.find(s) != std::string_view::npos) return false;
    return digit && upper;
}

// The maximal runs of [A-Za-z0-9/+=] in `s` that look like credentials.
inline std::vector<std::string_view> credential_runs(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        if (!credential_char(s[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < s.size() && credential_char(s[j])) ++j;
        if (credential_like(s.substr(i, j - i))) out.push_back(s.substr(i, j - i));
        i = j;
    }
    return out;
}

// What every error must satisfy: a message, and one line once described (the only way errors reach
// stderr, the GitHub ::error annotation or a debug log).
inline void check_error(const Error& e) {
    FUZZ_CHECK(!e.message.empty());
    FUZZ_CHECK(one_line(describe(e)));
}

}  // namespace cat::fuzz
