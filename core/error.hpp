// The one error type of the project. It travels as a value (inside Result<T>) from wherever a thing
// failed up to main, which maps its kind to a documented exit code and prints it as one line.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

namespace cat {

// Each kind has its own exit code (see exit_code()); keep README and --help in step with it.
enum class ErrorKind {
    internal,     // a bug or an impossible state: exit 1
    usage,        // bad flag, bad input value, failed local validation: exit 2
    credentials,  // no credentials, or a credential source failed: exit 3
    api,          // AWS answered with an error: exit 4
    network,      // DNS, connect, TLS, timeouts, broken responses: exit 5
    config,       // unreadable or invalid configuration, no region, unsafe cache dir: exit 6
};

// The stage of an HTTP exchange that failed (http/ sets it; a response that arrived but cannot be read is
// `read` too). `none`: not a transport error.
enum class Stage { none, resolve, connect, proxy, handshake, write, read };

constexpr std::string_view stage_name(Stage s) noexcept {
    switch (s) {
        case Stage::none: return "";
        case Stage::resolve: return "resolve";
        case Stage::connect: return "connect";
        case Stage::proxy: return "proxy";
        case Stage::handshake: return "handshake";
        case Stage::write: return "write";
        case Stage::read: return "read";
    }
    return "";
}

struct Error {
    ErrorKind kind = ErrorKind::internal;
    std::string message;        // human-readable, never contains a secret
    std::string code;           // AWS error code (ThrottlingException) or a short local code
    std::string request_id;     // x-amzn-RequestId when AWS answered
    Stage stage = Stage::none;  // the transport stage that failed
    int http_status = 0;
    bool retryable = false;  // another attempt may well succeed: decided where the error is made

    static Error make(ErrorKind k, std::string msg) {
        Error e;
        e.kind = k;
        e.message = std::move(msg);
        return e;
    }
};

constexpr int exit_code(ErrorKind k) noexcept {
    switch (k) {
        case ErrorKind::internal: return 1;
        case ErrorKind::usage: return 2;
        case ErrorKind::credentials: return 3;
        case ErrorKind::api: return 4;
        case ErrorKind::network: return 5;
        case ErrorKind::config: return 6;
    }
    return 1;
}

// The longest line describe() makes, in bytes, and the longest a quoted value is shown (quoted()).
inline constexpr std::size_t max_line_bytes = 1000;
inline constexpr std::size_t max_value_bytes = 200;

// Text made safe for one line of a terminal or a CI log, which would obey escape sequences in it: a
// newline, CR or tab becomes a space; other control characters (C0, DEL, C1) and bytes that are not
// well-formed UTF-8 become `\xNN`; text longer than `max` bytes is cut there with "…".
inline std::string printable(std::string_view s, std::size_t max = max_line_bytes) {
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    for (std::size_t i = 0; i < s.size();) {
        const auto u = static_cast<unsigned char>(s[i]);
        std::size_t n = 1;  // bytes of s taken
        std::string unit;
        if (u == '\n' || u == '\r' || u == '\t') {
            unit = " ";
        } else if (u >= 0x20 && u < 0x7f) {
            unit = std::string(1, s[i]);
        } else {
            // A well-formed UTF-8 sequence of 2 to 4 bytes stays, unless it encodes a C1 control.
            const std::size_t len = u >= 0xc2 && u <= 0xdf   ? 2
                                    : u >= 0xe0 && u <= 0xef ? 3
                                    : u >= 0xf0 && u <= 0xf4 ? 4
                                                             : 0;
            bool ok = len != 0 && i + len <= s.size();
            for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(s[i + k]) & 0xc0) == 0x80;
            if (ok && u == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0) ok = false;
            if (ok) {
                n = len;
                unit = std::string(s.substr(i, len));
            } else {
                unit = {'\\', 'x', hex[u >> 4], hex[u & 0xf]};
            }
        }
        if (out.size() + unit.size() > max) {
            out += "…";
            break;
        }
        out += unit;
        i += n;
    }
    return out;
}

// A value from outside quoted into a message: "value", made printable and cut to max_value_bytes.
inline std::string quoted(std::string_view value) {
    return "\"" + printable(value, max_value_bytes) + "\"";
}

// One line for stderr: "message (code, request id R, HTTP 403)" with the parts that are known, made
// printable (printable()) and at most about max_line_bytes long.
inline std::string describe(const Error& e) {
    std::string out = e.message;
    std::string extra;
    auto add = [&](const std::string& s) {
        if (s.empty()) return;
        if (!extra.empty()) extra += ", ";
        extra += s;
    };
    if (!e.code.empty() && e.message.find(e.code) == std::string::npos) add(e.code);
    if (!e.request_id.empty()) add("request id " + e.request_id);
    if (e.http_status != 0 && e.message.find("HTTP ") == std::string::npos)
        add("HTTP " + std::to_string(e.http_status));
    if (!extra.empty()) out += " (" + extra + ")";
    return printable(out);
}

}  // namespace cat
