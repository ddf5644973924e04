// The boto 2 era credential files, last of the files in botocore's chain (after the profile, before the
// container endpoint): AWS_CREDENTIAL_FILE (botocore's OriginalEC2Provider) and BOTO_CONFIG, else
// /etc/boto.cfg then ~/.boto (its BotoProvider). Neither carries a session token.
#pragma once

#include "aws/credentials/provider.hpp"

namespace cat::aws {

// AWS_CREDENTIAL_FILE: the EC2 API tools' file of "AWSAccessKeyId=..." and "AWSSecretKey=..." lines (a
// line without '=' is skipped; key and value trimmed; the last of a key wins). Unset, or a file without
// AWSAccessKeyId: not applicable. A missing or unreadable file, or no AWSSecretKey: an error (botocore
// raises).
Resolved<AwsCredentials> ec2_credential_file(const ProviderContext& ctx);

// BOTO_CONFIG (only that file when set) or /etc/boto.cfg then ~/.boto: the first that exists and has
// aws_access_key_id in its [Credentials] section. A file that is absent, or has no such key, is passed
// over; one that does not parse, or has the key without aws_secret_access_key, is an error.
Resolved<AwsCredentials> boto_config(const ProviderContext& ctx);

}  // namespace cat::aws
