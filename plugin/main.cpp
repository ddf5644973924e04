// codeartifact-token: see README.md. Everything lives in the libraries; this only adapts the process.
#include <openssl/crypto.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "core/files.hpp"
#include "core/platform.hpp"
#include "plugin/app.hpp"

int main(int argc, char** argv) {
    cat::files::reserve_standard_streams();  // before anything opens a file
    // UTF-8 arguments and environment (on Windows read again as UTF-16: core/platform_windows.cpp).
    const std::vector<std::string> arguments = cat::platform::arguments(argc, argv);
    const cat::Env env = cat::platform::environment();
    // OpenSSL 3's start-up is most of a run's instructions (bench/run measures it): skip what a one-shot
    // process never needs. The clean-up at exit frees memory the kernel is about to take back; the error
    // strings are loaded by the transport when an error is shown (http/beast_transport.cpp); the system
    // openssl.cnf configures the system's OpenSSL, not the one linked in here (an OPENSSL_CONF set on
    // purpose is still read).
    std::uint64_t openssl_options = OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
    if (!env.all().contains("OPENSSL_CONF")) openssl_options |= OPENSSL_INIT_NO_LOAD_CONFIG;
    OPENSSL_init_crypto(openssl_options, nullptr);

    std::vector<std::string_view> args;
    for (std::size_t i = 1; i < arguments.size(); ++i) args.emplace_back(arguments[i]);
    // Called through a link named `keyring` (--configure pip --credential-helper makes one): pip's and uv's
    // keyring command, as `codeartifact-token keyring ...` (plugin/helpers.cpp).
    if (!arguments.empty()) {
        const std::string_view self = arguments.front();
        const auto name = self.substr(self.find_last_of("/\\") + 1);
        if (name == "keyring" || name == "keyring.exe") args.insert(args.begin(), "keyring");
    }
    namespace files = cat::files;
    const auto say = [](std::string_view line) {
        (void)files::write_all(files::Stream::err, std::string(line) + "\n");  // one write per line
    };
    cat::plugin::Io io;
    io.stdin_is_terminal = files::is_terminal(files::Stream::in);
    io.stdin_ready = [](std::chrono::milliseconds wait) { return files::wait_readable(files::Stream::in, wait); };
    io.read_stdin = [&say] {
        auto data = files::read_stdin();  // Terraform's query: a few hundred bytes; at most 1 MiB
        if (!data) {
            // Nothing has been read or fetched yet, so there is nothing to unwind: stop here.
            say("codeartifact-token: " + cat::describe(data.error()));
            std::exit(cat::exit_code(cat::ErrorKind::usage));
        }
        return std::move(*data);
    };
    io.out = [](std::string_view s) { return files::write_all(files::Stream::out, s); };
    io.err = say;
    io.append_file = files::append_file;
    return cat::plugin::run(args, env, io);
}
