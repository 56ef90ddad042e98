/* Supervision with real processes: restart policies, backoff delays read off
 * the loop clock, giving up, the strategies, a supervisor kept open,
 * released workers, restart and start calls, and the state callback. */
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>
#include <uv.h>

#include "fixture.h"
#include "testutil.h"

#define MAX_EVENTS 128

typedef struct harness_s harness_t;
typedef void (*exit_hook_t)(harness_t* h,
                            uvsup_worker_t* worker,
                            const uvsup_result_t* r);
typedef void (*start_hook_t)(harness_t* h, uvsup_worker_t* worker);

/* A supervisor on its own loop that records every event with the loop's
 * time, so delays are measured on the clock uvsup uses. */
struct harness_s {
  uv_loop_t loop;
  uvsup_t* sup;
  int nstarts;
  struct {
    char name[16];
    int pid;
    uint64_t at;
  } starts[MAX_EVENTS];
  int nexits;
  struct {
    char name[16];
    uvsup_result_t r;
    uint64_t at;
  } exits[MAX_EVENTS];
  int nstates;
  struct {
    char name[16];
    uvsup_state_t from, to;
  } states[MAX_EVENTS];
  int done;
  uvsup_summary_t summary;
  int stop_at_starts; /* uvsup_stop() once this many have started */
  exit_hook_t on_exit_hook;
  start_hook_t on_start_hook;
  void* data;
};

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  harness_t* h = uvsup_get_data(sup);
  ck_assert_int_lt(h->nstarts, MAX_EVENTS);
  snprintf(h->starts[h->nstarts].name, 16, "%s", uvsup_worker_name(worker));
  h->starts[h->nstarts].pid = pid;
  h->starts[h->nstarts].at = uv_now(&h->loop);
  h->nstarts++;
  if (h->nstarts == h->stop_at_starts) {
    ck_assert_int_eq(uvsup_stop(sup, 0), 0);
  }
  if (h->on_start_hook != NULL) {
    h->on_start_hook(h, worker);
  }
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* r) {
  harness_t* h = uvsup_get_data(sup);
  ck_assert_ptr_eq(uvsup_worker_result(worker), r);
  ck_assert_int_lt(h->nexits, MAX_EVENTS);
  snprintf(h->exits[h->nexits].name, 16, "%s", r->name);
  h->exits[h->nexits].r = *r;
  h->exits[h->nexits].r.name = NULL;
  h->exits[h->nexits].at = uv_now(&h->loop);
  h->nexits++;
  if (h->on_exit_hook != NULL) {
    h->on_exit_hook(h, worker, r);
  }
}

static void on_state(uvsup_t* sup,
                     uvsup_worker_t* worker,
                     uvsup_state_t from,
                     uvsup_state_t to) {
  harness_t* h = uvsup_get_data(sup);
  ck_assert_int_ne(from, to);
  ck_assert_int_eq(uvsup_worker_state(worker), to);
  if (h->nstates < MAX_EVENTS) {
    snprintf(h->states[h->nstates].name, 16, "%s", uvsup_worker_name(worker));
    h->states[h->nstates].from = from;
    h->states[h->nstates].to = to;
    h->nstates++;
  }
}

static void count_open(uv_handle_t* handle, void* arg) {
  if (!uv_is_closing(handle)) {
    (*(int*)arg)++;
  }
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  harness_t* h = uvsup_get_data(sup);
  int open = 0;
  uv_walk(&h->loop, count_open, &open);
  ck_assert_int_eq(open, 0);
  h->done++;
  h->summary = *summary;
}

static void harness_init(harness_t* h, uvsup_options_t* opts) {
  memset(h, 0, sizeof(*h));
  ck_assert_int_eq(uv_loop_init(&h->loop), 0);
  uvsup_options_t defaults;
  if (opts == NULL) {
    uvsup_options_init(&defaults);
    fixture_spawn_options(&defaults);
    opts = &defaults;
  }
  opts->on_start = on_start;
  opts->on_exit = on_exit_cb;
  opts->on_state = on_state;
  opts->on_done = on_done;
  opts->data = h;
  opts->seed = 1;
  ck_assert_int_eq(uvsup_new(&h->loop, opts, &h->sup), 0);
}

/* Restart settings for add_worker; jitter 0 so delays are exact. */
static uvsup_worker_options_t policy(uvsup_restart_t restart,
                                     uint64_t delay_ms,
                                     unsigned limit) {
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.restart = restart;
  w.restart_delay_ms = delay_ms;
  w.restart_jitter = 0;
  w.restart_limit = limit;
  return w;
}

/* Adds a worker running the test child with the given steps. */
static uvsup_worker_t* add_worker(harness_t* h,
                                  const char* name,
                                  uvsup_worker_options_t w,
                                  ...) {
  va_list ap;
  va_start(ap, w);
  uvsup_worker_t* worker = fixture_add_child_v(h->sup, name, w, ap);
  va_end(ap);
  return worker;
}

static void harness_run(harness_t* h) {
  ck_assert_int_eq(uv_run(&h->loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(h->done, 1);
  ck_assert_int_eq(uvsup_free(h->sup), 0);
  ck_assert_int_eq(uv_loop_close(&h->loop), 0);
}

START_TEST(test_restart_crash_loop_backs_off_then_gives_up) {
  harness_t h;
  harness_init(&h, NULL);
  add_worker(&h, "crash", policy(UVSUP_RESTART_ON_FAILURE, 40, 3), "exit", "1",
             NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);

  /* Three restarts allowed: four runs, the fourth past the limit. */
  ck_assert_int_eq(h.nstarts, 4);
  ck_assert_int_eq(h.nexits, 4);
  uint64_t want[] = { 40, 80, 160 };
  for (int i = 0; i < 3; i++) {
    const uvsup_result_t* r = &h.exits[i].r;
    ck_assert_uint_eq(r->run, (unsigned)i + 1);
    ck_assert_int_eq(r->end, UVSUP_END_EXITED);
    ck_assert_int_eq(r->exit_status, 1);
    ck_assert_int_eq(r->next, UVSUP_NEXT_RESTART);
    ck_assert_uint_eq(r->restart_in_ms, want[i]);
    /* The next start waits at least the delay, by the loop's clock. */
    ck_assert_uint_ge(h.starts[i + 1].at - h.exits[i].at, want[i]);
  }
  const uvsup_result_t* last = &h.exits[3].r;
  ck_assert_uint_eq(last->run, 4);
  ck_assert_int_eq(last->end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(last->next, UVSUP_NEXT_GAVE_UP);
  ck_assert_int_eq(last->exit_status, 1); /* how the last run ended */
  ck_assert_int_eq(last->ok, 0);
  ck_assert_uint_eq(h.summary.workers, 1);
  ck_assert_uint_eq(h.summary.failed, 1);
  ck_assert_uint_eq(h.summary.gave_up, 1);
  ck_assert_uint_eq(h.summary.runs, 4);
  ck_assert_uint_eq(h.summary.restarts, 3);
  /* Every transition, in order, seen by on_state. */
  uvsup_state_t seq[] = { UVSUP_STATE_RUNNING, UVSUP_STATE_BACKOFF,
                          UVSUP_STATE_QUEUED,  UVSUP_STATE_RUNNING,
                          UVSUP_STATE_BACKOFF, UVSUP_STATE_QUEUED,
                          UVSUP_STATE_RUNNING, UVSUP_STATE_BACKOFF,
                          UVSUP_STATE_QUEUED,  UVSUP_STATE_RUNNING,
                          UVSUP_STATE_GAVE_UP };
  ck_assert_int_eq(h.nstates, 11);
  for (int i = 0; i < 11; i++) {
    ck_assert_int_eq(h.states[i].to, seq[i]);
  }
}
END_TEST

START_TEST(test_restart_limit_within_period) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ALWAYS, 10, 2);
  w.restart_factor = 1;
  w.restart_period_ms = 60000;
  add_worker(&h, "quick", w, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  /* always: a success restarts too; more than 2 restarts in a minute: no. */
  ck_assert_int_eq(h.nexits, 3);
  ck_assert_int_eq(h.exits[2].r.end, UVSUP_END_GAVE_UP);
  ck_assert_uint_eq(h.summary.gave_up, 1);
}
END_TEST

START_TEST(test_restart_on_failure_keeps_success) {
  harness_t h;
  harness_init(&h, NULL);
  add_worker(&h, "fine", policy(UVSUP_RESTART_ON_FAILURE, 10, 0), "exit", "0",
             NULL);
  int three = 3;
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 10, 0);
  w.success_exit_codes = &three;
  w.success_exit_count = 1;
  add_worker(&h, "three", w, "exit", "3", NULL);
  add_worker(&h, "abnormal", policy(UVSUP_RESTART_ON_ABNORMAL, 10, 0), "exit",
             "4", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 3);
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(h.exits[i].r.next, UVSUP_NEXT_NONE);
    ck_assert_uint_eq(h.exits[i].r.run, 1);
  }
  ck_assert_uint_eq(h.summary.succeeded, 2); /* 0, and 3 listed as success */
  ck_assert_uint_eq(h.summary.failed, 1);    /* 4: not abnormal */
  ck_assert_uint_eq(h.summary.restarts, 0);
}
END_TEST

START_TEST(test_restart_on_abnormal_restarts_a_signal) {
  harness_t h;
  harness_init(&h, NULL);
  add_worker(&h, "killed", policy(UVSUP_RESTART_ON_ABNORMAL, 10, 1), "raise",
             "9", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 2);
  ck_assert_int_eq(h.exits[0].r.end, UVSUP_END_SIGNALED);
  ck_assert_int_eq(h.exits[0].r.next, UVSUP_NEXT_RESTART);
  ck_assert_int_eq(h.exits[1].r.end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(h.exits[1].r.term_signal, SIGKILL);
}
END_TEST

static void stop_in_backoff(harness_t* h,
                            uvsup_worker_t* worker,
                            const uvsup_result_t* r) {
  ck_assert_int_eq(r->next, UVSUP_NEXT_RESTART);
  ck_assert_int_eq(uvsup_worker_state(worker), UVSUP_STATE_BACKOFF);
  uvsup_worker_stats_t stats;
  uvsup_worker_stats(worker, &stats);
  ck_assert_uint_eq(stats.runs, 1);
  ck_assert_uint_eq(stats.restarts, 1);
  ck_assert_uint_eq(stats.failures, 1);
  ck_assert_uint_gt(stats.next_start_in_ms, 0);
  ck_assert_uint_le(stats.next_start_in_ms, 3600000);
  ck_assert_int_eq(uvsup_stop(h->sup, 0), 0);
  /* Stopped while waiting: it finishes with its last result at once. */
  ck_assert_int_eq(uvsup_worker_state(worker), UVSUP_STATE_FINISHED);
  ck_assert_int_eq(uvsup_worker_result(worker)->next, UVSUP_NEXT_NONE);
}

START_TEST(test_restart_stop_during_backoff_cancels) {
  harness_t h;
  harness_init(&h, NULL);
  h.on_exit_hook = stop_in_backoff;
  /* An hour's delay: the test would time out if the stop did not end it. */
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 3600000, 0);
  w.restart_delay_max_ms = 3600000;
  add_worker(&h, "crash", w, "exit", "1", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nstarts, 1);
  ck_assert_int_eq(h.nexits, 1);
  ck_assert_uint_eq(h.summary.workers, 1);
  ck_assert_uint_eq(h.summary.failed, 1);
}
END_TEST

static void stop_at_fifth(harness_t* h,
                          uvsup_worker_t* worker,
                          const uvsup_result_t* r) {
  if (r->run == 5) {
    ck_assert_int_eq(uvsup_stop(h->sup, 0), 0);
  }
}

START_TEST(test_restart_reset_period_forgives) {
  harness_t h;
  harness_init(&h, NULL);
  h.on_exit_hook = stop_at_fifth;
  /* Each run lasts 150 ms, past the 100 ms reset: every failure is the
   * first in a row, so the delay never grows and the limit of 2 in a row
   * is never reached. */
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 20, 2);
  w.restart_reset_ms = 100;
  w.min_uptime_ms = 0; /* ready at spawn: all of each run is stable time */
  add_worker(&h, "steady", w, "sleep", "150", "exit", "1", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 5);
  for (int i = 0; i < 5; i++) {
    ck_assert_int_eq(h.exits[i].r.next, UVSUP_NEXT_RESTART);
    ck_assert_uint_eq(h.exits[i].r.restart_in_ms, 20);
  }
  /* The stop from the fifth on_exit cancelled the restart it announced. */
  ck_assert_uint_eq(h.summary.gave_up, 0);
  ck_assert_uint_eq(h.summary.workers, 1);
  ck_assert_int_eq(h.states[h.nstates - 1].to, UVSUP_STATE_FINISHED);
}
END_TEST

START_TEST(test_restart_failed_start_never_forgives) {
  harness_t h;
  harness_init(&h, NULL);
  /* The same runs of 150 ms, but never ready (the minimum uptime is 1 s):
   * each is a failed start, its time does not forgive, and the limit of 2
   * in a row is reached on the third failure. */
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 20, 2);
  w.restart_reset_ms = 100;
  w.restart_jitter = 0;
  add_worker(&h, "flapping", w, "sleep", "150", "exit", "1", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 3);
  ck_assert_uint_eq(h.exits[0].r.restart_in_ms, 20);
  ck_assert_uint_eq(h.exits[1].r.restart_in_ms, 40);
  ck_assert_int_eq(h.exits[2].r.end, UVSUP_END_GAVE_UP);
  ck_assert_uint_eq(h.exits[2].r.ready_ns, 0);
  ck_assert_uint_eq(h.summary.gave_up, 1);
}
END_TEST

static int start_index(const harness_t* h, const char* name, int nth) {
  for (int i = 0; i < h->nstarts; i++) {
    if (strcmp(h->starts[i].name, name) == 0 && nth-- == 0) {
      return i;
    }
  }
  return -1;
}

static const uvsup_result_t* exit_of(const harness_t* h,
                                     const char* name,
                                     int nth) {
  for (int i = 0; i < h->nexits; i++) {
    if (strcmp(h->exits[i].name, name) == 0 && nth-- == 0) {
      return &h->exits[i].r;
    }
  }
  ck_abort_msg("no exit %d of %s", nth, name);
  return NULL;
}

/* Once all four have started, b may fail: a line in its FIFO. */
static void release_b(harness_t* h, uvsup_worker_t* worker) {
  if (h->nstarts == 4) {
    ck_assert_int_eq(write(*(int*)h->data, "go\n", 3), 3);
  }
}

/* a, b, c (restart) and temp (no restart), with the given strategy; b
 * fails at its first run only (a flag file tells), once all four run (a
 * FIFO: they may start in different loop turns, or answers of the spawn
 * helper). Stops once stop_at starts have happened. */
static void run_strategy(harness_t* h, uvsup_strategy_t strategy, int stop_at) {
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.strategy = strategy;
  harness_init(h, &opts);
  h->stop_at_starts = stop_at;
  char* flag = tu_write_temp("", 0);
  unlink(flag);
  char* fifo = tu_fmt("%s.fifo", flag);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  int go = open(fifo, O_RDWR); /* never blocks, never at end of file */
  ck_assert_int_ge(go, 0);
  h->data = &go;
  h->on_start_hook = release_b;
  char* script =
      tu_fmt("test -e %s && exec %s pause; touch %s; read x < %s; exit 1", flag,
             UVSUP_TEST_CHILD, flag, fifo);
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ALWAYS, 300, 0);
  add_worker(h, "a", w, "pause", NULL);
  char* args[] = { "/bin/sh", "-c", script, NULL };
  uvsup_worker_options_t b = policy(UVSUP_RESTART_ON_FAILURE, 300, 0);
  b.name = "b";
  b.file = "/bin/sh";
  b.args = args;
  ck_assert_int_eq(uvsup_add(h->sup, &b, NULL), 0);
  add_worker(h, "c", w, "pause", NULL);
  add_worker(h, "temp", policy(UVSUP_RESTART_NO, 300, 0), "envfile", "HOME",
             fifo, "pause", NULL);
  ck_assert_int_eq(uvsup_start(h->sup), 0);
  harness_run(h);
  close(go);
  unlink(fifo);
  unlink(flag);
  free(fifo);
  free(flag);
  free(script);
}

START_TEST(test_restart_one_for_all) {
  harness_t h;
  /* a, b, c, temp; b fails; then a, b, c again. */
  run_strategy(&h, UVSUP_STRATEGY_ONE_FOR_ALL, 7);
  ck_assert_int_eq(h.nstarts, 7);
  const uvsup_result_t* b = exit_of(&h, "b", 0);
  ck_assert_int_eq(b->exit_status, 1);
  ck_assert_int_eq(b->next, UVSUP_NEXT_RESTART);
  ck_assert_uint_eq(b->restart_in_ms, 300);
  /* The others were stopped by the strategy, not by a failure of theirs. */
  for (int i = 0; i < 2; i++) {
    const uvsup_result_t* r = exit_of(&h, i == 0 ? "a" : "c", 0);
    ck_assert_int_eq(r->end, UVSUP_END_STOPPED);
    ck_assert_int_eq(r->term_signal, SIGTERM);
    ck_assert_int_eq(r->next, UVSUP_NEXT_RESTART);
  }
  /* A worker that does not restart is stopped and stays stopped (OTP). */
  ck_assert_int_eq(exit_of(&h, "temp", 0)->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(exit_of(&h, "temp", 0)->next, UVSUP_NEXT_NONE);
  ck_assert_int_eq(start_index(&h, "temp", 1), -1);
  /* All start again, in the order added. */
  int a1 = start_index(&h, "a", 1), b1 = start_index(&h, "b", 1),
      c1 = start_index(&h, "c", 1);
  ck_assert_int_ge(a1, 4);
  ck_assert_int_lt(a1, b1);
  ck_assert_int_lt(b1, c1);
  ck_assert_uint_eq(h.summary.restarts, 3);
}
END_TEST

START_TEST(test_restart_rest_for_one) {
  harness_t h;
  /* a, b, c, temp; b fails; then b and c again, a untouched. */
  run_strategy(&h, UVSUP_STRATEGY_REST_FOR_ONE, 6);
  ck_assert_int_eq(h.nstarts, 6);
  ck_assert_int_eq(start_index(&h, "a", 1), -1);
  ck_assert_int_eq(start_index(&h, "temp", 1), -1);
  int b1 = start_index(&h, "b", 1), c1 = start_index(&h, "c", 1);
  ck_assert_int_ge(b1, 4);
  ck_assert_int_lt(b1, c1);
  ck_assert_int_eq(exit_of(&h, "c", 0)->next, UVSUP_NEXT_RESTART);
  ck_assert_int_eq(exit_of(&h, "temp", 0)->end, UVSUP_END_STOPPED);
  /* a ran once, to the final stop. */
  ck_assert_uint_eq(exit_of(&h, "a", 0)->run, 1);
  ck_assert_int_eq(exit_of(&h, "a", 0)->next, UVSUP_NEXT_NONE);
  ck_assert_uint_eq(h.summary.restarts, 2);
}
END_TEST

START_TEST(test_restart_give_up_stops_all) {
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.on_give_up = UVSUP_GIVE_UP_STOP;
  harness_t h;
  harness_init(&h, &opts);
  add_worker(&h, "long", policy(UVSUP_RESTART_NO, 10, 0), "pause", NULL);
  add_worker(&h, "crash", policy(UVSUP_RESTART_ON_FAILURE, 10, 1), "exit", "2",
             NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(exit_of(&h, "crash", 1)->end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(exit_of(&h, "long", 0)->end, UVSUP_END_STOPPED);
  ck_assert_uint_eq(h.summary.failed, 1);
  ck_assert_uint_eq(h.summary.stopped, 1);
}
END_TEST

/* A kept-open supervisor fed from its own callbacks: each job's end adds
 * the next, long after the set has drained, until jobs have run. */
typedef struct {
  int jobs;
  int added;
  int spawned_in_add; /* on_start came from inside uvsup_add() */
  int in_add;
  size_t heap_at[2]; /* heap in use after jobs[0] and after all */
  int mark;
} feeder_t;

static void feed(harness_t* h) {
  feeder_t* f = h->data;
  uvsup_worker_options_t w = policy(UVSUP_RESTART_NO, 10, 0);
  char* args[] = { UVSUP_TEST_CHILD, "exit", "0", NULL };
  w.file = UVSUP_TEST_CHILD;
  w.args = args;
  /* The same name over and over: a released worker frees its name. */
  w.name = "job";
  f->in_add = 1;
  ck_assert_int_eq(uvsup_add(h->sup, &w, NULL), 0);
  f->in_add = 0;
  f->added++;
}

static void note_spawn(harness_t* h, uvsup_worker_t* worker) {
  feeder_t* f = h->data;
  f->spawned_in_add += f->in_add;
  h->nstarts = 0; /* the records are for the first few only */
}

static void next_job(harness_t* h,
                     uvsup_worker_t* worker,
                     const uvsup_result_t* r) {
  feeder_t* f = h->data;
  ck_assert_int_eq(r->ok, 1);
  h->nexits = 0;
  if (f->added == f->mark) {
    f->heap_at[f->mark == f->jobs ? 1 : 0] = mallinfo2().uordblks;
    f->mark = f->jobs;
  }
  if (f->added < f->jobs) {
    feed(h);
  } else {
    ck_assert_int_eq(uvsup_stop(h->sup, 0), 0);
  }
}

START_TEST(test_restart_kept_open_releases_workers) {
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.keep_open = 1;
  opts.release_finished = 1;
  harness_t h;
  harness_init(&h, &opts);
  feeder_t f = { .jobs = 3000, .mark = 300 };
  h.data = &f;
  h.on_exit_hook = next_job;
  h.on_start_hook = note_spawn;
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  feed(&h);
  harness_run(&h);
  ck_assert_int_eq(f.added, 3000);
  ck_assert_int_eq(f.spawned_in_add, 0);
  ck_assert_uint_eq(h.summary.workers, 3000);
  ck_assert_uint_eq(h.summary.succeeded, 3000);
  /* Memory tracks the live workers: 2700 more jobs through the same
   * supervisor leave the heap where 300 left it. */
  ck_assert_msg(f.heap_at[1] < f.heap_at[0] + 64 * 1024,
                "heap grew from %zu to %zu bytes", f.heap_at[0], f.heap_at[1]);
}
END_TEST

static void add_later(uv_timer_t* timer) {
  harness_t* h = timer->data;
  /* The set drained long ago; a kept-open supervisor still takes work. */
  ck_assert_int_eq(h->done, 0);
  ck_assert_uint_eq(h->summary.workers, 0);
  add_worker(h, "late", policy(UVSUP_RESTART_NO, 10, 0), "exit", "0", NULL);
  uv_close((uv_handle_t*)timer, NULL);
}

static void stop_after_late(harness_t* h,
                            uvsup_worker_t* worker,
                            const uvsup_result_t* r) {
  if (strcmp(r->name, "late") == 0) {
    ck_assert_int_eq(uvsup_drain(h->sup), 0);
    /* Nothing is left: on_done is due, the supervisor takes no more. */
    ck_assert_int_eq(uvsup_add(h->sup, &(uvsup_worker_options_t){ 0 }, NULL),
                     UVSUP_ESTATE);
  }
}

START_TEST(test_restart_kept_open_takes_work_after_draining) {
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.keep_open = 1;
  harness_t h;
  harness_init(&h, &opts);
  h.on_exit_hook = stop_after_late;
  add_worker(&h, "early", policy(UVSUP_RESTART_NO, 10, 0), "exit", "0", NULL);
  uv_timer_t timer;
  uv_timer_init(&h.loop, &timer);
  timer.data = &h;
  uv_timer_start(&timer, add_later, 200, 0);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 2);
  ck_assert_str_eq(h.exits[1].name, "late");
  ck_assert_uint_eq(h.summary.succeeded, 2);
}
END_TEST

static void restart_running(harness_t* h, uvsup_worker_t* worker) {
  if (h->nstarts == 1) {
    /* From now on a run exits at once; this one is stopped, unless it
     * saw the flag and exited before the stop signal reached it. */
    FILE* flag = fopen(h->data, "w");
    ck_assert_ptr_nonnull(flag);
    fclose(flag);
    ck_assert_int_eq(uvsup_start_worker(worker), UVSUP_ESTATE); /* runs */
    ck_assert_int_eq(uvsup_restart_worker(worker), 0);
    ck_assert_int_eq(uvsup_worker_state(worker), UVSUP_STATE_STOPPING);
  }
}

static void after_restart(harness_t* h,
                          uvsup_worker_t* worker,
                          const uvsup_result_t* r) {
  if (r->run == 1) {
    ck_assert(r->end == UVSUP_END_STOPPED ||
              (r->end == UVSUP_END_EXITED && r->ok));
    ck_assert_int_eq(r->next, UVSUP_NEXT_RESTART);
    ck_assert_uint_eq(r->restart_in_ms, 0);
  } else if (r->run == 2) {
    /* Finished: start it again by hand. */
    ck_assert_int_eq(r->next, UVSUP_NEXT_NONE);
    ck_assert_int_eq(uvsup_restart_worker(worker), 0);
  }
}

START_TEST(test_restart_calls) {
  harness_t h;
  harness_init(&h, NULL);
  h.on_start_hook = restart_running;
  h.on_exit_hook = after_restart;
  /* No policy restart: every restart here is asked for. The flag file,
   * made once the first run has started, lets the later ones exit at
   * once. */
  char* flag = tu_write_temp("", 0);
  unlink(flag);
  h.data = flag;
  char* script =
      tu_fmt("test -e %s && exit 0; exec %s pause", flag, UVSUP_TEST_CHILD);
  char* args[] = { "/bin/sh", "-c", script, NULL };
  uvsup_worker_options_t w = policy(UVSUP_RESTART_NO, 10, 0);
  w.name = "w";
  w.file = "/bin/sh";
  w.args = args;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nstarts, 3);
  ck_assert_int_ne(h.starts[0].pid, h.starts[1].pid);
  ck_assert_uint_eq(h.summary.runs, 3);
  ck_assert_uint_eq(h.summary.workers, 1); /* once, however often it ran */
  ck_assert_uint_eq(h.summary.succeeded, 1);
  unlink(flag);
  free(flag);
  free(script);
}
END_TEST

START_TEST(test_restart_bad_options) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 10, 0);
  w.file = UVSUP_TEST_CHILD;
  w.restart_delay_ms = 0; /* a restart is never immediate */
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  w = policy(UVSUP_RESTART_ON_FAILURE, 10, 0);
  w.file = UVSUP_TEST_CHILD;
  w.restart_delay_max_ms = 5; /* a cap below the first delay */
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  w.restart_delay_max_ms = 30000;
  w.restart_jitter = 1.0;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  w.restart_jitter = 0;
  w.restart_factor = 0.5;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  w.restart_factor = 2;
  int codes[] = { 3, 256 };
  w.success_exit_codes = codes;
  w.success_exit_count = 2;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  w.success_exit_count = 1;
  w.restart = (uvsup_restart_t)9;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), UV_EINVAL);
  ck_assert_str_eq(uvsup_state_name(UVSUP_STATE_GAVE_UP), "gave up");
  ck_assert_str_eq(uvsup_state_name(UVSUP_STATE_BACKOFF), "backoff");
  /* Nothing added: a batch with no worker is done at once. */
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_uint_eq(h.summary.workers, 0);
}
END_TEST

/* Callbacks that act on the worker being reported, or on the supervisor,
 * at each awkward moment: nothing is freed under uvsup, each run is
 * reported once, and the counts add up. */
static void free_in_done(uvsup_t* sup, const uvsup_summary_t* s) {
  int* done = uvsup_get_data(sup);
  (*done)++;
  ck_assert_int_eq(uvsup_free(sup), 0); /* allowed from on_done */
}

START_TEST(test_restart_free_from_on_done) {
  uv_loop_t loop;
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  int done = 0;
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.on_done = free_in_done;
  opts.data = &done;
  uvsup_t* sup;
  ck_assert_int_eq(uvsup_new(&loop, &opts, &sup), 0);
  ck_assert_int_eq(uvsup_start(sup), 0);
  ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(done, 1);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

typedef enum {
  ACT_RELEASE_WHEN_DONE,       /* on_state(-> finished/gave up): release */
  ACT_STOP_IN_BACKOFF,         /* on_state(-> backoff): uvsup_stop() */
  ACT_STOP_WORKER_IN_EXIT,     /* on_exit(next restart): uvsup_stop_worker() */
  ACT_STOP_WORKER_WHEN_RUNNING /* on_state(-> running): uvsup_stop_worker() */
} act_t;

typedef struct {
  act_t act;
  int released;
  int exits;
} actor_t;

static actor_t* actor;

static void act_on_state(uvsup_t* sup,
                         uvsup_worker_t* worker,
                         uvsup_state_t from,
                         uvsup_state_t to) {
  if (actor->act == ACT_RELEASE_WHEN_DONE &&
      (to == UVSUP_STATE_FINISHED || to == UVSUP_STATE_GAVE_UP)) {
    ck_assert_int_eq(uvsup_release_worker(worker), 0);
    actor->released++;
  } else if (actor->act == ACT_STOP_IN_BACKOFF && to == UVSUP_STATE_BACKOFF) {
    ck_assert_int_eq(uvsup_stop(sup, 0), 0);
  } else if (actor->act == ACT_STOP_WORKER_WHEN_RUNNING &&
             to == UVSUP_STATE_RUNNING) {
    ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
  }
}

static void act_on_exit(uvsup_t* sup,
                        uvsup_worker_t* worker,
                        const uvsup_result_t* r) {
  actor->exits++;
  ck_assert_uint_eq(r->run, 1); /* each run reported once, never re-run */
  if (actor->act == ACT_STOP_WORKER_IN_EXIT && r->next == UVSUP_NEXT_RESTART) {
    ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
    ck_assert_int_eq(uvsup_worker_state(worker), UVSUP_STATE_FINISHED);
  }
}

static void act_on_done(uvsup_t* sup, const uvsup_summary_t* s) {
  uvsup_summary_t* out = uvsup_get_data(sup);
  *out = *s;
}

/* A supervisor on its own loop whose callbacks are the actor's. */
typedef struct {
  actor_t a;
  uv_loop_t loop;
  uvsup_t* sup;
  uvsup_summary_t summary;
} stage_t;

static void stage_open(stage_t* st, act_t act, int on_exit, int release) {
  memset(st, 0, sizeof(*st));
  st->a.act = act;
  actor = &st->a;
  ck_assert_int_eq(uv_loop_init(&st->loop), 0);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.on_state = act_on_state;
  opts.on_exit = on_exit ? act_on_exit : NULL;
  opts.on_done = act_on_done;
  opts.release_finished = release;
  opts.data = &st->summary;
  ck_assert_int_eq(uvsup_new(&st->loop, &opts, &st->sup), 0);
}

static void stage_add(stage_t* st,
                      const char* name,
                      const char* file,
                      char** args,
                      uvsup_worker_options_t w) {
  w.name = name;
  w.file = file;
  w.args = args;
  ck_assert_int_eq(uvsup_add(st->sup, &w, NULL), 0);
}

static void stage_run(stage_t* st) {
  ck_assert_int_eq(uvsup_start(st->sup), 0);
  ck_assert_int_eq(uv_run(&st->loop, UV_RUN_DEFAULT), 0);
}

static void stage_close(stage_t* st) {
  ck_assert_int_eq(uvsup_free(st->sup), 0);
  ck_assert_int_eq(uv_loop_close(&st->loop), 0);
}

static uvsup_summary_t run_actor(act_t act, int release_finished) {
  stage_t st;
  stage_open(&st, act, 1, release_finished);
  char* fail[] = { UVSUP_TEST_CHILD, "exit", "1", NULL };
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 3600000, 0);
  w.restart_delay_max_ms = 3600000;
  stage_add(&st, "crash", UVSUP_TEST_CHILD, fail, w);
  stage_run(&st);
  stage_close(&st);
  ck_assert_int_eq(st.a.exits, 1);
  return st.summary;
}

START_TEST(test_restart_callbacks_act_on_their_worker) {
  /* Each would use freed memory, report a run twice or miscount before. */
  uvsup_summary_t s = run_actor(ACT_STOP_IN_BACKOFF, 0);
  ck_assert_uint_eq(s.workers, 1);
  ck_assert_uint_eq(s.failed, 1); /* it ran and failed: not "not started" */
  ck_assert_uint_eq(s.stopped, 0);
  s = run_actor(ACT_STOP_IN_BACKOFF, 1);
  ck_assert_uint_eq(s.failed, 1);
  s = run_actor(ACT_STOP_WORKER_IN_EXIT, 1);
  ck_assert_uint_eq(s.failed, 1);
  s = run_actor(ACT_STOP_WORKER_IN_EXIT, 0);
  ck_assert_uint_eq(s.failed, 1);
}
END_TEST

START_TEST(test_restart_release_from_on_state) {
  stage_t st;
  stage_open(&st, ACT_RELEASE_WHEN_DONE, 0, 0);
  char* ok[] = { UVSUP_TEST_CHILD, "exit", "0", NULL };
  char* bad[] = { UVSUP_TEST_CHILD, "exit", "2", NULL };
  uvsup_worker_options_t w = policy(UVSUP_RESTART_ON_FAILURE, 5, 1);
  stage_add(&st, "ok", UVSUP_TEST_CHILD, ok, w);
  stage_add(&st, "bad", UVSUP_TEST_CHILD, bad, w);
  stage_run(&st);
  ck_assert_int_eq(st.a.released, 2); /* one finished, one gave up */
  ck_assert_uint_eq(st.summary.workers, 2);
  ck_assert_uint_eq(st.summary.gave_up, 1);
  ck_assert_ptr_null(uvsup_find_name(st.sup, "ok"));
  stage_close(&st);
}
END_TEST

START_TEST(test_restart_stop_worker_while_its_run_ends) {
  /* A spawn failure is a run that is already ending when on_state sees it
   * running: a stop asked then still means no restart. */
  stage_t st;
  stage_open(&st, ACT_STOP_WORKER_WHEN_RUNNING, 1, 0);
  stage_add(&st, "missing", "/nonexistent/uvsup-no-such-program", NULL,
            policy(UVSUP_RESTART_ON_FAILURE, 5, 2));
  stage_run(&st);
  ck_assert_int_eq(st.a.exits, 1);
  ck_assert_uint_eq(st.summary.runs, 1);
  ck_assert_uint_eq(st.summary.restarts, 0);
  ck_assert_uint_eq(st.summary.failed, 1);
  stage_close(&st);
}
END_TEST

#ifndef NDEBUG
static void* add_from_thread(void* arg) {
  harness_t* h = arg;
  add_worker(h, "wrong", policy(UVSUP_RESTART_NO, 10, 0), "exit", "0", NULL);
  return NULL;
}

START_TEST(test_restart_call_from_another_thread_asserts) {
  /* Every call belongs on the loop's thread: a debug build says so at once
   * instead of running on_start on the wrong thread. */
  harness_t h;
  harness_init(&h, NULL);
  pthread_t t;
  ck_assert_int_eq(pthread_create(&t, NULL, add_from_thread, &h), 0);
  pthread_join(t, NULL);
}
END_TEST
#endif

static Suite* restart_suite(void) {
  Suite* s = suite_create("restart");
  TCase* policy_case = tcase_create("policy");
  tcase_add_test(policy_case, test_restart_crash_loop_backs_off_then_gives_up);
  tcase_add_test(policy_case, test_restart_limit_within_period);
  tcase_add_test(policy_case, test_restart_on_failure_keeps_success);
  tcase_add_test(policy_case, test_restart_on_abnormal_restarts_a_signal);
  tcase_add_test(policy_case, test_restart_stop_during_backoff_cancels);
  tcase_add_test(policy_case, test_restart_reset_period_forgives);
  tcase_add_test(policy_case, test_restart_failed_start_never_forgives);
  suite_add_tcase(s, policy_case);
  TCase* strategy = tcase_create("strategy");
  tcase_add_test(strategy, test_restart_one_for_all);
  tcase_add_test(strategy, test_restart_rest_for_one);
  tcase_add_test(strategy, test_restart_give_up_stops_all);
  suite_add_tcase(s, strategy);
  TCase* service = tcase_create("service");
  tcase_add_test(service, test_restart_kept_open_releases_workers);
  tcase_add_test(service, test_restart_kept_open_takes_work_after_draining);
  tcase_add_test(service, test_restart_calls);
  tcase_add_test(service, test_restart_bad_options);
  TCase* callbacks = tcase_create("callbacks");
  tcase_add_test(callbacks, test_restart_free_from_on_done);
  tcase_add_test(callbacks, test_restart_callbacks_act_on_their_worker);
  tcase_add_test(callbacks, test_restart_release_from_on_state);
  tcase_add_test(callbacks, test_restart_stop_worker_while_its_run_ends);
  suite_add_tcase(s, callbacks);
#ifndef NDEBUG
  /* Not under CK_FORK=no (valgrind): the abort would end the suite. */
  if (getenv("CK_FORK") == NULL || strcmp(getenv("CK_FORK"), "no") != 0) {
    tcase_add_test_raise_signal(
        service, test_restart_call_from_another_thread_asserts, SIGABRT);
  }
#endif
  suite_add_tcase(s, service);
  return s;
}

int main(void) {
  return tu_run_suite(restart_suite());
}
