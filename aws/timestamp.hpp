// Timestamps as AWS services and credential sources write them.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

namespace cat::aws {

// An RFC 3339 date-time: "2026-11-28T12:00:00Z", "2026-11-28T12:00:00.123Z" (fractions are dropped),
// "2026-11-28T14:00:00+02:00" (also "+0200"); 't', 'z' and a space for 'T' are accepted as RFC 3339
// allows. Years 0000-9999. Nothing when the text is anything else.
std::optional<std::chrono::sys_seconds> parse_timestamp(std::string_view text);

}  // namespace cat::aws
