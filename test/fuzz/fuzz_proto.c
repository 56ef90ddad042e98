/* libFuzzer harness for the spawn helper's protocol (src/spawner/proto.c):
 * reading any bytes as a spawn request stays inside them (every string
 * read lies in the message, with its '\0'), and lists of strings survive
 * a write and a read unchanged. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "spawner/proto.h"

static void check_inside(const char* s, const uint8_t* data, size_t size) {
  if (s == NULL) {
    return;
  }
  FUZZ_CHECK(s >= (const char*)data && s < (const char*)data + size);
  FUZZ_CHECK(memchr(s, '\0', (size_t)((const char*)data + size - s)) != NULL);
}

static void check_strv(char** v, const uint8_t* data, size_t size) {
  for (size_t i = 0; v != NULL && v[i] != NULL; i++) {
    check_inside(v[i], data, size);
  }
  free(v);
}

/* A spawn request read as the helper reads it. */
static void read_as_spawn(const uint8_t* data, size_t size) {
  uvsup_rbuf_t r;
  uvsup__rbuf_init(&r, (const char*)data, size);
  uvsup__get_u8(&r);
  uvsup__get_u64(&r);
  uvsup__get_i32(&r);
  uvsup__get_u64(&r);
  int32_t slots = uvsup__get_i32(&r);
  for (int32_t i = 0; i < slots && i < 64 && !r.failed; i++) {
    uvsup__get_i32(&r);
  }
  check_inside(uvsup__get_str(&r), data, size);
  check_inside(uvsup__get_str(&r), data, size);
  int is_null;
  check_strv(uvsup__get_strv(&r, &is_null), data, size);
  check_strv(uvsup__get_strv(&r, &is_null), data, size);
  FUZZ_CHECK(r.off <= r.len);
}

/* The input cut at each '\n' into strings ('\0' bytes become '0'). */
static void round_trip(const uint8_t* data, size_t size) {
  char* text = malloc(size + 1);
  char** v = calloc(size + 2, sizeof(*v));
  if (text == NULL || v == NULL) {
    free(text);
    free(v);
    return;
  }
  size_t n = 0;
  v[n++] = text;
  for (size_t i = 0; i < size; i++) {
    text[i] = data[i] == '\0' ? '0' : (char)data[i];
    if (text[i] == '\n') {
      text[i] = '\0';
      v[n++] = text + i + 1;
    }
  }
  text[size] = '\0';
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  uvsup__put_strv(&w, v);
  uvsup__put_str(&w, text);
  FUZZ_CHECK(!w.failed);
  uvsup_rbuf_t r;
  uvsup__rbuf_init(&r, w.data, w.len);
  int is_null;
  char** back = uvsup__get_strv(&r, &is_null);
  FUZZ_CHECK(back != NULL && !is_null);
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(back[i] != NULL && strcmp(back[i], v[i]) == 0);
  }
  FUZZ_CHECK(back[n] == NULL);
  const char* s = uvsup__get_str(&r);
  FUZZ_CHECK(s != NULL && strcmp(s, text) == 0);
  FUZZ_CHECK(!r.failed && r.off == r.len);
  free(back);
  uvsup__wbuf_free(&w);
  free(v);
  free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  read_as_spawn(data, size);
  round_trip(data, size);
  return 0;
}
