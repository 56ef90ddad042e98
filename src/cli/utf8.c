/* UTF-8 well-formedness (RFC 3629, table 3-7 of the Unicode standard). */
#include "utf8.h"

size_t cli_utf8_len(const unsigned char* p) {
  unsigned char c = p[0];
  if (c < 0x80) {
    return 1;
  }
  size_t n;
  unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) {
      lo = 0xA0; /* no overlong forms */
    } else if (c == 0xED) {
      hi = 0x9F; /* no surrogates */
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) {
      lo = 0x90;
    } else if (c == 0xF4) {
      hi = 0x8F; /* nothing past U+10FFFF */
    }
  } else {
    return 0;
  }
  if (p[1] < lo || p[1] > hi) {
    return 0;
  }
  for (size_t i = 2; i < n; i++) {
    if (p[i] < 0x80 || p[i] > 0xBF) {
      return 0;
    }
  }
  return n;
}
