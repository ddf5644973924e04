#include "core/text.hpp"

#include <algorithm>
#include <array>
#include <vector>

namespace cat::text {

char lower(char c) noexcept {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (lower(a[i]) != lower(b[i])) return false;
    return true;
}

bool istarts_with(std::string_view s, std::string_view prefix) noexcept {
    return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string fold(std::string_view s) {
    std::string out;
    for (char c : s)
        if (c != '-' && c != '_') out += lower(c);
    return out;
}

bool fold_equal(std::string_view a, std::string_view b) noexcept {
    const auto skip = [](std::string_view s, std::size_t i) {
        while (i < s.size() && (s[i] == '-' || s[i] == '_')) ++i;
        return i;
    };
    std::size_t i = skip(a, 0);
    std::size_t j = skip(b, 0);
    while (i < a.size() && j < b.size()) {
        if (lower(a[i]) != lower(b[j])) return false;
        i = skip(a, i + 1);
        j = skip(b, j + 1);
    }
    return i == a.size() && j == b.size();
}

std::string_view trim(std::string_view s) noexcept {
    constexpr std::string_view space = " \t\r\n";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(space);
    return s.substr(first, last - first + 1);
}

void append_hex(std::string& out, std::span<const std::uint8_t> bytes) {
    constexpr char digits[] = "0123456789abcdef";
    out.reserve(out.size() + 2 * bytes.size());
    for (std::uint8_t b : bytes) {
        out += digits[b >> 4];
        out += digits[b & 0x0f];
    }
}

std::string hex(std::span<const std::uint8_t> bytes) {
    std::string out;
    append_hex(out, bytes);
    return out;
}

std::optional<bool> parse_bool(std::string_view s) noexcept {
    s = trim(s);
    static constexpr std::array<std::string_view, 4> yes = {"true", "yes", "on", "1"};
    static constexpr std::array<std::string_view, 4> no = {"false", "no", "off", "0"};
    for (auto y : yes)
        if (iequals(s, y)) return true;
    for (auto n : no)
        if (iequals(s, n)) return false;
    return std::nullopt;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

std::string_view closest(std::string_view word, std::span<const std::string_view> candidates) {
    std::string_view best;
    std::size_t best_d = std::string::npos;
    for (auto c : candidates)
        if (const auto d = edit_distance(word, c); d < best_d) {
            best_d = d;
            best = c;
        }
    if (best_d > 3 || best_d * 3 > std::max<std::size_t>(word.size(), 3)) return {};
    return best;
}

}  // namespace cat::text
