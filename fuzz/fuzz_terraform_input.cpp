// Terraform's external data source query: a JSON object of strings on stdin.
// protocol::parse_json_object, then select/render_json/render_text/render_env on an outcome built from the
// parsed values, and the rendered JSON parsed back.
#include <rapidjson/document.h>

#include "fuzz/fuzz_common.hpp"
#include "protocol/params.hpp"
#include "protocol/render.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view input = fuzz::as_view(data, size);
    auto params = protocol::parse_json_object(input);
    if (!params) {
        FUZZ_CHECK(params.error().kind == ErrorKind::usage);
        fuzz::check_error(params.error());
        return 0;
    }
    for (const auto& [name, value] : params->values) {
        const protocol::ParamSpec* spec = protocol::find_param(name);
        FUZZ_CHECK(spec != nullptr && spec->name == name && !spec->cli_only);
        FUZZ_CHECK(!value.empty());
    }

    protocol::Outcome o;
    o.authorization_token = params->secret("secret_key").empty() ? "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.token"
                                                                 : params->secret("secret_key").reveal();
    o.expiration = std::chrono::sys_seconds{std::chrono::seconds{1700000000}};
    o.domain = params->get("domain");
    o.domain_owner = params->get("domain_owner");
    o.region = params->get("region");
    o.repository_endpoint = params->get("repository");

    auto fields = protocol::select(o, *params);
    if (!fields) {
        FUZZ_CHECK(fields.error().kind == ErrorKind::usage);
        fuzz::check_error(fields.error());
        FUZZ_CHECK(!protocol::render_text(o, *params));
    } else {
        FUZZ_CHECK(!fields->empty());
        const std::string json = protocol::render_json(*fields);
        FUZZ_CHECK(!json.empty() && json.back() == '\n');
        rapidjson::Document doc;
        doc.Parse(json.data(), json.size() - 1);
        FUZZ_CHECK(!doc.HasParseError() && doc.IsObject());
        FUZZ_CHECK(doc.MemberCount() == fields->size());
        // By index: comparing RapidJSON 1.1's member iterators is ambiguous in C++20 (clang warns).
        for (std::size_t i = 0; i < fields->size(); ++i) {
            const auto& m = *(doc.MemberBegin() + static_cast<std::ptrdiff_t>(i));
            const auto& [k, v] = (*fields)[i];
            FUZZ_CHECK(std::string_view(m.name.GetString(), m.name.GetStringLength()) == k);
            FUZZ_CHECK(m.value.IsString());
            FUZZ_CHECK(std::string_view(m.value.GetString(), m.value.GetStringLength()) == v);
        }
        auto text = protocol::render_text(o, *params);
        FUZZ_CHECK(text && !text->empty() && text->back() == '\n');
    }
    const std::string env = protocol::render_env(o);
    FUZZ_CHECK(env.starts_with("export CODEARTIFACT_AUTH_TOKEN='"));
    return 0;
}
