// The process entry and the Windows helpers of core/: see core/platform.hpp and core/windows.hpp.

#include <memory>

#include "core/platform.hpp"
#include "core/windows.hpp"

namespace cat::win {

std::string message(DWORD error) {
    wchar_t* buffer = nullptr;
    const DWORD n =
        ::FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM | FORMAT_MESSAGE_IGNORE_INSERTS,
                         nullptr, error, 0, reinterpret_cast<wchar_t*>(&buffer), 0, nullptr);
    std::string text = n > 0 && buffer != nullptr ? narrow(std::wstring_view(buffer, n)) : std::string();
    if (buffer != nullptr) ::LocalFree(buffer);
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ' || text.back() == '.'))
        text.pop_back();
    if (text.empty()) text = "error " + std::to_string(error);
    return text;
}

PSID user_sid() {
    // Read once: the token's user does not change while we run.
    static const std::vector<unsigned char> sid = [] {
        std::vector<unsigned char> out;
        HANDLE token = nullptr;
        if (!::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token)) return out;
        DWORD size = 0;
        ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
        std::vector<unsigned char> info(size);
        if (size > 0 && ::GetTokenInformation(token, TokenUser, info.data(), size, &size)) {
            const auto* user = reinterpret_cast<const TOKEN_USER*>(info.data());
            const DWORD len = ::GetLengthSid(user->User.Sid);
            out.resize(len);
            ::CopySid(len, out.data(), user->User.Sid);
        }
        ::CloseHandle(token);
        return out;
    }();
    return sid.empty() ? nullptr : const_cast<unsigned char*>(sid.data());
}

std::string sid_name(PSID sid) {
    wchar_t name[256];
    wchar_t domain[256];
    DWORD name_len = 256;
    DWORD domain_len = 256;
    SID_NAME_USE use{};
    if (::LookupAccountSidW(nullptr, sid, name, &name_len, domain, &domain_len, &use))
        return domain_len > 0 ? narrow(domain) + "\\" + narrow(name) : narrow(name);
    wchar_t* text = nullptr;
    if (!::ConvertSidToStringSidW(sid, &text)) return "an unknown account";
    std::string out = narrow(text);
    ::LocalFree(text);
    return out;
}

bool trusted_sid(PSID sid) {
    const PSID me = user_sid();
    return (me != nullptr && ::EqualSid(sid, me)) || ::IsWellKnownSid(sid, WinLocalSystemSid) ||
           ::IsWellKnownSid(sid, WinBuiltinAdministratorsSid) || ::IsWellKnownSid(sid, WinCreatorOwnerSid);
}

PrivateSecurity::PrivateSecurity() {
    const PSID me = user_sid();
    if (me == nullptr) return;
    const DWORD size = sizeof(ACL) + sizeof(ACCESS_ALLOWED_ACE) - sizeof(DWORD) + ::GetLengthSid(me);
    acl_.resize(size);
    auto* acl = reinterpret_cast<PACL>(acl_.data());
    ok_ = ::InitializeAcl(acl, size, ACL_REVISION) &&
          ::AddAccessAllowedAceEx(acl, ACL_REVISION, OBJECT_INHERIT_ACE | CONTAINER_INHERIT_ACE, GENERIC_ALL, me) &&
          ::InitializeSecurityDescriptor(&descriptor_, SECURITY_DESCRIPTOR_REVISION) &&
          ::SetSecurityDescriptorOwner(&descriptor_, me, FALSE) &&
          ::SetSecurityDescriptorDacl(&descriptor_, TRUE, acl, FALSE) &&
          ::SetSecurityDescriptorControl(&descriptor_, SE_DACL_PROTECTED, SE_DACL_PROTECTED);
    attributes_.nLength = sizeof attributes_;
    attributes_.lpSecurityDescriptor = &descriptor_;
    attributes_.bInheritHandle = FALSE;
}

}  // namespace cat::win

namespace cat::platform {

std::vector<std::string> arguments(int argc, char** argv) {
    int count = 0;
    wchar_t** wide_argv = ::CommandLineToArgvW(::GetCommandLineW(), &count);
    if (wide_argv == nullptr) return std::vector<std::string>(argv, argv + argc);
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) out.push_back(win::narrow(wide_argv[i]));
    ::LocalFree(wide_argv);
    return out;
}

Env environment() {
    std::map<std::string, std::string, std::less<>> vars;
    wchar_t* block = ::GetEnvironmentStringsW();
    if (block == nullptr) return Env{};
    for (const wchar_t* p = block; *p != L'\0';) {
        const std::wstring_view entry(p);
        p += entry.size() + 1;
        // "=C:=C:\dir": the per-drive current folders start with '='; not variables.
        const auto eq = entry.find(L'=', 1);
        if (entry.front() == L'=' || eq == std::wstring_view::npos) continue;
        // Names are case-insensitive on Windows: upper-cased, as Python's os.environ (botocore) has them, so
        // that $env:aws_region set in PowerShell is AWS_REGION.
        std::string name = win::narrow(entry.substr(0, eq));
        for (char& c : name)
            if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        vars.emplace(std::move(name), win::narrow(entry.substr(eq + 1)));
    }
    ::FreeEnvironmentStringsW(block);
    return Env(std::move(vars));
}

}  // namespace cat::platform
