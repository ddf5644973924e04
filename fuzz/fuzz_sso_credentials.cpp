// IAM Identity Center: aws::parse_sso_role_credentials on the GetRoleCredentials JSON,
// aws::parse_sso_create_token on the SSO OIDC CreateToken JSON, and the cache file name for the input as a
// session name or start URL.
#include "aws/credentials/sso.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_json.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view json = fuzz::as_view(data, size);
    fuzz::check_credentials(aws::parse_sso_role_credentials(json), json, {"secretAccessKey", "sessionToken"});

    const auto token = aws::parse_sso_create_token(json);
    if (token) {
        FUZZ_CHECK(!token->access_token.empty());
        FUZZ_CHECK(token->expires_in.count() > 0);
    } else {
        FUZZ_CHECK(token.error().kind == ErrorKind::credentials);
        FUZZ_CHECK(fuzz::one_line(token.error().message));
        fuzz::check_error(token.error());
        fuzz::check_no_secret(token.error(), fuzz::secret_runs(json, {"accessToken", "refreshToken"}));
    }

    const std::string name = aws::sso_cache_file_name(json);  // empty only without SHA-1 (FIPS providers)
    if (name.empty()) return 0;
    FUZZ_CHECK(name.size() == 40 + 5 && name.ends_with(".json"));
    for (char c : name.substr(0, 40)) FUZZ_CHECK((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
    return 0;
}
