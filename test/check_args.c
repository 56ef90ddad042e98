/* Command-line parsing: modes, options and the message for each mistake. */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "args.h"
#include "testutil.h"

/* Parses a NULL-terminated list of words after "uvsup". */
static int parse(cli_args_t* a, char* err, const char* first, ...) {
  static char* argv[64];
  va_list ap;
  int argc = 0;
  argv[argc++] = "uvsup";
  va_start(ap, first);
  for (const char* w = first; w != NULL; w = va_arg(ap, const char*)) {
    argv[argc++] = (char*)w;
  }
  va_end(ap);
  argv[argc] = NULL;
  err[0] = '\0';
  return cli_args_parse(argc, argv, a, err, 512);
}

/* Asserts the words fail to parse with a message containing needle. */
#define ck_assert_parse_fails(needle, ...)                               \
  do {                                                                   \
    cli_args_t a_;                                                       \
    char err_[512];                                                      \
    ck_assert_int_eq(parse(&a_, err_, __VA_ARGS__, NULL), -1);           \
    ck_assert_msg(strstr(err_, needle) != NULL, "'%s' lacks '%s'", err_, \
                  needle);                                               \
    cli_args_free(&a_);                                                  \
  } while (0)

START_TEST(test_args_procfile) {
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(parse(&a, err, "-j", "3", "-f", "Procfile", NULL), 0);
  ck_assert_int_eq(a.mode, CLI_MODE_PROCFILE);
  ck_assert_str_eq(a.procfile, "Procfile");
  ck_assert_int_eq(a.jobs_set, 1);
  ck_assert_uint_eq(a.jobs, 3);
  ck_assert_int_eq(a.summary, CLI_SUMMARY_TEXT);
  ck_assert_int_eq(a.stop_signal, SIGTERM);
  ck_assert_uint_eq(a.kill_after_ms, 5000);
  cli_args_free(&a);
  /* Attached forms. */
  ck_assert_int_eq(parse(&a, err, "-j0", "--procfile=P", NULL), 0);
  ck_assert_str_eq(a.procfile, "P");
  ck_assert_uint_eq(a.jobs, 0);
  cli_args_free(&a);
}
END_TEST

START_TEST(test_args_commands_and_names) {
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(parse(&a, err, "-c", "echo 1", "-n", "web", "-c", "srv",
                         "--command", "x", NULL),
                   0);
  ck_assert_int_eq(a.mode, CLI_MODE_COMMANDS);
  ck_assert_uint_eq(a.ncommands, 3);
  ck_assert_ptr_null(a.commands[0].name);
  ck_assert_str_eq(a.commands[1].name, "web");
  ck_assert_str_eq(a.commands[1].command, "srv");
  ck_assert_ptr_null(a.commands[2].name);
  cli_args_free(&a);
}
END_TEST

START_TEST(test_args_program_values) {
  cli_args_t a;
  char err[512];
  /* Options after PROGRAM belong to it. */
  ck_assert_int_eq(parse(&a, err, "grep", "-v", "{}", ":::", "a", "b", NULL),
                   0);
  ck_assert_int_eq(a.mode, CLI_MODE_VALUES);
  ck_assert_uint_eq(a.nprogram, 3);
  ck_assert_str_eq(a.program[1], "-v");
  ck_assert_uint_eq(a.nsources, 1);
  ck_assert_uint_eq(a.sources[0].nvalues, 2);
  ck_assert_str_eq(a.sources[0].values[1], "b");
  ck_assert_int_eq(a.jobs_set, 0);
  cli_args_free(&a);
  ck_assert_int_eq(parse(&a, err, "--", "-x", NULL), 0);
  ck_assert_int_eq(a.mode, CLI_MODE_STDIN);
  ck_assert_str_eq(a.program[0], "-x");
  cli_args_free(&a);
}
END_TEST

START_TEST(test_args_run_options) {
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(
      parse(&a, err, "--timeout", "1.5", "--kill-after=250ms", "--stop-signal",
            "INT", "--halt", "now,fail=2", "--summary", "json",
            "--summary-file", "s.json", "-c", "x", NULL),
      0);
  ck_assert_uint_eq(a.timeout_ms, 1500);
  ck_assert_uint_eq(a.kill_after_ms, 250);
  ck_assert_int_eq(a.stop_signal, SIGINT);
  ck_assert_int_eq(a.halt.when, CLI_HALT_NOW);
  ck_assert_int_eq(a.halt.on_success, 0);
  ck_assert_uint_eq(a.halt.count, 2);
  ck_assert_int_eq(a.summary, CLI_SUMMARY_JSON);
  ck_assert_str_eq(a.summary_file, "s.json");
  cli_args_free(&a);
  ck_assert_int_eq(parse(&a, err, "--halt", "soon,success=1", "-c", "x", NULL),
                   0);
  ck_assert_int_eq(a.halt.when, CLI_HALT_SOON);
  ck_assert_int_eq(a.halt.on_success, 1);
  cli_args_free(&a);
}
END_TEST

START_TEST(test_args_help_version) {
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(parse(&a, err, "--help", NULL), 0);
  ck_assert_int_eq(a.help, 1);
  cli_args_free(&a);
  ck_assert_int_eq(parse(&a, err, "-V", NULL), 0);
  ck_assert_int_eq(a.version, 1);
  cli_args_free(&a);
  ck_assert_ptr_nonnull(strstr(cli_usage_text, "Exit status"));
}
END_TEST

START_TEST(test_args_errors) {
  ck_assert_parse_fails("no workers", "-j", "2");
  ck_assert_parse_fails("unknown option '--bogus'", "--bogus");
  ck_assert_parse_fails("unknown option '-z'", "-z", "-c", "x");
  ck_assert_parse_fails("-j '-1'", "-j", "-1", "-c", "x");
  ck_assert_parse_fails("-j 'abc'", "-j", "abc", "-c", "x");
  ck_assert_parse_fails("-j ''", "-j", "", "-c", "x");
  ck_assert_parse_fails("-j '1.5'", "-j", "1.5", "-c", "x");
  ck_assert_parse_fails("--jobs '99999999999'", "--jobs", "99999999999", "-c",
                        "x");
  ck_assert_parse_fails("option -j needs a value", "-j");
  ck_assert_parse_fails("-n 'x' is not followed by a -c", "-n", "x");
  ck_assert_parse_fails("two names", "-n", "x", "-n", "y", "-c", "z");
  ck_assert_parse_fails("one way only", "-f", "P", "-c", "x");
  ck_assert_parse_fails("one way only", "-c", "x", "echo");
  ck_assert_parse_fails("no values after ':::'", "echo", ":::");
  ck_assert_parse_fails("needs a PROGRAM", ":::", "a");
  ck_assert_parse_fails("--summary 'xml'", "--summary", "xml", "-c", "x");
  ck_assert_parse_fails("--timeout 'abc'", "--timeout", "abc", "-c", "x");
  ck_assert_parse_fails("--timeout '0'", "--timeout", "0", "-c", "x");
  ck_assert_parse_fails("--kill-after '-1'", "--kill-after", "-1", "-c", "x");
  ck_assert_parse_fails("--stop-signal 'NOPE'", "--stop-signal", "NOPE", "-c",
                        "x");
  ck_assert_parse_fails("SIGSTOP cannot stop", "--stop-signal", "STOP", "-c",
                        "x");
  ck_assert_parse_fails("--halt 'now,fail=0'", "--halt", "now,fail=0", "-c",
                        "x");
  ck_assert_parse_fails("--halt 'sometimes'", "--halt", "sometimes", "-c", "x");
  ck_assert_parse_fails("--help takes no value", "--help=1");
  ck_assert_parse_fails("-c: the command is empty", "-c", "");
  ck_assert_parse_fails("-n: the name is empty", "-n", "", "-c", "x");
}
END_TEST

int main(void) {
  Suite* s = suite_create("args");
  TCase* core = tcase_create("core");
  tcase_add_test(core, test_args_procfile);
  tcase_add_test(core, test_args_commands_and_names);
  tcase_add_test(core, test_args_program_values);
  tcase_add_test(core, test_args_run_options);
  tcase_add_test(core, test_args_help_version);
  suite_add_tcase(s, core);
  TCase* errors = tcase_create("errors");
  tcase_add_test(errors, test_args_errors);
  suite_add_tcase(s, errors);
  return tu_run_suite(s);
}
