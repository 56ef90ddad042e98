/* Durations: exact parsing of "1.5s"-style text and short human output. */
#include "duration.h"

#include <stdio.h>
#include <string.h>

/* About 100 years (of 365.25 days) in milliseconds: far beyond any sensible
 * timeout, far below where uint64_t nanosecond arithmetic would overflow. */
#define MAX_MS UINT64_C(3155760000000)

int cli_duration_parse(const char* s, uint64_t* ms) {
  if (s == NULL) {
    return -1;
  }
  const char* p = s;
  const char* int_digits = p;
  while (*p >= '0' && *p <= '9') {
    p++;
  }
  size_t int_len = (size_t)(p - int_digits);
  const char* frac_digits = p;
  size_t frac_len = 0;
  if (*p == '.') {
    frac_digits = ++p;
    while (*p >= '0' && *p <= '9') {
      p++;
    }
    frac_len = (size_t)(p - frac_digits);
  }
  /* "." and "" have no digit at all; ".5" and "5." are fine, as for
   * sleep(1). */
  if (int_len == 0 && frac_len == 0) {
    return -1;
  }
  uint64_t unit;
  if (strcmp(p, "") == 0 || strcmp(p, "s") == 0) {
    unit = 1000;
  } else if (strcmp(p, "ms") == 0) {
    unit = 1;
  } else if (strcmp(p, "m") == 0) {
    unit = 60 * 1000;
  } else if (strcmp(p, "h") == 0) {
    unit = 60 * 60 * 1000;
  } else {
    return -1;
  }

  /* The whole part, stopping as soon as it is out of range so that a long
   * run of digits cannot overflow. */
  uint64_t whole = 0;
  for (size_t i = 0; i < int_len; i++) {
    whole = whole * 10 + (uint64_t)(int_digits[i] - '0');
    if (whole > MAX_MS / unit) {
      return -1;
    }
  }
  /* The fraction times unit, exactly: multiply the digit string by unit
   * from its last digit up, as on paper. What carries out of the first
   * digit is the whole milliseconds; the product's first digit after the
   * point decides the rounding (at least 5 means at least one half). No
   * binary floating point, so "0.001" is 1 ms and "1.0005" is 1001 ms. */
  uint64_t carry = 0;
  unsigned first = 0;
  for (size_t i = frac_len; i > 0; i--) {
    uint64_t t = (uint64_t)(frac_digits[i - 1] - '0') * unit + carry;
    first = (unsigned)(t % 10);
    carry = t / 10;
  }
  uint64_t total = whole * unit + carry + (first >= 5 ? 1 : 0);
  if (total > MAX_MS) {
    return -1;
  }
  *ms = total;
  return 0;
}

/* n / d rounded to the nearest, halves up, without overflowing near
 * UINT64_MAX as (n + d / 2) / d would. */
static uint64_t div_round(uint64_t n, uint64_t d) {
  return n / d + (n % d >= d - d / 2 ? 1 : 0);
}

char* cli_duration_format(char* out, size_t outlen, uint64_t ns) {
  if (outlen == 0) {
    return out;
  }
  /* Each form rounds to its own precision first and hands over to the next
   * when the rounding carries, so 999.7 ms is "1.00s", never "1000ms", and
   * 59.999 s is "1m00s", never "60.00s". */
  uint64_t ms = div_round(ns, UINT64_C(1000000));
  if (ms < 1000) {
    snprintf(out, outlen, "%ums", (unsigned)ms);
    return out;
  }
  uint64_t cs = div_round(ns, UINT64_C(10000000));
  if (cs < 6000) {
    snprintf(out, outlen, "%u.%02us", (unsigned)(cs / 100),
             (unsigned)(cs % 100));
    return out;
  }
  uint64_t sec = div_round(ns, UINT64_C(1000000000));
  if (sec < 3600) {
    snprintf(out, outlen, "%um%02us", (unsigned)(sec / 60),
             (unsigned)(sec % 60));
    return out;
  }
  uint64_t min = div_round(ns, UINT64_C(60000000000));
  snprintf(out, outlen, "%lluh%02um", (unsigned long long)(min / 60),
           (unsigned)(min % 60));
  return out;
}
