#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "aws/credentials/provider.hpp"
#include "sigv4/crypto.hpp"

namespace cat::aws {
namespace {

constexpr std::size_t max_file_bytes = 16 << 20;

Error cannot_read(const std::string& path, int err) {
    return Error::make(ErrorKind::config, "cannot read " + path + ": " + std::generic_category().message(err));
}

// Closes the descriptor however the read ends.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

// A read buffer that wipes itself: files read here hold tokens and keys.
struct Buffer {
    char bytes[8192];
    ~Buffer() { sigv4::crypto::wipe(bytes, sizeof bytes); }
};

}  // namespace

Result<std::string> read_whole_file(const std::string& path) {
    if (path.empty()) return Error::make(ErrorKind::config, "cannot read a file with an empty name");
    Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (file.fd < 0) return cannot_read(path, errno);
    struct stat st {};
    if (::fstat(file.fd, &st) != 0) return cannot_read(path, errno);
    if (S_ISDIR(st.st_mode)) return Error::make(ErrorKind::config, "cannot read " + path + ": it is a directory");
    std::string out;
    Buffer buffer;
    for (;;) {
        const ssize_t n = ::read(file.fd, buffer.bytes, sizeof buffer.bytes);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            sigv4::crypto::wipe(out);
            return cannot_read(path, err);
        }
        if (n == 0) break;
        if (out.size() + static_cast<std::size_t>(n) > max_file_bytes) {
            sigv4::crypto::wipe(out);
            return Error::make(ErrorKind::config, "cannot read " + path + ": it is larger than 16 MiB");
        }
        out.append(buffer.bytes, static_cast<std::size_t>(n));
    }
    return out;
}

}  // namespace cat::aws
