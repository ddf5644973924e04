// The process layer on Windows: CreateProcessW with the command line quoted by windows_command_line (no
// cmd.exe: a batch file, which CreateProcessW would hand to it, is refused), pipes for standard output and
// error read by one thread each, and a Job object holding the program and whatever it starts, so that a
// timeout (or our own end, with kill_on_termination) kills them all. See core/process.hpp.
#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/process.hpp"
#include "core/process_common.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"
#include "core/windows.hpp"

namespace cat::process {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

using detail::describe_bytes;
using detail::quoted;
using detail::run_error;

class Handle {
public:
    Handle() = default;
    explicit Handle(HANDLE h) : h_(h == INVALID_HANDLE_VALUE ? nullptr : h) {}
    Handle(Handle&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Handle& operator=(Handle&& o) noexcept {
        if (this != &o) {
            reset();
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    void reset() {
        if (h_ != nullptr) ::CloseHandle(h_);
        h_ = nullptr;
    }
    HANDLE get() const { return h_; }
    HANDLE* put() {
        reset();
        return &h_;
    }

private:
    HANDLE h_ = nullptr;
};

// An inheritable duplicate of one of our standard handles, for a child; empty when we have none.
Handle inheritable_std(DWORD which) {
    const HANDLE h = ::GetStdHandle(which);
    Handle out;
    if (h == nullptr || h == INVALID_HANDLE_VALUE) return out;
    ::DuplicateHandle(::GetCurrentProcess(), h, ::GetCurrentProcess(), out.put(), 0, TRUE, DUPLICATE_SAME_ACCESS);
    return out;
}

// A pipe whose write end (for the child) is inheritable and whose read end (ours) is not.
bool make_pipe(Handle& read_end, Handle& write_end) {
    SECURITY_ATTRIBUTES inherit{sizeof(SECURITY_ATTRIBUTES), nullptr, TRUE};
    if (!::CreatePipe(read_end.put(), write_end.put(), &inherit, 0)) return false;
    return ::SetHandleInformation(read_end.get(), HANDLE_FLAG_INHERIT, 0) != 0;
}

// The program started (suspended, then resumed inside its job).
struct Launched {
    Handle process;
    Handle job;
};

// Starts argv with the given standard handles (inheritable; null for none) and environment block (UTF-16,
// CREATE_UNICODE_ENVIRONMENT; nullptr: ours), inside a new Job object. `kill_with_job`: the job kills what
// is still in it when its handle closes (when we end). What run() and a future run-attached share.
Result<Launched> launch(const std::vector<std::string>& argv, HANDLE in, HANDLE out, HANDLE err,
                        const std::wstring* environment, bool kill_with_job) {
    auto line = windows_command_line(argv);
    if (!line) return std::move(line).error();
    const std::string& program = argv.front();
    const std::string lower = text::lower(program);
    if (lower.ends_with(".bat") || lower.ends_with(".cmd"))
        return run_error("cannot run " + quoted(program) +
                         ": a batch file runs through cmd.exe, which is never used here; give a program (.exe)");
    Launched l;
    l.job = Handle(::CreateJobObjectW(nullptr, nullptr));
    if (l.job.get() != nullptr && kill_with_job) {
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
        limits.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        ::SetInformationJobObject(l.job.get(), JobObjectExtendedLimitInformation, &limits, sizeof limits);
    }
    STARTUPINFOW si{};
    si.cb = sizeof si;
    si.dwFlags = STARTF_USESTDHANDLES;
    si.hStdInput = in;
    si.hStdOutput = out;
    si.hStdError = err;
    std::wstring command = win::wide(*line);  // CreateProcessW may write into it
    PROCESS_INFORMATION pi{};
    const DWORD flags = CREATE_SUSPENDED | (environment != nullptr ? CREATE_UNICODE_ENVIRONMENT : 0);
    void* env_block = environment != nullptr ? const_cast<wchar_t*>(environment->c_str()) : nullptr;
    if (!::CreateProcessW(nullptr, command.data(), nullptr, nullptr, TRUE, flags, env_block, nullptr, &si, &pi))
        return run_error("cannot run " + quoted(program) + ": " + win::message(::GetLastError()));
    l.process = Handle(pi.hProcess);
    const Handle thread(pi.hThread);
    // Outside a job (an older Windows whose own job forbids nesting), only the program itself is killed.
    if (l.job.get() != nullptr && !::AssignProcessToJobObject(l.job.get(), pi.hProcess)) l.job.reset();
    ::ResumeThread(pi.hThread);
    return l;
}

void kill(const Launched& l) {
    if (l.job.get() != nullptr) ::TerminateJobObject(l.job.get(), 1);
    ::TerminateProcess(l.process.get(), 1);
}

// What the reader threads and run() share.
struct Shared {
    std::mutex mutex;
    std::condition_variable changed;
    int open = 0;  // pipes not yet at their end
    bool too_large = false;
    DWORD read_error = ERROR_SUCCESS;
};

// Reads one pipe to its end into `into`: bounded by `max` (more is too_large) or, for standard error
// (`keep_tail`), keeping only its last `max` bytes.
void read_pipe(HANDLE h, std::string& into, std::size_t max, bool keep_tail, Shared& shared) {
    char buf[16384];
    for (;;) {
        DWORD n = 0;
        const bool ok = ::ReadFile(h, buf, sizeof buf, &n, nullptr) != 0;
        const DWORD err = ok ? ERROR_SUCCESS : ::GetLastError();
        const std::lock_guard lock(shared.mutex);
        if (!ok || n == 0) {
            if (!ok && err != ERROR_BROKEN_PIPE && shared.read_error == ERROR_SUCCESS) shared.read_error = err;
            --shared.open;
            break;
        }
        const std::string_view chunk(buf, n);
        if (keep_tail) {
            into.append(chunk);
            if (into.size() > max) {
                const std::size_t drop = into.size() - max;
                wipe(into.data(), drop);
                into.erase(0, drop);
            }
        } else if (into.size() + chunk.size() > max) {
            shared.too_large = true;
            --shared.open;
            break;
        } else {
            into.append(chunk);
        }
    }
    wipe(buf, sizeof buf);
    shared.changed.notify_all();
}

}  // namespace

Result<Finished> run(const std::vector<std::string>& argv, const Options& options) {
    if (argv.empty() || argv.front().empty()) return run_error("no program to run");
    const std::string& program = argv.front();
    const auto started = Clock::now();
    const std::optional<Clock::time_point> deadline =
        options.timeout ? std::optional<Clock::time_point>(started + *options.timeout) : std::nullopt;

    Handle out_read, out_write, err_read, err_write;
    if (!make_pipe(out_read, out_write) || (options.capture_error && !make_pipe(err_read, err_write)))
        return run_error("cannot run " + quoted(program) + ": pipe: " + win::message(::GetLastError()));
    const Handle in = inheritable_std(STD_INPUT_HANDLE);
    const Handle our_err = options.capture_error ? Handle() : inheritable_std(STD_ERROR_HANDLE);
    // The job always exists (a timeout kills what the program started too); with kill_on_termination it
    // also kills them when we end, however we end.
    auto launched = launch(argv, in.get(), out_write.get(), options.capture_error ? err_write.get() : our_err.get(),
                           nullptr, options.kill_on_termination);
    out_write.reset();  // the child holds them now: our copies would keep the pipes open
    err_write.reset();
    if (!launched) return std::move(launched).error();

    Finished result;
    Shared shared;
    shared.open = options.capture_error ? 2 : 1;
    std::thread out_reader(read_pipe, out_read.get(), std::ref(result.out), options.max_output, false,
                           std::ref(shared));
    std::thread err_reader;
    if (options.capture_error)
        err_reader = std::thread(read_pipe, err_read.get(), std::ref(result.err), *options.capture_error, true,
                                 std::ref(shared));
    bool timed_out = false;
    {
        std::unique_lock lock(shared.mutex);
        const auto done = [&] { return shared.open == 0 || shared.too_large || shared.read_error != ERROR_SUCCESS; };
        if (deadline)
            timed_out = !shared.changed.wait_until(lock, *deadline, done);
        else
            shared.changed.wait(lock, done);
    }
    const bool failed = timed_out || shared.too_large || shared.read_error != ERROR_SUCCESS;
    if (failed) kill(*launched);  // its pipes close with it: the readers end
    out_reader.join();
    if (err_reader.joinable()) err_reader.join();

    if (!failed) {
        DWORD wait_ms = INFINITE;
        if (deadline) {
            const auto left = std::chrono::ceil<milliseconds>(*deadline - Clock::now()).count();
            wait_ms = static_cast<DWORD>(std::clamp<long long>(left, 0, 0x7fffffff));
        }
        if (::WaitForSingleObject(launched->process.get(), wait_ms) == WAIT_TIMEOUT) {
            kill(*launched);
            timed_out = true;
        }
    }
    ::WaitForSingleObject(launched->process.get(), INFINITE);
    if (launched->job.get() != nullptr && !failed && !timed_out) {
        // Done: what it started and left running is its business, as on POSIX; not killed when we end.
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION limits{};
        ::SetInformationJobObject(launched->job.get(), JobObjectExtendedLimitInformation, &limits, sizeof limits);
    }
    if (failed || timed_out) {
        wipe(result.out);
        wipe(result.err);
        if (shared.too_large)
            return run_error(quoted(program) + " wrote more than " + describe_bytes(options.max_output) +
                             " to its standard output");
        if (shared.read_error != ERROR_SUCCESS)
            return run_error(quoted(program) + ": cannot read its output: " + win::message(shared.read_error));
        Error e = run_error(quoted(program) + " did not finish within " + std::to_string(options.timeout->count()) +
                            " ms (killed)");
        e.code = std::string(timed_out_code);
        return e;
    }
    DWORD code = 0;
    if (!::GetExitCodeProcess(launched->process.get(), &code))
        return run_error("cannot wait for " + quoted(program) + ": " + win::message(::GetLastError()));
    result.exit_code = static_cast<int>(code);
    return result;
}

Result<int> exec_replace(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    if (argv.empty()) return run_error("exec needs a command");
    // The environment block: NAME=value strings sorted without regard to case, each ended by a NUL, then a
    // NUL (CreateProcessW's CREATE_UNICODE_ENVIRONMENT). Wiped when done: it holds the token.
    std::vector<std::wstring> entries;
    entries.reserve(env.size());
    for (const auto& e : env) entries.push_back(win::wide(e));
    std::sort(entries.begin(), entries.end(), [](const std::wstring& a, const std::wstring& b) {
        return ::CompareStringOrdinal(a.c_str(), static_cast<int>(a.size()), b.c_str(), static_cast<int>(b.size()),
                                      TRUE) == CSTR_LESS_THAN;
    });
    std::wstring block;
    for (auto& e : entries) {
        block += e;
        block += L'\0';
        std::fill(e.begin(), e.end(), L'\0');
    }
    block += L'\0';
    const Handle in = inheritable_std(STD_INPUT_HANDLE), out = inheritable_std(STD_OUTPUT_HANDLE),
                 err = inheritable_std(STD_ERROR_HANDLE);
    auto launched = launch(argv, in.get(), out.get(), err.get(), &block, true);
    std::fill(block.begin(), block.end(), L'\0');
    if (!launched) {
        Error e = std::move(launched).error();
        e.code = std::string(::GetLastError() == ERROR_FILE_NOT_FOUND || ::GetLastError() == ERROR_PATH_NOT_FOUND
                                 ? not_found_code
                                 : not_runnable_code);
        return e;
    }
    // Ctrl-C and Ctrl-Break reach the command through the console it shares with us: we wait them out.
    ::SetConsoleCtrlHandler(nullptr, TRUE);
    ::WaitForSingleObject(launched->process.get(), INFINITE);
    DWORD code = 0;
    if (!::GetExitCodeProcess(launched->process.get(), &code))
        return run_error("cannot wait for " + quoted(argv.front()) + ": " + win::message(::GetLastError()));
    return static_cast<int>(code);
}

std::string account_home() {
    // Java's user.home on Windows is the profile folder, which USERPROFILE names for the account.
    wchar_t buffer[32768];
    const DWORD n = ::GetEnvironmentVariableW(L"USERPROFILE", buffer, 32768);
    return n == 0 || n >= 32768 ? std::string() : win::narrow(std::wstring_view(buffer, n));
}

}  // namespace cat::process
