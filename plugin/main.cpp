// codeartifact-token: see README.md. Everything lives in the libraries; this only adapts the process.
#include <unistd.h>

#include <cstdio>
#include <iterator>
#include <string>
#include <vector>

#include "plugin/app.hpp"
#include "plugin/files.hpp"

extern char** environ;

int main(int argc, char** argv) {
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
