/* Per-worker settings of a stack: the table of keys, their parsing, and
 * putting them over the defaults. */
#include "workeropts.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <uvsup.h>

#include "duration.h"
#include "fail.h"
#include "signame.h"

const char cli_ready_forms[] =
    "use fd[:N], notify, log:REGEX, tcp:[HOST:]PORT, exec:COMMAND or exit";

typedef enum {
  KEY_READY,
  KEY_READY_TIMEOUT,
  KEY_MIN_UPTIME,
  KEY_WATCHDOG,
  KEY_AFTER,
  KEY_TIMEOUT,
  KEY_KILL_AFTER,
  KEY_STOP_SIGNAL,
  KEY_SUPERVISE
} key_kind_t;

static const struct {
  const char* key;
  key_kind_t kind;
  cli_supervise_option_t sup;
} keys[] = {
  { "ready", KEY_READY, 0 },
  { "ready-timeout", KEY_READY_TIMEOUT, 0 },
  { "min-uptime", KEY_MIN_UPTIME, 0 },
  { "watchdog", KEY_WATCHDOG, 0 },
  { "after", KEY_AFTER, 0 },
  { "timeout", KEY_TIMEOUT, 0 },
  { "kill-after", KEY_KILL_AFTER, 0 },
  { "stop-signal", KEY_STOP_SIGNAL, 0 },
  { "restart", KEY_SUPERVISE, CLI_SUP_RESTART },
  { "restart-delay", KEY_SUPERVISE, CLI_SUP_DELAY },
  { "restart-delay-max", KEY_SUPERVISE, CLI_SUP_DELAY_MAX },
  { "restart-reset", KEY_SUPERVISE, CLI_SUP_RESET },
  { "restart-limit", KEY_SUPERVISE, CLI_SUP_LIMIT },
  { "success-exit", KEY_SUPERVISE, CLI_SUP_SUCCESS },
  { "retries", KEY_SUPERVISE, CLI_SUP_RETRIES },
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static int find_key(const char* key) {
  for (size_t i = 0; i < NKEYS; i++) {
    if (strcmp(keys[i].key, key) == 0) {
      return (int)i;
    }
  }
  return -1;
}

int cli_worker_key(const char* key) {
  return find_key(key) >= 0;
}

int cli_worker_stack_key(const char* key) {
  int k = find_key(key);
  return k >= 0 && keys[k].kind != KEY_SUPERVISE;
}

void cli_worker_init(cli_worker_t* w, const cli_supervise_t* sup) {
  memset(w, 0, sizeof(*w));
  if (sup != NULL) {
    w->supervise = *sup;
  } else {
    cli_supervise_init(&w->supervise);
  }
  w->ready_timeout_ms = 60000;
  w->min_uptime_ms = 1000;
  w->start_retries = -1;
  w->kill_after_ms = 5000;
  w->stop_signal = SIGTERM;
}

static int set_string(char** to, const char* value) {
  char* copy = value != NULL ? strdup(value) : NULL;
  if (value != NULL && copy == NULL) {
    return -1;
  }
  free(*to);
  *to = copy;
  return 0;
}

int cli_worker_copy(cli_worker_t* to, const cli_worker_t* from) {
  *to = *from;
  to->ready = NULL;
  to->after = NULL;
  /* The defaults were finished: --retries is in restart and limit now. */
  to->supervise.retries = 0;
  to->supervise.restart_set = 0;
  to->supervise.limit_set = 0;
  if (set_string(&to->ready, from->ready) != 0 ||
      set_string(&to->after, from->after) != 0) {
    cli_worker_free(to);
    return -1;
  }
  return 0;
}

void cli_worker_free(cli_worker_t* w) {
  free(w->ready);
  free(w->after);
  w->ready = NULL;
  w->after = NULL;
}

static int set_duration(uint64_t* to,
                        const char* shown,
                        const char* value,
                        char* err,
                        size_t errlen) {
  if (cli_duration_parse(value, to) != 0) {
    return cli_fail(err, errlen,
                    "%s '%s': not a duration (e.g. 500ms, 2s, 1m; 0: none)",
                    shown, value);
  }
  return 0;
}

int cli_worker_set(cli_worker_t* w,
                   const char* key,
                   const char* shown,
                   const char* value,
                   char* err,
                   size_t errlen) {
  int k = find_key(key);
  if (k < 0) {
    return cli_fail(err, errlen, "unknown setting '%s'", shown);
  }
  switch (keys[k].kind) {
  case KEY_READY:
    if (uvsup_check_ready(value) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': %s (a REGEX must compile, with no "
                      "repetition right after another, its repetitions "
                      "expanding to at most %d atoms)",
                      shown, value, cli_ready_forms,
                      UVSUP_READY_REGEX_MAX_ATOMS);
    }
    return set_string(&w->ready, value) == 0
               ? 0
               : cli_fail(err, errlen, "out of memory");
  case KEY_AFTER:
    if (uvsup_check_after(value) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use NAME[:CONDITION][:restart],... with "
                      "CONDITION started, ready, succeeded or completed",
                      shown, value);
    }
    return set_string(&w->after, value) == 0
               ? 0
               : cli_fail(err, errlen, "out of memory");
  case KEY_READY_TIMEOUT:
    return set_duration(&w->ready_timeout_ms, shown, value, err, errlen);
  case KEY_MIN_UPTIME:
    return set_duration(&w->min_uptime_ms, shown, value, err, errlen);
  case KEY_WATCHDOG:
    return set_duration(&w->watchdog_ms, shown, value, err, errlen);
  case KEY_TIMEOUT:
    if (set_duration(&w->timeout_ms, shown, value, err, errlen) != 0) {
      return -1;
    }
    return w->timeout_ms > 0
               ? 0
               : cli_fail(err, errlen, "%s '%s': the timeout must be above 0",
                          shown, value);
  case KEY_KILL_AFTER:
    return set_duration(&w->kill_after_ms, shown, value, err, errlen);
  case KEY_STOP_SIGNAL: {
    int sig = cli_stop_signal_parse(shown, value, err, errlen);
    if (sig < 0) {
      return -1;
    }
    w->stop_signal = sig;
    return 0;
  }
  case KEY_SUPERVISE:
    return cli_supervise_option(&w->supervise, keys[k].sup, shown, value, err,
                                errlen);
  }
  return 0;
}

int cli_worker_finish(cli_worker_t* w, char* err, size_t errlen) {
  if (cli_supervise_finish(&w->supervise, err, errlen) != 0) {
    return -1;
  }
  if (w->watchdog_ms > 0 && w->ready != NULL &&
      strcmp(w->ready, "notify") != 0 && strncmp(w->ready, "tcp:", 4) != 0 &&
      strncmp(w->ready, "exec:", 5) != 0) {
    return cli_fail(err, errlen,
                    "--watchdog needs --ready notify, tcp:... or exec:...");
  }
  if (w->watchdog_ms > 0 && w->ready == NULL) {
    return cli_fail(err, errlen,
                    "--watchdog needs --ready notify, tcp:... or exec:...");
  }
  return 0;
}
