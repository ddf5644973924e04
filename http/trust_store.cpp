// The lazy CA bundle. OpenSSL does the work that has rules to get right: base64 (EVP_DecodeUpdate), PEM
// (PEM_read_bio_X509, when a certificate is needed) and the comparison of names (X509_NAME_cmp, on the
// canonical form its hashed-directory lookup uses). Indexing keeps to what is cheap: the PEM blocks are
// found by their BEGIN and END lines, each is decoded only as far as its subject, and the index is the
// subject's DER, byte for byte.
#include "http/trust_store.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cstdio>

namespace cat::http {
namespace {

constexpr std::size_t max_bundle_bytes = 64 * 1024 * 1024;  // more is not a CA bundle; OpenSSL may say why

bool read_file(const std::string& path, std::string& out) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) return false;
    char buf[65536];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0 && out.size() <= max_bundle_bytes;)
        out.append(buf, n);
    const bool ok = std::ferror(f) == 0 && out.size() <= max_bundle_bytes;
    std::fclose(f);
    return ok;
}

enum class Walk { found, more, bad };

// The header of the DER element at the start of `in`: its tag, the header's size and the contents' length.
struct Header {
    unsigned char tag = 0;
    std::size_t size = 0, length = 0;
};

Walk read_header(std::string_view in, Header& h) {
    if (in.size() < 2) return Walk::more;
    const auto* p = reinterpret_cast<const unsigned char*>(in.data());
    h.tag = p[0];
    if ((h.tag & 0x1f) == 0x1f) return Walk::bad;  // high tag numbers: not in certificates
    h.size = 2;
    h.length = p[1];
    if ((h.length & 0x80) != 0) {
        const std::size_t n = h.length & 0x7f;
        if (n == 0 || n > 4) return Walk::bad;  // indefinite (not DER), or longer than a bundle
        if (in.size() < 2 + n) return Walk::more;
        h.length = 0;
        for (std::size_t i = 0; i < n; ++i) h.length = (h.length << 8) | p[2 + i];
        h.size += n;
    }
    return Walk::found;
}

// The subject Name (its whole DER) of the DER certificate `der` begins with: `more` when `der` stops
// before the subject's end. Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL,
// serialNumber, signature, issuer, validity, subject, ... }, ... }.
Walk subject_of(std::string_view der, std::string_view& subject) {
    Header h;
    for (int level = 0; level < 2; ++level) {  // into the certificate, then into tbsCertificate
        if (const Walk w = read_header(der, h); w != Walk::found) return w;
        if (h.tag != 0x30) return Walk::bad;
        der.remove_prefix(h.size);
    }
    static constexpr unsigned char fields[] = {0x02, 0x30, 0x30, 0x30, 0x30};  // serial number .. subject
    for (std::size_t field = 0; field < sizeof fields;) {
        if (const Walk w = read_header(der, h); w != Walk::found) return w;
        if (der.size() - h.size < h.length) return Walk::more;
        const std::string_view whole = der.substr(0, h.size + h.length);
        der.remove_prefix(whole.size());
        if (field == 0 && h.tag == 0xa0) continue;  // the version
        if (h.tag != fields[field++]) return Walk::bad;
        subject = whole;
    }
    return Walk::found;
}

// Base64-decodes `body` (a PEM block's lines) only as far as the certificate's subject, into `subject`.
bool decode_subject(EVP_ENCODE_CTX* ctx, std::string_view body, std::string& der, std::string& subject) {
    constexpr std::size_t step = 256;  // characters; a subject usually ends within the first 500
    EVP_DecodeInit(ctx);
    der.resize(body.size() / 4 * 3 + 80);
    std::size_t n = 0;
    for (std::size_t at = 0;;) {
        const std::size_t take = std::min(step, body.size() - at);
        int out = 0;
        if (take != 0 &&
            EVP_DecodeUpdate(ctx, reinterpret_cast<unsigned char*>(der.data() + n), &out,
                             reinterpret_cast<const unsigned char*>(body.data() + at), static_cast<int>(take)) < 0)
            return false;  // not base64: PEM headers, say
        n += static_cast<std::size_t>(out);
        at += take;
        if (at == body.size()) {
            if (EVP_DecodeFinal(ctx, reinterpret_cast<unsigned char*>(der.data() + n), &out) != 1) return false;
            n += static_cast<std::size_t>(out);
        }
        std::string_view found;
        const Walk w = subject_of(std::string_view(der.data(), n), found);
        if (w == Walk::found) {
            subject.assign(found);
            return true;
        }
        if (w == Walk::bad || at == body.size()) return false;
    }
}

}  // namespace

std::unique_ptr<CaBundle> CaBundle::read(const std::string& path) {
    std::string text;
    if (!read_file(path, text)) return nullptr;
    return parse(std::move(text));
}

std::unique_ptr<CaBundle> CaBundle::parse(std::string pem) {
    std::unique_ptr<CaBundle> bundle(new CaBundle);
    bundle->text_ = std::move(pem);
    const std::string_view text = bundle->text_;
    const std::unique_ptr<EVP_ENCODE_CTX, decltype(&EVP_ENCODE_CTX_free)> ctx(EVP_ENCODE_CTX_new(),
                                                                              &EVP_ENCODE_CTX_free);
    if (ctx == nullptr) return nullptr;
    std::string der;
    for (std::size_t pos = 0; (pos = text.find("-----BEGIN ", pos)) != std::string_view::npos;) {
        if (pos != 0 && text[pos - 1] != '\n') {  // not at the start of a line: OpenSSL skips it too
            ++pos;
            continue;
        }
        const std::size_t label_at = pos + 11;
        const std::size_t label_end = text.find("-----", label_at);
        if (label_end == std::string_view::npos) return nullptr;
        const std::string_view label = text.substr(label_at, label_end - label_at);
        const bool aux = label == "TRUSTED CERTIFICATE";
        if (!aux && label != "CERTIFICATE" && label != "X509 CERTIFICATE") return nullptr;  // keys, CRLs
        const std::string end_line = "-----END " + std::string(label) + "-----";
        const std::size_t end = text.find(end_line, label_end + 5);
        if (end == std::string_view::npos) return nullptr;
        Entry e;
        e.begin = pos;
        e.aux = aux;
        if (!decode_subject(ctx.get(), text.substr(label_end + 5, end - label_end - 5), der, e.subject)) return nullptr;
        pos = end + end_line.size();
        bundle->entries_.push_back(std::move(e));
    }
    if (bundle->entries_.empty()) return nullptr;
    for (std::size_t i = 0; i < bundle->entries_.size(); ++i) bundle->index_.emplace(bundle->entries_[i].subject, i);
    return bundle;
}

CaBundle::~CaBundle() {
    for (Entry& e : entries_) {
        X509_free(e.cert);
        X509_NAME_free(e.name);
    }
}

std::size_t CaBundle::parsed() const {
    std::size_t n = 0;
    for (const Entry& e : entries_) n += e.cert != nullptr ? 1 : 0;
    return n;
}

X509* CaBundle::certificate(Entry& e) {
    if (e.parsed) return e.cert;
    e.parsed = true;
    BIO* bio = BIO_new_mem_buf(text_.data() + e.begin, static_cast<int>(text_.size() - e.begin));
    if (bio == nullptr) return nullptr;
    e.cert = e.aux ? PEM_read_bio_X509_AUX(bio, nullptr, nullptr, nullptr)
                   : PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    return e.cert;
}

std::vector<CaBundle::Entry*> CaBundle::matches(const X509_NAME* name) {
    std::vector<Entry*> out;
    const unsigned char* der = nullptr;
    std::size_t der_len = 0;
    if (name == nullptr || X509_NAME_get0_der(name, &der, &der_len) != 1) return out;
    ERR_set_mark();  // a certificate that does not parse is not the caller's error
    const auto keep = [&](Entry& e) {
        X509* cert = certificate(e);
        if (cert != nullptr && X509_NAME_cmp(X509_get_subject_name(cert), name) == 0) out.push_back(&e);
    };
    const auto [first, last] = index_.equal_range(std::string_view(reinterpret_cast<const char*>(der), der_len));
    for (auto it = first; it != last; ++it) keep(entries_[it->second]);
    if (first == last) {
        // A name not held byte for byte may still be held in another spelling (case, white space, string
        // type): OpenSSL compares the canonical forms, of every subject parsed as a name once.
        for (Entry& e : entries_) {
            if (!e.name_parsed) {
                e.name_parsed = true;
                const auto* p = reinterpret_cast<const unsigned char*>(e.subject.data());
                e.name = d2i_X509_NAME(nullptr, &p, static_cast<long>(e.subject.size()));
            }
            if (e.name != nullptr && X509_NAME_cmp(e.name, name) == 0) keep(e);
        }
    }
    ERR_pop_to_mark();
    return out;
}

std::vector<X509*> CaBundle::find(const X509_NAME* name) {
    std::vector<X509*> out;
    for (Entry* e : matches(name)) out.push_back(e->cert);
    return out;
}

X509* CaBundle::add_to(X509_STORE* store, const X509_NAME* name) {
    X509* first = nullptr;
    for (Entry* e : matches(name)) {
        if (!e->added) {
            if (X509_STORE_add_cert(store, e->cert) != 1) continue;
            e->added = true;
        }
        if (first == nullptr) first = e->cert;
    }
    return first;
}

struct BundleLookup {
    static int get_by_subject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name, X509_OBJECT* ret) {
        auto* bundle = static_cast<CaBundle*>(X509_LOOKUP_get_method_data(lookup));
        if (type != X509_LU_X509 || bundle == nullptr) return 0;
        X509* found = bundle->add_to(X509_LOOKUP_get_store(lookup), name);
        // As OpenSSL's own lookups do, `ret` borrows the store's reference: the caller takes its own.
        if (found == nullptr || X509_OBJECT_set1_X509(ret, found) != 1) return 0;
        X509_free(found);
        return 1;
    }
};

#ifndef _WIN32
Status load_system_store(X509_STORE*) {
    return Error::make(ErrorKind::internal, "no system certificate store on this platform");
}
#endif

bool CaBundle::attach(X509_STORE* store) {
    static X509_LOOKUP_METHOD* const method = [] {
        X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("codeartifact-token lazy PEM bundle");
        if (m != nullptr) X509_LOOKUP_meth_set_get_by_subject(m, &BundleLookup::get_by_subject);
        return m;
    }();
    if (method == nullptr) return false;
    X509_LOOKUP* lookup = X509_STORE_add_lookup(store, method);
    return lookup != nullptr && X509_LOOKUP_set_method_data(lookup, this) == 1;
}

}  // namespace cat::http
