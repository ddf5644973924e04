#include "plugin/help.hpp"

#include "protocol/params.hpp"

namespace cat::plugin {

std::string help_text() {
    std::string out = R"HELP(NAME
    codeartifact-token - get an AWS CodeArtifact authorization token

SYNOPSIS
    codeartifact-token --domain D [--domain-owner N] [--duration-seconds S] [--select P] [--region R]
                       [--profile P] [--profile-location F] [--endpoint-url U] [--role-arn A]
                       [--repository R --format F] [--output json|text|env|terraform] [options]
    codeartifact-token < query.json          (Terraform external data source)
    codeartifact-token --version | --help

DESCRIPTION
    Calls CodeArtifact GetAuthorizationToken, signed with AWS Signature Version 4, and prints the token
    the way the caller needs it. With no arguments and standard input not a terminal, it reads a JSON
    object of strings (a Terraform "external" query) and writes a flat JSON object of strings.
    Parameters mirror the PowerShell cmdlet Get-CAAuthorizationToken; in JSON input, the cmdlet's names
    and aliases (Domain, DomainOwner, DurationSecond, ProfileName, AK, ...) are accepted in any case.

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
               "region", "repository_endpoint"}: the keys that are known, all strings. --select narrows it.
    text       The selected value alone (the token by default), for TOKEN=$(codeartifact-token ...).
    env        export CODEARTIFACT_AUTH_TOKEN='...' lines, quoted for POSIX shells.
    terraform  As json; nothing on stdout and one line on stderr on error.

ENVIRONMENT
    AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or AWS_SECURITY_TOKEN)
                         Credentials.
    AWS_REGION, AWS_DEFAULT_REGION
                         The region, when --region is not given.
    AWS_ENDPOINT_URL_CODEARTIFACT, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS
                         A custom endpoint (after --endpoint-url), or ignore the configured ones.
    AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT
                         Use the FIPS or dual-stack endpoint.
    AWS_CA_BUNDLE        A PEM file of CAs to trust instead of the system store.
    AWS_MAX_ATTEMPTS     Attempts per call (standard retry mode; default 3).
    HTTPS_PROXY, HTTP_PROXY, NO_PROXY (and lower-case forms)
                         Proxy for HTTPS (CONNECT tunnel, Basic auth from the URL's user info) and the
                         hosts that bypass it.

EXIT STATUS
    0  success
    1  internal error
    2  usage or validation error (bad flag, bad input, invalid parameter)
    3  no credentials, or a credential source failed
    4  AWS returned an error (the message has the AWS error code and request id)
    5  network, TLS or timeout error (the message names the stage), or an unreadable response
    6  configuration error (no region, bad endpoint or configuration file)

EXAMPLES
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
