// The Python family: pip (pip.conf), uv (uv.toml), twine (.pypirc), Poetry (config.toml and auth.toml).
#include <algorithm>
#include <optional>

#include "configure/tools.hpp"
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

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        if (!c.in.extra_index) {
            f.after = edit::ini_set(f.after, configparser, "global", "index-url", c.pip_url);
            return Ok{};
        }
        // The same index with any (older) credentials is ours.
        const auto ours = index_without_credentials(c.pip_url);
        f.after = edit::ini_list_put(f.after, configparser, "global", "extra-index-url", c.pip_url,
                                     [&](std::string_view item) { return index_without_credentials(item) == ours; });
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back(c.in.extra_index ? "PIP_EXTRA_INDEX_URL" : "PIP_INDEX_URL", c.pip_url);
}

}  // namespace pip

namespace uv {

std::string path(const Env& env, std::string_view home) {
    if (env.has("UV_CONFIG_FILE")) return env.get("UV_CONFIG_FILE");
    return join_path(xdg_config(env, home), "uv/uv.toml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        const edit::TomlTable index{{"index"}, true, "name", c.name};
        if (auto s = set_toml(f, index, "url", edit::toml_string(c.pip_url)); !s) return s;
        return set_toml(f, index, "default", c.in.extra_index ? "false" : "true");
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back(c.in.extra_index ? "UV_INDEX" : "UV_DEFAULT_INDEX", c.name + "=" + c.ep.url() + "simple/");
    out.emplace_back("UV_INDEX_" + c.env_name + "_USERNAME", "aws");
    out.emplace_back("UV_INDEX_" + c.env_name + "_PASSWORD", c.in.token);
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

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        if (edit::ini_has(f.after, configparser, "distutils", "index-servers")) {
            f.after = edit::ini_list_put(f.after, configparser, "distutils", "index-servers", std::string(section),
                                         [&](std::string_view item) { return item == section; });
        } else {
            // Without [distutils], twine knows only [pypi]; listing the sections keeps them all usable.
            std::string servers;
            auto sections = edit::ini_sections(f.after, configparser);
            if (std::find(sections.begin(), sections.end(), "pypi") == sections.end())
                sections.insert(sections.begin(), "pypi");
            for (const auto& s : sections)
                if (s != "distutils" && s != section && servers.find(" " + s + " ") == std::string::npos)
                    servers += s + " ";
            servers += std::string(section);
            f.after = edit::ini_set(f.after, configparser, "distutils", "index-servers", servers);
        }
        f.after = edit::ini_set(f.after, configparser, std::string(section), "repository", c.ep.url());
        f.after = edit::ini_set(f.after, configparser, std::string(section), "username", "aws");
        f.after = edit::ini_set(f.after, configparser, std::string(section), "password", c.in.token);
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("TWINE_REPOSITORY_URL", c.ep.url());
    out.emplace_back("TWINE_USERNAME", "aws");
    out.emplace_back("TWINE_PASSWORD", c.in.token);
}

void notes(const Context&, bool env_output, std::vector<std::string>& out) {
    if (!env_output) out.push_back("upload with twine upload -r " + std::string(section));
}

}  // namespace twine

namespace poetry {

std::string path(const Env& env, std::string_view home) {
    return join_path(poetry_dir(env, home), "config.toml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    // config.toml names the repository (for publishing); auth.toml, beside Poetry's own config.toml,
    // holds the credential: Poetry's plain-text store, read before any keyring.
    auto s = files.edit(w.main_path, [&](FileEdit& f) {
        return set_toml(f, {{"repositories", c.name}, false, "", ""}, "url", edit::toml_string(c.ep.url()));
    });
    if (!s) return s;
    return files.edit(join_path(poetry_dir(w.env, w.home), "auth.toml"), [&](FileEdit& f) {
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
    if (!env_output)
        out.push_back("publish with poetry publish -r " + c.name +
                      "; to install from it, pyproject.toml needs a source named " + c.name + " with url " +
                      c.ep.url() + "simple/");
}

}  // namespace poetry

}  // namespace cat::configure::detail
