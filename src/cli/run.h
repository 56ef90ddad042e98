/* Running the jobs on a loop: supervisor, signals, --halt, results. */
#ifndef UVSUP_CLI_RUN_H
#define UVSUP_CLI_RUN_H

#include <stddef.h>
#include <uvsup.h>

#include <uv.h>

#include "args.h"
#include "events.h"
#include "forward.h"
#include "joblog.h"
#include "jobs.h"
#include "live.h"
#include "output.h"
#include "progress.h"
#include "signals.h"
#include "stoporder.h"
#include "stream.h"
#include "summary.h"

typedef enum {
  CLI_PROGRESS_NONE = 0,
  CLI_PROGRESS_ETA,      /* --eta */
  CLI_PROGRESS_BAR,      /* --bar */
  CLI_PROGRESS_QUIET_ETA /* the default line of a long batch on a terminal */
} cli_progress_kind_t;

/* What the run knows of one job, by its index (job number - 1). */
typedef struct {
  const uvsup_result_t* result; /* once it ended for good */
  uvsup_worker_t* worker;       /* once added */
  uint64_t first_start_ns;      /* its first run's start */
  uint64_t received;            /* bytes on stdout in its last run */
  unsigned long slot;           /* {%} */
  unsigned restarts;            /* for the summary */
  int skipped;                  /* not run: --resume or --shard */
  char* command; /* --joblog: its command, made when it was added (a
                    streamed value is forgotten once its job is added) */
} cli_job_run_t;

typedef struct {
  uv_loop_t loop;
  uvsup_t* sup;
  const cli_args_t* args;
  cli_jobs_t* jobs;
  cli_job_run_t* job; /* by job index, as many as jobs known */
  size_t capacity;
  size_t next_job;           /* jobs before it have been added or skipped */
  size_t in_flight;          /* added, not yet finished for good */
  unsigned limit;            /* at most this many in flight; 0: no limit */
  unsigned long* free_slots; /* slots given back, reused first */
  size_t nfree_slots;
  unsigned long slots_made;    /* slots 1..slots_made exist */
  uvsup_result_t* not_started; /* for jobs never added (halt, signal) */
  char** not_started_names;
  size_t nnot_started;
  const uvsup_result_t** summary_results; /* made for the summary */
  unsigned* summary_restarts;
  cli_stream_t* stream; /* source 0 as it arrives; NULL once closed */
  cli_live_level_t live;
  cli_events_t events;
  uvsup_summary_t totals;
  cli_stop_reason_t stop_reason;
  int stop_signal;     /* the first signal that stopped uvsup */
  int halt_on_success; /* the halt was triggered by successes */
  int halt_status;     /* done=N: the exit status of the run that did */
  unsigned halt_seen;  /* results counted towards --halt */
  int done;            /* on_done has run: every worker has ended */
  int stack;           /* some worker has --ready or --after */
  cli_signals_t signals;
  cli_stoporder_t order; /* a config's stop by priority */
  int init;              /* --init, or PID 1: an init's duties */
  cli_forward_t forward; /* with init: signals passed on */
  cli_output_t* output;
  cli_joblog_t joblog;      /* --joblog */
  cli_joblog_done_t logged; /* what the joblog held, for a resume */
  uint64_t wall0_ms;        /* the wall clock at hr0_ns, for the joblog */
  uint64_t hr0_ns;
  int slot_in_program;     /* {%}: a job's command differs by its slot */
  unsigned feed_limit;     /* jobs added and not finished, at most */
  size_t skipped;          /* jobs not run: --resume, --shard */
  cli_progress_t progress; /* --bar, --eta, or the default line */
  cli_progress_kind_t progress_kind;
  uv_timer_t progress_timer;
  int progress_drawn; /* a line is on the terminal */
  size_t completed;   /* jobs ended for good */
  const char* newest; /* the newest job's name, for --bar */
} cli_run_t;

/* Adds the jobs as slots free up (-j) and as a streamed source makes
 * them known, runs them all to the end and writes out their output. Returns 0
 * when the run happened (see results), or -1 with a message in err when it
 * could not start; then no worker was started. After 0, uvsup's signals are
 * still watched (a signal is held, not acted on by default) until
 * cli_run_dispose(). */
int cli_run(cli_run_t* run,
            const cli_args_t* a,
            cli_jobs_t* jobs,
            char* err,
            size_t errlen);

/* The joblog side of a run (runlog.c). Opens the joblog (after reading
 * it for a resume) and checks that each job it holds is the command
 * uvsup now makes for that number. Returns 0, or -1 with a message. */
int cli_runlog_open(cli_run_t* run, char* err, size_t errlen);
/* 1 when job i is this run's to run: in its --shard and wanted by its
 * --resume (no check of the command). */
int cli_runlog_wanted(const cli_run_t* run, size_t i);
/* 1 when job i is to be skipped (--shard, --resume*); 0 to run it; -1
 * when the joblog holds another command for it (said on stderr). */
int cli_runlog_skip(cli_run_t* run, size_t i);
/* Job i was added: its command is kept for its joblog line. */
void cli_runlog_added(cli_run_t* run, size_t i);
/* Job i ended for good: its joblog line. */
void cli_runlog_ended(cli_run_t* run, size_t i, const uvsup_result_t* r);
void cli_runlog_close(cli_run_t* run);

/* Progress on stderr (runprogress.c): chosen and started with the run,
 * drawn once more and ended when every worker has ended. */
int cli_runprogress_start(cli_run_t* run);
void cli_runprogress_stop(cli_run_t* run);

/* 1 when bad input stopped the run before any job was added: like an
 * error found before the start, it gets no summary. */
int cli_run_nothing_started(const cli_run_t* run);

/* The exit status for the finished run (see the README's table); with
 * --init, the program's (init_status). */
int cli_run_exit_status(const cli_run_t* run);

/* Fills s for the summary formatters; valid until cli_run_dispose(). */
void cli_run_summary(cli_run_t* run, cli_summary_t* s);

void cli_run_dispose(cli_run_t* run);

#endif
