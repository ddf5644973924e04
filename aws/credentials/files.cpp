// The default file readers of aws/: config and credentials files, token files, the SSO cache. They go
// through the file layer (core/files.hpp): regular files only (a FIFO or a device is refused), at most
// 16 MiB, buffers wiped on failure (these files hold keys and tokens). The null device reads as an empty
// file, as in botocore (AWS_CONFIG_FILE=/dev/null, BOTO_CONFIG=/dev/null: "no file").
#include "core/files.hpp"
#include "aws/credentials/provider.hpp"
#include "aws/shared_config.hpp"

namespace cat::aws {
namespace {
constexpr std::size_t max_file_bytes = std::size_t{16} << 20;
}  // namespace

Result<std::string> read_whole_file(const std::string& path) {
    if (files::is_null_device(path)) return std::string();
    return files::read_file(path, max_file_bytes);
}

Status write_private_file(const std::string& path, std::string_view bytes) {
    return files::write_private_atomic(path, bytes);
}

Result<std::optional<std::string>> read_optional_file(const std::string& path) {
    if (files::is_null_device(path)) return std::optional<std::string>(std::string());
    return files::read_file_if_exists(path, max_file_bytes);
}

}  // namespace cat::aws
