/* A growable byte buffer that remembers an allocation failure, and writing
 * bytes out whole. */
#include "buf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void cli_buf_init(cli_buf_t* b) {
  b->data = NULL;
  b->len = 0;
  b->cap = 0;
  b->failed = 0;
}

void cli_buf_free(cli_buf_t* b) {
  free(b->data);
  cli_buf_init(b);
}

/* Makes room for n more bytes plus the terminating NUL. Once failed, stays
 * failed: a caller then checks only the last return value (or b->failed)
 * instead of every append, and never gets a buffer with a hole in it. */
static int reserve(cli_buf_t* b, size_t n) {
  if (b->failed) {
    return -1;
  }
  if (n > SIZE_MAX - 1 - b->len) {
    b->failed = 1;
    return -1;
  }
  size_t need = b->len + n + 1;
  if (need <= b->cap) {
    return 0;
  }
  size_t cap = b->cap < 64 ? 64 : b->cap;
  while (cap < need) {
    cap = cap > SIZE_MAX / 2 ? need : cap * 2;
  }
  char* data = realloc(b->data, cap);
  if (data == NULL) {
    b->failed = 1;
    return -1;
  }
  b->data = data;
  b->cap = cap;
  return 0;
}

int cli_buf_append(cli_buf_t* b, const void* p, size_t n) {
  /* p may point into b->data itself (appending a part of the buffer to
   * itself), which realloc would move: remember it as an offset. */
  const char* src = p;
  int inside = b->data != NULL && src >= b->data && src < b->data + b->cap;
  size_t off = inside ? (size_t)(src - b->data) : 0;
  if (reserve(b, n) != 0) {
    return -1;
  }
  if (inside) {
    src = b->data + off;
  }
  if (n > 0) {
    memmove(b->data + b->len, src, n);
  }
  b->len += n;
  b->data[b->len] = '\0';
  return 0;
}

int cli_buf_puts(cli_buf_t* b, const char* s) {
  return cli_buf_append(b, s, strlen(s));
}

int cli_buf_putc(cli_buf_t* b, char c) {
  return cli_buf_append(b, &c, 1);
}

int cli_buf_printf(cli_buf_t* b, const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int rc = cli_buf_vprintf(b, fmt, ap);
  va_end(ap);
  return rc;
}

int cli_buf_vprintf(cli_buf_t* b, const char* fmt, va_list ap) {
  if (b->failed) {
    return -1;
  }
  /* First try in the room already there; most messages fit. */
  size_t room = b->cap > b->len ? b->cap - b->len : 0;
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(room > 0 ? b->data + b->len : NULL, room, fmt, ap2);
  va_end(ap2);
  if (n < 0) {
    /* Output over INT_MAX bytes or a wide-character conversion error: as
     * unusable as a failed allocation, and callers only check b->failed. */
    if (b->data != NULL) {
      b->data[b->len] = '\0';
    }
    b->failed = 1;
    return -1;
  }
  if ((size_t)n >= room) {
    if (reserve(b, (size_t)n) != 0) {
      if (b->data != NULL) {
        b->data[b->len] = '\0';
      }
      return -1;
    }
    va_copy(ap2, ap);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
  }
  b->len += (size_t)n;
  return 0;
}

int cli_write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) {
      continue;
    }
    if (w <= 0) {
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}
