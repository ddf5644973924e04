// The STS client (query protocol, XML responses): AssumeRole, signed with the caller's credentials, and
// AssumeRoleWithWebIdentity, unsigned. Both are `POST /` with a form-encoded body
// (Action=..&Version=2011-06-15&...), retried as aws/retry.hpp says (and IDPCommunicationError, as
// botocore does for STS).
//
// Errors:
//   - usage: a parameter breaks the model's rules (role ARN 20-2048 characters, session name 2-64 of
//     [\w+=,.@-], external ID 2-1224 of [\w+=,.@:/-], duration 900-43200 s, token 4-20000 characters),
//     checked before any network call; the token and the external ID are never quoted;
//   - credentials: AssumeRole without source credentials;
//   - api: STS answered with an error (<ErrorResponse><Error><Code/><Message/></Error><RequestId/>):
//     code, request id, HTTP status and the message "AssumeRole failed: Code: Message"; a body that is not
//     an STS error gives the code "HTTP <status>". Any secret of the call (the web identity token, the
//     source's secret key and session token) that the message would echo is replaced by "<redacted>";
//   - network: the transport's errors, and a successful response that cannot be read.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "aws/caller.hpp"
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// What is STS's; how to send (transport, retries, clock, debug) is in `call`.
struct StsConfig {
    CallOptions call;
    http::Url endpoint;  // resolved by the caller (aws::sts_endpoint or a configured endpoint URL)
    std::string region;  // the signing region
};

struct AssumeRoleParams {
    std::string role_arn;
    std::string role_session_name;  // empty: "codeartifact-token-<unix time>"
    std::string external_id;        // AssumeRole only
    std::optional<int> duration_seconds;
    std::string serial_number = {};  // AssumeRole only: the profile's mfa_serial (SerialNumber)
    std::string token_code = {};     // AssumeRole only: the MFA code the user typed (TokenCode)
};

// The result's `source` is "assumed role <requested role ARN>" (AssumeRole) or "assumed role <requested
// role ARN> with a web identity token"; `role_arn` is the assumed-role ARN STS returns
// (AssumedRoleUser/Arn: arn:aws:sts::<account>:assumed-role/<role>/<session>), else the requested one.
Result<AwsCredentials> assume_role(const StsConfig& config, const AwsCredentials& source,
                                   const AssumeRoleParams& params);
Result<AwsCredentials> assume_role_with_web_identity(const StsConfig& config, const std::string& web_identity_token,
                                                     const AssumeRoleParams& params);

// "codeartifact-token-<unix seconds>".
std::string default_session_name(std::chrono::system_clock::time_point now);

// The response parsers, exposed for tests and fuzzing. `operation` is AssumeRole or
// AssumeRoleWithWebIdentity. The response must be <{operation}Response><{operation}Result><Credentials>
// with AccessKeyId, SecretAccessKey, SessionToken (printable ASCII, no spaces) and Expiration (RFC
// 3339); anything else is a network error ("AssumeRole: unreadable response ..."). `source` is
// "assumed role <AssumedRoleUser/Arn>" and `role_arn` AssumedRoleUser/Arn (both may be empty).
Result<AwsCredentials> parse_assume_role_response(std::string_view xml, std::string_view operation);
Error parse_sts_error(const http::Response& response, std::string_view operation);

}  // namespace cat::aws
