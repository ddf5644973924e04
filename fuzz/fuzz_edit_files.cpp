// The format-preserving editors of --configure (configure/editors.hpp) on arbitrary files. Byte 0 picks
// the editor (INI-like, YAML, TOML, XML, JSON, .netrc), byte 1 the edit (which dialect, which of our
// entries, or a fresh one), the rest is the file. Properties checked:
//   - a refused file is a configuration error that names the file, one line;
//   - idempotence: the edit applied to its own result changes nothing;
//   - only our value changes when the edit is made again with another value (token rotation): the
//     second result is the first with the value replaced;
//   - a fresh entry (a name the file does not have) is a pure insertion: the file is the result with one
//     contiguous run of bytes taken out (XML: or a self-closing parent's "/" turned into an end tag; JSON: or
//     an empty object's blanks);
//   - the removers of --unconfigure (YAML, XML, JSON, .netrc) take our entry out of the edited file as one
//     contiguous run of bytes, leaving no value of ours, and refuse what they refuse as a config error.
#include <algorithm>
#include <functional>
#include <optional>

#include "configure/editors.hpp"
#include "fuzz/fuzz_common.hpp"

using namespace cat;
namespace edit = cat::configure::edit;

namespace {

constexpr std::string_view kFile = "/home/fuzz/config";
constexpr std::string_view kValue1 = "Qv1tokenQz";
constexpr std::string_view kValue2 = "Qv2tokenQz";
constexpr std::string_view kFresh = "zqx";  // in every fresh name

// One edit with the value given: the new text, or the editor's error.
using Edit = std::function<Result<std::string>(std::string_view text, std::string_view value)>;
using Remove = std::function<Result<std::string>(std::string_view text)>;

struct Case {
    Edit run;
    bool fresh = false;           // our entry's name has kFresh in it
    bool rotates = true;          // a second value replaces the first (not so for "set only when missing")
    bool xml = false;             // a self-closing parent may become an element with an end tag
    bool json = false;            // an empty object's inner blanks give way to the first member's lines
    bool blank_template = false;  // an empty file becomes a template first
    Remove remove;                // --unconfigure's removal of the same entry, where the format has one
};

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool contains_folded(std::string_view text, std::string_view what) {
    return lower(replace_all(std::string(text), "_", "-")).find(lower(what)) != std::string::npos;
}

Result<std::string> ok(std::string s) {
    return s;
}

Case ini_case(unsigned v) {
    static const edit::IniDialect npmrc{.write_separator = "="};
    static const edit::IniDialect configparser{.fold_keys = true, .continuation_indent = true, .separators = "=:"};
    static const edit::IniDialect properties{
        .continuation_backslash = true, .comments = "#!", .separators = "=: \t", .write_separator = "="};
    const edit::IniDialect* d = v % 3 == 0 ? &npmrc : v % 3 == 1 ? &configparser : &properties;
    const bool fresh = (v / 3) % 2 == 1;
    const bool list = (v / 6) % 2 == 1;
    const std::string section = d == &configparser ? (fresh ? "zqxsection" : "global") : "";
    const std::string key = fresh                ? "zqxkey"
                            : d == &configparser ? (list ? "extra-index-url" : "index-url")
                                                 : "registry";
    Case c;
    c.fresh = fresh;
    if (list)
        c.run = [=](std::string_view text, std::string_view value) {
            return ok(edit::ini_list_put(text, *d, section, key, "https://h.example/" + std::string(value),
                                         [](std::string_view item) { return item.starts_with("https://h.example/"); }));
        };
    else
        c.run = [=](std::string_view text, std::string_view value) {
            return ok(edit::ini_set(text, *d, section, key, value));
        };
    return c;
}

Case yaml_case(unsigned v) {
    static const std::vector<std::vector<std::string>> paths{
        {"npmRegistryServer"},
        {"npmRegistries", "//h.example/npm/r", "npmAuthToken"},
        {"npmScopes", "corp", "npmRegistryServer"},
        {"BUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/"},
        {"npmRegistries", "zqx", "npmAuthToken"},
        {"zqxa", "zqxb"},
    };
    const auto& path = paths[v % paths.size()];
    const bool raw = (v / paths.size()) % 2 == 1;
    Case c;
    c.fresh = std::any_of(path.begin(), path.end(), [](const std::string& k) { return k.starts_with(kFresh); });
    c.run = [&path, raw](std::string_view text, std::string_view value) {
        return edit::yaml_set(text, path, edit::json_string(value), raw, kFile);
    };
    c.remove = [&path](std::string_view text) { return edit::yaml_remove(text, path, kFile); };
    return c;
}

Case toml_case(unsigned v) {
    static const std::vector<std::pair<edit::TomlTable, std::string>> tables{
        {{{"registries", "my-repo"}, false, "", ""}, "token"},
        {{{"index"}, true, "name", "my-repo"}, "url"},
        {{{"source", "crates-io"}, false, "", ""}, "replace-with"},
        {{{"http-basic", "my-repo"}, false, "", ""}, "password"},
        {{{"registries", "zqx"}, false, "", ""}, "token"},
        {{{"index"}, true, "name", "zqx"}, "url"},
        {{{"zqxt"}, false, "", ""}, "zqxk"},
    };
    const auto& entry = tables[v % tables.size()];
    Case c;
    c.fresh = v % tables.size() >= 4;
    c.run = [&entry](std::string_view text, std::string_view value) {
        return edit::toml_set(text, entry.first, entry.second, edit::toml_string(value), kFile);
    };
    return c;
}

Case xml_case(unsigned v) {
    static constexpr std::string_view maven_root = "<?xml version=\"1.0\"?>\n<settings>\n</settings>\n";
    static constexpr std::string_view nuget_root = "<configuration>\n</configuration>\n";
    using S = edit::XmlStep;
    static const std::vector<std::vector<S>> maven{
        {{"settings", "", "", ""}, {"servers", "", "", ""}, {"server", "id", "", "my-repo"}, {"password", "", "", ""}},
        {{"settings", "", "", ""}, {"mirrors", "", "", ""}, {"mirror", "id", "", "my-repo"}, {"url", "", "", ""}},
        {{"settings", "", "", ""}, {"servers", "", "", ""}, {"server", "id", "", "zqx"}, {"password", "", "", ""}},
    };
    static const std::vector<std::vector<S>> nuget{
        {{"configuration", "", "", ""}, {"packageSources", "", "", ""}, {"add", "", "key", "my_repo"}},
        {{"configuration", "", "", ""},
         {"packageSourceCredentials", "", "", ""},
         {"my_repo", "", "", ""},
         {"add", "", "key", "ClearTextPassword"}},
        {{"configuration", "", "", ""}, {"packageSources", "", "", ""}, {"add", "", "key", "zqx"}},
    };
    Case c;
    c.xml = true;
    c.blank_template = true;
    c.fresh = v % 3 == 2;
    if ((v / 3) % 2 == 0) {
        const auto& path = maven[v % 3];
        c.run = [&path](std::string_view text, std::string_view value) {
            return edit::xml_set_text(text, path, value, maven_root, kFile);
        };
        c.remove = [&path](std::string_view text) { return edit::xml_remove(text, path, kFile); };
    } else {
        const auto& path = nuget[v % 3];
        c.run = [&path](std::string_view text, std::string_view value) {
            return edit::xml_set_attr(text, path, "value", value, nuget_root, kFile);
        };
        c.remove = [&path](std::string_view text) { return edit::xml_remove(text, path, kFile); };
    }
    return c;
}

Case json_case(unsigned v) {
    static const std::vector<std::vector<std::string>> paths{
        {"registries", "[default]", "url"},
        {"authentication", "h.example", "loginAPIPath"},
        {"version"},
        {"registries", "zqx", "url"},
        {"zqxa"},
    };
    const auto& path = paths[v % paths.size()];
    const bool overwrite = (v / paths.size()) % 2 == 0;
    Case c;
    c.fresh = v % paths.size() >= 3;
    c.rotates = overwrite;
    c.blank_template = true;  // a blank file is taken as {}
    c.json = true;
    c.run = [&path, overwrite](std::string_view text, std::string_view value) {
        return edit::json_set(text, path, edit::json_string(value), overwrite, kFile);
    };
    if (overwrite) c.remove = [&path](std::string_view text) { return edit::json_remove(text, path, kFile); };
    return c;
}

Case netrc_case(unsigned v) {
    const std::string machine = v % 2 == 0 ? "h.example" : "zqx.example";
    Case c;
    c.fresh = v % 2 == 1;
    c.run = [machine](std::string_view text, std::string_view value) {
        return edit::netrc_set(text, machine, "token", value, kFile);
    };
    c.remove = [machine](std::string_view text) { return ok(edit::netrc_remove(text, machine, "token")); };
    return c;
}

void check_refusal(const Error& e) {
    FUZZ_CHECK(e.kind == ErrorKind::config);
    FUZZ_CHECK(e.message.starts_with(kFile));
    fuzz::check_error(e);
}

// `before` is `after` with one contiguous run taken out (for XML, or that run replacing a "/"; for JSON, or
// replacing blanks).
bool pure_insertion(std::string_view before, std::string_view after, bool xml, bool json) {
    std::size_t p = 0;
    while (p < before.size() && p < after.size() && before[p] == after[p]) ++p;
    std::size_t s = 0;
    while (s < before.size() - p && s < after.size() - p &&
           before[before.size() - 1 - s] == after[after.size() - 1 - s])
        ++s;
    const auto removed = before.substr(p, before.size() - p - s);
    return removed.empty() || (xml && edit::trim(removed) == "/") ||
           (json && removed.find_first_not_of(" \t\r\n") == std::string_view::npos);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const unsigned variant = data[1];
    const std::string text(fuzz::as_view(data + 2, size - 2));
    Case c;
    switch (data[0] % 6) {
        case 0: c = ini_case(variant); break;
        case 1: c = yaml_case(variant); break;
        case 2: c = toml_case(variant); break;
        case 3: c = xml_case(variant); break;
        case 4: c = json_case(variant); break;
        default: c = netrc_case(variant); break;
    }
    // The values are markers the file must not have; a fresh name is one the file does not have.
    if (contains_folded(text, "qv1token") || contains_folded(text, "qv2token")) return 0;
    const bool fresh = c.fresh && !contains_folded(text, kFresh);

    if (c.remove)
        if (auto removed = c.remove(text); !removed) check_refusal(removed.error());
    auto first = c.run(text, kValue1);
    if (!first) {
        check_refusal(first.error());
        return 0;
    }
    if (c.remove) {
        auto removed = c.remove(*first);
        FUZZ_CHECK(removed.ok());
        FUZZ_CHECK(removed->find(kValue1) == std::string::npos);
        FUZZ_CHECK(pure_insertion(*removed, *first, false, false));
    }
    // "Set only when missing" keeps a value the file already has, and then changes nothing.
    FUZZ_CHECK(first->find(kValue1) != std::string::npos || (!c.rotates && *first == text));

    auto again = c.run(*first, kValue1);
    FUZZ_CHECK(again.ok());
    FUZZ_CHECK(*again == *first);

    if (c.rotates) {
        auto rotated = c.run(*first, kValue2);
        FUZZ_CHECK(rotated.ok());
        FUZZ_CHECK(*rotated == replace_all(*first, kValue1, kValue2));
    }

    if (fresh && !(c.blank_template && text.find_first_not_of(" \t\r\n") == std::string::npos))
        FUZZ_CHECK(pure_insertion(text, *first, c.xml, c.json));
    return 0;
}
