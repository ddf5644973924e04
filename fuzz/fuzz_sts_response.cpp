// STS query-protocol XML: aws::parse_assume_role_response on the body, and parse_sts_error on a response
// with that body. Byte 0 picks the operation (bit 0) and the status (the other bits); the XML follows.
#include <array>

#include "aws/sts.hpp"
#include "fuzz/fuzz_common.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size == 0) return 0;
    static constexpr std::array<int, 8> statuses = {200, 400, 403, 500, 503, 429, 302, 0};
    const std::string_view operation = (data[0] & 1) != 0 ? "AssumeRoleWithWebIdentity" : "AssumeRole";
    const std::string_view xml = fuzz::as_view(data + 1, size - 1);

    if (auto creds = aws::parse_assume_role_response(xml, operation)) {
        FUZZ_CHECK(!creds->keys.access_key_id.empty());
        FUZZ_CHECK(!creds->keys.secret_access_key.empty());
        FUZZ_CHECK(!creds->keys.session_token.empty());
        FUZZ_CHECK(creds->expiration.has_value());
        FUZZ_CHECK(!creds->source.empty() && fuzz::one_line(creds->source));
    } else {
        FUZZ_CHECK(creds.error().kind == ErrorKind::network && creds.error().stage == Stage::read);
        FUZZ_CHECK(fuzz::one_line(creds.error().message));
        fuzz::check_error(creds.error());
        // The response holds secrets: an error about it quotes nothing of it (aws/xml.hpp promises it too).
        for (const auto run : fuzz::credential_runs(xml))
            FUZZ_CHECK(creds.error().message.find(run) == std::string::npos);
    }

    http::Response r;
    r.status = statuses[(data[0] >> 1) % statuses.size()];
    r.headers.emplace_back("x-amzn-RequestId", "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    r.body = xml;
    const Error e = aws::parse_sts_error(r, operation);
    FUZZ_CHECK(e.kind == ErrorKind::api && e.http_status == r.status && !e.code.empty());
    FUZZ_CHECK(e.message.starts_with(std::string(operation) + " failed: "));
    FUZZ_CHECK(fuzz::one_line(e.message) && fuzz::one_line(e.code) && fuzz::one_line(e.request_id));
    fuzz::check_error(e);
    return 0;
}
