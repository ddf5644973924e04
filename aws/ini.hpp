// The AWS shared config and credentials file format (~/.aws/config, ~/.aws/credentials), with the rules
// botocore and the AWS CLI follow: full-line comments starting with '#' or ';'; "key = value" (or
// "key: value") with keys folded to lower case and values trimmed; a key with an empty value followed
// by indented "sub = value" lines is a nested block (services sections, s3 settings); a section given
// twice in one file is an error (as botocore).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cat::aws {

struct IniSection {
    std::map<std::string, std::string, std::less<>> values;
    std::map<std::string, std::map<std::string, std::string, std::less<>>, std::less<>> nested;

    std::string get(std::string_view key) const {
        const auto it = values.find(key);
        return it == values.end() ? std::string() : it->second;
    }
    bool has(std::string_view key) const { return values.find(key) != values.end(); }
};

struct IniFile {
    std::map<std::string, IniSection, std::less<>> sections;  // by the name inside [ ], trimmed
};

// `source` names the file in errors ("~/.aws/config line 7: ...").
Result<IniFile> parse_ini(std::string_view text, std::string_view source);

}  // namespace cat::aws
