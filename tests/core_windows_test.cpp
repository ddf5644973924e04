// The Windows file and process layers (core/files_windows.cpp, core/process_windows.cpp): private files
// and folders as ACLs, atomic replacement, locks, UTF-8 paths, standard streams; programs run without
// cmd.exe, their arguments quoted so that the child's C runtime gets them back exactly, timeouts that
// kill what the program started. Runs under wine in the windows-x64 build (CTest's emulator).
#define BOOST_TEST_MODULE core_windows
#include <boost/test/unit_test.hpp>

#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
// After windows.h.
#include <aclapi.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/files.hpp"
#include "core/platform.hpp"
#include "core/process.hpp"
#include "core/utf.hpp"

namespace files = cat::files;
namespace process = cat::process;
using namespace std::chrono_literals;

namespace {

std::wstring wide(const std::string& s) {
    const std::u16string u = cat::utf::to_utf16(s);
    return std::wstring(u.begin(), u.end());
}

struct TempDir {
    std::string path;
    TempDir() {
        static int counter = 0;
        const auto base = std::filesystem::temp_directory_path();
        path = (base / ("cat-win-test-" + std::to_string(::GetCurrentProcessId()) + "-" + std::to_string(counter++)))
                   .string();
        std::filesystem::create_directories(path);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string operator/(const std::string& name) const { return path + "\\" + name; }
};

PSID current_user() {
    static std::vector<unsigned char> sid = [] {
        HANDLE token = nullptr;
        ::OpenProcessToken(::GetCurrentProcess(), TOKEN_QUERY, &token);
        DWORD size = 0;
        ::GetTokenInformation(token, TokenUser, nullptr, 0, &size);
        std::vector<unsigned char> info(size);
        ::GetTokenInformation(token, TokenUser, info.data(), size, &size);
        ::CloseHandle(token);
        const PSID s = reinterpret_cast<TOKEN_USER*>(info.data())->User.Sid;
        std::vector<unsigned char> out(::GetLengthSid(s));
        ::CopySid(static_cast<DWORD>(out.size()), out.data(), s);
        return out;
    }();
    return sid.data();
}

// The SIDs the DACL of `path` grants anything to (allow entries that apply to the object itself).
std::vector<std::string> granted(const std::string& path, bool* is_protected = nullptr) {
    PACL dacl = nullptr;
    PSECURITY_DESCRIPTOR sd = nullptr;
    std::wstring w = wide(path);
    BOOST_REQUIRE(::GetNamedSecurityInfoW(w.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr, &dacl,
                                          nullptr, &sd) == ERROR_SUCCESS);
    std::vector<std::string> who;
    for (DWORD i = 0; dacl != nullptr && i < dacl->AceCount; ++i) {
        void* raw = nullptr;
        ::GetAce(dacl, i, &raw);
        const auto* header = static_cast<ACE_HEADER*>(raw);
        if (header->AceType != ACCESS_ALLOWED_ACE_TYPE || (header->AceFlags & INHERIT_ONLY_ACE) != 0) continue;
        const PSID sid = &static_cast<ACCESS_ALLOWED_ACE*>(raw)->SidStart;
        // As the file layer counts them: SYSTEM and Administrators may have anything (wine lists them
        // when it makes an access list from a file's Unix mode).
        if (::IsWellKnownSid(sid, WinLocalSystemSid) || ::IsWellKnownSid(sid, WinBuiltinAdministratorsSid)) continue;
        who.push_back(::EqualSid(sid, current_user()) ? "me" : "other");
    }
    if (is_protected != nullptr) {
        SECURITY_DESCRIPTOR_CONTROL control = 0;
        DWORD revision = 0;
        ::GetSecurityDescriptorControl(sd, &control, &revision);
        *is_protected = (control & SE_DACL_PROTECTED) != 0;
    }
    ::LocalFree(sd);
    return who;
}

// Adds an entry granting Everyone `rights` to the DACL of `path`.
void grant_everyone(const std::string& path, DWORD rights) {
    PACL old_dacl = nullptr;
    PSECURITY_DESCRIPTOR sd = nullptr;
    std::wstring w = wide(path);
    BOOST_REQUIRE(::GetNamedSecurityInfoW(w.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                          &old_dacl, nullptr, &sd) == ERROR_SUCCESS);
    EXPLICIT_ACCESS_W ea{};
    ea.grfAccessPermissions = rights;
    ea.grfAccessMode = GRANT_ACCESS;
    ea.grfInheritance = NO_INHERITANCE;
    ea.Trustee.TrusteeForm = TRUSTEE_IS_NAME;
    ea.Trustee.ptstrName = const_cast<wchar_t*>(L"EVERYONE");
    PACL new_dacl = nullptr;
    BOOST_REQUIRE(::SetEntriesInAclW(1, &ea, old_dacl, &new_dacl) == ERROR_SUCCESS);
    BOOST_REQUIRE(::SetNamedSecurityInfoW(w.data(), SE_FILE_OBJECT, DACL_SECURITY_INFORMATION, nullptr, nullptr,
                                          new_dacl, nullptr) == ERROR_SUCCESS);
    ::LocalFree(new_dacl);
    ::LocalFree(sd);
}

const std::string child = CAT_WIN_CHILD;

// The arguments the child's C runtime saw, each ended by '\0'.
std::vector<std::string> split_nul(const std::string& out) {
    std::vector<std::string> args;
    std::string cur;
    for (char c : out) {
        if (c == '\0') {
            args.push_back(cur);
            cur.clear();
        } else {
            cur += c;
        }
    }
    return args;
}

}  // namespace

// ---- files ------------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(private_file_grants_only_the_current_user) {
    TempDir dir;
    const std::string path = dir / "secret.json";
    BOOST_REQUIRE(files::write_private_atomic(path, "token"));
    const auto who = granted(path);
    BOOST_TEST(who == std::vector<std::string>{"me"},
               "granted to " << who.size() << ": " << (who.empty() ? "" : who[0]));
    BOOST_TEST(*files::read_file(path) == "token");
    // Replaced atomically, still private.
    BOOST_REQUIRE(files::write_private_atomic(path, "second"));
    BOOST_TEST(*files::read_file(path) == "second");
    BOOST_TEST(granted(path) == std::vector<std::string>{"me"});
}

BOOST_AUTO_TEST_CASE(utf8_paths_reach_the_file_system_as_utf16) {
    TempDir dir;
    const std::string name = "caf\xC3\xA9-\xE2\x82\xAC-\xF0\x9F\x98\x80.txt";  // café-€-😀.txt
    BOOST_REQUIRE(files::write_private_atomic(dir / name, "x"));
    BOOST_TEST(std::filesystem::exists(std::filesystem::path(wide(dir / name))));
    BOOST_TEST(*files::read_file(dir / name) == "x");
}

BOOST_AUTO_TEST_CASE(reads_refuse_what_is_not_a_file_and_absent_is_nullopt) {
    TempDir dir;
    auto absent = files::read_file_if_exists(dir / "none");
    BOOST_REQUIRE(absent);
    BOOST_TEST(!absent->has_value());
    BOOST_TEST(!files::read_file_if_exists(dir / "none\\deeper")->has_value());
    auto folder = files::read_file(dir.path);
    BOOST_REQUIRE(!folder);
    BOOST_TEST(folder.error().message.find("it is a directory") != std::string::npos, folder.error().message);
    BOOST_REQUIRE(files::write_private_atomic(dir / "big", std::string(2000, 'x')));
    BOOST_TEST(!files::read_file(dir / "big", 1000));
}

BOOST_AUTO_TEST_CASE(the_null_device_is_known_by_its_names) {
    TempDir dir;
    for (const char* name : {"NUL", "nul", "NUL:", "\\\\.\\NUL", "//./nul"})
        BOOST_TEST(files::is_null_device(name), name);
    for (const char* name : {"", "NULL", "nul.txt", "CON"}) BOOST_TEST(!files::is_null_device(name), name);
    BOOST_TEST(!files::is_null_device(dir.path));
}

BOOST_AUTO_TEST_CASE(append_and_make_directories) {
    TempDir dir;
    BOOST_REQUIRE(files::append_file(dir / "out", "a=1\n"));
    BOOST_REQUIRE(files::append_file(dir / "out", "b=2\r\n"));
    BOOST_TEST(*files::read_file(dir / "out") == "a=1\nb=2\r\n");  // bytes as given, no text mode
    BOOST_REQUIRE(files::make_directories(dir / "x\\y/z"));
    BOOST_TEST(std::filesystem::is_directory(dir / "x\\y\\z"));
    BOOST_TEST(!files::make_directories(dir / "out\\below"));
}

BOOST_AUTO_TEST_CASE(private_directory_is_made_private_and_refused_when_others_may_write) {
    TempDir dir;
    const std::string cache = dir / "cache\\codeartifact-token";
    auto d = files::Directory::open_private(cache, "cache directory");
    BOOST_REQUIRE_MESSAGE(d.ok(), (d ? std::string() : d.error().message));
    BOOST_TEST(granted(cache) == std::vector<std::string>{"me"});
    BOOST_REQUIRE(d->write_private("entry.json", "{}"));
    BOOST_TEST(d->read_private("entry.json", 1000)->value() == "{}");
    BOOST_TEST(!d->read_private("absent.json", 1000)->has_value());

    const std::string open = dir / "open";
    BOOST_REQUIRE(files::make_directories(open));
    grant_everyone(open, GENERIC_ALL);
    auto refused = files::Directory::open_private(open, "cache directory");
    BOOST_REQUIRE(!refused);
    BOOST_TEST(refused.error().code == std::string(files::unsafe_path));
    BOOST_TEST(refused.error().message.find("writable by others") != std::string::npos, refused.error().message);

    const std::string readable = dir / "readable";
    BOOST_REQUIRE(files::make_directories(readable));
    grant_everyone(readable, GENERIC_READ | GENERIC_EXECUTE);  // others may look, not write: accepted
    BOOST_TEST(files::Directory::open_private(readable, "cache directory").ok());
}

BOOST_AUTO_TEST_CASE(read_private_refuses_a_file_others_may_read) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "c");
    BOOST_REQUIRE(d);
    BOOST_REQUIRE(d->write_private("entry.json", "{}"));
    grant_everyone(d->path_of("entry.json"), GENERIC_READ);
    auto r = d->read_private("entry.json", 1000);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find("open to others") != std::string::npos, r.error().message);
    BOOST_TEST(!d->read_private("..\\x", 1000));  // a plain name only
}

BOOST_AUTO_TEST_CASE(lock_is_exclusive_until_released) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "c");
    BOOST_REQUIRE(d);
    auto first = d->lock("k.lock", 1000ms);
    BOOST_REQUIRE(first);
    BOOST_TEST(first->held());
    bool waited = false;
    auto second = d->lock("k.lock", 50ms, [&] { waited = true; });
    BOOST_REQUIRE(second);
    BOOST_TEST(!second->held());
    BOOST_TEST(waited);
    { files::Lock released = std::move(*first); }
    auto third = d->lock("k.lock", 1000ms);
    BOOST_REQUIRE(third);
    BOOST_TEST(third->held());
    BOOST_TEST(granted(d->path_of("k.lock")) == std::vector<std::string>{"me"});
}

BOOST_AUTO_TEST_CASE(stale_temporaries_and_remove_files_if) {
    TempDir dir;
    BOOST_REQUIRE(files::write_private_atomic(dir / "..npmrc.123.0.456.tmp", "x"));  // a writer of .npmrc
    BOOST_REQUIRE(files::write_private_atomic(dir / "keep", "x"));
    BOOST_TEST(files::remove_stale_temporaries(dir / ".npmrc", 3600s) == 0u);  // young: another run's
    BOOST_TEST(files::remove_stale_temporaries(dir / ".npmrc", -3600s) == 1u);
    auto d = files::Directory::open_private(dir.path);
    BOOST_REQUIRE(d);
    BOOST_TEST(d->remove_files_if([](std::string_view name, auto) { return name == "keep"; }) == 1u);
    BOOST_TEST(!std::filesystem::exists(dir / "keep"));
}

BOOST_AUTO_TEST_CASE(replace_user_file_refuses_read_only_and_makes_it_private) {
    TempDir dir;
    const std::string path = dir / ".npmrc";
    BOOST_REQUIRE(files::append_file(path, "color=false\n"));
    auto replaced = files::replace_user_file(path, "color=false\nx=1\n");
    BOOST_REQUIRE_MESSAGE(replaced.ok(), (replaced ? std::string() : replaced.error().message));
    BOOST_TEST(*files::read_file(path) == "color=false\nx=1\n");
    BOOST_TEST(granted(path) == std::vector<std::string>{"me"});
    BOOST_REQUIRE(::SetFileAttributesW(wide(path).c_str(), FILE_ATTRIBUTE_READONLY));
    auto r = files::replace_user_file(path, "y");
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find("read-only") != std::string::npos, r.error().message);
    ::SetFileAttributesW(wide(path).c_str(), FILE_ATTRIBUTE_NORMAL);
}

// --unconfigure's removal: refused for a read-only file (one line), done for the user's own file.
BOOST_AUTO_TEST_CASE(remove_user_file_refuses_read_only) {
    TempDir dir;
    const std::string path = dir / ".npmrc";
    BOOST_REQUIRE(files::append_file(path, "x=1\n"));
    BOOST_REQUIRE(::SetFileAttributesW(wide(path).c_str(), FILE_ATTRIBUTE_READONLY));
    auto r = files::remove_user_file(path);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find("read-only") != std::string::npos, r.error().message);
    BOOST_TEST(r.error().message.find('\n') == std::string::npos);
    BOOST_TEST(std::filesystem::exists(path));
    BOOST_REQUIRE(::SetFileAttributesW(wide(path).c_str(), FILE_ATTRIBUTE_NORMAL));
    auto removed = files::remove_user_file(path);
    BOOST_REQUIRE_MESSAGE(removed.ok(), (removed ? std::string() : removed.error().message));
    BOOST_TEST(!std::filesystem::exists(path));
    BOOST_TEST(files::remove_user_file(path).ok());  // already gone
}

// ---- processes --------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(arguments_reach_the_child_exactly) {
    const std::vector<std::string> tricky = {
        "plain",        "two words", "",        "say \"hi\"",  "C:\\dir\\",
        "a\\\\\"b",     "tab\there", "%PATH%",  "a&b|c<d>e^f", "caf\xC3\xA9 \xF0\x9F\x98\x80",
        "trailing\\\\", "\\\"",      "'single'"};
    std::vector<std::string> argv{child, "args"};
    argv.insert(argv.end(), tricky.begin(), tricky.end());
    auto r = process::run(argv);
    BOOST_REQUIRE_MESSAGE(r.ok(), (r ? std::string() : r.error().message));
    BOOST_TEST(r->exit_code == 0);
    BOOST_TEST(split_nul(r->out) == tricky);
}

BOOST_AUTO_TEST_CASE(exit_status_and_standard_error) {
    auto r = process::run({child, "exit", "7"});
    BOOST_REQUIRE(r);
    BOOST_TEST(r->exit_code == 7);
    process::Options options;
    options.capture_error = 4;
    auto e = process::run({child, "stderr", "first line, then why it failed"}, options);
    BOOST_REQUIRE(e);
    BOOST_TEST(e->out == "out");
    BOOST_TEST(e->err == "iled");  // the end of it
}

BOOST_AUTO_TEST_CASE(too_much_output_is_an_error) {
    process::Options options;
    options.max_output = 1000;
    auto r = process::run({child, "big", "100000"}, options);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().message.find("wrote more than 1000 bytes") != std::string::npos, r.error().message);
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_program_and_what_it_started) {
    TempDir dir;
    process::Options options;
    options.timeout = 3000ms;
    options.own_process_group = true;
    auto r = process::run({child, "spawn-sleep", dir / "pid"}, options);
    BOOST_REQUIRE(!r);
    BOOST_TEST(r.error().code == std::string(process::timed_out_code));
    auto pid = files::read_file(dir / "pid");
    BOOST_REQUIRE(pid);
    auto alive = process::run({child, "alive", *pid});
    BOOST_REQUIRE(alive);
    BOOST_TEST(alive->exit_code == 1);  // the grandchild was in the job: killed with it
}

BOOST_AUTO_TEST_CASE(no_shell_and_no_batch_files) {
    auto missing = process::run({"no-such-program-here.exe"});
    BOOST_REQUIRE(!missing);
    BOOST_TEST(missing.error().message.starts_with("cannot run \"no-such-program-here.exe\": "));
    auto batch = process::run({"C:\\tools\\helper.cmd", "x"});
    BOOST_REQUIRE(!batch);
    BOOST_TEST(batch.error().message.find("cmd.exe") != std::string::npos);
}

// ---- the process entry ------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(environment_is_read_as_utf8) {
    BOOST_REQUIRE(::SetEnvironmentVariableW(L"CAT_WIN_TEST", L"caf\u00e9 \u20ac"));
    const cat::Env env = cat::platform::environment();
    BOOST_TEST(env.get("CAT_WIN_TEST") == "caf\xC3\xA9 \xE2\x82\xAC");
    BOOST_TEST(!cat::platform::home_dir(env).empty());  // USERPROFILE
}
