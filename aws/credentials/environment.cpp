#include "aws/credentials/environment.hpp"

namespace cat::aws {

Error skip(std::string reason) {
    Error e = Error::make(ErrorKind::credentials, std::move(reason));
    e.code = std::string(not_applicable);
    return e;
}

bool skipped(const Error& e) {
    return e.code == not_applicable;
}

StaticProvider::StaticProvider(std::string access_key, std::string secret_key, std::string session_token)
    : keys_(std::move(access_key), std::move(secret_key), std::move(session_token)) {}

Result<AwsCredentials> StaticProvider::resolve() {
    if (keys_.access_key_id.empty() && keys_.secret_access_key.empty()) return skip("not given");
    if (keys_.access_key_id.empty() || keys_.secret_access_key.empty())
        return Error::make(ErrorKind::credentials, "access_key and secret_key go together: give both");
    return AwsCredentials{keys_, std::nullopt, "explicit parameters", {}};
}

Result<AwsCredentials> EnvironmentProvider::resolve() {
    const std::string ak = env_.get("AWS_ACCESS_KEY_ID");
    const std::string sk = env_.get("AWS_SECRET_ACCESS_KEY");
    if (ak.empty() && sk.empty()) return skip("AWS_ACCESS_KEY_ID not set");
    if (ak.empty())
        return Error::make(ErrorKind::credentials, "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (sk.empty())
        return Error::make(ErrorKind::credentials, "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    std::string token = env_.get("AWS_SESSION_TOKEN");
    if (token.empty()) token = env_.get("AWS_SECURITY_TOKEN");
    return AwsCredentials{{ak, sk, std::move(token)}, std::nullopt, "environment", {}};
}

}  // namespace cat::aws
