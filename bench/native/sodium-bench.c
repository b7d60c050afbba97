/* Native libsodium cost of the operations toxstate does per packet, for comparison with its
 * crypto backends, WebAssembly and sodium-native (bench/crypto.ts). Prints one line per operation:
 * "<name> <ops per CPU second>".
 * Usage: sodium-bench MILLISECONDS_PER_OPERATION */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double clock_s(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}
static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }
/* The process's CPU time: rates per CPU second hold on a shared, busy machine. */
static double cpu_s(void) { return clock_s(CLOCK_PROCESS_CPUTIME_ID); }

static unsigned char pk[crypto_box_PUBLICKEYBYTES], sk[crypto_box_SECRETKEYBYTES], k[crypto_box_BEFORENMBYTES];
static unsigned char nonce[crypto_box_NONCEBYTES];
static unsigned char msg[1024], boxed[1024 + crypto_box_MACBYTES], out[1024];

#define MEASURE(name, body)                                   \
  do {                                                        \
    double start = now_s(), end = start + budget;             \
    double cpu0 = cpu_s();                                    \
    long n = 0;                                               \
    do { /* at least one batch, however late we are scheduled */ \
      for (int i = 0; i < 64; i++) { body; }                  \
      n += 64;                                                \
    } while (now_s() < end);                                  \
    printf("%s %.0f\n", name, n / (cpu_s() - cpu0));          \
  } while (0)

int main(int argc, char **argv) {
  double budget = (argc > 1 ? atof(argv[1]) : 500) / 1000.0;
  if (sodium_init() < 0) return 1;
  crypto_box_keypair(pk, sk);
  if (crypto_box_beforenm(k, pk, sk) != 0) return 2;
  randombytes_buf(nonce, sizeof nonce);
  randombytes_buf(msg, sizeof msg);
  MEASURE("seal_64", crypto_box_easy_afternm(boxed, msg, 64, nonce, k));
  crypto_box_easy_afternm(boxed, msg, 64, nonce, k);
  MEASURE("open_64", if (crypto_box_open_easy_afternm(out, boxed, 64 + crypto_box_MACBYTES, nonce, k) != 0) return 2);
  MEASURE("seal_1024", crypto_box_easy_afternm(boxed, msg, 1024, nonce, k));
  crypto_box_easy_afternm(boxed, msg, 1024, nonce, k);
  MEASURE("open_1024", if (crypto_box_open_easy_afternm(out, boxed, 1024 + crypto_box_MACBYTES, nonce, k) != 0) return 2);
  MEASURE("precompute", if (crypto_box_beforenm(k, pk, sk) != 0) return 2);
  return 0;
}
