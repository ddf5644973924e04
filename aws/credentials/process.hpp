#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// credential_process: the command line is split like a POSIX shell would split words (quotes and
// backslashes), run without a shell, its stderr passed through; stdout must be the JSON
// {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"? (RFC 3339)}.
// A non-zero exit is an error that quotes the command (never its output, which may hold secrets).
Result<AwsCredentials> credentials_from_process(const ProviderContext& ctx, std::string_view command_line,
                                                std::string_view profile);

Result<std::vector<std::string>> split_command_line(std::string_view command_line);
Result<AwsCredentials> parse_process_output(std::string_view json, std::string_view source);

// The default ProviderContext::run_process: fork/exec (execvp) with our environment, stdout captured,
// stderr inherited, at most 1 MiB of output.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv);

}  // namespace cat::aws
