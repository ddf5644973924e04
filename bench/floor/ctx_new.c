/* The floor of a TLS client's start-up: OpenSSL initialised without a configuration file, then
   SSL_CTX_new. bench/run builds it statically and counts with callgrind the instructions of floor_first
   (the first SSL_CTX_new, with OpenSSL's set-up of its provider tables) and floor_again (a second one). */
#include <openssl/ssl.h>
#include <stdlib.h>

static void op(void) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) abort();
}

__attribute__((noinline)) void floor_first(void) { op(); }
__attribute__((noinline)) void floor_again(void) { op(); }

int main(void) {
    if (OPENSSL_init_ssl(OPENSSL_INIT_NO_LOAD_CONFIG | OPENSSL_INIT_NO_ATEXIT, NULL) != 1) return 1;
    floor_first();
    floor_again();
    return 0;
}
