#include "aws/ini.hpp"

#include "core/text.hpp"

namespace cat::aws {
namespace {

// configparser strips form feeds and vertical tabs too, which text::trim does not.
std::string_view trim(std::string_view s) {
    const auto b = s.find_first_not_of(" \t\r\f\v");
    if (b == std::string_view::npos) return {};
    const auto e = s.find_last_not_of(" \t\r\f\v");
    return s.substr(b, e - b + 1);
}

Error bad(std::string_view source, std::size_t line, std::string_view why) {
    return Error::make(ErrorKind::config,
                       std::string(source) + " line " + std::to_string(line) + ": " + std::string(why));
}

}  // namespace

Result<IniFile> parse_ini(std::string_view text, std::string_view source) {
    IniFile file;
    IniSection* section = nullptr;
    std::string last_key;         // the key that indented lines continue or nest under
    bool last_key_empty = false;  // whose value was empty: indented "k = v" lines nest under it
    std::size_t line_no = 0;
    std::map<std::string, std::size_t, std::less<>> first_lines;  // each section's header line
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a UTF-8 byte-order mark
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view raw = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
        const std::string_view line = trim(raw);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        const bool indented = raw.front() == ' ' || raw.front() == '\t';

        if (indented && section != nullptr && !last_key.empty()) {
            const auto eq = line.find('=');
            if (last_key_empty && eq != std::string_view::npos) {
                section->nested[last_key][text::lower(trim(line.substr(0, eq)))] =
                    std::string(trim(line.substr(eq + 1)));
            } else {
                // A continuation line of a multi-line value, as configparser keeps it.
                std::string& v = section->values[last_key];
                v += '\n';
                v += line;
            }
            continue;
        }
        if (line.front() == '[') {
            if (line.back() != ']') return bad(source, line_no, "a section header must end with ']'");
            const std::string_view name = trim(line.substr(1, line.size() - 2));
            if (name.empty()) return bad(source, line_no, "empty section name");
            // A section given twice in one file is refused, as botocore (configparser's
            // DuplicateSectionError): merging would pick one of two conflicting settings silently.
            const auto [it, added] = first_lines.emplace(std::string(name), line_no);
            if (!added)
                return bad(source, line_no,
                           "section [" + std::string(name) + "] is given twice (first at line " +
                               std::to_string(it->second) + ")");
            section = &file.sections[std::string(name)];
            last_key.clear();
            continue;
        }
        if (section == nullptr) return bad(source, line_no, "a setting before any [section]");
        const auto delim = line.find_first_of("=:");
        if (delim == std::string_view::npos)
            return bad(source, line_no, "expected \"key = value\", a [section] or a comment");
        const std::string key = text::lower(trim(line.substr(0, delim)));
        if (key.empty()) return bad(source, line_no, "a setting without a name");
        const std::string_view value = trim(line.substr(delim + 1));
        section->values[key] = std::string(value);
        last_key = key;
        last_key_empty = value.empty();
    }
    return file;
}

}  // namespace cat::aws
