/* Running the jobs: one supervisor on a private loop, the CLI's signals,
 * --halt, and the results collected for the summary. */
#include "run.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "duration.h"
#include "inputs.h"
#include "output.h"
#include "signame.h"
#include "spawnmode.h"
#include "template.h"

/* Values read ahead of the jobs added: past this many jobs known and not
 * yet added, a streamed source is paused, so memory follows the jobs in
 * flight, not the input. */
#define READ_AHEAD 1024

/* -k: past this many ended jobs waiting for an earlier one, no new job is
 * added (each waiting spool may hold a temporary file). The earlier one
 * was added first, so it runs, or waits to restart, and its end lets them
 * go: no hold of the library's queue, which would also hold its restart. */
#define KEEP_ORDER_WAITING 256

static void free_tables(cli_run_t* run) {
  for (size_t i = 0; i < run->nnot_started; i++) {
    free(run->not_started_names[i]);
  }
  free(run->not_started_names);
  free(run->not_started);
  free(run->job);
  free(run->free_slots);
  free(run->summary_results);
  free(run->summary_restarts);
  run->not_started_names = NULL;
  run->not_started = NULL;
  run->nnot_started = 0;
  run->job = NULL;
  run->free_slots = NULL;
  run->summary_results = NULL;
  run->summary_restarts = NULL;
  run->capacity = 0;
}

static int fail(char* err, size_t errlen, const char* what, int code) {
  snprintf(err, errlen, "%s: %s", what, uvsup_strerror(code));
  return -1;
}

/* Room for every job known so far (a streamed source adds more), and a
 * free slot for each of them. Returns 0 or UV_ENOMEM. */
static int reserve(cli_run_t* run) {
  size_t want = run->jobs->count;
  if (want <= run->capacity) {
    return 0;
  }
  size_t cap = run->capacity ? run->capacity : 16;
  while (cap < want) {
    cap *= 2;
  }
  cli_job_run_t* job = realloc(run->job, cap * sizeof(*job));
  if (job == NULL) {
    return UV_ENOMEM;
  }
  memset(job + run->capacity, 0, (cap - run->capacity) * sizeof(*job));
  run->job = job;
  unsigned long* slots = realloc(run->free_slots, cap * sizeof(*slots));
  if (slots == NULL) {
    return UV_ENOMEM;
  }
  run->free_slots = slots;
  run->capacity = cap;
  return cli_output_reserve(run->output, cap) != 0 ? UV_ENOMEM : 0;
}

/* The CLI's supervision options, as a worker's. */
static void apply_supervise(const cli_supervise_t* s,
                            uvsup_worker_options_t* w);

/* A worker's settings of a stack: readiness, dependencies, restarts. */
static void apply_worker(const cli_args_t* a,
                         const cli_worker_t* k,
                         uvsup_worker_options_t* w) {
  apply_supervise(k != NULL ? &k->supervise : &a->supervise, w);
  if (k == NULL) {
    k = &a->stack;
  }
  w->ready = k->ready;
  w->ready_timeout_ms = k->ready_timeout_ms;
  w->min_uptime_ms = k->min_uptime_ms;
  w->start_retries = k->start_retries;
  w->watchdog_ms = k->watchdog_ms;
  w->after = k->after;
}

static void apply_supervise(const cli_supervise_t* s,
                            uvsup_worker_options_t* w) {
  w->restart = (uvsup_restart_t)s->restart;
  w->restart_delay_ms = s->delay_ms;
  w->restart_delay_max_ms = s->delay_max_ms;
  w->restart_reset_ms = s->reset_ms;
  w->restart_limit = s->limit;
  w->restart_period_ms = s->period_ms;
  w->success_exit_codes = s->success;
  w->success_exit_count = s->nsuccess;
}

/* A config file's settings of one program that no option gives. */
static void apply_job_opts(const cli_job_opts_t* o, uvsup_worker_options_t* w) {
  /* Restarts, readiness and the stop sequence come with its worker
   * settings (cli_jobs_worker()); these are the config's own. */
  w->set_user = o->set_user;
  w->uid = o->uid;
  w->gid = o->gid;
  if (o->log_kind[0] != CLI_LOG_SHOWN || o->log_kind[1] != CLI_LOG_SHOWN) {
    w->output = UVSUP_OUTPUT_CAPTURE; /* uvsup writes its log files */
  }
}

/* Adds job i to the supervisor in a free slot. Returns 0, UV_EINVAL with
 * a message said (the job cannot be made: bad input), or another error. */
static int add_job(cli_run_t* run, size_t i) {
  const cli_args_t* a = run->args;
  unsigned long slot = run->nfree_slots > 0
                           ? run->free_slots[--run->nfree_slots]
                           : ++run->slots_made;
  char err[512];
  cli_job_t job;
  if (cli_jobs_make(run->jobs, i, slot, &job, err, sizeof(err)) != 0) {
    run->free_slots[run->nfree_slots++] = slot;
    cli_output_say(run->output, "%s", err);
    return UV_EINVAL;
  }
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = job.name;
  w.args = job.argv;
  w.file = job.argv[0];
  w.cwd = job.cwd;
  const cli_worker_t* k = cli_jobs_worker(run->jobs, i);
  w.timeout_ms = k != NULL ? k->timeout_ms : a->timeout_ms;
  w.kill_after_ms = k != NULL ? k->kill_after_ms : a->kill_after_ms;
  w.stop_signal = k != NULL ? k->stop_signal : a->stop_signal;
  w.output = cli_output_worker_mode(run->output);
  /* An init's one program reads the container's stdin (docker run -i). */
  w.input = a->mode == CLI_MODE_INIT ? UVSUP_INPUT_INHERIT : UVSUP_INPUT_NULL;
  w.data = (void*)(uintptr_t)i;
  w.env = job.env;
  apply_worker(a, k, &w);
  if (job.opts != NULL) {
    apply_job_opts(job.opts, &w);
  }
  int rc = uvsup_add(run->sup, &w, &run->job[i].worker);
  cli_job_free(&job);
  if (rc == 0) {
    run->job[i].slot = slot;
    run->in_flight++;
    cli_runlog_added(run, i);
    cli_output_set_name(run->output, i, uvsup_worker_name(run->job[i].worker));
    /* A config's log settings, kept by the fixed job as long as the run. */
    cli_output_set_opts(
        run->output, i,
        i < run->jobs->nfixed ? run->jobs->fixed[i].opts : NULL);
  } else {
    run->free_slots[run->nfree_slots++] = slot;
  }
  return rc;
}

/* 1 when job i is not to run (--shard, --resume): its name is still
 * made, so the names of the others do not depend on what was skipped.
 * -1: the joblog holds another command for it (said). */
static int skip_job(cli_run_t* run, size_t i) {
  int skip = cli_runlog_skip(run, i);
  if (skip != 1) {
    return skip;
  }
  cli_job_t job;
  if (cli_jobs_make(run->jobs, i, 0, &job, NULL, 0) == 0) {
    cli_job_free(&job);
  }
  run->job[i].skipped = 1;
  run->skipped++;
  cli_output_skip(run->output, i);
  return 1;
}

/* Whether the next job's spawn may be asked ahead (uvsup_options_t
 * spawn_ahead): not where a success may halt the batch (a job started
 * ahead of it would run), where a job's command holds its slot (a job
 * added ahead has none yet), in a stack, or with captured output (where
 * the library never asks ahead, and the jobs added early would only
 * wait). */
static int spawns_ahead(const cli_run_t* run, const cli_args_t* a) {
  const cli_halt_t* h = &a->halt;
  return run->limit != 0 && !run->stack && !run->slot_in_program &&
         (h->when == CLI_HALT_NEVER || (!h->on_success && !h->on_done)) &&
         cli_output_worker_mode(run->output) != UVSUP_OUTPUT_CAPTURE;
}

/* No job will be added any more: stop reading input. */
static void stop_input(cli_run_t* run) {
  if (run->stream != NULL) {
    cli_stream_close(run->stream, NULL);
    run->stream = NULL;
  }
}

/* Adds jobs while slots are free, so each job's slot ({%}) is known when
 * it is added; once every job has been added and has finished, drains
 * the kept-open supervisor, which then ends. Returns 0 or an error of
 * uvsup_add() (said by the caller). */
static int feed(cli_run_t* run) {
  int rc = reserve(run);
  while (rc == 0 && run->stop_reason == CLI_STOP_NONE &&
         run->next_job < run->jobs->count &&
         (run->limit == 0 || run->in_flight < run->feed_limit) &&
         cli_output_waiting(run->output) < KEEP_ORDER_WAITING) {
    int skip = skip_job(run, run->next_job);
    if (skip < 0) {
      rc = UV_EINVAL; /* another batch than the joblog's: bad input */
    } else if (skip || (rc = add_job(run, run->next_job)) == 0) {
      run->next_job++;
    }
  }
  if (rc != 0) {
    return rc;
  }
  cli_jobs_forget(run->jobs, run->next_job);
  if (run->stream != NULL) {
    if (run->jobs->count - run->next_job >= READ_AHEAD) {
      cli_stream_pause(run->stream);
    } else {
      cli_stream_resume(run->stream);
    }
  }
  int all_added = run->next_job == run->jobs->count && run->jobs->ended;
  if (run->in_flight == 0 && (all_added || run->stop_reason != CLI_STOP_NONE)) {
    stop_input(run);
    uvsup_drain(run->sup);
  }
  return 0;
}

/* Input that cannot be made into jobs (said already): nothing more
 * starts, the running ones finish, and uvsup exits 2. */
static void input_failed(cli_run_t* run) {
  if (run->stop_reason == CLI_STOP_NONE) {
    run->stop_reason = CLI_STOP_INPUT;
  }
  stop_input(run);
  uvsup_drain(run->sup);
}

/* Keeps feeding as jobs end; a job that cannot be added ends the run. */
static void feed_more(cli_run_t* run) {
  int rc = feed(run);
  if (rc == UV_EINVAL) {
    input_failed(run);
  } else if (rc != 0) {
    cli_output_say(run->output, "adding job %zu: %s", run->next_job + 1,
                   uvsup_strerror(rc));
    run->stop_reason = CLI_STOP_HALT;
    stop_input(run);
    uvsup_drain(run->sup);
  }
}

static int on_stream_line(void* data, const char* line, size_t len) {
  cli_run_t* run = data;
  char err[512];
  if (cli_jobs_take_line(run->jobs, line, len, err, sizeof(err)) != 0) {
    cli_output_say(run->output, "%s", err);
    input_failed(run);
    return -1;
  }
  feed_more(run);
  return 0;
}

static void on_stream_end(void* data, int status) {
  cli_run_t* run = data;
  char err[512];
  stop_input(run);
  if (status != 0) {
    cli_output_say(run->output, "reading %s: %s", run->jobs->stream_shown,
                   uv_strerror(status));
    input_failed(run);
  } else if (cli_jobs_end(run->jobs, err, sizeof(err)) != 0) {
    cli_output_say(run->output, "%s", err);
    input_failed(run);
  } else {
    feed_more(run);
  }
}

/* A terminal on standard input: say what uvsup waits for, as parallel
 * does, rather than wait without a word. */
static void hint_terminal(cli_run_t* run) {
  if (strcmp(run->jobs->stream, "-") == 0 && isatty(0)) {
    cli_output_say(run->output,
                   "reading values from the terminal, one per line; Ctrl-D "
                   "ends them (or give them after :::)");
  }
}

/* A job never added (a halt or a signal came first) is reported as not
 * started, as a queued worker would be; it is named now, in order. */
static void fill_not_started(cli_run_t* run) {
  size_t missing = run->jobs->count - run->next_job;
  if (missing == 0) {
    return;
  }
  run->not_started = calloc(missing, sizeof(*run->not_started));
  run->not_started_names = calloc(missing, sizeof(char*));
  if (run->not_started == NULL || run->not_started_names == NULL) {
    return;
  }
  for (size_t i = run->next_job; i < run->jobs->count; i++) {
    cli_job_t job;
    if (cli_jobs_make(run->jobs, i, 0, &job, NULL, 0) != 0) {
      break;
    }
    if (!cli_runlog_wanted(run, i)) {
      /* Another shard's, or done in the joblog: skipped, not missed. */
      cli_job_free(&job);
      run->job[i].skipped = 1;
      run->skipped++;
      continue;
    }
    uvsup_result_t* r = &run->not_started[run->nnot_started];
    run->not_started_names[run->nnot_started++] = job.name;
    job.name = NULL;
    cli_job_free(&job);
    r->name = run->not_started_names[run->nnot_started - 1];
    r->end = UVSUP_END_NOT_STARTED;
    r->exit_status = -1;
    run->job[i].result = r;
  }
}

static void check_halt(cli_run_t* run, const uvsup_result_t* r) {
  const cli_halt_t* halt = &run->args->halt;
  /* A run that will be tried again is not yet a job's end (GNU parallel
   * counts a job with --retries once, by its last try). */
  if (halt->when == CLI_HALT_NEVER || run->stop_reason != CLI_STOP_NONE ||
      r->next == UVSUP_NEXT_RESTART) {
    return;
  }
  int failed =
      !r->ok && r->end != UVSUP_END_STOPPED && r->end != UVSUP_END_NOT_STARTED;
  int counted = halt->on_done      ? r->end != UVSUP_END_NOT_STARTED
                : halt->on_success ? r->ok
                                   : failed;
  if (!counted || ++run->halt_seen < halt->count) {
    return;
  }
  run->stop_reason = CLI_STOP_HALT;
  run->halt_on_success = halt->on_success;
  /* As foreman and honcho exit: with the status of the one that ended. */
  run->halt_status = r->exit_status >= 0  ? (int)(r->exit_status & 0xff)
                     : r->term_signal > 0 ? 128 + r->term_signal
                                          : 1;
  stop_input(run);
  if (halt->when == CLI_HALT_SOON) {
    uvsup_drain(run->sup);
  } else {
    uvsup_stop(run->sup, 0);
  }
}

static void on_output(uvsup_t* sup,
                      uvsup_worker_t* worker,
                      const uvsup_output_t* output) {
  cli_run_t* run = uvsup_get_data(sup);
  size_t job = (uintptr_t)uvsup_worker_data(worker);
  if (output->stream == 1) {
    run->job[job].received += output->len + (output->newline ? 1 : 0);
  }
  cli_output_chunk(run->output, worker, job, output);
}

/* The worker is finished for good: its slot is free for the next job. */
static void job_finished(cli_run_t* run, size_t job) {
  cli_stoporder_next(&run->order, run->next_job);
  run->completed++;
  run->free_slots[run->nfree_slots++] = run->job[job].slot;
  run->in_flight--;
  feed_more(run);
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* result) {
  cli_run_t* run = uvsup_get_data(sup);
  size_t job = (uintptr_t)uvsup_worker_data(worker);
  cli_output_run_ended(run->output, job, result->next != UVSUP_NEXT_RESTART);
  /* Kept from the first run on: a worker stopped while it waits to restart
   * ends with this result and no further on_exit (on_state says it). */
  run->job[job].result = result;
  if (result->next != UVSUP_NEXT_RESTART) {
    cli_runlog_ended(run, job, result);
  }
  if (cli_live_wanted(run->live, result)) {
    cli_buf_t line;
    cli_buf_init(&line);
    cli_live_exit_line(&line, result,
                       uv_hrtime() - run->job[job].first_start_ns);
    cli_output_say(run->output, "%s", line.data != NULL ? line.data : "");
    cli_buf_free(&line);
  }
  if (run->args->mode == CLI_MODE_INIT &&
      result->end == UVSUP_END_SPAWN_FAILED) {
    /* An init says nothing else, but a program it cannot run. */
    cli_output_say(run->output, "cannot run %s: %s", run->args->program[0],
                   uvsup_strerror(result->error));
  }
  if (cli_events_exit(&run->events, result) != 0) {
    cli_output_say(run->output, "--events: cannot write; events are lost");
  }
  check_halt(run, result);
  if (result->next != UVSUP_NEXT_RESTART) {
    job_finished(run, job);
  }
}

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  cli_run_t* run = uvsup_get_data(sup);
  size_t job = (uintptr_t)uvsup_worker_data(worker);
  if (run->job[job].first_start_ns == 0) {
    run->job[job].first_start_ns = uvsup_worker_start_ns(worker);
  }
  run->job[job].received = 0; /* the joblog counts the last run's */
  run->newest = uvsup_worker_name(worker);
}

/* "db" (the first dependency not met), or "its dependencies". */
static void put_waiting_for(cli_buf_t* b, uvsup_worker_t* worker) {
  const char* dep = uvsup_worker_waiting_for(worker);
  cli_put_safe(b, dep != NULL ? dep : "its dependencies");
}

/* A live line for the changes a stack's user waits for. */
static void say_state(cli_run_t* run,
                      uvsup_worker_t* worker,
                      uvsup_state_t to) {
  /* Only a stack's: a plain Procfile's lines stay as they were. */
  if (run->live != CLI_LIVE_ALL || !run->stack ||
      (to != UVSUP_STATE_READY && to != UVSUP_STATE_WAITING &&
       to != UVSUP_STATE_STARTING)) {
    return;
  }
  cli_buf_t line;
  cli_buf_init(&line);
  cli_put_safe(&line, uvsup_worker_name(worker));
  if (to == UVSUP_STATE_READY) {
    uvsup_worker_stats_t stats;
    uvsup_worker_stats(worker, &stats);
    char took[32];
    cli_buf_printf(&line, ": ready after %s",
                   cli_duration_format(took, sizeof(took), stats.ready_ns));
  } else if (to == UVSUP_STATE_STARTING) {
    int pid = uvsup_worker_pid(worker);
    if (pid == 0) {
      cli_buf_free(&line);
      return; /* a spawn failure: its end says so */
    }
    cli_buf_printf(&line, ": starting (pid %d)", pid);
  } else {
    cli_buf_puts(&line, ": waiting for ");
    put_waiting_for(&line, worker);
  }
  cli_output_say(run->output, "%s", line.data != NULL ? line.data : "");
  cli_buf_free(&line);
}

static void on_state(uvsup_t* sup,
                     uvsup_worker_t* worker,
                     uvsup_state_t from,
                     uvsup_state_t to) {
  cli_run_t* run = uvsup_get_data(sup);
  if (from == UVSUP_STATE_BACKOFF && to == UVSUP_STATE_FINISHED) {
    /* Stopped while it waited to restart: no run ends, so no on_exit. */
    job_finished(run, (uintptr_t)uvsup_worker_data(worker));
  }
  if (cli_events_state(&run->events, worker, from, to) != 0) {
    cli_output_say(run->output, "--events: cannot write; events are lost");
  }
  say_state(run, worker, to);
}

static void on_status(uvsup_t* sup, uvsup_worker_t* worker, const char* text) {
  cli_run_t* run = uvsup_get_data(sup);
  if (cli_events_status(&run->events, worker, text) != 0) {
    cli_output_say(run->output, "--events: cannot write; events are lost");
  }
  if (run->live == CLI_LIVE_ALL) {
    cli_buf_t line;
    cli_buf_init(&line);
    cli_put_safe(&line, uvsup_worker_name(worker));
    cli_buf_puts(&line, ": status: ");
    cli_put_safe(&line, text);
    cli_output_say(run->output, "%s", line.data != NULL ? line.data : "");
    cli_buf_free(&line);
  }
}

/* stdout's reader left (uvsup ... | head): stop the workers with the stop
 * sequence and exit 141, 128 + SIGPIPE, as a shell pipeline expects. */
static void reader_gone(void* data) {
  cli_run_t* run = data;
  if (run->stop_reason == CLI_STOP_SIGNAL) {
    return;
  }
  /* Also once every worker has ended (group output written at the end):
   * the reader still missed output, and the status says so. */
  run->stop_reason = CLI_STOP_SIGNAL;
  run->stop_signal = SIGPIPE;
  stop_input(run);
  if (!run->done) {
    uvsup_stop(run->sup, 0);
  }
}

static void hold_starts(void* data, int hold) {
  cli_run_t* run = data;
  uvsup_hold(run->sup, hold);
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  cli_run_t* run = uvsup_get_data(sup);
  run->totals = *summary;
  for (size_t i = 0; i < run->next_job; i++) {
    uvsup_worker_stats_t stats;
    if (run->job[i].worker != NULL) {
      uvsup_worker_stats(run->job[i].worker, &stats);
      run->job[i].restarts = stats.restarts;
    }
  }
  fill_not_started(run);
  run->done = 1;
  cli_runprogress_stop(run);
  /* The loop runs on until what waits for stdout and stderr is written;
   * the signal handlers stay (they close in cli_run_dispose), so a signal
   * meanwhile is still uvsup's to act on, never the default's. */
  cli_output_close(run->output, NULL, NULL);
}

typedef struct {
  cli_run_t* run;
  uint64_t now;
} listing_t;

static void print_running(uvsup_worker_t* worker, void* arg) {
  const listing_t* l = arg;
  char took[32];
  cli_duration_format(took, sizeof(took),
                      l->now - uvsup_worker_start_ns(worker));
  cli_buf_t name;
  cli_buf_init(&name);
  cli_put_safe(&name, uvsup_worker_name(worker));
  const char* shown = name.data != NULL ? name.data : "";
  int pid = uvsup_worker_pid(worker);
  uvsup_worker_stats_t stats;
  uvsup_worker_stats(worker, &stats);
  cli_buf_t status;
  cli_buf_init(&status);
  if (stats.status != NULL) {
    cli_buf_puts(&status, "  (");
    cli_put_safe(&status, stats.status);
    cli_buf_putc(&status, ')');
  }
  if (pid != 0) {
    cli_output_say(l->run->output, "  %s  pid %d  %s, running for %s%s", shown,
                   pid, uvsup_state_name(uvsup_worker_state(worker)), took,
                   status.data != NULL ? status.data : "");
  } else if (uvsup_worker_state(worker) == UVSUP_STATE_QUEUED) {
    cli_output_say(l->run->output, "  %s  starting", shown);
  } else {
    cli_output_say(l->run->output, "  %s  exited, stopping what it left behind",
                   shown);
  }
  cli_buf_free(&status);
  cli_buf_free(&name);
}

/* Job i's worker, for the stop by priority. */
static uvsup_worker_t* worker_of(void* data, size_t i) {
  const cli_run_t* run = data;
  return run->job[i].worker;
}

/* Workers of a stack waiting for their dependencies (a walk of the jobs,
 * on a signal only). */
static void print_waiting(cli_run_t* run) {
  for (size_t i = 0; run->stack && i < run->next_job; i++) {
    uvsup_worker_t* w = run->job[i].worker;
    if (w != NULL && uvsup_worker_state(w) == UVSUP_STATE_WAITING) {
      cli_buf_t line;
      cli_buf_init(&line);
      cli_buf_puts(&line, "  ");
      cli_put_safe(&line, uvsup_worker_name(w));
      cli_buf_puts(&line, "  waiting for ");
      put_waiting_for(&line, w);
      cli_output_say(run->output, "%s", line.data != NULL ? line.data : "");
      cli_buf_free(&line);
    }
  }
}

/* What a second signal would do, for the first one's message. */
static const char* again_name(int signum) {
  return cli_signal_name(signum == SIGHUP ? SIGINT : signum);
}

static void on_signal(int signum, void* data) {
  cli_run_t* run = data;
  if (signum == SIGUSR1) {
    listing_t l = { run, uv_hrtime() };
    cli_output_say(run->output, "%zu running", uvsup_running(run->sup));
    uvsup_walk(run->sup, print_running, &l);
    print_waiting(run);
    return;
  }
  if (run->stop_reason != CLI_STOP_SIGNAL) {
    run->stop_reason = CLI_STOP_SIGNAL;
    run->stop_signal = signum;
    stop_input(run);
    if (run->done) {
      if (run->args->mode != CLI_MODE_INIT) {
        cli_output_say(run->output,
                       "got %s, every worker has ended; writing their "
                       "output (%s again to drop it)",
                       cli_signal_name(signum), again_name(signum));
      }
      return;
    }
    /* Pass the signal itself on, as a terminal would have done had the
     * workers been in its foreground group; SIGKILL follows the grace. */
    if (run->args->mode != CLI_MODE_INIT) { /* an init says nothing */
      cli_output_say(run->output,
                     "got %s, stopping %zu running workers (%s again to kill "
                     "them now)",
                     cli_signal_name(signum), uvsup_running(run->sup),
                     again_name(signum));
    }
    if (cli_stoporder_begin(&run->order, run->sup, run->jobs, run->next_job,
                            worker_of, run, signum) != 0) {
      uvsup_stop(run->sup, signum);
    }
  } else if (signum != SIGHUP) {
    /* "Stop now": a reader that never comes must not hold uvsup either.
     * Dropped first, so the message is not queued behind that output. */
    uvsup_stop(run->sup, SIGKILL);
    cli_output_drop(run->output);
    if (run->args->mode == CLI_MODE_INIT) {
      return;
    }
    cli_output_say(run->output,
                   "got %s again, killing every worker and dropping the "
                   "output that waits",
                   cli_signal_name(signum));
  }
}

/* Orphaned descendants come to uvsup instead of the system's init: with
 * -s, and with --init when uvsup is not PID 1 (whose duty it already
 * is). */
static int become_subreaper(const cli_args_t* a, char* err, size_t errlen) {
  if (!a->subreaper && !(a->init && getpid() != 1)) {
    return 0;
  }
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    snprintf(err, errlen, "%s: cannot become a child subreaper: %s",
             a->subreaper ? "-s" : "--init", strerror(errno));
    return -1;
  }
  return 0;
}

int cli_run(cli_run_t* run,
            const cli_args_t* a,
            cli_jobs_t* jobs,
            char* err,
            size_t errlen) {
  memset(run, 0, sizeof(*run));
  run->args = a;
  run->jobs = jobs;
  /* Services say every end as it happens; batches only their trouble. */
  /* A JSON summary on stderr is read by a program: no lines around it. */
  int json_on_stderr = a->summary == CLI_SUMMARY_JSON && !a->summary_file;
  run->live = a->quiet || json_on_stderr     ? CLI_LIVE_NONE
              : a->mode == CLI_MODE_PROCFILE ? CLI_LIVE_ALL
              : a->mode == CLI_MODE_COMMANDS ? CLI_LIVE_ALL
              : a->mode == CLI_MODE_CONFIG   ? CLI_LIVE_ALL
                                             : CLI_LIVE_TROUBLE;
  if (cli_events_open(&run->events, a->events_file, err, errlen) != 0) {
    return -1;
  }
  int rc = uv_loop_init(&run->loop);
  if (rc != 0) {
    cli_events_close(&run->events);
    free_tables(run);
    return fail(err, errlen, "creating the event loop", rc);
  }

  if (cli_output_new(&run->output, &run->loop, a, err, errlen) != 0) {
    goto fail;
  }
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.on_output = on_output;
  opts.output_lines = cli_output_wants_lines(run->output);
  if (a->jobs_set) {
    opts.max_running = a->jobs;
  } else if (a->mode == CLI_MODE_VALUES || a->mode == CLI_MODE_STDIN) {
    opts.max_running = uv_available_parallelism();
  }
  run->limit = opts.max_running;
  /* A stack is added whole: a dependency must exist when uvsup starts,
   * and one waiting for another takes no slot (-j limits running ones). */
  for (size_t i = 0; i < jobs->nfixed; i++) {
    const cli_worker_t* k = cli_jobs_worker(jobs, i);
    if (k != NULL && (k->after != NULL || k->ready != NULL)) {
      run->limit = 0;
      run->stack = 1;
    }
  }
  for (size_t i = 0; i < a->nprogram; i++) {
    run->slot_in_program |= strstr(a->program[i], "{%}") != NULL;
  }
  opts.spawn_ahead = spawns_ahead(run, a);
  /* A spawn asked ahead is of a job already added: two more per slot
   * (the library asks two deep). */
  run->feed_limit = opts.spawn_ahead ? 3 * run->limit : run->limit;
  opts.on_status = on_status;
  opts.stop_timeout_ms = a->stop_timeout_ms;
  /* Jobs are added as slots free up (feed), so it stays open until the
   * last has ended. */
  opts.keep_open = 1;
  opts.on_exit = on_exit_cb;
  opts.on_done = on_done;
  opts.on_start = on_start;
  opts.on_state = on_state;
  opts.strategy = (uvsup_strategy_t)a->supervise.strategy;
  opts.on_give_up =
      a->supervise.give_up_stop ? UVSUP_GIVE_UP_STOP : UVSUP_GIVE_UP_CONTINUE;
  opts.data = run;
  /* An init (--init, or PID 1 as a container's entry point) reaps the
   * orphans that come to it, and stops those left at the end. */
  run->init = a->init || getpid() == 1;
  opts.reap_orphans = run->init || a->subreaper;
  opts.orphan_stop_signal = a->stop_signal;
  opts.orphan_kill_after_ms = a->kill_after_ms;
  if (become_subreaper(a, err, errlen) != 0) {
    goto fail;
  }
  char helper[4096];
  if (cli_spawn_setup(&opts, helper, sizeof(helper), err, errlen) != 0) {
    goto fail;
  }
  rc = uvsup_new(&run->loop, &opts, &run->sup);
  if (rc != 0) {
    fail(err, errlen, "starting", rc);
    goto fail;
  }
  cli_output_on_hold(run->output, hold_starts, run);
  cli_output_on_gone(run->output, reader_gone, run);
  if (cli_runlog_open(run, err, errlen) != 0) {
    goto fail;
  }
  size_t width;
  if (a->output == CLI_OUTPUT_TAG && cli_jobs_widest(jobs, &width) == 0) {
    cli_output_set_pad(run->output, width);
  }
  rc = feed(run);
  if (rc == UV_EINVAL) {
    snprintf(err, errlen, "bad input (said above)");
    goto fail;
  }
  if (rc != 0) {
    char what[64];
    snprintf(what, sizeof(what), "adding job %zu", run->next_job + 1);
    fail(err, errlen, what, rc);
    goto fail;
  }
  if (jobs->stream != NULL &&
      cli_stream_open(&run->stream, &run->loop, jobs->stream, CLI_MAX_VALUE,
                      on_stream_line, on_stream_end, run, err, errlen) != 0) {
    goto fail;
  }
  if (jobs->stream != NULL) {
    hint_terminal(run);
  }
  rc = cli_signals_start(&run->signals, &run->loop, run->init, on_signal, run);
  if (rc != 0) {
    fail(err, errlen, "watching signals", rc);
    goto fail;
  }
  rc = run->init ? cli_forward_start(&run->forward, &run->loop, run->sup) : 0;
  if (rc != 0) {
    cli_signals_close(&run->signals);
    fail(err, errlen, "watching signals", rc);
    goto fail;
  }
  rc = uvsup_start(run->sup);
  if (rc == 0) {
    rc = cli_runprogress_start(run);
  }
  if (rc != 0) {
    cli_runprogress_stop(run);
    cli_signals_close(&run->signals);
    cli_forward_close(&run->forward);
    if (rc == UVSUP_ECYCLE || rc == UVSUP_ENODEP) {
      snprintf(err, errlen, "--after: %s: %s", uvsup_strerror(rc),
               uvsup_error_detail(run->sup));
    } else {
      fail(err, errlen,
           opts.spawn_in_process ? "starting" : "starting the spawn helper",
           rc);
    }
    goto fail;
  }
  uv_run(&run->loop, UV_RUN_DEFAULT);
  return 0;

fail:
  stop_input(run);
  uvsup_free(run->sup);
  run->sup = NULL;
  if (run->output != NULL) {
    cli_output_close(run->output, NULL, NULL);
  }
  uv_run(&run->loop, UV_RUN_DEFAULT); /* lets closed handles finish */
  uv_loop_close(&run->loop);
  cli_output_free(run->output);
  run->output = NULL;
  cli_events_close(&run->events);
  cli_runlog_close(run);
  free_tables(run);
  return -1;
}

/* --init ends as its program did, as tini does: its exit status, 128+N
 * for signal N, 127 and 126 when it could not be run (not found, not
 * executable), 1 for another spawn error. */
static int init_status(const cli_run_t* run) {
  const uvsup_result_t* r = run->jobs->count > 0 ? run->job[0].result : NULL;
  if (r == NULL || r->end == UVSUP_END_NOT_STARTED) {
    return 128 + (run->stop_signal > 0 ? run->stop_signal : SIGTERM);
  }
  if (r->exit_status >= 0) {
    return (int)(r->exit_status & 0xff);
  }
  if (r->term_signal > 0) {
    return 128 + r->term_signal;
  }
  switch (r->error) {
  case UV_ENOENT:
    return 127;
  case UV_EACCES:
    return 126;
  default:
    return 1;
  }
}

int cli_run_nothing_started(const cli_run_t* run) {
  return run->stop_reason == CLI_STOP_INPUT && run->next_job == 0;
}

int cli_run_exit_status(const cli_run_t* run) {
  if (run->args->mode == CLI_MODE_INIT) {
    return init_status(run);
  }
  if (run->stop_reason == CLI_STOP_SIGNAL) {
    return 128 + run->stop_signal;
  }
  if (cli_output_lost(run->output) || run->events.failed ||
      run->joblog.failed) {
    return 1; /* the user did not get what the workers wrote */
  }
  if (run->stop_reason == CLI_STOP_INPUT) {
    return 2; /* bad input, as when it is found before anything starts */
  }
  if (run->stop_reason == CLI_STOP_HALT && run->halt_on_success) {
    return 0; /* what was asked for happened, as with GNU parallel */
  }
  if (run->stop_reason == CLI_STOP_HALT && run->args->halt.on_done) {
    return run->halt_status;
  }
  return run->totals.failed > 0 ? 1 : 0;
}

void cli_run_summary(cli_run_t* run, cli_summary_t* s) {
  memset(s, 0, sizeof(*s));
  size_t n = 0;
  size_t known = run->jobs->count;
  free(run->summary_results);
  free(run->summary_restarts);
  run->summary_results = calloc(known + 1, sizeof(*run->summary_results));
  run->summary_restarts = calloc(known + 1, sizeof(*run->summary_restarts));
  for (size_t i = 0; run->summary_results != NULL &&
                     run->summary_restarts != NULL && i < known;
       i++) {
    /* Skipped jobs (--resume, --shard) were never this run's. */
    if (!run->job[i].skipped && run->job[i].result != NULL) {
      run->summary_results[n] = run->job[i].result;
      run->summary_restarts[n++] = run->job[i].restarts;
    }
  }
  s->results = run->summary_results;
  s->restarts = run->summary_restarts;
  s->count = n;
  s->skipped = run->skipped;
  s->duration_ns = run->totals.duration_ns;
  s->stop_reason = run->stop_reason;
  s->stop_signal = run->stop_signal;
  s->show_ready = run->stack;
  s->rows_max = run->args->batch.summary_all ? 0 : CLI_SUMMARY_ROWS;
}

void cli_run_dispose(cli_run_t* run) {
  if (run->sup != NULL) {
    cli_signals_close(&run->signals);
    cli_forward_close(&run->forward);
    uv_run(&run->loop, UV_RUN_DEFAULT); /* lets the handles close */
  }
  cli_output_free(run->output);
  run->output = NULL;
  if (run->sup != NULL) {
    uvsup_free(run->sup);
    run->sup = NULL;
    uv_loop_close(&run->loop);
  }
  cli_events_close(&run->events);
  cli_runlog_close(run);
  free_tables(run);
}
