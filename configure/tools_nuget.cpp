// The NuGet family: nuget and dotnet (NuGet.Config).
#include <algorithm>

#include "configure/tools.hpp"

namespace cat::configure::detail {
namespace {

constexpr std::string_view nuget_root =
    "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
    "<configuration>\n"
    "</configuration>\n";

// NuGet names the credential's element after the source, and the variable too: no '-' in it.
std::string source_name(const Context& c) {
    std::string n = c.name;
    std::replace(n.begin(), n.end(), '-', '_');
    return n;
}

}  // namespace

namespace nuget {

std::string path(const Env&, std::string_view home) {
    return join_path(home, ".nuget/NuGet/NuGet.Config");
}

// https://learn.microsoft.com/nuget/consume-packages/configuring-nuget-behavior: the user config is
// %appdata%\NuGet\NuGet.Config on Windows (nuget.exe, dotnet and Visual Studio alike).
std::string windows_path(const Env& env, std::string_view home) {
    return join_windows(appdata(env, home), "NuGet/NuGet.Config");
}

Status plan(const Context& c, const Where& w, Files& files) {
    const auto name = source_name(c);
    using S = edit::XmlStep;
    const S configuration{"configuration", "", "", ""};
    const S credentials{"packageSourceCredentials", "", "", ""};
    const std::vector<std::pair<std::vector<S>, std::string>> values{
        {{configuration, {"packageSources", "", "", ""}, {"add", "", "key", name}}, c.ep.url() + "v3/index.json"},
        {{configuration, credentials, {name, "", "", ""}, {"add", "", "key", "Username"}}, "aws"},
        // NuGet expands %NAME% environment-variable macros in NuGet.Config values, on every platform
        // (learn.microsoft.com/nuget/consume-packages/consuming-packages-authenticated-feeds, "Using
        // environment variable macros in nuget.config").
        {{configuration, credentials, {name, "", "", ""}, {"add", "", "key", "ClearTextPassword"}},
         c.token_or("%CODEARTIFACT_AUTH_TOKEN%")},
    };
    return files.edit(w.main_path, [&](FileEdit& f) -> Status {
        if (c.in.remove) {
            std::vector<std::vector<S>> paths;
            paths.reserve(values.size());
            for (const auto& [path, value] : values) paths.push_back(path);
            return remove_xml(f, paths, nuget_root);
        }
        for (const auto& [path, value] : values)
            if (auto s = set_xml(f, path, "value", value, nuget_root); !s) return s;
        return Ok{};
    });
}

void env_vars(const Context& c, Vars& out) {
    out.emplace_back("NuGetPackageSourceCredentials_" + source_name(c), "Username=aws;Password=" + c.in.token);
}

void notes(const Context& c, bool env_output, std::vector<std::string>& out) {
    if (!env_output && c.in.token_reference)
        out.push_back("the token comes from $CODEARTIFACT_AUTH_TOKEN: run dotnet under codeartifact-token exec");
    if (env_output)
        out.push_back("the variable gives the credential of the package source named " + source_name(c) +
                      ", which a NuGet.Config must define (value " + c.ep.url() + "v3/index.json)");
}

}  // namespace nuget

}  // namespace cat::configure::detail
