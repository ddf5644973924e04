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

Status plan(const Context& c, const Where& w, Files& files) {
    const auto dir = cargo_home(w.env, w.home);
    auto config = w.config_file_given ? Result<std::string>(w.main_path) : existing_name(files, dir, "config");
    if (!config) return std::move(config).error();
    auto credentials = existing_name(files, dir, "credentials");
    if (!credentials) return std::move(credentials).error();
    auto s = files.edit(*config, [&](FileEdit& f) -> Status {
        const edit::TomlTable registry{{"registries", c.name}, false, "", ""};
        if (auto r = set_toml(f, registry, "index", edit::toml_string("sparse+" + c.ep.url())); !r) return r;
        // An auth-required registry needs a credential provider named; cargo:token reads credentials.toml.
        if (auto r = set_toml(f, registry, "credential-provider", edit::toml_string("cargo:token")); !r) return r;
        if (c.in.extra_index) return Ok{};
        // In place of crates.io it is also where cargo publish (and cargo owner, yank) go without --registry:
        // a crates.io that is replaced refuses them.
        if (auto r = set_toml(f, {{"registry"}, false, "", ""}, "default", edit::toml_string(c.name)); !r) return r;
        return set_toml(f, {{"source", "crates-io"}, false, "", ""}, "replace-with", edit::toml_string(c.name));
    });
    if (!s) return s;
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
    if (env_output && !c.in.extra_index)
        out.push_back("replacing crates.io needs a config file: [source.crates-io] replace-with = \"" + c.name + "\"");
    else if (!env_output && c.in.extra_index)
        out.push_back("depend on its crates with registry = \"" + c.name + "\"");
}

}  // namespace cargo

}  // namespace cat::configure::detail
