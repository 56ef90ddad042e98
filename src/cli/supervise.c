/* The CLI's supervision options: restart policy, backoff, give-up limit,
 * success codes, strategy, --retries. Pure: tested without processes. */
#include "supervise.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "fail.h"

#define DURATION_HINT "(e.g. 500ms, 2s, 1m)"

void cli_supervise_init(cli_supervise_t* s) {
  memset(s, 0, sizeof(*s));
  s->delay_ms = 500;
  s->delay_max_ms = 30000;
}

/* Index of value in names (count of them), or -1. */
static int pick(const char* value, const char* const* names, int count) {
  for (int i = 0; i < count; i++) {
    if (strcmp(value, names[i]) == 0) {
      return i;
    }
  }
  return -1;
}

/* A whole number in [min, max], digits only. */
static int parse_uint(const char* s,
                      unsigned long min,
                      unsigned long max,
                      unsigned long* out) {
  if (s[0] < '0' || s[0] > '9') {
    return -1;
  }
  errno = 0;
  char* end;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) {
    return -1;
  }
  *out = v;
  return 0;
}

/* "N" or "N/PERIOD". */
static int parse_limit(cli_supervise_t* s, const char* value) {
  const char* slash = strchr(value, '/');
  char count[24];
  size_t len = slash != NULL ? (size_t)(slash - value) : strlen(value);
  if (len == 0 || len >= sizeof(count)) {
    return -1;
  }
  memcpy(count, value, len);
  count[len] = '\0';
  unsigned long n;
  if (parse_uint(count, 1, 1000000, &n) != 0) {
    return -1;
  }
  uint64_t period = 0;
  if (slash != NULL &&
      (cli_duration_parse(slash + 1, &period) != 0 || period == 0)) {
    return -1;
  }
  s->limit = (unsigned)n;
  s->period_ms = period;
  s->limit_set = 1;
  return 0;
}

/* "0,3,75": exit codes 0-255, comma-separated. */
static int parse_success(cli_supervise_t* s, const char* value) {
  s->nsuccess = 0;
  const char* p = value;
  for (;;) {
    char code[8];
    size_t len = strcspn(p, ",");
    unsigned long v;
    if (len == 0 || len >= sizeof(code)) {
      return -1;
    }
    memcpy(code, p, len);
    code[len] = '\0';
    if (parse_uint(code, 0, 255, &v) != 0 || s->nsuccess == CLI_SUCCESS_MAX) {
      return -1;
    }
    s->success[s->nsuccess++] = (int)v;
    if (p[len] == '\0') {
      return 0;
    }
    p += len + 1;
  }
}

static int parse_delay(const char* value, uint64_t* ms) {
  return cli_duration_parse(value, ms) != 0 || *ms == 0 ? -1 : 0;
}

int cli_supervise_option(cli_supervise_t* s,
                         cli_supervise_option_t id,
                         const char* shown,
                         const char* value,
                         char* err,
                         size_t errlen) {
  static const char* const restarts[] = { "no", "on-failure", "on-abnormal",
                                          "always" };
  static const char* const strategies[] = { "one-for-one", "one-for-all",
                                            "rest-for-one" };
  static const char* const give_up[] = { "continue", "stop" };
  unsigned long n;
  int k;
  switch (id) {
  case CLI_SUP_RESTART:
    if ((k = pick(value, restarts, 4)) < 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use no, on-failure, on-abnormal or always",
                      shown, value);
    }
    s->restart = (cli_restart_t)k;
    s->restart_set = 1;
    return 0;
  case CLI_SUP_DELAY:
  case CLI_SUP_DELAY_MAX:
  case CLI_SUP_RESET: {
    uint64_t* to = id == CLI_SUP_DELAY       ? &s->delay_ms
                   : id == CLI_SUP_DELAY_MAX ? &s->delay_max_ms
                                             : &s->reset_ms;
    if (parse_delay(value, to) != 0) {
      return cli_fail(err, errlen, "%s '%s': not a duration above 0 %s", shown,
                      value, DURATION_HINT);
    }
    s->delay_set |= id == CLI_SUP_DELAY;
    s->delay_max_set |= id == CLI_SUP_DELAY_MAX;
    return 0;
  }
  case CLI_SUP_LIMIT:
    if (parse_limit(s, value) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use N or N/PERIOD (N >= 1, e.g. 5/1m)", shown,
                      value);
    }
    return 0;
  case CLI_SUP_SUCCESS:
    if (parse_success(s, value) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use exit codes 0-255, comma-separated (e.g. "
                      "0,3)",
                      shown, value);
    }
    return 0;
  case CLI_SUP_STRATEGY:
    if ((k = pick(value, strategies, 3)) < 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use one-for-one, one-for-all or rest-for-one",
                      shown, value);
    }
    s->strategy = (cli_strategy_t)k;
    return 0;
  case CLI_SUP_ON_GIVE_UP:
    if ((k = pick(value, give_up, 2)) < 0) {
      return cli_fail(err, errlen, "%s '%s': use continue or stop", shown,
                      value);
    }
    s->give_up_stop = k == 1;
    return 0;
  case CLI_SUP_RETRIES:
    if (parse_uint(value, 1, 1000000, &n) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': the number of tries in all, at least 1", shown,
                      value);
    }
    s->retries = (unsigned)n;
    return 0;
  }
  return 0;
}

int cli_supervise_finish(cli_supervise_t* s, char* err, size_t errlen) {
  if (s->retries > 0) {
    if (s->restart_set || s->limit_set) {
      return cli_fail(err, errlen,
                      "--retries is --restart on-failure with a limit: give "
                      "one or the other");
    }
    /* N tries in all: N-1 restarts, after failures only. */
    s->restart = s->retries > 1 ? CLI_RESTART_ON_FAILURE : CLI_RESTART_NO;
    s->limit = s->retries - 1;
    s->period_ms = 0;
  }
  if (s->delay_ms > s->delay_max_ms) {
    if (s->delay_max_set) {
      return cli_fail(err, errlen,
                      "--restart-delay is above --restart-delay-max: the "
                      "first delay cannot pass the cap");
    }
    s->delay_max_ms = s->delay_ms; /* a long first delay raises the cap */
  }
  return 0;
}
