#include "aws/credentials/role_cache.hpp"

#include <rapidjson/writer.h>

#include "aws/credentials/sso.hpp"
#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "aws/shared_config.hpp"
#include "core/files.hpp"

namespace cat::aws {
namespace {

// A JSON string as Python's json.dumps writes an ASCII one; false for a byte outside ASCII.
bool python_json_string(std::string& out, std::string_view value) {
    static constexpr char hex[] = "0123456789abcdef";
    out += '"';
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80) return false;
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\b') {
            out += "\\b";
        } else if (c == '\f') {
            out += "\\f";
        } else if (u < 0x20 || u == 0x7f) {
            out += u == 0x7f ? "\\u007f" : std::string("\\u00") + hex[u >> 4] + hex[u & 15];
        } else {
            out += c;
        }
    }
    out += '"';
    return true;
}

constexpr std::chrono::minutes expiry_window{15};

}  // namespace

std::string role_cache_file_name(const AssumeRoleParams& p) {
    // json.dumps(args, sort_keys=True): keys in order, ", " and ": " between.
    std::string key = "{";
    bool ok = true;
    const auto member = [&](std::string_view name, std::string_view value, bool quoted) {
        if (key.size() > 1) key += ", ";
        key += '"' + std::string(name) + "\": ";
        if (quoted)
            ok = python_json_string(key, value) && ok;
        else
            key += value;
    };
    if (p.duration_seconds) member("DurationSeconds", std::to_string(*p.duration_seconds), false);
    if (!p.external_id.empty()) member("ExternalId", p.external_id, true);
    member("RoleArn", p.role_arn, true);
    if (!p.role_session_name.empty()) member("RoleSessionName", p.role_session_name, true);
    if (!p.serial_number.empty()) member("SerialNumber", p.serial_number, true);
    key += '}';
    return ok ? sso_cache_file_name(key) : std::string();
}

std::optional<AwsCredentials> read_role_cache(const ProviderContext& ctx, const std::string& path,
                                              std::chrono::system_clock::time_point now) {
    auto content = ctx.read_if_exists ? ctx.read_if_exists(path) : read_optional_file(path);
    if (!content || !*content) return std::nullopt;
    const Secret text(std::move(**content));
    auto creds =
        detail::read_json_in_place(text.view(), [&](const rapidjson::Document& doc) -> std::optional<AwsCredentials> {
            if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
            const auto c = doc.FindMember("Credentials");
            if (c == doc.MemberEnd() || !c->value.IsObject()) return std::nullopt;
            auto ak = detail::string_member(c->value, "AccessKeyId");
            auto sk = detail::string_member(c->value, "SecretAccessKey");
            auto st = detail::string_member(c->value, "SessionToken");
            const auto exp = detail::string_member(c->value, "Expiration");
            if (!ak || !sk || !st || !exp || ak->empty() || sk->empty()) return std::nullopt;
            const auto when = parse_rfc3339(*exp);
            if (!when) return std::nullopt;
            AwsCredentials out{
                {std::move(*ak), std::move(*sk), std::move(*st)}, *when, {}, {}, CredentialSource::assume_role};
            if (const auto user = doc.FindMember("AssumedRoleUser"); user != doc.MemberEnd() && user->value.IsObject())
                out.role_arn = detail::string_member(user->value, "Arn").value_or("");
            return out;
        });
    // In seconds: a far-future Expiration (9999-12-31) in nanoseconds would overflow.
    if (!creds || *creds->expiration - std::chrono::floor<std::chrono::seconds>(now) < expiry_window)
        return std::nullopt;
    return creds;
}

Status write_role_cache(const ProviderContext& ctx, const std::string& path, const AwsCredentials& creds) {
    if (!creds.expiration) return Ok{};
    if (const auto slash = path.find_last_of('/'); slash != std::string::npos)
        if (auto s = files::make_directories(path.substr(0, slash)); !s) return s;
    std::string expiration = format_rfc3339(*creds.expiration);
    expiration.back() = 'U';  // botocore's strftime('%Y-%m-%dT%H:%M:%S%Z'): "...UTC", not "...Z"
    expiration += "TC";
    std::string text;
    text.reserve(256 + 6 * (creds.keys.secret_access_key.size() + creds.keys.session_token.size() +
                            creds.keys.access_key_id.size() + creds.role_arn.size()));
    detail::ReservedStringStream stream{&text};
    rapidjson::Writer<detail::ReservedStringStream> w(stream);
    const auto string = [&](std::string_view s) { w.String(s.data(), static_cast<rapidjson::SizeType>(s.size())); };
    w.StartObject();
    w.Key("Credentials");
    w.StartObject();
    w.Key("AccessKeyId");
    string(creds.keys.access_key_id);
    w.Key("SecretAccessKey");
    string(creds.keys.secret_access_key.view());
    w.Key("SessionToken");
    string(creds.keys.session_token.view());
    w.Key("Expiration");
    string(expiration);
    w.EndObject();
    w.Key("AssumedRoleUser");
    w.StartObject();
    w.Key("Arn");
    string(creds.role_arn);
    w.EndObject();
    w.EndObject();
    const Secret bytes(std::move(text));
    return ctx.write_file ? ctx.write_file(path, bytes.view()) : write_private_file(path, bytes.view());
}

}  // namespace cat::aws
