// The small text editors behind plan(): each finds the entry we own in a file of one format and replaces
// or inserts it, leaving every other byte of the text as it was. They work on the text (lines, tags, spans),
// not on a parsed-and-reprinted document, so comments, order, spacing and line endings survive.
// `file` only names the file in error messages.
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace cat::configure::edit {

// A text as lines with their own terminators ("\n", "\r\n", or "" for a last line without one). New lines
// get the text's first terminator ("\n" for a text without one); a UTF-8 byte-order mark is kept aside.
class Lines {
public:
    explicit Lines(std::string_view text);
    std::size_t size() const { return body_.size(); }
    const std::string& operator[](std::size_t i) const { return body_[i]; }
    void replace(std::size_t i, std::string line) { body_[i] = std::move(line); }
    // Inserts before line `at` (at == size(): appends, ending the old last line first).
    void insert(std::size_t at, std::string line);
    void erase(std::size_t first, std::size_t last);  // [first, last)
    std::string join() const;

private:
    std::string bom_;
    std::vector<std::string> body_;
    std::vector<std::string> eol_;
    std::string nl_ = "\n";
};

std::string_view trim(std::string_view s);
bool blank_or_comment(std::string_view line, std::string_view comment_chars);

// ---- INI-like: .npmrc, pip.conf, .pypirc, gradle.properties ---------------------------------------------
struct IniDialect {
    bool fold_keys = false;               // configparser as pip uses it: case-insensitive, '_' same as '-'
    bool continuation_indent = false;     // configparser: a more indented line continues the value
    bool continuation_backslash = false;  // .properties: a line ending in '\' continues
    std::string_view comments = "#;";     // first non-blank character of a comment line
    std::string_view separators = "=";    // what may end the key ("=:" configparser; "=: " .properties)
    std::string_view write_separator = " = ";
};
// Sets `key` in [section] ("" = the keys before the first section header) to `value`: the value part of an
// existing entry is replaced (its key and separator kept), else the entry is added after the section's
// last entry, else the section is added at the end.
std::string ini_set(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                    std::string_view value);
// For a whitespace-separated list value (pip's extra-index-url, .pypirc's index-servers): replaces the
// first item for which `same` is true by `item`, else adds `item` (on a new continuation line when the
// value already spans lines, else after the last item).
std::string ini_list_put(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                         std::string_view item, const std::function<bool(std::string_view)>& same);
// The value of `key` in [section] (its first line, trimmed), nullopt when there is none.
std::optional<std::string> ini_get(std::string_view text, const IniDialect& d, std::string_view section,
                                   std::string_view key);
// The items of a whitespace-separated list value, over all its lines; nullopt when there is no such key.
std::optional<std::vector<std::string>> ini_list_get(std::string_view text, const IniDialect& d,
                                                     std::string_view section, std::string_view key);
// Removes `key` from [section] (its continuation lines too); a section left with nothing but blank lines
// goes with its header (and the blank line before it, at the end of the file). The text as it is when
// there is no such key.
std::string ini_remove(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key);
// Removes the first item of a list value for which `same` is true; the whole entry when it was the only one.
std::string ini_list_remove(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key,
                            const std::function<bool(std::string_view)>& same);
// The section names, in order, and whether a key exists.
std::vector<std::string> ini_sections(std::string_view text, const IniDialect& d);
bool ini_has(std::string_view text, const IniDialect& d, std::string_view section, std::string_view key);

// ---- YAML block mappings: .yarnrc.yml, Bundler's config -------------------------------------------------
// Sets the scalar at `path` (keys of nested block mappings) to `value`, written as given (the caller
// quotes it). Missing mappings are added at the end of their parent. Keys are compared unquoted and
// written double-quoted when they need it, unless raw_keys (Bundler's reader takes keys literally).
// A mapping written in flow style ({...}) on the way is a config error.
Result<std::string> yaml_set(std::string_view text, std::span<const std::string> path, std::string_view value,
                             bool raw_keys, std::string_view file);
// The scalar at `path`, unquoted (nullopt when there is none, or it is not a scalar).
std::optional<std::string> yaml_get(std::string_view text, std::span<const std::string> path);
// Removes the key at `path` (with any block under it); each mapping on the way that is left with nothing
// (no key, no comment) goes too. The text as it is when there is no such key; a mapping on the way written
// in flow style is a config error, as for yaml_set.
Result<std::string> yaml_remove(std::string_view text, std::span<const std::string> path, std::string_view file);
// True when the text holds no key and no comment (blank lines and document markers only).
bool yaml_empty(std::string_view text);

// ---- TOML: Cargo's config and credentials, uv.toml, Poetry's config.toml and auth.toml ------------------
struct TomlTable {
    std::vector<std::string> path;  // ["registries", "my-registry"], or ["index"] for [[index]]
    bool array = false;             // [[path]]: the element whose match_key equals match_value
    std::string match_key;
    std::string match_value;
};
// Sets key = value_literal (a TOML value as written) in the table, adding the key or the table when
// missing. Our table defined another way (inline table, dotted keys) is a config error, not a duplicate.
Result<std::string> toml_set(std::string_view text, const TomlTable& t, std::string_view key,
                             std::string_view value_literal, std::string_view file);
// Removes `key` from the table; a table left without statements goes with its header (and the blank line
// before it that toml_set adds). The text as it is when there is no such key.
Result<std::string> toml_remove(std::string_view text, const TomlTable& t, std::string_view key, std::string_view file);
std::string toml_string(std::string_view s);  // "basic string" with the escapes TOML needs

// ---- XML: Maven's settings.xml, NuGet.Config ------------------------------------------------------------
// One step of a path of elements: the child named `name` that has a child element `child` whose text is
// `value`, or an attribute `attr` equal to `value`, or (only `value` given) its own text equal to it, or
// (neither) the first child named `name`. Missing elements are created with what identifies them.
struct XmlStep {
    std::string name;
    std::string child;
    std::string attr;
    std::string value;
};
// The path starts at the root element (created, with `root_template`, in an empty file).
Result<std::string> xml_set_text(std::string_view text, std::span<const XmlStep> path, std::string_view value,
                                 std::string_view root_template, std::string_view file);
Result<std::string> xml_set_attr(std::string_view text, std::span<const XmlStep> path, std::string_view attr,
                                 std::string_view value, std::string_view root_template, std::string_view file);
// Makes sure the element at `path` exists (creating it like the setters do).
Result<std::string> xml_ensure(std::string_view text, std::span<const XmlStep> path, std::string_view root_template,
                               std::string_view file);
// Removes the element at `path` (and the indentation and line it stood on); each element on the way below
// the root that is left holding nothing but what identifies it (its step's `child`) goes too. The text as
// it is when there is no such element.
Result<std::string> xml_remove(std::string_view text, std::span<const XmlStep> path, std::string_view file);
std::string xml_escape(std::string_view s);

// ---- JSON: SwiftPM's registries.json --------------------------------------------------------------------
// Sets the member at `path` (object keys) to value_json (serialized JSON); missing objects are added with
// the file's indentation and separator style. overwrite false: an existing member is left as it is.
Result<std::string> json_set(std::string_view text, std::span<const std::string> path, std::string_view value_json,
                             bool overwrite, std::string_view file);
// The member at `path` as written (serialized JSON), nullopt when there is none.
Result<std::optional<std::string>> json_get(std::string_view text, std::span<const std::string> path,
                                            std::string_view file);
// The keys of the object at `path` (empty when there is none).
Result<std::vector<std::string>> json_keys(std::string_view text, std::span<const std::string> path,
                                           std::string_view file);
// Removes the member at `path` (with its separator); each object on the way below the root left empty goes
// too (one we created cannot be told from the user's empty one); the root stays, if need be as `{}`. The
// text as it is when there is no such member. A document that is not an object is a config error for
// json_get, json_keys and json_remove, as for json_set.
Result<std::string> json_remove(std::string_view text, std::span<const std::string> path, std::string_view file);
std::string json_string(std::string_view s);
// The text of a JSON string literal, escapes decoded (\u as UTF-8); nullopt when `literal` is not one.
std::optional<std::string> json_unquote(std::string_view literal);

// ---- .netrc ---------------------------------------------------------------------------------------------
// Makes the entry for `machine` be "machine M login L password P" (replacing that entry's tokens only).
Result<std::string> netrc_set(std::string_view text, std::string_view machine, std::string_view login,
                              std::string_view password, std::string_view file);
// Removes the entry for `machine` when its login is `login` (with the line it stood on, when it had one).
std::string netrc_remove(std::string_view text, std::string_view machine, std::string_view login);

}  // namespace cat::configure::edit
