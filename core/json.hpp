// The one way the program parses JSON: RapidJSON's parser recurses once per nesting level, so a document
// of 80,000 `[` from a hostile endpoint or stdin would overflow the stack. Every parse goes through here,
// and a document nested deeper than max_depth is refused before RapidJSON builds anything. Our documents
// are two or three levels deep. Header-only and templated on the document type, so core does not depend
// on RapidJSON; the callers include it.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace cat::json {

// The deepest nesting of arrays and objects any parse accepts.
inline constexpr int max_depth = 64;

// Whether `text` opens more than `limit` arrays or objects at once, counting `[` and `{` outside strings
// (a cheap scan of the bytes; it says nothing about whether the text is valid JSON).
constexpr bool too_deep(std::string_view text, int limit = max_depth) noexcept {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > limit) return true;
        } else if (c == ']' || c == '}') {
            if (depth > 0) --depth;
        }
    }
    return false;
}

// Whether the text is refused before parsing: nested too deeply, or holding a NUL byte (never valid in
// JSON, and RapidJSON would stop reading at it, ignoring what follows).
constexpr bool refused(std::string_view text) noexcept {
    return text.find('\0') != std::string_view::npos || too_deep(text);
}

// Parses `text` into `doc`. A refused text is not parsed and leaves `doc` with a parse error (an empty
// document), so callers check `doc.HasParseError()` as after any parse. False on error.
template <class Document>
bool parse(Document& doc, std::string_view text) {
    if (refused(text)) {
        doc.Parse("", 0);
        return false;
    }
    doc.Parse(text.data(), text.size());
    return !doc.HasParseError();
}

// The same, parsing in place in `buffer`: the parsed strings point into the buffer.
template <class Document>
bool parse_insitu(Document& doc, std::string& buffer) {
    if (refused(buffer)) {
        doc.Parse("", 0);
        return false;
    }
    doc.ParseInsitu(buffer.data());
    return !doc.HasParseError();
}

}  // namespace cat::json
