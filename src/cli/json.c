/* JSON string escaping that always yields valid JSON, whatever the bytes. */
#include "json.h"

#include <stddef.h>

#include "utf8.h"


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
    size_t n = cli_utf8_len(p);
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
