#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// The ECS/EKS container credentials endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
// http://169.254.170.2) or AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http only to loopback, the
// ECS host 169.254.170.2 or the EKS Pod Identity hosts 169.254.170.23 and [fd00:ec2::23]), with an
// Authorization header from AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every resolve) or
// AWS_CONTAINER_AUTHORIZATION_TOKEN. Response JSON: AccessKeyId, SecretAccessKey, Token, Expiration
// (RFC 3339), RoleArn (optional).
class ContainerProvider : public CredentialsProvider {
public:
    explicit ContainerProvider(const ProviderContext& ctx) : ctx_(ctx) {}
    std::string name() const override { return "container"; }
    Result<AwsCredentials> resolve() override;

private:
    const ProviderContext& ctx_;
};

// EC2 instance metadata, IMDSv2 only: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds), then
// GET /latest/meta-data/iam/security-credentials/ and .../<role> with X-aws-ec2-metadata-token.
// AWS_EC2_METADATA_DISABLED=true turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT (or the profile's
// ec2_metadata_service_endpoint) replaces http://169.254.169.254; AWS_METADATA_SERVICE_TIMEOUT (seconds,
// default 1) and AWS_METADATA_SERVICE_NUM_ATTEMPTS (default 1) bound it so a machine without IMDS fails
// fast.
class ImdsProvider : public CredentialsProvider {
public:
    explicit ImdsProvider(const ProviderContext& ctx) : ctx_(ctx) {}
    std::string name() const override { return "imds"; }
    Result<AwsCredentials> resolve() override;
    // The instance's region (GET /latest/meta-data/placement/region), for region resolution.
    Result<std::string> region();

private:
    const ProviderContext& ctx_;
};

// Parses the JSON both endpoints return ({"Code":"Success",...} for IMDS). Exposed for tests and fuzzing.
Result<AwsCredentials> parse_metadata_credentials(std::string_view json, std::string_view source);

}  // namespace cat::aws
