/* Stacks in the CLI: per-worker options after -n NAME, Procfile #uvsup
 * directives, their messages, and a stack run end to end (the example
 * under test/examples/). */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "args.h"
#include "jobs.h"
#include "procfile.h"
#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

#define ck_assert_has(hay, needle)                                            \
  ck_assert_msg(strstr((hay), (needle)) != NULL, "no '%s' in:\n%s", (needle), \
                (hay))

/* Parses argv (NULL-terminated, without argv[0]) and builds the jobs. */
static int build(cli_args_t* a, cli_jobs_t* jobs, char* err, ...) {
  char* argv[32] = { "uvsup" };
  va_list ap;
  va_start(ap, err);
  int argc = 1;
  for (char* s; (s = va_arg(ap, char*)) != NULL && argc < 31;) {
    argv[argc++] = s;
  }
  va_end(ap);
  /* argv must outlive a: kept in a static copy per call. */
  static char* keep[32];
  memcpy(keep, argv, sizeof(keep));
  if (cli_args_parse(argc, keep, a, err, 512) != 0) {
    return -1;
  }
  return cli_jobs_build(a, NULL, jobs, err, 512);
}

START_TEST(test_stack_options_per_worker) {
  cli_args_t a;
  cli_jobs_t jobs;
  char err[512] = "";
  ck_assert_msg(
      build(&a, &jobs, err, "--min-uptime", "0", "--restart", "always", "-n",
            "db", "--ready", "tcp:5432", "--stop-signal", "INT", "--kill-after",
            "20s", "-c", "postgres", "-n", "web", "--after", "db:ready:restart",
            "--ready", "log:Listening", "--restart", "on-failure",
            "--ready-timeout", "5s", "-c", "./web", "-c", "./other", NULL) == 0,
      "%s", err);
  ck_assert_uint_eq(jobs.count, 3);
  const cli_worker_t* db = cli_jobs_worker(&jobs, 0);
  const cli_worker_t* web = cli_jobs_worker(&jobs, 1);
  const cli_worker_t* other = cli_jobs_worker(&jobs, 2);
  ck_assert_str_eq(db->ready, "tcp:5432");
  ck_assert_ptr_null(db->after);
  ck_assert_int_eq(db->supervise.restart, CLI_RESTART_ALWAYS); /* default */
  ck_assert_uint_eq(db->min_uptime_ms, 0);
  ck_assert_uint_eq(db->ready_timeout_ms, 60000);
  ck_assert_int_eq(db->stop_signal, SIGINT);
  ck_assert_uint_eq(db->kill_after_ms, 20000);
  ck_assert_int_eq(web->stop_signal, SIGTERM);
  ck_assert_uint_eq(web->kill_after_ms, 5000);
  ck_assert_str_eq(web->ready, "log:Listening");
  ck_assert_str_eq(web->after, "db:ready:restart");
  ck_assert_int_eq(web->supervise.restart, CLI_RESTART_ON_FAILURE);
  ck_assert_uint_eq(web->ready_timeout_ms, 5000);
  ck_assert_ptr_null(other->ready);
  ck_assert_int_eq(other->supervise.restart, CLI_RESTART_ALWAYS);
  cli_jobs_free(&jobs);
  cli_args_free(&a);
}
END_TEST

START_TEST(test_stack_bad_options) {
  static const struct {
    const char* args[10];
    const char* want;
  } cases[] = {
    { { "--after", "db", "-c", "x" }, "--after 'db' is for one worker" },
    { { "-n", "a", "--ready", "tcpx:1", "-c", "x" },
      "--ready 'tcpx:1': use fd[:N], notify" },
    { { "-n", "a", "--ready", "log:(", "-c", "x" }, "a REGEX must compile" },
    { { "-n", "a", "--ready", "log:((x{99}){99}){9}", "-c", "x" },
      "expanding to at most 4096 atoms" },
    { { "-n", "a", "--after", "b:soon", "-c", "x" },
      "--after 'b:soon': use NAME[:CONDITION]" },
    { { "-n", "a", "--watchdog", "1s", "-c", "x" },
      "-n 'a': --watchdog needs --ready notify" },
    { { "--ready-timeout", "x", "-c", "x" }, "--ready-timeout 'x'" },
    { { "-n", "a", "--stop-signal", "STOP", "-c", "x" },
      "--stop-signal 'STOP': SIGSTOP cannot stop a worker" },
    { { "-n", "a", "--timeout", "0", "-c", "x" },
      "--timeout '0': the timeout must be above 0" },
    { { "--output", "inherit", "-n", "a", "--ready", "log:x", "-c", "x" },
      "-n 'a': --ready log:... reads the output" },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cli_args_t a;
    cli_jobs_t jobs;
    char err[512] = "";
    const char* const* v = cases[i].args;
    int rc = build(&a, &jobs, err, v[0], v[1], v[2], v[3], v[4], v[5], v[6],
                   v[7], v[8], NULL);
    ck_assert_msg(rc == -1, "case %zu passed", i);
    ck_assert_has(err, cases[i].want);
    cli_args_free(&a);
  }
}
END_TEST

/* ---------------------------------------------------------- directives */

#define S(lit) lit, sizeof(lit) - 1

START_TEST(test_stack_procfile_directives) {
  cli_procfile_t pf;
  char err[512] = "";
  const char text[] =
      "#uvsup *: restart=on-failure\n"
      "# a plain comment\n"
      "#uvsup db:  ready=tcp:5432   ready-timeout=30s\n"
      "db: postgres\n"
      "#uvsup web: after=db ready='log:Listening on :8080'\n"
      "web: ./web\n";
  ck_assert_msg(
      cli_procfile_parse("Procfile", S(text), &pf, err, sizeof(err)) == 0, "%s",
      err);
  ck_assert_uint_eq(pf.count, 2);
  ck_assert_uint_eq(pf.ndirectives, 3);
  ck_assert_str_eq(pf.directives[0].name, "*");
  ck_assert_str_eq(pf.directives[1].name, "db");
  ck_assert_uint_eq(pf.directives[1].line, 3);
  ck_assert_uint_eq(pf.directives[1].nsettings, 2);
  ck_assert_str_eq(pf.directives[1].settings[1].key, "ready-timeout");
  ck_assert_str_eq(pf.directives[2].settings[1].value,
                   "log:Listening on :8080");
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_stack_procfile_directive_errors) {
  static const struct {
    const char* text;
    const char* want;
  } cases[] = {
    { "#uvsup web: redy=tcp:1\nweb: x\n",
      "Procfile:1: #uvsup: unknown key 'redy'" },
    { "web: x\n#uvsup web: ready=tcp:0\n",
      "Procfile:2: ready 'tcp:0': use fd[:N]" },
    { "web: x\n\n#uvsup db: ready=exit\n",
      "Procfile:3: #uvsup db: no process 'db' here" },
    { "#uvsup web ready=exit\nweb: x\n", "Procfile:1: #uvsup needs 'NAME:'" },
    /* The message quotes the rest of its line only (it showed the lines
     * after it, and read past the end of a file, before). */
    { "#uvsup web: ready\nweb: x\n",
      "Procfile:1: #uvsup: expected key=value (quote a value with blanks) "
      "at 'ready'" },
    { "#uvsup web: ready='log:x\nweb: x\n",
      "Procfile:1: #uvsup: expected key=value" },
    { "#uvsup web: restart=sometimes\nweb: x\n",
      "Procfile:1: restart 'sometimes'" },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    cli_procfile_t pf;
    char err[512] = "";
    ck_assert_int_eq(
        cli_procfile_parse("Procfile", cases[i].text, strlen(cases[i].text),
                           &pf, err, sizeof(err)),
        -1);
    ck_assert_has(err, cases[i].want);
    ck_assert_ptr_null(pf.directives);
  }
  cli_procfile_t pf;
  char err[512] = "";
  ck_assert_int_eq(
      cli_procfile_parse("Procfile", cases[4].text, strlen(cases[4].text), &pf,
                         err, sizeof(err)),
      -1);
  ck_assert_str_eq(err,
                   "Procfile:1: #uvsup: expected key=value (quote a "
                   "value with blanks) at 'ready'");
}
END_TEST

START_TEST(test_stack_procfile_settings_applied) {
  const char text[] =
      "#uvsup *: restart=always min-uptime=0\n"
      "a: x\n"
      "#uvsup b: restart=no after=a:started\n"
      "b: y\n";
  char* path = tu_write_temp(text, sizeof(text) - 1);
  cli_args_t a;
  cli_jobs_t jobs;
  char err[512] = "";
  ck_assert_msg(
      build(&a, &jobs, err, "--restart", "on-failure", "-f", path, NULL) == 0,
      "%s", err);
  ck_assert_int_eq(cli_jobs_worker(&jobs, 0)->supervise.restart,
                   CLI_RESTART_ALWAYS);
  ck_assert_uint_eq(cli_jobs_worker(&jobs, 0)->min_uptime_ms, 0);
  ck_assert_int_eq(cli_jobs_worker(&jobs, 1)->supervise.restart,
                   CLI_RESTART_NO);
  /* A type in an after list means its instances (foreman names). */
  ck_assert_str_eq(cli_jobs_worker(&jobs, 1)->after, "a.1:started");
  cli_jobs_free(&jobs);
  cli_args_free(&a);
  unlink(path);
  free(path);
}
END_TEST

/* ------------------------------------------------------------ end to end */

START_TEST(test_stack_cycle_and_unknown_exit_2) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-n", "a", "--after", "b", "-c", "touch ran", "-n", "b",
             "--after", "a:started", "-c", "touch ran", NULL);
  ck_assert_msg(r.status == 2, "status %d: %s", r.status, r.err);
  ck_assert_has(r.err, "the dependencies form a cycle:");
  ck_assert_msg(strstr(r.err, "a -> b -> a") || strstr(r.err, "b -> a -> b"),
                "%s", r.err);
  ck_assert_int_eq(access("ran", F_OK), -1);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-n", "web", "--after", "db", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_has(r.err, "web: no worker 'db' to start after");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stack_gave_up_dependency_skips) {
  tu_result_t r;
  /* db never runs its minimum uptime (1s): never ready. */
  tu_run_cli(&r, NULL, "-n", "db", "--restart", "on-failure", "--restart-limit",
             "1", "--restart-delay", "10ms", "-c", "exit 1", "-n", "web",
             "--after", "db", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_has(r.err, "web: waiting for db");
  ck_assert_has(r.err, "skipped: db gave up");
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--summary", "json", "-n", "db", "--restart",
             "on-failure", "--restart-limit", "1", "--restart-delay", "10ms",
             "-c", "exit 1", "-n", "web", "--after", "db", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_has(r.err, "\"name\":\"web\",\"pid\":null,\"ok\":false");
  ck_assert_has(r.err,
                "\"reason\":\"db gave up\",\"timed_out\":false,"
                "\"end\":\"skipped\"");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stack_example) {
  ck_assert_int_eq(setenv("UVSUP_TEST_CHILD", CHILD, 1), 0);
  char* argv[] = {
    UVSUP_TEST_CLI, "-f",        UVSUP_TEST_EXAMPLES "/stack.Procfile",
    "--events",     "/dev/null", NULL
  };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "web.1: ready after", 1);
  kill(p.pid, SIGTERM);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 128 + SIGTERM, "status %d: %s", r.status, r.err);
  ck_assert_has(r.out, "migrate.1 | schema up to date");
  ck_assert_has(r.out, "web.1     | web listening on :8080");
  /* In order: db ready, the migration, then web. */
  const char* db = strstr(r.err, "db.1: ready after");
  const char* migrated = strstr(r.err, "migrate.1: ok after");
  const char* web = strstr(r.err, "web.1: ready after");
  ck_assert_ptr_nonnull(db);
  ck_assert_ptr_nonnull(migrated);
  ck_assert_ptr_nonnull(web);
  ck_assert(db < migrated);
  ck_assert(migrated < web);
  ck_assert_has(r.err, "NAME       PID");
  ck_assert_has(r.err, "READY");
  ck_assert_has(r.err, "3 workers: 1 ok, 0 failed, 2 stopped");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_stack_notify_status_shown) {
  char* dir = tu_tmpdir_new();
  char* events = tu_fmt("%s/events", dir);
  char* cmd = tu_fmt(
      "exec %s notify 'STATUS=warming up' notify "
      "'READY=1\\nSTATUS=serving 3 clients' pause",
      CHILD);
  /* late waits for svc to succeed, which never comes: listed as
   * waiting, and not started once the stop comes. */
  char* argv[] = { UVSUP_TEST_CLI,  "--events", events, "-n", "svc",  "--ready",
                   "notify",        "-c",       cmd,    "-n", "late", "--after",
                   "svc:succeeded", "-c",       "true", NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "svc: ready after", 1);
  kill(p.pid, SIGUSR1);
  tu_wait_for_count(&p, "1 running", 1);
  kill(p.pid, SIGTERM);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_has(r.err, "svc: status: warming up");
  ck_assert_has(r.err, "svc: status: serving 3 clients");
  /* The listing: its state and its last status. */
  ck_assert_has(r.err, "ready, running for");
  ck_assert_has(r.err, "(serving 3 clients)");
  ck_assert_has(r.err, "  late  waiting for svc");
  ck_assert_has(r.err, "late: not started"); /* the stop came first */
  FILE* f = fopen(events, "r");
  ck_assert_ptr_nonnull(f);
  char text[4096] = { 0 };
  size_t n = fread(text, 1, sizeof(text) - 1, f);
  fclose(f);
  text[n] = '\0';
  ck_assert_has(text, "\"event\":\"start\",\"name\":\"svc\"");
  ck_assert_has(text, "\"to\":\"starting\"");
  ck_assert_has(text, "\"event\":\"ready\",\"name\":\"svc\"");
  ck_assert_has(text,
                "\"event\":\"status\",\"name\":\"svc\",\"run\":1,"
                "\"text\":\"serving 3 clients\"");
  tu_result_free(&r);
  free(cmd);
  free(events);
  tu_tmpdir_free(dir);
}
END_TEST

static Suite* stack_suite(void) {
  Suite* s = suite_create("stack");
  TCase* opts = tcase_create("options");
  tcase_add_test(opts, test_stack_options_per_worker);
  tcase_add_test(opts, test_stack_bad_options);
  tcase_add_test(opts, test_stack_procfile_directives);
  tcase_add_test(opts, test_stack_procfile_directive_errors);
  tcase_add_test(opts, test_stack_procfile_settings_applied);
  suite_add_tcase(s, opts);
  TCase* run = tu_tcase_new(s, "run", 30);
  tcase_add_test(run, test_stack_cycle_and_unknown_exit_2);
  tcase_add_test(run, test_stack_gave_up_dependency_skips);
  tcase_add_test(run, test_stack_example);
  tcase_add_test(run, test_stack_notify_status_shown);
  return s;
}

int main(void) {
  return tu_run_suite(stack_suite());
}
