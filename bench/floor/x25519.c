/* One X25519 exchange, as a TLS client does it: a fresh key pair, then the shared secret with the server's
   public key (here Bob's from RFC 7748 section 6.1). bench/run counts the instructions of floor_first (with
   OpenSSL's set-up of the algorithm) and floor_again (a second exchange) with callgrind. */
#include <openssl/evp.h>
#include <stdlib.h>

static const unsigned char peer[32] = {
    0xde, 0x9e, 0xdb, 0x7d, 0x7b, 0x7d, 0xc1, 0xb4, 0xd3, 0x5b, 0x61, 0xc2, 0xec, 0xe4, 0x35, 0x37,
    0x3f, 0x83, 0x43, 0xc8, 0x5b, 0x78, 0x67, 0x4d, 0xad, 0xfc, 0x7e, 0x14, 0x6f, 0x88, 0x2b, 0x4f};

static void op(void) {
    EVP_PKEY* mine = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
    EVP_PKEY* theirs = EVP_PKEY_new_raw_public_key_ex(NULL, "X25519", NULL, peer, sizeof peer);
    EVP_PKEY_CTX* ctx = mine ? EVP_PKEY_CTX_new_from_pkey(NULL, mine, NULL) : NULL;
    unsigned char secret[32];
    size_t len = sizeof secret;
    if (ctx == NULL || theirs == NULL || EVP_PKEY_derive_init(ctx) != 1 || EVP_PKEY_derive_set_peer(ctx, theirs) != 1 ||
        EVP_PKEY_derive(ctx, secret, &len) != 1)
        abort();
    EVP_PKEY_CTX_free(ctx);
    EVP_PKEY_free(theirs);
    EVP_PKEY_free(mine);
}

__attribute__((noinline)) void floor_first(void) { op(); }
__attribute__((noinline)) void floor_again(void) { op(); }

int main(void) {
    if (OPENSSL_init_crypto(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL) != 1) return 1;
    floor_first();
    floor_again();
    return 0;
}
