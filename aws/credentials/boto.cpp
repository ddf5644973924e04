#include "aws/credentials/boto.hpp"

#include "aws/credentials/support.hpp"
#include "aws/ini.hpp"
#include "aws/shared_config.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

Result<std::optional<std::string>> read_if_exists(const ProviderContext& ctx, const std::string& path) {
    return ctx.read_if_exists ? ctx.read_if_exists(path) : read_optional_file(path);
}

AwsCredentials keys(std::string access_key, std::string secret_key, std::string source) {
    return {{std::move(access_key), std::move(secret_key), {}},
            std::nullopt,
            std::move(source),
            {},
            CredentialSource::boto};
}

// The file's values, wiped when done: they are keys.
struct WipedIni {
    IniFile ini;
    WipedIni() = default;
    WipedIni(const WipedIni&) = delete;
    WipedIni& operator=(const WipedIni&) = delete;
    ~WipedIni() {
        for (auto& [name, section] : ini.sections)
            for (auto& [key, value] : section.values) wipe(value);
    }
};

}  // namespace

Resolved<AwsCredentials> ec2_credential_file(const ProviderContext& ctx) {
    if (!ctx.env.has("AWS_CREDENTIAL_FILE")) return NotApplicable{"AWS_CREDENTIAL_FILE not set"};
    const std::string path = expand_home(ctx.env.get("AWS_CREDENTIAL_FILE"), ctx.home);
    auto content = detail::read_source_file(ctx, path, "AWS_CREDENTIAL_FILE");
    if (!content) return std::move(content).error();
    std::optional<std::string> access_key;
    Secret secret_key;
    bool has_secret = false;
    std::string_view rest = *content;
    while (!rest.empty()) {
        const auto end = rest.find_first_of("\r\n");
        const std::string_view line = rest.substr(0, end);
        rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
        const auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        const std::string_view key = text::trim(line.substr(0, eq));
        const std::string_view value = text::trim(line.substr(eq + 1));
        if (key == "AWSAccessKeyId") access_key = std::string(value);
        if (key == "AWSSecretKey") {
            secret_key = Secret(std::string(value));
            has_secret = true;
        }
    }
    wipe(*content);
    if (!access_key) return NotApplicable{"AWS_CREDENTIAL_FILE " + path + " has no AWSAccessKeyId"};
    if (!has_secret)
        return Error::make(ErrorKind::credentials,
                           "AWS_CREDENTIAL_FILE " + path + " has AWSAccessKeyId but no AWSSecretKey");
    return keys(std::move(*access_key), secret_key.reveal(), "AWS_CREDENTIAL_FILE " + path);
}

// As botocore's BotoProvider: BOTO_CONFIG, even when set to "", replaces the two default files; a file that
// is absent, not a regular file or unreadable is passed over (raw_config_parse's os.path.isfile, and
// configparser skips what it cannot open), so BOTO_CONFIG=/dev/null or "" only turns the boto files off.
Resolved<AwsCredentials> boto_config(const ProviderContext& ctx) {
    std::vector<std::string> paths;
    if (const auto set = ctx.env.all().find("BOTO_CONFIG"); set != ctx.env.all().end())
        paths.push_back(expand_home(set->second, ctx.home));
    else
        paths = {"/etc/boto.cfg", expand_home("~/.boto", ctx.home)};
    std::string passed;
    for (const auto& path : paths) {
        const std::string shown = path.empty() ? "BOTO_CONFIG \"\"" : path;
        auto content = path.empty() ? Result<std::optional<std::string>>(std::nullopt) : read_if_exists(ctx, path);
        if (!content) {
            passed += (passed.empty() ? "" : ", ") + content.error().message;
            continue;
        }
        if (!*content) {
            passed += (passed.empty() ? "" : ", ") + shown + " absent";
            continue;
        }
        WipedIni file;
        auto parsed = parse_ini(**content, path);
        wipe(**content);
        if (!parsed) {
            Error e = std::move(parsed).error();
            e.kind = ErrorKind::credentials;
            return e;
        }
        file.ini = std::move(*parsed);
        const auto it = file.ini.sections.find("Credentials");
        if (it == file.ini.sections.end() || !it->second.has("aws_access_key_id")) {
            passed += (passed.empty() ? "" : ", ") + path + " has no [Credentials] aws_access_key_id";
            continue;
        }
        if (!it->second.has("aws_secret_access_key"))
            return Error::make(ErrorKind::credentials,
                               path + ": [Credentials] has aws_access_key_id but no aws_secret_access_key");
        return keys(it->second.get("aws_access_key_id"), it->second.get("aws_secret_access_key"),
                    "boto config " + path);
    }
    return NotApplicable{passed};
}

}  // namespace cat::aws
