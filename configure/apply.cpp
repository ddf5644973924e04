// The one part of configure/ that touches the file system: reading the current files and writing the new
// ones atomically.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "configure/configure.hpp"

namespace cat::configure {
namespace {

Error fs_error(const std::string& what, const std::string& path, int err) {
    return Error::make(ErrorKind::config, "cannot " + what + " " + path + ": " + std::strerror(err));
}

std::string parent_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

// mkdir -p with mode 0700 for the folders it creates.
Status make_dirs(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) == 0) {
        if (S_ISDIR(st.st_mode)) return Ok{};
        return Error::make(ErrorKind::config, "cannot create files in " + dir + ": it is not a folder");
    }
    if (errno != ENOENT && errno != ENOTDIR) return fs_error("inspect", dir, errno);
    const auto parent = parent_of(dir);
    if (parent != dir)
        if (auto s = make_dirs(parent); !s) return s;
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return fs_error("create the folder", dir, errno);
    return Ok{};
}

Status write_all(int fd, std::string_view data, const std::string& path) {
    while (!data.empty()) {
        const auto n = ::write(fd, data.data(), data.size());
        if (n < 0) {
            if (errno == EINTR) continue;
            return fs_error("write", path, errno);
        }
        data.remove_prefix(static_cast<std::size_t>(n));
    }
    return Ok{};
}

Status write_atomically(const std::string& path, std::string_view content) {
    const auto dir = parent_of(path);
    if (auto s = make_dirs(dir); !s) return s;
    const auto slash = path.rfind('/');
    std::string tmp = dir + "/." + (slash == std::string::npos ? path : path.substr(slash + 1)) + ".XXXXXX";
    const int fd = ::mkstemp(tmp.data());
    if (fd < 0) return fs_error("create a temporary file beside", path, errno);
    Status s = Ok{};
    if (::fchmod(fd, 0600) != 0) s = fs_error("set the mode of", tmp, errno);
    if (s) s = write_all(fd, content, tmp);
    if (s && ::fsync(fd) != 0) s = fs_error("flush", tmp, errno);
    if (::close(fd) != 0 && s) s = fs_error("close", tmp, errno);
    if (s && ::rename(tmp.c_str(), path.c_str()) != 0) s = fs_error("replace", path, errno);
    if (!s) {
        ::unlink(tmp.c_str());
        return s;
    }
    // The rename itself is durable once the folder is flushed.
    const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)::fsync(dfd);
        ::close(dfd);
    }
    return Ok{};
}

}  // namespace

FileReader filesystem_reader() {
    return [](const std::string& path) -> Result<std::optional<std::string>> {
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0) {
            if (errno == ENOENT || errno == ENOTDIR) return std::optional<std::string>{};
            return fs_error("read", path, errno);
        }
        if (S_ISDIR(st.st_mode)) return fs_error("read", path, EISDIR);
        std::ifstream in(path, std::ios::binary);
        if (!in) return fs_error("read", path, errno == 0 ? EACCES : errno);
        std::ostringstream ss;
        ss << in.rdbuf();
        if (in.bad()) return fs_error("read", path, errno);
        return std::optional<std::string>(ss.str());
    };
}

Status apply(const std::vector<FileEdit>& edits, const FileReader& read) {
    // First every check, so that a file changed under us stops the run before anything is written.
    for (const auto& e : edits) {
        if (!e.changed()) continue;
        auto now = read(e.path);
        if (!now) return std::move(now).error();
        if (now->has_value() != e.exists || (now->has_value() && **now != e.before))
            return Error::make(ErrorKind::config, e.path + " changed while it was being configured; run again");
    }
    for (const auto& e : edits) {
        if (!e.changed()) continue;
        std::string target = e.path;
        std::error_code ec;
        if (std::filesystem::is_symlink(target, ec)) {
            const auto resolved = std::filesystem::weakly_canonical(target, ec);
            if (ec) return fs_error("follow the link", target, ec.value());
            target = resolved.string();
        }
        if (auto s = write_atomically(target, e.after); !s) return s;
    }
    return Ok{};
}

}  // namespace cat::configure
