/* Stopping with real children: timeouts, TERM->KILL escalation, process
 * groups, leftovers of a worker's group, stop and drain from callbacks. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>

#include "fixture.h"
#include "testutil.h"

/* Long enough that a test relying on it would hit Check's timeout instead:
 * a grace that must not be waited out. */
#define FOREVER_MS 3600000

/* A file the children append pids to, so the test can look for them. */
static char* pid_file(void) {
  return tu_write_temp("", 0);
}

/* Asserts every pid listed in path is gone, and that there was at least
 * one (a test that finds no process proves nothing). */
static void assert_all_gone(const char* path) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int pid, n = 0;
  while (fscanf(f, "%d", &pid) == 1) {
    ck_assert_msg(!tu_pid_alive(pid), "pid %d outlived its worker", pid);
    n++;
  }
  fclose(f);
  ck_assert_int_gt(n, 0);
  unlink(path);
}

/* The workers send SIGUSR2 ("ready" step) once set up; the test acts then,
 * not after a guessed delay. */
typedef struct {
  uv_signal_t handle;
  fixture_t* f;
  int kill_too; /* follow the stop with a SIGKILL stop */
} ready_t;

static void on_ready(uv_signal_t* handle, int signum) {
  ready_t* r = handle->data;
  ck_assert_int_eq(uvsup_stop(r->f->sup, 0), 0);
  if (r->kill_too) {
    ck_assert_int_eq(uvsup_stop(r->f->sup, SIGKILL), 0);
  }
  uv_close((uv_handle_t*)handle, NULL);
}

static void stop_when_ready(ready_t* r, fixture_t* f, int kill_too) {
  r->f = f;
  r->kill_too = kill_too;
  r->handle.data = r;
  ck_assert_int_eq(uv_signal_init(&f->loop, &r->handle), 0);
  ck_assert_int_eq(uv_signal_start(&r->handle, on_ready, SIGUSR2), 0);
}

START_TEST(test_stop_timeout) {
  fixture_t f;
  fixture_init(&f, 0);
  fixture_add(&f, "slow", 100, FOREVER_MS, "sleep", "60000", NULL);
  fixture_add(&f, "quick", FOREVER_MS, FOREVER_MS, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* r = result_of(&f, "slow");
  ck_assert_int_eq(r->end, UVSUP_END_TIMED_OUT);
  ck_assert_int_eq(r->term_signal, SIGTERM);
  ck_assert_int_eq(r->ok, 0);
  /* Loop time has millisecond steps: allow for one. */
  ck_assert_uint_ge(r->duration_ns, 99 * 1000000ULL);
  /* A run that ends before its timeout is not held up by the timer. */
  ck_assert_int_eq(result_of(&f, "quick")->end, UVSUP_END_EXITED);
  ck_assert_int_eq(f.summary.failed, 1);
}
END_TEST

START_TEST(test_stop_escalates_to_kill) {
  fixture_t f;
  fixture_init(&f, 0);
  fixture_add(&f, "stubborn", 50, 100, "ignore", "15", "sleep", "60000", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* r = result_of(&f, "stubborn");
  ck_assert_int_eq(r->end, UVSUP_END_TIMED_OUT);
  ck_assert_int_eq(r->term_signal, SIGKILL);
  ck_assert_uint_ge(r->duration_ns, 148 * 1000000ULL);
}
END_TEST

START_TEST(test_stop_reaches_grandchildren) {
  char* pids = pid_file();
  fixture_t f;
  fixture_init(&f, 0);
  /* The grandchild ignores SIGTERM, so only the SIGKILL to the whole group
   * after the grace can end it. */
  fixture_add(&f, "parent", 0, 100, "fork", "60000", pids, "ready", "pause",
              NULL);
  ready_t ready;
  stop_when_ready(&ready, &f, 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "parent")->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(result_of(&f, "parent")->term_signal, SIGTERM);
  assert_all_gone(pids);
  free(pids);
}
END_TEST

START_TEST(test_stop_leftover_group_after_exit) {
  char* pids = pid_file();
  fixture_t f;
  fixture_init(&f, 0);
  /* The worker exits at once, leaving a grandchild that ignores SIGTERM: it
   * gets the stop sequence too, and the run is reported as it ended. */
  fixture_add(&f, "daemonish", 0, 100, "fork", "60000", pids, "exit", "0",
              NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* r = result_of(&f, "daemonish");
  ck_assert_int_eq(r->end, UVSUP_END_EXITED);
  ck_assert_int_eq(r->ok, 1);
  assert_all_gone(pids);
  free(pids);
}
END_TEST

START_TEST(test_stop_leftover_with_exited_main_thread) {
  char* pids = pid_file();
  fixture_t f;
  fixture_init(&f, 0);
  /* The grandchild's main thread exits while another thread runs on: its
   * leader reads as a zombie, but the process lives and must be stopped. */
  fixture_add(&f, "threads", 0, 100, "threadfork", "60000", pids, "exit", "0",
              NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "threads")->ok, 1);
  assert_all_gone(pids);
  free(pids);
}
END_TEST

START_TEST(test_stop_leftovers_of_many_workers) {
  /* Forty workers each leave a grandchild that ignores SIGTERM and exit at
   * once, their exits seen together: every grandchild is stopped. */
  char* pids = pid_file();
  fixture_t f;
  fixture_init(&f, 0);
  char name[16];
  for (int i = 0; i < 40; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    fixture_add(&f, name, 0, 100, "fork", "60000", pids, "exit", "0", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.summary.succeeded, 40);
  assert_all_gone(pids);
  free(pids);
}
END_TEST

START_TEST(test_stop_self_stopped_worker) {
  fixture_t f;
  fixture_init(&f, 0);
  /* It stops itself with SIGSTOP; the timeout's SIGTERM only lands because
   * a SIGCONT follows it, well before the (endless) grace. */
  fixture_add(&f, "frozen", 100, FOREVER_MS, "raise", "19", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* r = result_of(&f, "frozen");
  ck_assert_int_eq(r->end, UVSUP_END_TIMED_OUT);
  ck_assert_int_eq(r->term_signal, SIGTERM);
}
END_TEST

static void stop_twice(fixture_t* f, uvsup_worker_t* worker) {
  ck_assert_int_eq(uvsup_stop(f->sup, 0), 0);
  ck_assert_int_eq(uvsup_stop(f->sup, 0), 0);
  if (f->starts == 1) {
    ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
  }
}

START_TEST(test_stop_from_callback_twice) {
  fixture_t f;
  fixture_init(&f, 1);
  f.on_start_hook = stop_twice;
  fixture_add(&f, "first", 0, FOREVER_MS, "pause", NULL);
  fixture_add(&f, "queued", 0, FOREVER_MS, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 1);
  ck_assert_int_eq(result_of(&f, "first")->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(result_of(&f, "first")->term_signal, SIGTERM);
  const uvsup_result_t* q = result_of(&f, "queued");
  ck_assert_int_eq(q->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_eq(q->pid, 0);
  ck_assert_int_eq(f.summary.stopped, 2);
  ck_assert_int_eq(f.summary.failed, 0);
}
END_TEST

START_TEST(test_stop_second_stop_kills_at_once) {
  fixture_t f;
  fixture_init(&f, 0);
  fixture_add(&f, "stubborn", 0, FOREVER_MS, "ignore", "15", "ready", "pause",
              NULL);
  /* The second stop, with SIGKILL, must not wait out the grace. */
  ready_t ready;
  stop_when_ready(&ready, &f, 1);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "stubborn")->term_signal, SIGKILL);
  ck_assert_int_eq(result_of(&f, "stubborn")->end, UVSUP_END_STOPPED);
}
END_TEST

static void stop_instantly(fixture_t* f, uvsup_worker_t* worker) {
  ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
}

START_TEST(test_stop_worker_that_exits_at_once) {
  fixture_t f;
  fixture_init(&f, 0);
  f.on_start_hook = stop_instantly;
  fixture_add(&f, "brief", 0, FOREVER_MS, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  /* The summary is not held up, whichever came first: the stop (it ends
   * as stopped) or the exit (its stop signal found it ended: the end is
   * its own). */
  const uvsup_result_t* r = result_of(&f, "brief");
  ck_assert(r->end == UVSUP_END_STOPPED ||
            (r->end == UVSUP_END_EXITED && r->ok));
  ck_assert_uint_eq(f.summary.workers, 1);
}
END_TEST

START_TEST(test_stop_before_start_and_when_idle) {
  fixture_t f;
  fixture_init(&f, 0);
  fixture_add(&f, "never", 0, 0, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_stop(f.sup, 0), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  ck_assert_int_eq(uvsup_stop(f.sup, 0), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 0);
  ck_assert_int_eq(result_of(&f, "never")->end, UVSUP_END_NOT_STARTED);

  /* Nothing added at all. */
  fixture_init(&f, 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  ck_assert_int_eq(uvsup_stop(f.sup, 0), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.summary.workers, 0);
}
END_TEST

static void stop_other(fixture_t* f, uvsup_worker_t* worker) {
  if (strcmp(uvsup_worker_name(worker), "victim") == 0) {
    ck_assert_int_eq(uvsup_stop_worker(worker, SIGINT), 0);
  }
}

START_TEST(test_stop_one_worker) {
  fixture_t f;
  fixture_init(&f, 0);
  f.on_start_hook = stop_other;
  fixture_add(&f, "victim", 0, FOREVER_MS, "pause", NULL);
  fixture_add(&f, "bystander", 0, 0, "sleep", "50", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "victim")->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(result_of(&f, "victim")->term_signal, SIGINT);
  ck_assert_int_eq(result_of(&f, "bystander")->ok, 1);
}
END_TEST

static void drain_on_first(fixture_t* f, uvsup_worker_t* worker) {
  (void)worker;
  ck_assert_int_eq(uvsup_drain(f->sup), 0);
  ck_assert_int_eq(uvsup_add(f->sup, NULL, NULL), UVSUP_ESTOPPING);
}

START_TEST(test_stop_drain_lets_running_finish) {
  fixture_t f;
  fixture_init(&f, 1);
  f.on_start_hook = drain_on_first;
  fixture_add(&f, "running", 0, 0, "sleep", "50", "exit", "3", NULL);
  fixture_add(&f, "queued", 0, 0, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "running")->end, UVSUP_END_EXITED);
  ck_assert_int_eq(result_of(&f, "running")->exit_status, 3);
  ck_assert_int_eq(result_of(&f, "queued")->end, UVSUP_END_NOT_STARTED);
}
END_TEST

START_TEST(test_stop_bad_signal) {
  fixture_t f;
  fixture_init(&f, 0);
  uvsup_worker_t* w = fixture_add(&f, "w", 0, 0, "exit", "0", NULL);
  ck_assert_int_eq(uvsup_stop(f.sup, -1), UV_EINVAL);
  ck_assert_int_eq(uvsup_stop(f.sup, 65), UV_EINVAL);
  ck_assert_int_eq(uvsup_stop_worker(w, 99), UV_EINVAL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "w")->ok, 1);
}
END_TEST

int main(void) {
  Suite* s = suite_create("stop");
  TCase* timeout = tcase_create("timeout");
  tcase_add_test(timeout, test_stop_timeout);
  tcase_add_test(timeout, test_stop_escalates_to_kill);
  tcase_add_test(timeout, test_stop_self_stopped_worker);
  suite_add_tcase(s, timeout);

  TCase* groups = tcase_create("groups");
  tcase_add_test(groups, test_stop_reaches_grandchildren);
  tcase_add_test(groups, test_stop_leftover_group_after_exit);
  tcase_add_test(groups, test_stop_leftover_with_exited_main_thread);
  tcase_add_test(groups, test_stop_leftovers_of_many_workers);
  suite_add_tcase(s, groups);

  TCase* requests = tcase_create("requests");
  tcase_add_test(requests, test_stop_from_callback_twice);
  tcase_add_test(requests, test_stop_second_stop_kills_at_once);
  tcase_add_test(requests, test_stop_worker_that_exits_at_once);
  tcase_add_test(requests, test_stop_before_start_and_when_idle);
  tcase_add_test(requests, test_stop_one_worker);
  tcase_add_test(requests, test_stop_drain_lets_running_finish);
  tcase_add_test(requests, test_stop_bad_signal);
  suite_add_tcase(s, requests);

  return tu_run_suite(s);
}
