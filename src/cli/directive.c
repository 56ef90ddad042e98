/* Parsing "#uvsup NAME: key=value ..." Procfile lines. */
#include "directive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

#define PREFIX     "#uvsup"
#define PREFIX_LEN 6

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

int cli_directive_is(const char* s, size_t n) {
  return n > PREFIX_LEN && memcmp(s, PREFIX, PREFIX_LEN) == 0 &&
         is_blank(s[PREFIX_LEN]);
}

void cli_directive_free(cli_directive_t* d) {
  for (size_t i = 0; i < d->nsettings; i++) {
    free((char*)d->settings[i].key);
    free((char*)d->settings[i].value);
  }
  free(d->settings);
  free(d->name);
  memset(d, 0, sizeof(*d));
}

/* One "key=value" from *p; the value quoted or up to a blank. */
static int next_item(const char** p,
                     const char* end,
                     char** key,
                     char** value) {
  const char* k = *p;
  const char* eq = k;
  while (eq < end && *eq != '=' && !is_blank(*eq)) {
    eq++;
  }
  if (eq == end || *eq != '=' || eq == k) {
    return -1;
  }
  const char* v = eq + 1;
  const char* v_end;
  if (v < end && (*v == '"' || *v == '\'')) {
    v_end = memchr(v + 1, *v, (size_t)(end - v - 1));
    if (v_end == NULL || (v_end + 1 < end && !is_blank(v_end[1]))) {
      return -1;
    }
    v++;
    *p = v_end + 1;
  } else {
    v_end = v;
    while (v_end < end && !is_blank(*v_end)) {
      v_end++;
    }
    *p = v_end;
  }
  *key = strndup(k, (size_t)(eq - k));
  *value = strndup(v, (size_t)(v_end - v));
  return 0;
}

static int add_setting(cli_directive_t* d, char* key, char* value) {
  cli_setting_t* grown =
      realloc(d->settings, (d->nsettings + 1) * sizeof(*grown));
  if (key == NULL || value == NULL || grown == NULL) {
    free(key);
    free(value);
    if (grown != NULL) {
      d->settings = grown;
    }
    return -1;
  }
  d->settings = grown;
  d->settings[d->nsettings].key = key;
  d->settings[d->nsettings].value = value;
  d->nsettings++;
  return 0;
}

/* The key is a worker setting and its value is valid. */
static int check(const char* path,
                 unsigned line,
                 const cli_setting_t* s,
                 char* err,
                 size_t errlen) {
  char why[512];
  if (!cli_worker_key(s->key)) {
    return cli_fail(err, errlen,
                    "%s:%u: #uvsup: unknown key '%s' (use ready, "
                    "ready-timeout, min-uptime, watchdog, after, timeout, "
                    "kill-after, stop-signal, restart, restart-delay, "
                    "restart-delay-max, restart-reset, restart-limit, "
                    "success-exit or retries)",
                    path, line, s->key);
  }
  cli_worker_t scratch;
  cli_worker_init(&scratch, NULL);
  int rc = cli_worker_set(&scratch, s->key, s->key, s->value, why, sizeof(why));
  cli_worker_free(&scratch);
  return rc == 0 ? 0 : cli_fail(err, errlen, "%s:%u: %s", path, line, why);
}

int cli_directive_parse(const char* path,
                        unsigned line,
                        const char* s,
                        size_t n,
                        cli_directive_t* out,
                        char* err,
                        size_t errlen) {
  memset(out, 0, sizeof(*out));
  out->line = line;
  const char* end = s + n;
  const char* p = s + PREFIX_LEN;
  while (p < end && is_blank(*p)) {
    p++;
  }
  const char* colon = memchr(p, ':', (size_t)(end - p));
  const char* name_end = colon;
  while (name_end != NULL && name_end > p && is_blank(name_end[-1])) {
    name_end--;
  }
  if (colon == NULL || name_end == p) {
    return cli_fail(err, errlen,
                    "%s:%u: #uvsup needs 'NAME:' or '*:' before its settings",
                    path, line);
  }
  if ((out->name = strndup(p, (size_t)(name_end - p))) == NULL) {
    return cli_fail(err, errlen, "%s: out of memory", path);
  }
  for (p = colon + 1;;) {
    while (p < end && is_blank(*p)) {
      p++;
    }
    if (p == end) {
      break;
    }
    char *key, *value;
    if (next_item(&p, end, &key, &value) != 0) {
      /* The line is not NUL-terminated: at most what is left of it. */
      int shown = end - p < 40 ? (int)(end - p) : 40;
      cli_directive_free(out);
      return cli_fail(err, errlen,
                      "%s:%u: #uvsup: expected key=value (quote a value "
                      "with blanks) at '%.*s'",
                      path, line, shown, p);
    }
    if (add_setting(out, key, value) != 0) {
      cli_directive_free(out);
      return cli_fail(err, errlen, "%s: out of memory", path);
    }
    if (check(path, line, &out->settings[out->nsettings - 1], err, errlen)) {
      cli_directive_free(out);
      return -1;
    }
  }
  return 0;
}
