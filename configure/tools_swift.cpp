// The Swift family: SwiftPM's registries.json, and the token in .netrc (SwiftPM reads no variable).
#include "configure/tools.hpp"

namespace cat::configure::detail {

namespace swift {

std::string path(const Env&, std::string_view home) {
    return join_path(home, ".swiftpm/configuration/registries.json");
}

// https://docs.swift.org/swiftpm/documentation/packagemanagerdocs/usingswiftpackageregistry/: the user-level
// registries.json is in ~/.swiftpm/configuration (the home folder, %USERPROFILE% on Windows).
std::string windows_path(const Env&, std::string_view home) {
    return join_windows(home, ".swiftpm/configuration/registries.json");
}

Status plan(const Context& c, const Where& w, Files& files) {
    auto s = files.edit(w.main_path, [&](FileEdit& f) -> Status {
        const std::string scope = c.scope.empty() ? "[default]" : c.scope;
        const std::vector<std::pair<std::vector<std::string>, std::string>> sets{
            {{"registries", scope, "url"}, edit::json_string(c.ep.url())},
            {{"registries", scope, "supportsAvailability"}, "false"},
            {{"authentication", c.ep.host, "type"}, "\"token\""},
            {{"authentication", c.ep.host, "loginAPIPath"}, edit::json_string(c.ep.path + "login")},
        };
        for (const auto& [path, value] : sets)
            if (auto r = apply_edit(f, edit::json_set(f.after, path, value, true, f.path)); !r) return r;
        return apply_edit(f, edit::json_set(f.after, std::vector<std::string>{"version"}, "1", false, f.path));
    });
    if (!s) return s;
    return files.edit(join_path(w.home, ".netrc"), [&](FileEdit& f) {
        return apply_edit(f, edit::netrc_set(f.after, c.ep.host, "token", c.in.token, f.path));
    });
}

void notes(const Context&, bool env_output, std::vector<std::string>& out) {
    if (env_output) out.push_back("SwiftPM reads registry credentials only from .netrc or the keychain: use the files");
}

}  // namespace swift

}  // namespace cat::configure::detail
