#pragma once
#include <string>
namespace cat::plugin {
// The --help text: every parameter, environment variable and exit code, one example per consumer.
std::string help_text();
}  // namespace cat::plugin
