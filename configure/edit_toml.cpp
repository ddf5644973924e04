// The TOML editor (Cargo, uv, Poetry): tables and key/value statements found line by line, with multi-line
// strings, arrays and inline tables followed so that their inner lines are never taken for statements.
#include <algorithm>
#include <optional>
#include <tuple>

#include "configure/editors.hpp"

namespace cat::configure::edit {
namespace {

struct Statement {
    enum Kind { header, keyval } kind = keyval;
    std::vector<std::string> path;  // header: the table; keyval: the dotted key
    bool array = false;             // [[header]]
    std::size_t first = 0;          // lines, inclusive
    std::size_t last = 0;
    std::size_t value_begin = 0;  // keyval: offset of the value in the first line
    std::size_t value_end = 0;    // keyval: offset after the value in the last line
    std::string string_value;     // keyval whose value is a one-line string
    bool is_string = false;
};

bool bare(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

void skip_ws(std::string_view s, std::size_t& i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// A one-line string starting at s[i] ("basic" or 'literal'), decoded; i moves past it.
std::optional<std::string> read_string(std::string_view s, std::size_t& i) {
    if (i >= s.size() || (s[i] != '"' && s[i] != '\'')) return std::nullopt;
    const char q = s[i++];
    std::string out;
    for (; i < s.size(); ++i) {
        if (s[i] == q) {
            ++i;
            return out;
        }
        if (q == '"' && s[i] == '\\' && i + 1 < s.size()) {
            const char e = s[++i];
            switch (e) {
                case 'n': out += '\n'; break;
                case 't': out += '\t'; break;
                case 'r': out += '\r'; break;
                default: out += e;  // \" \\ (and, kept simple, the rest)
            }
            continue;
        }
        out += s[i];
    }
    return std::nullopt;
}

// A dotted key at s[i]; i moves past it.
std::optional<std::vector<std::string>> read_key(std::string_view s, std::size_t& i) {
    std::vector<std::string> parts;
    for (;;) {
        skip_ws(s, i);
        if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
            auto part = read_string(s, i);
            if (!part) return std::nullopt;
            parts.push_back(std::move(*part));
        } else {
            const std::size_t b = i;
            while (i < s.size() && bare(s[i])) ++i;
            if (i == b) return std::nullopt;
            parts.emplace_back(s.substr(b, i - b));
        }
        skip_ws(s, i);
        if (i < s.size() && s[i] == '.') {
            ++i;
            continue;
        }
        return parts;
    }
}

// Follows a value from (line, col) to its end: the last line of the value, and the offset after its last
// character there (a comment after it is not part of it).
// Nothing when the value does not end before the text does.
std::optional<std::pair<std::size_t, std::size_t>> value_end(const Lines& lines, std::size_t line, std::size_t col) {
    int depth = 0;
    enum { none, basic, literal, ml_basic, ml_literal } str = none;
    bool started = false;
    for (std::size_t l = line; l < lines.size(); ++l, col = 0) {
        const std::string_view s = lines[l];
        std::size_t last = col;
        for (std::size_t i = col; i < s.size(); ++i) {
            const char c = s[i];
            if (str != none || (c != ' ' && c != '\t' && c != '#')) last = i + 1;
            if (str == basic || str == ml_basic) {
                if (c == '\\') {
                    last = ++i + 1;
                } else if (str == basic && c == '"') {
                    str = none;
                } else if (str == ml_basic && s.substr(i).starts_with("\"\"\"")) {
                    str = none;
                    i += 2;
                    while (i + 1 < s.size() && s[i + 1] == '"') ++i;  // up to two quotes belong to the string
                    last = i + 1;
                }
                continue;
            }
            if (str == literal || str == ml_literal) {
                if (str == literal && c == '\'') {
                    str = none;
                } else if (str == ml_literal && s.substr(i).starts_with("'''")) {
                    str = none;
                    i += 2;
                    while (i + 1 < s.size() && s[i + 1] == '\'') ++i;
                    last = i + 1;
                }
                continue;
            }
            if (c == '#') break;
            if (c == ' ' || c == '\t') continue;
            started = true;
            if (s.substr(i).starts_with("\"\"\"")) {
                str = ml_basic;
                i += 2;
            } else if (s.substr(i).starts_with("'''")) {
                str = ml_literal;
                i += 2;
            } else if (c == '"') {
                str = basic;
            } else if (c == '\'') {
                str = literal;
            } else if (c == '[' || c == '{') {
                ++depth;
            } else if (c == ']' || c == '}') {
                --depth;
            }
        }
        if (str == basic || str == literal) str = none;  // an unterminated one-line string: malformed, stop here
        if (started && depth <= 0 && str == none) return std::make_pair(l, std::min(last, s.size()));
    }
    return std::nullopt;
}

Result<std::vector<Statement>> scan(const Lines& lines, std::string_view file) {
    std::vector<Statement> out;
    for (std::size_t l = 0; l < lines.size(); ++l) {
        const std::string_view s = lines[l];
        std::size_t i = 0;
        skip_ws(s, i);
        if (i >= s.size() || s[i] == '#') continue;
        Statement st;
        st.first = st.last = l;
        if (s[i] == '[') {
            st.kind = Statement::header;
            st.array = s.substr(i).starts_with("[[");
            i += st.array ? 2 : 1;
            auto key = read_key(s, i);
            if (!key) continue;
            st.path = std::move(*key);
            out.push_back(std::move(st));
            continue;
        }
        auto key = read_key(s, i);
        if (!key || i >= s.size() || s[i] != '=') continue;  // not a statement we understand: left alone
        ++i;
        skip_ws(s, i);
        // TOML's value starts on the key's line; following lines would otherwise be read as the value (a header
        // among them taken for an array).
        // ('\r's are no value either: one left at the end of the file becomes part of a CRLF once a line follows.)
        std::size_t v = i;
        while (v < s.size() && (s[v] == '\r' || s[v] == ' ' || s[v] == '\t')) ++v;
        if (v >= s.size() || s[v] == '#')
            return Error::make(ErrorKind::config, std::string(file) + " line " + std::to_string(l + 1) +
                                                      ": a key without a value (not valid TOML); edit it by hand");
        st.path = std::move(*key);
        st.value_begin = i;
        std::size_t j = i;
        if (auto str = read_string(s, j);
            str && !s.substr(i).starts_with("\"\"\"") && !s.substr(i).starts_with("'''")) {
            st.is_string = true;
            st.string_value = std::move(*str);
        }
        const auto end = value_end(lines, l, i);
        if (!end)
            return Error::make(ErrorKind::config, std::string(file) + " line " + std::to_string(l + 1) +
                                                      ": a value that does not end (not valid TOML); edit it by hand");
        std::tie(st.last, st.value_end) = *end;
        l = st.last;
        out.push_back(std::move(st));
    }
    return out;
}

bool starts_with(const std::vector<std::string>& a, const std::vector<std::string>& prefix) {
    if (a.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (a[i] != prefix[i]) return false;
    return true;
}

std::string write_key_part(const std::string& k) {
    bool plain = !k.empty();
    for (char c : k) plain = plain && bare(c);
    return plain ? k : toml_string(k);
}

std::string header_line(const TomlTable& t) {
    std::string h = t.array ? "[[" : "[";
    for (std::size_t i = 0; i < t.path.size(); ++i) h += (i ? "." : "") + write_key_part(t.path[i]);
    return h + (t.array ? "]]" : "]");
}

Error conflict(std::string_view file, std::size_t line, const TomlTable& t) {
    return Error::make(ErrorKind::config,
                       std::string(file) + " line " + std::to_string(line + 1) + ": " + header_line(t) +
                           " is defined in another form there; edit it by hand or use --config-file");
}

}  // namespace

std::string toml_string(std::string_view s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

Result<std::string> toml_set(std::string_view text, const TomlTable& t, std::string_view key,
                             std::string_view value_literal, std::string_view file) {
    Lines lines(text);
    auto scanned = scan(lines, file);
    if (!scanned) return std::move(scanned).error();
    const auto& sts = *scanned;

    // Our table's region: the statements after its header, up to the next header.
    std::optional<std::size_t> header;  // index in sts
    std::vector<std::string> table;     // the current header's path
    for (std::size_t n = 0; n < sts.size(); ++n) {
        const auto& st = sts[n];
        if (st.kind == Statement::header) {
            table = st.path;
            if (st.path == t.path && st.array != t.array) return conflict(file, st.first, t);
            if (st.path == t.path && !t.array && !header) header = n;
            if (st.path == t.path && t.array) {
                // The element is ours when its match_key says so.
                for (std::size_t m = n + 1; m < sts.size() && sts[m].kind == Statement::keyval; ++m)
                    if (sts[m].path == std::vector<std::string>{t.match_key} && sts[m].is_string &&
                        sts[m].string_value == t.match_value && !header)
                        header = n;
            }
            continue;
        }
        auto full = table;
        full.insert(full.end(), st.path.begin(), st.path.end());
        // A key of our table written from outside it (dotted keys, an inline table) would clash with ours.
        if (!starts_with(table, t.path) && starts_with(full, t.path)) return conflict(file, st.first, t);
    }

    const std::string line = std::string(key) + " = " + std::string(value_literal);
    if (t.path.empty()) {  // the root table: the statements before the first header
        std::size_t at = 0;
        for (const auto& st : sts) {
            if (st.kind == Statement::header) break;
            if (st.path == std::vector<std::string>{std::string(key)}) {
                lines.replace(st.first, lines[st.first].substr(0, st.value_begin) + std::string(value_literal) +
                                            lines[st.last].substr(st.value_end));
                lines.erase(st.first + 1, st.last + 1);
                return lines.join();
            }
            at = st.last + 1;
        }
        lines.insert(at, line);
        return lines.join();
    }
    if (!header) {
        if (lines.size() > 0 && !trim(lines[lines.size() - 1]).empty()) lines.insert(lines.size(), "");
        lines.insert(lines.size(), header_line(t));
        if (t.array) lines.insert(lines.size(), t.match_key + " = " + toml_string(t.match_value));
        lines.insert(lines.size(), line);
        return lines.join();
    }
    std::size_t after = sts[*header].last;
    for (std::size_t m = *header + 1; m < sts.size() && sts[m].kind == Statement::keyval; ++m) {
        const auto& st = sts[m];
        if (st.path == std::vector<std::string>{std::string(key)}) {
            // Only the value changes: a comment after it stays.
            const std::string& first = lines[st.first];
            lines.replace(st.first, first.substr(0, st.value_begin) + std::string(value_literal) +
                                        lines[st.last].substr(st.value_end));
            lines.erase(st.first + 1, st.last + 1);
            return lines.join();
        }
        after = st.last;
    }
    lines.insert(after + 1, line);
    return lines.join();
}

Result<std::string> toml_remove(std::string_view text, const TomlTable& t, std::string_view key,
                                std::string_view file) {
    Lines lines(text);
    auto scanned = scan(lines, file);
    if (!scanned) return std::move(scanned).error();
    const auto& sts = *scanned;
    // Our table's header (as toml_set finds it; the root table has none) and its statements.
    std::optional<std::size_t> header;
    std::size_t begin = 0;
    if (!t.path.empty()) {
        for (std::size_t n = 0; n < sts.size() && !header; ++n) {
            const auto& st = sts[n];
            if (st.kind != Statement::header || st.path != t.path || st.array != t.array) continue;
            if (!t.array) header = n;
            for (std::size_t m = n + 1; t.array && m < sts.size() && sts[m].kind == Statement::keyval; ++m)
                if (sts[m].path == std::vector<std::string>{t.match_key} && sts[m].is_string &&
                    sts[m].string_value == t.match_value)
                    header = n;
        }
        if (!header) return std::string(text);
        begin = *header + 1;
    }
    std::optional<std::size_t> target;
    std::size_t keyvals = 0;
    std::size_t end = begin;
    for (; end < sts.size() && sts[end].kind == Statement::keyval; ++end) {
        ++keyvals;
        if (sts[end].path == std::vector<std::string>{std::string(key)}) target = end;
    }
    if (!target) return std::string(text);
    if (!header || keyvals > 1) {
        lines.erase(sts[*target].first, sts[*target].last + 1);
        return lines.join();
    }
    // The table held only this key: it goes whole when nothing but blank lines is left in it.
    const std::size_t from = sts[*header].first;
    const std::size_t to = end < sts.size() ? sts[end].first : lines.size();
    for (std::size_t l = from + 1; l < to; ++l)
        if ((l < sts[*target].first || l > sts[*target].last) && !trim(lines[l]).empty()) {
            lines.erase(sts[*target].first, sts[*target].last + 1);
            return lines.join();
        }
    const bool blank_before = from > 0 && trim(lines[from - 1]).empty();
    lines.erase(to == lines.size() && blank_before ? from - 1 : from, to);
    return lines.join();
}

}  // namespace cat::configure::edit
