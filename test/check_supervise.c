/* Supervision in the CLI: the restart options parsed and checked (pure),
 * live lines and event lines formatted (pure), and end to end: a crash loop
 * backing off and giving up, --retries on a batch, --events, a service
 * stopped by a signal, success exit codes. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvsup.h>

#include <check.h>

#include "args.h"
#include "events.h"
#include "live.h"
#include "supervise.h"
#include "testutil.h"

#define ck_assert_has(haystack, needle)               \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, \
                "'%s' not found in:\n%s", (needle), (haystack))

/* Parses the arguments after argv[0]; returns cli_args_parse's result. */
static int parse(cli_args_t* a, char* err, size_t errlen, ...) {
  char* argv[32] = { "uvsup" };
  int argc = 1;
  va_list ap;
  va_start(ap, errlen);
  for (char* s; (s = va_arg(ap, char*)) != NULL && argc < 31;) {
    argv[argc++] = s;
  }
  va_end(ap);
  return cli_args_parse(argc, argv, a, err, errlen);
}

START_TEST(test_supervise_options_parse) {
  cli_args_t a;
  char err[256];
  ck_assert_int_eq(
      parse(&a, err, sizeof(err), "--restart", "on-failure", "--restart-delay",
            "100ms", "--restart-delay-max", "2s", "--restart-reset", "1m",
            "--restart-limit", "5/1m", "--success-exit", "0,3,255",
            "--strategy", "rest-for-one", "--on-give-up", "stop", "-c", "true",
            NULL),
      0);
  const cli_supervise_t* s = &a.supervise;
  ck_assert_int_eq(s->restart, CLI_RESTART_ON_FAILURE);
  ck_assert_uint_eq(s->delay_ms, 100);
  ck_assert_uint_eq(s->delay_max_ms, 2000);
  ck_assert_uint_eq(s->reset_ms, 60000);
  ck_assert_uint_eq(s->limit, 5);
  ck_assert_uint_eq(s->period_ms, 60000);
  ck_assert_uint_eq(s->nsuccess, 3);
  ck_assert_int_eq(s->success[2], 255);
  ck_assert_int_eq(s->strategy, CLI_STRATEGY_REST_FOR_ONE);
  ck_assert_int_eq(s->give_up_stop, 1);
  cli_args_free(&a);

  /* The defaults: no restart, 500ms doubling to 30s. */
  ck_assert_int_eq(parse(&a, err, sizeof(err), "-c", "true", NULL), 0);
  ck_assert_int_eq(a.supervise.restart, CLI_RESTART_NO);
  ck_assert_uint_eq(a.supervise.delay_ms, 500);
  ck_assert_uint_eq(a.supervise.delay_max_ms, 30000);
  cli_args_free(&a);

  /* --retries N: N tries in all. */
  ck_assert_int_eq(
      parse(&a, err, sizeof(err), "--retries", "3", "-c", "true", NULL), 0);
  ck_assert_int_eq(a.supervise.restart, CLI_RESTART_ON_FAILURE);
  ck_assert_uint_eq(a.supervise.limit, 2);
  cli_args_free(&a);
  ck_assert_int_eq(
      parse(&a, err, sizeof(err), "--retries", "1", "-c", "true", NULL), 0);
  ck_assert_int_eq(a.supervise.restart, CLI_RESTART_NO);
  cli_args_free(&a);

  /* A long first delay raises the default cap instead of failing. */
  ck_assert_int_eq(
      parse(&a, err, sizeof(err), "--restart-delay", "1m", "-c", "true", NULL),
      0);
  ck_assert_uint_eq(a.supervise.delay_max_ms, 60000);
  cli_args_free(&a);
}
END_TEST

START_TEST(test_supervise_options_errors) {
  struct {
    const char* opt;
    const char* value;
    const char* message;
  } bad[] = {
    { "--restart", "sometimes", "--restart 'sometimes': use no, on-failure" },
    { "--restart-delay", "0", "--restart-delay '0': not a duration above 0" },
    { "--restart-delay-max", "soon", "--restart-delay-max 'soon'" },
    { "--restart-limit", "0", "--restart-limit '0': use N or N/PERIOD" },
    { "--restart-limit", "3/", "--restart-limit '3/'" },
    { "--restart-limit", "3/0s", "--restart-limit '3/0s'" },
    { "--success-exit", "0,256", "--success-exit '0,256': use exit codes" },
    { "--success-exit", "1,,2", "--success-exit '1,,2'" },
    { "--strategy", "all", "--strategy 'all': use one-for-one" },
    { "--on-give-up", "panic", "--on-give-up 'panic': use continue or stop" },
    { "--retries", "0", "--retries '0': the number of tries in all" },
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    cli_args_t a;
    char err[256] = "";
    ck_assert_int_eq(parse(&a, err, sizeof(err), bad[i].opt, bad[i].value, "-c",
                           "true", NULL),
                     -1);
    ck_assert_msg(strncmp(err, bad[i].message, strlen(bad[i].message)) == 0,
                  "got '%s', want '%s...'", err, bad[i].message);
    cli_args_free(&a);
  }
  cli_args_t a;
  char err[256];
  ck_assert_int_eq(parse(&a, err, sizeof(err), "--retries", "2", "--restart",
                         "always", "-c", "true", NULL),
                   -1);
  ck_assert_has(err, "give one or the other");
  cli_args_free(&a);
  ck_assert_int_eq(parse(&a, err, sizeof(err), "--restart-delay", "1m",
                         "--restart-delay-max", "30s", "-c", "true", NULL),
                   -1);
  ck_assert_has(err, "above --restart-delay-max");
  cli_args_free(&a);
}
END_TEST

static uvsup_result_t result(const char* name, unsigned run) {
  uvsup_result_t r;
  memset(&r, 0, sizeof(r));
  r.name = name;
  r.pid = 42;
  r.run = run;
  r.exit_status = 3;
  r.end = UVSUP_END_EXITED;
  r.duration_ns = 1200 * 1000000ULL;
  return r;
}

START_TEST(test_supervise_live_lines) {
  uvsup_result_t r = result("web", 2);
  r.next = UVSUP_NEXT_RESTART;
  r.restart_in_ms = 1000;
  cli_buf_t b;
  cli_buf_init(&b);
  cli_live_exit_line(&b, &r, 0);
  ck_assert_str_eq(b.data, "web: exit 3 after 1.20s; restart 2 in 1.00s");
  cli_buf_free(&b);

  r.end = UVSUP_END_GAVE_UP;
  r.next = UVSUP_NEXT_GAVE_UP;
  r.run = 4;
  cli_buf_init(&b);
  cli_live_exit_line(&b, &r, 9500 * 1000000ULL);
  ck_assert_str_eq(b.data,
                   "web: gave up (exit 3) after 1.20s (4 runs in 9.50s)");
  cli_buf_free(&b);

  /* A name cannot forge a line. */
  uvsup_result_t ok = result("a\nb", 1);
  ok.exit_status = 0;
  ok.ok = 1;
  cli_buf_init(&b);
  cli_live_exit_line(&b, &ok, 0);
  ck_assert_ptr_null(strchr(b.data, '\n'));
  cli_buf_free(&b);

  /* Batches: only trouble; services: everything; quiet: nothing. */
  ck_assert_int_eq(cli_live_wanted(CLI_LIVE_TROUBLE, &ok), 0);
  ck_assert_int_eq(cli_live_wanted(CLI_LIVE_TROUBLE, &r), 1);
  ck_assert_int_eq(cli_live_wanted(CLI_LIVE_ALL, &ok), 1);
  ck_assert_int_eq(cli_live_wanted(CLI_LIVE_NONE, &r), 0);
  uvsup_result_t stopped = result("s", 1);
  stopped.end = UVSUP_END_STOPPED;
  ck_assert_int_eq(cli_live_wanted(CLI_LIVE_TROUBLE, &stopped), 0);
}
END_TEST

START_TEST(test_supervise_event_lines) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_events_format_state(&b, "T", "web", 2, UVSUP_STATE_RUNNING,
                          UVSUP_STATE_BACKOFF, 0, 1500);
  ck_assert_str_eq(b.data,
                   "{\"time\":\"T\",\"event\":\"restart_scheduled\","
                   "\"name\":\"web\",\"run\":2,\"from\":\"starting\","
                   "\"to\":\"backoff\",\"delay_ms\":1500}\n");
  cli_buf_free(&b);
  cli_buf_init(&b);
  cli_events_format_state(&b, "T", "w\"q", 1, UVSUP_STATE_QUEUED,
                          UVSUP_STATE_RUNNING, 77, 0);
  ck_assert_str_eq(b.data,
                   "{\"time\":\"T\",\"event\":\"start\",\"name\":"
                   "\"w\\\"q\",\"run\":1,\"from\":\"queued\","
                   "\"to\":\"starting\",\"pid\":77}\n");
  cli_buf_free(&b);
  uvsup_result_t r = result("web", 3);
  r.end = UVSUP_END_SIGNALED;
  r.term_signal = SIGSEGV;
  r.exit_status = -1;
  r.next = UVSUP_NEXT_GAVE_UP;
  cli_buf_init(&b);
  cli_events_format_exit(&b, "T", &r);
  ck_assert_str_eq(b.data,
                   "{\"time\":\"T\",\"event\":\"exit\",\"name\":\"web\","
                   "\"run\":3,\"pid\":42,\"ok\":false,\"signal\":\"SIGSEGV\","
                   "\"duration_ms\":1200,\"next\":\"gave_up\"}\n");
  cli_buf_free(&b);
}
END_TEST

/* Counts the lines of text that hold needle. */
static int count_lines(const char* text, const char* needle) {
  int n = 0;
  for (const char* p = text; (p = strstr(p, needle)) != NULL; p++) {
    n++;
  }
  return n;
}

START_TEST(test_supervise_cli_crash_loop_gives_up) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--restart", "on-failure", "--restart-delay", "20ms",
             "--restart-limit", "2", "-n", "crash", "-c", "exit 3", "-n",
             "fine", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 1); /* giving up is a failure */
  ck_assert_has(r.err, "uvsup: crash: exit 3 after ");
  ck_assert_has(r.err, "; restart 1 in ");
  ck_assert_has(r.err, "; restart 2 in ");
  ck_assert_has(r.err, "uvsup: crash: gave up (exit 3) after ");
  ck_assert_has(r.err, "(3 runs in ");
  ck_assert_has(r.err, "uvsup: fine: ok after ");
  ck_assert_int_eq(count_lines(r.err, "uvsup: crash:"), 3);
  /* The summary counts runs, and says how it gave up. */
  ck_assert_has(r.err, "RUNS");
  ck_assert_has(r.err, "gave up (exit 3)");
  ck_assert_has(r.err, "2 workers: 1 ok, 1 failed");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_supervise_cli_retries_batch) {
  char* dir = tu_tmpdir_new();
  char* json = tu_fmt("%s/summary.json", dir);
  tu_result_t r;
  /* 'false' fails each of its 3 tries; the others succeed at once and,
   * in a batch, say nothing while running. */
  tu_run_cli(&r, NULL, "--retries", "3", "--restart-delay", "10ms", "--summary",
             "json", "--summary-file", json, "sh", "-c", "exec $0",
             ":::", "true", "false", "true", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_int_eq(count_lines(r.err, "uvsup: "), 3);
  ck_assert_has(r.err, "uvsup: false: exit 1 after ");
  ck_assert_has(r.err, "uvsup: false: gave up (exit 1)");
  FILE* f = fopen(json, "r");
  ck_assert_ptr_nonnull(f);
  char text[4096];
  size_t n = fread(text, 1, sizeof(text) - 1, f);
  text[n] = '\0';
  fclose(f);
  ck_assert_has(text, "\"name\":\"false\"");
  ck_assert_has(text, "\"end\":\"gave_up\"");
  ck_assert_has(text, "\"runs\":3,\"restarts\":2}");
  ck_assert_has(text, "\"runs\":1,\"restarts\":0}");
  tu_result_free(&r);
  free(json);
  free(dir);
}
END_TEST

START_TEST(test_supervise_cli_success_exit) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--restart", "on-failure", "--success-exit", "0,3",
             "-n", "three", "-c", "exit 3", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_has(r.err, "1 worker: 1 ok, 0 failed");
  ck_assert_ptr_null(strstr(r.err, "RUNS")); /* ran once: no column */
  tu_result_free(&r);
}
END_TEST

START_TEST(test_supervise_cli_events_and_signal_stop) {
  char* dir = tu_tmpdir_new();
  char* events = tu_fmt("%s/events.jsonl", dir);
  /* A service that keeps crashing, with restart always: it runs until a
   * signal stops it; the second restart shows the backoff is on. */
  char* argv[] = { UVSUP_TEST_CLI, "--restart", "always", "--restart-delay",
                   "10ms",         "--events",  events,   "-n",
                   "svc",          "-c",        "exit 1", NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "; restart 2 in ", 1);
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 128 + SIGTERM);
  ck_assert_has(r.err, "interrupted by SIGTERM");

  FILE* f = fopen(events, "r");
  ck_assert_ptr_nonnull(f);
  char line[1024];
  int starts = 0, exits = 0, scheduled = 0, finished = 0, lines = 0;
  while (fgets(line, sizeof(line), f) != NULL) {
    lines++;
    ck_assert_msg(strncmp(line, "{\"time\":\"20", 11) == 0, "%s", line);
    ck_assert_msg(line[strlen(line) - 2] == '}', "%s", line);
    starts += strstr(line, "\"event\":\"start\"") != NULL;
    exits += strstr(line, "\"event\":\"exit\"") != NULL;
    scheduled += strstr(line, "\"event\":\"restart_scheduled\"") != NULL;
    finished += strstr(line, "\"event\":\"finished\"") != NULL;
    if (strstr(line, "\"event\":\"start\"") != NULL) {
      ck_assert_has(line, "\"pid\":");
    }
  }
  fclose(f);
  ck_assert_int_ge(starts, 2);
  ck_assert_int_ge(exits, 2);
  ck_assert_int_ge(scheduled, 2);
  ck_assert_int_eq(finished, 1); /* the stop ended the last wait */
  ck_assert_int_gt(lines, starts + exits);
  tu_result_free(&r);
  free(events);
  free(dir);
}
END_TEST

/* A worker waiting out its restart delay when uvsup is stopped is in the
 * summary with how its last run ended; it was left out ("1 worker"). */
START_TEST(test_supervise_cli_stop_during_backoff_in_summary) {
  char* argv[] = { UVSUP_TEST_CLI, "--restart", "on-failure", "--restart-delay",
                   "1h",           "-n",        "crash",      "-c",
                   "exit 3",       "-n",        "svc",        "-c",
                   "sleep 60",     NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "; restart 1 in ", 1);
  ck_assert_int_eq(kill(p.pid, SIGTERM), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 128 + SIGTERM);
  ck_assert_has(r.err, "2 workers: 0 ok, 1 failed, 1 stopped");
  ck_assert_int_eq(count_lines(r.err, "crash "), 1); /* its summary row */
  tu_result_free(&r);
}
END_TEST

START_TEST(test_supervise_cli_bad_events_path) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--events", "/nonexistent-dir/e.jsonl", "-c", "true",
             NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_has(r.err, "--events /nonexistent-dir/e.jsonl: No such file");
  tu_result_free(&r);
}
END_TEST

static Suite* supervise_suite(void) {
  Suite* s = suite_create("supervise");
  TCase* pure = tcase_create("pure");
  tcase_add_test(pure, test_supervise_options_parse);
  tcase_add_test(pure, test_supervise_options_errors);
  tcase_add_test(pure, test_supervise_live_lines);
  tcase_add_test(pure, test_supervise_event_lines);
  suite_add_tcase(s, pure);
  TCase* cli = tu_tcase_new(s, "cli", 0);
  tcase_add_test(cli, test_supervise_cli_crash_loop_gives_up);
  tcase_add_test(cli, test_supervise_cli_retries_batch);
  tcase_add_test(cli, test_supervise_cli_success_exit);
  tcase_add_test(cli, test_supervise_cli_events_and_signal_stop);
  tcase_add_test(cli, test_supervise_cli_stop_during_backoff_in_summary);
  tcase_add_test(cli, test_supervise_cli_bad_events_path);
  return s;
}

int main(void) {
  return tu_run_suite(supervise_suite());
}
