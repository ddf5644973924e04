// The table behind --configure: one record per tool, and what the tools' functions share (the checked
// input, the files being edited). Internal to configure/: the public API is configure.hpp.
//
// Adding a tool: a record in the table of tools.cpp and its functions in the file of its family
// (tools_npm.cpp, tools_python.cpp, tools_jvm.cpp, tools_nuget.cpp, tools_cargo.cpp, tools_swift.cpp,
// tools_ruby.cpp), declared below. The list of tools, the formats, --help's sentence and the validation
// of --namespace and --extra-index follow from the record.
#pragma once

#include <functional>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "configure/configure.hpp"
#include "configure/editors.hpp"

namespace cat::configure::detail {

// The repository endpoint, as http::parse_url reads it.
struct Endpoint {
    std::string scheme;     // https (http only for tests on loopback)
    std::string authority;  // host[:port], the port only when it is not the scheme's default
    std::string host;       // without the port; an IPv6 literal in brackets
    std::string path;       // starts and ends with '/'
    std::string url() const { return scheme + "://" + authority + path; }
};

struct Tool;

// Everything a tool's functions need, checked once.
struct Context {
    ConfigureInput in;
    const Tool* tool = nullptr;
    Endpoint ep;
    std::string name;      // my-domain-my-repo: our registry/index/server/source name
    std::string env_name;  // MY_DOMAIN_MY_REPO
    std::string pip_url;   // https://aws:TOKEN@host/pypi/repo/simple/
    std::string scope;     // the namespace without '@'

    // The token as the files hold it: `reference` (how this tool's file names $CODEARTIFACT_AUTH_TOKEN) with
    // --no-token-in-file, else the token itself.
    std::string token_or(std::string_view reference) const {
        return in.token_reference ? std::string(reference) : in.token;
    }
    // True when the files hold the token itself (neither --no-token-in-file nor --credential-helper).
    bool token_in_files() const { return !in.token_reference && !in.credential_helper; }
};

// The variable --no-token-in-file's references name (what exec and --output env set).
inline constexpr std::string_view token_variable = "CODEARTIFACT_AUTH_TOKEN";

// Where the files are: the environment and HOME, and the tool's main file (--config-file or the default).
struct Where {
    const Env& env;
    std::string_view home;
    std::string main_path;
    bool config_file_given = false;
};

// The files plan() edits, each read on first use.
class Files {
public:
    explicit Files(const FileReader& read) : read_(read) {}
    // Applies `fn` to the edit of `path` (its `after` holds the edits so far).
    Status edit(const std::string& path, const std::function<Status(FileEdit&)>& fn);
    Result<bool> exists(const std::string& path) const;
    std::vector<FileEdit> take() { return std::move(edits_); }

private:
    const FileReader& read_;
    std::vector<FileEdit> edits_;
};

using PathFn = std::string (*)(const Env& env, std::string_view home);
// The files and their new text; with c.in.remove (--unconfigure), the same files with our entries taken out.
using PlanFn = Status (*)(const Context& c, const Where& w, Files& files);
using Vars = std::vector<std::pair<std::string, std::string>>;
using VarsFn = void (*)(const Context& c, Vars& out);
using NotesFn = void (*)(const Context& c, bool env_output, std::vector<std::string>& out);

// Which --namespace a tool takes (npm scopes, SwiftPM scopes): its characters besides lower-case letters
// and digits. A tool without one refuses --namespace.
struct NamespaceRule {
    bool supported = false;
    bool upper_case = false;
    std::string_view punctuation;
};

struct Tool {
    std::string_view name;
    std::span<const std::string_view> aliases = {};  // other names of the same tool, listed right after it
    std::string_view format;                         // GetRepositoryEndpoint's format
    NamespaceRule namespace_rule = {};               // --namespace
    bool extra_index = false;       // --extra-index: beside the public registry instead of replacing it
    PathFn posix_path = nullptr;    // the user-scope file --config-file replaces (HOME is not empty)
    PathFn windows_path = nullptr;  // the same on Windows (home: %USERPROFILE%), from the tool's documentation
    PlanFn plan = nullptr;          // the files and their new text
    VarsFn env_vars = nullptr;      // --output env; nullptr: the tool has no such form (say so in notes)
    NotesFn notes = nullptr;        // what the user must still know or do
    // --no-token-in-file: empty when the tool's files can refer to the environment (or leave the token to a
    // variable the tool reads), else why not and what to use instead (the usage error's text).
    std::string_view no_reference = {};
    bool credential_helper = false;  // --credential-helper: the tool runs us for the token (cargo, pip, uv)
};

std::span<const Tool> tools();
// The tool's user-scope file on `platform`: the one place that chooses between posix_path and windows_path.
std::string user_file(const Tool& t, Platform platform, const Env& env, std::string_view home);
// The tool named `name` (or one of its aliases), nullptr when there is none.
const Tool* find_tool(std::string_view name);

// ---- shared by the families ------------------------------------------------------------------------------

std::string join_path(std::string_view dir, std::string_view name);
// Windows: dir\name, with the '/' of `name` turned into '\'.
std::string join_windows(std::string_view dir, std::string_view name);
// %APPDATA% (the roaming application data folder), else home\AppData\Roaming.
std::string appdata(const Env& env, std::string_view home);
std::string xdg_config(const Env& env, std::string_view home);  // $XDG_CONFIG_HOME (when absolute) or ~/.config
std::string quoted(std::string_view s);                         // a YAML double-quoted scalar
// True when `url` is an http(s) URL on the endpoint's host (compared without case, as URLs compare host
// names). Bundler's BUNDLE_<HOST>, SwiftPM's authentication[host] and a .netrc machine are per host: any
// scheme, port or path on it still uses them.
bool on_host(std::string_view url, const Endpoint& ep);
// Puts an editor's result in f.after, or returns the editor's refusal.
Status apply_edit(FileEdit& f, Result<std::string> edited);
Status set_toml(FileEdit& f, const edit::TomlTable& t, std::string_view key, std::string_view value);
// Removes the keys from the table, in order (the table goes with its last key).
Status remove_toml(FileEdit& f, const edit::TomlTable& t, std::initializer_list<std::string_view> keys);
// Sets the text of the element at `path` (attr empty) or its attribute `attr`; `root` starts an empty file.
Status set_xml(FileEdit& f, std::span<const edit::XmlStep> path, std::string_view attr, std::string_view value,
               std::string_view root);

// Removes the elements at `paths`, in order (each parent that holds only what identifies it goes too); a
// file left as `root` (what set_xml starts an empty file with) is left empty.
Status remove_xml(FileEdit& f, const std::vector<std::vector<edit::XmlStep>>& paths, std::string_view root);

// ---- the families (one file each) --------------------------------------------------------------------------

// A tool's functions, in the namespace named after it; each defines those its record names.
#define CAT_CONFIGURE_TOOL_FUNCTIONS(tool)                                        \
    namespace tool {                                                              \
    std::string path(const Env& env, std::string_view home);                      \
    std::string windows_path(const Env& env, std::string_view home);              \
    Status plan(const Context& c, const Where& w, Files& files);                  \
    void env_vars(const Context& c, Vars& out);                                   \
    void notes(const Context& c, bool env_output, std::vector<std::string>& out); \
    }                                                                             \
    static_assert(true)

CAT_CONFIGURE_TOOL_FUNCTIONS(npm);  // tools_npm.cpp: npm and pnpm (.npmrc), Yarn Berry (.yarnrc.yml)
CAT_CONFIGURE_TOOL_FUNCTIONS(yarn);
CAT_CONFIGURE_TOOL_FUNCTIONS(pip);  // tools_python.cpp: pip.conf, uv.toml, .pypirc, Poetry's config and auth
CAT_CONFIGURE_TOOL_FUNCTIONS(uv);
CAT_CONFIGURE_TOOL_FUNCTIONS(twine);
CAT_CONFIGURE_TOOL_FUNCTIONS(poetry);
CAT_CONFIGURE_TOOL_FUNCTIONS(maven);  // tools_jvm.cpp: settings.xml, gradle.properties
CAT_CONFIGURE_TOOL_FUNCTIONS(gradle);
CAT_CONFIGURE_TOOL_FUNCTIONS(nuget);    // tools_nuget.cpp: NuGet.Config (nuget and dotnet)
CAT_CONFIGURE_TOOL_FUNCTIONS(cargo);    // tools_cargo.cpp: config.toml and credentials.toml
CAT_CONFIGURE_TOOL_FUNCTIONS(swift);    // tools_swift.cpp: registries.json and .netrc
CAT_CONFIGURE_TOOL_FUNCTIONS(bundler);  // tools_ruby.cpp: Bundler's config

#undef CAT_CONFIGURE_TOOL_FUNCTIONS

}  // namespace cat::configure::detail
