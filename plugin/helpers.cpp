// The credential helpers (helpers.hpp): cargo's credential-provider protocol and the keyring command of
// pip and uv. Each asks run() itself for the token, with the arguments that name the repository's domain,
// owner and region, so the token comes through the cache like any other run's.
#include "plugin/helpers.hpp"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdio>
#include <filesystem>
#include <optional>

#include "aws/rfc3339.hpp"
#include "core/files.hpp"
#include "core/json.hpp"
#include "core/process.hpp"
#include "core/secret.hpp"
#include "core/text.hpp"

namespace cat::plugin::helpers {
namespace {

namespace fs = std::filesystem;

// This program's own file, for the commands other tools run (Linux: /proc/self/exe; elsewhere the name,
// found on PATH).
std::string self_path() {
    std::error_code ec;
    const auto p = fs::read_symlink("/proc/self/exe", ec);
    return ec || p.empty() ? std::string("codeartifact-token") : p.string();
}

bool same_file(const fs::path& a, const fs::path& b) {
    std::error_code ec;
    return fs::equivalent(a, b, ec) && !ec;
}

// The token and its expiration from a run of ourselves with `args` (plus --output json); the run's own
// error line has gone to stderr when it fails.
struct Answer {
    int exit_code = 0;
    Secret token;
    std::chrono::sys_seconds expiration{};
};

Answer ask(std::vector<std::string> args, const Env& env, const Io& io) {
    args.insert(args.end(), {"--output", "json"});
    std::vector<std::string_view> views(args.begin(), args.end());
    std::string captured;
    Io inner = io;
    inner.out = [&captured](std::string_view s) -> Status {
        captured += s;
        return Ok{};
    };
    Answer a;
    a.exit_code = run(views, env, inner);
    if (a.exit_code != 0) return a;
    rapidjson::Document d;
    if (json::parse(d, captured) && d.IsObject() && d.HasMember("authorization_token") &&
        d["authorization_token"].IsString() && d.HasMember("expiration") && d["expiration"].IsString()) {
        a.token = Secret(std::string(d["authorization_token"].GetString(), d["authorization_token"].GetStringLength()));
        if (auto t = aws::parse_rfc3339(d["expiration"].GetString())) a.expiration = *t;
    }
    wipe(captured);
    if (a.token.view().empty()) {
        io.err("codeartifact-token: internal error: no token in the run's answer");
        a.exit_code = exit_code(ErrorKind::internal);
    }
    return a;
}

// ---- cargo --------------------------------------------------------------------------------------------
// doc.rust-lang.org/cargo/reference/credential-provider-protocol.html: we send the hello {"v":[1]}, then
// answer each request line until cargo closes our stdin. Only "get" is ours; login and logout are
// "operation-not-supported" (cargo then says so to the user).

std::string json_line(const rapidjson::Document& d) {
    rapidjson::StringBuffer b;
    rapidjson::Writer<rapidjson::StringBuffer> w(b);
    d.Accept(w);
    return std::string(b.GetString(), b.GetSize()) + "\n";
}

std::string cargo_error(std::string_view kind, std::string_view message = {}) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& al = d.GetAllocator();
    rapidjson::Value err(rapidjson::kObjectType);
    err.AddMember("kind", rapidjson::Value(kind.data(), static_cast<rapidjson::SizeType>(kind.size()), al), al);
    if (!message.empty())
        err.AddMember("message", rapidjson::Value(message.data(), static_cast<rapidjson::SizeType>(message.size()), al),
                      al);
    d.AddMember("Err", err, al);
    return json_line(d);
}

std::string cargo_token(const Answer& a, std::chrono::sys_seconds now) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& al = d.GetAllocator();
    rapidjson::Value ok(rapidjson::kObjectType);
    ok.AddMember("kind", "get", al);
    // CodeArtifact takes cargo's token as "Bearer TOKEN" (as in credentials.toml).
    std::string token = "Bearer " + std::string(a.token.view());
    ok.AddMember("token", rapidjson::Value(token.data(), static_cast<rapidjson::SizeType>(token.size()), al), al);
    wipe(token);
    // Cargo may keep the token for the rest of its run until `expiration`: five minutes before ours.
    const auto keep_until = a.expiration - std::chrono::minutes(5);
    if (keep_until > now) {
        ok.AddMember("cache", "expires", al);
        ok.AddMember("expiration", static_cast<int64_t>(keep_until.time_since_epoch().count()), al);
    } else {
        ok.AddMember("cache", "never", al);
    }
    ok.AddMember("operation_independent", true, al);
    d.AddMember("Ok", ok, al);
    std::string out = json_line(d);
    return out;
}

std::optional<std::string> read_line(Io& io) {
    if (io.read_line) return io.read_line();
    // As std::getline on std::cin (which reads through stdio): C's stdio keeps iostreams and their
    // locale set-up out of the binary and out of every start (issue 16).
    std::string line;
    int c = 0;
    while ((c = std::getc(stdin)) != EOF) {
        if (c == '\n') return line;
        line += static_cast<char>(c);
    }
    if (line.empty()) return std::nullopt;
    return line;
}

int cargo_plugin(std::span<const std::string_view> args, const Env& env, Io& io) {
    const std::vector<std::string> ours(args.begin(), args.end() - 1);  // without --cargo-plugin
    if (!io.out("{\"v\":[1]}\n")) return exit_code(ErrorKind::internal);
    while (auto line = read_line(io)) {
        if (text::trim(*line).empty()) continue;
        rapidjson::Document req;
        std::string reply;
        if (!json::parse(req, *line) || !req.IsObject() || !req.HasMember("kind") || !req["kind"].IsString()) {
            reply = cargo_error("other", "codeartifact-token: cargo sent a request it cannot read");
        } else if (std::string_view(req["kind"].GetString()) != "get") {
            reply = cargo_error("operation-not-supported");
        } else {
            // Cargo passes the provider's arguments in the request's "args", not on our command line.
            std::vector<std::string> request_args = ours;
            if (req.HasMember("args") && req["args"].IsArray())
                for (const auto& v : req["args"].GetArray())
                    if (v.IsString()) request_args.emplace_back(v.GetString(), v.GetStringLength());
            auto a = ask(request_args, env, io);
            reply = a.exit_code == 0 ? cargo_token(a, std::chrono::floor<std::chrono::seconds>(
                                                          io.now ? io.now() : std::chrono::system_clock::now()))
                                     : cargo_error("other", "codeartifact-token could not get a token (see above)");
        }
        const bool sent = static_cast<bool>(io.out(reply));
        wipe(reply);
        if (!sent) return exit_code(ErrorKind::internal);
    }
    return 0;
}

// ---- keyring ------------------------------------------------------------------------------------------
// pip (pip.pypa.io/en/stable/topics/authentication/, "keyring as a command line application") runs
// `keyring get SERVICE USER` with SERVICE the index URL, then its host: the password on stdout, exit 0; a
// non-zero exit with nothing printed means "no password". uv does the same. Requests that are not for a
// CodeArtifact repository (and `set`, `del`) go to the next `keyring` on PATH when there is one, so that
// our link first on PATH never hides the user's own keyring; without one, the answer is exit 1, silent.

// The next `keyring` on PATH that is not this program.
std::optional<std::string> other_keyring(const Env& env) {
    const fs::path me = self_path();
    const std::string path = env.get("PATH");
    std::string_view rest = path;
    while (!rest.empty()) {
        const auto colon = rest.find(':');
        const std::string dir(rest.substr(0, colon));
        rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
        if (dir.empty()) continue;
        const fs::path candidate = fs::path(dir) / "keyring";
        std::error_code ec;
        const auto st = fs::status(candidate, ec);
        if (ec || !fs::is_regular_file(st) || (st.permissions() & fs::perms::owner_exec) == fs::perms::none) continue;
        if (same_file(candidate, me)) continue;
        return candidate.string();
    }
    return std::nullopt;
}

int delegate(std::span<const std::string_view> args, const Env& env, Io& io) {
    const auto other = other_keyring(env);
    if (!other) return 1;
    std::vector<std::string> argv{*other};
    argv.insert(argv.end(), args.begin(), args.end());
    auto done = process::run(argv);
    if (!done) {
        io.err("codeartifact-token: " + describe(done.error()));
        return 1;
    }
    if (!done->out.empty() && !io.out(done->out)) return exit_code(ErrorKind::internal);
    wipe(done->out);
    return done->exit_code < 0 ? 1 : done->exit_code;
}

int keyring(std::span<const std::string_view> args, const Env& env, Io& io) {
    // keyring get SERVICE USERNAME
    if (args.size() != 3 || args[0] != "get" || args[2] != "aws") return delegate(args, env, io);
    auto ours = keyring_arguments(args[1]);
    if (ours.empty()) return delegate(args, env, io);
    auto a = ask(std::move(ours), env, io);
    if (a.exit_code != 0) return a.exit_code;
    std::string line = std::string(a.token.view()) + "\n";
    const bool sent = static_cast<bool>(io.out(line));
    wipe(line);
    return sent ? 0 : exit_code(ErrorKind::internal);
}

bool all_of(std::string_view s, bool (*ok)(char)) {
    for (char c : s)
        if (!ok(c)) return false;
    return !s.empty();
}

}  // namespace

bool is_helper_call(std::span<const std::string_view> args) {
    return !args.empty() && (args.front() == "keyring" || args.back() == "--cargo-plugin");
}

int run_helper(std::span<const std::string_view> args, const Env& env, Io& io) {
    if (args.front() == "keyring") return keyring(args.subspan(1), env, io);
    return cargo_plugin(args, env, io);
}

std::vector<std::string> helper_command(std::vector<std::string> args) {
    args.insert(args.begin(), self_path());
    return args;
}

std::vector<std::string> keyring_arguments(std::string_view service) {
    // A URL's host, or host[:port] alone.
    std::string_view host = service;
    if (const auto scheme = host.find("://"); scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
    host = host.substr(0, host.find_first_of("/?#"));
    if (const auto at = host.rfind('@'); at != std::string_view::npos) host.remove_prefix(at + 1);
    host = host.substr(0, host.find(':'));
    const std::string h = text::lower(host);
    std::string_view rest = h;
    for (std::string_view suffix : {".amazonaws.com.cn", ".amazonaws.com"})
        if (rest.ends_with(suffix)) {
            rest.remove_suffix(suffix.size());
            break;
        }
    if (rest.size() == h.size()) return {};
    // DOMAIN-OWNER.d.codeartifact.REGION
    const auto marker = rest.find(".d.codeartifact.");
    if (marker == std::string_view::npos) return {};
    const auto region = rest.substr(marker + 16);
    const auto label = rest.substr(0, marker);
    const auto dash = label.rfind('-');
    if (dash == std::string_view::npos || label.size() - dash - 1 != 12) return {};
    const auto domain = label.substr(0, dash);
    const auto owner = label.substr(dash + 1);
    const auto lower_digit_dash = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; };
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (!all_of(domain, lower_digit_dash) || !all_of(owner, digit) || !all_of(region, lower_digit_dash)) return {};
    return {"--domain", std::string(domain), "--domain-owner", std::string(owner), "--region", std::string(region)};
}

std::string keyring_dir(const Env& env) {
    const auto data = env.get("XDG_DATA_HOME");
    if (!data.empty() && data.front() == '/') return data + "/codeartifact-token/bin";
    const auto home = env.get("HOME");
    return home.empty() ? std::string() : home + "/.local/share/codeartifact-token/bin";
}

Result<std::string> install_keyring_link(const Env& env, std::vector<std::string>& notes) {
    const std::string dir = keyring_dir(env);
    if (dir.empty())
        return Error::make(ErrorKind::config, "HOME is not set: no folder for the keyring link of --credential-helper");
    if (auto s = files::make_directories(dir); !s) return s.error();
    const fs::path link = fs::path(dir) / "keyring";
    const fs::path target = self_path();
    std::error_code ec;
    const auto st = fs::symlink_status(link, ec);
    if (fs::is_symlink(st)) {
        if (fs::read_symlink(link, ec) != target) {
            fs::remove(link, ec);
            if (ec) return Error::make(ErrorKind::config, "cannot replace " + link.string() + ": " + ec.message());
        }
    } else if (fs::exists(st)) {
        return Error::make(ErrorKind::config, "refusing to replace " + link.string() + ": it is not a link");
    }
    if (!fs::is_symlink(fs::symlink_status(link, ec))) {
        fs::create_symlink(target, link, ec);
        if (ec) return Error::make(ErrorKind::config, "cannot make the link " + link.string() + ": " + ec.message());
    }
    // Which keyring pip will run: ours only when our folder comes first on PATH.
    const std::string path = ":" + env.get("PATH") + ":";
    if (path.find(":" + dir + ":") == std::string::npos)
        notes.push_back("put " + dir + " first on PATH: pip and uv run the first keyring they find");
    if (auto other = other_keyring(env))
        notes.push_back(*other + " still answers every other URL: codeartifact-token's keyring passes those to it");
    return "linked keyring: " + link.string() + " -> " + target.string() + "\n";
}

}  // namespace cat::plugin::helpers
