// credential_process: split the command line like a shell would, run it without one, read its JSON.
#include "aws/credentials/process.hpp"

#include <rapidjson/document.h>

#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "core/json.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"

namespace cat::aws {
namespace {

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

bool word_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

}  // namespace

Result<std::vector<std::string>> split_command_line(std::string_view line) {
    const auto fail = [](std::string why) { return Error::make(ErrorKind::config, std::move(why)); };
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (word_space(c)) {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
        } else if (c == '\'') {
            // Everything up to the next single quote, literally.
            const auto close = line.find('\'', i + 1);
            if (close == std::string_view::npos) return fail("unterminated single quote");
            word.append(line.substr(i + 1, close - i - 1));
            i = close;
            in_word = true;
        } else if (c == '"') {
            // A backslash escapes only '"' and '\' inside double quotes (as Python's shlex, which botocore
            // uses); before anything else it stays.
            bool closed = false;
            for (++i; i < line.size(); ++i) {
                const char d = line[i];
                if (d == '"') {
                    closed = true;
                    break;
                }
                if (d == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) {
                    word += line[++i];
                } else {
                    word += d;
                }
            }
            if (!closed) return fail("unterminated double quote");
            in_word = true;
        } else if (c == '\\') {
            if (i + 1 >= line.size()) return fail("a backslash ends the command line with nothing to escape");
            word += line[++i];
            in_word = true;
        } else {
            word += c;
            in_word = true;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

Result<ProcessOutput> run_process(const std::vector<std::string>& argv) {
    if (argv.empty() || argv.front().empty()) return Error::make(ErrorKind::config, "no program to run");
    // No timeout, as botocore: a credential helper may wait for a person (an MFA code, a browser log-in).
    auto run = process::run(argv);
    if (!run) return credentials_error(std::move(run).error().message);
    return ProcessOutput{run->exit_code, std::move(run->out)};
}

Result<AwsCredentials> parse_process_output(std::string_view json, std::string_view source) {
    const std::string src(source);
    std::string buffer(json);
    rapidjson::Document doc;
    json::parse_insitu(doc, buffer);
    struct WipeBuffer {
        std::string& s;
        ~WipeBuffer() { wipe(s); }
    } wipe{buffer};
    if (doc.HasParseError() || !doc.IsObject()) return credentials_error(src + ": the output is not a JSON object");

    const auto version = doc.FindMember("Version");
    if (version == doc.MemberEnd()) return credentials_error(src + ": the output has no Version (expected 1)");
    if (!version->value.IsNumber() || version->value.GetDouble() != 1.0) {
        std::string shown = "of that type";
        if (version->value.IsNumber())
            shown = version->value.IsInt64() ? std::to_string(version->value.GetInt64()) : "that is not 1";
        else if (version->value.IsString())
            shown = "\"" + detail::one_line({version->value.GetString(), version->value.GetStringLength()}, 32) + "\"";
        return credentials_error(src + ": unsupported Version " + shown + " (expected 1)");
    }

    AwsCredentials out;
    const auto string_field = [&](const char* name, bool required, auto& into) -> Status {
        const auto it = doc.FindMember(name);
        if (it == doc.MemberEnd() || (!required && it->value.IsNull())) {
            if (required) return credentials_error(src + ": the output has no " + name);
            return Ok{};
        }
        if (!it->value.IsString()) return credentials_error(src + ": " + name + " is not a string");
        into = std::string_view(it->value.GetString(), it->value.GetStringLength());
        if (required && into.empty()) return credentials_error(src + ": " + name + " is empty");
        return Ok{};
    };
    if (auto s = string_field("AccessKeyId", true, out.keys.access_key_id); !s) return std::move(s).error();
    if (auto s = string_field("SecretAccessKey", true, out.keys.secret_access_key); !s) return std::move(s).error();
    if (auto s = string_field("SessionToken", false, out.keys.session_token); !s) return std::move(s).error();
    std::string expiration;
    if (auto s = string_field("Expiration", false, expiration); !s) return std::move(s).error();
    if (!expiration.empty()) {
        const auto when = parse_rfc3339(expiration);
        if (!when)
            return credentials_error(src + ": Expiration \"" + detail::one_line(expiration, 64) +
                                     "\" is not an RFC 3339 time");
        out.expiration = *when;
    }
    out.source = src;
    return out;
}

Result<AwsCredentials> credentials_from_process(const ProviderContext& ctx, std::string_view command_line,
                                                std::string_view profile) {
    const std::string cmd(command_line);
    const std::string quoted = "credential_process \"" + cmd + "\"";
    auto argv = split_command_line(command_line);
    if (!argv) {
        Error e = std::move(argv).error();
        e.message = quoted + " (profile " + std::string(profile) + ") cannot be split into words: " + e.message;
        return e;
    }
    if (argv->empty())
        return Error::make(ErrorKind::config, "credential_process of profile " + std::string(profile) + " is empty");
    detail::debug(ctx, "profile " + std::string(profile) + ": running " + quoted);
    auto run = ctx.run_process ? ctx.run_process(*argv) : run_process(*argv);
    if (!run) {
        Error e = std::move(run).error();
        e.message = quoted + ": " + e.message;
        return e;
    }
    struct WipeOutput {
        std::string& s;
        ~WipeOutput() { wipe(s); }
    } wipe{run->out};
    if (run->exit_code > 0) return credentials_error(quoted + " exited with status " + std::to_string(run->exit_code));
    if (run->exit_code < 0)
        return credentials_error(quoted + " was killed by signal " + std::to_string(-run->exit_code));
    auto creds = parse_process_output(run->out, quoted);
    if (creds) creds->source = "profile " + std::string(profile) + ": credential_process";
    return creds;
}

}  // namespace cat::aws
