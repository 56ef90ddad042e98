/* The spawn helper: nothing outlives uvsup when its host dies (kill -9 of
 * an embedding host and of the CLI), a helper that dies is reported and
 * replaced, and the helper's protocol reads only what is there. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>
#include <uv.h>

#include "../src/spawner/proto.h"
#include "fixture.h"
#include "testutil.h"

#define MAX_PIDS 16
#define GRACE_MS 300

/* Where there is no pidfd_open() (valgrind does not know it): looks
 * every 10 ms, the only way to wait for a process that is not our child. */
static int wait_gone_polling(const int* pids, int n, int timeout_ms) {
  uint64_t deadline = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  for (;;) {
    int alive = 0;
    for (int i = 0; i < n; i++) {
      alive += tu_pid_alive(pids[i]);
    }
    if (alive == 0 || uv_hrtime() / 1000000 >= deadline) {
      return alive;
    }
    usleep(10000);
  }
}

/* Waits, with pidfds (no polling), until every pid has gone or timeout_ms
 * has passed; returns how many still run. */
static int wait_gone(const int* pids, int n, int timeout_ms) {
  struct pollfd fds[MAX_PIDS];
  int left = 0;
  for (int i = 0; i < n; i++) {
    int fd = (int)syscall(SYS_pidfd_open, pids[i], 0);
    if (fd < 0 && errno == ENOSYS) {
      for (int j = 0; j < left; j++) {
        close(fds[j].fd);
      }
      return wait_gone_polling(pids, n, timeout_ms);
    }
    if (fd >= 0) {
      fds[left].fd = fd;
      fds[left].events = POLLIN;
      left++;
    }
  }
  uint64_t deadline = uv_hrtime() / 1000000 + (uint64_t)timeout_ms;
  int running = left;
  while (running > 0) {
    uint64_t now = uv_hrtime() / 1000000;
    if (now >= deadline ||
        poll(fds, (nfds_t)left, (int)(deadline - now)) <= 0) {
      break;
    }
    running = 0;
    for (int i = 0; i < left; i++) {
      if (fds[i].revents & POLLIN) {
        fds[i].events = 0; /* gone (or a zombie: it runs no more) */
      } else if (fds[i].events != 0) {
        running++;
      }
      fds[i].revents = 0;
    }
  }
  int alive = 0;
  for (int i = 0; i < left; i++) {
    alive += tu_pid_alive(pids[i]);
    close(fds[i].fd);
  }
  return alive;
}

/* The parent of pid, from /proc. */
static int parent_of(int pid) {
  char path[64], text[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", pid);
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
  fclose(f);
  char state;
  int ppid = 0;
  ck_assert_int_eq(sscanf(strrchr(text, ')') + 1, " %c %d", &state, &ppid), 2);
  return ppid;
}

/* Reads the pids appended to path, one a line. */
static int read_pids(const char* path, int* pids) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int n = 0;
  while (n < MAX_PIDS - 1 && fscanf(f, "%d", &pids[n]) == 1) {
    n++;
  }
  fclose(f);
  return n;
}

/* Reads the FIFO until count lines came (each worker writes one). */
static void wait_lines(int fd, int count) {
  char c;
  while (count > 0 && read(fd, &c, 1) == 1) {
    count -= c == '\n';
  }
  ck_assert_int_eq(count, 0);
}

/* The host: a supervisor with two workers, each with a grandchild that
 * ignores SIGTERM, all told in pids; never returns. With holder, a child
 * forked once the helper runs keeps a copy of the host's end of the
 * socket (a host that forks without exec): its pid goes to holder. */
static void run_host(const char* pids, const char* fifo, const char* holder) {
  fixture_t f;
  fixture_init(&f, 0);
  fixture_add(&f, "a", 0, GRACE_MS, "fork", "60000", pids, "pidfile", pids,
              "pidfile", fifo, "pause", NULL);
  fixture_add(&f, "b", 0, GRACE_MS, "fork", "60000", pids, "pidfile", pids,
              "pidfile", fifo, "pause", NULL);
  uvsup_start(f.sup);
  if (holder != NULL) {
    pid_t child = fork();
    if (child == 0) {
      pause();
      _exit(0);
    }
    FILE* out = fopen(holder, "w");
    fprintf(out, "%d\n", (int)child);
    fclose(out);
  }
  uv_run(&f.loop, UV_RUN_DEFAULT);
  _exit(3);
}

/* kill -9 of an embedding host (with holder: while a child of it holds
 * its socket open); returns how many of its workers, their grandchildren
 * and its helper are left once the grace is over. */
static int kill_host(int hold) {
  char* dir = tu_tmpdir_new();
  char* pids = tu_fmt("%s/pids", dir);
  char* fifo = tu_fmt("%s/up", dir);
  char* holder = tu_fmt("%s/holder", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  pid_t host = fork();
  ck_assert_int_ge(host, 0);
  if (host == 0) {
    run_host(pids, fifo, hold ? holder : NULL);
  }
  int up = open(fifo, O_RDWR); /* never at end of file */
  wait_lines(up, 2);
  int all[MAX_PIDS];
  int n = read_pids(pids, all);
  ck_assert_int_eq(n, 4);
  all[n++] = parent_of(all[1]); /* the helper */
  ck_assert_int_ne(all[n - 1], host);
  int held = 0;
  if (hold) {
    ck_assert_int_eq(read_pids(holder, &held), 1);
  }
  ck_assert_int_eq(kill(host, SIGKILL), 0);
  ck_assert_int_eq(waitpid(host, NULL, 0), host);
  int left = wait_gone(all, n, GRACE_MS + 3000);
  if (held > 0) {
    kill(held, SIGKILL);
  }
  close(up);
  free(holder);
  free(pids);
  free(fifo);
  tu_tmpdir_free(dir);
  return left;
}

START_TEST(test_spawner_host_killed_leaves_nothing) {
  /* Its helper sees the socket close, runs the stop sequence on every
   * group (SIGTERM, the grace, SIGKILL for the grandchildren that ignore
   * SIGTERM) and exits. */
  ck_assert_int_eq(kill_host(0), 0);
}
END_TEST

START_TEST(test_spawner_host_killed_socket_held) {
  /* No end of file (a child of the host holds the socket): the parent-death
   * signal tells the helper instead. */
  ck_assert_int_eq(kill_host(1), 0);
}
END_TEST

START_TEST(test_spawner_cli_killed_leaves_nothing) {
  char* dir = tu_tmpdir_new();
  char* pids = tu_fmt("%s/pids", dir);
  char* cmd = tu_fmt("exec '%s' fork 60000 %s pidfile %s out up pause",
                     UVSUP_TEST_CHILD, pids, pids);
  char* argv[] = {
    UVSUP_TEST_CLI, "--kill-after", "300ms", "-c", cmd, "-c", cmd, NULL
  };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "up", 2);
  int all[MAX_PIDS];
  int n = read_pids(pids, all);
  ck_assert_int_eq(n, 4);
  all[n++] = parent_of(all[1]); /* the helper */
  ck_assert_int_eq(kill(p.pid, SIGKILL), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 128 + SIGKILL);
  ck_assert_int_eq(wait_gone(all, n, GRACE_MS + 3000), 0);
  tu_result_free(&r);
  free(cmd);
  free(pids);
  tu_tmpdir_free(dir);
}
END_TEST

typedef struct {
  int helper; /* the helper killed */
  int worker; /* its worker */
  int steal;  /* the test reaps the helper before uvsup can */
  uvsup_worker_t* later;
} killed_t;

static void kill_helper(fixture_t* f, uvsup_worker_t* worker) {
  killed_t* k = f->data;
  if (k->helper != 0) {
    return;
  }
  k->worker = uvsup_worker_pid(worker);
  k->helper = parent_of(k->worker);
  ck_assert_int_ne(k->helper, getpid());
  ck_assert_int_eq(kill(k->helper, SIGKILL), 0);
  if (k->steal) {
    ck_assert_int_eq(waitpid(k->helper, NULL, 0), k->helper);
  }
}

static void add_later(fixture_t* f, uvsup_worker_t* worker) {
  killed_t* k = f->data;
  if (k->later == NULL) {
    k->later = fixture_add(f, "later", 0, 0, "out", "hi", "exit", "0", NULL);
  }
}

static void helper_killed(int steal) {
  killed_t k;
  memset(&k, 0, sizeof(k));
  k.steal = steal;
  fixture_t f;
  fixture_init(&f, 0);
  f.data = &k;
  f.on_start_hook = kill_helper;
  f.on_exit_hook = add_later;
  fixture_add(&f, "victim", 0, 0, "pause", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  const uvsup_result_t* r = result_of(&f, "victim");
  ck_assert_int_eq(r->end, UVSUP_END_LOST);
  ck_assert_int_eq(r->ok, 0);
  ck_assert_int_eq(r->pid, k.worker);
  ck_assert_int_eq(result_of(&f, "later")->end, UVSUP_END_EXITED);
  ck_assert_int_eq(result_of(&f, "later")->ok, 1);
  ck_assert_uint_eq(f.summary.failed, 1);
  ck_assert_uint_eq(f.summary.succeeded, 1);
  /* Reaped by us (a pidfd, never a blind waitpid), and its worker killed. */
  ck_assert_int_eq(tu_pid_alive(k.helper), 0);
  ck_assert_int_eq(wait_gone(&k.worker, 1, 3000), 0);
}

START_TEST(test_spawner_helper_killed_is_reported_and_replaced) {
  /* The helper dies (SIGKILL): its running worker is reported lost and its
   * group killed; a worker added afterwards runs with a new helper. */
  helper_killed(0);
}
END_TEST

START_TEST(test_spawner_helper_reaped_by_another) {
  /* The same when something else in the host reaped the helper first
   * (ECHILD): uvsup still learns it is gone, and on_done comes. */
  helper_killed(1);
}
END_TEST

static void signal_helper(fixture_t* f, uvsup_worker_t* worker) {
  int* helper = f->data;
  *helper = parent_of(uvsup_worker_pid(worker));
  ck_assert_int_eq(kill(*helper, SIGTERM), 0);
  ck_assert_int_eq(kill(*helper, SIGHUP), 0);
  ck_assert_int_eq(kill(*helper, SIGINT), 0);
  /* It must not go: a wait that has to time out. */
  ck_assert_int_eq(wait_gone(helper, 1, 300), 1);
  ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
}

START_TEST(test_spawner_helper_ignores_service_signals) {
  /* SIGTERM, SIGHUP, SIGINT to every process of a service (systemd's
   * control group, a Ctrl-C to a process group): the helper leaves the
   * workers to its host, which stops them with their grace. */
  int helper = 0;
  fixture_t f;
  fixture_init(&f, 0);
  f.data = &helper;
  f.on_start_hook = signal_helper;
  fixture_add(&f, "w", 0, 0, "pause", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "w")->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(result_of(&f, "w")->term_signal, SIGTERM);
  ck_assert_int_eq(tu_pid_alive(helper), 0); /* gone with its host's end */
}
END_TEST

START_TEST(test_spawner_cli_shows_lost) {
  /* A worker kills its helper ($PPID in helper mode) once uvsup knows its
   * pid (its start event; a helper killed before it answered could not
   * say which process it had started, and that one would run on): the
   * CLI reports it lost, kills its group, exits 1, and the next worker
   * runs with a new helper. */
  char* dir = tu_tmpdir_new();
  char* go = tu_fmt("%s/go", dir);
  ck_assert_int_eq(mkfifo(go, 0600), 0);
  char* victim = tu_fmt("read x < %s; kill -9 $PPID; exec '%s' pause", go,
                        UVSUP_TEST_CHILD);
  char* after = tu_fmt("exec '%s' out after", UVSUP_TEST_CHILD);
  char* argv[] = { UVSUP_TEST_CLI, "--events", "/dev/stderr", "-j",   "1",
                   "-n",           "victim",   "-c",          victim, "-n",
                   "after",        "-c",       after,         NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "\"event\":\"start\"", 1);
  int fd = open(go, O_WRONLY);
  ck_assert_int_eq(write(fd, "go\n", 3), 3);
  close(fd);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "lost (the spawn helper died)"));
  ck_assert_ptr_nonnull(strstr(r.out, "after  | after"));
  ck_assert_ptr_nonnull(strstr(r.err, "2 workers: 1 ok, 1 failed"));
  tu_result_free(&r);
  free(victim);
  free(after);
  free(go);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_spawner_stop_before_the_answer) {
  /* The first on_start stops everything: the second worker's spawn was
   * asked in the same turn and is not answered yet. Its stop goes to the
   * helper right behind the spawn; it is reported started, then stopped
   * by its stop signal (a pause never ends by itself). */
  fixture_t f;
  fixture_init(&f, 0);
  f.stop_at_starts = 1;
  fixture_add(&f, "a", 0, 0, "pause", NULL);
  fixture_add(&f, "b", 0, 0, "pause", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  for (int i = 0; i < 2; i++) {
    const uvsup_result_t* r = result_of(&f, i == 0 ? "a" : "b");
    ck_assert_int_eq(r->end, UVSUP_END_STOPPED);
    ck_assert_int_eq(r->term_signal, SIGTERM);
    ck_assert_int_gt(r->pid, 0);
  }
  ck_assert_int_eq(f.starts, 2);
}
END_TEST

static void keep_line(fixture_t* f,
                      uvsup_worker_t* worker,
                      const uvsup_output_t* out) {
  snprintf(f->data, 256, "%.*s", (int)out->len, out->data);
}

START_TEST(test_spawner_worker_gets_only_its_stdio) {
  /* The helper's socket is close-on-exec (a worker holding it could speak
   * for the helper), and descriptors its host leaked are not passed on. */
  int leaked = open("/dev/null", O_RDONLY); /* not close-on-exec */
  ck_assert_int_ge(leaked, 3);
  char line[256] = "";
  fixture_t f;
  fixture_init_capture(&f, 0, 1, keep_line, line);
  fixture_add(&f, "w", 0, 0, "openfds", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_str_eq(line, "fds:");
  close(leaked);
}
END_TEST

static void count_big(fixture_t* f,
                      uvsup_worker_t* worker,
                      const uvsup_output_t* out) {
  ck_assert_int_eq((int)out->len, 6);
  ck_assert_int_eq(memcmp(out->data, "100000", 6), 0);
  (*(int*)f->data)++;
}

START_TEST(test_spawner_big_requests_queue) {
  /* Requests far larger than a packet (a 300 KB environment: three
   * variables, as one string may not pass 128 KiB), more of them than the
   * socket holds: split, queued with their descriptors, and every worker
   * gets its whole environment. */
  size_t big = 100000;
  char* vars[3];
  for (int i = 0; i < 3; i++) {
    vars[i] = malloc(big + 5);
    memcpy(vars[i], i == 0 ? "BIG=" : i == 1 ? "BAG=" : "BUG=", 4);
    memset(vars[i] + 4, 'x', big);
    vars[i][big + 4] = '\0';
  }
  char* env[] = { vars[0], vars[1], vars[2], NULL };
  char* args[] = { UVSUP_TEST_CHILD, "envlen", "BUG", NULL };
  int seen = 0;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, count_big, &seen);
  for (int i = 0; i < 20; i++) {
    char name[16];
    snprintf(name, sizeof(name), "w%d", i);
    uvsup_worker_options_t w;
    uvsup_worker_options_init(&w);
    w.name = name;
    w.file = UVSUP_TEST_CHILD;
    w.args = args;
    w.env = env;
    w.output = UVSUP_OUTPUT_CAPTURE;
    ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(seen, 20);
  ck_assert_uint_eq(f.summary.succeeded, 20);
  for (int i = 0; i < 3; i++) {
    free(vars[i]);
  }
}
END_TEST

static void check_owned(fixture_t* f, uvsup_worker_t* worker) {
  int pid = uvsup_worker_pid(worker);
  int parent = parent_of(pid);
  const char* mode = getenv("UVSUP_SPAWN");
  if (mode != NULL && strcmp(mode, "in-process") == 0) {
    ck_assert_int_eq(parent, getpid());
    ck_assert_int_eq(uvsup_owns_pid(f->sup, pid), 1);
  } else {
    /* The helper is our child, its workers its children: uvsup's all. */
    ck_assert_int_eq(uvsup_owns_pid(f->sup, parent), 1);
    ck_assert_int_eq(uvsup_owns_pid(f->sup, pid), 1);
  }
  ck_assert_int_eq(uvsup_owns_pid(f->sup, getpid()), 0);
  ck_assert_int_eq(uvsup_stop_worker(worker, 0), 0);
}

START_TEST(test_spawner_owns_pid) {
  /* What a host's reaper of orphans must leave alone: uvsup's children. */
  fixture_t f;
  fixture_init(&f, 0);
  f.on_start_hook = check_owned;
  fixture_add(&f, "w", 0, 0, "pause", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "w")->end, UVSUP_END_STOPPED);
}
END_TEST

START_TEST(test_spawner_missing_helper) {
  /* A helper that cannot be started is uvsup_start()'s error, and nothing
   * is left open on the loop once it has run. */
  uv_loop_t loop;
  ck_assert_int_eq(uv_loop_init(&loop), 0);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.spawn_helper = "/nonexistent/uvsup-spawn";
  uvsup_t* sup;
  ck_assert_int_eq(uvsup_new(&loop, &opts, &sup), 0);
  ck_assert_int_eq(uvsup_start(sup), UV_ENOENT);
  ck_assert_int_eq(uvsup_free(sup), 0);
  ck_assert_int_eq(uv_run(&loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(uv_loop_close(&loop), 0);
}
END_TEST

START_TEST(test_spawner_proto_bounds) {
  /* A message read past its end, or with a count that lies, fails; it
   * never reads outside the buffer. */
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  uvsup__put_u8(&w, PROTO_SPAWN);
  uvsup__put_str(&w, "file");
  uvsup__put_str(&w, NULL);
  char* args[] = { "a", "", NULL };
  uvsup__put_strv(&w, args);
  uvsup__put_strv(&w, NULL);
  uvsup__put_i32(&w, 1000); /* a count of strings that are not there */
  ck_assert_int_eq(w.failed, 0);
  uvsup_rbuf_t r;
  uvsup__rbuf_init(&r, w.data, w.len);
  ck_assert_int_eq(uvsup__get_u8(&r), PROTO_SPAWN);
  ck_assert_str_eq(uvsup__get_str(&r), "file");
  ck_assert_ptr_null(uvsup__get_str(&r));
  int is_null;
  char** v = uvsup__get_strv(&r, &is_null);
  ck_assert_int_eq(is_null, 0);
  ck_assert_str_eq(v[0], "a");
  ck_assert_str_eq(v[1], "");
  ck_assert_ptr_null(v[2]);
  free(v);
  ck_assert_ptr_null(uvsup__get_strv(&r, &is_null));
  ck_assert_int_eq(is_null, 1);
  ck_assert_int_eq(r.failed, 0);
  ck_assert_ptr_null(uvsup__get_strv(&r, &is_null));
  ck_assert_int_eq(r.failed, 1);
  ck_assert_uint_eq(uvsup__get_u64(&r), 0);
  /* A string without its '\0'. */
  uvsup__rbuf_init(&r, "\1abc", 4);
  ck_assert_ptr_null(uvsup__get_str(&r));
  ck_assert_int_eq(r.failed, 1);
  uvsup__wbuf_free(&w);
}
END_TEST

static Suite* spawner_suite(void) {
  Suite* s = suite_create("spawner");
  TCase* both = tcase_create("both");
  tcase_add_test(both, test_spawner_proto_bounds);
  tcase_add_test(both, test_spawner_owns_pid);
  suite_add_tcase(s, both);
  const char* mode = getenv("UVSUP_SPAWN");
  if (mode != NULL && strcmp(mode, "in-process") == 0) {
    return s; /* the rest is the helper's */
  }
  TCase* helper = tu_tcase_new(s, "helper", 0);
  tcase_add_test(helper, test_spawner_host_killed_leaves_nothing);
  tcase_add_test(helper, test_spawner_host_killed_socket_held);
  tcase_add_test(helper, test_spawner_cli_killed_leaves_nothing);
  tcase_add_test(helper, test_spawner_cli_shows_lost);
  tcase_add_test(helper, test_spawner_stop_before_the_answer);
  tcase_add_test(helper, test_spawner_helper_killed_is_reported_and_replaced);
  tcase_add_test(helper, test_spawner_helper_reaped_by_another);
  tcase_add_test(helper, test_spawner_missing_helper);
  tcase_add_test(helper, test_spawner_worker_gets_only_its_stdio);
  tcase_add_test(helper, test_spawner_big_requests_queue);
  tcase_add_test(helper, test_spawner_helper_ignores_service_signals);
  return s;
}

int main(void) {
  return tu_run_suite(spawner_suite());
}
