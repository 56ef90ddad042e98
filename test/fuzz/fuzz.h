/* What the libFuzzer harnesses share: a property check that stops the run
 * with a message, and a strict UTF-8 decoder of their own (independent of
 * src/cli/utf8.c, which is what they test). */
#ifndef UVSUP_FUZZ_H
#define UVSUP_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* libFuzzer's entry point, declared for -Wmissing-prototypes. */
int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

/* A broken property is a finding like a crash: libFuzzer saves the input
 * when the process aborts. */
#define FUZZ_CHECK(cond)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, __LINE__, \
              #cond);                                                     \
      abort();                                                            \
    }                                                                     \
  } while (0)

/* Decodes the well-formed UTF-8 sequence at p[0..n) into *cp and returns
 * its length, or 0 when it is not one (overlong, surrogate, past U+10FFFF,
 * truncated or a stray continuation byte). Written from RFC 3629's
 * definition (decode, then check the range), not from its byte table. */
static inline size_t fuzz_utf8_decode(const unsigned char* p,
                                      size_t n,
                                      uint32_t* cp) {
  static const uint32_t min[5] = { 0, 0, 0x80, 0x800, 0x10000 };
  if (n == 0) {
    return 0;
  }
  size_t len;
  uint32_t c;
  if (p[0] < 0x80) {
    *cp = p[0];
    return 1;
  } else if ((p[0] & 0xE0) == 0xC0) {
    len = 2;
    c = p[0] & 0x1F;
  } else if ((p[0] & 0xF0) == 0xE0) {
    len = 3;
    c = p[0] & 0x0F;
  } else if ((p[0] & 0xF8) == 0xF0) {
    len = 4;
    c = p[0] & 0x07;
  } else {
    return 0;
  }
  if (n < len) {
    return 0;
  }
  for (size_t i = 1; i < len; i++) {
    if ((p[i] & 0xC0) != 0x80) {
      return 0;
    }
    c = (c << 6) | (p[i] & 0x3F);
  }
  if (c < min[len] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
    return 0;
  }
  *cp = c;
  return len;
}

/* 1 when s[0..n) is all well-formed UTF-8. */
static inline int fuzz_utf8_valid(const char* s, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t k = fuzz_utf8_decode(p + i, n - i, &cp);
    if (k == 0) {
      return 0;
    }
    i += k;
  }
  return 1;
}

/* A NUL-terminated copy of data[0..size), for APIs that take C strings
 * (they see the input up to its first NUL). */
static inline char* fuzz_strndup(const uint8_t* data, size_t size) {
  char* s = malloc(size + 1);
  FUZZ_CHECK(s != NULL);
  for (size_t i = 0; i < size; i++) {
    s[i] = (char)data[i];
  }
  s[size] = '\0';
  return s;
}

#endif
