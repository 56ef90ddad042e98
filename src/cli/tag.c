/* Tagged output lines for --output tag: name, padding, colour, timestamp. */
#include "tag.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "safe.h"
#include "utf8.h"

#define CUT_MARK "..."

/* Normal (not bright) foreground colours: cyan, yellow, green, magenta,
 * blue, red. Readable on dark and light backgrounds alike; red comes last
 * so that it is rarely used, as it reads like an error. */
static const char* const colors[CLI_TAG_COLORS] = {
  "\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m", "\033[31m",
};
static const char reset[] = "\033[0m";


size_t cli_tag_width(const char* name) {
  const unsigned char* p = (const unsigned char*)name;
  size_t width = 0;
  while (*p != '\0') {
    size_t n = cli_utf8_len(p);
    p += n == 0 ? 1 : n;
    width++;
  }
  return width;
}

/* The byte length of the first `columns` characters of s. */
static size_t prefix_bytes(const char* s, size_t columns) {
  const unsigned char* p = (const unsigned char*)s;
  size_t used = 0;
  for (size_t w = 0; w < columns && p[used] != '\0'; w++) {
    size_t n = cli_utf8_len(p + used);
    used += n == 0 ? 1 : n;
  }
  return used;
}

int cli_tag_put_name(cli_buf_t* b, const char* name) {
  cli_buf_t safe;
  cli_buf_init(&safe);
  cli_put_safe(&safe, name);
  const char* shown = safe.data != NULL ? safe.data : "";
  if (cli_tag_width(shown) <= CLI_TAG_MAX_WIDTH) {
    cli_buf_puts(b, shown);
  } else {
    size_t keep = CLI_TAG_MAX_WIDTH - (sizeof(CUT_MARK) - 1);
    cli_buf_append(b, shown, prefix_bytes(shown, keep));
    cli_buf_puts(b, CUT_MARK);
  }
  int failed = safe.failed;
  cli_buf_free(&safe);
  return failed || b->failed ? -1 : 0;
}

size_t cli_tag_name_width(const char* name) {
  cli_buf_t shown;
  cli_buf_init(&shown);
  cli_tag_put_name(&shown, name);
  size_t width = shown.data != NULL ? cli_tag_width(shown.data) : 0;
  cli_buf_free(&shown);
  return width;
}

int cli_tag_prefix(cli_buf_t* b, const cli_tag_t* tag) {
  assert(tag->name != NULL);
  assert(tag->color >= 0 && tag->color <= CLI_TAG_COLORS);
  const char* color = tag->color >= 1 && tag->color <= CLI_TAG_COLORS
                          ? colors[tag->color - 1]
                          : NULL;
  if (color != NULL) {
    cli_buf_puts(b, color);
  }
  size_t start = b->len;
  cli_tag_put_name(b, tag->name);
  size_t pad = tag->pad < CLI_TAG_MAX_WIDTH ? tag->pad : CLI_TAG_MAX_WIDTH;
  size_t width = b->data != NULL ? cli_tag_width(b->data + start) : 0;
  for (size_t w = width; w < pad; w++) {
    cli_buf_putc(b, ' ');
  }
  cli_buf_puts(b, " |");
  if (color != NULL) {
    cli_buf_puts(b, reset);
  }
  /* The buffer's failure is sticky, so the last append tells for all. */
  return cli_buf_putc(b, ' ');
}

int cli_tag_line(cli_buf_t* b,
                 const cli_tag_t* tag,
                 const char* data,
                 size_t len) {
  if (tag->stamp != NULL) {
    cli_buf_puts(b, tag->stamp);
    cli_buf_putc(b, ' ');
  }
  cli_tag_prefix(b, tag);
  if (len > 0) {
    cli_buf_append(b, data, len);
  }
  return cli_buf_putc(b, '\n');
}

char* cli_tag_stamp(char* out, size_t outlen, uint64_t epoch_ms) {
  time_t sec = (time_t)(epoch_ms / 1000);
  unsigned ms = (unsigned)(epoch_ms % 1000);
  struct tm tm;
  if (localtime_r(&sec, &tm) == NULL) {
    /* Only for instants beyond what struct tm holds: keep the width. */
    snprintf(out, outlen, "--:--:--.---");
    return out;
  }
  snprintf(out, outlen, "%02d:%02d:%02d.%03u", tm.tm_hour, tm.tm_min, tm.tm_sec,
           ms);
  return out;
}

int cli_tag_use_color(cli_color_mode_t mode, int is_tty, const char* no_color) {
  switch (mode) {
  case CLI_COLOR_ALWAYS:
    return 1;
  case CLI_COLOR_NEVER:
    return 0;
  case CLI_COLOR_AUTO:
  default:
    /* NO_COLOR set to anything, even "0", turns colour off; an explicit
     * --color=always still wins, as no-color.org allows. */
    return is_tty && (no_color == NULL || no_color[0] == '\0');
  }
}
