// The real file system behind ProviderContext::read_file.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "aws/credentials/provider.hpp"

namespace cat::aws {

Result<std::string> read_whole_file(const std::string& path) {
    constexpr std::size_t max_bytes = std::size_t{16} << 20;
    const auto fail = [&](std::string_view why) {
        return Error::make(ErrorKind::config, "cannot read " + path + ": " + std::string(why));
    };
    if (path.empty()) return Error::make(ErrorKind::config, "cannot read a file with an empty name");
    int fd = -1;
    do {
        fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    } while (fd < 0 && errno == EINTR);
    if (fd < 0) return fail(std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0 || S_ISDIR(st.st_mode)) {
        const int err = S_ISDIR(st.st_mode) ? EISDIR : errno;
        ::close(fd);
        return fail(std::strerror(err));
    }
    std::string out;
    if (S_ISREG(st.st_mode) && st.st_size > 0)
        out.reserve(std::min(static_cast<std::size_t>(st.st_size), max_bytes + 1));
    char buf[16384];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return fail(std::strerror(err));
        }
        if (n == 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        if (out.size() > max_bytes) {
            ::close(fd);
            return fail("larger than 16 MiB");
        }
    }
    ::close(fd);
    return out;
}

}  // namespace cat::aws
