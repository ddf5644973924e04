// The Ruby family: Bundler's config (a YAML file of BUNDLE_* keys).
#include "configure/tools.hpp"

namespace cat::configure::detail {
namespace {

// Bundler's key for a setting: '.' becomes "__", '-' becomes "___", upper case, "BUNDLE_" in front.
std::string bundler_key(std::string_view setting) {
    std::string out = "BUNDLE_";
    for (char c : setting) {
        if (c == '.')
            out += "__";
        else if (c == '-')
            out += "___";
        else
            out += (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    }
    return out;
}

}  // namespace

namespace bundler {

std::string path(const Env& env, std::string_view home) {
    if (env.has("BUNDLE_USER_CONFIG")) return env.get("BUNDLE_USER_CONFIG");
    if (env.has("BUNDLE_USER_HOME")) return join_path(env.get("BUNDLE_USER_HOME"), "config");
    return join_path(home, ".bundle/config");
}

// https://bundler.io/man/bundle-config.1.html: the global config is ~/.bundle/config (Ruby's Dir.home:
// %USERPROFILE% on Windows), moved by BUNDLE_USER_CONFIG or BUNDLE_USER_HOME.
std::string windows_path(const Env& env, std::string_view home) {
    if (env.has("BUNDLE_USER_CONFIG")) return env.get("BUNDLE_USER_CONFIG");
    if (env.has("BUNDLE_USER_HOME")) return join_windows(env.get("BUNDLE_USER_HOME"), "config");
    return join_windows(home, ".bundle/config");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        // The mirror only while it still names our repository; the credential (BUNDLE_<HOST>, the domain's)
        // unless the mirror left names another repository on its host, which still needs it.
        if (c.in.remove) {
            const std::vector<std::string> mirror{bundler_key("mirror.https://rubygems.org/")};
            if (edit::yaml_get(f.after, mirror) == c.ep.url())
                if (auto s = apply_edit(f, edit::yaml_remove(f.after, mirror, f.path)); !s) return s;
            const auto left = edit::yaml_get(f.after, mirror);
            if (!left || !on_host(*left, c.ep))
                if (auto s = apply_edit(
                        f, edit::yaml_remove(f.after, std::vector<std::string>{bundler_key(c.ep.host)}, f.path));
                    !s)
                    return s;
            if (edit::yaml_empty(f.after)) f.after.clear();
            return Ok{};
        }
        if (edit::trim(f.after).empty() && f.after.find('\n') == std::string::npos) f.after = "---\n";
        const auto set = [&](std::string_view setting, std::string_view value) {
            return apply_edit(f, edit::yaml_set(f.after, std::vector<std::string>{bundler_key(setting)}, quoted(value),
                                                true, f.path));
        };
        // Bundler's config expands no variable, but every setting may come from the environment instead
        // (bundler.io/man/bundle-config.1.html: BUNDLE_<KEY>): with --no-token-in-file the credential is left
        // to BUNDLE_<HOST>, which exec --configure bundler and --output env set.
        if (c.token_in_files())
            if (auto s = set(c.ep.host, "aws:" + c.in.token); !s) return s;
        if (c.in.extra_index) return Ok{};
        return set("mirror.https://rubygems.org/", c.ep.url());
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back(bundler_key(c.ep.host), "aws:" + c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("Bundler takes the credential from " + bundler_key(c.ep.host) +
                      ": run bundle under codeartifact-token exec --configure bundler");
    if (env_output && !c.in.extra_index)
        out.push_back(
            "the mirror of rubygems.org has no shell-variable form: set it with bundle config set --global "
            "mirror.https://rubygems.org/ " +
            c.ep.url() + ", or use Gemfile source \"" + c.ep.url() + "\"");
}

}  // namespace bundler

}  // namespace cat::configure::detail
