// The STS client and the web identity providers over a fake transport: request shape and signing, the
// XML reader (entities, malformed and truncated documents), error responses, retries, the providers'
// skip reasons and the GitHub OIDC exchange. (The same paths over real sockets are in sts_moto_test and
// github_oidc_moto_test.)
#define BOOST_TEST_MODULE aws_sts_test
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>

#include "aws/credentials/web_identity.hpp"
#include "aws/rfc3339.hpp"
#include "aws/sts.hpp"
#include "aws/xml.hpp"

#include "fake_transport.hpp"

using namespace cat;
using namespace std::chrono;

namespace {

using test::FakeTransport;
using test::reply;

Error network_error(Stage stage) {
    Error e = Error::make(ErrorKind::network, "connection reset by peer");
    e.stage = stage;
    e.retryable = true;
    return e;
}

std::string header(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view name) {
    for (const auto& [k, v] : headers) {
        if (k.size() != name.size()) continue;
        bool same = true;
        for (std::size_t i = 0; i < k.size(); ++i) same = same && std::tolower(k[i]) == std::tolower(name[i]);
        if (same) return v;
    }
    return {};
}

std::string header(const std::vector<sigv4::Header>& headers, std::string_view name) {
    std::vector<std::pair<std::string, std::string>> pairs;
    for (const auto& h : headers) pairs.emplace_back(h.name, h.value);
    return header(pairs, name);
}

const sys_seconds test_time{sys_days{2026y / November / 28}};
const std::string secret_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const std::string source_token = "SOURCE-SESSION-TOKEN-1234";
const std::string role_arn = "arn:aws:iam::111122223333:role/ci-role";
const std::string web_token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyZXBvOm8vcjpyZWYifQ.c2lnbmF0dXJl";

std::string credentials_xml(std::string_view op, std::string_view secret = "SECRET/KEY+abc",
                            std::string_view expiration = "2026-11-28T12:00:00Z") {
    const std::string o(op);
    return "<" + o + "Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <" + o +
           "Result>\n    <Credentials>\n      <AccessKeyId>ASIAEXAMPLEEXAMPLE01</AccessKeyId>\n"
           "      <SecretAccessKey>" +
           std::string(secret) +
           "</SecretAccessKey>\n      <SessionToken>SESSION+TOKEN/xyz=</SessionToken>\n      <Expiration>" +
           std::string(expiration) +
           "</Expiration>\n    </Credentials>\n    <AssumedRoleUser>\n      "
           "<AssumedRoleId>AROAEXAMPLE:s</AssumedRoleId>\n"
           "      <Arn>arn:aws:sts::111122223333:assumed-role/ci-role/s</Arn>\n    </AssumedRoleUser>\n  </" +
           o + "Result>\n  <ResponseMetadata><RequestId>rid-1</RequestId></ResponseMetadata>\n</" + o + "Response>\n";
}

http::Response sts_error(int status, std::string_view code, std::string_view message) {
    return reply(status,
                 "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n"
                 "    <Type>Sender</Type>\n    <Code>" +
                     std::string(code) + "</Code>\n    <Message>" + std::string(message) +
                     "</Message>\n  </Error>\n  <RequestId>req-42</RequestId>\n</ErrorResponse>\n",
                 {{"Content-Type", "text/xml"}});
}

struct Fixture {
    FakeTransport transport;
    std::vector<milliseconds> sleeps;
    std::vector<std::string> debug_lines;
    aws::AwsCredentials source{{"AKIDEXAMPLE", secret_key, source_token}, std::nullopt, "environment", {}};

    aws::StsConfig config() {
        aws::StsConfig c;
        c.call.transport = &transport;
        c.endpoint = http::Url{"https", "sts.us-west-2.amazonaws.com", 443, "/"};
        c.region = "us-west-2";
        c.call.now = [] { return system_clock::time_point{test_time}; };
        c.call.sleep = [this](milliseconds d) { sleeps.push_back(d); };
        c.call.uniform01 = [] { return 0.5; };
        c.call.debug = [this](const std::string& line) { debug_lines.push_back(line); };
        return c;
    }
    aws::AssumeRoleParams params() {
        aws::AssumeRoleParams p;
        p.role_arn = role_arn;
        p.role_session_name = "my-session";
        return p;
    }
    // No debug line and no error message may hold a secret of the call.
    void check_no_secret(const std::string& text) {
        for (const std::string& s :
             {secret_key, source_token, web_token, std::string("SECRET/KEY+abc"), std::string("SESSION+TOKEN/xyz=")})
            BOOST_TEST(text.find(s) == std::string::npos, "secret in: " << text);
    }
    void check_debug_has_no_secret() {
        for (const auto& line : debug_lines) check_no_secret(line);
    }
};

// Re-signs what went on the wire and compares: the signature covers the headers and the body as sent.
void check_signature(const http::Request& wire, const sigv4::Credentials& creds) {
    sigv4::Request req;
    req.method = wire.method;
    req.host = header(wire.headers, "host");
    req.path = wire.url.target;
    req.body = wire.body;
    for (const auto& [k, v] : wire.headers)
        if (k != "authorization") req.headers.push_back({k, v});
    const sigv4::Context ctx{"us-west-2", "sts", test_time, &creds, {}};
    const std::string sent = header(wire.headers, "authorization");
    BOOST_TEST(header(sigv4::sign(req, ctx).headers, "authorization") == sent);
    const std::string creq = sigv4::canonical_request(sigv4::with_signer_headers(req, ctx), ctx);
    BOOST_TEST(creq.ends_with("\n" + sigv4::hex_sha256(wire.body)));
    req.body += "&Extra=1";
    BOOST_TEST(header(sigv4::sign(req, ctx).headers, "authorization") != sent);
}

}  // namespace

// ---- request shape ----------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(assume_role_request_is_a_signed_form_post, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    auto p = params();
    p.external_id = "ext:id/1";
    p.duration_seconds = 3600;
    auto creds = aws::assume_role(config(), source, p);
    BOOST_REQUIRE(creds.ok());
    BOOST_REQUIRE_EQUAL(transport.sent.size(), 1u);
    const http::Request& r = transport.sent[0];
    BOOST_TEST(r.method == "POST");
    BOOST_TEST(r.url.host == "sts.us-west-2.amazonaws.com");
    BOOST_TEST(r.url.target == "/");
    BOOST_TEST(r.body ==
               "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci-role"
               "&RoleSessionName=my-session&ExternalId=ext%3Aid%2F1&DurationSeconds=3600");
    BOOST_TEST(header(r.headers, "content-type") == "application/x-www-form-urlencoded; charset=utf-8");
    BOOST_TEST(header(r.headers, "host") == "sts.us-west-2.amazonaws.com");
    BOOST_TEST(header(r.headers, "x-amz-date") == "20261128T000000Z");
    BOOST_TEST(header(r.headers, "x-amz-security-token") == source_token);
    BOOST_TEST(!header(r.headers, "user-agent").empty());
    BOOST_TEST(header(r.headers, "authorization")
                   .starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261128/us-west-2/sts/aws4_request, "
                                "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token, Signature="));
    check_signature(r, source.keys);
    check_debug_has_no_secret();
}

BOOST_FIXTURE_TEST_CASE(optional_parameters_are_left_out_and_the_session_name_defaults, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    auto p = params();
    p.role_session_name.clear();
    BOOST_REQUIRE(aws::assume_role(config(), source, p).ok());
    const std::string seconds = std::to_string(test_time.time_since_epoch().count());
    BOOST_TEST(transport.sent[0].body ==
               "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci-role"
               "&RoleSessionName=codeartifact-token-" +
                   seconds);
    BOOST_TEST(aws::default_session_name(system_clock::time_point{test_time}) == "codeartifact-token-" + seconds);
}

BOOST_FIXTURE_TEST_CASE(long_term_source_credentials_send_no_token_header, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    source.keys.session_token.clear();
    BOOST_REQUIRE(aws::assume_role(config(), source, params()).ok());
    const auto& r = transport.sent[0];
    BOOST_TEST(header(r.headers, "x-amz-security-token").empty());
    BOOST_TEST(header(r.headers, "authorization").find("SignedHeaders=content-type;host;x-amz-date, ") !=
               std::string::npos);
    check_signature(r, source.keys);
}

BOOST_FIXTURE_TEST_CASE(endpoint_base_path_and_port_are_kept, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    auto c = config();
    c.endpoint = http::Url{"http", "127.0.0.1", 8080, "/prefix/?ignored=1"};
    BOOST_REQUIRE(aws::assume_role(c, source, params()).ok());
    const auto& r = transport.sent[0];
    BOOST_TEST(r.url.target == "/prefix/");
    BOOST_TEST(r.url.port == 8080);
    BOOST_TEST(header(r.headers, "host") == "127.0.0.1:8080");
    check_signature(r, source.keys);
}

BOOST_FIXTURE_TEST_CASE(web_identity_request_is_unsigned, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    auto p = params();
    p.duration_seconds = 900;
    auto creds = aws::assume_role_with_web_identity(config(), web_token, p);
    BOOST_REQUIRE(creds.ok());
    const auto& r = transport.sent[0];
    BOOST_TEST(r.method == "POST");
    BOOST_TEST(r.url.target == "/");
    BOOST_TEST(r.body ==
               "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole"
               "%2Fci-role&RoleSessionName=my-session&WebIdentityToken=" +
                   web_token + "&DurationSeconds=900");
    BOOST_TEST(header(r.headers, "content-type") == "application/x-www-form-urlencoded; charset=utf-8");
    BOOST_TEST(header(r.headers, "authorization").empty());
    BOOST_TEST(header(r.headers, "x-amz-security-token").empty());
    BOOST_TEST(header(r.headers, "x-amz-date").empty());
    BOOST_TEST(creds->source == "assumed role " + role_arn + " with a web identity token");
    check_debug_has_no_secret();
}

BOOST_FIXTURE_TEST_CASE(form_values_are_percent_encoded, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    auto p = params();
    p.role_arn = "arn:aws:iam::111122223333:role/path with space/r+x";
    BOOST_REQUIRE(aws::assume_role_with_web_identity(config(), "a+b/c=d&e f~", p).ok());
    BOOST_TEST(transport.sent[0].body.find("RoleArn=arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fpath%20with%20space%2Fr"
                                           "%2Bx&") != std::string::npos);
    BOOST_TEST(transport.sent[0].body.find("WebIdentityToken=a%2Bb%2Fc%3Dd%26e%20f~") != std::string::npos);
}

BOOST_FIXTURE_TEST_CASE(parameters_are_validated_before_the_network, Fixture) {
    auto msg = [&](aws::AssumeRoleParams p, bool web = false) {
        auto r =
            web ? aws::assume_role_with_web_identity(config(), web_token, p) : aws::assume_role(config(), source, p);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().kind == ErrorKind::usage));
        return r.error().message;
    };
    auto p = params();
    p.role_arn = "";
    BOOST_TEST(msg(p) == "role_arn is required to assume a role");
    p.role_arn = "arn:short";
    BOOST_TEST(msg(p).starts_with("role_arn \"arn:short\" is invalid"));
    p = params();
    p.role_session_name = "has space";
    BOOST_TEST(msg(p).starts_with("role_session_name \"has space\" is invalid"));
    p.role_session_name = std::string(65, 'a');
    BOOST_TEST(msg(p).starts_with("role_session_name"));
    p = params();
    p.duration_seconds = 899;
    BOOST_TEST(msg(p) == "duration_seconds 899 is invalid: it must be 900 to 43200");
    p.duration_seconds = 43201;
    BOOST_TEST(msg(p) == "duration_seconds 43201 is invalid: it must be 900 to 43200");
    p = params();
    p.external_id = "secret external id with spaces";
    BOOST_TEST(msg(p).find("secret external id") == std::string::npos);
    BOOST_TEST(msg(p, true) == "external_id does not apply to web identity roles");
    auto short_token = aws::assume_role_with_web_identity(config(), "abc", params());
    BOOST_REQUIRE(!short_token.ok());
    BOOST_TEST(short_token.error().message.find("abc") == std::string::npos);
    auto no_source = aws::assume_role(config(), aws::AwsCredentials{}, params());
    BOOST_REQUIRE(!no_source.ok());
    BOOST_TEST((no_source.error().kind == ErrorKind::credentials));
    BOOST_TEST(transport.sent.empty());
}

// ---- responses ------------------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(credentials_come_from_the_response, Fixture) {
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    auto creds = aws::assume_role(config(), source, params());
    BOOST_REQUIRE(creds.ok());
    BOOST_TEST(creds->keys.access_key_id == "ASIAEXAMPLEEXAMPLE01");
    BOOST_TEST(creds->keys.secret_access_key == "SECRET/KEY+abc");
    BOOST_TEST(creds->keys.session_token == "SESSION+TOKEN/xyz=");
    BOOST_REQUIRE(creds->expiration.has_value());
    BOOST_TEST((*creds->expiration == test_time + 12h));
    BOOST_TEST(creds->role_arn == "arn:aws:sts::111122223333:assumed-role/ci-role/s");
    BOOST_TEST(creds->source == "assumed role " + role_arn);
}

BOOST_AUTO_TEST_CASE(entities_are_decoded) {
    auto creds = aws::parse_assume_role_response(
        credentials_xml("AssumeRole", "a&amp;b&lt;c&gt;d&quot;e&apos;f&#47;g&#x2B;h&#x2b;&#0061;"), "AssumeRole");
    BOOST_REQUIRE(creds.ok());
    BOOST_TEST(creds->keys.secret_access_key == "a&b<c>d\"e'f/g+h+=");
    // XML spells hexadecimal references with a lower-case x only.
    BOOST_TEST(!aws::parse_assume_role_response(credentials_xml("AssumeRole", "&#X2b;"), "AssumeRole").ok());
    // CDATA is taken as is; comments and processing instructions are skipped.
    creds = aws::parse_assume_role_response(credentials_xml("AssumeRole", "<![CDATA[x&amp;y]]><!-- c --><?pi x?>z"),
                                            "AssumeRole");
    BOOST_REQUIRE(creds.ok());
    BOOST_TEST(creds->keys.secret_access_key == "x&amp;yz");
}

BOOST_AUTO_TEST_CASE(xml_reader) {
    auto doc = aws::xml::Document::parse(
        "\xEF\xBB\xBF<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n"
        "<p:Root xmlns:p=\"urn:x\" a='1>2' b = \"&quot;\"><p:A>x &#x1F600; &#233;<B/>y</p:A><A>second</A>"
        "<C><![CDATA[<not>&markup;]]></C></p:Root>\n<!-- bye -->\n");
    BOOST_REQUIRE(doc.ok());
    BOOST_TEST(doc->root() == "Root");
    BOOST_REQUIRE(doc->text("Root/A") != nullptr);
    BOOST_TEST(*doc->text("Root/A") == "x \xF0\x9F\x98\x80 \xC3\xA9y");  // the first A; B's text is its own
    BOOST_TEST(*doc->text("Root/A/B") == "");
    BOOST_TEST(*doc->text("Root/C") == "<not>&markup;");
    BOOST_TEST(doc->text("Root/D") == nullptr);
    BOOST_TEST(doc->text("A") == nullptr);  // paths start at the root
    BOOST_TEST(doc->text("Root/A/B/C") == nullptr);
    BOOST_TEST(*doc->text("Root") == "");
}

BOOST_AUTO_TEST_CASE(malformed_xml_is_an_error) {
    const char* bad[] = {
        "",
        "   ",
        "text",
        "<a>",
        "<a></b>",
        "<a><b></a></b>",
        "<a></a><b></b>",
        "<a></a>trailing",
        "<a>&unknown;</a>",
        "<a>&amp</a>",
        "<a>& b</a>",
        "<a>&#;</a>",
        "<a>&#x;</a>",
        "<a>&#0;</a>",
        "<a>&#xD800;</a>",
        "<a>&#x110000;</a>",
        "<a>&#99999999999999;</a>",
        "<a>&#12a;</a>",
        "<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>",
        "<a><!-- unterminated </a>",
        "<a><![CDATA[ unterminated </a>",
        "<?pi unterminated <a></a>",
        "<![CDATA[x]]><a></a>",
        "<a b></a>",
        "<a b=1></a>",
        "<a b=\"1></a>",
        "<a b=\"<\"></a>",
        "<a b=\"1\"c=\"2\"></a>",
        "<a/ >",
        "< a></a>",
        "<1a></1a>",
        "<a></ a>",
        "<a></a x>",
        "<a",
        "<a ",
        "<a b",
        "<a b=",
        "<a/",
        "<a></a",
        "</a>",
    };
    for (const char* text : bad) {
        auto doc = aws::xml::Document::parse(text);
        BOOST_TEST(!doc.ok(), "accepted: " << text);
        if (!doc.ok()) {
            BOOST_TEST(doc.error().message.starts_with("malformed XML: "));
            BOOST_TEST(doc.error().message.find(" at byte ") != std::string::npos);
        }
    }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_refused_without_recursion) {
    std::string deep;
    for (int i = 0; i < 100000; ++i) deep += "<a>";
    auto doc = aws::xml::Document::parse(deep);
    BOOST_REQUIRE(!doc.ok());
    BOOST_TEST(doc.error().message.find("nested too deeply") != std::string::npos);
    std::string ok;
    for (std::size_t i = 0; i < aws::xml::Document::max_depth; ++i) ok += "<a>";
    for (std::size_t i = 0; i < aws::xml::Document::max_depth; ++i) ok += "</a>";
    BOOST_TEST(aws::xml::Document::parse(ok).ok());
}

BOOST_AUTO_TEST_CASE(every_truncation_of_a_response_is_refused) {
    const std::string full = credentials_xml("AssumeRole");
    for (std::size_t n = 0; n + 1 < full.size(); ++n) {
        // Cutting inside the final newline leaves a complete document.
        if (n >= full.rfind('>') + 1) continue;
        auto r = aws::parse_assume_role_response(std::string_view(full).substr(0, n), "AssumeRole");
        BOOST_TEST(!r.ok(), "accepted a truncation at " << n);
        if (!r.ok()) {
            BOOST_TEST(r.error().message.find("SECRET/KEY") == std::string::npos);
            BOOST_TEST((r.error().kind == ErrorKind::network));
        }
    }
}

BOOST_AUTO_TEST_CASE(random_mutations_never_crash) {
    const std::string full = credentials_xml("AssumeRoleWithWebIdentity");
    std::mt19937 gen(12345);
    const std::string alphabet = "<>/&;#x!?[]-=\"' \n\xff\x00aZ09";
    for (int round = 0; round < 20000; ++round) {
        std::string s = full;
        const int edits = 1 + static_cast<int>(gen() % 4);
        for (int e = 0; e < edits; ++e) {
            const std::size_t at = gen() % s.size();
            switch (gen() % 3) {
                case 0: s[at] = alphabet[gen() % alphabet.size()]; break;
                case 1: s.erase(at, 1 + gen() % 8); break;
                default: s.insert(at, 1, alphabet[gen() % alphabet.size()]); break;
            }
            if (s.empty()) s = "<";
        }
        auto r = aws::parse_assume_role_response(s, "AssumeRoleWithWebIdentity");
        if (r.ok()) {
            BOOST_TEST(!r->keys.access_key_id.empty());
            BOOST_TEST(!r->keys.secret_access_key.empty());
            BOOST_TEST(!r->keys.session_token.empty());
        }
        // Random bytes too, through the error parser.
        std::string noise(gen() % 64, '\0');
        for (char& c : noise) c = static_cast<char>(gen() % 256);
        (void)aws::parse_sts_error(reply(400, noise), "AssumeRole");
        (void)aws::parse_sts_error(reply(400, s), "AssumeRole");
    }
}

BOOST_AUTO_TEST_CASE(responses_without_valid_credentials_are_refused) {
    auto why = [](const std::string& xml, std::string_view op = "AssumeRole") {
        auto r = aws::parse_assume_role_response(xml, op);
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST((r.error().kind == ErrorKind::network));
        BOOST_TEST(r.error().message.find("SECRET") == std::string::npos);
        return r.error().message;
    };
    // Another operation's document.
    BOOST_TEST(why(credentials_xml("AssumeRole"), "AssumeRoleWithWebIdentity") ==
               "AssumeRoleWithWebIdentity: unreadable response from the endpoint (not an "
               "AssumeRoleWithWebIdentityResponse document)");
    std::string s = credentials_xml("AssumeRole");
    auto without = [&](std::string_view element) {
        std::string out = s;
        const auto open = out.find("<" + std::string(element) + ">");
        const auto close = out.find("</" + std::string(element) + ">");
        out.erase(open, close + element.size() + 3 - open);
        return out;
    };
    BOOST_TEST(why(without("AccessKeyId")).find("no valid Credentials/AccessKeyId") != std::string::npos);
    BOOST_TEST(why(without("SecretAccessKey")).find("no valid Credentials/SecretAccessKey") != std::string::npos);
    BOOST_TEST(why(without("SessionToken")).find("no valid Credentials/SessionToken") != std::string::npos);
    BOOST_TEST(why(without("Expiration")).find("no valid Credentials/Expiration") != std::string::npos);
    BOOST_TEST(why(credentials_xml("AssumeRole", "SECRET", "tomorrow")).find("Expiration") != std::string::npos);
    // Keys go into headers: no spaces, no control characters, no line breaks.
    BOOST_TEST(why(credentials_xml("AssumeRole", "SECRET&#10;x-injected: 1")).find("SecretAccessKey") !=
               std::string::npos);
    BOOST_TEST(why(credentials_xml("AssumeRole", "SECRET with space")).find("SecretAccessKey") != std::string::npos);
    // AssumedRoleUser is optional; surrounding whitespace is dropped.
    auto r = aws::parse_assume_role_response(without("AssumedRoleUser"), "AssumeRole");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->role_arn.empty());
    r = aws::parse_assume_role_response(credentials_xml("AssumeRole", "\n  SK \n", " 2026-11-28T12:00:00.5Z\n"),
                                        "AssumeRole");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->keys.secret_access_key == "SK");
}

BOOST_AUTO_TEST_CASE(timestamps) {
    auto t = [](std::string_view s) { return aws::parse_rfc3339(s); };
    const sys_seconds noon = test_time + 12h;
    BOOST_TEST((t("2026-11-28T12:00:00Z") == noon));
    BOOST_TEST((t("2026-11-28T12:00:00.123456Z") == noon));
    BOOST_TEST((t("2026-11-28t12:00:00z") == noon));
    BOOST_TEST((t("2026-11-28 12:00:00Z") == noon));
    BOOST_TEST((t("2026-11-28T14:30:00+02:30") == noon));
    BOOST_TEST((t("2026-11-28T10:00:00-0200") == noon));
    BOOST_TEST((t("2024-02-29T00:00:00Z").has_value()));
    for (const char* bad :
         {"", "2026-11-28", "2026-11-28T12:00:00", "2026-11-28T12:00Z", "2026-13-01T00:00:00Z", "2025-02-29T00:00:00Z",
          "2026-11-28T24:00:00Z", "2026-11-28T12:00:00.Z", "2026-11-28T12:00:00+2:00", "2026-11-28T12:00:00Zjunk",
          "+2026-11-28T12:00:00Z", "2026-11-28T12:60:00Z", "1795902251"})
        BOOST_TEST(!t(bad).has_value(), bad);
}

// ---- errors and retries -----------------------------------------------------------------------------

BOOST_FIXTURE_TEST_CASE(sts_errors_carry_code_message_and_request_id, Fixture) {
    transport.replies.push_back(
        sts_error(403, "AccessDenied", "User: arn:aws:iam::1:user/x is not authorized to perform: sts:AssumeRole"));
    auto r = aws::assume_role(config(), source, params());
    BOOST_REQUIRE(!r.ok());
    const Error& e = r.error();
    BOOST_TEST((e.kind == ErrorKind::api));
    BOOST_TEST(e.code == "AccessDenied");
    BOOST_TEST(e.request_id == "req-42");
    BOOST_TEST(e.http_status == 403);
    BOOST_TEST(e.message ==
               "AssumeRole failed: AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: "
               "sts:AssumeRole");
    BOOST_TEST(describe(e) ==
               "AssumeRole failed: AccessDenied: User: arn:aws:iam::1:user/x is not authorized to perform: "
               "sts:AssumeRole (request id req-42, HTTP 403)");
    BOOST_TEST(transport.sent.size() == 1u);  // not retried
    BOOST_TEST(sleeps.empty());
}

BOOST_AUTO_TEST_CASE(error_parsing) {
    // The header's request id wins; entities are decoded; the message is one line.
    auto e = aws::parse_sts_error(
        reply(400,
              "<ErrorResponse><Error><Code>ValidationError</Code><Message>a &lt;b&gt;\nc</Message></Error>"
              "<RequestId>xml-id</RequestId></ErrorResponse>",
              {{"x-amzn-RequestId", "hdr-id"}}),
        "AssumeRoleWithWebIdentity");
    BOOST_TEST(e.code == "ValidationError");
    BOOST_TEST(e.request_id == "hdr-id");
    BOOST_TEST(e.message == "AssumeRoleWithWebIdentity failed: ValidationError: a <b> c");
    BOOST_TEST(!e.retryable);
    // Not XML: the status.
    e = aws::parse_sts_error(reply(502, "<html><body>Bad Gateway</body></html>"), "AssumeRole");
    BOOST_TEST(e.code == "HTTP 502");
    BOOST_TEST(e.message.find("not an STS error") != std::string::npos);
    BOOST_TEST(e.retryable);
    e = aws::parse_sts_error(reply(403, "Forbidden"), "AssumeRole");
    BOOST_TEST(e.code == "HTTP 403");
    BOOST_TEST(!e.retryable);
    // A code without a message.
    e = aws::parse_sts_error(reply(400, "<ErrorResponse><Error><Code>Throttling</Code></Error></ErrorResponse>"),
                             "AssumeRole");
    BOOST_TEST(e.message == "AssumeRole failed: Throttling");
    BOOST_TEST(e.retryable);
    // Overlong messages are cut.
    e = aws::parse_sts_error(sts_error(400, "X", std::string(5000, 'm')), "AssumeRole");
    BOOST_TEST(e.message.size() < 400u);
}

BOOST_FIXTURE_TEST_CASE(throttling_is_retried_with_backoff, Fixture) {
    transport.replies.push_back(sts_error(400, "Throttling", "Rate exceeded"));
    transport.replies.push_back(reply(503, "Service Unavailable"));
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    BOOST_REQUIRE(aws::assume_role(config(), source, params()).ok());
    BOOST_TEST(transport.sent.size() == 3u);
    BOOST_TEST(sleeps == (std::vector<milliseconds>{500ms, 1000ms}));
    // Each attempt is signed afresh and carries the same body.
    for (const auto& r : transport.sent) check_signature(r, source.keys);
}

BOOST_FIXTURE_TEST_CASE(retry_after_is_honoured, Fixture) {
    auto throttled = sts_error(429, "Throttling", "slow down");
    throttled.headers.emplace_back("Retry-After", "3");
    transport.replies.push_back(throttled);
    transport.replies.push_back(reply(200, credentials_xml("AssumeRole")));
    BOOST_REQUIRE(aws::assume_role(config(), source, params()).ok());
    BOOST_TEST(sleeps == (std::vector<milliseconds>{3000ms}));
}

BOOST_FIXTURE_TEST_CASE(network_errors_are_retried_then_reported, Fixture) {
    for (int i = 0; i < 3; ++i) transport.replies.push_back(network_error(Stage::connect));
    auto r = aws::assume_role_with_web_identity(config(), web_token, params());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(transport.sent.size() == 3u);
    BOOST_TEST((r.error().kind == ErrorKind::network));
    BOOST_TEST(r.error().message == "AssumeRoleWithWebIdentity: connection reset by peer (after 3 attempts)");
}

BOOST_FIXTURE_TEST_CASE(idp_communication_errors_are_retried, Fixture) {
    transport.replies.push_back(sts_error(400, "IDPCommunicationError", "the IdP did not answer"));
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    BOOST_REQUIRE(aws::assume_role_with_web_identity(config(), web_token, params()).ok());
    BOOST_TEST(transport.sent.size() == 2u);
}

BOOST_FIXTURE_TEST_CASE(invalid_tokens_are_not_retried_and_never_echoed, Fixture) {
    transport.replies.push_back(
        sts_error(400, "InvalidIdentityToken", "Token " + web_token + " is not valid (" + web_token + ")"));
    auto r = aws::assume_role_with_web_identity(config(), web_token, params());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(transport.sent.size() == 1u);
    BOOST_TEST(r.error().code == "InvalidIdentityToken");
    BOOST_TEST(r.error().message ==
               "AssumeRoleWithWebIdentity failed: InvalidIdentityToken: Token <redacted> is not valid (<redacted>)");
    check_debug_has_no_secret();
}

BOOST_FIXTURE_TEST_CASE(source_secrets_are_never_echoed, Fixture) {
    transport.replies.push_back(
        sts_error(403, "SignatureDoesNotMatch", "key " + secret_key + " token " + source_token));
    auto r = aws::assume_role(config(), source, params());
    BOOST_REQUIRE(!r.ok());
    check_no_secret(r.error().message);
    check_debug_has_no_secret();
}

BOOST_FIXTURE_TEST_CASE(unreadable_success_keeps_status_and_request_id, Fixture) {
    transport.replies.push_back(reply(200, "<AssumeRoleResponse><AssumeRoleResult>", {{"x-amzn-RequestId", "r-9"}}));
    auto r = aws::assume_role(config(), source, params());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::network));
    BOOST_TEST(r.error().http_status == 200);
    BOOST_TEST(r.error().request_id == "r-9");
    BOOST_TEST(r.error().message.starts_with("AssumeRole: unreadable response from the endpoint (malformed XML: "));
    BOOST_TEST(transport.sent.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(signing_needs_a_region_and_a_transport, Fixture) {
    auto c = config();
    c.region.clear();
    auto r = aws::assume_role(c, source, params());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::config));
    c = config();
    c.call.transport = nullptr;
    BOOST_TEST(!aws::assume_role_with_web_identity(c, web_token, params()).ok());
}

// ---- providers ----------------------------------------------------------------------------------------

namespace {

// A directory of its own under $TMPDIR, removed afterwards.
struct TempDir {
    std::filesystem::path path;
    TempDir() {
        std::string tmpl = (std::filesystem::temp_directory_path() / "cat-sts-test.XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& content) const {
        std::ofstream(path / name, std::ios::binary) << content;
        return (path / name).string();
    }
};

struct ProviderFixture : Fixture {
    aws::ProviderContext ctx;
    ProviderFixture() {
        ctx.call.transport = &transport;
        ctx.call.debug = [this](const std::string& line) { debug_lines.push_back(line); };
    }
    // The form parameter `name` of a request body (still encoded).
    static std::string form_value(const std::string& body, const std::string& name) {
        const std::string key = name + "=";
        std::size_t at = body.starts_with(key) ? 0 : body.find("&" + key);
        if (at == std::string::npos) return "<absent>";
        at += body.starts_with(key) && at == 0 ? key.size() : key.size() + 1;
        return body.substr(at, body.find('&', at) - at);
    }
};

const std::string oidc_jwt = "eyJ0eXAiOiJKV1QifQ.eyJhdWQiOiJzdHMuYW1hem9uYXdzLmNvbSJ9.oidc-signature";
const std::string request_token = "REQUEST-TOKEN-abcdef";

}  // namespace

BOOST_FIXTURE_TEST_CASE(env_web_identity_skips_when_unset, ProviderFixture) {
    aws::WebIdentityEnvProvider provider(ctx, config());
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(!r.applies());
    BOOST_TEST(r.reason() == "AWS_WEB_IDENTITY_TOKEN_FILE not set");
    // The role alone does not make it apply.
    ctx.env.set("AWS_ROLE_ARN", role_arn);
    r = provider.resolve();
    BOOST_TEST(!r.applies());
    BOOST_TEST(transport.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(env_web_identity_needs_a_role, ProviderFixture) {
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token");
    aws::WebIdentityEnvProvider provider(ctx, config());
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.applies());
    BOOST_TEST((r.error().kind == ErrorKind::config));
    BOOST_TEST(r.error().message == "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
}

BOOST_FIXTURE_TEST_CASE(env_web_identity_reads_the_token_file, ProviderFixture) {
    TempDir dir;
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("token", web_token + "\n"));
    ctx.env.set("AWS_ROLE_ARN", role_arn);
    ctx.env.set("AWS_ROLE_SESSION_NAME", "from-env");
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    auto sts = config();
    sts.call.transport = nullptr;  // the context's transport is used
    aws::WebIdentityEnvProvider provider(ctx, sts);
    auto r = provider.resolve();
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE_EQUAL(transport.sent.size(), 1u);
    const auto& body = transport.sent[0].body;
    BOOST_TEST(form_value(body, "Action") == "AssumeRoleWithWebIdentity");
    BOOST_TEST(form_value(body, "WebIdentityToken") == web_token);  // the newline is trimmed
    BOOST_TEST(form_value(body, "RoleSessionName") == "from-env");
    BOOST_TEST(form_value(body, "RoleArn") == "arn%3Aaws%3Aiam%3A%3A111122223333%3Arole%2Fci-role");
    BOOST_TEST(header(transport.sent[0].headers, "authorization").empty());
    BOOST_TEST(r->source == "AWS_WEB_IDENTITY_TOKEN_FILE: assumed role " + role_arn + " with a web identity token");
    BOOST_TEST(r->keys.access_key_id == "ASIAEXAMPLEEXAMPLE01");
    check_debug_has_no_secret();
}

BOOST_FIXTURE_TEST_CASE(env_web_identity_file_errors, ProviderFixture) {
    TempDir dir;
    ctx.env.set("AWS_ROLE_ARN", role_arn);
    aws::WebIdentityEnvProvider provider(ctx, config());
    // Missing: the error names the path.
    const std::string missing = (dir.path / "missing").string();
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", missing);
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::credentials));
    BOOST_TEST(r.error().message == "web identity token file: cannot read " + missing + ": No such file or directory");
    // Empty (or only whitespace).
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", dir.write("empty", " \n"));
    r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message == "web identity token file " + (dir.path / "empty").string() + " is empty");
    // A directory.
    ctx.env.set("AWS_WEB_IDENTITY_TOKEN_FILE", dir.path.string());
    r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.find("is a directory") != std::string::npos);
    BOOST_TEST(transport.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(the_context_reads_files, ProviderFixture) {
    std::vector<std::string> asked;
    ctx.read_file = [&](const std::string& path) -> Result<std::string> {
        asked.push_back(path);
        return web_token;
    };
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    auto p = params();
    p.role_session_name.clear();
    auto r = aws::credentials_from_web_identity_file(ctx, config(), "/var/run/secrets/token", p);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(asked == std::vector<std::string>{"/var/run/secrets/token"});
    BOOST_TEST(ProviderFixture::form_value(transport.sent[0].body, "RoleSessionName") ==
               "codeartifact-token-" + std::to_string(test_time.time_since_epoch().count()));
}

BOOST_AUTO_TEST_CASE(read_whole_file) {
    TempDir dir;
    std::string big(100000, 'x');
    big[0] = '\0';
    auto r = aws::read_whole_file(dir.write("big", big));
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == big);
    r = aws::read_whole_file((dir.path / "nope").string());
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.find((dir.path / "nope").string()) != std::string::npos);
    BOOST_TEST(!aws::read_whole_file("").ok());
}

BOOST_FIXTURE_TEST_CASE(github_oidc_skips, ProviderFixture) {
    // No role: nothing to do, whatever the environment.
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/idtoken?api-version=2.0");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    auto no_role = params();
    no_role.role_arn.clear();
    aws::GitHubOidcProvider without_role(ctx, config(), no_role);
    auto r = without_role.resolve();
    BOOST_TEST(!r.applies());
    BOOST_TEST(r.reason() == "no role to assume (role_arn not given)");
    // Not in a job with id-token: write.
    ctx.env.unset("ACTIONS_ID_TOKEN_REQUEST_URL");
    ctx.env.unset("ACTIONS_ID_TOKEN_REQUEST_TOKEN");
    aws::GitHubOidcProvider provider(ctx, config(), params());
    r = provider.resolve();
    BOOST_TEST(!r.applies());
    BOOST_TEST(r.reason().starts_with("ACTIONS_ID_TOKEN_REQUEST_URL not set"));
    // Half configured is an error.
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://token.actions.example/idtoken");
    r = provider.resolve();
    BOOST_TEST(r.applies());
    BOOST_TEST(r.error().message == "ACTIONS_ID_TOKEN_REQUEST_URL is set but ACTIONS_ID_TOKEN_REQUEST_TOKEN is not");
    ctx.env.unset("ACTIONS_ID_TOKEN_REQUEST_URL");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    r = provider.resolve();
    BOOST_TEST(r.applies());
    BOOST_TEST(transport.sent.empty());
}

BOOST_FIXTURE_TEST_CASE(github_oidc_request_shape, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://pipelines.actions.example/abc/idtoken?api-version=2.0");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    transport.replies.push_back(reply(200, R"({"count":1,"value":")" + oidc_jwt + R"("})"));
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    auto p = params();
    p.role_session_name.clear();
    aws::GitHubOidcProvider provider(ctx, config(), p);
    auto r = provider.resolve();
    BOOST_REQUIRE(r.ok());
    BOOST_REQUIRE_EQUAL(transport.sent.size(), 2u);
    const auto& oidc = transport.sent[0];
    BOOST_TEST(oidc.method == "GET");
    BOOST_TEST(oidc.url.scheme == "https");
    BOOST_TEST(oidc.url.host == "pipelines.actions.example");
    BOOST_TEST(oidc.url.target == "/abc/idtoken?api-version=2.0&audience=sts.amazonaws.com");
    BOOST_TEST(header(oidc.headers, "authorization") == "Bearer " + request_token);
    BOOST_TEST(oidc.body.empty());
    const auto& sts = transport.sent[1];
    BOOST_TEST(sts.url.host == "sts.us-west-2.amazonaws.com");
    BOOST_TEST(header(sts.headers, "authorization").empty());
    BOOST_TEST(form_value(sts.body, "Action") == "AssumeRoleWithWebIdentity");
    BOOST_TEST(form_value(sts.body, "WebIdentityToken") == oidc_jwt);
    BOOST_TEST(form_value(sts.body, "RoleSessionName") == "GitHubActions");
    BOOST_TEST(r->source == "GitHub Actions OIDC: assumed role " + role_arn + " with a web identity token");
    for (const auto& line : debug_lines) {
        BOOST_TEST(line.find(request_token) == std::string::npos);
        BOOST_TEST(line.find(oidc_jwt) == std::string::npos);
    }
}

BOOST_FIXTURE_TEST_CASE(github_oidc_url_without_query, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "http://127.0.0.1:8080/token");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    transport.replies.push_back(reply(200, R"({"value":")" + oidc_jwt + R"("})"));
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    aws::GitHubOidcProvider provider(ctx, config(), params());
    BOOST_REQUIRE(provider.resolve().ok());
    BOOST_TEST(transport.sent[0].url.target == "/token?audience=sts.amazonaws.com");
    BOOST_TEST(form_value(transport.sent[1].body, "RoleSessionName") == "my-session");
}

BOOST_FIXTURE_TEST_CASE(github_oidc_endpoint_errors, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://pipelines.actions.example/idtoken?api-version=2.0");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    aws::GitHubOidcProvider provider(ctx, config(), params());
    auto fails = [&](http::Response response) {
        transport.sent.clear();
        transport.replies.clear();
        transport.replies.push_back(std::move(response));
        auto r = provider.resolve();
        BOOST_REQUIRE(!r.ok());
        BOOST_TEST(r.error().message.find(request_token) == std::string::npos);
        BOOST_TEST(r.error().message.find(oidc_jwt) == std::string::npos);
        return r.error();
    };
    Error e = fails(reply(401, R"({"message":"Bearer )" + request_token + R"( expired"})"));
    BOOST_TEST((e.kind == ErrorKind::credentials));
    BOOST_TEST(e.http_status == 401);
    BOOST_TEST(
        e.message.starts_with("GitHub OIDC token request to https://pipelines.actions.example failed: HTTP 401"));
    BOOST_TEST(transport.sent.size() == 1u);  // not retried, and no STS call
    e = fails(reply(200, "<html>not json</html>"));
    BOOST_TEST(e.message.find("is not a JSON object with a \"value\" string") != std::string::npos);
    fails(reply(200, R"({"value":""})"));
    fails(reply(200, R"({"value":5})"));
    fails(reply(200, R"(["value"])"));
    fails(reply(200, ""));
    BOOST_TEST(transport.sent.size() == 1u);
}

BOOST_FIXTURE_TEST_CASE(github_oidc_retries_server_errors, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://pipelines.actions.example/idtoken?api-version=2.0");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    transport.replies.push_back(reply(503, "busy"));
    transport.replies.push_back(network_error(Stage::read));
    transport.replies.push_back(reply(200, R"({"value":")" + oidc_jwt + R"("})"));
    transport.replies.push_back(reply(200, credentials_xml("AssumeRoleWithWebIdentity")));
    aws::GitHubOidcProvider provider(ctx, config(), params());
    BOOST_REQUIRE(provider.resolve().ok());
    BOOST_TEST(transport.sent.size() == 4u);
    BOOST_TEST(sleeps == (std::vector<milliseconds>{500ms, 1000ms}));
    // And gives up after max_attempts.
    transport.sent.clear();
    for (int i = 0; i < 3; ++i) transport.replies.push_back(reply(500, "down"));
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.ends_with("failed: HTTP 500 (after 3 attempts)"));
}

BOOST_FIXTURE_TEST_CASE(github_oidc_then_sts_error, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "https://pipelines.actions.example/idtoken?api-version=2.0");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    transport.replies.push_back(reply(200, R"({"value":")" + oidc_jwt + R"("})"));
    transport.replies.push_back(sts_error(400, "InvalidIdentityToken", "No OpenIDConnect provider found"));
    aws::GitHubOidcProvider provider(ctx, config(), params());
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().code == "InvalidIdentityToken");
    BOOST_TEST(r.error().message ==
               "AssumeRoleWithWebIdentity failed: InvalidIdentityToken: No OpenIDConnect provider found");
}

BOOST_FIXTURE_TEST_CASE(github_oidc_bad_url, ProviderFixture) {
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_URL", "not a url");
    ctx.env.set("ACTIONS_ID_TOKEN_REQUEST_TOKEN", request_token);
    aws::GitHubOidcProvider provider(ctx, config(), params());
    auto r = provider.resolve();
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message.starts_with("ACTIONS_ID_TOKEN_REQUEST_URL is not a usable URL"));
    BOOST_TEST(transport.sent.empty());
}
