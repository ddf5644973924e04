// The Windows certificate stores as OpenSSL's trust anchors: see load_system_store in http/trust_store.hpp.
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>
// After windows.h, which it needs.
#include <wincrypt.h>

// wincrypt.h defines names that OpenSSL's headers use.
#undef X509_NAME
#undef X509_EXTENSIONS
#undef PKCS7_ISSUER_AND_SERIAL
#undef OCSP_REQUEST
#undef OCSP_RESPONSE

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <string>

#include "http/trust_store.hpp"

namespace cat::http {
namespace {

// Adds the certificates of the system store `name`; false when it cannot be opened.
bool add_store(X509_STORE* store, const wchar_t* name, bool anchors) {
    const HCERTSTORE system = ::CertOpenSystemStoreW(0, name);
    if (system == nullptr) return false;
    PCCERT_CONTEXT cert = nullptr;
    while ((cert = ::CertEnumCertificatesInStore(system, cert)) != nullptr) {
        if (cert->dwCertEncodingType != X509_ASN_ENCODING) continue;
        const unsigned char* der = cert->pbCertEncoded;
        X509* x = d2i_X509(nullptr, &der, static_cast<long>(cert->cbCertEncoded));
        if (x == nullptr) continue;
        // A self-signed certificate in the CA store would become an anchor: only ROOT's are.
        const bool self_signed = (X509_get_extension_flags(x) & EXFLAG_SS) != 0;
        if (anchors || !self_signed) X509_STORE_add_cert(store, x);  // a duplicate is not an error that matters
        X509_free(x);
    }
    ::CertCloseStore(system, 0);
    return true;
}

}  // namespace

Status load_system_store(X509_STORE* store) {
    if (!add_store(store, L"ROOT", true)) {
        const DWORD err = ::GetLastError();
        return Error::make(ErrorKind::config, "cannot open the Windows certificate store ROOT (error " +
                                                  std::to_string(err) +
                                                  "); give a CA bundle with --ca-bundle or AWS_CA_BUNDLE");
    }
    (void)add_store(store, L"CA", false);
    ERR_clear_error();  // duplicates and certificates OpenSSL could not use leave errors behind
    return Ok{};
}

}  // namespace cat::http
