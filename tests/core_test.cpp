// core/: Secret wipes what it held; the text helpers and the one set of boolean spellings; the bounded JSON
// parse; error lines made printable and bounded.
#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>

#include <rapidjson/document.h>

#include <string>

#include "core/error.hpp"
#include "core/json.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

using cat::Secret;
namespace text = cat::text;

BOOST_AUTO_TEST_CASE(secret_reveals_compares_and_clears) {
    Secret s = std::string("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    BOOST_TEST(s.reveal() == "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
    BOOST_TEST(s.size() == 40u);
    Secret copy = s;
    BOOST_TEST((copy == s));
    s.clear();
    BOOST_TEST(s.empty());
    BOOST_TEST(!copy.empty());
}

BOOST_AUTO_TEST_CASE(secret_move_leaves_nothing_behind) {
    Secret a("short");  // short-string storage: a move copies the bytes, so the source must be wiped
    Secret b = std::move(a);
    BOOST_TEST(b.reveal() == "short");
    BOOST_TEST(a.empty());  // NOLINT(bugprone-use-after-move): the point of the test
    Secret c;
    c = std::move(b);
    BOOST_TEST(c.reveal() == "short");
    BOOST_TEST(b.empty());  // NOLINT(bugprone-use-after-move)
}

BOOST_AUTO_TEST_CASE(wipe_overwrites_the_whole_buffer) {
    std::string s(64, 'k');
    s.resize(3);
    const char* data = s.data();
    cat::wipe(s);
    BOOST_TEST(s.empty());
    for (std::size_t i = 0; i < 64; ++i) BOOST_TEST(data[i] == '\0');
}

BOOST_AUTO_TEST_CASE(case_and_trim) {
    BOOST_TEST(text::lower("X-Amz-Date") == "x-amz-date");
    BOOST_TEST(text::iequals("Content-Type", "content-type"));
    BOOST_TEST(!text::iequals("abc", "abcd"));
    BOOST_TEST(text::istarts_with("HTTPS://x", "https://"));
    BOOST_TEST(!text::istarts_with("http", "https"));
    BOOST_TEST(text::trim("  a b\t\r\n") == "a b");
    BOOST_TEST(text::trim(" \t ").empty());
}

BOOST_AUTO_TEST_CASE(folded_names_ignore_case_dashes_and_underscores) {
    BOOST_TEST(text::fold("Domain-Owner") == "domainowner");
    for (std::string_view a : {"Domain-Owner", "domain_owner", "DOMAINOWNER", "-domain--owner_"}) {
        BOOST_TEST(text::fold_equal(a, "domain_owner"));
        BOOST_TEST(text::fold_equal(a, "domain_owner") == (text::fold(a) == text::fold("domain_owner")));
    }
    BOOST_TEST(!text::fold_equal("domain", "domain_owner"));
    BOOST_TEST(!text::fold_equal("domain-ownerx", "domain_owner"));
    BOOST_TEST(text::fold_equal("", "--"));
}

BOOST_AUTO_TEST_CASE(hex_is_lower_case) {
    const std::array<std::uint8_t, 4> bytes = {0x00, 0x0f, 0xab, 0xff};
    BOOST_TEST(text::hex(bytes) == "000fabff");
}

BOOST_AUTO_TEST_CASE(one_set_of_boolean_spellings) {
    for (auto t : {"true", "TRUE", "True", "yes", "on", "1", " true\n"}) BOOST_TEST((text::parse_bool(t) == true));
    for (auto f : {"false", "FALSE", "no", "off", "0"}) BOOST_TEST((text::parse_bool(f) == false));
    for (auto n : {"", "2", "y", "truee", "enabled"}) BOOST_TEST(!text::parse_bool(n).has_value());
}

BOOST_AUTO_TEST_CASE(json_depth_is_counted_outside_strings) {
    namespace json = cat::json;
    BOOST_TEST(!json::too_deep(R"({"a":[1,{"b":[]}]})"));
    BOOST_TEST(!json::too_deep(std::string(64, '[') + std::string(64, ']')));
    BOOST_TEST(json::too_deep(std::string(65, '[')));
    BOOST_TEST(json::too_deep("[[[", 2));
    BOOST_TEST(!json::too_deep("[][][][]", 1));  // siblings are not nesting
    // Brackets inside strings, also after an escaped quote, do not count.
    BOOST_TEST(!json::too_deep("[\"" + std::string(100, '[') + "\"]"));
    BOOST_TEST(!json::too_deep(R"(["\"[[[[", "\\"])", 1));
    BOOST_TEST(json::too_deep(R"(["\\"[[)", 2));  // the string ends after an escaped backslash
}

BOOST_AUTO_TEST_CASE(json_parse_refuses_deep_documents_and_nul_bytes) {
    rapidjson::Document doc;
    BOOST_TEST(cat::json::parse(doc, R"({"a":["b"]})"));
    BOOST_TEST(doc.IsObject());
    // 200,000 levels: RapidJSON's recursive parser would overflow the stack.
    BOOST_TEST(!cat::json::parse(doc, std::string(200000, '[')));
    BOOST_TEST(doc.HasParseError());
    BOOST_TEST(!cat::json::parse(doc, std::string("{}\0{\"x\":1}", 10)));
    BOOST_TEST(doc.HasParseError());
    std::string buffer = R"({"k":"v"})";
    BOOST_TEST(cat::json::parse_insitu(doc, buffer));
    BOOST_TEST(std::string(doc["k"].GetString()) == "v");
    buffer = std::string(100000, '{');
    BOOST_TEST(!cat::json::parse_insitu(doc, buffer));
    BOOST_TEST(doc.HasParseError());
}

BOOST_AUTO_TEST_CASE(error_lines_are_printable_and_bounded) {
    using cat::printable;
    BOOST_TEST(printable("plain text: ok") == "plain text: ok");
    BOOST_TEST(printable("a\nb\rc\td") == "a b c d");
    BOOST_TEST(printable(std::string("\x1b[31mred\x07\0end", 13)) == "\\x1b[31mred\\x07\\x00end");
    BOOST_TEST(printable("del\x7f") == "del\\x7f");
    BOOST_TEST(printable("caf\xc3\xa9 \xe2\x80\xa6") == "caf\xc3\xa9 \xe2\x80\xa6");  // UTF-8 stays
    BOOST_TEST(printable("c1 \xc2\x9b") == "c1 \\xc2\\x9b");                          // a C1 control (CSI) does not
    BOOST_TEST(printable("bad \xff \xc3") == "bad \\xff \\xc3");                      // nor broken UTF-8
    const std::string cut = printable(std::string(5000, 'x'), 200);
    BOOST_TEST(cut == std::string(200, 'x') + "…");
    BOOST_TEST(cat::quoted(std::string(1000, 'v')).size() == 1 + 200 + 3 + 1);

    auto e = cat::Error::make(cat::ErrorKind::usage, "domain \"" + std::string(1000000, 'd') + "\x1b\" is invalid");
    const std::string line = cat::describe(e);
    BOOST_TEST(line.size() <= cat::max_line_bytes + 3);
    BOOST_TEST(line.find('\x1b') == std::string::npos);
    BOOST_TEST(line.find('\n') == std::string::npos);
}
