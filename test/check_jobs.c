/* From parsed arguments to the list of workers: names, argv, cwd, stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "jobs.h"
#include "testutil.h"

static FILE* text_stream(const char* text) {
  FILE* f = fmemopen((void*)text, strlen(text), "r");
  ck_assert_ptr_nonnull(f);
  return f;
}

START_TEST(test_jobs_procfile_runs_in_its_directory) {
  char* path = tu_write_temp("# c\nweb: echo hi\n\nNew York:  ./city.sh\n", 39);
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_PROCFILE;
  a.procfile = path;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  ck_assert_uint_eq(jobs.count, 2);
  ck_assert_str_eq(jobs.jobs[0].name, "web");
  ck_assert_str_eq(jobs.jobs[0].argv[0], "/bin/sh");
  ck_assert_str_eq(jobs.jobs[0].argv[1], "-c");
  ck_assert_str_eq(jobs.jobs[0].argv[2], "echo hi");
  ck_assert_ptr_null(jobs.jobs[0].argv[3]);
  ck_assert_str_eq(jobs.jobs[0].cwd, "/tmp");
  ck_assert_str_eq(jobs.jobs[1].name, "New York");
  ck_assert_str_eq(jobs.jobs[1].argv[2], "./city.sh");
  cli_jobs_free(&jobs);
  unlink(path);
  free(path);
}
END_TEST

START_TEST(test_jobs_commands_named_by_position) {
  cli_command_t commands[] = { { NULL, "a" }, { "web", "b" }, { NULL, "c" } };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_COMMANDS;
  a.commands = commands;
  a.ncommands = 3;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  ck_assert_str_eq(jobs.jobs[0].name, "1");
  ck_assert_str_eq(jobs.jobs[1].name, "web");
  ck_assert_str_eq(jobs.jobs[2].name, "3");
  ck_assert_ptr_null(jobs.jobs[2].cwd);
  cli_jobs_free(&jobs);

  /* A name given with -n may clash with a position. */
  commands[1].name = "3";
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "-c 'c': duplicate name '3' (also command 2)");
  ck_assert_uint_eq(jobs.count, 0);
}
END_TEST

START_TEST(test_jobs_values_expand_program) {
  char* program[] = { "cp", "{}", "{.}.bak" };
  char* values[] = { "a.txt", "dir/b.c" };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_VALUES;
  a.program = program;
  a.nprogram = 3;
  a.values = values;
  a.nvalues = 2;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  ck_assert_str_eq(jobs.jobs[1].name, "dir/b.c");
  ck_assert_str_eq(jobs.jobs[1].argv[0], "cp");
  ck_assert_str_eq(jobs.jobs[1].argv[1], "dir/b.c");
  ck_assert_str_eq(jobs.jobs[1].argv[2], "dir/b.bak");
  cli_jobs_free(&jobs);

  values[1] = "";
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "value 2 after ':::' is empty");
}
END_TEST

START_TEST(test_jobs_stdin_values) {
  char* program[] = { "echo" };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_STDIN;
  a.program = program;
  a.nprogram = 1;
  cli_jobs_t jobs;
  char err[512];
  FILE* in = text_stream("one\n\ntwo\r\nthree");
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), 0);
  fclose(in);
  ck_assert_uint_eq(jobs.count, 3);
  ck_assert_str_eq(jobs.jobs[1].name, "two");
  ck_assert_str_eq(jobs.jobs[2].argv[1], "three"); /* appended, no {} */
  cli_jobs_free(&jobs);

  in = text_stream("\n\n");
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), -1);
  fclose(in);
  ck_assert_str_eq(err, "no workers: standard input had no values");

  static const char with_nul[] = "ok\nb\0d\n";
  in = fmemopen((void*)with_nul, sizeof(with_nul) - 1, "r");
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), -1);
  fclose(in);
  ck_assert_str_eq(err, "standard input:2: a NUL byte in the value");

  char* long_line = malloc(CLI_MAX_VALUE + 2);
  memset(long_line, 'x', CLI_MAX_VALUE);
  long_line[CLI_MAX_VALUE] = '\0';
  in = text_stream(long_line);
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), -1);
  fclose(in);
  free(long_line);
  ck_assert_ptr_nonnull(strstr(err, "standard input:1: value of"));
}
END_TEST

START_TEST(test_jobs_repeated_values_unique_names) {
  /* Repeats, in a row or apart, and a value that looks like a renamed
   * one: every name is unique, in the order given. */
  char* values[] = { "a", "b", "a", "b", "a#2", "a", "a" };
  char* program[] = { "echo" };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_VALUES;
  a.program = program;
  a.nprogram = 1;
  a.values = values;
  a.nvalues = 7;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  const char* want[] = { "a", "b", "a#2", "b#2", "a#2#2", "a#3", "a#4" };
  ck_assert_uint_eq(jobs.count, 7);
  for (int i = 0; i < 7; i++) {
    ck_assert_str_eq(jobs.jobs[i].name, want[i]);
  }
  /* The program still gets the value itself. */
  ck_assert_str_eq(jobs.jobs[2].argv[1], "a");
  cli_jobs_free(&jobs);
}
END_TEST

START_TEST(test_jobs_repeats_apart_are_linear) {
  /* 200 000 values alternating between two: named in well under a second
   * (comparing each repeat with all before it took minutes). */
  enum { N = 200000 };
  char* text = malloc(N * 2 + 1);
  ck_assert_ptr_nonnull(text);
  for (int i = 0; i < N; i++) {
    text[2 * i] = i % 2 ? 'b' : 'a';
    text[2 * i + 1] = '\n';
  }
  text[2 * N] = '\0';
  char* program[] = { "echo" };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_STDIN;
  a.program = program;
  a.nprogram = 1;
  FILE* in = text_stream(text);
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), 0);
  ck_assert_uint_eq(jobs.count, N);
  ck_assert_str_eq(jobs.jobs[N - 1].name, "b#100000");
  ck_assert_str_eq(jobs.jobs[N - 2].name, "a#100000");
  cli_jobs_free(&jobs);
  fclose(in);
  free(text);
}
END_TEST

START_TEST(test_jobs_procfile_errors_pass_through) {
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_PROCFILE;
  a.procfile = "/nonexistent/Procfile";
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), -1);
  ck_assert_ptr_nonnull(strstr(err, "/nonexistent/Procfile"));
  ck_assert_uint_eq(jobs.count, 0);
}
END_TEST

int main(void) {
  Suite* s = suite_create("jobs");
  TCase* core = tcase_create("core");
  tcase_add_test(core, test_jobs_procfile_runs_in_its_directory);
  tcase_add_test(core, test_jobs_commands_named_by_position);
  tcase_add_test(core, test_jobs_values_expand_program);
  tcase_add_test(core, test_jobs_stdin_values);
  tcase_add_test(core, test_jobs_repeated_values_unique_names);
  tcase_add_test(core, test_jobs_repeats_apart_are_linear);
  suite_add_tcase(s, core);
  TCase* errors = tcase_create("errors");
  tcase_add_test(errors, test_jobs_procfile_errors_pass_through);
  suite_add_tcase(s, errors);
  return tu_run_suite(s);
}
