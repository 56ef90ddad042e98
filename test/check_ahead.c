/* Spawning ahead (uvsup_options_t.spawn_ahead): the helper starts the next
 * queued worker the moment a running one exits cleanly, and nothing a user
 * sees changes: no more than max_running processes at once, each on_exit
 * before the on_start it made room for, a failure or a stop still decides
 * what starts next. Runs through the helper and in-process (where nothing
 * is asked ahead, and every promise holds all the same). */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <check.h>
#include <uv.h>

#include "fixture.h"
#include "testutil.h"

static int in_process(void) {
  const char* mode = getenv("UVSUP_SPAWN");
  return mode != NULL && strcmp(mode, "in-process") == 0;
}

/* Processes between their on_start and their on_exit, and the most seen. */
typedef struct {
  int live;
  int most;
  int stop_on_failure;
} live_t;

static void count_start(fixture_t* f, uvsup_worker_t* worker) {
  live_t* l = f->data;
  if (++l->live > l->most) {
    l->most = l->live;
  }
}

static void count_exit(fixture_t* f, uvsup_worker_t* worker) {
  live_t* l = f->data;
  const uvsup_result_t* r = &f->results[f->exits - 1];
  if (r->pid != 0) {
    l->live--;
  }
  if (l->stop_on_failure && r->end == UVSUP_END_EXITED && !r->ok) {
    ck_assert_int_eq(uvsup_stop(f->sup, 0), 0);
  }
}

static void watch(fixture_t* f, live_t* l) {
  memset(l, 0, sizeof(*l));
  f->data = l;
  f->on_start_hook = count_start;
  f->on_exit_hook = count_exit;
}

/* n workers of the test child's step (STEP ARG), two at a time; each
 * succeeds, and each on_exit comes before the on_start it made room for. */
static void run_two_at_a_time(
    fixture_t* f, live_t* l, int n, const char* step, const char* arg) {
  fixture_init_ahead(f, 2);
  watch(f, l);
  char name[16];
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(f, name, step, arg, NULL);
  }
  ck_assert_int_eq(uvsup_start(f->sup), 0);
  fixture_run(f);
  ck_assert_int_eq(f->starts, n);
  ck_assert_int_eq(f->summary.succeeded, n);
  ck_assert_int_le(l->most, 2);
  ck_assert_uint_le(f->max_running, 2);
}

START_TEST(test_ahead_keeps_the_limit_and_the_order) {
  fixture_t f;
  live_t l;
  /* Each runs a while (the work), so the next one's request is at the
   * helper well before the run ahead of it ends. */
  run_two_at_a_time(&f, &l, 24, "sleep", "20");
  if (in_process()) {
    ck_assert_uint_eq(f.summary.spawned_ahead, 0);
  } else {
    ck_assert_uint_gt(f.summary.spawned_ahead, 0);
  }
}
END_TEST

/* A failure does not start the next one in the helper; the host does,
 * once the failed run is finished, as without spawning ahead. */
START_TEST(test_ahead_after_a_failure_the_next_still_runs) {
  fixture_t f;
  live_t l;
  fixture_init_ahead(&f, 1);
  watch(&f, &l);
  add_child(&f, "a", "sleep", "50", "exit", "3", NULL);
  add_child(&f, "b", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "a")->exit_status, 3);
  ck_assert(result_of(&f, "b")->ok);
  ck_assert_int_le(l.most, 1);
  ck_assert_uint_eq(f.summary.spawned_ahead, 0);
}
END_TEST

/* A stop while the next one waits at the helper: it never runs. */
START_TEST(test_ahead_stop_cancels_the_waiting_spawn) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/b-ran", dir);
  fixture_t f;
  fixture_init_ahead(&f, 1);
  f.stop_at_starts = 1; /* from a's on_start: b is asked ahead by then */
  add_child(&f, "a", "pause", NULL);
  add_child(&f, "b", "mark", mark, "b", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 1);
  ck_assert_int_eq(result_of(&f, "b")->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_ne(access(mark, F_OK), 0);
  ck_assert_uint_eq(f.summary.stopped, 2);
  free(mark);
  free(dir);
}
END_TEST

/* A stop asked from the on_exit of a failed run comes in time: the next
 * one was not started ahead (only a success starts it). */
START_TEST(test_ahead_stop_on_failure_starts_nothing_more) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/c-ran", dir);
  fixture_t f;
  live_t l;
  fixture_init_ahead(&f, 1);
  watch(&f, &l);
  l.stop_on_failure = 1;
  add_child(&f, "a", "exit", "0", NULL);
  add_child(&f, "b", "sleep", "50", "exit", "1", NULL);
  add_child(&f, "c", "mark", mark, "c", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert(result_of(&f, "a")->ok);
  ck_assert_int_eq(result_of(&f, "b")->exit_status, 1);
  ck_assert_int_eq(result_of(&f, "c")->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_ne(access(mark, F_OK), 0);
  free(mark);
  free(dir);
}
END_TEST

/* Acts from the loop once the hook that armed it has returned, so the
 * spawn asked behind the worker just started is on its way by then. */
typedef struct {
  uv_timer_t timer;
  fixture_t* f;
  void (*act)(fixture_t* f);
  const char* fifo; /* opened for reading after act: the worker that
                       waits to write it goes on, and exits 0 */
  int fifo_reader;
  int helper; /* the helper, once act killed it */
} later_t;

static void on_later_closed(uv_handle_t* handle) {
}

static void on_later(uv_timer_t* timer) {
  later_t* l = timer->data;
  l->act(l->f);
  if (l->fifo != NULL) {
    l->fifo_reader = open(l->fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    ck_assert_int_ge(l->fifo_reader, 0);
  }
  uv_close((uv_handle_t*)timer, on_later_closed);
}

static void arm_later(fixture_t* f, uvsup_worker_t* worker) {
  later_t* l = f->data;
  if (l->f != NULL) {
    return; /* once */
  }
  l->f = f;
  ck_assert_int_eq(uv_timer_init(&f->loop, &l->timer), 0);
  l->timer.data = l;
  ck_assert_int_eq(uv_timer_start(&l->timer, on_later, 0, 0), 0);
}

/* A FIFO the first worker waits to write (its open blocks until there
 * is a reader): it exits 0 once the test opens the other end. */
static char* fifo_in(const char* dir, later_t* l) {
  char* path = tu_fmt("%s/fifo", dir);
  ck_assert_int_eq(mkfifo(path, 0600), 0);
  l->fifo = path;
  l->fifo_reader = -1;
  return path;
}

static void drain(fixture_t* f) {
  ck_assert_int_eq(uvsup_drain(f->sup), 0);
}

static void hold(fixture_t* f) {
  ck_assert_int_eq(uvsup_hold(f->sup, 1), 0);
}

/* A drain (or a hold) while the next one waits at the helper: it is
 * cancelled there, so the clean end of the one ahead does not start it. */
static void stop_starting(void (*act)(fixture_t* f), int let_go) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/b-ran", dir);
  later_t l;
  memset(&l, 0, sizeof(l));
  l.act = act;
  char* fifo = fifo_in(dir, &l);
  fixture_t f;
  fixture_init_ahead(&f, 1);
  f.data = &l;
  f.on_start_hook = arm_later;
  add_child(&f, "a", "envfile", "HOME", fifo, "exit", "0", NULL);
  add_child(&f, "b", "mark", mark, "b", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  if (!let_go) {
    fixture_run(&f);
    ck_assert(result_of(&f, "a")->ok);
    ck_assert_int_eq(result_of(&f, "b")->end, UVSUP_END_NOT_STARTED);
    ck_assert_int_ne(access(mark, F_OK), 0);
  } else {
    /* Held: a ends, b waits; let go, b runs. */
    while (f.exits < 1) {
      uv_run(&f.loop, UV_RUN_ONCE);
    }
    ck_assert_int_ne(access(mark, F_OK), 0);
    ck_assert_int_eq(uvsup_hold(f.sup, 0), 0);
    fixture_run(&f);
    ck_assert(result_of(&f, "b")->ok);
    ck_assert_int_eq(access(mark, F_OK), 0);
  }
  close(l.fifo_reader);
  free(fifo);
  free(mark);
  free(dir);
}

START_TEST(test_ahead_drain_cancels_the_waiting_spawn) {
  stop_starting(drain, 0);
}
END_TEST

START_TEST(test_ahead_hold_sends_the_waiting_spawn_back) {
  stop_starting(hold, 1);
}
END_TEST

/* b waits behind a, which runs on; c, started since, ends: its slot goes
 * to b at once, not after a. */
static void add_two(fixture_t* f, uvsup_worker_t* worker) {
  char* mark = f->data;
  if (f->starts == 1) {
    add_child(f, "c", "exit", "0", NULL);
    add_child(f, "b", "mark", mark, "b", NULL);
  }
}

static void stop_after_b(fixture_t* f, uvsup_worker_t* worker) {
  if (strcmp(f->results[f->exits - 1].name, "b") == 0) {
    ck_assert_int_eq(uvsup_stop(f->sup, 0), 0);
  }
}

START_TEST(test_ahead_a_free_slot_starts_the_waiting_spawn) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/b-ran", dir);
  fixture_t f;
  fixture_init_ahead(&f, 2);
  f.data = mark;
  f.on_start_hook = add_two;
  f.on_exit_hook = stop_after_b;
  add_child(&f, "a", "pause", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert(result_of(&f, "c")->ok);
  ck_assert(result_of(&f, "b")->ok); /* it ran while a did */
  ck_assert_int_eq(result_of(&f, "a")->end, UVSUP_END_STOPPED);
  free(mark);
  free(dir);
}
END_TEST

/* The helper dies while b waits there: b never ran, so it is not lost
 * but starts with the new helper. */
static int parent_of(int pid) {
  char* path = tu_fmt("/proc/%d/stat", pid);
  char* stat = tu_read_file(path);
  ck_assert_ptr_nonnull(stat);
  char state;
  int ppid = 0;
  ck_assert_int_eq(sscanf(strrchr(stat, ')') + 1, " %c %d", &state, &ppid), 2);
  free(stat);
  free(path);
  return ppid;
}

static void kill_helper(fixture_t* f) {
  later_t* l = f->data;
  l->helper = parent_of(uvsup_worker_pid(uvsup_find_name(f->sup, "a")));
  ck_assert_int_eq(kill(l->helper, SIGKILL), 0);
}

START_TEST(test_ahead_helper_death_requeues_the_waiting_spawn) {
  if (in_process()) {
    return; /* no helper */
  }
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/b-ran", dir);
  later_t l;
  memset(&l, 0, sizeof(l));
  l.act = kill_helper;
  fixture_t f;
  fixture_init_ahead(&f, 1);
  f.data = &l;
  f.on_start_hook = arm_later;
  add_child(&f, "a", "pause", NULL);
  add_child(&f, "b", "mark", mark, "b", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "a")->end, UVSUP_END_LOST);
  ck_assert(result_of(&f, "b")->ok);
  ck_assert_int_eq(access(mark, F_OK), 0);
  free(mark);
  free(dir);
}
END_TEST

/* A run started ahead counts its time from its own start, not from the
 * request that waited at the helper behind the run before it. */
START_TEST(test_ahead_durations_count_from_the_real_start) {
  fixture_t f;
  fixture_init_ahead(&f, 1);
  add_child(&f, "a", "sleep", "300", NULL);
  add_child(&f, "b", "sleep", "300", NULL);
  add_child(&f, "c", "sleep", "300", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const char* names[] = { "a", "b", "c" };
  uint64_t ms = 1000000;
  for (int i = 0; i < 3; i++) {
    const uvsup_result_t* r = result_of(&f, names[i]);
    ck_assert(r->ok);
    ck_assert_uint_ge(r->duration_ns, 300 * ms);
    ck_assert_msg(r->duration_ns < 550 * ms, "%s ran %llu ms", names[i],
                  (unsigned long long)(r->duration_ns / ms));
    if (i > 0) {
      const uvsup_result_t* before = result_of(&f, names[i - 1]);
      ck_assert_uint_ge(r->start_ns, before->start_ns + before->duration_ns);
    }
  }
  if (!in_process()) {
    ck_assert_uint_eq(f.summary.spawned_ahead, 2);
  }
}
END_TEST

/* Short jobs: the ends of runs that started their successor are held at
 * the helper a moment and come in bursts; each on_exit still comes before
 * the on_start it made room for, and every time is the run's own. */
START_TEST(test_ahead_quick_jobs_in_bursts_keep_the_order) {
  fixture_t f;
  live_t l;
  run_two_at_a_time(&f, &l, 60, "exit", "0");
  uint64_t now = uv_hrtime();
  for (int i = 0; i < f.exits; i++) {
    const uvsup_result_t* r = &f.results[i];
    ck_assert_uint_gt(r->start_ns, 0);
    ck_assert_uint_gt(r->duration_ns, 0);
    ck_assert_uint_le(r->start_ns + r->duration_ns, now);
  }
}
END_TEST

/* A held end is told within moments, even while the run it started goes
 * on for seconds and nothing else happens. */
typedef struct {
  uint64_t a_told_ns; /* when a's on_exit came */
} told_t;

static void note_a(fixture_t* f, uvsup_worker_t* worker) {
  told_t* t = f->data;
  if (t->a_told_ns == 0) {
    t->a_told_ns = uv_hrtime();
  }
}

START_TEST(test_ahead_a_held_end_is_told_soon) {
  fixture_t f;
  told_t t = { 0 };
  fixture_init_ahead(&f, 1);
  f.data = &t;
  f.on_exit_hook = note_a;
  /* a runs long enough for b and c to wait at the helper behind it. */
  add_child(&f, "a", "sleep", "200", NULL);
  add_child(&f, "b", "sleep", "3000", NULL);
  add_child(&f, "c", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* a = result_of(&f, "a");
  const uvsup_result_t* b = result_of(&f, "b");
  ck_assert(a->ok && b->ok && result_of(&f, "c")->ok);
  uint64_t a_end = a->start_ns + a->duration_ns;
  ck_assert_uint_ge(t.a_told_ns, a_end);
  /* Told while b still ran, not at b's end three seconds later. */
  ck_assert_msg(t.a_told_ns - a_end < 1000000000ull, "told %llu ms late",
                (unsigned long long)((t.a_told_ns - a_end) / 1000000));
  ck_assert_uint_lt(t.a_told_ns, b->start_ns + b->duration_ns);
}
END_TEST

/* A stop while the end of the run ahead is held at the helper: that run
 * ended on its own (its stop signal found it gone), the run its end
 * started is stopped like any running worker, what waited behind it never
 * starts, and nothing is left running. The test watches a's pidfd and
 * stops the moment a exits, inside the helper's hold (in-process: before
 * libuv has reaped it). */
typedef struct {
  live_t live; /* first: watch() makes it the fixture's data */
  uv_poll_t watch;
  int pidfd;
  fixture_t* f;
} stop_at_exit_t;

static void on_watch_closed(uv_handle_t* handle) {
  stop_at_exit_t* s = handle->data;
  close(s->pidfd);
}

static void on_a_gone(uv_poll_t* poll, int status, int events) {
  stop_at_exit_t* s = poll->data;
  ck_assert_int_eq(uvsup_stop(s->f->sup, 0), 0);
  uv_close((uv_handle_t*)poll, on_watch_closed);
}

static void watch_a(fixture_t* f, uvsup_worker_t* worker) {
  stop_at_exit_t* s = f->data;
  count_start(f, worker);
  if (f->starts != 1) {
    return;
  }
  s->f = f;
  s->pidfd = (int)syscall(SYS_pidfd_open, f->pids[0], 0);
  ck_assert_int_ge(s->pidfd, 0);
  ck_assert_int_eq(uv_poll_init(&f->loop, &s->watch, s->pidfd), 0);
  s->watch.data = s;
  ck_assert_int_eq(uv_poll_start(&s->watch, UV_READABLE, on_a_gone), 0);
}

START_TEST(test_ahead_stop_while_an_end_is_held) {
  int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  if (self < 0) {
    return; /* no pidfd_open() here (valgrind): nothing to watch a with */
  }
  close(self);
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/c-ran", dir);
  stop_at_exit_t s;
  memset(&s, 0, sizeof(s));
  fixture_t f;
  fixture_init_ahead(&f, 1);
  watch(&f, &s.live);
  f.on_start_hook = watch_a;
  /* a runs long enough for b and c to wait at the helper behind it. */
  add_child(&f, "a", "sleep", "200", NULL);
  add_child(&f, "b", "pause", NULL);
  add_child(&f, "c", "mark", mark, "c", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* a = result_of(&f, "a");
  ck_assert_msg(a->ok, "a: end %d, status %d, signal %d", (int)a->end,
                (int)a->exit_status, a->term_signal);
  const uvsup_result_t* b = result_of(&f, "b");
  ck_assert(b->end == UVSUP_END_STOPPED || b->end == UVSUP_END_NOT_STARTED);
  if (b->end == UVSUP_END_STOPPED) {
    ck_assert_int_gt(b->pid, 0);
    ck_assert_int_ne(kill(b->pid, 0), 0); /* reaped, its group gone */
  }
  ck_assert_int_eq(result_of(&f, "c")->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_ne(access(mark, F_OK), 0);
  ck_assert_int_le(s.live.most, 1);
  free(mark);
  free(dir);
}
END_TEST

int main(void) {
  Suite* s = suite_create("ahead");
  TCase* tc = tu_tcase_new(s, "ahead", 0);
  tcase_add_test(tc, test_ahead_keeps_the_limit_and_the_order);
  tcase_add_test(tc, test_ahead_after_a_failure_the_next_still_runs);
  tcase_add_test(tc, test_ahead_stop_cancels_the_waiting_spawn);
  tcase_add_test(tc, test_ahead_stop_on_failure_starts_nothing_more);
  tcase_add_test(tc, test_ahead_drain_cancels_the_waiting_spawn);
  tcase_add_test(tc, test_ahead_hold_sends_the_waiting_spawn_back);
  tcase_add_test(tc, test_ahead_a_free_slot_starts_the_waiting_spawn);
  tcase_add_test(tc, test_ahead_helper_death_requeues_the_waiting_spawn);
  tcase_add_test(tc, test_ahead_durations_count_from_the_real_start);
  tcase_add_test(tc, test_ahead_quick_jobs_in_bursts_keep_the_order);
  tcase_add_test(tc, test_ahead_a_held_end_is_told_soon);
  tcase_add_test(tc, test_ahead_stop_while_an_end_is_held);
  return tu_run_suite(s);
}
