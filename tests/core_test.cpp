// core/: Secret wipes what it held; the text helpers and the one set of boolean spellings.
#define BOOST_TEST_MODULE core
#include <boost/test/unit_test.hpp>

#include <array>
#include <cstdint>

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

BOOST_AUTO_TEST_CASE(hex_is_lower_case) {
    const std::array<std::uint8_t, 4> bytes = {0x00, 0x0f, 0xab, 0xff};
    BOOST_TEST(text::hex(bytes) == "000fabff");
}

BOOST_AUTO_TEST_CASE(one_set_of_boolean_spellings) {
    for (auto t : {"true", "TRUE", "True", "yes", "on", "1", " true\n"}) BOOST_TEST((text::parse_bool(t) == true));
    for (auto f : {"false", "FALSE", "no", "off", "0"}) BOOST_TEST((text::parse_bool(f) == false));
    for (auto n : {"", "2", "y", "truee", "enabled"}) BOOST_TEST(!text::parse_bool(n).has_value());
}
