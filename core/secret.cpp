#include "core/secret.hpp"

#include <openssl/crypto.h>

#include <ostream>

namespace cat {

void wipe(void* p, std::size_t n) noexcept {
    if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

void wipe(std::string& s) noexcept {
    // The whole buffer: a shorter value may have been written over a longer one.
    s.resize(s.capacity());
    wipe(s.data(), s.size());
    s.clear();
}

std::ostream& boost_test_print_type(std::ostream& out, const Secret& s) {
    return out << "(a secret of " << s.size() << " bytes)";
}

}  // namespace cat
