/* A worker and its state machine: what it runs, where it is in its life, and
 * what the end of each run means for it (restart, give up, finish). */
#ifndef UVSUP_WORKER_H
#define UVSUP_WORKER_H

#include <stdint.h>

#include "backoff.h"
#include "deps.h"
#include "list.h"
#include "ready.h"
#include "run.h"
#include "schedule.h"
#include "spec.h"
#include "uvsup.h"

/* Causes, as bits: what was asked of the worker, not where it is. */
enum {
  WORKER_RESTART_ASKED = 1 << 0, /* start again once the run ends */
  WORKER_RELEASE_ASKED = 1 << 1, /* free it once its transition ends */
  WORKER_NAME_FREED = 1 << 2,    /* released or about to be: the name is
                                    free for a new worker */
  WORKER_STOP_ASKED = 1 << 3,    /* uvsup_stop_worker(): no restart after
                                    this run, however it ends */
  WORKER_STOP_PENDING = 1 << 4,  /* a stop asked while its spawn awaits the
                                    helper's answer: sent, and shown
                                    (STOPPING) once spawned */
  WORKER_STOP_DEFERRED = 1 << 5  /* a shutdown waits for its dependents to
                                    finish before stopping it */
};

struct uvsup_worker_s {
  uvsup_t* sup;
  uvsup_spec_t* spec;
  void* data;
  uint64_t timeout_ms;
  uint64_t kill_after_ms;
  int stop_signal;
  uvsup_output_mode_t output;
  uvsup_input_mode_t input;
  uvsup_restart_t restart;
  uint8_t success_codes[32]; /* bit per exit code that counts as success */
  uvsup_backoff_policy_t policy;
  uvsup_backoff_t backoff;
  uvsup_state_t state; /* read with a switch; changed only in worker.c */
  unsigned causes;
  uvsup_run_t* run; /* the live run, while RUNNING or STOPPING */
  uvsup_result_t result;
  int has_result; /* result holds a reported run (or skip) */
  int counted;    /* counted in the summary as finished for good */
  int skip_error; /* why a worker could not start at all, or 0 */
  int busy;       /* transitions under way that call out: no free */
  unsigned runs;
  unsigned restarts;
  int start_retries;        /* failed starts in a row allowed; -1: no limit */
  unsigned failed_starts;   /* in a row, since the last run that got ready */
  uint64_t restart_due;     /* uv_now() at which an asked restart may start */
  uvsup_sched_entry_t wake; /* in the supervisor's schedule while BACKOFF */
  uvsup_link_t all;         /* every worker, in the order added */
  uvsup_link_t line;        /* the one queue it waits in: pending, descriptors,
                               skipped (to report) */
  uvsup_link_t live;        /* RUNNING and STOPPING workers, newest first */
  uint32_t name_hash;
  /* Readiness (ready.c): settings, and what this run has shown. */
  uvsup_ready_conf_t ready;
  uint64_t ready_ns; /* this run: spawn to ready; 0: not yet */
  uvsup_end_t fault; /* this run failed its check: NOT_READY, WATCHDOG;
                        else 0 */
  int started_once;  /* spawned at least once */
  char status[256];  /* the last STATUS= */
  int has_status;
  /* Dependencies (stack.c). */
  uvsup_dep_edge_t* edges;
  size_t nedges;
  uvsup_worker_t** deps;       /* by edge; NULL: released */
  uint8_t* released_met;       /* by edge, once released: 1 when it had
                                  met the edge (a released worker finished
                                  for good, so that stays true) */
  uvsup_worker_t** dependents; /* those with an edge to it */
  size_t ndependents;
  size_t dependents_cap;
  int deferred_signal; /* with WORKER_STOP_DEFERRED */
  size_t graph_index;  /* its node in the cycle check */
  char reason[160];    /* why it was skipped */
};

/* Checks opts beyond what the supervisor checks. Returns 0 or UV_EINVAL. */
int uvsup__worker_options_check(const uvsup_worker_options_t* opts);
/* Makes a QUEUED worker of checked opts; seq orders it among the others.
 * Returns 0 or UV_ENOMEM. */
int uvsup__worker_new(uvsup_t* sup,
                      const uvsup_worker_options_t* opts,
                      uint64_t seq,
                      uvsup_worker_t** worker);
void uvsup__worker_free(uvsup_worker_t* worker);

/* QUEUED -> RUNNING: spawns a run; calls on_start. */
void uvsup__worker_start(uvsup_worker_t* worker, uvsup_run_t* after);
/* A stop request (signum 0: its own stop signal). Returns 0, or
 * UVSUP_ESTATE when it is finished. */
int uvsup__worker_stop(uvsup_worker_t* worker, int signum);
/* uvsup_restart_worker() and uvsup_start_worker(). */
int uvsup__worker_restart(uvsup_worker_t* worker, int only_finished);
/* SKIPPED, unreported -> reported (on_exit) without a run. */
void uvsup__worker_report_skipped(uvsup_worker_t* worker);
/* The schedule says the worker's restart delay is over. */
void uvsup__worker_due(uvsup_worker_t* worker);
/* A strategy stops this worker because another restarts at due. */
void uvsup__worker_strategy_stop(uvsup_worker_t* worker, uint64_t due);
/* Finished for good: FINISHED, GAVE_UP, or SKIPPED and reported. */
int uvsup__worker_finished(const uvsup_worker_t* worker);
/* 1 while a transition of the worker is under way (callbacks running):
 * a release must wait for it. */
int uvsup__worker_busy(const uvsup_worker_t* worker);

/* run.c: the spawn of the worker's run is answered (spawned, failed, or
 * lost): QUEUED -> RUNNING, on_start. */
void uvsup__worker_run_spawned(uvsup_run_t* run);
/* run.c: the worker's run is finished (every handle closed). */
void uvsup__worker_run_finished(uvsup_run_t* run);
/* run.c, before the spawn: makes the run's readiness check (closed as one
 * of the run's handles, on_closed then), its descriptor in stdio and its
 * environment in *env (malloc'd; NULL: the worker's own). Returns 0 or a
 * libuv error (then on_closed follows, if the check was made). */
int uvsup__worker_prepare_run(uvsup_worker_t* worker,
                              uvsup_run_t* run,
                              uvsup_ready_closed_fn on_closed,
                              uv_stdio_container_t* stdio,
                              int* stdio_count,
                              char*** env);
/* run.c: the run's readiness check says something. */
void uvsup__worker_ready_event(uvsup_ready_t* ready, uvsup_ready_event_t ev);

/* Puts a worker that is to start (again) where its dependencies say:
 * QUEUED, WAITING, or SKIPPED with a reason. */
void uvsup__worker_admit(uvsup_worker_t* worker);
/* A dependency restarts: this worker restarts after it is ready again. */
void uvsup__worker_dep_restart(uvsup_worker_t* worker);
/* STARTING, READY or STOPPING: a process of it lives or its run ends. */
int uvsup__worker_live(const uvsup_worker_t* worker);

#endif
