/* Fuzzing cli_logdir_file_name: whatever the worker's name, the file name
 * is one safe path component ending in ".log" (no '/', no control
 * character, no leading '.', valid UTF-8, not empty) that fits its buffer;
 * a name that is already safe and short is kept as it is. The first input
 * byte picks the buffer size; the rest is the name. */
#include <stdint.h>
#include <string.h>

#include "fuzz.h"
#include "logdir.h"

/* 1 when the name needs no change: valid UTF-8 with no C0, DEL or C1
 * control, no '/', not starting with '.', not empty. */
static int safe(const char* s) {
  size_t n = strlen(s);
  const unsigned char* p = (const unsigned char*)s;
  if (n == 0 || s[0] == '.' || strchr(s, '/') != NULL) {
    return 0;
  }
  for (size_t i = 0; i < n;) {
    uint32_t cp;
    size_t k = fuzz_utf8_decode(p + i, n - i, &cp);
    if (k == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) {
      return 0;
    }
    i += k;
  }
  return 1;
}

static void check(const char* name, size_t outlen) {
  char out[CLI_LOGDIR_FILE_NAME_SIZE + 16];
  FUZZ_CHECK(outlen <= sizeof(out));
  memset(out, 'x', sizeof(out));
  FUZZ_CHECK(cli_logdir_file_name(out, outlen, name) == out);
  if (outlen == 0) {
    FUZZ_CHECK(out[0] == 'x'); /* nothing written */
    return;
  }
  size_t len = strnlen(out, outlen);
  FUZZ_CHECK(len < outlen);
  FUZZ_CHECK(outlen == sizeof(out) || out[outlen] == 'x'); /* in bounds */
  if (outlen < 6) {
    FUZZ_CHECK(len == 0); /* no room for "_.log" */
    return;
  }
  FUZZ_CHECK(len >= 5 && strcmp(out + len - 4, ".log") == 0);
  FUZZ_CHECK(len < CLI_LOGDIR_FILE_NAME_SIZE);
  out[len - 4] = '\0';
  FUZZ_CHECK(safe(out));
  if (safe(name) && strlen(name) + 5 <= outlen &&
      strlen(name) + 5 <= CLI_LOGDIR_FILE_NAME_SIZE) {
    FUZZ_CHECK(strcmp(out, name) == 0);
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  char* name = fuzz_strndup(data + 1, size - 1);
  check(name, CLI_LOGDIR_FILE_NAME_SIZE);
  check(name, (size_t)data[0] % (CLI_LOGDIR_FILE_NAME_SIZE + 16));
  /* The same name gives the same file, every time. */
  char a[CLI_LOGDIR_FILE_NAME_SIZE], b[CLI_LOGDIR_FILE_NAME_SIZE];
  cli_logdir_file_name(a, sizeof(a), name);
  cli_logdir_file_name(b, sizeof(b), name);
  FUZZ_CHECK(strcmp(a, b) == 0);
  free(name);
  return 0;
}
