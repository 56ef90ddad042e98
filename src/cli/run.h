/* Running the jobs on a loop: supervisor, signals, --halt, results. */
#ifndef UVSUP_CLI_RUN_H
#define UVSUP_CLI_RUN_H

#include <stddef.h>
#include <uvsup.h>

#include <uv.h>

#include "args.h"
#include "events.h"
#include "forward.h"
#include "jobs.h"
#include "live.h"
#include "output.h"
#include "signals.h"
#include "summary.h"

typedef struct {
  uv_loop_t loop;
  uvsup_t* sup;
  const cli_args_t* args;
  const uvsup_result_t** results; /* by job index, filled as runs end */
  uvsup_worker_t** workers;       /* by job index */
  uint64_t* first_start_ns;       /* by job index: its first run's start */
  unsigned* restarts;             /* by job index, for the summary */
  size_t count;
  const cli_jobs_t* jobs;
  size_t next_job;           /* jobs before it have been added */
  size_t in_flight;          /* added, not yet finished for good */
  unsigned limit;            /* at most this many in flight; 0: no limit */
  unsigned long* slot_of;    /* by job index: its slot ({%}) */
  unsigned long* free_slots; /* slots given back, reused first */
  size_t nfree_slots;
  unsigned long slots_made;    /* slots 1..slots_made exist */
  int slot_in_program;         /* {%}: each job's argv is built when added */
  uvsup_result_t* not_started; /* for jobs never added (halt, signal) */
  cli_live_level_t live;
  cli_events_t events;
  uvsup_summary_t totals;
  cli_stop_reason_t stop_reason;
  int stop_signal;     /* the first signal that stopped uvsup */
  int halt_on_success; /* the halt was triggered by successes */
  unsigned halt_seen;  /* results counted towards --halt */
  int done;            /* on_done has run: every worker has ended */
  cli_signals_t signals;
  int init;              /* --init, or PID 1: an init's duties */
  cli_forward_t forward; /* with init: signals passed on */
  cli_output_t* output;
} cli_run_t;

/* Adds the jobs as slots free up (-j), runs them all to the end and
 * writes out their output. Returns 0 when the run happened (see results), or -1
 * with a message in err when it could not start; then no worker was started.
 * After 0, uvsup's signals are still watched (a signal is held, not
 * acted on by default) until cli_run_dispose(). */
int cli_run(cli_run_t* run,
            const cli_args_t* a,
            const cli_jobs_t* jobs,
            char* err,
            size_t errlen);

/* The exit status for the finished run (see the README's table); with
 * --init, the program's (init_status). */
int cli_run_exit_status(const cli_run_t* run);

/* Fills s for the summary formatters; valid until cli_run_dispose(). */
void cli_run_summary(const cli_run_t* run, cli_summary_t* s);

void cli_run_dispose(cli_run_t* run);

#endif
