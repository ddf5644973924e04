// The file layer on Windows: see core/files.hpp. Paths are UTF-8 inside and UTF-16 at each call; files
// are opened by handle without the C runtime (so no text mode: every byte is written as given); "private"
// (0600/0700 on POSIX) is a protected DACL granting only the current user, and the checks of open_private
// and read_private read the owner and the DACL.
#include <fcntl.h>
#include <io.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>
#include <utility>

#include "core/files.hpp"
#include "core/files_common.hpp"
#include "core/secret.hpp"
#include "core/windows.hpp"

namespace cat::files {
namespace {

using std::chrono::milliseconds;

Error config_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

Error unsafe_error(std::string message) {
    Error e = config_error(std::move(message));
    e.code = std::string(unsafe_path);
    return e;
}

Error os_error(std::string_view what, std::string_view path, DWORD err) {
    return config_error("cannot " + std::string(what) + " " + std::string(path) + ": " + win::message(err));
}

HANDLE handle_of(std::intptr_t native) {
    return reinterpret_cast<HANDLE>(native);
}

bool is_separator(char c) {
    return c == '/' || c == '\\';
}

bool absent(DWORD err) {
    return err == ERROR_FILE_NOT_FOUND || err == ERROR_PATH_NOT_FOUND;
}

// How long the root of `path` is: "C:\" 3, "\\server\share\" up to the share's end, "/" or "\" 1, else 0.
std::size_t root_length(std::string_view path) {
    if (path.size() >= 2 && is_separator(path[0]) && is_separator(path[1])) {
        std::size_t i = 2;
        for (int part = 0; part < 2 && i < path.size(); ++part) {
            while (i < path.size() && !is_separator(path[i])) ++i;
            if (part == 0 && i < path.size()) ++i;
        }
        return std::min(path.size(), i + 1);
    }
    if (path.size() >= 2 && path[1] == ':') return path.size() >= 3 && is_separator(path[2]) ? 3 : 2;
    return !path.empty() && is_separator(path[0]) ? 1 : 0;
}

// Without trailing separators and "\." (not below the root).
std::string strip_trailing_slashes(std::string path) {
    for (;;) {
        const std::size_t root = root_length(path);
        while (path.size() > std::max<std::size_t>(root, 1) && is_separator(path.back())) path.pop_back();
        if (path.size() > root + 1 && path.size() > 2 && path.back() == '.' && is_separator(path[path.size() - 2])) {
            path.resize(path.size() - 2);
            continue;
        }
        return path;
    }
}

std::string join(const std::string& dir, std::string_view name) {
    if (!dir.empty() && is_separator(dir.back())) return dir + std::string(name);
    return dir + "\\" + std::string(name);
}

// (folder, name) of a path: "a\b" -> ("a", "b"), "b" -> (".", "b"), "C:\b" -> ("C:\", "b").
std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.find_last_of("/\\");
    if (slash == std::string::npos) return {".", path};
    const std::size_t root = root_length(path);
    return {slash + 1 <= root ? path.substr(0, root) : path.substr(0, slash), path.substr(slash + 1)};
}

// A name inside a folder: no separator, no drive or stream (':'), not "." or "..".
bool plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find_first_of("/\\:") == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

std::string temp_name(std::string_view name) {
    return detail::temp_name(name, ::GetCurrentProcessId());
}

// Closes a HANDLE when it goes (for handles that are not Files).
struct HandleCloser {
    HANDLE h;
    ~HandleCloser() {
        if (h != INVALID_HANDLE_VALUE && h != nullptr) ::CloseHandle(h);
    }
};

File open_file(const std::string& path, DWORD access, DWORD creation, DWORD flags,
               SECURITY_ATTRIBUTES* security = nullptr) {
    const HANDLE h =
        ::CreateFileW(win::wide(path).c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, security,
                      creation, flags, nullptr);
    return File::adopt(reinterpret_cast<std::intptr_t>(h), path);
}

// "a directory", "a symlink", "a pipe", ... for what is not a regular file; "" for a regular file.
std::string kind_of(HANDLE h) {
    const DWORD type = ::GetFileType(h);
    if (type == FILE_TYPE_PIPE) return "a pipe";
    if (type == FILE_TYPE_CHAR) return "a device";
    if (type != FILE_TYPE_DISK) return "not a regular file";
    BY_HANDLE_FILE_INFORMATION info{};
    if (!::GetFileInformationByHandle(h, &info)) return "not a regular file";
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) return "a symlink";
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0) return "a directory";
    if ((info.dwFileAttributes & FILE_ATTRIBUTE_DEVICE) != 0) return "a device";
    return {};
}

std::uint64_t size_of(HANDLE h) {
    LARGE_INTEGER size{};
    return ::GetFileSizeEx(h, &size) && size.QuadPart > 0 ? static_cast<std::uint64_t>(size.QuadPart) : 0;
}

Result<std::string> read_bounded(HANDLE h, std::string_view name, std::size_t max_bytes, std::size_t size_hint) {
    std::string out(std::min(size_hint, max_bytes) + 1, '\0');
    std::size_t len = 0;
    for (;;) {
        if (len == out.size()) {
            if (len > max_bytes) break;
            std::string bigger(std::min(out.size() * 2, max_bytes + 1), '\0');
            std::memcpy(bigger.data(), out.data(), len);
            wipe(out);
            out.swap(bigger);
        }
        DWORD n = 0;
        const DWORD want = static_cast<DWORD>(std::min<std::size_t>(out.size() - len, 1u << 30));
        if (!::ReadFile(h, out.data() + len, want, &n, nullptr)) {
            const DWORD err = ::GetLastError();
            if (err == ERROR_BROKEN_PIPE || err == ERROR_HANDLE_EOF) break;  // the writer closed its end
            wipe(out);
            return os_error("read", name, err);
        }
        if (n == 0) break;
        len += n;
    }
    if (len > max_bytes) {
        wipe(out);
        return config_error("cannot read " + std::string(name) + ": it is larger than " + std::to_string(max_bytes) +
                            " bytes");
    }
    out.resize(len);
    return out;
}

Status write_handle(HANDLE h, std::string_view bytes, std::string_view name) {
    while (!bytes.empty()) {
        DWORD n = 0;
        const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(bytes.size(), 1u << 30));
        if (!::WriteFile(h, bytes.data(), chunk, &n, nullptr)) return os_error("write", name, ::GetLastError());
        if (n == 0) return os_error("write", name, ERROR_WRITE_FAULT);
        bytes.remove_prefix(n);
    }
    return Ok{};
}

// The owner and DACL of an open file or folder.
struct Security {
    PSECURITY_DESCRIPTOR descriptor = nullptr;
    PSID owner = nullptr;
    PACL dacl = nullptr;
    DWORD error = ERROR_SUCCESS;
    explicit Security(HANDLE h) {
        error = ::GetSecurityInfo(h, SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION, &owner,
                                  nullptr, &dacl, nullptr, &descriptor);
    }
    explicit Security(const std::string& path) {
        std::wstring w = win::wide(path);
        error =
            ::GetNamedSecurityInfoW(w.data(), SE_FILE_OBJECT, OWNER_SECURITY_INFORMATION | DACL_SECURITY_INFORMATION,
                                    &owner, nullptr, &dacl, nullptr, &descriptor);
    }
    Security(const Security&) = delete;
    Security& operator=(const Security&) = delete;
    ~Security() {
        if (descriptor != nullptr) ::LocalFree(descriptor);
    }
    bool ours() const {
        if (error != ERROR_SUCCESS || owner == nullptr) return false;
        const PSID me = win::user_sid();
        if (me != nullptr && ::EqualSid(owner, me)) return true;
        // Files an administrator makes are owned by the Administrators group: ours when we are one of them.
        BOOL member = FALSE;
        return ::IsWellKnownSid(owner, WinBuiltinAdministratorsSid) &&
               ::CheckTokenMembership(nullptr, owner, &member) && member;
    }
    std::string owner_name() const { return owner == nullptr ? "nobody" : win::sid_name(owner); }
    // Who else the DACL allows any of `rights`: "" when nobody, else their names ("Everyone, BUILTIN\Users").
    std::string others_with(ACCESS_MASK rights) const {
        if (dacl == nullptr) return "Everyone (no access list)";
        std::string who;
        for (DWORD i = 0; i < dacl->AceCount; ++i) {
            void* raw = nullptr;
            if (!::GetAce(dacl, i, &raw)) continue;
            const auto* header = static_cast<const ACE_HEADER*>(raw);
            if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE) != 0) continue;
            const auto* ace = static_cast<const ACCESS_ALLOWED_ACE*>(raw);
            const PSID sid = const_cast<DWORD*>(&ace->SidStart);
            if ((ace->Mask & rights) == 0 || win::trusted_sid(sid)) continue;
            if (!who.empty()) who += ", ";
            who += win::sid_name(sid);
        }
        return who;
    }
};

constexpr ACCESS_MASK write_rights = FILE_WRITE_DATA | FILE_APPEND_DATA | FILE_DELETE_CHILD | DELETE | WRITE_DAC |
                                     WRITE_OWNER | GENERIC_WRITE | GENERIC_ALL;
constexpr ACCESS_MASK any_rights = write_rights | FILE_READ_DATA | GENERIC_READ | GENERIC_EXECUTE | FILE_EXECUTE;

// The folder checks of open_private on an open folder; "" when it passes, else what is wrong.
std::string unsafe_dir_reason(HANDLE h) {
    const std::string kind = kind_of(h);
    if (kind == "a symlink") return "is a symlink or junction (give the real path)";
    if (kind != "a directory") return "is not a directory";
    const Security sec(h);
    if (sec.error != ERROR_SUCCESS) return "cannot be inspected: " + win::message(sec.error);
    if (!sec.ours())
        return "is owned by " + sec.owner_name() + ", not by the current user (" + win::sid_name(win::user_sid()) + ")";
    if (auto who = sec.others_with(write_rights); !who.empty())
        return "is writable by others (" + who + "; give only your user access to it)";
    return {};
}

// mkdir -p; the folders it creates grant only the current user. `label` names the folder in messages.
Status make_dirs(const std::string& dir, std::string_view label) {
    win::PrivateSecurity security;
    for (std::size_t pos = root_length(dir) + 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && !is_separator(dir[pos])) continue;
        if (is_separator(dir[pos - 1])) continue;  // "a\\b"
        const std::string prefix = dir.substr(0, pos);
        const std::wstring w = win::wide(prefix);
        if (::CreateDirectoryW(w.c_str(), security.attributes())) continue;
        const DWORD err = ::GetLastError();
        const DWORD attrs = ::GetFileAttributesW(w.c_str());
        if (attrs != INVALID_FILE_ATTRIBUTES) {
            // Something in the way of a folder below it; the last one is the caller's to check.
            if (pos != dir.size() && (attrs & FILE_ATTRIBUTE_DIRECTORY) == 0)
                return config_error("cannot create " + std::string(label) + " " + dir + ": " + prefix +
                                    " is in the way (it is not a folder)");
            continue;
        }
        return os_error("create " + std::string(label), prefix, err);
    }
    return Ok{};
}

// A folder's handle that keeps it where it is: without FILE_SHARE_DELETE nobody can rename or remove it
// while we hold it. The handle of the link itself when `path` is a symlink or junction.
File open_dir(const std::string& path) {
    const HANDLE h =
        ::CreateFileW(win::wide(path).c_str(), FILE_LIST_DIRECTORY | READ_CONTROL, FILE_SHARE_READ | FILE_SHARE_WRITE,
                      nullptr, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
    return File::adopt(reinterpret_cast<std::intptr_t>(h), path);
}

std::chrono::system_clock::time_point to_time_point(FILETIME t) {
    // 100 ns ticks since 1601-01-01; the Unix epoch is 11644473600 s later.
    const std::uint64_t ticks = (std::uint64_t{t.dwHighDateTime} << 32) | t.dwLowDateTime;
    const auto since_unix = std::chrono::microseconds{static_cast<std::int64_t>(ticks / 10) - 11644473600LL * 1000000};
    return std::chrono::system_clock::time_point{
        std::chrono::duration_cast<std::chrono::system_clock::duration>(since_unix)};
}

// Calls `each(name, data)` for every entry of `dir` but "." and "..".
template <typename F>
void list_dir(const std::string& dir, F each) {
    WIN32_FIND_DATAW data{};
    const HANDLE find = ::FindFirstFileExW(win::wide(join(dir, "*")).c_str(), FindExInfoBasic, &data,
                                           FindExSearchNameMatch, nullptr, 0);
    if (find == INVALID_HANDLE_VALUE) return;
    do {
        const std::string name = win::narrow(data.cFileName);
        if (name != "." && name != "..") each(name, data);
    } while (::FindNextFileW(find, &data));
    ::FindClose(find);
}

bool regular_entry(const WIN32_FIND_DATAW& data) {
    return (data.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) == 0;
}

// MoveFileExW over a file another process is reading or replacing at the same moment fails with "access
// denied" or a sharing violation for a moment: tried again a few times.
bool move_replacing(const std::wstring& from, const std::wstring& to, DWORD& err) {
    for (int attempt = 0;; ++attempt) {
        if (::MoveFileExW(from.c_str(), to.c_str(), MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) return true;
        err = ::GetLastError();
        if ((err != ERROR_ACCESS_DENIED && err != ERROR_SHARING_VIOLATION) || attempt == 20) return false;
        std::this_thread::sleep_for(milliseconds{1 + attempt * 5});
    }
}

}  // namespace

// The private parts the classes share with this file.
struct Native {
    static HANDLE handle(const File& f) { return handle_of(f.handle_); }
    static HANDLE handle(const Directory& d) { return handle(d.handle_); }
    static Directory make_directory(std::string path, File handle) {
        Directory d;
        d.path_ = std::move(path);
        d.handle_ = std::move(handle);
        return d;
    }
    static Lock make_lock(File file, bool held, milliseconds waited) {
        Lock l;
        l.file_ = std::move(file);
        l.held_ = held;
        l.waited_ = waited;
        return l;
    }
    static Status write_private(const std::string& dir, std::string_view name, std::string_view bytes,
                                Directory::Existing existing);
};

// ---- File -------------------------------------------------------------------------------------------

File::File(File&& other) noexcept : handle_(std::exchange(other.handle_, -1)), name_(std::move(other.name_)) {}

File& File::operator=(File&& other) noexcept {
    if (this != &other) {
        if (handle_ != -1) ::CloseHandle(handle_of(handle_));
        handle_ = std::exchange(other.handle_, -1);
        name_ = std::move(other.name_);
    }
    return *this;
}

File::~File() {
    if (handle_ != -1) ::CloseHandle(handle_of(handle_));
}

File File::adopt(std::intptr_t native, std::string name) {
    File f;
    f.handle_ = native == 0 ? -1 : native;  // INVALID_HANDLE_VALUE is -1; a null handle is no file either
    f.name_ = std::move(name);
    return f;
}

bool File::is_open() const noexcept {
    return handle_ != -1;
}

Status File::close() {
    const std::intptr_t h = std::exchange(handle_, -1);
    if (h == -1) return Ok{};
    if (!::CloseHandle(handle_of(h))) return os_error("write", name_, ::GetLastError());
    return Ok{};
}

Status write_all(File& file, std::string_view bytes) {
    if (!file.is_open()) return config_error("cannot write " + file.name() + ": it is not open");
    return write_handle(Native::handle(file), bytes, file.name());
}

// ---- reading ----------------------------------------------------------------------------------------

namespace {

Result<std::optional<std::string>> read_path(const std::string& path, std::size_t max_bytes, bool absent_ok) {
    if (path.empty()) return config_error("cannot read a file with an empty name");
    // FILE_FLAG_BACKUP_SEMANTICS opens a folder too, so that it is named as such below.
    File file = open_file(path, GENERIC_READ, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
    if (!file.is_open()) {
        const DWORD err = ::GetLastError();
        if (absent_ok && absent(err)) return std::optional<std::string>{};
        return os_error("read", path, err);
    }
    const HANDLE h = Native::handle(file);
    if (auto kind = kind_of(h); !kind.empty()) return config_error("cannot read " + path + ": it is " + kind);
    auto content =
        read_bounded(h, path, max_bytes, static_cast<std::size_t>(std::min<std::uint64_t>(size_of(h), max_bytes)));
    if (!content) return std::move(content).error();
    return std::optional<std::string>(std::move(*content));
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
    auto r = read_path(path, max_bytes, false);
    if (!r) return std::move(r).error();
    return std::move(**r);
}

Result<std::optional<std::string>> read_file_if_exists(const std::string& path, std::size_t max_bytes) {
    return read_path(path, max_bytes, true);
}

bool is_null_device(const std::string& path) noexcept {
    std::string_view name = path;
    if (name.size() > 4 && (name.starts_with("\\\\.\\") || name.starts_with("//./"))) name.remove_prefix(4);
    if (name.ends_with(':')) name.remove_suffix(1);
    return name.size() == 3 && (name[0] | 0x20) == 'n' && (name[1] | 0x20) == 'u' && (name[2] | 0x20) == 'l';
}

// ---- standard streams -------------------------------------------------------------------------------

namespace {

DWORD std_id(Stream s) {
    switch (s) {
        case Stream::in: return STD_INPUT_HANDLE;
        case Stream::out: return STD_OUTPUT_HANDLE;
        case Stream::err: return STD_ERROR_HANDLE;
    }
    return STD_ERROR_HANDLE;
}

using detail::std_name;

bool is_console(HANDLE h) {
    DWORD mode = 0;
    return h != nullptr && h != INVALID_HANDLE_VALUE && ::GetConsoleMode(h, &mode);
}

// The terminals of Git Bash and Cygwin (mintty) are pipes named "\msys-<id>-pty<n>-..." or
// "\cygwin-<id>-pty<n>-...": terminals to the user, though not consoles.
bool is_mintty_pipe(HANDLE h) {
    if (::GetFileType(h) != FILE_TYPE_PIPE) return false;
    constexpr DWORD size = sizeof(FILE_NAME_INFO) + MAX_PATH * sizeof(wchar_t);
    alignas(FILE_NAME_INFO) unsigned char buffer[size];
    if (!::GetFileInformationByHandleEx(h, FileNameInfo, buffer, size)) return false;
    const auto* info = reinterpret_cast<const FILE_NAME_INFO*>(buffer);
    const std::string name = win::narrow(std::wstring_view(info->FileName, info->FileNameLength / sizeof(wchar_t)));
    return (name.find("msys-") != std::string::npos || name.find("cygwin-") != std::string::npos) &&
           name.find("-pty") != std::string::npos;
}

}  // namespace

Status write_all(Stream stream, std::string_view bytes) {
    const HANDLE h = ::GetStdHandle(std_id(stream));
    if (h == nullptr || h == INVALID_HANDLE_VALUE) return os_error("write", std_name(stream), ERROR_INVALID_HANDLE);
    if (is_console(h)) {
        // A console shows UTF-16; bytes written to it would be read in its code page.
        const std::wstring text = win::wide(bytes);
        for (std::size_t done = 0; done < text.size();) {
            DWORD n = 0;
            const DWORD chunk = static_cast<DWORD>(std::min<std::size_t>(text.size() - done, 8192));
            if (!::WriteConsoleW(h, text.data() + done, chunk, &n, nullptr) || n == 0)
                return os_error("write", std_name(stream), ::GetLastError());
            done += n;
        }
        return Ok{};
    }
    return write_handle(h, bytes, std_name(stream));
}

bool is_terminal(Stream stream) noexcept {
    const HANDLE h = ::GetStdHandle(std_id(stream));
    if (h == nullptr || h == INVALID_HANDLE_VALUE) return false;
    return is_console(h) || is_mintty_pipe(h);
}

bool wait_readable(Stream stream, std::chrono::milliseconds wait) noexcept {
    const HANDLE h = ::GetStdHandle(std_id(stream));
    if (h == nullptr || h == INVALID_HANDLE_VALUE) return true;     // nothing: reads end at once
    if (::GetFileType(h) != FILE_TYPE_PIPE) return !is_console(h);  // a file or NUL is ready; a console is not
    // A pipe: ready when it holds data or its writer is gone (the read would see the end).
    const auto until = std::chrono::steady_clock::now() + wait;
    for (;;) {
        DWORD available = 0;
        if (!::PeekNamedPipe(h, nullptr, 0, nullptr, &available, nullptr) || available > 0) return true;
        if (std::chrono::steady_clock::now() >= until) return false;
        ::Sleep(10);
    }
}

Result<std::optional<std::string>> ask_terminal(std::string_view prompt) {
    const HANDLE in = ::CreateFileW(L"CONIN$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                    nullptr, OPEN_EXISTING, 0, nullptr);
    const HandleCloser close_in{in};
    const HANDLE out = ::CreateFileW(L"CONOUT$", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                                     nullptr, OPEN_EXISTING, 0, nullptr);
    const HandleCloser close_out{out};
    if (in == INVALID_HANDLE_VALUE || out == INVALID_HANDLE_VALUE) return std::optional<std::string>();
    // As getpass: no echo while the line is typed, then the console as it was and the newline (on an
    // error too).
    struct Quiet {
        HANDLE in, out;
        DWORD saved = 0;
        bool changed = false;
        Quiet(HANDLE i, HANDLE o) : in(i), out(o) {
            if (::GetConsoleMode(in, &saved))
                changed = ::SetConsoleMode(in, saved & ~static_cast<DWORD>(ENABLE_ECHO_INPUT)) != 0;
        }
        Quiet(const Quiet&) = delete;
        Quiet& operator=(const Quiet&) = delete;
        ~Quiet() {
            if (!changed) return;
            ::SetConsoleMode(in, saved);
            DWORD written = 0;
            ::WriteConsoleW(out, L"\r\n", 2, &written, nullptr);
        }
    } quiet(in, out);
    const std::wstring text = win::wide(prompt);
    DWORD n = 0;
    if (!::WriteConsoleW(out, text.data(), static_cast<DWORD>(text.size()), &n, nullptr))
        return os_error("write", "CONOUT$", ::GetLastError());
    std::wstring line;
    for (;;) {
        wchar_t c = 0;
        DWORD got = 0;
        if (!::ReadConsoleW(in, &c, 1, &got, nullptr) || got == 0)
            return Error::make(ErrorKind::credentials, "the console closed before a line was entered");
        if (c == L'\n') break;
        if (line.size() < 256 && c != L'\r') line += c;
    }
    return std::optional<std::string>(win::narrow(line));
}

void reserve_standard_streams() noexcept {
    for (const Stream s : {Stream::in, Stream::out, Stream::err}) {
        const HANDLE h = ::GetStdHandle(std_id(s));
        if (h != nullptr && h != INVALID_HANDLE_VALUE) continue;
        // Inheritable, as a standard stream is: our children get it too.
        SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
        const HANDLE nul = ::CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &inherit,
                                         OPEN_EXISTING, 0, nullptr);
        if (nul != INVALID_HANDLE_VALUE) ::SetStdHandle(std_id(s), nul);
    }
    // We write through handles, never the C runtime's streams; should anything use those, it writes bytes
    // as given, not "\r\n" for "\n".
    (void)::_setmode(_fileno(stdin), _O_BINARY);
    (void)::_setmode(_fileno(stdout), _O_BINARY);
    (void)::_setmode(_fileno(stderr), _O_BINARY);
}

Result<std::string> read_stdin(std::size_t max_bytes) {
    const HANDLE h = ::GetStdHandle(STD_INPUT_HANDLE);
    if (h == nullptr || h == INVALID_HANDLE_VALUE) return std::string();
    return read_bounded(h, std_name(Stream::in), max_bytes, 4 * 1024);
}

// ---- writing ----------------------------------------------------------------------------------------

Status append_file(const std::string& path, std::string_view text) {
    win::PrivateSecurity security;
    // FILE_APPEND_DATA without FILE_WRITE_DATA: every write goes to the end, as O_APPEND.
    File file =
        open_file(path, FILE_APPEND_DATA | SYNCHRONIZE, OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, security.attributes());
    if (!file.is_open()) return os_error("open", path, ::GetLastError());
    if (auto s = write_all(file, text); !s) return s;
    return file.close();
}

Status make_directories(const std::string& dir) {
    const std::string path = strip_trailing_slashes(dir);
    if (auto s = make_dirs(path, "directory"); !s) return s;
    const DWORD attrs = path.empty() ? INVALID_FILE_ATTRIBUTES : ::GetFileAttributesW(win::wide(path).c_str());
    if (attrs != INVALID_FILE_ATTRIBUTES && (attrs & FILE_ATTRIBUTE_DIRECTORY) == 0)
        return config_error("cannot create directory " + path + ": it is in the way (it is not a folder)");
    return Ok{};
}

Status Native::write_private(const std::string& dir, std::string_view name, std::string_view bytes,
                             Directory::Existing existing) {
    const std::string shown = join(dir, name);
    if (!plain_name(name)) return config_error("cannot write " + shown + ": not a plain file name");
    const std::wstring target = win::wide(shown);
    if (const DWORD attrs = ::GetFileAttributesW(target.c_str()); attrs != INVALID_FILE_ATTRIBUTES) {
        const bool link = (attrs & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
        const bool folder = (attrs & FILE_ATTRIBUTE_DIRECTORY) != 0;
        const bool replaceable = (!link && !folder) || (existing == Directory::Existing::any_file && !folder);
        if (!replaceable)
            return config_error("refusing to replace " + shown + ": it is " + (link ? "a symlink" : "a directory"));
    } else if (const DWORD err = ::GetLastError(); !absent(err)) {
        return os_error("inspect", shown, err);
    }

    win::PrivateSecurity security;
    std::string tmp;
    File file;
    DWORD err = ERROR_SUCCESS;
    for (int attempt = 0; attempt < 8 && !file.is_open(); ++attempt) {
        tmp = join(dir, temp_name(name));
        const HANDLE h = ::CreateFileW(win::wide(tmp).c_str(), GENERIC_WRITE, 0, security.attributes(), CREATE_NEW,
                                       FILE_ATTRIBUTE_NORMAL, nullptr);
        file = File::adopt(reinterpret_cast<std::intptr_t>(h), tmp);
        err = ::GetLastError();
        if (!file.is_open() && err != ERROR_FILE_EXISTS) break;
    }
    if (!file.is_open()) return os_error("create a temporary file in", dir, err);
    const std::wstring wide_tmp = win::wide(tmp);
    auto fail = [&](Error e) -> Status {
        (void)file.close();
        ::DeleteFileW(wide_tmp.c_str());
        return e;
    };
    if (auto s = write_handle(Native::handle(file), bytes, shown); !s) return fail(std::move(s).error());
    if (!::FlushFileBuffers(Native::handle(file))) return fail(os_error("flush", shown, ::GetLastError()));
    if (auto s = file.close(); !s) return fail(std::move(s).error());
    if (!move_replacing(wide_tmp, target, err)) return fail(os_error("replace", shown, err));
    return Ok{};
}

Status write_private_atomic(const std::string& path, std::string_view bytes) {
    const auto [dir, name] = split_path(strip_trailing_slashes(path));
    const DWORD attrs = ::GetFileAttributesW(win::wide(dir).c_str());
    if (attrs == INVALID_FILE_ATTRIBUTES) return os_error("write in", dir, ::GetLastError());
    if ((attrs & FILE_ATTRIBUTE_DIRECTORY) == 0) return os_error("write in", dir, ERROR_DIRECTORY);
    return Native::write_private(dir, name, bytes, Directory::Existing::regular_only);
}

Status replace_user_file(const std::string& path, std::string_view bytes) {
    const auto [dir, name] = split_path(strip_trailing_slashes(path));
    if (!plain_name(name)) return config_error("cannot write " + path + ": not a plain file name");
    // The existing file, not followed if it is a link: it must be a regular file, writable, ours.
    File existing = open_file(path, READ_CONTROL | FILE_READ_ATTRIBUTES, OPEN_EXISTING,
                              FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
    if (existing.is_open()) {
        const HANDLE h = Native::handle(existing);
        if (auto kind = kind_of(h); !kind.empty())
            return config_error("refusing to replace " + path + ": it is " + kind);
        BY_HANDLE_FILE_INFORMATION info{};
        if (::GetFileInformationByHandle(h, &info) && (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0)
            return config_error(
                "refusing to replace " + path +
                ": it is read-only; make it writable (attrib -r) or write another file (--config-file)");
        const Security sec(h);
        if (sec.error == ERROR_SUCCESS && !sec.ours())
            return config_error("refusing to replace " + path + ": it is owned by " + sec.owner_name() +
                                ", not by the current user; run as its owner or write another file (--config-file)");
    } else if (const DWORD err = ::GetLastError(); !absent(err)) {
        return os_error("inspect", path, err);
    }
    (void)existing.close();  // not open while it is replaced (wine refuses that, whatever the sharing)
    // The new file grants only the current user, as it holds a secret (a wider mode becomes 0600 on POSIX).
    return Native::write_private(dir, name, bytes, Directory::Existing::regular_only);
}

Status remove_user_file(const std::string& path) {
    const std::string name = split_path(strip_trailing_slashes(path)).second;
    if (!plain_name(name)) return config_error("cannot remove " + path + ": not a plain file name");
    // The file itself, not followed if it is a link, opened for deletion: the checks and the deletion are
    // of the same file.
    File existing = open_file(path, DELETE | READ_CONTROL | FILE_READ_ATTRIBUTES, OPEN_EXISTING,
                              FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
    if (!existing.is_open()) {
        const DWORD err = ::GetLastError();
        return absent(err) ? Status(Ok{}) : os_error("remove", path, err);
    }
    const HANDLE h = Native::handle(existing);
    if (auto kind = kind_of(h); !kind.empty()) return config_error("refusing to remove " + path + ": it is " + kind);
    BY_HANDLE_FILE_INFORMATION info{};
    if (::GetFileInformationByHandle(h, &info) && (info.dwFileAttributes & FILE_ATTRIBUTE_READONLY) != 0)
        return config_error("refusing to remove " + path +
                            ": it is read-only; make it writable (attrib -r) or delete it yourself");
    const Security sec(h);
    if (sec.error == ERROR_SUCCESS && !sec.ours())
        return config_error("refusing to remove " + path + ": it is owned by " + sec.owner_name() +
                            ", not by the current user; run as its owner or delete it yourself");
    FILE_DISPOSITION_INFO disposition{};
    disposition.DeleteFile = TRUE;
    if (!::SetFileInformationByHandle(h, FileDispositionInfo, &disposition, sizeof disposition))
        return os_error("remove", path, ::GetLastError());
    return existing.close();
}

// ---- Directory --------------------------------------------------------------------------------------

Result<Directory> Directory::open_private(std::string path, std::string_view label) {
    path = strip_trailing_slashes(std::move(path));
    const std::string what(label);
    if (path.empty()) return config_error("the " + what + " is an empty path");
    if (auto s = make_dirs(path, what); !s) return s.error();
    File handle = open_dir(path);
    if (!handle.is_open()) return os_error("open " + what, path, ::GetLastError());
    if (auto why = unsafe_dir_reason(Native::handle(handle)); !why.empty())
        return unsafe_error("refusing " + what + " " + path + ": it " + why);
    return Native::make_directory(std::move(path), std::move(handle));
}

std::string Directory::path_of(std::string_view name) const {
    return join(path_, name);
}

Result<std::optional<std::string>> Directory::read_private(std::string_view name, std::size_t max_bytes) const {
    const std::string shown = path_of(name);
    if (!plain_name(name)) return config_error("cannot read " + shown + ": not a plain file name");
    File file = open_file(shown, GENERIC_READ | READ_CONTROL, OPEN_EXISTING,
                          FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT);
    if (!file.is_open()) {
        const DWORD err = ::GetLastError();
        if (absent(err)) return std::optional<std::string>{};
        return os_error("open", shown, err);
    }
    const HANDLE h = Native::handle(file);
    if (auto kind = kind_of(h); !kind.empty()) return config_error("refusing " + shown + ": it is " + kind);
    const Security sec(h);
    if (sec.error != ERROR_SUCCESS) return os_error("inspect", shown, sec.error);
    if (!sec.ours()) return config_error("refusing " + shown + ": it is owned by " + sec.owner_name());
    if (auto who = sec.others_with(any_rights); !who.empty())
        return config_error("refusing " + shown + ": it is open to others (" + who + ")");
    const std::uint64_t size = size_of(h);
    if (size > max_bytes)
        return config_error("refusing " + shown + ": it is larger than " + std::to_string(max_bytes) + " bytes");
    auto content = read_bounded(h, shown, max_bytes, static_cast<std::size_t>(size));
    if (!content) return std::move(content).error();
    return std::optional<std::string>(std::move(*content));
}

Status Directory::write_private(std::string_view name, std::string_view bytes, Existing existing) const {
    return Native::write_private(path_, name, bytes, existing);
}

std::size_t Directory::remove_files_if(
    const std::function<bool(std::string_view, std::chrono::system_clock::time_point)>& remove) const {
    std::size_t removed = 0;
    list_dir(path_, [&](const std::string& name, const WIN32_FIND_DATAW& data) {
        if (!regular_entry(data) || !remove(name, to_time_point(data.ftLastWriteTime))) return;
        if (::DeleteFileW(win::wide(path_of(name)).c_str())) ++removed;
    });
    return removed;
}

std::size_t remove_stale_temporaries(const std::string& path, std::chrono::seconds max_age) {
    const auto [folder, name] = split_path(path);
    if (!plain_name(name)) return 0;
    const auto cutoff = std::chrono::system_clock::now() - max_age;
    std::size_t removed = 0;
    list_dir(folder, [&](const std::string& entry, const WIN32_FIND_DATAW& data) {
        if (!detail::is_temp_name_of(entry, name) || !regular_entry(data)) return;
        if (to_time_point(data.ftLastWriteTime) >= cutoff) return;
        const std::string full = join(folder, entry);
        if (!Security(full).ours()) return;
        if (::DeleteFileW(win::wide(full).c_str())) ++removed;
    });
    return removed;
}

Result<Lock> Directory::lock(std::string_view name, milliseconds timeout, const std::function<void()>& on_wait) const {
    const std::string shown = path_of(name);
    if (!plain_name(name)) return config_error("cannot lock " + shown + ": not a plain file name");
    win::PrivateSecurity security;
    File file = open_file(shown, GENERIC_READ | GENERIC_WRITE | READ_CONTROL, OPEN_ALWAYS,
                          FILE_ATTRIBUTE_NORMAL | FILE_FLAG_OPEN_REPARSE_POINT, security.attributes());
    if (!file.is_open()) return os_error("open the lock file", shown, ::GetLastError());
    const HANDLE h = Native::handle(file);
    if (!kind_of(h).empty() || !Security(h).ours())
        return config_error("refusing lock file " + shown + ": it is not a regular file of ours");

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    const auto since_start = [&] {
        return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    };
    milliseconds delay{2};
    bool waiting = false;
    for (;;) {
        OVERLAPPED at{};  // the first byte: a lock of the whole file as flock takes, released when it closes
        if (::LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &at))
            return Native::make_lock(std::move(file), true, since_start());
        const DWORD err = ::GetLastError();
        if (err != ERROR_LOCK_VIOLATION && err != ERROR_IO_PENDING) return os_error("lock", shown, err);
        if (!waiting) {
            waiting = true;
            if (on_wait) on_wait();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return Native::make_lock(File{}, false, since_start());
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(delay, deadline - now));
        delay = std::min(delay * 2, milliseconds{50});
    }
}

}  // namespace cat::files
