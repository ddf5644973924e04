#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// Console credentials from `aws login` (a profile's login_session, AWS CLI 2.32+ / botocore 1.40+).
struct LoginSettings {
    std::string profile;  // the profile being resolved, for messages (`aws login --profile P`)
    std::string session;  // login_session: the session's ARN, which names the cache file
    std::string region;   // the AWS Sign-In client's region (the configured region); needed only to refresh
    // A configured Sign-In endpoint (AWS_ENDPOINT_URL_SIGNIN, the services section's signin, AWS_ENDPOINT_URL,
    // endpoint_url); empty: the regional one (signin_endpoint).
    std::string endpoint_url;
};

// Reads the cache file that `aws login` wrote, <dir>/<sha256 hex of the session ARN>.json, where <dir> is
// AWS_LOGIN_CACHE_DIRECTORY (with ~ expanded) or ~/.aws/login/cache. Its fields (botocore and the AWS SDK
// for Rust): accessToken {accessKeyId, secretAccessKey, sessionToken, accountId, expiresAt (RFC 3339)},
// refreshToken, clientId and dpopKey (a PEM P-256 private key) are required; tokenType, idToken and any
// other field are kept as they are. The cached credentials are used while more than 5 minutes are left
// (botocore's and the Rust SDK's refresh threshold); else they are refreshed: POST <endpoint>/v1/token
// (Sign-In CreateOAuth2Token, rest-json, unsigned) with {"clientId", "grantType": "refresh_token",
// "refreshToken"} and a DPoP header (dpop.hpp: an ES256 proof with htm POST, htu the URL, iat now, a new
// jti per attempt) through send_with_retries with ctx.call. The answer {"accessToken": {accessKeyId,
// secretAccessKey, sessionToken}, "expiresIn", "refreshToken"} replaces accessToken (accountId kept,
// expiresAt = now + expiresIn as "YYYY-MM-DDTHH:MM:SSZ") and refreshToken in the same file, written through
// ctx.write_file (default: files::write_private_atomic, 0600). As in both SDKs a failed refresh is an
// error even when the cached credentials have not quite expired.
//
// Errors are ErrorKind::credentials and end with "run `aws login --profile P`": no cache file, a field
// missing or malformed (named, never quoted when it is a secret), a refresh the service refused (its code,
// with the OAuth error such as TOKEN_EXPIRED); a network failure is passed on as it is; a missing region
// is ErrorKind::config.
Result<AwsCredentials> credentials_from_login(const ProviderContext& ctx, const LoginSettings& login);

// Exposed for tests and fuzzing.
// Sign-In CreateOAuth2Token's answer; a malformed one is ErrorKind::credentials naming what is wrong.
struct LoginRefresh {
    sigv4::Credentials keys;
    std::chrono::seconds expires_in{};
    Secret refresh_token;
};
Result<LoginRefresh> parse_create_oauth2_token(std::string_view json);
std::string login_cache_file_name(std::string_view session);  // sha256 hex of the trimmed ARN + ".json"
// https://<region>.signin.aws.amazon.com and the other partitions' hosts (botocore's signin endpoint rules
// for CreateOAuth2Token); a region that is not a DNS label is ErrorKind::config.
Result<std::string> signin_endpoint(std::string_view region);

}  // namespace cat::aws
