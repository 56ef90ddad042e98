/* One run of a worker: one process life, from the spawn to the close of its
 * last handle. The run is finished, and its owner told, in one place: when
 * every handle has closed, which happens only once the process has exited,
 * its group is gone (stop.c) and its pipes are at EOF or drained. */
#ifndef UVSUP_RUN_H
#define UVSUP_RUN_H

#include <stdint.h>

#include "capture.h"
#include "spawner/spawner.h"
#include "uvsup.h"

/* Where a run is. Every run passes through them in this order, skipping
 * some: a spawn failure goes straight to RUN_CLOSING. */
typedef enum {
  RUN_SPAWNING = 0,   /* being set up, or the helper not yet answered */
  RUN_RUNNING,        /* the process lives; the timer holds its timeout */
  RUN_STOPPING,       /* stop signal sent to the group; timer: the grace */
  RUN_KILLING,        /* SIGKILL sent to the group; waiting for the exit */
  RUN_GROUP_STOPPING, /* reaped, but its group lives on: stop signal sent,
                         checked until the grace ends */
  RUN_GROUP_KILLING,  /* the same after SIGKILL, until gone or given up */
  RUN_DRAINING,       /* process and group gone; pipes still open */
  RUN_CLOSING         /* every handle closing */
} uvsup_run_phase_t;

/* Why a run ended, when uvsup ended it; the first cause wins. */
enum {
  RUN_STOP_REQUESTED = 1 << 0, /* uvsup_stop() / uvsup_stop_worker() */
  RUN_TIMED_OUT = 1 << 1       /* the run timeout fired */
};

typedef struct uvsup_run_s uvsup_run_t;

struct uvsup_run_s {
  uvsup_worker_t* worker; /* the owner, told when the run is finished */
  uvsup_t* sup;
  uvsup_proc_t proc; /* the spawner's view of its process */
  uv_timer_t timer;  /* stop.c: timeout, grace, leftover checks */
  uvsup_capture_t capture;
  int captured;
  uvsup_run_phase_t phase;
  unsigned causes;
  int open_handles;         /* the proc, the timer, the capture (as one) */
  int pid;                  /* also the process group id (setsid) */
  int spawn_error;          /* negative libuv code, or 0 */
  int shortage;             /* spawn_error is a shortage that other runs hold */
  int lost;                 /* the spawn helper died: its end is unknown */
  int querying;             /* a question about its group awaits the answer */
  int stop_leftovers;       /* exited while running: its group's leftovers get
                               the stop signal once they are seen */
  uint64_t pending_signals; /* bit N-1: signal N passed on while the spawn
                               was in flight, sent once it is known */
  int64_t exit_status;
  int term_signal;
  uint64_t start_ns;
  uint64_t duration_ns;
  /* The stop sequence (stop.c), copied from the worker at spawn. */
  uint64_t timeout_ms;
  uint64_t kill_after_ms;
  int stop_signal;
  uint64_t group_check_ms;     /* next wait while a leftover group is checked */
  uint64_t group_deadline;     /* uv_now() of the next escalation or give-up */
  struct uvsup_ready_s* ready; /* its readiness check (ready.c), one of its
                                  handles until closed */
  /* Spawning ahead (ahead.c). */
  struct uvsup_run_s* trigger;   /* asked ahead behind this run, until
                                    answered or that run is finished */
  struct uvsup_run_s* successor; /* the run asked ahead behind this one */
  uvsup_link_t slot_link;        /* in the supervisor's runs that may take
                                    a successor */
  uvsup_link_t parked_link;      /* in the supervisor's parked spawns */
  int asked_ahead;               /* and not yet answered */
  int cancelled;                 /* asked ahead and cancelled: it never ran */
};

/* Starts a run of worker and stores it in *run; with after, its spawn is
 * asked ahead behind that run (ahead.c). A spawn failure is recorded
 * in the run (spawn_error) and the run finishes from the loop like any
 * other. Returns 0, or UV_ENOMEM (then nothing was created). */
int uvsup__run_start(uvsup_worker_t* worker,
                     uvsup_run_t* after,
                     uvsup_run_t** run);

/* The pid while the process lives (its exit not yet seen), else 0. */
int uvsup__run_live_pid(const uvsup_run_t* run);

/* A stop was asked: a pause of the output no longer holds the end. */
void uvsup__run_force_output(uvsup_run_t* run);

/* stop.c: the process and every member of its group are gone. */
void uvsup__run_group_gone(uvsup_run_t* run);

/* The events of the spawner, reported to the run of each proc. */
extern const uvsup_spawner_events_t uvsup__run_events;

#endif
