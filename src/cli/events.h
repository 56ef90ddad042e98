/* --events FILE: one JSON object per line for every worker event, flushed
 * per line so `tail -f` and other programs can follow it. */
#ifndef UVSUP_CLI_EVENTS_H
#define UVSUP_CLI_EVENTS_H

#include <stddef.h>
#include <stdio.h>
#include <uvsup.h>

#include "buf.h"

typedef struct {
  FILE* file; /* NULL: no events wanted */
  int failed; /* a write failed; said once */
} cli_events_t;

/* Opens path for appending. Returns 0, or -1 with a message in err. */
int cli_events_open(cli_events_t* ev,
                    const char* path,
                    char* err,
                    size_t errlen);
void cli_events_close(cli_events_t* ev);

/* Formats one event line into b (pure, for tests): {"time":...,
 * "event":...,"name":...,"run":N} plus the fields of the event. */
void cli_events_format_state(cli_buf_t* b,
                             const char* time,
                             const char* name,
                             unsigned run,
                             uvsup_state_t from,
                             uvsup_state_t to,
                             int pid,
                             uint64_t delay_ms);
void cli_events_format_exit(cli_buf_t* b,
                            const char* time,
                            const uvsup_result_t* r);

/* Writes a state change or a run's end, stamped with the time now.
 * Returns 0, or -1 the first time a write fails (for the caller to say;
 * ev->failed stays set and marks the output as lost). */
int cli_events_state(cli_events_t* ev,
                     uvsup_worker_t* worker,
                     uvsup_state_t from,
                     uvsup_state_t to);
int cli_events_exit(cli_events_t* ev, const uvsup_result_t* r);

/* A STATUS= a worker sent: {"event":"status","text":...}. */
int cli_events_status(cli_events_t* ev,
                      uvsup_worker_t* worker,
                      const char* text);

#endif
