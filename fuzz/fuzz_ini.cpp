// The shared config and credentials files. The input up to the first NUL byte is ~/.aws/config, the rest
// (when there is a NUL) ~/.aws/credentials. aws::parse_ini on each, then aws::load_shared_config with a
// reader that returns them, and every profile's services-section lookups.
#include "aws/ini.hpp"
#include "aws/shared_config.hpp"
#include "fuzz/fuzz_common.hpp"

using namespace cat;

namespace {

bool trimmed(std::string_view s) {
    constexpr std::string_view space = " \t\r\f\v";
    return s.empty() ||
           (space.find(s.front()) == std::string_view::npos && space.find(s.back()) == std::string_view::npos);
}

bool has_upper(std::string_view s) {
    for (char c : s)
        if (c >= 'A' && c <= 'Z') return true;
    return false;
}

// Parses one file's text and checks what the parser promises.
bool check_ini(std::string_view text, std::string_view source) {
    auto ini = aws::parse_ini(text, source);
    if (!ini) {
        FUZZ_CHECK(ini.error().kind == ErrorKind::config);
        FUZZ_CHECK(ini.error().message.starts_with(std::string(source) + " line "));
        fuzz::check_error(ini.error());
        return false;
    }
    for (const auto& [name, section] : ini->sections) {
        FUZZ_CHECK(!name.empty() && trimmed(name));
        for (const auto& [key, value] : section.values) {
            FUZZ_CHECK(!key.empty() && trimmed(key) && !has_upper(key));
            FUZZ_CHECK(trimmed(value.substr(0, value.find('\n'))));
        }
        for (const auto& [key, block] : section.nested) {
            FUZZ_CHECK(section.has(key));
            for (const auto& [sub, value] : block) FUZZ_CHECK(trimmed(sub) && !has_upper(sub) && trimmed(value));
        }
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    const auto nul = input.find('\0');
    const std::string config(input.substr(0, nul));
    const std::optional<std::string> credentials =
        nul == std::string_view::npos ? std::nullopt : std::optional<std::string>(input.substr(nul + 1));

    const bool config_ok = check_ini(config, "/home/fuzz/.aws/config");
    const bool credentials_ok = !credentials || check_ini(*credentials, "/home/fuzz/.aws/credentials");

    const aws::FileReader read = [&](const std::string& path) -> Result<std::optional<std::string>> {
        if (path == "/home/fuzz/.aws/config") return std::optional<std::string>(config);
        if (path == "/home/fuzz/.aws/credentials") return credentials;
        return Error::make(ErrorKind::internal, "unexpected path " + path);
    };
    auto cfg = aws::load_shared_config(Env(), "/home/fuzz", "", read);
    FUZZ_CHECK(cfg.ok() == (config_ok && credentials_ok));
    if (!cfg) {
        FUZZ_CHECK(cfg.error().kind == ErrorKind::config);
        fuzz::check_error(cfg.error());
        return 0;
    }
    for (const auto& [name, profile] : cfg->profiles) {
        FUZZ_CHECK(cfg->profile(name) == &profile);
        for (std::string_view service : {"codeartifact", "sts", "sso", "sso_oidc"}) {
            const std::string url = cfg->service_endpoint_url(profile, service);
            if (!url.empty()) FUZZ_CHECK(!cfg->services.empty());
        }
    }
    return 0;
}
