// aws login: aws::parse_create_oauth2_token on the Sign-In CreateOAuth2Token JSON, the DPoP key reader on the
// input as a cached dpopKey (and a proof when it is a P-256 key), and the cache file name for the input as a
// login_session ARN.
#include <algorithm>

#include "aws/credentials/dpop.hpp"
#include "aws/credentials/login.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_json.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    const auto answer = aws::parse_create_oauth2_token(input);
    if (answer) {
        FUZZ_CHECK(!answer->keys.access_key_id.empty() && !answer->keys.secret_access_key.empty());
        FUZZ_CHECK(!answer->refresh_token.empty());
        FUZZ_CHECK(answer->expires_in.count() > 0);
    } else {
        FUZZ_CHECK(answer.error().kind == ErrorKind::credentials);
        FUZZ_CHECK(fuzz::one_line(answer.error().message));
        fuzz::check_error(answer.error());
        fuzz::check_no_secret(answer.error(),
                              fuzz::secret_runs(input, {"secretAccessKey", "sessionToken", "refreshToken"}));
    }

    const auto key = aws::DpopKey::from_pem(input);
    if (key) {
        FUZZ_CHECK(key->jwk_x().size() == 43 && key->jwk_y().size() == 43);
        const auto proof = aws::dpop_proof(*key, {"POST", "https://us-east-1.signin.aws.amazon.com/v1/token", 0, "id"});
        FUZZ_CHECK(proof && std::count(proof->begin(), proof->end(), '.') == 2);
    } else {
        FUZZ_CHECK(fuzz::one_line(key.error().message));
        FUZZ_CHECK(key.error().message.find("dpopKey") != std::string::npos);
    }

    const std::string name = aws::login_cache_file_name(input);
    FUZZ_CHECK(name.size() == 64 + 5 && name.ends_with(".json"));
    return 0;
}
