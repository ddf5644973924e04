// Text helpers used across the tree: ASCII case, trimming, hex, and the one set of boolean spellings.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace cat::text {

// ASCII only: configuration keys, header names, host names and enumerated values are ASCII.
char lower(char c) noexcept;
std::string lower(std::string_view s);
bool iequals(std::string_view a, std::string_view b) noexcept;
bool istarts_with(std::string_view s, std::string_view prefix) noexcept;
// A name folded for matching: lower case, '-' and '_' dropped, so "Domain-Owner", "domain_owner" and
// "DOMAINOWNER" are one name. fold_equal(a, b) is fold(a) == fold(b) without building either.
std::string fold(std::string_view s);
bool fold_equal(std::string_view a, std::string_view b) noexcept;

// Without leading and trailing spaces, tabs, CR and LF.
std::string_view trim(std::string_view s) noexcept;

// Lower-case hex of `bytes`, appended to `out` / returned.
void append_hex(std::string& out, std::span<const std::uint8_t> bytes);
std::string hex(std::span<const std::uint8_t> bytes);

// Every boolean input (flags, Terraform and GitHub inputs, environment variables, profile keys) is read
// with this one function. True: "true", "yes", "on", "1"; false: "false", "no", "off", "0"; any case,
// surrounding white space ignored. Anything else (the empty string included) is nullopt: the caller
// decides whether that is an error (a flag's value) or "not set" (an environment variable).
std::optional<bool> parse_bool(std::string_view s) noexcept;
// The spellings, for error messages: "true/false, yes/no, on/off or 1/0".
inline constexpr std::string_view bool_spellings = "true/false, yes/no, on/off or 1/0";

// Edits (insertions, deletions, substitutions, swaps of neighbours) that make `a` into `b`.
std::size_t edit_distance(std::string_view a, std::string_view b);
// The candidate closest to `word` when it is close (at most a third of it wrong, 3 edits at most), else "":
// the "did you mean" of every enumerated value.
std::string_view closest(std::string_view word, std::span<const std::string_view> candidates);

}  // namespace cat::text
