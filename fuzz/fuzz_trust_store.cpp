// The lazy CA bundle's parser (http/trust_store.hpp) over arbitrary bytes: it indexes the file or leaves it
// to OpenSSL, and never crashes. Every certificate found for a name has that name by OpenSSL's comparison,
// whether the name is held byte for byte (each indexed subject) or compared with every subject (a name
// none holds).
#include <openssl/x509.h>

#include <algorithm>

#include "fuzz/fuzz_common.hpp"
#include "http/trust_store.hpp"

using namespace cat;

namespace {

void check_find(http::CaBundle& bundle, const X509_NAME* name) {
    for (X509* cert : bundle.find(name)) FUZZ_CHECK(X509_NAME_cmp(X509_get_subject_name(cert), name) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto bundle = http::CaBundle::parse(std::string(fuzz::as_view(data, size)));
    if (!bundle) return 0;
    FUZZ_CHECK(bundle->size() != 0);
    FUZZ_CHECK(bundle->parsed() == 0);

    for (std::size_t i = 0; i < std::min<std::size_t>(bundle->size(), 8); ++i) {
        const std::string_view der = bundle->subject(i);
        const auto* p = reinterpret_cast<const unsigned char*>(der.data());
        X509_NAME* name = d2i_X509_NAME(nullptr, &p, static_cast<long>(der.size()));
        if (name == nullptr) continue;
        check_find(*bundle, name);
        X509_NAME_free(name);
    }
    X509_NAME* absent = X509_NAME_new();
    FUZZ_CHECK(absent != nullptr);
    X509_NAME_add_entry_by_txt(absent, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("fuzz absent"), -1,
                               -1, 0);
    check_find(*bundle, absent);
    X509_NAME_free(absent);
    FUZZ_CHECK(bundle->parsed() <= bundle->size());
    return 0;
}
