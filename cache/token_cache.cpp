#include "cache/token_cache.hpp"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <rapidjson/document.h>
#include <rapidjson/writer.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace cat::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr std::string_view entry_format = "codeartifact-token-cache/1";
constexpr std::size_t max_entry_bytes = 64 * 1024;  // a token is a few KiB; anything larger is not ours
constexpr std::size_t max_token_bytes = 32 * 1024;
constexpr seconds max_default_margin{15 * 60};

void wipe(std::string& s) noexcept {
    if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
    s.clear();
}

// Wipes a string it does not own when the scope ends, however it ends.
class WipeOnExit {
public:
    explicit WipeOnExit(std::string& s) : s_(s) {}
    WipeOnExit(const WipeOnExit&) = delete;
    WipeOnExit& operator=(const WipeOnExit&) = delete;
    ~WipeOnExit() { wipe(s_); }

private:
    std::string& s_;
};

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) ::close(fd_);
    }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    // Closes now and reports whether close succeeded (a write error may only show up here).
    bool close() {
        const int fd = std::exchange(fd_, -1);
        return fd < 0 || ::close(fd) == 0;
    }

private:
    int fd_;
};

std::string errno_text(int err) {
    return std::strerror(err);
}

std::string octal_mode(mode_t mode) {
    std::array<char, 16> buf{};
    const auto r = std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<unsigned>(mode & 07777), 8);
    std::string digits(buf.data(), r.ptr);
    if (digits.size() < 4) digits.insert(0, 4 - digits.size(), '0');
    return digits;
}

std::string short_stem(const std::string& stem) {
    return stem.substr(0, 12);
}

Error config_error(std::string msg) {
    return Error::make(ErrorKind::config, std::move(msg));
}

std::string strip_trailing_slashes(std::string path) {
    while (path.size() > 1 && path.back() == '/') path.pop_back();
    return path;
}

std::string join(std::string_view base, std::string_view rest) {
    std::string b = strip_trailing_slashes(std::string(base));
    if (b == "/") return b + std::string(rest);
    return b + "/" + std::string(rest);
}

// mkdir -p with mode 0700 for every directory it creates (chmod too, in case the umask took bits away).
Status make_dirs(const std::string& dir) {
    for (std::size_t pos = 1; pos <= dir.size(); ++pos) {
        if (pos != dir.size() && dir[pos] != '/') continue;
        if (dir[pos - 1] == '/') continue;  // "a//b"
        const std::string prefix = dir.substr(0, pos);
        if (::mkdir(prefix.c_str(), 0700) == 0) {
            if (::chmod(prefix.c_str(), 0700) != 0)
                return config_error("cannot set the mode of cache directory " + prefix + ": " + errno_text(errno));
            continue;
        }
        if (errno == EEXIST) continue;
        return config_error("cannot create cache directory " + prefix + ": " + errno_text(errno));
    }
    return Ok{};
}

// The checks every directory we use must pass; "" when it passes, else what is wrong.
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

void put_be64(std::string& out, std::uint64_t v) {
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xffu));
}

// A RapidJSON output stream into a string reserved up front, so it never reallocates (and never leaves a
// copy of the token in a freed buffer).
struct ReservedStringStream {
    using Ch = char;
    std::string* out;
    void Put(char c) { out->push_back(c); }
    void Flush() {}
};

std::string encode_entry(const std::string& stem, const FetchedToken& t, sys_seconds issued_at) {
    std::string json;
    json.reserve(256 + stem.size() + t.token.size() * 6);  // worst case: every byte escaped as \u00XX
    ReservedStringStream stream{&json};
    rapidjson::Writer<ReservedStringStream> w(stream);
    w.StartObject();
    w.Key("format");
    w.String(entry_format.data(), static_cast<rapidjson::SizeType>(entry_format.size()));
    w.Key("key");
    w.String(stem.data(), static_cast<rapidjson::SizeType>(stem.size()));
    w.Key("authorization_token");
    w.String(t.token.data(), static_cast<rapidjson::SizeType>(t.token.size()));
    w.Key("expiration");
    w.Int64(t.expiration.time_since_epoch().count());
    w.Key("issued_at");
    w.Int64(issued_at.time_since_epoch().count());
    w.EndObject();
    json.push_back('\n');
    return json;
}

struct Entry {
    std::string token;
    sys_seconds expiration{};
    sys_seconds issued_at{};
    ~Entry() { wipe(token); }
};

// Parses and validates an entry's bytes in place (so the token is not copied into a parser's buffers);
// "" and `out` filled when it is one of ours for `stem`, else why not.
std::string parse_entry(std::string& buf, const std::string& stem, Entry& out) {
    if (buf.find('\0') != std::string::npos) return "corrupt entry: it contains a NUL byte";
    rapidjson::Document doc;
    doc.ParseInsitu(buf.data());
    if (doc.HasParseError()) return "corrupt entry: not valid JSON (truncated?)";
    if (!doc.IsObject()) return "corrupt entry: not a JSON object";
    auto string_member = [&](const char* name) -> const rapidjson::Value* {
        const auto it = doc.FindMember(name);
        return it != doc.MemberEnd() && it->value.IsString() ? &it->value : nullptr;
    };
    auto int_member = [&](const char* name) -> std::optional<std::int64_t> {
        const auto it = doc.FindMember(name);
        if (it == doc.MemberEnd() || !it->value.IsInt64()) return std::nullopt;
        return it->value.GetInt64();
    };
    const auto* format = string_member("format");
    if (format == nullptr || std::string_view(format->GetString(), format->GetStringLength()) != entry_format)
        return "foreign entry: not in format " + std::string(entry_format);
    const auto* key = string_member("key");
    if (key == nullptr || std::string_view(key->GetString(), key->GetStringLength()) != stem)
        return "foreign entry: written for another key";
    const auto* token = string_member("authorization_token");
    if (token == nullptr || token->GetStringLength() == 0 || token->GetStringLength() > max_token_bytes)
        return "corrupt entry: authorization_token is missing, empty or not a string";
    const auto expiration = int_member("expiration");
    const auto issued_at = int_member("issued_at");
    if (!expiration || !issued_at || *expiration <= 0 || *issued_at <= 0 || *issued_at > *expiration)
        return "corrupt entry: expiration or issued_at is missing or invalid";
    out.token.assign(token->GetString(), token->GetStringLength());
    out.expiration = sys_seconds{seconds{*expiration}};
    out.issued_at = sys_seconds{seconds{*issued_at}};
    return {};
}

// 0, or the errno of the write that failed.
int write_all(int fd, std::string_view data) {
    std::size_t done = 0;
    while (done < data.size()) {
        const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return n < 0 ? errno : EIO;
        done += static_cast<std::size_t>(n);
    }
    return 0;
}

std::string temp_name(const std::string& stem) {
    static std::atomic<unsigned> counter{0};
    const auto ticks = std::chrono::steady_clock::now().time_since_epoch().count();
    return "." + stem + "." + std::to_string(::getpid()) + "." + std::to_string(counter++) + "." +
           std::to_string(ticks & 0xffffff) + ".tmp";
}

}  // namespace

FetchedToken::~FetchedToken() {
    wipe(token);
}
CachedToken::~CachedToken() {
    wipe(token);
}

std::string cache_file_stem(const CacheKey& key) {
    std::string encoded(entry_format);
    for (const std::string* field :
         {&key.endpoint, &key.region, &key.domain, &key.domain_owner, &key.duration, &key.identity}) {
        put_be64(encoded, field->size());
        encoded += *field;
    }
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int len = 0;
    EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    const int ok = md != nullptr && EVP_Digest(encoded.data(), encoded.size(), digest.data(), &len, md, nullptr) == 1;
    EVP_MD_free(md);
    if (!ok || len != 32) throw std::runtime_error("OpenSSL: SHA256 is not available");
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * len);
    for (unsigned i = 0; i < len; ++i) {
        out.push_back(hex[digest[i] >> 4]);
        out.push_back(hex[digest[i] & 0x0f]);
    }
    return out;
}

Result<std::string> default_cache_dir(const Env& env, std::string_view home) {
    if (std::string dir = env.get("CODEARTIFACT_TOKEN_CACHE_DIR"); !dir.empty()) return dir;
    // The XDG spec: a relative XDG_CACHE_HOME is invalid and is ignored.
    if (std::string xdg = env.get("XDG_CACHE_HOME"); !xdg.empty() && xdg.front() == '/')
        return join(xdg, "codeartifact-token");
    if (!home.empty()) return join(home, ".cache/codeartifact-token");
    return config_error(
        "no directory for the token cache: HOME is not set; set CODEARTIFACT_TOKEN_CACHE_DIR or XDG_CACHE_HOME, "
        "or turn the cache off");
}

seconds default_margin(sys_seconds issued_at, sys_seconds expiration) {
    const seconds lifetime = expiration - issued_at;
    if (lifetime <= seconds{0}) return seconds{0};
    return std::min(max_default_margin, lifetime / 4);
}

namespace {
// A negative margin would serve expired tokens: it counts as zero.
seconds effective_margin(sys_seconds issued_at, sys_seconds expiration, std::optional<seconds> margin) {
    return margin ? std::max(*margin, seconds{0}) : default_margin(issued_at, expiration);
}
}  // namespace

bool is_fresh(sys_seconds issued_at, sys_seconds expiration, sys_seconds now, std::optional<seconds> margin) {
    return expiration - now > effective_margin(issued_at, expiration, margin);
}

Result<TokenCache> TokenCache::open(std::string dir, DebugFn debug) {
    dir = strip_trailing_slashes(std::move(dir));
    if (dir.empty()) return config_error("the cache directory is an empty path");
    if (auto s = make_dirs(dir); !s) return s.error();

    struct stat before {};
    if (::lstat(dir.c_str(), &before) != 0)
        return config_error("cannot use cache directory " + dir + ": " + errno_text(errno));
    if (auto why = unsafe_dir_reason(before); !why.empty())
        return config_error("refusing cache directory " + dir + ": it " + why);

    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return config_error("cannot open cache directory " + dir + ": " + errno_text(errno));
    TokenCache cache(dir, fd, std::move(debug));  // owns fd from here
    struct stat after {};
    if (::fstat(fd, &after) != 0) return config_error("cannot use cache directory " + dir + ": " + errno_text(errno));
    if (after.st_dev != before.st_dev || after.st_ino != before.st_ino)
        return config_error("refusing cache directory " + dir + ": it was replaced while being opened");
    if (auto why = unsafe_dir_reason(after); !why.empty())
        return config_error("refusing cache directory " + dir + ": it " + why);
    return cache;
}

TokenCache::TokenCache(std::string dir, int dir_fd, DebugFn debug)
    : dir_(std::move(dir)), dir_fd_(dir_fd), debug_(std::move(debug)) {}

TokenCache::TokenCache(TokenCache&& other) noexcept
    : dir_(std::move(other.dir_)), dir_fd_(std::exchange(other.dir_fd_, -1)), debug_(std::move(other.debug_)) {}

TokenCache& TokenCache::operator=(TokenCache&& other) noexcept {
    if (this != &other) {
        if (dir_fd_ >= 0) ::close(dir_fd_);
        dir_ = std::move(other.dir_);
        dir_fd_ = std::exchange(other.dir_fd_, -1);
        debug_ = std::move(other.debug_);
    }
    return *this;
}

TokenCache::~TokenCache() {
    if (dir_fd_ >= 0) ::close(dir_fd_);
}

std::string TokenCache::entry_path(const CacheKey& key) const {
    return join(dir_, cache_file_stem(key) + ".json");
}

std::string TokenCache::lock_path(const CacheKey& key) const {
    return join(dir_, cache_file_stem(key) + ".lock");
}

void TokenCache::say(const std::string& stem, const std::string& what) const {
    if (debug_) debug_("cache " + short_stem(stem) + ": " + what);
}

std::optional<CachedToken> TokenCache::lookup(const CacheKey& key, sys_seconds now,
                                              std::optional<seconds> margin) const {
    return lookup_stem(cache_file_stem(key), now, margin);
}

Status TokenCache::store(const CacheKey& key, const FetchedToken& token, sys_seconds issued_at) const {
    return store_stem(cache_file_stem(key), token, issued_at);
}

std::optional<CachedToken> TokenCache::lookup_stem(const std::string& stem, sys_seconds now,
                                                   std::optional<seconds> margin) const {
    const std::string name = stem + ".json";
    // O_NOFOLLOW: a symlink is refused; O_NONBLOCK: a FIFO planted there cannot hang us.
    Fd fd(::openat(dir_fd_, name.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    if (!fd.valid()) {
        const int err = errno;
        if (err == ENOENT)
            say(stem, "miss");
        else if (err == ELOOP)
            say(stem, "ignored: the entry is a symlink");
        else
            say(stem, "ignored: cannot open the entry: " + errno_text(err));
        return std::nullopt;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) {
        say(stem, "ignored: cannot stat the entry: " + errno_text(errno));
        return std::nullopt;
    }
    if (!S_ISREG(st.st_mode)) {
        say(stem, "ignored: the entry is not a regular file");
        return std::nullopt;
    }
    if (st.st_uid != ::geteuid()) {
        say(stem, "ignored: the entry is owned by uid " + std::to_string(st.st_uid));
        return std::nullopt;
    }
    if ((st.st_mode & 077) != 0) {
        say(stem, "ignored: the entry is open to group or others (mode " + octal_mode(st.st_mode) + ")");
        return std::nullopt;
    }
    if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > max_entry_bytes) {
        say(stem, "ignored: the entry is too large to be ours");
        return std::nullopt;
    }

    std::string buf(static_cast<std::size_t>(st.st_size), '\0');
    const WipeOnExit wipe_buf(buf);
    std::size_t got = 0;
    while (got < buf.size()) {
        const ssize_t n = ::read(fd.get(), buf.data() + got, buf.size() - got);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            say(stem, "ignored: cannot read the entry: " + errno_text(errno));
            return std::nullopt;
        }
        if (n == 0) break;
        got += static_cast<std::size_t>(n);
    }
    buf.resize(got);

    Entry entry;
    if (auto why = parse_entry(buf, stem, entry); !why.empty()) {
        say(stem, "ignored: " + why + " (replaced on the next store)");
        return std::nullopt;
    }
    const auto left = (entry.expiration - now).count();
    if (!is_fresh(entry.issued_at, entry.expiration, now, margin)) {
        const seconds m = effective_margin(entry.issued_at, entry.expiration, margin);
        say(stem, "stale: expires in " + std::to_string(left) + "s, refresh margin " + std::to_string(m.count()) + "s");
        return std::nullopt;
    }
    say(stem, "hit: expires in " + std::to_string(left) + "s");
    return CachedToken(std::move(entry.token), entry.expiration, true);
}

Status TokenCache::store_stem(const std::string& stem, const FetchedToken& token, sys_seconds issued_at) const {
    if (token.token.empty() || token.token.size() > max_token_bytes)
        return config_error("not caching a token of " + std::to_string(token.token.size()) + " bytes");
    if (token.expiration <= issued_at) return config_error("not caching a token that has already expired");
    std::string json = encode_entry(stem, token, issued_at);
    const WipeOnExit wipe_json(json);

    std::string tmp;
    int raw = -1;
    for (int attempt = 0; attempt < 8 && raw < 0; ++attempt) {
        tmp = temp_name(stem);
        raw = ::openat(dir_fd_, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (raw < 0 && errno != EEXIST) break;
    }
    if (raw < 0) return config_error("cannot create a file in " + dir_ + ": " + errno_text(errno));
    Fd fd(raw);
    auto fail = [&](const std::string& what, int err) -> Status {
        fd.close();
        ::unlinkat(dir_fd_, tmp.c_str(), 0);
        return config_error("cannot " + what + " a cache entry in " + dir_ + ": " + errno_text(err));
    };
    if (::fchmod(fd.get(), 0600) != 0) return fail("set the mode of", errno);
    if (const int err = write_all(fd.get(), json); err != 0) return fail("write", err);
    if (::fsync(fd.get()) != 0) return fail("sync", errno);
    if (!fd.close()) return fail("write", errno);
    const std::string name = stem + ".json";
    if (::renameat(dir_fd_, tmp.c_str(), dir_fd_, name.c_str()) != 0) return fail("rename", errno);
    ::fsync(dir_fd_);  // best effort: the rename survives a crash (the entry is only a cache)
    return Ok{};
}

namespace {

enum class LockState { held, busy, failed };

struct Lock {
    LockState state = LockState::failed;
    std::string why;  // when failed
    milliseconds waited{0};
};

// Takes an exclusive flock on `fd`, polling until `timeout` runs out.
Lock take_lock(int fd, milliseconds timeout, const std::function<void()>& on_wait) {
    const auto start = std::chrono::steady_clock::now();
    const auto deadline = start + timeout;
    milliseconds delay{2};
    bool waiting = false;
    for (;;) {
        if (::flock(fd, LOCK_EX | LOCK_NB) == 0)
            return {LockState::held,
                    {},
                    std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - start)};
        if (errno == EINTR) continue;
        if (errno != EWOULDBLOCK) return {LockState::failed, "flock: " + errno_text(errno), {}};
        if (!waiting) {
            waiting = true;
            on_wait();
        }
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline) return {LockState::busy, {}, std::chrono::duration_cast<milliseconds>(now - start)};
        std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(delay, deadline - now));
        delay = std::min(delay * 2, milliseconds{50});
    }
}

}  // namespace

Result<CachedToken> TokenCache::get_or_fetch(const CacheKey& key, const NowFn& now, std::optional<seconds> margin,
                                             const FetchFn& fetch_fn, milliseconds lock_timeout) {
    const std::string stem = cache_file_stem(key);
    if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);

    const std::string lock_name = stem + ".lock";
    Fd lock_fd(::openat(dir_fd_, lock_name.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0600));
    Lock lock;
    if (!lock_fd.valid()) {
        lock.why = "cannot open the lock file: " + errno_text(errno);
    } else {
        struct stat st {};
        if (::fstat(lock_fd.get(), &st) != 0)
            lock.why = "cannot stat the lock file: " + errno_text(errno);
        else if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid())
            lock.why = "the lock file is not a regular file of ours";
        else
            lock = take_lock(lock_fd.get(), lock_timeout, [&] {
                say(stem, "locked by another process; waiting up to " + std::to_string(lock_timeout.count()) + "ms");
            });
    }

    if (lock.state == LockState::held) {
        if (lock.waited.count() > 0) say(stem, "waited " + std::to_string(lock.waited.count()) + "ms for the lock");
        // Whoever held the lock has probably just written the entry.
        if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);
        const sys_seconds issued_at = now();
        auto fetched = fetch_fn();
        if (!fetched) return std::move(fetched).error();  // nothing written; the lock goes with lock_fd
        if (auto s = store_stem(stem, *fetched, issued_at); !s)
            say(stem, "not stored: " + s.error().message);
        else
            say(stem, "stored, expires in " + std::to_string((fetched->expiration - issued_at).count()) + "s");
        return CachedToken(std::move(fetched->token), fetched->expiration, false);
    }

    // No lock: a hung holder, or a lock file we cannot use. Fetch on our own and write nothing, so a
    // stuck lock costs one request instead of failing the job.
    if (lock.state == LockState::busy)
        say(stem, "lock still busy after " + std::to_string(lock.waited.count()) +
                      "ms; fetching without the cache (not stored)");
    else
        say(stem, lock.why + "; fetching without the cache (not stored)");
    lock_fd.close();
    if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);
    auto fetched = fetch_fn();
    if (!fetched) return std::move(fetched).error();
    return CachedToken(std::move(fetched->token), fetched->expiration, false);
}

}  // namespace cat::cache
