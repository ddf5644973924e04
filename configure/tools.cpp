// The table of tools, and the helpers their families share.
#include "configure/tools.hpp"

#include <array>

#include "http/transport.hpp"

namespace cat::configure::detail {
namespace {

constexpr std::array<std::string_view, 1> npm_aliases{"pnpm"};
constexpr std::array<std::string_view, 1> nuget_aliases{"dotnet"};
constexpr std::array<std::string_view, 1> maven_aliases{"mvn"};
constexpr NamespaceRule npm_scope{.supported = true, .upper_case = false, .punctuation = "-._~"};
constexpr NamespaceRule swift_scope{.supported = true, .upper_case = true, .punctuation = "-"};

// In the order --help lists them.
constexpr std::array table{
    Tool{.name = "npm",
         .aliases = npm_aliases,
         .format = "npm",
         .namespace_rule = npm_scope,
         .posix_path = npm::path,
         .windows_path = npm::windows_path,
         .plan = npm::plan,
         .env_vars = npm::env_vars,
         .notes = npm::notes},
    Tool{.name = "yarn",
         .format = "npm",
         .namespace_rule = npm_scope,
         .posix_path = yarn::path,
         .windows_path = yarn::windows_path,
         .plan = yarn::plan,
         .env_vars = yarn::env_vars,
         .notes = yarn::notes},
    Tool{.name = "pip",
         .format = "pypi",
         .extra_index = true,
         .posix_path = pip::path,
         .windows_path = pip::windows_path,
         .plan = pip::plan,
         .env_vars = pip::env_vars,
         // pip does not expand variables in its configuration files (pip.pypa.io/en/stable/topics/
         // configuration: values are taken as written); PIP_INDEX_URL is the environment's form.
         .no_reference = "pip.conf cannot refer to a variable: use --credential-helper (pip asks "
                         "codeartifact-token through its keyring provider), or run pip under codeartifact-token "
                         "exec --configure pip",
         .credential_helper = true},
    Tool{.name = "uv",
         .format = "pypi",
         .extra_index = true,
         .posix_path = uv::path,
         .windows_path = uv::windows_path,
         .plan = uv::plan,
         .env_vars = uv::env_vars,
         .notes = uv::notes,
         .credential_helper = true},
    Tool{.name = "twine",
         .format = "pypi",
         .posix_path = twine::path,
         .windows_path = twine::windows_path,
         .plan = twine::plan,
         .env_vars = twine::env_vars,
         .notes = twine::notes},
    Tool{.name = "poetry",
         .format = "pypi",
         .posix_path = poetry::path,
         .windows_path = poetry::windows_path,
         .plan = poetry::plan,
         .env_vars = poetry::env_vars,
         .notes = poetry::notes},
    Tool{.name = "maven",
         .aliases = maven_aliases,
         .format = "maven",
         .extra_index = true,
         .posix_path = maven::path,
         .windows_path = maven::windows_path,
         .plan = maven::plan,
         .env_vars = maven::env_vars,
         .notes = maven::notes},
    Tool{.name = "gradle",
         .format = "maven",
         .posix_path = gradle::path,
         .windows_path = gradle::windows_path,
         .plan = gradle::plan,
         .env_vars = gradle::env_vars,
         .notes = gradle::notes},
    Tool{.name = "nuget",
         .aliases = nuget_aliases,
         .format = "nuget",
         .posix_path = nuget::path,
         .windows_path = nuget::windows_path,
         .plan = nuget::plan,
         .env_vars = nuget::env_vars,
         .notes = nuget::notes},
    Tool{.name = "cargo",
         .format = "cargo",
         .extra_index = true,
         .posix_path = cargo::path,
         .windows_path = cargo::windows_path,
         .plan = cargo::plan,
         .env_vars = cargo::env_vars,
         .notes = cargo::notes,
         .credential_helper = true},
    Tool{.name = "swift",
         .format = "swift",
         .namespace_rule = swift_scope,
         .posix_path = swift::path,
         .windows_path = swift::windows_path,
         .plan = swift::plan,
         .notes = swift::notes,
         .no_reference = "SwiftPM reads the token only from .netrc or the keychain, which cannot refer to a "
                         "variable"},
    Tool{.name = "bundler",
         .format = "ruby",
         .extra_index = true,
         .posix_path = bundler::path,
         .windows_path = bundler::windows_path,
         .plan = bundler::plan,
         .env_vars = bundler::env_vars,
         .notes = bundler::notes},
};

}  // namespace

std::span<const Tool> tools() {
    return table;
}

const Tool* find_tool(std::string_view name) {
    for (const auto& t : table) {
        if (t.name == name) return &t;
        for (auto alias : t.aliases)
            if (alias == name) return &t;
    }
    return nullptr;
}

std::string user_file(const Tool& t, Platform platform, const Env& env, std::string_view home) {
    return platform == Platform::windows ? t.windows_path(env, home) : t.posix_path(env, home);
}

std::string join_windows(std::string_view dir, std::string_view name) {
    std::string out(dir);
    if (!out.empty() && out.back() != '\\' && out.back() != '/') out += '\\';
    for (const char c : name) out += c == '/' ? '\\' : c;
    return out;
}

std::string appdata(const Env& env, std::string_view home) {
    const auto a = env.get("APPDATA");
    return a.empty() ? join_windows(home, "AppData/Roaming") : a;
}

std::string join_path(std::string_view dir, std::string_view name) {
    std::string out(dir);
    if (!out.empty() && out.back() != '/') out += '/';
    return out + std::string(name);
}

std::string xdg_config(const Env& env, std::string_view home) {
    const auto x = env.get("XDG_CONFIG_HOME");
    return !x.empty() && x.front() == '/' ? x : join_path(home, ".config");
}

std::string quoted(std::string_view s) {
    return edit::json_string(s);  // YAML's double quotes have the same escapes
}

bool on_host(std::string_view url, const Endpoint& ep) {
    const auto u = http::parse_url(url);
    if (!u) return false;
    return (u->host.find(':') != std::string::npos ? "[" + u->host + "]" : u->host) == ep.host;
}

Status apply_edit(FileEdit& f, Result<std::string> edited) {
    if (!edited) return std::move(edited).error();
    f.after = std::move(edited).value();
    return Ok{};
}

Status set_toml(FileEdit& f, const edit::TomlTable& t, std::string_view key, std::string_view value) {
    return apply_edit(f, edit::toml_set(f.after, t, key, value, f.path));
}

Status remove_toml(FileEdit& f, const edit::TomlTable& t, std::initializer_list<std::string_view> keys) {
    for (auto key : keys)
        if (auto s = apply_edit(f, edit::toml_remove(f.after, t, key, f.path)); !s) return s;
    return Ok{};
}

Status set_xml(FileEdit& f, std::span<const edit::XmlStep> path, std::string_view attr, std::string_view value,
               std::string_view root) {
    return apply_edit(f, attr.empty() ? edit::xml_set_text(f.after, path, value, root, f.path)
                                      : edit::xml_set_attr(f.after, path, attr, value, root, f.path));
}

Status remove_xml(FileEdit& f, const std::vector<std::vector<edit::XmlStep>>& paths, std::string_view root) {
    for (const auto& path : paths)
        if (auto s = apply_edit(f, edit::xml_remove(f.after, path, f.path)); !s) return s;
    if (f.after == root) f.after.clear();
    return Ok{};
}

Status Files::edit(const std::string& path, const std::function<Status(FileEdit&)>& fn) {
    for (auto& e : edits_)
        if (e.path == path) return fn(e);
    auto content = read_(path);
    if (!content) return std::move(content).error();
    FileEdit e;
    e.path = path;
    e.exists = content->has_value();
    e.before = content->value_or("");
    e.after = e.before;
    edits_.push_back(std::move(e));
    return fn(edits_.back());
}

Result<bool> Files::exists(const std::string& path) const {
    auto content = read_(path);
    if (!content) return std::move(content).error();
    return content->has_value();
}

}  // namespace cat::configure::detail
