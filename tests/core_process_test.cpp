// core/process: running a program without a shell, its exit code, bounded output and timeout.
#define BOOST_TEST_MODULE core_process
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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
