#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// Explicit keys (--access-key/--secret-key/--session-token, or the same from JSON or GitHub input).
class StaticProvider : public CredentialsProvider {
public:
    StaticProvider(std::string access_key, std::string secret_key, std::string session_token);
    std::string name() const override { return "explicit"; }
    Resolved<AwsCredentials> resolve() override;

private:
    sigv4::Credentials keys_;
};

// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN (or the legacy AWS_SECURITY_TOKEN).
class EnvironmentProvider : public CredentialsProvider {
public:
    explicit EnvironmentProvider(const Env& env) : env_(env) {}
    std::string name() const override { return "env"; }
    Resolved<AwsCredentials> resolve() override;

private:
    const Env& env_;
};

}  // namespace cat::aws
