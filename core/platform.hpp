// What differs between operating systems beyond files and processes: the program's arguments and
// environment as UTF-8, and where the user's folders are. Part of the platform seam (core/files.hpp):
// platform_posix.cpp and platform_windows.cpp implement the process entry; the folder rules are here,
// as pure functions of the environment, so that tests of every platform check both.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"

namespace cat::platform {

#ifdef _WIN32
inline constexpr bool windows = true;
#else
inline constexpr bool windows = false;
#endif

// The program's arguments, argv[0] first, in UTF-8. On Windows they are read again from the UTF-16
// command line (CommandLineToArgvW): the `argv` of main is in the ANSI code page there.
std::vector<std::string> arguments(int argc, char** argv);
// The process environment, in UTF-8 (on Windows from GetEnvironmentStringsW).
Env environment();

// The variable named in messages about a missing home folder.
inline constexpr std::string_view home_variable = windows ? "USERPROFILE" : "HOME";

// The user's home folder, "" when unknown. POSIX: HOME. Windows: USERPROFILE, else HOMEDRIVE + HOMEPATH,
// else HOME, the order of the AWS CLI (Python's expanduser) and SDKs there, where `~\.aws` is
// %USERPROFILE%\.aws; Git Bash's HOME only counts when nothing else is set.
inline std::string home_dir(const Env& env, bool on_windows = windows) {
    if (!on_windows) return env.get("HOME");
    if (env.has("USERPROFILE")) return env.get("USERPROFILE");
    if (env.has("HOMEDRIVE") && env.has("HOMEPATH")) return env.get("HOMEDRIVE") + env.get("HOMEPATH");
    return env.get("HOME");
}

// Windows' per-user local (not roaming) application data folder, %LOCALAPPDATA%, else
// <home>\AppData\Local; "" when unknown. Where the token cache lives on Windows.
inline std::string local_app_data(const Env& env, std::string_view home) {
    if (env.has("LOCALAPPDATA")) return env.get("LOCALAPPDATA");
    return home.empty() ? std::string() : std::string(home) + "\\AppData\\Local";
}

// Windows' per-user (roaming) application data folder, %APPDATA%, else <home>\AppData\Roaming; "" when
// unknown. Where pip, NuGet and others keep their Windows configuration.
inline std::string app_data(const Env& env, std::string_view home) {
    if (env.has("APPDATA")) return env.get("APPDATA");
    return home.empty() ? std::string() : std::string(home) + "\\AppData\\Roaming";
}

// Whether `path` is absolute: "/..." on POSIX; on Windows also "C:\...", "C:/..." and "\\server\share".
inline bool is_absolute(std::string_view path, bool on_windows = windows) {
    if (!on_windows) return path.starts_with('/');
    if (path.starts_with("\\\\") || path.starts_with("//")) return true;
    return path.size() >= 3 && path[1] == ':' && (path[2] == '\\' || path[2] == '/') &&
           ((path[0] >= 'A' && path[0] <= 'Z') || (path[0] >= 'a' && path[0] <= 'z'));
}

}  // namespace cat::platform
