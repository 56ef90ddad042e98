/* The worker state machine: starting a run, a stop or restart asked in each
 * state, and what the end of a run means: restart after a backoff, give up,
 * or finish. */
#include "worker.h"

#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "stack.h"
#include "stop.h"
#include "supervisor.h"

/* Every change of state goes through here, so on_state sees each one and
 * the worker's dependents hear of it. */
static void set_state(uvsup_worker_t* w, uvsup_state_t to) {
  uvsup_state_t from = w->state;
  w->state = to;
  if (from == to) {
    return;
  }
  if (w->sup->opts.on_state != NULL) {
    w->sup->opts.on_state(w->sup, w, from, to);
  }
  uvsup__stack_changed(w);
}

int uvsup__worker_live(const uvsup_worker_t* w) {
  switch (w->state) {
  case UVSUP_STATE_STARTING:
  case UVSUP_STATE_READY:
  case UVSUP_STATE_STOPPING:
    return 1;
  case UVSUP_STATE_QUEUED:
    return w->run != NULL; /* its spawn awaits the helper's answer */
  default:
    return 0;
  }
}

int uvsup__worker_options_check(const uvsup_worker_options_t* o) {
  if ((unsigned)o->restart > UVSUP_RESTART_ALWAYS || o->restart_delay_ms == 0 ||
      o->restart_delay_max_ms < o->restart_delay_ms ||
      !(o->restart_factor >= 1.0) || isinf(o->restart_factor) ||
      !(o->restart_jitter >= 0.0 && o->restart_jitter < 1.0) ||
      (o->success_exit_count > 0 && o->success_exit_codes == NULL) ||
      (o->after != NULL && uvsup_check_after(o->after) != 0)) {
    return UV_EINVAL;
  }
  for (size_t i = 0; i < o->success_exit_count; i++) {
    if (o->success_exit_codes[i] < 0 || o->success_exit_codes[i] > 255) {
      return UV_EINVAL;
    }
  }
  return 0;
}

static void copy_policy(uvsup_worker_t* w, const uvsup_worker_options_t* o) {
  uvsup_backoff_policy_t* p = &w->policy;
  p->initial_ms = o->restart_delay_ms;
  p->max_ms = o->restart_delay_max_ms;
  p->factor = o->restart_factor;
  p->jitter = o->restart_jitter;
  p->reset_ms = o->restart_reset_ms != 0 ? o->restart_reset_ms
                                         : 2 * o->restart_delay_max_ms;
  p->limit = o->restart_limit;
  p->period_ms = o->restart_period_ms;
  w->start_retries = o->start_retries < 0 ? -1 : o->start_retries;
  w->restart = o->restart;
  for (size_t i = 0; i < o->success_exit_count; i++) {
    int code = o->success_exit_codes[i];
    w->success_codes[code / 8] |= (uint8_t)(1u << (code % 8));
  }
}

/* A result that says nothing yet: no exit status, the worker's name. */
static void reset_result(uvsup_worker_t* w) {
  uvsup_result_t* r = &w->result;
  memset(r, 0, sizeof(*r));
  r->name = w->spec->name;
  r->data = w->data;
  r->exit_status = -1;
  r->status = w->has_status ? w->status : NULL;
}

/* Readiness and dependencies, out of opts. */
static int copy_stack(uvsup_worker_t* w, const uvsup_worker_options_t* o) {
  int err = uvsup__ready_conf_init(&w->ready, o->ready);
  if (err != 0) {
    return err;
  }
  w->ready.timeout_ms = o->ready_timeout_ms;
  w->ready.min_uptime_ms = o->min_uptime_ms;
  w->ready.watchdog_ms = o->watchdog_ms;
  if (w->ready.spec.kind == READY_LOG && o->output != UVSUP_OUTPUT_CAPTURE) {
    return UV_EINVAL; /* no output to look at */
  }
  if (o->after == NULL) {
    return 0;
  }
  err = uvsup__deps_parse(o->after, &w->edges, &w->nedges);
  if (err == 0) {
    w->deps = calloc(w->nedges, sizeof(*w->deps));
    w->released_met = calloc(w->nedges, 1);
    err = w->deps != NULL && w->released_met != NULL ? 0 : UV_ENOMEM;
  }
  return err;
}

int uvsup__worker_new(uvsup_t* sup,
                      const uvsup_worker_options_t* opts,
                      uint64_t seq,
                      uvsup_worker_t** worker) {
  uvsup_worker_t* w = calloc(1, sizeof(*w));
  if (w == NULL) {
    return UV_ENOMEM;
  }
  copy_policy(w, opts);
  int err = UV_ENOMEM;
  if (uvsup__spec_new(opts, &w->spec) != 0 ||
      uvsup__backoff_init(&w->backoff, &w->policy) != 0 ||
      (err = copy_stack(w, opts)) != 0) {
    uvsup__worker_free(w);
    return err;
  }
  w->sup = sup;
  w->data = opts->data;
  w->timeout_ms = opts->timeout_ms;
  w->kill_after_ms = opts->kill_after_ms;
  w->stop_signal = opts->stop_signal;
  w->output = opts->output;
  w->input = opts->input;
  w->state = UVSUP_STATE_QUEUED;
  w->name_hash = uvsup__hash_str(w->spec->name);
  reset_result(w);
  uvsup__sched_entry_init(&w->wake, seq);
  uvsup__list_init(&w->all);
  uvsup__list_init(&w->line);
  uvsup__list_init(&w->live);
  *worker = w;
  return 0;
}

void uvsup__worker_free(uvsup_worker_t* w) {
  uvsup__stack_forget(w);
  uvsup__ready_conf_free(&w->ready);
  uvsup__deps_free(w->edges, w->nedges);
  free(w->deps);
  free(w->released_met);
  free(w->dependents);
  uvsup__backoff_free(&w->backoff);
  free(w->spec);
  free(w);
}

int uvsup__worker_finished(const uvsup_worker_t* w) {
  switch (w->state) {
  case UVSUP_STATE_FINISHED:
  case UVSUP_STATE_GAVE_UP:
    return 1;
  case UVSUP_STATE_SKIPPED:
    return !uvsup__list_linked(&w->line); /* reported */
  default:
    return 0;
  }
}

static void hold(uvsup_worker_t* w);
static void settle(uvsup_worker_t* w);

static void live_link(uvsup_worker_t* w) {
  uvsup__list_push_front(&w->sup->live, &w->live);
  w->sup->running++;
}

static void live_unlink(uvsup_worker_t* w) {
  uvsup__list_remove(&w->live);
  w->sup->running--;
}

/* Out of every queue and the schedule. */
static void leave_queues(uvsup_worker_t* w) {
  if (uvsup__list_linked(&w->line)) {
    uvsup__list_remove(&w->line);
  }
  uvsup__sched_remove(&w->sup->sched, &w->wake);
}

/* The worker will never run: reported from the loop, not from inside the
 * caller's call. */
static void skip(uvsup_worker_t* w) {
  leave_queues(w);
  set_state(w, UVSUP_STATE_SKIPPED);
  uvsup__list_push_back(&w->sup->skipped, &w->line);
  uvsup__sup_wake(w->sup);
}

/* To start (again): first in line once its dependencies are met. */
static void enqueue(uvsup_worker_t* w) {
  leave_queues(w);
  w->skip_error = 0;
  w->reason[0] = '\0';
  switch (uvsup__stack_admit(w)) {
  case STACK_GO:
    set_state(w, UVSUP_STATE_QUEUED);
    uvsup__list_push_back(&w->sup->queue.pending, &w->line);
    uvsup__sup_wake(w->sup);
    break;
  case STACK_WAIT:
    set_state(w, UVSUP_STATE_WAITING);
    break;
  case STACK_NEVER:
    if (w->sup->stopping) {
      w->reason[0] = '\0';
    }
    skip(w);
    break;
  }
}

void uvsup__worker_admit(uvsup_worker_t* w) {
  enqueue(w);
}

static void became_ready(uvsup_worker_t* w, uint64_t ready_ns) {
  w->ready_ns = ready_ns > 0 ? ready_ns : 1;
  set_state(w, UVSUP_STATE_READY);
}

void uvsup__worker_start(uvsup_worker_t* w, uvsup_run_t* after) {
  w->causes &= ~(unsigned)(WORKER_STOP_ASKED | WORKER_STOP_PENDING);
  w->ready_ns = 0;
  w->fault = 0;
  w->has_status = 0;
  live_link(w);
  int err = uvsup__run_start(w, after, &w->run);
  if (err != 0) {
    /* Out of memory before anything was spawned: a per-worker failure. */
    live_unlink(w);
    w->run = NULL;
    w->skip_error = err;
    skip(w);
  }
  /* uvsup__worker_run_spawned() follows, from inside or later. */
}

/* Its run is asked of the spawn helper and not yet answered: it counts as
 * running, and a stop asked meanwhile waits for the answer. */
static int spawning(const uvsup_worker_t* w) {
  return w->state == UVSUP_STATE_QUEUED && w->run != NULL;
}

void uvsup__worker_run_spawned(uvsup_run_t* run) {
  uvsup_worker_t* w = run->worker;
  uvsup_t* sup = w->sup;
  if (run->cancelled) {
    return; /* never started: it waits again once the run is finished */
  }
  set_state(w, UVSUP_STATE_STARTING); /* with its pid, for on_state */
  if (run->shortage) {
    uvsup__queue_starve(&sup->queue);
  }
  int spawned = run->spawn_error == 0 && !run->lost;
  if (spawned) {
    w->started_once = 1;
  }
  if (spawned && sup->opts.on_start != NULL) {
    sup->opts.on_start(sup, w, run->pid);
  }
  if ((w->causes & WORKER_STOP_PENDING) && w->state == UVSUP_STATE_STARTING) {
    w->causes &= ~(unsigned)WORKER_STOP_PENDING;
    set_state(w, UVSUP_STATE_STOPPING); /* its stop was sent already */
  }
  /* No check and no minimum uptime: ready at spawn. */
  if (spawned && w->state == UVSUP_STATE_STARTING && w->run == run &&
      w->ready.spec.kind == READY_NONE && w->ready.min_uptime_ms == 0) {
    became_ready(w, 1);
  }
}

/* A transition that calls out (on_state, on_exit) holds the worker: a
 * callback may stop, restart or release it, and a release then waits for
 * the outermost transition to end, so nothing is freed under it. */
static void hold(uvsup_worker_t* w) {
  w->busy++;
}

static void settle(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  if (--w->busy > 0) {
    return;
  }
  if (uvsup__worker_finished(w) &&
      (sup->opts.release_finished || (w->causes & WORKER_RELEASE_ASKED))) {
    uvsup__sup_release(sup, w);
  }
  uvsup__sup_changed(sup);
}

static void report(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  w->has_result = 1;
  if (uvsup__worker_finished(w)) {
    uvsup__sup_count(sup, w, 1);
    /* Released once on_exit returns: its name is free already, so on_exit
     * may add the next worker under the same name. */
    if (sup->opts.release_finished) {
      uvsup__sup_free_name(sup, w);
    }
  }
  if (sup->opts.on_exit != NULL) {
    sup->opts.on_exit(sup, w, &w->result);
  }
}

/* Stopped while waiting to start (again): one that ran before keeps its
 * last result; one that never ran is reported as not started. */
static void stop_waiting(uvsup_worker_t* w) {
  if (!w->has_result) {
    skip(w);
    return;
  }
  hold(w);
  leave_queues(w);
  w->result.next = UVSUP_NEXT_NONE;
  w->result.restart_in_ms = 0;
  uvsup__sup_count(w->sup, w, 1);
  set_state(w, UVSUP_STATE_FINISHED);
  settle(w);
}

static void stop_run(uvsup_worker_t* w, int signum) {
  set_state(w, UVSUP_STATE_STOPPING);
  uvsup__stop_request(w->run, signum != 0 ? signum : w->stop_signal);
  /* A stop wins over a paused output: the run must end without a resume. */
  uvsup__run_force_output(w->run);
}

/* A stop of a run the helper has not answered for: the stop goes to the
 * helper now, right behind the spawn request (the channel keeps their
 * order), so the process gets it as soon as it exists; the worker shows
 * it (STOPPING) once on_start has told the pid. */
static void stop_when_spawned(uvsup_worker_t* w, int signum) {
  w->causes |= WORKER_STOP_PENDING;
  uvsup__stop_request(w->run, signum != 0 ? signum : w->stop_signal);
  uvsup__run_force_output(w->run);
}

int uvsup__worker_stop(uvsup_worker_t* w, int signum) {
  switch (w->state) {
  case UVSUP_STATE_QUEUED:
  case UVSUP_STATE_WAITING:
  case UVSUP_STATE_BACKOFF:
    if (spawning(w)) {
      w->causes &= ~(unsigned)WORKER_RESTART_ASKED;
      w->causes |= WORKER_STOP_ASKED;
      stop_when_spawned(w, signum);
      return 0;
    }
    stop_waiting(w);
    return 0;
  case UVSUP_STATE_STARTING:
  case UVSUP_STATE_READY:
  case UVSUP_STATE_STOPPING:
    w->causes &= ~(unsigned)WORKER_STOP_DEFERRED;
    /* Asked of the worker, not only of this run's process: a run that is
     * already ending (exited, its group being stopped, a spawn failure)
     * must not restart either. */
    w->causes &= ~(unsigned)WORKER_RESTART_ASKED;
    w->causes |= WORKER_STOP_ASKED;
    stop_run(w, signum);
    return 0;
  case UVSUP_STATE_SKIPPED:
    return uvsup__worker_finished(w) ? UVSUP_ESTATE : 0;
  case UVSUP_STATE_FINISHED:
  case UVSUP_STATE_GAVE_UP:
    return UVSUP_ESTATE;
  }
  return UVSUP_ESTATE;
}

void uvsup__worker_strategy_stop(uvsup_worker_t* w, uint64_t due) {
  if (w->state != UVSUP_STATE_STARTING && w->state != UVSUP_STATE_READY &&
      !spawning(w)) {
    return; /* waiting ones keep their turn; stopping ones are ending */
  }
  if (w->restart != UVSUP_RESTART_NO) {
    w->causes |= WORKER_RESTART_ASKED;
    w->restart_due = due;
  }
  if (spawning(w)) {
    stop_when_spawned(w, 0);
    return;
  }
  stop_run(w, 0);
}

int uvsup__worker_restart(uvsup_worker_t* w, int only_finished) {
  int finished = uvsup__worker_finished(w);
  if ((only_finished && !finished) || (w->causes & WORKER_NAME_FREED)) {
    return UVSUP_ESTATE; /* or released, from inside its on_exit */
  }
  uvsup__backoff_clear(&w->backoff);
  w->failed_starts = 0;
  w->causes &= ~(unsigned)WORKER_STOP_ASKED;
  switch (w->state) {
  case UVSUP_STATE_QUEUED:
  case UVSUP_STATE_WAITING:
    return 0;
  case UVSUP_STATE_STARTING:
  case UVSUP_STATE_READY:
  case UVSUP_STATE_STOPPING:
    w->causes |= WORKER_RESTART_ASKED;
    w->restart_due = uv_now(w->sup->loop);
    if (w->state != UVSUP_STATE_STOPPING) {
      uvsup__stack_restarting(w);
      stop_run(w, 0);
    }
    return 0;
  case UVSUP_STATE_BACKOFF:
  case UVSUP_STATE_SKIPPED:
  case UVSUP_STATE_FINISHED:
  case UVSUP_STATE_GAVE_UP:
    if (finished) {
      uvsup__sup_revive(w->sup, w);
    }
    enqueue(w);
    return 0;
  }
  return UVSUP_ESTATE;
}

void uvsup__worker_report_skipped(uvsup_worker_t* w) {
  uvsup_result_t* r = &w->result;
  reset_result(w);
  r->error = w->skip_error;
  r->end = r->error != 0 ? UVSUP_END_SPAWN_FAILED : UVSUP_END_NOT_STARTED;
  if (r->error == 0 && w->reason[0] != '\0') {
    r->end = UVSUP_END_SKIPPED;
    r->reason = w->reason;
  }
  hold(w);
  report(w);
  settle(w);
}

void uvsup__worker_due(uvsup_worker_t* w) {
  if (w->state == UVSUP_STATE_BACKOFF) {
    enqueue(w);
  }
}

/* A spawn that ran out of descriptors or process slots while others held
 * them: wait for one of them to end, then try again, first in line. A stop
 * asked meanwhile means it does not start. A spawn asked ahead and
 * cancelled (ahead.c) goes back the same way. */
static void wait_for_descriptors(uvsup_worker_t* w) {
  uvsup_t* sup = w->sup;
  w->causes &= ~(unsigned)WORKER_RESTART_ASKED; /* it starts again anyway */
  if ((w->causes & WORKER_STOP_ASKED) || sup->stopping) {
    set_state(w, UVSUP_STATE_BACKOFF);
    stop_waiting(w);
  } else if (!sup->queue.starved || sup->running == 0) {
    /* Those that held the descriptors are already gone. */
    sup->queue.starved = 0;
    set_state(w, UVSUP_STATE_QUEUED);
    uvsup__list_push_front(&sup->queue.pending, &w->line);
    uvsup__sup_wake(sup);
  } else {
    set_state(w, UVSUP_STATE_BACKOFF);
    uvsup__queue_wait_fd(&sup->queue, &w->line);
  }
}

/* How the run ended, in the terms of the API. */
static void fill_result(uvsup_worker_t* w, const uvsup_run_t* run) {
  uvsup_result_t* r = &w->result;
  reset_result(w);
  r->pid = run->pid;
  r->exit_status = run->exit_status;
  r->term_signal = run->term_signal;
  r->error = run->spawn_error;
  r->start_ns = run->start_ns;
  r->duration_ns = run->duration_ns;
  r->run = w->runs;
  r->ready_ns = w->ready_ns;
  if (run->lost) {
    r->end = UVSUP_END_LOST;
  } else if (run->spawn_error != 0) {
    r->end = UVSUP_END_SPAWN_FAILED;
  } else if (w->fault != 0) {
    r->end = w->fault; /* stopped because of it: first cause */
  } else if (run->causes & RUN_TIMED_OUT) {
    r->end = UVSUP_END_TIMED_OUT;
  } else if (run->causes & RUN_STOP_REQUESTED) {
    r->end = UVSUP_END_STOPPED;
  } else if (r->term_signal != 0) {
    r->end = UVSUP_END_SIGNALED;
  } else {
    r->end = UVSUP_END_EXITED;
    int code = (int)(r->exit_status & 0xff);
    r->ok = r->exit_status == 0 ||
            (w->success_codes[code / 8] & (1u << (code % 8))) != 0;
  }
}

/* Whether the worker's restart policy asks for a restart after r. */
static int wants_restart(const uvsup_worker_t* w, const uvsup_result_t* r) {
  if (r->end == UVSUP_END_STOPPED) {
    return 0; /* a stop uvsup sent is never a failure */
  }
  switch (w->restart) {
  case UVSUP_RESTART_NO:
    return 0;
  case UVSUP_RESTART_ON_FAILURE:
    return !r->ok;
  case UVSUP_RESTART_ON_ABNORMAL:
    return r->end == UVSUP_END_SIGNALED || r->end == UVSUP_END_TIMED_OUT ||
           r->end == UVSUP_END_LOST || r->end == UVSUP_END_NOT_READY ||
           r->end == UVSUP_END_WATCHDOG;
  case UVSUP_RESTART_ALWAYS:
    return 1;
  }
  return 0;
}

/* Counts a run that ended before it was ready and is to be restarted; 1
 * when that is one failed start in a row more than start_retries allows.
 * A run that got ready starts the count again. */
static int failed_start_spent(uvsup_worker_t* w, const uvsup_result_t* r) {
  if (r->ready_ns != 0) {
    return 0;
  }
  w->failed_starts++;
  return w->start_retries >= 0 && w->failed_starts > (unsigned)w->start_retries;
}

/* What follows the run whose result is in w->result; sets the delay. */
static uvsup_next_t decide(uvsup_worker_t* w,
                           uint64_t now,
                           uint64_t* delay,
                           int* by_policy) {
  uvsup_t* sup = w->sup;
  uvsup_result_t* r = &w->result;
  /* Only time ready counts as stable: a failed start never forgives. */
  uint64_t ready_for = r->ready_ns != 0 && r->duration_ns > r->ready_ns
                           ? r->duration_ns - r->ready_ns
                           : 0;
  uvsup__backoff_run_ended(&w->backoff, &w->policy, ready_for / 1000000);
  if (r->ready_ns != 0) {
    w->failed_starts = 0; /* it got ready: not a failed start */
  }
  unsigned asked = w->causes & WORKER_RESTART_ASKED;
  w->causes &= ~(unsigned)WORKER_RESTART_ASKED;
  if (sup->stopping || (w->causes & WORKER_STOP_ASKED)) {
    return UVSUP_NEXT_NONE;
  }
  if (asked) {
    *delay = w->restart_due > now ? w->restart_due - now : 0;
    return UVSUP_NEXT_RESTART;
  }
  if (!wants_restart(w, r)) {
    return UVSUP_NEXT_NONE;
  }
  if (failed_start_spent(w, r)) {
    return UVSUP_NEXT_GAVE_UP;
  }
  if (uvsup__backoff_failed(&w->backoff, &w->policy, now, &sup->rng, delay)) {
    return UVSUP_NEXT_GAVE_UP;
  }
  *by_policy = 1;
  return UVSUP_NEXT_RESTART;
}

/* The worker's next state after a run, chosen before any callback runs,
 * so a callback never sees a worker that is running without a run. */
static void after_run(uvsup_worker_t* w, uint64_t now) {
  uvsup_t* sup = w->sup;
  uint64_t delay = 0;
  int by_policy = 0;
  uvsup_result_t* r = &w->result;
  r->next = decide(w, now, &delay, &by_policy);
  switch (r->next) {
  case UVSUP_NEXT_RESTART:
    r->restart_in_ms = delay;
    w->restarts++;
    sup->summary.restarts++;
    uvsup__sched_add(&sup->sched, &w->wake, now + delay);
    uvsup__stack_restarting(w);
    set_state(w, UVSUP_STATE_BACKOFF); /* with its delay, for on_state */
    /* Only a restart the policy made moves the others (a strategy), and
     * only while it stands (on_state may have stopped it). */
    if (by_policy && w->state == UVSUP_STATE_BACKOFF) {
      uvsup__sup_strategy(sup, w, now + delay);
    }
    break;
  case UVSUP_NEXT_GAVE_UP:
    r->end = UVSUP_END_GAVE_UP;
    r->ok = 0;
    set_state(w, UVSUP_STATE_GAVE_UP);
    if (sup->opts.on_give_up == UVSUP_GIVE_UP_STOP) {
      uvsup_stop(sup, 0); /* as an OTP supervisor terminates */
    }
    break;
  case UVSUP_NEXT_NONE:
    set_state(w, UVSUP_STATE_FINISHED);
    break;
  }
}

void uvsup__worker_run_finished(uvsup_run_t* run) {
  uvsup_worker_t* w = run->worker;
  uvsup_t* sup = w->sup;
  hold(w);
  live_unlink(w);
  w->run = NULL;
  if (run->shortage || run->cancelled) {
    free(run);
    wait_for_descriptors(w);
    settle(w);
    return;
  }
  w->runs++;
  sup->summary.runs++;
  fill_result(w, run);
  w->has_result = 1; /* before any callback: it has run */
  free(run);
  /* "exit": a success is the readiness it waited for. */
  if (w->ready.spec.kind == READY_EXIT && w->result.end == UVSUP_END_EXITED &&
      w->result.ok && w->state == UVSUP_STATE_STARTING) {
    became_ready(w, w->result.duration_ns);
    w->result.ready_ns = w->ready_ns;
  }
  uvsup__queue_fd_returned(&sup->queue);
  uv_update_time(sup->loop);
  after_run(w, uv_now(sup->loop));
  report(w);
  settle(w); /* last: the worker may be released */
}

int uvsup__worker_busy(const uvsup_worker_t* w) {
  return w->busy > 0;
}

void uvsup__worker_dep_restart(uvsup_worker_t* w) {
  if (w->state == UVSUP_STATE_STARTING || w->state == UVSUP_STATE_READY) {
    w->causes |= WORKER_RESTART_ASKED;
    w->restart_due = uv_now(w->sup->loop);
    stop_run(w, 0);
  }
}

/* The run's check: ready, not ready in time, the watchdog, a status. */
void uvsup__worker_ready_event(uvsup_ready_t* ready, uvsup_ready_event_t ev) {
  uvsup_run_t* run = ready->data;
  uvsup_worker_t* w = run->worker;
  hold(w);
  switch (ev) {
  case READY_EV_READY:
    if (w->state == UVSUP_STATE_STARTING) {
      became_ready(w, uv_hrtime() - run->start_ns);
    }
    break;
  case READY_EV_TIMEOUT:
  case READY_EV_WATCHDOG:
    if (w->state ==
        (ev == READY_EV_TIMEOUT ? UVSUP_STATE_STARTING : UVSUP_STATE_READY)) {
      w->fault =
          ev == READY_EV_TIMEOUT ? UVSUP_END_NOT_READY : UVSUP_END_WATCHDOG;
      stop_run(w, 0);
    }
    break;
  case READY_EV_STATUS:
    memcpy(w->status, ready->status, sizeof(w->status));
    w->has_status = 1;
    if (w->sup->opts.on_status != NULL) {
      w->sup->opts.on_status(w->sup, w, w->status);
    }
    break;
  }
  settle(w);
}

/* The run's readiness check, made before the spawn: its descriptor goes
 * into stdio, its variables (UVSUP_READY_FD, NOTIFY_SOCKET, WATCHDOG_USEC)
 * into *env, a malloc'd environment (NULL: the worker's own). */
int uvsup__worker_prepare_run(uvsup_worker_t* w,
                              uvsup_run_t* run,
                              uvsup_ready_closed_fn on_closed,
                              uv_stdio_container_t* stdio,
                              int* stdio_count,
                              char*** env) {
  uvsup_ready_t* ready = calloc(1, sizeof(*ready));
  if (ready == NULL) {
    return UV_ENOMEM;
  }
  ready->data = run;
  ready->on_event = uvsup__worker_ready_event;
  ready->on_closed = on_closed;
  run->ready = ready;
  run->open_handles++; /* the check closes as one of the run's handles */
  if (run->captured && w->ready.spec.kind == READY_LOG) {
    /* Only a log check reads the output: no call per read for others. */
    run->capture.on_data = uvsup__ready_output;
    run->capture.on_data_ctx = ready;
  }
  int err =
      uvsup__ready_prepare(ready, w->sup->loop, &w->ready, stdio, stdio_count);
  if (err == 0 && (ready->env_fd[0] != '\0' || ready->env_notify[0] != '\0' ||
                   ready->env_watchdog[0] != '\0')) {
    *env = uvsup__ready_env(ready, w->spec->env);
    if (*env == NULL) {
      err = UV_ENOMEM;
      uvsup__ready_close(ready);
    }
  }
  return err;
}
