// What each tool's configuration looks like, built with the editors of editors.hpp.
#include "configure/configure.hpp"

#include <algorithm>
#include <array>

#include "configure/editors.hpp"

namespace cat::configure {
namespace {

using namespace std::string_view_literals;

struct Tool {
    std::string_view name;
    std::string_view format;
};
constexpr std::array<Tool, 14> tools{{{"npm", "npm"},
                                      {"pnpm", "npm"},
                                      {"yarn", "npm"},
                                      {"pip", "pypi"},
                                      {"uv", "pypi"},
                                      {"twine", "pypi"},
                                      {"poetry", "pypi"},
                                      {"maven", "maven"},
                                      {"gradle", "maven"},
                                      {"nuget", "nuget"},
                                      {"dotnet", "nuget"},
                                      {"cargo", "cargo"},
                                      {"swift", "swift"},
                                      {"bundler", "ruby"}}};
constexpr std::array<std::string_view, 14> tool_names{"npm",    "pnpm",   "yarn",  "pip",    "uv",
                                                      "twine",  "poetry", "maven", "gradle", "nuget",
                                                      "dotnet", "cargo",  "swift", "bundler"};

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

bool is_one_of(std::string_view tool, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), tool) != names.end();
}

std::string join_path(std::string_view dir, std::string_view name) {
    std::string out(dir);
    if (!out.empty() && out.back() != '/') out += '/';
    return out + std::string(name);
}

// $XDG_CONFIG_HOME (when absolute) or ~/.config.
std::string xdg_config(const Env& env, std::string_view home) {
    const auto x = env.get("XDG_CONFIG_HOME");
    return !x.empty() && x.front() == '/' ? x : join_path(home, ".config");
}

std::string cargo_home(const Env& env, std::string_view home) {
    const auto c = env.get("CARGO_HOME");
    return c.empty() ? join_path(home, ".cargo") : c;
}

std::string poetry_dir(const Env& env, std::string_view home) {
    const auto p = env.get("POETRY_CONFIG_DIR");
    return p.empty() ? join_path(xdg_config(env, home), "pypoetry") : p;
}

// ---- the endpoint and the names we derive -----------------------------------------------------------------

struct Endpoint {
    std::string scheme;     // https (http only for tests on loopback)
    std::string authority;  // host[:port]
    std::string host;       // without the port
    std::string path;       // starts and ends with '/'
    std::string url() const { return scheme + "://" + authority + path; }
};

Result<Endpoint> parse_endpoint(std::string_view url, std::string_view format) {
    Endpoint e;
    const auto bad = [&](std::string_view why) {
        return usage("repository endpoint \"" + std::string(url) + "\" is invalid: " + std::string(why));
    };
    if (url.starts_with("https://"))
        e.scheme = "https";
    else if (url.starts_with("http://"))
        e.scheme = "http";
    else
        return bad("it must start with https://");
    auto rest = url.substr(e.scheme.size() + 3);
    for (char c : rest)
        if (static_cast<unsigned char>(c) <= ' ' || c == '"' || c == '\'' || c == '\\' || c == '<' || c == '>' ||
            c == '`' || c == '{' || c == '}' || c == '|' || c == '^' || c == '%' || c == 0x7f)
            return bad("it has a character that needs escaping");
    if (rest.find_first_of("?#@") != std::string_view::npos) return bad("it may not have a query, fragment or user");
    const auto slash = rest.find('/');
    e.authority = std::string(rest.substr(0, slash));
    e.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (!e.path.ends_with('/')) e.path += '/';
    if (e.authority.empty()) return bad("it has no host");
    if (e.authority.front() == '[') {
        const auto close = e.authority.find(']');
        if (close == std::string::npos) return bad("an IPv6 address without ']'");
        e.host = e.authority.substr(0, close + 1);
    } else {
        e.host = e.authority.substr(0, e.authority.find(':'));
    }
    if (e.path.find("//") != std::string::npos) return bad("an empty path segment");
    const auto first = std::string_view(e.path).substr(1, e.path.find('/', 1) - 1);
    if (first != format)
        return usage("repository endpoint \"" + std::string(url) + "\" is not a " + std::string(format) +
                     " repository endpoint: ask GetRepositoryEndpoint for format " + std::string(format));
    return e;
}

bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

// The token in a URL's user information.
std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

std::string lower_dashed(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        out += ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? c : '-';
    }
    return out;
}

std::string upper_underscored(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        out += ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : '_';
    }
    return out;
}

std::string scope_of(std::string_view ns) {
    return std::string(ns.starts_with('@') ? ns.substr(1) : ns);
}

// Everything plan(), env_vars() and notes() need, checked once.
struct Context {
    ConfigureInput in;
    Endpoint ep;
    std::string name;      // my-domain-my-repo: our registry/index/server/source name
    std::string env_name;  // MY_DOMAIN_MY_REPO
    std::string pip_url;   // https://aws:TOKEN@host/pypi/repo/simple/
    std::string scope;     // the namespace without '@'
};

Result<Context> context(const ConfigureInput& in) {
    auto format = repository_format(in.tool);
    if (!format) return std::move(format).error();
    Context c;
    c.in = in;
    auto ep = parse_endpoint(in.repository_endpoint, *format);
    if (!ep) return std::move(ep).error();
    c.ep = std::move(*ep);
    if (in.token.empty()) return Error::make(ErrorKind::internal, "no authorization token to configure");
    if (!std::all_of(in.token.begin(), in.token.end(), token_char))
        return Error::make(ErrorKind::api, "the authorization token has characters a token cannot have");
    const auto name_ok = [](std::string_view s, bool upper_ok, std::string_view extra) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [&](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (upper_ok && ch >= 'A' && ch <= 'Z') ||
                   extra.find(ch) != std::string_view::npos;
        });
    };
    if (!name_ok(in.domain, false, "-")) return usage("domain \"" + in.domain + "\" is invalid");
    if (!name_ok(in.repository, true, "-._")) return usage("repository \"" + in.repository + "\" is invalid");
    if (!in.domain_owner.empty() && !name_ok(in.domain_owner, false, ""))
        return usage("domain owner \"" + in.domain_owner + "\" is invalid: it is a 12-digit account id");
    c.name = lower_dashed(in.domain + "-" + in.repository);
    c.env_name = upper_underscored(c.name);
    c.pip_url = c.ep.scheme + "://aws:" + percent_encode(in.token) + "@" + c.ep.authority + c.ep.path + "simple/";
    if (!in.namespace_.empty()) {
        if (!is_one_of(in.tool, {"npm", "pnpm", "yarn", "swift"}))
            return usage("--namespace applies to npm, pnpm, yarn and swift, not " + in.tool);
        c.scope = scope_of(in.namespace_);
        const bool swift = in.tool == "swift";
        if (!name_ok(c.scope, swift, swift ? "-" : "-._~") || c.scope.front() == '.' || c.scope.front() == '_')
            return usage("namespace \"" + in.namespace_ + "\" is invalid for " + in.tool);
    }
    if (in.extra_index && !is_one_of(in.tool, {"pip", "uv", "maven", "cargo", "bundler"}))
        return usage("--extra-index applies to pip, uv, maven, cargo and bundler, not " + in.tool);
    return c;
}

// ---- files ---------------------------------------------------------------------------------------------

struct Files {
    const FileReader& read;
    std::vector<FileEdit> edits;

    // The edit for `path`, read on first use.
    Result<FileEdit*> at(const std::string& path) {
        for (auto& e : edits)
            if (e.path == path) return &e;
        auto content = read(path);
        if (!content) return std::move(content).error();
        FileEdit e;
        e.path = path;
        e.exists = content->has_value();
        e.before = content->value_or("");
        e.after = e.before;
        edits.push_back(std::move(e));
        return &edits.back();
    }
    Result<bool> exists(const std::string& path) {
        auto content = read(path);
        if (!content) return std::move(content).error();
        return content->has_value();
    }
};

const edit::IniDialect npmrc{.fold_keys = false,
                             .continuation_indent = false,
                             .continuation_backslash = false,
                             .comments = "#;",
                             .separators = "=",
                             .write_separator = "="};
const edit::IniDialect configparser{.fold_keys = true,
                                    .continuation_indent = true,
                                    .continuation_backslash = false,
                                    .comments = "#;",
                                    .separators = "=:",
                                    .write_separator = " = "};
const edit::IniDialect properties{.fold_keys = false,
                                  .continuation_indent = false,
                                  .continuation_backslash = true,
                                  .comments = "#!",
                                  .separators = "=: \t",
                                  .write_separator = "="};

std::string quoted(std::string_view s) {
    return edit::json_string(s);
}  // YAML double quotes, same escapes

Status plan_npm(const Context& c, FileEdit& f) {
    const std::string key = c.scope.empty() ? "registry" : "@" + c.scope + ":registry";
    f.after = edit::ini_set(f.after, npmrc, "", key, c.ep.url());
    f.after = edit::ini_set(f.after, npmrc, "", "//" + c.ep.authority + c.ep.path + ":_authToken", c.in.token);
    return Ok{};
}

Status plan_yarn(const Context& c, FileEdit& f) {
    std::string registry = "//" + c.ep.authority + c.ep.path;
    registry.pop_back();  // Yarn compares registries without the final '/'
    std::vector<std::vector<std::string>> paths;
    std::vector<std::string> values;
    if (c.scope.empty())
        paths.push_back({"npmRegistryServer"});
    else
        paths.push_back({"npmScopes", c.scope, "npmRegistryServer"});
    values.push_back(quoted(c.ep.url()));
    paths.push_back({"npmRegistries", registry, "npmAlwaysAuth"});
    values.push_back("true");
    paths.push_back({"npmRegistries", registry, "npmAuthToken"});
    values.push_back(quoted(c.in.token));
    for (std::size_t i = 0; i < paths.size(); ++i) {
        auto r = edit::yaml_set(f.after, paths[i], values[i], false, f.path);
        if (!r) return std::move(r).error();
        f.after = std::move(*r);
    }
    return Ok{};
}

Status plan_pip(const Context& c, FileEdit& f) {
    if (!c.in.extra_index) {
        f.after = edit::ini_set(f.after, configparser, "global", "index-url", c.pip_url);
        return Ok{};
    }
    // The same index with any (older) credentials is ours.
    const auto bare = [](std::string_view url) {
        const auto scheme = url.find("://");
        const auto at = url.find('@');
        const auto slash = url.find('/', scheme == std::string_view::npos ? 0 : scheme + 3);
        if (scheme == std::string_view::npos || at == std::string_view::npos || at > slash) return std::string(url);
        return std::string(url.substr(0, scheme + 3)) + std::string(url.substr(at + 1));
    };
    const auto ours = bare(c.pip_url);
    f.after = edit::ini_list_put(f.after, configparser, "global", "extra-index-url", c.pip_url,
                                 [&](std::string_view item) { return bare(item) == ours; });
    return Ok{};
}

Status set_toml(FileEdit& f, const edit::TomlTable& t, std::string_view key, std::string_view value) {
    auto r = edit::toml_set(f.after, t, key, value, f.path);
    if (!r) return std::move(r).error();
    f.after = std::move(*r);
    return Ok{};
}

Status plan_uv(const Context& c, FileEdit& f) {
    const edit::TomlTable index{{"index"}, true, "name", c.name};
    if (auto s = set_toml(f, index, "url", edit::toml_string(c.pip_url)); !s) return s;
    return set_toml(f, index, "default", c.in.extra_index ? "false" : "true");
}

Status plan_twine(const Context& c, FileEdit& f) {
    if (edit::ini_has(f.after, configparser, "distutils", "index-servers")) {
        f.after = edit::ini_list_put(f.after, configparser, "distutils", "index-servers", c.name,
                                     [&](std::string_view item) { return item == c.name; });
    } else {
        // Without [distutils], twine knows only [pypi]; listing the sections keeps them all usable.
        std::string servers;
        auto sections = edit::ini_sections(f.after, configparser);
        if (std::find(sections.begin(), sections.end(), "pypi") == sections.end())
            sections.insert(sections.begin(), "pypi");
        for (const auto& s : sections)
            if (s != "distutils" && s != c.name && servers.find(" " + s + " ") == std::string::npos) servers += s + " ";
        servers += c.name;
        f.after = edit::ini_set(f.after, configparser, "distutils", "index-servers", servers);
    }
    f.after = edit::ini_set(f.after, configparser, c.name, "repository", c.ep.url());
    f.after = edit::ini_set(f.after, configparser, c.name, "username", "aws");
    f.after = edit::ini_set(f.after, configparser, c.name, "password", c.in.token);
    return Ok{};
}

Status plan_maven(const Context& c, FileEdit& f) {
    static constexpr std::string_view root =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"\n"
        "          xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
        "          xsi:schemaLocation=\"http://maven.apache.org/SETTINGS/1.0.0 "
        "https://maven.apache.org/xsd/settings-1.0.0.xsd\">\n"
        "</settings>\n";
    using S = edit::XmlStep;
    const auto set = [&](std::vector<S> path, std::string_view value) -> Status {
        auto r = edit::xml_set_text(f.after, path, value, root, f.path);
        if (!r) return std::move(r).error();
        f.after = std::move(*r);
        return Ok{};
    };
    const S settings{"settings", "", "", ""};
    const S server{"server", "id", "", c.name};
    if (auto s = set({settings, {"servers", "", "", ""}, server, {"username", "", "", ""}}, "aws"); !s) return s;
    if (auto s = set({settings, {"servers", "", "", ""}, server, {"password", "", "", ""}}, c.in.token); !s) return s;
    if (!c.in.extra_index) {
        const S mirror{"mirror", "id", "", c.name};
        if (auto s = set({settings, {"mirrors", "", "", ""}, mirror, {"url", "", "", ""}}, c.ep.url()); !s) return s;
        return set({settings, {"mirrors", "", "", ""}, mirror, {"mirrorOf", "", "", ""}}, "*");
    }
    const S profile{"profile", "id", "", c.name};
    const S repo{"repository", "id", "", c.name};
    if (auto s =
            set({settings, {"profiles", "", "", ""}, profile, {"repositories", "", "", ""}, repo, {"url", "", "", ""}},
                c.ep.url());
        !s)
        return s;
    const std::vector<S> active{settings, {"activeProfiles", "", "", ""}, {"activeProfile", "", "", c.name}};
    auto r = edit::xml_ensure(f.after, active, root, f.path);
    if (!r) return std::move(r).error();
    f.after = std::move(*r);
    return Ok{};
}

Status plan_gradle(const Context& c, FileEdit& f) {
    f.after = edit::ini_set(f.after, properties, "", "codeartifactUrl", c.ep.url());
    f.after = edit::ini_set(f.after, properties, "", "codeartifactUsername", "aws");
    f.after = edit::ini_set(f.after, properties, "", "codeartifactPassword", c.in.token);
    return Ok{};
}

// NuGet names the credential's element after the source, and the variable too: no '-' in it.
std::string nuget_name(const Context& c) {
    std::string n = c.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

Status plan_nuget(const Context& c, FileEdit& f) {
    static constexpr std::string_view root =
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
        "<configuration>\n"
        "</configuration>\n";
    using S = edit::XmlStep;
    const auto name = nuget_name(c);
    const auto set = [&](std::vector<S> path, std::string_view value) -> Status {
        auto r = edit::xml_set_attr(f.after, path, "value", value, root, f.path);
        if (!r) return std::move(r).error();
        f.after = std::move(*r);
        return Ok{};
    };
    const S configuration{"configuration", "", "", ""};
    if (auto s = set({configuration, {"packageSources", "", "", ""}, {"add", "", "key", name}},
                     c.ep.url() + "v3/index.json");
        !s)
        return s;
    const S creds{"packageSourceCredentials", "", "", ""};
    const S ours{name, "", "", ""};
    if (auto s = set({configuration, creds, ours, {"add", "", "key", "Username"}}, "aws"); !s) return s;
    return set({configuration, creds, ours, {"add", "", "key", "ClearTextPassword"}}, c.in.token);
}

Status plan_cargo_config(const Context& c, FileEdit& f) {
    const edit::TomlTable registry{{"registries", c.name}, false, "", ""};
    if (auto s = set_toml(f, registry, "index", edit::toml_string("sparse+" + c.ep.url())); !s) return s;
    // An auth-required registry needs a credential provider named; cargo:token reads credentials.toml.
    if (auto s = set_toml(f, registry, "credential-provider", edit::toml_string("cargo:token")); !s) return s;
    if (c.in.extra_index) return Ok{};
    return set_toml(f, {{"source", "crates-io"}, false, "", ""}, "replace-with", edit::toml_string(c.name));
}

Status plan_swift(const Context& c, FileEdit& f) {
    const std::string scope = c.scope.empty() ? "[default]" : c.scope;
    const std::vector<std::pair<std::vector<std::string>, std::string>> sets{
        {{"registries", scope, "url"}, edit::json_string(c.ep.url())},
        {{"registries", scope, "supportsAvailability"}, "false"},
        {{"authentication", c.ep.host, "type"}, "\"token\""},
        {{"authentication", c.ep.host, "loginAPIPath"}, edit::json_string(c.ep.path + "login")},
    };
    for (const auto& [path, value] : sets) {
        auto r = edit::json_set(f.after, path, value, true, f.path);
        if (!r) return std::move(r).error();
        f.after = std::move(*r);
    }
    auto r = edit::json_set(f.after, std::vector<std::string>{"version"}, "1", false, f.path);
    if (!r) return std::move(r).error();
    f.after = std::move(*r);
    return Ok{};
}

// Bundler's key for a setting: '.' becomes "__", '-' becomes "___", upper case, "BUNDLE_" in front.
std::string bundler_key(std::string_view setting) {
    std::string out = "BUNDLE_";
    for (char c : setting) {
        if (c == '.')
            out += "__";
        else if (c == '-')
            out += "___";
        else
            out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

Status plan_bundler(const Context& c, FileEdit& f) {
    if (edit::trim(f.after).empty() && f.after.find('\n') == std::string::npos) f.after = "---\n";
    auto r = edit::yaml_set(f.after, std::vector<std::string>{bundler_key(c.ep.host)}, quoted("aws:" + c.in.token),
                            true, f.path);
    if (!r) return std::move(r).error();
    f.after = std::move(*r);
    if (c.in.extra_index) return Ok{};
    r = edit::yaml_set(f.after, std::vector<std::string>{bundler_key("mirror.https://rubygems.org/")},
                       quoted(c.ep.url()), true, f.path);
    if (!r) return std::move(r).error();
    f.after = std::move(*r);
    return Ok{};
}

}  // namespace

std::span<const std::string_view> known_tools() {
    return tool_names;
}

Result<std::string_view> repository_format(std::string_view tool) {
    for (const auto& t : tools)
        if (t.name == tool) return t.format;
    std::string list;
    for (auto n : tool_names) list += (list.empty() ? "" : ", ") + std::string(n);
    return usage("unknown tool \"" + std::string(tool) + "\" for --configure: it must be one of " + list);
}

Status validate(const ConfigureInput& in) {
    auto c = context(in);
    if (!c) return std::move(c).error();
    return Ok{};
}

Result<std::string> default_config_path(std::string_view tool, const Env& env, std::string_view home) {
    if (auto f = repository_format(tool); !f) return std::move(f).error();
    if (home.empty())
        return Error::make(ErrorKind::config, "HOME is not set: give the file to configure with --config-file");
    if (tool == "npm" || tool == "pnpm") {
        for (auto var : {"NPM_CONFIG_USERCONFIG"sv, "npm_config_userconfig"sv})
            if (env.has(var)) return env.get(var);
        return join_path(home, ".npmrc");
    }
    if (tool == "yarn") {
        const auto rc = env.get("YARN_RC_FILENAME");
        return join_path(home, rc.empty() ? ".yarnrc.yml" : rc);
    }
    if (tool == "pip") {
        const auto f = env.get("PIP_CONFIG_FILE");
        if (!f.empty() && f != "/dev/null" && f != "os.devnull") return f;
        return join_path(xdg_config(env, home), "pip/pip.conf");
    }
    if (tool == "uv") {
        if (env.has("UV_CONFIG_FILE")) return env.get("UV_CONFIG_FILE");
        return join_path(xdg_config(env, home), "uv/uv.toml");
    }
    if (tool == "twine") return join_path(home, ".pypirc");
    if (tool == "poetry") return join_path(poetry_dir(env, home), "config.toml");
    if (tool == "maven") return join_path(home, ".m2/settings.xml");
    if (tool == "gradle") {
        const auto g = env.get("GRADLE_USER_HOME");
        return join_path(g.empty() ? join_path(home, ".gradle") : g, "gradle.properties");
    }
    if (tool == "nuget" || tool == "dotnet") return join_path(home, ".nuget/NuGet/NuGet.Config");
    if (tool == "cargo") return join_path(cargo_home(env, home), "config.toml");
    if (tool == "swift") return join_path(home, ".swiftpm/configuration/registries.json");
    // bundler
    if (env.has("BUNDLE_USER_CONFIG")) return env.get("BUNDLE_USER_CONFIG");
    if (env.has("BUNDLE_USER_HOME")) return join_path(env.get("BUNDLE_USER_HOME"), "config");
    return join_path(home, ".bundle/config");
}

Result<std::vector<FileEdit>> plan(const ConfigureInput& in, const Env& env, std::string_view home,
                                   const FileReader& read) {
    auto ctx = context(in);
    if (!ctx) return std::move(ctx).error();
    const Context& c = *ctx;
    auto main_path =
        in.config_file.empty() ? default_config_path(in.tool, env, home) : Result<std::string>(in.config_file);
    if (!main_path) return std::move(main_path).error();
    Files files{read, {}};
    const auto edit_file = [&](const std::string& path, auto&& fn) -> Status {
        auto f = files.at(path);
        if (!f) return std::move(f).error();
        return fn(**f);
    };
    const auto& t = in.tool;
    Status s = Ok{};
    if (t == "npm" || t == "pnpm") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_npm(c, f); });
    } else if (t == "yarn") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_yarn(c, f); });
    } else if (t == "pip") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_pip(c, f); });
    } else if (t == "uv") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_uv(c, f); });
    } else if (t == "twine") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_twine(c, f); });
    } else if (t == "poetry") {
        // config.toml names the repository (for publishing); auth.toml, beside Poetry's own config.toml,
        // holds the credential: Poetry's plain-text store, read before any keyring.
        s = edit_file(*main_path, [&](FileEdit& f) {
            return set_toml(f, {{"repositories", c.name}, false, "", ""}, "url", edit::toml_string(c.ep.url()));
        });
        if (s)
            s = edit_file(join_path(poetry_dir(env, home), "auth.toml"), [&](FileEdit& f) {
                const edit::TomlTable basic{{"http-basic", c.name}, false, "", ""};
                if (auto u = set_toml(f, basic, "username", edit::toml_string("aws")); !u) return u;
                return set_toml(f, basic, "password", edit::toml_string(c.in.token));
            });
    } else if (t == "maven") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_maven(c, f); });
    } else if (t == "gradle") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_gradle(c, f); });
    } else if (t == "nuget" || t == "dotnet") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_nuget(c, f); });
    } else if (t == "cargo") {
        // Cargo reads the file without extension when it exists (and warns when both do).
        const auto dir = cargo_home(env, home);
        std::string config = *main_path;
        if (in.config_file.empty()) {
            auto legacy = files.exists(join_path(dir, "config"));
            if (!legacy) return std::move(legacy).error();
            if (*legacy) config = join_path(dir, "config");
        }
        std::string credentials = join_path(dir, "credentials.toml");
        auto legacy = files.exists(join_path(dir, "credentials"));
        if (!legacy) return std::move(legacy).error();
        if (*legacy) credentials = join_path(dir, "credentials");
        s = edit_file(config, [&](FileEdit& f) { return plan_cargo_config(c, f); });
        if (s)
            s = edit_file(credentials, [&](FileEdit& f) {
                return set_toml(f, {{"registries", c.name}, false, "", ""}, "token",
                                edit::toml_string("Bearer " + c.in.token));
            });
    } else if (t == "swift") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_swift(c, f); });
        if (s)
            s = edit_file(join_path(home, ".netrc"), [&](FileEdit& f) -> Status {
                auto r = edit::netrc_set(f.after, c.ep.host, "token", c.in.token, f.path);
                if (!r) return std::move(r).error();
                f.after = std::move(*r);
                return Ok{};
            });
    } else if (t == "bundler") {
        s = edit_file(*main_path, [&](FileEdit& f) { return plan_bundler(c, f); });
    }
    if (!s) return std::move(s).error();
    for (auto& e : files.edits) {
        e.secrets = {in.token};
        if (const auto enc = percent_encode(in.token); enc != in.token) e.secrets.push_back(enc);
    }
    return std::move(files.edits);
}

std::string render_dry_run(const std::vector<FileEdit>& edits, bool show_token) {
    std::string out;
    for (const auto& e : edits) {
        std::string text = e.after;
        if (!show_token)
            for (const auto& secret : e.secrets) {
                if (secret.empty()) continue;
                for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
                    text.replace(at, secret.size(), "****");
            }
        out += "# " + e.path + (!e.exists ? " (create)" : e.changed() ? " (update)" : " (unchanged)") + "\n";
        out += text;
        if (!text.empty() && text.back() != '\n') out += '\n';
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> env_vars(const ConfigureInput& in) {
    auto ctx = context(in);
    if (!ctx) return {};
    const Context& c = *ctx;
    const auto& t = in.tool;
    std::vector<std::pair<std::string, std::string>> v;
    if (t == "npm" || t == "pnpm") {
        if (c.scope.empty()) v.emplace_back("NPM_CONFIG_REGISTRY", c.ep.url());
        v.emplace_back("CODEARTIFACT_AUTH_TOKEN", in.token);
    } else if (t == "yarn") {
        if (c.scope.empty()) {
            v.emplace_back("YARN_NPM_REGISTRY_SERVER", c.ep.url());
            v.emplace_back("YARN_NPM_ALWAYS_AUTH", "true");
            v.emplace_back("YARN_NPM_AUTH_TOKEN", in.token);
        } else {
            v.emplace_back("CODEARTIFACT_AUTH_TOKEN", in.token);
        }
    } else if (t == "pip") {
        v.emplace_back(in.extra_index ? "PIP_EXTRA_INDEX_URL" : "PIP_INDEX_URL", c.pip_url);
    } else if (t == "uv") {
        v.emplace_back(in.extra_index ? "UV_INDEX" : "UV_DEFAULT_INDEX", c.name + "=" + c.ep.url() + "simple/");
        v.emplace_back("UV_INDEX_" + c.env_name + "_USERNAME", "aws");
        v.emplace_back("UV_INDEX_" + c.env_name + "_PASSWORD", in.token);
    } else if (t == "twine") {
        v.emplace_back("TWINE_REPOSITORY_URL", c.ep.url());
        v.emplace_back("TWINE_USERNAME", "aws");
        v.emplace_back("TWINE_PASSWORD", in.token);
    } else if (t == "poetry") {
        v.emplace_back("POETRY_REPOSITORIES_" + c.env_name + "_URL", c.ep.url());
        v.emplace_back("POETRY_HTTP_BASIC_" + c.env_name + "_USERNAME", "aws");
        v.emplace_back("POETRY_HTTP_BASIC_" + c.env_name + "_PASSWORD", in.token);
    } else if (t == "maven") {
        v.emplace_back("CODEARTIFACT_AUTH_TOKEN", in.token);
    } else if (t == "gradle") {
        v.emplace_back("ORG_GRADLE_PROJECT_codeartifactUrl", c.ep.url());
        v.emplace_back("ORG_GRADLE_PROJECT_codeartifactUsername", "aws");
        v.emplace_back("ORG_GRADLE_PROJECT_codeartifactPassword", in.token);
    } else if (t == "nuget" || t == "dotnet") {
        v.emplace_back("NuGetPackageSourceCredentials_" + nuget_name(c), "Username=aws;Password=" + in.token);
    } else if (t == "cargo") {
        v.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_INDEX", "sparse+" + c.ep.url());
        v.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_CREDENTIAL_PROVIDER", "cargo:token");
        v.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_TOKEN", "Bearer " + in.token);
    } else if (t == "bundler") {
        v.emplace_back(bundler_key(c.ep.host), "aws:" + in.token);
    }
    return v;
}

std::vector<std::string> notes(const ConfigureInput& in, bool env_output) {
    auto ctx = context(in);
    if (!ctx) return {};
    const Context& c = *ctx;
    const auto& t = in.tool;
    const std::string npm_key = "//" + c.ep.authority + c.ep.path + ":_authToken";
    std::vector<std::string> n;
    if (env_output) {
        if (t == "npm" || t == "pnpm") {
            n.push_back("npm takes a registry's token only from an .npmrc: add the line " + npm_key +
                        "=${CODEARTIFACT_AUTH_TOKEN} to the project's .npmrc");
            if (!c.scope.empty())
                n.push_back("and the line @" + c.scope + ":registry=" + c.ep.url() + " (a scope has no variable)");
        } else if (t == "yarn" && !c.scope.empty()) {
            n.push_back("a scope has no Yarn variable: in .yarnrc.yml set npmScopes: " + c.scope +
                        ": npmRegistryServer: \"" + c.ep.url() + "\" and npmAuthToken: \"${CODEARTIFACT_AUTH_TOKEN}\"");
        } else if (t == "maven") {
            n.push_back("Maven reads no credential from the environment by itself: in settings.xml, the <server> <id>" +
                        c.name +
                        "</id> takes <username>aws</username><password>${env.CODEARTIFACT_AUTH_TOKEN}</password>");
        } else if (t == "nuget" || t == "dotnet") {
            n.push_back("the variable gives the credential of the package source named " + nuget_name(c) +
                        ", which a NuGet.Config must define (value " + c.ep.url() + "v3/index.json)");
        } else if (t == "swift") {
            n.push_back("SwiftPM reads registry credentials only from .netrc or the keychain: use the files");
        } else if (t == "bundler" && !in.extra_index) {
            n.push_back(
                "the mirror of rubygems.org has no shell-variable form: set it with bundle config set --global "
                "mirror.https://rubygems.org/ " +
                c.ep.url() + ", or use Gemfile source \"" + c.ep.url() + "\"");
        } else if (t == "cargo" && !in.extra_index) {
            n.push_back("replacing crates.io needs a config file: [source.crates-io] replace-with = \"" + c.name +
                        "\"");
        }
        return n;
    }
    if (t == "poetry")
        n.push_back("publish with poetry publish -r " + c.name +
                    "; to install from it, pyproject.toml needs a source "
                    "named " +
                    c.name + " with url " + c.ep.url() + "simple/");
    else if (t == "twine")
        n.push_back("upload with twine upload -r " + c.name);
    else if (t == "gradle")
        n.push_back(
            "in the build, repositories { maven { name = \"codeartifact\"; url = "
            "uri(providers.gradleProperty(\"codeartifactUrl\").get()); credentials(PasswordCredentials::class) "
            "} } reads these properties");
    else if (t == "cargo" && in.extra_index)
        n.push_back("depend on its crates with registry = \"" + c.name + "\"");
    return n;
}

}  // namespace cat::configure
