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

// https://maven.apache.org/settings.html: the user's settings are ${user.home}/.m2/settings.xml
// (%USERPROFILE%\.m2\settings.xml on Windows).
std::string windows_path(const Env&, std::string_view home) {
    return join_windows(home, ".m2/settings.xml");
}

Status plan(const Context& c, const Where& w, Files& files) {
    const auto el = [](std::string name) { return edit::XmlStep{std::move(name), "", "", ""}; };
    const auto ours = [&](std::string name) { return edit::XmlStep{std::move(name), "id", "", c.name}; };
    const auto settings = el("settings");
    if (c.in.remove)  // ours, with or without --extra-index; what holds only them goes with them
        return files.edit(w.main_path, [&](FileEdit& f) -> Status {
            const std::vector<std::vector<edit::XmlStep>> paths{
                {settings, el("servers"), ours("server"), el("username")},
                {settings, el("servers"), ours("server"), el("password")},
                {settings, el("mirrors"), ours("mirror"), el("url")},
                {settings, el("mirrors"), ours("mirror"), el("mirrorOf")},
                {settings, el("profiles"), ours("profile"), el("repositories"), ours("repository"), el("url")},
                {settings, el("activeProfiles"), {"activeProfile", "", "", c.name}},
            };
            return remove_xml(f, paths, maven_root);
        });
    std::vector<std::pair<std::vector<edit::XmlStep>, std::string>> values{
        {{settings, el("servers"), ours("server"), el("username")}, "aws"},
        // Maven interpolates ${env.NAME} in settings.xml from the environment
        // (maven.apache.org/settings.html: "${env.HOME} ... environment variables").
        {{settings, el("servers"), ours("server"), el("password")}, c.token_or("${env.CODEARTIFACT_AUTH_TOKEN}")},
    };
    if (!c.in.extra_index) {
        values.push_back({{settings, el("mirrors"), ours("mirror"), el("url")}, c.ep.url()});
        values.push_back({{settings, el("mirrors"), ours("mirror"), el("mirrorOf")}, "*"});
    } else {
        values.push_back(
            {{settings, el("profiles"), ours("profile"), el("repositories"), ours("repository"), el("url")},
             c.ep.url()});
    }
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        for (const auto& [path, value] : values)
            if (auto s = set_xml(f, path, "", value, maven_root); !s) return s;
        if (!c.in.extra_index) return Ok{};
        const std::vector<edit::XmlStep> active{settings, el("activeProfiles"), {"activeProfile", "", "", c.name}};
        return apply_edit(f, edit::xml_ensure(f.after, active, maven_root, f.path));
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("CODEARTIFACT_AUTH_TOKEN", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("the token comes from $CODEARTIFACT_AUTH_TOKEN: run mvn under codeartifact-token exec");
    // Java takes user.home from the password database, not from HOME: where they differ (a container's or
    // a test's HOME), Maven reads another settings.xml than the one written. We write where HOME says, as
    // every other tool, and say how to make Maven read it.
    if (!env_output && c.in.config_file.empty() && !c.in.account_home.empty())
        out.push_back("Maven reads " + join_path(c.in.account_home, ".m2/settings.xml") +
                      " (Java's user.home is the account's home, not HOME): run mvn -s ~/.m2/settings.xml, or set "
                      "MAVEN_OPTS=-Duser.home=$HOME, or give --config-file " +
                      join_path(c.in.account_home, ".m2/settings.xml"));
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

// https://docs.gradle.org/current/userguide/build_environment.html: gradle.properties in GRADLE_USER_HOME,
// by default USER_HOME/.gradle (%USERPROFILE%\.gradle on Windows).
std::string windows_path(const Env& env, std::string_view home) {
    const auto g = env.get("GRADLE_USER_HOME");
    return join_windows(g.empty() ? join_windows(home, ".gradle") : g, "gradle.properties");
}

Status plan(const Context& c, const Where& w, Files& files) {
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        if (c.in.remove) {  // only while the properties still name our repository
            if (edit::ini_get(f.after, properties, "", "codeartifactUrl") != c.ep.url()) return Ok{};
            for (auto key : {"codeartifactUrl", "codeartifactUsername", "codeartifactPassword"})
                f.after = edit::ini_remove(f.after, properties, "", key);
            return Ok{};
        }
        f.after = edit::ini_set(f.after, properties, "", "codeartifactUrl", c.ep.url());
        f.after = edit::ini_set(f.after, properties, "", "codeartifactUsername", "aws");
        // A .properties file expands no variable (java.util.Properties; Gradle reads it as it is): with
        // --no-token-in-file the password is left to ORG_GRADLE_PROJECT_codeartifactPassword, which Gradle
        // reads as the same property (docs.gradle.org, "Build Environment": project properties from the
        // environment), and which exec --configure gradle and --output env set.
        f.after = c.token_in_files() ? edit::ini_set(f.after, properties, "", "codeartifactPassword", c.in.token)
                                     : edit::ini_remove(f.after, properties, "", "codeartifactPassword");
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactUrl", c.ep.url());
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactUsername", "aws");
    out.emplace_back("ORG_GRADLE_PROJECT_codeartifactPassword", c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back(
            "Gradle takes codeartifactPassword from ORG_GRADLE_PROJECT_codeartifactPassword: run it "
            "under codeartifact-token exec --configure gradle");
    if (!env_output)
        out.push_back(
            "in the build, repositories { maven { name = \"codeartifact\"; url = "
            "uri(providers.gradleProperty(\"codeartifactUrl\").get()); credentials(PasswordCredentials::class) "
            "} } reads these properties");
}

}  // namespace gradle

}  // namespace cat::configure::detail
