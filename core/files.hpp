// The file layer: every file, directory, lock and standard stream the program touches goes through here.
// It is the platform seam: core/files_posix.cpp implements it for Linux and macOS, and a Windows port
// implements this header a second time (nothing POSIX appears in it). Paths are UTF-8.
//
// Errors are ErrorKind::config and name the path and what is wrong ("cannot read /x/config: it is a
// directory"). Contents that may hold secrets (credentials files, token files, cache entries) are read into
// buffers that are wiped when a read fails half-way; the caller owns what is returned.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace cat::files {

// The bound of read_file when none is given: configuration and token files are a few KiB.
inline constexpr std::size_t default_max_bytes = std::size_t{1} << 20;  // 1 MiB
// The Error::code of a refusal for safety (a symlink, not ours, open to others, replaced while opened),
// as opposed to a failure to create or use the path: callers may treat the two differently.
inline constexpr std::string_view unsafe_path = "UnsafePath";

// The whole content of a regular file (symlinks are followed). A FIFO, a device, a directory or a file
// larger than `max_bytes` is an error, as is an absent file.
Result<std::string> read_file(const std::string& path, std::size_t max_bytes = default_max_bytes);
// The same, but an absent file (or an absent folder on its path) is nullopt rather than an error.
Result<std::optional<std::string>> read_file_if_exists(const std::string& path,
                                                       std::size_t max_bytes = default_max_bytes);
// Whether `path` names the null device (/dev/null, or a node of the same device; NUL on Windows): what a
// user sets a file variable to for "no file" (BOTO_CONFIG=/dev/null), which read_file refuses as a device.
bool is_null_device(const std::string& path) noexcept;

// Appends `text` to the file with one write in append mode, creating it with mode 0600 if needed
// (GitHub's GITHUB_OUTPUT and GITHUB_ENV files).
Status append_file(const std::string& path, std::string_view text);

// Creates `dir` and its missing parents; the folders it creates get mode 0700. An existing folder is
// left as it is; something else in the way is an error.
Status make_directories(const std::string& dir);

// Writes `bytes` to `path` atomically: a temporary file in the same folder (mode 0600), flushed to disk,
// then renamed over `path`, so a reader sees the old content or the new one. The folder must exist. An
// existing `path` that is not a regular file (a symlink, a FIFO, a folder) is refused: resolve links first.
// The file is 0600 afterwards, whatever its mode was. No temporary file is left behind on failure.
Status write_private_atomic(const std::string& path, std::string_view bytes);

// Replaces the user's own file `path` (or creates it) atomically, as write_private_atomic does, for a file
// that holds a secret and that someone else may also have made (`--configure`'s files). `path` itself must
// be a regular file or absent (resolve links first); a FIFO, device, socket, folder or symlink is refused
// without being opened. An existing file keeps its owner and group (as root the new file is given them; a
// normal user is refused a file owned by someone else rather than take it over) and its mode, except that
// a mode wider than 0600 becomes 0600, as the file holds a secret. A file without write permission for its
// owner is refused: the user made it read-only. A new file is 0600.
Status replace_user_file(const std::string& path, std::string_view bytes);
// Removes the user's own file `path` (--unconfigure's file left with nothing), with replace_user_file's
// checks: a regular file (a symlink, FIFO, device, socket or folder is refused: resolve links first),
// writable by its owner (a read-only file is refused: the user made it so), the current user's (root: anyone's).
// An absent file is Ok.
Status remove_user_file(const std::string& path);
// Removes the temporary files a writer of `path` (write_private_atomic, replace_user_file) left beside it
// when it was killed between its write and its rename: ".<name>.<pid>.<n>.<ticks>.tmp", regular, ours,
// last changed more than `max_age` ago (a younger one may be another run's, still writing). Returns how
// many were removed; a clean-up, so what cannot be listed or removed is left alone.
std::size_t remove_stale_temporaries(const std::string& path, std::chrono::seconds max_age);

// An open file, pipe or stream, closed when it goes.
class File {
public:
    File() noexcept = default;
    File(File&& other) noexcept;
    File& operator=(File&& other) noexcept;
    File(const File&) = delete;
    File& operator=(const File&) = delete;
    ~File();

    // Takes ownership of a native handle (a POSIX descriptor, a Windows HANDLE); `name` is for messages.
    static File adopt(std::intptr_t native, std::string name);

    bool is_open() const noexcept;
    const std::string& name() const noexcept { return name_; }
    // Closes now; a failure (a delayed write error) is reported. Closing a closed file is Ok.
    Status close();

private:
    friend struct Native;
    std::intptr_t handle_ = -1;
    std::string name_;
};

// Writes every byte, retrying short and interrupted writes. A write that fails (a closed pipe, a full
// disk) is an error naming the file; it never raises SIGPIPE.
Status write_all(File& file, std::string_view bytes);

// The standard streams.
enum class Stream { in, out, err };
Status write_all(Stream stream, std::string_view bytes);
bool is_terminal(Stream stream) noexcept;

// Asks the user on the terminal, whatever the standard streams are (botocore's getpass does the same):
// POSIX opens /dev/tty, Windows the console (CONIN$ and CONOUT$). Writes `prompt` there and reads one line
// (at most 256 bytes, without its line end; the typed text is echoed). nullopt when there is no terminal
// to ask (no controlling terminal: a CI job, a service); an error (ErrorKind::credentials) when the
// terminal ends before a line.
Result<std::optional<std::string>> ask_terminal(std::string_view prompt);
// Whether reading `stream` would not block (data or end of file) within `wait`. A terminal or an open pipe
// nobody writes to is not ready; /dev/null, a file, or a pipe with data or a closed writer is.
bool wait_readable(Stream stream, std::chrono::milliseconds wait) noexcept;
// All of standard input; more than `max_bytes` is an error.
Result<std::string> read_stdin(std::size_t max_bytes = default_max_bytes);
// Call first in main: a standard stream that was closed when we started gets /dev/null opened on it, read-only,
// so that no file we open later becomes our standard output (or input, or error). Read-only keeps a closed
// stdout an error: a write to it still fails (EBADF) and is reported as it would have been.
void reserve_standard_streams() noexcept;

// A lock taken with Directory::lock; released when it goes.
// Move-only (it holds a File).
class Lock {
public:
    // False when another process still held the lock when the timeout ran out.
    bool held() const noexcept { return held_; }
    // How long it took to take the lock (or to give up).
    std::chrono::milliseconds waited() const noexcept { return waited_; }

private:
    friend struct Native;
    File file_;
    bool held_ = false;
    std::chrono::milliseconds waited_{0};
};

// A folder held open: every name below is resolved inside it, so the folder cannot be swapped for
// another (or for a symlink) between a check and a use. `name` arguments are plain file names, no '/'.
// Move-only (it holds a File).
class Directory {
public:
    // A private folder: `path` and its missing parents are created (mode 0700); the folder must then
    // be a folder, not a symlink, owned by the current user and not writable by group or others.
    // Otherwise an error: "refusing directory <path>: it is a symlink (give the real path)", "... it is
    // owned by uid 0, not by the current user (uid 1000)", "... it is writable by group or others (mode
    // 0777; chmod 700 it)", "... it is not a directory", "cannot create directory <path>: ...".
    // `label` names the folder in messages ("cache directory").
    static Result<Directory> open_private(std::string path, std::string_view label = "directory");

    const std::string& path() const noexcept { return path_; }
    std::string path_of(std::string_view name) const;  // <path>/<name>

    // A private file in the folder: nullopt when absent. Otherwise it must be a regular file (symlinks
    // are not followed), owned by the current user, with no permission for group or others, and at most
    // `max_bytes`; else an error saying which check failed.
    Result<std::optional<std::string>> read_private(std::string_view name, std::size_t max_bytes) const;

    // What write_private may replace.
    enum class Existing {
        regular_only,  // an existing name that is not a regular file is refused
        any_file,      // a symlink or FIFO is replaced (the link itself, never its target); a folder is refused
    };
    // write_private_atomic inside this folder (temporary file, 0600, flush, rename, flush the folder).
    Status write_private(std::string_view name, std::string_view bytes,
                         Existing existing = Existing::regular_only) const;

    // An exclusive lock on the file `name` (created 0600 if absent; it must be a regular file of ours),
    // waiting up to `timeout` for another process to release it. `on_wait` is called once if it has to
    // wait. A lock still busy after the timeout is a Lock whose held() is false, not an error.
    Result<Lock> lock(std::string_view name, std::chrono::milliseconds timeout,
                      const std::function<void()>& on_wait = {}) const;

    // Clean-up after writers that were killed: removes each regular file of the folder for which
    // `remove(name, last modified)` is true (folders and symlinks are left alone). Best effort: the
    // number removed.
    std::size_t remove_files_if(
        const std::function<bool(std::string_view name, std::chrono::system_clock::time_point modified)>& remove) const;

private:
    friend struct Native;
    std::string path_;
    File handle_;
};

}  // namespace cat::files
