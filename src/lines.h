/* Splitting a byte stream into lines, with a bound on a line's length. Pure:
 * no libuv, no processes. */
#ifndef UVSUP_LINES_H
#define UVSUP_LINES_H

#include <stddef.h>

/* Called for each line: data without its '\n'; newline says whether one
 * ended it (0 for a piece cut at the bound, and for a last line without
 * one). */
typedef void (*uvsup_line_fn)(void* ctx,
                              const char* data,
                              size_t len,
                              int newline);

typedef struct {
  char* buf; /* the start of a line not yet ended, copied out of the read */
  size_t len;
  size_t cap;
  size_t max; /* a line longer than this is passed on in pieces of max */
} uvsup_lines_t;

void uvsup__lines_init(uvsup_lines_t* l, size_t max);
void uvsup__lines_free(uvsup_lines_t* l);

/* Passes every line completed by data to fn, straight out of data where it
 * can (no copy), and keeps the unfinished rest. Returns 0, or UV_ENOMEM
 * (then the rest was passed on as a piece, nothing is lost). */
int uvsup__lines_feed(uvsup_lines_t* l,
                      const char* data,
                      size_t len,
                      uvsup_line_fn fn,
                      void* ctx);

/* At the end of the stream: passes on a last line without '\n', if any. */
void uvsup__lines_flush(uvsup_lines_t* l, uvsup_line_fn fn, void* ctx);

#endif
