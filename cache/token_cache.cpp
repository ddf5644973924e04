#include "cache/token_cache.hpp"

#include <rapidjson/document.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <utility>

#include "core/files.hpp"
#include "core/json.hpp"
#include "core/platform.hpp"
#include "core/secret.hpp"
#include "core/sha256.hpp"
#include "core/text.hpp"

namespace cat::cache {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::sys_seconds;

constexpr std::string_view entry_format = "codeartifact-token-cache/1";
constexpr std::size_t max_entry_bytes = 64 * 1024;  // a token is a few KiB; anything larger is not ours
constexpr std::size_t max_token_bytes = 32 * 1024;
constexpr seconds max_default_margin{15 * 60};

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
    w.String(t.token.view().data(), static_cast<rapidjson::SizeType>(t.token.size()));
    w.Key("expiration");
    w.Int64(t.expiration.time_since_epoch().count());
    w.Key("issued_at");
    w.Int64(issued_at.time_since_epoch().count());
    w.EndObject();
    json.push_back('\n');
    return json;
}

struct Entry {
    Secret token;
    sys_seconds expiration{};
    sys_seconds issued_at{};
};

// Parses and validates an entry's bytes in place (so the token is not copied into a parser's buffers);
// "" and `out` filled when it is one of ours for `stem`, else why not.
std::string parse_entry(std::string& buf, const std::string& stem, Entry& out) {
    if (buf.find('\0') != std::string::npos) return "corrupt entry: it contains a NUL byte";
    rapidjson::Document doc;
    json::parse_insitu(doc, buf);
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
    out.token = std::string_view(token->GetString(), token->GetStringLength());
    out.expiration = sys_seconds{seconds{*expiration}};
    out.issued_at = sys_seconds{seconds{*issued_at}};
    return {};
}

}  // namespace

std::string cache_file_stem(const CacheKey& key) {
    std::string encoded(entry_format);
    for (const std::string* field :
         {&key.endpoint, &key.region, &key.domain, &key.domain_owner, &key.duration, &key.identity}) {
        put_be64(encoded, field->size());
        encoded += *field;
    }
    // Not OpenSSL's: on a cache hit this is the only cryptography (core/sha256.hpp).
    return text::hex(sha256(encoded));
}

Result<std::string> default_cache_dir(const Env& env, std::string_view home) {
    if (std::string dir = env.get("CODEARTIFACT_TOKEN_CACHE_DIR"); !dir.empty()) return dir;
    if (platform::windows) {  // %LOCALAPPDATA%\codeartifact-token: local, not roaming
        if (std::string base = platform::local_app_data(env, home); !base.empty()) return base + "\\codeartifact-token";
        return config_error(
            "no directory for the token cache: LOCALAPPDATA and USERPROFILE are not set; set "
            "CODEARTIFACT_TOKEN_CACHE_DIR, or turn the cache off");
    }
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
    auto d = files::Directory::open_private(std::move(dir), "cache directory");
    if (!d) return std::move(d).error();
    return TokenCache(std::move(*d), std::move(debug));
}

TokenCache::TokenCache(files::Directory dir, DebugFn debug) : dir_(std::move(dir)), debug_(std::move(debug)) {}

std::string TokenCache::entry_path(const CacheKey& key) const {
    return dir_.path_of(cache_file_stem(key) + ".json");
}

std::string TokenCache::lock_path(const CacheKey& key) const {
    return dir_.path_of(cache_file_stem(key) + ".lock");
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
    auto content = dir_.read_private(stem + ".json", max_entry_bytes);
    if (!content) {
        say(stem, "ignored: " + content.error().message);
        return std::nullopt;
    }
    if (!*content) {
        say(stem, "miss");
        return std::nullopt;
    }
    std::string& buf = **content;
    const WipeOnExit wipe_buf(buf);

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
    // Whatever is in the way (junk, a symlink, a FIFO) is replaced; a folder is not.
    return dir_.write_private(stem + ".json", json, files::Directory::Existing::any_file);
}

namespace {
bool is_stem(std::string_view s) {
    return s.size() == 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
}  // namespace

void TokenCache::prune(const std::string& stem, sys_seconds now) const {
    const auto cutoff = std::chrono::system_clock::now() - std::chrono::minutes{1};
    std::size_t temporaries = 0;
    std::size_t expired = 0;
    const std::size_t removed = dir_.remove_files_if([&](std::string_view name, auto modified) {
        // A temporary: ".<stem>.json.<pid>.<n>.<ticks>.tmp" (files::write_private_atomic).
        if (name.size() > 71 && name.front() == '.' && is_stem(name.substr(1, 64)) && name.substr(65, 6) == ".json." &&
            name.ends_with(".tmp")) {
            if (modified >= cutoff) return false;
            ++temporaries;
            return true;
        }
        if (name.size() != 69 || !name.ends_with(".json") || !is_stem(name.substr(0, 64))) return false;
        auto content = dir_.read_private(name, max_entry_bytes);
        if (!content || !*content) return false;  // not ours to judge: store() replaces it
        std::string& buf = **content;
        const WipeOnExit wipe_buf(buf);
        Entry entry;
        if (!parse_entry(buf, std::string(name.substr(0, 64)), entry).empty() || entry.expiration > now) return false;
        ++expired;
        return true;
    });
    if (removed > 0)
        say(stem, "removed " + std::to_string(temporaries) + " stale temporary file(s) and " + std::to_string(expired) +
                      " expired entr" + (expired == 1 ? "y" : "ies"));
}

Result<CachedToken> TokenCache::get_or_fetch(const CacheKey& key, const NowFn& now, std::optional<seconds> margin,
                                             const FetchFn& fetch_fn, milliseconds lock_timeout) {
    const std::string stem = cache_file_stem(key);
    if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);

    auto lock = dir_.lock(stem + ".lock", lock_timeout, [&] {
        say(stem, "locked by another process; waiting up to " + std::to_string(lock_timeout.count()) + "ms");
    });

    if (lock && lock->held()) {
        if (lock->waited().count() > 0)
            say(stem, "waited " + std::to_string(lock->waited().count()) + "ms for the lock");
        prune(stem, now());
        // Whoever held the lock has probably just written the entry.
        if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);
        const sys_seconds issued_at = now();
        auto fetched = fetch_fn();
        if (!fetched) return std::move(fetched).error();  // nothing written; the lock goes with `lock`
        if (auto s = store_stem(stem, *fetched, issued_at); !s)
            say(stem, "not stored: " + s.error().message);
        else
            say(stem, "stored, expires in " + std::to_string((fetched->expiration - issued_at).count()) + "s");
        return CachedToken(std::move(fetched->token), fetched->expiration, false);
    }

    // No lock: a hung holder, or a lock file we cannot use. Fetch on our own and write nothing, so a
    // stuck lock costs one request instead of failing the job.
    if (lock)
        say(stem, "lock still busy after " + std::to_string(lock->waited().count()) +
                      "ms; fetching without the cache (not stored)");
    else
        say(stem, lock.error().message + "; fetching without the cache (not stored)");
    if (auto hit = lookup_stem(stem, now(), margin)) return std::move(*hit);
    auto fetched = fetch_fn();
    if (!fetched) return std::move(fetched).error();
    return CachedToken(std::move(fetched->token), fetched->expiration, false);
}

}  // namespace cat::cache
