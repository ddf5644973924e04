// --configure on disk: apply() writes atomically with mode 0600, creates missing folders with mode 0700,
// leaves unchanged files alone, follows links, and refuses files that changed after plan() read them,
// special files and read-only ones; a replaced file keeps its owner; apply_locked() locks in the cache.
#define BOOST_TEST_MODULE configure_apply_test
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "configure/configure.hpp"
#include "core/files.hpp"

namespace fs = std::filesystem;
using namespace cat::configure;

namespace {

struct TempHome {
    fs::path dir;
    TempHome() {
        std::string tmpl = (fs::temp_directory_path() / "cat-configure-XXXXXX").string();
        BOOST_REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        dir = tmpl;
    }
    ~TempHome() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    std::string home() const { return dir.string(); }
};

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void spit(const fs::path& p, std::string_view text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
}

struct stat stat_of(const fs::path& p) {
    struct stat st {};
    BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st;
}

unsigned mode_of(const fs::path& p) {
    return stat_of(p).st_mode & 07777u;
}

ConfigureInput input_for(std::string tool, std::string token = "TOKEN-1") {
    ConfigureInput in;
    in.tool = std::move(tool);
    in.repository_endpoint = "https://my-domain-111122223333.d.codeartifact.us-west-2.amazonaws.com/" +
                             std::string(*repository_format(in.tool)) + "/my-repo/";
    in.token = std::move(token);
    in.domain = "my-domain";
    in.domain_owner = "111122223333";
    in.repository = "my-repo";
    return in;
}

std::vector<FileEdit> planned(const ConfigureInput& in, const TempHome& h) {
    auto edits = plan(in, cat::Env(), h.home(), filesystem_reader());
    BOOST_REQUIRE_MESSAGE(edits.ok(), (edits.ok() ? std::string() : edits.error().message));
    return std::move(*edits);
}

void apply_ok(const std::vector<FileEdit>& edits) {
    auto s = apply(edits);
    BOOST_REQUIRE_MESSAGE(s.ok(), (s.ok() ? std::string() : s.error().message));
}

std::size_t entries_in(const fs::path& dir) {
    return static_cast<std::size_t>(std::distance(fs::directory_iterator(dir), fs::directory_iterator()));
}

}  // namespace

BOOST_AUTO_TEST_CASE(creates_folders_0700_and_files_0600) {
    TempHome h;
    ::umask(022);
    apply_ok(planned(input_for("cargo"), h));
    BOOST_TEST(mode_of(h.dir / ".cargo") == 0700u);
    BOOST_TEST(mode_of(h.dir / ".cargo/config.toml") == 0600u);
    BOOST_TEST(mode_of(h.dir / ".cargo/credentials.toml") == 0600u);
    BOOST_TEST(slurp(h.dir / ".cargo/credentials.toml").find("Bearer TOKEN-1") != std::string::npos);
    BOOST_TEST(entries_in(h.dir / ".cargo") == 2u);  // no temporary file left behind

    apply_ok(planned(input_for("swift"), h));
    BOOST_TEST(mode_of(h.dir / ".swiftpm") == 0700u);
    BOOST_TEST(mode_of(h.dir / ".swiftpm/configuration") == 0700u);
    BOOST_TEST(mode_of(h.dir / ".netrc") == 0600u);
}

BOOST_AUTO_TEST_CASE(an_existing_file_keeps_its_folder_and_becomes_0600) {
    TempHome h;
    fs::create_directories(h.dir / ".m2");
    ::chmod((h.dir / ".m2").c_str(), 0755);
    spit(h.dir / ".m2/settings.xml", "<settings>\n  <offline>false</offline>\n</settings>\n");
    ::chmod((h.dir / ".m2/settings.xml").c_str(), 0644);
    apply_ok(planned(input_for("maven"), h));
    BOOST_TEST(mode_of(h.dir / ".m2") == 0755u);
    BOOST_TEST(mode_of(h.dir / ".m2/settings.xml") == 0600u);
    const auto text = slurp(h.dir / ".m2/settings.xml");
    BOOST_TEST(text.starts_with("<settings>\n  <offline>false</offline>\n  <servers>"));
    BOOST_TEST(text.find("<password>TOKEN-1</password>") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(applying_twice_rewrites_nothing) {
    TempHome h;
    apply_ok(planned(input_for("npm"), h));
    const auto first = stat_of(h.dir / ".npmrc");
    const auto again = planned(input_for("npm"), h);
    BOOST_REQUIRE(again.size() == 1u);
    BOOST_TEST(!again.front().changed());
    apply_ok(again);
    const auto second = stat_of(h.dir / ".npmrc");
    BOOST_TEST(first.st_ino == second.st_ino);  // not replaced
    BOOST_TEST(first.st_mtim.tv_sec == second.st_mtim.tv_sec);
    BOOST_TEST(first.st_mtim.tv_nsec == second.st_mtim.tv_nsec);

    // A new token replaces the file (a new inode: written beside it, then renamed over it).
    apply_ok(planned(input_for("npm", "TOKEN-2"), h));
    const auto third = stat_of(h.dir / ".npmrc");
    BOOST_TEST(third.st_ino != first.st_ino);
    const auto text = slurp(h.dir / ".npmrc");
    BOOST_TEST(text.find("TOKEN-2") != std::string::npos);
    BOOST_TEST(text.find("TOKEN-1") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(a_link_is_followed) {
    TempHome h;
    spit(h.dir / "dotfiles/npmrc", "save-exact=true\n");
    fs::create_symlink(h.dir / "dotfiles/npmrc", h.dir / ".npmrc");
    apply_ok(planned(input_for("npm"), h));
    BOOST_TEST(fs::is_symlink(h.dir / ".npmrc"));
    const auto text = slurp(h.dir / "dotfiles/npmrc");
    BOOST_TEST(text.starts_with("save-exact=true\nregistry=https://"));
    BOOST_TEST(mode_of(h.dir / "dotfiles/npmrc") == 0600u);
}

// --unconfigure: a file left with nothing goes, with the checks of a write (a read-only one is refused in one
// line); one whose path is a link (a dotfiles repository's) is left empty, the link and its target kept.
BOOST_AUTO_TEST_CASE(unconfigure_removes_what_it_emptied_with_the_checks_of_a_write) {
    TempHome h;
    auto removing = input_for("npm", "");
    removing.remove = true;
    apply_ok(planned(input_for("npm"), h));
    auto edits = planned(removing, h);
    BOOST_REQUIRE(edits.size() == 1u);
    BOOST_TEST(edits[0].remove);
    BOOST_REQUIRE(::chmod((h.dir / ".npmrc").c_str(), 0400) == 0);
    auto s = apply(edits);
    BOOST_REQUIRE(!s.ok());
    BOOST_TEST(s.error().message == "refusing to remove " + (h.dir / ".npmrc").string() +
                                        ": it is read-only (mode 0400); make it writable (chmod u+w " +
                                        (h.dir / ".npmrc").string() + ") or delete it yourself");
    BOOST_TEST(cat::exit_code(s.error().kind) == 6);
    BOOST_TEST(fs::exists(h.dir / ".npmrc"));
    BOOST_REQUIRE(::chmod((h.dir / ".npmrc").c_str(), 0600) == 0);
    apply_ok(edits);
    BOOST_TEST(!fs::exists(fs::symlink_status(h.dir / ".npmrc")));

    fs::create_directories(h.dir / "dotfiles");
    fs::create_symlink(h.dir / "dotfiles/npmrc", h.dir / ".npmrc");
    apply_ok(planned(input_for("npm"), h));
    BOOST_TEST(slurp(h.dir / "dotfiles/npmrc").find("TOKEN-1") != std::string::npos);
    auto done = apply_locked(removing, cat::Env(), h.home(), planned(removing, h), "");
    BOOST_REQUIRE(done.ok());
    BOOST_REQUIRE(done->size() == 1u);
    BOOST_TEST(!(*done)[0].remove);  // reported as left empty, not removed
    BOOST_TEST(fs::is_symlink(h.dir / ".npmrc"));
    BOOST_TEST(fs::is_regular_file(h.dir / "dotfiles/npmrc"));
    BOOST_TEST(slurp(h.dir / "dotfiles/npmrc").empty());
}

BOOST_AUTO_TEST_CASE(a_file_changed_after_planning_stops_everything) {
    TempHome h;
    const auto edits = planned(input_for("poetry"), h);
    BOOST_REQUIRE(edits.size() == 2u);
    spit(h.dir / ".config/pypoetry/auth.toml", "# written meanwhile\n");
    auto s = apply(edits);
    BOOST_REQUIRE(!s.ok());
    BOOST_TEST(s.error().message ==
               (h.dir / ".config/pypoetry/auth.toml").string() + " changed while it was being configured; run again");
    BOOST_TEST(cat::exit_code(s.error().kind) == 6);
    BOOST_TEST(!fs::exists(h.dir / ".config/pypoetry/config.toml"));  // checked before anything was written
    BOOST_TEST(slurp(h.dir / ".config/pypoetry/auth.toml") == "# written meanwhile\n");
}

BOOST_AUTO_TEST_CASE(config_file_override_and_reader) {
    TempHome h;
    auto in = input_for("pip");
    in.config_file = (h.dir / "project/pip.conf").string();
    const auto edits = planned(in, h);
    BOOST_REQUIRE(edits.size() == 1u);
    BOOST_TEST(edits.front().path == in.config_file);
    BOOST_TEST(!edits.front().exists);
    apply_ok(edits);
    BOOST_TEST(mode_of(h.dir / "project") == 0700u);
    auto read = filesystem_reader();
    auto content = read(in.config_file);
    BOOST_REQUIRE(content.ok());
    BOOST_REQUIRE(content->has_value());
    BOOST_TEST(content->value().starts_with("[global]\nindex-url = https://aws:TOKEN-1@"));
    auto missing = read((h.dir / "nope/none").string());
    BOOST_REQUIRE(missing.ok());
    BOOST_TEST(!missing->has_value());
    // A folder where the file should be is an error, not an empty file.
    fs::create_directories(h.dir / "adir");
    auto bad = apply({FileEdit{(h.dir / "adir").string(), "", "x", false, {}}});
    BOOST_TEST(!bad.ok());
    // A file in the way of a folder too.
    spit(h.dir / "afile", "x");
    auto blocked = apply({FileEdit{(h.dir / "afile/sub/f").string(), "", "x", false, {}}});
    BOOST_REQUIRE(!blocked.ok());
    BOOST_TEST(blocked.error().message.find("it is not a folder") != std::string::npos, blocked.error().message);
}

namespace {

// apply() of one hand-made edit that creates or replaces `path` (content `before`) with `before` + "+": the
// error, or "" when it worked.
std::string apply_error(const fs::path& path, bool exists = false, const std::string& before = {}) {
    auto s = apply({FileEdit{path.string(), before, before + "+", exists, {}}});
    if (s.ok()) return {};
    BOOST_TEST(cat::exit_code(s.error().kind) == 6);
    BOOST_TEST(s.error().message.find('\n') == std::string::npos);
    return s.error().message;
}

}  // namespace

// Issue 12, item 1: only a regular file or an absent one is replaced; nothing blocks on a FIFO.
BOOST_AUTO_TEST_CASE(special_files_are_refused_without_blocking) {
    TempHome h;
    const auto fifo = h.dir / "fifo";
    BOOST_REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    BOOST_TEST(apply_error(fifo).find(fifo.string()) != std::string::npos);
    BOOST_TEST(fs::is_fifo(fs::symlink_status(fifo)));
    if (::geteuid() == 0) {  // a copy of /dev/null
        const auto node = h.dir / "null";
        BOOST_REQUIRE(::mknod(node.c_str(), S_IFCHR | 0666, ::makedev(1, 3)) == 0);
        BOOST_TEST(apply_error(node).find("it is a device") != std::string::npos);
        BOOST_TEST(fs::is_character_file(fs::symlink_status(node)));
    }
    BOOST_TEST(apply_error("/dev/zero").find("/dev/zero") != std::string::npos);
    // A link to a FIFO, and a link into /proc to a regular file someone holds open.
    fs::create_symlink(fifo, h.dir / "to-fifo");
    BOOST_TEST(!apply_error(h.dir / "to-fifo").empty());
    spit(h.dir / "held", "mine\n");
    const int held = ::open((h.dir / "held").c_str(), O_RDONLY | O_CLOEXEC);
    BOOST_REQUIRE(held >= 0);
    const auto by_fd = h.dir / "by-fd";
    fs::create_symlink("/dev/fd/" + std::to_string(held), by_fd);
    const auto msg = apply_error(by_fd, true, slurp(by_fd));
    ::close(held);
    BOOST_TEST(msg.find("a process's descriptor") != std::string::npos, msg);
    BOOST_TEST(fs::is_symlink(by_fd));
    BOOST_TEST(slurp(h.dir / "held") == "mine\n");
}

// Issue 12, item 14: the owner, group and mode of a replaced file; read-only files are refused.
BOOST_AUTO_TEST_CASE(a_replaced_file_keeps_its_owner_and_a_narrow_mode) {
    TempHome h;
    const auto f = h.dir / "npmrc";
    spit(f, "a=1\n");
    ::chmod(f.c_str(), 0640);
    BOOST_TEST(apply_error(f, true, slurp(f)).empty());
    BOOST_TEST(mode_of(f) == 0600u);  // wider than 0600: narrowed, the file holds the token
    ::chmod(f.c_str(), 0200);
    BOOST_TEST(apply_error(f, true, slurp(f)).empty());
    BOOST_TEST(mode_of(f) == 0200u);  // narrower: kept
    ::chmod(f.c_str(), 0400);
    const auto ro = apply_error(f, true, slurp(f));
    BOOST_TEST(ro.find("read-only (mode 0400)") != std::string::npos, ro);
    BOOST_TEST(ro.find("chmod u+w") != std::string::npos);
    BOOST_TEST(ro.find("--config-file") != std::string::npos);
    if (::geteuid() == 0) {
        ::chmod(f.c_str(), 0644);
        BOOST_REQUIRE(::chown(f.c_str(), 12345, 23456) == 0);
        BOOST_TEST(apply_error(f, true, slurp(f)).empty());
        const auto st = stat_of(f);
        BOOST_TEST(st.st_uid == 12345u);
        BOOST_TEST(st.st_gid == 23456u);
        BOOST_TEST((st.st_mode & 07777u) == 0600u);
    }
}

// Issue 12, item 4: apply_locked takes the file's lock in the cache folder, and a lock held elsewhere
// past the timeout is a clear error.
BOOST_AUTO_TEST_CASE(apply_locked_locks_in_the_cache_folder) {
    TempHome h;
    const auto cache = (h.dir / "cache").string();
    const auto in = input_for("npm");
    auto done = apply_locked(in, cat::Env(), h.home(), planned(in, h), cache);
    BOOST_REQUIRE_MESSAGE(done.ok(), (done.ok() ? std::string() : done.error().message));
    BOOST_TEST(slurp(h.dir / ".npmrc").find("TOKEN-1") != std::string::npos);
    std::string lock;
    for (const auto& e : fs::directory_iterator(cache)) lock = e.path().filename().string();
    BOOST_TEST(lock.starts_with("configure-"));
    BOOST_TEST(entries_in(h.dir) == 2u);  // .npmrc and the cache folder: no lock file beside .npmrc

    auto dir = cat::files::Directory::open_private(cache);
    BOOST_REQUIRE(dir.ok());
    auto other = dir->lock(lock, std::chrono::milliseconds(0));
    BOOST_REQUIRE(other.ok());
    BOOST_REQUIRE(other->held());
    const auto in2 = input_for("npm", "TOKEN-2");
    auto busy = apply_locked(in2, cat::Env(), h.home(), planned(in2, h), cache, std::chrono::milliseconds(50));
    BOOST_REQUIRE(!busy.ok());
    BOOST_TEST(busy.error().message.find("another --configure of " + (h.dir / ".npmrc").string()) == 0u,
               busy.error().message);
    BOOST_TEST(slurp(h.dir / ".npmrc").find("TOKEN-1") != std::string::npos);
}

// Issue 12, item 12: the run that holds the lock removes what a run killed between its write and its rename
// left beside the file (older than a minute); a younger temporary, or any other file, stays.
BOOST_AUTO_TEST_CASE(apply_locked_removes_stale_temporaries) {
    TempHome h;
    // The names temp_name(".npmrc") makes: "." + name + ".<pid>.<n>.<ticks>.tmp".
    const auto stale = h.dir / "..npmrc.4242.0.123456.tmp";
    const auto young = h.dir / "..npmrc.4243.0.654321.tmp";
    const auto other = h.dir / "..npmrc.backup.tmp";
    for (const auto& p : {stale, young, other}) spit(p, "//host/:_authToken=OLD\n");
    fs::last_write_time(stale, fs::last_write_time(stale) - std::chrono::minutes(5));
    const auto in = input_for("npm");
    auto done = apply_locked(in, cat::Env(), h.home(), planned(in, h), (h.dir / "cache").string());
    BOOST_REQUIRE_MESSAGE(done.ok(), (done.ok() ? std::string() : done.error().message));
    BOOST_TEST(!fs::exists(stale));
    BOOST_TEST(fs::exists(young));
    BOOST_TEST(fs::exists(other));
}
