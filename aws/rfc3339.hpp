// Timestamps as AWS services and credential sources write them (STS, IMDS, the container endpoint,
// credential_process, the SSO token cache): RFC 3339, "2024-05-01T12:34:56Z", with optional fractional seconds and a
// numeric offset instead of Z.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace cat::aws {

// YYYY-MM-DD, 'T' (or 't' or a space), hh:mm:ss, optional ".fraction" (truncated), then 'Z', 'z', an
// offset +hh:mm / +hhmm / +hh, or "UTC" (older AWS CLI versions wrote it in the SSO token cache). A time without a zone
// is refused: it would be ambiguous. Nothing when the text is not such a time or names an impossible date.
std::optional<std::chrono::sys_seconds> parse_rfc3339(std::string_view text);

// "2024-05-01T12:34:56Z", for messages.
std::string format_rfc3339(std::chrono::sys_seconds t);

}  // namespace cat::aws
