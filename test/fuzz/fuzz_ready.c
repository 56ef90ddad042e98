/* Fuzzing readiness strings and sd_notify messages: a string parses
 * exactly into its documented form (fd 3-255, a port 1-65535 on an address
 * inet_pton reads, a non-empty regex or command taken verbatim); a
 * message's fields are what a plain reading of its lines says, and the
 * status points into the message, on one line. */
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include <uv.h>

#include "fuzz.h"
#include "readyspec.h"

static void check_spec(const char* s) {
  uvsup_ready_spec_t spec;
  int rc = uvsup__ready_spec_parse(s, &spec);
  FUZZ_CHECK(rc == 0 || rc == UV_EINVAL);
  if (rc != 0) {
    return;
  }
  unsigned char buf[16];
  switch (spec.kind) {
  case READY_FD:
    FUZZ_CHECK(spec.fd >= 3 && spec.fd <= 255);
    FUZZ_CHECK(strncmp(s, "fd", 2) == 0);
    break;
  case READY_NOTIFY:
    FUZZ_CHECK(strcmp(s, "notify") == 0);
    break;
  case READY_EXIT:
    FUZZ_CHECK(strcmp(s, "exit") == 0);
    break;
  case READY_LOG:
    FUZZ_CHECK(spec.arg == s + 4 && spec.arg[0] != '\0');
    break;
  case READY_EXEC:
    FUZZ_CHECK(spec.arg == s + 5 && spec.arg[0] != '\0');
    break;
  case READY_TCP:
    FUZZ_CHECK(spec.port >= 1 && spec.port <= 65535);
    FUZZ_CHECK(inet_pton(AF_INET, spec.host, buf) == 1 ||
               inet_pton(AF_INET6, spec.host, buf) == 1);
    break;
  case READY_NONE:
    FUZZ_CHECK(0);
    break;
  }
}

/* The reference: the last line "KEY=VALUE" of each key, lines with a NUL
 * skipped. */
static void check_notify(const char* data, size_t len) {
  uvsup_notify_msg_t m;
  uvsup__notify_parse(data, len, &m);
  int ready = 0, watchdog = 0, stopping = 0;
  const char* status = NULL;
  for (const char* p = data; p < data + len;) {
    const char* nl = memchr(p, '\n', (size_t)(data + len - p));
    const char* eol = nl != NULL ? nl : data + len;
    size_t n = (size_t)(eol - p);
    if (memchr(p, '\0', n) == NULL) {
      if (n >= 6 && memcmp(p, "READY=", 6) == 0) {
        ready = n == 7 && p[6] == '1';
      } else if (n >= 9 && memcmp(p, "WATCHDOG=", 9) == 0) {
        watchdog = n == 10 && p[9] == '1';
      } else if (n >= 9 && memcmp(p, "STOPPING=", 9) == 0) {
        stopping = n == 10 && p[9] == '1';
      } else if (n >= 7 && memcmp(p, "STATUS=", 7) == 0) {
        status = p + 7;
      }
    }
    p = eol + 1;
  }
  FUZZ_CHECK(m.ready == ready && m.watchdog == watchdog &&
             m.stopping == stopping);
  FUZZ_CHECK(m.status == status);
  if (m.status != NULL) {
    FUZZ_CHECK(m.status >= data && m.status + m.status_len <= data + len);
    FUZZ_CHECK(memchr(m.status, '\n', m.status_len) == NULL);
  }
  FUZZ_CHECK(m.mainpid >= 0);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  check_spec(s);
  free(s);
  char* exact = malloc(size ? size : 1);
  FUZZ_CHECK(exact != NULL);
  memcpy(exact, data, size);
  check_notify(exact, size);
  free(exact);
  return 0;
}
