/* Running the jobs: one supervisor on a private loop, the CLI's signals,
 * --halt, and the results collected for the summary. */
#include "run.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "output.h"
#include "signame.h"
#include "spawnmode.h"
#include "template.h"

static void free_tables(cli_run_t* run) {
  free(run->results);
  free(run->workers);
  free(run->first_start_ns);
  free(run->restarts);
  free(run->slot_of);
  free(run->free_slots);
  free(run->not_started);
  run->slot_of = NULL;
  run->free_slots = NULL;
  run->not_started = NULL;
  run->results = NULL;
  run->workers = NULL;
  run->first_start_ns = NULL;
  run->restarts = NULL;
}

static int fail(char* err, size_t errlen, const char* what, int code) {
  snprintf(err, errlen, "%s: %s", what, uvsup_strerror(code));
  return -1;
}

/* The CLI's supervision options, as a worker's. */
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

/* argv of job i; with {%} in the program, built again now that its slot
 * is known (*owned then says to free it). */
static char** job_argv(cli_run_t* run,
                       size_t i,
                       unsigned long slot,
                       char*** owned) {
  const cli_jobs_t* jobs = run->jobs;
  *owned = NULL;
  if (!run->slot_in_program) {
    return jobs->jobs[i].argv;
  }
  const char** values = calloc(jobs->inputs.count + 1, sizeof(*values));
  if (values == NULL) {
    return NULL;
  }
  cli_inputs_tuple(&jobs->inputs, i, values);
  cli_subst_t subst = { values, jobs->inputs.count, i + 1, slot };
  *owned =
      cli_template_expand_job(run->args->program, run->args->nprogram, &subst);
  free(values);
  return *owned;
}

/* Adds job i to the supervisor in a free slot. */
static int add_job(cli_run_t* run, size_t i) {
  const cli_args_t* a = run->args;
  const cli_job_t* job = &run->jobs->jobs[i];
  unsigned long slot = run->nfree_slots > 0
                           ? run->free_slots[--run->nfree_slots]
                           : ++run->slots_made;
  char** owned;
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = job->name;
  w.args = job_argv(run, i, slot, &owned);
  if (w.args == NULL) {
    return UV_ENOMEM;
  }
  w.file = w.args[0];
  w.cwd = job->cwd;
  w.timeout_ms = a->timeout_ms;
  w.kill_after_ms = a->kill_after_ms;
  w.stop_signal = a->stop_signal;
  w.output = cli_output_worker_mode(run->output);
  w.data = (void*)(uintptr_t)i;
  apply_supervise(&a->supervise, &w);
  int rc = uvsup_add(run->sup, &w, &run->workers[i]);
  cli_argv_free(owned);
  if (rc == 0) {
    run->slot_of[i] = slot;
    run->in_flight++;
  } else {
    run->free_slots[run->nfree_slots++] = slot;
  }
  return rc;
}

/* Adds jobs while slots are free, so each job's slot ({%}) is known when
 * it is added; once every job has been added and has finished, drains
 * the kept-open supervisor, which then ends. Returns 0 or an error of
 * uvsup_add() (said by the caller). */
static int feed(cli_run_t* run) {
  while (run->stop_reason == CLI_STOP_NONE && run->next_job < run->count &&
         (run->limit == 0 || run->in_flight < run->limit)) {
    int rc = add_job(run, run->next_job);
    if (rc != 0) {
      return rc;
    }
    run->next_job++;
  }
  if (run->in_flight == 0 &&
      (run->next_job == run->count || run->stop_reason != CLI_STOP_NONE)) {
    uvsup_drain(run->sup);
  }
  return 0;
}

/* Keeps feeding as jobs end; a job that cannot be added ends the run. */
static void feed_more(cli_run_t* run) {
  int rc = feed(run);
  if (rc != 0) {
    cli_output_say(run->output, "adding job %zu: %s", run->next_job + 1,
                   uvsup_strerror(rc));
    run->stop_reason = CLI_STOP_HALT;
    uvsup_drain(run->sup);
  }
}

/* A job never added (a halt or a signal came first) is reported as not
 * started, as a queued worker would be. */
static void fill_not_started(cli_run_t* run) {
  size_t missing = run->count - run->next_job;
  if (missing == 0) {
    return;
  }
  run->not_started = calloc(missing, sizeof(*run->not_started));
  for (size_t i = run->next_job; run->not_started != NULL && i < run->count;
       i++) {
    uvsup_result_t* r = &run->not_started[i - run->next_job];
    r->name = run->jobs->jobs[i].name;
    r->end = UVSUP_END_NOT_STARTED;
    r->exit_status = -1;
    run->results[i] = r;
  }
}

static int set_names(cli_run_t* run, char* err, size_t errlen) {
  for (size_t i = 0; i < run->count; i++) {
    if (cli_output_set_name(run->output, i, run->jobs->jobs[i].name) != 0) {
      return fail(err, errlen, "starting", UV_ENOMEM);
    }
  }
  return 0;
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
  if (!(halt->on_success ? r->ok : failed) || ++run->halt_seen < halt->count) {
    return;
  }
  run->stop_reason = CLI_STOP_HALT;
  run->halt_on_success = halt->on_success;
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
  cli_output_chunk(run->output, worker, (uintptr_t)uvsup_worker_data(worker),
                   output);
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* result) {
  cli_run_t* run = uvsup_get_data(sup);
  size_t job = (uintptr_t)uvsup_worker_data(worker);
  cli_output_run_ended(run->output, job);
  run->results[job] = result;
  if (cli_live_wanted(run->live, result)) {
    cli_buf_t line;
    cli_buf_init(&line);
    cli_live_exit_line(&line, result, uv_hrtime() - run->first_start_ns[job]);
    cli_output_say(run->output, "%s", line.data != NULL ? line.data : "");
    cli_buf_free(&line);
  }
  if (cli_events_exit(&run->events, result) != 0) {
    cli_output_say(run->output, "--events: cannot write; events are lost");
  }
  check_halt(run, result);
  if (result->next != UVSUP_NEXT_RESTART) {
    run->free_slots[run->nfree_slots++] = run->slot_of[job];
    run->in_flight--;
    feed_more(run);
  }
}

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  cli_run_t* run = uvsup_get_data(sup);
  size_t job = (uintptr_t)uvsup_worker_data(worker);
  if (run->first_start_ns[job] == 0) {
    run->first_start_ns[job] = uvsup_worker_start_ns(worker);
  }
}

static void on_state(uvsup_t* sup,
                     uvsup_worker_t* worker,
                     uvsup_state_t from,
                     uvsup_state_t to) {
  cli_run_t* run = uvsup_get_data(sup);
  if (cli_events_state(&run->events, worker, from, to) != 0) {
    cli_output_say(run->output, "--events: cannot write; events are lost");
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
    uvsup_worker_stats(run->workers[i], &stats);
    run->restarts[i] = stats.restarts;
  }
  fill_not_started(run);
  run->done = 1;
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
  if (pid != 0) {
    cli_output_say(l->run->output, "  %s  pid %d  running for %s", shown, pid,
                   took);
  } else if (uvsup_worker_state(worker) == UVSUP_STATE_QUEUED) {
    cli_output_say(l->run->output, "  %s  starting", shown);
  } else {
    cli_output_say(l->run->output, "  %s  exited, stopping what it left behind",
                   shown);
  }
  cli_buf_free(&name);
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
    return;
  }
  if (run->stop_reason != CLI_STOP_SIGNAL) {
    run->stop_reason = CLI_STOP_SIGNAL;
    run->stop_signal = signum;
    if (run->done) {
      cli_output_say(run->output,
                     "got %s, every worker has ended; writing their output "
                     "(%s again to drop it)",
                     cli_signal_name(signum), again_name(signum));
      return;
    }
    /* Pass the signal itself on, as a terminal would have done had the
     * workers been in its foreground group; SIGKILL follows the grace. */
    cli_output_say(run->output,
                   "got %s, stopping %zu running workers (%s again to kill "
                   "them now)",
                   cli_signal_name(signum), uvsup_running(run->sup),
                   again_name(signum));
    uvsup_stop(run->sup, signum);
  } else if (signum != SIGHUP) {
    /* "Stop now": a reader that never comes must not hold uvsup either.
     * Dropped first, so the message is not queued behind that output. */
    uvsup_stop(run->sup, SIGKILL);
    cli_output_drop(run->output);
    cli_output_say(run->output,
                   "got %s again, killing every worker and dropping the "
                   "output that waits",
                   cli_signal_name(signum));
  }
}

int cli_run(cli_run_t* run,
            const cli_args_t* a,
            const cli_jobs_t* jobs,
            char* err,
            size_t errlen) {
  memset(run, 0, sizeof(*run));
  run->args = a;
  run->jobs = jobs;
  run->count = jobs->count;
  for (size_t i = 0; i < a->nprogram && a->mode != CLI_MODE_PROCFILE &&
                     a->mode != CLI_MODE_COMMANDS;
       i++) {
    run->slot_in_program |= strstr(a->program[i], "{%}") != NULL;
  }
  size_t n = jobs->count ? jobs->count : 1;
  run->results = calloc(n, sizeof(*run->results));
  run->workers = calloc(n, sizeof(*run->workers));
  run->first_start_ns = calloc(n, sizeof(*run->first_start_ns));
  run->restarts = calloc(n, sizeof(*run->restarts));
  run->slot_of = calloc(n, sizeof(*run->slot_of));
  run->free_slots = calloc(n, sizeof(*run->free_slots));
  if (run->results == NULL || run->workers == NULL ||
      run->first_start_ns == NULL || run->restarts == NULL ||
      run->slot_of == NULL || run->free_slots == NULL) {
    free_tables(run);
    return fail(err, errlen, "starting", UV_ENOMEM);
  }
  /* Services say every end as it happens; batches only their trouble. */
  /* A JSON summary on stderr is read by a program: no lines around it. */
  int json_on_stderr = a->summary == CLI_SUMMARY_JSON && !a->summary_file;
  run->live = a->quiet || json_on_stderr     ? CLI_LIVE_NONE
              : a->mode == CLI_MODE_PROCFILE ? CLI_LIVE_ALL
              : a->mode == CLI_MODE_COMMANDS ? CLI_LIVE_ALL
                                             : CLI_LIVE_TROUBLE;
  if (cli_events_open(&run->events, a->events_file, err, errlen) != 0) {
    free_tables(run);
    return -1;
  }
  int rc = uv_loop_init(&run->loop);
  if (rc != 0) {
    cli_events_close(&run->events);
    free_tables(run);
    return fail(err, errlen, "creating the event loop", rc);
  }

  if (cli_output_new(&run->output, &run->loop, a, jobs->count, err, errlen) !=
      0) {
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
  if (set_names(run, err, errlen) != 0) {
    goto fail;
  }
  rc = feed(run);
  if (rc != 0) {
    char what[300];
    snprintf(what, sizeof(what), "worker '%.200s'",
             jobs->jobs[run->next_job].name);
    fail(err, errlen, what, rc);
    goto fail;
  }
  rc = cli_signals_start(&run->signals, &run->loop, on_signal, run);
  if (rc != 0) {
    fail(err, errlen, "watching signals", rc);
    goto fail;
  }
  rc = uvsup_start(run->sup);
  if (rc != 0) {
    cli_signals_close(&run->signals);
    fail(err, errlen,
         opts.spawn_in_process ? "starting" : "starting the spawn helper", rc);
    goto fail;
  }
  uv_run(&run->loop, UV_RUN_DEFAULT);
  return 0;

fail:
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
  free_tables(run);
  return -1;
}

int cli_run_exit_status(const cli_run_t* run) {
  if (run->stop_reason == CLI_STOP_SIGNAL) {
    return 128 + run->stop_signal;
  }
  if (cli_output_lost(run->output) || run->events.failed) {
    return 1; /* the user did not get what the workers wrote */
  }
  if (run->stop_reason == CLI_STOP_HALT && run->halt_on_success) {
    return 0; /* what was asked for happened, as with GNU parallel */
  }
  return run->totals.failed > 0 ? 1 : 0;
}

void cli_run_summary(const cli_run_t* run, cli_summary_t* s) {
  memset(s, 0, sizeof(*s));
  s->results = run->results;
  s->restarts = run->restarts;
  s->count = run->count;
  s->duration_ns = run->totals.duration_ns;
  s->stop_reason = run->stop_reason;
  s->stop_signal = run->stop_signal;
}

void cli_run_dispose(cli_run_t* run) {
  if (run->sup != NULL) {
    cli_signals_close(&run->signals);
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
  free_tables(run);
}
