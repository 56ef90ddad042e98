/* Tests for running a supervisord.conf (-C) end to end with real
 * processes: restarts as supervisord means them (autorestart, exitcodes,
 * startsecs, startretries), numprocs names, priority order at start and
 * reverse at stop, include globs, log files, user, warnings, bad values. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

/* The summary row of name, or NULL. Rows start with the name and a blank. */
static const char* row_of(const char* err, const char* name) {
  size_t n = strlen(name);
  for (const char* p = err; p != NULL && *p != '\0';) {
    if (strncmp(p, name, n) == 0 && p[n] == ' ') {
      return p;
    }
    p = strchr(p, '\n');
    p = p != NULL ? p + 1 : NULL;
  }
  return NULL;
}

/* 1 when the summary row of name holds text. */
static int row_has(const char* err, const char* name, const char* text) {
  const char* row = row_of(err, name);
  if (row == NULL) {
    return 0;
  }
  const char* nl = strchr(row, '\n');
  const char* found = strstr(row, text);
  return found != NULL && (nl == NULL || found < nl);
}

#define ASSERT_ROW(r, name, text)              \
  ck_assert_msg(row_has((r)->err, name, text), \
                "no '%s' in the row of %s:\n%s", text, name, (r)->err)

START_TEST(test_supervisord_autorestart_unexpected_exitcodes) {
  char* dir = tu_tmpdir_new();
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:expected]\n"
                             "command=" CHILD
                             " exit 2\n"
                             "exitcodes=0,2\n"
                             "startsecs=0\n"
                             "\n"
                             "[program:unexpected]\n"
                             "command=" CHILD
                             " out try exit 3\n"
                             "exitcodes=0,2\n"
                             "startsecs=0\n"
                             "restart-delay=10ms\n"
                             "restart-limit=2\n"
                             "\n"
                             "[program:never]\n"
                             "command=" CHILD
                             " exit 4\n"
                             "autorestart=false\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  /* An expected exit (2 is listed) is not restarted: one run, ok. */
  ASSERT_ROW(&r, "expected", "ok");
  ck_assert_msg(strstr(r.err, "expected: exit 2; restart") == NULL, "%s",
                r.err);
  /* An unexpected one is, with uvsup's backoff, until its limit. */
  ASSERT_ROW(&r, "unexpected", "gave up (exit 3)");
  ASSERT_ROW(&r, "unexpected", " 3 ");
  ck_assert_msg(strstr(r.err, "unexpected: exit 3 after") != NULL, "%s", r.err);
  ASSERT_ROW(&r, "never", "exit 4");
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_startretries_failed_starts) {
  char* dir = tu_tmpdir_new();
  /* Each run ends before startsecs: a failed start. startretries=2: two
   * retries, then given up, visibly (supervisord's FATAL). */
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:crashy]\n"
                             "command=" CHILD
                             " out start exit 1\n"
                             "startsecs=30\n"
                             "startretries=2\n"
                             "restart-delay=10ms\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  ASSERT_ROW(&r, "crashy", "gave up (exit 1)");
  ck_assert_msg(strstr(r.err, "crashy: gave up (exit 1)") != NULL, "%s", r.err);
  int starts = 0;
  for (const char* p = strstr(r.out, "| start"); p != NULL;
       p = strstr(p + 1, "| start")) {
    starts++;
  }
  ck_assert_int_eq(starts, 3);
  tu_result_free(&r);
  free(conf);
  /* startretries=0: given up after the first failed start, no retry,
   * no warning. */
  conf = tu_write_file(dir, "supervisord.conf",
                       "[program:crashy]\n"
                       "command=" CHILD
                       " out start exit 1\n"
                       "startsecs=30\n"
                       "startretries=0\n"
                       "restart-delay=10ms\n");
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  ck_assert_msg(strstr(r.err, "startretries") == NULL, "%s", r.err);
  ASSERT_ROW(&r, "crashy", "gave up (exit 1)");
  ck_assert_msg(strstr(r.err, "crashy: gave up (exit 1)") != NULL, "%s", r.err);
  const char* first = strstr(r.out, "| start");
  ck_assert_msg(first != NULL, "%s", r.out);
  ck_assert_msg(strstr(first + 1, "| start") == NULL, "ran twice:\n%s", r.out);
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_numprocs_and_expansions) {
  char* dir = tu_tmpdir_new();
  char* conf =
      tu_write_file(dir, "supervisord.conf",
                    "[supervisord]\n"
                    "environment=GREETING=\"hello, there\"\n"
                    "[program:w]\n"
                    "command=" CHILD
                    " out '%(program_name)s-%(process_num)d-%(ENV_GREETING)s'"
                    " env SUPERVISOR_PROCESS_NAME env GREETING\n"
                    "process_name=%(program_name)s_%(process_num)02d\n"
                    "numprocs=2\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-C", conf, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert(tu_has_line(r.out, "w-0-hello, there"));
  ck_assert(tu_has_line(r.out, "w-1-hello, there"));
  ck_assert(tu_has_line(r.out, "SUPERVISOR_PROCESS_NAME=w_00"));
  ck_assert(tu_has_line(r.out, "SUPERVISOR_PROCESS_NAME=w_01"));
  ck_assert(tu_has_line(r.out, "GREETING=hello, there"));
  ASSERT_ROW(&r, "w_00", "ok");
  ASSERT_ROW(&r, "w_01", "ok");
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

/* The names of the events of one kind, in order, from an --events file. */
static char* names_of(const char* events, const char* event) {
  char* key = tu_fmt("\"event\":\"%s\",\"name\":\"", event);
  char* names = tu_fmt("%s", "");
  for (const char* p = strstr(events, key); p != NULL; p = strstr(p + 1, key)) {
    const char* name = p + strlen(key);
    char* more = tu_fmt("%s%.*s ", names, (int)strcspn(name, "\""), name);
    free(names);
    names = more;
  }
  free(key);
  return names;
}

/* Where the event of name is in an --events file (the end when absent). */
static size_t at(const char* events, const char* event, const char* name) {
  char* key = tu_fmt("\"event\":\"%s\",\"name\":\"%s\"", event, name);
  const char* p = strstr(events, key);
  free(key);
  return p != NULL ? (size_t)(p - events) : strlen(events);
}

START_TEST(test_supervisord_priority_start_and_reverse_stop) {
  char* dir = tu_tmpdir_new();
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:last]\n"
                             "command=" CHILD
                             " out up pause\n"
                             "priority=300\n"
                             "[program:first]\n"
                             "command=" CHILD
                             " out up pause\n"
                             "priority=100\n"
                             "[program:middle]\n"
                             "command=" CHILD
                             " out up pause\n"
                             "priority=200\n");
  char* events = tu_fmt("%s/events.json", dir);
  char* argv[] = { UVSUP_TEST_CLI, "-C", conf, "--events", events, NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "| up", 3); /* all three run */
  kill(p.pid, SIGTERM);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 128 + SIGTERM, "status %d:\n%s", r.status, r.err);
  char* text = tu_read_file(events);
  ck_assert_ptr_nonnull(text);
  char* started = names_of(text, "start");
  char* stopping = names_of(text, "stopping");
  ck_assert_str_eq(started, "first middle last ");
  ck_assert_str_eq(stopping, "last middle first ");
  /* As supervisord: a level stops only once the one above has ended. */
  ck_assert_msg(at(text, "exit", "last") < at(text, "stopping", "middle") &&
                    at(text, "exit", "middle") < at(text, "stopping", "first"),
                "%s", text);
  free(started);
  free(stopping);
  free(text);
  tu_result_free(&r);
  free(events);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_include_and_log_files) {
  char* dir = tu_tmpdir_new();
  char* sub = tu_fmt("%s/conf.d", dir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  free(tu_write_file(sub, "logged.conf",
                     "[program:logged]\n"
                     "command=" CHILD " out to-file err also-to-file\n"
                     "redirect_stderr=true\n"
                     "stdout_logfile=%(here)s/../%(program_name)s.log\n"));
  free(tu_write_file(sub, "quiet.conf",
                     "[program:quiet]\n"
                     "command=" CHILD " out dropped err shown\n"
                     "stdout_logfile=NONE\n"));
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[include]\nfiles = conf.d/*.conf\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* log = tu_fmt("%s/logged.log", dir);
  char* text = tu_read_file(log);
  ck_assert_ptr_nonnull(text);
  ck_assert_str_eq(text, "to-file\nalso-to-file\n");
  /* What went to a file or to NONE is not shown; the rest is. */
  ck_assert_msg(strstr(r.out, "to-file") == NULL, "%s", r.out);
  ck_assert_msg(strstr(r.out, "dropped") == NULL, "%s", r.out);
  ck_assert_msg(strstr(r.err, "also-to-file") == NULL, "%s", r.err);
  ck_assert_msg(strstr(r.err, "quiet  | shown") != NULL, "%s", r.err);
  free(text);
  free(log);
  tu_result_free(&r);
  free(conf);
  free(sub);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_warnings_and_bad_value) {
  char* dir = tu_tmpdir_new();
  char* marker = tu_fmt("%s/ran", dir);
  char* text = tu_fmt(
      "[unix_http_server]\n"
      "file=/tmp/x.sock\n"
      "[program:a]\n"
      "command=" CHILD
      " pidfile %s\n"
      "stdout_logfile_maxbytes=0\n",
      marker);
  char* conf = tu_write_file(dir, "supervisord.conf", text);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* w1 = tu_fmt(
      "uvsup: warning: %s:1: [unix_http_server]: section not "
      "acted on",
      conf);
  char* w2 = tu_fmt(
      "uvsup: warning: %s:5: [program:a] "
      "stdout_logfile_maxbytes: not acted on (uvsup does not "
      "rotate logs)",
      conf);
  ck_assert_msg(tu_has_line(r.err, w1), "%s", r.err);
  ck_assert_msg(tu_has_line(r.err, w2), "%s", r.err);
  ck_assert_int_eq(access(marker, F_OK), 0);
  unlink(marker);
  tu_result_free(&r);
  free(conf);
  /* One bad value: exit 2 naming file and line, nothing started. */
  char* bad = tu_fmt("%sstartsecs=one\n", text);
  conf = tu_write_file(dir, "supervisord.conf", bad);
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  ck_assert_int_eq(r.status, 2);
  char* want = tu_fmt(
      "uvsup: %s:6: [program:a] startsecs = one: not a whole "
      "number of seconds\n",
      conf);
  ck_assert_str_eq(r.err, want);
  ck_assert_int_eq(access(marker, F_OK), -1);
  free(want);
  free(bad);
  free(w1);
  free(w2);
  tu_result_free(&r);
  free(conf);
  free(text);
  free(marker);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_user_drop) {
  if (geteuid() != 0) {
    return; /* only root may drop privileges: test_config_user covers it */
  }
  char* dir = tu_tmpdir_new();
  ck_assert_int_eq(chmod(dir, 0755), 0);
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:dropped]\n"
                             "command=" CHILD
                             " ids now\n"
                             "user=nobody\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-C", conf, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_msg(tu_has_line(r.out, "uid=65534 gid=65534"), "%s", r.out);
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_check_describes) {
  char* dir = tu_tmpdir_new();
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:a]\n"
                             "command=/bin/echo 'two words' x\n"
                             "stdout_logfile=%(here)s/a.log\n"
                             "redirect_stderr=true\n"
                             "priority=5\n"
                             "[program:b]\n"
                             "command=/bin/true\n"
                             "stdout_logfile=NONE\n"
                             "stderr_logfile=%(here)s/b.err\n"
                             "autorestart=false\n"
                             "stopsignal=INT\n"
                             "stopwaitsecs=2\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--check", "-C", conf, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* log = tu_fmt("  stdout to %s/a.log", dir);
  char* err = tu_fmt("  stderr to %s/b.err", dir);
  const char* want[] = {
    "a: /bin/echo 'two words' x",
    log,
    "  stderr with stdout",
    "  priority 5",
    "  restart on-failure, give up past 3 failures in a row, a run of 1 ms "
    "forgives them",
    "  ready after 1000 ms up",
    "  give up past 3 failed starts in a row",
    "b: /bin/true",
    "  stdout discarded",
    err,
    "  stop SIGINT, SIGKILL after 2000 ms",
    "2 workers would start; nothing started",
  };
  for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
    ck_assert_msg(tu_has_line(r.out, want[i]), "no '%s' in:\n%s", want[i],
                  r.out);
  }
  free(log);
  free(err);
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_every_key) {
  char* dir = tu_tmpdir_new();
  char* text = tu_fmt(
      "[supervisord]\n"
      "environment = TOP=\"t\"\n"
      "directory = %%(here)s\n"
      "[group:g]\n"
      "programs = all\n"
      "[program:all]\n"
      "command = " CHILD
      " env TOP env OWN env SUPERVISOR_GROUP_NAME"
      " err to-stderr exit 3\n"
      "process_name = %%(program_name)s-%%(process_num)d\n"
      "numprocs = 2\n"
      "numprocs_start = 1\n"
      "priority = 10\n"
      "autostart = true\n"
      "autorestart = unexpected\n"
      "exitcodes = 0,3\n"
      "startsecs = 0\n"
      "startretries = 1\n"
      "stopsignal = INT\n"
      "stopwaitsecs = 2\n"
      "stopasgroup = true\n"
      "killasgroup = true\n"
      "user = %u\n"
      "redirect_stderr = true\n"
      "stdout_logfile = %%(here)s/%%(process_num)d.log\n"
      "stderr_logfile = NONE\n"
      "environment = OWN=\"o,1\"\n"
      "directory = %%(here)s\n"
      "restart-delay = 10ms\n"
      "kill-after = 1s\n"
      "timeout = 30s\n"
      "[program:off]\n"
      "command = " CHILD
      " out never\n"
      "autostart = false\n",
      (unsigned)getuid());
  char* conf = tu_write_file(dir, "supervisord.conf", text);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, NULL);
  /* 3 is an expected exit: ok, and not restarted. */
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ASSERT_ROW(&r, "all-1", "ok");
  ASSERT_ROW(&r, "all-2", "ok");
  ck_assert_msg(row_of(r.err, "off") == NULL, "%s", r.err);
  ck_assert_msg(strstr(r.out, "never") == NULL, "%s", r.out);
  for (int n = 1; n <= 2; n++) {
    char* path = tu_fmt("%s/%d.log", dir, n);
    char* log = tu_read_file(path);
    ck_assert_msg(log != NULL, "no %s", path);
    ck_assert_str_eq(log,
                     "TOP=t\nOWN=o,1\nSUPERVISOR_GROUP_NAME=g\nto-stderr\n");
    free(log);
    free(path);
  }
  ck_assert_msg(strstr(r.err, "to-stderr") == NULL, "%s", r.err);
  tu_result_free(&r);
  free(conf);
  free(text);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_stopsignal_at_shutdown) {
  char* dir = tu_tmpdir_new();
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:quits_on_int]\n"
                             "command=" CHILD
                             " out up pause\n"
                             "stopsignal=INT\n");
  char* argv[] = { UVSUP_TEST_CLI, "-C", conf, NULL };
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "| up", 1);
  kill(p.pid, SIGTERM);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 128 + SIGTERM, "status %d:\n%s", r.status, r.err);
  /* As supervisord: the program's stopsignal, not the one uvsup got. */
  ASSERT_ROW(&r, "quits_on_int", "stopped (SIGINT)");
  tu_result_free(&r);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_supervisord_readiness_keys) {
  char* dir = tu_tmpdir_new();
  /* uvsup's keys in supervisord's sections: web waits for the migration
   * to succeed, though its priority would start it first. */
  char* conf = tu_write_file(dir, "supervisord.conf",
                             "[program:web]\n"
                             "command=" CHILD
                             " out serving\n"
                             "priority=1\n"
                             "autorestart=false\n"
                             "after=migrate:succeeded\n"
                             "[program:migrate]\n"
                             "command=" CHILD
                             " out migrated\n"
                             "priority=2\n"
                             "autorestart=false\n"
                             "ready=exit\n");
  char* events = tu_fmt("%s/events.json", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-C", conf, "--events", events, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* text = tu_read_file(events);
  ck_assert_ptr_nonnull(text);
  ck_assert_msg(at(text, "exit", "migrate") < at(text, "start", "web"), "%s",
                text);
  free(text);
  tu_result_free(&r);
  free(events);
  free(conf);
  tu_tmpdir_free(dir);
}
END_TEST

static Suite* supervisord_suite(void) {
  Suite* s = suite_create("supervisord");
  TCase* core = tu_tcase_new(s, "core", 30);
  tcase_add_test(core, test_supervisord_autorestart_unexpected_exitcodes);
  tcase_add_test(core, test_supervisord_startretries_failed_starts);
  tcase_add_test(core, test_supervisord_numprocs_and_expansions);
  tcase_add_test(core, test_supervisord_priority_start_and_reverse_stop);
  tcase_add_test(core, test_supervisord_include_and_log_files);
  tcase_add_test(core, test_supervisord_user_drop);
  tcase_add_test(core, test_supervisord_check_describes);
  tcase_add_test(core, test_supervisord_every_key);
  tcase_add_test(core, test_supervisord_readiness_keys);
  tcase_add_test(core, test_supervisord_stopsignal_at_shutdown);
  TCase* errors = tu_tcase_new(s, "errors", 30);
  tcase_add_test(errors, test_supervisord_warnings_and_bad_value);
  return s;
}

int main(void) {
  return tu_run_suite(supervisord_suite());
}
