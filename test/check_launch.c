#define _GNU_SOURCE /* pipe2 */
/* The spawn helper's launcher (posix_spawn): each promise uv_spawn makes
 * for the helper's options, checked on real processes: execvp()'s search
 * of the worker's own PATH, a script without "#!" run by /bin/sh, stdio
 * slots that cross, blocking stdio, a new session with default signals,
 * the working directory, and the errors uv_spawn would give. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>
#include <uv.h>

#include "../src/spawner/launch.h"
#include "testutil.h"

static char* dir;
/* The strings a test made, freed after it. */
static char* owned[32];
static int nowned;

static char* own(char* s) {
  ck_assert_int_lt(nowned, 32);
  owned[nowned++] = s;
  return s;
}

static void setup(void) {
  dir = own(tu_tmpdir_new());
}

static void teardown(void) {
  while (nowned > 0) {
    free(owned[--nowned]);
  }
}

/* A program in dir, made executable (mode 0755) or not. */
static char* program(const char* name, const char* text, mode_t mode) {
  char* path = own(tu_write_file(dir, name, text));
  ck_assert_int_eq(chmod(path, mode), 0);
  return path;
}

/* Reads fd to its end (then closes it) and reaps pid; returns what was
 * read and the exit status in *status. */
static char* collect(int fd, int pid, int* status) {
  static char buf[4096];
  size_t len = 0;
  ssize_t n;
  fcntl(fd, F_SETFL, 0);
  while ((n = read(fd, buf + len, sizeof(buf) - 1 - len)) > 0) {
    len += (size_t)n;
  }
  buf[len] = '\0';
  close(fd);
  int wstatus;
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  ck_assert(WIFEXITED(wstatus));
  *status = WEXITSTATUS(wstatus);
  return buf;
}

/* Launches file with args and env, its stdout into a pipe; returns what
 * it wrote and its exit status in *status. */
static char* run(
    const char* file, char** args, char** env, const char* cwd, int* status) {
  int out[2];
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  uv_stdio_container_t stdio[3] = { { UV_IGNORE, { 0 } },
                                    { UV_INHERIT_FD, { .fd = out[1] } },
                                    { UV_IGNORE, { 0 } } };
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  o.file = file;
  o.args = args;
  o.env = env;
  o.cwd = cwd;
  o.stdio_count = 3;
  o.stdio = stdio;
  int pid = 0;
  int err = uvsup__launch(&o, &pid);
  close(out[1]);
  if (err != 0) {
    close(out[0]);
    *status = err;
    return NULL;
  }
  return collect(out[0], pid, status);
}

START_TEST(test_launch_searches_the_workers_path) {
  /* The worker's PATH, not the launcher's: a directory that is missing
   * and one whose file may not be run are passed over, as by execvp(). */
  ck_assert_int_eq(mkdir(own(tu_fmt("%s/denied", dir)), 0755), 0);
  char* saved = dir;
  dir = own(tu_fmt("%s/denied", saved));
  program("hello", "#!/bin/sh\necho denied\n", 0644);
  dir = saved;
  program("hello", "#!/bin/sh\necho found \"$1\"\n", 0755);
  char* path = own(tu_fmt("PATH=%s/missing:%s/denied:%s", dir, dir, dir));
  char* env[] = { path, NULL };
  char* args[] = { "hello", "arg", NULL };
  int status;
  char* out = run("hello", args, env, NULL, &status);
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, "found arg\n");
  ck_assert_int_eq(status, 0);
}
END_TEST

START_TEST(test_launch_errors_as_uv_spawn) {
  char* path = own(tu_fmt("PATH=%s", dir));
  char* env[] = { path, NULL };
  char* args[] = { "x", NULL };
  int status;
  ck_assert_ptr_null(run("nosuch", args, env, NULL, &status));
  ck_assert_int_eq(status, UV_ENOENT);
  /* Found but not executable, and nothing else found: EACCES. */
  program("locked", "#!/bin/sh\n", 0644);
  ck_assert_ptr_null(run("locked", args, env, NULL, &status));
  ck_assert_int_eq(status, UV_EACCES);
  ck_assert_ptr_null(
      run(own(tu_fmt("%s/locked", dir)), args, env, NULL, &status));
  ck_assert_int_eq(status, UV_EACCES);
  ck_assert_ptr_null(run("", args, env, NULL, &status));
  ck_assert_int_eq(status, UV_ENOENT);
  ck_assert_ptr_null(run("/bin/true", args, env, "/nonexistent", &status));
  ck_assert_int_eq(status, UV_ENOENT);
}
END_TEST

START_TEST(test_launch_script_without_shebang_runs_in_sh) {
  char* script = program("plain", "echo plain \"$1\" \"$2\"\n", 0755);
  char* args[] = { "plain", "one", "two", NULL };
  char* env[] = { NULL };
  int status;
  char* out = run(script, args, env, NULL, &status);
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, "plain one two\n");
}
END_TEST

START_TEST(test_launch_relative_file_in_its_cwd) {
  program("here", "#!/bin/sh\npwd\n", 0755);
  char* args[] = { "./here", NULL };
  char* env[] = { "PATH=/usr/bin:/bin", NULL };
  int status;
  char* out = run("./here", args, env, dir, &status);
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out, own(tu_fmt("%s\n", dir)));
}
END_TEST

/* Launches "sh -c script" with an empty environment and these slots;
 * returns its pid. */
static int launch_sh(const char* script,
                     uv_stdio_container_t* stdio,
                     int count) {
  char* args[] = { "sh", "-c", (char*)script, NULL };
  char* env[] = { NULL };
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  o.file = "/bin/sh";
  o.args = args;
  o.env = env;
  o.stdio_count = count;
  o.stdio = stdio;
  int pid = 0;
  ck_assert_int_eq(uvsup__launch(&o, &pid), 0);
  return pid;
}

/* Slots 20 and 21 get each other's descriptor: without a move first, the
 * first dup2() would overwrite the second's source. */
START_TEST(test_launch_crossed_slots) {
  int a[2], b[2];
  ck_assert_int_eq(pipe(a), 0);
  ck_assert_int_eq(pipe(b), 0);
  ck_assert_int_eq(dup3(a[1], 20, O_CLOEXEC), 20);
  ck_assert_int_eq(dup3(b[1], 21, O_CLOEXEC), 21);
  close(a[1]);
  close(b[1]);
  uv_stdio_container_t stdio[22];
  for (int i = 0; i < 22; i++) {
    stdio[i].flags = UV_IGNORE;
  }
  stdio[20].flags = UV_INHERIT_FD;
  stdio[20].data.fd = 21;
  stdio[21].flags = UV_INHERIT_FD;
  stdio[21].data.fd = 20;
  /* dash redirects only descriptors 0-9: through /proc instead. */
  int pid =
      launch_sh("echo twenty > /proc/$$/fd/20; echo twentyone > /proc/$$/fd/21",
                stdio, 22);
  close(20);
  close(21);
  char buf[64];
  ssize_t n = read(b[0], buf, sizeof(buf) - 1);
  ck_assert_int_gt(n, 0);
  buf[n] = '\0';
  ck_assert_str_eq(buf, "twenty\n"); /* slot 20 is the pipe that was 21 */
  n = read(a[0], buf, sizeof(buf) - 1);
  ck_assert_int_gt(n, 0);
  buf[n] = '\0';
  ck_assert_str_eq(buf, "twentyone\n");
  int wstatus;
  ck_assert_int_eq(waitpid(pid, &wstatus, 0), pid);
  ck_assert(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0);
}
END_TEST

/* A new session, every signal at its default and none blocked, stdout
 * made blocking, stdin on /dev/null: whatever the launcher's own state. */
START_TEST(test_launch_fresh_process_state) {
  sigset_t block;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, NULL);
  signal(SIGPIPE, SIG_IGN);
  signal(SIGUSR2, SIG_IGN);
  int out[2];
  ck_assert_int_eq(pipe2(out, O_CLOEXEC | O_NONBLOCK), 0);
  uv_stdio_container_t stdio[3] = { { UV_IGNORE, { 0 } },
                                    { UV_INHERIT_FD, { .fd = out[1] } },
                                    { UV_IGNORE, { 0 } } };
  /* Field 6 of stat is the session; fdinfo's flags are octal, 04000 is
   * O_NONBLOCK. */
  int pid = launch_sh(
      "read -r _ _ _ _ _ sid _ < /proc/$$/stat;"
      "[ \"$sid\" = $$ ] && echo session;"
      /* The shell's builtin read: while it waits for a child (grep), dash
       * blocks every signal but SIGCHLD, which is not the launch's doing. */
      "while read -r k v; do case $k in Sig[BI]*) echo \"$k	$v\";; esac;"
      "done < /proc/$$/status;"
      "set -- $(grep flags /proc/$$/fdinfo/1);"
      "[ $(( $2 & 04000 )) = 0 ] && echo blocking;"
      "readlink /proc/$$/fd/0",
      stdio, 3);
  close(out[1]);
  int status;
  const char* buf = collect(out[0], pid, &status);
  ck_assert_msg(tu_has_line(buf, "session"), "%s", buf);
  ck_assert_msg(tu_has_line(buf, "SigBlk:\t0000000000000000"), "%s", buf);
  ck_assert_msg(tu_has_line(buf, "SigIgn:\t0000000000000000"), "%s", buf);
  ck_assert_msg(tu_has_line(buf, "blocking"), "%s", buf);
  ck_assert_msg(tu_has_line(buf, "/dev/null"), "%s", buf);
}
END_TEST

START_TEST(test_launch_refuses_a_user_change) {
  char* args[] = { "true", NULL };
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  o.file = "/bin/true";
  o.args = args;
  o.flags = UV_PROCESS_SETUID;
  int pid = 0;
  ck_assert_int_eq(uvsup__launch(&o, &pid), UV_EINVAL);
  ck_assert_int_eq(pid, 0);
}
END_TEST

int main(void) {
  Suite* s = suite_create("launch");
  TCase* tc = tu_tcase_new(s, "launch", 0);
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, test_launch_searches_the_workers_path);
  tcase_add_test(tc, test_launch_errors_as_uv_spawn);
  tcase_add_test(tc, test_launch_script_without_shebang_runs_in_sh);
  tcase_add_test(tc, test_launch_relative_file_in_its_cwd);
  tcase_add_test(tc, test_launch_crossed_slots);
  tcase_add_test(tc, test_launch_fresh_process_state);
  tcase_add_test(tc, test_launch_refuses_a_user_change);
  return tu_run_suite(s);
}
