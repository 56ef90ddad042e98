/* Splitting a byte stream into lines: memchr for the newlines, and a copy
 * only of a line that straddles two reads. */
#include "lines.h"

#include <stdlib.h>
#include <string.h>

#include <uv.h>

void uvsup__lines_init(uvsup_lines_t* l, size_t max) {
  memset(l, 0, sizeof(*l));
  l->max = max;
}

void uvsup__lines_free(uvsup_lines_t* l) {
  free(l->buf);
  uvsup__lines_init(l, l->max);
}

/* Keeps n more bytes of an unfinished line. The buffer grows to at most
 * max: a line that long goes on as a piece before it would grow further. */
static int keep(uvsup_lines_t* l, const char* data, size_t n) {
  if (l->len + n > l->cap) {
    size_t cap = l->cap ? l->cap : 256;
    while (cap < l->len + n) {
      cap *= 2;
    }
    if (cap > l->max) {
      cap = l->max;
    }
    char* grown = realloc(l->buf, cap);
    if (grown == NULL) {
      return UV_ENOMEM;
    }
    l->buf = grown;
    l->cap = cap;
  }
  memcpy(l->buf + l->len, data, n);
  l->len += n;
  return 0;
}

int uvsup__lines_feed(uvsup_lines_t* l,
                      const char* data,
                      size_t len,
                      uvsup_line_fn fn,
                      void* ctx) {
  int err = 0;
  while (len > 0) {
    const char* nl = memchr(data, '\n', len);
    size_t line = nl != NULL ? (size_t)(nl - data) : len;
    if (l->len == 0 && nl != NULL && line <= l->max) {
      fn(ctx, data, line, 1); /* the common case: no copy */
    } else if (l->len + line <= l->max && nl != NULL) {
      err = keep(l, data, line);
      if (err != 0) {
        break;
      }
      fn(ctx, l->buf, l->len, 1);
      l->len = 0;
    } else if (l->len == l->max) {
      /* A full piece, and the line goes on: pass the piece on. (Waiting
       * for this byte lets a line of exactly max end with its newline.) */
      fn(ctx, l->buf, l->len, 0);
      l->len = 0;
      continue;
    } else {
      /* No newline in what is left, or the line is past the bound: keep
       * what fits and go on with the rest. */
      size_t room = l->max - l->len;
      size_t take = line < room ? line : room;
      err = keep(l, data, take);
      if (err != 0) {
        break;
      }
      data += take;
      len -= take;
      continue;
    }
    data += line + 1;
    len -= line + 1;
  }
  if (err != 0) {
    /* Out of memory: what is held and what is left go on as pieces. */
    if (l->len > 0) {
      fn(ctx, l->buf, l->len, 0);
      l->len = 0;
    }
    if (len > 0) {
      fn(ctx, data, len, 0);
    }
  }
  return err;
}

void uvsup__lines_flush(uvsup_lines_t* l, uvsup_line_fn fn, void* ctx) {
  if (l->len > 0) {
    fn(ctx, l->buf, l->len, 0);
    l->len = 0;
  }
}
