/* Names made safe to print on a terminal, for the summary, tags and
 * uvsup's own messages alike. */
#include "safe.h"

#include "utf8.h"

/* A name as safe to print on a terminal: control characters (C0, DEL, and
 * C1 whether UTF-8 encoded or raw) and bytes that are not UTF-8 as \xNN or
 * \u00NN, so a name cannot move the cursor or break the table into extra
 * lines. */
void cli_put_safe(cli_buf_t* b, const char* s) {
  const unsigned char* p = (const unsigned char*)s;
  while (*p != '\0') {
    if (*p < 0x20 || *p == 0x7F) {
      cli_buf_printf(b, "\\x%02x", *p);
      p++;
    } else if (*p < 0x80) {
      cli_buf_putc(b, (char)*p);
      p++;
    } else if (p[0] == 0xC2 && p[1] >= 0x80 && p[1] <= 0x9F) {
      cli_buf_printf(b, "\\u00%02x", p[1]);
      p += 2;
    } else {
      size_t n = cli_utf8_len(p);
      if (n == 0) {
        cli_buf_printf(b, "\\x%02x", *p);
        p++;
      } else {
        cli_buf_append(b, p, n);
        p += n;
      }
    }
  }
}
