// A small XML reader for the responses of AWS's query-protocol services (STS): it walks elements and
// collects their character data, and nothing more. No DTDs (a DOCTYPE is an error), no external
// anything, no entity expansion beyond the five predefined entities and character references.
//
// Any byte sequence is safe to give it: it never recurses, nesting is capped, and every malformation is
// an error that says what and where (a byte offset) without quoting the document, which may hold secrets.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cat::aws::xml {

class Document {
public:
    // Errors are ErrorKind::network (a broken response), e.g. "malformed XML: unexpected end at byte 120".
    static Result<Document> parse(std::string_view text);

    Document() = default;
    Document(const Document&) = delete;
    Document& operator=(const Document&) = delete;
    Document(Document&&) noexcept = default;
    Document& operator=(Document&&) noexcept = default;
    ~Document();  // wipes the collected text: it may be a secret key or a session token

    // The local name (namespace prefix removed) of the root element.
    std::string_view root() const;
    // The text of the first element, in document order, whose local names from the root down are those
    // of `path` ("AssumeRoleResponse/AssumeRoleResult/Credentials/AccessKeyId"); nullptr when there is
    // none. The text is the element's own character data (not its children's), entities decoded.
    const std::string* text(std::string_view path) const;

    static constexpr std::size_t max_depth = 64;

private:
    struct Element {
        std::string name;    // local name
        std::size_t parent;  // index into elements_, npos for the root
        std::string text;
    };
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);
    bool matches(std::size_t index, std::string_view path) const;

    std::vector<Element> elements_;
};

}  // namespace cat::aws::xml
