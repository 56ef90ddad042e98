/* uvsup as an init, end to end: --init passes exit statuses through (tini's
 * mapping), passes signals on, and as PID 1 of a new PID namespace reaps
 * orphans; -s adopts orphans and stops those left at the end. tini's own
 * test suite is the checklist. Tests that need a PID namespace skip with a
 * message where unshare is not allowed. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CHILD   UVSUP_TEST_CHILD
#define UNSHARE "/usr/bin/unshare"

/* argv: [unshare --pid --fork --mount-proc] uvsup ARGS... (up to NULL). */
static void build(char** argv, int in_namespace, va_list ap) {
  int n = 0;
  if (in_namespace) {
    argv[n++] = UNSHARE;
    argv[n++] = "--pid";
    argv[n++] = "--fork";
    argv[n++] = "--mount-proc";
  }
  argv[n++] = UVSUP_TEST_CLI;
  const char* arg;
  while ((arg = va_arg(ap, const char*)) != NULL) {
    ck_assert_int_lt(n, TU_MAX_ARGS - 1);
    argv[n++] = (char*)arg;
  }
  argv[n] = NULL;
}

static void run(tu_result_t* r, int in_namespace, ...)
    __attribute__((sentinel));
static void run(tu_result_t* r, int in_namespace, ...) {
  char* argv[TU_MAX_ARGS];
  va_list ap;
  va_start(ap, in_namespace);
  build(argv, in_namespace, ap);
  va_end(ap);
  tu_run(argv, NULL, r);
}

static void start(tu_proc_t* p, int in_namespace, ...)
    __attribute__((sentinel));
static void start(tu_proc_t* p, int in_namespace, ...) {
  char* argv[TU_MAX_ARGS];
  va_list ap;
  va_start(ap, in_namespace);
  build(argv, in_namespace, ap);
  va_end(ap);
  tu_start(argv, NULL, p);
}

/* 1 when a new PID namespace can be made here (root, no seccomp in the
 * way); else says why the test is skipped. */
static int namespaces_allowed(void) {
  static int allowed = -1;
  if (allowed < 0) {
    char* argv[] = { UNSHARE, "--pid", "--fork", "--mount-proc", "true", NULL };
    tu_result_t r;
    allowed = access(UNSHARE, X_OK) == 0;
    if (allowed) {
      tu_run(argv, NULL, &r);
      allowed = r.status == 0;
      tu_result_free(&r);
    }
  }
  if (!allowed) {
    fprintf(stderr,
            "skipped: unshare --pid --fork --mount-proc is not "
            "allowed here\n");
  }
  return allowed;
}

/* uvsup's pid: the child of unshare --fork (p->pid) in a namespace. */
static pid_t uvsup_pid(const tu_proc_t* p, int in_namespace) {
  if (!in_namespace) {
    return p->pid;
  }
  char* path = tu_fmt("/proc/%d/task/%d/children", (int)p->pid, (int)p->pid);
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int pid = 0;
  ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
  fclose(f);
  free(path);
  return pid;
}

/* tini's exit code test: every status 0-255 comes back as it was. */
START_TEST(test_init_exit_codes_pass_through) {
  for (int code = 0; code < 256; code++) {
    char* text = tu_fmt("%d", code);
    tu_result_t r;
    run(&r, 0, "--init", "--", CHILD, "exit", text, NULL);
    ck_assert_msg(r.status == code, "exit %d came back as %d", code, r.status);
    ck_assert_str_eq(r.err, ""); /* an init says nothing */
    tu_result_free(&r);
    free(text);
  }
}
END_TEST

START_TEST(test_init_exit_codes_as_pid1) {
  if (!namespaces_allowed()) {
    return;
  }
  static const char* const codes[] = { "0", "1", "3", "126", "255" };
  for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
    tu_result_t r;
    run(&r, 1, "--init", "--", CHILD, "out", "hello", "exit", codes[i], NULL);
    ck_assert_int_eq(r.status, atoi(codes[i]));
    ck_assert_str_eq(r.out, "hello\n"); /* its own stdout, untouched */
    tu_result_free(&r);
  }
}
END_TEST

/* 128+N for a program killed by signal N; 127 not found, 126 not
 * executable, as a shell and tini say. */
START_TEST(test_init_signal_and_spawn_statuses) {
  tu_result_t r;
  run(&r, 0, "--init", "--", CHILD, "raise", "9", NULL);
  ck_assert_int_eq(r.status, 128 + SIGKILL);
  tu_result_free(&r);
  run(&r, 0, "--init", "--", CHILD, "raise", "15", NULL);
  ck_assert_int_eq(r.status, 128 + SIGTERM);
  tu_result_free(&r);
  run(&r, 0, "--init", "--", "/nonexistent/program", NULL);
  ck_assert_int_eq(r.status, 127);
  ck_assert_ptr_nonnull(strstr(r.err, "cannot run /nonexistent/program"));
  tu_result_free(&r);
  char* plain = tu_write_temp("not a program\n", 14);
  chmod(plain, 0644);
  run(&r, 0, "--init", "--", plain, NULL);
  ck_assert_int_eq(r.status, 126);
  tu_result_free(&r);
  unlink(plain);
  free(plain);
}
END_TEST

/* Sends signum to uvsup once the program traps it; the program exits with
 * the signal's number when it arrives. */
static void check_forwarded(int in_namespace, int signum) {
  char* text = tu_fmt("%d", signum);
  tu_proc_t p;
  start(&p, in_namespace, "--init", "--", CHILD, "trap", text, "out", "trapped",
        "pause", NULL);
  tu_wait_for_count(&p, "trapped", 1);
  ck_assert_int_eq(kill(uvsup_pid(&p, in_namespace), signum), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == signum, "signal %d: status %d, stderr %s", signum,
                r.status, r.err);
  ck_assert_str_eq(r.err, ""); /* an init says nothing */
  tu_result_free(&r);
  free(text);
}

/* Every catchable signal that is not a stop reaches the program (tini's
 * signals test), in a namespace and out of one. SIGTERM too, and the
 * program's answer to it is the status (it trapped it: no 143). */
START_TEST(test_init_passes_signals_on) {
  const int signals[] = { SIGHUP,  SIGUSR1, SIGUSR2,      SIGWINCH, SIGQUIT,
                          SIGALRM, SIGCONT, SIGRTMIN + 2, SIGTERM,  SIGINT };
  for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
    check_forwarded(0, signals[i]);
  }
  if (namespaces_allowed()) {
    check_forwarded(1, SIGUSR1);
    check_forwarded(1, SIGHUP);
    check_forwarded(1, SIGTERM);
  }
}
END_TEST

/* tini's reaping test: orphaned grandchildren are reaped as they exit,
 * and no zombie is left, with --init and as PID 1 of any run. The
 * program waits until each orphan is gone (it would wait forever for one
 * left a zombie), then counts zombies. */
START_TEST(test_init_reaps_orphans_as_pid1) {
  if (!namespaces_allowed()) {
    return;
  }
  char* pids = tu_write_temp("", 0);
  tu_result_t r;
  run(&r, 1, "--init", "--", CHILD, "orphans", "30", "0", pids, "orphan", "20",
      pids, "orphans", "10", "5", pids, "waitgone", pids, "zombies", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "zombies 0\n");
  tu_result_free(&r);
  /* The pids of a namespace now gone mean nothing in the next. */
  ck_assert_int_eq(truncate(pids, 0), 0);
  /* PID 1 without --init: the same duties for a Procfile's workers. */
  char* cmd = tu_fmt("%s orphans 20 0 %s orphans 5 3 %s waitgone %s zombies",
                     CHILD, pids, pids, pids);
  /* One worker: another's orphans would be zombies for the moment
   * between their exit and their reaping when this one counts. */
  run(&r, 1, "--summary", "none", "-q", "-c", cmd, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "1 | zombies 0\n");
  tu_result_free(&r);
  free(cmd);
  unlink(pids);
  free(pids);
}
END_TEST

/* Asserts every pid in path is gone (and there was one). */
static void assert_gone(const char* path) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int pid, n = 0;
  while (fscanf(f, "%d", &pid) == 1) {
    ck_assert_msg(kill(pid, 0) != 0 && errno == ESRCH,
                  "orphan %d outlived uvsup", pid);
    n++;
  }
  fclose(f);
  ck_assert_int_gt(n, 0);
}

/* Orphans still running when the work is done are stopped (stop signal,
 * SIGKILL after the grace) before uvsup exits, not left to the system:
 * with -s, and with --init outside a namespace (a subreaper then). */
START_TEST(test_init_subreaper_stops_leftovers) {
  char* pids = tu_write_temp("", 0);
  char* cmd = tu_fmt("%s orphan 3600000 %s", CHILD, pids);
  tu_result_t r;
  run(&r, 0, "-s", "-q", "--summary", "none", "-c", cmd, NULL);
  ck_assert_int_eq(r.status, 0);
  assert_gone(pids);
  tu_result_free(&r);
  /* One that ignores SIGTERM gets SIGKILL after --kill-after. */
  char* ignoring = tu_fmt("%s ignore 15 orphan 3600000 %s", CHILD, pids);
  run(&r, 0, "--subreaper", "--kill-after", "100ms", "-q", "--summary", "none",
      "-c", ignoring, NULL);
  ck_assert_int_eq(r.status, 0);
  assert_gone(pids);
  tu_result_free(&r);
  run(&r, 0, "--init", "--kill-after", "100ms", "--", CHILD, "ignore", "15",
      "orphan", "3600000", pids, "exit", "4", NULL);
  ck_assert_int_eq(r.status, 4);
  assert_gone(pids);
  tu_result_free(&r);
  free(ignoring);
  free(cmd);
  unlink(pids);
  free(pids);
}
END_TEST

/* The program reads uvsup's stdin (docker run -i); other workers get
 * /dev/null. */
START_TEST(test_init_program_reads_stdin) {
  char* argv[] = { UVSUP_TEST_CLI, "--init", "--", CHILD, "cat", NULL };
  tu_result_t r;
  tu_run(argv, "line one\nline two\n", &r);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "line one\nline two\n");
  tu_result_free(&r);
  char* cmd = tu_fmt("%s cat", CHILD);
  char* batch[] = {
    UVSUP_TEST_CLI, "-q", "--summary", "none", "-c", cmd, NULL
  };
  tu_run(batch, "not for workers\n", &r);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

START_TEST(test_init_usage_errors) {
  tu_result_t r;
  run(&r, 0, "--init", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "no workers"));
  tu_result_free(&r);
  run(&r, 0, "--init", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_ptr_nonnull(strstr(r.err, "--init runs one PROGRAM"));
  tu_result_free(&r);
  run(&r, 0, "--init", "--", CHILD, "exit", "0", ":::", "a", NULL);
  ck_assert_int_eq(r.status, 0); /* ':::' is the program's argument */
  tu_result_free(&r);
  run(&r, 0, "-s=x", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  tu_result_free(&r);
}
END_TEST

int main(void) {
  Suite* s = suite_create("init");
  TCase* tc = tu_tcase_new(s, "core", 120);
  tcase_add_test(tc, test_init_exit_codes_pass_through);
  tcase_add_test(tc, test_init_exit_codes_as_pid1);
  tcase_add_test(tc, test_init_signal_and_spawn_statuses);
  tcase_add_test(tc, test_init_passes_signals_on);
  tcase_add_test(tc, test_init_reaps_orphans_as_pid1);
  tcase_add_test(tc, test_init_subreaper_stops_leftovers);
  tcase_add_test(tc, test_init_program_reads_stdin);
  tcase_add_test(tc, test_init_usage_errors);
  return tu_run_suite(s);
}
