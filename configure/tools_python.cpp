// The Python family: pip (pip.conf), uv (uv.toml), twine (.pypirc), Poetry (config.toml and auth.toml).
#include <algorithm>
#include <optional>

#include "configure/tools.hpp"
#include "core/text.hpp"
#include "http/transport.hpp"

namespace cat::configure::detail {
namespace {

// configparser as pip and twine use it.
const edit::IniDialect configparser{.fold_keys = true, .continuation_indent = true, .separators = "=:"};

// An index URL without its credentials ("https://aws:OLD@host/pypi/r/simple/" is https://host/pypi/r/simple/),
// normalised by http::parse_url; nullopt when it is not a URL we could have written.
std::optional<std::string> index_without_credentials(std::string_view item) {
    const auto scheme = item.find("://");
    if (scheme == std::string_view::npos) return std::nullopt;
    auto rest = item.substr(scheme + 3);
    if (const auto at = rest.find('@'); at != std::string_view::npos && at < rest.find('/')) rest.remove_prefix(at + 1);
    auto url = http::parse_url(std::string(item.substr(0, scheme + 3)) + std::string(rest));
    if (!url) return std::nullopt;
    return url->scheme + "://" + http::host_header(*url) + url->target;
}

std::string poetry_dir(const Env& env, std::string_view home) {
    const auto p = env.get("POETRY_CONFIG_DIR");
    return p.empty() ? join_path(xdg_config(env, home), "pypoetry") : p;
}

}  // namespace

namespace pip {

std::string path(const Env& env, std::string_view home) {
    auto f = env.get("PIP_CONFIG_FILE");
    if (!f.empty() && f != "/dev/null" && f != "os.devnull") return f;
    return join_path(xdg_config(env, home), "pip/pip.conf");
}

// https://pip.pypa.io/en/stable/topics/configuration/ (Windows, user): %APPDATA%\pip\pip.ini; PIP_CONFIG_FILE
// first (os.devnull, "nul" on Windows, turns files off).
std::string windows_path(const Env& env, std::string_view home) {
    auto f = env.get("PIP_CONFIG_FILE");
    if (!f.empty() && !text::iequals(f, "nul") && f != "os.devnull") return f;
    return join_windows(appdata(env, home), "pip/pip.ini");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        // pip >= 23.1 asks the `keyring` executable on PATH for the password of (index URL, user):
        // pip.pypa.io/en/stable/topics/authentication/#using-keyring-as-a-command-line-application.
        const auto ours = index_without_credentials(c.pip_url);
        if (c.in.remove) {  // our index, wherever it is; keyring-provider only with --credential-helper
            if (const auto v = edit::ini_get(f.after, configparser, "global", "index-url");
                v && index_without_credentials(*v) == ours)
                f.after = edit::ini_remove(f.after, configparser, "global", "index-url");
            f.after = edit::ini_list_remove(f.after, configparser, "global", "extra-index-url",
                                            [&](std::string_view i) { return index_without_credentials(i) == ours; });
            if (c.in.credential_helper) f.after = edit::ini_remove(f.after, configparser, "global", "keyring-provider");
            return Ok{};
        }
        if (c.in.credential_helper)
            f.after = edit::ini_set(f.after, configparser, "global", "keyring-provider", "subprocess");
        if (!c.in.extra_index) {
            f.after = edit::ini_set(f.after, configparser, "global", "index-url", c.pip_url);
            return Ok{};
        }
        // The same index with any (older) credentials is ours.
        f.after = edit::ini_list_put(f.after, configparser, "global", "extra-index-url", c.pip_url,
                                     [&](std::string_view item) { return index_without_credentials(item) == ours; });
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back(c.in.extra_index ? "PIP_EXTRA_INDEX_URL" : "PIP_INDEX_URL", c.pip_url);
    if (c.in.credential_helper) out.emplace_back("PIP_KEYRING_PROVIDER", "subprocess");
}

}  // namespace pip

namespace uv {

std::string path(const Env& env, std::string_view home) {
    if (env.has("UV_CONFIG_FILE")) return env.get("UV_CONFIG_FILE");
    return join_path(xdg_config(env, home), "uv/uv.toml");
}

// https://docs.astral.sh/uv/concepts/configuration-files/: user-level configuration in %APPDATA%\uv\uv.toml
// on Windows.
std::string windows_path(const Env& env, std::string_view home) {
    if (env.has("UV_CONFIG_FILE")) return env.get("UV_CONFIG_FILE");
    return join_windows(appdata(env, home), "uv/uv.toml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        const edit::TomlTable index{{"index"}, true, "name", c.name};
        if (c.in.remove) {
            if (c.in.credential_helper)
                if (auto s = remove_toml(f, {{}, false, "", ""}, {"keyring-provider"}); !s) return s;
            return remove_toml(f, index, {"url", "default", "name"});
        }
        // uv.toml expands no variable: with --no-token-in-file the URL has no credentials and uv takes
        // them from UV_INDEX_<NAME>_USERNAME/_PASSWORD (docs.astral.sh/uv/configuration/indexes/
        // #providing-credentials-directly), which exec and --output env set.
        const std::string url = c.in.token_reference ? c.ep.url() + "simple/" : c.pip_url;
        if (auto s = set_toml(f, index, "url", edit::toml_string(url)); !s) return s;
        if (auto s = set_toml(f, index, "default", c.in.extra_index ? "false" : "true"); !s) return s;
        // docs.astral.sh/uv/reference/settings/#keyring-provider: "subprocess" runs `keyring` on PATH.
        if (c.in.credential_helper) return set_toml(f, {{}, false, "", ""}, "keyring-provider", "\"subprocess\"");
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back(c.in.extra_index ? "UV_INDEX" : "UV_DEFAULT_INDEX", c.name + "=" + c.ep.url() + "simple/");
    out.emplace_back("UV_INDEX_" + c.env_name + "_USERNAME", "aws");
    if (c.in.credential_helper)
        out.emplace_back("UV_KEYRING_PROVIDER", "subprocess");
    else
        out.emplace_back("UV_INDEX_" + c.env_name + "_PASSWORD", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("uv takes the password from UV_INDEX_" + c.env_name +
                      "_PASSWORD: run uv under codeartifact-token exec --configure uv");
}

}  // namespace uv

namespace twine {

// The section of .pypirc, named as `aws codeartifact login --tool twine` names it, so that scripts written
// for it (twine upload -r codeartifact) work unchanged; a later run for another repository replaces it, as
// the AWS CLI's does. (Several repositories at once: TWINE_* variables through exec or --output env.)
constexpr std::string_view section = "codeartifact";

std::string path(const Env&, std::string_view home) {
    return join_path(home, ".pypirc");
}

// https://packaging.python.org/en/latest/specifications/pypirc/: .pypirc in the user's home directory
// (os.path.expanduser("~"): %USERPROFILE% on Windows).
std::string windows_path(const Env&, std::string_view home) {
    return join_windows(home, ".pypirc");
}

namespace {

// The index-servers list --configure writes where there is none: [pypi] and every section of the file
// (without [distutils], twine knows only [pypi]; listing them keeps them all usable), then ours.
std::string servers_for(std::string_view text) {
    std::string servers;
    auto sections = edit::ini_sections(text, configparser);
    if (std::find(sections.begin(), sections.end(), "pypi") == sections.end())
        sections.insert(sections.begin(), "pypi");
    for (const auto& s : sections)
        if (s != "distutils" && s != section && (" " + servers).find(" " + s + " ") == std::string::npos)
            servers += s + " ";
    return servers + std::string(section);
}

}  // namespace

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        if (c.in.remove) {
            for (auto key : {"repository", "username", "password"})
                f.after = edit::ini_remove(f.after, configparser, std::string(section), key);
            const auto servers = edit::ini_list_get(f.after, configparser, "distutils", "index-servers");
            if (!servers) return Ok{};
            // The whole entry goes (with [distutils] when nothing else is in it) only when it is what --configure
            // writes where there is none (servers_for, on one line: a list spanning lines is the user's) and it
            // names, besides ours, only what twine reads without it ("pypi testpypi", the default of twine's
            // utils.get_config), so nothing the user listed stops working. Else only our item goes: where the
            // user wrote `pypi private`, `-r private` keeps working.
            const auto derived = servers_for(f.after);
            std::string listed;
            for (const auto& s : *servers) listed += (listed.empty() ? "" : " ") + s;
            const bool written =
                listed == derived && edit::ini_get(f.after, configparser, "distutils", "index-servers") == derived;
            const bool only_defaults = std::all_of(servers->begin(), servers->end(), [](std::string_view s) {
                return s == section || s == "pypi" || s == "testpypi";
            });
            if (written && only_defaults)
                f.after = edit::ini_remove(f.after, configparser, "distutils", "index-servers");
            else
                f.after = edit::ini_list_remove(f.after, configparser, "distutils", "index-servers",
                                                [&](std::string_view item) { return item == section; });
            return Ok{};
        }
        if (edit::ini_has(f.after, configparser, "distutils", "index-servers"))
            f.after = edit::ini_list_put(f.after, configparser, "distutils", "index-servers", std::string(section),
                                         [&](std::string_view item) { return item == section; });
        else
            f.after = edit::ini_set(f.after, configparser, "distutils", "index-servers", servers_for(f.after));
        const std::string name(section);
        f.after = edit::ini_set(f.after, configparser, name, "repository", c.ep.url());
        f.after = edit::ini_set(f.after, configparser, name, "username", "aws");
        // .pypirc expands no variable; twine takes TWINE_PASSWORD instead (twine.readthedocs.io, "Environment
        // variables"), which exec and --output env set.
        // Without it, a password an earlier run wrote goes: no secret stays behind.
        f.after = c.token_in_files() ? edit::ini_set(f.after, configparser, name, "password", c.in.token)
                                     : edit::ini_remove(f.after, configparser, name, "password");
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("TWINE_REPOSITORY_URL", c.ep.url());
    out.emplace_back("TWINE_USERNAME", "aws");
    out.emplace_back("TWINE_PASSWORD", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output) out.push_back("upload with twine upload -r " + std::string(section));
    if (!env_output && c.in.token_reference)
        out.push_back(
            "twine takes the password from TWINE_PASSWORD: run it under codeartifact-token exec "
            "--configure twine");
}

}  // namespace twine

namespace poetry {

std::string path(const Env& env, std::string_view home) {
    return join_path(poetry_dir(env, home), "config.toml");
}

// https://python-poetry.org/docs/configuration/: config.toml in %APPDATA%\pypoetry on Windows, or in
// POETRY_CONFIG_DIR.
std::string windows_path(const Env& env, std::string_view home) {
    const auto p = env.get("POETRY_CONFIG_DIR");
    return join_windows(p.empty() ? join_windows(appdata(env, home), "pypoetry") : p, "config.toml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    // config.toml names the repository (for publishing); auth.toml, beside Poetry's own config.toml,
    // holds the credential: Poetry's plain-text store, read before any keyring.
    // Beside config.toml (on Windows in %APPDATA%\pypoetry), or in Poetry's folder when --config-file moved it.
    const auto sep = w.main_path.find_last_of(this_platform == Platform::windows ? "/\\" : "/");
    const std::string auth = w.config_file_given || sep == std::string::npos
                                 ? join_path(poetry_dir(w.env, w.home), "auth.toml")
                                 : w.main_path.substr(0, sep + 1) + "auth.toml";
    if (c.in.remove) {
        auto s = files.edit(w.main_path, [&](FileEdit& f) {
            return remove_toml(f, {{"repositories", c.name}, false, "", ""}, {"url"});
        });
        if (!s) return s;
        return files.edit(auth, [&](FileEdit& f) {
            return remove_toml(f, {{"http-basic", c.name}, false, "", ""}, {"username", "password"});
        });
    }
    auto s = files.edit(w.main_path, [&](FileEdit& f) {
        return set_toml(f, {{"repositories", c.name}, false, "", ""}, "url", edit::toml_string(c.ep.url()));
    });
    if (!s) return s;
    if (!c.token_in_files()) {  // POETRY_HTTP_BASIC_<NAME>_PASSWORD instead (--output env, exec)
        auto exists = files.exists(auth);
        if (!exists) return std::move(exists).error();
        if (!*exists) return Ok{};
        return files.edit(auth, [&](FileEdit& f) {
            return remove_toml(f, {{"http-basic", c.name}, false, "", ""}, {"password"});
        });
    }
    return files.edit(auth, [&](FileEdit& f) {
        const edit::TomlTable basic{{"http-basic", c.name}, false, "", ""};
        if (auto u = set_toml(f, basic, "username", edit::toml_string("aws")); !u) return u;
        return set_toml(f, basic, "password", edit::toml_string(c.in.token));
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("POETRY_REPOSITORIES_" + c.env_name + "_URL", c.ep.url());
    out.emplace_back("POETRY_HTTP_BASIC_" + c.env_name + "_USERNAME", "aws");
    out.emplace_back("POETRY_HTTP_BASIC_" + c.env_name + "_PASSWORD", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("Poetry takes the password from POETRY_HTTP_BASIC_" + c.env_name +
                      "_PASSWORD: run it under codeartifact-token exec --configure poetry");
    if (!env_output)
        out.push_back("publish with poetry publish -r " + c.name +
                      "; to install from it, pyproject.toml needs a source named " + c.name + " with url " +
                      c.ep.url() + "simple/");
}

}  // namespace poetry

}  // namespace cat::configure::detail
