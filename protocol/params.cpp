#include "protocol/params.hpp"

#include <rapidjson/document.h>

#include <algorithm>
#include <array>

#include "configure/configure.hpp"
#include "core/json.hpp"
#include "core/text.hpp"

namespace cat::protocol {
namespace {

using text::fold;
using text::fold_equal;

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

// Parameters of the cmdlet, and PowerShell's common parameters, that a command line cannot carry: each
// is refused with what to use instead. Matched like the table's aliases (any case, unique prefixes).
struct Refused {
    std::string_view name;
    std::string_view instead;
};
constexpr std::string_view common_parameter =
    "is a PowerShell common parameter, which PowerShell does not apply to a program: test $LASTEXITCODE "
    "after the call (or set $PSNativeCommandUseErrorActionPreference = $true)";
constexpr std::array<Refused, 15> refused{{
    {"Credential",
     "takes a .NET AWSCredentials object, which a command line cannot carry: use -ProfileName (a profile can "
     "run a credential_process, such as a SAML helper) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"},
    {"NetworkCredential",
     "takes a .NET PSCredential for SAML federation, which a command line cannot carry: give a profile a "
     "credential_process that runs your SAML helper, and pass -ProfileName"},
    {"ClientConfig",
     "takes a .NET AmazonCodeArtifactConfig object, which a command line cannot carry: use --endpoint-url, "
     "--region, --max-attempts, --connect-timeout/--read-timeout and HTTPS_PROXY/NO_PROXY"},
    {"ErrorAction", common_parameter},
    {"WarningAction", common_parameter},
    {"InformationAction", common_parameter},
    {"ProgressAction", common_parameter},
    {"ErrorVariable", common_parameter},
    {"WarningVariable", common_parameter},
    {"InformationVariable", common_parameter},
    {"OutVariable", common_parameter},
    {"OutBuffer", common_parameter},
    {"PipelineVariable", common_parameter},
    {"WhatIf", common_parameter},
    {"Confirm", common_parameter},
}};

// The parameter nearest to `unknown` (by edit distance over names and aliases, case and '-'/'_' ignored)
// and the name that matched, when it is close enough to suggest.
struct Closest {
    const ParamSpec* spec = nullptr;
    std::string_view matched;
};
Closest closest(std::string_view unknown, bool include_cli_only) {
    const std::string key = fold(unknown);
    Closest best;
    std::size_t best_d = std::string::npos;
    for (const auto& spec : param_specs()) {
        if (!include_cli_only && spec.cli_only) continue;
        std::vector<std::string_view> names{spec.name};
        names.insert(names.end(), spec.aliases.begin(), spec.aliases.end());
        for (auto n : names) {
            const std::size_t d = distance(key, fold(n));
            if (d < best_d) {
                best_d = d;
                best = {&spec, n};
            }
        }
    }
    // Close enough: at most a third of the word wrong, and never more than 3 edits.
    if (best_d > 3 || best_d * 3 > std::max<std::size_t>(key.size(), 3)) return {};
    return best;
}

// A PowerShell-style argument: -Name or -Name:value (one dash, then a letter).
bool is_cmdlet_style(std::string_view arg) {
    return arg.size() >= 2 && arg[0] == '-' && ((arg[1] >= 'a' && arg[1] <= 'z') || (arg[1] >= 'A' && arg[1] <= 'Z'));
}

// A single-dash name bound as PowerShell binds a cmdlet's parameters: a name or alias of the table in any
// case; else a prefix of exactly one parameter's names (-DomainO is -DomainOwner; -Dom names two, an
// error). The refused parameters take part, so that -Cred is refused and not a typo.
Result<const ParamSpec*> match_cmdlet_name(std::string_view given) {
    const std::string name = "-" + std::string(given);
    const auto refuse = [&](const Refused& r) { return usage(name + " " + std::string(r.instead)); };
    for (const auto& spec : param_specs())
        for (auto alias : spec.aliases)
            if (text::iequals(alias, given)) return &spec;
    for (const auto& r : refused)
        if (text::iequals(r.name, given)) return refuse(r);
    std::vector<std::string_view> candidates;  // one name per parameter the prefix names
    const ParamSpec* spec_hit = nullptr;
    const Refused* refused_hit = nullptr;
    for (const auto& spec : param_specs()) {
        const auto it = std::ranges::find_if(spec.aliases, [&](auto a) { return text::istarts_with(a, given); });
        if (it == spec.aliases.end()) continue;
        candidates.push_back(*it);
        spec_hit = &spec;
    }
    for (const auto& r : refused) {
        if (!text::istarts_with(r.name, given)) continue;
        candidates.push_back(r.name);
        refused_hit = &r;
    }
    if (candidates.size() == 1)
        return refused_hit != nullptr ? refuse(*refused_hit) : Result<const ParamSpec*>(spec_hit);
    if (candidates.size() > 1) {
        std::string msg = "parameter " + name + " is ambiguous: it may be";
        for (std::size_t i = 0; i < candidates.size(); ++i)
            msg += (i == 0 ? " -" : i + 1 == candidates.size() ? " or -" : ", -") + std::string(candidates[i]);
        return usage(msg);
    }
    std::string msg = "unknown parameter " + name;
    if (const Closest c = closest(given, true); c.spec != nullptr) {
        const std::string_view hint = std::ranges::find(c.spec->aliases, c.matched) != c.spec->aliases.end() ? c.matched
                                      : c.spec->aliases.empty() ? std::string_view()
                                                                : c.spec->aliases.front();
        msg += hint.empty() ? " (did you mean " + std::string(c.spec->flag) + "?)"
                            : " (did you mean -" + std::string(hint) + "?)";
    }
    return usage(msg);
}

}  // namespace

const std::vector<ParamSpec>& param_specs() {
    static const std::vector<ParamSpec> specs = {
        {.name = "domain", .flag = "--domain", .aliases = {"Domain"}, .help = "The CodeArtifact domain (required)."},
        {.name = "domain_owner",
         .flag = "--domain-owner",
         .aliases = {"DomainOwner"},
         .help = "The 12-digit account ID that owns the domain (default: the caller's account)."},
        {.name = "duration_seconds",
         .flag = "--duration-seconds",
         .aliases = {"DurationSecond", "DurationSeconds"},
         .help = "Token lifetime in seconds: 0 (the credentials' remaining lifetime) or 900 to 43200."},
        {.name = "select",
         .flag = "--select",
         .aliases = {"Select"},
         .help = "What to output: * (everything), AuthorizationToken, Expiration, or ^Parameter to echo an input."},
        {.name = "region",
         .flag = "--region",
         .aliases = {"Region", "RegionToCall"},
         .help = "The AWS region to call."},
        {.name = "profile",
         .flag = "--profile",
         .aliases = {"ProfileName", "StoredCredentials", "AWSProfileName"},
         .help = "The profile in ~/.aws/config and ~/.aws/credentials."},
        {.name = "profile_location",
         .flag = "--profile-location",
         .aliases = {"ProfileLocation", "AWSProfilesLocation", "ProfilesLocation"},
         .help = "The shared credentials file to read instead of ~/.aws/credentials."},
        {.name = "access_key",
         .flag = "--access-key",
         .aliases = {"AccessKey", "AK", "AccessKeyId"},
         .help = "An access key ID (with --secret-key)."},
        {.name = "secret_key",
         .flag = "--secret-key",
         .aliases = {"SecretKey", "SK", "SecretAccessKey"},
         .secret = true,
         .help = "A secret access key. Prefer AWS_SECRET_ACCESS_KEY: argv is visible to other processes."},
        {.name = "session_token",
         .flag = "--session-token",
         .aliases = {"SessionToken", "ST"},
         .secret = true,
         .help = "A session token for temporary credentials. Prefer AWS_SESSION_TOKEN."},
        {.name = "endpoint_url",
         .flag = "--endpoint-url",
         .aliases = {"EndpointUrl"},
         .help = "Call this URL instead of the regional CodeArtifact endpoint."},
        {.name = "role_arn",
         .flag = "--role-arn",
         .aliases = {"RoleArn", "RoleToAssume"},
         .help = "A role to assume before calling CodeArtifact."},
        {.name = "repository",
         .flag = "--repository",
         .aliases = {"Repository"},
         .help = "A repository: also output its endpoint URL (with --format)."},
        {.name = "format",
         .flag = "--format",
         .aliases = {"Format"},
         .help = "The repository format: npm, pypi, maven, nuget, generic, ruby, swift or cargo."},
        {.name = "endpoint_type",
         .flag = "--endpoint-type",
         .aliases = {"EndpointType"},
         .help = "The repository endpoint type: ipv4 or dualstack."},
        {.name = "ca_bundle",
         .flag = "--ca-bundle",
         .aliases = {"CaBundle"},
         .help = "A PEM file of CA certificates to trust instead of the system store."},
        {.name = "max_attempts",
         .flag = "--max-attempts",
         .aliases = {"MaxAttempts"},
         .help = "Attempts per API call, first included (default 3)."},
        {.name = "cache",
         .flag = "--cache",
         .aliases = {"Cache"},
         .help = "True (default) or False: reuse a cached token while it has more than the refresh margin left."},
        {.name = "no_cache",
         .flag = "--no-cache",
         .aliases = {"NoCache"},
         .cli_only = true,
         .is_switch = true,
         .help = "Neither read nor write the token cache."},
        {.name = "cache_dir",
         .flag = "--cache-dir",
         .aliases = {"CacheDir"},
         .help = "The cache directory (default $CODEARTIFACT_TOKEN_CACHE_DIR, $XDG_CACHE_HOME/codeartifact-token or "
                 "~/.cache/codeartifact-token)."},
        {.name = "refresh_margin",
         .flag = "--refresh-margin",
         .aliases = {"RefreshMargin"},
         .help = "Seconds a cached token must have left to be served (default: 15 minutes or a quarter of its "
                 "lifetime, whichever is smaller)."},
        {.name = "configure", .flag = "--configure", .aliases = {"Configure"}, .help = configure::help_line()},
        {.name = "config_file",
         .flag = "--config-file",
         .aliases = {"ConfigFile"},
         .help = "With configure: the file to write instead of the tool's user-scope file."},
        {.name = "namespace",
         .flag = "--namespace",
         .aliases = {"Namespace"},
         .help = "With configure: the npm scope (or swift scope) the repository serves; for one item of "
                 "several: TOOL:REPO@SCOPE."},
        {.name = "extra_index",
         .flag = "--extra-index",
         .aliases = {"ExtraIndex"},
         .cli_only = true,
         .is_switch = true,
         .help = "With configure: add the repository beside the public registry (pip, uv, maven, cargo, bundler); "
                 "for one item of several: TOOL:REPO+extra-index."},
        {.name = "no_token_in_file",
         .flag = "--no-token-in-file",
         .cli_only = true,
         .is_switch = true,
         .help = "With configure: refer to $CODEARTIFACT_AUTH_TOKEN (or the tool's variable) instead of writing the "
                 "token."},
        {.name = "credential_helper",
         .flag = "--credential-helper",
         .cli_only = true,
         .is_switch = true,
         .help = "With configure: the tool runs codeartifact-token for each token (cargo, pip, uv)."},
        {.name = "unconfigure",
         .flag = "--unconfigure",
         .aliases = {"Unconfigure"},
         .help = "Remove what --configure TOOL wrote for the repository (needs repository and domain owner)."},
        {.name = "show_token",
         .flag = "--show-token",
         .aliases = {"ShowToken"},
         .cli_only = true,
         .is_switch = true,
         .help = "With configure and --dry-run: show the token instead of ****."},
        {.name = "output",
         .flag = "--output",
         .aliases = {"Output"},
         .cli_only = true,
         .help = "json, text, env, github, terraform or cmdlet."},
        {.name = "connect_timeout",
         .flag = "--connect-timeout",
         .aliases = {"ConnectTimeout"},
         .cli_only = true,
         .help = "Seconds for each of resolve, connect and TLS handshake (default 10)."},
        {.name = "read_timeout",
         .flag = "--read-timeout",
         .aliases = {"ReadTimeout"},
         .cli_only = true,
         .help = "Seconds for sending the request and reading the response (default 30)."},
        {.name = "debug",
         .flag = "--debug",
         .aliases = {"Debug", "Verbose"},  // PowerShell's common switches
         .cli_only = true,
         .is_switch = true,
         .help = "Log each step to stderr (never a secret)."},
        {.name = "dry_run",
         .flag = "--dry-run",
         .aliases = {"DryRun"},
         .cli_only = true,
         .is_switch = true,
         .help = "Print the signed request that would be sent, and send nothing."},
    };
    return specs;
}

const ParamSpec* find_param(std::string_view name_or_alias) {
    for (const auto& spec : param_specs()) {
        if (fold_equal(spec.name, name_or_alias)) return &spec;
        for (auto alias : spec.aliases)
            if (fold_equal(alias, name_or_alias)) return &spec;
    }
    return nullptr;
}

std::string suggest(std::string_view unknown, bool as_flag) {
    const Closest c = closest(unknown, as_flag);
    if (c.spec == nullptr) return {};
    return as_flag ? std::string(c.spec->flag) : std::string(c.spec->name);
}

void Params::set(std::string_view name, std::string value) {
    const ParamSpec* spec = find_param(name);
    if (spec != nullptr && spec->secret) {
        if (const auto it = secrets.find(name); it != secrets.end()) secrets.erase(it);
        if (!value.empty()) secrets.insert_or_assign(std::string(name), Secret(std::move(value)));
        return;
    }
    if (const auto it = values.find(name); it != values.end()) values.erase(it);
    if (!value.empty()) values.insert_or_assign(std::string(name), std::move(value));
}

const Secret& Params::secret(std::string_view name) const {
    static const Secret none;
    const auto it = secrets.find(name);
    return it == secrets.end() ? none : it->second;
}

void Params::fill_from(const Params& other) {
    for (const auto& [k, v] : other.values)
        if (!has(k)) values.emplace(k, v);
    for (const auto& [k, v] : other.secrets)
        if (!has(k)) secrets.emplace(k, v);
}

Result<Params> parse_cli(std::span<const std::string_view> args) {
    Params p;
    bool cmdlet_style = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string_view arg = args[i];
        const bool single_dash = is_cmdlet_style(arg);
        if (!single_dash && (!arg.starts_with("--") || arg.size() == 2)) {
            return usage("unexpected argument " + quoted(arg) +
                         ": parameters are given as --flag value or -Parameter value (see --help)");
        }
        // --flag=value, and PowerShell's -Parameter:value.
        std::string_view flag = arg;
        std::optional<std::string_view> inline_value;
        if (const auto sep = arg.find(single_dash ? ':' : '='); sep != std::string_view::npos) {
            flag = arg.substr(0, sep);
            inline_value = arg.substr(sep + 1);
        }
        const ParamSpec* spec = nullptr;
        if (single_dash) {
            auto m = match_cmdlet_name(flag.substr(1));
            if (!m) return std::move(m).error();
            spec = *m;
            cmdlet_style = true;
        } else {
            for (const auto& s : param_specs())
                if (s.flag == flag) spec = &s;
            if (spec == nullptr) {
                std::string msg = "unknown option " + std::string(flag);
                if (auto hint = suggest(flag.substr(2), true); !hint.empty()) msg += " (did you mean " + hint + "?)";
                return usage(msg);
            }
        }
        const std::string what = (single_dash ? "parameter " : "option ") + std::string(flag);
        // --configure (--unconfigure) may come once per tool: the items join as one list (configure::parse_targets).
        const bool list = spec->name == "configure" || spec->name == "unconfigure";
        if (p.has(spec->name) && !list) return usage(what + " is given more than once");
        if (spec->is_switch) {
            // PowerShell passes -Switch:$false to a program as -Switch:False.
            if (inline_value && !single_dash) return usage(what + " takes no value");
            const auto on = inline_value ? text::parse_bool(*inline_value) : std::optional<bool>(true);
            if (!on) return usage(what + " takes True or False after the colon");
            if (*on) p.values.insert_or_assign(std::string(spec->name), "true");
            continue;
        }
        std::string value;
        if (inline_value) {
            value = *inline_value;
        } else {
            if (i + 1 >= args.size()) return usage(what + " needs a value");
            value = args[++i];
        }
        if (spec->secret && !value.empty()) p.secrets_from_argv.emplace_back(spec->name);
        if (list && p.has(spec->name)) value = p.get(spec->name) + "," + value;
        p.set(spec->name, std::move(value));
    }
    // The cmdlet's syntax gets the cmdlet's output, unless --output says otherwise.
    if (cmdlet_style && !p.has("output")) p.set("output", "cmdlet");
    return p;
}

Result<Params> parse_json_object(std::string_view json) {
    if (json.find('\0') != std::string_view::npos)
        return usage("the input contains a NUL byte (at byte " + std::to_string(json.find('\0')) +
                     "): expected an object of strings");
    if (cat::json::too_deep(json))
        return usage("the input is nested more than " + std::to_string(cat::json::max_depth) +
                     " levels deep: expected an object of strings");
    rapidjson::Document doc;
    if (!cat::json::parse(doc, json)) {
        return usage("the input is not valid JSON (at byte " + std::to_string(doc.GetErrorOffset()) +
                     "): expected an object of strings");
    }
    if (!doc.IsObject()) return usage("the input must be a JSON object of strings");
    Params p;
    for (const auto& m : doc.GetObject()) {
        const std::string key(m.name.GetString(), m.name.GetStringLength());
        const ParamSpec* spec = find_param(key);
        if (spec == nullptr || spec->cli_only) {
            std::string msg = "unknown input " + quoted(key);
            if (auto hint = suggest(key, false); !hint.empty()) msg += " (did you mean " + quoted(hint) + "?)";
            return usage(msg);
        }
        if (!m.value.IsString()) return usage("input " + quoted(key) + " must be a string");
        if (p.has(spec->name)) return usage("input " + quoted(key) + " sets " + std::string(spec->name) + " twice");
        p.set(spec->name, std::string(m.value.GetString(), m.value.GetStringLength()));
    }
    return p;
}

}  // namespace cat::protocol
