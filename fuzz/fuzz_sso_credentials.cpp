// IAM Identity Center: aws::parse_sso_role_credentials on the GetRoleCredentials JSON, and the cache file
// name for the input as a session name or start URL.
#include "aws/credentials/sso.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_json.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json = fuzz::as_view(data, size);
    fuzz::check_credentials(aws::parse_sso_role_credentials(json), json, {"secretAccessKey", "sessionToken"});

    const std::string name = aws::sso_cache_file_name(json);  // empty only without SHA-1 (FIPS providers)
    if (name.empty()) return 0;
    FUZZ_CHECK(name.size() == 40 + 5 && name.ends_with(".json"));
    for (char c : name.substr(0, 40)) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    return 0;
}
