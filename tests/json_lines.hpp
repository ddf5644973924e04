// What the small programs that a Python script drives share (endpoints_tool, sigv4_sign_tool): one JSON
// request a line on stdin, one JSON answer a line on stdout.
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace cat::test {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// A request line that is not what the program expects.
struct BadInput : std::runtime_error {
    using std::runtime_error::runtime_error;
};

inline void put(JsonWriter& w, const char* key, std::string_view value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// Answers each non-blank line of stdin with answer(line) on a line of stdout; a line whose answer throws
// is answered with error_line(what) instead and makes the exit status 1.
template <class Answer, class ErrorLine>
int answer_lines(Answer answer, ErrorLine error_line) {
    std::ios::sync_with_stdio(false);
    std::string line;
    bool all_ok = true;
    while (std::getline(std::cin, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.find_first_not_of(" \t") == std::string::npos) continue;
        std::string out;
        try {
            out = answer(line);
        } catch (const std::exception& e) {
            all_ok = false;
            out = error_line(e.what());
        }
        std::cout << out << '\n';
    }
    std::cout.flush();
    return all_ok && std::cout ? 0 : 1;
}

}  // namespace cat::test
