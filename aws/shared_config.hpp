// The shared config and credentials files as the SDKs read them: which files, which profile, and the
// merged settings of each profile.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "aws/ini.hpp"
#include "core/env.hpp"
#include "core/result.hpp"

namespace cat::aws {

struct SharedConfig {
    std::string config_path;       // AWS_CONFIG_FILE, else ~/.aws/config
    std::string credentials_path;  // --profile-location, else AWS_SHARED_CREDENTIALS_FILE, else ~/.aws/credentials
    // [default] and [profile X] of the config file, merged with [X] of the credentials file, whose keys win.
    std::map<std::string, IniSection, std::less<>> profiles;
    std::map<std::string, IniSection, std::less<>> sso_sessions;  // [sso-session X]
    std::map<std::string, IniSection, std::less<>> services;      // [services X]

    const IniSection* profile(std::string_view name) const {
        const auto it = profiles.find(name);
        return it == profiles.end() ? nullptr : &it->second;
    }
    // The endpoint_url of `service_key` (codeartifact, sts, sso) in the services section the profile names.
    std::string service_endpoint_url(const IniSection& profile, std::string_view service_key) const;
};

// A missing file is empty, not an error; an unreadable or malformed one is a config error naming it.
// `read` returns the file's text, or nothing when the file does not exist.
using FileReader = std::function<Result<std::optional<std::string>>(const std::string& path)>;
Result<SharedConfig> load_shared_config(const Env& env, std::string_view home, std::string_view profile_location,
                                        const FileReader& read);

// --profile, else AWS_PROFILE, else AWS_DEFAULT_PROFILE, else "default".
std::string selected_profile(std::string_view flag, const Env& env);

// "~/x" and "~" expanded with `home`.
std::string expand_home(std::string_view path, std::string_view home);

// Reads a file from disk: its text, nothing when it does not exist, an error naming it otherwise.
Result<std::optional<std::string>> read_optional_file(const std::string& path);

}  // namespace cat::aws
