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

// --unconfigure: the scope's registry while it is ours; the host's authentication and .netrc entry (shared
// by the domain's repositories) once no registry of the file is on that host.
Status unconfigure(const Context& c, const Where& w, Files& files) {
    using Path = std::vector<std::string>;
    const std::string scope = c.scope.empty() ? "[default]" : c.scope;
    bool host_used = false;
    auto s = files.edit(w.main_path, [&](FileEdit& f) -> Status {
        const std::string found = f.after;
        // A registry's URL as SwiftPM reads it (escapes such as "https:\/\/" decoded), nullopt when it has none.
        const auto url_of = [&](const std::string& name) -> Result<std::optional<std::string>> {
            auto u = edit::json_get(f.after, Path{"registries", name, "url"}, f.path);
            if (!u) return std::move(u).error();
            return *u ? edit::json_unquote(**u) : std::nullopt;
        };
        auto url = url_of(scope);
        if (!url) return std::move(url).error();
        if (*url == c.ep.url())
            if (auto r = apply_edit(f, edit::json_remove(f.after, Path{"registries", scope}, f.path)); !r) return r;
        auto scopes = edit::json_keys(f.after, Path{"registries"}, f.path);
        if (!scopes) return std::move(scopes).error();
        for (const auto& other : *scopes) {
            auto u = url_of(other);
            if (!u) return std::move(u).error();
            host_used = host_used || (*u && on_host(**u, c.ep));
        }
        if (host_used) return Ok{};
        auto r = apply_edit(f, edit::json_remove(f.after, Path{"authentication", c.ep.host}, f.path));
        if (!r) return r;
        // The file goes when we took something out of it and it is left as --configure would have created it
        // without our entries: no member, or only "version": 1 (which --configure adds). A file we did not
        // change stays, whatever it holds. The user's own `{}`, or SwiftPM's empty file, configured and then
        // unconfigured, goes as well: nothing tells it from one we created, and SwiftPM reads a missing file as
        // that same empty configuration.
        if (f.after == found) return Ok{};
        auto keys = edit::json_keys(f.after, {}, f.path);
        if (!keys) return std::move(keys).error();
        auto version = edit::json_get(f.after, Path{"version"}, f.path);
        if (!version) return std::move(version).error();
        if (keys->empty() || (*keys == std::vector<std::string>{"version"} && *version == "1")) f.after.clear();
        return Ok{};
    });
    if (!s || host_used) return s;
    const auto netrc = join_path(w.home, ".netrc");
    auto exists = files.exists(netrc);
    if (!exists) return std::move(exists).error();
    if (!*exists) return Ok{};
    return files.edit(netrc, [&](FileEdit& f) {
        f.after = edit::netrc_remove(f.after, c.ep.host, "token");
        return Status(Ok{});
    });
}

Status plan(const Context& c, const Where& w, Files& files) {
    if (c.in.remove) return unconfigure(c, w, files);
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
