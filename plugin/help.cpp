#include "plugin/help.hpp"

#include <array>
#include <set>

#include "protocol/params.hpp"

namespace cat::plugin {
namespace {

constexpr std::size_t width = 80;
constexpr std::size_t flag_column = 28;  // where a parameter's description starts

// The parameters by section, most used first. Every parameter is in exactly one (a test checks).
struct Section {
    std::string_view title;
    std::vector<std::string_view> names;
};
const std::vector<Section>& sections() {
    static const std::vector<Section> s = {
        {"COMMON PARAMETERS",
         {"domain", "domain_owner", "region", "profile", "output", "select", "repository", "format",
          "duration_seconds"}},
        {"PACKAGE MANAGERS",
         {"configure", "config_file", "namespace", "extra_index", "show_token", "no_token_in_file", "credential_helper",
          "unconfigure"}},
        {"CREDENTIALS", {"role_arn", "access_key", "secret_key", "session_token", "profile_location"}},
        {"NETWORK", {"endpoint_url", "endpoint_type", "ca_bundle", "max_attempts", "connect_timeout", "read_timeout"}},
        {"CACHE", {"no_cache", "cache", "cache_dir", "refresh_margin"}},
        {"ADVANCED", {"debug", "dry_run"}},
    };
    return s;
}

// The placeholder after a flag, and a default the parameter's own help line does not give.
struct Extra {
    std::string_view name, value, default_text;
};
constexpr Extra extras[] = {
    {"domain", "DOMAIN", ""},
    {"domain_owner", "ACCOUNT", ""},
    {"region", "REGION", "AWS_REGION, the profile's region"},
    {"profile", "NAME", "AWS_PROFILE, else default"},
    {"output", "MODE", "json; terraform for a query on stdin"},
    {"select", "PROPERTY", ""},
    {"repository", "NAME", ""},
    {"format", "FORMAT", "the --configure tool's"},
    {"duration_seconds", "SECONDS", "43200, 12 hours"},
    {"configure", "TOOL[:REPO]", ""},
    {"unconfigure", "TOOL[:REPO]", ""},
    {"config_file", "FILE", ""},
    {"role_arn", "ARN", ""},
    {"endpoint_url", "URL", ""},
    {"ca_bundle", "FILE", ""},
    {"namespace", "SCOPE", ""},
    {"access_key", "KEY_ID", ""},
    {"secret_key", "KEY", ""},
    {"session_token", "TOKEN", ""},
    {"profile_location", "FILE", ""},
    {"endpoint_type", "TYPE", ""},
    {"max_attempts", "N", ""},
    {"connect_timeout", "SECONDS", ""},
    {"cache_dir", "DIR", ""},
    {"refresh_margin", "SECONDS", ""},
    {"read_timeout", "SECONDS", ""},
};

const Extra* extra_for(std::string_view name) {
    for (const auto& e : extras)
        if (e.name == name) return &e;
    return nullptr;
}

// `text` wrapped to the width, every line indented by `indent`; the first line continues `out`'s last.
void wrap(std::string& out, std::string_view text, std::size_t indent) {
    std::size_t column = out.size() - (out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
    std::size_t at = 0;
    while (at < text.size()) {
        const auto end = std::min(text.find(' ', at), text.size());
        const std::string_view word = text.substr(at, end - at);
        at = end + 1;
        if (word.empty()) continue;
        if (column > indent && column + 1 + word.size() > width) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
        } else if (column > indent) {
            out += ' ';
            ++column;
        }
        while (column < indent) {
            out += ' ';
            ++column;
        }
        out += word;
        column += word.size();
    }
    out += '\n';
}

void parameter(std::string& out, const protocol::ParamSpec& spec) {
    const Extra* e = extra_for(spec.name);
    std::string head = "  " + std::string(spec.flag);
    if (!spec.is_switch) head += " " + std::string(e && !e->value.empty() ? e->value : "VALUE");
    std::string help(spec.help);
    if (e && !e->default_text.empty() && help.find("default") == std::string::npos)
        help += " Default: " + std::string(e->default_text) + ".";
    out += head;
    if (head.size() + 2 > flag_column) {
        out += '\n';
        out.append(flag_column, ' ');
    }
    wrap(out, help, flag_column);
}

constexpr std::string_view top = R"(codeartifact-token - an AWS CodeArtifact authorization token, for CI tools

USAGE
  codeartifact-token --domain DOMAIN [--domain-owner ACCOUNT] [--region REGION]
                     [--output json|text|env] [options]
  codeartifact-token --domain DOMAIN --repository NAME --configure TOOL
  codeartifact-token exec --domain DOMAIN [--configure TOOL:REPO] -- COMMAND
  codeartifact-token < query.json        Terraform external data source
  codeartifact-token --output github     GitHub Action (inputs from INPUT_*)
  codeartifact-token -Domain DOMAIN [-DomainOwner ACCOUNT] [-Select PROPERTY]
                                         Get-CAAuthorizationToken's syntax
  codeartifact-token --help aliases      PowerShell, JSON and action names
  codeartifact-token --version

EXAMPLES
  The token alone on stdout (Jenkins: sh(returnStdout: true, script: ...)):
    codeartifact-token --domain my-domain --output text
  npm's ~/.npmrc pointed at a repository, with the token (0600):
    codeartifact-token --domain my-domain --repository npm-store --configure npm
  Terraform (the token is stored in the state: see the README):
    data "external" "codeartifact" {
      program = ["codeartifact-token"]
      query   = { domain = "my-domain", domain_owner = "111122223333" }
    }
  GitHub Actions (the job needs permissions: id-token: write):
    - uses: codeartifact-token/codeartifact-token@v1.0.0
      with:
        domain: my-domain
        role-to-assume: arn:aws:iam::111122223333:role/ci

)";

constexpr std::string_view bottom = R"(
EXEC
  codeartifact-token exec [options] -- COMMAND [ARGS...] runs COMMAND in its
  place, with the token (and each --configure tool's variables) in its
  environment, never in its arguments or on disk; its exit status is the
  command's (127: not found, 126: not runnable). --dry-run prints what would
  run, the token as ****.

OUTPUT MODES
  json       One JSON object of strings: authorization_token, expiration
             (RFC 3339 UTC), expiration_unix, domain, domain_owner (when given),
             region, repository_endpoint (with --repository), from_cache.
             --select narrows it to one key.
  text       The selected value alone (the token by default).
  env        export CODEARTIFACT_AUTH_TOKEN='...' lines (with --repository,
             CODEARTIFACT_REPOSITORY_ENDPOINT; with --configure, the tool's own
             variables instead of its files).
  terraform  As json without from_cache; the default when a query is on stdin.
  github     For the GitHub Action: the token masked, step outputs and
             CODEARTIFACT_AUTH_TOKEN in $GITHUB_ENV.
  cmdlet     Get-CAAuthorizationToken's output: {"AuthorizationToken",
             "Expiration"} for -Select '*', else the selected value alone. The
             default when the cmdlet's syntax is used: -Domain D -DomainOwner N
             -Select P ..., in any case, -Name:value, unique prefixes
             (docs/powershell.md).

CREDENTIALS
  In the AWS SDKs' order; the first source that applies is used, and when none
  does the error says what to do and what each source said:
    1. --access-key, --secret-key, --session-token (or the same JSON keys)
    2. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
    3. the profile in ~/.aws/config and ~/.aws/credentials: keys, roles
       (source_profile, credential_source; mfa_serial asks for the code on the
       terminal), web_identity_token_file, SSO (after aws sso login),
       login_session (after aws login),
       credential_process
    4. AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (EKS IRSA)
    5. GitHub Actions OIDC, with --role-arn (permissions: id-token: write)
    6. boto 2's AWS_CREDENTIAL_FILE, BOTO_CONFIG, /etc/boto.cfg, ~/.boto
    7. the ECS/EKS container endpoint (AWS_CONTAINER_CREDENTIALS_*)
    8. EC2 instance metadata (AWS_EC2_METADATA_DISABLED=true turns it off)
  With --role-arn and credentials from 1-3 or 6-8, that role is assumed.

ENVIRONMENT
  AWS_REGION, AWS_DEFAULT_REGION, AWS_PROFILE, AWS_CONFIG_FILE,
  AWS_SHARED_CREDENTIALS_FILE, AWS_ENDPOINT_URL_CODEARTIFACT, AWS_ENDPOINT_URL,
  AWS_CA_BUNDLE, AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, AWS_DEFAULTS_MODE,
  AWS_SDK_UA_APP_ID, AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT: as the
  AWS CLI reads them.
  HTTPS_PROXY, NO_PROXY    Proxy (CONNECT, user:password in the URL) and bypass.
  CODEARTIFACT_TOKEN_CACHE_DIR
                           The cache (default ~/.cache/codeartifact-token).
  CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT
                           Seconds a credential_process may run (default 60).
  Booleans (flags, keys, inputs, variables) are true/false, yes/no, on/off or
  1/0, in any case.

CACHE
  Tokens are cached per endpoint, region, domain, owner, duration and caller,
  and served while more than the refresh margin is left (15 minutes or a
  quarter of the token's life). Parallel runs make one API call.

EXIT STATUS
  0  success
  1  internal error, or standard output could not be written
  2  usage: unknown flag or key (with a suggestion), invalid value
  3  no credentials, or a credential source failed
  4  AWS returned an error (its code and request id are in the message)
  5  network, TLS or timeout error, or an unreadable response
  6  configuration: no region, bad endpoint, unusable file or cache directory
)";

}  // namespace

std::string help_text() {
    std::string out(top);
    for (const auto& section : sections()) {
        out += section.title;
        out += '\n';
        for (auto name : section.names)
            if (const auto* spec = protocol::find_param(name)) parameter(out, *spec);
        out += '\n';
    }
    if (const auto missing = help_sections_missing(); !missing.empty()) {
        out += "OTHER PARAMETERS\n";
        for (auto name : missing) parameter(out, *protocol::find_param(name));
        out += '\n';
    }
    out.pop_back();
    out += bottom;
    return out;
}

std::string aliases_text() {
    std::string out =
        "Every parameter under its names: the flag, the JSON / Terraform key (the\n"
        "GitHub Action input is the same with - for _), and the Get-CAAuthorizationToken\n"
        "names. JSON keys and action inputs match them in any case.\n\n"
        "  FLAG                KEY               CMDLET NAMES\n";
    for (const auto& spec : protocol::param_specs()) {
        std::string line = "  " + std::string(spec.flag);
        line.resize(std::max<std::size_t>(line.size() + 1, 22), ' ');
        line += spec.cli_only ? std::string_view("-") : spec.name;
        line.resize(std::max<std::size_t>(line.size() + 1, 40), ' ');
        std::string names;
        for (auto a : spec.aliases) names += (names.empty() ? "" : ", ") + std::string(a);
        out += line;
        wrap(out, names.empty() ? "-" : names, 40);
    }
    return out;
}

std::vector<std::string_view> help_sections_missing() {
    std::set<std::string_view> listed;
    for (const auto& s : sections()) listed.insert(s.names.begin(), s.names.end());
    std::vector<std::string_view> missing;
    for (const auto& spec : protocol::param_specs())
        if (!listed.contains(spec.name)) missing.push_back(spec.name);
    return missing;
}

}  // namespace cat::plugin
