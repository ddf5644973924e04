#pragma once
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cat::plugin {
// Appends `text` with one write (O_APPEND), creating the file with mode 0600 if it does not exist.
Status append_to_file(const std::string& path, std::string_view text);
}  // namespace cat::plugin
