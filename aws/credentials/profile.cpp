#include "aws/credentials/profile.hpp"

#include <algorithm>
#include <charconv>

#include "aws/credentials/container.hpp"
#include "aws/credentials/environment.hpp"
#include "aws/credentials/login.hpp"
#include "aws/credentials/process.hpp"
#include "aws/credentials/role_cache.hpp"
#include "aws/credentials/sso.hpp"
#include "aws/credentials/support.hpp"
#include "aws/credentials/web_identity.hpp"
#include "core/files.hpp"
#include "core/text.hpp"

namespace cat::aws {

std::string missing_profile(const SharedConfig& config, std::string_view profile) {
    std::string names;
    for (const auto& [name, section] : config.profiles) names += (names.empty() ? "" : ", ") + name;
    return "no profile " + std::string(profile) + " in " + config.config_path + " or " + config.credentials_path +
           (names.empty() ? std::string(" (they have no profiles)") : " (the profiles there: " + names + ")");
}
namespace {

// The longest source_profile chain followed (the profile itself counts as the first).
constexpr std::size_t max_source_profile_hops = 64;

// An ErrorKind::credentials error about a profile: "profile P: what".
Error credentials_error(const std::string& profile, const std::string& what) {
    return Error::make(ErrorKind::credentials, "profile " + profile + ": " + what);
}

}  // namespace

Result<AssumeRoleParams> role_params(const std::string& profile, const IniSection& section) {
    AssumeRoleParams p;
    p.role_arn = section.get("role_arn");
    p.role_session_name = section.get("role_session_name");
    p.external_id = section.get("external_id");
    if (section.has("duration_seconds")) {
        const std::string v = section.get("duration_seconds");
        int d = 0;
        const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), d);
        if (ec != std::errc() || end != v.data() + v.size() || d < 900 || d > 43200)
            return credentials_error(profile, "duration_seconds \"" + v + "\" must be a number from 900 to 43200");
        p.duration_seconds = d;
    }
    return p;
}

ProfileProvider::ProfileProvider(const ProviderContext& ctx, const SharedConfig& config, std::string profile,
                                 bool explicitly_selected, std::function<Result<StsConfig>()> sts,
                                 std::function<std::string(const IniSection&, std::string_view)> sso_endpoint,
                                 ImdsConfig imds, std::string region)
    : ctx_(ctx),
      config_(config),
      profile_(std::move(profile)),
      explicit_(explicitly_selected),
      sts_(std::move(sts)),
      sso_endpoint_(std::move(sso_endpoint)),
      imds_(std::move(imds)),
      region_(std::move(region)) {}

Resolved<AwsCredentials> ProfileProvider::resolve() {
    if (config_.profile(profile_) == nullptr) {
        std::string why = missing_profile(config_, profile_);
        if (explicit_) return Error::make(ErrorKind::credentials, std::move(why));
        return NotApplicable{std::move(why)};
    }
    std::vector<std::string> visited;
    return resolve_profile(profile_, visited, false);
}

Result<AwsCredentials> ProfileProvider::from_credential_source(const std::string& profile, const std::string& source) {
    std::unique_ptr<CredentialsProvider> provider;
    if (source == "Environment")
        provider = std::make_unique<FunctionProvider>("env", [this] { return environment_credentials(ctx_.env); });
    else if (source == "Ec2InstanceMetadata")
        provider = std::make_unique<ImdsProvider>(ctx_, imds_);
    else if (source == "EcsContainer")
        provider = std::make_unique<ContainerProvider>(ctx_);
    else
        return credentials_error(profile, "credential_source \"" + source +
                                              "\" is not one of Environment, Ec2InstanceMetadata, EcsContainer");
    auto creds = provider->resolve();
    if (creds) return std::move(*creds);
    // A named source that does not apply is a failure here.
    const std::string prefix = "profile " + profile + ": credential_source " + source + ": ";
    if (!creds.applies()) return Error::make(ErrorKind::credentials, prefix + creds.reason());
    Error e = std::move(creds).error();
    e.message = prefix + e.message;
    return e;
}

Result<AwsCredentials> ProfileProvider::assume(const std::string& profile, const IniSection& section,
                                               const AwsCredentials& source) {
    auto params = role_params(profile, section);
    if (!params) return std::move(params).error();
    // mfa_serial: as the AWS CLI, the credentials cached in ~/.aws/cli/cache while they last, else the code
    // asked for on the terminal (botocore's getpass); a program run by CI has no one to ask.
    std::string cache_path;
    std::optional<Result<StsConfig>> sts;
    if (section.has("mfa_serial")) {
        params->serial_number = section.get("mfa_serial");
        const std::string name = role_cache_file_name(*params);
        if (!name.empty() && !ctx_.home.empty()) cache_path = ctx_.home + "/.aws/cli/cache/" + name;
        if (!cache_path.empty()) {
            if (auto cached = read_role_cache(ctx_, cache_path, now(ctx_.call))) {
                detail::debug(ctx_,
                              "profile " + profile + ": credentials for " + params->role_arn + " from " + cache_path);
                cached->source = "profile " + profile + ": role " + params->role_arn + " (AWS CLI cache)";
                return std::move(*cached);
            }
        }
        // The STS settings before the code: an error in them must not come after the user typed it.
        sts.emplace(sts_());
        if (!*sts) return std::move(*sts).error();
        const std::string prompt = "Enter MFA code for " + params->serial_number + ": ";
        auto code = ctx_.ask ? ctx_.ask(prompt) : files::ask_terminal(prompt);
        if (!code) return credentials_error(profile, "mfa_serial: " + code.error().message);
        if (!*code)
            return credentials_error(profile,
                                     "mfa_serial is set and there is no terminal to ask for the MFA code; run "
                                     "it in a terminal once (the AWS CLI's cache then serves the role), use a "
                                     "credential_process that caches an MFA session, or a role without MFA");
        params->token_code = text::trim(**code);
    }
    if (!sts) sts.emplace(sts_());
    if (!*sts) return std::move(*sts).error();
    detail::debug(ctx_,
                  "profile " + profile + ": assuming " + params->role_arn + " with credentials from " + source.source);
    auto creds = assume_role(**sts, source, *params);
    if (!creds) {
        Error e = std::move(creds).error();
        e.message = "profile " + profile + ": " + e.message;
        return e;
    }
    creds->source = "profile " + profile + ": role " + params->role_arn;
    creds->kind = CredentialSource::assume_role;
    if (!cache_path.empty()) {
        if (auto s = write_role_cache(ctx_, cache_path, *creds); !s)
            detail::debug(ctx_, "profile " + profile + ": not cached: " + s.error().message);
    }
    return creds;
}

Resolved<AwsCredentials> ProfileProvider::resolve_profile(const std::string& name, std::vector<std::string>& visited,
                                                          bool as_source) {
    const IniSection* section = config_.profile(name);
    if (section == nullptr) {
        return Error::make(ErrorKind::credentials, "profile " + visited.back() + ": source_profile " + name +
                                                       " is not in " + config_.config_path + " or " +
                                                       config_.credentials_path);
    }
    if (std::find(visited.begin(), visited.end(), name) != visited.end()) {
        std::string cycle;
        for (const auto& v : visited) cycle += v + " -> ";
        return Error::make(ErrorKind::credentials, "profile " + profile_ + ": source_profile cycle: " + cycle + name);
    }
    // Each hop recurses (and assumes a role): a chain this long is a mistake, and a hostile one would
    // overflow the stack. botocore has no limit but Python's recursion limit.
    if (visited.size() >= max_source_profile_hops) {
        return Error::make(ErrorKind::credentials, "profile " + profile_ +
                                                       ": the source_profile chain is longer than " +
                                                       std::to_string(max_source_profile_hops) + " profiles");
    }
    visited.push_back(name);

    const bool has_keys = section->has("aws_access_key_id") || section->has("aws_secret_access_key");
    auto static_keys = [&]() -> Result<AwsCredentials> {
        if (!section->has("aws_access_key_id") || !section->has("aws_secret_access_key"))
            return credentials_error(name, "aws_access_key_id and aws_secret_access_key go together: give both");
        return AwsCredentials{{section->get("aws_access_key_id"), section->get("aws_secret_access_key"),
                               section->get("aws_session_token")},
                              std::nullopt,
                              "profile " + name,
                              {},
                              CredentialSource::profile};
    };

    if (section->has("role_arn")) {
        const std::string source_profile = section->get("source_profile");
        const std::string credential_source = section->get("credential_source");
        if (!source_profile.empty() && !credential_source.empty())
            return credentials_error(name, "role_arn takes source_profile or credential_source, not both");
        if (!credential_source.empty()) {
            auto source = from_credential_source(name, credential_source);
            if (!source) return source;
            return assume(name, *section, *source);
        }
        if (!source_profile.empty()) {
            // A profile that names itself as its source uses its own static keys (botocore allows this).
            Resolved<AwsCredentials> source =
                source_profile == name
                    ? (has_keys ? static_keys()
                                : credentials_error(name, "source_profile is the profile itself, which has no keys"))
                    : resolve_profile(source_profile, visited, true);
            if (!source) return source;
            return assume(name, *section, *source);
        }
        if (section->has("web_identity_token_file")) {
            auto sts = sts_();
            if (!sts) return std::move(sts).error();
            auto params = role_params(name, *section);
            if (!params) return std::move(params).error();
            return credentials_from_web_identity_file(
                ctx_, *sts, expand_home(section->get("web_identity_token_file"), ctx_.home), *params);
        }
        return credentials_error(name, "role_arn needs source_profile, credential_source or web_identity_token_file");
    }

    // A source profile with static keys is used for them, even when it could do more (botocore).
    if (as_source && has_keys) return static_keys();

    if (section->has("sso_session") || section->has("sso_start_url")) {
        SsoSettings sso;
        sso.profile = name;
        sso.account_id = section->get("sso_account_id");
        sso.role_name = section->get("sso_role_name");
        if (section->has("sso_session")) {
            sso.session_name = section->get("sso_session");
            const auto s = config_.sso_sessions.find(sso.session_name);
            if (s == config_.sso_sessions.end())
                return credentials_error(name, "sso_session " + sso.session_name + " has no [sso-session " +
                                                   sso.session_name + "] section in " + config_.config_path);
            sso.start_url = s->second.get("sso_start_url");
            sso.region = s->second.get("sso_region");
        } else {
            sso.start_url = section->get("sso_start_url");
            sso.region = section->get("sso_region");
        }
        for (auto [key, value] :
             {std::pair{"sso_start_url", &sso.start_url}, std::pair{"sso_region", &sso.region},
              std::pair{"sso_account_id", &sso.account_id}, std::pair{"sso_role_name", &sso.role_name}}) {
            if (value->empty()) return credentials_error(name, std::string("SSO configuration is missing ") + key);
        }
        if (sso_endpoint_) {
            sso.endpoint_url = sso_endpoint_(*section, "SSO");
            sso.oidc_endpoint_url = sso_endpoint_(*section, "SSO OIDC");
        }
        auto creds = credentials_from_sso(ctx_, sso);
        if (creds) creds->source = "profile " + name + ": SSO role " + sso.role_name;
        return creds;
    }
    if (has_keys) return static_keys();
    if (section->has("login_session")) {  // botocore: after the credentials file's keys, before credential_process
        LoginSettings login{name, section->get("login_session"), region_, {}};
        if (login.session.empty()) return credentials_error(name, "login_session is empty");
        if (sso_endpoint_) login.endpoint_url = sso_endpoint_(*section, "Signin");
        auto creds = credentials_from_login(ctx_, login);
        if (creds) creds->source = "profile " + name + ": login session " + login.session;
        return creds;
    }
    if (section->has("credential_process")) {
        auto creds = credentials_from_process(ctx_, section->get("credential_process"), name);
        if (!creds) return std::move(creds).error();
        creds->source = "profile " + name + ": credential_process";
        creds->kind = CredentialSource::process;
        return std::move(*creds);
    }
    if (as_source) return credentials_error(name, "is a source_profile but holds no credentials");
    return NotApplicable{"profile " + name + " holds no credentials"};
}

}  // namespace cat::aws
