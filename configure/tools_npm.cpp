// The npm family: npm and pnpm (.npmrc), Yarn Berry (.yarnrc.yml).
#include "configure/tools.hpp"

namespace cat::configure::detail {
namespace {

using namespace std::string_view_literals;

const edit::IniDialect npmrc{.write_separator = "="};

// The key of the registry's token in .npmrc: //host/npm/repo/:_authToken.
std::string npm_token_key(const Context& c) {
    return "//" + c.ep.authority + c.ep.path + ":_authToken";
}

}  // namespace

namespace npm {

std::string path(const Env& env, std::string_view home) {
    for (auto var : {"NPM_CONFIG_USERCONFIG"sv, "npm_config_userconfig"sv})
        if (env.has(var)) return env.get(var);
    return join_path(home, ".npmrc");
}

// https://docs.npmjs.com/cli/v10/configuring-npm/npmrc: the per-user file is ~/.npmrc (npm's home is
// os.homedir(), %USERPROFILE% on Windows), or NPM_CONFIG_USERCONFIG. pnpm reads the same file.
std::string windows_path(const Env& env, std::string_view home) {
    for (auto var : {"NPM_CONFIG_USERCONFIG"sv, "npm_config_userconfig"sv})
        if (env.has(var)) return env.get(var);
    return join_windows(home, ".npmrc");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        const std::string key = c.scope.empty() ? "registry" : "@" + c.scope + ":registry";
        if (c.in.remove) {  // the registry line only while it still names our repository
            if (edit::ini_get(f.after, npmrc, "", key) == c.ep.url())
                f.after = edit::ini_remove(f.after, npmrc, "", key);
            f.after = edit::ini_remove(f.after, npmrc, "", npm_token_key(c));
            return Ok{};
        }
        f.after = edit::ini_set(f.after, npmrc, "", key, c.ep.url());
        // npm replaces ${VAR} in .npmrc values by the environment's (docs.npmjs.com/cli/configuring-npm/npmrc,
        // "Environment variables can be replaced using ${VARIABLE_NAME}"); pnpm reads .npmrc the same way.
        f.after = edit::ini_set(f.after, npmrc, "", npm_token_key(c), c.token_or("${CODEARTIFACT_AUTH_TOKEN}"));
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    if (c.scope.empty()) out.emplace_back("NPM_CONFIG_REGISTRY", c.ep.url());
    out.emplace_back("CODEARTIFACT_AUTH_TOKEN", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back(
            "the token comes from $CODEARTIFACT_AUTH_TOKEN: run npm under codeartifact-token exec, or "
            "after eval \"$(codeartifact-token ... --output env)\"");
    if (!env_output) return;
    out.push_back("npm takes a registry's token only from an .npmrc: add the line " + npm_token_key(c) +
                  "=${CODEARTIFACT_AUTH_TOKEN} to the project's .npmrc");
    if (!c.scope.empty())
        out.push_back("and the line @" + c.scope + ":registry=" + c.ep.url() + " (a scope has no variable)");
}

}  // namespace npm

namespace yarn {

std::string path(const Env& env, std::string_view home) {
    const auto rc = env.get("YARN_RC_FILENAME");
    return join_path(home, rc.empty() ? ".yarnrc.yml" : rc);
}

// https://yarnpkg.com/configuration/yarnrc: .yarnrc.yml in the home folder (%USERPROFILE%) holds the user's
// settings; YARN_RC_FILENAME renames the file.
std::string windows_path(const Env& env, std::string_view home) {
    const auto rc = env.get("YARN_RC_FILENAME");
    return join_windows(home, rc.empty() ? ".yarnrc.yml" : rc);
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        std::string registry = "//" + c.ep.authority + c.ep.path;
        registry.pop_back();  // Yarn compares registries without the final '/'
        const auto server = c.scope.empty() ? std::vector<std::string>{"npmRegistryServer"}
                                            : std::vector<std::string>{"npmScopes", c.scope, "npmRegistryServer"};
        if (c.in.remove) {  // the registry server only while it still names our repository
            if (edit::yaml_get(f.after, server) == c.ep.url())
                if (auto s = apply_edit(f, edit::yaml_remove(f.after, server, f.path)); !s) return s;
            for (auto key : {"npmAlwaysAuth", "npmAuthToken"})
                if (auto s = apply_edit(
                        f,
                        edit::yaml_remove(f.after, std::vector<std::string>{"npmRegistries", registry, key}, f.path));
                    !s)
                    return s;
            if (edit::yaml_empty(f.after)) f.after.clear();
            return Ok{};
        }
        const std::vector<std::pair<std::vector<std::string>, std::string>> sets{
            {server, quoted(c.ep.url())},
            {{"npmRegistries", registry, "npmAlwaysAuth"}, "true"},
            // Yarn Berry replaces ${NAME} in .yarnrc.yml values by the environment's
            // (yarnpkg.com/configuration/yarnrc: "environment variables ... using ${NAME}").
            {{"npmRegistries", registry, "npmAuthToken"}, quoted(c.token_or("${CODEARTIFACT_AUTH_TOKEN}"))},
        };
        for (const auto& [path, value] : sets)
            if (auto s = apply_edit(f, edit::yaml_set(f.after, path, value, false, f.path)); !s) return s;
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    if (c.scope.empty()) {
        out.emplace_back("YARN_NPM_REGISTRY_SERVER", c.ep.url());
        out.emplace_back("YARN_NPM_ALWAYS_AUTH", "true");
        out.emplace_back("YARN_NPM_AUTH_TOKEN", c.in.token);
    } else {
        out.emplace_back("CODEARTIFACT_AUTH_TOKEN", c.in.token);
    }
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("the token comes from $CODEARTIFACT_AUTH_TOKEN: run yarn under codeartifact-token exec");
    if (env_output && !c.scope.empty())
        out.push_back("a scope has no Yarn variable: in .yarnrc.yml set npmScopes: " + c.scope +
                      ": npmRegistryServer: \"" + c.ep.url() + "\" and npmAuthToken: \"${CODEARTIFACT_AUTH_TOKEN}\"");
}

}  // namespace yarn

}  // namespace cat::configure::detail
