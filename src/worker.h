/* A worker and its state machine: what it runs, where it is in its life, and
 * what the end of each run means for it. */
#ifndef UVSUP_WORKER_H
#define UVSUP_WORKER_H

#include <stdint.h>

#include "list.h"
#include "run.h"
#include "spec.h"
#include "uvsup.h"

/* A worker's life. Read with a switch; every transition is in worker.c. */
typedef enum {
  WORKER_QUEUED = 0, /* waiting for a slot, or for uvsup_start() */
  WORKER_RUNNING,    /* a run is live: spawned, or its handles closing */
  WORKER_STOPPING,   /* a stop was asked of the live run */
  WORKER_BACKOFF,    /* waiting to start again: for a descriptor */
  WORKER_SKIPPED,    /* will be reported, from the loop, without a run */
  WORKER_FINISHED    /* finished for good; its result is reported */
} uvsup_worker_state_t;

struct uvsup_worker_s {
  uvsup_t* sup;
  uvsup_spec_t* spec;
  void* data;
  uint64_t timeout_ms;
  uint64_t kill_after_ms;
  int stop_signal;
  uvsup_output_mode_t output;
  uvsup_worker_state_t state;
  uvsup_run_t* run; /* the live run, while RUNNING or STOPPING */
  uvsup_result_t result;
  int skip_error;    /* why a SKIPPED worker could not start, or 0 */
  uvsup_link_t all;  /* every worker, in the order added */
  uvsup_link_t line; /* the one queue it waits in: pending, descriptors,
                        skipped */
  uvsup_link_t live; /* RUNNING and STOPPING workers, newest first */
  uint32_t name_hash;
};

/* Makes a QUEUED worker of opts (checked by the caller). Returns 0 or
 * UV_ENOMEM. */
int uvsup__worker_new(uvsup_t* sup,
                      const uvsup_worker_options_t* opts,
                      uvsup_worker_t** worker);
void uvsup__worker_free(uvsup_worker_t* worker);

/* QUEUED -> RUNNING: spawns a run; calls on_start. */
void uvsup__worker_start(uvsup_worker_t* worker);
/* A stop request for this worker (signum 0: its own stop signal). Returns
 * 0, or UVSUP_ESTATE when it is finished. */
int uvsup__worker_stop(uvsup_worker_t* worker, int signum);
/* -> SKIPPED: the worker will never run; reported from the loop. */
void uvsup__worker_skip(uvsup_worker_t* worker);
/* SKIPPED -> FINISHED: reports it (on_exit) without a run. */
void uvsup__worker_report_skipped(uvsup_worker_t* worker);

/* run.c: the worker's run is finished (every handle closed). */
void uvsup__worker_run_finished(uvsup_run_t* run);

#endif
