// --configure's public functions over the table of tools (tools.hpp): the input checked once, then the
// tool's record does the rest.
#include "configure/configure.hpp"

#include <algorithm>

#include "configure/tools.hpp"
#include "core/platform.hpp"
#include "core/text.hpp"
#include "http/transport.hpp"

namespace cat::configure {
namespace {

using detail::Context;
using detail::Endpoint;
using detail::Tool;

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

// ---- the tools' names, for messages and --help -----------------------------------------------------------

// Every name (aliases after their tool) of the tools for which `pick` is true: "a, b, c<last>d".
std::string names_of(std::string_view last, bool (*pick)(const Tool&)) {
    std::vector<std::string_view> names;
    for (const auto& t : detail::tools()) {
        if (!pick(t)) continue;
        names.push_back(t.name);
        names.insert(names.end(), t.aliases.begin(), t.aliases.end());
    }
    std::string out;
    for (std::size_t i = 0; i < names.size(); ++i)
        out += std::string(i == 0 ? "" : i + 1 == names.size() ? last : ", ") + std::string(names[i]);
    return out;
}

bool any_tool(const Tool&) {
    return true;
}

// The known name closest to `unknown` when it is close (at most a third of it wrong), else "".
std::string_view closest_tool(std::string_view unknown) {
    std::vector<std::string_view> names;
    for (const auto& t : detail::tools()) {
        names.push_back(t.name);
        names.insert(names.end(), t.aliases.begin(), t.aliases.end());
    }
    return text::closest(text::lower(unknown), names);
}

Result<const Tool*> find_tool(std::string_view name) {
    if (const Tool* t = detail::find_tool(name)) return t;
    std::string msg =
        "unknown tool \"" + std::string(name) + "\" for --configure: it must be one of " + names_of(", ", any_tool);
    if (const auto hint = closest_tool(name); !hint.empty()) msg += " (did you mean " + std::string(hint) + "?)";
    return usage(std::move(msg));
}

// ---- the endpoint and the names we derive -----------------------------------------------------------------

Result<Endpoint> parse_endpoint(std::string_view url, std::string_view format) {
    const auto bad = [&](std::string_view why) {
        return usage("repository endpoint \"" + std::string(url) + "\" is invalid: " + std::string(why));
    };
    if (!url.starts_with("https://") && !url.starts_with("http://")) return bad("it must start with https://");
    // The URL goes into files as it is: nothing in it may need quoting or escaping there.
    if (std::any_of(url.begin(), url.end(), [](char c) {
            return static_cast<unsigned char>(c) <= ' ' ||
                   std::string_view("\"'\\<>`{}|^%\x7f").find(c) != std::string_view::npos;
        }))
        return bad("it has a character that needs escaping");
    if (url.substr(url.find("://") + 3).find_first_of("?#@") != std::string_view::npos)
        return bad("it may not have a query, fragment or user");
    auto parsed = http::parse_url(url);
    if (!parsed) {
        std::string_view why = parsed.error().message;
        if (why.starts_with("invalid URL: ")) why.remove_prefix(13);
        return bad(why);
    }
    Endpoint e;
    e.scheme = parsed->scheme;
    e.authority = http::host_header(*parsed);
    e.host = parsed->host.find(':') != std::string::npos ? "[" + parsed->host + "]" : parsed->host;
    e.path = parsed->target;
    if (!e.path.ends_with('/')) e.path += '/';
    if (e.path.find("//") != std::string::npos) return bad("an empty path segment");
    const auto first = std::string_view(e.path).substr(1, e.path.find('/', 1) - 1);
    if (first != format)
        return usage("repository endpoint \"" + std::string(url) + "\" is not a " + std::string(format) +
                     " repository endpoint: ask GetRepositoryEndpoint for format " + std::string(format));
    return e;
}

bool token_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_' || c == '~' || c == '+' || c == '/' || c == '=';
}

// The token in a URL's user information.
std::string percent_encode(std::string_view s) {
    static constexpr char hex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
            c == '_' || c == '~') {
            out += c;
        } else {
            out += '%';
            out += hex[u >> 4];
            out += hex[u & 15];
        }
    }
    return out;
}

// `s` in lower or upper case, with every character but letters and digits replaced by `other`.
std::string identifier(std::string_view s, bool upper, char other) {
    std::string out;
    for (char c : text::lower(s)) {
        if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        out += ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) ? c : other;
    }
    return out;
}

Result<Context> context(const ConfigureInput& in) {
    auto tool = find_tool(in.tool);
    if (!tool) return std::move(tool).error();
    Context c;
    c.in = in;
    c.tool = *tool;
    auto ep = parse_endpoint(in.repository_endpoint, c.tool->format);
    if (!ep) return std::move(ep).error();
    c.ep = std::move(*ep);
    if (in.remove) {
        if (!in.token.empty()) return Error::make(ErrorKind::internal, "--unconfigure takes no token");
    } else if (in.token.empty()) {
        return Error::make(ErrorKind::internal, "no authorization token to configure");
    } else if (!std::all_of(in.token.begin(), in.token.end(), token_char))
        return Error::make(ErrorKind::api, "the authorization token has characters a token cannot have");
    const auto name_ok = [](std::string_view s, bool upper_ok, std::string_view extra) {
        return !s.empty() && std::all_of(s.begin(), s.end(), [&](char ch) {
            return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || (upper_ok && ch >= 'A' && ch <= 'Z') ||
                   extra.find(ch) != std::string_view::npos;
        });
    };
    if (!name_ok(in.domain, false, "-")) return usage("domain \"" + in.domain + "\" is invalid");
    if (!name_ok(in.repository, true, "-._")) return usage("repository \"" + in.repository + "\" is invalid");
    if (!in.domain_owner.empty() && !name_ok(in.domain_owner, false, ""))
        return usage("domain owner \"" + in.domain_owner + "\" is invalid: it is a 12-digit account id");
    c.name = identifier(in.domain + "-" + in.repository, false, '-');
    c.env_name = identifier(c.name, true, '_');
    // With --credential-helper the URL names the user only: pip and uv ask the keyring for the password
    // of (URL, user), and only when the URL has a user (pip's KeyRingCliProvider.get_auth_info).
    c.pip_url = c.ep.scheme + "://aws" + (in.credential_helper ? "" : ":" + percent_encode(in.token)) + "@" +
                c.ep.authority + c.ep.path + "simple/";
    if (!in.namespace_.empty()) {
        const auto& rule = c.tool->namespace_rule;
        if (!rule.supported)
            return usage("--namespace applies to " +
                         names_of(" and ", [](const Tool& t) { return t.namespace_rule.supported; }) + ", not " +
                         in.tool);
        c.scope = in.namespace_.starts_with('@') ? in.namespace_.substr(1) : in.namespace_;
        if (!name_ok(c.scope, rule.upper_case, rule.punctuation) || c.scope.front() == '.' || c.scope.front() == '_')
            return usage("namespace \"" + in.namespace_ + "\" is invalid for " + in.tool);
    }
    if (in.token_reference && !c.tool->no_reference.empty())
        return usage("--no-token-in-file: " + std::string(c.tool->no_reference));
    if (in.credential_helper && !c.tool->credential_helper)
        return usage("--credential-helper applies to " +
                     names_of(" and ", [](const Tool& t) { return t.credential_helper; }) + ", not " + in.tool);
    if (in.credential_helper && in.token_reference)
        return usage(
            "--credential-helper and --no-token-in-file do not go together: a helper keeps the token out of "
            "the files already");
    if (in.credential_helper && in.helper_command.empty() && !in.remove)
        return Error::make(ErrorKind::internal, "no helper command to configure");
    if (in.extra_index && !c.tool->extra_index)
        return usage("--extra-index applies to " + names_of(" and ", [](const Tool& t) { return t.extra_index; }) +
                     ", not " + in.tool);
    return c;
}

}  // namespace

std::span<const std::string_view> known_tools() {
    static const std::vector<std::string_view> names = [] {
        std::vector<std::string_view> out;
        for (const auto& t : detail::tools()) {
            out.push_back(t.name);
            out.insert(out.end(), t.aliases.begin(), t.aliases.end());
        }
        return out;
    }();
    return names;
}

std::string_view help_line() {
    static const std::string line =
        "Write TOOL's own configuration for REPO (default: --repository); repeat, or separate with commas, "
        "for several: " +
        names_of(" or ", any_tool) + ".";
    return line;
}

Result<std::string_view> repository_format(std::string_view tool) {
    auto t = find_tool(tool);
    if (!t) return std::move(t).error();
    return (*t)->format;
}

Result<std::vector<Target>> parse_targets(std::string_view spec, std::string_view repository) {
    std::vector<Target> out;
    std::vector<const Tool*> seen;
    for (std::size_t start = 0; start < spec.size();) {
        const auto end = std::min(spec.find_first_of(", \t\r\n", start), spec.size());
        const std::string_view item = spec.substr(start, end - start);
        start = end + 1;
        if (item.empty()) continue;
        std::string_view rest = item;
        Target t;
        for (auto plus = rest.rfind('+'); plus != std::string_view::npos; plus = rest.rfind('+')) {
            const auto option = rest.substr(plus + 1);
            if (option != "extra-index")
                return usage("configure item \"" + std::string(item) + "\": unknown option +" + std::string(option) +
                             " (the one there is: +extra-index)");
            t.extra_index = true;
            rest = rest.substr(0, plus);
        }
        if (const auto at = rest.find('@'); at != std::string_view::npos) {
            t.namespace_ = std::string(rest.substr(at + 1));
            rest = rest.substr(0, at);
            if (t.namespace_.empty())
                return usage("configure item \"" + std::string(item) + "\" has no namespace after the @");
        }
        const auto colon = rest.find(':');
        t.tool = std::string(rest.substr(0, colon));
        t.repository = colon != std::string_view::npos ? std::string(rest.substr(colon + 1)) : std::string(repository);
        auto tool = find_tool(t.tool);
        if (!tool) return std::move(tool).error();
        if (std::find(seen.begin(), seen.end(), *tool) != seen.end())
            return usage("configure names " + std::string((*tool)->name) +
                         " twice: one repository per tool and run (npm and pnpm are one tool)");
        seen.push_back(*tool);
        if (t.repository.empty())
            return usage(colon != std::string_view::npos
                             ? "configure item \"" + std::string(item) + "\" has no repository after the colon"
                             : "configure needs repository: the repository to configure " + t.tool +
                                   " for (--repository, or " + t.tool + ":REPOSITORY)");
        t.format = std::string((*tool)->format);
        out.push_back(std::move(t));
    }
    if (out.empty()) return usage("configure is empty: name a tool, e.g. npm or npm:REPOSITORY");
    return out;
}

Status validate(const ConfigureInput& in) {
    auto c = context(in);
    if (!c) return std::move(c).error();
    return Ok{};
}

Result<std::string> default_config_path(std::string_view tool, const Env& env, std::string_view home,
                                        Platform platform) {
    auto t = find_tool(tool);
    if (!t) return std::move(t).error();
    const std::string profile = platform == Platform::windows ? env.get("USERPROFILE") : std::string();
    if (!profile.empty()) home = profile;  // `home` views it: it lives to the end of the function
    if (home.empty())
        return Error::make(ErrorKind::config, std::string(platform == Platform::windows ? "USERPROFILE" : "HOME") +
                                                  " is not set: give the file to configure with --config-file");
    return user_file(**t, platform, env, home);
}

Result<std::vector<FileEdit>> plan(const ConfigureInput& in, const Env& env, std::string_view home,
                                   const FileReader& read) {
    auto ctx = context(in);
    if (!ctx) return std::move(ctx).error();
    const Context& c = *ctx;
    auto main_path =
        in.config_file.empty() ? default_config_path(in.tool, env, home) : Result<std::string>(in.config_file);
    if (!main_path) return std::move(main_path).error();
    detail::Files files(read);
    const detail::Where where{env, home, std::move(*main_path), !in.config_file.empty()};
    if (auto s = c.tool->plan(c, where, files); !s) return std::move(s).error();
    auto edits = files.take();
    // --unconfigure leaves an absent file absent, and takes away a file left with nothing in it.
    if (in.remove) std::erase_if(edits, [](const FileEdit& e) { return !e.exists && e.after.empty(); });
    for (auto& e : edits) e.remove = in.remove && !e.before.empty() && e.after.empty();
    for (auto& e : edits) {
        e.secrets = {in.token};
        if (const auto enc = percent_encode(in.token); enc != in.token) e.secrets.push_back(enc);
    }
    return edits;
}

std::string render_dry_run(const std::vector<FileEdit>& edits, bool show_token) {
    std::string out;
    for (const auto& e : edits) {
        std::string text = e.after;
        if (!show_token)
            for (const auto& secret : e.secrets) {
                if (secret.empty()) continue;
                for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
                    text.replace(at, secret.size(), "****");
            }
        out += "# " + e.path +
               (e.remove      ? " (remove)"
                : !e.exists   ? " (create)"
                : e.changed() ? " (update)"
                              : " (unchanged)") +
               "\n";
        out += text;
        if (!text.empty() && text.back() != '\n') out += '\n';
    }
    return out;
}

std::string redact(std::string text, std::string_view token) {
    if (token.empty()) return text;
    for (const std::string& secret : {std::string(token), percent_encode(token)})
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 4))
            text.replace(at, secret.size(), "****");
    return text;
}

std::vector<std::pair<std::string, std::string>> env_vars(const ConfigureInput& in) {
    auto ctx = context(in);
    if (!ctx || !ctx->tool->env_vars) return {};
    detail::Vars v;
    ctx->tool->env_vars(*ctx, v);
    return v;
}

std::vector<std::string> notes(const ConfigureInput& in, bool env_output) {
    auto ctx = context(in);
    if (!ctx || !ctx->tool->notes) return {};
    std::vector<std::string> n;
    ctx->tool->notes(*ctx, env_output, n);
    return n;
}

}  // namespace cat::configure
