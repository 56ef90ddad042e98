/* The spawn helper's protocol: writing and bounds-checked reading of its
 * messages' fields. */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

void uvsup__wbuf_init(uvsup_wbuf_t* w) {
  memset(w, 0, sizeof(*w));
}

void uvsup__wbuf_free(uvsup_wbuf_t* w) {
  free(w->data);
  memset(w, 0, sizeof(*w));
}

static void put(uvsup_wbuf_t* w, const void* p, size_t n) {
  if (w->failed) {
    return;
  }
  if (w->len + n > w->cap) {
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + n) {
      cap *= 2;
    }
    char* grown = realloc(w->data, cap);
    if (grown == NULL) {
      w->failed = 1;
      return;
    }
    w->data = grown;
    w->cap = cap;
  }
  memcpy(w->data + w->len, p, n);
  w->len += n;
}

void uvsup__put_u8(uvsup_wbuf_t* w, uint8_t v) {
  put(w, &v, sizeof(v));
}

void uvsup__put_i32(uvsup_wbuf_t* w, int32_t v) {
  put(w, &v, sizeof(v));
}

void uvsup__put_u64(uvsup_wbuf_t* w, uint64_t v) {
  put(w, &v, sizeof(v));
}

void uvsup__put_str(uvsup_wbuf_t* w, const char* s) {
  uvsup__put_u8(w, s != NULL);
  if (s != NULL) {
    put(w, s, strlen(s) + 1);
  }
}

void uvsup__put_strv(uvsup_wbuf_t* w, char* const* v) {
  int32_t n = -1;
  if (v != NULL) {
    for (n = 0; v[n] != NULL; n++) {
    }
  }
  uvsup__put_i32(w, n);
  for (int32_t i = 0; i < n; i++) {
    put(w, v[i], strlen(v[i]) + 1);
  }
}

void uvsup__rbuf_init(uvsup_rbuf_t* r, const char* data, size_t len) {
  r->data = data;
  r->len = len;
  r->off = 0;
  r->failed = 0;
}

static int get(uvsup_rbuf_t* r, void* p, size_t n) {
  if (r->failed || r->len - r->off < n) {
    r->failed = 1;
    memset(p, 0, n);
    return -1;
  }
  memcpy(p, r->data + r->off, n);
  r->off += n;
  return 0;
}

uint8_t uvsup__get_u8(uvsup_rbuf_t* r) {
  uint8_t v;
  get(r, &v, sizeof(v));
  return v;
}

int32_t uvsup__get_i32(uvsup_rbuf_t* r) {
  int32_t v;
  get(r, &v, sizeof(v));
  return v;
}

uint64_t uvsup__get_u64(uvsup_rbuf_t* r) {
  uint64_t v;
  get(r, &v, sizeof(v));
  return v;
}

/* A '\0'-ended string at the read position. */
static const char* raw_str(uvsup_rbuf_t* r) {
  if (r->failed) {
    return NULL;
  }
  const char* s = r->data + r->off;
  const char* nul = memchr(s, '\0', r->len - r->off);
  if (nul == NULL) {
    r->failed = 1;
    return NULL;
  }
  r->off += (size_t)(nul - s) + 1;
  return s;
}

const char* uvsup__get_str(uvsup_rbuf_t* r) {
  return uvsup__get_u8(r) ? raw_str(r) : NULL;
}

char** uvsup__get_strv(uvsup_rbuf_t* r, int* is_null) {
  int32_t n = uvsup__get_i32(r);
  *is_null = n < 0;
  if (r->failed || n < 0) {
    return NULL;
  }
  /* Every string takes at least its '\0': a count past what is left is a
   * lie, and must not size an allocation. */
  if ((size_t)n > r->len - r->off) {
    r->failed = 1;
    return NULL;
  }
  char** v = calloc((size_t)n + 1, sizeof(*v));
  if (v == NULL) {
    r->failed = 1;
    return NULL;
  }
  for (int32_t i = 0; i < n; i++) {
    v[i] = (char*)raw_str(r);
    if (v[i] == NULL) {
      free(v);
      return NULL;
    }
  }
  return v;
}
