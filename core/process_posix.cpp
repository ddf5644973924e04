// The process layer on POSIX: fork/execvp with a pipe for standard output, and execve in place of this
// process. See core/process.hpp.
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <thread>

#include "core/process.hpp"
#include "core/process_common.hpp"
#include "core/secret.hpp"

namespace cat::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using detail::describe_bytes;
using detail::quoted;
using detail::run_error;

void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
}

// The signals that end us, which Options::kill_on_termination passes on to the program.
constexpr int termination_signals[] = {SIGTERM, SIGINT, SIGHUP};

// What the child needs between fork and exec, all made before fork.
struct ChildSetup {
    int out_write = -1;
    int err_write = -1;  // -1: standard error stays ours
    int report_write = -1;
    bool own_group = false;
    const sigset_t* mask = nullptr;  // the signal mask to restore (ours before the run blocked some)
};

// The child reports errno to the parent and ends.
[[noreturn]] void child_failed(int report_write) {
    const int e = errno;
    [[maybe_unused]] const auto n = ::write(report_write, &e, sizeof e);
    ::_exit(127);
}

// The child's side, between fork and exec: only async-signal-safe calls.
[[noreturn]] void exec_child(char* const* argv, const ChildSetup& c) {
    if (c.own_group && ::setpgid(0, 0) != 0) child_failed(c.report_write);
    for (const auto& [from, to] : {std::pair{c.out_write, STDOUT_FILENO}, std::pair{c.err_write, STDERR_FILENO}}) {
        if (from < 0) continue;
        if (from == to) {
            ::fcntl(from, F_SETFD, 0);
        } else if (::dup2(from, to) < 0) {
            child_failed(c.report_write);
        }
    }
    // Our SIGPIPE may be ignored (core/files.cpp ignores it); the child starts with the default, and with
    // the default for the signals the run catches, unblocked.
    ::signal(SIGPIPE, SIG_DFL);
    for (const int sig : termination_signals) ::signal(sig, SIG_DFL);
    if (c.mask != nullptr) ::sigprocmask(SIG_SETMASK, c.mask, nullptr);
#ifdef CLOSE_RANGE_CLOEXEC
    // Descriptors someone opened without O_CLOEXEC do not leak into the child.
    ::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
#endif
    ::execvp(argv[0], argv);
    child_failed(c.report_write);
}

// Whom a kill reaches: the child's process group (negative) or the child alone. Read by the signal handler.
std::atomic<pid_t> kill_target{0};
static_assert(std::atomic<pid_t>::is_always_lock_free);

extern "C" void on_termination(int sig) {
    if (const pid_t target = kill_target.load(); target != 0) ::kill(target, SIGKILL);
    // Then end as the signal would have ended us (it is blocked while we handle it: delivered on return).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// Installs on_termination for the run's duration (when asked), blocked until the child's pid is known.
class TerminationGuard {
public:
    explicit TerminationGuard(bool active) : active_(active) {
        if (!active_) return;
        sigset_t block;
        sigemptyset(&block);
        for (const int sig : termination_signals) sigaddset(&block, sig);
        ::sigprocmask(SIG_BLOCK, &block, &old_mask_);
        struct sigaction act {};
        act.sa_handler = on_termination;
        sigemptyset(&act.sa_mask);
        for (std::size_t i = 0; i < std::size(termination_signals); ++i)
            ::sigaction(termination_signals[i], &act, &old_actions_[i]);
    }
    TerminationGuard(const TerminationGuard&) = delete;
    TerminationGuard& operator=(const TerminationGuard&) = delete;
    ~TerminationGuard() {
        if (!active_) return;
        started(0);  // nothing left to kill; then our own handlers and mask again
        for (std::size_t i = 0; i < std::size(termination_signals); ++i)
            ::sigaction(termination_signals[i], &old_actions_[i], nullptr);
        ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    // The child is running (target: whom a kill reaches; 0 when it is gone): signals may come now.
    void started(pid_t target) {
        if (!active_) return;
        kill_target.store(target);
        if (target != 0) ::sigprocmask(SIG_SETMASK, &old_mask_, nullptr);
    }
    const sigset_t* child_mask() const { return active_ ? &old_mask_ : nullptr; }

private:
    bool active_;
    sigset_t old_mask_{};
    struct sigaction old_actions_[std::size(termination_signals)]{};
};

// True when we are the foreground job of our controlling terminal: a program in another process group
// could not read the terminal there (SIGTTIN).
bool foreground_on_terminal() {
    const int fd = ::open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (fd < 0) return false;
    const bool foreground = ::tcgetpgrp(fd) == ::getpgrp();
    ::close(fd);
    return foreground;
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
Waited wait_until(pid_t pid, pid_t kill_target_pid, std::optional<Clock::time_point> deadline) {
    if (!deadline) return {wait_blocking(pid), false};
    milliseconds delay{1};
    for (;;) {
        int status = 0;
        const pid_t r = ::waitpid(pid, &status, WNOHANG);
        if (r == pid) return {decode_status(status), false};
        if (r < 0 && errno != EINTR) return {std::nullopt, false};
        const auto now = Clock::now();
        if (now >= *deadline) {
            ::kill(kill_target_pid, SIGKILL);
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
    int err[2] = {-1, -1};
    int report[2] = {-1, -1};  // the child writes errno here when exec fails; EOF means exec succeeded
    const auto close_all = [&] {
        for (int* fd : {&out[0], &out[1], &err[0], &err[1], &report[0], &report[1]}) close_fd(*fd);
    };
    if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(report, O_CLOEXEC) != 0 ||
        (options.capture_error && ::pipe2(err, O_CLOEXEC) != 0)) {
        const int e = errno;
        close_all();
        return run_error("cannot run " + quoted(program) + ": pipe: " + std::strerror(e));
    }
    const bool own_group = options.own_process_group && !foreground_on_terminal();
    TerminationGuard guard(options.kill_on_termination);
    const ChildSetup setup{out[1], err[1], report[1], own_group, guard.child_mask()};
    const pid_t pid = ::fork();
    if (pid < 0) {
        const int e = errno;
        close_all();
        return run_error("cannot run " + quoted(program) + ": fork: " + std::strerror(e));
    }
    if (pid == 0) exec_child(args.data(), setup);
    // Also here, so that a kill right away already reaches the group (one of the two calls wins the race).
    if (own_group) (void)::setpgid(pid, pid);
    const pid_t target = own_group ? -pid : pid;  // whom a kill reaches
    guard.started(target);

    close_fd(out[1]);
    close_fd(err[1]);
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
        close_all();
        (void)wait_blocking(pid);
        return run_error("cannot run " + quoted(program) + ": " + std::strerror(exec_errno));
    }

    Finished result;
    char buf[16384];
    bool too_large = false;
    bool timed_out = false;
    int read_errno = 0;
    // Both pipes are read until both are at their end (a program blocked on a full stderr pipe would never
    // finish its stdout).
    while (out[0] >= 0 || err[0] >= 0) {
        int wait_ms = -1;
        if (deadline) {
            const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) {
                timed_out = true;
                break;
            }
            wait_ms = static_cast<int>(std::min<long long>(left.count(), 60'000));
        }
        pollfd p[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};  // a negative fd is skipped
        const int ready = ::poll(p, 2, wait_ms);
        if (ready < 0 && errno != EINTR) {
            read_errno = errno;
            break;
        }
        if (ready <= 0) continue;
        for (int i = 0; i < 2 && read_errno == 0 && !too_large; ++i) {
            if (p[i].fd < 0 || p[i].revents == 0) continue;
            const ssize_t n = ::read(p[i].fd, buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) {
                read_errno = errno;
                break;
            }
            if (n == 0) {
                close_fd(i == 0 ? out[0] : err[0]);
                continue;
            }
            const std::string_view chunk(buf, static_cast<std::size_t>(n));
            if (i == 1) {
                // Only the end of standard error is kept: the last lines say why it failed.
                result.err.append(chunk);
                if (result.err.size() > *options.capture_error) {
                    const std::size_t drop = result.err.size() - *options.capture_error;
                    wipe(result.err.data(), drop);
                    result.err.erase(0, drop);
                }
            } else if (result.out.size() + chunk.size() > options.max_output) {
                too_large = true;
            } else {
                result.out.append(chunk);
            }
        }
        if (read_errno != 0 || too_large) break;
    }
    wipe(buf, sizeof buf);
    const bool failed = too_large || timed_out || read_errno != 0;
    if (failed) ::kill(target, SIGKILL);
    close_fd(out[0]);
    close_fd(err[0]);
    const Waited waited = wait_until(pid, target, deadline);
    guard.started(0);
    if (failed || waited.timed_out) {
        wipe(result.out);
        wipe(result.err);
        if (too_large)
            return run_error(quoted(program) + " wrote more than " + describe_bytes(options.max_output) +
                             " to its standard output");
        if (read_errno != 0)
            return run_error(quoted(program) + ": cannot read its output: " + std::strerror(read_errno));
        Error e = run_error(quoted(program) + " did not finish within " + std::to_string(options.timeout->count()) +
                            " ms (killed)");
        e.code = std::string(timed_out_code);
        return e;
    }
    if (!waited.exit_code) return run_error("cannot wait for " + quoted(program) + ": " + std::strerror(errno));
    result.exit_code = *waited.exit_code;
    return result;
}

namespace {

// The files exec_replace tries, in order: the program itself when it names a path, else it in each
// directory of PATH (an empty entry is the current directory, as POSIX says).
std::vector<std::string> exec_candidates(const std::string& program, const std::vector<std::string>& env) {
    if (program.find('/') != std::string::npos) return {program};
    std::string_view path = "/bin:/usr/bin";  // glibc's default (confstr _CS_PATH) when PATH is unset
    for (const auto& e : env)
        if (e.starts_with("PATH=")) path = std::string_view(e).substr(5);
    std::vector<std::string> out;
    for (std::size_t start = 0;;) {
        const auto end = path.find(':', start);
        const auto dir = path.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
        out.push_back((dir.empty() ? std::string(".") : std::string(dir)) + "/" + program);
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    return out;
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> out;
    out.reserve(strings.size() + 1);
    for (const auto& s : strings) out.push_back(const_cast<char*>(s.c_str()));
    out.push_back(nullptr);
    return out;
}

}  // namespace

Result<int> exec_replace(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    const std::string program = argv.empty() ? std::string() : argv.front();
    std::vector<char*> args = c_strings(argv);
    std::vector<char*> envp = c_strings(env);
    // SIGPIPE is ignored while we write (core/files_posix.cpp); the program starts with the default, as a
    // shell would start it. The signal mask and the other dispositions pass on as they are (exec resets
    // the handlers).
    struct sigaction dfl {};
    struct sigaction old {};
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    ::sigaction(SIGPIPE, &dfl, &old);
    bool denied = false;  // found somewhere, but not runnable there
    int failed = 0;       // an error that ends the search (E2BIG, ENOMEM, ELOOP...)
    for (const auto& candidate : program.empty() ? std::vector<std::string>{} : exec_candidates(program, env)) {
        ::execve(candidate.c_str(), args.data(), envp.data());
        int e = errno;
        if (e == ENOEXEC) {
            // Not a binary and no "#!": a shell script, which /bin/sh runs (execvp and shells do the same).
            std::vector<char*> sh{const_cast<char*>("/bin/sh"), const_cast<char*>(candidate.c_str())};
            sh.insert(sh.end(), args.begin() + 1, args.end());
            ::execve("/bin/sh", sh.data(), envp.data());
            e = EACCES;
        }
        if (e == EACCES || e == EPERM || e == EISDIR) {
            denied = true;
            if (failed == 0) failed = e;
            continue;
        }
        if (e == ENOENT || e == ENOTDIR || e == ESTALE || e == ENODEV || e == ETIMEDOUT) continue;
        failed = e;
        break;
    }
    ::sigaction(SIGPIPE, &old, nullptr);
    const bool not_found = !denied && (failed == 0 || failed == ENOENT);
    Error e = run_error("cannot run " + quoted(program) + ": " + std::strerror(not_found ? ENOENT : failed));
    if (program.empty()) e.message = "no program to run";
    e.code = std::string(not_found ? not_found_code : not_runnable_code);
    return e;
}

std::string account_home() {
    struct passwd pw {};
    struct passwd* found = nullptr;
    std::vector<char> buf(16384);
    if (::getpwuid_r(::getuid(), &pw, buf.data(), buf.size(), &found) != 0 || found == nullptr ||
        found->pw_dir == nullptr)
        return {};
    return found->pw_dir;
}

}  // namespace cat::process
