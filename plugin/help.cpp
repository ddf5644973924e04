#include "plugin/help.hpp"

#include "protocol/params.hpp"

namespace cat::plugin {

std::string help_text() {
    std::string out = R"HELP(NAME
    codeartifact-token - get an AWS CodeArtifact authorization token

SYNOPSIS
    codeartifact-token --domain D [--domain-owner N] [--duration-seconds S] [--select P] [--region R]
                       [--profile P] [--profile-location F] [--endpoint-url U] [--role-arn A]
                       [--repository R --format F] [--output json|text|env|github|terraform] [options]
    codeartifact-token --domain D --repository R --configure TOOL [--dry-run] [--output env]
    codeartifact-token < query.json          (Terraform external data source)
    codeartifact-token --output github       (GitHub Action: inputs from INPUT_* variables)
    codeartifact-token --version | --help

DESCRIPTION
    Calls CodeArtifact GetAuthorizationToken, signed with AWS Signature Version 4, and prints the token
    the way the caller needs it. With no arguments and standard input not a terminal, it reads a JSON
    object of strings (a Terraform "external" query) and writes a flat JSON object of strings.
    Parameters mirror the PowerShell cmdlet Get-CAAuthorizationToken; in JSON input, the cmdlet's names
    and aliases (Domain, DomainOwner, DurationSecond, ProfileName, AK, ...) are accepted in any case, and
    as GitHub Action inputs in kebab-case (domain-owner, role-to-assume, ...). An unknown key or flag is
    an error that suggests the closest known one.
    Every boolean value (flags, JSON keys, action inputs, environment variables, profile keys) is one of
    true/false, yes/no, on/off or 1/0, in any case.

PARAMETERS
)HELP";
    for (const auto& spec : protocol::param_specs()) {
        std::string line = "    " + std::string(spec.flag) + (spec.is_switch ? "" : " VALUE");
        std::string names = std::string(spec.name);
        for (auto a : spec.aliases) names += ", " + std::string(a);
        out += line + "\n        " + std::string(spec.help) +
               "\n        JSON input: " + (spec.cli_only ? std::string("(command line only)") : names) + "\n";
    }
    out += R"HELP(
OUTPUT
    json       {"authorization_token", "expiration" (RFC 3339), "expiration_unix", "domain", "domain_owner",
               "region", "repository_endpoint", "from_cache"}: the keys that are known, all strings.
               --select narrows it to one key.
    text       The selected value alone (the token by default), for TOKEN=$(codeartifact-token ...).
    env        export CODEARTIFACT_AUTH_TOKEN='...' lines, quoted for POSIX shells (with --configure: the
               tool's own variables instead of its files).
    terraform  As json without from_cache; chosen automatically when the JSON query comes on stdin.
    github     For the GitHub Action (action.yml passes it): inputs from INPUT_* variables, the token
               masked with ::add-mask:: before anything else, outputs authorization-token, expiration and
               repository-endpoint appended to $GITHUB_OUTPUT, CODEARTIFACT_AUTH_TOKEN to $GITHUB_ENV
               (input export-env), failures also as an ::error:: annotation.

CREDENTIALS
    Looked for in this order, as the AWS SDKs do; the first source that applies is used, and when none
    does the error names each one and why:
      1. --access-key/--secret-key/--session-token (or the same from JSON or GitHub inputs)
      2. AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (skipped when --profile is given)
      3. the profile (--profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, else default) in AWS_CONFIG_FILE
         (~/.aws/config) and AWS_SHARED_CREDENTIALS_FILE or --profile-location (~/.aws/credentials):
         static keys; role_arn with source_profile or credential_source (Environment,
         Ec2InstanceMetadata, EcsContainer), external_id, role_session_name, duration_seconds;
         web_identity_token_file; sso_session or sso_start_url with sso_account_id and sso_role_name
         (after `aws sso login`); credential_process
      4. AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN (and AWS_ROLE_SESSION_NAME)
      5. GitHub Actions OIDC, with --role-arn, when ACTIONS_ID_TOKEN_REQUEST_URL and
         ACTIONS_ID_TOKEN_REQUEST_TOKEN are set (the job needs permissions: id-token: write)
      6. AWS_CONTAINER_CREDENTIALS_RELATIVE_URI or AWS_CONTAINER_CREDENTIALS_FULL_URI, with
         AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE or AWS_CONTAINER_AUTHORIZATION_TOKEN
      7. EC2 instance metadata (IMDSv2); AWS_EC2_METADATA_DISABLED, AWS_EC2_METADATA_SERVICE_ENDPOINT,
         AWS_METADATA_SERVICE_TIMEOUT, AWS_METADATA_SERVICE_NUM_ATTEMPTS
    With --role-arn and credentials from 1-3, 6 or 7, the role is assumed with them (STS AssumeRole).

ENVIRONMENT
    AWS_REGION, AWS_DEFAULT_REGION
                         The region, when --region is not given (then the profile's region, then the
                         instance's when instance metadata gave the credentials).
    AWS_ENDPOINT_URL_CODEARTIFACT, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL
                         Custom endpoints (after --endpoint-url; before the profile's services section
                         and endpoint_url). AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true ignores them.
    AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, AWS_STS_REGIONAL_ENDPOINTS
                         FIPS or dual-stack endpoints; legacy global STS (profile: use_fips_endpoint,
                         use_dualstack_endpoint, sts_regional_endpoints).
    AWS_CA_BUNDLE        A PEM file of CAs to trust instead of the system store (profile: ca_bundle).
    AWS_MAX_ATTEMPTS     Attempts per call (standard retry mode; default 3; profile: max_attempts).
    HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and lower-case forms)
                         Proxy for HTTPS (CONNECT tunnel, Basic auth from the URL's user info) and the
                         hosts that bypass it (names, domain suffixes, IPs, CIDR blocks, *).
    CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT
                         Seconds a profile's credential_process may run (default 60; 0: no limit).
                         It is then killed with what it started; its stderr is shown only on failure
                         (one line).
    CODEARTIFACT_TOKEN_CACHE_DIR, XDG_CACHE_HOME
                         The token cache directory (default ~/.cache/codeartifact-token). It must be
                         owned by the user and not writable by others; entries are 0600.

CACHE
    Tokens are cached per endpoint, region, domain, owner, duration and caller (access key id, or the
    role of assumed-role credentials) and served while more than the refresh margin is left. Parallel
    runs for the same key make one API call: the others wait on a file lock. --no-cache (JSON: cache =
    "false") turns it off. A default cache directory that cannot be created or written (no HOME, a
    read-only HOME) is skipped (--debug says so); an unsafe one (a symlink, not ours, writable by others)
    is never used and gets a warning; in both cases the token is fetched. A --cache-dir that cannot be
    used is an error (exit 6).

CONFIGURE
    --configure TOOL --repository R writes TOOL's user-scope configuration for the repository (or
    --config-file), changing only its own entries; --dry-run prints it instead (token shown as ****
    unless --show-token) and --output env prints the tool's environment variables. Without --configure,
    --dry-run prints the signed request (signature redacted) and sends nothing over the network: local
    credentials (flags, environment, files, credential_process) resolve; credentials that need the
    network (--role-arn, SSO, container, instance metadata) stop the dry run with exit 2.

EXIT STATUS
    0  success
    1  internal error
    2  usage or validation error (bad flag, bad input, invalid parameter)
    3  no credentials, or a credential source failed
    4  AWS returned an error (the message has the AWS error code and request id)
    5  network, TLS or timeout error (the message names the stage), or an unreadable response
    6  configuration error (no region, bad endpoint, configuration file or cache directory)

EXAMPLES
    GitHub Actions (action.yml):
        - uses: codeartifact-token/codeartifact-token@v1
          with: { domain: my-domain, role-to-assume: arn:aws:iam::111122223333:role/ci }
    Jenkins (sh step):
        TOKEN=$(codeartifact-token --domain my-domain --domain-owner 111122223333 --output text)
    Shell:
        eval "$(codeartifact-token --domain my-domain --output env)"
    Terraform:
        data "external" "codeartifact" {
          program = ["codeartifact-token"]
          query   = { domain = "my-domain", domain_owner = "111122223333" }
        }
)HELP";
    return out;
}

}  // namespace cat::plugin
