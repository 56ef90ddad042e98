/* Readiness and dependencies with real processes: every readiness kind
 * (a notify from a grandchild accepted, one from another worker refused),
 * the ready timeout, the watchdog, each dependency condition, cycles and
 * unknown names, skipping, reverse-order shutdown and restarts along the
 * graph. */
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>
#include <uv.h>

#include "fixture.h"
#include "testutil.h"

#define MAX_EVENTS 128

typedef struct harness_s harness_t;
typedef void (*state_hook_t)(harness_t* h, uvsup_worker_t* w, uvsup_state_t to);

/* Every state change and run end, with the loop's time. */
struct harness_s {
  uv_loop_t loop;
  uvsup_t* sup;
  int nstates;
  struct {
    char name[16];
    uvsup_state_t to;
    uint64_t at;
  } states[MAX_EVENTS];
  int nexits;
  struct {
    char name[16];
    uvsup_result_t r;
    char status[64];
    char reason[64];
  } exits[MAX_EVENTS];
  char status[64];      /* the last on_status */
  char waiting_for[32]; /* uvsup_worker_waiting_for() at the last WAITING */
  int done;
  uvsup_summary_t summary;
  state_hook_t on_state_hook;
  const char* stop_when_ready; /* uvsup_stop() once this one is ready */
  const char* stop_after_exit; /* uvsup_stop() once this one has ended */
  void* data;                  /* for the hooks */
};

static void on_state(uvsup_t* sup,
                     uvsup_worker_t* w,
                     uvsup_state_t from,
                     uvsup_state_t to) {
  harness_t* h = uvsup_get_data(sup);
  (void)from;
  if (h->nstates < MAX_EVENTS) {
    snprintf(h->states[h->nstates].name, 16, "%s", uvsup_worker_name(w));
    h->states[h->nstates].to = to;
    h->states[h->nstates].at = uv_now(&h->loop);
    h->nstates++;
  }
  if (to == UVSUP_STATE_WAITING) {
    const char* dep = uvsup_worker_waiting_for(w);
    snprintf(h->waiting_for, sizeof(h->waiting_for), "%s",
             dep != NULL ? dep : "(none)");
  } else {
    ck_assert_ptr_null(uvsup_worker_waiting_for(w));
  }
  if (h->stop_when_ready != NULL && to == UVSUP_STATE_READY &&
      strcmp(uvsup_worker_name(w), h->stop_when_ready) == 0) {
    uvsup_stop(sup, 0);
  }
  if (h->on_state_hook != NULL) {
    h->on_state_hook(h, w, to);
  }
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* w,
                       const uvsup_result_t* r) {
  harness_t* h = uvsup_get_data(sup);
  ck_assert_int_lt(h->nexits, MAX_EVENTS);
  snprintf(h->exits[h->nexits].name, 16, "%s", r->name);
  h->exits[h->nexits].r = *r;
  snprintf(h->exits[h->nexits].status, 64, "%s",
           r->status != NULL ? r->status : "");
  snprintf(h->exits[h->nexits].reason, 64, "%s",
           r->reason != NULL ? r->reason : "");
  h->nexits++;
  if (h->stop_after_exit != NULL &&
      strcmp(uvsup_worker_name(w), h->stop_after_exit) == 0) {
    uvsup_stop(sup, 0);
  }
}

static void on_status(uvsup_t* sup, uvsup_worker_t* w, const char* text) {
  harness_t* h = uvsup_get_data(sup);
  (void)w;
  snprintf(h->status, sizeof(h->status), "%s", text);
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
    opts = &defaults;
  }
  fixture_spawn_options(opts); /* the helper, or UVSUP_SPAWN=in-process */
  opts->on_state = on_state;
  opts->on_exit = on_exit_cb;
  opts->on_done = on_done;
  opts->on_status = on_status;
  opts->data = h;
  opts->seed = 1;
  ck_assert_int_eq(uvsup_new(&h->loop, opts, &h->sup), 0);
}

static void harness_run(harness_t* h) {
  uv_run(&h->loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(h->done, 1);
  ck_assert_int_eq(uvsup_free(h->sup), 0);
  ck_assert_int_eq(uv_loop_close(&h->loop), 0);
}

static uvsup_worker_options_t opts_of(const char* ready, const char* after) {
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.ready = ready;
  w.after = after;
  w.min_uptime_ms = 0;
  w.restart_jitter = 0;
  w.kill_after_ms = 2000;
  return w;
}

/* Adds a worker running the test child with the given steps. */
static uvsup_worker_t* add(harness_t* h,
                           const char* name,
                           uvsup_worker_options_t w,
                           ...) {
  va_list ap;
  va_start(ap, w);
  uvsup_worker_t* worker = fixture_add_child_v(h->sup, name, w, ap);
  va_end(ap);
  return worker;
}

/* The time of the nth (0-based) change of name to state, or -1. */
static int64_t state_at(const harness_t* h,
                        const char* name,
                        uvsup_state_t to,
                        int nth) {
  for (int i = 0; i < h->nstates; i++) {
    if (h->states[i].to == to && strcmp(h->states[i].name, name) == 0 &&
        nth-- == 0) {
      return (int64_t)h->states[i].at;
    }
  }
  return -1;
}

static int count_state(const harness_t* h, const char* name, uvsup_state_t to) {
  int n = 0;
  while (state_at(h, name, to, n) >= 0) {
    n++;
  }
  return n;
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

static int exit_index(const harness_t* h, const char* name) {
  for (int i = 0; i < h->nexits; i++) {
    if (strcmp(h->exits[i].name, name) == 0) {
      return i;
    }
  }
  return -1;
}

/* A port nobody listens on now (bound and closed by the test). */
static int free_port(void) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ck_assert_int_eq(bind(fd, (struct sockaddr*)&a, sizeof(a)), 0);
  ck_assert_int_eq(getsockname(fd, (struct sockaddr*)&a, &len), 0);
  close(fd);
  return ntohs(a.sin_port);
}

/* ---------------------------------------------------------------- kinds */

START_TEST(test_ready_min_uptime) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of(NULL, NULL);
  w.min_uptime_ms = 300;
  add(&h, "slow", w, "pause", NULL);
  w.min_uptime_ms = 3000; /* far beyond its 20 ms, however loaded */
  add(&h, "brief", w, "sleep", "20", "exit", "0", NULL);
  w.min_uptime_ms = 0;
  add(&h, "at-once", w, "sleep", "20", "exit", "0", NULL);
  h.stop_when_ready = "slow";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  int64_t start = state_at(&h, "slow", UVSUP_STATE_STARTING, 0);
  int64_t ready = state_at(&h, "slow", UVSUP_STATE_READY, 0);
  ck_assert_int_ge(start, 0);
  ck_assert_int_ge(ready - start, 290);
  ck_assert_uint_ge(exit_of(&h, "slow", 0)->ready_ns, 290 * 1000000ull);
  /* Ended before its minimum uptime: never ready, yet ok by its status. */
  ck_assert_int_eq(count_state(&h, "brief", UVSUP_STATE_READY), 0);
  ck_assert_uint_eq(exit_of(&h, "brief", 0)->ready_ns, 0);
  ck_assert_int_eq(exit_of(&h, "brief", 0)->ok, 1);
  /* No minimum: ready at spawn. */
  ck_assert_int_eq(count_state(&h, "at-once", UVSUP_STATE_READY), 1);
  ck_assert_uint_gt(exit_of(&h, "at-once", 0)->ready_ns, 0);
}
END_TEST

START_TEST(test_ready_fd) {
  harness_t h;
  harness_init(&h, NULL);
  add(&h, "s6", opts_of("fd", NULL), "sleep", "200", "readyfd", "", "pause",
      NULL);
  add(&h, "five", opts_of("fd:5", NULL), "readyfd", "up", "pause", NULL);
  /* An empty line says ready too. */
  add(&h, "empty", opts_of("fd", NULL), "readyfd", "", "pause", NULL);
  h.stop_when_ready = "s6";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_uint_ge(exit_of(&h, "s6", 0)->ready_ns, 190 * 1000000ull);
  ck_assert_int_eq(count_state(&h, "five", UVSUP_STATE_READY), 1);
  ck_assert_int_eq(count_state(&h, "empty", UVSUP_STATE_READY), 1);
  ck_assert_int_eq(exit_of(&h, "s6", 0)->end, UVSUP_END_STOPPED);
}
END_TEST

START_TEST(test_ready_fd_closed_without_a_line) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of("fd:3", NULL);
  w.ready_timeout_ms = 300;
  /* Closed without a line (the child closes fd 3 through "readyfd"'s
   * sibling: here it never writes), then pauses: the ready timeout ends
   * it. */
  add(&h, "mute", w, "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(count_state(&h, "mute", UVSUP_STATE_READY), 0);
  ck_assert_int_eq(exit_of(&h, "mute", 0)->end, UVSUP_END_NOT_READY);
  ck_assert_int_eq(exit_of(&h, "mute", 0)->term_signal, SIGTERM);
  ck_assert_uint_eq(h.summary.failed, 1);
}
END_TEST

START_TEST(test_ready_notify_from_a_grandchild) {
  harness_t h;
  harness_init(&h, NULL);
  add(&h, "svc", opts_of("notify", NULL), "sleep", "100", "notifyfork",
      "STATUS=warming up", "sleep", "100", "notifyfork",
      "READY=1\\nSTATUS=serving", "pause", NULL);
  h.stop_when_ready = "svc";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(count_state(&h, "svc", UVSUP_STATE_READY), 1);
  ck_assert_str_eq(h.status, "serving");
  ck_assert_str_eq(h.exits[0].status, "serving");
  ck_assert_uint_ge(h.exits[0].r.ready_ns, 190 * 1000000ull);
}
END_TEST

/* Another worker's process has the socket's path, yet is refused: it is
 * not of the worker's session. */
START_TEST(test_ready_notify_from_another_worker_refused) {
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/path", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of("notify", NULL);
  w.ready_timeout_ms = 700;
  add(&h, "victim", w, "envfile", "NOTIFY_SOCKET", fifo, "pause", NULL);
  /* The forger stays alive, so its session can be looked up. */
  add(&h, "forger", opts_of(NULL, NULL), "notifyvia", fifo,
      "READY=1\\nSTATUS=forged", "pause", NULL);
  h.stop_after_exit = "victim";
  h.stop_when_ready = "victim"; /* a forgery accepted ends it at once */
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  const uvsup_result_t* r = exit_of(&h, "victim", 0);
  ck_assert_int_eq(r->end, UVSUP_END_NOT_READY);
  ck_assert_int_eq(count_state(&h, "victim", UVSUP_STATE_READY), 0);
  ck_assert_str_eq(h.status, "");
  ck_assert_int_eq(exit_of(&h, "forger", 0)->end, UVSUP_END_STOPPED);
  free(fifo);
  tu_tmpdir_free(dir);
}
END_TEST

static void ignore_output(uvsup_t* sup,
                          uvsup_worker_t* w,
                          const uvsup_output_t* o) {
  (void)sup;
  (void)w;
  (void)o;
}

START_TEST(test_ready_log_line) {
  harness_t h;
  uvsup_options_t o;
  uvsup_options_init(&o);
  o.on_output = ignore_output;
  o.output_lines = 0; /* raw chunks: the check splits lines itself */
  harness_init(&h, &o);
  uvsup_worker_options_t w = opts_of("log:^Listening on :[0-9]+$", NULL);
  w.output = UVSUP_OUTPUT_CAPTURE;
  add(&h, "web", w, "out", "Listening on :x", "err", "booting", "sleep", "150",
      "err", "Listening on :8080", "pause", NULL);
  h.stop_when_ready = "web";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_uint_ge(exit_of(&h, "web", 0)->ready_ns, 140 * 1000000ull);
  /* Without captured output there is nothing to look at. */
  uvsup_t* sup;
  uv_loop_t loop;
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  ck_assert_int_eq(uvsup_new(&loop, NULL, &sup), 0);
  w.output = UVSUP_OUTPUT_INHERIT;
  w.file = UVSUP_TEST_CHILD;
  ck_assert_int_eq(uvsup_add(sup, &w, NULL), UV_EINVAL);
  w.ready = "log:(";
  ck_assert_int_eq(uvsup_add(sup, &w, NULL), UV_EINVAL);
  /* Stacked repetitions: each '+' doubles what regcomp() builds; it
   * compiled this one in 1.5 GB (50 of them took 8 GB and 16 s). */
  w.ready = "log:a b+++++++++++++++++++++";
  ck_assert_int_eq(uvsup_check_ready(w.ready), UV_EINVAL);
  ck_assert_int_eq(uvsup_add(sup, &w, NULL), UV_EINVAL);
  ck_assert_int_eq(uvsup_free(sup), 0);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_ready_tcp_and_exec) {
  int port = free_port();
  int port2 = free_port();
  char ready[64];
  snprintf(ready, sizeof(ready), "tcp:127.0.0.1:%d", port);
  char* probe = tu_fmt("exec:%s connect %d", UVSUP_TEST_CHILD, port2);
  char p1[16], p2[16];
  snprintf(p1, sizeof(p1), "%d", port);
  snprintf(p2, sizeof(p2), "%d", port2);
  harness_t h;
  harness_init(&h, NULL);
  add(&h, "db", opts_of(ready, NULL), "sleep", "300", "serve", p1, NULL);
  add(&h, "cache", opts_of(probe, NULL), "sleep", "300", "serve", p2, NULL);
  add(&h, "web", opts_of(NULL, "db,cache"), "pause", NULL);
  h.stop_when_ready = "web";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_uint_ge(exit_of(&h, "db", 0)->ready_ns, 290 * 1000000ull);
  ck_assert_uint_ge(exit_of(&h, "cache", 0)->ready_ns, 290 * 1000000ull);
  ck_assert_int_ge(state_at(&h, "web", UVSUP_STATE_STARTING, 0),
                   state_at(&h, "db", UVSUP_STATE_READY, 0));
  ck_assert_int_ge(state_at(&h, "web", UVSUP_STATE_STARTING, 0),
                   state_at(&h, "cache", UVSUP_STATE_READY, 0));
  ck_assert_int_eq(count_state(&h, "web", UVSUP_STATE_WAITING), 1);
  ck_assert_str_eq(h.waiting_for, "db");
  free(probe);
}
END_TEST

START_TEST(test_ready_timeout_restarts_then_gives_up) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of("notify", NULL);
  w.ready_timeout_ms = 150;
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 10;
  w.restart_limit = 1;
  add(&h, "stuck", w, "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 2);
  ck_assert_int_eq(exit_of(&h, "stuck", 0)->end, UVSUP_END_NOT_READY);
  ck_assert_int_eq(exit_of(&h, "stuck", 0)->next, UVSUP_NEXT_RESTART);
  ck_assert_int_eq(exit_of(&h, "stuck", 1)->end, UVSUP_END_GAVE_UP);
  ck_assert_uint_eq(h.summary.gave_up, 1);
}
END_TEST

START_TEST(test_ready_watchdog_restarts) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of("notify", NULL);
  /* A period well above the pings' 100 ms, so a loaded machine's late
   * ping is still in time. */
  w.watchdog_ms = 600;
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 10;
  w.restart_limit = 1;
  /* Pings twice in time, then falls silent. */
  add(&h, "hung", w, "notify", "READY=1", "sleep", "100", "notify",
      "WATCHDOG=1", "sleep", "100", "notify", "WATCHDOG=1", "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, 2);
  const uvsup_result_t* r = exit_of(&h, "hung", 0);
  ck_assert_int_eq(r->end, UVSUP_END_WATCHDOG);
  ck_assert_int_eq(r->next, UVSUP_NEXT_RESTART);
  /* Alive for its two pings and the period after the last. */
  ck_assert_uint_ge(r->duration_ns, 790 * 1000000ull);
  ck_assert_int_eq(count_state(&h, "hung", UVSUP_STATE_READY), 2);
}
END_TEST

/* start_retries n: failed starts (runs that end before ready) n + 1 in a
 * row give up; 0 gives up after the first, with no restart_limit. */
static void check_start_retries(int retries) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of(NULL, NULL);
  w.min_uptime_ms = 60000; /* never ready: each run is a failed start */
  w.restart = UVSUP_RESTART_ALWAYS;
  w.restart_delay_ms = 10;
  w.start_retries = retries;
  add(&h, "crashy", w, "exit", "1", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(h.nexits, retries + 1);
  for (int i = 0; i < retries; i++) {
    ck_assert_int_eq(exit_of(&h, "crashy", i)->end, UVSUP_END_EXITED);
    ck_assert_int_eq(exit_of(&h, "crashy", i)->next, UVSUP_NEXT_RESTART);
  }
  const uvsup_result_t* last = exit_of(&h, "crashy", retries);
  ck_assert_int_eq(last->end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(last->exit_status, 1);
  ck_assert_uint_eq(last->run, (unsigned)retries + 1);
  ck_assert_uint_eq(h.summary.gave_up, 1);
  ck_assert_uint_eq(h.summary.runs, (unsigned)retries + 1);
}

START_TEST(test_ready_start_retries_zero_gives_up_at_once) {
  check_start_retries(0);
}
END_TEST

START_TEST(test_ready_start_retries_two_gives_up_after_three) {
  check_start_retries(2);
}
END_TEST

/* After the first failed start, lets the second run get ready; once it is,
 * takes the flag away again and kills it (a failure, not a failed start). */
static void ready_once(harness_t* h, uvsup_worker_t* w, uvsup_state_t to) {
  if (to == UVSUP_STATE_BACKOFF &&
      count_state(h, "svc", UVSUP_STATE_BACKOFF) == 1) {
    FILE* f = fopen(h->data, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
  } else if (to == UVSUP_STATE_READY) {
    ck_assert_int_eq(unlink(h->data), 0);
    ck_assert_int_eq(kill(uvsup_worker_pid(w), SIGKILL), 0);
  }
}

START_TEST(test_ready_start_retries_reset_by_a_ready_run) {
  char* dir = tu_tmpdir_new();
  char* flag = tu_fmt("%s/flag", dir);
  harness_t h;
  harness_init(&h, NULL);
  h.data = flag;
  h.on_state_hook = ready_once;
  uvsup_worker_options_t w = opts_of("notify", NULL);
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 10;
  w.start_retries = 1;
  add(&h, "svc", w, "failifmissing", flag, "notify", "READY=1", "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  /* Failed, ready (the count starts again), failed, failed: given up.
   * Without the reset the third run would have been given up. */
  ck_assert_int_eq(h.nexits, 4);
  ck_assert_uint_eq(exit_of(&h, "svc", 0)->ready_ns, 0);
  ck_assert_int_eq(exit_of(&h, "svc", 1)->end, UVSUP_END_SIGNALED);
  ck_assert_uint_gt(exit_of(&h, "svc", 1)->ready_ns, 0);
  ck_assert_int_eq(exit_of(&h, "svc", 2)->next, UVSUP_NEXT_RESTART);
  ck_assert_int_eq(exit_of(&h, "svc", 3)->end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(exit_of(&h, "svc", 3)->exit_status, 1);
  free(flag);
  tu_tmpdir_free(dir);
}
END_TEST

static void unlink_when_ready(harness_t* h,
                              uvsup_worker_t* w,
                              uvsup_state_t to) {
  (void)w;
  if (to == UVSUP_STATE_READY) {
    unlink(h->data);
  }
}

START_TEST(test_ready_probe_keeps_running_as_liveness) {
  char* dir = tu_tmpdir_new();
  char* flag = tu_fmt("%s/alive", dir);
  FILE* f = fopen(flag, "w");
  ck_assert_ptr_nonnull(f);
  fclose(f);
  /* Once the flag is gone, a try hangs: the period is its deadline, and
   * its whole group is killed (pidfile: who ran). */
  char* pids = tu_fmt("%s/pids", dir);
  char* probe = tu_fmt("exec:test -f %s || exec %s pidfile %s sleep 10000",
                       flag, UVSUP_TEST_CHILD, pids);
  harness_t h;
  harness_init(&h, NULL);
  h.data = flag;
  h.on_state_hook = unlink_when_ready;
  uvsup_worker_options_t w = opts_of(probe, NULL);
  w.watchdog_ms = 300;
  add(&h, "svc", w, "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  /* Ready at the first probe; the flag goes; three misses in a row. */
  const uvsup_result_t* r = exit_of(&h, "svc", 0);
  ck_assert_int_eq(r->end, UVSUP_END_WATCHDOG);
  ck_assert_int_eq(r->ok, 0);
  ck_assert_uint_ge(r->duration_ns - r->ready_ns, 890 * 1000000ull);
  ck_assert_uint_lt(r->duration_ns, 8000 * 1000000ull);
  FILE* pf = fopen(pids, "r");
  ck_assert_ptr_nonnull(pf);
  int pid, hung = 0;
  while (fscanf(pf, "%d", &pid) == 1) {
    ck_assert_msg(!tu_pid_alive(pid), "probe %d outlived its deadline", pid);
    hung++;
  }
  fclose(pf);
  /* Each of the three tries ran the hanging child, unless the machine was
   * too slow for it to start within the period. */
  ck_assert_int_ge(hung, 1);
  ck_assert_int_le(hung, 3);
  free(pids);
  free(probe);
  free(flag);
  tu_tmpdir_free(dir);
}
END_TEST

/* ---------------------------------------------------------- dependencies */

START_TEST(test_deps_conditions) {
  harness_t h;
  harness_init(&h, NULL);
  add(&h, "migrate", opts_of("exit", NULL), "sleep", "150", "exit", "0", NULL);
  add(&h, "bad", opts_of(NULL, NULL), "sleep", "100", "exit", "3", NULL);
  add(&h, "svc", opts_of(NULL, NULL), "sleep", "100", "pause", NULL);
  add(&h, "after-ready", opts_of(NULL, "migrate"), "exit", "0", NULL);
  add(&h, "after-ok", opts_of(NULL, "migrate:succeeded"), "exit", "0", NULL);
  add(&h, "after-start", opts_of(NULL, "svc:started"), "exit", "0", NULL);
  add(&h, "after-any", opts_of(NULL, "bad:completed"), "exit", "0", NULL);
  add(&h, "after-bad", opts_of(NULL, "bad:succeeded"), "exit", "0", NULL);
  add(&h, "chained", opts_of(NULL, "after-bad:completed"), "exit", "0", NULL);
  h.stop_after_exit = "after-ok";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  int64_t migrated = state_at(&h, "migrate", UVSUP_STATE_FINISHED, 0);
  ck_assert_int_ge(state_at(&h, "after-ready", UVSUP_STATE_STARTING, 0),
                   state_at(&h, "migrate", UVSUP_STATE_READY, 0));
  ck_assert_int_ge(state_at(&h, "after-ok", UVSUP_STATE_STARTING, 0), migrated);
  ck_assert_int_ge(state_at(&h, "after-start", UVSUP_STATE_STARTING, 0),
                   state_at(&h, "svc", UVSUP_STATE_STARTING, 0));
  ck_assert_int_ge(state_at(&h, "after-any", UVSUP_STATE_STARTING, 0),
                   state_at(&h, "bad", UVSUP_STATE_FINISHED, 0));
  ck_assert_int_eq(exit_of(&h, "after-any", 0)->ok, 1);
  const uvsup_result_t* r = exit_of(&h, "after-bad", 0);
  ck_assert_int_eq(r->end, UVSUP_END_SKIPPED);
  ck_assert_str_eq(h.exits[exit_index(&h, "after-bad")].reason, "bad failed");
  ck_assert_int_eq(exit_of(&h, "chained", 0)->end, UVSUP_END_SKIPPED);
  ck_assert_str_eq(h.exits[exit_index(&h, "chained")].reason,
                   "after-bad was skipped");
  ck_assert_int_eq(count_state(&h, "after-bad", UVSUP_STATE_STARTING), 0);
}
END_TEST

START_TEST(test_deps_cycle_and_unknown_rejected) {
  harness_t h;
  harness_init(&h, NULL);
  add(&h, "a", opts_of(NULL, "b"), "exit", "0", NULL);
  add(&h, "b", opts_of(NULL, "c:started"), "exit", "0", NULL);
  add(&h, "c", opts_of(NULL, "a:completed"), "exit", "0", NULL);
  add(&h, "d", opts_of(NULL, "a"), "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), UVSUP_ECYCLE);
  const char* d = uvsup_error_detail(h.sup);
  ck_assert_msg(strcmp(d, "a -> b -> c -> a") == 0 ||
                    strcmp(d, "b -> c -> a -> b") == 0 ||
                    strcmp(d, "c -> a -> b -> c") == 0,
                "%s", d);
  ck_assert_int_eq(h.nstates, 0); /* nothing started */
  ck_assert_int_eq(uvsup_free(h.sup), 0);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);

  harness_init(&h, NULL);
  add(&h, "web", opts_of(NULL, "db"), "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), UVSUP_ENODEP);
  ck_assert_str_eq(uvsup_error_detail(h.sup),
                   "web: no worker 'db' to start after");
  ck_assert_int_eq(uvsup_free(h.sup), 0);
  ck_assert_int_eq(uv_loop_close(&h.loop), 0);
}
END_TEST

START_TEST(test_deps_gave_up_skips_dependents) {
  harness_t h;
  harness_init(&h, NULL);
  uvsup_worker_options_t w = opts_of("tcp:1", NULL);
  w.ready_timeout_ms = 100;
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 10;
  w.restart_limit = 1;
  add(&h, "db", w, "pause", NULL);
  add(&h, "web", opts_of(NULL, "db"), "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  /* Waiting through the backoff, skipped at the give-up. */
  ck_assert_int_eq(count_state(&h, "web", UVSUP_STATE_WAITING), 1);
  ck_assert_int_eq(count_state(&h, "web", UVSUP_STATE_STARTING), 0);
  ck_assert_int_eq(exit_of(&h, "db", 1)->end, UVSUP_END_GAVE_UP);
  ck_assert_int_eq(exit_of(&h, "web", 0)->end, UVSUP_END_SKIPPED);
  ck_assert_str_eq(h.exits[exit_index(&h, "web")].reason, "db gave up");
  ck_assert_uint_eq(h.summary.failed, 2);
}
END_TEST

START_TEST(test_deps_reverse_order_shutdown) {
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/stops", dir);
  harness_t h;
  harness_init(&h, NULL);
  /* Each is ready once its handler is in place (the step order). */
  add(&h, "db", opts_of("fd", NULL), "onterm", log, "db", "readyfd", "",
      "pause", NULL);
  add(&h, "cache", opts_of("fd", NULL), "onterm", log, "cache", "readyfd", "",
      "pause", NULL);
  add(&h, "app", opts_of("fd", "db,cache"), "onterm", log, "app", "readyfd", "",
      "pause", NULL);
  add(&h, "web", opts_of("fd", "app"), "onterm", log, "web", "readyfd", "",
      "pause", NULL);
  h.stop_when_ready = "web";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  FILE* f = fopen(log, "r");
  ck_assert_ptr_nonnull(f);
  char got[256] = { 0 };
  size_t n = fread(got, 1, sizeof(got) - 1, f);
  fclose(f);
  got[n] = '\0';
  ck_assert_msg(strcmp(got, "web\napp\ndb\ncache\n") == 0 ||
                    strcmp(got, "web\napp\ncache\ndb\n") == 0,
                "%s", got);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_deps_stop_deadline) {
  harness_t h;
  uvsup_options_t o;
  uvsup_options_init(&o);
  o.stop_timeout_ms = 300;
  harness_init(&h, &o);
  /* db waits for web, which ignores SIGTERM with a grace of a minute: the
   * deadline kills what is left. */
  uvsup_worker_options_t w = opts_of("fd", NULL);
  w.kill_after_ms = 60000;
  add(&h, "db", w, "readyfd", "", "pause", NULL);
  w.after = "db";
  add(&h, "web", w, "ignore", "15", "readyfd", "", "pause", NULL);
  h.stop_when_ready = "web";
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  const uvsup_result_t* web = exit_of(&h, "web", 0);
  const uvsup_result_t* db = exit_of(&h, "db", 0);
  ck_assert_int_eq(web->term_signal, SIGKILL);
  ck_assert_int_eq(web->end, UVSUP_END_STOPPED);
  /* db was still waiting for web at the deadline: killed too. */
  ck_assert_int_eq(db->term_signal, SIGKILL);
  int64_t stopping = state_at(&h, "web", UVSUP_STATE_STOPPING, 0);
  int64_t finished = state_at(&h, "db", UVSUP_STATE_FINISHED, 0);
  ck_assert_int_ge(finished - stopping, 290);
  ck_assert_int_lt(finished - stopping, 5000);
}
END_TEST

static void drain_when_web_finishes(harness_t* h,
                                    uvsup_worker_t* w,
                                    uvsup_state_t to) {
  if (to == UVSUP_STATE_FINISHED && strcmp(uvsup_worker_name(w), "web") == 0) {
    uvsup_drain(h->sup);
  }
}

/* A released dependency finished for good: what it had met stays met, so
 * a dependent's restart still starts (it was skipped as "migrate was
 * released" before). */
START_TEST(test_deps_released_dependency_stays_met) {
  char* dir = tu_tmpdir_new();
  char* flag = tu_fmt("%s/failed-once", dir);
  char* script = tu_fmt("test -e %s && exit 0; touch %s; exit 1", flag, flag);
  harness_t h;
  uvsup_options_t o;
  uvsup_options_init(&o);
  o.keep_open = 1;
  o.release_finished = 1;
  harness_init(&h, &o);
  h.on_state_hook = drain_when_web_finishes;
  add(&h, "migrate", opts_of("exit", NULL), "exit", "0", NULL);
  uvsup_worker_options_t w = opts_of(NULL, "migrate:succeeded");
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 10;
  char* args[] = { "/bin/sh", "-c", script, NULL };
  w.name = "web";
  w.file = "/bin/sh";
  w.args = args;
  ck_assert_int_eq(uvsup_add(h.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  ck_assert_int_eq(exit_of(&h, "web", 0)->next, UVSUP_NEXT_RESTART);
  const uvsup_result_t* second = exit_of(&h, "web", 1);
  ck_assert_int_eq(second->end, UVSUP_END_EXITED);
  ck_assert_int_eq(second->ok, 1);
  ck_assert_uint_eq(h.summary.succeeded, 2);
  free(script);
  free(flag);
  tu_tmpdir_free(dir);
}
END_TEST

static void stop_when_db_gives_up(harness_t* h,
                                  uvsup_worker_t* w,
                                  uvsup_state_t to) {
  if (to == UVSUP_STATE_GAVE_UP && strcmp(uvsup_worker_name(w), "db") == 0) {
    uvsup_stop(h->sup, 0);
  }
}

START_TEST(test_deps_restart_flag) {
  harness_t h;
  harness_init(&h, NULL);
  h.on_state_hook = stop_when_db_gives_up;
  uvsup_worker_options_t w = opts_of(NULL, NULL);
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 100;
  w.restart_limit = 1;
  add(&h, "db", w, "sleep", "300", "exit", "1", NULL);
  add(&h, "web", opts_of(NULL, "db:ready:restart"), "pause", NULL);
  add(&h, "api", opts_of(NULL, "db"), "pause", NULL);
  ck_assert_int_eq(uvsup_start(h.sup), 0);
  harness_run(&h);
  /* web went down with db and came back after db was ready again; api ran
   * on through db's restart. */
  ck_assert_int_eq(count_state(&h, "web", UVSUP_STATE_STARTING), 2);
  ck_assert_int_eq(count_state(&h, "api", UVSUP_STATE_STARTING), 1);
  ck_assert_int_ge(state_at(&h, "web", UVSUP_STATE_STARTING, 1),
                   state_at(&h, "db", UVSUP_STATE_READY, 1));
  ck_assert_int_eq(count_state(&h, "web", UVSUP_STATE_WAITING), 2);
  const uvsup_result_t* first = exit_of(&h, "web", 0);
  ck_assert_int_eq(first->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(first->next, UVSUP_NEXT_RESTART);
}
END_TEST

static Suite* ready_suite(void) {
  Suite* s = suite_create("ready");
  TCase* kinds = tu_tcase_new(s, "kinds", 30);
  tcase_add_test(kinds, test_ready_min_uptime);
  tcase_add_test(kinds, test_ready_start_retries_zero_gives_up_at_once);
  tcase_add_test(kinds, test_ready_start_retries_two_gives_up_after_three);
  tcase_add_test(kinds, test_ready_start_retries_reset_by_a_ready_run);
  tcase_add_test(kinds, test_ready_fd);
  tcase_add_test(kinds, test_ready_fd_closed_without_a_line);
  tcase_add_test(kinds, test_ready_notify_from_a_grandchild);
  tcase_add_test(kinds, test_ready_notify_from_another_worker_refused);
  tcase_add_test(kinds, test_ready_log_line);
  tcase_add_test(kinds, test_ready_tcp_and_exec);
  tcase_add_test(kinds, test_ready_timeout_restarts_then_gives_up);
  tcase_add_test(kinds, test_ready_watchdog_restarts);
  tcase_add_test(kinds, test_ready_probe_keeps_running_as_liveness);
  TCase* deps = tu_tcase_new(s, "deps", 30);
  tcase_add_test(deps, test_deps_conditions);
  tcase_add_test(deps, test_deps_cycle_and_unknown_rejected);
  tcase_add_test(deps, test_deps_gave_up_skips_dependents);
  tcase_add_test(deps, test_deps_reverse_order_shutdown);
  tcase_add_test(deps, test_deps_restart_flag);
  tcase_add_test(deps, test_deps_stop_deadline);
  tcase_add_test(deps, test_deps_released_dependency_stays_met);
  return s;
}

int main(void) {
  return tu_run_suite(ready_suite());
}
