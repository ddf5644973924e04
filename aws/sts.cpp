#include "aws/sts.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "aws/rfc3339.hpp"
#include "aws/xml.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::aws {
namespace {

constexpr std::string_view service = "sts";
constexpr std::string_view api_version = "2011-06-15";
constexpr std::string_view form_content_type = "application/x-www-form-urlencoded; charset=utf-8";

using Form = std::vector<std::pair<std::string_view, std::string_view>>;

// What one call sends, and what its error messages must not repeat.
struct Call {
    std::string_view operation;
    Secret body;                                      // it may hold a web identity token
    const sigv4::Credentials* credentials = nullptr;  // nullptr: unsigned
    std::vector<std::string_view> secrets;
};

Error usage(std::string msg) {
    return Error::make(ErrorKind::usage, std::move(msg));
}

bool word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The model's `[\w<extra>]*` patterns.
bool only(std::string_view s, std::string_view extra) {
    return std::all_of(s.begin(), s.end(),
                       [&](char c) { return word_char(c) || extra.find(c) != std::string_view::npos; });
}

Status validate(const AssumeRoleParams& p, bool web_identity) {
    if (p.role_arn.empty()) return usage("role_arn is required to assume a role");
    if (p.role_arn.size() < 20 || p.role_arn.size() > 2048)
        return usage("role_arn \"" + p.role_arn + "\" is invalid: it must be 20 to 2048 characters");
    const std::string& name = p.role_session_name;
    if (!name.empty() && (name.size() < 2 || name.size() > 64 || !only(name, "+=,.@-")))
        return usage("role_session_name \"" + name +
                     "\" is invalid: it must be 2 to 64 characters of A-Z, a-z, 0-9 and +=,.@_-");
    const std::string& id = p.external_id;
    if (!id.empty() && web_identity) return usage("external_id does not apply to web identity roles");
    if (!id.empty() && (id.size() < 2 || id.size() > 1224 || !only(id, "+=,.@:/-")))
        return usage("external_id is invalid: it must be 2 to 1224 characters of A-Z, a-z, 0-9 and +=,.@:/_-");
    if (!p.serial_number.empty() && (p.serial_number.size() < 9 || p.serial_number.size() > 256))
        return usage("mfa_serial \"" + p.serial_number + "\" is invalid: it must be 9 to 256 characters");
    if (!p.serial_number.empty() && p.token_code.size() != 6)
        return usage("the MFA code is invalid: it must be the 6 digits the device shows (" +
                     std::to_string(p.token_code.size()) + " characters were entered)");
    if (p.duration_seconds && (*p.duration_seconds < 900 || *p.duration_seconds > 43200))
        return usage("duration_seconds " + std::to_string(*p.duration_seconds) +
                     " is invalid: it must be 900 to 43200");
    return Ok{};
}

std::string form_body(const Form& form) {
    std::string body;
    for (const auto& [name, value] : form) {
        if (!body.empty()) body += '&';
        body += sigv4::uri_encode(name, false);
        body += '=';
        std::string encoded = sigv4::uri_encode(value, false);
        body += encoded;
        wipe(encoded);  // the value may be a web identity token
    }
    return body;
}

using text::trim;

// Printable ASCII without spaces: what keys and tokens are, and what may go into a header.
bool token_chars(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c > ' ' && c < 0x7f; });
}

// One printable line of at most `max` bytes, for text that came from the network.
std::string clean_line(std::string_view s, std::size_t max) {
    std::string out;
    for (char c : trim(s).substr(0, max)) out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    return out;
}

Error unreadable(std::string_view operation, std::string_view why) {
    Error e = Error::make(ErrorKind::network, std::string(operation) + ": unreadable response from the endpoint (" +
                                                  std::string(why) + ")");
    e.stage = Stage::read;
    return e;
}

bool retryable(const Error& e) {
    // botocore's _retry.json retries STS's IDPCommunicationError (the identity provider did not answer).
    return is_retryable(e) || (e.kind == ErrorKind::api && e.code == "IDPCommunicationError");
}

Result<http::Response> send(const StsConfig& config, const Call& call) {
    if (call.credentials != nullptr && config.region.empty())
        return Error::make(ErrorKind::config, std::string(call.operation) + ": no region to sign the request for");
    const CallOptions& options = config.call;
    sigv4::KeyCache keys;
    const auto build = [&](int) {
        sigv4::Request req;
        req.method = "POST";
        req.host = http::host_header(config.endpoint);
        req.path = with_base_path(config.endpoint, "/");
        req.headers.push_back({"Content-Type", std::string(form_content_type)});
        req.headers.push_back({"User-Agent", options.user_agent});
        req.body = call.body.reveal();
        if (call.credentials != nullptr) {
            const sigv4::Context ctx{
                config.region, service, std::chrono::floor<std::chrono::seconds>(now(options)), call.credentials, {}};
            req = sigv4::sign(std::move(req), ctx, &keys);
        }
        return to_wire(std::move(req), config.endpoint);
    };
    const auto classify = [&](const http::Response& r) -> std::optional<Error> {
        if (r.status >= 200 && r.status < 300) return std::nullopt;
        Error e = parse_sts_error(r, call.operation);
        if (options.retry.mode == RetryMode::legacy) e.retryable = is_retryable(e, RetryMode::legacy);
        return e;
    };
    return send_with_retries(options, {std::string(call.operation), {}, call.secrets}, build, classify);
}

Result<AwsCredentials> run(const StsConfig& config, const Call& call, const AssumeRoleParams& params,
                           std::string source, CredentialSource kind) {
    auto response = send(config, call);
    if (!response) return std::move(response).error();
    auto creds = parse_assume_role_response(response->body, call.operation);
    wipe(response->body);
    if (!creds) {
        Error e = std::move(creds).error();
        e.http_status = response->status;
        e.request_id = clean_line(response->header("x-amzn-RequestId"), 100);
        return e;
    }
    creds->source = std::move(source);
    creds->kind = kind;
    if (creds->role_arn.empty()) creds->role_arn = params.role_arn;
    if (config.call.debug) config.call.debug(std::string(call.operation) + ": got credentials for " + creds->role_arn);
    return creds;
}

}  // namespace

std::string default_session_name(std::chrono::system_clock::time_point now) {
    return "codeartifact-token-" +
           std::to_string(std::chrono::floor<std::chrono::seconds>(now.time_since_epoch()).count());
}

Result<AwsCredentials> assume_role(const StsConfig& config, const AwsCredentials& source,
                                   const AssumeRoleParams& params) {
    if (auto st = validate(params, false); !st) return st.error();
    if (source.keys.access_key_id.empty() || source.keys.secret_access_key.empty())
        return Error::make(ErrorKind::credentials, "AssumeRole needs source credentials to sign the request with");
    const std::string session =
        params.role_session_name.empty() ? default_session_name(now(config.call)) : params.role_session_name;
    const std::string duration = params.duration_seconds ? std::to_string(*params.duration_seconds) : "";
    Form form = {
        {"Action", "AssumeRole"}, {"Version", api_version}, {"RoleArn", params.role_arn}, {"RoleSessionName", session}};
    if (!params.external_id.empty()) form.emplace_back("ExternalId", params.external_id);
    if (!duration.empty()) form.emplace_back("DurationSeconds", duration);
    if (!params.serial_number.empty()) {
        form.emplace_back("SerialNumber", params.serial_number);
        form.emplace_back("TokenCode", params.token_code);
    }
    Call call{"AssumeRole",
              form_body(form),
              &source.keys,
              {source.keys.secret_access_key.view(), source.keys.session_token.view()}};
    return run(config, call, params, "assumed role " + params.role_arn, CredentialSource::assume_role);
}

Result<AwsCredentials> assume_role_with_web_identity(const StsConfig& config, const std::string& web_identity_token,
                                                     const AssumeRoleParams& params) {
    if (auto st = validate(params, true); !st) return st.error();
    if (web_identity_token.size() < 4 || web_identity_token.size() > 20000)
        return usage("the web identity token is invalid: it must be 4 to 20000 characters (it has " +
                     std::to_string(web_identity_token.size()) + ")");
    const std::string session =
        params.role_session_name.empty() ? default_session_name(now(config.call)) : params.role_session_name;
    const std::string duration = params.duration_seconds ? std::to_string(*params.duration_seconds) : "";
    Form form = {{"Action", "AssumeRoleWithWebIdentity"},
                 {"Version", api_version},
                 {"RoleArn", params.role_arn},
                 {"RoleSessionName", session},
                 {"WebIdentityToken", web_identity_token}};
    if (!duration.empty()) form.emplace_back("DurationSeconds", duration);
    Call call{"AssumeRoleWithWebIdentity", form_body(form), nullptr, {web_identity_token}};
    return run(config, call, params, "assumed role " + params.role_arn + " with a web identity token",
               CredentialSource::web_identity);
}

Result<AwsCredentials> parse_assume_role_response(std::string_view xml, std::string_view operation) {
    const std::string op(operation);
    auto doc = xml::Document::parse(xml);
    if (!doc) return unreadable(operation, doc.error().message);
    if (doc->root() != op + "Response") return unreadable(operation, "not an " + op + "Response document");
    const std::string result = op + "Response/" + op + "Result/";
    auto field = [&](std::string_view path) {
        const std::string* text = doc->text(result + std::string(path));
        return text == nullptr ? std::string_view() : trim(*text);
    };
    const std::string_view ak = field("Credentials/AccessKeyId");
    const std::string_view sk = field("Credentials/SecretAccessKey");
    const std::string_view token = field("Credentials/SessionToken");
    const std::string_view expiration = field("Credentials/Expiration");
    const std::string_view arn = field("AssumedRoleUser/Arn");
    if (ak.empty() || !token_chars(ak)) return unreadable(operation, "no valid Credentials/AccessKeyId");
    if (sk.empty() || !token_chars(sk)) return unreadable(operation, "no valid Credentials/SecretAccessKey");
    if (token.empty() || !token_chars(token)) return unreadable(operation, "no valid Credentials/SessionToken");
    const auto expires = parse_rfc3339(expiration);
    if (!expires) return unreadable(operation, "no valid Credentials/Expiration");
    if (!token_chars(arn)) return unreadable(operation, "AssumedRoleUser/Arn is not a valid ARN");

    AwsCredentials creds;
    creds.keys = sigv4::Credentials(std::string(ak), std::string(sk), std::string(token));
    creds.expiration = *expires;
    creds.role_arn = std::string(arn);
    creds.source = arn.empty() ? std::string("assumed role") : "assumed role " + creds.role_arn;
    return creds;
}

Error parse_sts_error(const http::Response& response, std::string_view operation) {
    std::string request_id = clean_line(response.header("x-amzn-RequestId"), 100);
    std::string code;
    std::string message;
    if (auto doc = xml::Document::parse(response.body); doc && doc->root() == "ErrorResponse") {
        auto text = [&](std::string_view path) {
            const std::string* t = doc->text(path);
            return t == nullptr ? std::string_view() : std::string_view(*t);
        };
        code = clean_line(text("ErrorResponse/Error/Code"), 100);
        message = clean_line(text("ErrorResponse/Error/Message"), 300);
        if (request_id.empty()) request_id = clean_line(text("ErrorResponse/RequestId"), 100);
    }
    const bool aws_error = !code.empty();
    Error e = api_error(response.status, operation, std::move(code), message, aws_error, "an STS error");
    e.request_id = std::move(request_id);
    e.retryable = retryable(e);
    return e;
}

}  // namespace cat::aws
