#include "aws/credentials/environment.hpp"

namespace cat::aws {

namespace {

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

}  // namespace

Resolved<AwsCredentials> explicit_credentials(std::string_view access_key, const Secret& secret_key,
                                              const Secret& session_token) {
    if (access_key.empty() && secret_key.empty()) return NotApplicable{"not given"};
    if (access_key.empty() || secret_key.empty())
        return credentials_error("access_key and secret_key go together: give both");
    return AwsCredentials{{std::string(access_key), secret_key.reveal(), session_token.reveal()},
                          std::nullopt,
                          "explicit parameters",
                          {},
                          CredentialSource::explicit_keys};
}

Resolved<AwsCredentials> environment_credentials(const Env& env) {
    const std::string ak = env.get("AWS_ACCESS_KEY_ID");
    const std::string sk = env.get("AWS_SECRET_ACCESS_KEY");
    if (ak.empty() && sk.empty()) return NotApplicable{"AWS_ACCESS_KEY_ID not set"};
    if (ak.empty()) return credentials_error("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not");
    if (sk.empty()) return credentials_error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not");
    std::string token = env.get("AWS_SESSION_TOKEN");
    if (token.empty()) token = env.get("AWS_SECURITY_TOKEN");
    return AwsCredentials{{ak, sk, std::move(token)}, std::nullopt, "environment", {}, CredentialSource::environment};
}

}  // namespace cat::aws
