// Lines, and the INI-like editor (.npmrc, pip.conf, .pypirc, gradle.properties).
#include <algorithm>
#include <optional>
#include <tuple>

#include "configure/editors.hpp"

namespace cat::configure::edit {

Lines::Lines(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) {
        bom_ = "\xEF\xBB\xBF";
        text.remove_prefix(3);
    }
    bool first = true;
    while (!text.empty()) {
        const auto nl = text.find('\n');
        std::string_view line = nl == std::string_view::npos ? text : text.substr(0, nl);
        std::string eol;
        if (nl != std::string_view::npos) {
            eol = "\n";
            if (line.ends_with('\r')) {
                line.remove_suffix(1);
                eol = "\r\n";
            }
            if (first) nl_ = eol;
            first = false;
        }
        body_.emplace_back(line);
        eol_.push_back(std::move(eol));
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    }
}

void Lines::insert(std::size_t at, std::string line) {
    if (at >= body_.size()) {
        if (!eol_.empty() && eol_.back().empty()) eol_.back() = nl_;
        body_.push_back(std::move(line));
        eol_.push_back(nl_);
        return;
    }
    const auto pos = static_cast<std::ptrdiff_t>(at);
    body_.insert(body_.begin() + pos, std::move(line));
    eol_.insert(eol_.begin() + pos, nl_);
}

void Lines::erase(std::size_t first, std::size_t last) {
    if (first >= last) return;
    // Keep the terminator state of the old last line when erasing through the end.
    if (last == body_.size() && first > 0) eol_[first - 1] = eol_[last - 1];
    body_.erase(body_.begin() + static_cast<std::ptrdiff_t>(first), body_.begin() + static_cast<std::ptrdiff_t>(last));
    eol_.erase(eol_.begin() + static_cast<std::ptrdiff_t>(first), eol_.begin() + static_cast<std::ptrdiff_t>(last));
}

std::string Lines::join() const {
    std::string out = bom_;
    for (std::size_t i = 0; i < body_.size(); ++i) {
        out += body_[i];
        out += eol_[i];
    }
    return out;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

bool blank_or_comment(std::string_view line, std::string_view comment_chars) {
    const auto t = trim(line);
    return t.empty() || comment_chars.find(t.front()) != std::string_view::npos;
}

namespace {

struct IniEntry {
    std::string section;
    std::string key;
    std::size_t first = 0;        // line of the key
    std::size_t last = 0;         // last line of the value (continuations), inclusive
    std::size_t value_begin = 0;  // offset of the value in the first line
    bool separator = true;        // false: the key alone on its line ("registry", configparser's no-value key)
};

struct IniFile {
    std::vector<IniEntry> entries;
    std::vector<std::pair<std::string, std::size_t>> headers;  // name, line
};

std::size_t indent_of(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    return i;
}

bool odd_trailing_backslashes(std::string_view line) {
    std::size_t n = 0;
    while (n < line.size() && line[line.size() - 1 - n] == '\\') ++n;
    return n % 2 == 1;
}

IniFile parse(const Lines& lines, const IniDialect& d) {
    IniFile f;
    std::string section;
    std::optional<std::size_t> open;  // index in entries of the entry whose value may continue
    std::size_t open_indent = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const std::string_view line = lines[i];
        if (open) {
            auto& e = f.entries[*open];
            if (d.continuation_backslash && odd_trailing_backslashes(lines[e.last])) {
                e.last = i;
                continue;
            }
            if (d.continuation_indent && !trim(line).empty() && indent_of(line) > open_indent) {
                e.last = i;
                continue;
            }
            open.reset();
        }
        const auto t = trim(line);
        if (t.empty() || d.comments.find(t.front()) != std::string_view::npos) continue;
        if (t.front() == '[') {
            const auto close = t.rfind(']');
            const auto inner = close == std::string_view::npos ? t.substr(1) : t.substr(1, close - 1);
            section = std::string(trim(inner));
            f.headers.emplace_back(section, i);
            continue;
        }
        const auto start = indent_of(line);
        std::size_t sep = line.find_first_of(d.separators, start);
        IniEntry e;
        e.section = section;
        e.first = e.last = i;
        if (sep == std::string_view::npos) {
            e.key = std::string(trim(line.substr(start)));
            e.value_begin = line.size();
            e.separator = false;
        } else {
            e.key = std::string(trim(line.substr(start, sep - start)));
            std::size_t v = sep;
            // "key = value", "key: value" and (.properties) "key value" each have one separator.
            while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
            if (v < line.size() && (line[v] == '=' || line[v] == ':') &&
                d.separators.find(line[v]) != std::string_view::npos)
                ++v;
            while (v < line.size() && (line[v] == ' ' || line[v] == '\t')) ++v;
            e.value_begin = v;
        }
        f.entries.push_back(std::move(e));
        open = f.entries.size() - 1;
        open_indent = start;
    }
    return f;
}

std::string fold(std::string_view key, const IniDialect& d) {
    std::string k(key);
    if (!d.fold_keys) return k;
    for (char& c : k) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c == '_') c = '-';
    }
    return k;
}

const IniEntry* find_entry(const IniFile& f, const IniDialect& d, std::string_view section, std::string_view key) {
    const IniEntry* found = nullptr;
    const auto k = fold(key, d);
    for (const auto& e : f.entries)
        if (e.section == section && fold(e.key, d) == k) found = &e;  // the last one wins
    return found;
}

std::string with_value(std::string_view line, const IniEntry& e, std::string_view value, const IniDialect& d) {
    if (!e.separator)  // a key without a value gets the separator we write, or the value would join the key
        return std::string(line.substr(0, line.find_last_not_of(" \t\r") + 1)) + std::string(d.write_separator) +
               std::string(value);
    const auto value_begin = e.value_begin;
    std::string out(line.substr(0, value_begin));
    if (value_begin == line.size() && !out.empty() && out.back() != ' ' && out.back() != '\t' &&
        d.write_separator.ends_with(' '))
        out += ' ';
    out += value;
    return out;
}

// Inserts `line` before line `at`; after a line that a '\' continues (the file's last), an empty line first
// ends that value, or ours would be its continuation. Where indentation continues a value, ours takes the
// indentation of the line it goes before, or that line (not a continuation where it was) would become ours.
void insert_line(Lines& lines, std::size_t at, std::string line, const IniDialect& d) {
    if (d.continuation_backslash && at > 0) {
        std::string_view before = lines[at - 1];
        // At the end, the line break we add after a last line ending in '\r' makes a CRLF: the '\r' goes.
        if (at == lines.size() && before.ends_with('\r')) before.remove_suffix(1);
        if (odd_trailing_backslashes(before)) lines.insert(at++, "");
    }
    if (d.continuation_indent && at < lines.size() && !trim(lines[at]).empty())
        line.insert(0, std::string_view(lines[at]).substr(0, indent_of(lines[at])));
    lines.insert(at, std::move(line));
}

void add_entry(Lines& lines, const IniFile& f, const IniDialect& d, std::string_view section, std::string line) {
    std::optional<std::size_t> after;  // insert after this line
    for (const auto& e : f.entries)
        if (e.section == section) after = e.last;
    if (after) {
        insert_line(lines, *after + 1, std::move(line), d);
        return;
    }
    if (section.empty()) {
        insert_line(lines, f.headers.empty() ? lines.size() : f.headers.front().second, std::move(line), d);
        return;
    }
    for (const auto& [name, at] : f.headers)
        if (name == section) {
            insert_line(lines, at + 1, std::move(line), d);
            return;
        }
    if (lines.size() > 0 && !trim(lines[lines.size() - 1]).empty()) insert_line(lines, lines.size(), "", d);
    lines.insert(lines.size(), "[" + std::string(section) + "]");
    lines.insert(lines.size(), std::move(line));
}

// The items of a whitespace-separated list value: line, begin and end offsets.
std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> list_items(const Lines& lines, const IniEntry& e) {
    std::vector<std::tuple<std::size_t, std::size_t, std::size_t>> out;
    for (std::size_t i = e.first; i <= e.last; ++i) {
        const std::string& line = lines[i];
        std::size_t p = i == e.first ? e.value_begin : 0;
        while (p < line.size()) {
            while (p < line.size() && (line[p] == ' ' || line[p] == '\t')) ++p;
            std::size_t q = p;
            while (q < line.size() && line[q] != ' ' && line[q] != '\t') ++q;
            if (q > p) out.emplace_back(i, p, q);
            p = q;
        }
    }
    return out;
}

}  // namespace

std::string ini_set(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                    std::string_view value) {
    Lines lines(text);
    const auto f = parse(lines, d);
    if (const auto* e = find_entry(f, d, section, key)) {
        lines.replace(e->first, with_value(lines[e->first], *e, value, d));
        lines.erase(e->first + 1, e->last + 1);
        return lines.join();
    }
    add_entry(lines, f, d, section, std::string(key) + std::string(d.write_separator) + std::string(value));
    return lines.join();
}

std::string ini_list_put(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                         std::string_view item, const std::function<bool(std::string_view)>& same) {
    Lines lines(text);
    const auto f = parse(lines, d);
    const auto* e = find_entry(f, d, section, key);
    if (e == nullptr) return ini_set(text, d, section, key, item);
    const auto items = list_items(lines, *e);
    for (const auto& [i, p, q] : items)
        if (same(std::string_view(lines[i]).substr(p, q - p))) {
            const std::string line = lines[i];
            lines.replace(i, line.substr(0, p) + std::string(item) + line.substr(q));
            return lines.join();
        }
    if (e->last > e->first) {
        // A new continuation line where indentation continues; after a '\' continuation, on the last line.
        const std::string last = lines[e->last];
        if (d.continuation_indent)
            lines.insert(e->last + 1, last.substr(0, indent_of(last)) + std::string(item));
        else
            lines.replace(e->last, last + (last.ends_with(' ') ? "" : " ") + std::string(item));
        return lines.join();
    }
    const std::string& line = lines[e->first];
    const bool empty_value = trim(std::string_view(line).substr(e->value_begin)).empty();
    std::string out = empty_value ? with_value(line, *e, "", d) : line;
    if (!empty_value && !out.ends_with(' ')) out += ' ';
    lines.replace(e->first, out + std::string(item));
    return lines.join();
}

std::optional<std::string> ini_get(std::string_view text, const IniDialect& d, std::string_view section,
                                   std::string_view key) {
    const Lines lines(text);
    const auto f = parse(lines, d);
    const auto* e = find_entry(f, d, section, key);
    if (e == nullptr) return std::nullopt;
    return std::string(trim(std::string_view(lines[e->first]).substr(e->value_begin)));
}

std::optional<std::vector<std::string>> ini_list_get(std::string_view text, const IniDialect& d,
                                                     std::string_view section, std::string_view key) {
    const Lines lines(text);
    const auto f = parse(lines, d);
    const auto* e = find_entry(f, d, section, key);
    if (e == nullptr) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& [i, p, q] : list_items(lines, *e)) out.push_back(lines[i].substr(p, q - p));
    return out;
}

std::string ini_remove(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key) {
    Lines lines(text);
    auto f = parse(lines, d);
    const auto* e = find_entry(f, d, section, key);
    if (e == nullptr) return std::string(text);
    const std::size_t first = e->first;
    lines.erase(first, e->last + 1);
    if (section.empty()) return lines.join();
    // A section left without entries goes too, with the blank line add_entry put before it; only when nothing
    // but blank lines is left in it (a comment in it is the user's).
    f = parse(lines, d);
    for (const auto& other : f.entries)
        if (other.section == section) return lines.join();
    for (std::size_t h = 0; h < f.headers.size(); ++h) {
        if (f.headers[h].first != section) continue;
        const std::size_t at = f.headers[h].second;
        const std::size_t end = h + 1 < f.headers.size() ? f.headers[h + 1].second : lines.size();
        for (std::size_t i = at + 1; i < end; ++i)
            if (!trim(lines[i]).empty()) return lines.join();
        const bool at_end = end == lines.size();
        const bool blank_before = at > 0 && trim(lines[at - 1]).empty();
        lines.erase(at_end && blank_before ? at - 1 : at, end);
        return lines.join();
    }
    return lines.join();
}

std::string ini_list_remove(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                            const std::function<bool(std::string_view)>& same) {
    Lines lines(text);
    const auto f = parse(lines, d);
    const auto* e = find_entry(f, d, section, key);
    if (e == nullptr) return std::string(text);
    const auto items = list_items(lines, *e);
    std::optional<std::tuple<std::size_t, std::size_t, std::size_t>> found;
    for (const auto& it : items)
        if (!found &&
            same(std::string_view(lines[std::get<0>(it)]).substr(std::get<1>(it), std::get<2>(it) - std::get<1>(it))))
            found = it;
    if (!found) return std::string(text);
    if (items.size() == 1) return ini_remove(text, d, section, key);
    auto [i, p, q] = *found;
    const std::string line = lines[i];
    // The item and the blanks before it (after it, when it is the first of its line); a continuation line
    // that held only it goes whole.
    if (i != e->first && trim(line.substr(0, p)).empty() && trim(line.substr(q)).empty()) {
        lines.erase(i, i + 1);
        return lines.join();
    }
    std::size_t b = p;
    while (b > (i == e->first ? e->value_begin : 0) && (line[b - 1] == ' ' || line[b - 1] == '\t')) --b;
    std::size_t end = q;
    if (b == (i == e->first ? e->value_begin : 0))
        while (end < line.size() && (line[end] == ' ' || line[end] == '\t')) ++end;
    lines.replace(i, line.substr(0, b) + line.substr(end));
    return lines.join();
}

std::vector<std::string> ini_sections(std::string_view text, const IniDialect& d) {
    const Lines lines(text);
    std::vector<std::string> out;
    for (auto& [name, at] : parse(lines, d).headers) out.push_back(name);
    return out;
}

bool ini_has(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key) {
    const Lines lines(text);
    return find_entry(parse(lines, d), d, section, key) != nullptr;
}

}  // namespace cat::configure::edit
