// The STS client (query protocol, XML responses): AssumeRole, signed with the caller's credentials, and
// AssumeRoleWithWebIdentity, unsigned. Errors come from <ErrorResponse><Error><Code/><Message/></Error>
// <RequestId/></ErrorResponse>.
#pragma once

#include <optional>
#include <string>

#include "aws/credentials/provider.hpp"
#include "aws/retry.hpp"

namespace cat::aws {

struct StsConfig {
    http::Transport* transport = nullptr;
    http::Url endpoint;  // resolved by the caller (aws::sts_endpoint or a configured endpoint URL)
    std::string region;  // the signing region
    RetryPolicy retry;
    std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
    std::function<void(std::chrono::milliseconds)> sleep;  // default: really sleep
    std::function<void(const std::string&)> debug = [](const std::string&) {};
};

struct AssumeRoleParams {
    std::string role_arn;
    std::string role_session_name;  // empty: "codeartifact-token-<unix time>"
    std::string external_id;        // AssumeRole only
    std::optional<int> duration_seconds;
};

Result<AwsCredentials> assume_role(const StsConfig& config, const AwsCredentials& source,
                                   const AssumeRoleParams& params);
Result<AwsCredentials> assume_role_with_web_identity(const StsConfig& config, const std::string& web_identity_token,
                                                     const AssumeRoleParams& params);

// The response parsers, exposed for tests and fuzzing. `operation` is AssumeRole or
// AssumeRoleWithWebIdentity; the result's `source` and `role_arn` are filled from the response.
Result<AwsCredentials> parse_assume_role_response(std::string_view xml, std::string_view operation);
Error parse_sts_error(const http::Response& response, std::string_view operation);

}  // namespace cat::aws
