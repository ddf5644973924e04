#include "protocol/github.hpp"

#include <openssl/rand.h>

#include <stdexcept>

#include "aws/rfc3339.hpp"
#include "core/text.hpp"

namespace cat::protocol {
namespace {

using aws::format_rfc3339;

// Inputs only the action has, besides the parameters.
Result<bool> boolean_input(std::string_view name, const std::string& v) {
    if (const auto b = text::parse_bool(v)) return *b;
    return Error::make(ErrorKind::usage, "input " + std::string(name) + " \"" + v + "\" is invalid: it must be " +
                                             std::string(text::bool_spellings));
}

}  // namespace

Result<GithubInputs> parse_github_inputs(const Env& env) {
    GithubInputs in;
    for (const auto& [key, value] : env.all()) {
        if (!key.starts_with("INPUT_")) continue;
        const std::string name = text::lower(std::string_view(key).substr(6));
        if (name == "export-env" || name == "mask") {
            if (value.empty()) continue;
            auto b = boolean_input(name, value);
            if (!b) return std::move(b).error();
            (name == "mask" ? in.options.mask : in.options.export_env) = *b;
            continue;
        }
        const ParamSpec* spec = find_param(name);
        if (spec == nullptr || spec->cli_only) {
            std::string msg = "unknown input " + name + " (" + key + ")";
            if (auto hint = suggest(name, false); !hint.empty()) {
                std::string kebab = hint;
                for (char& c : kebab)
                    if (c == '_') c = '-';
                msg += " (did you mean " + kebab + "?)";
            }
            return Error::make(ErrorKind::usage, msg);
        }
        std::string v = value;
        // The runner passes multi-line YAML scalars through; a trailing newline is never meant.
        while (!v.empty() && (v.back() == '\n' || v.back() == '\r' || v.back() == ' ')) v.pop_back();
        // The runner sets every declared input, empty when the workflow does not give it: an empty input is
        // an unset one (and does not unset its alias, e.g. role-arn beside an empty role-to-assume).
        if (v.empty()) continue;
        if (in.params.has(spec->name))
            return Error::make(ErrorKind::usage, "inputs set " + std::string(spec->name) + " twice");
        in.params.set(spec->name, std::move(v));
    }
    return in;
}

std::string github_heredoc(std::string_view name, std::string_view value, std::string_view delimiter) {
    std::string out(name);
    out += "<<";
    out += delimiter;
    out += '\n';
    out += value;
    out += '\n';
    out += delimiter;
    out += '\n';
    return out;
}

std::string random_delimiter() {
    unsigned char bytes[16];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("OpenSSL: RAND_bytes failed");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "ghadelimiter_";
    for (unsigned char b : bytes) {
        out += hex[b >> 4];
        out += hex[b & 15];
    }
    return out;
}

GithubWrites render_github(const Outcome& o, const GithubOptions& options,
                           const std::function<std::string()>& delimiter) {
    std::vector<std::pair<std::string, std::string>> outputs = {
        {"authorization-token", o.authorization_token.reveal()},
        {"expiration", format_rfc3339(o.expiration)},
    };
    if (!o.repository_endpoint.empty()) outputs.emplace_back("repository-endpoint", o.repository_endpoint);
    if (o.repository_endpoints.size() > 1)
        for (const auto& e : o.repository_endpoints)
            outputs.emplace_back(endpoint_key("repository-endpoint-", '-', e), e.url);

    std::string delim;
    for (;;) {
        delim = delimiter();
        bool clash = false;
        for (const auto& [k, v] : outputs) clash = clash || v.find(delim) != std::string::npos;
        if (!clash) break;
    }
    GithubWrites w;
    if (options.mask) {
        // One ::add-mask:: per line: the runner masks line by line.
        std::string_view t = o.authorization_token.view();
        while (!t.empty()) {
            const auto nl = t.find('\n');
            const std::string_view line = t.substr(0, nl);
            if (!line.empty()) w.stdout_text += "::add-mask::" + std::string(line) + "\n";
            if (nl == std::string_view::npos) break;
            t.remove_prefix(nl + 1);
        }
    }
    for (const auto& [k, v] : outputs) w.output_append += github_heredoc(k, v, delim);
    wipe(outputs.front().second);
    // The later steps get what --output env prints: the token, and the repository's endpoint when asked.
    std::string exported;
    if (options.export_env) {
        w.env_append = github_heredoc("CODEARTIFACT_AUTH_TOKEN", o.authorization_token.view(), delim);
        exported = "; CODEARTIFACT_AUTH_TOKEN";
        if (!o.repository_endpoint.empty()) {
            w.env_append += github_heredoc("CODEARTIFACT_REPOSITORY_ENDPOINT", o.repository_endpoint, delim);
            exported += " and CODEARTIFACT_REPOSITORY_ENDPOINT are";
        } else {
            exported += " is";
        }
        exported += " set for later steps";
    }
    w.stdout_text += "codeartifact-token: token for domain " + o.domain + " expires " + format_rfc3339(o.expiration) +
                     exported + "\n";
    return w;
}

Result<Rendered> render_github_files(const Outcome& o, const GithubOptions& options, const Env& env,
                                     const std::function<std::string()>& delimiter) {
    const std::string output_path = env.get("GITHUB_OUTPUT");
    if (output_path.empty())
        return Error::make(ErrorKind::config,
                           "GITHUB_OUTPUT is not set: --output github runs inside a GitHub Actions step");
    const std::string env_path = env.get("GITHUB_ENV");
    if (options.export_env && env_path.empty())
        return Error::make(ErrorKind::config, "GITHUB_ENV is not set: set export-env to false outside GitHub");
    GithubWrites w = render_github(o, options, delimiter ? delimiter : std::function<std::string()>(random_delimiter));
    Rendered r;
    r.stdout_text = std::move(w.stdout_text);
    r.appends.push_back({output_path, std::move(w.output_append)});
    if (!w.env_append.empty()) r.appends.push_back({env_path, std::move(w.env_append)});
    return r;
}

}  // namespace cat::protocol
