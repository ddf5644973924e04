// Windows command lines, joined and split: see core/process.hpp. Pure C++, built on every platform.
#include "core/process.hpp"

namespace cat::process {
namespace {

bool blank(char c) {
    return c == ' ' || c == '\t';
}

void quote_argument(std::string& out, std::string_view arg) {
    if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string_view::npos) {
        out += arg;
        return;
    }
    out += '"';
    for (std::size_t i = 0;; ++i) {
        std::size_t backslashes = 0;
        while (i < arg.size() && arg[i] == '\\') ++i, ++backslashes;
        if (i == arg.size()) {
            out.append(backslashes * 2, '\\');  // before the closing quote
            break;
        }
        if (arg[i] == '"') {
            out.append(backslashes * 2 + 1, '\\');
        } else {
            out.append(backslashes, '\\');
        }
        out += arg[i];
    }
    out += '"';
}

}  // namespace

Result<std::string> windows_command_line(const std::vector<std::string>& argv) {
    if (argv.empty() || argv.front().empty()) return Error::make(ErrorKind::config, "no program to run");
    const std::string& program = argv.front();
    if (program.find('"') != std::string::npos)
        return Error::make(ErrorKind::config, "cannot run \"" + program + "\": a program name cannot hold '\"'");
    std::string line;
    if (program.find_first_of(" \t") != std::string::npos)
        line += "\"" + program + "\"";
    else
        line += program;
    for (std::size_t i = 1; i < argv.size(); ++i) {
        line += ' ';
        quote_argument(line, argv[i]);
    }
    return line;
}

std::vector<std::string> split_windows_command_line(std::string_view line) {
    std::vector<std::string> args;
    std::size_t i = 0;
    // argv[0]: up to the next quote when it starts with one, else up to a blank; no escapes.
    std::string program;
    if (i < line.size() && line[i] == '"') {
        const auto end = line.find('"', i + 1);
        program = std::string(line.substr(i + 1, end == std::string_view::npos ? std::string_view::npos : end - i - 1));
        i = end == std::string_view::npos ? line.size() : end + 1;
    }
    while (i < line.size() && !blank(line[i])) program += line[i++];
    args.push_back(std::move(program));
    for (;;) {
        while (i < line.size() && blank(line[i])) ++i;
        if (i >= line.size()) break;
        std::string arg;
        bool quoted = false;
        while (i < line.size() && (quoted || !blank(line[i]))) {
            if (line[i] == '\\') {
                std::size_t backslashes = 0;
                while (i < line.size() && line[i] == '\\') ++i, ++backslashes;
                if (i < line.size() && line[i] == '"') {
                    arg.append(backslashes / 2, '\\');
                    if (backslashes % 2 == 1) {
                        arg += '"';
                        ++i;
                    }
                } else {
                    arg.append(backslashes, '\\');
                }
            } else if (line[i] == '"') {
                if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
                    arg += '"';
                    i += 2;
                } else {
                    quoted = !quoted;
                    ++i;
                }
            } else {
                arg += line[i++];
            }
        }
        args.push_back(std::move(arg));
    }
    return args;
}

}  // namespace cat::process
