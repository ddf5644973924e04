// credential_process: split the command line like a shell would, run it without one, read its JSON.
#include "aws/credentials/process.hpp"

#include <rapidjson/document.h>

#include <charconv>

#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "core/json.hpp"
#include "core/platform.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"

namespace cat::aws {
namespace {

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

// The time limit from the environment: whole seconds, 0 for none.
Result<std::optional<std::chrono::milliseconds>> process_timeout(const Env& env) {
    const std::string value = env.get(process_timeout_variable);
    if (value.empty()) return std::optional<std::chrono::milliseconds>(default_process_timeout);
    unsigned seconds = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
    if (ec != std::errc{} || end != value.data() + value.size() || seconds > 86'400)
        return Error::make(ErrorKind::config, std::string(process_timeout_variable) + " \"" +
                                                  detail::one_line(value, 32) +
                                                  "\" is invalid: it must be whole seconds from 0 (no limit) to 86400");
    if (seconds == 0) return std::optional<std::chrono::milliseconds>();
    return std::optional<std::chrono::milliseconds>(std::chrono::seconds(seconds));
}

// The last line that is not blank.
std::string_view last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.remove_suffix(1);
    const auto nl = text.find_last_of("\r\n");
    return nl == std::string_view::npos ? text : text.substr(nl + 1);
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

Result<std::vector<std::string>> split_windows_command_line(std::string_view line) {
    std::vector<std::string> words;
    std::string word;
    bool started = false;  // a quote starts a word even when nothing is between the quotes
    bool quoted = false;
    std::size_t backslashes = 0;
    const auto flush_backslashes = [&] {
        word.append(backslashes, '\\');
        backslashes = 0;
    };
    for (const char c : line) {
        if (c == '\\') {
            ++backslashes;
        } else if (c == '"') {
            word.append(backslashes / 2, '\\');
            const bool escaped = backslashes % 2 == 1;
            backslashes = 0;
            if (escaped) {
                word += '"';
            } else {
                quoted = !quoted;
            }
            started = true;
        } else if ((c == ' ' || c == '\t') && !quoted) {
            flush_backslashes();
            if (started || !word.empty()) words.push_back(std::move(word));
            word.clear();
            started = false;
        } else {
            flush_backslashes();
            word += c;
        }
    }
    if (quoted) return Error::make(ErrorKind::config, "unterminated double quote");
    flush_backslashes();
    if (started || !word.empty()) words.push_back(std::move(word));
    return words;
}

Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                  std::optional<std::chrono::milliseconds> timeout) {
    if (argv.empty() || argv.front().empty()) return Error::make(ErrorKind::config, "no program to run");
    process::Options options;
    options.timeout = timeout;
    options.own_process_group = true;
    options.kill_on_termination = true;
    options.capture_error = 4096;
    auto run = process::run(argv, options);
    if (!run) {
        Error e = std::move(run).error();
        e.kind = ErrorKind::credentials;
        return e;
    }
    return ProcessOutput{run->exit_code, std::move(run->out), std::move(run->err)};
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
    auto argv = platform::windows ? split_windows_command_line(command_line) : split_command_line(command_line);
    if (!argv) {
        Error e = std::move(argv).error();
        e.message = quoted + " (profile " + std::string(profile) + ") cannot be split into words: " + e.message;
        return e;
    }
    if (argv->empty())
        return Error::make(ErrorKind::config, "credential_process of profile " + std::string(profile) + " is empty");
    auto timeout = process_timeout(ctx.env);
    if (!timeout) return std::move(timeout).error();
    detail::debug(ctx, "profile " + std::string(profile) + ": running " + quoted);
    auto run = ctx.run_process ? ctx.run_process(*argv, *timeout) : run_process(*argv, *timeout);
    if (!run) {
        Error e = std::move(run).error();
        e.message = quoted + ": " + e.message;
        if (e.code == process::timed_out_code)
            e.message += "; " + std::string(process_timeout_variable) + " sets the limit in seconds";
        return e;
    }
    struct WipeOutput {
        ProcessOutput& p;
        ~WipeOutput() {
            wipe(p.out);
            wipe(p.err);
        }
    } wipe{*run};
    // Its standard error only on failure, one line of it: it may be long, and may hold secrets.
    const auto failure = [&](std::string message) {
        if (const auto line = last_line(run->err); !line.empty())
            message += " (its last line on stderr: " + detail::one_line(line, 200) + ")";
        return credentials_error(std::move(message));
    };
    if (run->exit_code > 0) return failure(quoted + " exited with status " + std::to_string(run->exit_code));
    if (run->exit_code < 0) return failure(quoted + " was killed by signal " + std::to_string(-run->exit_code));
    auto creds = parse_process_output(run->out, quoted);
    if (!creds) return failure(std::move(creds).error().message);
    if (!run->err.empty())
        detail::debug(ctx, "profile " + std::string(profile) + ": credential_process wrote " +
                               std::to_string(run->err.size()) + " bytes to stderr (not shown)");
    // As botocore: credentials that have already expired are refused, not used for a request AWS would deny.
    if (creds->expiration && *creds->expiration <= std::chrono::floor<std::chrono::seconds>(now(ctx.call)))
        return credentials_error(quoted + ": the credentials it returned expired at " +
                                 format_rfc3339(*creds->expiration));
    creds->source = "profile " + std::string(profile) + ": credential_process";
    return creds;
}

}  // namespace cat::aws
