#include "aws/shared_config.hpp"

namespace cat::aws {

std::string expand_home(std::string_view path, std::string_view home) {
    if (path == "~") return std::string(home);
    if (path.starts_with("~/")) return std::string(home) + std::string(path.substr(1));
    return std::string(path);
}

std::string selected_profile(std::string_view flag, const Env& env) {
    if (!flag.empty()) return std::string(flag);
    if (env.has("AWS_PROFILE")) return env.get("AWS_PROFILE");
    if (env.has("AWS_DEFAULT_PROFILE")) return env.get("AWS_DEFAULT_PROFILE");
    return "default";
}

std::string SharedConfig::service_endpoint_url(const IniSection& profile, std::string_view service_key) const {
    const std::string name = profile.get("services");
    if (name.empty()) return {};
    const auto s = services.find(name);
    if (s == services.end()) return {};
    const auto block = s->second.nested.find(service_key);
    if (block == s->second.nested.end()) return {};
    const auto url = block->second.find("endpoint_url");
    return url == block->second.end() ? std::string() : url->second;
}

namespace {

// The file parsed; an empty file when it does not exist.
Result<IniFile> read_ini(const FileReader& read, const std::string& path) {
    auto text = read(path);
    if (!text) return std::move(text).error();
    if (!*text) return IniFile{};
    return parse_ini(**text, path);
}

// Repeated sections merge, a later key winning.
void merge(IniSection& into, const IniSection& from) {
    for (const auto& [k, v] : from.values) into.values[k] = v;
    for (const auto& [k, v] : from.nested) into.nested[k] = v;
}

}  // namespace

Result<SharedConfig> load_shared_config(const Env& env, std::string_view home, std::string_view profile_location,
                                        const FileReader& read) {
    SharedConfig cfg;
    cfg.config_path = expand_home(env.has("AWS_CONFIG_FILE") ? env.get("AWS_CONFIG_FILE") : "~/.aws/config", home);
    std::string creds = std::string(profile_location);
    if (creds.empty())
        creds = env.has("AWS_SHARED_CREDENTIALS_FILE") ? env.get("AWS_SHARED_CREDENTIALS_FILE") : "~/.aws/credentials";
    cfg.credentials_path = expand_home(creds, home);

    auto config = read_ini(read, cfg.config_path);
    if (!config) return std::move(config).error();
    for (auto& [name, section] : config->sections) {
        std::string_view n = name;
        if (n == "default") {
            merge(cfg.profiles["default"], section);
        } else if (n.starts_with("profile ") || n.starts_with("profile\t")) {
            std::string_view p = n.substr(8);
            while (!p.empty() && (p.front() == ' ' || p.front() == '\t')) p.remove_prefix(1);
            merge(cfg.profiles[std::string(p)], section);
        } else if (n.starts_with("sso-session ")) {
            merge(cfg.sso_sessions[std::string(n.substr(12))], section);
        } else if (n.starts_with("services ")) {
            merge(cfg.services[std::string(n.substr(9))], section);
        }
        // Other sections ([plugins], or a bare [name], which the config file does not use for
        // profiles) are ignored, as botocore does.
    }
    auto credentials = read_ini(read, cfg.credentials_path);
    if (!credentials) return std::move(credentials).error();
    for (auto& [name, section] : credentials->sections) {
        section.nested.clear();  // the credentials file has no nested blocks
        merge(cfg.profiles[name], section);
    }
    return cfg;
}

}  // namespace cat::aws
