// The process entry on POSIX: see core/platform.hpp.
#include "core/platform.hpp"

extern char** environ;

namespace cat::platform {

std::vector<std::string> arguments(int argc, char** argv) {
    return std::vector<std::string>(argv, argv + argc);
}

Env environment() {
    return Env::from(environ);
}

}  // namespace cat::platform
