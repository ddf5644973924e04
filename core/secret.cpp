#include "core/secret.hpp"

#include <openssl/crypto.h>

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

}  // namespace cat
