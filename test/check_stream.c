/* Streamed input, end to end: jobs start as values arrive on standard
 * input or from a :::: FILE that the test feeds, not once it has ended. */
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

#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

static void put(int fd, const char* text) {
  size_t n = strlen(text);
  ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
}

/* argv of the CLI with the NULL-terminated arguments. */
static void cli_argv(char** argv, ...) {
  va_list ap;
  va_start(ap, argv);
  tu_build_argv(argv, ap);
  va_end(ap);
}

START_TEST(test_stream_stdin_first_job_starts_before_input_ends) {
  /* "(echo a; sleep 3; echo b) | uvsup ..." started a only once the input
   * had ended. Here b is written only after a's job has run: uvsup must
   * start it with standard input still open. */
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, "-j", "1", CHILD, "out", "got-{}", NULL);
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  put(in, "a\n");
  tu_wait_for_count(&p, "got-a", 1);
  put(in, "b\n");
  tu_wait_for_count(&p, "got-b", 1);
  close(in);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_file_source_from_a_fifo) {
  /* The same for ':::: FIFO': its writer is the test. */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/values", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, CHILD, "out", "got-{}", "::::", fifo, NULL);
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  int fd = open(fifo, O_WRONLY | O_CLOEXEC); /* waits for uvsup's open */
  ck_assert_int_ge(fd, 0);
  put(fd, "one\r\n\n"); /* CRLF and a blank line, as any source */
  tu_wait_for_count(&p, "got-one", 1);
  put(fd, "two");
  close(fd); /* a last line without a newline still counts */
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.out, "got-two"));
  ck_assert_ptr_nonnull(strstr(r.err, "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
  free(fifo);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_stream_bad_line_after_jobs_ran) {
  /* A NUL byte found once jobs have run: nothing more starts, what ran is
   * reported, and the status is 2 (bad input) with the line named. */
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, CHILD, "out", "got-{}", NULL);
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  put(in, "a\n");
  tu_wait_for_count(&p, "got-a", 1);
  ck_assert_int_eq(write(in, "b\0c\nd\n", 6), 6);
  close(in);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(
      strstr(r.err, "uvsup: standard input:2: a NUL byte in the value\n"));
  ck_assert_ptr_nonnull(strstr(r.err, "stopped by bad input\n"));
  ck_assert_ptr_nonnull(strstr(r.err, "1 worker: 1 ok, 0 failed"));
  ck_assert_ptr_null(strstr(r.out, "got-d"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_halt_ends_without_end_of_input) {
  /* "tail -f queue | uvsup --halt now,fail=1 ...": a halt ends uvsup
   * though its input never ends. */
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, "--halt", "now,fail=1", CHILD, "exit", "{}", NULL);
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  put(in, "0\n3\n");
  tu_result_t r;
  tu_finish(&p, &r); /* returns: uvsup ended with its stdin still open */
  close(in);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "halted by --halt"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_signal_while_waiting_for_input) {
  /* Nothing runs, uvsup waits for values: SIGINT ends it at once. */
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, CHILD, "out", "got-{}", NULL);
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  put(in, "a\n");
  tu_wait_for_count(&p, "got-a", 1);
  ck_assert_int_eq(kill(p.pid, SIGINT), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  close(in);
  ck_assert_msg(r.status == 130, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "interrupted by SIGINT"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_no_values_is_bad_input) {
  tu_result_t r;
  tu_run_cli(&r, "\n\n", CHILD, NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_str_eq(r.err, "uvsup: no workers: standard input had no values\n");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_many_values_bounded_read_ahead) {
  /* 3 000 values through -j 2, far more than the read-ahead: every one
   * runs once. */
  enum { N = 3000 };
  char* text = malloc(N * 7 + 1);
  ck_assert_ptr_nonnull(text);
  size_t len = 0;
  for (int i = 0; i < N; i++) {
    len += (size_t)sprintf(text + len, "%d\n", i);
  }
  tu_result_t r;
  tu_run_cli(&r, text, "-j", "2", "--output", "null", CHILD, "out", "{}", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "3000 workers: 3000 ok, 0 failed"));
  tu_result_free(&r);
  free(text);
}
END_TEST

START_TEST(test_stream_regular_file_in_chunks) {
  /* A regular file is read in the thread pool, 64 KiB at a time: values
   * cut across reads still come whole. 300 values of 1 000 bytes. */
  enum { N = 300, W = 1000 };
  char* text = malloc(N * (W + 1) + 1);
  ck_assert_ptr_nonnull(text);
  for (int i = 0; i < N; i++) {
    char* v = text + (size_t)i * (W + 1);
    memset(v, 'a' + i % 26, W);
    v[W] = '\n';
  }
  size_t len = (size_t)N * (W + 1);
  char* path = tu_write_temp(text, len);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-j", "2", "--summary", "json", CHILD, "noeol", "{}",
             "::::", path, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);
  /* Every value whole: 300 runs wrote 300 000 bytes in all. */
  size_t letters = 0;
  for (const char* c = r.out; *c != '\0'; c++) {
    letters += *c >= 'a' && *c <= 'z';
  }
  ck_assert_uint_ge(letters, (size_t)N * W);
  ck_assert_ptr_nonnull(strstr(r.err, "\"total\":300,\"succeeded\":300"));
  tu_result_free(&r);
  unlink(path);
  free(path);
  free(text);
}
END_TEST

START_TEST(test_stream_file_source_missing) {
  tu_result_t r;
  tu_run_cli(&r, NULL, CHILD, "out", "::::", "/nonexistent/values", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_str_eq(r.err,
                   "uvsup: /nonexistent/values: No such file or directory\n");
  ck_assert_str_eq(r.out, "");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stream_line_too_long_from_a_pipe) {
  /* A line past the limit is refused as soon as it passes it, the jobs
   * before it having run. */
  char* argv[TU_MAX_ARGS];
  cli_argv(argv, CHILD, "out", "got-{}", NULL);
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  put(in, "a\n");
  tu_wait_for_count(&p, "got-a", 1);
  static char big[200000];
  memset(big, 'x', sizeof(big));
  size_t off = 0;
  while (off < sizeof(big)) {
    ssize_t n = write(in, big + off, sizeof(big) - off);
    if (n < 0 && errno == EPIPE) {
      break; /* uvsup stopped reading: fine */
    }
    ck_assert_int_gt(n, 0);
    off += (size_t)n;
  }
  close(in);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "standard input:2: value of"));
  ck_assert_ptr_nonnull(strstr(r.err, "1 worker: 1 ok"));
  tu_result_free(&r);
}
END_TEST

int main(void) {
  Suite* s = suite_create("stream");
  TCase* tc = tu_tcase_new(s, "stream", 60);
  tcase_add_test(tc, test_stream_stdin_first_job_starts_before_input_ends);
  tcase_add_test(tc, test_stream_file_source_from_a_fifo);
  tcase_add_test(tc, test_stream_bad_line_after_jobs_ran);
  tcase_add_test(tc, test_stream_halt_ends_without_end_of_input);
  tcase_add_test(tc, test_stream_signal_while_waiting_for_input);
  tcase_add_test(tc, test_stream_no_values_is_bad_input);
  tcase_add_test(tc, test_stream_many_values_bounded_read_ahead);
  tcase_add_test(tc, test_stream_regular_file_in_chunks);
  tcase_add_test(tc, test_stream_file_source_missing);
  tcase_add_test(tc, test_stream_line_too_long_from_a_pipe);
  return tu_run_suite(s);
}
