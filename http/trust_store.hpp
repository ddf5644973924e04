// A PEM bundle of trust anchors (AWS_CA_BUNDLE, or the only store of an image without hashed links),
// read whole but parsed lazily. OpenSSL 3 spends about 1.6 M instructions parsing one certificate (its
// public key goes through the provider decoders): 230 M for the 145 of Debian's ca-certificates.crt, when
// a verification needs one or two of them. So each certificate is only decoded as far as its subject, and
// a certificate is parsed when a chain asks for its subject. Internal to http/ (and its tests).
#pragma once

#include <openssl/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.hpp"

namespace cat::http {

class CaBundle {
public:
    // Indexes `pem`: every block a certificate ("CERTIFICATE", "X509 CERTIFICATE", or "TRUSTED
    // CERTIFICATE" with OpenSSL's trust settings), text between blocks ignored. nullptr for anything else
    // (no certificate, another kind of block, a truncated block, not base64, no subject): such a file is
    // left to OpenSSL, which loads all of it or says what is wrong.
    static std::unique_ptr<CaBundle> parse(std::string pem);
    // parse() of the file's text; nullptr when it cannot be read either.
    static std::unique_ptr<CaBundle> read(const std::string& path);

    CaBundle(const CaBundle&) = delete;
    CaBundle& operator=(const CaBundle&) = delete;
    ~CaBundle();

    std::size_t size() const { return entries_.size(); }
    // How many certificates have been parsed so far.
    std::size_t parsed() const;
    // The subject Name (DER) of the i-th certificate, as indexed.
    std::string_view subject(std::size_t i) const { return entries_[i].subject; }

    // The certificates whose subject OpenSSL's X509_NAME_cmp finds equal to `name`, parsed now (those that
    // do not parse are left out); borrowed, valid as long as the bundle. A subject held byte for byte is
    // looked up in the index; any other name is compared with every certificate's subject.
    std::vector<X509*> find(const X509_NAME* name);

    // Makes OpenSSL ask this bundle for trusted certificates by subject as it builds chains (an
    // X509_LOOKUP, as its hashed-directory lookup is); the certificates found are added to `store`.
    // One store per bundle, which the bundle must outlive.
    bool attach(X509_STORE* store);

private:
    struct Entry {
        std::size_t begin = 0, end = 0;  // the PEM block, in text_
        std::string subject;             // the subject Name, DER
        bool aux = false;                // TRUSTED CERTIFICATE: followed by OpenSSL's trust settings
        bool parsed = false;             // cert holds the certificate, or nullptr when it did not parse
        bool added = false;              // in the store
        X509* cert = nullptr;
        bool name_parsed = false;  // name holds the subject as OpenSSL's X509_NAME, or nullptr
        X509_NAME* name = nullptr;
    };

    friend struct BundleLookup;  // the X509_LOOKUP method, in trust_store.cpp

    CaBundle() = default;
    X509* certificate(Entry& e);
    std::vector<Entry*> matches(const X509_NAME* name);
    // find(), adding what it finds to `store`; the first of them, or nullptr.
    X509* add_to(X509_STORE* store, const X509_NAME* name);

    std::string text_;
    std::vector<Entry> entries_;
    std::unordered_multimap<std::string_view, std::size_t> index_;  // subject DER (in entries_) -> entries_
};

// The trust anchors of an operating system that keeps them in a store of its own rather than in files:
// Windows' ROOT store (the current user's, which includes the machine's), and its CA store for the
// intermediates a server does not send (self-signed ones there are left out: only ROOT holds anchors).
// Used when no CA bundle is given; the files of /etc/ssl apply elsewhere (has_system_store is false and
// load_system_store is never called). trust_store_windows.cpp.
#ifdef _WIN32
inline constexpr bool has_system_store = true;
#else
inline constexpr bool has_system_store = false;
#endif
// Adds the store's certificates to `store`; an error when the ROOT store cannot be opened.
Status load_system_store(X509_STORE* store);

}  // namespace cat::http
