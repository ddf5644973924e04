// URLs and proxy selection. NUL-separated fields: the URL, HTTPS_PROXY, HTTP_PROXY, NO_PROXY.
// http::parse_url (a parsed URL is rebuilt from its parts and parsed again to the same value), then
// ProxySettings::proxy_for for it (for a fixed URL when it does not parse).
#include "fuzz/fuzz_common.hpp"
#include "http/transport.hpp"

using namespace cat;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const auto fields = fuzz::split(fuzz::as_view(data, size), '\0');
    auto field = [&](std::size_t i) { return i < fields.size() ? std::string(fields[i]) : std::string(); };

    http::Url url;
    if (auto parsed = http::parse_url(fields[0])) {
        url = *parsed;
        FUZZ_CHECK(url.scheme == "https" || url.scheme == "http");
        FUZZ_CHECK(!url.host.empty() && url.port != 0);
        FUZZ_CHECK(url.target.starts_with('/') && url.target.find('#') == std::string::npos);
        const std::string host = http::host_header(url);
        FUZZ_CHECK(!host.empty());
        auto again = http::parse_url(url.scheme + "://" + host + url.target);
        FUZZ_CHECK(again);
        FUZZ_CHECK(again->scheme == url.scheme && again->host == url.host && again->port == url.port &&
                   again->target == url.target);
    } else {
        FUZZ_CHECK(parsed.error().kind == ErrorKind::usage);
        fuzz::check_error(parsed.error());
        url = {"https", "codeartifact.us-west-2.amazonaws.com", 443, "/"};
    }

    http::ProxySettings settings{field(1), field(2), field(3)};
    auto proxy = settings.proxy_for(url);
    if (!proxy) {
        const Error& e = proxy.error();
        FUZZ_CHECK(e.kind == ErrorKind::config);
        fuzz::check_error(e);
        // The proxy URL may hold a password: errors never repeat its user information.
        FUZZ_CHECK(e.message.find('@') == std::string::npos);
        return 0;
    }
    if (*proxy) {
        FUZZ_CHECK(!(*proxy)->host.empty());
        FUZZ_CHECK((*proxy)->port != 0);
    }
    return 0;
}
