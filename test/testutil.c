/* Helpers shared by the test suites: running the CLI, temporary files and
 * directories. */
#define _GNU_SOURCE /* pipe2, vasprintf, program_invocation_short_name */
#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

static void append(
    char** buf, size_t* len, size_t* cap, const char* p, size_t n) {
  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    *buf = realloc(*buf, *cap);
    ck_assert_ptr_nonnull(*buf);
  }
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = '\0';
}

/* Writes '.' into the pipe until it is full; returns how many. */
static size_t fill_pipe(int fd) {
  int flags = fcntl(fd, F_GETFL);
  ck_assert_int_eq(fcntl(fd, F_SETFL, flags | O_NONBLOCK), 0);
  char dots[4096];
  memset(dots, '.', sizeof(dots));
  size_t total = 0;
  for (;;) {
    ssize_t n = write(fd, dots, sizeof(dots));
    if (n < 0 && errno == EAGAIN && total > 0) {
      break;
    }
    ck_assert_int_gt(n, 0);
    total += (size_t)n;
  }
  /* Pipes of a page take one byte at a time once nearly full. */
  while (write(fd, dots, 1) == 1) {
    total++;
  }
  ck_assert_int_eq(fcntl(fd, F_SETFL, flags), 0);
  return total;
}

static void start(char* const* argv,
                  const char* stdin_text,
                  int full_fd,
                  tu_proc_t* p,
                  int* stdin_fd) {
  int in[2], out[2], err[2];
  memset(p, 0, sizeof(*p));
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
  if (full_fd == 1 || full_fd == 2) {
    p->prefilled = fill_pipe(full_fd == 1 ? out[1] : err[1]);
  }
  p->pid = fork();
  ck_assert_int_ge(p->pid, 0);
  if (p->pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  p->fds[0] = out[0];
  p->fds[1] = err[0];
  p->fds[2] = in[1];
  p->in = stdin_text;
  p->in_len = stdin_text ? strlen(stdin_text) : 0;
  if (stdin_fd != NULL) {
    *stdin_fd = in[1]; /* the test writes and closes it */
    p->fds[2] = -1;
  } else if (p->in_len == 0) {
    close(in[1]);
    p->fds[2] = -1;
  } else {
    /* A blocking write of more than the pipe holds would wait for the child
     * to read, while the child may wait for us to read its output. */
    ck_assert_int_eq(fcntl(in[1], F_SETFL, O_NONBLOCK), 0);
  }
  append(&p->r.out, &p->r.out_len, &p->out_cap, "", 0);
  append(&p->r.err, &p->r.err_len, &p->err_cap, "", 0);
  signal(SIGPIPE, SIG_IGN);
}

void tu_start(char* const* argv, const char* stdin_text, tu_proc_t* p) {
  start(argv, stdin_text, 0, p, NULL);
}

void tu_start_held(char* const* argv, tu_proc_t* p, int* stdin_fd) {
  start(argv, NULL, 0, p, stdin_fd);
}

void tu_start_full(char* const* argv, int full_fd, tu_proc_t* p) {
  start(argv, NULL, full_fd, p, NULL);
}

/* One poll round of at most timeout_ms (-1: no limit): reads what the
 * child wrote (stdout too unless err_only), feeds it stdin. Returns 0 once
 * every pipe is closed, -1 on a timeout. */
static int pump_some(tu_proc_t* p, int err_only, int timeout_ms) {
  if (p->fds[0] < 0 && p->fds[1] < 0 && p->fds[2] < 0) {
    return 0;
  }
  struct pollfd fds[3] = { { err_only ? -1 : p->fds[0], POLLIN, 0 },
                           { p->fds[1], POLLIN, 0 },
                           { p->fds[2], POLLOUT, 0 } };
  int rc = poll(fds, 3, timeout_ms);
  if (rc < 0 && errno == EINTR) {
    return 1;
  }
  ck_assert_int_ge(rc, 0);
  if (rc == 0) {
    return -1;
  }
  char chunk[65536];
  for (int i = 0; i < 2; i++) {
    if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) {
      continue;
    }
    ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
    if (n <= 0) {
      close(fds[i].fd);
      p->fds[i] = -1;
    } else if (i == 0) {
      append(&p->r.out, &p->r.out_len, &p->out_cap, chunk, (size_t)n);
    } else {
      append(&p->r.err, &p->r.err_len, &p->err_cap, chunk, (size_t)n);
    }
  }
  if (p->fds[2] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
    ssize_t n = write(p->fds[2], p->in + p->in_off, p->in_len - p->in_off);
    if (n > 0) {
      p->in_off += (size_t)n;
    }
    if ((n < 0 && errno != EAGAIN && errno != EINTR) ||
        p->in_off == p->in_len) {
      close(p->fds[2]);
      p->fds[2] = -1;
    }
  }
  return 1;
}

static int pump(tu_proc_t* p) {
  return pump_some(p, 0, -1);
}

static size_t count_of(const char* haystack, const char* needle) {
  size_t n = 0;
  for (const char* s = strstr(haystack, needle); s != NULL;
       s = strstr(s + strlen(needle), needle)) {
    n++;
  }
  return n;
}

void tu_wait_for_count(tu_proc_t* p, const char* needle, size_t count) {
  while (count_of(p->r.out, needle) + count_of(p->r.err, needle) < count) {
    ck_assert_msg(pump(p), "output ended before %zu x '%s':\n%s\n%s", count,
                  needle, p->r.out, p->r.err);
  }
}

size_t tu_read_once(tu_proc_t* p, int fd, size_t max) {
  int i = fd == 1 ? 0 : 1;
  char chunk[65536];
  if (p->fds[i] < 0) {
    return 0;
  }
  ssize_t n;
  do {
    n = read(p->fds[i], chunk, max < sizeof(chunk) ? max : sizeof(chunk));
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    close(p->fds[i]);
    p->fds[i] = -1;
    return 0;
  }
  if (i == 0) {
    append(&p->r.out, &p->r.out_len, &p->out_cap, chunk, (size_t)n);
  } else {
    append(&p->r.err, &p->r.err_len, &p->err_cap, chunk, (size_t)n);
  }
  return (size_t)n;
}

void tu_wait_on(tu_proc_t* p, int fd, const char* needle) {
  while (strstr(fd == 1 ? p->r.out : p->r.err, needle) == NULL) {
    ck_assert_msg(tu_read_once(p, fd, 65536) > 0,
                  "output ended before '%s':\n%s\n%s", needle, p->r.out,
                  p->r.err);
  }
}

int tu_finish_within(tu_proc_t* p,
                     tu_result_t* r,
                     int timeout_ms,
                     int err_only) {
  struct timespec t0, now;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int in_time = 1;
  for (int rc = 1; rc != 0 && (!err_only || p->fds[1] >= 0);) {
    clock_gettime(CLOCK_MONOTONIC, &now);
    long left = timeout_ms - ((now.tv_sec - t0.tv_sec) * 1000 +
                              (now.tv_nsec - t0.tv_nsec) / 1000000);
    rc = pump_some(p, err_only, left > 0 ? (int)left : 0);
    if (rc < 0) {
      in_time = 0;
      kill(p->pid, SIGKILL);
      break;
    }
  }
  tu_finish(p, r);
  return in_time;
}

void tu_finish(tu_proc_t* p, tu_result_t* r) {
  while (pump(p)) {
  }
  int status;
  while (waitpid(p->pid, &status, 0) < 0) {
    ck_assert_int_eq(errno, EINTR);
  }
  p->r.status =
      WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  *r = p->r;
  memset(p, 0, sizeof(*p));
}

void tu_run(char* const* argv, const char* stdin_text, tu_result_t* r) {
  tu_proc_t p;
  tu_start(argv, stdin_text, &p);
  tu_finish(&p, r);
}

void tu_result_free(tu_result_t* r) {
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof(*r));
}

char* tu_write_temp(const char* text, size_t len) {
  char* path = strdup("/tmp/uvsup-test-XXXXXX");
  ck_assert_ptr_nonnull(path);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  return path;
}

/* The state letter of /proc/PATH (a process's or a thread's stat), or 0
 * when it cannot be read. It follows the last ')': the command may hold
 * anything. */
static char stat_state(const char* path) {
  char line[512];
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    return 0;
  }
  size_t n = fread(line, 1, sizeof(line) - 1, f);
  fclose(f);
  line[n] = '\0';
  const char* close_paren = strrchr(line, ')');
  if (close_paren == NULL || close_paren[1] == '\0') {
    return 0;
  }
  return close_paren[2];
}

static int runs(char state) {
  return state != 0 && state != 'Z' && state != 'X';
}

int tu_pid_alive(pid_t pid) {
  char path[96];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  if (runs(stat_state(path))) {
    return 1;
  }
  /* A zombie leader may still have threads that run (its main thread
   * called pthread_exit): the process is alive while any of them runs. */
  snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
  DIR* tasks = opendir(path);
  if (tasks == NULL) {
    return 0;
  }
  int alive = 0;
  struct dirent* e;
  while (!alive && (e = readdir(tasks)) != NULL) {
    if (e->d_name[0] != '.') {
      snprintf(path, sizeof(path), "/proc/%d/task/%.20s/stat", (int)pid,
               e->d_name);
      alive = runs(stat_state(path));
    }
  }
  closedir(tasks);
  return alive;
}

void tu_build_argv(char** argv, va_list ap) {
  size_t n = 0;
  argv[n++] = UVSUP_TEST_CLI;
  for (char* a; (a = va_arg(ap, char*)) != NULL;) {
    ck_assert_uint_lt(n, TU_MAX_ARGS - 1);
    argv[n++] = a;
  }
  argv[n] = NULL;
}

void tu_run_cli(tu_result_t* r, const char* stdin_text, ...) {
  char* argv[TU_MAX_ARGS];
  va_list ap;
  va_start(ap, stdin_text);
  tu_build_argv(argv, ap);
  va_end(ap);
  tu_run(argv, stdin_text, r);
}

char* tu_fmt(const char* format, ...) {
  va_list ap;
  va_start(ap, format);
  char* s = NULL;
  int n = vasprintf(&s, format, ap);
  va_end(ap);
  ck_assert_int_ge(n, 0);
  return s;
}

/* Set by the unchecked fixture in Check's parent; the forked tests inherit
 * it. A real path, so the directories made under it are real paths too. */
static char* base_dir;

static int remove_entry(const char* path,
                        const struct stat* st,
                        int flag,
                        struct FTW* ftw) {
  (void)st;
  (void)flag;
  (void)ftw;
  return remove(path);
}

static void remove_tree(const char* dir) {
  nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void base_setup(void) {
  /* Named after the suite's program, so a leftover says whose it is. */
  char* tmpl = NULL;
  if (asprintf(&tmpl, "/tmp/uvsup-%s-XXXXXX", program_invocation_short_name) <
          0 ||
      mkdtemp(tmpl) == NULL || (base_dir = realpath(tmpl, NULL)) == NULL) {
    perror("mkdtemp");
    abort();
  }
  free(tmpl);
}

static void base_teardown(void) {
  remove_tree(base_dir);
  free(base_dir);
  base_dir = NULL;
}

TCase* tu_tcase_new(Suite* s, const char* name, int timeout) {
  TCase* tc = tcase_create(name);
  tcase_add_unchecked_fixture(tc, base_setup, base_teardown);
  if (timeout > 0) {
    tcase_set_timeout(tc, timeout);
  }
  suite_add_tcase(s, tc);
  return tc;
}

char* tu_tmpdir_new(void) {
  ck_assert_ptr_nonnull(base_dir);
  char* dir = tu_fmt("%s/t-XXXXXX", base_dir);
  ck_assert_ptr_nonnull(mkdtemp(dir));
  return dir;
}

void tu_tmpdir_free(char* dir) {
  remove_tree(dir);
  free(dir);
}

int tu_count_entries(const char* dir) {
  DIR* d = opendir(dir);
  ck_assert_msg(d != NULL, "cannot open %s", dir);
  int n = 0;
  for (struct dirent* e; (e = readdir(d)) != NULL;) {
    n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
  }
  closedir(d);
  return n;
}

int tu_run_suite(Suite* s) {
  SRunner* sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
