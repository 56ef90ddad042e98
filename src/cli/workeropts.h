/* One worker's settings in a stack: readiness, dependencies and restart
 * options, given after -n NAME or in a Procfile "#uvsup NAME:" line, put
 * over the defaults. One table of keys (the long option names) serves the
 * command line and the Procfile. Pure: tested without processes. */
#ifndef UVSUP_CLI_WORKEROPTS_H
#define UVSUP_CLI_WORKEROPTS_H

#include <stddef.h>
#include <stdint.h>

#include "supervise.h"

typedef struct {
  cli_supervise_t supervise;
  char* ready; /* owned; NULL: none */
  uint64_t ready_timeout_ms;
  uint64_t min_uptime_ms;
  uint64_t watchdog_ms;
  int start_retries; /* failed starts in a row before giving up; -1: none */
  char* after;       /* owned; NULL: none */
  /* The stop sequence, per worker (--timeout, --kill-after, --stop-signal). */
  uint64_t timeout_ms; /* 0: none */
  uint64_t kill_after_ms;
  int stop_signal;
} cli_worker_t;

/* One setting as given: key is the long option name without "--". */
typedef struct {
  const char* key;
  const char* value;
} cli_setting_t;

/* Defaults: restart settings from sup, no check, 60s ready timeout, 1s
 * minimum uptime, no limit of failed starts, no watchdog, no dependency, no
 * timeout, SIGTERM and 5s of grace. */
void cli_worker_init(cli_worker_t* w, const cli_supervise_t* sup);
/* A deep copy of from (the supervise part as it was before its finish:
 * --retries applied already is not applied twice). Returns 0 or -1. */
int cli_worker_copy(cli_worker_t* to, const cli_worker_t* from);
void cli_worker_free(cli_worker_t* w);

/* 1 when key is a per-worker setting (ready, after, restart, ...). */
int cli_worker_key(const char* key);
/* 1 when key is one of the stack's own (ready, ready-timeout, min-uptime,
 * watchdog, after), which args.c does not know. */
int cli_worker_stack_key(const char* key);

/* Applies key=value; shown names it in the message ("--ready", "ready").
 * Returns 0, or -1 with one message in err. */
int cli_worker_set(cli_worker_t* w,
                   const char* key,
                   const char* shown,
                   const char* value,
                   char* err,
                   size_t errlen);

/* The checks across settings once all are applied. */
int cli_worker_finish(cli_worker_t* w, char* err, size_t errlen);

/* The usage of --ready, for messages. */
extern const char cli_ready_forms[];

#endif
