// GitHub Action inputs: the environment as NUL-separated KEY=VALUE entries (built into an envp array and
// read by Env::from, as main does), then protocol::parse_github_inputs.
#include "core/env.hpp"
#include "fuzz/fuzz_common.hpp"
#include "protocol/github.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::vector<std::string> entries;
    for (const auto f : fuzz::split(fuzz::as_view(data, size), '\0')) entries.emplace_back(f);
    std::vector<char*> envp;
    for (auto& e : entries) envp.push_back(e.data());
    envp.push_back(nullptr);
    const Env env = Env::from(envp.data());

    auto inputs = protocol::parse_github_inputs(env);
    if (!inputs) {
        FUZZ_CHECK(inputs.error().kind == ErrorKind::usage);
        fuzz::check_error(inputs.error());
        return 0;
    }
    for (const auto& [name, value] : inputs->params.values) {
        const protocol::ParamSpec* spec = protocol::find_param(name);
        FUZZ_CHECK(spec != nullptr && spec->name == name && !spec->cli_only);
        FUZZ_CHECK(!value.empty());
        const char last = value.back();
        FUZZ_CHECK(last != '\n' && last != '\r' && last != ' ');
    }
    // Rendering with the parsed options must hold together whatever the token looks like.
    protocol::Outcome o;
    o.authorization_token = inputs->params.get("domain") + "\n" + inputs->params.get("region");
    o.domain = inputs->params.get("domain");
    o.repository_endpoint = inputs->params.get("repository");
    int calls = 0;
    const auto w = protocol::render_github(o, inputs->options, [&] { return "d" + std::to_string(calls++); });
    FUZZ_CHECK(w.env_append.empty() != inputs->options.export_env);
    const bool has_line = !inputs->params.get("domain").empty() || !inputs->params.get("region").empty();
    FUZZ_CHECK(w.stdout_text.starts_with("::add-mask::") == (inputs->options.mask && has_line));
    return 0;
}
