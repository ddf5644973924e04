// UTF-8 <-> UTF-16, for the Windows API boundary: everything inside the program is UTF-8, and
// core/*_windows.cpp converts at each call (paths, arguments, the environment, console output). Pure C++, so
// it is tested on every platform.
#pragma once

#include <string>
#include <string_view>

namespace cat::utf {

// Invalid input (a stray byte, an overlong form, a surrogate in UTF-8; an unpaired surrogate in UTF-16)
// becomes U+FFFD: the result is always well formed.
std::u16string to_utf16(std::string_view utf8);
std::string to_utf8(std::u16string_view utf16);
// True when `utf8` is well formed (to_utf16 changes nothing).
bool valid_utf8(std::string_view utf8) noexcept;
// Appends the UTF-8 form of the code point `cp` (at most U+10FFFF; the caller has checked it).
void append_utf8(std::string& out, char32_t cp);

}  // namespace cat::utf
