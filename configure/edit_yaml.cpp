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

}  // namespace

Result<std::string> yaml_set(std::string_view text, std::span<const std::string> path, std::string_view value,
                             bool raw_keys, std::string_view file) {
    Lines lines(text);
    std::size_t begin = 0;
    std::size_t end = lines.size();
    std::optional<std::size_t> parent_indent;  // none: the top level
    for (std::size_t level = 0; level < path.size(); ++level) {
        const bool last = level + 1 == path.size();
        std::optional<std::size_t> child_indent;
        std::optional<std::size_t> found;
        std::optional<KeyLine> found_key;
        for (std::size_t i = begin; i < end; ++i) {
            if (!content(lines[i])) continue;
            const auto ind = indent_of(lines[i]);
            if (!child_indent) child_indent = ind;
            if (ind != *child_indent) continue;
            auto k = key_line(lines[i]);
            if (k && k->key == path[level]) {
                found = i;
                found_key = std::move(k);
                break;
            }
        }
        if (!found) {
            std::size_t ind = child_indent ? *child_indent : (parent_indent ? *parent_indent + 2 : 0);
            std::size_t at = end;
            for (std::size_t j = level; j < path.size(); ++j, ind += 2) {
                std::string line(ind, ' ');
                line += write_key(path[j], raw_keys) + ":";
                if (j + 1 == path.size()) line += " " + std::string(value);
                lines.insert(at++, std::move(line));
            }
            return lines.join();
        }
        // The block under the key: the following lines more indented than it.
        std::size_t block_end = *found + 1;
        for (std::size_t i = *found + 1; i < end; ++i) {
            if (!content(lines[i])) continue;
            if (indent_of(lines[i]) <= found_key->indent) break;
            block_end = i + 1;
        }
        if (last) {
            if (block_end > *found + 1) return cannot(file, *found, "\"" + path[level] + "\" is not a single value");
            // Only the value changes: a comment after it stays.
            const std::string& line = lines[*found];
            std::string out;
            if (found_key->value_begin == found_key->value_end) {
                out = line.substr(0, found_key->colon + 1) + " " + std::string(value);
                if (found_key->value_begin < line.size()) out += " " + line.substr(found_key->value_begin);
            } else {
                out = line.substr(0, found_key->value_begin) + std::string(value) + line.substr(found_key->value_end);
            }
            lines.replace(*found, std::move(out));
            return lines.join();
        }
        if (!found_key->value.empty())
            return cannot(file, *found, "\"" + path[level] + "\" is not written as an indented block");
        begin = *found + 1;
        end = block_end;
        parent_indent = found_key->indent;
    }
    return lines.join();
}

}  // namespace cat::configure::edit
