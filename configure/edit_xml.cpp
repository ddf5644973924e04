// The XML editor (settings.xml, NuGet.Config): a scanner that knows where each element starts and ends in
// the text, and edits that replace or insert only our elements, indented like their neighbours.
#include <optional>

#include "configure/editors.hpp"

namespace cat::configure::edit {
namespace {

struct Elem {
    std::string name;
    std::size_t start = 0;        // '<'
    std::size_t open_end = 0;     // after the start tag's '>'
    std::size_t close_start = 0;  // '<' of the end tag (open_end when self-closing)
    std::size_t end = 0;          // after the end tag's '>'
    bool self_closing = false;
    std::vector<std::size_t> children;
};

struct Doc {
    std::vector<Elem> elems;  // elems[0] is the root when there is one
};

Error malformed(std::string_view file, std::string_view text, std::size_t at, std::string_view why) {
    std::size_t line = 1;
    for (std::size_t i = 0; i < at && i < text.size(); ++i) line += text[i] == '\n';
    return Error::make(ErrorKind::config, std::string(file) + " line " + std::to_string(line) +
                                              ": not well-formed XML (" + std::string(why) + ")");
}

bool blank(std::string_view s) {
    return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

bool name_char(char c) {
    return c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '>' && c != '/' && c != '=';
}

Result<Doc> scan(std::string_view t, std::string_view file) {
    Doc d;
    std::vector<std::size_t> stack;
    bool root_closed = false;
    std::size_t i = 0;
    while ((i = t.find('<', i)) != std::string_view::npos) {
        const auto rest = t.substr(i);
        auto skip_to = [&](std::string_view marker) -> bool {
            const auto e = t.find(marker, i);
            if (e == std::string_view::npos) return false;
            i = e + marker.size();
            return true;
        };
        if (rest.starts_with("<!--")) {
            if (!skip_to("-->")) return malformed(file, t, i, "an unterminated comment");
            continue;
        }
        if (rest.starts_with("<![CDATA[")) {
            if (!skip_to("]]>")) return malformed(file, t, i, "an unterminated CDATA section");
            continue;
        }
        if (rest.starts_with("<?")) {
            if (!skip_to("?>")) return malformed(file, t, i, "an unterminated processing instruction");
            continue;
        }
        if (rest.starts_with("<!")) {
            const auto bracket = t.find('[', i);
            const auto gt = t.find('>', i);
            if (bracket != std::string_view::npos && bracket < gt) {
                if (!skip_to("]>")) return malformed(file, t, i, "an unterminated DOCTYPE");
            } else if (!skip_to(">")) {
                return malformed(file, t, i, "an unterminated declaration");
            }
            continue;
        }
        if (rest.starts_with("</")) {
            std::size_t j = i + 2;
            while (j < t.size() && name_char(t[j])) ++j;
            const auto name = t.substr(i + 2, j - i - 2);
            const auto gt = t.find('>', j);
            if (gt == std::string_view::npos) return malformed(file, t, i, "an unterminated end tag");
            if (stack.empty() || d.elems[stack.back()].name != name)
                return malformed(file, t, i, "</" + std::string(name) + "> does not close the open element");
            auto& e = d.elems[stack.back()];
            e.close_start = i;
            e.end = gt + 1;
            stack.pop_back();
            if (stack.empty()) root_closed = true;
            i = gt + 1;
            continue;
        }
        // A start tag: its end is the first '>' outside quoted attribute values.
        std::size_t j = i + 1;
        while (j < t.size() && name_char(t[j])) ++j;
        Elem e;
        e.name = std::string(t.substr(i + 1, j - i - 1));
        if (e.name.empty()) return malformed(file, t, i, "a '<' that starts no tag");
        char quote = 0;
        for (; j < t.size(); ++j) {
            if (quote) {
                if (t[j] == quote) quote = 0;
            } else if (t[j] == '"' || t[j] == '\'') {
                quote = t[j];
            } else if (t[j] == '>') {
                break;
            }
        }
        if (j >= t.size()) return malformed(file, t, i, "an unterminated start tag");
        if (stack.empty() && (root_closed || !d.elems.empty())) return malformed(file, t, i, "a second root element");
        e.start = i;
        e.open_end = j + 1;
        e.self_closing = t[j - 1] == '/';
        if (e.self_closing) e.close_start = e.end = e.open_end;
        const auto index = d.elems.size();
        if (!stack.empty()) d.elems[stack.back()].children.push_back(index);
        d.elems.push_back(std::move(e));
        if (!d.elems.back().self_closing)
            stack.push_back(index);
        else if (stack.empty())
            root_closed = true;
        i = j + 1;
    }
    if (!stack.empty()) return malformed(file, t, t.size(), "<" + d.elems[stack.back()].name + "> is not closed");
    return d;
}

struct Attr {
    std::string name;
    std::size_t value_begin = 0;  // inside the quotes
    std::size_t value_end = 0;
};

// The attributes of a start tag, and where a new one goes (after the last one, or after the name).
std::vector<Attr> attributes(std::string_view t, const Elem& e, std::size_t& insert_at) {
    std::vector<Attr> out;
    std::size_t i = e.start + 1 + e.name.size();
    insert_at = i;
    const std::size_t stop = e.open_end - 1;
    while (i < stop) {
        while (i < stop && !name_char(t[i])) ++i;
        const std::size_t b = i;
        while (i < stop && name_char(t[i])) ++i;
        if (b == i) break;
        Attr a;
        a.name = std::string(t.substr(b, i - b));
        while (i < stop && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')) ++i;
        if (i >= stop || t[i] != '=') break;
        ++i;
        while (i < stop && (t[i] == ' ' || t[i] == '\t' || t[i] == '\r' || t[i] == '\n')) ++i;
        if (i >= stop || (t[i] != '"' && t[i] != '\'')) break;
        const char q = t[i];
        const auto close = t.find(q, i + 1);
        if (close == std::string_view::npos || close > stop) break;
        a.value_begin = i + 1;
        a.value_end = close;
        i = close + 1;
        insert_at = i;
        out.push_back(std::move(a));
    }
    return out;
}

std::string unescape(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '&') {
            out += s[i];
            continue;
        }
        static constexpr std::pair<std::string_view, char> entities[] = {
            {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        bool done = false;
        for (const auto& [ent, c] : entities)
            if (s.substr(i).starts_with(ent)) {
                out += c;
                i += ent.size() - 1;
                done = true;
                break;
            }
        if (!done) out += s[i];
    }
    return out;
}

std::string text_of(std::string_view t, const Elem& e) {
    return unescape(trim(t.substr(e.open_end, e.close_start - e.open_end)));
}

bool matches(std::string_view t, const Doc& d, const Elem& e, const XmlStep& s) {
    if (e.name != s.name) return false;
    if (!s.child.empty()) {
        for (auto c : e.children)
            if (d.elems[c].name == s.child && text_of(t, d.elems[c]) == s.value) return true;
        return false;
    }
    if (!s.attr.empty()) {
        std::size_t ignored = 0;
        for (const auto& a : attributes(t, e, ignored))
            if (a.name == s.attr) return unescape(t.substr(a.value_begin, a.value_end - a.value_begin)) == s.value;
        return false;
    }
    if (!s.value.empty()) return text_of(t, e) == s.value;
    return true;
}

// The whitespace before position `at` on its line, when only whitespace precedes it there.
std::string line_indent(std::string_view t, std::size_t at) {
    std::size_t b = at;
    while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t')) --b;
    if (b > 0 && t[b - 1] != '\n') return "";
    return std::string(t.substr(b, at - b));
}

// The document's indentation step: how much the root's first child is indented beyond the root.
std::string indent_unit(std::string_view t, const Doc& d) {
    if (!d.elems.empty() && !d.elems[0].children.empty()) {
        const auto root = line_indent(t, d.elems[0].start);
        const auto child = line_indent(t, d.elems[d.elems[0].children.front()].start);
        if (child.size() > root.size() && child.starts_with(root)) return child.substr(root.size());
    }
    return "  ";
}

std::string newline_of(std::string_view t) {
    const auto nl = t.find('\n');
    return nl != std::string_view::npos && nl > 0 && t[nl - 1] == '\r' ? "\r\n" : "\n";
}

// A new element for the step, its inner lines indented from `indent`.
std::string render(const XmlStep& s, const std::string& indent, const std::string& unit, const std::string& nl) {
    if (!s.child.empty())
        return "<" + s.name + ">" + nl + indent + unit + "<" + s.child + ">" + xml_escape(s.value) + "</" + s.child +
               ">" + nl + indent + "</" + s.name + ">";
    if (!s.attr.empty()) return "<" + s.name + " " + s.attr + "=\"" + xml_escape(s.value) + "\" />";
    return "<" + s.name + ">" + xml_escape(s.value) + "</" + s.name + ">";
}

std::string insert_child(std::string_view t, const Doc& d, const Elem& e, const XmlStep& s) {
    const auto unit = indent_unit(t, d);
    const auto nl = newline_of(t);
    const auto ei = line_indent(t, e.start);
    std::string out(t);
    if (e.self_closing) {
        std::string open(t.substr(e.start, e.open_end - e.start));
        open.erase(open.size() - 2);  // "/>"
        while (!open.empty() && (open.back() == ' ' || open.back() == '\t')) open.pop_back();
        open += ">";
        const auto ci = ei + unit;
        out.replace(e.start, e.end - e.start, open + nl + ci + render(s, ci, unit, nl) + nl + ei + "</" + e.name + ">");
        return out;
    }
    if (!e.children.empty()) {
        const auto& first = d.elems[e.children.front()];
        auto ci = line_indent(t, first.start);
        if (ci.empty()) ci = ei + unit;
        out.insert(d.elems[e.children.back()].end, nl + ci + render(s, ci, unit, nl));
        return out;
    }
    const auto ci = ei + unit;
    if (blank(t.substr(e.open_end, e.close_start - e.open_end))) {
        out.replace(e.open_end, e.close_start - e.open_end, nl + ci + render(s, ci, unit, nl) + nl + ei);
        return out;
    }
    out.insert(e.close_start, render(s, ci, unit, nl));
    return out;
}

// The text with the element at `path` in it, that text scanned, and the element's index.
struct Located {
    std::string text;
    Doc doc;
    std::size_t index = 0;
    const Elem& elem() const { return doc.elems[index]; }
};

// Finds (creating as needed) the element at `path`.
Result<Located> locate(std::string_view text, std::span<const XmlStep> path, std::string_view root_template,
                       std::string_view file) {
    std::string t(blank(text) ? root_template : text);
    for (;;) {
        auto d = scan(t, file);
        if (!d) return std::move(d).error();
        if (d->elems.empty() || d->elems[0].name != path.front().name)
            return Error::make(ErrorKind::config, std::string(file) + ": the root element is not <" +
                                                      path.front().name + ">; edit it by hand or use --config-file");
        std::size_t cur = 0;
        bool inserted = false;
        for (std::size_t k = 1; k < path.size() && !inserted; ++k) {
            std::optional<std::size_t> next;
            for (auto c : d->elems[cur].children)
                if (matches(t, *d, d->elems[c], path[k])) {
                    next = c;
                    break;
                }
            if (!next) {
                t = insert_child(t, *d, d->elems[cur], path[k]);
                inserted = true;  // scan again, then go on from the top
            } else {
                cur = *next;
            }
        }
        if (!inserted) return Located{std::move(t), std::move(*d), cur};
    }
}

// The elements along `path` from the root, as far as they exist (fewer than path.size() when one is missing;
// none when the root is another element).
std::vector<std::size_t> find_chain(std::string_view t, const Doc& d, std::span<const XmlStep> path) {
    std::vector<std::size_t> chain;
    if (d.elems.empty() || d.elems[0].name != path.front().name) return chain;
    chain.push_back(0);
    for (std::size_t k = 1; k < path.size(); ++k) {
        std::optional<std::size_t> next;
        for (auto c : d.elems[chain.back()].children)
            if (matches(t, d, d.elems[c], path[k])) {
                next = c;
                break;
            }
        if (!next) break;
        chain.push_back(*next);
    }
    return chain;
}

// True when `e` holds nothing but `going` and the children that identify it (named `identity`): no other
// element, text or comment.
bool only_identity(std::string_view t, const Doc& d, const Elem& e, std::string_view identity, std::size_t going) {
    std::size_t at = e.open_end;
    for (auto c : e.children) {
        const auto& child = d.elems[c];
        if (c != going && (identity.empty() || child.name != identity)) return false;
        if (!blank(t.substr(at, child.start - at))) return false;
        at = child.end;
    }
    return blank(t.substr(at, e.close_start - at));
}

// The span of `e` in the text, with the indentation before it and the line end before that when it starts
// its line: what insert_child added.
std::pair<std::size_t, std::size_t> element_span(std::string_view t, const Elem& e) {
    std::size_t b = e.start;
    while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t')) --b;
    if (b == 0 || t[b - 1] != '\n') return {e.start, e.end};
    --b;
    if (b > 0 && t[b - 1] == '\r') --b;
    return {b, e.end};
}

}  // namespace

std::string xml_escape(std::string_view s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            default: out += c;
        }
    }
    return out;
}

Result<std::string> xml_ensure(std::string_view text, std::span<const XmlStep> path, std::string_view root_template,
                               std::string_view file) {
    auto r = locate(text, path, root_template, file);
    if (!r) return std::move(r).error();
    return std::move(r->text);
}

Result<std::string> xml_set_text(std::string_view text, std::span<const XmlStep> path, std::string_view value,
                                 std::string_view root_template, std::string_view file) {
    auto r = locate(text, path, root_template, file);
    if (!r) return std::move(r).error();
    std::string& t = r->text;
    const Elem& e = r->elem();
    if (!e.children.empty())
        return Error::make(ErrorKind::config, std::string(file) + ": <" + e.name +
                                                  "> holds elements where a value was expected; edit it by hand");
    if (e.self_closing) {
        std::string open(t.substr(e.start, e.open_end - e.start));
        open.erase(open.size() - 2);
        while (!open.empty() && (open.back() == ' ' || open.back() == '\t')) open.pop_back();
        t.replace(e.start, e.end - e.start, open + ">" + xml_escape(value) + "</" + e.name + ">");
    } else {
        t.replace(e.open_end, e.close_start - e.open_end, xml_escape(value));
    }
    return std::move(t);
}

Result<std::string> xml_set_attr(std::string_view text, std::span<const XmlStep> path, std::string_view attr,
                                 std::string_view value, std::string_view root_template, std::string_view file) {
    auto r = locate(text, path, root_template, file);
    if (!r) return std::move(r).error();
    std::string& t = r->text;
    const Elem& e = r->elem();
    std::size_t insert_at = 0;
    for (const auto& a : attributes(t, e, insert_at))
        if (a.name == attr) {
            t.replace(a.value_begin, a.value_end - a.value_begin, xml_escape(value));
            return std::move(t);
        }
    t.insert(insert_at, " " + std::string(attr) + "=\"" + xml_escape(value) + "\"");
    return std::move(t);
}

Result<std::string> xml_remove(std::string_view text, std::span<const XmlStep> path, std::string_view file) {
    std::string t(text);
    if (blank(t)) return t;
    auto d = scan(t, file);
    if (!d) return std::move(d).error();
    const auto chain = find_chain(t, *d, path);
    if (chain.size() < path.size() || chain.size() < 2) return t;
    // Up to the element that holds something else, everything on the way goes.
    std::size_t level = chain.size() - 1;
    while (level > 1 && only_identity(t, *d, d->elems[chain[level - 1]], path[level - 1].child, chain[level])) --level;
    const auto [b, e] = element_span(t, d->elems[chain[level]]);
    t.erase(b, e - b);
    return t;
}

}  // namespace cat::configure::edit
