/* JSON string escaping that always yields valid JSON, whatever the bytes. */
#include "json.h"

#include <stddef.h>

/* Length of the well-formed UTF-8 sequence of two or more bytes at s (as in
 * Unicode's table 3-7), or 0 when the bytes there are not one. This rejects
 * overlong forms (C0, C1, E0 80..9F, F0 80..8F), UTF-16 surrogates
 * (ED A0..BF) and code points over U+10FFFF (F4 90.., F5..FF), so the output
 * is UTF-8 every JSON parser accepts. s is NUL-terminated, and NUL is not a
 * continuation byte, so this never reads past the end. */
static size_t utf8_len(const unsigned char* s) {
  unsigned char c = s[0];
  unsigned char lo = 0x80, hi = 0xBF;
  size_t n;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) {
      lo = 0xA0;
    } else if (c == 0xED) {
      hi = 0x9F;
    }
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) {
      lo = 0x90;
    } else if (c == 0xF4) {
      hi = 0x8F;
    }
  } else {
    return 0;
  }
  if (s[1] < lo || s[1] > hi) {
    return 0;
  }
  for (size_t i = 2; i < n; i++) {
    if (s[i] < 0x80 || s[i] > 0xBF) {
      return 0;
    }
  }
  return n;
}

int cli_json_string(cli_buf_t* b, const char* s) {
  static const char hex[] = "0123456789abcdef";
  if (s == NULL) {
    return cli_buf_puts(b, "null");
  }
  const unsigned char* p = (const unsigned char*)s;
  cli_buf_putc(b, '"');
  while (*p != '\0') {
    /* Copy a run of bytes that need nothing in one go. */
    const unsigned char* run = p;
    while (*p >= 0x20 && *p < 0x7F && *p != '"' && *p != '\\') {
      p++;
    }
    cli_buf_append(b, run, (size_t)(p - run));
    unsigned char c = *p;
    if (c == '\0') {
      break;
    }
    if (c == '"' || c == '\\') {
      cli_buf_putc(b, '\\');
      cli_buf_putc(b, (char)c);
      p++;
      continue;
    }
    if (c < 0x80) {
      /* C0 controls and DEL. The short forms JSON has, else \u00XX. */
      const char* esc = NULL;
      switch (c) {
      case '\b':
        esc = "\\b";
        break;
      case '\f':
        esc = "\\f";
        break;
      case '\n':
        esc = "\\n";
        break;
      case '\r':
        esc = "\\r";
        break;
      case '\t':
        esc = "\\t";
        break;
      default:
        break;
      }
      if (esc != NULL) {
        cli_buf_puts(b, esc);
      } else {
        cli_buf_printf(b, "\\u00%c%c", hex[c >> 4], hex[c & 0xF]);
      }
      p++;
      continue;
    }
    size_t n = utf8_len(p);
    if (n == 0) {
      /* One U+FFFD per bad byte: a truncated sequence's lead byte and each
       * stray continuation byte after it are each one replacement. */
      cli_buf_puts(b, "\xEF\xBF\xBD");
      p++;
    } else if (n == 2 && c == 0xC2 && p[1] <= 0x9F) {
      /* C1 controls (U+0080..U+009F) are valid UTF-8 but control
       * characters all the same; escaped so they never reach a terminal. */
      cli_buf_printf(b, "\\u00%c%c", hex[p[1] >> 4], hex[p[1] & 0xF]);
      p += 2;
    } else {
      cli_buf_append(b, p, n);
      p += n;
    }
  }
  cli_buf_putc(b, '"');
  return b->failed ? -1 : 0;
}
