#include "protocol/params.hpp"

#include <rapidjson/document.h>

#include <algorithm>

#include "configure/configure.hpp"

namespace cat::protocol {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

// Case-insensitive, with '-' and '_' ignored, so "Domain-Owner", "domain_owner", "DOMAINOWNER" and the
// action's "domain-owner" all reach domain_owner.
std::string fold(std::string_view s) {
    std::string out;
    for (char c : lower(s))
        if (c != '-' && c != '_') out += c;
    return out;
}

std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diag = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t up = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diag = up;
        }
    }
    return row[b.size()];
}

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
    static const std::vector<ParamSpec> specs = {
        {"domain", "--domain", {"Domain"}, false, false, false, "The CodeArtifact domain (required)."},
        {"domain_owner",
         "--domain-owner",
         {"DomainOwner"},
         false,
         false,
         false,
         "The 12-digit account ID that owns the domain (default: the caller's account)."},
        {"duration_seconds",
         "--duration-seconds",
         {"DurationSecond", "DurationSeconds"},
         false,
         false,
         false,
         "Token lifetime in seconds: 0 (the credentials' remaining lifetime) or 900 to 43200."},
        {"select",
         "--select",
         {"Select"},
         false,
         false,
         false,
         "What to output: * (everything), AuthorizationToken, Expiration, or ^Parameter to echo an input."},
        {"region", "--region", {"Region", "RegionToCall"}, false, false, false, "The AWS region to call."},
        {"profile",
         "--profile",
         {"ProfileName", "StoredCredentials", "AWSProfileName"},
         false,
         false,
         false,
         "The profile in ~/.aws/config and ~/.aws/credentials."},
        {"profile_location",
         "--profile-location",
         {"ProfileLocation", "AWSProfilesLocation", "ProfilesLocation"},
         false,
         false,
         false,
         "The shared credentials file to read instead of ~/.aws/credentials."},
        {"access_key",
         "--access-key",
         {"AccessKey", "AK", "AccessKeyId"},
         false,
         false,
         false,
         "An access key ID (with --secret-key)."},
        {"secret_key",
         "--secret-key",
         {"SecretKey", "SK", "SecretAccessKey"},
         true,
         false,
         false,
         "A secret access key. Prefer AWS_SECRET_ACCESS_KEY: argv is visible to other processes."},
        {"session_token",
         "--session-token",
         {"SessionToken", "ST"},
         true,
         false,
         false,
         "A session token for temporary credentials. Prefer AWS_SESSION_TOKEN."},
        {"endpoint_url",
         "--endpoint-url",
         {"EndpointUrl"},
         false,
         false,
         false,
         "Call this URL instead of the regional CodeArtifact endpoint."},
        {"role_arn",
         "--role-arn",
         {"RoleArn", "RoleToAssume"},
         false,
         false,
         false,
         "A role to assume before calling CodeArtifact."},
        {"repository",
         "--repository",
         {"Repository"},
         false,
         false,
         false,
         "A repository: also output its endpoint URL (with --format)."},
        {"format",
         "--format",
         {"Format"},
         false,
         false,
         false,
         "The repository format: npm, pypi, maven, nuget, generic, ruby, swift or cargo."},
        {"endpoint_type",
         "--endpoint-type",
         {"EndpointType"},
         false,
         false,
         false,
         "The repository endpoint type: ipv4 or dualstack."},
        {"ca_bundle",
         "--ca-bundle",
         {"CaBundle"},
         false,
         false,
         false,
         "A PEM file of CA certificates to trust instead of the system store."},
        {"max_attempts",
         "--max-attempts",
         {"MaxAttempts"},
         false,
         false,
         false,
         "Attempts per API call, first included (default 3)."},
        {"cache",
         "--cache",
         {"Cache"},
         false,
         false,
         false,
         "true (default) or false: reuse a cached token while it has more than the refresh margin left."},
        {"no_cache", "--no-cache", {}, false, true, true, "Neither read nor write the token cache."},
        {"cache_dir",
         "--cache-dir",
         {"CacheDir"},
         false,
         false,
         false,
         "The cache directory (default $CODEARTIFACT_TOKEN_CACHE_DIR, $XDG_CACHE_HOME/codeartifact-token or "
         "~/.cache/codeartifact-token)."},
        {"refresh_margin",
         "--refresh-margin",
         {"RefreshMargin"},
         false,
         false,
         false,
         "Seconds a cached token must have left to be served (default: 15 minutes or a quarter of its "
         "lifetime, whichever is smaller)."},
        {"configure", "--configure", {"Configure"}, false, false, false, configure::help_line()},
        {"config_file",
         "--config-file",
         {"ConfigFile"},
         false,
         false,
         false,
         "With configure: the file to write instead of the tool's user-scope file."},
        {"namespace",
         "--namespace",
         {"Namespace"},
         false,
         false,
         false,
         "With configure: the npm scope (or swift scope) the repository serves."},
        {"extra_index",
         "--extra-index",
         {},
         false,
         true,
         true,
         "With configure: add the repository beside the public registry (pip, uv, maven, cargo, bundler)."},
        {"show_token",
         "--show-token",
         {},
         false,
         true,
         true,
         "With configure and --dry-run: show the token instead of ****."},
        {"output", "--output", {}, false, true, false, "json, text, env, github or terraform."},
        {"connect_timeout",
         "--connect-timeout",
         {},
         false,
         true,
         false,
         "Seconds for each of resolve, connect and TLS handshake (default 10)."},
        {"read_timeout",
         "--read-timeout",
         {},
         false,
         true,
         false,
         "Seconds for sending the request and reading the response (default 30)."},
        {"debug", "--debug", {}, false, true, true, "Log each step to stderr (never a secret)."},
        {"dry_run",
         "--dry-run",
         {},
         false,
         true,
         true,
         "Print the signed request that would be sent, and send nothing."},
    };
    return specs;
}

const ParamSpec* find_param(std::string_view name_or_alias) {
    const std::string key = fold(name_or_alias);
    for (const auto& spec : param_specs()) {
        if (fold(spec.name) == key) return &spec;
        for (auto alias : spec.aliases)
            if (fold(alias) == key) return &spec;
    }
    return nullptr;
}

std::string suggest(std::string_view unknown, bool as_flag) {
    const std::string key = fold(unknown);
    std::string best;
    std::size_t best_d = std::string::npos;
    for (const auto& spec : param_specs()) {
        if (!as_flag && spec.cli_only) continue;
        std::vector<std::string_view> names{spec.name};
        names.insert(names.end(), spec.aliases.begin(), spec.aliases.end());
        for (auto n : names) {
            const std::size_t d = distance(key, fold(n));
            if (d < best_d) {
                best_d = d;
                best = as_flag ? std::string(spec.flag) : std::string(spec.name);
            }
        }
    }
    // Close enough: at most a third of the word wrong, and never more than 3 edits.
    if (best_d > 3 || best_d * 3 > std::max<std::size_t>(key.size(), 3)) return {};
    return best;
}

void Params::set(std::string_view name, std::string value) {
    if (value.empty()) {
        if (const auto it = values.find(name); it != values.end()) values.erase(it);
        return;
    }
    values.insert_or_assign(std::string(name), std::move(value));
}

Result<Params> parse_cli(std::span<const std::string_view> args) {
    Params p;
    for (std::size_t i = 0; i < args.size(); ++i) {
        std::string_view arg = args[i];
        if (!arg.starts_with("--") || arg.size() == 2) {
            return usage("unexpected argument \"" + std::string(arg) + "\": parameters are given as --flag value " +
                         "(see --help)");
        }
        std::string_view flag = arg;
        std::optional<std::string_view> inline_value;
        if (const auto eq = arg.find('='); eq != std::string_view::npos) {
            flag = arg.substr(0, eq);
            inline_value = arg.substr(eq + 1);
        }
        const ParamSpec* spec = nullptr;
        for (const auto& s : param_specs())
            if (s.flag == flag) spec = &s;
        if (spec == nullptr) {
            std::string msg = "unknown option " + std::string(flag);
            if (auto hint = suggest(flag.substr(2), true); !hint.empty()) msg += " (did you mean " + hint + "?)";
            return usage(msg);
        }
        if (p.has(spec->name)) return usage("option " + std::string(flag) + " is given more than once");
        if (spec->is_switch) {
            if (inline_value) return usage("option " + std::string(flag) + " takes no value");
            p.values.insert_or_assign(std::string(spec->name), "true");
            continue;
        }
        std::string value;
        if (inline_value) {
            value = *inline_value;
        } else {
            if (i + 1 >= args.size()) return usage("option " + std::string(flag) + " needs a value");
            value = args[++i];
        }
        if (spec->secret && !value.empty()) p.secrets_from_argv.emplace_back(spec->name);
        p.set(spec->name, std::move(value));
    }
    return p;
}

Result<Params> parse_json_object(std::string_view json) {
    rapidjson::Document doc;
    doc.Parse(json.data(), json.size());
    if (doc.HasParseError()) {
        return usage("the input is not valid JSON (at byte " + std::to_string(doc.GetErrorOffset()) +
                     "): expected an object of strings");
    }
    if (!doc.IsObject()) return usage("the input must be a JSON object of strings");
    Params p;
    for (const auto& m : doc.GetObject()) {
        const std::string key(m.name.GetString(), m.name.GetStringLength());
        const ParamSpec* spec = find_param(key);
        if (spec == nullptr || spec->cli_only) {
            std::string msg = "unknown input \"" + key + "\"";
            if (auto hint = suggest(key, false); !hint.empty()) msg += " (did you mean \"" + hint + "\"?)";
            return usage(msg);
        }
        if (!m.value.IsString()) return usage("input \"" + key + "\" must be a string");
        if (p.has(spec->name)) return usage("input \"" + key + "\" sets " + std::string(spec->name) + " twice");
        p.set(spec->name, std::string(m.value.GetString(), m.value.GetStringLength()));
    }
    return p;
}

}  // namespace cat::protocol
