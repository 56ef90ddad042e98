/* Fuzzing durations: cli_duration_parse accepts exactly its grammar and
 * gives the exactly rounded value (checked with 128-bit arithmetic where
 * that is exact, and by invariants where it is not); cli_duration_format
 * writes one of its four forms, which reads back to the value within the
 * rounding of the unit shown, and truncates to a prefix. */
#include <stdint.h>
#include <string.h>

#include "duration.h"
#include "fuzz.h"

#define MAX_MS UINT64_C(3155760000000) /* about 100 years, as documented */

typedef struct {
  size_t int_len, frac_len;
  const char* int_digits;
  const char* frac_digits;
  uint64_t unit; /* ms per unit; 0 when s is not in the grammar */
} shape_t;

/* The grammar: digits, at most one '.', at least one digit, then "", "ms",
 * "s", "m" or "h". */
static shape_t shape(const char* s) {
  shape_t sh = { 0 };
  const char* p = s;
  sh.int_digits = p;
  while (*p >= '0' && *p <= '9') {
    p++;
  }
  sh.int_len = (size_t)(p - s);
  sh.frac_digits = p;
  if (*p == '.') {
    sh.frac_digits = ++p;
    while (*p >= '0' && *p <= '9') {
      p++;
    }
    sh.frac_len = (size_t)(p - sh.frac_digits);
  }
  static const struct {
    const char* suffix;
    uint64_t unit;
  } units[] = {
    { "", 1000 }, { "s", 1000 }, { "ms", 1 }, { "m", 60000 }, { "h", 3600000 }
  };
  if (sh.int_len + sh.frac_len == 0) {
    return sh;
  }
  for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
    if (strcmp(p, units[i].suffix) == 0) {
      sh.unit = units[i].unit;
    }
  }
  return sh;
}

/* Exact value for at most 30 digits: N * unit / 10^frac_len, rounded half
 * up, in 128 bits. Returns 0 when there are too many digits to say. */
static int exact(const shape_t* sh, unsigned __int128* ms) {
  if (sh->int_len + sh->frac_len > 30) {
    return 0;
  }
  unsigned __int128 n = 0, scale = 1;
  for (size_t i = 0; i < sh->int_len; i++) {
    n = n * 10 + (unsigned)(sh->int_digits[i] - '0');
  }
  for (size_t i = 0; i < sh->frac_len; i++) {
    n = n * 10 + (unsigned)(sh->frac_digits[i] - '0');
    scale *= 10;
  }
  /* n < 10^30 and unit < 2^22: the product fits in 2^122. */
  *ms = (2 * n * sh->unit + scale) / (2 * scale);
  return 1;
}

static void check_parse(const char* s) {
  uint64_t ms = UINT64_C(0xDEADBEEF);
  int rc = cli_duration_parse(s, &ms);
  FUZZ_CHECK(rc == 0 || rc == -1);
  shape_t sh = shape(s);
  if (sh.unit == 0) {
    FUZZ_CHECK(rc == -1);
  }
  if (rc != 0) {
    FUZZ_CHECK(ms == UINT64_C(0xDEADBEEF)); /* left alone */
    unsigned __int128 v;
    if (sh.unit != 0 && exact(&sh, &v)) {
      FUZZ_CHECK(v > MAX_MS); /* the only other reason to refuse */
    }
    return;
  }
  FUZZ_CHECK(ms <= MAX_MS);
  unsigned __int128 v;
  if (exact(&sh, &v)) {
    FUZZ_CHECK(v == ms);
  }
  /* Invariants that hold at any length: a leading zero, a trailing zero
   * in the fraction, and "s" for no unit change nothing. */
  size_t len = strlen(s);
  char* t = malloc(len + 4);
  FUZZ_CHECK(t != NULL);
  uint64_t ms2;
  t[0] = '0';
  memcpy(t + 1, s, len + 1);
  FUZZ_CHECK(cli_duration_parse(t, &ms2) == 0 && ms2 == ms);
  if (sh.frac_len > 0) {
    size_t at = (size_t)(sh.frac_digits + sh.frac_len - s);
    memcpy(t, s, at);
    t[at] = '0';
    memcpy(t + at + 1, s + at, len - at + 1);
    FUZZ_CHECK(cli_duration_parse(t, &ms2) == 0 && ms2 == ms);
  }
  if (s[len - 1] >= '0' && s[len - 1] <= '9') {
    memcpy(t, s, len);
    memcpy(t + len, "s", 2);
    FUZZ_CHECK(cli_duration_parse(t, &ms2) == 0 && ms2 == ms);
  }
  free(t);
}

/* Reads back what cli_duration_format wrote, in ns (128 bits: hours near
 * the top of uint64_t ns round past it), and the half-width of the
 * rounding of the form used. Returns 0 when out is in no form. */
static int read_format(const char* out, unsigned __int128* ns, uint64_t* half) {
  unsigned long long a, b;
  int n = 0;
  size_t len = strlen(out);
  if (len == 0 || strspn(out, "0123456789.msh") != len ||
      (out[0] == '0' && len > 1 && out[1] >= '0' && out[1] <= '9')) {
    return 0; /* no spaces, signs or leading zeros that sscanf would take */
  }
  if (sscanf(out, "%llums%n", &a, &n) == 1 && (size_t)n == len && a < 1000) {
    *ns = a * 1000000;
    *half = 500000;
  } else if (sscanf(out, "%llu.%2llus%n", &a, &b, &n) == 2 &&
             (size_t)n == len && n >= 5 && out[n - 4] == '.' && a < 60) {
    *ns = a * 1000000000 + b * 10000000;
    *half = 5000000;
  } else if (sscanf(out, "%llum%2llus%n", &a, &b, &n) == 2 &&
             (size_t)n == len && out[n - 4] == 'm' && b < 60 && a < 60) {
    *ns = (a * 60 + b) * 1000000000;
    *half = 500000000;
  } else if (sscanf(out, "%lluh%2llum%n", &a, &b, &n) == 2 &&
             (size_t)n == len && out[n - 4] == 'h' && b < 60) {
    *ns = (unsigned __int128)(a * 60 + b) * UINT64_C(60000000000);
    *half = UINT64_C(30000000000);
  } else {
    return 0;
  }
  return 1;
}

static void check_format(uint64_t ns, size_t outlen) {
  char full[64];
  cli_duration_format(full, sizeof(full), ns);
  FUZZ_CHECK(strlen(full) < 32);
  unsigned __int128 back, x = ns;
  uint64_t half;
  FUZZ_CHECK(read_format(full, &back, &half));
  /* Rounded to the nearest unit shown, halves up. */
  FUZZ_CHECK(x + half >= back && x < back + half);
  /* A form hands over to the next when rounding carries: never "1000ms"
   * nor "60.00s" (read_format refused those above). A value in ms reads
   * back as a duration to the same ms. */
  if (ns < UINT64_C(999500000)) {
    uint64_t ms;
    FUZZ_CHECK(cli_duration_parse(full, &ms) == 0);
    FUZZ_CHECK(ms * 1000000 == back);
  }
  /* Truncation: a prefix, NUL-terminated within outlen; nothing written
   * for outlen 0. */
  char small[64];
  memset(small, 'x', sizeof(small));
  cli_duration_format(small, outlen, ns);
  if (outlen == 0) {
    FUZZ_CHECK(small[0] == 'x');
  } else {
    size_t n = strnlen(small, outlen);
    FUZZ_CHECK(n < outlen);
    FUZZ_CHECK(strncmp(small, full, n) == 0);
    FUZZ_CHECK(n == strlen(full) || n == outlen - 1);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  check_parse(s);
  /* A duration that parses formats to a form that reads back to it
   * within the rounding of the unit shown. */
  uint64_t ms;
  if (cli_duration_parse(s, &ms) == 0) {
    check_format(ms * 1000000, 32);
  }
  free(s);

  /* The input also read as a number of ns (and a size) for the format. */
  if (size >= 9) {
    uint64_t ns = 0;
    for (int i = 0; i < 8; i++) {
      ns = ns << 8 | data[i];
    }
    check_format(ns, data[8] % 24);
    check_format(ns >> (data[8] % 64), 32);
  }
  return 0;
}
