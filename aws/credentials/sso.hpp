#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// IAM Identity Center (SSO) role credentials from the token `aws sso login` cached.
struct SsoSettings {
    std::string profile;       // the profile being resolved, for messages (`aws sso login --profile P`)
    std::string session_name;  // sso_session (the [sso-session X] section); empty for legacy profiles
    std::string start_url;     // sso_start_url
    std::string region;        // sso_region: the portal's region
    std::string account_id;    // sso_account_id
    std::string role_name;     // sso_role_name
    std::string endpoint_url;  // a configured SSO endpoint (AWS_ENDPOINT_URL_SSO, ...); empty: the regional one
};

// Reads ~/.aws/sso/cache/<sha1 hex of session_name, or of start_url for legacy profiles>.json
// ({"accessToken", "expiresAt": RFC 3339, ...}) through ctx.read_file (default: read_whole_file) under
// ctx.home (else $HOME); an expired (expiresAt <= ctx.call.now()), missing or invalid token is an
// ErrorKind::credentials error telling the user to run `aws sso login` (--sso-session S for sessions,
// --profile P for legacy profiles). Then
// GET https://portal.sso.<region>.<partition's DNS suffix>/federation/credentials?account_id=A&role_name=R
// (or the same path under endpoint_url) with header x-amz-sso_bearer_token; the response is
// {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration" (epoch milliseconds)}}.
// Sent through send_with_retries with ctx.call (its policy is --max-attempts / AWS_MAX_ATTEMPTS); 401 /
// UnauthorizedException says the SSO session has expired or is invalid; other portal errors are ErrorKind::api.
Result<AwsCredentials> credentials_from_sso(const ProviderContext& ctx, const SsoSettings& sso);

// Exposed for tests and fuzzing.
std::string sso_cache_file_name(std::string_view key);  // sha1 hex + ".json"; empty if SHA-1 is unavailable
Result<AwsCredentials> parse_sso_role_credentials(std::string_view json);

}  // namespace cat::aws
