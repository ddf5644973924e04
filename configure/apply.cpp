// The one part of configure/ that touches the file system: reading the current files and writing the new
// ones atomically, both through the file layer (core/files.hpp).
#include <filesystem>

#include "configure/configure.hpp"
#include "core/files.hpp"

namespace cat::configure {

FileReader filesystem_reader() {
    return [](const std::string& path) { return files::read_file_if_exists(path); };
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
            if (ec) return Error::make(ErrorKind::config, "cannot follow the link " + target + ": " + ec.message());
            target = resolved.string();
        }
        if (auto s = files::make_directories(std::filesystem::path(target).parent_path().string()); !s) return s;
        if (auto s = files::write_private_atomic(target, e.after); !s) return s;
    }
    return Ok{};
}

}  // namespace cat::configure
