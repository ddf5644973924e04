// core/files: the file layer on this platform (POSIX). Every function, with the files it must refuse.
#define BOOST_TEST_MODULE core_files
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/files.hpp"
#include "temp_dir.hpp"

namespace files = cat::files;
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using cat::test::TempDir;

namespace {

void write(const std::string& path, const std::string& content, mode_t mode = 0600) {
    std::ofstream(path, std::ios::binary) << content;
    BOOST_REQUIRE(::chmod(path.c_str(), mode) == 0);
}

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    BOOST_REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode;
}

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().filename().string());
    return out;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

template <class T>
std::string message_of(const cat::Result<T>& r) {
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == cat::ErrorKind::config));
    return r.error().message;
}

}  // namespace

// ---- read_file ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(read_file_reads_regular_files_and_follows_symlinks) {
    TempDir dir;
    const std::string bytes("a\0b\nc", 5);
    write(dir / "f", bytes);
    auto r = files::read_file(dir / "f");
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == bytes);
    write(dir / "empty", "");
    BOOST_TEST(files::read_file(dir / "empty").value().empty());
    BOOST_REQUIRE(::symlink((dir / "f").c_str(), (dir / "link").c_str()) == 0);
    BOOST_TEST(files::read_file(dir / "link").value() == bytes);
}

BOOST_AUTO_TEST_CASE(read_file_refuses_what_is_not_a_regular_file) {
    TempDir dir;
    BOOST_TEST(contains(message_of(files::read_file(dir / "absent")), dir / "absent"));
    BOOST_TEST(contains(message_of(files::read_file(dir / "absent")), "No such file"));
    BOOST_TEST(contains(message_of(files::read_file(dir.path)), "it is a directory"));
    BOOST_REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    const auto start = std::chrono::steady_clock::now();
    BOOST_TEST(contains(message_of(files::read_file(dir / "fifo")), "it is a FIFO"));  // and does not hang
    BOOST_TEST((std::chrono::steady_clock::now() - start < 5s));
    BOOST_TEST(contains(message_of(files::read_file("/dev/null")), "/dev/null: it is a device"));
    BOOST_TEST(!files::read_file("").ok());
}

BOOST_AUTO_TEST_CASE(the_null_device_is_known_by_its_node) {
    TempDir dir;
    BOOST_TEST(files::is_null_device("/dev/null"));
    BOOST_TEST(!files::is_null_device("/dev/zero"));
    BOOST_TEST(!files::is_null_device(dir.path));
    BOOST_TEST(!files::is_null_device(dir / "absent"));
    BOOST_TEST(!files::is_null_device(""));
    write(dir / "null", "");
    BOOST_TEST(!files::is_null_device(dir / "null"));
    BOOST_REQUIRE(::symlink("/dev/null", (dir / "link").c_str()) == 0);
    BOOST_TEST(files::is_null_device(dir / "link"));
}

BOOST_AUTO_TEST_CASE(read_file_has_a_size_bound) {
    TempDir dir;
    write(dir / "ten", "0123456789");
    BOOST_TEST(files::read_file(dir / "ten", 10).value() == "0123456789");
    BOOST_TEST(contains(message_of(files::read_file(dir / "ten", 9)), "larger than 9 bytes"));
    write(dir / "big", std::string(files::default_max_bytes + 1, 'x'));
    BOOST_TEST(contains(message_of(files::read_file(dir / "big")), "larger than 1048576 bytes"));
    write(dir / "max", std::string(files::default_max_bytes, 'x'));
    BOOST_TEST(files::read_file(dir / "max").value().size() == files::default_max_bytes);
    // Larger than the first buffer, smaller than the bound.
    write(dir / "grown", std::string(300000, 'y'));
    BOOST_TEST(files::read_file(dir / "grown", 400000).value().size() == 300000u);
}

BOOST_AUTO_TEST_CASE(read_file_if_exists_tells_absent_from_unreadable) {
    TempDir dir;
    auto absent = files::read_file_if_exists(dir / "absent");
    BOOST_REQUIRE(absent.ok());
    BOOST_TEST(!absent->has_value());
    write(dir / "file", "x");
    auto under_file = files::read_file_if_exists(dir / "file/below");
    BOOST_REQUIRE(under_file.ok());
    BOOST_TEST(!under_file->has_value());
    BOOST_TEST(files::read_file_if_exists(dir / "file").value().value() == "x");
    BOOST_TEST(!files::read_file_if_exists(dir.path).ok());
    if (::geteuid() != 0) {
        write(dir / "closed", "x", 0000);
        BOOST_TEST(contains(message_of(files::read_file_if_exists(dir / "closed")), "Permission denied"));
    }
}

// ---- append_file, write_all, standard streams ---------------------------------------------------------

BOOST_AUTO_TEST_CASE(append_file_creates_0600_and_appends) {
    TempDir dir;
    const std::string p = dir / "github_output";
    BOOST_REQUIRE(files::append_file(p, "a=1\n").ok());
    BOOST_TEST((mode_of(p) & 07777) == 0600u);
    BOOST_REQUIRE(files::append_file(p, "b=2\n").ok());
    BOOST_TEST(slurp(p) == "a=1\nb=2\n");
    write(dir / "open", "x", 0644);  // an existing file keeps its mode
    BOOST_REQUIRE(files::append_file(dir / "open", "y").ok());
    BOOST_TEST((mode_of(dir / "open") & 07777) == 0644u);
    BOOST_TEST(contains(message_of(files::append_file(dir / "missing/out", "x")), dir / "missing/out"));
    BOOST_TEST(!files::append_file(dir.path, "x").ok());
}

BOOST_AUTO_TEST_CASE(write_all_writes_everything_and_fails_on_a_closed_pipe) {
    int p[2];
    BOOST_REQUIRE(::pipe(p) == 0);
    files::File reader = files::File::adopt(p[0], "pipe");
    files::File writer = files::File::adopt(p[1], "pipe");
    BOOST_REQUIRE(files::write_all(writer, "hello").ok());
    char buf[8] = {};
    BOOST_TEST(::read(p[0], buf, sizeof buf) == 5);
    BOOST_REQUIRE(reader.close().ok());
    // The reader is gone: EPIPE, reported (and no SIGPIPE kills the test).
    auto s = files::write_all(writer, std::string(100000, 'x'));
    BOOST_REQUIRE(!s.ok());
    BOOST_TEST(contains(s.error().message, "cannot write pipe"));
    BOOST_TEST(contains(s.error().message, "Broken pipe"));
    BOOST_REQUIRE(writer.close().ok());
    BOOST_TEST(!writer.is_open());
    BOOST_TEST(writer.close().ok());  // closing twice is fine
    BOOST_TEST(!files::write_all(writer, "x").ok());
}

BOOST_AUTO_TEST_CASE(write_all_handles_writes_larger_than_a_pipe_buffer) {
    int p[2];
    BOOST_REQUIRE(::pipe(p) == 0);
    files::File reader = files::File::adopt(p[0], "pipe");
    files::File writer = files::File::adopt(p[1], "pipe");
    const std::string big(1 << 20, 'z');
    std::string got;
    std::thread drain([&] {
        char buf[4096];
        for (ssize_t n; (n = ::read(p[0], buf, sizeof buf)) > 0;) got.append(buf, static_cast<std::size_t>(n));
    });
    BOOST_TEST(files::write_all(writer, big).ok());
    BOOST_TEST(writer.close().ok());
    drain.join();
    BOOST_TEST((got == big));
}

BOOST_AUTO_TEST_CASE(standard_streams) {
    // Under CTest the streams are pipes or files, not terminals.
    BOOST_TEST(!files::is_terminal(files::Stream::out));
    BOOST_TEST(files::write_all(files::Stream::out, "").ok());

    // read_stdin, with stdin replaced by a file for the test.
    TempDir dir;
    write(dir / "in", "{\"a\":\"b\"}");
    const int saved = ::dup(STDIN_FILENO);
    const int in = ::open((dir / "in").c_str(), O_RDONLY);
    BOOST_REQUIRE(::dup2(in, STDIN_FILENO) == STDIN_FILENO);
    auto r = files::read_stdin();
    BOOST_REQUIRE(::lseek(STDIN_FILENO, 0, SEEK_SET) == 0);
    auto small = files::read_stdin(4);
    ::dup2(saved, STDIN_FILENO);
    ::close(in);
    ::close(saved);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(*r == "{\"a\":\"b\"}");
    BOOST_TEST(contains(message_of(small), "standard input: it is larger than 4 bytes"));
}

// ---- make_directories, write_private_atomic -----------------------------------------------------------

BOOST_AUTO_TEST_CASE(make_directories_creates_0700_parents) {
    TempDir dir;
    BOOST_REQUIRE(files::make_directories(dir / "a/b/c").ok());
    for (const char* d : {"a", "a/b", "a/b/c"}) BOOST_TEST((mode_of(dir / d) & 07777) == 0700u);
    BOOST_TEST(files::make_directories(dir / "a/b/c/").ok());  // existing: fine
    write(dir / "file", "x");
    BOOST_TEST(contains(
        message_of(files::make_directories(dir / "file/sub")),
        "cannot create directory " + dir / "file/sub" + ": " + dir / "file" + " is in the way (it is not a folder)"));
    BOOST_TEST(contains(message_of(files::make_directories(dir / "file")), "it is in the way (it is not a folder)"));
}

BOOST_AUTO_TEST_CASE(atomic_write_creates_and_replaces_0600_without_leftovers) {
    TempDir dir;
    const std::string p = dir / "config";
    BOOST_REQUIRE(files::write_private_atomic(p, "one").ok());
    BOOST_TEST(slurp(p) == "one");
    BOOST_TEST((mode_of(p) & 07777) == 0600u);
    ::chmod(p.c_str(), 0644);
    struct stat before {};
    BOOST_REQUIRE(::stat(p.c_str(), &before) == 0);
    BOOST_REQUIRE(files::write_private_atomic(p, "two").ok());
    BOOST_TEST(slurp(p) == "two");
    BOOST_TEST((mode_of(p) & 07777) == 0600u);
    struct stat after {};
    BOOST_REQUIRE(::stat(p.c_str(), &after) == 0);
    BOOST_TEST(before.st_ino != after.st_ino);  // a new file renamed over the old one
    BOOST_TEST(names_in(dir.path) == std::vector<std::string>{"config"});
}

BOOST_AUTO_TEST_CASE(atomic_write_refuses_what_is_not_a_regular_file) {
    TempDir dir;
    write(dir / "target", "keep");
    BOOST_REQUIRE(::symlink((dir / "target").c_str(), (dir / "link").c_str()) == 0);
    BOOST_TEST(contains(message_of(files::write_private_atomic(dir / "link", "x")), "it is a symlink"));
    BOOST_TEST(slurp(dir / "target") == "keep");
    BOOST_REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    BOOST_TEST(contains(message_of(files::write_private_atomic(dir / "fifo", "x")), "it is a FIFO"));
    BOOST_REQUIRE(::mkdir((dir / "sub").c_str(), 0700) == 0);
    BOOST_TEST(contains(message_of(files::write_private_atomic(dir / "sub", "x")), "it is a directory"));
    BOOST_TEST(contains(message_of(files::write_private_atomic(dir / "absent/x", "x")), dir / "absent"));
    auto names = names_in(dir.path);
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"fifo", "link", "sub", "target"}));  // no temporary file
}

// --unconfigure's removal: the checks of replace_user_file, and the name itself, never what a link names.
BOOST_AUTO_TEST_CASE(remove_user_file_checks_what_it_removes) {
    TempDir dir;
    write(dir / "f", "x");
    BOOST_TEST(files::remove_user_file(dir / "f").ok());
    BOOST_TEST(!fs::exists(dir / "f"));
    BOOST_TEST(files::remove_user_file(dir / "f").ok());  // already gone
    BOOST_TEST(files::remove_user_file(dir / "absent/f").ok());
    write(dir / "ro", "x", 0400);
    BOOST_TEST(message_of(files::remove_user_file(dir / "ro")) ==
               "refusing to remove " + dir / "ro" + ": it is read-only (mode 0400); make it writable (chmod u+w " +
                   dir / "ro" + ") or delete it yourself");
    BOOST_TEST(fs::exists(dir / "ro"));
    write(dir / "target", "keep");
    BOOST_REQUIRE(::symlink((dir / "target").c_str(), (dir / "link").c_str()) == 0);
    BOOST_TEST(message_of(files::remove_user_file(dir / "link")) ==
               "refusing to remove " + dir / "link" + ": it is a symlink");
    BOOST_TEST(slurp(dir / "target") == "keep");
    BOOST_TEST(fs::is_symlink(dir / "link"));
    BOOST_REQUIRE(::mkfifo((dir / "fifo").c_str(), 0600) == 0);
    BOOST_TEST(contains(message_of(files::remove_user_file(dir / "fifo")), "it is a FIFO"));
    BOOST_REQUIRE(::mkdir((dir / "sub").c_str(), 0700) == 0);
    BOOST_TEST(contains(message_of(files::remove_user_file(dir / "sub")), "it is a directory"));
    // replace_user_file says the same of a read-only file, with its own way out.
    BOOST_TEST(contains(message_of(files::replace_user_file(dir / "ro", "y")),
                        "it is read-only (mode 0400); make it writable (chmod u+w " + dir / "ro" +
                            ") or write another file (--config-file)"));
}

BOOST_AUTO_TEST_CASE(atomic_write_fails_cleanly_in_a_read_only_folder,
                     *boost::unit_test::precondition([](auto) { return ::geteuid() != 0; })) {
    TempDir dir;
    BOOST_REQUIRE(::mkdir((dir / "ro").c_str(), 0500) == 0);
    BOOST_TEST(contains(message_of(files::write_private_atomic(dir / "ro/f", "x")), "Permission denied"));
    BOOST_TEST(names_in(dir / "ro").empty());
}

// ---- Directory ----------------------------------------------------------------------------------------

BOOST_AUTO_TEST_CASE(private_directory_is_created_0700_and_checked) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "x/cache/", "cache directory");
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(d->path() == dir / "x/cache");
    BOOST_TEST(d->path_of("e.json") == dir / "x/cache/e.json");
    BOOST_TEST((mode_of(dir / "x") & 07777) == 0700u);
    BOOST_TEST((mode_of(dir / "x/cache") & 07777) == 0700u);

    BOOST_REQUIRE(::mkdir((dir / "open").c_str(), 0700) == 0);
    ::chmod((dir / "open").c_str(), 0777);
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "open")),
                        "refusing directory " + dir / "open" + ": it is writable by group or others (mode 0777"));
    ::chmod((dir / "open").c_str(), 0755);  // readable by others is fine
    BOOST_TEST(files::Directory::open_private(dir / "open").ok());

    BOOST_REQUIRE(::symlink((dir / "open").c_str(), (dir / "link").c_str()) == 0);
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "link")), "is a symlink"));
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "link/")), "is a symlink"));
    // A trailing "/." (or "/./") names the link's target through the link: still refused.
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "link/.")), "is a symlink"));
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "link/./")), "is a symlink"));
    BOOST_TEST(files::Directory::open_private(dir / "open/.").ok());
    write(dir / "file", "x");
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "file")), "is not a directory"));
    BOOST_TEST(contains(message_of(files::Directory::open_private(dir / "file/sub", "cache directory")),
                        "cannot create cache directory"));
    BOOST_TEST(!files::Directory::open_private("").ok());
}

BOOST_AUTO_TEST_CASE(read_private_checks_type_owner_mode_and_size) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "d");
    BOOST_REQUIRE(d.ok());
    auto absent = d->read_private("absent", 100);
    BOOST_REQUIRE(absent.ok());
    BOOST_TEST(!absent->has_value());

    write(d->path_of("ok"), "secret");
    BOOST_TEST(d->read_private("ok", 100).value().value() == "secret");
    BOOST_TEST(contains(message_of(d->read_private("ok", 5)), "larger than 5 bytes"));

    write(d->path_of("open"), "secret", 0640);
    BOOST_TEST(contains(message_of(d->read_private("open", 100)), "open to group or others (mode 0640)"));
    BOOST_REQUIRE(::symlink(d->path_of("ok").c_str(), d->path_of("link").c_str()) == 0);
    BOOST_TEST(contains(message_of(d->read_private("link", 100)), "is a symlink"));
    BOOST_REQUIRE(::mkfifo(d->path_of("fifo").c_str(), 0600) == 0);
    BOOST_TEST(contains(message_of(d->read_private("fifo", 100)), "it is a FIFO"));
    BOOST_REQUIRE(::mkdir(d->path_of("sub").c_str(), 0700) == 0);
    BOOST_TEST(contains(message_of(d->read_private("sub", 100)), "it is a directory"));
    BOOST_TEST(contains(message_of(d->read_private("../ok", 100)), "not a plain file name"));
}

BOOST_AUTO_TEST_CASE(write_private_replaces_junk_only_when_asked) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "d");
    BOOST_REQUIRE(d.ok());
    BOOST_REQUIRE(d->write_private("e", "v1").ok());
    BOOST_REQUIRE(d->write_private("e", "v2").ok());
    BOOST_TEST(d->read_private("e", 100).value().value() == "v2");

    write(dir / "target", "keep");
    BOOST_REQUIRE(::symlink((dir / "target").c_str(), d->path_of("link").c_str()) == 0);
    BOOST_TEST(!d->write_private("link", "x").ok());
    BOOST_REQUIRE(d->write_private("link", "x", files::Directory::Existing::any_file).ok());
    BOOST_TEST(S_ISREG(mode_of(d->path_of("link"))));
    BOOST_TEST(slurp(dir / "target") == "keep");  // the link was replaced, not followed
    BOOST_REQUIRE(::mkdir(d->path_of("sub").c_str(), 0700) == 0);
    BOOST_TEST(!d->write_private("sub", "x", files::Directory::Existing::any_file).ok());
    auto names = names_in(d->path());
    std::sort(names.begin(), names.end());
    BOOST_TEST(names == (std::vector<std::string>{"e", "link", "sub"}));
}

BOOST_AUTO_TEST_CASE(locks_exclude_each_other_and_time_out) {
    TempDir dir;
    auto d = files::Directory::open_private(dir / "d");
    BOOST_REQUIRE(d.ok());
    auto first = d->lock("k.lock", 1000ms);
    BOOST_REQUIRE(first.ok());
    BOOST_TEST(first->held());
    BOOST_TEST((mode_of(d->path_of("k.lock")) & 07777) == 0600u);

    // flock locks belong to the open file, so a second lock in this process contends like another process.
    int waits = 0;
    const auto start = std::chrono::steady_clock::now();
    auto second = d->lock("k.lock", 150ms, [&] { ++waits; });
    const auto took = std::chrono::steady_clock::now() - start;
    BOOST_REQUIRE(second.ok());
    BOOST_TEST(!second->held());
    BOOST_TEST(waits == 1);
    BOOST_TEST((took >= 150ms));
    BOOST_TEST((took < 5s));
    BOOST_TEST((second->waited() >= 150ms));

    // Released when the first goes: a waiter gets it.
    std::thread release([&] {
        std::this_thread::sleep_for(100ms);
        first = files::Lock{};
    });
    auto third = d->lock("k.lock", 5000ms);
    release.join();
    BOOST_REQUIRE(third.ok());
    BOOST_TEST(third->held());

    BOOST_REQUIRE(::mkdir(d->path_of("dir.lock").c_str(), 0700) == 0);
    BOOST_TEST((!d->lock("dir.lock", 10ms).ok()));
    BOOST_REQUIRE(::symlink(d->path_of("k.lock").c_str(), d->path_of("link.lock").c_str()) == 0);
    BOOST_TEST((!d->lock("link.lock", 10ms).ok()));
}
