/* Parsing readiness strings and sd_notify messages. */
#include "readyspec.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "regexbound.h"
#include "uvsup.h"

/* digits only, in [min, max]. */
static int parse_int(const char* s, size_t len, int min, int max, int* out) {
  if (len == 0 || len > 9) {
    return -1;
  }
  int v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9') {
      return -1;
    }
    v = v * 10 + (s[i] - '0');
  }
  if (v < min || v > max) {
    return -1;
  }
  *out = v;
  return 0;
}

/* "[HOST:]PORT": HOST an IPv4 address, "[IPv6]" or localhost. */
static int parse_tcp(const char* s, uvsup_ready_spec_t* spec) {
  const char* colon = strrchr(s, ':');
  const char* port = colon != NULL ? colon + 1 : s;
  if (parse_int(port, strlen(port), 1, 65535, &spec->port) != 0) {
    return UV_EINVAL;
  }
  strcpy(spec->host, "127.0.0.1");
  if (colon == NULL) {
    return 0;
  }
  size_t len = (size_t)(colon - s);
  unsigned char buf[16];
  if (len == 9 && memcmp(s, "localhost", 9) == 0) {
    return 0;
  }
  if (len >= 2 && s[0] == '[' && s[len - 1] == ']' &&
      len - 2 < sizeof(spec->host)) {
    memcpy(spec->host, s + 1, len - 2);
    spec->host[len - 2] = '\0';
    return inet_pton(AF_INET6, spec->host, buf) == 1 ? 0 : UV_EINVAL;
  }
  if (len == 0 || len >= sizeof(spec->host)) {
    return UV_EINVAL;
  }
  memcpy(spec->host, s, len);
  spec->host[len] = '\0';
  return inet_pton(AF_INET, spec->host, buf) == 1 ? 0 : UV_EINVAL;
}

int uvsup__ready_spec_parse(const char* text, uvsup_ready_spec_t* spec) {
  memset(spec, 0, sizeof(*spec));
  if (text == NULL) {
    return 0;
  }
  if (strcmp(text, "notify") == 0) {
    spec->kind = READY_NOTIFY;
  } else if (strcmp(text, "exit") == 0) {
    spec->kind = READY_EXIT;
  } else if (strcmp(text, "fd") == 0) {
    spec->kind = READY_FD;
    spec->fd = READY_FD_DEFAULT;
  } else if (strncmp(text, "fd:", 3) == 0) {
    spec->kind = READY_FD;
    if (parse_int(text + 3, strlen(text + 3), 3, READY_FD_MAX, &spec->fd)) {
      return UV_EINVAL;
    }
  } else if (strncmp(text, "log:", 4) == 0 && text[4] != '\0') {
    spec->kind = READY_LOG;
    spec->arg = text + 4;
  } else if (strncmp(text, "exec:", 5) == 0 && text[5] != '\0') {
    spec->kind = READY_EXEC;
    spec->arg = text + 5;
  } else if (strncmp(text, "tcp:", 4) == 0) {
    spec->kind = READY_TCP;
    return parse_tcp(text + 4, spec);
  } else {
    return UV_EINVAL;
  }
  return 0;
}

/* VALUE of "KEY=VALUE" when line starts with key and '='. */
static const char* value_of(const char* line,
                            size_t len,
                            const char* key,
                            size_t* vlen) {
  size_t k = strlen(key);
  if (len <= k || memcmp(line, key, k) != 0 || line[k] != '=') {
    return NULL;
  }
  *vlen = len - k - 1;
  return line + k + 1;
}

static void parse_line(const char* line, size_t len, uvsup_notify_msg_t* m) {
  size_t vlen;
  const char* v;
  if ((v = value_of(line, len, "READY", &vlen)) != NULL) {
    m->ready = vlen == 1 && v[0] == '1';
  } else if ((v = value_of(line, len, "STOPPING", &vlen)) != NULL) {
    m->stopping = vlen == 1 && v[0] == '1';
  } else if ((v = value_of(line, len, "WATCHDOG", &vlen)) != NULL) {
    m->watchdog = vlen == 1 && v[0] == '1';
  } else if ((v = value_of(line, len, "MAINPID", &vlen)) != NULL) {
    int pid;
    m->mainpid = parse_int(v, vlen, 1, 99999999, &pid) == 0 ? pid : 0;
  } else if (len >= 7 && memcmp(line, "STATUS=", 7) == 0) {
    m->status = line + 7;
    m->status_len = len - 7;
  }
}

void uvsup__notify_parse(const char* data, size_t len, uvsup_notify_msg_t* m) {
  memset(m, 0, sizeof(*m));
  const char* end = data + len;
  for (const char* p = data; p < end;) {
    const char* nl = memchr(p, '\n', (size_t)(end - p));
    const char* eol = nl != NULL ? nl : end;
    if (memchr(p, '\0', (size_t)(eol - p)) == NULL) {
      parse_line(p, (size_t)(eol - p), m);
    }
    p = eol + 1;
  }
}

int uvsup_check_ready(const char* ready) {
  uvsup_ready_spec_t spec;
  if (ready == NULL || uvsup__ready_spec_parse(ready, &spec) != 0) {
    return UV_EINVAL;
  }
  if (spec.kind == READY_LOG) {
    regex_t re;
    int err = uvsup__regex_compile(&re, spec.arg);
    if (err != 0) {
      return err;
    }
    regfree(&re);
  }
  return 0;
}
