// codeartifact-token: see README.md. Everything lives in the libraries; this only adapts the process.
#include <openssl/crypto.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <string>
#include <vector>

#include "plugin/app.hpp"
#include "plugin/files.hpp"

extern char** environ;

int main(int argc, char** argv) {
    // OpenSSL 3's start-up is most of a run's instructions (bench/run measures it): skip what a one-shot
    // process never needs. The clean-up at exit frees memory the kernel is about to take back; the error
    // strings are loaded by the transport when an error is shown (http/beast_transport.cpp); the system
    // openssl.cnf configures the system's OpenSSL, not the one linked in here (an OPENSSL_CONF set on
    // purpose is still read).
    std::uint64_t openssl_options = OPENSSL_INIT_NO_ATEXIT | OPENSSL_INIT_NO_LOAD_CRYPTO_STRINGS;
    if (std::getenv("OPENSSL_CONF") == nullptr) openssl_options |= OPENSSL_INIT_NO_LOAD_CONFIG;
    OPENSSL_init_crypto(openssl_options, nullptr);

    std::vector<std::string_view> args(argv + 1, argv + argc);
    cat::plugin::Io io;
    io.stdin_is_terminal = isatty(STDIN_FILENO) == 1;
    io.read_stdin = [] {
        std::string data;
        char buf[65536];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, stdin)) > 0;) data.append(buf, n);
        return data;
    };
    io.out = [](std::string_view s) {
        std::fwrite(s.data(), 1, s.size(), stdout);
        std::fflush(stdout);
    };
    io.err = [](std::string_view s) {
        std::fwrite(s.data(), 1, s.size(), stderr);
        std::fputc('\n', stderr);
    };
    io.append_file = cat::plugin::append_to_file;
    return cat::plugin::run(args, cat::Env::from(environ), io);
}
