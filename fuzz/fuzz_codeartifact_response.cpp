// CodeArtifact responses: the input is the body, after a prefix that gives the status and the headers.
// Byte 0 picks the status, byte 1 which headers are present; then each present header's value is a
// length byte and that many bytes. aws::parse_token_response, parse_repository_endpoint_response and
// parse_error all see the same response.
#include <array>
#include <cmath>

#include "aws/codeartifact.hpp"
#include "aws/rfc3339.hpp"
#include "fuzz/fuzz_common.hpp"

using namespace cat;

namespace {

constexpr std::array<int, 16> statuses = {200, 200, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 0, 302, 599, 999};
constexpr std::array<std::string_view, 6> header_names = {"x-amzn-RequestId", "x-amzn-ErrorType", "Retry-After",
                                                          "Content-Type",     "X-AMZN-ERRORTYPE", "x-amz-apigw-id"};

void check_unreadable(const Error& e, int status) {
    FUZZ_CHECK(e.kind == ErrorKind::network);
    FUZZ_CHECK(e.stage == Stage::read);
    FUZZ_CHECK(e.http_status == status);
    FUZZ_CHECK(fuzz::one_line(e.message));
    fuzz::check_error(e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input = fuzz::as_view(data, size);
    http::Response r;
    r.status = 200;
    if (!input.empty()) {
        r.status = statuses[static_cast<unsigned char>(input[0]) % statuses.size()];
        input.remove_prefix(1);
    }
    if (!input.empty()) {
        const auto mask = static_cast<unsigned char>(input[0]);
        input.remove_prefix(1);
        for (std::size_t i = 0; i < header_names.size(); ++i) {
            if ((mask & (1u << i)) == 0 || input.empty()) continue;
            const std::size_t n = std::min<std::size_t>(static_cast<unsigned char>(input[0]), input.size() - 1);
            r.headers.emplace_back(header_names[i], input.substr(1, n));
            input.remove_prefix(1 + n);
        }
    }
    r.body = input;

    if (auto token = aws::parse_token_response(r)) {
        FUZZ_CHECK(!token->authorization_token.empty());
        const auto t = token->expiration.time_since_epoch().count();
        FUZZ_CHECK(t >= 0 && t < 253402300800LL);
        const std::string when = aws::format_rfc3339(token->expiration);
        FUZZ_CHECK(when.size() == 20 && when.back() == 'Z');
    } else {
        check_unreadable(token.error(), r.status);
    }

    if (auto url = aws::parse_repository_endpoint_response(r)) {
        FUZZ_CHECK(!url->empty());
    } else {
        check_unreadable(url.error(), r.status);
    }

    // The caller's secrets never appear in the error, wherever in the response the endpoint echoes them.
    constexpr std::string_view secret_key = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    constexpr std::string_view session_token = "FwoGZXIvYXdzEBYaDH0example0token";
    const Error e = aws::parse_error(r, "GetAuthorizationToken", {secret_key, session_token});
    FUZZ_CHECK(describe(e).find(secret_key) == std::string::npos);
    FUZZ_CHECK(describe(e).find(session_token) == std::string::npos);
    FUZZ_CHECK(e.kind == ErrorKind::api);
    FUZZ_CHECK(e.http_status == r.status);
    FUZZ_CHECK(!e.code.empty());
    FUZZ_CHECK(e.message.starts_with("GetAuthorizationToken failed: "));
    // parse_error promises one printable line: its message goes to stderr and into --debug logs.
    FUZZ_CHECK(fuzz::one_line(e.message));
    FUZZ_CHECK(e.request_id == r.header("x-amzn-RequestId") || e.request_id.find("<redacted>") != std::string::npos);
    fuzz::check_error(e);
    return 0;
}
