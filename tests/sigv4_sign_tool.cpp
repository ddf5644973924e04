// Signs requests given as JSON lines on standard input, one JSON line out for each; the botocore
// differential (tests/sigv4_botocore_differential.py) drives it.
//
// In:  {"method": "POST", "host": "...", "path": "/...", "query": [[name, value], ...],
//       "headers": [[name, value], ...], "body": "...", "region": "...", "service": "...",
//       "time": "20261128T101112Z" or epoch seconds, "access_key": "...", "secret_key": "...",
//       "session_token": "..."}
//      host, region, service, time, access_key and secret_key are required; method defaults to GET,
//      path to "/", the rest to empty. Query names and values are decoded text.
// Out: {"authorization": "...", "x_amz_date": "...", "canonical_request": "...", "string_to_sign": "..."}
//      or {"error": "..."} for a line that cannot be signed. Blank lines are skipped; every other line
//      gets exactly one line back, so the outputs pair with the inputs in order.
//
// The Authorization value comes from sign() with a key cache; it is cross-checked against the stage
// functions with a freshly derived key, and a disagreement is reported as an error.
// Exit status: 0 when every line was signed, 1 otherwise.
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "json_lines.hpp"
#include "sigv4/sigv4.hpp"

namespace sv = cat::sigv4;

namespace {

using cat::test::BadInput;
using cat::test::put;

std::string to_string(const rapidjson::Value& v) {
    return {v.GetString(), v.GetStringLength()};
}

std::optional<std::string> string_member(const rapidjson::Value& obj, const char* name, bool required) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) {
        if (required) throw BadInput(std::string("missing \"") + name + "\"");
        return std::nullopt;
    }
    if (!it->value.IsString()) throw BadInput(std::string("\"") + name + "\" is not a string");
    return to_string(it->value);
}

// [[name, value], ...]
std::vector<std::pair<std::string, std::string>> pairs_member(const rapidjson::Value& obj, const char* name) {
    std::vector<std::pair<std::string, std::string>> out;
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || it->value.IsNull()) return out;
    if (!it->value.IsArray()) throw BadInput(std::string("\"") + name + "\" is not an array");
    for (const auto& pair : it->value.GetArray()) {
        if (!pair.IsArray() || pair.Size() != 2 || !pair[0].IsString() || !pair[1].IsString())
            throw BadInput(std::string("\"") + name + "\" holds something other than [string, string]");
        out.emplace_back(to_string(pair[0]), to_string(pair[1]));
    }
    return out;
}

int digits(std::string_view s, std::size_t at, std::size_t n) {
    int v = 0;
    for (std::size_t i = at; i < at + n; ++i) {
        if (s[i] < '0' || s[i] > '9') throw BadInput("\"time\" is not of the form YYYYMMDDTHHMMSSZ");
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

// "20261128T101112Z" or a whole number of seconds since the epoch.
std::chrono::sys_seconds time_member(const rapidjson::Value& obj) {
    using namespace std::chrono;
    const auto it = obj.FindMember("time");
    if (it == obj.MemberEnd()) throw BadInput("missing \"time\"");
    const rapidjson::Value& v = it->value;
    if (v.IsInt64()) {
        // Years 0000 to 9999: what the four digits of x-amz-date can hold.
        constexpr std::int64_t first = -62167219200, last = 253402300799;
        if (v.GetInt64() < first || v.GetInt64() > last) throw BadInput("\"time\" is outside years 0000-9999");
        return sys_seconds{seconds{v.GetInt64()}};
    }
    if (!v.IsString()) throw BadInput("\"time\" is neither a string nor a whole number");
    const std::string s = to_string(v);
    if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') throw BadInput("\"time\" is not of the form YYYYMMDDTHHMMSSZ");
    const year_month_day ymd{year{digits(s, 0, 4)}, month{static_cast<unsigned>(digits(s, 4, 2))},
                             day{static_cast<unsigned>(digits(s, 6, 2))}};
    const int hh = digits(s, 9, 2), mm = digits(s, 11, 2), ss = digits(s, 13, 2);
    if (!ymd.ok() || hh > 23 || mm > 59 || ss > 59) throw BadInput("\"time\" is not a valid date and time");
    return sys_days{ymd} + hours{hh} + minutes{mm} + seconds{ss};
}

std::string header(const sv::Request& req, std::string_view lower_name) {
    for (const auto& h : req.headers) {
        if (h.name.size() != lower_name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; same && i < h.name.size(); ++i) {
            char c = h.name[i];
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            same = c == lower_name[i];
        }
        if (same) return h.value;
    }
    return {};
}

std::string sign_line(const std::string& line, sv::KeyCache& cache) {
    rapidjson::Document doc;
    doc.Parse(line.data(), line.size());
    if (doc.HasParseError())
        throw BadInput(std::string("JSON parse error at offset ") + std::to_string(doc.GetErrorOffset()) + ": " +
                       rapidjson::GetParseError_En(doc.GetParseError()));
    if (!doc.IsObject()) throw BadInput("not a JSON object");

    sv::Request req;
    req.method = string_member(doc, "method", false).value_or("GET");
    req.host = *string_member(doc, "host", true);
    req.path = string_member(doc, "path", false).value_or("/");
    req.query = pairs_member(doc, "query");
    for (auto& [name, value] : pairs_member(doc, "headers")) req.headers.push_back({std::move(name), std::move(value)});
    req.body = string_member(doc, "body", false).value_or("");
    const std::string region = *string_member(doc, "region", true);
    const std::string service = *string_member(doc, "service", true);
    const sv::Credentials creds(*string_member(doc, "access_key", true), *string_member(doc, "secret_key", true),
                                string_member(doc, "session_token", false).value_or(""));
    const sv::Context ctx{region, service, time_member(doc), &creds, {}};

    const sv::Request signed_req = sv::sign(req, ctx, &cache);
    const std::string authz = header(signed_req, "authorization");

    // The same through the stages, with a key derived afresh.
    const sv::Request prepared = sv::with_signer_headers(req, ctx);
    std::string names;
    const std::string creq = sv::canonical_request(prepared, ctx, &names);
    const std::string sts = sv::string_to_sign(creq, ctx);
    const sv::SigningKey key = sv::signing_key(creds.secret_access_key.view(), sv::amz_day(ctx.time), region, service);
    const std::string staged = sv::authorization(ctx, names, sv::signature(key, sts));
    if (staged != authz)
        throw std::runtime_error("sign() with a key cache and the stage functions disagree: \"" + authz + "\" vs \"" +
                                 staged + "\"");

    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    put(w, "authorization", authz);
    put(w, "x_amz_date", header(signed_req, "x-amz-date"));
    put(w, "canonical_request", creq);
    put(w, "string_to_sign", sts);
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

std::string error_line(const std::string& message) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    put(w, "error", message);
    w.EndObject();
    return {buf.GetString(), buf.GetSize()};
}

}  // namespace

int main() {
    sv::KeyCache cache;
    return cat::test::answer_lines([&cache](const std::string& line) { return sign_line(line, cache); }, error_line);
}
