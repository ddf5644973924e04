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

Result<SharedConfig> load_shared_config(const Env& env, std::string_view home, std::string_view profile_location,
                                        const FileReader& read) {
    SharedConfig cfg;
    cfg.config_path = expand_home(env.has("AWS_CONFIG_FILE") ? env.get("AWS_CONFIG_FILE") : "~/.aws/config", home);
    std::string creds = std::string(profile_location);
    if (creds.empty())
        creds = env.has("AWS_SHARED_CREDENTIALS_FILE") ? env.get("AWS_SHARED_CREDENTIALS_FILE") : "~/.aws/credentials";
    cfg.credentials_path = expand_home(creds, home);

    auto config_text = read(cfg.config_path);
    if (!config_text) return std::move(config_text).error();
    if (*config_text) {
        auto ini = parse_ini(**config_text, cfg.config_path);
        if (!ini) return std::move(ini).error();
        for (auto& [name, section] : ini->sections) {
            std::string_view n = name;
            // &section = section: clang before 16 cannot capture a structured binding implicitly.
            auto merge_into = [&, &section = section](auto& map, std::string key) {
                auto& target = map[std::move(key)];
                for (auto& [k, v] : section.values) target.values[k] = v;
                for (auto& [k, v] : section.nested) target.nested[k] = v;
            };
            if (n == "default") {
                merge_into(cfg.profiles, "default");
            } else if (n.starts_with("profile ") || n.starts_with("profile\t")) {
                std::string_view p = n.substr(8);
                while (!p.empty() && (p.front() == ' ' || p.front() == '\t')) p.remove_prefix(1);
                merge_into(cfg.profiles, std::string(p));
            } else if (n.starts_with("sso-session ")) {
                merge_into(cfg.sso_sessions, std::string(n.substr(12)));
            } else if (n.starts_with("services ")) {
                merge_into(cfg.services, std::string(n.substr(9)));
            }
            // Other sections ([plugins], or a bare [name], which the config file does not use for
            // profiles) are ignored, as botocore does.
        }
    }
    auto creds_text = read(cfg.credentials_path);
    if (!creds_text) return std::move(creds_text).error();
    if (*creds_text) {
        auto ini = parse_ini(**creds_text, cfg.credentials_path);
        if (!ini) return std::move(ini).error();
        for (auto& [name, section] : ini->sections) {
            auto& target = cfg.profiles[name];
            for (auto& [k, v] : section.values) target.values[k] = v;
        }
    }
    return cfg;
}

}  // namespace cat::aws
