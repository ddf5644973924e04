// The Cargo family: config.toml (the registry) and credentials.toml (its token), in CARGO_HOME.
#include "configure/tools.hpp"

namespace cat::configure::detail {
namespace {

std::string cargo_home(const Env& env, std::string_view home) {
    const auto c = env.get("CARGO_HOME");
    return c.empty() ? join_path(home, ".cargo") : c;
}

// Cargo reads the file without extension when it exists (and warns when both do).
Result<std::string> existing_name(const Files& files, const std::string& dir, std::string_view name) {
    auto legacy = files.exists(join_path(dir, name));
    if (!legacy) return std::move(legacy).error();
    return join_path(dir, *legacy ? std::string(name) : std::string(name) + ".toml");
}

}  // namespace

namespace cargo {

std::string path(const Env& env, std::string_view home) {
    return join_path(cargo_home(env, home), "config.toml");
}

// https://doc.rust-lang.org/cargo/reference/config.html: $CARGO_HOME/config.toml, CARGO_HOME defaulting to
// %USERPROFILE%\.cargo on Windows.
std::string windows_path(const Env& env, std::string_view home) {
    const auto c = env.get("CARGO_HOME");
    return join_windows(c.empty() ? join_windows(home, ".cargo") : c, "config.toml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    const auto dir = cargo_home(w.env, w.home);
    auto config = w.config_file_given ? Result<std::string>(w.main_path) : existing_name(files, dir, "config");
    if (!config) return std::move(config).error();
    auto credentials = existing_name(files, dir, "credentials");
    if (!credentials) return std::move(credentials).error();
    const edit::TomlTable registry{{"registries", c.name}, false, "", ""};
    if (c.in.remove) {
        auto s = files.edit(*config, [&](FileEdit& f) -> Status {
            if (auto r = remove_toml(f, registry, {"index", "credential-provider"}); !r) return r;
            // The default registry and crates.io's replacement only while they are ours.
            if (f.after.find("default = " + edit::toml_string(c.name)) != std::string::npos)
                if (auto r = remove_toml(f, {{"registry"}, false, "", ""}, {"default"}); !r) return r;
            if (f.after.find("replace-with = " + edit::toml_string(c.name)) == std::string::npos) return Ok{};
            return remove_toml(f, {{"source", "crates-io"}, false, "", ""}, {"replace-with"});
        });
        if (!s) return s;
        auto exists = files.exists(*credentials);
        if (!exists) return std::move(exists).error();
        if (!*exists) return Ok{};
        return files.edit(*credentials, [&](FileEdit& f) { return remove_toml(f, registry, {"token"}); });
    }
    auto s = files.edit(*config, [&](FileEdit& f) -> Status {
        if (auto r = set_toml(f, registry, "index", edit::toml_string("sparse+" + c.ep.url())); !r) return r;
        // An auth-required registry needs a credential provider named. cargo:token reads credentials.toml, or
        // CARGO_REGISTRIES_<NAME>_TOKEN (--no-token-in-file: exec and --output env set it). --credential-helper
        // names this program instead, which cargo runs with --cargo-plugin and asks over its JSON protocol
        // (doc.rust-lang.org/cargo/reference/credential-provider-protocol.html); an array, so that no
        // argument is split at spaces (registries.<name>.credential-provider in the config reference).
        std::string provider = edit::toml_string("cargo:token");
        if (c.in.credential_helper) {
            provider = "[";
            for (const auto& arg : c.in.helper_command)
                provider += (provider.size() > 1 ? ", " : "") + edit::toml_string(arg);
            provider += "]";
        }
        if (auto r = set_toml(f, registry, "credential-provider", provider); !r) return r;
        if (c.in.extra_index) return Ok{};
        // In place of crates.io it is also where cargo publish (and cargo owner, yank) go without --registry:
        // a crates.io that is replaced refuses them.
        if (auto r = set_toml(f, {{"registry"}, false, "", ""}, "default", edit::toml_string(c.name)); !r) return r;
        return set_toml(f, {{"source", "crates-io"}, false, "", ""}, "replace-with", edit::toml_string(c.name));
    });
    if (!s) return s;
    if (!c.token_in_files()) {  // a token an earlier run wrote goes: no secret stays behind
        auto exists = files.exists(*credentials);
        if (!exists) return std::move(exists).error();
        if (!*exists) return Ok{};
        return files.edit(*credentials, [&](FileEdit& f) { return remove_toml(f, registry, {"token"}); });
    }
    return files.edit(*credentials, [&](FileEdit& f) {
        return set_toml(f, {{"registries", c.name}, false, "", ""}, "token", edit::toml_string("Bearer " + c.in.token));
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_INDEX", "sparse+" + c.ep.url());
    out.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_CREDENTIAL_PROVIDER", "cargo:token");
    out.emplace_back("CARGO_REGISTRIES_" + c.env_name + "_TOKEN", "Bearer " + c.in.token);
    if (!c.in.extra_index) out.emplace_back("CARGO_REGISTRY_DEFAULT", c.name);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("cargo takes the token from CARGO_REGISTRIES_" + c.env_name +
                      "_TOKEN: run it under codeartifact-token exec --configure cargo");
    if (env_output && !c.in.extra_index)
        out.push_back("replacing crates.io needs a config file: [source.crates-io] replace-with = \"" + c.name + "\"");
    else if (!env_output && c.in.extra_index)
        out.push_back("depend on its crates with registry = \"" + c.name + "\"");
}

}  // namespace cargo

}  // namespace cat::configure::detail
