#pragma once
#include "aws/credentials/provider.hpp"
#include "core/secret.hpp"

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
    // A configured SSO OIDC endpoint (AWS_ENDPOINT_URL_SSO_OIDC, the services section's sso_oidc, ...);
    // empty: https://oidc.<region>.<partition's DNS suffix>.
    std::string oidc_endpoint_url;
};

// Reads ~/.aws/sso/cache/<sha1 hex of session_name, or of start_url for legacy profiles>.json
// ({"accessToken", "expiresAt": RFC 3339, ...}) through ctx.read_file (default: read_whole_file) under
// ctx.home (else $HOME); a missing or invalid token is an ErrorKind::credentials error telling the user to
// run `aws sso login` (--sso-session S for sessions, --profile P for legacy profiles).
//
// Sessions (sso_session) are refreshed as botocore's SSOTokenProvider does: when less than 15 minutes are
// left and the cache holds refreshToken, clientId, clientSecret and a registrationExpiresAt not yet
// passed, POST <oidc endpoint>/token {"clientId", "clientSecret", "grantType": "refresh_token",
// "refreshToken"} (SSO OIDC CreateToken, rest-json, unsigned) through send_with_retries with ctx.call; the
// answer ({"accessToken", "expiresIn", "refreshToken"?}) is written back to the same file through
// ctx.write_file (default: files::write_private_atomic, 0600) with botocore's fields: startUrl, region,
// accessToken, expiresAt (now + expiresIn, "YYYY-MM-DDTHH:MM:SSZ"), clientId, clientSecret,
// registrationExpiresAt and refreshToken when the answer has one. A failed refresh keeps a token that has
// not expired yet (botocore); an expired token that cannot be refreshed is an ErrorKind::credentials error
// "the SSO session S has expired ...: run `aws sso login --sso-session S`". Legacy profiles are never
// refreshed (botocore neither): an expired token is the same error with `--profile P`. Then
// GET https://portal.sso.<region>.<partition's DNS suffix>/federation/credentials?account_id=A&role_name=R
// (or the same path under endpoint_url) with header x-amz-sso_bearer_token; the response is
// {"roleCredentials": {"accessKeyId", "secretAccessKey", "sessionToken", "expiration" (epoch milliseconds)}}.
// Sent through send_with_retries with ctx.call (its policy is --max-attempts / AWS_MAX_ATTEMPTS); 401 /
// UnauthorizedException says the SSO session has expired or is invalid; other portal errors are ErrorKind::api.
Result<AwsCredentials> credentials_from_sso(const ProviderContext& ctx, const SsoSettings& sso);

// Exposed for tests and fuzzing.
std::string sso_cache_file_name(std::string_view key);  // sha1 hex + ".json"; empty if SHA-1 is unavailable
Result<AwsCredentials> parse_sso_role_credentials(std::string_view json);

// The SSO OIDC CreateToken answer: the new access token, its lifetime and, when rotated, the new refresh token.
struct SsoTokenRefresh {
    Secret access_token;
    std::chrono::seconds expires_in{};
    std::optional<Secret> refresh_token;
};
Result<SsoTokenRefresh> parse_sso_create_token(std::string_view json);

}  // namespace cat::aws
