/* Progress as GNU parallel draws it: the lines themselves (pure), and
 * drawn on a pseudo-terminal but never into a pipe unless forced. */
#define _GNU_SOURCE /* posix_openpt and friends */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "progress.h"
#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

START_TEST(test_progress_time_units) {
  static const struct {
    long s;
    const char* want;
  } rows[] = { { 0, "0s" },
               { 59, "59s" },
               { 125, "2m05s" },
               { 3725, "1h02m05s" },
               { 266525, "3d02h02m05s" } };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    cli_buf_t b;
    cli_buf_init(&b);
    cli_progress_time_units(&b, rows[i].s);
    ck_assert_str_eq(b.data, rows[i].want);
    cli_buf_free(&b);
  }
}
END_TEST

START_TEST(test_progress_eta_smoothed_as_parallel) {
  cli_progress_t p;
  memset(&p, 0, sizeof(p));
  cli_progress_state_t s = { 10, 0, 2, 1000, "", 80 };
  double avg;
  ck_assert_int_eq(cli_progress_eta(&p, &s, &avg), 0); /* none done */
  s.completed = 2;
  ck_assert_int_eq(cli_progress_eta(&p, &s, &avg), 0); /* first seen */
  s.completed = 5;
  s.now_ms = 11000; /* 10 s after the first completion: 2 s per job */
  ck_assert_int_eq(cli_progress_eta(&p, &s, &avg), 10); /* 5 left */
  ck_assert(avg > 1.99 && avg < 2.01);
  /* Up by less than 10 % (11): the last ETA stays. */
  s.now_ms = 13000;
  ck_assert_int_eq(cli_progress_eta(&p, &s, &avg), 10);
  /* Up by more: it moves. */
  s.now_ms = 21000;
  ck_assert_int_gt(cli_progress_eta(&p, &s, &avg), 11);
}
END_TEST

START_TEST(test_progress_lines_as_parallel) {
  cli_progress_t p;
  memset(&p, 0, sizeof(p));
  cli_progress_state_t s = { 4, 2, 2, 500, "0.4", 40 };
  cli_buf_t b;
  cli_buf_init(&b);
  cli_progress_bar_line(&p, &s, &b);
  ck_assert_str_eq(b.data,
                   "\r\r#   0 sec 0.4                           "
                   "\r50\r\033[7m50% 2:2=0s 0.4      \033[0m"
                   "                    \033[0m");
  cli_buf_free(&b);
  memset(&p, 0, sizeof(p));
  cli_buf_init(&b);
  s.now_ms = 2000;
  cli_progress_eta_line(&p, &s, &b);
  ck_assert_str_eq(b.data,
                   "\rETA: 0s Left: 2 AVG: 0.00s  local:2/2/100%/1.0s ");
  cli_buf_free(&b);
}
END_TEST

/* Runs the CLI with stderr on a new pseudo-terminal (stdout a pipe to
 * /dev/null) and returns what the terminal got. */
static char* run_on_pty(char* const* argv) {
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ck_assert_int_ge(master, 0);
  ck_assert_int_eq(grantpt(master), 0);
  ck_assert_int_eq(unlockpt(master), 0);
  char* name = ptsname(master);
  ck_assert_ptr_nonnull(name);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    setsid();
    int slave = open(name, O_RDWR);
    int null = open("/dev/null", O_RDWR);
    if (slave < 0 || null < 0) {
      _exit(126);
    }
    struct winsize ws = { 24, 60, 0, 0 };
    ioctl(slave, TIOCSWINSZ, &ws);
    dup2(null, 0);
    dup2(null, 1);
    dup2(slave, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  size_t len = 0, cap = 65536;
  char* text = malloc(cap);
  for (;;) {
    if (len + 4096 > cap) {
      text = realloc(text, cap *= 2);
    }
    ssize_t n = read(master, text + len, 4096);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break; /* EIO once the terminal's last user closed it */
    }
    len += (size_t)n;
  }
  text[len] = '\0';
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", text);
  close(master);
  return text;
}

START_TEST(test_progress_bar_on_a_terminal) {
  char* argv[] = { UVSUP_TEST_CLI, "--bar", "-j", "2", CHILD, "out",
                   ":::",          "a",     "b",  "c", NULL };
  char* text = run_on_pty(argv);
  ck_assert_msg(strstr(text, "\r\r#   ") != NULL, "%s", text);
  ck_assert_msg(strstr(text, "\033[7m100% 3:0=0s ") != NULL, "%s", text);
  free(text);
  char* eta[] = { UVSUP_TEST_CLI, "--eta", CHILD, "out", ":::", "a", NULL };
  text = run_on_pty(eta);
  ck_assert_msg(strstr(text, "\rETA: 0s Left: 0 AVG: ") != NULL, "%s", text);
  free(text);
}
END_TEST

START_TEST(test_progress_never_in_a_pipe) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--bar", "--eta", CHILD, "out", ":::", "a", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_null(strchr(r.err, '\r'));
  ck_assert_ptr_null(strstr(r.err, "ETA"));
  tu_result_free(&r);
  /* Unless forced. */
  tu_run_cli(&r, NULL, "--bar", "--force-progress", CHILD, "out", ":::", "a",
             NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_ptr_nonnull(strstr(r.err, "\033[7m100% 1:0=0s a"));
  tu_result_free(&r);
  /* A live line erases the progress line instead of trailing it. */
  tu_run_cli(&r, NULL, "--eta", "--force-progress", "-j", "1", CHILD, "sleep",
             "600", "exit", "{}", ":::", "0", "3", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_msg(strstr(r.err, "\r\033[Kuvsup: 3: exit 3 after") != NULL, "%s",
                r.err);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_progress_terminal_hint_for_stdin) {
  /* A terminal on standard input: one line says what uvsup waits for.
   * The pty's end-of-file (Ctrl-D) ends the values. */
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ck_assert_int_ge(master, 0);
  ck_assert_int_eq(grantpt(master), 0);
  ck_assert_int_eq(unlockpt(master), 0);
  char* name = ptsname(master);
  int err[2];
  ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    setsid();
    int slave = open(name, O_RDWR);
    int null = open("/dev/null", O_RDWR);
    dup2(slave, 0);
    dup2(null, 1);
    dup2(err[1], 2);
    char* argv[] = { UVSUP_TEST_CLI, CHILD, "out", NULL };
    execv(argv[0], argv);
    _exit(127);
  }
  close(err[1]);
  char text[4096];
  size_t len = 0;
  while (strstr(text, "Ctrl-D") == NULL && len < sizeof(text) - 1) {
    ssize_t n = read(err[0], text + len, sizeof(text) - 1 - len);
    ck_assert_int_gt(n, 0);
    len += (size_t)n;
    text[len] = '\0';
  }
  ck_assert_ptr_nonnull(strstr(text,
                               "uvsup: reading values from the "
                               "terminal, one per line; Ctrl-D ends "
                               "them"));
  ck_assert_int_eq(write(master, "x\n\004", 3), 3);
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_int_eq(WEXITSTATUS(status), 0);
  close(err[0]);
  close(master);
}
END_TEST

int main(void) {
  Suite* s = suite_create("progress");
  TCase* tc = tcase_create("lines");
  tcase_add_test(tc, test_progress_time_units);
  tcase_add_test(tc, test_progress_eta_smoothed_as_parallel);
  tcase_add_test(tc, test_progress_lines_as_parallel);
  suite_add_tcase(s, tc);
  tc = tu_tcase_new(s, "terminal", 60);
  tcase_add_test(tc, test_progress_bar_on_a_terminal);
  tcase_add_test(tc, test_progress_never_in_a_pipe);
  tcase_add_test(tc, test_progress_terminal_hint_for_stdin);
  return tu_run_suite(s);
}
