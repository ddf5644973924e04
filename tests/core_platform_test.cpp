// The pure parts of the platform seam, checked on every platform: UTF-8 <-> UTF-16, the Windows command
// line (joined by run() there, split by the child's C runtime) and where the user's folders are.
#define BOOST_TEST_MODULE core_platform
#include <boost/test/unit_test.hpp>

#include <random>
#include <string>
#include <vector>

#include "core/platform.hpp"
#include "core/process.hpp"
#include "core/utf.hpp"

namespace utf = cat::utf;
namespace platform = cat::platform;
using cat::process::split_windows_command_line;
using cat::process::windows_command_line;

BOOST_AUTO_TEST_CASE(utf_round_trips_every_plane) {
    const std::string text = "a\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a ü € 😀 z
    const std::u16string wide = utf::to_utf16(text);
    BOOST_TEST(wide.size() == 6u);  // 😀 is a surrogate pair
    BOOST_TEST((wide[1] == u'\u00FC'));
    BOOST_TEST((wide[3] == 0xD83D));
    BOOST_TEST((wide[4] == 0xDE00));
    BOOST_TEST(utf::to_utf8(wide) == text);
    BOOST_TEST(utf::valid_utf8(text));
}

BOOST_AUTO_TEST_CASE(utf_replaces_what_is_not_well_formed) {
    BOOST_TEST((utf::to_utf16("a\xFF"
                              "b") == u"a\uFFFDb"));
    BOOST_TEST((utf::to_utf16("\xC0\xAF") == u"\uFFFD\uFFFD"));            // an overlong '/'
    BOOST_TEST((utf::to_utf16("\xED\xA0\x80") == u"\uFFFD\uFFFD\uFFFD"));  // a surrogate in UTF-8
    BOOST_TEST((utf::to_utf16("\xE2\x82") == u"\uFFFD\uFFFD"));            // cut short
    BOOST_TEST(!utf::valid_utf8("a\xFF"));
    BOOST_TEST(utf::valid_utf8("\xEF\xBF\xBD"));  // U+FFFD itself
    const char16_t lone[] = {u'x', 0xD800, u'y'};
    BOOST_TEST(utf::to_utf8(std::u16string_view(lone, 3)) == "x\xEF\xBF\xBDy");
}

BOOST_AUTO_TEST_CASE(windows_command_line_quotes_by_the_c_runtime_rules) {
    auto line = windows_command_line({"C:\\Program Files\\helper.exe", "plain", "two words", "", "say \"hi\"",
                                      "C:\\dir\\", "a\\\\\"b", "tab\there"});
    BOOST_REQUIRE(line);
    BOOST_TEST(*line ==
               "\"C:\\Program Files\\helper.exe\" plain \"two words\" \"\" \"say \\\"hi\\\"\" C:\\dir\\ "
               "\"a\\\\\\\\\\\"b\" \"tab\there\"");
    BOOST_TEST(!windows_command_line({"bad\"name.exe"}));
    BOOST_TEST(!windows_command_line({}));
}

BOOST_AUTO_TEST_CASE(windows_command_line_splits_as_commandlinetoargvw) {
    using V = std::vector<std::string>;
    BOOST_TEST((split_windows_command_line("prog a b") == V{"prog", "a", "b"}));
    BOOST_TEST((split_windows_command_line("\"C:\\a b\\p.exe\" x") == V{"C:\\a b\\p.exe", "x"}));
    BOOST_TEST((split_windows_command_line("p a\\\\b \"c d\"") == V{"p", "a\\\\b", "c d"}));
    BOOST_TEST((split_windows_command_line("p a\\\\\\\"b") == V{"p", "a\\\"b"}));  // 3 backslashes, quote
    BOOST_TEST((split_windows_command_line("p \"a\"\"b\"") == V{"p", "a\"b"}));    // "" inside quotes
    BOOST_TEST((split_windows_command_line("p \"\"") == V{"p", ""}));
    BOOST_TEST((split_windows_command_line("C:\\dir\\p.exe \\\\server\\x") == V{"C:\\dir\\p.exe", "\\\\server\\x"}));
}

BOOST_AUTO_TEST_CASE(windows_command_line_round_trips_random_arguments) {
    std::mt19937 rng(13);  // fixed: a failure is reproducible
    const std::string alphabet = "ab \t\\\"\\\"'$%^&|<>";
    for (int round = 0; round < 2000; ++round) {
        std::vector<std::string> argv{"prog.exe"};
        const int n = static_cast<int>(rng() % 5);
        for (int i = 0; i < n; ++i) {
            std::string arg;
            const int len = static_cast<int>(rng() % 8);
            for (int k = 0; k < len; ++k) arg += alphabet[rng() % alphabet.size()];
            argv.push_back(arg);
        }
        auto line = windows_command_line(argv);
        BOOST_REQUIRE(line);
        BOOST_TEST(split_windows_command_line(*line) == argv, "line: " << *line);
    }
}

BOOST_AUTO_TEST_CASE(home_folder_by_platform) {
    cat::Env env;
    env.set("HOME", "/home/u");
    env.set("USERPROFILE", "C:\\Users\\u");
    BOOST_TEST(platform::home_dir(env, false) == "/home/u");
    BOOST_TEST(platform::home_dir(env, true) == "C:\\Users\\u");  // as the AWS CLI on Windows
    env.unset("USERPROFILE");
    env.set("HOMEDRIVE", "D:");
    env.set("HOMEPATH", "\\Users\\u");
    BOOST_TEST(platform::home_dir(env, true) == "D:\\Users\\u");
    env.unset("HOMEDRIVE");
    BOOST_TEST(platform::home_dir(env, true) == "/home/u");  // Git Bash's HOME, when nothing else is set
    BOOST_TEST(platform::home_dir(cat::Env{}, true).empty());
}

BOOST_AUTO_TEST_CASE(per_user_folders_on_windows) {
    cat::Env env;
    BOOST_TEST(platform::local_app_data(env, "C:\\Users\\u") == "C:\\Users\\u\\AppData\\Local");
    BOOST_TEST(platform::app_data(env, "C:\\Users\\u") == "C:\\Users\\u\\AppData\\Roaming");
    BOOST_TEST(platform::local_app_data(env, "").empty());
    env.set("LOCALAPPDATA", "E:\\local");
    env.set("APPDATA", "E:\\roaming");
    BOOST_TEST(platform::local_app_data(env, "C:\\Users\\u") == "E:\\local");
    BOOST_TEST(platform::app_data(env, "C:\\Users\\u") == "E:\\roaming");
}

BOOST_AUTO_TEST_CASE(absolute_paths_by_platform) {
    BOOST_TEST(platform::is_absolute("/etc", false));
    BOOST_TEST(!platform::is_absolute("C:\\x", false));
    for (const char* p : {"C:\\x", "c:/x", "\\\\server\\share", "//server/share"})
        BOOST_TEST(platform::is_absolute(p, true), p);
    for (const char* p : {"x", "C:x", "\\x", ""}) BOOST_TEST(!platform::is_absolute(p, true), p);
}
