// The one part of configure/ that touches the file system: reading the current files, locking them against
// another --configure, and writing the new ones atomically, all through the file layer (core/files.hpp).
#include <algorithm>
#include <filesystem>

#include "configure/configure.hpp"
#include "core/files.hpp"
#include "sigv4/crypto.hpp"

namespace cat::configure {
namespace {

namespace fs = std::filesystem;

Error config_error(std::string message) {
    return Error::make(ErrorKind::config, std::move(message));
}

// True for a path inside /proc: /dev/stdout and /dev/fd/N lead there, to a process's descriptor (a pipe, a
// terminal, or a file opened by someone else), which is not a configuration file of the user's.
bool in_proc(const fs::path& p) {
    const auto text = p.lexically_normal().string();
    return text == "/proc" || text.starts_with("/proc/");
}

// The file a write to `path` replaces: a symlink to a regular file (or to an absent one) is followed, as
// dotfile managers link ~/.npmrc into their repository and expect the repository's file to change; its
// target is then checked as `path` would be. A link into /proc (/dev/stdout, /dev/fd/1) is refused.
Result<std::string> resolve_target(const std::string& path) {
    std::error_code ec;
    fs::path p = fs::absolute(path, ec);
    if (ec) return config_error("cannot use " + path + ": " + ec.message());
    for (int hops = 0; hops < 40; ++hops) {
        const fs::path parent = fs::weakly_canonical(p.parent_path(), ec);
        if (ec) return config_error("cannot follow the link " + path + ": " + ec.message());
        p = parent / p.filename();
        if (in_proc(p))
            return config_error("refusing to replace " + path + ": it leads to " + p.string() +
                                ", a process's descriptor, not a regular file");
        if (!fs::is_symlink(fs::symlink_status(p, ec))) return p.string();
        const fs::path to = fs::read_symlink(p, ec);
        if (ec) return config_error("cannot follow the link " + path + ": " + ec.message());
        p = to.is_absolute() ? to : parent / to;
    }
    return config_error("cannot follow the link " + path + ": too many levels of links");
}

// True when `path` itself is a symlink. --unconfigure leaves the file a linked path leads to empty rather than
// delete it: a dotfiles repository keeps its file (its history shows our entries going, not the file) and
// the link does not dangle. (A folder on the way that is a link does not count: the file in it goes.)
bool linked(const std::string& path) {
    std::error_code ec;
    return fs::is_symlink(fs::symlink_status(path, ec));
}

// The lock of one file, in the program's cache folder: "configure-<sha256 of its absolute path>.lock", so
// that no lock file is left in the user's folders and two names of one file share a lock.
std::string lock_name(const std::string& path) {
    std::error_code ec;
    auto key = fs::weakly_canonical(fs::absolute(path, ec), ec);
    if (ec) key = fs::absolute(path, ec).lexically_normal();
    return "configure-" + text::hex(sigv4::crypto::sha256(key.string())) + ".lock";
}

}  // namespace

FileReader filesystem_reader() {
    return [](const std::string& path) { return files::read_file_if_exists(path); };
}

Status apply(const std::vector<FileEdit>& edits, const FileReader& read) {
    // First every check, so that a file changed under us or one we may not replace stops the run before
    // anything is written.
    std::vector<std::string> targets;
    for (const auto& e : edits) {
        if (!e.changed()) {
            targets.emplace_back();
            continue;
        }
        auto now = read(e.path);
        if (!now) return std::move(now).error();
        if (now->has_value() != e.exists || (now->has_value() && **now != e.before))
            return config_error(e.path + " changed while it was being configured; run again");
        auto target = resolve_target(e.path);
        if (!target) return std::move(target).error();
        targets.push_back(std::move(*target));
    }
    for (std::size_t i = 0; i < edits.size(); ++i) {
        if (!edits[i].changed()) continue;
        if (edits[i].remove && !linked(edits[i].path)) {
            if (auto s = files::remove_user_file(targets[i]); !s) return s;
            continue;
        }
        if (auto s = files::make_directories(fs::path(targets[i]).parent_path().string()); !s) return s;
        if (auto s = files::replace_user_file(targets[i], edits[i].after); !s) return s;
    }
    return Ok{};
}

Result<std::vector<FileEdit>> apply_locked(const ConfigureInput& in, const Env& env, std::string_view home,
                                           const std::vector<FileEdit>& planned, const std::string& lock_dir,
                                           std::chrono::milliseconds timeout, const FileReader& read) {
    // What was done: a linked file left empty is not removed.
    const auto done = [](std::vector<FileEdit> edits) {
        for (auto& e : edits) e.remove = e.remove && !linked(e.path);
        return edits;
    };
    if (lock_dir.empty()) {  // no cache folder to lock in (no HOME): apply()'s check is the only guard
        if (auto s = configure::apply(planned, read); !s) return s.error();
        return done(planned);
    }
    auto dir = files::Directory::open_private(lock_dir, "cache directory");
    if (!dir) return std::move(dir).error();
    // One lock per file, taken in the order of their names so that two runs never wait for each other.
    std::vector<std::pair<std::string, std::string>> names;  // lock name, path
    names.reserve(planned.size());
    for (const auto& e : planned) names.emplace_back(lock_name(e.path), e.path);
    std::sort(names.begin(), names.end());
    std::vector<files::Lock> locks;
    for (const auto& [name, path] : names) {
        auto l = dir->lock(name, timeout);
        if (!l) return std::move(l).error();
        if (!l->held())
            return config_error("another --configure of " + path + " still held its lock after " +
                                std::to_string(timeout.count() / 1000) + " s (" + dir->path_of(name) + "); try again");
        locks.push_back(std::move(*l));
    }
    // Read again under the lock: another run may have changed the files since they were planned.
    auto edits = plan(in, env, home, read);
    if (!edits) return std::move(edits).error();
    const bool same_files = std::equal(edits->begin(), edits->end(), planned.begin(), planned.end(),
                                       [](const FileEdit& a, const FileEdit& b) { return a.path == b.path; });
    if (!same_files) return config_error("the files to configure changed while they were locked; run again");
    // Under the lock, what an earlier run killed between its write and its rename left behind goes.
    for (const auto& e : *edits) files::remove_stale_temporaries(e.path, std::chrono::minutes{1});
    if (auto s = configure::apply(*edits, read); !s) return s.error();
    return done(std::move(*edits));
}

}  // namespace cat::configure
