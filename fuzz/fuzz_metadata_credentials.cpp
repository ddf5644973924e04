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
    fuzz::check_credentials(aws::parse_metadata_credentials(json, source), json, {"SecretAccessKey", "Token"});
    return 0;
}
