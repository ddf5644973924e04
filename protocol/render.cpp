#include "protocol/render.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <array>
#include <cstring>

#include "aws/rfc3339.hpp"
#include "core/text.hpp"
#include "protocol/github.hpp"

namespace cat::protocol {
namespace {

using aws::format_rfc3339;

// The modes by name, in the order the messages list them.
struct NamedMode {
    OutputMode mode;
    std::string_view name;
};
constexpr std::array<NamedMode, 6> output_modes{{{OutputMode::json, "json"},
                                                 {OutputMode::text, "text"},
                                                 {OutputMode::env, "env"},
                                                 {OutputMode::github, "github"},
                                                 {OutputMode::terraform, "terraform"},
                                                 {OutputMode::cmdlet, "cmdlet"}}};

using text::fold;

std::vector<std::pair<std::string, std::string>> all_fields(const Outcome& o) {
    std::vector<std::pair<std::string, std::string>> f;
    f.emplace_back("authorization_token", o.authorization_token.reveal());
    f.emplace_back("expiration", format_rfc3339(o.expiration));
    f.emplace_back("expiration_unix", std::to_string(o.expiration.time_since_epoch().count()));
    f.emplace_back("domain", o.domain);
    if (!o.domain_owner.empty()) f.emplace_back("domain_owner", o.domain_owner);
    f.emplace_back("region", o.region);
    if (!o.repository_endpoint.empty()) f.emplace_back("repository_endpoint", o.repository_endpoint);
    if (o.repository_endpoints.size() > 1)
        for (const auto& e : o.repository_endpoints)
            f.emplace_back(endpoint_key("repository_endpoint_", '_', e), e.url);
    return f;
}

// "*" or nothing: every field.
bool selects_all(const Params& p) {
    const std::string sel = p.get("select");
    return sel.empty() || sel == "*";
}

}  // namespace

Result<OutputMode> parse_output_mode(std::string_view s) {
    std::string names;
    for (std::size_t i = 0; i < output_modes.size(); ++i) {
        if (s == output_modes[i].name) return output_modes[i].mode;
        names += i == 0 ? "" : i + 1 == output_modes.size() ? " or " : ", ";
        names += output_modes[i].name;
    }
    return Error::make(ErrorKind::usage, "output \"" + std::string(s) + "\" is invalid: it must be " + names);
}

Result<Rendered> render(OutputMode mode, const Outcome& o, const RenderContext& ctx) {
    Rendered r;
    switch (mode) {
        case OutputMode::text: {
            auto t = render_text(o, ctx.params);
            if (!t) return std::move(t).error();
            r.stdout_text = std::move(*t);
            return r;
        }
        case OutputMode::env: r.stdout_text = render_env(o); return r;
        case OutputMode::json:
        case OutputMode::terraform: {
            auto fields = select(o, ctx.params);
            if (!fields) return std::move(fields).error();
            // json reports whether the token came from the cache; Terraform's object keeps its shape.
            if (mode == OutputMode::json && selects_all(ctx.params))
                fields->emplace_back("from_cache", o.from_cache ? "true" : "false");
            r.stdout_text = render_json(*fields);
            for (auto& f : *fields) wipe(f.second);
            return r;
        }
        case OutputMode::github: return render_github_files(o, ctx.github, ctx.env, ctx.delimiter);
        case OutputMode::cmdlet: {
            auto t = render_cmdlet(o, ctx.params);
            if (!t) return std::move(t).error();
            r.stdout_text = std::move(*t);
            return r;
        }
    }
    return Error::make(ErrorKind::internal, "unknown output mode");
}

std::string render_failure(OutputMode mode, std::string_view line) {
    if (mode != OutputMode::github) return {};
    // Workflow command data escaping (as @actions/core): '%' first, then CR and LF, so that no text of ours
    // becomes a second command or a different one. (The title property is ours and needs none.)
    std::string data;
    for (const char c : line) {
        if (c == '%')
            data += "%25";
        else if (c == '\r')
            data += "%0D";
        else if (c == '\n')
            data += "%0A";
        else
            data += c;
    }
    return "::error title=codeartifact-token::" + data + "\n";
}

Result<std::vector<std::pair<std::string, std::string>>> select(const Outcome& o, const Params& p) {
    const std::string sel = p.get("select");
    auto fields = all_fields(o);
    if (sel.empty() || sel == "*") return fields;
    if (sel.front() == '^') {
        const ParamSpec* spec = find_param(sel.substr(1));
        if (spec == nullptr || spec->cli_only)
            return Error::make(ErrorKind::usage,
                               "select \"" + sel + "\": no input parameter named \"" + sel.substr(1) + "\"");
        if (spec->secret)
            return Error::make(ErrorKind::usage, "select \"" + sel + "\": " + std::string(spec->name) +
                                                     " is a secret and is never echoed");
        return std::vector<std::pair<std::string, std::string>>{{std::string(spec->name), p.get(spec->name)}};
    }
    const std::string want = fold(sel);
    for (auto& f : fields)
        if (fold(f.first) == want) return std::vector<std::pair<std::string, std::string>>{std::move(f)};
    if (want == "repositoryendpoint")
        return Error::make(ErrorKind::usage, "select RepositoryEndpoint needs repository and format");
    return Error::make(ErrorKind::usage, "select \"" + sel +
                                             "\" is invalid: use *, AuthorizationToken, Expiration, ExpirationUnix, "
                                             "Domain, DomainOwner, Region, RepositoryEndpoint or ^Parameter");
}

std::string render_json(const std::vector<std::pair<std::string, std::string>>& fields) {
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    w.StartObject();
    for (const auto& [k, v] : fields) {
        w.Key(k.data(), static_cast<rapidjson::SizeType>(k.size()));
        w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    }
    w.EndObject();
    std::string out(buf.GetString(), buf.GetSize());
    out += '\n';
    std::memset(const_cast<char*>(buf.GetString()), 0, buf.GetSize());
    return out;
}

Result<std::string> render_text(const Outcome& o, const Params& p) {
    if (selects_all(p)) return o.authorization_token.reveal() + "\n";
    auto fields = select(o, p);
    if (!fields) return std::move(fields).error();
    return fields->front().second + "\n";
}

Result<std::string> render_cmdlet(const Outcome& o, const Params& p) {
    if (!selects_all(p)) return render_text(o, p);
    // GetAuthorizationTokenResponse's own properties (the SDK's ResponseMetadata, ContentLength and
    // HttpStatusCode describe the HTTP exchange and are left out); Expiration in ISO 8601 UTC.
    std::vector<std::pair<std::string, std::string>> fields;
    fields.emplace_back("AuthorizationToken", o.authorization_token.reveal());
    fields.emplace_back("Expiration", format_rfc3339(o.expiration));
    std::string out = render_json(fields);
    for (auto& f : fields) wipe(f.second);
    return out;
}

std::string shell_quote(std::string_view s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    out += '\'';
    return out;
}

std::string endpoint_key(std::string_view prefix, char separator, const RepositoryEndpoint& e) {
    return std::string(prefix) + e.format + separator + e.repository;
}

std::vector<std::pair<std::string, std::string>> env_vars(const Outcome& o) {
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("CODEARTIFACT_AUTH_TOKEN", o.authorization_token.reveal());
    out.emplace_back("CODEARTIFACT_AUTH_TOKEN_EXPIRATION", format_rfc3339(o.expiration));
    if (!o.repository_endpoint.empty()) out.emplace_back("CODEARTIFACT_REPOSITORY_ENDPOINT", o.repository_endpoint);
    if (o.repository_endpoints.size() > 1)
        for (const auto& e : o.repository_endpoints) {
            std::string name = endpoint_key("CODEARTIFACT_REPOSITORY_ENDPOINT_", '_', e);
            for (char& c : name) {
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
                if (c == '-' || c == '.') c = '_';
            }
            out.emplace_back(std::move(name), e.url);
        }
    return out;
}

std::string render_env(const Outcome& o) {
    std::string out;
    for (auto& [name, value] : env_vars(o)) {
        out += "export " + name + "=" + shell_quote(value) + "\n";
        wipe(value);
    }
    return out;
}

}  // namespace cat::protocol
