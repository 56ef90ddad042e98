/* Tests for the end-of-run summary: result lines, the text table, JSON. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "summary.h"
#include "testutil.h"

#define MS UINT64_C(1000000)

static uvsup_result_t exited(const char* name,
                             int pid,
                             int status,
                             uint64_t ns) {
  uvsup_result_t r;
  memset(&r, 0, sizeof(r));
  r.name = name;
  r.pid = pid;
  r.end = UVSUP_END_EXITED;
  r.ok = status == 0;
  r.exit_status = status;
  r.start_ns = 1;
  r.duration_ns = ns;
  return r;
}

static uvsup_result_t ended(
    const char* name, int pid, uvsup_end_t end, int sig, uint64_t ns) {
  uvsup_result_t r = exited(name, pid, -1, ns);
  r.end = end;
  r.ok = 0;
  r.term_signal = sig;
  return r;
}

static uvsup_result_t spawn_failed(const char* name, int err) {
  uvsup_result_t r;
  memset(&r, 0, sizeof(r));
  r.name = name;
  r.end = UVSUP_END_SPAWN_FAILED;
  r.exit_status = -1;
  r.error = err;
  return r;
}

static uvsup_result_t not_started(const char* name) {
  uvsup_result_t r;
  memset(&r, 0, sizeof(r));
  r.name = name;
  r.end = UVSUP_END_NOT_STARTED;
  r.exit_status = -1;
  return r;
}

static void check_describe(const uvsup_result_t* r, const char* want) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_result_describe(&b, r);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, want);
  cli_buf_free(&b);
}

/* Runs the text or JSON summary of n results and checks the whole output. */
static void check_summary(int json,
                          const uvsup_result_t* rs,
                          size_t n,
                          cli_stop_reason_t why,
                          int sig,
                          uint64_t ns,
                          const char* want) {
  const uvsup_result_t* ptrs[16];
  ck_assert_uint_le(n, 16);
  for (size_t i = 0; i < n; i++) {
    ptrs[i] = &rs[i];
  }
  cli_summary_t s = { ptrs, n, ns, why, sig, NULL, 0, 0, 0 };
  cli_buf_t b;
  cli_buf_init(&b);
  int rc = json ? cli_summary_json(&b, &s) : cli_summary_text(&b, &s);
  ck_assert_int_eq(rc, 0);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, want);
  cli_buf_free(&b);
}

START_TEST(test_summary_describe_each_end) {
  uvsup_result_t r = exited("w", 10, 0, MS);
  check_describe(&r, "ok");
  r = exited("w", 10, 3, MS);
  check_describe(&r, "exit 3");
  r = exited("w", 10, 255, MS);
  check_describe(&r, "exit 255");
  r = ended("w", 10, UVSUP_END_SIGNALED, SIGKILL, MS);
  check_describe(&r, "signal SIGKILL");
  r = ended("w", 10, UVSUP_END_SIGNALED, SIGSEGV, MS);
  check_describe(&r, "signal SIGSEGV");
  r = ended("w", 10, UVSUP_END_TIMED_OUT, SIGTERM, MS);
  check_describe(&r, "timed out (SIGTERM)");
  r = ended("w", 10, UVSUP_END_STOPPED, SIGTERM, MS);
  check_describe(&r, "stopped (SIGTERM)");
  r = ended("w", 10, UVSUP_END_STOPPED, SIGKILL, MS);
  check_describe(&r, "stopped (SIGKILL)");
  r = spawn_failed("w", UV_ENOENT);
  check_describe(&r, "spawn error: ENOENT: no such file or directory");
  r = spawn_failed("w", UV_EACCES);
  check_describe(&r, "spawn error: EACCES: permission denied");
  r = not_started("w");
  check_describe(&r, "not started");
  r = ended("w", 10, UVSUP_END_LOST, 0, MS);
  check_describe(&r, "lost (the spawn helper died)");
}
END_TEST

START_TEST(test_summary_describe_unnamed_signal) {
  uvsup_result_t r = ended("w", 10, UVSUP_END_SIGNALED, 40, MS);
  check_describe(&r, "signal 40");
  r = ended("w", 10, UVSUP_END_TIMED_OUT, 40, MS);
  check_describe(&r, "timed out (signal 40)");
}
END_TEST

START_TEST(test_summary_describe_stopped_but_exited) {
  /* A worker that catches SIGTERM and exits by itself. */
  uvsup_result_t r = ended("w", 10, UVSUP_END_STOPPED, 0, MS);
  r.exit_status = 143;
  check_describe(&r, "stopped (exit 143)");
  r.end = UVSUP_END_TIMED_OUT;
  r.exit_status = 0;
  check_describe(&r, "timed out (exit 0)");
}
END_TEST

START_TEST(test_summary_text_table) {
  uvsup_result_t rs[] = {
    exited("web", 101, 0, 2010 * MS),
    exited("worker", 2002, 3, 850 * MS),
    spawn_failed("missing", UV_ENOENT),
    ended("slow", 4, UVSUP_END_TIMED_OUT, SIGTERM, 65000 * MS),
  };
  check_summary(
      0, rs, 4, CLI_STOP_NONE, 0, 70000 * MS,
      "NAME     PID   RESULT                                          "
      "DURATION\n"
      "web      101   ok                                              "
      "2.01s\n"
      "worker   2002  exit 3                                          "
      "850ms\n"
      "missing  -     spawn error: ENOENT: no such file or directory  "
      "-\n"
      "slow     4     timed out (SIGTERM)                             "
      "1m05s\n"
      "4 workers: 1 ok, 3 failed\n"
      "warning: 3 failed: worker, missing, slow\n");
}
END_TEST

START_TEST(test_summary_text_all_ok_has_no_warning) {
  uvsup_result_t rs[] = { exited("a", 7, 0, 0) };
  check_summary(0, rs, 1, CLI_STOP_NONE, 0, 0,
                "NAME  PID  RESULT  DURATION\n"
                "a     7    ok      0ms\n"
                "1 worker: 1 ok, 0 failed\n");
}
END_TEST

START_TEST(test_summary_text_stopped_and_not_started) {
  uvsup_result_t rs[] = {
    ended("a", 11, UVSUP_END_STOPPED, SIGINT, 1500 * MS),
    not_started("b"),
    exited("c", 12, 0, 10 * MS),
  };
  check_summary(0, rs, 3, CLI_STOP_SIGNAL, SIGINT, 0,
                "NAME  PID  RESULT            DURATION\n"
                "a     11   stopped (SIGINT)  1.50s\n"
                "b     -    not started       -\n"
                "c     12   ok                10ms\n"
                "3 workers: 1 ok, 0 failed, 1 stopped, 1 not started\n"
                "interrupted by SIGINT\n");
  check_summary(0, rs + 2, 1, CLI_STOP_HALT, 0, 0,
                "NAME  PID  RESULT  DURATION\n"
                "c     12   ok      10ms\n"
                "1 worker: 1 ok, 0 failed\n"
                "halted by --halt\n");
}
END_TEST

START_TEST(test_summary_text_no_workers) {
  check_summary(0, NULL, 0, CLI_STOP_NONE, 0, 0,
                "NAME  PID  RESULT  DURATION\n"
                "0 workers: 0 ok, 0 failed\n");
}
END_TEST

START_TEST(test_summary_text_pads_utf8_by_characters) {
  /* "café" is 5 bytes but 4 columns: "NAME" and it line up. */
  uvsup_result_t rs[] = { exited("caf\xC3\xA9", 1, 0, 0),
                          exited("x", 2, 0, 0) };
  check_summary(0, rs, 2, CLI_STOP_NONE, 0, 0,
                "NAME  PID  RESULT  DURATION\n"
                "caf\xC3\xA9  1    ok      0ms\n"
                "x     2    ok      0ms\n"
                "2 workers: 2 ok, 0 failed\n");
}
END_TEST

START_TEST(test_summary_text_escapes_control_characters) {
  /* A name cannot clear the screen or add lines to the table. */
  uvsup_result_t rs[] = { exited("a\nb\x1b[2J", 1, 1, 0) };
  check_summary(0, rs, 1, CLI_STOP_NONE, 0, 0,
                "NAME           PID  RESULT  DURATION\n"
                "a\\x0ab\\x1b[2J  1    exit 1  0ms\n"
                "1 worker: 0 ok, 1 failed\n"
                "warning: 1 failed: a\\x0ab\\x1b[2J\n");
  /* C1 controls, encoded or raw, and bytes that are not UTF-8 too. */
  uvsup_result_t rs2[] = { exited("x\xC2\x9By\x9B\xFF\xE2\x82", 1, 0, 0) };
  check_summary(0, rs2, 1, CLI_STOP_NONE, 0, 0,
                "NAME                      PID  RESULT  DURATION\n"
                "x\\u009by\\x9b\\xff\\xe2\\x82  1    ok      0ms\n"
                "1 worker: 1 ok, 0 failed\n");
}
END_TEST

START_TEST(test_summary_json_one_of_each) {
  uvsup_result_t rs[] = {
    exited("web", 101, 0, 2010 * MS),
    exited("worker", 2002, 3, 850 * MS),
    ended("crash", 7, UVSUP_END_SIGNALED, SIGKILL, 1 * MS),
    spawn_failed("missing", UV_ENOENT),
    ended("slow", 4, UVSUP_END_TIMED_OUT, SIGTERM, 65000 * MS),
    ended("stop", 5, UVSUP_END_STOPPED, SIGTERM, 3 * MS),
    not_started("later"),
  };
  check_summary(
      1, rs, 7, CLI_STOP_NONE, 0, 70000 * MS,
      "{\"workers\":["
      "{\"name\":\"web\",\"pid\":101,\"ok\":true,\"exit_code\":0,"
      "\"signal\":null,\"error\":null,\"timed_out\":false,\"end\":\"exited\","
      "\"duration_ms\":2010,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"worker\",\"pid\":2002,\"ok\":false,\"exit_code\":3,"
      "\"signal\":null,\"error\":null,\"timed_out\":false,\"end\":\"exited\","
      "\"duration_ms\":850,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"crash\",\"pid\":7,\"ok\":false,\"exit_code\":null,"
      "\"signal\":\"SIGKILL\",\"error\":null,\"timed_out\":false,"
      "\"end\":\"signaled\",\"duration_ms\":1,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"missing\",\"pid\":null,\"ok\":false,\"exit_code\":null,"
      "\"signal\":null,\"error\":\"ENOENT: no such file or directory\","
      "\"timed_out\":false,\"end\":\"spawn_failed\",\"duration_ms\":0,\"runs\":"
      "0,\"restarts\":0},"
      "{\"name\":\"slow\",\"pid\":4,\"ok\":false,\"exit_code\":null,"
      "\"signal\":\"SIGTERM\",\"error\":null,\"timed_out\":true,"
      "\"end\":\"timed_out\",\"duration_ms\":65000,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"stop\",\"pid\":5,\"ok\":false,\"exit_code\":null,"
      "\"signal\":\"SIGTERM\",\"error\":null,\"timed_out\":false,"
      "\"end\":\"stopped\",\"duration_ms\":3,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"later\",\"pid\":null,\"ok\":false,\"exit_code\":null,"
      "\"signal\":null,\"error\":null,\"timed_out\":false,"
      "\"end\":\"not_started\",\"duration_ms\":0,\"runs\":0,\"restarts\":0}"
      "],\"total\":7,\"succeeded\":1,\"failed\":4,\"stopped\":1,\"not_"
      "started\":1,"
      "\"duration_ms\":70000,\"skipped\":0,\"stopped_by\":null,\"stop_signal\":"
      "null}\n");
}
END_TEST

START_TEST(test_summary_json_no_workers) {
  check_summary(1, NULL, 0, CLI_STOP_NONE, 0, 0,
                "{\"workers\":[],\"total\":0,\"succeeded\":0,\"failed\":0,"
                "\"stopped\":0,\"not_started\":0,\"duration_ms\":0,\"skipped\":"
                "0,\"stopped_by\":null,"
                "\"stop_signal\":null}\n");
}
END_TEST

START_TEST(test_summary_json_stopped_by_signal_and_halt) {
  uvsup_result_t rs[] = { not_started("a") };
  check_summary(
      1, rs, 1, CLI_STOP_SIGNAL, SIGINT, 0,
      "{\"workers\":[{\"name\":\"a\",\"pid\":null,\"ok\":false,"
      "\"exit_code\":null,\"signal\":null,\"error\":null,"
      "\"timed_out\":false,\"end\":\"not_started\","
      "\"duration_ms\":0,\"runs\":0,\"restarts\":0}],\"total\":1,\"succeeded\":"
      "0,"
      "\"failed\":0,\"stopped\":0,\"not_started\":1,\"duration_ms\":0,"
      "\"skipped\":0,"
      "\"stopped_by\":\"signal\",\"stop_signal\":\"SIGINT\"}\n");
  check_summary(1, NULL, 0, CLI_STOP_HALT, 0, 0,
                "{\"workers\":[],\"total\":0,\"succeeded\":0,\"failed\":0,"
                "\"stopped\":0,\"not_started\":0,\"duration_ms\":0,"
                "\"skipped\":0,\"stopped_by\":\"halt\","
                "\"stop_signal\":null}\n");
}
END_TEST

START_TEST(test_summary_json_escapes_names) {
  uvsup_result_t rs[] = {
    exited("say \"hi\" \\o/", 1, 0, 0),
    exited("tab\there\nnl\x1b", 2, 0, 0),
    exited("caf\xC3\xA9 \xE6\x97\xA5", 3, 0, 0),
    exited("bad\xFF\xC0\xAF", 4, 0, 0),
  };
  check_summary(
      1, rs, 4, CLI_STOP_NONE, 0, 0,
      "{\"workers\":["
      "{\"name\":\"say \\\"hi\\\" \\\\o/\",\"pid\":1,\"ok\":true,"
      "\"exit_code\":0,\"signal\":null,\"error\":null,\"timed_out\":false,"
      "\"end\":\"exited\",\"duration_ms\":0,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"tab\\there\\nnl\\u001b\",\"pid\":2,\"ok\":true,"
      "\"exit_code\":0,\"signal\":null,\"error\":null,\"timed_out\":false,"
      "\"end\":\"exited\",\"duration_ms\":0,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"caf\xC3\xA9 \xE6\x97\xA5\",\"pid\":3,\"ok\":true,"
      "\"exit_code\":0,\"signal\":null,\"error\":null,\"timed_out\":false,"
      "\"end\":\"exited\",\"duration_ms\":0,\"runs\":0,\"restarts\":0},"
      "{\"name\":\"bad\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\",\"pid\":4,"
      "\"ok\":true,\"exit_code\":0,\"signal\":null,\"error\":null,"
      "\"timed_out\":false,\"end\":\"exited\",\"duration_ms\":0,\"runs\":0,"
      "\"restarts\":0}"
      "],\"total\":4,\"succeeded\":4,\"failed\":0,\"stopped\":0,\"not_"
      "started\":0,"
      "\"duration_ms\":0,\"skipped\":0,\"stopped_by\":null,\"stop_signal\":"
      "null}\n");
}
END_TEST

START_TEST(test_summary_json_unnamed_signal_and_rounding) {
  /* A signal with no name is its number, as a string cli_signal_parse()
   * reads back; durations round to the nearest ms. */
  uvsup_result_t rs[] = {
    ended("rt", 9, UVSUP_END_SIGNALED, 40, 1499999),
  };
  check_summary(
      1, rs, 1, CLI_STOP_SIGNAL, 50, 2500000,
      "{\"workers\":[{\"name\":\"rt\",\"pid\":9,\"ok\":false,"
      "\"exit_code\":null,\"signal\":\"40\",\"error\":null,"
      "\"timed_out\":false,\"end\":\"signaled\","
      "\"duration_ms\":1,\"runs\":0,\"restarts\":0}],\"total\":1,\"succeeded\":"
      "0,"
      "\"failed\":1,\"stopped\":0,\"not_started\":0,\"duration_ms\":3,"
      "\"skipped\":0,"
      "\"stopped_by\":\"signal\",\"stop_signal\":\"50\"}\n");
}
END_TEST

START_TEST(test_summary_json_ok_only_when_exited) {
  /* A stopped worker whose process still exited 0 counts as stopped, and
   * its "ok" agrees with the totals; its exit code is still shown. */
  uvsup_result_t rs[] = { ended("a", 1, UVSUP_END_STOPPED, 0, 0) };
  rs[0].ok = 1;
  rs[0].exit_status = 0;
  check_summary(
      1, rs, 1, CLI_STOP_NONE, 0, 0,
      "{\"workers\":[{\"name\":\"a\",\"pid\":1,\"ok\":false,"
      "\"exit_code\":0,\"signal\":null,\"error\":null,"
      "\"timed_out\":false,\"end\":\"stopped\","
      "\"duration_ms\":0,\"runs\":0,\"restarts\":0}],\"total\":1,\"succeeded\":"
      "0,"
      "\"failed\":0,\"stopped\":1,\"not_started\":0,\"duration_ms\":0,"
      "\"skipped\":0,"
      "\"stopped_by\":null,\"stop_signal\":null}\n");
}
END_TEST

START_TEST(test_summary_json_lost) {
  /* The spawn helper died under it: a failure, its end "lost". */
  uvsup_result_t rs[] = { ended("a", 7, UVSUP_END_LOST, 0, 0) };
  check_summary(1, rs, 1, CLI_STOP_NONE, 0, 0,
                "{\"workers\":[{\"name\":\"a\",\"pid\":7,\"ok\":false,"
                "\"exit_code\":null,\"signal\":null,\"error\":null,"
                "\"timed_out\":false,\"end\":\"lost\","
                "\"duration_ms\":0,\"runs\":0,\"restarts\":0}],\"total\":1,"
                "\"succeeded\":0,\"failed\":1,\"stopped\":0,\"not_started\":0,"
                "\"duration_ms\":0,\"skipped\":0,\"stopped_by\":null,\"stop_"
                "signal\":null}\n");
}
END_TEST

START_TEST(test_summary_json_uvsup_error_code) {
  uvsup_result_t rs[] = { spawn_failed("x", UVSUP_EDUPNAME) };
  check_summary(
      1, rs, 1, CLI_STOP_NONE, 0, 0,
      "{\"workers\":[{\"name\":\"x\",\"pid\":null,\"ok\":false,"
      "\"exit_code\":null,\"signal\":null,"
      "\"error\":\"UVSUP_EDUPNAME: a worker with that name already "
      "exists\",\"timed_out\":false,\"end\":\"spawn_failed\","
      "\"duration_ms\":0,\"runs\":0,\"restarts\":0}],\"total\":1,\"succeeded\":"
      "0,"
      "\"failed\":1,\"stopped\":0,\"not_started\":0,\"duration_ms\":0,"
      "\"skipped\":0,"
      "\"stopped_by\":null,\"stop_signal\":null}\n");
}
END_TEST

START_TEST(test_summary_failed_buffer_reports_error) {
  uvsup_result_t rs[] = { exited("a", 1, 0, 0) };
  const uvsup_result_t* ptrs[] = { &rs[0] };
  cli_summary_t s = { ptrs, 1, 0, CLI_STOP_NONE, 0, NULL, 0, 0, 0 };
  cli_buf_t b;
  cli_buf_init(&b);
  b.failed = 1;
  ck_assert_int_eq(cli_summary_text(&b, &s), -1);
  ck_assert_int_eq(cli_summary_json(&b, &s), -1);
  ck_assert_ptr_null(b.data);
  cli_buf_free(&b);
}
END_TEST

/* A big batch: 5 000 results, every 1 000th failed. */
static char* big_text(size_t rows_max, size_t nfailed_every) {
  enum { N = 5000 };
  static uvsup_result_t rs[N];
  static const uvsup_result_t* ptrs[N];
  static char names[N][8];
  for (size_t i = 0; i < N; i++) {
    snprintf(names[i], sizeof(names[i]), "%zu", i + 1);
    rs[i] = exited(names[i], (int)i + 2, (i + 1) % nfailed_every == 0, 1000);
    ptrs[i] = &rs[i];
  }
  cli_summary_t s = { ptrs, N, 0, CLI_STOP_NONE, 0, NULL, 0, rows_max, 0 };
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_summary_text(&b, &s), 0);
  return b.data;
}

static size_t count_lines(const char* s) {
  size_t n = 0;
  for (; *s != '\0'; s++) {
    n += *s == '\n';
  }
  return n;
}

START_TEST(test_summary_text_big_batch_lists_failed_only) {
  char* text = big_text(CLI_SUMMARY_ROWS, 1000);
  ck_assert_str_eq(text,
                   "NAME  PID   RESULT  DURATION\n"
                   "1000  1001  exit 1  0ms\n"
                   "2000  2001  exit 1  0ms\n"
                   "3000  3001  exit 1  0ms\n"
                   "4000  4001  exit 1  0ms\n"
                   "5000  5001  exit 1  0ms\n"
                   "(4995 ok not listed: --summary-all lists every worker)\n"
                   "5000 workers: 4995 ok, 5 failed\n"
                   "warning: 5 failed: 1000, 2000, 3000, 4000, 5000\n");
  free(text);
  /* All ok: no table at all, only the counts. */
  text = big_text(CLI_SUMMARY_ROWS, 100000);
  ck_assert_str_eq(text,
                   "(5000 ok not listed: --summary-all lists every worker)\n"
                   "5000 workers: 5000 ok, 0 failed\n");
  free(text);
}
END_TEST

START_TEST(test_summary_text_big_batch_caps_failed_rows) {
  /* Every one failed: the table and the warning are capped too. */
  char* text = big_text(CLI_SUMMARY_ROWS, 1);
  ck_assert_uint_eq(count_lines(text), 1 + CLI_SUMMARY_ROWS + 3);
  ck_assert_ptr_nonnull(strstr(text, "(0 ok and 4900 more not listed: "));
  ck_assert_ptr_nonnull(
      strstr(text,
             "warning: 5000 failed: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, "
             "13, 14, 15, 16, 17, 18, 19, 20 and 4980 more\n"));
  free(text);
}
END_TEST

START_TEST(test_summary_text_big_batch_counts_not_started) {
  /* Cut short: thousands never started are counted, not listed. */
  enum { N = 3000 };
  static uvsup_result_t rs[N];
  static const uvsup_result_t* ptrs[N];
  static char names[N][8];
  for (size_t i = 0; i < N; i++) {
    snprintf(names[i], sizeof(names[i]), "%zu", i + 1);
    rs[i] = i == 0   ? exited(names[i], 2, 1, 1000)
            : i < 10 ? exited(names[i], (int)i + 2, 0, 1000)
                     : not_started(names[i]);
    ptrs[i] = &rs[i];
  }
  cli_summary_t s = { ptrs, N, 0, CLI_STOP_SIGNAL, SIGPIPE, NULL, 0, 100, 0 };
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_summary_text(&b, &s), 0);
  ck_assert_str_eq(b.data,
                   "NAME  PID  RESULT  DURATION\n"
                   "1     2    exit 1  0ms\n"
                   "(9 ok and 2990 more not listed: --summary-all lists "
                   "every worker)\n"
                   "3000 workers: 9 ok, 1 failed, 2990 not started\n"
                   "interrupted by SIGPIPE\n"
                   "warning: 1 failed: 1\n");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_summary_text_all_lists_every_worker) {
  char* text = big_text(0, 1000);
  ck_assert_uint_eq(count_lines(text), 1 + 5000 + 2);
  ck_assert_ptr_null(strstr(text, "not listed"));
  free(text);
}
END_TEST

static Suite* summary_suite(void) {
  Suite* s = suite_create("summary");
  TCase* tc = tcase_create("describe");
  tcase_add_test(tc, test_summary_describe_each_end);
  tcase_add_test(tc, test_summary_describe_unnamed_signal);
  tcase_add_test(tc, test_summary_describe_stopped_but_exited);
  suite_add_tcase(s, tc);
  tc = tcase_create("text");
  tcase_add_test(tc, test_summary_text_table);
  tcase_add_test(tc, test_summary_text_all_ok_has_no_warning);
  tcase_add_test(tc, test_summary_text_stopped_and_not_started);
  tcase_add_test(tc, test_summary_text_no_workers);
  tcase_add_test(tc, test_summary_text_pads_utf8_by_characters);
  tcase_add_test(tc, test_summary_text_escapes_control_characters);
  tcase_add_test(tc, test_summary_text_big_batch_lists_failed_only);
  tcase_add_test(tc, test_summary_text_big_batch_caps_failed_rows);
  tcase_add_test(tc, test_summary_text_all_lists_every_worker);
  tcase_add_test(tc, test_summary_text_big_batch_counts_not_started);
  suite_add_tcase(s, tc);
  tc = tcase_create("json");
  tcase_add_test(tc, test_summary_json_one_of_each);
  tcase_add_test(tc, test_summary_json_no_workers);
  tcase_add_test(tc, test_summary_json_stopped_by_signal_and_halt);
  tcase_add_test(tc, test_summary_json_escapes_names);
  tcase_add_test(tc, test_summary_json_unnamed_signal_and_rounding);
  tcase_add_test(tc, test_summary_json_ok_only_when_exited);
  tcase_add_test(tc, test_summary_json_uvsup_error_code);
  tcase_add_test(tc, test_summary_json_lost);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_summary_failed_buffer_reports_error);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(summary_suite());
}
