// The JVM family: Maven (settings.xml) and Gradle (gradle.properties).
#include "configure/tools.hpp"

namespace cat::configure::detail {
namespace {

constexpr std::string_view maven_root =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<settings xmlns=\"http://maven.apache.org/SETTINGS/1.0.0\"\n"
    "          xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "          xsi:schemaLocation=\"http://maven.apache.org/SETTINGS/1.0.0 "
    "https://maven.apache.org/xsd/settings-1.0.0.xsd\">\n"
    "</settings>\n";

const edit::IniDialect properties{
    .continuation_backslash = true, .comments = "#!", .separators = "=: \t", .write_separator = "="};

}  // namespace

namespace maven {

std::string path(const Env&, std::string_view home) {
    return join_path(home, ".m2/settings.xml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        using S = edit::XmlStep;
        const auto set = [&](std::vector<S> path, std::string_view value) {
            return apply_edit(f, edit::xml_set_text(f.after, path, value, maven_root, f.path));
        };
        const S settings{"settings", "", "", ""};
        const S servers{"servers", "", "", ""};
        const S server{"server", "id", "", c.name};
        if (auto s = set({settings, servers, server, {"username", "", "", ""}}, "aws"); !s) return s;
        if (auto s = set({settings, servers, server, {"password", "", "", ""}}, c.in.token); !s) return s;
        if (!c.in.extra_index) {
            const S mirrors{"mirrors", "", "", ""};
            const S mirror{"mirror", "id", "", c.name};
            if (auto s = set({settings, mirrors, mirror, {"url", "", "", ""}}, c.ep.url()); !s) return s;
            return set({settings, mirrors, mirror, {"mirrorOf", "", "", ""}}, "*");
        }
        const S profile{"profile", "id", "", c.name};
        const S repo{"repository", "id", "", c.name};
        if (auto s = set(
                {settings, {"profiles", "", "", ""}, profile, {"repositories", "", "", ""}, repo, {"url", "", "", ""}},
                c.ep.url());
            !s)
            return s;
        const std::vector<S> active{settings, {"activeProfiles", "", "", ""}, {"activeProfile", "", "", c.name}};
        return apply_edit(f, edit::xml_ensure(f.after, active, maven_root, f.path));
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("CODEARTIFACT_AUTH_TOKEN", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (env_output)
        out.push_back("Maven reads no credential from the environment by itself: in settings.xml, the <server> <id>" +
                      c.name +
                      "</id> takes <username>aws</username><password>${env.CODEARTIFACT_AUTH_TOKEN}</password>");
}

}  // namespace maven

namespace gradle {

std::string path(const Env& env, std::string_view home) {
    const auto g = env.get("GRADLE_USER_HOME");
    return join_path(g.empty() ? join_path(home, ".gradle") : g, "gradle.properties");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        f.after = edit::ini_set(f.after, properties, "", "codeartifactUrl", c.ep.url());
        f.after = edit::ini_set(f.after, properties, "", "codeartifactUsername", "aws");
        f.after = edit::ini_set(f.after, properties, "", "codeartifactPassword", c.in.token);
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactUrl", c.ep.url());
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactUsername", "aws");
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactPassword", c.in.token);
}

void notes(const Context&, bool env_output, std::vector<std::string>& out) {
    if (!env_output)
        out.push_back(
            "in the build, repositories { maven { name = \"codeartifact\"; url = "
            "uri(providers.gradleProperty(\"codeartifactUrl\").get()); credentials(PasswordCredentials::class) "
            "} } reads these properties");
}

}  // namespace gradle

}  // namespace cat::configure::detail
