// The YAML block-mapping editor (.yarnrc.yml, Bundler's config): keys found by indentation, one line each.
#include <algorithm>
#include <optional>

#include "configure/editors.hpp"

namespace cat::configure::edit {
namespace {

struct KeyLine {
    std::size_t indent = 0;
    std::string key;              // unquoted
    std::size_t colon = 0;        // offset of the ':' that ends the key
    std::string_view value;       // after the colon, trimmed, without a comment
    std::size_t value_begin = 0;  // the value's span in the line (empty: value_begin == value_end)
    std::size_t value_end = 0;
};

bool content(std::string_view line) {
    const auto t = trim(line);
    if (t.empty() || t.front() == '#') return false;
    if (line.starts_with("---") || line.starts_with("...")) return false;  // document markers
    return true;
}

std::size_t indent_of(std::string_view line) {
    std::size_t i = 0;
    while (i < line.size() && line[i] == ' ') ++i;
    return i;
}

std::optional<KeyLine> key_line(std::string_view line) {
    KeyLine k;
    k.indent = indent_of(line);
    std::size_t i = k.indent;
    if (i >= line.size() || line[i] == '-' || line[i] == '#') return std::nullopt;
    if (line[i] == '"' || line[i] == '\'') {
        const char q = line[i++];
        for (; i < line.size(); ++i) {
            if (q == '"' && line[i] == '\\' && i + 1 < line.size()) {
                k.key += line[++i];
            } else if (line[i] == q) {
                if (q == '\'' && i + 1 < line.size() && line[i + 1] == '\'') {
                    k.key += '\'';
                    ++i;
                } else {
                    break;
                }
            } else {
                k.key += line[i];
            }
        }
        if (i >= line.size()) return std::nullopt;
        ++i;
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
        if (i >= line.size() || line[i] != ':') return std::nullopt;
        k.colon = i;
    } else {
        std::size_t c = line.find(':', i);
        while (c != std::string_view::npos && c + 1 < line.size() && line[c + 1] != ' ' && line[c + 1] != '\t')
            c = line.find(':', c + 1);
        if (c == std::string_view::npos) return std::nullopt;
        k.key = std::string(trim(line.substr(i, c - i)));
        k.colon = c;
    }
    std::size_t b = k.colon + 1;
    while (b < line.size() && (line[b] == ' ' || line[b] == '\t')) ++b;
    std::size_t e = b;
    if (b < line.size() && (line[b] == '"' || line[b] == '\'')) {
        const char q = line[b];
        for (e = b + 1; e < line.size(); ++e) {
            if (q == '"' && line[e] == '\\') {
                ++e;
            } else if (line[e] == q) {
                if (q == '\'' && e + 1 < line.size() && line[e + 1] == '\'') {
                    ++e;
                    continue;
                }
                ++e;
                break;
            }
        }
        e = std::min(e, line.size());
    } else if (b < line.size() && line[b] != '#') {
        e = line.size();
        for (std::size_t c = b + 1; c < line.size(); ++c)
            if (line[c] == '#' && (line[c - 1] == ' ' || line[c - 1] == '\t')) {
                e = c;
                break;
            }
        while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) --e;
    }
    k.value_begin = b;
    k.value_end = e;
    k.value = line.substr(b, e - b);
    return k;
}

std::string write_key(std::string_view key, bool raw) {
    bool plain = !key.empty();
    for (char c : key)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
              c == '.'))
            plain = false;
    if (raw || plain) return std::string(key);
    std::string out = "\"";
    for (char c : key) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

Error cannot(std::string_view file, std::size_t line, std::string_view why) {
    return Error::make(ErrorKind::config, std::string(file) + " line " + std::to_string(line + 1) + ": " +
                                              std::string(why) + "; edit it by hand or use --config-file");
}

struct Found {
    std::size_t line = 0;
    KeyLine key;
    std::size_t block_end = 0;  // after the last line of the block under the key
};

// The keys of `path` found in turn (fewer than path.size() when one is missing); for a missing one, where
// it was looked for: the block [begin, end) and the indentation of its keys (none: an empty block).
struct Walk {
    std::vector<Found> found;
    std::size_t end = 0;
    std::optional<std::size_t> child_indent;
};

Result<Walk> walk(const Lines& lines, std::span<const std::string> path, std::string_view file) {
    Walk w;
    std::size_t begin = 0;
    w.end = lines.size();
    for (std::size_t level = 0; level < path.size(); ++level) {
        w.child_indent.reset();
        std::optional<Found> found;
        for (std::size_t i = begin; i < w.end && !found; ++i) {
            if (!content(lines[i])) continue;
            const auto ind = indent_of(lines[i]);
            if (!w.child_indent) w.child_indent = ind;
            if (ind != *w.child_indent) continue;
            if (auto k = key_line(lines[i]); k && k->key == path[level]) found = Found{i, std::move(*k), 0};
        }
        if (!found) return w;
        // The block under the key: the following lines more indented than it.
        found->block_end = found->line + 1;
        for (std::size_t i = found->line + 1; i < w.end; ++i) {
            if (!content(lines[i])) continue;
            if (indent_of(lines[i]) <= found->key.indent) break;
            found->block_end = i + 1;
        }
        const bool last = level + 1 == path.size();
        if (!last && !found->key.value.empty())
            return cannot(file, found->line, "\"" + path[level] + "\" is not written as an indented block");
        begin = found->line + 1;
        w.end = found->block_end;
        w.found.push_back(std::move(*found));
    }
    return w;
}

// A scalar as written, without its quotes (double quotes: the escapes of quoted() undone).
std::string unquote(std::string_view v) {
    if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
        std::string out;
        for (std::size_t i = 1; i + 1 < v.size(); ++i) {
            out += v[i];
            if (v[i] == '\'' && v[i + 1] == '\'') ++i;
        }
        return out;
    }
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        std::string out;
        for (std::size_t i = 1; i + 1 < v.size(); ++i) {
            if (v[i] == '\\' && i + 2 < v.size()) ++i;
            out += v[i];
        }
        return out;
    }
    return std::string(v);
}

}  // namespace

Result<std::string> yaml_set(std::string_view text, std::span<const std::string> path, std::string_view value,
                             bool raw_keys, std::string_view file) {
    Lines lines(text);
    auto w = walk(lines, path, file);
    if (!w) return std::move(w).error();
    if (w->found.size() < path.size()) {
        const auto level = w->found.size();
        std::size_t ind = w->child_indent ? *w->child_indent : (level > 0 ? w->found.back().key.indent + 2 : 0);
        std::size_t at = w->end;
        for (std::size_t j = level; j < path.size(); ++j, ind += 2) {
            std::string line(ind, ' ');
            line += write_key(path[j], raw_keys) + ":";
            if (j + 1 == path.size()) line += " " + std::string(value);
            lines.insert(at++, std::move(line));
        }
        return lines.join();
    }
    const auto& last = w->found.back();
    if (last.block_end > last.line + 1) return cannot(file, last.line, "\"" + path.back() + "\" is not a single value");
    // Only the value changes: a comment after it stays.
    const std::string& line = lines[last.line];
    std::string out;
    if (last.key.value_begin == last.key.value_end) {
        out = line.substr(0, last.key.colon + 1) + " " + std::string(value);
        if (last.key.value_begin < line.size()) out += " " + line.substr(last.key.value_begin);
    } else {
        out = line.substr(0, last.key.value_begin) + std::string(value) + line.substr(last.key.value_end);
    }
    lines.replace(last.line, std::move(out));
    return lines.join();
}

std::optional<std::string> yaml_get(std::string_view text, std::span<const std::string> path) {
    const Lines lines(text);
    auto w = walk(lines, path, "");
    if (!w || w->found.size() < path.size()) return std::nullopt;
    const auto& last = w->found.back();
    if (last.block_end > last.line + 1) return std::nullopt;
    return unquote(last.key.value);
}

Result<std::string> yaml_remove(std::string_view text, std::span<const std::string> path, std::string_view file) {
    Lines lines(text);
    auto w = walk(lines, path, file);
    if (!w) return std::move(w).error();
    if (w->found.size() < path.size()) return std::string(text);
    // The deepest mapping on the way that holds anything besides what goes: up to it, everything goes.
    std::size_t level = path.size() - 1;
    while (level > 0) {
        const auto& parent = w->found[level - 1];
        const auto& child = w->found[level];
        bool other = false;
        for (std::size_t i = parent.line + 1; i < parent.block_end && !other; ++i)
            if ((i < child.line || i >= child.block_end) && !trim(lines[i]).empty()) other = true;
        if (other) break;
        --level;
    }
    const auto& gone = w->found[level];
    lines.erase(gone.line, gone.block_end);
    return lines.join();
}

bool yaml_empty(std::string_view text) {
    const Lines lines(text);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        const auto t = trim(lines[i]);
        if (!t.empty() && t != "---" && t != "...") return false;
    }
    return true;
}

}  // namespace cat::configure::edit
