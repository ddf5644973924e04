#include "aws/xml.hpp"

#include <cstdint>

#include "core/secret.hpp"
#include "core/utf.hpp"

namespace cat::aws::xml {
namespace {

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool name_start(char c) {
    const auto u = static_cast<unsigned char>(c);
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || u >= 0x80;
}

bool name_char(char c) {
    return name_start(c) || (c >= '0' && c <= '9') || c == '-' || c == '.';
}

// XML 1.0's Char production.
bool xml_char(std::uint32_t cp) {
    return cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD) ||
           (cp >= 0x10000 && cp <= 0x10FFFF);
}

// "#65" or "#x41" (the part between '&' and ';'), or nothing when it is not a valid character reference.
bool char_reference(std::string_view ref, std::uint32_t& cp) {
    if (ref.size() < 2 || ref[0] != '#') return false;
    const bool hex = ref[1] == 'x';
    std::string_view digits = ref.substr(hex ? 2 : 1);
    if (digits.empty()) return false;
    std::uint32_t v = 0;
    for (char c : digits) {
        std::uint32_t d = 0;
        if (c >= '0' && c <= '9') {
            d = static_cast<std::uint32_t>(c - '0');
        } else if (hex && c >= 'a' && c <= 'f') {
            d = static_cast<std::uint32_t>(c - 'a' + 10);
        } else if (hex && c >= 'A' && c <= 'F') {
            d = static_cast<std::uint32_t>(c - 'A' + 10);
        } else {
            return false;
        }
        v = v * (hex ? 16u : 10u) + d;
        if (v > 0x10FFFF) return false;
    }
    cp = v;
    return xml_char(v);
}

class Parser {
public:
    explicit Parser(std::string_view s) : s_(s) {}

    // Fills `out` (the elements in document order, each with its parent's index).
    template <class Element>
    Status run(std::vector<Element>& out, std::size_t npos, std::size_t max_depth) {
        if (s_.starts_with("\xEF\xBB\xBF")) i_ = 3;
        struct Open {
            std::size_t index;
            std::string_view qname;
        };
        std::vector<Open> open;
        bool root_done = false;
        while (i_ < s_.size()) {
            if (s_[i_] != '<') {
                if (open.empty()) {
                    if (!space(s_[i_])) return fail("text outside the root element");
                    ++i_;
                    continue;
                }
                if (auto st = text(out[open.back().index].text); !st) return st;
                continue;
            }
            const std::string_view rest = s_.substr(i_);
            if (rest.starts_with("<?")) {
                if (auto st = skip_past("?>", "unterminated processing instruction"); !st) return st;
            } else if (rest.starts_with("<!--")) {
                if (auto st = skip_past("-->", "unterminated comment"); !st) return st;
            } else if (rest.starts_with("<![CDATA[")) {
                if (open.empty()) return fail("CDATA section outside the root element");
                const std::size_t start = i_ + 9;
                const std::size_t end = s_.find("]]>", start);
                if (end == std::string_view::npos) return fail("unterminated CDATA section");
                out[open.back().index].text.append(s_.substr(start, end - start));
                i_ = end + 3;
            } else if (rest.starts_with("<!")) {
                return fail("DOCTYPE and other declarations are not supported");
            } else if (rest.starts_with("</")) {
                i_ += 2;
                const std::string_view qname = name();
                if (qname.empty()) return fail("invalid end tag");
                while (i_ < s_.size() && space(s_[i_])) ++i_;
                if (i_ >= s_.size()) return fail("unexpected end");
                if (s_[i_] != '>') return fail("invalid end tag");
                if (open.empty() || open.back().qname != qname) return fail("end tag does not match the open element");
                ++i_;
                open.pop_back();
                if (open.empty()) root_done = true;
            } else {
                ++i_;
                const std::string_view qname = name();
                if (qname.empty()) return fail("invalid element name");
                bool empty_element = false;
                if (auto st = attributes(empty_element); !st) return st;
                if (root_done && open.empty()) return fail("more than one root element");
                if (open.size() >= max_depth) return fail("elements nested too deeply");
                const auto colon = qname.rfind(':');
                const std::string_view local = colon == std::string_view::npos ? qname : qname.substr(colon + 1);
                out.push_back({std::string(local), open.empty() ? npos : open.back().index, {}});
                if (empty_element) {
                    if (open.empty()) root_done = true;
                } else {
                    open.push_back({out.size() - 1, qname});
                }
            }
        }
        if (!open.empty()) return fail("unexpected end");
        if (!root_done) return fail("no root element");
        return Ok{};
    }

private:
    Error fail(std::string_view why) const {
        Error e = Error::make(ErrorKind::network, "malformed XML: " + std::string(why) + " at byte " +
                                                      std::to_string(i_ < s_.size() ? i_ : s_.size()));
        e.stage = Stage::read;
        return e;
    }

    Status skip_past(std::string_view terminator, std::string_view why) {
        const std::size_t end = s_.find(terminator, i_ + 2);
        if (end == std::string_view::npos) return fail(why);
        i_ = end + terminator.size();
        return Ok{};
    }

    std::string_view name() {
        const std::size_t start = i_;
        if (i_ >= s_.size() || !name_start(s_[i_])) return {};
        while (i_ < s_.size() && name_char(s_[i_])) ++i_;
        return s_.substr(start, i_ - start);
    }

    // After the element name: attributes (checked, then dropped) up to ">" or "/>".
    Status attributes(bool& empty_element) {
        for (;;) {
            const std::size_t before = i_;
            while (i_ < s_.size() && space(s_[i_])) ++i_;
            if (i_ >= s_.size()) return fail("unexpected end");
            if (s_[i_] == '>') {
                ++i_;
                return Ok{};
            }
            if (s_[i_] == '/') {
                if (i_ + 1 >= s_.size()) return fail("unexpected end");
                if (s_[i_ + 1] != '>') return fail("invalid start tag");
                i_ += 2;
                empty_element = true;
                return Ok{};
            }
            if (i_ == before) return fail("invalid start tag");
            if (name().empty()) return fail("invalid attribute name");
            while (i_ < s_.size() && space(s_[i_])) ++i_;
            if (i_ >= s_.size()) return fail("unexpected end");
            if (s_[i_] != '=') return fail("attribute without a value");
            ++i_;
            while (i_ < s_.size() && space(s_[i_])) ++i_;
            if (i_ >= s_.size()) return fail("unexpected end");
            const char quote = s_[i_];
            if (quote != '"' && quote != '\'') return fail("attribute value without quotes");
            const std::size_t end = s_.find(quote, i_ + 1);
            if (end == std::string_view::npos) return fail("unexpected end");
            if (s_.substr(i_ + 1, end - i_ - 1).find('<') != std::string_view::npos)
                return fail("'<' in an attribute value");
            i_ = end + 1;
        }
    }

    // Character data up to the next '<', with references decoded, appended to `out`.
    Status text(std::string& out) {
        while (i_ < s_.size() && s_[i_] != '<') {
            const std::size_t amp = s_.find_first_of("&<", i_);
            const std::size_t stop = amp == std::string_view::npos ? s_.size() : amp;
            out.append(s_.substr(i_, stop - i_));
            i_ = stop;
            if (i_ >= s_.size() || s_[i_] == '<') break;
            // A reference: at most "&#x0010FFFF;" long, give or take leading zeros.
            const std::size_t semi = s_.substr(i_, 16).find(';');
            if (semi == std::string_view::npos) return fail("'&' that does not start a reference");
            const std::string_view ref = s_.substr(i_ + 1, semi - 1);
            std::uint32_t cp = 0;
            if (ref == "amp") {
                out += '&';
            } else if (ref == "lt") {
                out += '<';
            } else if (ref == "gt") {
                out += '>';
            } else if (ref == "quot") {
                out += '"';
            } else if (ref == "apos") {
                out += '\'';
            } else if (char_reference(ref, cp)) {
                utf::append_utf8(out, cp);
            } else {
                return fail("unknown entity or invalid character reference");
            }
            i_ += semi + 1;
        }
        return Ok{};
    }

    std::string_view s_;
    std::size_t i_ = 0;
};

}  // namespace

Result<Document> Document::parse(std::string_view text) {
    Document doc;
    Parser parser(text);
    if (auto st = parser.run(doc.elements_, npos, max_depth); !st) return st.error();
    return doc;
}

Document::~Document() {
    for (auto& e : elements_) wipe(e.text);
}

std::string_view Document::root() const {
    return elements_.empty() ? std::string_view() : std::string_view(elements_.front().name);
}

const std::string* Document::text(std::string_view path) const {
    std::vector<std::string_view> parts;
    for (std::size_t start = 0;;) {
        const std::size_t slash = path.find('/', start);
        parts.push_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) break;
        start = slash + 1;
    }
    for (std::size_t i = 0; i < elements_.size(); ++i) {
        std::size_t cur = i;
        std::size_t k = parts.size();
        while (k > 0 && cur != npos && elements_[cur].name == parts[k - 1]) {
            cur = elements_[cur].parent;
            --k;
        }
        if (k == 0 && cur == npos) return &elements_[i].text;
    }
    return nullptr;
}

}  // namespace cat::aws::xml
