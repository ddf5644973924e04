// For the targets whose input is a JSON document holding secrets: which parts of the secret fields' values
// an error message must never contain.
#pragma once

#include <rapidjson/document.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.hpp"
#include "fuzz/fuzz_common.hpp"

namespace cat::fuzz {

namespace detail {

inline void collect(const rapidjson::Value& v, bool secret, std::vector<std::string>& secrets,
                    std::vector<std::string>& others, std::initializer_list<std::string_view> secret_names) {
    if (v.IsString()) {
        (secret ? secrets : others).emplace_back(v.GetString(), v.GetStringLength());
    } else if (v.IsObject()) {
        // By index: comparing RapidJSON 1.1's member iterators is ambiguous in C++20 (clang warns).
        for (rapidjson::SizeType i = 0; i < v.MemberCount(); ++i) {
            const auto& m = *(v.MemberBegin() + static_cast<std::ptrdiff_t>(i));
            const std::string_view name(m.name.GetString(), m.name.GetStringLength());
            others.emplace_back(name);
            bool is_secret = false;
            for (auto s : secret_names) is_secret = is_secret || s == name;
            collect(m.value, is_secret, secrets, others, secret_names);
        }
    } else if (v.IsArray()) {
        for (const auto& e : v.GetArray()) collect(e, false, secrets, others, secret_names);
    }
}

}  // namespace detail

// The credential-like runs (credential_runs()) of the values of members named `secret_names`, at any
// depth, that occur in no other string of the document (errors quote some fields, such as an invalid
// Expiration, on purpose). The document is read up to its first NUL, as the parsers' in-situ parse reads it.
inline std::vector<std::string> secret_runs(std::string_view json,
                                            std::initializer_list<std::string_view> secret_names) {
    const std::string text(json.substr(0, json.find('\0')));
    rapidjson::Document doc;
    cat::json::parse(doc, text);
    std::vector<std::string> out;
    if (doc.HasParseError()) return out;
    std::vector<std::string> secrets, others;
    detail::collect(doc, false, secrets, others, secret_names);
    for (const auto& s : secrets) {
        for (const auto run : credential_runs(s)) {
            bool elsewhere = false;
            for (const auto& o : others) elsewhere = elsewhere || o.find(run) != std::string::npos;
            if (!elsewhere) out.emplace_back(run);
        }
    }
    return out;
}

inline void check_no_secret(const Error& e, const std::vector<std::string>& runs) {
    for (const auto& run : runs) FUZZ_CHECK(e.message.find(run) == std::string::npos);
}

// What a parser of a credentials document must give: both keys, or a credentials error of one line that
// quotes no part of the values of `secret_names` (the document holds secrets).
template <class Credentials>
void check_credentials(const Result<Credentials>& creds, std::string_view json,
                       std::initializer_list<std::string_view> secret_names) {
    if (creds) {
        FUZZ_CHECK(!creds->keys.access_key_id.empty());
        FUZZ_CHECK(!creds->keys.secret_access_key.empty());
        return;
    }
    FUZZ_CHECK(creds.error().kind == ErrorKind::credentials);
    FUZZ_CHECK(one_line(creds.error().message));
    check_error(creds.error());
    check_no_secret(creds.error(), secret_runs(json, secret_names));
}

}  // namespace cat::fuzz
