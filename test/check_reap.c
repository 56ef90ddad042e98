/* Reaping orphans (options.reap_orphans) as a subreaper and as PID 1 of a
 * new PID namespace: a storm of double-forking workers leaves no zombie
 * and loses no worker's exit; the host's own uv_spawn children keep their
 * exits; orphans left at the end are stopped; uvsup_owns_pid() and
 * uvsup_signal_worker(). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>

#include "fixture.h"
#include "testutil.h"

#define STORM_WORKERS  60
#define STORM_ORPHANS  6 /* per worker */
#define STORM_PARALLEL 12

typedef struct {
  uv_loop_t loop;
  uvsup_t* sup;
  int exits;
  int wrong_exit; /* a worker whose on_exit had another status: its k */
  int wrong_end;  /* and what it had */
  int wrong_status;
  int wrong_signal;
  int done;
  uvsup_summary_t summary;
  int host_child_status; /* the caller's own uv_spawn: 42, or the first
                            other status (-N: signal N) */
  int host_child_exited; /* their exit callbacks */
} storm_t;

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* r) {
  storm_t* s = uvsup_get_data(sup);
  int k = (int)(intptr_t)r->data;
  s->exits++;
  if (r->end != UVSUP_END_EXITED || r->exit_status != k) {
    s->wrong_exit = k;
    s->wrong_end = (int)r->end;
    s->wrong_status = (int)r->exit_status;
    s->wrong_signal = r->term_signal;
  }
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  storm_t* s = uvsup_get_data(sup);
  s->done++;
  s->summary = *summary;
}

static void storm_init(storm_t* s, uint64_t orphan_kill_after_ms) {
  memset(s, 0, sizeof(*s));
  s->host_child_status = 42;
  ck_assert_int_eq(uv_loop_init(&s->loop), 0);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts); /* the helper, or UVSUP_SPAWN=in-process */
  opts.reap_orphans = 1;
  opts.orphan_kill_after_ms = orphan_kill_after_ms;
  opts.max_running = STORM_PARALLEL;
  opts.on_exit = on_exit_cb;
  opts.on_done = on_done;
  opts.data = s;
  ck_assert_int_eq(uvsup_new(&s->loop, &opts, &s->sup), 0);
}

/* Worker k: STORM_ORPHANS orphans that exit within a few ms of each
 * other (some before, some after the worker itself), then exit k. */
static void add_storm_worker(storm_t* s, int k) {
  char name[16], code[16], ms[16];
  snprintf(name, sizeof(name), "w%d", k);
  snprintf(code, sizeof(code), "%d", k);
  snprintf(ms, sizeof(ms), "%d", k % 4);
  char orphans[16];
  snprintf(orphans, sizeof(orphans), "%d", STORM_ORPHANS);
  char* args[] = { UVSUP_TEST_CHILD, "orphans", orphans, ms,
                   "/dev/null",      "exit",    code,    NULL };
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = name;
  w.file = UVSUP_TEST_CHILD;
  w.args = args;
  w.data = (void*)(intptr_t)k;
  ck_assert_int_eq(uvsup_add(s->sup, &w, NULL), 0);
}

/* 1 when this process has no child at all: no zombie, no orphan left. */
static int no_children(void) {
  siginfo_t info;
  return waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) == -1 &&
         errno == ECHILD;
}

static void storm_run(storm_t* s) {
  for (int k = 1; k <= STORM_WORKERS; k++) {
    add_storm_worker(s, k);
  }
  ck_assert_int_eq(uvsup_start(s->sup), 0);
  uv_run(&s->loop, UV_RUN_DEFAULT);
}

/* The storm's checks, as a message (NULL: all held), so that PID 1 of a
 * namespace, which cannot use Check's assertions, reports them too. */
static const char* storm_verdict(storm_t* s, char* msg, size_t len) {
  if (s->done != 1 || s->exits != STORM_WORKERS || s->wrong_exit != 0) {
    snprintf(msg, len,
             "done %d, %d exits of %d, wrong exit of w%d (end %d, status "
             "%d, signal %d)",
             s->done, s->exits, STORM_WORKERS, s->wrong_exit, s->wrong_end,
             s->wrong_status, s->wrong_signal);
    return msg;
  }
  if (s->summary.orphans_reaped != STORM_WORKERS * STORM_ORPHANS) {
    snprintf(msg, len, "%zu orphans reaped of %d", s->summary.orphans_reaped,
             STORM_WORKERS * STORM_ORPHANS);
    return msg;
  }
  if (!no_children()) {
    snprintf(msg, len, "a child is left (a zombie or an orphan)");
    return msg;
  }
  if (uvsup_free(s->sup) != 0 || uv_loop_close(&s->loop) != 0) {
    snprintf(msg, len, "handles left open");
    return msg;
  }
  return NULL;
}

START_TEST(test_reap_storm_as_subreaper) {
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  storm_t s;
  storm_init(&s, 5000);
  storm_run(&s);
  char msg[200];
  const char* verdict = storm_verdict(&s, msg, sizeof(msg));
  ck_assert_msg(verdict == NULL, "%s", verdict);
}
END_TEST

/* PID 1 of a new PID namespace (with its own /proc), as in a container. */
static int storm_as_init(int report_fd) {
  if (mount("none", "/", "", MS_REC | MS_PRIVATE, NULL) != 0 ||
      mount("proc", "/proc", "proc", 0, NULL) != 0) {
    dprintf(report_fd, "mounting /proc: %s", strerror(errno));
    return 1;
  }
  storm_t s;
  storm_init(&s, 5000);
  storm_run(&s);
  char msg[200];
  const char* verdict = storm_verdict(&s, msg, sizeof(msg));
  if (verdict != NULL) {
    dprintf(report_fd, "%s", verdict);
    return 1;
  }
  return 0;
}

/* A child unshares, so the test process stays in its own namespace (where
 * it can still fork, as LeakSanitizer does at exit), and forks PID 1. */
static void unshare_and_run_init(int report_fd) {
  if (unshare(CLONE_NEWPID | CLONE_NEWNS) != 0) {
    dprintf(report_fd, "skip: %s", strerror(errno));
    _exit(0);
  }
  pid_t init = fork();
  if (init < 0) {
    _exit(3);
  }
  if (init == 0) {
    _exit(getpid() == 1 ? storm_as_init(report_fd) : 2);
  }
  int status;
  _exit(waitpid(init, &status, 0) == init && WIFEXITED(status)
            ? WEXITSTATUS(status)
            : 4);
}

START_TEST(test_reap_storm_as_pid1) {
  int report[2];
  ck_assert_int_eq(pipe(report), 0);
  pid_t child = fork();
  ck_assert_int_ge(child, 0);
  if (child == 0) {
    close(report[0]);
    unshare_and_run_init(report[1]);
  }
  close(report[1]);
  char msg[256] = "";
  ssize_t n = read(report[0], msg, sizeof(msg) - 1);
  msg[n > 0 ? n : 0] = '\0';
  close(report[0]);
  int status;
  ck_assert_int_eq(waitpid(child, &status, 0), child);
  if (strncmp(msg, "skip: ", 6) == 0) {
    fprintf(stderr, "skipped: unshare(CLONE_NEWPID) not allowed here: %s\n",
            msg + 6);
    return;
  }
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                "as PID 1: %s (status %d)", msg, status);
}
END_TEST

static void on_host_child_exit(uv_process_t* p, int64_t status, int sig) {
  storm_t* s = p->data;
  s->host_child_exited++;
  if (sig != 0 || status != 42) {
    s->host_child_status = sig != 0 ? -sig : (int)status;
  }
  uv_close((uv_handle_t*)p, NULL);
}

/* The caller spawns a child of its own on the same loop, which exits while
 * the storm's orphans are reaped: its exit is libuv's, never the
 * reaper's. */
START_TEST(test_reap_leaves_the_hosts_own_children) {
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  storm_t s;
  storm_init(&s, 5000);
  uv_process_t host_child[8];
  char* args[] = { UVSUP_TEST_CHILD, "sleep", "5", "exit", "42", NULL };
  uv_process_options_t po;
  memset(&po, 0, sizeof(po));
  po.file = UVSUP_TEST_CHILD;
  po.args = args;
  po.exit_cb = on_host_child_exit;
  for (int i = 0; i < 8; i++) {
    host_child[i].data = &s;
    ck_assert_int_eq(uv_spawn(&s.loop, &host_child[i], &po), 0);
  }
  storm_run(&s);
  /* Every one got its exit callback, with its own status. */
  ck_assert_int_eq(s.host_child_exited, 8);
  ck_assert_int_eq(s.host_child_status, 42);
  char msg[200];
  const char* verdict = storm_verdict(&s, msg, sizeof(msg));
  ck_assert_msg(verdict == NULL, "%s", verdict);
}
END_TEST

typedef struct {
  uv_loop_t loop;
  uvsup_t* sup;
  int owned_at_start;
  int owned_after_exit;
  int pid;
  int signal_at_start; /* send SIGUSR1 from on_start */
  int signal_rc_after_exit;
  uvsup_result_t result;
  uvsup_summary_t summary;
  int done;
} one_t;

static void one_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  one_t* o = uvsup_get_data(sup);
  o->pid = pid;
  o->owned_at_start = uvsup_owns_pid(sup, pid);
  if (o->signal_at_start) {
    /* A signal that is not a stop: the worker pauses until it comes. */
    ck_assert_int_eq(uvsup_signal_worker(worker, 99), UV_EINVAL);
    ck_assert_int_eq(uvsup_signal_worker(worker, SIGUSR1), 0);
  }
}

static void one_exit(uvsup_t* sup,
                     uvsup_worker_t* worker,
                     const uvsup_result_t* r) {
  one_t* o = uvsup_get_data(sup);
  o->result = *r;
  o->owned_after_exit = uvsup_owns_pid(sup, r->pid);
  o->signal_rc_after_exit = uvsup_signal_worker(worker, SIGUSR1);
}

static void one_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  one_t* o = uvsup_get_data(sup);
  o->summary = *summary;
  o->done++;
}

static void one_init(one_t* o, int reap, uint64_t orphan_kill_after_ms) {
  memset(o, 0, sizeof(*o));
  ck_assert_int_eq(uv_loop_init(&o->loop), 0);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  fixture_spawn_options(&opts);
  opts.reap_orphans = reap;
  opts.orphan_kill_after_ms = orphan_kill_after_ms;
  opts.on_start = one_start;
  opts.on_exit = one_exit;
  opts.on_done = one_done;
  opts.data = o;
  ck_assert_int_eq(uvsup_new(&o->loop, &opts, &o->sup), 0);
}

static void one_add(one_t* o, char** args) {
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = "one";
  w.file = UVSUP_TEST_CHILD;
  w.args = args;
  ck_assert_int_eq(uvsup_add(o->sup, &w, NULL), 0);
}

static void one_finish(one_t* o) {
  ck_assert_int_eq(o->done, 1);
  ck_assert_int_eq(uvsup_free(o->sup), 0);
  ck_assert_int_eq(uv_loop_close(&o->loop), 0);
}

START_TEST(test_reap_owns_pid_and_signal_worker) {
  one_t o;
  one_init(&o, 0, 0);
  o.signal_at_start = 1;
  char* args[] = { UVSUP_TEST_CHILD, "pause", NULL };
  one_add(&o, args);
  ck_assert_int_eq(uvsup_owns_pid(o.sup, getpid()), 0);
  ck_assert_int_eq(uvsup_start(o.sup), 0);
  uv_run(&o.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(o.owned_at_start, 1);
  ck_assert_int_eq(o.owned_after_exit, 0);
  ck_assert_int_eq(o.signal_rc_after_exit, UVSUP_ESTATE);
  /* SIGUSR1 reached it and was not a stop of uvsup's. */
  ck_assert_int_eq(o.result.end, UVSUP_END_SIGNALED);
  ck_assert_int_eq(o.result.term_signal, SIGUSR1);
  ck_assert_int_eq(o.summary.orphans_reaped, 0);
  one_finish(&o);
}
END_TEST

/* A signal passed on while the spawn is in flight is not lost: it goes
 * once the process is known (init's signal test hung before). */
START_TEST(test_reap_signal_during_the_spawn_arrives) {
  one_t o;
  one_init(&o, 0, 0);
  char* args[] = { UVSUP_TEST_CHILD, "pause", NULL };
  uvsup_worker_t* w;
  uvsup_worker_options_t wo;
  uvsup_worker_options_init(&wo);
  wo.name = "one";
  wo.file = UVSUP_TEST_CHILD;
  wo.args = args;
  ck_assert_int_eq(uvsup_add(o.sup, &wo, &w), 0);
  ck_assert_int_eq(uvsup_start(o.sup), 0);
  /* The first turn asks for the spawn; with the helper, its answer (and
   * on_start) comes on a later one. */
  while (uvsup_running(o.sup) == 0) {
    uv_run(&o.loop, UV_RUN_NOWAIT);
  }
  ck_assert_int_eq(uvsup_signal_worker(w, SIGUSR1), 0);
  uv_run(&o.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(o.result.end, UVSUP_END_SIGNALED);
  ck_assert_int_eq(o.result.term_signal, SIGUSR1);
  one_finish(&o);
}
END_TEST

/* Asserts the pid in path is gone (reaped: not even a zombie). */
static void assert_reaped(const char* path) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int pid = 0;
  ck_assert_int_eq(fscanf(f, "%d", &pid), 1);
  fclose(f);
  ck_assert_msg(kill(pid, 0) != 0 && errno == ESRCH, "orphan %d is left", pid);
  unlink(path);
}

/* An orphan still running when the supervisor finishes gets the stop
 * signal, and on_done waits until it is reaped. */
START_TEST(test_reap_stops_orphans_at_the_end) {
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  char* path = tu_write_temp("", 0);
  one_t o;
  one_init(&o, 1, 3600000);
  char* args[] = { UVSUP_TEST_CHILD, "orphan", "3600000", path,
                   "exit",           "0",      NULL };
  one_add(&o, args);
  ck_assert_int_eq(uvsup_start(o.sup), 0);
  uv_run(&o.loop, UV_RUN_DEFAULT);
  ck_assert_int_eq(o.result.exit_status, 0);
  ck_assert_int_eq(o.summary.orphans_reaped, 1);
  ck_assert(no_children());
  assert_reaped(path);
  one_finish(&o);
  free(path);
}
END_TEST

/* One that ignores the stop signal gets SIGKILL after the grace. */
START_TEST(test_reap_kills_orphans_that_ignore_the_stop) {
  ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
  char* path = tu_write_temp("", 0);
  one_t o;
  one_init(&o, 1, 200);
  char* args[] = { UVSUP_TEST_CHILD, "ignore", "15", "orphan", "3600000", path,
                   "exit",           "0",      NULL };
  one_add(&o, args);
  ck_assert_int_eq(uvsup_start(o.sup), 0);
  uint64_t start = uv_hrtime();
  uv_run(&o.loop, UV_RUN_DEFAULT);
  ck_assert_uint_ge(uv_hrtime() - start, 200 * 1000000ull);
  ck_assert_int_eq(o.summary.orphans_reaped, 1);
  ck_assert(no_children());
  assert_reaped(path);
  one_finish(&o);
  free(path);
}
END_TEST

int main(void) {
  Suite* s = suite_create("reap");
  TCase* tc = tu_tcase_new(s, "storm", 120);
  tcase_add_test(tc, test_reap_storm_as_subreaper);
  tcase_add_test(tc, test_reap_storm_as_pid1);
  tcase_add_test(tc, test_reap_leaves_the_hosts_own_children);
  tc = tu_tcase_new(s, "core", 0);
  tcase_add_test(tc, test_reap_owns_pid_and_signal_worker);
  tcase_add_test(tc, test_reap_signal_during_the_spawn_arrives);
  tcase_add_test(tc, test_reap_stops_orphans_at_the_end);
  tcase_add_test(tc, test_reap_kills_orphans_that_ignore_the_stop);
  return tu_run_suite(s);
}
