/* The CLI stopping things end to end: SIGINT/SIGTERM/SIGHUP to uvsup, a
 * second SIGINT, SIGUSR1 status, --timeout and --halt, with real workers and
 * a look for every process they started. */
#define _GNU_SOURCE /* asprintf */

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

/* A shell command running the test child with the given steps. */
static char* child_cmd(const char* steps) {
  char* cmd;
  ck_assert_int_ge(asprintf(&cmd, "exec %s %s", CHILD, steps), 0);
  return cmd;
}

static void assert_contains(const char* haystack, const char* needle) {
  ck_assert_msg(strstr(haystack, needle) != NULL, "expected '%s' in:\n%s",
                needle, haystack);
}

/* Asserts every pid listed in path is gone; there must be some. */
static void assert_all_gone(const char* path) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int pid, n = 0;
  while (fscanf(f, "%d", &pid) == 1) {
    ck_assert_msg(!tu_pid_alive(pid), "pid %d outlived uvsup", pid);
    n++;
  }
  fclose(f);
  ck_assert_int_gt(n, 0);
}

/* Two workers (one with a grandchild that ignores SIGTERM) are running and
 * ready when uvsup gets signum: it must stop them all, print the summary and
 * exit 128+signum. */
static void check_shutdown(int signum, const char* signame) {
  char* pids = tu_write_temp("", 0);
  char steps[512];
  snprintf(steps, sizeof(steps), "pidfile %s fork 60000 %s out ready pause",
           pids, pids);
  char* with_grandchild = child_cmd(steps);
  snprintf(steps, sizeof(steps), "pidfile %s out ready pause", pids);
  char* plain = child_cmd(steps);
  char* argv[] = { UVSUP_TEST_CLI, "--kill-after", "300ms",         "-n",
                   "parent",       "-c",           with_grandchild, "-n",
                   "plain",        "-c",           plain,           NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "ready\n", 2);
  ck_assert_int_eq(kill(p.pid, signum), 0);
  tu_result_t r;
  tu_finish(&p, &r);

  ck_assert_int_eq(r.status, 128 + signum);
  char line[64];
  snprintf(line, sizeof(line), "stopped (%s)", signame);
  assert_contains(r.err, line);
  snprintf(line, sizeof(line), "interrupted by %s", signame);
  assert_contains(r.err, line);
  assert_contains(r.err, "2 workers: 0 ok, 0 failed, 2 stopped");
  assert_all_gone(pids);
  tu_result_free(&r);
  unlink(pids);
  free(pids);
  free(with_grandchild);
  free(plain);
}

START_TEST(test_signals_sigint_stops_all) {
  check_shutdown(SIGINT, "SIGINT");
}
END_TEST

START_TEST(test_signals_sigterm_stops_all) {
  check_shutdown(SIGTERM, "SIGTERM");
}
END_TEST

START_TEST(test_signals_sighup_stops_all) {
  check_shutdown(SIGHUP, "SIGHUP");
}
END_TEST

START_TEST(test_signals_second_sigint_kills_at_once) {
  /* The worker ignores SIGINT and the grace is an hour: only the second
   * SIGINT's SIGKILL can end this test in time. */
  char* cmd = child_cmd("ignore 2 out ready pause");
  char* argv[] = { UVSUP_TEST_CLI, "--kill-after", "1h", "-n",
                   "deaf",         "-c",           cmd,  NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "ready\n", 1);
  ck_assert_int_eq(kill(p.pid, SIGINT), 0);
  tu_wait_for_count(&p, "got SIGINT", 1);
  ck_assert_int_eq(kill(p.pid, SIGINT), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 130);
  assert_contains(r.err, "got SIGINT again, killing every worker");
  assert_contains(r.err, "stopped (SIGKILL)");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

START_TEST(test_signals_sigusr1_lists_running) {
  char* cmd = child_cmd("out ready pause");
  char* argv[] = { UVSUP_TEST_CLI, "-n", "sleeper", "-c", cmd, NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "ready\n", 1);
  ck_assert_int_eq(kill(p.pid, SIGUSR1), 0);
  tu_wait_for_count(&p, "running for", 1);
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  /* uvsup carried on after SIGUSR1 until the SIGTERM. */
  ck_assert_int_eq(r.status, 143);
  assert_contains(r.err, "uvsup: 1 running\n");
  assert_contains(r.err, "uvsup:   sleeper  pid ");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

/* 1 when len bytes of p are 0, 1, ..., 255, 0, ... (testchild's bytes). */
static int is_byte_run(const char* p, size_t len) {
  for (size_t i = 0; i < len; i++) {
    if ((unsigned char)p[i] != (unsigned char)(i % 256)) {
      return 0;
    }
  }
  return 1;
}

START_TEST(test_signals_kept_while_output_drains) {
  /* The worker has ended, but its output still waits for a stdout nobody
   * reads yet: SIGUSR1 must not kill uvsup, and SIGTERM must not cut the
   * output or the summary. Both still reach uvsup's handlers. */
  char* cmd = child_cmd("bytes 900000 err done");
  char* argv[] = { UVSUP_TEST_CLI, "--output", "group", "-n", "w",
                   "-c",           cmd,        NULL };
  tu_proc_t p;
  tu_start_full(argv, 1, &p);
  size_t prefilled = p.prefilled;
  tu_wait_on(&p, 2, "done\n");
  ck_assert_int_eq(kill(p.pid, SIGUSR1), 0);
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_result_t r;
  ck_assert(tu_finish_within(&p, &r, 30000, 0));
  ck_assert_msg(r.status == 143, "status %d:\n%s", r.status, r.err);
  ck_assert_uint_eq(r.out_len, prefilled + 900000);
  ck_assert(is_byte_run(r.out + prefilled, 900000));
  assert_contains(r.err, "uvsup: 0 running\n");
  assert_contains(r.err, "got SIGTERM");
  assert_contains(r.err, "1 worker: 1 ok, 0 failed");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

/* Starts uvsup with args and a stdout nobody reads, waits for `wait_for`
 * on stderr, then sends SIGTERM twice: the second must drop the output
 * that waits so that uvsup exits, with its summary. */
static void check_second_signal_drops_output(char** argv,
                                             const char* wait_for) {
  tu_proc_t p;
  tu_start_full(argv, 1, &p);
  tu_wait_on(&p, 2, wait_for);
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_wait_on(&p, 2, "got SIGTERM");
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_result_t r;
  ck_assert_msg(tu_finish_within(&p, &r, 15000, 1),
                "uvsup still waits for its stdout:\n%s", r.err);
  ck_assert_msg(r.status == 143, "status %d:\n%s", r.status, r.err);
  assert_contains(r.err, "got SIGTERM again");
  assert_contains(r.err, "1 worker: ");
  assert_contains(r.err, "interrupted by SIGTERM");
  tu_result_free(&r);
}

START_TEST(test_signals_second_signal_drops_blocked_output) {
  /* A worker still running, paused on a full stdout (it has more to
   * write than uvsup holds), and one that has ended with its output
   * waiting: either way the second SIGTERM lets uvsup exit. */
  char* running = child_cmd("lines 20000 x err started lines 2000000 x");
  char* argv[] = { UVSUP_TEST_CLI, "-n", "w", "-c", running, NULL };
  check_second_signal_drops_output(argv, "w | started\n");
  char* ended = child_cmd("bytes 900000 err done");
  char* argv2[] = { UVSUP_TEST_CLI, "--output", "group", "-n", "w",
                    "-c",           ended,      NULL };
  check_second_signal_drops_output(argv2, "done\n");
  free(ended);
  free(running);
}
END_TEST

/* Checks that uvsup's own messages sit on lines of their own among the
 * worker's tagged "w | e N" lines, which all come, in order. */
static void assert_messages_apart(const char* err, long lines) {
  long next = 1;
  for (const char* p = err; *p != '\0';) {
    const char* nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    const char* msg = memmem(p + 1, (size_t)(nl - p), "uvsup:", 6);
    ck_assert_msg(msg == NULL || msg > nl, "a message inside a line: %.*s",
                  (int)(nl - p), p);
    if (strncmp(p, "w | ", 4) == 0) {
      char want[32];
      int n = snprintf(want, sizeof(want), "w | e %ld", next);
      ck_assert_msg(nl - p == n && memcmp(p, want, (size_t)n) == 0,
                    "expected '%s', got '%.*s'", want, (int)(nl - p), p);
      next++;
    }
    p = nl + 1;
  }
  ck_assert_int_eq(next, lines + 1);
}

START_TEST(test_signals_messages_at_line_boundaries) {
  /* The worker's stderr lines wait for a stderr that is full and read a
   * page at a time, while uvsup is asked for its status again and again:
   * every listing lands between the tagged lines, never inside one. The
   * lines fit in what uvsup holds, so "ready" comes once they wait. */
  char* cmd = child_cmd("errblocks 50000 e out ready");
  char* argv[] = { UVSUP_TEST_CLI, "-n", "w", "-c", cmd, NULL };
  tu_proc_t p;
  tu_start_full(argv, 2, &p);
  size_t prefilled = p.prefilled;
  tu_wait_on(&p, 1, "w | ready\n");
  for (int i = 0; i < 100; i++) {
    ck_assert_int_eq(kill(p.pid, SIGUSR1), 0);
    /* A page at a time: the pipe stays full, so uvsup's writes to it
     * end wherever the room does, mostly inside a line. */
    for (size_t got = 0; got < 4096;) {
      size_t n = tu_read_once(&p, 2, 4096 - got);
      ck_assert_uint_gt(n, 0);
      got += n;
    }
  }
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 0, "status %d", r.status);
  assert_messages_apart(r.err + prefilled, 50000);
  assert_contains(r.err, " running\n");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

START_TEST(test_signals_timeout) {
  char* slow = child_cmd("sleep 60000");
  char* stubborn = child_cmd("ignore 15 sleep 60000");
  char* argv[] = { UVSUP_TEST_CLI, "--timeout", "100ms",  "--kill-after",
                   "100ms",        "--summary", "json",   "-n",
                   "slow",         "-c",        slow,     "-n",
                   "stubborn",     "-c",        stubborn, "-n",
                   "quick",        "-c",        "true",   NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  ck_assert_int_eq(r.status, 1);
  assert_contains(r.err, "{\"name\":\"slow\",\"pid\":");
  assert_contains(r.err,
                  "\"exit_code\":null,\"signal\":\"SIGTERM\",\"error\":null,"
                  "\"timed_out\":true,\"end\":\"timed_out\"");
  assert_contains(r.err,
                  "\"exit_code\":null,\"signal\":\"SIGKILL\",\"error\":null,"
                  "\"timed_out\":true,\"end\":\"timed_out\"");
  assert_contains(r.err, "\"timed_out\":false,\"end\":\"exited\"");
  assert_contains(r.err, "\"failed\":2,");
  tu_result_free(&r);

  /* The same in text. */
  argv[5] = "--summary=text";
  argv[6] = "--jobs=0";
  tu_run(argv, NULL, &r);
  ck_assert_int_eq(r.status, 1);
  assert_contains(r.err, "timed out (SIGTERM)");
  assert_contains(r.err, "timed out (SIGKILL)");
  assert_contains(r.err, "warning: 2 failed: slow, stubborn");
  tu_result_free(&r);
  free(slow);
  free(stubborn);
}
END_TEST

START_TEST(test_signals_halt_now_on_failure) {
  /* "bad" fails only once "waiter" runs (a FIFO between them). */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/started", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* bad = tu_fmt("read x < %s; exit 4", fifo);
  char* waiter = tu_fmt("echo up > %s; exec %s pause", fifo, CHILD);
  char* argv[] = { UVSUP_TEST_CLI, "--halt", "now,fail=1", "-n",
                   "bad",          "-c",     bad,          "-n",
                   "waiter",       "-c",     waiter,       NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  free(bad);
  free(fifo);
  free(dir);
  ck_assert_int_eq(r.status, 1);
  assert_contains(r.err, "exit 4");
  assert_contains(r.err, "stopped (SIGTERM)");
  assert_contains(r.err, "halted by --halt");
  tu_result_free(&r);
  free(waiter);
}
END_TEST

START_TEST(test_signals_halt_soon_on_failure) {
  /* One at a time: the failure stops the queue, nothing is killed. */
  char* argv[] = { UVSUP_TEST_CLI, "-j",        "1",          "--halt",
                   "soon,fail=1",  "--summary", "json",       "-c",
                   "exit 3",       "-c",        "echo never", NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  ck_assert_int_eq(r.status, 1);
  ck_assert_ptr_null(strstr(r.out, "never"));
  assert_contains(r.err, "\"exit_code\":3");
  assert_contains(r.err, "\"end\":\"not_started\"");
  assert_contains(r.err, "\"stopped_by\":\"halt\"");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_signals_halt_now_on_success) {
  /* "fast" ends only once "waiter" runs (it reads what waiter writes to a
   * FIFO): spawns come from the loop in slices, and on a loaded machine
   * fast could otherwise end before waiter was ever started. */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/started", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* fast = tu_fmt("read x < %s", fifo);
  char* waiter = tu_fmt("echo up > %s; exec %s pause", fifo, CHILD);
  char* argv[] = { UVSUP_TEST_CLI, "--halt", "now,success=1",
                   "-n",           "fast",   "-c",
                   fast,           "-n",     "waiter",
                   "-c",           waiter,   NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  /* As with GNU parallel, reaching the successes asked for is success. */
  ck_assert_int_eq(r.status, 0);
  assert_contains(r.err, "stopped (SIGTERM)");
  tu_result_free(&r);
  free(waiter);
  free(fast);
  free(fifo);
  free(dir);
}
END_TEST

int main(void) {
  Suite* s = suite_create("signals");
  TCase* shutdown = tcase_create("shutdown");
  tcase_add_test(shutdown, test_signals_sigint_stops_all);
  tcase_add_test(shutdown, test_signals_sigterm_stops_all);
  tcase_add_test(shutdown, test_signals_sighup_stops_all);
  tcase_add_test(shutdown, test_signals_second_sigint_kills_at_once);
  tcase_add_test(shutdown, test_signals_sigusr1_lists_running);
  tcase_add_test(shutdown, test_signals_kept_while_output_drains);
  tcase_add_test(shutdown, test_signals_second_signal_drops_blocked_output);
  tcase_add_test(shutdown, test_signals_messages_at_line_boundaries);
  suite_add_tcase(s, shutdown);

  TCase* limits = tu_tcase_new(s, "limits", 0);
  tcase_add_test(limits, test_signals_timeout);
  tcase_add_test(limits, test_signals_halt_now_on_failure);
  tcase_add_test(limits, test_signals_halt_soon_on_failure);
  tcase_add_test(limits, test_signals_halt_now_on_success);

  return tu_run_suite(s);
}
