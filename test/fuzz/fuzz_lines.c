/* Fuzzing the library's line splitter (src/lines.c): fed in any chunks, it
 * passes on exactly the pieces a plain reference splitting gives, so the
 * pieces and their newlines rebuild the input byte for byte, no piece is
 * longer than the bound, and how the stream was cut into reads does not
 * matter. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "lines.h"

typedef struct {
  char* data;
  size_t len;
  size_t cap;
} bytes_t;

typedef struct {
  bytes_t record;  /* each piece: its length, its bytes, newline or not */
  bytes_t rebuilt; /* the pieces, each followed by '\n' when it had one */
  size_t max;
} pieces_t;

static void put(bytes_t* b, const void* data, size_t len) {
  if (b->len + len > b->cap) {
    b->cap = (b->len + len) * 2;
    b->data = realloc(b->data, b->cap);
    FUZZ_CHECK(b->data != NULL);
  }
  if (len > 0) {
    memcpy(b->data + b->len, data, len);
  }
  b->len += len;
}

static void add(pieces_t* p, const char* data, size_t len, int newline) {
  char nl = newline ? '\n' : '\0';
  put(&p->record, &len, sizeof(len));
  put(&p->record, data, len);
  put(&p->record, &nl, 1);
  put(&p->rebuilt, data, len);
  if (newline) {
    put(&p->rebuilt, "\n", 1);
  }
}

static int same(const bytes_t* a, const bytes_t* b) {
  return a->len == b->len &&
         (a->len == 0 || memcmp(a->data, b->data, a->len) == 0);
}

static void on_line(void* ctx, const char* data, size_t len, int newline) {
  pieces_t* p = ctx;
  FUZZ_CHECK(newline == 0 || newline == 1);
  FUZZ_CHECK(len <= p->max);
  FUZZ_CHECK(len == 0 || memchr(data, '\n', len) == NULL);
  /* Only a line ended by '\n' may be empty. */
  FUZZ_CHECK(len > 0 || newline);
  add(p, data, len, newline);
}

/* The reference: split at '\n'; a line longer than max goes in pieces of
 * max without newline, its last piece (1..max bytes) with it; an empty line
 * is one empty piece; a last line without '\n' goes in pieces of max, all
 * without newline. */
static void reference(const char* s, size_t n, pieces_t* p) {
  size_t i = 0;
  while (i < n) {
    const char* nl = memchr(s + i, '\n', n - i);
    size_t line = nl != NULL ? (size_t)(nl - (s + i)) : n - i;
    size_t off = 0;
    while (line - off > p->max || (nl == NULL && off < line)) {
      size_t take = line - off < p->max ? line - off : p->max;
      add(p, s + i + off, take, 0);
      off += take;
    }
    if (nl != NULL) {
      add(p, s + i + off, line - off, 1);
      i += line + 1;
    } else {
      i = n;
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) {
    return 0;
  }
  /* The first byte picks the bound, the second the read sizes' seed. */
  size_t max = (size_t)(data[0] % 64) + 1;
  unsigned seed = data[1];
  const char* s = (const char*)data + 2;
  size_t n = size - 2;

  pieces_t whole = { .max = max }, chunked = { .max = max },
           want = { .max = max };
  uvsup_lines_t l;

  /* All at once. */
  uvsup__lines_init(&l, max);
  FUZZ_CHECK(uvsup__lines_feed(&l, s, n, on_line, &whole) == 0);
  uvsup__lines_flush(&l, on_line, &whole);
  FUZZ_CHECK(l.len == 0);
  uvsup__lines_free(&l);

  /* In reads of 1 to 16 bytes, sizes from a small generator. */
  uvsup__lines_init(&l, max);
  for (size_t off = 0; off < n;) {
    seed = seed * 1103515245u + 12345u;
    size_t take = (size_t)((seed >> 16) % 16) + 1;
    if (take > n - off) {
      take = n - off;
    }
    FUZZ_CHECK(uvsup__lines_feed(&l, s + off, take, on_line, &chunked) == 0);
    FUZZ_CHECK(l.len <= max);
    off += take;
  }
  uvsup__lines_flush(&l, on_line, &chunked);
  uvsup__lines_flush(&l, on_line, &chunked); /* a second flush adds nothing */
  uvsup__lines_free(&l);

  /* The pieces and their newlines are the input, byte for byte. */
  bytes_t input = { (char*)s, n, n };
  FUZZ_CHECK(same(&whole.rebuilt, &input));
  FUZZ_CHECK(same(&chunked.rebuilt, &input));
  /* The very same pieces however the stream was read, and as the
   * reference cuts them. */
  reference(s, n, &want);
  FUZZ_CHECK(same(&whole.record, &want.record));
  FUZZ_CHECK(same(&chunked.record, &want.record));

  pieces_t* all[] = { &whole, &chunked, &want };
  for (size_t i = 0; i < 3; i++) {
    free(all[i]->record.data);
    free(all[i]->rebuilt.data);
  }
  return 0;
}
