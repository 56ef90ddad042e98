/* The supervisor with real child processes: exit codes, signals, spawn
 * errors, the concurrency limit, the pid table, on_done and loop closing. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>
#include <uv.h>

#include "fixture.h"
#include "testutil.h"

START_TEST(test_supervisor_exit_codes) {
  fixture_t f;
  fixture_init(&f, 0);
  add_child(&f, "zero", "exit", "0", NULL);
  add_child(&f, "three", "exit", "3", NULL);
  add_child(&f, "killed", "raise", "9", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);

  ck_assert_int_eq(f.starts, 3);
  ck_assert_int_eq(f.exits, 3);
  const uvsup_result_t* r = result_of(&f, "zero");
  ck_assert_int_eq(r->end, UVSUP_END_EXITED);
  ck_assert_int_eq(r->ok, 1);
  ck_assert_int_eq(r->exit_status, 0);
  ck_assert_int_gt(r->pid, 0);
  r = result_of(&f, "three");
  ck_assert_int_eq(r->end, UVSUP_END_EXITED);
  ck_assert_int_eq(r->ok, 0);
  ck_assert_int_eq(r->exit_status, 3);
  r = result_of(&f, "killed");
  ck_assert_int_eq(r->end, UVSUP_END_SIGNALED);
  ck_assert_int_eq(r->term_signal, SIGKILL);
  ck_assert_int_eq(r->exit_status, -1);
  ck_assert_int_eq(f.summary.workers, 3);
  ck_assert_int_eq(f.summary.succeeded, 1);
  ck_assert_int_eq(f.summary.failed, 2);
}
END_TEST

START_TEST(test_supervisor_pid_table) {
  fixture_t f;
  fixture_init(&f, 0);
  uvsup_worker_t* a = add_child(&f, "a", "sleep", "20", NULL);
  uvsup_worker_t* b = add_child(&f, "b", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_worker_pid(a), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  /* Spawning happens from the loop, never inside a call: on_start checks
   * the table for each spawn. */
  ck_assert_int_eq(uvsup_worker_pid(a), 0);
  ck_assert_int_eq(uvsup_worker_pid(b), 0);
  ck_assert_ptr_eq(uvsup_find_name(f.sup, "a"), a);
  ck_assert_ptr_null(uvsup_find_name(f.sup, "c"));
  fixture_run(&f);
  ck_assert_int_eq(f.found_at_start, 2);
  /* After its exit callback a pid may be reused: it is no longer found. */
  ck_assert_int_eq(f.found_at_exit, 0);
  ck_assert_int_eq(result_of(&f, "a")->pid, f.pids[0]);
  ck_assert_int_eq(result_of(&f, "b")->pid, f.pids[1]);
}
END_TEST

START_TEST(test_supervisor_durations) {
  fixture_t f;
  fixture_init(&f, 0);
  add_child(&f, "slow", "sleep", "200", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_uint_ge(f.results[0].duration_ns, 200 * 1000000ULL);
  ck_assert_uint_ge(f.summary.duration_ns, f.results[0].duration_ns);
}
END_TEST

START_TEST(test_supervisor_concurrency_limit) {
  fixture_t f;
  fixture_init(&f, 2);
  char name[8];
  for (int i = 0; i < 7; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(&f, name, "sleep", "30", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  ck_assert_uint_eq(uvsup_running(f.sup), 0); /* spawns come from the loop */
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 7);
  ck_assert_int_eq(f.exits, 7);
  ck_assert_uint_eq(f.max_running, 2);
  ck_assert_int_eq(f.summary.succeeded, 7);
}
END_TEST

START_TEST(test_supervisor_no_limit_runs_all_at_once) {
  fixture_t f;
  fixture_init(&f, 0);
  /* Workers wait for a signal; the stop comes once all 20 have started. */
  f.stop_at_starts = 20;
  char name[8];
  for (int i = 0; i < 20; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(&f, name, "pause", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_uint_eq(f.max_running, 20);
  ck_assert_int_eq(f.summary.stopped, 20);
  ck_assert_int_eq(f.results[0].end, UVSUP_END_STOPPED);
  ck_assert_int_eq(f.results[0].term_signal, SIGTERM);
}
END_TEST

/* In a process of its own, as a user of its own with room for 6
 * processes: 20 workers at once find no process slot (fork: EAGAIN) while
 * others run. Exits 0 when every worker waited its turn and succeeded. The
 * limit counts every process of the user, so the user is unused (derived
 * from the pid): as `nobody`, a run of this suite with the other spawner at
 * the same time took its slots, and the spawn helper found none. */
static void run_short_of_processes(void) {
  struct rlimit lim = { 6, 6 };
  uid_t uid = (uid_t)(3000000 + getpid() % 1000000);
  if (setrlimit(RLIMIT_NPROC, &lim) != 0 || setgid(uid) != 0 ||
      setuid(uid) != 0) {
    _exit(3);
  }
  fixture_t f;
  fixture_init(&f, 0);
  char name[8];
  for (int i = 0; i < 20; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(&f, name, "sleep", "20", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  _exit(f.summary.succeeded == 20 ? 0 : 10 + (int)f.summary.failed);
}

START_TEST(test_supervisor_waits_for_process_slots) {
  /* A shortage that clears when another worker ends is a wait, not a
   * failure: EAGAIN from fork (ulimit -u, a pids cgroup) as EMFILE. */
  if (geteuid() != 0) {
    fprintf(stderr, "skipped: needs root to become another user\n");
    return;
  }
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    run_short_of_processes();
  }
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "exit status %d (10 + failed workers)", WEXITSTATUS(status));
}
END_TEST

/* a holds the queue when it starts and lets it go when it ends: b, added
 * meanwhile, must start only after a's end. */
static void hold_at_start(fixture_t* f, uvsup_worker_t* worker) {
  if (strcmp(uvsup_worker_name(worker), "a") == 0) {
    ck_assert_int_eq(uvsup_hold(f->sup, 1), 0);
    add_child(f, "b", "exit", "0", NULL);
  }
}

static void release_at_exit(fixture_t* f, uvsup_worker_t* worker) {
  if (strcmp(uvsup_worker_name(worker), "a") == 0) {
    ck_assert_int_eq(f->starts, 1); /* b waited */
    ck_assert_int_eq(uvsup_hold(f->sup, 0), 0);
  }
}

START_TEST(test_supervisor_hold) {
  fixture_t f;
  fixture_init(&f, 0);
  f.on_start_hook = hold_at_start;
  f.on_exit_hook = release_at_exit;
  add_child(&f, "a", "sleep", "50", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 2);
  ck_assert_str_eq(f.results[0].name, "a");
  ck_assert_str_eq(f.results[1].name, "b");
  ck_assert_int_eq(f.summary.succeeded, 2);
}
END_TEST

START_TEST(test_supervisor_no_workers) {
  fixture_t f;
  fixture_init(&f, 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  /* on_done comes from the loop, never from inside uvsup_start(). */
  ck_assert_int_eq(f.done, 0);
  fixture_run(&f);
  ck_assert_int_eq(f.summary.workers, 0);
}
END_TEST

START_TEST(test_supervisor_spawn_errors) {
  fixture_t f;
  fixture_init(&f, 0);
  /* A file that exists but may not be executed, even by root. */
  char* noexec = tu_write_temp("#!/bin/sh\n", 10);
  ck_assert_int_eq(chmod(noexec, 0644), 0);

  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = "missing";
  w.file = "/nonexistent/uvsup-no-such-program";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  w.name = "noexec";
  w.file = noexec;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  w.name = "badcwd";
  w.file = UVSUP_TEST_CHILD;
  w.cwd = "/nonexistent-dir";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  add_child(&f, "fine", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  unlink(noexec);
  free(noexec);

  const uvsup_result_t* r = result_of(&f, "missing");
  ck_assert_int_eq(r->end, UVSUP_END_SPAWN_FAILED);
  ck_assert_int_eq(r->error, UV_ENOENT);
  ck_assert_int_eq(r->pid, 0);
  ck_assert_int_eq(r->ok, 0);
  ck_assert_int_eq(result_of(&f, "noexec")->error, UV_EACCES);
  ck_assert_int_eq(result_of(&f, "badcwd")->error, UV_ENOENT);
  ck_assert_int_eq(result_of(&f, "fine")->ok, 1);
  ck_assert_int_eq(f.starts, 1);
  ck_assert_int_eq(f.summary.failed, 3);
  ck_assert_int_eq(f.summary.succeeded, 1);
}
END_TEST

START_TEST(test_supervisor_env_and_cwd) {
  fixture_t f;
  fixture_init(&f, 0);
  /* The worker proves it got its env and cwd through its exit status. */
  char* args[] = { "/bin/sh", "-c",
                   "test \"$UVSUP_T\" = yes && test \"$(pwd)\" = / && exit 7",
                   NULL };
  char* env[] = { "UVSUP_T=yes", "PATH=/usr/bin:/bin", NULL };
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = "env";
  w.file = "/bin/sh";
  w.args = args;
  w.env = env;
  w.cwd = "/";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.results[0].exit_status, 7);
}
END_TEST

START_TEST(test_supervisor_add_while_running) {
  fixture_t f;
  fixture_init(&f, 1);
  add_child(&f, "first", "sleep", "20", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  add_child(&f, "second", "exit", "4", NULL);
  fixture_run(&f);
  ck_assert_int_eq(f.exits, 2);
  ck_assert_str_eq(f.results[0].name, "first");
  ck_assert_int_eq(result_of(&f, "second")->exit_status, 4);
}
END_TEST

START_TEST(test_supervisor_bad_calls) {
  fixture_t f;
  fixture_init(&f, 0);
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL); /* no file */
  w.file = "";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL);
  w.file = UVSUP_TEST_CHILD;
  w.name = "";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL);
  w.name = "x";
  w.stop_signal = 0;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL);
  w.stop_signal = SIGTERM;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UVSUP_EDUPNAME);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  ck_assert_int_eq(uvsup_start(f.sup), UVSUP_ESTATE);
  ck_assert_int_eq(uvsup_free(f.sup), UVSUP_ESTATE);
  ck_assert_int_eq(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(f.done, 1);
  w.name = "late";
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UVSUP_ESTATE);
  ck_assert_int_eq(uvsup_stop(f.sup, 0), UVSUP_ESTATE);
  ck_assert_int_eq(uvsup_free(f.sup), 0);
  ck_assert_int_eq(uv_loop_close(&f.loop), 0);

  ck_assert_int_eq(uvsup_new(NULL, NULL, &f.sup), UV_EINVAL);
  ck_assert_str_eq(uvsup_err_name(UVSUP_EDUPNAME), "UVSUP_EDUPNAME");
  ck_assert_str_eq(uvsup_err_name(UV_ENOENT), "ENOENT");
  ck_assert_str_eq(uvsup_strerror(UV_ENOENT), "no such file or directory");
}
END_TEST

START_TEST(test_supervisor_free_unstarted) {
  /* A supervisor never started has opened no handle: free at once. */
  uv_loop_t loop;
  uvsup_t* sup;
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  ck_assert_int_eq(uvsup_new(&loop, NULL, &sup), 0);
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.file = "true";
  ck_assert_int_eq(uvsup_add(sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_free(sup), 0);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_supervisor_two_on_one_loop) {
  fixture_t f;
  fixture_init(&f, 0);
  /* A second supervisor on the same loop, with the same worker name. */
  fixture_t g;
  memset(&g, 0, sizeof(g));
  fixture_init_on(&g, &f.loop, 0);
  add_child(&f, "same", "exit", "1", NULL);
  add_child(&g, "same", "exit", "2", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  ck_assert_int_eq(uvsup_start(g.sup), 0);
  ck_assert_int_eq(uv_run(&f.loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(f.done, 1);
  ck_assert_int_eq(g.done, 1);
  ck_assert_int_eq(f.results[0].exit_status, 1);
  ck_assert_int_eq(g.results[0].exit_status, 2);
  ck_assert_int_eq(uvsup_free(f.sup), 0);
  ck_assert_int_eq(uvsup_free(g.sup), 0);
  ck_assert_int_eq(uv_loop_close(&f.loop), 0);
}
END_TEST

static void* thread_main(void* arg) {
  fixture_t* f = arg;
  fixture_init(f, 2);
  char name[8];
  for (int i = 0; i < 6; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(f, name, "sleep", "10", "exit", i % 2 ? "1" : "0", NULL);
  }
  ck_assert_int_eq(uvsup_start(f->sup), 0);
  fixture_run(f);
  return NULL;
}

START_TEST(test_supervisor_two_loops_two_threads) {
  static fixture_t f[2];
  pthread_t t[2];
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(pthread_create(&t[i], NULL, thread_main, &f[i]), 0);
  }
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    ck_assert_int_eq(f[i].exits, 6);
    ck_assert_int_eq(f[i].summary.succeeded, 3);
    ck_assert_int_eq(f[i].summary.failed, 3);
  }
}
END_TEST

static Suite* supervisor_suite(void) {
  Suite* s = suite_create("supervisor");
  TCase* core = tcase_create("core");
  tcase_add_test(core, test_supervisor_exit_codes);
  tcase_add_test(core, test_supervisor_pid_table);
  tcase_add_test(core, test_supervisor_durations);
  tcase_add_test(core, test_supervisor_env_and_cwd);
  tcase_add_test(core, test_supervisor_no_workers);
  tcase_add_test(core, test_supervisor_add_while_running);
  suite_add_tcase(s, core);

  TCase* limits = tcase_create("limits");
  tcase_add_test(limits, test_supervisor_concurrency_limit);
  tcase_add_test(limits, test_supervisor_no_limit_runs_all_at_once);
  tcase_add_test(limits, test_supervisor_waits_for_process_slots);
  tcase_add_test(limits, test_supervisor_hold);
  suite_add_tcase(s, limits);

  TCase* errors = tcase_create("errors");
  tcase_add_test(errors, test_supervisor_spawn_errors);
  tcase_add_test(errors, test_supervisor_bad_calls);
  tcase_add_test(errors, test_supervisor_free_unstarted);
  suite_add_tcase(s, errors);

  TCase* isolation = tcase_create("isolation");
  tcase_add_test(isolation, test_supervisor_two_on_one_loop);
  tcase_add_test(isolation, test_supervisor_two_loops_two_threads);
  suite_add_tcase(s, isolation);
  return s;
}

int main(void) {
  return tu_run_suite(supervisor_suite());
}
