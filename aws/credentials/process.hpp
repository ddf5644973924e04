#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// credential_process: the command line is split like a POSIX shell would split words (quotes and
// backslashes), run without a shell, in a process group of its own, for at most a minute (as
// aws-sdk-go-v2; CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT, seconds, changes it, 0 for no limit);
// stdout must be the JSON
// {"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?, "Expiration"? (RFC 3339)}.
// A non-zero exit is an error that quotes the command (never its output, which may hold secrets) and the
// last line of its standard error, cleaned and cut; on success its standard error is dropped. Credentials
// whose Expiration is already past are refused (as botocore).
Result<AwsCredentials> credentials_from_process(const ProviderContext& ctx, std::string_view command_line,
                                                std::string_view profile);

// The words of credential_process as botocore splits them: POSIX shell rules (shlex), and on Windows the
// C runtime's (compat._windows_shell_split: backslashes literal except before a quote, "..." quotes, an
// unclosed quote an error), so that C:\tools\helper.exe keeps its backslashes there.
Result<std::vector<std::string>> split_command_line(std::string_view command_line);
Result<std::vector<std::string>> split_windows_command_line(std::string_view command_line);
Result<AwsCredentials> parse_process_output(std::string_view json, std::string_view source);

// The variable that sets credential_process's time limit, in seconds, and the limit without it.
inline constexpr std::string_view process_timeout_variable = "CODEARTIFACT_TOKEN_CREDENTIAL_PROCESS_TIMEOUT";
inline constexpr std::chrono::seconds default_process_timeout{60};

// The default ProviderContext::run_process: fork/exec (execvp) with our environment in a process group of
// its own (killed as a group on timeout and when we are terminated), stdout captured (at most 1 MiB), the
// end of stderr captured.
Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::optional<std::chrono::milliseconds> timeout = default_process_timeout);

}  // namespace cat::aws
