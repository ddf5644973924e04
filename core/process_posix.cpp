// The process layer on POSIX: fork/execvp with a pipe for standard output. See core/process.hpp.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/process.hpp"
#include "core/secret.hpp"

namespace cat::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

Error run_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

std::string quoted(const std::string& program) {
    return "\"" + program + "\"";
}

std::string describe_bytes(std::size_t n) {
    constexpr std::size_t mib = std::size_t{1} << 20;
    if (n >= mib && n % mib == 0) return std::to_string(n / mib) + " MiB";
    return std::to_string(n) + " bytes";
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
    // Our SIGPIPE may be ignored (core/files.cpp ignores it); the child starts with the default.
    ::signal(SIGPIPE, SIG_DFL);
#ifdef CLOSE_RANGE_CLOEXEC
    // Descriptors someone opened without O_CLOEXEC do not leak into the child.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    ::execvp(argv[0], argv);
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(error_write, &e, sizeof e);
    ::_exit(127);
}

int decode_status(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return -WTERMSIG(status);
    return -1;
}

// Waits for the child; nullopt when waitpid fails.
std::optional<int> wait_blocking(pid_t pid) {
    int status = 0;
    pid_t r = -1;
    do {
        r = ::waitpid(pid, &status, 0);
    } while (r < 0 && errno == EINTR);
    if (r != pid) return std::nullopt;
    return decode_status(status);
}

// Waits for the child until `deadline`; killed (and reaped) when it is still running then.
struct Waited {
    std::optional<int> exit_code;  // nullopt: waitpid failed
    bool timed_out = false;
};
Waited wait_until(pid_t pid, std::optional<Clock::time_point> deadline) {
    if (!deadline) return {wait_blocking(pid), false};
    milliseconds delay{1};
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return {decode_status(status), false};
        if (r < 0 && errno != EINTR) return {std::nullopt, false};
        const auto now = Clock::now();
        if (now >= *deadline) {
            ::kill(pid, SIGKILL);
            return {wait_blocking(pid), true};
        }
        std::this_thread::sleep_for(std::min<Clock::duration>(delay, *deadline - now));
        delay = std::min(delay * 2, milliseconds{20});
    }
}

}  // namespace

Result<Finished> run(const std::vector<std::string>& argv, const Options& options) {
    if (argv.empty() || argv.front().empty()) return run_error("no program to run");
    const std::string& program = argv.front();
    const auto started = Clock::now();
    const std::optional<Clock::time_point> deadline =
        options.timeout ? std::optional<Clock::time_point>(started + *options.timeout) : std::nullopt;
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
        return run_error("cannot run " + quoted(program) + ": pipe: " + std::strerror(e));
    }
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        for (int* fd : {&out[0], &out[1], &report[0], &report[1]}) close_fd(*fd);
        return run_error("cannot run " + quoted(program) + ": fork: " + std::strerror(e));
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
    if (got == sizeof exec_errno) {
        close_fd(out[0]);
        (void)wait_blocking(pid);
        return run_error("cannot run " + quoted(program) + ": " + std::strerror(exec_errno));
    }

    Finished result;
    char buf[16384];
    bool too_large = false;
    bool timed_out = false;
    int read_errno = 0;
    for (;;) {
        if (deadline) {
            const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) {
                timed_out = true;
                break;
            }
            pollfd p{out[0], POLLIN, 0};
            const int ready = ::poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 60'000)));
            if (ready < 0 && errno != EINTR) {
                read_errno = errno;
                break;
            }
            if (ready <= 0) continue;
        }
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            read_errno = errno;
            break;
        }
        if (n == 0) break;
        if (result.out.size() + static_cast<std::size_t>(n) > options.max_output) {
            too_large = true;
            break;
        }
        result.out.append(buf, static_cast<std::size_t>(n));
    }
    wipe(buf, sizeof buf);
    const bool failed = too_large || timed_out || read_errno != 0;
    if (failed) ::kill(pid, SIGKILL);
    close_fd(out[0]);
    const Waited waited = wait_until(pid, deadline);
    if (failed || waited.timed_out) {
        wipe(result.out);
        if (too_large)
            return run_error(quoted(program) + " wrote more than " + describe_bytes(options.max_output) +
                             " to its standard output");
        if (read_errno != 0)
            return run_error(quoted(program) + ": cannot read its output: " + std::strerror(read_errno));
        return run_error(quoted(program) + " did not finish within " + std::to_string(options.timeout->count()) +
                         " ms (killed)");
    }
    if (!waited.exit_code) return run_error("cannot wait for " + quoted(program) + ": " + std::strerror(errno));
    result.exit_code = *waited.exit_code;
    return result;
}

}  // namespace cat::process
