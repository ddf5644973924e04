#pragma once
#include <string_view>

#include "aws/credentials/provider.hpp"
#include "core/secret.hpp"

namespace cat::aws {

// Explicit keys (--access-key/--secret-key/--session-token, or the same from JSON or GitHub input).
// Neither key: not applicable; only one: an error.
Resolved<AwsCredentials> explicit_credentials(std::string_view access_key, const Secret& secret_key,
                                              const Secret& session_token);

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or the legacy AWS_SECURITY_TOKEN).
Resolved<AwsCredentials> environment_credentials(const Env& env);

}  // namespace cat::aws
