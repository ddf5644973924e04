// The file layer on POSIX (Linux, macOS): see core/files.hpp.
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <thread>
#include <utility>

#include "core/files.hpp"
#include "core/files_common.hpp"
#include "core/secret.hpp"

namespace cat::files {
namespace {

using std::chrono::milliseconds;

Error config_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

// A refusal for safety: the message says why, the code says what it is.
Error unsafe_error(std::string message) {
    Error e = config_error(std::move(message));
    e.code = std::string(unsafe_path);
    return e;
}

Error os_error(std::string_view what, std::string_view path, int err) {
    return config_error("cannot " + std::string(what) + " " + std::string(path) + ": " + std::strerror(err));
}

int fd_of(std::intptr_t handle) {
    return static_cast<int>(handle);
}

std::string octal_mode(mode_t mode) {
    std::array<char, 16> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<unsigned>(mode & 07777), 8);
    std::string digits(buf.data(), r.ptr);
    if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
    return digits;
}

// "is a directory", "is a FIFO", ... for a file that is not a regular one.
std::string kind_of(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISLNK(mode)) return "a symlink";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISCHR(mode) || S_ISBLK(mode)) return "a device";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

// Without trailing "/" and "/." ("dir/./" is "dir"), so that checks made on the path with lstat see the
// last component itself: "link/." would otherwise pass through a symlink the checks refuse.
std::string strip_trailing_slashes(std::string path) {
    for (;;) {
        while (path.size() > 1 && path.back() == '/') path.pop_back();
        if (path.size() > 2 && path.ends_with("/.")) {
            path.resize(path.size() - 2);
            continue;
        }
        return path;
    }
}

std::string join(const std::string& dir, std::string_view name) {
    if (dir == "/") return dir + std::string(name);
    return dir + "/" + std::string(name);
}

// (folder, name) of a path: "a/b" -> ("a", "b"), "b" -> (".", "b"), "/b" -> ("/", "b").
std::pair<std::string, std::string> split_path(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return {".", path};
    return {slash == 0 ? "/" : path.substr(0, slash), path.substr(slash + 1)};
}

bool plain_name(std::string_view name) {
    return !name.empty() && name != "." && name != ".." && name.find('/') == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

// Reads what is left of `fd` into a buffer that never leaves a copy behind: it grows by moving into a new
// one and wiping the old, and is wiped on every failure.
Result<std::string> read_bounded(int fd, std::string_view name, std::size_t max_bytes, std::size_t size_hint) {
    std::string out(std::min(size_hint, max_bytes) + 1, '\0');
    std::size_t len = 0;
    for (;;) {
        if (len == out.size()) {
            if (len > max_bytes) break;
            std::string bigger(std::min(out.size() * 2, max_bytes + 1), '\0');
            std::memcpy(bigger.data(), out.data(), len);
            wipe(out);
            out.swap(bigger);
        }
        const ssize_t n = ::read(fd, out.data() + len, out.size() - len);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            wipe(out);
            return os_error("read", name, err);
        }
        if (n == 0) break;
        len += static_cast<std::size_t>(n);
    }
    if (len > max_bytes) {
        wipe(out);
        return config_error("cannot read " + std::string(name) + ": it is larger than " + std::to_string(max_bytes) +
                            " bytes");
    }
    out.resize(len);
    return out;
}

Status write_fd(int fd, std::string_view bytes, std::string_view name) {
    while (!bytes.empty()) {
        const ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return os_error("write", name, errno);
        if (n == 0) return os_error("write", name, EIO);
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return Ok{};
}

// A write to a pipe whose reader has gone raises SIGPIPE, which would end the process without a word.
// Ignored once, so that the write fails with EPIPE and is reported like any other write error.
void ignore_sigpipe() noexcept {
    static const bool done = [] {
        struct sigaction sa {};
        sa.sa_handler = SIG_IGN;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGPIPE, &sa, nullptr);
        return true;
    }();
    (void)done;
}

std::string temp_name(std::string_view name) {
    return detail::temp_name(name, static_cast<std::uint64_t>(::getpid()));
}

// The folder checks of open_private; "" when it passes, else what is wrong.
std::string unsafe_dir_reason(const struct stat& st) {
    if (S_ISLNK(st.st_mode)) return "is a symlink (give the real path)";
    if (!S_ISDIR(st.st_mode)) return "is not a directory";
    if (st.st_uid != ::geteuid())
        return "is owned by uid " + std::to_string(st.st_uid) + ", not by the current user (uid " +
               std::to_string(::geteuid()) + ")";
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0)
        return "is writable by group or others (mode " + octal_mode(st.st_mode) + "; chmod 700 it)";
    return {};
}

// mkdir -p; the folders it creates get 0700 (chmod too, in case the umask took bits away). `label`
// names the folder in messages.
Status make_dirs(const std::string& dir, std::string_view label) {
    for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        if (dir[pos - 1] == '/') continue;  // "a//b"
        const std::string prefix = dir.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) == 0) {
            if (::chmod(prefix.c_str(), 0700) != 0)
                return os_error("set the mode of " + std::string(label), prefix, errno);
            continue;
        }
        if (errno == EEXIST) {
            // Something in the way of a folder below it; the last one is the caller's to check.
            struct stat st {};
            if (pos != dir.size() && ::stat(prefix.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
                return config_error("cannot create " + std::string(label) + " " + dir + ": " + prefix +
                                    " is in the way (it is not a folder)");
            continue;
        }
        return os_error("create " + std::string(label), prefix, errno);
    }
    return Ok{};
}

File open_dir(const std::string& path, bool follow) {
    const int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
    return File::adopt(::open(path.c_str(), flags), path);
}

}  // namespace

// What a written file gets: its mode, and the owner and group of the file it replaces (-1: ours).
struct Keep {
    mode_t mode = 0600;
    uid_t uid = static_cast<uid_t>(-1);
    gid_t gid = static_cast<gid_t>(-1);
};

// The private parts the classes share with this file.
struct Native {
    static int fd(const File& f) { return fd_of(f.handle_); }
    static int fd(const Directory& d) { return fd(d.handle_); }
    static Directory make_directory(std::string path, File handle) {
        Directory d;
        d.path_ = std::move(path);
        d.handle_ = std::move(handle);
        return d;
    }
    static Lock make_lock(File file, bool held, milliseconds waited) {
        Lock l;
        l.file_ = std::move(file);
        l.held_ = held;
        l.waited_ = waited;
        return l;
    }
    static Status write_private(int dir_fd, const std::string& dir, std::string_view name, std::string_view bytes,
                                Directory::Existing existing, Keep keep = {});
};

// ---- File -------------------------------------------------------------------------------------------

File::File(File&& other) noexcept : handle_(std::exchange(other.handle_, -1)), name_(std::move(other.name_)) {}

File& File::operator=(File&& other) noexcept {
    if (this != &other) {
        if (handle_ >= 0) ::close(fd_of(handle_));
        handle_ = std::exchange(other.handle_, -1);
        name_ = std::move(other.name_);
    }
    return *this;
}

File::~File() {
    if (handle_ >= 0) ::close(fd_of(handle_));
}

File File::adopt(std::intptr_t native, std::string name) {
    File f;
    f.handle_ = native < 0 ? -1 : native;
    f.name_ = std::move(name);
    return f;
}

bool File::is_open() const noexcept {
    return handle_ >= 0;
}

Status File::close() {
    const std::intptr_t h = std::exchange(handle_, -1);
    if (h < 0) return Ok{};
    if (::close(fd_of(h)) != 0 && errno != EINTR) return os_error("write", name_, errno);
    return Ok{};
}

Status write_all(File& file, std::string_view bytes) {
    if (!file.is_open()) return config_error("cannot write " + file.name() + ": it is not open");
    ignore_sigpipe();
    return write_fd(Native::fd(file), bytes, file.name());
}

// ---- reading ----------------------------------------------------------------------------------------

namespace {

// nullopt when absent (and `absent_ok`), the content, or an error.
Result<std::optional<std::string>> read_path(const std::string& path, std::size_t max_bytes, bool absent_ok) {
    if (path.empty()) return config_error("cannot read a file with an empty name");
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    File file = File::adopt(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC), path);
    if (!file.is_open()) {
        const int err = errno;
        if (absent_ok && (err == ENOENT || err == ENOTDIR)) return std::optional<std::string>{};
        return os_error("read", path, err);
    }
    struct stat st {};
    if (::fstat(Native::fd(file), &st) != 0) return os_error("read", path, errno);
    if (!S_ISREG(st.st_mode)) return config_error("cannot read " + path + ": it is " + kind_of(st.st_mode));
    auto content =
        read_bounded(Native::fd(file), path, max_bytes, static_cast<std::size_t>(std::max<off_t>(st.st_size, 0)));
    if (!content) return std::move(content).error();
    return std::optional<std::string>(std::move(*content));
}

}  // namespace

Result<std::string> read_file(const std::string& path, std::size_t max_bytes) {
    auto r = read_path(path, max_bytes, false);
    if (!r) return std::move(r).error();
    return std::move(**r);
}

Result<std::optional<std::string>> read_file_if_exists(const std::string& path, std::size_t max_bytes) {
    return read_path(path, max_bytes, true);
}

bool is_null_device(const std::string& path) noexcept {
    struct stat st {};
    struct stat null {};
    return ::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && ::stat("/dev/null", &null) == 0 &&
           st.st_rdev == null.st_rdev;
}

// ---- standard streams -------------------------------------------------------------------------------

namespace {
int std_fd(Stream s) {
    switch (s) {
        case Stream::in: return STDIN_FILENO;
        case Stream::out: return STDOUT_FILENO;
        case Stream::err: return STDERR_FILENO;
    }
    return STDERR_FILENO;
}
using detail::std_name;
}  // namespace

Status write_all(Stream stream, std::string_view bytes) {
    ignore_sigpipe();
    return write_fd(std_fd(stream), bytes, std_name(stream));
}

bool is_terminal(Stream stream) noexcept {
    return ::isatty(std_fd(stream)) == 1;
}

bool wait_readable(Stream stream, std::chrono::milliseconds wait) noexcept {
    pollfd p{std_fd(stream), POLLIN, 0};
    const auto ms = static_cast<int>(std::clamp<std::chrono::milliseconds::rep>(wait.count(), 0, 60'000));
    int n = 0;
    do {
        n = ::poll(&p, 1, ms);
    } while (n < 0 && errno == EINTR);
    return n > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

namespace {

// The terminal whose echo ask_terminal turned off, and its settings before: a signal that ends us while the
// line is typed (Ctrl-C) restores them first, as getpass does on KeyboardInterrupt. Read by the handler.
int quiet_fd = -1;
termios quiet_saved{};
constexpr int quiet_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_echo_and_end(int sig) {
    ::tcsetattr(quiet_fd, TCSAFLUSH, &quiet_saved);
    // Then end as the signal would have ended us (it is blocked while we handle it: delivered on return).
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

// Echo off on `fd` while it lives, as getpass: then the terminal as it was, and the newline the user's Enter
// did not echo (on an error too). Signals left at their default action restore the terminal before they end us.
class Quiet {
public:
    explicit Quiet(int fd) : fd_(fd) {
        if (::tcgetattr(fd_, &saved_) != 0) return;
        quiet_fd = fd_;
        quiet_saved = saved_;
        for (std::size_t i = 0; i < std::size(quiet_signals); ++i) {
            struct sigaction act {};
            if (::sigaction(quiet_signals[i], nullptr, &act) != 0 || act.sa_handler != SIG_DFL) continue;
            act.sa_handler = restore_echo_and_end;
            sigemptyset(&act.sa_mask);
            act.sa_flags = 0;
            caught_[i] = ::sigaction(quiet_signals[i], &act, nullptr) == 0;
        }
        termios quiet = saved_;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        changed_ = ::tcsetattr(fd_, TCSAFLUSH, &quiet) == 0;
    }
    Quiet(const Quiet&) = delete;
    Quiet& operator=(const Quiet&) = delete;
    ~Quiet() {
        if (changed_) ::tcsetattr(fd_, TCSAFLUSH, &saved_);
        for (std::size_t i = 0; i < std::size(quiet_signals); ++i) {
            if (!caught_[i]) continue;
            struct sigaction dfl {};
            dfl.sa_handler = SIG_DFL;
            sigemptyset(&dfl.sa_mask);
            ::sigaction(quiet_signals[i], &dfl, nullptr);
        }
        if (changed_) (void)write_fd(fd_, "\n", "/dev/tty");
    }

private:
    int fd_;
    termios saved_{};
    bool changed_ = false;
    std::array<bool, std::size(quiet_signals)> caught_{};
};

}  // namespace

Result<std::optional<std::string>> ask_terminal(std::string_view prompt) {
    const int fd = ::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY);  // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (fd < 0) return std::optional<std::string>();
    struct Closer {
        int fd;
        ~Closer() { ::close(fd); }
    } closer{fd};
    // Before the prompt, so that nothing typed after it shows.
    const Quiet quiet(fd);
    if (auto s = write_fd(fd, prompt, "/dev/tty"); !s) return s.error();
    std::string line;
    for (;;) {
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return Error::make(ErrorKind::credentials, "the terminal closed before a line was entered");
        if (c == '\n') break;
        if (line.size() < 256 && c != '\r') line += c;
    }
    return std::optional<std::string>(std::move(line));
}

void reserve_standard_streams() noexcept {
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) continue;
        // The lowest free descriptor is `fd` itself (the lower ones are open by now); no O_CLOEXEC: it stays a
        // standard stream, for our children too.
        const int got = ::open("/dev/null", O_RDONLY);  // NOLINT(cppcoreguidelines-pro-type-vararg)
        if (got >= 0 && got != fd) {
            ::dup2(got, fd);
            ::close(got);
        }
    }
}

Result<std::string> read_stdin(std::size_t max_bytes) {
    // Terraform's query is a few hundred bytes: a small first buffer (it grows as needed), since zeroing
    // 64 KiB cost every run with a non-terminal stdin 70 K instructions.
    return read_bounded(STDIN_FILENO, std_name(Stream::in), max_bytes, 4 * 1024);
}

// ---- writing ----------------------------------------------------------------------------------------

Status append_file(const std::string& path, std::string_view text) {
    File file = File::adopt(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0600), path);
    if (!file.is_open()) return os_error("open", path, errno);
    if (auto s = write_all(file, text); !s) return s;
    return file.close();
}

Status make_directories(const std::string& dir) {
    const std::string path = strip_trailing_slashes(dir);
    if (auto s = make_dirs(path, "directory"); !s) return s;
    struct stat st {};
    if (!path.empty() && ::stat(path.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
        return config_error("cannot create directory " + path + ": it is in the way (it is not a folder)");
    return Ok{};
}

Status Native::write_private(int dir_fd, const std::string& dir, std::string_view name, std::string_view bytes,
                             Directory::Existing existing, Keep keep) {
    const std::string target(name);
    const std::string shown = join(dir, name);
    if (!plain_name(name)) return config_error("cannot write " + shown + ": not a plain file name");
    struct stat st {};
    if (::fstatat(dir_fd, target.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
        const bool replaceable =
            S_ISREG(st.st_mode) || (existing == Directory::Existing::any_file && !S_ISDIR(st.st_mode));
        if (!replaceable) return config_error("refusing to replace " + shown + ": it is " + kind_of(st.st_mode));
    } else if (errno != ENOENT) {
        return os_error("inspect", shown, errno);
    }

    std::string tmp;
    int raw = -1;
    for (int attempt = 0; attempt < 8 && raw < 0; ++attempt) {
        tmp = temp_name(name);
        raw = ::openat(dir_fd, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (raw < 0 && errno != EEXIST) break;
    }
    if (raw < 0) return os_error("create a temporary file in", dir, errno);
    File file = File::adopt(raw, join(dir, tmp));
    auto fail = [&](Error e) -> Status {
        (void)file.close();
        ::unlinkat(dir_fd, tmp.c_str(), 0);
        return e;
    };
    if ((keep.uid != static_cast<uid_t>(-1) || keep.gid != static_cast<gid_t>(-1)) &&
        ::fchown(raw, keep.uid, keep.gid) != 0)
        return fail(os_error("give the owner of " + shown + " to", file.name(), errno));
    if (::fchmod(raw, keep.mode) != 0) return fail(os_error("set the mode of", file.name(), errno));
    if (auto s = write_fd(raw, bytes, shown); !s) return fail(std::move(s).error());
    if (::fsync(raw) != 0) return fail(os_error("flush", shown, errno));
    if (auto s = file.close(); !s) return fail(std::move(s).error());
    if (::renameat(dir_fd, tmp.c_str(), dir_fd, target.c_str()) != 0) return fail(os_error("replace", shown, errno));
    (void)::fsync(dir_fd);  // best effort: the rename survives a crash
    return Ok{};
}

Status write_private_atomic(const std::string& path, std::string_view bytes) {
    const auto [dir, name] = split_path(strip_trailing_slashes(path));
    const File d = open_dir(dir, true);
    if (!d.is_open()) return os_error("write in", dir, errno);
    return Native::write_private(Native::fd(d), dir, name, bytes, Directory::Existing::regular_only);
}

namespace {

// The user's existing file `name` in the folder `dir` (not followed if it is a link), before replace_user_file
// or remove_user_file `verb`s it: a regular file, writable by its owner (else the user made it read-only),
// owned by the current user (root: by anyone). Its status, nullopt when it is absent; a refusal names
// `instead`, what the user may do otherwise.
Result<std::optional<struct stat>> user_file_status(int dir, const std::string& name, const std::string& path,
                                                    std::string_view verb, std::string_view instead) {
    struct stat st {};
    if (::fstatat(dir, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) return std::optional<struct stat>{};
        return os_error("inspect", path, errno);
    }
    const std::string refusing = "refusing to " + std::string(verb) + " " + path + ": it is ";
    if (!S_ISREG(st.st_mode)) return config_error(refusing + kind_of(st.st_mode));
    if ((st.st_mode & S_IWUSR) == 0)
        return config_error(refusing + "read-only (mode " + octal_mode(st.st_mode) + "); make it writable (chmod u+w " +
                            path + ") or " + std::string(instead));
    const uid_t me = ::geteuid();
    if (st.st_uid != me && me != 0)
        return config_error(refusing + "owned by uid " + std::to_string(st.st_uid) + ", not by the current user (uid " +
                            std::to_string(me) + "); run as its owner or " + std::string(instead));
    return std::optional<struct stat>(st);
}

}  // namespace

Status replace_user_file(const std::string& path, std::string_view bytes) {
    const auto [dir, name] = split_path(strip_trailing_slashes(path));
    const File d = open_dir(dir, true);
    if (!d.is_open()) return os_error("write in", dir, errno);
    if (!plain_name(name)) return config_error("cannot write " + path + ": not a plain file name");
    Keep keep;
    auto existing = user_file_status(Native::fd(d), name, path, "replace", "write another file (--config-file)");
    if (!existing) return std::move(existing).error();
    if (const auto& st = *existing) {
        const uid_t me = ::geteuid();
        if (me == 0) {  // root keeps the file its user's; a normal user's group is kept where it may be
            keep.uid = st->st_uid;
            keep.gid = st->st_gid;
        } else if (st->st_gid != ::getegid()) {
            keep.gid = st->st_gid;
        }
        // The file holds a secret: any permission beyond the owner's read and write is taken away (0644 and
        // 0755 become 0600); a narrower mode of the owner's is kept.
        const mode_t mode = st->st_mode & 07777;
        keep.mode = (mode & ~mode_t{0600}) != 0 ? mode_t{0600} : mode;
    }
    auto s = Native::write_private(Native::fd(d), dir, name, bytes, Directory::Existing::regular_only, keep);
    if (!s && keep.gid != static_cast<gid_t>(-1) && keep.uid == static_cast<uid_t>(-1)) {
        // A group the user is not a member of cannot be given: write it with the user's own group.
        keep.gid = static_cast<gid_t>(-1);
        s = Native::write_private(Native::fd(d), dir, name, bytes, Directory::Existing::regular_only, keep);
    }
    return s;
}

Status remove_user_file(const std::string& path) {
    const auto [dir, name] = split_path(strip_trailing_slashes(path));
    const File d = open_dir(dir, true);
    if (!d.is_open()) return errno == ENOENT ? Status(Ok{}) : os_error("remove in", dir, errno);
    if (!plain_name(name)) return config_error("cannot remove " + path + ": not a plain file name");
    auto existing = user_file_status(Native::fd(d), name, path, "remove", "delete it yourself");
    if (!existing) return std::move(existing).error();
    // unlinkat takes the name itself: had it become a link since, the link would go, never what it names.
    if (*existing && ::unlinkat(Native::fd(d), name.c_str(), 0) != 0 && errno != ENOENT)
        return os_error("remove", path, errno);
    return Ok{};
}

// ---- Directory --------------------------------------------------------------------------------------

Result<Directory> Directory::open_private(std::string path, std::string_view label) {
    path = strip_trailing_slashes(std::move(path));
    const std::string what(label);
    if (path.empty()) return config_error("the " + what + " is an empty path");
    if (auto s = make_dirs(path, what); !s) return s.error();

    struct stat before {};
    if (::lstat(path.c_str(), &before) != 0) return os_error("use " + what, path, errno);
    if (auto why = unsafe_dir_reason(before); !why.empty())
        return unsafe_error("refusing " + what + " " + path + ": it " + why);
    File handle = open_dir(path, false);
    if (!handle.is_open()) return os_error("open " + what, path, errno);
    struct stat after {};
    if (::fstat(Native::fd(handle), &after) != 0) return os_error("use " + what, path, errno);
    if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
        return unsafe_error("refusing " + what + " " + path + ": it was replaced while being opened");
    if (auto why = unsafe_dir_reason(after); !why.empty())
        return unsafe_error("refusing " + what + " " + path + ": it " + why);
    return Native::make_directory(std::move(path), std::move(handle));
}

std::string Directory::path_of(std::string_view name) const {
    return join(path_, name);
}

Result<std::optional<std::string>> Directory::read_private(std::string_view name, std::size_t max_bytes) const {
    const std::string shown = path_of(name);
    if (!plain_name(name)) return config_error("cannot read " + shown + ": not a plain file name");
    const std::string target(name);
    // O_NOFOLLOW: a symlink is refused; O_NONBLOCK: a FIFO planted there cannot hang us.
    File file =
        File::adopt(::openat(Native::fd(*this), target.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC), shown);
    if (!file.is_open()) {
        const int err = errno;
        if (err == ENOENT) return std::optional<std::string>{};
        if (err == ELOOP) return config_error("refusing " + shown + ": it is a symlink");
        return os_error("open", shown, err);
    }
    struct stat st {};
    if (::fstat(Native::fd(file), &st) != 0) return os_error("inspect", shown, errno);
    if (!S_ISREG(st.st_mode)) return config_error("refusing " + shown + ": it is " + kind_of(st.st_mode));
    if (st.st_uid != ::geteuid())
        return config_error("refusing " + shown + ": it is owned by uid " + std::to_string(st.st_uid));
    if ((st.st_mode & 077) != 0)
        return config_error("refusing " + shown + ": it is open to group or others (mode " + octal_mode(st.st_mode) +
                            ")");
    if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > max_bytes)
        return config_error("refusing " + shown + ": it is larger than " + std::to_string(max_bytes) + " bytes");
    auto content = read_bounded(Native::fd(file), shown, max_bytes, static_cast<std::size_t>(st.st_size));
    if (!content) return std::move(content).error();
    return std::optional<std::string>(std::move(*content));
}

Status Directory::write_private(std::string_view name, std::string_view bytes, Existing existing) const {
    return Native::write_private(Native::fd(*this), path_, name, bytes, existing);
}

std::size_t Directory::remove_files_if(
    const std::function<bool(std::string_view, std::chrono::system_clock::time_point)>& remove) const {
    const int fd = ::openat(Native::fd(*this), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return 0;
    }
    std::size_t removed = 0;
    while (const dirent* e = ::readdir(dir)) {
        const std::string_view name(e->d_name);
        struct stat st {};
        if (name == "." || name == ".." || ::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
            !S_ISREG(st.st_mode))
            continue;
        const auto modified = std::chrono::system_clock::time_point{
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds{st.st_mtim.tv_sec})};
        if (remove(name, modified) && ::unlinkat(fd, e->d_name, 0) == 0) ++removed;
    }
    ::closedir(dir);
    return removed;
}

using detail::is_temp_name_of;

std::size_t remove_stale_temporaries(const std::string& path, std::chrono::seconds max_age) {
    const auto [folder, name] = split_path(path);
    if (!plain_name(name)) return 0;
    const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return 0;
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        ::close(fd);
        return 0;
    }
    const auto cutoff = std::chrono::system_clock::now() - max_age;
    std::size_t removed = 0;
    while (const dirent* e = ::readdir(dir)) {
        if (!is_temp_name_of(e->d_name, name)) continue;
        struct stat st {};
        if (::fstatat(fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
            continue;
        const auto changed = std::chrono::system_clock::time_point{
            std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds{st.st_mtim.tv_sec})};
        if (changed < cutoff && ::unlinkat(fd, e->d_name, 0) == 0) ++removed;
    }
    ::closedir(dir);
    return removed;
}

Result<Lock> Directory::lock(std::string_view name, milliseconds timeout, const std::function<void()>& on_wait) const {
    const std::string shown = path_of(name);
    if (!plain_name(name)) return config_error("cannot lock " + shown + ": not a plain file name");
    const std::string target(name);
    File file = File::adopt(
        ::openat(Native::fd(*this), target.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600),
        shown);
    if (!file.is_open()) return os_error("open the lock file", shown, errno);
    struct stat st {};
    if (::fstat(Native::fd(file), &st) != 0) return os_error("inspect the lock file", shown, errno);
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
        return config_error("refusing lock file " + shown + ": it is not a regular file of ours");

    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    const auto since_start = [&] {
        return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start);
    };
    milliseconds delay{2};
    bool waiting = false;
    for (;;) {
        if (::flock(Native::fd(file), LOCK_EX | LOCK_NB) == 0)
            return Native::make_lock(std::move(file), true, since_start());
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) return os_error("lock", shown, errno);
        if (!waiting) {
            waiting = true;
            if (on_wait) on_wait();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return Native::make_lock(File{}, false, since_start());
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(delay, deadline - now));
        delay = std::min(delay * 2, milliseconds{50});
    }
}

}  // namespace cat::files
