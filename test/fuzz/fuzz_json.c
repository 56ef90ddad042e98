/* Fuzzing cli_json_string: whatever the bytes, the output is one strict JSON
 * string that decodes to the input (each invalid UTF-8 byte as U+FFFD), with
 * no raw control character (C0, DEL, C1) left in it. */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "json.h"

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  if (c >= 'a' && c <= 'f') {
    return c - 'a' + 10;
  }
  if (c >= 'A' && c <= 'F') {
    return c - 'A' + 10;
  }
  return -1;
}

/* Reads the 4 hex digits at p (n bytes left), or -1. */
static long hex4(const unsigned char* p, size_t n) {
  if (n < 4) {
    return -1;
  }
  long v = 0;
  for (int i = 0; i < 4; i++) {
    int h = hexval(p[i]);
    if (h < 0) {
      return -1;
    }
    v = v * 16 + h;
  }
  return v;
}

/* Appends code point cp to out as UTF-8. */
static void put_utf8(cli_buf_t* out, uint32_t cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) {
    u[0] = (char)cp;
    n = 1;
  } else if (cp < 0x800) {
    u[0] = (char)(0xC0 | (cp >> 6));
    u[1] = (char)(0x80 | (cp & 0x3F));
    n = 2;
  } else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18));
    u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[3] = (char)(0x80 | (cp & 0x3F));
    n = 4;
  }
  cli_buf_append(out, u, n);
}

/* A strict RFC 8259 string parser: s[0..n) must be exactly one string.
 * Decodes it into out and returns 1, or returns 0 when it is not valid. */
static int json_string_parse(const char* s, size_t n, cli_buf_t* out) {
  const unsigned char* p = (const unsigned char*)s;
  if (n < 2 || p[0] != '"' || p[n - 1] != '"') {
    return 0;
  }
  size_t i = 1;
  size_t end = n - 1;
  while (i < end) {
    uint32_t cp;
    if (p[i] == '"' || p[i] < 0x20) {
      return 0; /* an unescaped quote or control character */
    }
    if (p[i] != '\\') {
      size_t k = fuzz_utf8_decode(p + i, end - i, &cp);
      if (k == 0) {
        return 0;
      }
      cli_buf_append(out, p + i, k);
      i += k;
      continue;
    }
    if (i + 1 >= end) {
      return 0; /* a backslash escaping the closing quote */
    }
    unsigned char e = p[i + 1];
    const char* simple = strchr("\"\\/bfnrt", e);
    if (e != '\0' && simple != NULL) {
      static const char decoded[] = "\"\\/\b\f\n\r\t";
      cli_buf_putc(out, decoded[simple - "\"\\/bfnrt"]);
      i += 2;
      continue;
    }
    if (e != 'u') {
      return 0;
    }
    long v = hex4(p + i + 2, end - (i + 2));
    if (v < 0) {
      return 0;
    }
    i += 6;
    if (v >= 0xDC00 && v <= 0xDFFF) {
      return 0; /* a lone low surrogate */
    }
    if (v >= 0xD800 && v <= 0xDBFF) {
      long lo = i + 1 < end && p[i] == '\\' && p[i + 1] == 'u'
                    ? hex4(p + i + 2, end - (i + 2))
                    : -1;
      if (lo < 0xDC00 || lo > 0xDFFF) {
        return 0;
      }
      v = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
      i += 6;
    }
    put_utf8(out, (uint32_t)v);
  }
  return 1;
}

/* What the decoded string must be: s with each byte where no well-formed
 * UTF-8 sequence starts replaced by U+FFFD. */
static void expected(const char* s, size_t n, cli_buf_t* out) {
  const unsigned char* p = (const unsigned char*)s;
  uint32_t cp;
  for (size_t i = 0; i < n;) {
    size_t k = fuzz_utf8_decode(p + i, n - i, &cp);
    if (k == 0) {
      cli_buf_puts(out, "\xEF\xBF\xBD");
      i++;
    } else {
      cli_buf_append(out, p + i, k);
      i += k;
    }
  }
}

/* No raw C0 control, DEL or C1 control (U+0080..U+009F) in the output. */
static int no_raw_controls(const char* s, size_t n) {
  const unsigned char* p = (const unsigned char*)s;
  for (size_t i = 0; i < n; i++) {
    if (p[i] < 0x20 || p[i] == 0x7F ||
        (p[i] == 0xC2 && i + 1 < n && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F)) {
      return 0;
    }
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  size_t len = strlen(s); /* the API sees up to the first NUL */

  /* Appending keeps what the buffer held. */
  static const char prefix[] = "{\"name\":";
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, prefix);
  FUZZ_CHECK(cli_json_string(&b, s) == 0);
  FUZZ_CHECK(b.len > sizeof(prefix) - 1);
  FUZZ_CHECK(memcmp(b.data, prefix, sizeof(prefix) - 1) == 0);
  FUZZ_CHECK(strlen(b.data) == b.len);

  const char* json = b.data + sizeof(prefix) - 1;
  size_t json_len = b.len - (sizeof(prefix) - 1);
  cli_buf_t got, want;
  cli_buf_init(&got);
  cli_buf_init(&want);
  FUZZ_CHECK(json_string_parse(json, json_len, &got));
  FUZZ_CHECK(no_raw_controls(json, json_len));
  expected(s, len, &want);
  FUZZ_CHECK(got.len == want.len);
  FUZZ_CHECK(got.len == 0 || memcmp(got.data, want.data, got.len) == 0);
  /* Valid UTF-8 in, the same bytes out. */
  if (fuzz_utf8_valid(s, len)) {
    FUZZ_CHECK(got.len == len && (len == 0 || memcmp(got.data, s, len) == 0));
  }

  cli_buf_free(&got);
  cli_buf_free(&want);
  cli_buf_free(&b);
  free(s);
  return 0;
}
