// The token cache: keys, freshness, what counts as a valid entry, directory safety, and real processes
// racing for one key.
#define BOOST_TEST_MODULE cache_token_cache_test
#include <boost/test/unit_test.hpp>

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <vector>

#include "cache/token_cache.hpp"
#include "temp_dir.hpp"

using namespace std::chrono_literals;
using cat::Env;
using cat::Error;
using cat::ErrorKind;
using cat::Result;
using cat::cache::cache_file_stem;
using cat::cache::CachedToken;
using cat::cache::CacheKey;
using cat::cache::default_cache_dir;
using cat::cache::default_margin;
using cat::cache::FetchedToken;
using cat::cache::TokenCache;
using cat::test::TempDir;
using std::chrono::seconds;
using std::chrono::sys_seconds;

namespace {

// A fresh directory per test, removed with everything in it at the end.
CacheKey test_key() {
    return {"https://codeartifact.us-west-2.amazonaws.com",
            "us-west-2",
            "my-domain",
            "111122223333",
            "43200",
            "AKIDEXAMPLE"};
}

const sys_seconds t0{seconds{1'800'000'000}};

struct Clock {
    sys_seconds t = t0;
    cat::cache::NowFn fn() {
        return [this] { return t; };
    }
};

// A fetch_fn that counts its calls and returns "token-<n>" valid for `lifetime` from the clock's time.
struct Fetcher {
    Clock* clock;
    seconds lifetime{12h};
    int calls = 0;
    cat::cache::FetchFn fn() {
        return [this]() -> Result<FetchedToken> {
            ++calls;
            return FetchedToken("token-" + std::to_string(calls), clock->t + lifetime);
        };
    }
};

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
    ::unlink(path.c_str());
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, mode);
    BOOST_REQUIRE(fd >= 0);
    BOOST_REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    BOOST_REQUIRE(::fchmod(fd, mode) == 0);
    ::close(fd);
}

mode_t mode_of(const std::string& path) {
    struct stat st {};
    BOOST_REQUIRE(::lstat(path.c_str(), &st) == 0);
    return st.st_mode;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

std::set<std::string> list_dir(const std::string& path) {
    std::set<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(path)) names.insert(e.path().filename().string());
    return names;
}

std::string entry_json(const std::string& stem, const std::string& token, long long expiration, long long issued_at,
                       const std::string& format = "codeartifact-token-cache/1") {
    return R"({"format":")" + format + R"(","key":")" + stem + R"(","authorization_token":")" + token +
           R"(","expiration":)" + std::to_string(expiration) + R"(,"issued_at":)" + std::to_string(issued_at) + "}\n";
}

long long unix(sys_seconds t) {
    return t.time_since_epoch().count();
}

TokenCache open_cache(const std::string& dir, std::vector<std::string>* log = nullptr) {
    cat::cache::DebugFn debug;
    if (log != nullptr) debug = [log](const std::string& line) { log->push_back(line); };
    auto c = TokenCache::open(dir, debug);
    if (!c) BOOST_FAIL("open " << dir << ": " << c.error().message);
    return std::move(c).value();
}

std::optional<uid_t> nobody_uid() {
    const passwd* pw = ::getpwnam("nobody");
    if (pw == nullptr) return std::nullopt;
    return pw->pw_uid;
}

// Making a file owned by someone else takes root (and a user to give it to); skipped otherwise.
boost::test_tools::assertion_result can_chown_to_nobody(boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result r(::geteuid() == 0 && nobody_uid().has_value());
    if (!r) r.message() << "needs root and a 'nobody' user to make a file owned by someone else";
    return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(keys)

BOOST_AUTO_TEST_CASE(stem_is_stable_lower_hex_and_reveals_nothing) {
    const std::string a = cache_file_stem(test_key());
    BOOST_TEST(a == cache_file_stem(test_key()));
    BOOST_TEST(a.size() == 64u);
    BOOST_TEST(a.find_first_not_of("0123456789abcdef") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_field_changes_the_stem) {
    const std::string base = cache_file_stem(test_key());
    std::set<std::string> seen{base};
    for (std::string CacheKey::*field : {&CacheKey::endpoint, &CacheKey::region, &CacheKey::domain,
                                         &CacheKey::domain_owner, &CacheKey::duration, &CacheKey::identity}) {
        CacheKey k = test_key();
        k.*field += "x";
        const std::string s = cache_file_stem(k);
        BOOST_TEST(s != base);
        seen.insert(s);
        k.*field = "";
        seen.insert(cache_file_stem(k));
    }
    BOOST_TEST(seen.size() == 13u);  // all different from each other too
}

BOOST_AUTO_TEST_CASE(encoding_is_unambiguous) {
    CacheKey a = test_key(), b = test_key();
    a.domain = "ab";
    a.domain_owner = "c";
    b.domain = "a";
    b.domain_owner = "bc";
    BOOST_TEST(cache_file_stem(a) != cache_file_stem(b));
    CacheKey c{}, d{};
    c.endpoint = "x";
    d.region = "x";
    BOOST_TEST(cache_file_stem(c) != cache_file_stem(d));
}

BOOST_AUTO_TEST_CASE(default_directory) {
    Env env;
    auto d = default_cache_dir(env, "/home/u");
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(*d == "/home/u/.cache/codeartifact-token");
    BOOST_TEST(*default_cache_dir(env, "/home/u/") == "/home/u/.cache/codeartifact-token");
    env.set("XDG_CACHE_HOME", "relative/ignored");
    BOOST_TEST(*default_cache_dir(env, "/home/u") == "/home/u/.cache/codeartifact-token");
    env.set("XDG_CACHE_HOME", "/xdg/");
    BOOST_TEST(*default_cache_dir(env, "/home/u") == "/xdg/codeartifact-token");
    env.set("CODEARTIFACT_TOKEN_CACHE_DIR", "/explicit/dir");
    BOOST_TEST(*default_cache_dir(env, "/home/u") == "/explicit/dir");

    auto none = default_cache_dir(Env{}, "");
    BOOST_REQUIRE(!none.ok());
    BOOST_TEST((none.error().kind == ErrorKind::config));
    BOOST_TEST(none.error().message.find("CODEARTIFACT_TOKEN_CACHE_DIR") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(freshness)

BOOST_AUTO_TEST_CASE(miss_then_hit_then_stale) {
    TempDir tmp;
    std::vector<std::string> log;
    TokenCache cache = open_cache(tmp / "cache", &log);
    Clock clock;
    Fetcher fetcher{&clock};

    auto r1 = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r1.ok());
    BOOST_TEST(r1->token == "token-1");
    BOOST_TEST(!r1->from_cache);
    BOOST_TEST((r1->expiration == t0 + 12h));

    clock.t = t0 + 1h;
    auto r2 = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r2.ok());
    BOOST_TEST(r2->token == "token-1");
    BOOST_TEST(r2->from_cache);
    BOOST_TEST((r2->expiration == t0 + 12h));
    BOOST_TEST(fetcher.calls == 1);

    // Another key misses.
    CacheKey other = test_key();
    other.identity = "arn:aws:iam::111122223333:role/ci";
    auto r3 = cache.get_or_fetch(other, clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r3.ok());
    BOOST_TEST(!r3->from_cache);
    BOOST_TEST(fetcher.calls == 2);

    clock.t = t0 + 12h - 15min;  // inside the default margin: refreshed
    auto r4 = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r4.ok());
    BOOST_TEST(r4->token == "token-3");
    BOOST_TEST(!r4->from_cache);
    BOOST_TEST((r4->expiration == clock.t + 12h));

    bool miss = false, hit = false, stale = false, stored = false;
    for (const auto& line : log) {
        miss |= line.find(": miss") != std::string::npos;
        hit |= line.find(": hit") != std::string::npos;
        stale |= line.find(": stale") != std::string::npos;
        stored |= line.find(": stored") != std::string::npos;
    }
    BOOST_TEST(miss);
    BOOST_TEST(hit);
    BOOST_TEST(stale);
    BOOST_TEST(stored);
}

BOOST_AUTO_TEST_CASE(default_margin_is_a_quarter_of_the_lifetime_at_most_15_minutes) {
    BOOST_TEST(default_margin(t0, t0 + 12h).count() == 900);
    BOOST_TEST(default_margin(t0, t0 + 1h).count() == 900);
    BOOST_TEST(default_margin(t0, t0 + 20min).count() == 300);
    BOOST_TEST(default_margin(t0, t0 + 4s).count() == 1);
    BOOST_TEST(default_margin(t0, t0).count() == 0);
    BOOST_TEST(default_margin(t0 + 1s, t0).count() == 0);

    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    BOOST_REQUIRE(cache.store(test_key(), FetchedToken("tok", t0 + 20min), t0).ok());
    // Lifetime 20 minutes: margin 5 minutes; served while expiration - now > 300 s.
    BOOST_TEST(cache.lookup(test_key(), t0 + 20min - 301s, std::nullopt).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 20min - 300s, std::nullopt).has_value());

    BOOST_REQUIRE(cache.store(test_key(), FetchedToken("tok", t0 + 12h), t0).ok());
    BOOST_TEST(cache.lookup(test_key(), t0 + 12h - 901s, std::nullopt).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 12h - 900s, std::nullopt).has_value());
}

BOOST_AUTO_TEST_CASE(explicit_margin_overrides) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    BOOST_REQUIRE(cache.store(test_key(), FetchedToken("tok", t0 + 1h), t0).ok());
    BOOST_TEST(cache.lookup(test_key(), t0 + 1h - 61s, 60s).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 1h - 60s, 60s).has_value());
    BOOST_TEST(cache.lookup(test_key(), t0 + 1h - 1s, 0s).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 1h, 0s).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 1h + 1s, 0s).has_value());
    // A negative margin counts as zero (it must never serve an expired token).
    BOOST_TEST(cache.lookup(test_key(), t0 + 1h - 1s, -60s).has_value());
    BOOST_TEST(!cache.lookup(test_key(), t0 + 1h + 30s, -60s).has_value());
    BOOST_TEST(!cat::cache::is_fresh(t0, t0 + 1h, t0 + 1h, -1h));
    // A margin longer than the token's life: never served, every call fetches.
    BOOST_TEST(!cache.lookup(test_key(), t0, 2h).has_value());

    Clock clock;
    Fetcher fetcher{&clock, 1h};
    for (int i = 0; i < 3; ++i) {
        auto r = cache.get_or_fetch(test_key(), clock.fn(), 2h, fetcher.fn());
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(!r->from_cache);
    }
    BOOST_TEST(fetcher.calls == 3);
}

BOOST_AUTO_TEST_CASE(fetch_error_is_returned_and_nothing_written) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    Clock clock;
    int calls = 0;
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, [&]() -> Result<FetchedToken> {
        ++calls;
        return Error::make(ErrorKind::api, "AccessDenied");
    });
    BOOST_REQUIRE(!r.ok());
    BOOST_TEST((r.error().kind == ErrorKind::api));
    BOOST_TEST(r.error().message == "AccessDenied");
    BOOST_TEST(calls == 1);
    BOOST_TEST(!exists(cache.entry_path(test_key())));
}

BOOST_AUTO_TEST_CASE(an_expired_token_is_returned_but_not_stored) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    Clock clock;
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt,
                                [&]() -> Result<FetchedToken> { return FetchedToken("old", t0 - 1s); });
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(r->token == "old");
    BOOST_TEST(!exists(cache.entry_path(test_key())));
}

BOOST_AUTO_TEST_CASE(debug_lines_never_show_the_token) {
    TempDir tmp;
    std::vector<std::string> log;
    TokenCache cache = open_cache(tmp / "cache", &log);
    Clock clock;
    const std::string secret = "eyJ2ZXIiOjEsImlzdSI6MTcwMDAwMDAwMH0.SECRET-TOKEN-VALUE";
    auto fetch = [&]() -> Result<FetchedToken> { return FetchedToken(secret, clock.t + 12h); };
    BOOST_REQUIRE(cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetch).ok());
    BOOST_REQUIRE(cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetch).ok());
    clock.t += 12h;
    BOOST_REQUIRE(cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetch).ok());
    const std::string stem = cache_file_stem(test_key());
    BOOST_TEST(log.size() >= 4u);
    for (const auto& line : log) {
        BOOST_TEST_INFO(line);
        BOOST_TEST(line.find("SECRET") == std::string::npos);
        BOOST_TEST(line.find(stem.substr(0, 12)) != std::string::npos);
        BOOST_TEST(line.find(stem.substr(0, 13)) == std::string::npos);
    }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(entries)

BOOST_AUTO_TEST_CASE(entry_is_0600_json_and_dir_is_0700) {
    TempDir tmp;
    const mode_t old_umask = ::umask(0);  // nothing of ours may depend on the umask
    const std::string dir = tmp / "a/b/cache";
    TokenCache cache = open_cache(dir);
    ::umask(old_umask);
    BOOST_TEST((mode_of(dir) & 07777) == 0700u);
    BOOST_TEST((mode_of(tmp / "a") & 07777) == 0700u);
    BOOST_TEST((mode_of(tmp / "a/b") & 07777) == 0700u);

    Clock clock;
    Fetcher fetcher{&clock};
    ::umask(0);
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    ::umask(old_umask);
    BOOST_REQUIRE(r.ok());
    const std::string stem = cache_file_stem(test_key());
    BOOST_TEST(cache.entry_path(test_key()) == dir + "/" + stem + ".json");
    BOOST_TEST(cache.lock_path(test_key()) == dir + "/" + stem + ".lock");
    BOOST_TEST(S_ISREG(mode_of(cache.entry_path(test_key()))));
    BOOST_TEST((mode_of(cache.entry_path(test_key())) & 07777) == 0600u);
    BOOST_TEST((mode_of(cache.lock_path(test_key())) & 07777) == 0600u);
    BOOST_TEST(read_file(cache.entry_path(test_key())) == R"({"format":"codeartifact-token-cache/1","key":")" + stem +
                                                              R"(","authorization_token":"token-1","expiration":)" +
                                                              std::to_string(unix(t0 + 12h)) + R"(,"issued_at":)" +
                                                              std::to_string(unix(t0)) + "}\n");
}

BOOST_AUTO_TEST_CASE(tokens_that_need_escaping_round_trip) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    const std::string token = std::string("a\"b\\c\n\x01/\xc3\xa9") + std::string(5000, 'z');
    BOOST_REQUIRE(cache.store(test_key(), FetchedToken(token, t0 + 1h), t0).ok());
    auto hit = cache.lookup(test_key(), t0, std::nullopt);
    BOOST_REQUIRE(hit.has_value());
    BOOST_TEST(hit->token == token);
    BOOST_TEST(hit->from_cache);
}

BOOST_AUTO_TEST_CASE(replacing_leaves_no_temporary_files) {
    TempDir tmp;
    const std::string dir = tmp / "cache";
    TokenCache cache = open_cache(dir);
    Clock clock;
    Fetcher fetcher{&clock};
    for (int i = 0; i < 20; ++i) {
        clock.t += 12h;  // each call finds the entry stale and replaces it
        auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
        BOOST_REQUIRE(r.ok());
        BOOST_TEST(!r->from_cache);
    }
    BOOST_TEST(fetcher.calls == 20);
    const std::string stem = cache_file_stem(test_key());
    BOOST_TEST((list_dir(dir) == std::set<std::string>{stem + ".json", stem + ".lock"}));
    auto hit = cache.lookup(test_key(), clock.t, std::nullopt);
    BOOST_REQUIRE(hit.has_value());
    BOOST_TEST(hit->token == "token-20");
}

// Each of these is written where the entry goes; it must be ignored (a fetch happens), then replaced by a
// valid entry that the next call serves.
BOOST_AUTO_TEST_CASE(invalid_entries_are_ignored_and_replaced) {
    const std::string stem = cache_file_stem(test_key());
    CacheKey other_key = test_key();
    other_key.domain = "other";
    const std::string other = cache_file_stem(other_key);
    const std::string valid = entry_json(stem, "planted", unix(t0 + 12h), unix(t0));
    struct Case {
        std::string name;
        std::string content;
        mode_t mode;
    };
    const std::vector<Case> cases = {
        {"empty", "", 0600},
        {"garbage", "not json at all", 0600},
        {"binary", std::string("\x00\xff\x01{", 4), 0600},
        {"truncated", valid.substr(0, valid.size() / 2), 0600},
        {"truncated_before_brace", valid.substr(0, valid.size() - 2), 0600},
        {"nul_after_object", valid + std::string(1, '\0') + "x", 0600},
        {"trailing_garbage", valid + "{}", 0600},
        {"array", "[" + valid + "]", 0600},
        {"foreign_format", entry_json(stem, "planted", unix(t0 + 12h), unix(t0), "codeartifact-token-cache/2"), 0600},
        {"no_format",
         R"({"key":")" + stem + R"(","authorization_token":"planted","expiration":)" + std::to_string(unix(t0 + 12h)) +
             R"(,"issued_at":)" + std::to_string(unix(t0)) + "}",
         0600},
        {"wrong_key", entry_json(other, "planted", unix(t0 + 12h), unix(t0)), 0600},
        {"empty_token", entry_json(stem, "", unix(t0 + 12h), unix(t0)), 0600},
        {"token_not_string",
         R"({"format":"codeartifact-token-cache/1","key":")" + stem + R"(","authorization_token":42,"expiration":)" +
             std::to_string(unix(t0 + 12h)) + R"(,"issued_at":)" + std::to_string(unix(t0)) + "}",
         0600},
        {"expiration_string",
         R"({"format":"codeartifact-token-cache/1","key":")" + stem +
             R"(","authorization_token":"planted","expiration":")" + std::to_string(unix(t0 + 12h)) +
             R"(","issued_at":)" + std::to_string(unix(t0)) + "}",
         0600},
        {"expiration_float",
         R"({"format":"codeartifact-token-cache/1","key":")" + stem +
             R"(","authorization_token":"planted","expiration":)" + std::to_string(unix(t0 + 12h)) +
             R"(.5,"issued_at":)" + std::to_string(unix(t0)) + "}",
         0600},
        {"issued_after_expiration", entry_json(stem, "planted", unix(t0 + 12h), unix(t0 + 13h)), 0600},
        {"negative_expiration", entry_json(stem, "planted", -5, -10), 0600},
        {"mode_0644", valid, 0644},
        {"mode_0640", valid, 0640},
        {"mode_0604", valid, 0604},
        {"mode_0610", valid, 0610},
    };
    for (const auto& c : cases) {
        BOOST_TEST_CONTEXT("case " << c.name) {
            TempDir tmp;
            std::vector<std::string> log;
            TokenCache cache = open_cache(tmp / "cache", &log);
            write_file(cache.entry_path(test_key()), c.content, c.mode);
            Clock clock;
            clock.t = t0 + 1h;
            Fetcher fetcher{&clock};
            auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
            BOOST_REQUIRE(r.ok());
            BOOST_TEST(r->token == "token-1");
            BOOST_TEST(!r->from_cache);
            BOOST_TEST(fetcher.calls == 1);
            bool ignored = false;
            for (const auto& line : log) ignored |= line.find(": ignored") != std::string::npos;
            BOOST_TEST(ignored);
            BOOST_TEST((mode_of(cache.entry_path(test_key())) & 07777) == 0600u);

            auto again = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
            BOOST_REQUIRE(again.ok());
            BOOST_TEST(again->token == "token-1");
            BOOST_TEST(again->from_cache);
            BOOST_TEST(fetcher.calls == 1);
        }
    }
}

BOOST_AUTO_TEST_CASE(the_valid_planted_entry_is_served) {
    // The control for the cases above: the same bytes at 0600 are served.
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    const std::string stem = cache_file_stem(test_key());
    write_file(cache.entry_path(test_key()), entry_json(stem, "planted", unix(t0 + 12h), unix(t0)), 0600);
    auto hit = cache.lookup(test_key(), t0 + 1h, std::nullopt);
    BOOST_REQUIRE(hit.has_value());
    BOOST_TEST(hit->token == "planted");
}

BOOST_AUTO_TEST_CASE(symlinked_entry_is_ignored_and_replaced_without_touching_the_target) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    const std::string stem = cache_file_stem(test_key());
    const std::string target = tmp / "elsewhere.json";
    const std::string planted = entry_json(stem, "planted", unix(t0 + 12h), unix(t0));
    write_file(target, planted, 0600);
    BOOST_REQUIRE(::symlink(target.c_str(), cache.entry_path(test_key()).c_str()) == 0);

    Clock clock;
    Fetcher fetcher{&clock};
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(!r->from_cache);
    BOOST_TEST(r->token == "token-1");
    BOOST_TEST(S_ISREG(mode_of(cache.entry_path(test_key()))));
    BOOST_TEST(read_file(target) == planted);
    BOOST_TEST(cache.lookup(test_key(), clock.t, std::nullopt)->token == "token-1");
}

BOOST_AUTO_TEST_CASE(fifo_and_directory_in_place_of_the_entry) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    Clock clock;
    Fetcher fetcher{&clock};
    // A FIFO must not hang the reader; it is replaced like any other bad entry.
    BOOST_REQUIRE(::mkfifo(cache.entry_path(test_key()).c_str(), 0600) == 0);
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(!r->from_cache);
    BOOST_TEST(S_ISREG(mode_of(cache.entry_path(test_key()))));

    // A directory cannot be replaced: the token is still returned, and the write failure is only logged.
    CacheKey k = test_key();
    k.domain = "dir";
    BOOST_REQUIRE(::mkdir(cache.entry_path(k).c_str(), 0700) == 0);
    auto d = cache.get_or_fetch(k, clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(d.ok());
    BOOST_TEST(!d->from_cache);
    BOOST_TEST(fetcher.calls == 2);
    for (const auto& name : list_dir(cache.dir())) BOOST_TEST(name.find(".tmp") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(entry_owned_by_someone_else_is_ignored, *boost::unit_test::precondition(can_chown_to_nobody)) {
    const auto nobody = nobody_uid();
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    const std::string stem = cache_file_stem(test_key());
    write_file(cache.entry_path(test_key()), entry_json(stem, "planted", unix(t0 + 12h), unix(t0)), 0600);
    BOOST_REQUIRE(::chown(cache.entry_path(test_key()).c_str(), *nobody, static_cast<gid_t>(-1)) == 0);
    BOOST_TEST(!cache.lookup(test_key(), t0 + 1h, std::nullopt).has_value());
    Clock clock;
    Fetcher fetcher{&clock};
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn());
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(!r->from_cache);
    struct stat st {};
    BOOST_REQUIRE(::stat(cache.entry_path(test_key()).c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == ::geteuid());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(directory)

void expect_refused(const std::string& dir, const std::string& why) {
    auto c = TokenCache::open(dir);
    BOOST_REQUIRE(!c.ok());
    BOOST_TEST((c.error().kind == ErrorKind::config));
    BOOST_TEST_INFO(c.error().message);
    BOOST_TEST(c.error().message.find(dir) != std::string::npos);
    BOOST_TEST_INFO(c.error().message);
    BOOST_TEST(c.error().message.find(why) != std::string::npos);
}

BOOST_AUTO_TEST_CASE(group_or_world_writable_is_refused) {
    for (const mode_t mode : {0777u, 0770u, 0720u, 0702u, 0773u}) {
        BOOST_TEST_CONTEXT("mode " << std::oct << mode) {
            TempDir tmp;
            const std::string dir = tmp / "cache";
            BOOST_REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
            BOOST_REQUIRE(::chmod(dir.c_str(), mode) == 0);
            expect_refused(dir, "writable by group or others");
        }
    }
    TempDir tmp;
    const std::string dir = tmp / "cache";
    BOOST_REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    BOOST_REQUIRE(::chmod(dir.c_str(), 0755) == 0);  // readable is fine: the entries are 0600
    BOOST_TEST(TokenCache::open(dir).ok());
    BOOST_TEST(TokenCache::open(dir + "/").ok());
}

BOOST_AUTO_TEST_CASE(symlink_and_non_directory_are_refused) {
    TempDir tmp;
    const std::string real = tmp / "real";
    BOOST_REQUIRE(::mkdir(real.c_str(), 0700) == 0);
    const std::string link = tmp / "link";
    BOOST_REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
    expect_refused(link, "is a symlink");
    auto slash = TokenCache::open(link + "/");  // a trailing slash does not make it follow the link
    BOOST_REQUIRE(!slash.ok());
    BOOST_TEST(slash.error().message.find("is a symlink") != std::string::npos);

    const std::string file = tmp / "file";
    write_file(file, "x", 0600);
    expect_refused(file, "is not a directory");

    auto under_file = TokenCache::open(file + "/sub");
    BOOST_REQUIRE(!under_file.ok());
    BOOST_TEST((under_file.error().kind == ErrorKind::config));
    BOOST_TEST(under_file.error().message.find("cannot create cache directory") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(directory_owned_by_someone_else_is_refused, *boost::unit_test::precondition(can_chown_to_nobody)) {
    const auto nobody = nobody_uid();
    TempDir tmp;
    const std::string dir = tmp / "cache";
    BOOST_REQUIRE(::mkdir(dir.c_str(), 0700) == 0);
    BOOST_REQUIRE(::chown(dir.c_str(), *nobody, static_cast<gid_t>(-1)) == 0);
    expect_refused(dir, "is owned by uid " + std::to_string(*nobody));
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(processes)

namespace {

// Runs `body` in a child process and returns its exit status (the child never returns into Boost.Test).
template <class F>
pid_t spawn(F body) {
    const pid_t pid = ::fork();
    BOOST_REQUIRE(pid >= 0);
    if (pid == 0) {
        int code = 99;
        try {
            code = body();
        } catch (...) {
            code = 98;
        }
        ::_exit(code);
    }
    return pid;
}

int wait_exit_code(pid_t pid) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

sys_seconds real_now() {
    return std::chrono::floor<seconds>(std::chrono::system_clock::now());
}

// Adds one to the number in `path`, under its own flock, and returns the new value.
int bump_counter(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT, 0600);
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0) return -1;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    const int value = (n > 0 ? std::atoi(buf) : 0) + 1;
    const std::string text = std::to_string(value);
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        return -1;
    ::close(fd);
    return value;
}

}  // namespace

BOOST_AUTO_TEST_CASE(fifty_processes_one_fetch) {
    TempDir tmp;
    const std::string dir = tmp / "cache";  // the children race to create it, too
    const std::string counter = tmp / "fetches";
    const std::string results = tmp / "results";
    BOOST_REQUIRE(::mkdir(results.c_str(), 0700) == 0);

    int start[2];
    BOOST_REQUIRE(::pipe(start) == 0);
    constexpr int children = 50;
    std::vector<pid_t> pids;
    for (int i = 0; i < children; ++i) {
        pids.push_back(spawn([&, i]() -> int {
            ::close(start[1]);
            char c = 0;
            while (::read(start[0], &c, 1) < 0 && errno == EINTR) {
            }  // returns 0 once the parent closes its end: everyone starts together
            auto cache = TokenCache::open(dir);
            if (!cache) return 2;
            auto r = cache->get_or_fetch(
                test_key(), real_now, std::nullopt,
                [&]() -> Result<FetchedToken> {
                    if (bump_counter(counter) < 0) return Error::make(ErrorKind::internal, "counter");
                    std::this_thread::sleep_for(200ms);
                    return FetchedToken("token-from-" + std::to_string(::getpid()), real_now() + 12h);
                },
                60s);
            if (!r) return 3;
            std::ofstream out(results + "/" + std::to_string(i));
            out << (r->from_cache ? "cache" : "fetch") << "\n" << r->token.reveal() << "\n";
            return out.good() ? 0 : 4;
        }));
    }
    ::close(start[0]);
    ::close(start[1]);
    for (pid_t pid : pids) BOOST_TEST(wait_exit_code(pid) == 0);

    BOOST_TEST(read_file(counter) == "1");
    std::set<std::string> tokens;
    int fetched = 0, cached = 0;
    for (int i = 0; i < children; ++i) {
        std::istringstream in(read_file(results + "/" + std::to_string(i)));
        std::string how, token;
        in >> how >> token;
        tokens.insert(token);
        fetched += how == "fetch";
        cached += how == "cache";
    }
    BOOST_TEST(tokens.size() == 1u);
    BOOST_TEST(tokens.begin()->rfind("token-from-", 0) == 0u);
    BOOST_TEST(fetched == 1);
    BOOST_TEST(cached == children - 1);
    const std::string stem = cache_file_stem(test_key());
    BOOST_TEST((list_dir(dir) == std::set<std::string>{stem + ".json", stem + ".lock"}));
}

BOOST_AUTO_TEST_CASE(a_stuck_lock_costs_a_fetch_not_the_job) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    // The parent holds the key's lock and never lets go during the child's call.
    const int held = ::open(cache.lock_path(test_key()).c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(held >= 0);
    BOOST_REQUIRE(::flock(held, LOCK_EX) == 0);

    const pid_t pid = spawn([&]() -> int {
        ::close(held);  // the child's copy shares the parent's lock; the parent's copy keeps it held
        bool said_busy = false;
        auto c = TokenCache::open(tmp / "cache", [&](const std::string& line) {
            said_busy |= line.find("lock still busy") != std::string::npos;
        });
        if (!c) return 2;
        const auto start = std::chrono::steady_clock::now();
        auto r = c->get_or_fetch(
            test_key(), real_now, std::nullopt,
            []() -> Result<FetchedToken> { return FetchedToken("child-token", real_now() + 12h); }, 100ms);
        const auto took = std::chrono::steady_clock::now() - start;
        if (!r) return 3;
        if (r->token != "child-token" || r->from_cache) return 4;
        if (took < 100ms) return 5;
        if (took > 5s) return 6;
        if (!said_busy) return 7;
        return 0;
    });
    BOOST_TEST(wait_exit_code(pid) == 0);
    BOOST_TEST(!exists(cache.entry_path(test_key())));  // the child did not write
    ::close(held);

    Clock clock;
    clock.t = real_now();
    Fetcher fetcher{&clock};
    auto r = cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn(), 100ms);
    BOOST_REQUIRE(r.ok());
    BOOST_TEST(!r->from_cache);
    BOOST_TEST(exists(cache.entry_path(test_key())));  // with the lock free, it writes
}

BOOST_AUTO_TEST_CASE(a_waiter_reads_what_the_holder_wrote) {
    TempDir tmp;
    TokenCache cache = open_cache(tmp / "cache");
    const int held = ::open(cache.lock_path(test_key()).c_str(), O_RDWR | O_CREAT, 0600);
    BOOST_REQUIRE(held >= 0);
    BOOST_REQUIRE(::flock(held, LOCK_EX) == 0);

    const std::string waiting = tmp / "waiting";
    const pid_t pid = spawn([&]() -> int {
        ::close(held);  // otherwise the child's copy would keep the lock held after the parent lets go
        bool waited = false;
        auto c = TokenCache::open(tmp / "cache", [&](const std::string& line) {
            if (line.find("locked by another process") != std::string::npos) std::ofstream{waiting} << "1";
            waited |= line.find("waited") != std::string::npos;
        });
        if (!c) return 2;
        auto r = c->get_or_fetch(
            test_key(), real_now, std::nullopt,
            []() -> Result<FetchedToken> { return Error::make(ErrorKind::internal, "the waiter must not fetch"); },
            30s);
        if (!r) return 3;
        if (r->token != "from-the-holder" || !r->from_cache) return 4;
        return waited ? 0 : 5;
    });
    // Once the child says it is waiting for the lock, write the entry and let go.
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!exists(waiting) && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    BOOST_REQUIRE(exists(waiting));
    BOOST_REQUIRE(cache.store(test_key(), FetchedToken("from-the-holder", real_now() + 12h), real_now()).ok());
    ::close(held);
    BOOST_TEST(wait_exit_code(pid) == 0);
}

BOOST_AUTO_TEST_SUITE_END()

// Issue 12 item 12: the run that holds a lock removes the temporaries of killed writers (older than a
// minute) and the entries past their expiry; a fresh entry and another process's fresh temporary stay.
BOOST_AUTO_TEST_CASE(the_lock_holder_removes_stale_temporaries_and_expired_entries) {
    TempDir tmp;
    std::vector<std::string> log;
    TokenCache cache = open_cache(tmp / "cache", &log);
    Clock clock;
    Fetcher fetcher{&clock};
    const std::string dir = tmp / "cache";
    CacheKey expired_key = test_key();
    expired_key.domain = "expired";
    CacheKey fresh_key = test_key();
    fresh_key.domain = "fresh";
    const std::string expired_stem = cat::cache::cache_file_stem(expired_key);
    const std::string fresh_stem = cat::cache::cache_file_stem(fresh_key);
    write_file(dir + "/" + expired_stem + ".json", entry_json(expired_stem, "old", unix(t0 - 1h), unix(t0 - 13h)),
               0600);
    write_file(dir + "/" + fresh_stem + ".json", entry_json(fresh_stem, "new", unix(t0 + 1h), unix(t0 - 1h)), 0600);
    const std::string stale_tmp = "." + expired_stem + ".json.4242.0.123.tmp";
    const std::string fresh_tmp = "." + fresh_stem + ".json.4343.0.456.tmp";
    write_file(dir + "/" + stale_tmp, "half a token", 0600);
    write_file(dir + "/" + fresh_tmp, "another process, writing now", 0600);
    write_file(dir + "/notes.txt", "not ours", 0600);
    const timespec old_times[2] = {{0, UTIME_OMIT}, {::time(nullptr) - 120, 0}};
    BOOST_REQUIRE(::utimensat(AT_FDCWD, (dir + "/" + stale_tmp).c_str(), old_times, 0) == 0);

    BOOST_REQUIRE(cache.get_or_fetch(test_key(), clock.fn(), std::nullopt, fetcher.fn()).ok());
    const auto names = list_dir(dir);
    BOOST_TEST(!names.contains(stale_tmp));
    BOOST_TEST(!names.contains(expired_stem + ".json"));
    BOOST_TEST(names.contains(fresh_tmp));
    BOOST_TEST(names.contains(fresh_stem + ".json"));
    BOOST_TEST(names.contains("notes.txt"));
    BOOST_TEST(names.contains(cat::cache::cache_file_stem(test_key()) + ".json"));
    BOOST_TEST(std::count(log.begin(), log.end(),
                          "cache " + cat::cache::cache_file_stem(test_key()).substr(0, 12) +
                              ": removed 1 stale temporary file(s) and 1 expired entry") == 1);
}
