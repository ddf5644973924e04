// --configure: the golden before/after files of every tool, idempotence, token rotation, foreign entries,
// dry-run redaction, environment variables, default paths, validation, and each editor on its own.
#define BOOST_TEST_MODULE configure_test
#include <rapidjson/document.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "configure/configure.hpp"
#include "configure/editors.hpp"

namespace fs = std::filesystem;
using namespace cat::configure;
using cat::Env;

namespace {

Env env(std::map<std::string, std::string, std::less<>> vars) {
    return Env(std::move(vars));
}

const std::string user_home = "/home/user";
const std::string new_token = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.NEW-token_1";
const std::string next_token = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.NEXT-token_2";
const fs::path data_dir = fs::path(CAT_TEST_DATA) / "configure";

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

using Tree = std::map<std::string, std::string>;  // path relative to HOME -> content

Tree read_tree(const fs::path& dir) {
    Tree t;
    if (!fs::exists(dir)) return t;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file()) t[fs::relative(e.path(), dir).generic_string()] = slurp(e.path());
    return t;
}

FileReader reader(const Tree& t) {
    return [&t](const std::string& path) -> cat::Result<std::optional<std::string>> {
        if (!path.starts_with(user_home + "/"))
            return cat::Error::make(cat::ErrorKind::internal, "read outside HOME: " + path);
        const auto it = t.find(path.substr(user_home.size() + 1));
        if (it == t.end()) return std::optional<std::string>{};
        return std::optional<std::string>(it->second);
    };
}

std::string endpoint_for(std::string_view tool) {
    return "https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/" +
           std::string(*repository_format(tool)) + "/my-repo/";
}

ConfigureInput input_for(std::string tool) {
    ConfigureInput in;
    in.tool = std::move(tool);
    in.repository_endpoint = endpoint_for(in.tool);
    in.token = new_token;
    in.domain = "my-domain";
    in.domain_owner = "111122223333";
    in.repository = "my-repo";
    return in;
}

struct Case {
    ConfigureInput in;
    Env env;
    std::string error;  // expected error message part, for the cases that must fail
};

Case load_case(const fs::path& dir) {
    rapidjson::Document d;
    d.Parse(slurp(dir / "input.json").c_str());
    BOOST_REQUIRE_MESSAGE(d.IsObject(), dir.string() + "/input.json is not a JSON object");
    Case c{input_for(d["tool"].GetString()), Env(), ""};
    auto str = [&](const char* key, std::string& out) {
        if (d.HasMember(key)) out = d[key].GetString();
    };
    str("repository_endpoint", c.in.repository_endpoint);
    str("domain", c.in.domain);
    str("repository", c.in.repository);
    str("namespace", c.in.namespace_);
    str("error", c.error);
    if (d.HasMember("config_file")) c.in.config_file = user_home + "/" + d["config_file"].GetString();
    if (d.HasMember("extra_index")) c.in.extra_index = d["extra_index"].GetBool();
    if (d.HasMember("env"))
        for (const auto& m : d["env"].GetObject()) c.env.set(m.name.GetString(), m.value.GetString());
    return c;
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string url_encoded(std::string_view token) {
    std::string out;
    for (char c : token) {
        if (c == '+' || c == '/' || c == '=') {
            static constexpr char hex[] = "0123456789ABCDEF";
            out += '%';
            out += hex[static_cast<unsigned char>(c) >> 4];
            out += hex[static_cast<unsigned char>(c) & 15];
        } else {
            out += c;
        }
    }
    return out;
}

std::vector<fs::path> case_dirs() {
    std::vector<fs::path> out;
    for (const auto& tool : fs::directory_iterator(data_dir))
        if (tool.is_directory())
            for (const auto& c : fs::directory_iterator(tool.path()))
                if (c.is_directory() && fs::exists(c.path() / "input.json")) out.push_back(c.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

// Each folder tests/data/configure/TOOL/CASE holds input.json, before/ and after/ (files relative to HOME).
// CAT_UPDATE_GOLDEN=1 rewrites after/ from what plan() gives; review the diff before committing it.
BOOST_AUTO_TEST_CASE(golden_files) {
    const bool update = std::getenv("CAT_UPDATE_GOLDEN") != nullptr;
    const auto dirs = case_dirs();
    BOOST_TEST(dirs.size() >= 39u);
    std::set<std::string> tools_seen;
    for (const auto& dir : dirs) {
        BOOST_TEST_CONTEXT(fs::relative(dir, data_dir).string()) {
            const auto c = load_case(dir);
            tools_seen.insert(c.in.tool);
            const auto before = read_tree(dir / "before");
            auto edits = plan(c.in, c.env, user_home, reader(before));
            if (!c.error.empty()) {
                BOOST_REQUIRE(!edits.ok());
                BOOST_TEST(edits.error().message.find(c.error) != std::string::npos, edits.error().message);
                continue;
            }
            BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
            Tree got;
            for (const auto& e : *edits) {
                BOOST_REQUIRE(e.path.starts_with(user_home + "/"));
                const auto rel = e.path.substr(user_home.size() + 1);
                got[rel] = e.after;
                BOOST_TEST(e.exists == before.contains(rel));
                BOOST_TEST(e.before == (before.contains(rel) ? before.at(rel) : ""));
            }
            if (update) {
                fs::remove_all(dir / "after");
                for (const auto& [rel, text] : got) {
                    fs::create_directories((dir / "after" / rel).parent_path());
                    std::ofstream(dir / "after" / rel, std::ios::binary) << text;
                }
            }
            const auto expected = read_tree(dir / "after");
            BOOST_TEST(got.size() == expected.size());
            for (const auto& [rel, text] : expected) {
                BOOST_TEST_CONTEXT(rel) {
                    BOOST_REQUIRE(got.contains(rel));
                    BOOST_TEST(got.at(rel) == text);
                }
            }

            // Idempotent: planning over the result changes nothing.
            auto again = plan(c.in, c.env, user_home, reader(got));
            BOOST_REQUIRE(again.ok());
            for (const auto& e : *again) BOOST_TEST(!e.changed(), e.path + " changed on the second run");

            // A new token changes the token and nothing else.
            auto rotated_in = c.in;
            rotated_in.token = next_token;
            auto rotated = plan(rotated_in, c.env, user_home, reader(got));
            BOOST_REQUIRE(rotated.ok());
            for (const auto& e : *rotated)
                BOOST_TEST(e.after == replace_all(e.before, new_token, next_token),
                           e.path + ": more than the token changed");

            // The dry run shows the files without the token, unless asked.
            const auto dry = render_dry_run(*edits, false);
            BOOST_TEST(dry.find(new_token) == std::string::npos);
            BOOST_TEST(dry.find(url_encoded(new_token)) == std::string::npos);
            BOOST_TEST(dry.find("****") != std::string::npos);
            BOOST_TEST(render_dry_run(*edits, true).find(new_token) != std::string::npos);
        }
    }
    tools_seen.insert("mvn");  // maven's alias: the same tool, the same files
    BOOST_TEST(tools_seen.size() == known_tools().size());
}

// --unconfigure over every golden case of a tool that has it: removing our entries from the configured
// files gives what removing them from the files before gives (our entries were all that --configure
// changed), with no token left; a file that did not exist is left empty at most.
BOOST_AUTO_TEST_CASE(unconfigure_undoes_configure) {
    std::set<std::string> tools_done;
    for (const auto& dir : case_dirs()) {
        BOOST_TEST_CONTEXT(fs::relative(dir, data_dir).string()) {
            const auto c = load_case(dir);
            // Not undone, by design: npm/scoped replaced another registry of the scope (its old value is
            // gone), and the user's empty <packageSources /> that ours went into goes with ours (an empty
            // element says nothing; one we created looks the same).
            const auto name = fs::relative(dir, data_dir).generic_string();
            if (!c.error.empty() || name == "npm/scoped" || name == "dotnet/self-closing") continue;
            auto removing = c.in;
            removing.remove = true;
            removing.token.clear();
            const auto before = read_tree(dir / "before");
            auto configured = plan(c.in, c.env, user_home, reader(before));
            BOOST_REQUIRE(configured.ok());
            Tree after = before;
            for (const auto& e : *configured) after[e.path.substr(user_home.size() + 1)] = e.after;
            auto from_before = plan(removing, c.env, user_home, reader(before));
            BOOST_REQUIRE(from_before.ok());
            tools_done.insert(c.in.tool);
            auto from_after = plan(removing, c.env, user_home, reader(after));
            BOOST_REQUIRE(from_after.ok());
            Tree want = before;
            for (const auto& e : *from_before) want[e.path.substr(user_home.size() + 1)] = e.after;
            for (const auto& e : *from_after) {
                const auto rel = e.path.substr(user_home.size() + 1);
                BOOST_TEST_CONTEXT(rel) {
                    BOOST_TEST(e.after.find(new_token) == std::string::npos);
                    BOOST_TEST(e.after == (want.contains(rel) ? want.at(rel) : std::string()));
                    // A file --configure created goes again; one the user had stays.
                    BOOST_TEST(e.remove ==
                               (!before.contains(rel) || (before.at(rel).empty() ? false : want.at(rel).empty())));
                }
            }
        }
    }
    for (auto tool : known_tools())
        if (tool != "pnpm" && tool != "mvn" && tool != "dotnet") BOOST_TEST(tools_done.contains(std::string(tool)));
}

// --no-token-in-file: no tool's files hold the token; the tools that cannot refer to a variable say so.
BOOST_AUTO_TEST_CASE(no_token_in_file) {
    const std::map<std::string, std::string> reference{{"npm", "${CODEARTIFACT_AUTH_TOKEN}"},
                                                       {"yarn", "${CODEARTIFACT_AUTH_TOKEN}"},
                                                       {"maven", "${env.CODEARTIFACT_AUTH_TOKEN}"},
                                                       {"nuget", "%CODEARTIFACT_AUTH_TOKEN%"}};
    for (auto tool : known_tools()) {
        BOOST_TEST_CONTEXT(tool) {
            auto in = input_for(std::string(tool));
            in.token_reference = true;
            auto edits = plan(in, Env(), user_home, reader({}));
            if (tool == "pip" || tool == "swift") {
                BOOST_REQUIRE(!edits.ok());
                BOOST_TEST(edits.error().message.starts_with("--no-token-in-file: "));
                continue;
            }
            BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
            std::string all;
            for (const auto& e : *edits) all += e.after;
            BOOST_TEST(all.find(new_token) == std::string::npos);
            const auto ref = reference.find(std::string(tool == "pnpm" ? "npm" : tool == "dotnet" ? "nuget" : tool));
            if (ref != reference.end()) BOOST_TEST(all.find(ref->second) != std::string::npos);
            // Over files an earlier run wrote with the token, the token goes (Bundler's YAML: not yet).
            if (tool == "bundler") continue;
            auto with_token = input_for(std::string(tool));
            auto first = plan(with_token, Env(), user_home, reader({}));
            BOOST_REQUIRE(first.ok());
            Tree earlier;
            for (const auto& e : *first) earlier[e.path.substr(user_home.size() + 1)] = e.after;
            auto second = plan(in, Env(), user_home, reader(earlier));
            BOOST_REQUIRE(second.ok());
            for (const auto& e : *second) BOOST_TEST(e.after.find(new_token) == std::string::npos, e.path);
        }
    }
}

// --credential-helper: cargo names the program as its credential provider, pip and uv the keyring
// provider with a URL that has the user and no password; other tools refuse it.
BOOST_AUTO_TEST_CASE(credential_helper) {
    for (auto tool : known_tools()) {
        BOOST_TEST_CONTEXT(tool) {
            auto in = input_for(std::string(tool));
            in.credential_helper = true;
            in.helper_command = {"/opt/bin/codeartifact-token", "--domain", "my-domain", "--region", "us-west-2"};
            auto edits = plan(in, Env(), user_home, reader({}));
            if (tool != "cargo" && tool != "pip" && tool != "uv") {
                BOOST_REQUIRE(!edits.ok());
                BOOST_TEST(edits.error().message.find("--credential-helper applies to") != std::string::npos);
                continue;
            }
            BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
            std::string all;
            for (const auto& e : *edits) all += e.after;
            BOOST_TEST(all.find(new_token) == std::string::npos);
            if (tool == "cargo") {
                BOOST_TEST(edits->size() == 1u);  // no credentials.toml
                BOOST_TEST(all.find("credential-provider = [\"/opt/bin/codeartifact-token\", \"--domain\", "
                                    "\"my-domain\", \"--region\", \"us-west-2\"]") != std::string::npos,
                           all);
            } else {
                BOOST_TEST(all.find("https://aws@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/"
                                    "my-repo/simple/") != std::string::npos,
                           all);
                BOOST_TEST(all.find("keyring-provider = ") != std::string::npos, all);
            }
        }
    }
}

BOOST_AUTO_TEST_CASE(ini_and_toml_removal) {
    const edit::IniDialect d{.fold_keys = true, .continuation_indent = true, .separators = "=:"};
    BOOST_TEST(edit::ini_remove("a = 1\n\n[s]\nk = v\n", d, "s", "k") == "a = 1\n");
    BOOST_TEST(edit::ini_remove("[s]\nk = v\n  more\nx = 1\n", d, "s", "k") == "[s]\nx = 1\n");
    BOOST_TEST(edit::ini_remove("[s]\n# mine\nk = v\n", d, "s", "k") == "[s]\n# mine\n");
    BOOST_TEST(edit::ini_remove("[s]\nk = v\n\n[t]\nx = 1\n", d, "s", "k") == "[t]\nx = 1\n");
    BOOST_TEST(edit::ini_remove("x=1\r\n", d, "", "nothing") == "x=1\r\n");
    const auto is_b = [](std::string_view i) { return i == "b"; };
    BOOST_TEST(edit::ini_list_remove("[g]\nl = a b c\n", d, "g", "l", is_b) == "[g]\nl = a c\n");
    BOOST_TEST(edit::ini_list_remove("[g]\nl = b a\n", d, "g", "l", is_b) == "[g]\nl = a\n");
    BOOST_TEST(edit::ini_list_remove("[g]\nl = a\n    b\n", d, "g", "l", is_b) == "[g]\nl = a\n");
    BOOST_TEST(edit::ini_list_remove("[g]\nl = b\ny = 1\n", d, "g", "l", is_b) == "[g]\ny = 1\n");

    const edit::TomlTable t{{"registries", "r"}, false, "", ""};
    BOOST_TEST(*edit::toml_remove("a = 1\n\n[registries.r]\nindex = \"x\"\n", t, "index", "f") == "a = 1\n");
    BOOST_TEST(*edit::toml_remove("[registries.r]\nindex = \"x\"\ntoken = \"t\"\n", t, "token", "f") ==
               "[registries.r]\nindex = \"x\"\n");
    BOOST_TEST(*edit::toml_remove("[registries.r]\n# mine\nindex = 1\n", t, "index", "f") ==
               "[registries.r]\n# mine\n");
    BOOST_TEST(*edit::toml_remove("[registries.r]\nindex = 1\n\n[x]\ny = 2\n", t, "index", "f") == "[x]\ny = 2\n");
    const edit::TomlTable root{{}, false, "", ""};
    BOOST_TEST(*edit::toml_remove("k = \"v\"\na = 1\n[t]\n", root, "k", "f") == "a = 1\n[t]\n");
    BOOST_TEST(*edit::toml_set("a = 1\n\n[t]\nx = 1\n", root, "k", "2", "f") == "a = 1\nk = 2\n\n[t]\nx = 1\n");
}

BOOST_AUTO_TEST_CASE(yaml_xml_json_netrc_removal) {
    using P = std::vector<std::string>;
    // YAML: the key, then each mapping left with nothing; a comment in one keeps it.
    BOOST_TEST(*edit::yaml_remove("a: 1\nr:\n  \"//h\":\n    t: \"x\"\nb: 2\n", P{"r", "//h", "t"}, "f") ==
               "a: 1\nb: 2\n");
    BOOST_TEST(*edit::yaml_remove("r:\r\n  o: 1\r\n  \"//h\":\r\n    t: x\r\n", P{"r", "//h", "t"}, "f") ==
               "r:\r\n  o: 1\r\n");
    BOOST_TEST(*edit::yaml_remove("r:\n  # mine\n  h:\n    t: x\n", P{"r", "h", "t"}, "f") == "r:\n  # mine\n");
    BOOST_TEST(*edit::yaml_remove("a: 1\n", P{"r", "h"}, "f") == "a: 1\n");
    BOOST_TEST(!edit::yaml_remove("r: {h: {t: x}}\n", P{"r", "h", "t"}, "f").ok());
    BOOST_TEST(edit::yaml_get("s: 'it''s' # c\n", P{"s"}).value_or("") == "it's");
    BOOST_TEST(edit::yaml_get("s:\n  k: \"a\\\"b\"\n", P{"s", "k"}).value_or("") == "a\"b");
    BOOST_TEST(edit::yaml_empty("---\n\n"));
    BOOST_TEST(!edit::yaml_empty("---\n# mine\n"));

    // XML: the element with its line; parents that hold only what identifies them go too.
    using S = edit::XmlStep;
    const std::vector<S> pw{
        {"settings", "", "", ""}, {"servers", "", "", ""}, {"server", "id", "", "r"}, {"password", "", "", ""}};
    BOOST_TEST(
        *edit::xml_remove("<settings>\n  <servers>\n    <server>\n      <id>r</id>\n      <password>t</password>\n"
                          "    </server>\n  </servers>\n</settings>\n",
                          pw, "f") == "<settings>\n</settings>\n");
    BOOST_TEST(
        *edit::xml_remove("<settings>\r\n  <servers>\r\n    <server><id>o</id></server>\r\n    <server><id>r</id>"
                          "<password>t</password></server>\r\n  </servers>\r\n</settings>\r\n",
                          pw, "f") ==
        "<settings>\r\n  <servers>\r\n    <server><id>o</id></server>\r\n  </servers>\r\n"
        "</settings>\r\n");
    BOOST_TEST(*edit::xml_remove("<settings><servers><server><id>r</id><!-- mine --><password>t</password></server>"
                                 "</servers></settings>",
                                 pw, "f") ==
               "<settings><servers><server><id>r</id><!-- mine --></server></servers></settings>");
    BOOST_TEST(*edit::xml_remove("<other/>", pw, "f") == "<other/>");
    const auto broken = edit::xml_remove("<settings>\n<servers>\n</settings>\n", pw, "/h/settings.xml");
    BOOST_REQUIRE(!broken.ok());
    BOOST_TEST(broken.error().message.starts_with("/h/settings.xml line 3: not well-formed XML"),
               broken.error().message);

    // JSON: the member and its separator; objects left empty go (not the root).
    BOOST_TEST(*edit::json_remove("{\n  \"a\": 1,\n  \"r\": {\n    \"s\": {\"url\": \"u\"}\n  }\n}\n", P{"r", "s"},
                                  "f") == "{\n  \"a\": 1\n}\n");
    BOOST_TEST(*edit::json_remove("{\"r\": {\"s\": 1, \"o\": 2}}", P{"r", "s"}, "f") == "{\"r\": {\"o\": 2}}");
    BOOST_TEST(*edit::json_remove("{\"r\": {\"o\": 2, \"s\": 1}}", P{"r", "s"}, "f") == "{\"r\": {\"o\": 2}}");
    BOOST_TEST(*edit::json_remove("{\"r\": 1}", P{"x"}, "f") == "{\"r\": 1}");
    BOOST_TEST(**edit::json_get("{\"r\": {\"url\": \"u\"}}", P{"r", "url"}, "f") == "\"u\"");
    BOOST_TEST((*edit::json_keys("{\"b\": 1, \"a\": {}}", P{}, "f") == P{"b", "a"}));
    const auto bad = edit::json_remove("{\"r\": ", P{"r"}, "/h/registries.json");
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message.starts_with("/h/registries.json line 1: invalid JSON"), bad.error().message);

    // .netrc: our machine's entry (login token) with its line; another login's entry stays.
    BOOST_TEST(edit::netrc_remove("machine a login me\r\nmachine h login token password t\r\ndefault login x\r\n", "h",
                                  "token") == "machine a login me\r\ndefault login x\r\n");
    BOOST_TEST(edit::netrc_remove("machine h login me password p\n", "h", "token") ==
               "machine h login me password p\n");
    BOOST_TEST(edit::netrc_remove("machine a login me machine h login token password t\n", "h", "token") ==
               "machine a login me \n");
}

namespace {

// The files after `edits` (a file to remove is gone).
Tree applied(const std::vector<FileEdit>& edits, Tree t) {
    for (const auto& e : edits) {
        const auto rel = e.path.substr(user_home.size() + 1);
        if (e.remove)
            t.erase(rel);
        else
            t[rel] = e.after;
    }
    return t;
}

// The files after --unconfigure of `in`'s tool.
Tree unconfigured(ConfigureInput in, const Tree& t) {
    in.remove = true;
    in.token.clear();
    auto edits = plan(in, Env(), user_home, reader(t));
    BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
    return applied(*edits, t);
}

// The files after --configure, then --unconfigure, of `in`'s tool.
Tree configured_and_unconfigured(const ConfigureInput& in, const Tree& t) {
    auto edits = plan(in, Env(), user_home, reader(t));
    BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
    return unconfigured(in, applied(*edits, t));
}

}  // namespace

// twine: the index-servers line goes whole only when --configure wrote it and twine's default ("pypi
// testpypi") does as well without it; a list the user wrote keeps everything but our item.
BOOST_AUTO_TEST_CASE(unconfigure_twine_index_servers) {
    const auto in = input_for("twine");
    const std::string ours = "[codeartifact]\nrepository = " + endpoint_for("twine") + "\nusername = aws\n";
    // The user's list, ours appended: the user's list again (twine upload -r private still works).
    const Tree user{{".pypirc", "[distutils]\nindex-servers = pypi private\n\n[private]\nrepository = https://p/\n"}};
    BOOST_TEST(configured_and_unconfigured(in, user) == user);
    // The line --configure wrote: gone, with [distutils], and the file it created.
    BOOST_TEST(configured_and_unconfigured(in, {}).empty());
    const Tree pypi{{".pypirc", "[pypi]\nusername = __token__\n"}};
    BOOST_TEST(configured_and_unconfigured(in, pypi) == pypi);
    // The user's own "pypi testpypi" (nothing --configure derives from this file): kept.
    const Tree defaults{{".pypirc", "[distutils]\nindex-servers = pypi testpypi\n\n[pypi]\nusername = __token__\n"}};
    BOOST_TEST(configured_and_unconfigured(in, defaults) == defaults);
    // A list over several lines is the user's, even when its first line is what --configure writes.
    const Tree lines{{".pypirc", "[distutils]\nindex-servers = pypi codeartifact\n    testpypi\n\n" + ours}};
    BOOST_TEST(unconfigured(in, lines).at(".pypirc") == "[distutils]\nindex-servers = pypi\n    testpypi\n");
    const Tree one_line{{".pypirc", "[distutils]\nindex-servers = pypi private codeartifact\n\n[private]\n\n" + ours}};
    BOOST_TEST(unconfigured(in, one_line).at(".pypirc") == "[distutils]\nindex-servers = pypi private\n\n[private]\n");
}

// Bundler: the domain's credential (BUNDLE_<HOST>) stays while the mirror left names another repository on
// its host (written in any case); it goes with our mirror, or when the mirror is elsewhere.
BOOST_AUTO_TEST_CASE(unconfigure_bundler_keeps_a_credential_still_used) {
    const auto in = input_for("bundler");
    const std::string host_key = "BUNDLE_MY___DOMAIN___111122223333__D__CODEARTIFACT__US___WEST___2__AMAZONAWS__COM";
    const auto config = [&](std::string_view mirror) {
        return Tree{{".bundle/config", "---\n" + host_key + ": \"aws:t\"\nBUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: \"" +
                                           std::string(mirror) + "\"\n"}};
    };
    for (const std::string other :
         {"https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/ruby/other/",
          "https://MY-DOMAIN-111122223333.d.codeartifact.us-west-2.amazonaws.com/ruby/other/"}) {
        const auto t = config(other);
        BOOST_TEST(unconfigured(in, t) == t, other);
    }
    BOOST_TEST(unconfigured(in, config(endpoint_for("bundler"))).empty());
    BOOST_TEST(unconfigured(in, config("https://gems.example/")).at(".bundle/config") ==
               "---\nBUNDLE_MIRROR__HTTPS://RUBYGEMS__ORG/: \"https://gems.example/\"\n");
}

// SwiftPM: the host's authentication and .netrc entry stay while another scope's registry is on the host,
// however its URL is written (JSON escapes, upper case); our scope's registry goes.
BOOST_AUTO_TEST_CASE(unconfigure_swift_keeps_a_host_still_used) {
    const auto in = input_for("swift");
    const std::string host = "my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com";
    const std::string netrc = "machine " + host + " login token password t\n";
    for (const std::string& other :
         std::vector<std::string>{"\"https:\\/\\/" + host + "\\/swift\\/other\\/\"",
                                  "\"https://MY-DOMAIN-111122223333.d.codeartifact.us-west-2.amazonaws.com/swift/o/\"",
                                  "\"https://\\u006dy-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/\""}) {
        BOOST_TEST_CONTEXT(other) {
            const std::string auth = "  \"authentication\": {\n    \"" + host +
                                     "\": {\"type\": \"token\", \"loginAPIPath\": \"/swift/my-repo/login\"}\n  },\n";
            const std::string rest = "  \"version\": 1\n}\n";
            const Tree t{{".swiftpm/configuration/registries.json",
                          "{\n" + auth + "  \"registries\": {\n    \"[default]\": {\"url\": " +
                              edit::json_string(endpoint_for("swift")) + "},\n    \"o\": {\"url\": " + other +
                              "}\n  },\n" + rest},
                         {".netrc", netrc}};
            const auto after = unconfigured(in, t);
            BOOST_TEST(after.at(".swiftpm/configuration/registries.json") ==
                       "{\n" + auth + "  \"registries\": {\n    \"o\": {\"url\": " + other + "}\n  },\n" + rest);
            BOOST_TEST(after.at(".netrc") == netrc);
        }
    }
    BOOST_TEST(*edit::json_unquote(R"("a\/b\u0041\ud83d\ude00\n")") == "a/bA\xF0\x9F\x98\x80\n");
    BOOST_TEST(!edit::json_unquote(R"("\u00zz")"));
    BOOST_TEST(!edit::json_unquote(R"("a" )"));
    BOOST_TEST(!edit::json_unquote("1"));
}

// SwiftPM's registries.json: a document that is not an object is refused (nothing written) as --configure
// refuses it; a file we take nothing out of stays, whatever it holds; one left as --configure would have
// created it (nothing, or only "version": 1) goes; a user's other members and another version stay.
BOOST_AUTO_TEST_CASE(unconfigure_swift_deletes_only_what_it_emptied) {
    const auto in = input_for("swift");
    const std::string rel = ".swiftpm/configuration/registries.json";
    for (const std::string doc : {"[]", "null", "1", "\"x\""}) {
        BOOST_TEST_CONTEXT(doc) {
            auto removing = in;
            removing.remove = true;
            removing.token.clear();
            const Tree t{{rel, doc}};
            for (const auto& i : {in, removing}) {
                auto edits = plan(i, Env(), user_home, reader(t));
                BOOST_REQUIRE(!edits.ok());
                BOOST_TEST(edits.error().message ==
                           user_home + "/" + rel + ": the document is not a JSON object; edit it by hand");
            }
        }
    }
    for (const std::string doc :
         {"{}", "{\"version\": 1}\n", "{\"authentication\":{},\"registries\":{},\"version\":1}"}) {
        const Tree t{{rel, doc}};
        BOOST_TEST(unconfigured(in, t) == t, doc);  // nothing of ours in it: untouched
        // Configured, then unconfigured: the same for SwiftPM as no file (see tools_swift.cpp).
        BOOST_TEST(configured_and_unconfigured(in, t).empty(), doc);
    }
    const Tree kept{{rel, "{\"version\": 2, \"mine\": true}"}};
    BOOST_TEST(configured_and_unconfigured(in, kept).at(rel) == "{\"version\": 2, \"mine\": true}");
    const Tree v2{{rel, "{\"version\": 2}"}};
    BOOST_TEST(configured_and_unconfigured(in, v2).at(rel) == "{\"version\": 2}");
    // json_remove never takes the root: its last member goes, `{}` stays.
    BOOST_TEST(*edit::json_remove("{\"r\": {\"s\": 1}}\n", std::vector<std::string>{"r", "s"}, "f") == "{}\n");
}

// --unconfigure of a file it cannot read safely: one line naming the file, nothing planned.
BOOST_AUTO_TEST_CASE(unconfigure_refuses_malformed_files) {
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> cases{
        {"maven", {".m2/settings.xml", "<settings>\n  <servers>\n</settings>\n"}},
        {"nuget", {".nuget/NuGet/NuGet.Config", "<configuration>\n  <packageSources\n"}},
        {"swift", {".swiftpm/configuration/registries.json", "{\"registries\": {\n"}},
        {"yarn", {".yarnrc.yml", "npmRegistries: {\"//x\": {}}\n"}},
    };
    for (const auto& [tool, file] : cases) {
        BOOST_TEST_CONTEXT(tool) {
            auto in = input_for(tool);
            in.remove = true;
            in.token.clear();
            const Tree t{{file.first, file.second}};
            auto edits = plan(in, Env(), user_home, reader(t));
            BOOST_REQUIRE(!edits.ok());
            BOOST_TEST((edits.error().kind == cat::ErrorKind::config));
            BOOST_TEST(edits.error().message.starts_with(user_home + "/" + file.first), edits.error().message);
            BOOST_TEST(edits.error().message.find('\n') == std::string::npos);
        }
    }
}

// ---- the API around plan() -----------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(formats_and_unknown_tools) {
    BOOST_TEST(*repository_format("npm") == "npm");
    BOOST_TEST(*repository_format("pnpm") == "npm");
    BOOST_TEST(*repository_format("yarn") == "npm");
    for (auto t : {"pip", "uv", "twine", "poetry"}) BOOST_TEST(*repository_format(t) == "pypi");
    BOOST_TEST(*repository_format("maven") == "maven");
    BOOST_TEST(*repository_format("gradle") == "maven");
    BOOST_TEST(*repository_format("nuget") == "nuget");
    BOOST_TEST(*repository_format("dotnet") == "nuget");
    BOOST_TEST(*repository_format("cargo") == "cargo");
    BOOST_TEST(*repository_format("swift") == "swift");
    BOOST_TEST(*repository_format("bundler") == "ruby");
    auto bad = repository_format("gem");
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(cat::exit_code(bad.error().kind) == 2);
    BOOST_TEST(
        bad.error().message ==
        "unknown tool \"gem\" for --configure: it must be one of npm, pnpm, yarn, pip, uv, twine, poetry, maven, "
        "mvn, gradle, nuget, dotnet, cargo, swift, bundler");
    BOOST_TEST(known_tools().size() == 15u);
    BOOST_TEST(*repository_format("mvn") == "maven");
}

BOOST_AUTO_TEST_CASE(default_paths_follow_the_tools_variables) {
    const Env none;
    auto path = [&](std::string_view tool, const Env& env = Env()) { return *default_config_path(tool, env, "/h"); };
    BOOST_TEST(path("npm") == "/h/.npmrc");
    BOOST_TEST(path("pnpm", env({{"NPM_CONFIG_USERCONFIG", "/x/npmrc"}})) == "/x/npmrc");
    BOOST_TEST(path("npm", env({{"npm_config_userconfig", "/y/npmrc"}})) == "/y/npmrc");
    BOOST_TEST(path("yarn") == "/h/.yarnrc.yml");
    BOOST_TEST(path("pip") == "/h/.config/pip/pip.conf");
    BOOST_TEST(path("pip", env({{"XDG_CONFIG_HOME", "/cfg"}})) == "/cfg/pip/pip.conf");
    BOOST_TEST(path("pip", env({{"XDG_CONFIG_HOME", "relative"}})) == "/h/.config/pip/pip.conf");
    BOOST_TEST(path("pip", env({{"PIP_CONFIG_FILE", "/p/pip.conf"}})) == "/p/pip.conf");
    BOOST_TEST(path("pip", env({{"PIP_CONFIG_FILE", "/dev/null"}})) == "/h/.config/pip/pip.conf");
    BOOST_TEST(path("uv") == "/h/.config/uv/uv.toml");
    BOOST_TEST(path("uv", env({{"UV_CONFIG_FILE", "/u.toml"}})) == "/u.toml");
    BOOST_TEST(path("twine") == "/h/.pypirc");
    BOOST_TEST(path("poetry") == "/h/.config/pypoetry/config.toml");
    BOOST_TEST(path("poetry", env({{"POETRY_CONFIG_DIR", "/pc"}})) == "/pc/config.toml");
    BOOST_TEST(path("maven") == "/h/.m2/settings.xml");
    BOOST_TEST(path("gradle") == "/h/.gradle/gradle.properties");
    BOOST_TEST(path("gradle", env({{"GRADLE_USER_HOME", "/g"}})) == "/g/gradle.properties");
    BOOST_TEST(path("nuget") == "/h/.nuget/NuGet/NuGet.Config");
    BOOST_TEST(path("dotnet") == "/h/.nuget/NuGet/NuGet.Config");
    BOOST_TEST(path("cargo") == "/h/.cargo/config.toml");
    BOOST_TEST(path("cargo", env({{"CARGO_HOME", "/c"}})) == "/c/config.toml");
    BOOST_TEST(path("swift") == "/h/.swiftpm/configuration/registries.json");
    BOOST_TEST(path("bundler") == "/h/.bundle/config");
    BOOST_TEST(path("bundler", env({{"BUNDLE_USER_HOME", "/b"}})) == "/b/config");
    BOOST_TEST(path("bundler", env({{"BUNDLE_USER_CONFIG", "/b/cfg"}})) == "/b/cfg");
    auto no_home = default_config_path("npm", none, "");
    BOOST_REQUIRE(!no_home.ok());
    BOOST_TEST(cat::exit_code(no_home.error().kind) == 6);
    BOOST_TEST(!default_config_path("gem", none, "/h").ok());
}

// Where each tool keeps its user file on Windows (each path from the tool's documentation, cited in
// configure/tools_*.cpp), chosen through the same function with the platform given.
BOOST_AUTO_TEST_CASE(windows_paths_are_the_tools_own) {
    const std::map<std::string, std::string, std::less<>> base{{"USERPROFILE", R"(C:\Users\dev)"},
                                                               {"APPDATA", R"(C:\Users\dev\AppData\Roaming)"},
                                                               {"LOCALAPPDATA", R"(C:\Users\dev\AppData\Local)"}};
    auto path = [&](std::string_view tool, std::map<std::string, std::string, std::less<>> extra = {}) {
        auto vars = base;
        for (auto& [k, v] : extra) vars.insert_or_assign(k, v);
        auto p = default_config_path(tool, Env(vars), "/ignored/home", Platform::windows);
        BOOST_REQUIRE(p.ok());
        return *p;
    };
    BOOST_TEST(path("npm") == R"(C:\Users\dev\.npmrc)");
    BOOST_TEST(path("pnpm") == R"(C:\Users\dev\.npmrc)");
    BOOST_TEST(path("npm", {{"NPM_CONFIG_USERCONFIG", R"(D:\cfg\npmrc)"}}) == R"(D:\cfg\npmrc)");
    BOOST_TEST(path("yarn") == R"(C:\Users\dev\.yarnrc.yml)");
    BOOST_TEST(path("pip") == R"(C:\Users\dev\AppData\Roaming\pip\pip.ini)");
    BOOST_TEST(path("pip", {{"PIP_CONFIG_FILE", R"(D:\pip.ini)"}}) == R"(D:\pip.ini)");
    BOOST_TEST(path("pip", {{"PIP_CONFIG_FILE", "nul"}}) == R"(C:\Users\dev\AppData\Roaming\pip\pip.ini)");
    BOOST_TEST(path("pip", {{"XDG_CONFIG_HOME", "/x"}}) == R"(C:\Users\dev\AppData\Roaming\pip\pip.ini)");
    BOOST_TEST(path("uv") == R"(C:\Users\dev\AppData\Roaming\uv\uv.toml)");
    BOOST_TEST(path("twine") == R"(C:\Users\dev\.pypirc)");
    BOOST_TEST(path("poetry") == R"(C:\Users\dev\AppData\Roaming\pypoetry\config.toml)");
    BOOST_TEST(path("poetry", {{"POETRY_CONFIG_DIR", R"(D:\poetry)"}}) == R"(D:\poetry\config.toml)");
    BOOST_TEST(path("maven") == R"(C:\Users\dev\.m2\settings.xml)");
    BOOST_TEST(path("gradle") == R"(C:\Users\dev\.gradle\gradle.properties)");
    BOOST_TEST(path("gradle", {{"GRADLE_USER_HOME", R"(D:\gradle)"}}) == R"(D:\gradle\gradle.properties)");
    BOOST_TEST(path("nuget") == R"(C:\Users\dev\AppData\Roaming\NuGet\NuGet.Config)");
    BOOST_TEST(path("dotnet") == R"(C:\Users\dev\AppData\Roaming\NuGet\NuGet.Config)");
    BOOST_TEST(path("cargo") == R"(C:\Users\dev\.cargo\config.toml)");
    BOOST_TEST(path("cargo", {{"CARGO_HOME", R"(D:\cargo\)"}}) == R"(D:\cargo\config.toml)");
    BOOST_TEST(path("bundler") == R"(C:\Users\dev\.bundle\config)");
    BOOST_TEST(path("bundler", {{"BUNDLE_USER_HOME", R"(D:\b)"}}) == R"(D:\b\config)");
    BOOST_TEST(path("swift") == R"(C:\Users\dev\.swiftpm\configuration\registries.json)");
    // Without APPDATA, the roaming folder under the profile; without USERPROFILE, the home given.
    const auto no_appdata = default_config_path("pip", env({{"USERPROFILE", R"(C:\U)"}}), "", Platform::windows);
    BOOST_TEST(*no_appdata == R"(C:\U\AppData\Roaming\pip\pip.ini)");
    BOOST_TEST(*default_config_path("npm", Env(), R"(C:\H)", Platform::windows) == R"(C:\H\.npmrc)");
    BOOST_TEST(!default_config_path("npm", Env(), "", Platform::windows).ok());
    // Every tool in the table has both.
    for (const auto name : known_tools()) BOOST_TEST(!path(name).empty());
}

// An existing file with CRLF line endings keeps them after every editor's change (Windows editors write
// CRLF; a file with mixed endings is what some tools then fail to read).
BOOST_AUTO_TEST_CASE(crlf_files_stay_crlf) {
    const auto crlf_only = [](const std::string& s) {
        for (std::size_t i = 0; i < s.size(); ++i)
            if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
        return s.find("\r\n") != std::string::npos;
    };
    const edit::IniDialect npmrc{.comments = "#;", .separators = "=", .write_separator = "="};
    const edit::IniDialect cp{.fold_keys = true, .continuation_indent = true, .separators = "=:"};
    for (std::string_view text : {"; c\r\nregistry=https://old/\r\n", "[global]\r\nx = 1\r\n", "a=1"}) {
        BOOST_TEST_CONTEXT(text) {
            const std::string crlf = std::string(text).find('\n') == std::string::npos ? "a=1\r\n" : std::string(text);
            BOOST_TEST(crlf_only(edit::ini_set(crlf, npmrc, "", "registry", "https://new/")));
            BOOST_TEST(crlf_only(edit::ini_set(crlf, npmrc, "", "//h/:_authToken", "t")));
            BOOST_TEST(crlf_only(edit::ini_set(crlf, cp, "global", "index-url", "https://x/")));
            BOOST_TEST(crlf_only(edit::ini_set(crlf, cp, "other", "k", "v")));
            BOOST_TEST(crlf_only(edit::ini_list_put(crlf, cp, "global", "extra-index-url", "https://x/",
                                                    [](std::string_view) { return false; })));
        }
    }
    BOOST_TEST(crlf_only(edit::ini_list_put("[global]\r\nextra-index-url =\r\n    https://a/\r\n", cp, "global",
                                            "extra-index-url", "https://x/", [](std::string_view) { return false; })));
    using P = std::vector<std::string>;
    for (std::string_view text : {"a: 1\r\n", "---\r\nx:\r\n  y: 1\r\n# end\r\n"}) {
        BOOST_TEST(crlf_only(*edit::yaml_set(text, P{"a"}, "2", false, "f")));
        BOOST_TEST(crlf_only(*edit::yaml_set(text, P{"x", "z", "t"}, "2", false, "f")));
    }
    const edit::TomlTable reg{{"registries", "r"}, false, "", ""};
    const edit::TomlTable index{{"index"}, true, "name", "mine"};
    for (std::string_view text : {"[registries.r]\r\nindex = \"old\"\r\n", "# c\r\n[other]\r\na = 1\r\n"}) {
        BOOST_TEST(crlf_only(*edit::toml_set(text, reg, "index", "\"x\"", "f")));
        BOOST_TEST(crlf_only(*edit::toml_set(text, reg, "token", "\"x\"", "f")));
        BOOST_TEST(crlf_only(*edit::toml_set(text, index, "url", "\"x\"", "f")));
    }
    using S = edit::XmlStep;
    const std::vector<S> server{
        {"settings", "", "", ""}, {"servers", "", "", ""}, {"server", "id", "", "r"}, {"password", "", "", ""}};
    const std::vector<S> source{{"configuration", "", "", ""}, {"packageSources", "", "", ""}, {"add", "", "key", "r"}};
    for (std::string_view text : {"<settings>\r\n  <servers>\r\n  </servers>\r\n</settings>\r\n",
                                  "<?xml version=\"1.0\"?>\r\n<settings>\r\n</settings>\r\n"})
        BOOST_TEST(crlf_only(*edit::xml_set_text(text, server, "t", "<settings/>", "f")));
    BOOST_TEST(crlf_only(
        *edit::xml_set_attr("<configuration>\r\n</configuration>\r\n", source, "value", "u", "<configuration/>", "f")));
    for (std::string_view text : {"{\r\n  \"a\": 1\r\n}\r\n", "{\r\n  \"registries\": {\r\n  }\r\n}\r\n"})
        BOOST_TEST(crlf_only(*edit::json_set(text, P{"registries", "[default]", "url"}, "\"u\"", true, "f")));
    BOOST_TEST(crlf_only(*edit::netrc_set("machine a\r\nlogin b\r\n", "h", "token", "t", "f")));
}

BOOST_AUTO_TEST_CASE(inputs_are_validated) {
    const Tree empty;
    auto fails = [&](ConfigureInput in, std::string_view part, cat::ErrorKind kind = cat::ErrorKind::usage) {
        auto r = plan(in, Env(), user_home, reader(empty));
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().message.find(part) != std::string::npos, r.error().message);
        BOOST_TEST(static_cast<int>(r.error().kind) == static_cast<int>(kind));
        BOOST_TEST(env_vars(in).empty());
        auto v = validate(in);
        BOOST_REQUIRE(!v.ok());
        BOOST_TEST(v.error().message == r.error().message);
    };
    auto in = input_for("npm");
    in.repository_endpoint = endpoint_for("pip");
    fails(in, "is not a npm repository endpoint");
    in.repository_endpoint = "ftp://x/npm/r/";
    fails(in, "must start with https://");
    in.repository_endpoint = "https://u:p@x/npm/r/";
    fails(in, "may not have a query, fragment or user");
    in.repository_endpoint = "https://x/npm/r/\n";
    fails(in, "needs escaping");
    in = input_for("npm");
    in.token = "abc\ndef";
    fails(in, "characters a token cannot have", cat::ErrorKind::api);
    in.token = "abc\"def";
    fails(in, "characters a token cannot have", cat::ErrorKind::api);
    in = input_for("pip");
    in.namespace_ = "@scope";
    fails(in, "--namespace applies to npm, pnpm, yarn and swift");
    in = input_for("npm");
    in.extra_index = true;
    fails(in, "--extra-index applies to pip, uv, maven, mvn, cargo and bundler");
    in = input_for("npm");
    in.namespace_ = "@Bad Scope";
    fails(in, "namespace \"@Bad Scope\" is invalid");
    in = input_for("npm");
    in.domain = "My_Domain";
    fails(in, "domain \"My_Domain\" is invalid");
    in = input_for("npm");
    in.repository = "a/b";
    fails(in, "repository \"a/b\" is invalid");

    BOOST_TEST(validate(input_for("cargo")).ok());
    // The endpoint without its final '/' and on a port is accepted as it is.
    in = input_for("npm");
    in.repository_endpoint = "http://127.0.0.1:8443/npm/my-repo";
    auto r = plan(in, Env(), user_home, reader(empty));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->front().after ==
               "registry=http://127.0.0.1:8443/npm/my-repo/\n//127.0.0.1:8443/npm/my-repo/:_authToken=" + new_token +
                   "\n");
}

BOOST_AUTO_TEST_CASE(unknown_tools_get_the_closest_name) {
    auto hint = [](std::string_view tool) {
        auto r = repository_format(tool);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(cat::exit_code(r.error().kind) == 2);
        const auto& m = r.error().message;
        const auto at = m.find(" (did you mean ");
        return at == std::string::npos ? std::string() : m.substr(at);
    };
    BOOST_TEST(hint("nmp") == " (did you mean npm?)");
    BOOST_TEST(hint("yran") == " (did you mean yarn?)");
    BOOST_TEST(hint("NuGet") == " (did you mean nuget?)");
    BOOST_TEST(hint("dotnt") == " (did you mean dotnet?)");
    BOOST_TEST(hint("gem").empty());
    BOOST_TEST(hint("").empty());
    // The aliases are tools too, listed after theirs, and --help names every tool.
    BOOST_TEST(*repository_format("pnpm") == "npm");
    for (auto tool : known_tools()) BOOST_TEST(help_line().find(std::string(tool)) != std::string_view::npos, tool);
    BOOST_TEST(help_line().ends_with(", swift or bundler."));
}

BOOST_AUTO_TEST_CASE(endpoints_are_read_by_the_http_url_parser) {
    const Tree empty;
    auto in = input_for("npm");
    auto refused = [&](std::string url, std::string_view part) {
        in.repository_endpoint = std::move(url);
        auto v = validate(in);
        BOOST_REQUIRE(!v.ok());
        BOOST_TEST(v.error().message.find(part) != std::string::npos, v.error().message);
        BOOST_TEST(cat::exit_code(v.error().kind) == 2);
    };
    refused("https:///npm/r/", "is invalid: missing host");
    refused("https://host:0/npm/r/", "is invalid: invalid port");
    refused("https://ho!st/npm/r/", "is invalid: invalid character in the host name");
    refused("https://[::1/npm/r/", "is invalid: unterminated '['");
    refused("https://host/npm//r/", "an empty path segment");
    // What is written is the URL as http::parse_url reads it: the default port and upper case go.
    in.repository_endpoint = "https://Registry.Example:443/npm/my-repo/";
    auto r = plan(in, Env(), user_home, reader(empty));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->front().after ==
               "registry=https://registry.example/npm/my-repo/\n//registry.example/npm/my-repo/:_authToken=" +
                   new_token + "\n");
    in = input_for("swift");
    in.repository_endpoint = "http://[::1]:8443/swift/my-repo/";
    r = plan(in, Env(), user_home, reader(empty));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->back().after == "machine [::1] login token password " + new_token + "\n");
}

BOOST_AUTO_TEST_CASE(a_file_that_cannot_be_read_is_an_error) {
    auto r =
        plan(input_for("npm"), Env(), user_home, [](const std::string& p) -> cat::Result<std::optional<std::string>> {
            return cat::Error::make(cat::ErrorKind::config, "cannot read " + p + ": Permission denied");
        });
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message == "cannot read /home/user/.npmrc: Permission denied");
}

BOOST_AUTO_TEST_CASE(dry_run_headers_and_redaction) {
    Tree t{{".config/pip/pip.conf", "[global]\ntimeout = 60\n"}};
    auto in = input_for("pip");
    in.token = "abc+def/ghi=";  // the URL carries it percent-encoded
    auto edits = plan(in, Env(), user_home, reader(t));
    BOOST_REQUIRE(edits.ok());
    BOOST_TEST(edits->front().after.find("aws:abc%2Bdef%2Fghi%3D@") != std::string::npos);
    const auto dry = render_dry_run(*edits, false);
    BOOST_TEST(dry ==
               "# /home/user/.config/pip/pip.conf (update)\n[global]\ntimeout = 60\nindex-url = "
               "https://aws:****@my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/pypi/my-repo/simple/\n");
    BOOST_TEST(render_dry_run(*edits, true).find("abc%2Bdef%2Fghi%3D") != std::string::npos);

    auto fresh = plan(input_for("npm"), Env(), user_home, reader(Tree{}));
    BOOST_REQUIRE(fresh.ok());
    BOOST_TEST(render_dry_run(*fresh, false).starts_with("# /home/user/.npmrc (create)\nregistry="));
    auto same = plan(input_for("npm"), Env(), user_home, reader(Tree{{".npmrc", fresh->front().after}}));
    BOOST_REQUIRE(same.ok());
    BOOST_TEST(render_dry_run(*same, false).starts_with("# /home/user/.npmrc (unchanged)\n"));
}

BOOST_AUTO_TEST_CASE(environment_variables) {
    using V = std::vector<std::pair<std::string, std::string>>;
    const std::string host = "my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com";
    auto vars = [](std::string tool, bool extra = false, std::string ns = "") {
        auto in = input_for(std::move(tool));
        in.extra_index = extra;
        in.namespace_ = std::move(ns);
        return env_vars(in);
    };
    BOOST_TEST((vars("npm") == V{{"NPM_CONFIG_REGISTRY", "https://" + host + "/npm/my-repo/"},
                                 {"CODEARTIFACT_AUTH_TOKEN", new_token}}));
    BOOST_TEST((vars("pnpm", false, "@corp") == V{{"CODEARTIFACT_AUTH_TOKEN", new_token}}));
    BOOST_TEST((vars("yarn") == V{{"YARN_NPM_REGISTRY_SERVER", "https://" + host + "/npm/my-repo/"},
                                  {"YARN_NPM_ALWAYS_AUTH", "true"},
                                  {"YARN_NPM_AUTH_TOKEN", new_token}}));
    BOOST_TEST(
        (vars("pip") == V{{"PIP_INDEX_URL", "https://aws:" + new_token + "@" + host + "/pypi/my-repo/simple/"}}));
    BOOST_TEST((vars("pip", true) ==
                V{{"PIP_EXTRA_INDEX_URL", "https://aws:" + new_token + "@" + host + "/pypi/my-repo/simple/"}}));
    BOOST_TEST((vars("uv") == V{{"UV_DEFAULT_INDEX", "my-domain-my-repo=https://" + host + "/pypi/my-repo/simple/"},
                                {"UV_INDEX_MY_DOMAIN_MY_REPO_USERNAME", "aws"},
                                {"UV_INDEX_MY_DOMAIN_MY_REPO_PASSWORD", new_token}}));
    BOOST_TEST(vars("uv", true).front().first == "UV_INDEX");
    BOOST_TEST((vars("twine") == V{{"TWINE_REPOSITORY_URL", "https://" + host + "/pypi/my-repo/"},
                                   {"TWINE_USERNAME", "aws"},
                                   {"TWINE_PASSWORD", new_token}}));
    BOOST_TEST((vars("poetry") == V{{"POETRY_REPOSITORIES_MY_DOMAIN_MY_REPO_URL", "https://" + host + "/pypi/my-repo/"},
                                    {"POETRY_HTTP_BASIC_MY_DOMAIN_MY_REPO_USERNAME", "aws"},
                                    {"POETRY_HTTP_BASIC_MY_DOMAIN_MY_REPO_PASSWORD", new_token}}));
    BOOST_TEST((vars("maven") == V{{"CODEARTIFACT_AUTH_TOKEN", new_token}}));
    BOOST_TEST((vars("gradle") == V{{"ORG_GRADLE_PROJECT_codeartifactUrl", "https://" + host + "/maven/my-repo/"},
                                    {"ORG_GRADLE_PROJECT_codeartifactUsername", "aws"},
                                    {"ORG_GRADLE_PROJECT_codeartifactPassword", new_token}}));
    BOOST_TEST((vars("nuget") ==
                V{{"NuGetPackageSourceCredentials_my_domain_my_repo", "Username=aws;Password=" + new_token}}));
    BOOST_TEST(
        (vars("cargo") == V{{"CARGO_REGISTRIES_MY_DOMAIN_MY_REPO_INDEX", "sparse+https://" + host + "/cargo/my-repo/"},
                            {"CARGO_REGISTRIES_MY_DOMAIN_MY_REPO_CREDENTIAL_PROVIDER", "cargo:token"},
                            {"CARGO_REGISTRIES_MY_DOMAIN_MY_REPO_TOKEN", "Bearer " + new_token},
                            {"CARGO_REGISTRY_DEFAULT", "my-domain-my-repo"}}));
    BOOST_TEST(vars("swift").empty());
    BOOST_TEST(
        (vars("bundler") ==
         V{{"BUNDLE_MY___DOMAIN___111122223333__D__CODEARTIFACT__US___WEST___2__AMAZONAWS__COM", "aws:" + new_token}}));
    // Every name is a shell identifier.
    for (auto tool : known_tools())
        for (bool extra : {false, true}) {
            auto in = input_for(std::string(tool));
            in.extra_index =
                extra && (tool == "pip" || tool == "uv" || tool == "maven" || tool == "cargo" || tool == "bundler");
            for (const auto& [name, value] : env_vars(in)) {
                BOOST_TEST(!name.empty());
                for (char c : name)
                    BOOST_TEST(((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'),
                               name);
            }
        }
    // The notes say what the variables cannot do.
    BOOST_TEST(notes(input_for("npm"), true)
                   .front()
                   .find("//" + host + "/npm/my-repo/:_authToken=${CODEARTIFACT_AUTH_TOKEN}") != std::string::npos);
    BOOST_TEST(notes(input_for("swift"), true).size() == 1u);
    BOOST_TEST(notes(input_for("gradle"), false).front().find("credentials(PasswordCredentials::class)") !=
               std::string::npos);
    BOOST_TEST(notes(input_for("pip"), false).empty());
    BOOST_TEST(notes(input_for("twine"), false) ==
               std::vector<std::string>{"upload with twine upload -r codeartifact"});
    // Maven: Java's user.home is the account's home; where HOME is another folder, say which file Maven reads.
    auto maven = input_for("maven");
    BOOST_TEST(notes(maven, false).empty());
    maven.account_home = "/home/builder";
    BOOST_REQUIRE(notes(maven, false).size() == 1u);
    BOOST_TEST(notes(maven, false).front().starts_with("Maven reads /home/builder/.m2/settings.xml"));
    maven.config_file = "/home/builder/.m2/settings.xml";  // the user chose the file
    BOOST_TEST(notes(maven, false).empty());
}

// ---- the editors ---------------------------------------------------------------------------------------

namespace edit = cat::configure::edit;

BOOST_AUTO_TEST_CASE(lines_keep_terminators) {
    for (std::string_view s : {"", "a", "a\n", "a\r\nb\r\n", "a\nb", "\xEF\xBB\xBFx\n\n"})
        BOOST_TEST(edit::Lines(s).join() == s);
    edit::Lines crlf("a\r\nb");
    crlf.insert(2, "c");
    BOOST_TEST(crlf.join() == "a\r\nb\r\nc\r\n");
    edit::Lines lf("a\nb\n");
    lf.insert(1, "x");
    BOOST_TEST(lf.join() == "a\nx\nb\n");
    lf.erase(1, 3);
    BOOST_TEST(lf.join() == "a\n");
}

BOOST_AUTO_TEST_CASE(ini_editing) {
    const edit::IniDialect npmrc{.comments = "#;", .separators = "=", .write_separator = "="};
    const edit::IniDialect cp{.fold_keys = true, .continuation_indent = true, .separators = "=:"};
    // Replaces the value only, keeps the key as written and the spacing before the value.
    BOOST_TEST(edit::ini_set("; c\nregistry = https://old/\nx=1\n", npmrc, "", "registry", "https://new/") ==
               "; c\nregistry = https://new/\nx=1\n");
    // Top-level keys go before the first section.
    BOOST_TEST(edit::ini_set("# only a comment\n[sec]\nk=v\n", npmrc, "", "a", "b") ==
               "# only a comment\na=b\n[sec]\nk=v\n");
    BOOST_TEST(edit::ini_set("x=1", npmrc, "", "a", "b") == "x=1\na=b\n");
    BOOST_TEST(edit::ini_set("x=1\r\n", npmrc, "", "a", "b") == "x=1\r\na=b\r\n");
    // configparser: keys fold, continuation lines belong to the value, ':' separates too.
    BOOST_TEST(edit::ini_set("[global]\nIndex_URL: https://a/\n    https://b/\ntimeout = 3\n", cp, "global",
                             "index-url", "https://c/") == "[global]\nIndex_URL: https://c/\ntimeout = 3\n");
    BOOST_TEST(edit::ini_set("[a]\nk = v\n\n[b]\n", cp, "a", "n", "w") == "[a]\nk = v\nn = w\n\n[b]\n");
    BOOST_TEST(edit::ini_set("[a]\nk = v\n", cp, "new", "n", "w") == "[a]\nk = v\n\n[new]\nn = w\n");
    BOOST_TEST(edit::ini_set("", cp, "new", "n", "w") == "[new]\nn = w\n");
    BOOST_TEST(edit::ini_set("[a]\nk =\n", cp, "a", "k", "v") == "[a]\nk = v\n");
    // A key alone on its line gets a separator (fuzz_edit_files found the value joined to the key).
    BOOST_TEST(edit::ini_set("registry\n", npmrc, "", "registry", "https://r/") == "registry=https://r/\n");
    BOOST_TEST(edit::ini_set("[a]\n  k \n", cp, "a", "k", "v") == "[a]\n  k = v\n");
    // An indented line after our entry would continue its value: ours takes that line's indentation
    // (fuzz_edit_files: an indented "[" line, a header where it was, became our continuation).
    BOOST_TEST(edit::ini_set("[a]\n    k = v\n  [b]\nn = x\n", cp, "a", "n", "w") ==
               "[a]\n    k = v\n  n = w\n  [b]\nn = x\n");
    BOOST_TEST(edit::ini_set("[a]\n  [b]\n", cp, "a", "n", "w") == "[a]\n  n = w\n  [b]\n");
    // Lists.
    auto same_host = [](std::string_view item) { return item.find("//h/") != std::string_view::npos; };
    BOOST_TEST(edit::ini_list_put("[global]\nextra-index-url = https://x/ https://h/old\n", cp, "global",
                                  "extra-index-url", "https://h/new",
                                  same_host) == "[global]\nextra-index-url = https://x/ https://h/new\n");
    BOOST_TEST(edit::ini_list_put("[global]\nextra-index-url = https://x/\n", cp, "global", "extra-index-url",
                                  "https://h/new",
                                  same_host) == "[global]\nextra-index-url = https://x/ https://h/new\n");
    BOOST_TEST(edit::ini_list_put("[global]\nextra-index-url =\n  https://x/\n  https://y/\n# c\n", cp, "global",
                                  "extra-index-url", "https://h/new", same_host) ==
               "[global]\nextra-index-url =\n  https://x/\n  https://y/\n  https://h/new\n# c\n");
    BOOST_TEST(edit::ini_list_put("", cp, "global", "extra-index-url", "https://h/new", same_host) ==
               "[global]\nextra-index-url = https://h/new\n");
    BOOST_TEST(edit::ini_list_put("[global]\nextra-index-url\n", cp, "global", "extra-index-url", "https://h/new",
                                  same_host) == "[global]\nextra-index-url = https://h/new\n");
    // .properties: any of "=", ":" or blanks separates; a trailing '\' continues.
    const edit::IniDialect props{
        .continuation_backslash = true, .comments = "#!", .separators = "=: \t", .write_separator = "="};
    BOOST_TEST(edit::ini_set("a b\nk : old \\\n  more\n! c\n", props, "", "k", "new") == "a b\nk : new\n! c\n");
    BOOST_TEST(edit::ini_set("org.gradle.jvmargs=-Xmx2g\n", props, "", "k", "v") == "org.gradle.jvmargs=-Xmx2g\nk=v\n");
    BOOST_TEST(edit::ini_list_put("k=a \\\n  b\n", props, "", "k", "https://h/new", same_host) ==
               "k=a \\\n  b https://h/new\n");
    // A '\' on the file's last line would continue into our entry: an empty line ends it (fuzz_edit_files).
    BOOST_TEST(edit::ini_set("a=1 \\", props, "", "k", "v") == "a=1 \\\n\nk=v\n");
    BOOST_TEST(edit::ini_set(edit::ini_set("a=1 \\", props, "", "k", "v"), props, "", "k", "v") == "a=1 \\\n\nk=v\n");
    // So does one before a '\r' there, which our line break turns into a CRLF.
    BOOST_TEST(edit::ini_set("a=1 \\\r", props, "", "k", "v") == "a=1 \\\r\n\nk=v\n");
}

BOOST_AUTO_TEST_CASE(yaml_editing) {
    using P = std::vector<std::string>;
    auto set = [](std::string_view text, P path, std::string_view value, bool raw = false) {
        auto r = edit::yaml_set(text, path, value, raw, "f.yml");
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
        return *r;
    };
    BOOST_TEST(set("", {"a"}, "\"1\"") == "a: \"1\"\n");
    BOOST_TEST(set("a: 1 # c\nb: 2\n", {"a"}, "3") == "a: 3 # c\nb: 2\n");
    BOOST_TEST(set("a: 'it''s' # c\n", {"a"}, "3") == "a: 3 # c\n");
    BOOST_TEST(set("a: \"x # y\"\n", {"a"}, "3") == "a: 3\n");
    BOOST_TEST(set("a: # c\n", {"a"}, "3") == "a: 3 # c\n");
    BOOST_TEST(set("x:\n    y: 1\n# end\n", {"x", "z"}, "2") == "x:\n    y: 1\n    z: 2\n# end\n");
    BOOST_TEST(set("x:\n  \"//h/p\":\n    t: old\n  'o':\n    t: 1\n", {"x", "//h/p", "t"}, "new") ==
               "x:\n  \"//h/p\":\n    t: new\n  'o':\n    t: 1\n");
    BOOST_TEST(set("x:\n  a: 1\ny: 2\n", {"x", "//h:1/p", "t"}, "v") == "x:\n  a: 1\n  \"//h:1/p\":\n    t: v\ny: 2\n");
    BOOST_TEST(set("---\nBUNDLE_A: \"1\"\n", {"BUNDLE_MIRROR__HTTPS://X/"}, "\"v\"", true) ==
               "---\nBUNDLE_A: \"1\"\nBUNDLE_MIRROR__HTTPS://X/: \"v\"\n");
    BOOST_TEST(set("BUNDLE_MIRROR__HTTPS://X/: \"old\"\n", {"BUNDLE_MIRROR__HTTPS://X/"}, "\"v\"", true) ==
               "BUNDLE_MIRROR__HTTPS://X/: \"v\"\n");
    // A sequence or a block scalar under a key is not taken for keys.
    BOOST_TEST(set("l:\n  - a: 1\ns: |\n  a: 1\n", {"a"}, "2") == "l:\n  - a: 1\ns: |\n  a: 1\na: 2\n");
    auto flow = edit::yaml_set("x: {a: 1}\n", P{"x", "b"}, "1", false, "f.yml");
    BOOST_REQUIRE(!flow.ok());
    BOOST_TEST(flow.error().message ==
               "f.yml line 1: \"x\" is not written as an indented block; edit it by hand or use --config-file");
    BOOST_TEST(!edit::yaml_set("x:\n  a: 1\n", P{"x"}, "1", false, "f").ok());  // a mapping, not a value
}

BOOST_AUTO_TEST_CASE(toml_editing) {
    auto set = [](std::string_view text, const edit::TomlTable& t, std::string_view key, std::string_view value) {
        auto r = edit::toml_set(text, t, key, value, "c.toml");
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
        return *r;
    };
    const edit::TomlTable reg{{"registries", "r"}, false, "", ""};
    BOOST_TEST(set("", reg, "index", "\"x\"") == "[registries.r]\nindex = \"x\"\n");
    BOOST_TEST(set("[registries.r]\nindex = \"old\" # c\n[other]\n", reg, "index", "\"x\"") ==
               "[registries.r]\nindex = \"x\" # c\n[other]\n");
    BOOST_TEST(set("[ registries . \"r\" ]\na = 1\n\n[x]\n", reg, "index", "\"x\"") ==
               "[ registries . \"r\" ]\na = 1\nindex = \"x\"\n\n[x]\n");
    // Multi-line values: their inner lines are never statements.
    BOOST_TEST(set("a = [\n  \"[registries.r]\",\n]\ns = \"\"\"\n[registries.r]\n\"\"\"\n", reg, "k", "1") ==
               "a = [\n  \"[registries.r]\",\n]\ns = \"\"\"\n[registries.r]\n\"\"\"\n\n[registries.r]\nk = 1\n");
    BOOST_TEST(set("[registries.r]\nk = [\n 1,\n 2,\n]\nz = 1\n", reg, "k", "3") == "[registries.r]\nk = 3\nz = 1\n");
    // Arrays of tables: the element whose name is ours.
    const edit::TomlTable index{{"index"}, true, "name", "mine"};
    BOOST_TEST(set("[[index]]\nname = \"other\"\nurl = \"o\"\n", index, "url", "\"u\"") ==
               "[[index]]\nname = \"other\"\nurl = \"o\"\n\n[[index]]\nname = \"mine\"\nurl = \"u\"\n");
    BOOST_TEST(set("[[index]]\nname = 'mine'\nurl = \"o\"\n[[index]]\nname = \"x\"\n", index, "default", "true") ==
               "[[index]]\nname = 'mine'\nurl = \"o\"\ndefault = true\n[[index]]\nname = \"x\"\n");
    // Our table written another way is an error, not a second definition.
    for (std::string_view text :
         {"[registries]\nr = { index = \"x\" }\n", "registries.r.index = \"x\"\n", "[registries]\nr.index = \"x\"\n"}) {
        auto r = edit::toml_set(text, reg, "index", "\"y\"", "c.toml");
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().message.find("[registries.r] is defined in another form") != std::string::npos);
    }
    BOOST_TEST(!edit::toml_set("index = [{ name = \"mine\" }]\n", index, "url", "\"u\"", "u.toml").ok());
    // A value that never ends hides whatever follows: refused rather than guessed.
    auto open_array = edit::toml_set("a = [1,\n[registries.r]\nk = 1\n", reg, "k", "2", "c.toml");
    BOOST_REQUIRE(!open_array.ok());
    BOOST_TEST(open_array.error().message ==
               "c.toml line 1: a value that does not end (not valid TOML); edit it by hand");
    // So does a key whose value is not on its line (fuzz_edit_files: the next lines were read as its value,
    // our [[index]] among them, so a second run added another).
    for (std::string_view text : {"ls = \n\n[[index]]\nname = \"mine\"\n", "ls = # c\n[r]\n", "ls = \r", "ls =\r\r"}) {
        auto no_value = edit::toml_set(text, index, "url", "\"u\"", "c.toml");
        BOOST_REQUIRE(!no_value.ok());
        BOOST_TEST(no_value.error().message ==
                   "c.toml line 1: a key without a value (not valid TOML); edit it by hand");
    }
    // A sub-table of ours is no conflict.
    BOOST_TEST(set("[registries.r.sub]\na = 1\n", reg, "k", "1") ==
               "[registries.r.sub]\na = 1\n\n[registries.r]\nk = 1\n");
}

BOOST_AUTO_TEST_CASE(xml_editing) {
    using S = edit::XmlStep;
    const std::vector<S> pw{
        {"settings", "", "", ""}, {"servers", "", "", ""}, {"server", "id", "", "me"}, {"password", "", "", ""}};
    const std::string_view root = "<settings>\n</settings>\n";
    auto set = [&](std::string_view text, std::string_view value) {
        auto r = edit::xml_set_text(text, pw, value, root, "s.xml");
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
        return *r;
    };
    BOOST_TEST(set("", "t") ==
               "<settings>\n  <servers>\n    <server>\n      <id>me</id>\n      <password>t</password>\n    "
               "</server>\n  </servers>\n</settings>\n");
    // Comments, other servers and indentation are left alone; our server is found by its id.
    const std::string text =
        "<?xml version=\"1.0\"?>\n<!-- <servers><server><id>me</id></server></servers> -->\n<settings>\n"
        "    <servers>\n        <server><id>other</id><password>x</password></server>\n"
        "        <server>\n            <id> me </id>\n            <password>old</password>\n        </server>\n"
        "    </servers>\n</settings>";
    auto out = set(text, "new&<");
    BOOST_TEST(out == std::string(text).replace(text.find("old"), 3, "new&amp;&lt;"));
    // Self-closing and empty parents get our element, indented from the parent.
    BOOST_TEST(set("<settings>\n  <servers/>\n</settings>", "t") ==
               "<settings>\n  <servers>\n    <server>\n      <id>me</id>\n      <password>t</password>\n    "
               "</server>\n  </servers>\n</settings>");
    BOOST_TEST(set("<settings><servers></servers></settings>", "t").find("<servers>\n  <server>") != std::string::npos);
    // Attributes.
    const std::vector<S> add{{"configuration", "", "", ""}, {"packageSources", "", "", ""}, {"add", "", "key", "k"}};
    auto a = edit::xml_set_attr(
        "<configuration>\r\n\t<packageSources>\r\n\t\t<add key=\"k\" value='old' />\r\n"
        "\t</packageSources>\r\n</configuration>\r\n",
        add, "value", "v", "", "n.config");
    BOOST_REQUIRE(a.ok());
    BOOST_TEST(*a ==
               "<configuration>\r\n\t<packageSources>\r\n\t\t<add key=\"k\" value='v' />\r\n"
               "\t</packageSources>\r\n</configuration>\r\n");
    a = edit::xml_set_attr("<configuration><packageSources><clear /></packageSources></configuration>", add, "value",
                           "v", "", "n.config");
    BOOST_REQUIRE(a.ok());
    BOOST_TEST(
        *a ==
        "<configuration><packageSources><clear />\n  <add key=\"k\" value=\"v\" /></packageSources></configuration>");
    // Errors name the file and line.
    auto bad = edit::xml_set_text("<settings>\n<servers>\n</settings>", pw, "t", root, "s.xml");
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message ==
               "s.xml line 3: not well-formed XML (</settings> does not close the open element)");
    BOOST_TEST(!edit::xml_set_text("<other/>", pw, "t", root, "s.xml").ok());
    BOOST_TEST(!edit::xml_set_text("<settings><!-- x </settings>", pw, "t", root, "s.xml").ok());
}

BOOST_AUTO_TEST_CASE(json_editing) {
    using P = std::vector<std::string>;
    auto set = [](std::string_view text, P path, std::string_view v, bool overwrite = true) {
        auto r = edit::json_set(text, path, v, overwrite, "r.json");
        BOOST_REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
        return *r;
    };
    BOOST_TEST(set("", {"a", "b"}, "1") == "{\n  \"a\" : {\n    \"b\" : 1\n  }\n}\n");
    BOOST_TEST(set("{\"x\": [1, {\"a\": 2}], \"a\": {\"b\": \"old\"}}", {"a", "b"}, "\"new\"") ==
               "{\"x\": [1, {\"a\": 2}], \"a\": {\"b\": \"new\"}}");
    BOOST_TEST(set("{\n    \"x\": 1\n}\n", {"a", "b"}, "2") ==
               "{\n    \"x\": 1,\n    \"a\": {\n        \"b\": 2\n    }\n}\n");
    BOOST_TEST(set("{\"version\": 2}", {"version"}, "1", false) == "{\"version\": 2}");
    BOOST_TEST(set("{\"k\\\"q\": {}}", {"k\"q", "z"}, "true") == "{\"k\\\"q\": {\n  \"z\": true\n}}");
    auto bad = edit::json_set("{\n\"a\": }", P{"a"}, "1", true, "r.json");
    BOOST_REQUIRE(!bad.ok());
    BOOST_TEST(bad.error().message == "r.json line 2: invalid JSON (expected a value)");
    BOOST_TEST(!edit::json_set("[]", P{"a"}, "1", true, "r.json").ok());
    BOOST_TEST(!edit::json_set("{\"a\": 1}", P{"a", "b"}, "1", true, "r.json").ok());
}

BOOST_AUTO_TEST_CASE(netrc_editing) {
    auto set = [](std::string_view text) { return *edit::netrc_set(text, "h.example", "token", "T", ".netrc"); };
    BOOST_TEST(set("") == "machine h.example login token password T\n");
    BOOST_TEST(set("machine a login x password y") ==
               "machine a login x password y\nmachine h.example login token password T\n");
    BOOST_TEST(set("machine a\n  login x\nmachine h.example\n  login aws\n  password old\ndefault login anonymous\n") ==
               "machine a\n  login x\nmachine h.example login token password T\ndefault login anonymous\n");
    BOOST_TEST(
        set("macdef init\nmachine h.example\n\nmachine b login c password d\n") ==
        "macdef init\nmachine h.example\n\nmachine b login c password d\nmachine h.example login token password T\n");
    // A macro that runs to the end gets its empty line first (fuzz_edit_files: our entry became its text).
    BOOST_TEST(set("machine b\nmacdef init\ncd /\n") ==
               "machine b\nmacdef init\ncd /\n\nmachine h.example login token password T\n");
    BOOST_TEST(set(set("macdef init\ncd /")) == "macdef init\ncd /\n\nmachine h.example login token password T\n");
    // Readers stop at `default`: a new entry goes before it (issue 12, item 15), a value "default" is no stop.
    BOOST_TEST(set("machine a login x\ndefault login anonymous password me\n") ==
               "machine a login x\nmachine h.example login token password T\ndefault login anonymous password me\n");
    BOOST_TEST(set("  default login anonymous\r\n") ==
               "machine h.example login token password T\r\n  default login anonymous\r\n");
    BOOST_TEST(set("machine a login x default login y") ==
               "machine a login x machine h.example login token password T default login y");
    BOOST_TEST(set("machine a login default password x\n") ==
               "machine a login default password x\nmachine h.example login token password T\n");
    BOOST_TEST(set("default\nmacdef init\ncd /\n") ==
               "machine h.example login token password T\ndefault\nmacdef init\ncd /\n");
    const auto twice = set("default login anonymous\n");
    BOOST_TEST(set(twice) == twice);
}

// Damaged files (bytes dropped, duplicated, replaced by syntax characters) never crash an editor: plan()
// gives new content or a config error, and the content it gives is stable on a second run.
BOOST_AUTO_TEST_CASE(damaged_files_are_edited_or_refused) {
    std::uint32_t seed = 12345;
    auto next = [&seed] {
        seed = seed * 1664525u + 1013904223u;
        return seed >> 8;
    };
    static constexpr std::string_view specials = "[]{}<>\"'=:#;!\\/\n\r\t -.";
    std::size_t planned = 0;
    std::size_t refused = 0;
    for (const auto& dir : case_dirs()) {
        const auto c = load_case(dir);
        const auto before = read_tree(dir / "before");
        auto after = read_tree(dir / "after");
        for (const auto& [rel, text] : before) after.emplace(rel, text);
        for (int round = 0; round < 60; ++round) {
            Tree damaged = after;
            for (auto& [rel, text] : damaged) {
                for (int k = 0; k < 3 && !text.empty(); ++k) {
                    const auto at = next() % text.size();
                    switch (next() % 3) {
                        case 0: text.erase(at, 1 + next() % 8); break;
                        case 1: text.insert(at, text.substr(at, 1 + next() % 16)); break;
                        default: text[at] = specials[next() % specials.size()];
                    }
                }
            }
            auto edits = plan(c.in, c.env, user_home, reader(damaged));
            if (!edits) {
                ++refused;
                BOOST_TEST(cat::exit_code(edits.error().kind) == 6, edits.error().message);
                continue;
            }
            ++planned;
            Tree got;
            for (const auto& e : *edits) got[e.path.substr(user_home.size() + 1)] = e.after;
            auto again = plan(c.in, c.env, user_home, reader(got));
            BOOST_REQUIRE(again.ok());
            for (const auto& e : *again) BOOST_TEST(!e.changed(), dir.string() + ": " + e.path + "\n" + e.before);
        }
    }
    BOOST_TEST(planned > refused);
    BOOST_TEST_MESSAGE(planned << " damaged files edited, " << refused << " refused");
}
