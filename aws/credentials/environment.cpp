#include "aws/credentials/environment.hpp"

namespace cat::aws {

namespace {

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

}  // namespace

StaticProvider::StaticProvider(std::string access_key, std::string secret_key, std::string session_token)
    : keys_(std::move(access_key), std::move(secret_key), std::move(session_token)) {}

Resolved<AwsCredentials> StaticProvider::resolve() {
    if (keys_.access_key_id.empty() && keys_.secret_access_key.empty()) return NotApplicable{"not given"};
    if (keys_.access_key_id.empty() || keys_.secret_access_key.empty())
        return credentials_error("access_key and secret_key go together: give both");
    return AwsCredentials{keys_, std::nullopt, "explicit parameters", {}, CredentialSource::explicit_keys};
}

Resolved<AwsCredentials> EnvironmentProvider::resolve() {
    const std::string ak = env_.get("AWS_ACCESS_KEY_ID");
    const std::string sk = env_.get("AWS_SECRET_ACCESS_KEY");
    if (ak.empty() && sk.empty()) return NotApplicable{"AWS_ACCESS_KEY_ID not set"};
    if (ak.empty()) return credentials_error("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (sk.empty()) return credentials_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    std::string token = env_.get("AWS_SESSION_TOKEN");
    if (token.empty()) token = env_.get("AWS_SECURITY_TOKEN");
    return AwsCredentials{{ak, sk, std::move(token)}, std::nullopt, "environment", {}, CredentialSource::environment};
}

}  // namespace cat::aws
