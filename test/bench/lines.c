/* A producer for the output benchmark: BYTES bytes of 40-byte numbered
 * lines on stdout, in large writes. Usage: lines BYTES */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  long long left = argc > 1 ? atoll(argv[1]) : 0;
  static char block[40 * 1024];
  for (long long line = 0; left > 0;) {
    size_t len = 0;
    while (len < sizeof(block)) {
      /* 39 characters and a newline. */
      snprintf(block + len, 41, "line %033lld\n", line++);
      len += 40;
    }
    size_t n = left < (long long)len ? (size_t)left : len;
    for (size_t off = 0; off < n;) {
      ssize_t w = write(1, block + off, n - off);
      if (w <= 0) {
        return 1;
      }
      off += (size_t)w;
    }
    left -= (long long)n;
  }
  return 0;
}
