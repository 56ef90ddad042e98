/* The worker state machine: starting a run, a stop request in each state,
 * and what the end of a run means for the worker. */
#include "worker.h"

#include <stdlib.h>
#include <string.h>

#include "stop.h"
#include "supervisor.h"

int uvsup__worker_new(uvsup_t* sup,
                      const uvsup_worker_options_t* opts,
                      uvsup_worker_t** worker) {
  uvsup_worker_t* w = calloc(1, sizeof(*w));
  if (w == NULL) {
    return UV_ENOMEM;
  }
  int err = uvsup__spec_new(opts, &w->spec);
  if (err != 0) {
    free(w);
    return err;
  }
  w->sup = sup;
  w->data = opts->data;
  w->timeout_ms = opts->timeout_ms;
  w->kill_after_ms = opts->kill_after_ms;
  w->stop_signal = opts->stop_signal;
  w->output = opts->output;
  w->state = WORKER_QUEUED;
  w->name_hash = uvsup__hash_str(w->spec->name);
  w->result.name = w->spec->name;
  w->result.data = w->data;
  w->result.exit_status = -1;
  uvsup__list_init(&w->all);
  uvsup__list_init(&w->line);
  uvsup__list_init(&w->live);
  *worker = w;
  return 0;
}

void uvsup__worker_free(uvsup_worker_t* w) {
  free(w->spec);
  free(w);
}

static void live_link(uvsup_worker_t* w) {
  uvsup__list_push_front(&w->sup->live, &w->live);
  w->sup->running++;
}

static void live_unlink(uvsup_worker_t* w) {
  uvsup__list_remove(&w->live);
  w->sup->running--;
}

void uvsup__worker_skip(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  if (uvsup__list_linked(&w->line)) {
    uvsup__list_remove(&w->line);
  }
  w->state = WORKER_SKIPPED;
  uvsup__list_push_back(&sup->skipped, &w->line);
  uvsup__sup_wake(sup);
}

void uvsup__worker_start(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  w->state = WORKER_RUNNING;
  live_link(w);
  int err = uvsup__run_start(w, &w->run);
  if (err != 0) {
    /* Out of memory before anything was spawned: a per-worker failure. */
    live_unlink(w);
    w->run = NULL;
    w->skip_error = err;
    uvsup__worker_skip(w);
    return;
  }
  if (w->run->shortage) {
    uvsup__queue_starve(&sup->queue);
  }
  if (w->run->spawn_error == 0 && sup->opts.on_start != NULL) {
    sup->opts.on_start(sup, w, w->run->pid);
  }
}

int uvsup__worker_stop(uvsup_worker_t* w, int signum) {
  switch (w->state) {
  case WORKER_QUEUED:
  case WORKER_BACKOFF:
    uvsup__worker_skip(w);
    return 0;
  case WORKER_RUNNING:
  case WORKER_STOPPING:
    w->state = WORKER_STOPPING;
    uvsup__stop_request(w->run, signum != 0 ? signum : w->stop_signal);
    /* A stop wins over a paused output: the run must end without a resume. */
    uvsup__run_force_output(w->run);
    return 0;
  case WORKER_SKIPPED:
    return 0;
  case WORKER_FINISHED:
    return UVSUP_ESTATE;
  }
  return UVSUP_ESTATE;
}

/* How the run ended, in the terms of the API. */
static void fill_result(uvsup_worker_t* w, const uvsup_run_t* run) {
  uvsup_result_t* r = &w->result;
  memset(r, 0, sizeof(*r));
  r->name = w->spec->name;
  r->data = w->data;
  r->pid = run->pid;
  r->exit_status = run->exit_status;
  r->term_signal = run->term_signal;
  r->error = run->spawn_error;
  r->start_ns = run->start_ns;
  r->duration_ns = run->duration_ns;
  if (run->spawn_error != 0) {
    r->end = UVSUP_END_SPAWN_FAILED;
  } else if (run->causes & RUN_TIMED_OUT) {
    r->end = UVSUP_END_TIMED_OUT;
  } else if (run->causes & RUN_STOP_REQUESTED) {
    r->end = UVSUP_END_STOPPED;
  } else if (r->term_signal != 0) {
    r->end = UVSUP_END_SIGNALED;
  } else {
    r->end = UVSUP_END_EXITED;
    r->ok = r->exit_status == 0;
  }
}

/* The worker is finished for good: its result is reported. */
static void finish(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  w->state = WORKER_FINISHED;
  if (sup->opts.on_exit != NULL) {
    sup->opts.on_exit(sup, w, &w->result);
  }
  uvsup__sup_worker_finished(sup, w);
}

void uvsup__worker_report_skipped(uvsup_worker_t* w) {
  uvsup_result_t* r = &w->result;
  r->error = w->skip_error;
  r->end = r->error != 0 ? UVSUP_END_SPAWN_FAILED : UVSUP_END_NOT_STARTED;
  r->ok = 0;
  finish(w);
}

/* A spawn that ran out of descriptors while others held them: wait for one
 * of them to end, then try again, first in line. A stop asked meanwhile
 * means it never starts. */
static void wait_for_descriptors(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  if (w->state == WORKER_STOPPING || sup->stopping) {
    uvsup__worker_skip(w);
  } else if (!sup->queue.starved || sup->running == 0) {
    /* Those that held the descriptors are already gone. */
    w->state = WORKER_QUEUED;
    sup->queue.starved = 0;
    uvsup__list_push_front(&sup->queue.pending, &w->line);
    uvsup__sup_wake(sup);
  } else {
    w->state = WORKER_BACKOFF;
    uvsup__queue_wait_fd(&sup->queue, &w->line);
  }
}

void uvsup__worker_run_finished(uvsup_run_t* run) {
  uvsup_worker_t* w = run->worker;
  live_unlink(w);
  w->run = NULL;
  if (run->shortage) {
    free(run);
    wait_for_descriptors(w);
    return;
  }
  fill_result(w, run);
  free(run);
  uvsup__queue_fd_returned(&w->sup->queue);
  finish(w);
}
