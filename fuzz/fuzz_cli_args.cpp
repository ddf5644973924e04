// Command-line flags: the input split on NUL bytes into argv (without argv[0]).
// protocol::parse_cli; a successful parse is rendered back as --flag=value arguments and parsed again.
#include "fuzz/fuzz_common.hpp"
#include "protocol/params.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    std::vector<std::string_view> args;
    if (!input.empty()) args = fuzz::split(input, '\0');

    auto params = protocol::parse_cli(args);
    if (!params) {
        FUZZ_CHECK(params.error().kind == ErrorKind::usage);
        fuzz::check_error(params.error());
        return 0;
    }
    std::vector<std::string> again;
    for (const auto& [name, value] : params->values) {
        const protocol::ParamSpec* spec = protocol::find_param(name);
        FUZZ_CHECK(spec != nullptr && spec->name == name);
        FUZZ_CHECK(!value.empty());
        if (spec->is_switch) {
            FUZZ_CHECK(value == "true");
            again.emplace_back(spec->flag);
        } else {
            again.push_back(std::string(spec->flag) + "=" + value);
        }
    }
    for (const auto& s : params->secrets_from_argv) {
        const protocol::ParamSpec* spec = protocol::find_param(s);
        FUZZ_CHECK(spec != nullptr && spec->secret);
    }
    const std::vector<std::string_view> views(again.begin(), again.end());
    auto reparsed = protocol::parse_cli(views);
    FUZZ_CHECK(reparsed);
    FUZZ_CHECK(reparsed->values == params->values);
    return 0;
}
