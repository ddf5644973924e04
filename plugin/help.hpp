#pragma once
#include <string>
#include <string_view>
namespace cat::plugin {
// The --help text: every parameter, environment variable and exit code, one example per consumer.
std::string help_text();
// The one line a bare run in a terminal gets.
inline constexpr std::string_view short_usage =
    "usage: codeartifact-token --domain DOMAIN [--domain-owner ACCOUNT] [--region REGION] "
    "[--output json|text|env] (codeartifact-token --help for more)";
}  // namespace cat::plugin
