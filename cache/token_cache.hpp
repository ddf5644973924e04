// A file cache of authorization tokens, safe for many processes at once (Terraform re-runs us on every
// plan; CI fleets run dozens of jobs on one machine).
//
// Layout: one directory (0700, owned by us, not a symlink), one entry per key, `<stem>.json` (0600),
// where the stem is the hex SHA-256 of the key, so file names reveal nothing. An entry is
//   {"format":"codeartifact-token-cache/1","key":"<stem>","authorization_token":"...",
//    "expiration":<unix seconds>,"issued_at":<unix seconds>}
// and is written to a temporary file in the same directory, fsynced and renamed over the old one, so a
// reader sees the old entry or the new one, never half of one. An entry that is not exactly what we
// write (corrupt, truncated, another format, another key, a symlink, not ours, readable by others) is a
// miss: it is never trusted, and the next store replaces it.
//
// Concurrency: get_or_fetch() takes an exclusive flock on `<stem>.lock` before fetching, and looks again
// once it holds it, so N processes asking for one key at once make one request; the others wait and
// read the entry the first one wrote. If the lock stays busy past the timeout (a hung holder) the caller
// fetches on its own and does not write: a stuck lock slows a job down but never fails it.
//
// Clean-up: whoever holds a lock also removes the temporaries of writers killed between write and rename
// (`.<stem>.json.*.tmp` older than a minute; a live writer renames within milliseconds) and the entries
// past their expiry.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "core/env.hpp"
#include "core/files.hpp"
#include "core/result.hpp"
#include "core/secret.hpp"

namespace cat::cache {

// Everything that decides which token AWS would give. `identity` is the caller: the access key id for
// long-term keys, the role ARN for assumed-role credentials (never a secret).
struct CacheKey {
    std::string endpoint;
    std::string region;
    std::string domain;
    std::string domain_owner;
    std::string duration;
    std::string identity;
};

// Lower-case hex SHA-256 (64 characters) of a length-prefixed encoding of every field of the key.
std::string cache_file_stem(const CacheKey& key);

// CODEARTIFACT_TOKEN_CACHE_DIR, else $XDG_CACHE_HOME/codeartifact-token (when absolute), else
// <home>/.cache/codeartifact-token. An error (config) when none of them is set.
Result<std::string> default_cache_dir(const Env& env, std::string_view home);

// What a fetch returns. The token is wiped when the object goes.
struct FetchedToken {
    Secret token;
    std::chrono::sys_seconds expiration{};

    FetchedToken() = default;
    FetchedToken(Secret t, std::chrono::sys_seconds e) : token(std::move(t)), expiration(e) {}
};

// What get_or_fetch returns: the token, and whether it came from the cache. Wiped when it goes.
struct CachedToken {
    Secret token;
    std::chrono::sys_seconds expiration{};
    bool from_cache = false;

    CachedToken() = default;
    CachedToken(Secret t, std::chrono::sys_seconds e, bool cached)
        : token(std::move(t)), expiration(e), from_cache(cached) {}
};

using NowFn = std::function<std::chrono::sys_seconds()>;
using FetchFn = std::function<Result<FetchedToken>()>;
using DebugFn = std::function<void(const std::string&)>;

// The refresh margin when none is given: a quarter of the token's lifetime, at most 15 minutes.
std::chrono::seconds default_margin(std::chrono::sys_seconds issued_at, std::chrono::sys_seconds expiration);

// An entry is served only while expiration - now > margin (the explicit margin, else default_margin). A
// negative margin counts as zero: an expired token is never served.
bool is_fresh(std::chrono::sys_seconds issued_at, std::chrono::sys_seconds expiration, std::chrono::sys_seconds now,
              std::optional<std::chrono::seconds> margin);

// How long get_or_fetch waits for another process's fetch by default.
inline constexpr std::chrono::milliseconds default_lock_timeout{30'000};

class TokenCache {
public:
    // Creates `dir` (and missing parents) with mode 0700 and checks it: a directory, not a symlink, owned
    // by the effective user, not writable by group or others. Otherwise an error (config) that names the
    // directory and what is wrong with it. `debug` gets one line per decision (never a token; keys as
    // the first 12 hex characters of their stem).
    static Result<TokenCache> open(std::string dir, DebugFn debug = {});

    const std::string& dir() const { return dir_.path(); }
    std::string entry_path(const CacheKey& key) const;  // <dir>/<stem>.json
    std::string lock_path(const CacheKey& key) const;   // <dir>/<stem>.lock

    // The cached token when there is a valid, fresh entry; otherwise fetch_fn's, stored for the next
    // caller. On a miss, waits up to `lock_timeout` for the key's lock and looks again before fetching.
    // A fetch error is returned as it is and nothing is written. A failure to write the entry is only
    // reported through `debug`: the token is returned all the same. `now` and `fetch_fn` must be set;
    // `now` is read again after waiting for the lock (and just before fetching, as the entry's issued_at).
    Result<CachedToken> get_or_fetch(const CacheKey& key, const NowFn& now, std::optional<std::chrono::seconds> margin,
                                     const FetchFn& fetch_fn,
                                     std::chrono::milliseconds lock_timeout = default_lock_timeout);

    // The parts get_or_fetch is made of, without the lock.
    std::optional<CachedToken> lookup(const CacheKey& key, std::chrono::sys_seconds now,
                                      std::optional<std::chrono::seconds> margin) const;
    Status store(const CacheKey& key, const FetchedToken& token, std::chrono::sys_seconds issued_at) const;

private:
    TokenCache(files::Directory dir, DebugFn debug);
    std::optional<CachedToken> lookup_stem(const std::string& stem, std::chrono::sys_seconds now,
                                           std::optional<std::chrono::seconds> margin) const;
    Status store_stem(const std::string& stem, const FetchedToken& token, std::chrono::sys_seconds issued_at) const;
    void say(const std::string& stem, const std::string& what) const;
    void prune(const std::string& stem, std::chrono::sys_seconds now) const;

    files::Directory dir_;  // held open: entries are opened inside it, so it cannot be swapped under us
    DebugFn debug_;
};

}  // namespace cat::cache
