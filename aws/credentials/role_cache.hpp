// The AWS CLI's cache of assumed-role credentials: ~/.aws/cli/cache/<key>.json, written by awscli's
// JSONFileCache for botocore's AssumeRoleCredentialFetcher, so that a role behind mfa_serial asks for the
// code once per session rather than once per run. The key is the SHA-1 hex of the AssumeRole arguments
// as Python's json.dumps(sort_keys=True) writes them (DurationSeconds, ExternalId, RoleArn, a configured
// RoleSessionName, SerialNumber; never TokenCode), so the AWS CLI and this program share entries.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include "aws/credentials/provider.hpp"
#include "aws/sts.hpp"

namespace cat::aws {

// The entry's file name (<sha1 hex>.json) for `params`; empty when a value is not ASCII (the key would
// need Python's \u escapes) or SHA-1 is unavailable.
std::string role_cache_file_name(const AssumeRoleParams& params);

// The cached credentials in `path` when they have more than 15 minutes left (botocore's window); nullopt
// when the file is absent, unreadable, not what the AWS CLI writes, or expiring.
std::optional<AwsCredentials> read_role_cache(const ProviderContext& ctx, const std::string& path,
                                              std::chrono::system_clock::time_point now);

// Writes `creds` to `path` (0600, atomically; the folder is made) as the AWS CLI does: {"Credentials":
// {"AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration": "YYYY-MM-DDTHH:MM:SSUTC"},
// "AssumedRoleUser": {"Arn"}}.
Status write_role_cache(const ProviderContext& ctx, const std::string& path, const AwsCredentials& creds);

}  // namespace cat::aws
