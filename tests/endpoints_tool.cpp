// Resolves endpoints given as JSON lines on standard input, one JSON line out for each;
// tests/endpoints_vs_botocore.py drives it.
//
// In:  {"service": "codeartifact" or "sts", "region": "...", "fips": false, "dualstack": false,
//       "endpoint": "https://...", "sts_regional_endpoints": "regional" or "legacy"}
//      Only "service" is required; the strings default to empty, the booleans to false.
// Out: {"url": "...", "signing_region": "...", "partition": "..."} or {"error": "...", "kind": N} where N
//      is the exit code of the error's kind (6: config), or {"error": "...", "kind": 0} for a bad line.
//
// With --partitions instead: one line {"botocore_version": "...", "partitions": [...]}, the built-in table
// in the shape of botocore's partitions.json ({"id", "regionRegex", "regions": [names], "outputs": {...}}).
// Exit status: 0, or 1 when a line was not valid input.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "aws/endpoints.hpp"
#include "json_lines.hpp"

namespace aws = cat::aws;

namespace {

using Writer = cat::test::JsonWriter;
using cat::test::BadInput;
using cat::test::put;

std::string string_member(const rapidjson::Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return {};
    if (!it->value.IsString()) throw BadInput(std::string("\"") + name + "\" is not a string");
    return {it->value.GetString(), it->value.GetStringLength()};
}

bool bool_member(const rapidjson::Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return false;
    if (!it->value.IsBool()) throw BadInput(std::string("\"") + name + "\" is not a boolean");
    return it->value.GetBool();
}

std::string resolve_line(const std::string& line) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) throw BadInput("not a JSON object");
    const std::string service = string_member(doc, "service");
    aws::EndpointParams p;
    p.region = string_member(doc, "region");
    p.use_fips = bool_member(doc, "fips");
    p.use_dualstack = bool_member(doc, "dualstack");
    p.endpoint_override = string_member(doc, "endpoint");
    const auto mode = aws::parse_sts_regional_endpoints(string_member(doc, "sts_regional_endpoints"), "input");
    if (!mode) throw BadInput(mode.error().message);
    p.sts_regional_endpoints = *mode;

    cat::Result<aws::Endpoint> r = cat::Error{};
    if (service == "codeartifact")
        r = aws::codeartifact_endpoint(p);
    else if (service == "sts")
        r = aws::sts_endpoint(p);
    else
        throw BadInput("\"service\" must be \"codeartifact\" or \"sts\"");

    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    if (r) {
        put(w, "url", r->url);
        put(w, "signing_region", r->signing_region);
        put(w, "partition", r->partition);
    } else {
        put(w, "error", r.error().message);
        w.Key("kind");
        w.Int(cat::exit_code(r.error().kind));
    }
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

std::string partitions_line() {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    put(w, "botocore_version", aws::botocore_data_version);
    w.Key("partitions");
    w.StartArray();
    for (const auto& p : aws::partitions()) {
        w.StartObject();
        put(w, "id", p.id);
        put(w, "regionRegex", p.region_regex);
        w.Key("regions");
        w.StartArray();
        for (auto r : p.regions) w.String(r.data(), static_cast<rapidjson::SizeType>(r.size()));
        w.EndArray();
        w.Key("outputs");
        w.StartObject();
        put(w, "name", p.id);
        put(w, "dnsSuffix", p.dns_suffix);
        put(w, "dualStackDnsSuffix", p.dualstack_dns_suffix);
        put(w, "implicitGlobalRegion", p.implicit_global_region);
        w.Key("supportsFIPS");
        w.Bool(p.supports_fips);
        w.Key("supportsDualStack");
        w.Bool(p.supports_dualstack);
        w.EndObject();
        w.EndObject();
    }
    w.EndArray();
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

std::string error_line(const std::string& message) {
    rapidjson::StringBuffer buf;
    Writer w(buf);
    w.StartObject();
    put(w, "error", message);
    w.Key("kind");
    w.Int(0);
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::string_view(argv[1]) == "--partitions") {
        std::cout << partitions_line() << '\n';
        return std::cout ? 0 : 1;
    }
    if (argc != 1) {
        std::cerr << "usage: endpoints_tool [--partitions] < json-lines\n";
        return 2;
    }
    return cat::test::answer_lines(resolve_line, error_line);
}
