// The JSON of the ECS/EKS container endpoint and of EC2 instance metadata: aws::parse_metadata_credentials.
// Byte 0 picks the source name (bit 0: imds, else container); the JSON follows.
#include "aws/credentials/container.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_json.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    const std::string_view source = (data[0] & 1) != 0 ? "imds" : "container";
    const std::string_view json = fuzz::as_view(data + 1, size - 1);
    if (auto creds = aws::parse_metadata_credentials(json, source)) {
        FUZZ_CHECK(!creds->keys.access_key_id.empty());
        FUZZ_CHECK(!creds->keys.secret_access_key.empty());
    } else {
        FUZZ_CHECK(creds.error().kind == ErrorKind::credentials);
        FUZZ_CHECK(fuzz::one_line(creds.error().message));
        fuzz::check_error(creds.error());
        // The document holds secrets: an error about it never quotes them.
        fuzz::check_no_secret(creds.error(), fuzz::secret_runs(json, {"SecretAccessKey", "Token"}));
    }
    return 0;
}
