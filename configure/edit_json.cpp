// The JSON editor (registries.json) and the .netrc editor: both find spans in the text and replace or
// insert only those.
#include <optional>

#include "configure/editors.hpp"
#include "core/utf.hpp"

namespace cat::configure::edit {
namespace {

struct JValue;
struct JMember {
    std::string key;
    std::size_t key_begin = 0;  // the opening quote
    std::size_t key_end = 0;    // after the closing quote
    std::size_t value = 0;      // index into Parser::values
};
struct JValue {
    std::size_t begin = 0;
    std::size_t end = 0;
    bool object = false;
    std::vector<JMember> members;
};

class Parser {
public:
    Parser(std::string_view t, std::string_view file) : t_(t), file_(file) {}
    std::vector<JValue> values;

    Result<std::size_t> parse_document() {
        auto v = value(0);
        if (!v) return v;
        ws();
        if (i_ != t_.size()) return fail("text after the document");
        return v;
    }

    // A string literal that is the whole text (json_unquote).
    Result<std::string> only_string() {
        auto s = string();
        if (s && i_ != t_.size()) return fail("text after the string");
        return s;
    }

private:
    Error fail(std::string_view why) const {
        std::size_t line = 1;
        for (std::size_t k = 0; k < i_ && k < t_.size(); ++k) line += t_[k] == '\n';
        return Error::make(ErrorKind::config, std::string(file_) + " line " + std::to_string(line) +
                                                  ": invalid JSON (" + std::string(why) + ")");
    }
    void ws() {
        while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\r' || t_[i_] == '\n')) ++i_;
    }
    // The four hex digits at `at` (of a \u escape), nullopt when they are not.
    std::optional<unsigned> hex4(std::size_t at) const {
        if (at + 4 > t_.size()) return std::nullopt;
        unsigned v = 0;
        for (std::size_t k = at; k < at + 4; ++k) {
            const char c = t_[k];
            const int d = c >= '0' && c <= '9'   ? c - '0'
                          : c >= 'a' && c <= 'f' ? c - 'a' + 10
                          : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                 : -1;
            if (d < 0) return std::nullopt;
            v = v * 16 + static_cast<unsigned>(d);
        }
        return v;
    }
    // A \u escape at i_ (on its 'u'), a surrogate pair taken whole, as UTF-8 (a lone surrogate: U+FFFD).
    bool unicode_escape(std::string& out) {
        auto cp = hex4(i_ + 1);
        if (!cp) return false;
        i_ += 4;
        if (*cp >= 0xD800 && *cp < 0xDC00 && t_.substr(i_ + 1, 2) == "\\u") {
            if (const auto low = hex4(i_ + 3); low && *low >= 0xDC00 && *low < 0xE000) {
                cp = 0x10000 + ((*cp - 0xD800) << 10) + (*low - 0xDC00);
                i_ += 6;
            }
        }
        if (*cp >= 0xD800 && *cp < 0xE000) cp = 0xFFFD;
        utf::append_utf8(out, *cp);
        return true;
    }
    Result<std::string> string() {
        if (i_ >= t_.size() || t_[i_] != '"') return fail("expected a string");
        ++i_;
        std::string out;
        while (i_ < t_.size() && t_[i_] != '"') {
            if (t_[i_] == '\\') {
                if (++i_ >= t_.size()) break;
                const char e = t_[i_];
                if (e == 'u') {
                    if (!unicode_escape(out)) return fail("an invalid \\u escape");
                } else {
                    out += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
                }
            } else {
                out += t_[i_];
            }
            ++i_;
        }
        if (i_ >= t_.size()) return fail("an unterminated string");
        ++i_;
        return out;
    }
    Result<std::size_t> value(int depth) {
        if (depth > 64) return fail("nested too deeply");
        ws();
        if (i_ >= t_.size()) return fail("expected a value");
        JValue v;
        v.begin = i_;
        const char c = t_[i_];
        if (c == '{' || c == '[') {
            v.object = c == '{';
            ++i_;
            ws();
            const char close = c == '{' ? '}' : ']';
            if (i_ < t_.size() && t_[i_] == close) {
                ++i_;
            } else {
                for (;;) {
                    JMember m;
                    if (v.object) {
                        ws();
                        m.key_begin = i_;
                        auto k = string();
                        if (!k) return std::move(k).error();
                        m.key = std::move(*k);
                        m.key_end = i_;
                        ws();
                        if (i_ >= t_.size() || t_[i_] != ':') return fail("expected ':'");
                        ++i_;
                    }
                    auto inner = value(depth + 1);
                    if (!inner) return inner;
                    m.value = *inner;
                    if (v.object) v.members.push_back(std::move(m));
                    ws();
                    if (i_ < t_.size() && t_[i_] == ',') {
                        ++i_;
                        continue;
                    }
                    if (i_ < t_.size() && t_[i_] == close) {
                        ++i_;
                        break;
                    }
                    return fail(v.object ? "expected ',' or '}'" : "expected ',' or ']'");
                }
            }
        } else if (c == '"') {
            auto s = string();
            if (!s) return std::move(s).error();
        } else {
            while (i_ < t_.size() && t_[i_] != ',' && t_[i_] != '}' && t_[i_] != ']' && t_[i_] != ' ' &&
                   t_[i_] != '\t' && t_[i_] != '\r' && t_[i_] != '\n')
                ++i_;
            if (i_ == v.begin) return fail("expected a value");
        }
        v.end = i_;
        values.push_back(std::move(v));
        return values.size() - 1;
    }

    std::string_view t_;
    std::string_view file_;
    std::size_t i_ = 0;
};

std::string line_indent(std::string_view t, std::size_t at) {
    std::size_t b = at;
    while (b > 0 && (t[b - 1] == ' ' || t[b - 1] == '\t')) --b;
    std::size_t s = b;
    while (s > 0 && t[s - 1] != '\n') --s;  // the indentation of the line that holds `at`
    std::size_t e = s;
    while (e < t.size() && (t[e] == ' ' || t[e] == '\t')) ++e;
    return std::string(t.substr(s, e - s));
}

// The objects along `path`: objects[k] holds the member path[k] (as far as they exist: the last one found
// may lack the next key), and that member's index in it.
struct Chain {
    std::vector<std::size_t> objects;
    std::vector<std::size_t> members;
    bool complete = false;
};

Chain find_chain(const Parser& p, std::size_t root, std::span<const std::string> path) {
    Chain c;
    std::size_t cur = root;
    for (std::size_t k = 0; k < path.size(); ++k) {
        if (!p.values[cur].object) return c;
        const auto& ms = p.values[cur].members;
        std::optional<std::size_t> found;
        for (std::size_t m = 0; m < ms.size(); ++m)
            if (ms[m].key == path[k]) found = m;  // the last one wins, as json_set finds it
        if (!found) return c;
        c.objects.push_back(cur);
        c.members.push_back(*found);
        cur = ms[*found].value;
    }
    c.complete = true;
    return c;
}

// What json_set refuses, and json_get, json_keys and json_remove as well: the file is not ours to read.
Error not_an_object(std::string_view file) {
    return Error::make(ErrorKind::config, std::string(file) + ": the document is not a JSON object; edit it by hand");
}

Result<std::pair<std::string, Chain>> parse_chain(std::string_view text, std::span<const std::string> path,
                                                  std::string_view file, std::vector<JValue>& values) {
    std::string t(text.find_first_not_of(" \t\r\n") == std::string_view::npos ? std::string_view("{}") : text);
    Parser p(t, file);
    auto root = p.parse_document();
    if (!root) return std::move(root).error();
    if (!p.values[*root].object) return not_an_object(file);
    auto chain = find_chain(p, *root, path);
    values = std::move(p.values);
    return std::pair{std::move(t), std::move(chain)};
}

struct NetrcToken {
    std::size_t begin, end;
    std::string_view text;
};

// The tokens of a .netrc (comments skipped; a macro's body is one token with empty text); `open_macro`:
// the last macro runs to the end of the text.
std::vector<NetrcToken> netrc_tokens(std::string_view text, bool& open_macro) {
    using Tok = NetrcToken;
    std::vector<Tok> toks;
    open_macro = false;
    for (std::size_t i = 0; i < text.size();) {
        if (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n') {
            ++i;
            continue;
        }
        if (text[i] == '#') {  // a comment to the end of the line (as most readers take it)
            while (i < text.size() && text[i] != '\n') ++i;
            continue;
        }
        const std::size_t b = i;
        while (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != '\r' && text[i] != '\n') ++i;
        toks.push_back({b, i, text.substr(b, i - b)});
        if (toks.back().text == "macdef") {  // a macro: its name, then lines up to an empty line
            const auto blank = text.find("\n\n", i);
            const auto blank_crlf = text.find("\n\r\n", i);
            const auto stop = std::min(blank, blank_crlf);
            toks.push_back({i, stop == std::string_view::npos ? text.size() : stop, {}});
            open_macro = stop == std::string_view::npos;
            i = stop == std::string_view::npos ? text.size() : stop;
        }
    }
    return toks;
}

// The entry of `machine` in the tokens: [first, last] token indices.
std::optional<std::pair<std::size_t, std::size_t>> netrc_entry(const std::vector<NetrcToken>& toks,
                                                               std::string_view machine) {
    for (std::size_t k = 0; k + 1 < toks.size(); ++k) {
        if (toks[k].text != "machine" || toks[k + 1].text != machine) continue;
        std::size_t last = k + 1;
        for (std::size_t m = k + 2; m < toks.size(); ++m) {
            if (toks[m].text == "machine" || toks[m].text == "default" || toks[m].text == "macdef") break;
            last = m;
        }
        return std::pair{k, last};
    }
    return std::nullopt;
}
}  // namespace

std::string json_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out + "\"";
}

std::optional<std::string> json_unquote(std::string_view literal) {
    Parser p(literal, "");
    auto s = p.only_string();
    if (!s) return std::nullopt;
    return std::move(*s);
}

Result<std::string> json_set(std::string_view text, std::span<const std::string> path, std::string_view value_json,
                             bool overwrite, std::string_view file) {
    std::string t(text.find_first_not_of(" \t\r\n") == std::string_view::npos ? std::string_view("{}\n") : text);
    Parser p(t, file);
    auto root = p.parse_document();
    if (!root) return std::move(root).error();
    std::size_t cur = *root;
    if (!p.values[cur].object) return not_an_object(file);
    // Style: the separator between key and value, and the indentation step, from the first member we see.
    std::string sep = " : ";
    std::string unit = "  ";
    if (!p.values[cur].members.empty()) {
        const auto& m = p.values[cur].members.front();
        sep = t.substr(m.key_end, p.values[m.value].begin - m.key_end);
        if (sep.find('\n') != std::string::npos) sep = " : ";
        const auto ind = line_indent(t, m.key_begin);
        const auto root_ind = line_indent(t, p.values[cur].begin);
        if (ind.size() > root_ind.size()) unit = ind.substr(root_ind.size());
    }
    const std::string nl = t.find("\r\n") != std::string::npos ? "\r\n" : "\n";
    for (std::size_t k = 0; k < path.size(); ++k) {
        const auto& obj = p.values[cur];
        const JMember* found = nullptr;
        for (const auto& m : obj.members)
            if (m.key == path[k]) found = &m;
        if (found) {
            if (k + 1 == path.size()) {
                if (!overwrite) return t;
                const auto& v = p.values[found->value];
                t.replace(v.begin, v.end - v.begin, value_json);
                return t;
            }
            if (!p.values[found->value].object)
                return Error::make(ErrorKind::config,
                                   std::string(file) + ": \"" + path[k] + "\" is not an object; edit it by hand");
            cur = found->value;
            continue;
        }
        // Insert the rest of the path here, as nested objects.
        const auto obj_ind = line_indent(t, obj.begin);
        std::string ind = obj.members.empty() ? obj_ind + unit : line_indent(t, obj.members.front().key_begin);
        std::string member = json_string(path[k]) + sep;
        std::string closing;
        std::string inner_ind = ind;
        for (std::size_t j = k + 1; j < path.size(); ++j) {
            const auto outer = inner_ind;
            inner_ind += unit;
            member += "{" + nl + inner_ind + json_string(path[j]) + sep;
            closing = nl + outer + "}" + closing;
        }
        member += std::string(value_json) + closing;
        if (obj.members.empty()) {
            t.replace(obj.begin + 1, obj.end - 1 - (obj.begin + 1), nl + ind + member + nl + obj_ind);
        } else {
            t.insert(p.values[obj.members.back().value].end, "," + nl + ind + member);
        }
        return t;
    }
    return t;
}

Result<std::optional<std::string>> json_get(std::string_view text, std::span<const std::string> path,
                                            std::string_view file) {
    std::vector<JValue> values;
    auto r = parse_chain(text, path, file, values);
    if (!r) return std::move(r).error();
    const auto& [t, c] = *r;
    if (!c.complete) return std::optional<std::string>();
    const auto& v = values[values[c.objects.back()].members[c.members.back()].value];
    return std::optional<std::string>(t.substr(v.begin, v.end - v.begin));
}

Result<std::vector<std::string>> json_keys(std::string_view text, std::span<const std::string> path,
                                           std::string_view file) {
    std::vector<JValue> values;
    auto r = parse_chain(text, path, file, values);
    if (!r) return std::move(r).error();
    const auto& c = r->second;
    std::vector<std::string> keys;
    if (!c.complete) return keys;
    const auto& v = path.empty() ? values.back() : values[values[c.objects.back()].members[c.members.back()].value];
    for (const auto& m : v.members) keys.push_back(m.key);
    return keys;
}

Result<std::string> json_remove(std::string_view text, std::span<const std::string> path, std::string_view file) {
    std::vector<JValue> values;
    auto r = parse_chain(text, path, file, values);
    if (!r) return std::move(r).error();
    auto& [t, c] = *r;
    if (!c.complete || path.empty()) return std::string(text);
    // Up to the object that holds another member, everything on the way goes.
    std::size_t level = path.size() - 1;
    while (level > 0 && values[c.objects[level]].members.size() == 1) --level;
    const auto& obj = values[c.objects[level]];
    const auto i = c.members[level];
    const auto& ms = obj.members;
    if (ms.size() == 1)
        t.erase(obj.begin + 1, obj.end - 1 - (obj.begin + 1));
    else if (i + 1 == ms.size())
        t.erase(values[ms[i - 1].value].end, values[ms[i].value].end - values[ms[i - 1].value].end);
    else
        t.erase(ms[i].key_begin, ms[i + 1].key_begin - ms[i].key_begin);
    return std::move(t);
}

Result<std::string> netrc_set(std::string_view text, std::string_view machine, std::string_view login,
                              std::string_view password, std::string_view file) {
    bool open_macro = false;
    const auto toks = netrc_tokens(text, open_macro);
    const std::string entry =
        "machine " + std::string(machine) + " login " + std::string(login) + " password " + std::string(password);
    if (const auto e = netrc_entry(toks, machine)) {
        std::string out(text);
        out.replace(toks[e->first].begin, toks[e->second].end - toks[e->first].begin, entry);
        return out;
    }
    std::string out(text);
    const std::string nl = text.find("\r\n") != std::string_view::npos ? "\r\n" : "\n";
    // Readers stop at `default` (it matches every machine and ends the entries): a new entry goes before
    // it, at the start of its line when it starts one. A keyword's value ("login default") is skipped.
    for (std::size_t k = 0; k < toks.size(); ++k) {
        const auto t = toks[k].text;
        if (t == "machine" || t == "login" || t == "password" || t == "account" || t == "port" || t == "macdef") {
            ++k;
            continue;
        }
        if (t != "default") continue;
        std::size_t at = toks[k].begin;
        while (at > 0 && (text[at - 1] == ' ' || text[at - 1] == '\t')) --at;
        if (at == 0 || text[at - 1] == '\n') {
            out.insert(at, entry + nl);
        } else {
            out.insert(toks[k].begin, entry + " ");
        }
        return out;
    }
    if (!out.empty() && out.back() != '\n') out += nl;
    if (open_macro) out += nl;  // a macro runs to an empty line: end it, or our entry would be its text
    out += entry + nl;
    (void)file;
    return out;
}

std::string netrc_remove(std::string_view text, std::string_view machine, std::string_view login) {
    bool open_macro = false;
    const auto toks = netrc_tokens(text, open_macro);
    const auto e = netrc_entry(toks, machine);
    if (!e) return std::string(text);
    bool ours = false;
    for (std::size_t k = e->first + 2; k + 1 <= e->second; ++k)
        if (toks[k].text == "login") ours = toks[k + 1].text == login;
    if (!ours) return std::string(text);
    // The entry, and the line it stood on when it had one to itself (as netrc_set writes it).
    std::size_t b = toks[e->first].begin;
    std::size_t end = toks[e->second].end;
    while (b > 0 && (text[b - 1] == ' ' || text[b - 1] == '\t')) --b;
    std::size_t after = end;
    while (after < text.size() && (text[after] == ' ' || text[after] == '\t' || text[after] == '\r')) ++after;
    if ((b == 0 || text[b - 1] == '\n') && (after == text.size() || text[after] == '\n'))
        end = after < text.size() ? after + 1 : after;
    else
        b = toks[e->first].begin;
    std::string out(text);
    out.erase(b, end - b);
    return out;
}

}  // namespace cat::configure::edit
