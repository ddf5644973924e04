// The shared config file reader.
#define BOOST_TEST_MODULE aws_ini_test
#include <boost/test/unit_test.hpp>

#include "aws/ini.hpp"

using cat::aws::parse_ini;

BOOST_AUTO_TEST_CASE(sections_keys_and_comments) {
    auto f = parse_ini(
        "# comment\n"
        "; another\n"
        "[default]\n"
        "region = us-west-2\n"
        "AWS_Access_Key_ID=AKID\n"
        "\n"
        "[profile ci]  \n"
        "  role_arn   =   arn:aws:iam::111122223333:role/ci   \n"
        "source_profile: default\n"
        "endpoint_url = https://example.com:8443/x?y=z#frag\n",
        "config");
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->sections.size() == 2u);
    const auto& d = f->sections.at("default");
    BOOST_TEST(d.get("region") == "us-west-2");
    BOOST_TEST(d.get("aws_access_key_id") == "AKID");  // keys are folded to lower case
    const auto& ci = f->sections.at("profile ci");
    BOOST_TEST(ci.get("role_arn") == "arn:aws:iam::111122223333:role/ci");
    BOOST_TEST(ci.get("source_profile") == "default");
    BOOST_TEST(ci.get("endpoint_url") == "https://example.com:8443/x?y=z#frag");
}

BOOST_AUTO_TEST_CASE(nested_blocks) {
    auto f = parse_ini(
        "[services dev]\n"
        "codeartifact =\n"
        "  endpoint_url = http://127.0.0.1:1234\n"
        "  Other = x\n"
        "sts =\n"
        "\tendpoint_url = http://127.0.0.1:5678\n"
        "[profile p]\n"
        "services = dev\n",
        "config");
    BOOST_REQUIRE(f.ok());
    const auto& s = f->sections.at("services dev");
    BOOST_TEST(s.nested.at("codeartifact").at("endpoint_url") == "http://127.0.0.1:1234");
    BOOST_TEST(s.nested.at("codeartifact").at("other") == "x");
    BOOST_TEST(s.nested.at("sts").at("endpoint_url") == "http://127.0.0.1:5678");
    BOOST_TEST(f->sections.at("profile p").get("services") == "dev");
}

BOOST_AUTO_TEST_CASE(duplicate_sections_are_refused_as_botocore_does) {
    const auto f = parse_ini("[a]\nx = 1\ny = 2\n[b]\nz = 3\n[ a ]\ny = 20\n", "credentials");
    BOOST_REQUIRE(!f.ok());
    BOOST_TEST(f.error().message == "credentials line 6: section [a] is given twice (first at line 1)");
    BOOST_TEST(exit_code(f.error().kind) == 6);
    BOOST_TEST(!parse_ini("[default]\nregion = us-east-1\n[default]\n", "config").ok());
}

BOOST_AUTO_TEST_CASE(continuation_lines_and_crlf) {
    auto f = parse_ini("\xEF\xBB\xBF[a]\r\nk = first\r\n  second\r\n", "f");
    BOOST_REQUIRE(f.ok());
    BOOST_TEST(f->sections.at("a").get("k") == "first\nsecond");
}

BOOST_AUTO_TEST_CASE(errors_name_file_and_line) {
    BOOST_TEST(parse_ini("key = v\n", "~/.aws/config").error().message ==
               "~/.aws/config line 1: a setting before any [section]");
    BOOST_TEST(parse_ini("[a]\nnot a setting\n", "f").error().message ==
               "f line 2: expected \"key = value\", a [section] or a comment");
    BOOST_TEST(parse_ini("[a\n", "f").error().message == "f line 1: a section header must end with ']'");
    BOOST_TEST(parse_ini("[ ]\n", "f").error().message == "f line 1: empty section name");
    BOOST_TEST(parse_ini("[a]\n= v\n", "f").error().message == "f line 2: a setting without a name");
    BOOST_TEST(exit_code(parse_ini("x", "f").error().kind) == 6);
}

BOOST_AUTO_TEST_CASE(empty_input) {
    BOOST_TEST(parse_ini("", "f")->sections.empty());
    BOOST_TEST(parse_ini("\n\n# only comments\n", "f")->sections.empty());
}
