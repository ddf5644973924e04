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
#include <variant>
#include <vector>

#include "aws/caller.hpp"
#include "core/env.hpp"
#include "core/result.hpp"
#include "http/transport.hpp"
#include "sigv4/sigv4.hpp"

namespace cat::aws {

// Where credentials came from. Decisions (the instance's region from IMDS, no second AssumeRole after
// GitHub OIDC) compare this, never the text of AwsCredentials::source.
enum class CredentialSource {
    explicit_keys,      // --access-key/--secret-key, or the same inputs
    environment,        // AWS_ACCESS_KEY_ID ...
    profile,            // static keys in a profile
    assume_role,        // AssumeRole, from a profile's role_arn or --role-arn
    web_identity,       // AssumeRoleWithWebIdentity with a token file
    github_oidc,        // AssumeRoleWithWebIdentity with GitHub Actions' OIDC token
    sso,                // IAM Identity Center
    login,              // `aws login` console credentials (login_session)
    process,            // credential_process
    boto,               // AWS_CREDENTIAL_FILE, BOTO_CONFIG, /etc/boto.cfg, ~/.boto (boto 2's files)
    container,          // the ECS/EKS container endpoint
    instance_metadata,  // EC2 IMDS
};
// "explicit keys", "environment", "profile", "assumed role", "web identity", "GitHub Actions OIDC", "SSO",
// "login session", "credential_process", "boto 2 file", "container credentials endpoint", "instance metadata".
std::string_view display_name(CredentialSource source) noexcept;

struct AwsCredentials {
    sigv4::Credentials keys;
    std::optional<std::chrono::sys_seconds> expiration;  // temporary credentials only
    std::string source;    // where they came from in detail, for --debug: "profile ci: role arn:..."
    std::string role_arn;  // the role, for assumed-role credentials (identifies the caller; not secret)
    CredentialSource kind = CredentialSource::explicit_keys;  // where they came from, for decisions
};

struct ProcessOutput {
    int exit_code = 0;  // the exit status; negative when a signal ended the process (-9: SIGKILL)
    std::string out;    // standard output
    std::string err;    // the end of its standard error (captured, never passed through: it may hold secrets)
};

// Everything a provider touches outside itself, so tests substitute each piece.
struct ProviderContext {
    Env env;
    std::string home;  // $HOME
    // Transport (nullptr: providers make their own from transport_options), retry policy, attempt
    // timeout, user agent, clock, pauses and debug lines. The SSO portal uses it as given; the container
    // and IMDS providers replace the policy and the timeout with their SDK-specific budgets.
    CallOptions call;
    http::Options transport_options;  // CA bundle, proxy, timeouts (for providers that make their own)
    // Reads a whole file; the error names the path. Default: the real file system.
    std::function<Result<std::string>(const std::string& path)> read_file;
    // Reads a file that may be absent (nullopt); an error names the path. Default: read_optional_file.
    std::function<Result<std::optional<std::string>>(const std::string& path)> read_if_exists;
    // Asks the user on the terminal (the MFA code of a role with mfa_serial): the line typed, nullopt when
    // there is no terminal. Default: files::ask_terminal.
    std::function<Result<std::optional<std::string>>(std::string_view prompt)> ask;
    // A warning for the user: one line without a secret, which the caller prefixes ("warning: "). Default:
    // a debug line.
    std::function<void(const std::string& line)> warn;
    // Replaces a file atomically with mode 0600 (the refreshed SSO token); default: write_private_file.
    std::function<Status(const std::string& path, std::string_view bytes)> write_file;
    // Runs argv (no shell) with our environment, killed after `timeout` (nullopt: no limit); default:
    // fork/exec (aws::run_process).
    std::function<Result<ProcessOutput>(const std::vector<std::string>& argv,
                                        std::optional<std::chrono::milliseconds> timeout)>
        run_process;
};

// Why a provider does not apply (its variables are unset, no such profile). It is not an error: the chain
// then asks the next provider and, if none applies, lists every reason.
struct NotApplicable {
    std::string reason;
};

// What a provider resolves to: a value, "not applicable" with the reason, or a failure (an Error, which
// stops the chain: a source that applies but fails is not silently skipped). `ok()` only for a value.
template <class T>
class [[nodiscard]] Resolved {
public:
    Resolved(T value) : v_(std::in_place_index<0>, std::move(value)) {}          // NOLINT: implicit
    Resolved(NotApplicable why) : v_(std::in_place_index<1>, std::move(why)) {}  // NOLINT: implicit
    Resolved(Error error) : v_(std::in_place_index<2>, std::move(error)) {}      // NOLINT: implicit
    Resolved(Result<T> r) : v_(std::in_place_index<0>) {                         // NOLINT: implicit
        if (r)
            v_.template emplace<0>(std::move(*r));
        else
            v_.template emplace<2>(std::move(r).error());
    }

    bool ok() const noexcept { return v_.index() == 0; }
    explicit operator bool() const noexcept { return ok(); }
    bool applies() const noexcept { return v_.index() != 1; }
    bool failed() const noexcept { return v_.index() == 2; }

    T& operator*() & { return std::get<0>(v_); }
    const T& operator*() const& { return std::get<0>(v_); }
    T* operator->() { return &std::get<0>(v_); }
    const T* operator->() const { return &std::get<0>(v_); }
    const std::string& reason() const { return std::get<1>(v_).reason; }
    const Error& error() const& { return std::get<2>(v_); }
    Error&& error() && { return std::get<2>(std::move(v_)); }
    // What is not a value (the reason or the error), passed on as another Resolved.
    template <class U>
    Resolved<U> pass_on() && {
        if (failed()) return std::get<2>(std::move(v_));
        return std::get<1>(std::move(v_));
    }

private:
    std::variant<T, NotApplicable, Error> v_;
};

// The default ProviderContext::read_file (files.cpp): the whole file, at most 16 MiB. Errors are
// ErrorKind::config and name the path and the reason ("cannot read /x/token: No such file or directory").
Result<std::string> read_whole_file(const std::string& path);
// The default ProviderContext::write_file (files.cpp): files::write_private_atomic.
Status write_private_file(const std::string& path, std::string_view bytes);

class CredentialsProvider {
public:
    virtual ~CredentialsProvider() = default;
    virtual std::string name() const = 0;  // "env", "profile ci", "imds", ...
    virtual Resolved<AwsCredentials> resolve() = 0;
};

// A provider that is only a function (explicit keys, the environment): its name for the chain's
// messages, and the function.
class FunctionProvider : public CredentialsProvider {
public:
    FunctionProvider(std::string name, std::function<Resolved<AwsCredentials>()> resolve)
        : name_(std::move(name)), resolve_(std::move(resolve)) {}
    std::string name() const override { return name_; }
    Resolved<AwsCredentials> resolve() override { return resolve_(); }

private:
    std::string name_;
    std::function<Resolved<AwsCredentials>()> resolve_;
};

}  // namespace cat::aws
