// credential_process: split the command line like a shell would, run it without one, read its JSON.
#include "aws/credentials/process.hpp"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "aws/credentials/support.hpp"
#include "aws/rfc3339.hpp"
#include "sigv4/crypto.hpp"

namespace cat::aws {
namespace {

constexpr std::size_t max_output = std::size_t{1} << 20;

Error credentials_error(std::string message) {
    return Error::make(ErrorKind::credentials, std::move(message));
}

bool word_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// The child's side, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, int out_write, int error_write) {
    if (out_write == STDOUT_FILENO) {
        ::fcntl(out_write, F_SETFD, 0);
    } else if (::dup2(out_write, STDOUT_FILENO) < 0) {
        const int e = errno;
        [[maybe_unused]] const auto n = ::write(error_write, &e, sizeof e);
        ::_exit(127);
    }
#ifdef CLOSE_RANGE_CLOEXEC
    // Descriptors someone opened without O_CLOEXEC do not leak into the child.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    ::execvp(argv[0], argv);
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(error_write, &e, sizeof e);
    ::_exit(127);
}

int wait_for(pid_t pid, bool& ok) {
    int status = 0;
    pid_t r = -1;
    do {
        r = ::waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    ok = r == pid;
    if (!ok) return -1;
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
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
    const std::string& program = argv.front();
    // Everything the child needs is made before fork: after it, the child may only make async-signal-safe
    // calls (other threads may hold the allocator's locks).
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    int out[2] = {-1, -1};
    int report[2] = {-1, -1};  // the child writes errno here when exec fails; EOF means exec succeeded
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0) {
        const int e = errno;
        close_fd(out[0]);
        close_fd(out[1]);
        return credentials_error("cannot run \"" + program + "\": pipe: " + std::strerror(e));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        for (int* fd : {&out[0], &out[1], &report[0], &report[1]}) close_fd(*fd);
        return credentials_error("cannot run \"" + program + "\": fork: " + std::strerror(e));
    }
    if (pid == 0) exec_child(args.data(), out[1], report[1]);

    close_fd(out[1]);
    close_fd(report[1]);
    int exec_errno = 0;
    std::size_t got = 0;
    while (got < sizeof exec_errno) {
        const ssize_t n = ::read(report[0], reinterpret_cast<char*>(&exec_errno) + got, sizeof exec_errno - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<std::size_t>(n);
    }
    close_fd(report[0]);
    bool waited = false;
    if (got == sizeof exec_errno) {
        close_fd(out[0]);
        wait_for(pid, waited);
        return credentials_error("cannot run \"" + program + "\": " + std::strerror(exec_errno));
    }

    ProcessOutput result;
    char buf[16384];
    bool too_large = false;
    int read_errno = 0;
    for (;;) {
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            read_errno = errno;
            break;
        }
        if (n == 0) break;
        if (result.out.size() + static_cast<std::size_t>(n) > max_output) {
            too_large = true;
            break;
        }
        result.out.append(buf, static_cast<std::size_t>(n));
    }
    sigv4::crypto::wipe(buf, sizeof buf);
    if (too_large || read_errno != 0) ::kill(pid, SIGKILL);
    close_fd(out[0]);
    result.exit_code = wait_for(pid, waited);
    if (too_large || read_errno != 0) {
        sigv4::crypto::wipe(result.out);
        return credentials_error("\"" + program + "\"" +
                                 (too_large ? " wrote more than 1 MiB to its standard output"
                                            : std::string(": cannot read its output: ") + std::strerror(read_errno)));
    }
    if (!waited) return credentials_error("cannot wait for \"" + program + "\": " + std::strerror(errno));
    return result;
}

Result<AwsCredentials> parse_process_output(std::string_view json, std::string_view source) {
    const std::string src(source);
    std::string buffer(json);
    rapidjson::Document doc;
    doc.ParseInsitu(buffer.data());
    struct WipeBuffer {
        std::string& s;
        ~WipeBuffer() { sigv4::crypto::wipe(s); }
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
    const auto string_field = [&](const char* name, bool required, std::string& into) -> Status {
        const auto it = doc.FindMember(name);
        if (it == doc.MemberEnd() || (!required && it->value.IsNull())) {
            if (required) return credentials_error(src + ": the output has no " + name);
            return Ok{};
        }
        if (!it->value.IsString()) return credentials_error(src + ": " + name + " is not a string");
        into.assign(it->value.GetString(), it->value.GetStringLength());
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
        ~WipeOutput() { sigv4::crypto::wipe(s); }
    } wipe{run->out};
    if (run->exit_code > 0) return credentials_error(quoted + " exited with status " + std::to_string(run->exit_code));
    if (run->exit_code < 0)
        return credentials_error(quoted + " was killed by signal " + std::to_string(-run->exit_code));
    auto creds = parse_process_output(run->out, quoted);
    if (creds) creds->source = "profile " + std::string(profile) + ": credential_process";
    return creds;
}

}  // namespace cat::aws
