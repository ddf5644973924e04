#pragma once
#include "aws/credentials/provider.hpp"

namespace cat::aws {

// The ECS/EKS container credentials endpoint: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (on
// http://169.254.170.2; it must start with '/') or AWS_CONTAINER_CREDENTIALS_FULL_URI (https anywhere; http
// only to a loopback address, "localhost", the ECS host 169.254.170.2 or the EKS Pod Identity hosts
// 169.254.170.23 and [fd00:ec2::23]), with an Authorization header from
// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE (read on every resolve, surrounding white space trimmed) or
// AWS_CONTAINER_AUTHORIZATION_TOKEN; a token with CR or LF inside is refused. Response JSON: AccessKeyId,
// SecretAccessKey, Token, Expiration (RFC 3339), RoleArn (optional).
//
// As botocore: 3 attempts, 1 s apart (ctx.call.sleep; a Retry-After raises it), each with 2 s to connect and
// 2 s to read; every failure is retried (network, non-200, unparsable JSON); no proxy (unless
// ctx.call.transport, used as given, has one). Neither
// variable set: not applicable. Set but failing: an error (ErrorKind::credentials; config for a bad URL, host or
// token).
class ContainerProvider : public CredentialsProvider {
public:
    explicit ContainerProvider(const ProviderContext& ctx) : ctx_(ctx) {}
    std::string name() const override { return "container"; }
    Resolved<AwsCredentials> resolve() override;

private:
    const ProviderContext& ctx_;
};

// What the profile says about IMDS; the environment variables win over it (the caller fills it from the
// profile; empty fields are unset).
struct ImdsConfig {
    std::string endpoint;       // ec2_metadata_service_endpoint
    std::string endpoint_mode;  // ec2_metadata_service_endpoint_mode: IPv4 or IPv6 (any case)
    std::string timeout;        // metadata_service_timeout: whole seconds
    std::string num_attempts;   // metadata_service_num_attempts
    std::string v1_disabled;    // ec2_metadata_v1_disabled: "true" (any case) forbids the IMDSv1 fallback
    std::string use_ipv6;       // imds_use_ipv6: "true" (any case) is endpoint mode IPv6 when no mode is set
};

// EC2 instance metadata as botocore's IMDSFetcher: PUT /latest/api/token (X-aws-ec2-metadata-token-ttl-seconds:
// 21600), then GET /latest/meta-data/iam/security-credentials/ and .../<role> with X-aws-ec2-metadata-token.
// When the token request is answered 403, 404 or 405, any other status but 400 on every attempt, or
// connects but gets no answer (read timeout, closed connection: the hop limit of a container on EC2), the
// GETs go without a token (IMDSv1), unless AWS_EC2_METADATA_V1_DISABLED (or the profile's
// ec2_metadata_v1_disabled) is true, which makes that an error. AWS_EC2_METADATA_DISABLED=true (any case)
// turns it off; AWS_EC2_METADATA_SERVICE_ENDPOINT (or the profile's ec2_metadata_service_endpoint)
// replaces http://169.254.169.254 (AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6, or AWS_IMDS_USE_IPV6=true
// when no mode is set: http://[fd00:ec2::254]); AWS_METADATA_SERVICE_TIMEOUT (seconds to connect and to
// read, default 1) and AWS_METADATA_SERVICE_NUM_ATTEMPTS (default 1) bound it so a machine without IMDS
// fails fast. The proxy settings of ctx.transport_options apply, as botocore applies the environment's
// proxies to IMDS.
//
// Not applicable (with the reason) when disabled, when nothing accepts the connection (refused, unreachable,
// timed out), when an IMDSv1 fallback after a silent token request gets no answer either, and when the
// instance has no role (404 on the role listing). An IMDS that answers 400 to the token request or returns
// something unusable is an error (ErrorKind::credentials).
class ImdsProvider : public CredentialsProvider {
public:
    explicit ImdsProvider(const ProviderContext& ctx, ImdsConfig config = {}) : ctx_(ctx), config_(std::move(config)) {}
    std::string name() const override { return "imds"; }
    Resolved<AwsCredentials> resolve() override;
    // The instance's region (GET /latest/meta-data/placement/region), for region resolution; not applicable
    // and failing as resolve() is.
    Resolved<std::string> region();

private:
    const ProviderContext& ctx_;
    ImdsConfig config_;
};

// Parses the JSON both endpoints return: AccessKeyId, SecretAccessKey, Token and Expiration are required,
// RoleArn is optional; a "Code" other than "Success" (IMDS) is an error carrying Code and Message.
// `source` starts every error message and becomes the result's source. Exposed for tests and fuzzing.
Result<AwsCredentials> parse_metadata_credentials(std::string_view json, std::string_view source);

}  // namespace cat::aws
