/* Tests for running a Procfile as foreman and honcho do, with real
 * processes: .env, PORT, PS, the formation, a subset of the types,
 * --halt now,done=1 and --check. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

/* 1 when out has the line "NAME<pad> | text" (the tag of worker name). */
static int has_tagged(const char* out, const char* name, const char* text) {
  size_t n = strlen(name);
  for (const char* p = out; p != NULL && *p != '\0';) {
    const char* nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    if (len > n && strncmp(p, name, n) == 0 && (p[n] == ' ' || p[n] == '|')) {
      const char* bar = strstr(p, "| ");
      if (bar != NULL && bar < p + len &&
          strncmp(bar + 2, text, len - (size_t)(bar + 2 - p)) == 0 &&
          strlen(text) == len - (size_t)(bar + 2 - p)) {
        return 1;
      }
    }
    p = nl != NULL ? nl + 1 : NULL;
  }
  return 0;
}

#define ASSERT_TAGGED(r, name, text)                                      \
  ck_assert_msg(has_tagged((r)->out, name, text), "no '%s | %s' in:\n%s", \
                name, text, (r)->out)

/* foreman's spec/resources: a Procfile with a .env beside it. */
static char* fixture(const char* dir) {
  free(tu_write_file(dir, ".env", "FOO=bar\n"));
  return tu_write_file(dir, "Procfile",
                       "echo: " CHILD
                       " out echoing\n"
                       "env:  " CHILD
                       " env FOO\n"
                       "ticker: " CHILD
                       " env PORT\n"
                       "ps:   " CHILD " env PS\n");
}

START_TEST(test_foreman_env_port_ps) {
  char* dir = tu_tmpdir_new();
  char* procfile = fixture(dir);
  /* .env wins over the inherited environment, as with foreman. */
  setenv("FOO", "inherited", 1);
  unsetenv("PORT");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ASSERT_TAGGED(&r, "echo.1", "echoing");
  ASSERT_TAGGED(&r, "env.1", "FOO=bar");
  /* 5000 + 100 for the third type. */
  ASSERT_TAGGED(&r, "ticker.1", "PORT=5200");
  ASSERT_TAGGED(&r, "ps.1", "PS=ps.1");
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_formation_and_port_base) {
  char* dir = tu_tmpdir_new();
  char* procfile = tu_write_file(dir, "Procfile",
                                 "web: " CHILD
                                 " env PORT env PS\n"
                                 "worker: " CHILD
                                 " env PORT\n"
                                 "clock: " CHILD " out tick\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-p", "3000", "-m", "web=2,worker=1", "-f", procfile,
             NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ASSERT_TAGGED(&r, "web.1", "PORT=3000");
  ASSERT_TAGGED(&r, "web.1", "PS=web.1");
  ASSERT_TAGGED(&r, "web.2", "PORT=3001");
  ASSERT_TAGGED(&r, "web.2", "PS=web.2");
  ASSERT_TAGGED(&r, "worker.1", "PORT=3100");
  /* Not in the formation and no all=N: foreman runs none of it. */
  ck_assert_msg(strstr(r.out, "tick") == NULL, "%s", r.out);
  ck_assert(tu_has_line(r.err, "3 workers: 3 ok, 0 failed"));
  tu_result_free(&r);
  /* PORT from the .env sets the base when -p is not given. */
  free(tu_write_file(dir, ".env", "PORT=7000\n"));
  tu_run_cli(&r, NULL, "--formation", "all=1", "-f", procfile, NULL);
  ASSERT_TAGGED(&r, "worker.1", "PORT=7100");
  ASSERT_TAGGED(&r, "clock.1", "tick");
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_only_named_types) {
  char* dir = tu_tmpdir_new();
  char* procfile = fixture(dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, "env", "ps", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ASSERT_TAGGED(&r, "env.1", "FOO=bar");
  ASSERT_TAGGED(&r, "ps.1", "PS=ps.1");
  ck_assert_msg(strstr(r.out, "echoing") == NULL, "%s", r.out);
  ck_assert(tu_has_line(r.err, "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-f", procfile, "web", NULL);
  ck_assert_int_eq(r.status, 2);
  char* want =
      tu_fmt("uvsup: 'web': no process type of that name in %s", procfile);
  ck_assert(tu_has_line(r.err, want));
  free(want);
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_env_files) {
  char* dir = tu_tmpdir_new();
  char* procfile = fixture(dir);
  char* a = tu_write_file(dir, "a.env", "FOO=from_a\nexport BAR='b a r'\n");
  char* b = tu_write_file(dir, "b.env", "# later wins\nFOO=\"from_b\"\n");
  tu_result_t r;
  /* -e replaces the .env beside the Procfile (foreman reads one or the
   * other); a comma list and a repeated -e both work, in order. */
  char* list = tu_fmt("%s,%s", a, b);
  tu_run_cli(&r, NULL, "-e", list, "-f", procfile, "env", NULL);
  ASSERT_TAGGED(&r, "env.1", "FOO=from_b");
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-e", b, "-e", a, "-f", procfile, "env", NULL);
  ASSERT_TAGGED(&r, "env.1", "FOO=from_a");
  tu_result_free(&r);
  free(list);
  free(a);
  free(b);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_bad_env_starts_nothing) {
  char* dir = tu_tmpdir_new();
  char* marker = tu_fmt("%s/ran", dir);
  char* line = tu_fmt("a: " CHILD " pidfile %s\n", marker);
  char* procfile = tu_write_file(dir, "Procfile", line);
  char* env = tu_write_file(dir, ".env", "A=1\nB=\"unclosed\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, NULL);
  ck_assert_int_eq(r.status, 2);
  char* want = tu_fmt(
      "uvsup: %s:2: double quote not closed at the end of the line\n", env);
  ck_assert_str_eq(r.err, want);
  ck_assert_int_eq(access(marker, F_OK), -1);
  free(want);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-e", "/nonexistent.env", "-f", procfile, NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_str_eq(r.err,
                   "uvsup: /nonexistent.env: No such file or directory\n");
  tu_result_free(&r);
  free(env);
  free(procfile);
  free(line);
  free(marker);
  tu_tmpdir_free(dir);
}
END_TEST

/* A Procfile whose job ends (with its steps) only once the server runs:
 * a FIFO between them, so the halt always finds the server running. */
static char* halt_procfile(const char* dir, const char* steps) {
  char* fifo = tu_fmt("%s/fifo", dir);
  unlink(fifo);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* text = tu_fmt("server: echo up > %s && exec " CHILD
                      " pause\n"
                      "job: read up < %s && exec " CHILD " %s\n",
                      fifo, fifo, steps);
  char* procfile = tu_write_file(dir, "Procfile", text);
  free(text);
  free(fifo);
  return procfile;
}

START_TEST(test_foreman_halt_done_exit_status) {
  static const struct {
    const char* steps;
    int status;
  } cases[] = {
    { "exit 3", 3 },    /* as foreman and honcho: the status of the first */
    { "raise 9", 137 }, /* killed by a signal: 128 + N */
    { "out done", 0 },  /* a success ends it too */
  };
  char* dir = tu_tmpdir_new();
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    char* procfile = halt_procfile(dir, cases[k].steps);
    tu_result_t r;
    tu_run_cli(&r, NULL, "--halt", "now,done=1", "-f", procfile, NULL);
    ck_assert_msg(r.status == cases[k].status, "%s: status %d:\n%s",
                  cases[k].steps, r.status, r.err);
    ck_assert_msg(strstr(r.err, "server.1: stopped (SIGTERM)") != NULL, "%s",
                  r.err);
    tu_result_free(&r);
    free(procfile);
  }
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_check_starts_nothing) {
  char* dir = tu_tmpdir_new();
  char* marker = tu_fmt("%s/ran", dir);
  char* text = tu_fmt("web: " CHILD " pidfile %s\nworker: true\n", marker);
  char* procfile = tu_write_file(dir, "Procfile", text);
  free(tu_write_file(dir, ".env", "FOO=bar\n"));
  unsetenv("FOO");
  unsetenv("PORT");
  unsetenv("PS");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--check", "-m", "web=2", "-f", procfile, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* cmd = tu_fmt("web.1: " CHILD " pidfile %s", marker);
  char* cwd = tu_fmt("  cwd %s", dir);
  ck_assert_msg(tu_has_line(r.out, cmd), "%s", r.out);
  ck_assert(tu_has_line(r.out, cwd));
  ck_assert(tu_has_line(r.out, "  env FOO=bar"));
  ck_assert(tu_has_line(r.out, "  env PORT=5000"));
  ck_assert(tu_has_line(r.out, "  env PORT=5001"));
  ck_assert(tu_has_line(r.out, "  env PS=web.2"));
  ck_assert(tu_has_line(r.out, "2 workers would start; nothing started"));
  ck_assert_msg(strstr(r.out, "worker.1") == NULL, "%s", r.out);
  ck_assert_int_eq(access(marker, F_OK), -1);
  free(cmd);
  free(cwd);
  tu_result_free(&r);
  free(procfile);
  free(text);
  free(marker);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_foreman_options_refused) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-p", "70000", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert(tu_has_line(r.err, "uvsup: -p '70000': not a port (1 to 65535)"));
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-m", "web=1", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert(tu_has_line(r.err, "uvsup: -m is for -f PROCFILE only"));
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "-e", "x.env", "-C", "supervisord.conf", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert(tu_has_line(r.err, "uvsup: -e is for -f PROCFILE only"));
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--halt", "now,done=0", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 2);
  tu_result_free(&r);
}
END_TEST

static Suite* foreman_suite(void) {
  Suite* s = suite_create("foreman");
  TCase* core = tu_tcase_new(s, "core", 30);
  tcase_add_test(core, test_foreman_env_port_ps);
  tcase_add_test(core, test_foreman_formation_and_port_base);
  tcase_add_test(core, test_foreman_only_named_types);
  tcase_add_test(core, test_foreman_env_files);
  tcase_add_test(core, test_foreman_halt_done_exit_status);
  tcase_add_test(core, test_foreman_check_starts_nothing);
  TCase* errors = tu_tcase_new(s, "errors", 30);
  tcase_add_test(errors, test_foreman_bad_env_starts_nothing);
  tcase_add_test(errors, test_foreman_options_refused);
  return s;
}

int main(void) {
  return tu_run_suite(foreman_suite());
}
