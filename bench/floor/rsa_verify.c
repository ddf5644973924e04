/* One RSA-2048 signature verification (PKCS #1 v1.5, SHA-256, as a certificate's), in two parts: decoding
   the public key from DER (what OpenSSL does for each certificate's key, through its provider decoders)
   and verifying. Arguments: the public key (DER SubjectPublicKeyInfo), the message, the signature;
   bench/run makes them with the openssl command. It counts with callgrind the instructions of
   floor_decode_first and floor_verify_first (with OpenSSL's set-up of the algorithms) and of
   floor_decode_again and floor_verify_again (the same once more). */
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>

static unsigned char der[4096], msg[4096], sig[1024];
static size_t der_len, msg_len, sig_len;

static size_t slurp(const char* path, unsigned char* buf, size_t size) {
    FILE* f = fopen(path, "rb");
    if (f == NULL) abort();
    size_t n = fread(buf, 1, size, f);
    fclose(f);
    return n;
}

static EVP_PKEY* decode(void) {
    const unsigned char* p = der;
    EVP_PKEY* key = d2i_PUBKEY(NULL, &p, (long)der_len);
    if (key == NULL) abort();
    return key;
}

static void verify(EVP_PKEY* key) {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    if (ctx == NULL || EVP_DigestVerifyInit_ex(ctx, NULL, "SHA256", NULL, NULL, key, NULL) != 1 ||
        EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
}

__attribute__((noinline)) EVP_PKEY* floor_decode_first(void) { return decode(); }
__attribute__((noinline)) EVP_PKEY* floor_decode_again(void) { return decode(); }
__attribute__((noinline)) void floor_verify_first(EVP_PKEY* key) { verify(key); }
__attribute__((noinline)) void floor_verify_again(EVP_PKEY* key) { verify(key); }

int main(int argc, char** argv) {
    if (argc != 4) return 2;
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL) != 1) return 1;
    der_len = slurp(argv[1], der, sizeof der);
    msg_len = slurp(argv[2], msg, sizeof msg);
    sig_len = slurp(argv[3], sig, sizeof sig);
    EVP_PKEY* key = floor_decode_first();
    floor_verify_first(key);
    EVP_PKEY_free(key);
    key = floor_decode_again();
    floor_verify_again(key);
    EVP_PKEY_free(key);
    return 0;
}
