// The lazy CA bundle (http/trust_store.hpp) at its edges: which files it indexes and which it leaves to
// OpenSSL, that it parses only what a chain asks for, and that OpenSSL's chain building over it reaches the
// verdicts it reaches over the whole file (decoys, re-keyed roots, names spelt another way).
#define BOOST_TEST_MODULE http_trust_store
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <boost/test/unit_test.hpp>
#include <memory>
#include <string>

#include "http/trust_store.hpp"

using cat::http::CaBundle;

namespace {

struct Free {
    void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
    void operator()(X509* p) const { X509_free(p); }
    void operator()(X509_NAME* p) const { X509_NAME_free(p); }
    void operator()(BIO* p) const { BIO_free(p); }
};
using Key = std::unique_ptr<EVP_PKEY, Free>;
using Cert = std::unique_ptr<X509, Free>;
using Name = std::unique_ptr<X509_NAME, Free>;

Key new_key() {
    return Key(EVP_EC_gen("P-256"));
}

// A name of one CN, as a PrintableString or, with `type`, another string type.
Name name(const std::string& cn, int type = V_ASN1_PRINTABLESTRING) {
    Name n(X509_NAME_new());
    X509_NAME_add_entry_by_txt(n.get(), "CN", type, reinterpret_cast<const unsigned char*>(cn.data()),
                               static_cast<int>(cn.size()), -1, 0);
    return n;
}

// A certificate for `subject` and `key`, signed by `issuer_key` as `issuer` names it, with the key
// identifiers real CAs use (self-signed without an issuer).
Cert certificate(const X509_NAME* subject, EVP_PKEY* key, bool ca, const X509_NAME* issuer = nullptr,
                 EVP_PKEY* issuer_key = nullptr, X509* issuer_cert = nullptr) {
    static long serial = 1;
    Cert c(X509_new());
    X509_set_version(c.get(), 2);
    ASN1_INTEGER_set(X509_get_serialNumber(c.get()), serial++);
    X509_gmtime_adj(X509_getm_notBefore(c.get()), -3600);
    X509_gmtime_adj(X509_getm_notAfter(c.get()), 86400);
    X509_set_pubkey(c.get(), key);
    X509_set_subject_name(c.get(), subject);
    X509_set_issuer_name(c.get(), issuer != nullptr ? issuer : subject);
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, issuer_cert != nullptr ? issuer_cert : c.get(), c.get(), nullptr, nullptr, 0);
    const auto add = [&](int nid, const char* value) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        BOOST_REQUIRE(ext != nullptr);
        X509_add_ext(c.get(), ext, -1);
        X509_EXTENSION_free(ext);
    };
    add(NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
    add(NID_key_usage, ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
    add(NID_subject_key_identifier, "hash");
    if (issuer_cert != nullptr) add(NID_authority_key_identifier, "keyid:always");
    BOOST_REQUIRE(X509_sign(c.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0);
    return c;
}

std::string pem(X509* c) {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(bio.get(), c);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

std::string pem(EVP_PKEY* key) {
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(n));
}

// A CA: its name, key and certificate.
struct Ca {
    Name subject;
    Key key;
    Cert cert;
    explicit Ca(const std::string& cn)
        : subject(name(cn)), key(new_key()), cert(certificate(subject.get(), key.get(), true)) {}
    Cert issue(const std::string& cn) const {
        Key k = new_key();
        return certificate(name(cn).get(), k.get(), false, subject.get(), key.get(), cert.get());
    }
};

// X509_verify_cert of `leaf` over a store that asks `bundle`; the verify error (X509_V_OK on success).
int verify(CaBundle& bundle, X509* leaf) {
    X509_STORE* store = X509_STORE_new();
    BOOST_REQUIRE(bundle.attach(store));
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, nullptr);
    const int ok = X509_verify_cert(ctx);
    const int error = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok == 1 ? X509_V_OK : (error == X509_V_OK ? -1 : error);
}

// The same over a store holding every certificate of `text` (what OpenSSL's own loading of the file gives).
int verify_eagerly(const std::string& text, X509* leaf) {
    X509_STORE* store = X509_STORE_new();
    std::unique_ptr<BIO, Free> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    while (X509* c = PEM_read_bio_X509_AUX(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(store, c);
        X509_free(c);
    }
    X509_STORE_CTX* ctx = X509_STORE_CTX_new();
    X509_STORE_CTX_init(ctx, store, leaf, nullptr);
    const int ok = X509_verify_cert(ctx);
    const int error = X509_STORE_CTX_get_error(ctx);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(store);
    return ok == 1 ? X509_V_OK : (error == X509_V_OK ? -1 : error);
}

std::unique_ptr<CaBundle> bundle(const std::string& text) {
    return CaBundle::parse(text);
}

}  // namespace

BOOST_AUTO_TEST_CASE(indexes_every_certificate_and_parses_only_what_is_asked_for) {
    const Ca a("Alpha Root"), b("Bravo Root"), c("Charlie Root");
    auto store = bundle(pem(a.cert.get()) + pem(b.cert.get()) + pem(c.cert.get()));
    BOOST_REQUIRE(store);
    BOOST_TEST(store->size() == 3u);
    BOOST_TEST(store->parsed() == 0u);
    const auto found = store->find(b.subject.get());
    BOOST_REQUIRE(found.size() == 1u);
    BOOST_TEST(X509_cmp(found[0], b.cert.get()) == 0);
    BOOST_TEST(store->parsed() == 1u);
    BOOST_TEST(store->find(name("Delta Root").get()).empty());
    BOOST_TEST(store->parsed() == 1u);  // names are compared, certificates not parsed

    const Cert leaf = c.issue("server.example");
    BOOST_TEST(verify(*store, leaf.get()) == X509_V_OK);
    BOOST_TEST(store->parsed() == 2u);
}

BOOST_AUTO_TEST_CASE(a_decoy_with_the_issuers_name_is_a_candidate_but_not_the_issuer) {
    const Ca real("Shared Name CA");
    const Key decoy_key = new_key();
    const Cert decoy = certificate(real.subject.get(), decoy_key.get(), true);
    const Cert leaf = real.issue("server.example");

    // Either order: OpenSSL tries the candidates, and only the real issuer's signature verifies.
    for (const std::string& text : {pem(decoy.get()) + pem(real.cert.get()), pem(real.cert.get()) + pem(decoy.get())}) {
        auto store = bundle(text);
        BOOST_REQUIRE(store);
        BOOST_TEST(store->find(real.subject.get()).size() == 2u);
        auto fresh = bundle(text);
        BOOST_TEST(verify(*fresh, leaf.get()) == X509_V_OK);
        BOOST_TEST(verify_eagerly(text, leaf.get()) == X509_V_OK);
    }
    auto only_decoy = bundle(pem(decoy.get()));
    BOOST_REQUIRE(only_decoy);
    BOOST_TEST(verify(*only_decoy, leaf.get()) != X509_V_OK);
    BOOST_TEST(verify(*bundle(pem(decoy.get())), leaf.get()) == verify_eagerly(pem(decoy.get()), leaf.get()));
}

BOOST_AUTO_TEST_CASE(duplicate_subjects_are_all_candidates) {
    // A re-keyed root: two CAs with one name; certificates from either verify.
    const Ca old_root("Rekeyed Root"), new_root("Rekeyed Root");
    const std::string text = pem(old_root.cert.get()) + pem(new_root.cert.get());
    auto store = bundle(text);
    BOOST_REQUIRE(store);
    BOOST_TEST(store->find(old_root.subject.get()).size() == 2u);
    for (const Ca* ca : {&old_root, &new_root}) {
        const Cert leaf = ca->issue("server.example");
        auto fresh = bundle(text);
        BOOST_TEST(verify(*fresh, leaf.get()) == X509_V_OK);
        BOOST_TEST(verify_eagerly(text, leaf.get()) == X509_V_OK);
    }
}

BOOST_AUTO_TEST_CASE(a_name_spelt_another_way_is_found_by_openssls_comparison) {
    // The CA's subject is a PrintableString; the leaf names its issuer as a UTF8String in other case and
    // white space, which OpenSSL's canonical comparison finds equal.
    const Ca ca("Spelling Test CA");
    const Name other = name("  spelling   TEST ca ", V_ASN1_UTF8STRING);
    auto store = bundle(pem(Ca("Unrelated CA").cert.get()) + pem(ca.cert.get()));
    BOOST_REQUIRE(store);
    const auto found = store->find(other.get());
    BOOST_REQUIRE(found.size() == 1u);
    BOOST_TEST(X509_cmp(found[0], ca.cert.get()) == 0);

    const Key k = new_key();
    const Cert leaf =
        certificate(name("server.example").get(), k.get(), false, other.get(), ca.key.get(), ca.cert.get());
    auto fresh = bundle(pem(ca.cert.get()));
    BOOST_TEST(verify(*fresh, leaf.get()) == X509_V_OK);
}

BOOST_AUTO_TEST_CASE(text_between_blocks_and_crlf_line_ends) {
    const Ca a("Alpha Root"), b("Bravo Root");
    std::string crlf;
    for (char ch : pem(b.cert.get())) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
    auto store = bundle("Alpha Root, from the vendor:\n" + pem(a.cert.get()) + "\n# ----- and -----\n" + crlf +
                        "trailing text\n");
    BOOST_REQUIRE(store);
    BOOST_TEST(store->size() == 2u);
    BOOST_TEST(store->find(b.subject.get()).size() == 1u);
    BOOST_TEST(verify(*store, a.issue("server.example").get()) == X509_V_OK);
}

BOOST_AUTO_TEST_CASE(trusted_certificate_blocks) {
    const Ca ca("Aux Root");
    X509_add1_trust_object(ca.cert.get(), OBJ_nid2obj(NID_server_auth));
    std::unique_ptr<BIO, Free> bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509_AUX(bio.get(), ca.cert.get());
    char* data = nullptr;
    const long n = BIO_get_mem_data(bio.get(), &data);
    const std::string text(data, static_cast<std::size_t>(n));
    BOOST_TEST(text.find("BEGIN TRUSTED CERTIFICATE") != std::string::npos);
    auto store = bundle(text);
    BOOST_REQUIRE(store);
    BOOST_TEST(store->find(ca.subject.get()).size() == 1u);
}

BOOST_AUTO_TEST_CASE(other_blocks_leave_the_file_to_openssl) {
    // Keys, CRLs and anything else: OpenSSL loads such a file whole (or says what is wrong with it).
    const Ca ca("Alpha Root");
    const std::string cert = pem(ca.cert.get());
    BOOST_TEST(!bundle(cert + pem(ca.key.get())));
    BOOST_TEST(!bundle(pem(ca.key.get()) + cert));
    BOOST_TEST(!bundle(cert + "-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n"));
    // A certificate with PEM headers (an encrypted block) is not base64 throughout.
    std::string headers = cert;
    headers.insert(headers.find('\n') + 1, "Proc-Type: 4,ENCRYPTED\n\n");
    BOOST_TEST(!bundle(headers));
}

BOOST_AUTO_TEST_CASE(a_truncated_last_block) {
    const Ca a("Alpha Root"), b("Bravo Root");
    const std::string first = pem(a.cert.get()), second = pem(b.cert.get());
    BOOST_TEST(!bundle(first + second.substr(0, second.size() / 2)));  // no END line
    BOOST_TEST(!bundle(first + second.substr(0, 40)));                 // within the base64
    BOOST_TEST(!bundle(first + "-----BEGIN CERTIFICATE-----\nMIIB"));  // ends before the subject
    BOOST_TEST(!bundle(first + "-----BEGIN CERT"));                    // within the BEGIN line
}

BOOST_AUTO_TEST_CASE(empty_and_not_pem) {
    BOOST_TEST(!bundle(""));
    BOOST_TEST(!bundle("\n\n"));
    BOOST_TEST(!bundle("just some text\n"));
    const Ca a("Alpha Root");
    unsigned char* der = nullptr;
    const int n = i2d_X509(a.cert.get(), &der);
    BOOST_REQUIRE(n > 0);
    BOOST_TEST(!bundle(std::string(reinterpret_cast<const char*>(der), static_cast<std::size_t>(n))));
    OPENSSL_free(der);
    BOOST_TEST(!bundle("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"));      // not base64
    BOOST_TEST(!bundle("-----BEGIN CERTIFICATE-----\naGVsbG8=\n-----END CERTIFICATE-----\n"));  // not DER
    BOOST_TEST(!CaBundle::read("/nonexistent/bundle.pem"));
}
