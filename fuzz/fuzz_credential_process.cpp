// credential_process: the input up to the first NUL is a command line for aws::split_command_line, the
// rest the program's stdout for aws::parse_process_output.
#include "aws/credentials/process.hpp"
#include "fuzz/fuzz_common.hpp"
#include "fuzz/fuzz_json.hpp"

using namespace cat;

namespace {

// Words without quotes, backslashes or other shell syntax split like plain space-separated text.
bool plain(std::string_view s) {
    for (char c : s) {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ' ' ||
                        c == '/' || c == '.' || c == '_' || c == '-' || c == '=' || c == ',';
        if (!ok) return false;
    }
    return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    const auto nul = input.find('\0');
    const std::string_view command_line = input.substr(0, nul);
    const std::string_view output = nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1);

    if (auto argv = aws::split_command_line(command_line)) {
        FUZZ_CHECK(argv->size() <= command_line.size());
        if (plain(command_line)) {
            std::vector<std::string> expected;
            for (const auto w : fuzz::split(command_line, ' '))
                if (!w.empty()) expected.emplace_back(w);
            FUZZ_CHECK(*argv == expected);
        }
    } else {
        fuzz::check_error(argv.error());
    }

    fuzz::check_credentials(aws::parse_process_output(output, "profile fuzz"), output,
                            {"SecretAccessKey", "SessionToken"});
    return 0;
}
