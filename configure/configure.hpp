// Package-manager configuration for a CodeArtifact repository (`--configure TOOL`): which file each tool
// reads, the new content of each file computed from the old one, the same as environment variables, and
// the one function that writes files. Everything but `apply` and `filesystem_reader` is pure.
//
// The edits change only the entries we own (the registry URL and the credential of our repository) and
// keep every other byte of the file; running twice gives the same file apart from the token.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/env.hpp"
#include "core/result.hpp"

namespace cat::configure {

struct ConfigureInput {
    std::string tool;  // one of known_tools()
    // From GetRepositoryEndpoint with repository_format(tool), e.g.
    // https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/npm/my-repo/
    std::string repository_endpoint;
    std::string token;
    std::string domain;
    std::string domain_owner;
    std::string repository;
    std::string namespace_;    // npm/pnpm/yarn scope, swift scope (--namespace); empty: the default registry
    bool extra_index = false;  // pip, uv, maven, cargo, bundler: add beside the public registry, not instead
    std::string config_file;   // --config-file: replaces the tool's main file (not its credential file)
    // --no-token-in-file: the files refer to the environment (${CODEARTIFACT_AUTH_TOKEN}, or the tool's own
    // variable) where the tool expands it, and hold no secret; a tool that can do neither is a usage error.
    bool token_reference = false;
    // --credential-helper: the tool asks codeartifact-token for the token each time (cargo's
    // credential-provider, pip's and uv's keyring provider); no secret in the files.
    bool credential_helper = false;
    // For credential_helper: the command the tool runs (this program's absolute path, then the arguments
    // that name the domain, owner and region, and the profile when one was named).
    std::vector<std::string> helper_command;
    // --unconfigure: remove our entries instead of writing them (no token needed: `token` is empty).
    bool remove = false;
    // The account's home in the password database (process::account_home) when it is not HOME: Java's
    // user.home, where Maven reads settings.xml (a note says so). Empty: the same, or unknown.
    std::string account_home;
};

struct FileEdit {
    std::string path;
    std::string before;  // the current content, "" when the file does not exist
    std::string after;   // the content to write
    bool exists = false;
    std::vector<std::string> secrets;  // the token as it appears in `after` (raw, URL-encoded): for redaction
    // --unconfigure: the file held nothing but our entries (and what we create with them), so it goes, as
    // before --configure created it.
    bool remove = false;

    bool changed() const { return !exists || before != after || remove; }
};

// One tool and the repository to configure it for: an item of --configure.
struct Target {
    std::string tool;          // as given (an alias stays an alias)
    std::string repository;    // TOOL:REPOSITORY, or --repository for a bare TOOL
    std::string format;        // the tool's repository format
    std::string namespace_;    // TOOL...@NAMESPACE: this item's --namespace (empty: the run's)
    bool extra_index = false;  // TOOL...+extra-index: this item's --extra-index (or the run's)
};

// --configure's value: items TOOL[:REPOSITORY][@NAMESPACE][+extra-index] separated by commas, spaces or
// newlines (the flag given several times arrives joined by commas; Terraform and the action give one
// string), e.g. "npm:npm-store@corp,swift:swift-store@mona,pip:pypi-store+extra-index": the namespace and
// the extra index of that item alone (--namespace and --extra-index apply to every item that names none).
// A bare TOOL takes `repository` (--repository); without one it is a usage error. A tool named twice (an
// alias counts as its tool: npm and pnpm share .npmrc) is a usage error, as two items would write the same
// entries. The names are checked here (a namespace by the tool, in validate()); the repositories by the
// caller (aws::validate).
Result<std::vector<Target>> parse_targets(std::string_view spec, std::string_view repository);

// The tools, in the order --help lists them (tools.cpp has their table).
std::span<const std::string_view> known_tools();
// --help's sentence for --configure, which names every tool.
std::string_view help_line();

// The repository format to ask GetRepositoryEndpoint for: npm, pypi, maven, nuget, cargo, swift or ruby.
// An unknown tool is a usage error that lists the known ones (and the closest one when it is close).
Result<std::string_view> repository_format(std::string_view tool);

// The checks plan() makes on the input alone (tool, endpoint of the tool's format, token, names, which
// tools take --namespace and --extra-index), for --output env, which reads no file.
Status validate(const ConfigureInput& in);

// The tool's user-scope file that --config-file replaces (the first file plan() edits), honouring the
// variables the tool itself reads (NPM_CONFIG_USERCONFIG, PIP_CONFIG_FILE, XDG_CONFIG_HOME, CARGO_HOME...).
// `home` is $HOME; an empty one is a config error. The files are where the tools keep them on the platform
// this program runs on; `platform` chooses another (tests). On Windows `home` is %USERPROFILE% (the
// variable wins when set) and %APPDATA% is read from `env` (default: home\AppData\Roaming).
enum class Platform { posix, windows };
#ifdef _WIN32
inline constexpr Platform this_platform = Platform::windows;
#else
inline constexpr Platform this_platform = Platform::posix;
#endif
Result<std::string> default_config_path(std::string_view tool, const Env& env, std::string_view home,
                                        Platform platform = this_platform);

// Reads a file: its content, std::nullopt when it does not exist, an Error when it cannot be read.
using FileReader = std::function<Result<std::optional<std::string>>(const std::string& path)>;
FileReader filesystem_reader();

// Every file the tool needs, with its new content. Validates the input (tool, endpoint, token, names) and
// fails with a config error when an existing file cannot be edited safely (it names the file and line).
Result<std::vector<FileEdit>> plan(const ConfigureInput& in, const Env& env, std::string_view home,
                                   const FileReader& read);

// For --dry-run: per file a header line "# PATH (create|update|unchanged)" and the whole new content, the
// token replaced by **** unless show_token.
std::string render_dry_run(const std::vector<FileEdit>& edits, bool show_token);

// `text` with the token, as it is and URL-encoded (pip's index URL), replaced by ****: exec --dry-run.
std::string redact(std::string text, std::string_view token);

// For --output env: the variables that configure the tool without files, in order. Only names that are
// valid shell identifiers; empty for a tool that has no such form (see notes()) and for an input that
// validate() refuses.
std::vector<std::pair<std::string, std::string>> env_vars(const ConfigureInput& in);

// What the user should know or still do, one sentence each, for the files (env_output false) or for the
// variables (env_output true): e.g. the build-script lines that read Gradle's properties.
std::vector<std::string> notes(const ConfigureInput& in, bool env_output);

// Writes each changed file atomically (a file to `remove` is deleted instead, through files::remove_user_file with
// the same checks; one whose path is a symbolic link is left empty, the link and its target kept) (a temporary file in
// the same folder, fsync, rename), creating missing parent folders with mode 0700; a file that would not change is not
// touched. A new file is 0600; an existing one keeps its owner and group and its mode, made 0600 when it was wider
// (files::replace_user_file: a read-only file, or another user's file for a normal user, is refused). A
// file that changed since plan() read it is an error (nothing of it is written). Only a regular file or an
// absent one is replaced: a FIFO, device, socket or folder is refused, exit 6. A symbolic link to a regular
// file (or to an absent one) is followed and its target replaced; a link into /proc (/dev/stdout,
// /dev/fd/N) is refused.
Status apply(const std::vector<FileEdit>& edits, const FileReader& read = filesystem_reader());

// plan() and apply() for a run that writes: each file's lock is taken first (in `lock_dir`, the program's
// cache folder, named by a digest of the file's absolute path; waiting up to `timeout`, then an error),
// the files are planned again under the locks and applied, so that parallel runs on one file each add
// their entry. `planned` is the plan made before (its paths are the ones locked). An empty `lock_dir`
// (no cache folder) applies `planned` unlocked. Returns the edits applied.
Result<std::vector<FileEdit>> apply_locked(const ConfigureInput& in, const Env& env, std::string_view home,
                                           const std::vector<FileEdit>& planned, const std::string& lock_dir,
                                           std::chrono::milliseconds timeout = std::chrono::seconds(30),
                                           const FileReader& read = filesystem_reader());

}  // namespace cat::configure
