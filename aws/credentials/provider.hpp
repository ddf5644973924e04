// Credentials, the provider interface, and what providers may use of the outside world.
//
// One provider per file in this folder, as in aws-c-auth: environment, profile (static keys, roles,
// web identity, credential_process, SSO), web identity from the environment, GitHub Actions OIDC, the
// container endpoint and EC2 instance metadata; chain.cpp composes them in botocore's order.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "sigv4/sigv4.hpp"

namespace cat::aws {

struct AwsCredentials {
    sigv4::Credentials keys;
    std::optional<std::chrono::sys_seconds> expiration;  // temporary credentials only
    std::string source;    // where they came from, for --debug: "environment", "profile ci: assumed role"
    std::string role_arn;  // the role, for assumed-role credentials (identifies the caller; not secret)
};

struct ProcessOutput {
    int exit_code = 0;  // the exit status; negative when a signal ended the process (-9: SIGKILL)
    std::string out;    // standard output; standard error is passed through to ours
};

// Everything a provider touches outside itself, so tests substitute each piece.
struct ProviderContext {
    Env env;
    std::string home;  // $HOME
    http::Transport* transport = nullptr;
    http::Options transport_options;  // CA bundle, proxy, timeouts (for providers that make their own)
    std::function<std::chrono::system_clock::time_point()> now = [] { return std::chrono::system_clock::now(); };
    // Reads a whole file; the error names the path. Default: the real file system.
    std::function<Result<std::string>(const std::string& path)> read_file;
    // Runs argv (no shell) with our environment and stderr; default: fork/exec.
    std::function<Result<ProcessOutput>(const std::vector<std::string>& argv)> run_process;
    // Pauses between attempts (the container endpoint, the SSO portal); default: really sleep.
    std::function<void(std::chrono::milliseconds)> sleep;
    std::function<void(const std::string&)> debug = [](const std::string&) {};
};

// A provider that does not apply (its variables are unset, no such profile) says so with an Error whose
// code is `not_applicable`; the chain then asks the next one and reports every reason if all fail. Any
// other error stops the chain: a source that applies but fails is not silently skipped.
inline constexpr std::string_view not_applicable = "NotApplicable";
Error skip(std::string reason);
bool skipped(const Error& e);

// The default ProviderContext::read_file (files.cpp): the whole file, at most 16 MiB. Errors are
// ErrorKind::config and name the path and the reason ("cannot read /x/token: No such file or directory").
Result<std::string> read_whole_file(const std::string& path);

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    virtual std::string name() const = 0;  // "env", "profile ci", "imds", ...
    virtual Result<AwsCredentials> resolve() = 0;
};

}  // namespace cat::aws
