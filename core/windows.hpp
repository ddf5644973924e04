// What core/*_windows.cpp share: <windows.h>, UTF-8 <-> UTF-16 at each API call, error messages, and
// the current user's identity and private security descriptors. Internal to core/ (Windows builds only).
#pragma once

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
// After windows.h, which they need.
#include <aclapi.h>
#include <sddl.h>
#include <shellapi.h>

#include <string>
#include <string_view>
#include <vector>

#include "core/utf.hpp"

namespace cat::win {

inline std::wstring wide(std::string_view utf8) {
    const std::u16string u = utf::to_utf16(utf8);
    return std::wstring(u.begin(), u.end());
}

inline std::string narrow(std::wstring_view utf16) {
    return utf::to_utf8(std::u16string(utf16.begin(), utf16.end()));
}

// The system's text for an error code (GetLastError()), without the final period and line break.
std::string message(DWORD error);

// The current user's SID (of the process token); nullptr only if the token cannot be read.
PSID user_sid();
// "DOMAIN\name" of a SID, or its S-1-... form.
std::string sid_name(PSID sid);
// True for SIDs that may hold any right without making a private file public: the user, SYSTEM and the
// Administrators group (who can take any file anyway, as root can on POSIX), and CREATOR OWNER.
bool trusted_sid(PSID sid);

// A security descriptor whose DACL (protected: nothing inherited) grants full control to the current
// user only, inherited by what is created below a folder made with it: the 0600/0700 of POSIX.
class PrivateSecurity {
public:
    PrivateSecurity();
    PrivateSecurity(const PrivateSecurity&) = delete;
    PrivateSecurity& operator=(const PrivateSecurity&) = delete;
    SECURITY_ATTRIBUTES* attributes() { return ok_ ? &attributes_ : nullptr; }

private:
    bool ok_ = false;
    std::vector<unsigned char> acl_;
    SECURITY_DESCRIPTOR descriptor_{};
    SECURITY_ATTRIBUTES attributes_{};
};

}  // namespace cat::win
