#pragma once
#include <string>
#include <string_view>
#include <vector>
namespace cat::plugin {
// The --help text: every parameter, environment variable and exit code, one example per consumer.
std::string help_text();
// `--help aliases`: every parameter's flag, JSON key, action input and cmdlet names, one per line.
std::string aliases_text();
// The parameters no --help section lists (they go under OTHER PARAMETERS); a test keeps it empty.
std::vector<std::string_view> help_sections_missing();
// The one line a bare run in a terminal gets.
inline constexpr std::string_view short_usage =
    "usage: codeartifact-token --domain DOMAIN [--domain-owner ACCOUNT] [--region REGION] "
    "[--output json|text|env] (codeartifact-token --help for more)";
}  // namespace cat::plugin
