/* The supervisor: its lifecycle, the workers it holds, and the events its
 * workers report up to it. */
#ifndef UVSUP_SUPERVISOR_H
#define UVSUP_SUPERVISOR_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "group.h"
#include "list.h"
#include "queue.h"
#include "table.h"
#include "uvsup.h"

/* The supervisor's lifecycle. */
typedef enum {
  SUP_IDLE = 0, /* created, not started */
  SUP_STARTED,  /* uvsup_start() called */
  SUP_CLOSING,  /* everything finished; closing the supervisor's handles */
  SUP_DONE      /* on_done has run */
} uvsup_sup_state_t;

struct uvsup_s {
  uv_loop_t* loop;
  uvsup_options_t opts;
  uvsup_sup_state_t state;
  int stopping; /* uvsup_stop() or uvsup_drain(): start nothing new */
  /* Reports what needs no handle (workers never started) from the loop
   * rather than from inside the caller's call; its close callback is where
   * on_done fires, so on_done always comes from the loop too. */
  uv_idle_t idle;
  uvsup_queue_t queue;
  uvsup_link_t all;     /* every worker, in the order added */
  uvsup_link_t live;    /* workers with a live run, newest first */
  uvsup_link_t skipped; /* workers to report without a run */
  size_t running;       /* workers with a live run */
  size_t unfinished;    /* added and not yet FINISHED */
  uvsup_table_t by_pid;
  uvsup_table_t by_name;
  uvsup_summary_t summary;
  uint64_t start_ns;
  uvsup_output_sink_t sink;
  uvsup_group_scan_t group_scan;
};

/* Something is to be done from the loop: reports, the next slice. */
void uvsup__sup_wake(uvsup_t* sup);
/* worker.c: a worker is finished for good and reported. */
void uvsup__sup_worker_finished(uvsup_t* sup, uvsup_worker_t* worker);

#endif
