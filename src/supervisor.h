/* The supervisor: its lifecycle, the workers it holds, and the events its
 * workers report up to it. */
#ifndef UVSUP_SUPERVISOR_H
#define UVSUP_SUPERVISOR_H

#include <assert.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "list.h"
#include "queue.h"
#include "reap.h"
#include "schedule.h"
#include "spawner/spawner.h"
#include "table.h"
#include "uvsup.h"

/* The supervisor's lifecycle. */
typedef enum {
  SUP_IDLE = 0, /* created, not started */
  SUP_STARTED,  /* uvsup_start() called */
  SUP_ORPHANS,  /* every worker finished; with reap_orphans, stopping the
                   orphans left (reap.c) */
  SUP_CLOSING,  /* everything finished; closing the supervisor's handles */
  SUP_DONE      /* on_done has run */
} uvsup_sup_state_t;

struct uvsup_s {
  uv_loop_t* loop;
  uvsup_options_t opts;
  uvsup_sup_state_t state;
  int stopping;     /* uvsup_stop() or uvsup_drain(): start nothing new */
  int held;         /* uvsup_hold(): start nothing until let go */
  pthread_t thread; /* the loop's: every call comes from it */
  /* Reports what needs no handle (workers never started) and spawns, from
   * the loop rather than from inside the caller's call; its close callback
   * is where on_done fires, so on_done always comes from the loop too. */
  uv_idle_t idle;
  uvsup_queue_t queue;
  uvsup_sched_t sched;     /* workers waiting out a restart delay */
  uvsup_link_t all;        /* every worker not released, in the order added */
  uvsup_link_t live;       /* workers with a live run, newest first */
  uvsup_link_t skipped;    /* workers to report without a run */
  uvsup_link_t to_release; /* released during a walk: freed after it */
  int walking;             /* walks of `all` under way */
  size_t workers;          /* not released */
  size_t running;          /* workers with a live run */
  size_t unfinished;       /* not finished for good */
  uint64_t next_seq;       /* the order of adding */
  uint64_t rng;            /* restart jitter */
  uvsup_table_t by_pid;
  uvsup_table_t by_name;
  uvsup_summary_t summary;
  uint64_t start_ns;
  uvsup_output_sink_t sink;
  uvsup_spawner_t* spawner;  /* from uvsup_start() until closing */
  uv_timer_t stop_timer;     /* stop_timeout_ms: SIGKILL to what is left */
  char* detail;              /* uvsup_error_detail() */
  uvsup_reaper_t reaper;     /* with opts.reap_orphans */
  uvsup_link_t ahead_slots;  /* runs that may take a spawn asked ahead */
  uvsup_link_t ahead_parked; /* spawns asked ahead that wait (ahead.c) */
  size_t ahead_waiting;      /* how many */
};

/* A call from another thread than the loop's is a programmer error. */
#define UVSUP_ASSERT_THREAD(sup) \
  assert(pthread_equal((sup)->thread, pthread_self()))

/* Something is to be done from the loop: reports, the next slice. */
void uvsup__sup_wake(uvsup_t* sup);
/* 1 while new runs may start (started, not stopping, not held). */
int uvsup__sup_may_start(const uvsup_t* sup);
/* After a worker's event: start what may start, finish when all is done. */
void uvsup__sup_changed(uvsup_t* sup);
/* Counts (sign 1) a worker finished for good in the summary, or takes it
 * back (sign -1) when it starts again. */
void uvsup__sup_count(uvsup_t* sup, uvsup_worker_t* worker, int sign);
/* A finished worker starts again. */
void uvsup__sup_revive(uvsup_t* sup, uvsup_worker_t* worker);
/* Takes a finished worker's name out of the index, so it can be reused. */
void uvsup__sup_free_name(uvsup_t* sup, uvsup_worker_t* worker);
/* Frees a finished worker. */
void uvsup__sup_release(uvsup_t* sup, uvsup_worker_t* worker);
/* The restart policy restarts worker at due: the strategy moves others. */
void uvsup__sup_strategy(uvsup_t* sup, uvsup_worker_t* worker, uint64_t due);

#endif
