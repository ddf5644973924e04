// Small helpers the HTTP-based and file-based providers of this folder share (internal to aws/).
#pragma once

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/credentials/provider.hpp"
#include "core/json.hpp"
#include "core/secret.hpp"

namespace cat::aws::detail {

// The transport a provider sends through: ctx.call.transport when set, else one of its own made from
// ctx.transport_options with the provider's timeouts, and without the proxy when `use_proxy` is false
// (botocore sends container credential requests directly).
class ProviderTransport {
public:
    ProviderTransport(const ProviderContext& ctx, std::chrono::milliseconds connect_timeout,
                      std::chrono::milliseconds read_timeout, bool use_proxy = true) {
        if (ctx.call.transport != nullptr) {
            transport_ = ctx.call.transport;
            return;
        }
        http::Options options = ctx.transport_options;
        options.connect_timeout = connect_timeout;
        options.read_timeout = read_timeout;
        if (!use_proxy) options.proxy = {};
        owned_ = http::make_transport(std::move(options));
        transport_ = owned_.get();
    }
    http::Transport& operator*() const { return *transport_; }
    http::Transport* operator->() const { return transport_; }

private:
    std::unique_ptr<http::Transport> owned_;
    http::Transport* transport_ = nullptr;
};

inline void debug(const ProviderContext& ctx, const std::string& message) {
    if (ctx.call.debug) ctx.call.debug(message);
}

inline void warn(const ProviderContext& ctx, const std::string& message) {
    if (ctx.warn)
        ctx.warn(message);
    else
        debug(ctx, "warning: " + message);
}

// The call options of a provider's own requests: ctx.call with `transport` and, when given, its own
// policy and per-attempt timeout.
inline CallOptions call_options(const ProviderContext& ctx, http::Transport& transport,
                                std::optional<RetryPolicy> policy = std::nullopt,
                                std::optional<std::chrono::milliseconds> attempt_timeout = std::nullopt) {
    CallOptions options = ctx.call;
    options.transport = &transport;
    if (policy) options.retry = *policy;
    if (attempt_timeout) options.attempt_timeout = *attempt_timeout;
    return options;
}

// Parses `json` in place in a copy that is wiped afterwards (the parsed strings point into the copy, so
// the parser leaves no copy of a secret behind) and returns what `read` makes of the document; `read`
// must copy out what it keeps.
template <class Read>
auto read_json_in_place(std::string_view json, Read&& read) {
    struct Buffer {
        explicit Buffer(std::string_view s) : text(s) {}
        Buffer(const Buffer&) = delete;
        Buffer& operator=(const Buffer&) = delete;
        ~Buffer() { wipe(text); }
        std::string text;
    } buffer(json);
    rapidjson::Document doc;
    json::parse_insitu(doc, buffer.text);
    return read(static_cast<const rapidjson::Document&>(doc));
}

// A file a credential source names (a token file, a credentials file), read with ctx.read_file: a failure
// is ErrorKind::credentials, its message "<what>: <why, naming the path>".
inline Result<std::string> read_source_file(const ProviderContext& ctx, const std::string& path,
                                            std::string_view what) {
    auto content = ctx.read_file ? ctx.read_file(path) : read_whole_file(path);
    if (content) return content;
    Error e = std::move(content).error();
    e.kind = ErrorKind::credentials;
    e.message = std::string(what) + ": " + e.message;
    return e;
}

// A RapidJSON output stream into a string reserved up front, so it never reallocates (and leaves no copy
// of a secret in a freed buffer).
struct ReservedStringStream {
    using Ch = char;
    std::string* out;
    void Put(char c) { out->push_back(c); }
    void Flush() {}
};

// A rapidjson string member, or nullopt when absent or not a string.
template <class Value>
std::optional<std::string> string_member(const Value& obj, const char* name) {
    const auto it = obj.FindMember(name);
    if (it == obj.MemberEnd() || !it->value.IsString()) return std::nullopt;
    return std::string(it->value.GetString(), it->value.GetStringLength());
}

// Text from outside (a server's message) made fit for a one-line error: control characters become
// spaces, and it is cut to `max` bytes.
inline std::string one_line(std::string_view s, std::size_t max = 200) {
    std::string out;
    for (char c : s.substr(0, max)) {
        const auto u = static_cast<unsigned char>(c);
        out += (u < 0x20 || u == 0x7f) ? ' ' : c;
    }
    if (s.size() > max) out += "...";
    return out;
}

// A value that may go into an HTTP header: no control characters (so no CR or LF).
inline bool header_safe(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && c != '\t') || u == 0x7f) return false;
    }
    return true;
}

// "http://host:port/path" without the query, for messages.
inline std::string describe_url(const http::Url& url) {
    return url.scheme + "://" + http::host_header(url) + url.target.substr(0, url.target.find('?'));
}

// A JSON object of string members (in order), in a string reserved for the worst case (the caller holds
// it as a Secret or sends it as a body, which the caller wipes).
using JsonMembers = std::vector<std::pair<const char*, std::string_view>>;
inline std::string json_object(const JsonMembers& members) {
    std::size_t size = 2;
    for (const auto& [key, value] : members) size += std::string_view(key).size() + value.size() * 6 + 6;
    std::string text;
    text.reserve(size);
    ReservedStringStream stream{&text};
    rapidjson::Writer<ReservedStringStream> w(stream);
    w.StartObject();
    for (const auto& [key, value] : members) {
        w.Key(key);
        w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
    }
    w.EndObject();
    return text;
}

// A DNS label (letters, digits, inner hyphens): what a region must be before it goes into a host name.
inline bool host_label(std::string_view s) {
    if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
    for (char c : s)
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) return false;
    return true;
}

// The endpoint `base` (a configured endpoint URL or the regional one) with `path` after its own path
// (trailing slashes and any query dropped); an invalid URL is ErrorKind::config naming `what` ("the SSO
// OIDC endpoint URL: ...").
inline Result<http::Url> endpoint_with_path(const std::string& base, std::string_view what, std::string_view path) {
    auto url = http::parse_url(base);
    if (!url) {
        Error e = std::move(url).error();
        e.kind = ErrorKind::config;
        e.message = "the " + std::string(what) + " endpoint URL: " + e.message;
        return e;
    }
    std::string own = url->target.substr(0, url->target.find('?'));
    while (!own.empty() && own.back() == '/') own.pop_back();
    url->target = own + std::string(path);
    return url;
}

}  // namespace cat::aws::detail
