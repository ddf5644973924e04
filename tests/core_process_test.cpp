// core/process: running a program without a shell, its exit code, bounded output and timeout.
#define BOOST_TEST_MODULE core_process
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/files.hpp"
#include "core/process.hpp"
#include "temp_dir.hpp"

namespace process = cat::process;
using namespace std::chrono_literals;
using cat::test::TempDir;

namespace {

std::string script(const TempDir& dir, const std::string& name, const std::string& body) {
    const std::string p = dir / name;
    std::ofstream(p) << "#!/bin/sh\n" << body;
    BOOST_REQUIRE(::chmod(p.c_str(), 0700) == 0);
    return p;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

BOOST_AUTO_TEST_CASE(exit_code_and_output) {
    auto r = process::run({"sh", "-c", "printf hello; exit 3"});  // found through PATH
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->exit_code == 3);
    BOOST_TEST(r->out == "hello");
    r = process::run({"true"});
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->exit_code == 0);
    BOOST_TEST(r->out.empty());
    r = process::run({"sh", "-c", "kill -9 $$"});
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->exit_code == -9);
}

BOOST_AUTO_TEST_CASE(arguments_pass_through_verbatim_without_a_shell) {
    TempDir dir;
    const std::string echo = script(dir, "args with space.sh", "for a in \"$@\"; do printf '[%s]' \"$a\"; done\n");
    const std::vector<std::string> argv = {echo, "two words", "'single'", "\"double\"", "$HOME", "a;b", "`x`", "*", ""};
    auto r = process::run(argv);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->out == "[two words]['single'][\"double\"][$HOME][a;b][`x`][*][]");
}

BOOST_AUTO_TEST_CASE(a_program_that_cannot_start_is_an_error_naming_it) {
    TempDir dir;
    auto r = process::run({dir / "absent", "--flag"});
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "cannot run \"" + dir / "absent" + "\": No such file"), r.error().message);
    std::ofstream(dir / "not-exec") << "#!/bin/sh\n";
    r = process::run({dir / "not-exec"});
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "Permission denied"), r.error().message);
    BOOST_TEST(!process::run({}).ok());
    BOOST_TEST(!process::run({""}).ok());
}

BOOST_AUTO_TEST_CASE(output_is_bounded) {
    process::Options o;
    o.max_output = 1000;
    auto r = process::run({"sh", "-c", "printf '%01000d' 0"}, o);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->out.size() == 1000u);
    const auto start = std::chrono::steady_clock::now();
    r = process::run({"sh", "-c", "exec head -c 2000000 /dev/zero"});  // the default bound: 1 MiB
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "wrote more than 1 MiB to its standard output"), r.error().message);
    r = process::run({"sh", "-c", "exec yes"}, o);  // endless output: killed, not waited for
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "more than 1000 bytes"), r.error().message);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
}

BOOST_AUTO_TEST_CASE(timeout_kills_the_child) {
    TempDir dir;
    const std::string pid_file = dir / "pid";
    const std::string slow = script(dir, "slow.sh", "echo $$ > '" + pid_file + "'\nprintf partial\nexec sleep 30\n");
    process::Options o;
    o.timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    auto r = process::run({slow}, o);
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "did not finish within 300 ms (killed)"), r.error().message);
    BOOST_TEST((took >= 300ms));
    BOOST_TEST((took < 10s));
    std::ifstream in(pid_file);
    pid_t pid = 0;
    in >> pid;
    BOOST_REQUIRE(pid > 0);
    BOOST_TEST(::kill(pid, 0) == -1);  // killed and reaped
    BOOST_TEST(errno == ESRCH);

    // A program that closes its output but keeps running is killed too.
    const std::string quiet = script(dir, "quiet.sh", "exec >/dev/null\nexec sleep 30\n");
    r = process::run({quiet}, o);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "did not finish"), r.error().message);

    // Fast programs are not affected by a timeout.
    r = process::run({"sh", "-c", "printf ok"}, o);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->out == "ok");
}

namespace {

pid_t read_pid(const std::string& path) {
    for (int i = 0; i < 500; ++i) {  // up to 5 s for the file to appear
        std::ifstream in(path);
        pid_t pid = 0;
        if (in >> pid && pid > 0) return pid;
        std::this_thread::sleep_for(10ms);
    }
    return 0;
}

// The live (not zombie) processes of process group `pgid`, from /proc/*/stat.
int live_in_group(pid_t pgid) {
    int n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::ifstream in(entry.path() / "stat");
        std::string stat;
        if (!std::getline(in, stat)) continue;
        const auto close = stat.rfind(')');  // after "pid (comm)": state ppid pgrp ...
        if (close == std::string::npos) continue;
        std::istringstream rest(stat.substr(close + 1));
        char state = 0;
        long ppid = 0, pgrp = 0;
        if (rest >> state >> ppid >> pgrp && pgrp == pgid && state != 'Z') ++n;
    }
    return n;
}

// True once no process is left in process group `pgid` (a zombie waiting for PID 1 counts as gone: it is
// dead); waits up to 5 s.
bool group_gone(pid_t pgid) {
    for (int i = 0; i < 500; ++i) {
        if (live_in_group(pgid) == 0) return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

// True once process `pid` is dead (gone, or a zombie); waits up to 5 s.
bool dead(pid_t pid) {
    for (int i = 0; i < 500; ++i) {
        std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
        std::string stat;
        if (!std::getline(in, stat)) return true;
        if (const auto close = stat.rfind(')'); close != std::string::npos && stat.substr(close + 2, 1) == "Z")
            return true;
        std::this_thread::sleep_for(10ms);
    }
    return false;
}

}  // namespace

BOOST_AUTO_TEST_CASE(timeout_kills_the_whole_process_group) {
    // Away from a controlling terminal (ctest in an interactive shell): there the program would share our
    // group on purpose. Fails harmlessly when we already lead a group (run directly from a shell).
    (void)::setsid();
    TempDir dir;
    const std::string pid_file = dir / "pid";
    // The helper starts a child of its own (which also holds the output pipe), then waits.
    const std::string helper =
        script(dir, "helper.sh", "sleep 30 &\necho $! > '" + pid_file + ".bg'\necho $$ > '" + pid_file + "'\nwait\n");
    process::Options o;
    o.timeout = 1s;
    o.own_process_group = true;
    const auto start = std::chrono::steady_clock::now();
    auto r = process::run({helper}, o);
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(contains(r.error().message, "did not finish within 1000 ms (killed)"), r.error().message);
    BOOST_TEST((std::chrono::steady_clock::now() - start < 10s));
    const pid_t pid = read_pid(pid_file);
    BOOST_REQUIRE(pid > 0);
    BOOST_TEST(::getpgid(pid) == -1);              // the helper, killed and reaped
    BOOST_TEST(dead(read_pid(pid_file + ".bg")));  // what it started is gone too
    BOOST_TEST(group_gone(pid));                   // its whole group (the helper's pid)
}

BOOST_AUTO_TEST_CASE(standard_error_is_captured_bounded_and_never_blocks) {
    process::Options o;
    o.capture_error = 4096;
    auto r = process::run({"sh", "-c", "echo first >&2; printf out; echo second >&2"}, o);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->out == "out");
    BOOST_TEST(r->err == "first\nsecond\n");
    // Far more than a pipe holds, written before the output: read alongside it, the end kept.
    r = process::run({"sh", "-c", "head -c 3000000 /dev/zero >&2; echo last >&2; printf done"}, o);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->out == "done");
    BOOST_TEST(r->err.size() == 4096u);
    BOOST_TEST(r->err.ends_with("last\n"));
    r = process::run({"sh", "-c", "echo not captured >&2; printf x"});  // default: passed through
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->err.empty());
}

BOOST_AUTO_TEST_CASE(our_termination_kills_the_program_group_then_us) {
    TempDir dir;
    const std::string pid_file = dir / "pid";
    const std::string helper =
        script(dir, "helper.sh", "sleep 30 &\necho $! > '" + pid_file + ".bg'\necho $$ > '" + pid_file + "'\nwait\n");
    const pid_t runner = ::fork();
    BOOST_REQUIRE(runner >= 0);
    if (runner == 0) {
        (void)::setsid();  // no controlling terminal (see above)
        process::Options o;
        o.own_process_group = true;
        o.kill_on_termination = true;
        (void)process::run({helper}, o);  // no time limit: only our SIGTERM ends it
        ::_exit(0);
    }
    const pid_t pid = read_pid(pid_file);
    BOOST_REQUIRE(pid > 0);
    BOOST_REQUIRE(::kill(runner, SIGTERM) == 0);
    int status = 0;
    BOOST_REQUIRE(::waitpid(runner, &status, 0) == runner);
    BOOST_TEST(WIFSIGNALED(status));  // we end by the signal itself (a shell shows 143)
    BOOST_TEST(WTERMSIG(status) == SIGTERM);
    BOOST_TEST(dead(pid));                         // the helper
    BOOST_TEST(dead(read_pid(pid_file + ".bg")));  // and what it started
    BOOST_TEST(group_gone(pid));
}

BOOST_AUTO_TEST_CASE(closed_standard_streams_are_reserved) {
    // In a child, as main does: stdout closed at start, then reserved; a file opened later is not fd 1, and
    // a write to stdout still fails as it would have.
    const pid_t child = ::fork();
    BOOST_REQUIRE(child >= 0);
    if (child == 0) {
        ::close(STDOUT_FILENO);
        cat::files::reserve_standard_streams();
        const int fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);  // NOLINT(cppcoreguidelines-pro-type-vararg)
        const bool write_fails = ::write(STDOUT_FILENO, "x", 1) == -1 && errno == EBADF;
        ::_exit(fd > STDERR_FILENO && write_fails ? 0 : 1);
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(child, &status, 0) == child);
    BOOST_TEST((WIFEXITED(status) && WEXITSTATUS(status) == 0));
}

namespace {

// exec_replace in a child of the test (it replaces the process that calls it): the child's exit status, or
// 200 + 0/1 when exec_replace returned not found / not runnable.
int exec_in_child(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        auto r = process::exec_replace(argv, env);
        ::_exit(r ? 250 : 200 + (r.error().code == process::not_found_code ? 0 : 1));
    }
    int status = 0;
    BOOST_REQUIRE(::waitpid(pid, &status, 0) == pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

BOOST_AUTO_TEST_CASE(exec_replace_runs_the_program_with_exactly_the_environment) {
    TempDir dir;
    const std::string out = dir / "env";
    const std::vector<std::string> env{"PATH=/usr/bin:/bin", "ONLY=this one", "OUT=" + out};
    BOOST_TEST(exec_in_child({"sh", "-c", "env > \"$OUT\"; exit 9"}, env) == 9);  // found through env's PATH
    std::ifstream in(out);
    std::stringstream seen;
    seen << in.rdbuf();
    BOOST_TEST(contains(seen.str(), "ONLY=this one\n"));
    BOOST_TEST(!contains(seen.str(), "HOME="));  // nothing of ours but what was given
    BOOST_TEST(exec_in_child({"sh", "-c", "kill -TERM $$"}, env) == 128 + SIGTERM);
}

BOOST_AUTO_TEST_CASE(exec_replace_finds_like_execvp_and_fails_like_a_shell) {
    TempDir dir;
    const std::string bin = dir / "bin";
    std::filesystem::create_directories(bin);
    script(dir, "bin/tool", "exit 5\n");
    std::ofstream(bin + "/plain") << "exit 6\n";
    BOOST_REQUIRE(::chmod((bin + "/plain").c_str(), 0644) == 0);
    std::ofstream(bin + "/bare") << "exit 7\n";  // no #!: /bin/sh runs it
    BOOST_REQUIRE(::chmod((bin + "/bare").c_str(), 0755) == 0);
    const std::vector<std::string> env{"PATH=/nonexistent:" + bin + ":/usr/bin:/bin"};
    BOOST_TEST(exec_in_child({"tool"}, env) == 5);
    BOOST_TEST(exec_in_child({"bare"}, env) == 7);
    BOOST_TEST(exec_in_child({"plain"}, env) == 201);  // found, not executable
    BOOST_TEST(exec_in_child({bin + "/plain"}, env) == 201);
    BOOST_TEST(exec_in_child({bin}, env) == 201);  // a directory
    BOOST_TEST(exec_in_child({"cat-no-such-program"}, env) == 200);
    BOOST_TEST(exec_in_child({bin + "/absent"}, env) == 200);
    BOOST_TEST(exec_in_child({""}, env) == 200);
    auto r = process::exec_replace({"cat-no-such-program"}, env);  // returns: nothing replaced us
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST(r.error().message == "cannot run \"cat-no-such-program\": No such file or directory");
}
