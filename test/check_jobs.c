/* From parsed arguments to the list of workers: names, argv, cwd, stdin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "buf.h"
#include "jobs.h"
#include "testutil.h"

/* The jobs of the last build, made in order as the CLI makes them. */
static cli_job_t* js;
static size_t njs;

static void make_all(cli_jobs_t* jobs) {
  njs = jobs->count;
  js = calloc(njs + 1, sizeof(*js));
  ck_assert_ptr_nonnull(js);
  char err[512];
  for (size_t k = 0; k < njs; k++) {
    ck_assert_int_eq(cli_jobs_make(jobs, k, 1, &js[k], err, sizeof(err)), 0);
  }
}

static void free_all(cli_jobs_t* jobs) {
  for (size_t k = 0; k < njs; k++) {
    cli_job_free(&js[k]);
  }
  free(js);
  js = NULL;
  njs = 0;
  cli_jobs_free(jobs);
}

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
  make_all(&jobs);
  ck_assert_uint_eq(jobs.count, 2);
  ck_assert_str_eq(js[0].name, "web");
  ck_assert_str_eq(js[0].argv[0], "/bin/sh");
  ck_assert_str_eq(js[0].argv[1], "-c");
  ck_assert_str_eq(js[0].argv[2], "echo hi");
  ck_assert_ptr_null(js[0].argv[3]);
  ck_assert_str_eq(js[0].cwd, "/tmp");
  ck_assert_str_eq(js[1].name, "New York");
  ck_assert_str_eq(js[1].argv[2], "./city.sh");
  free_all(&jobs);
  unlink(path);
  free(path);
}
END_TEST

START_TEST(test_jobs_commands_named_by_position) {
  cli_command_t commands[] = { { NULL, "a", 0, 0 },
                               { "web", "b", 0, 0 },
                               { NULL, "c", 0, 0 } };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_COMMANDS;
  a.commands = commands;
  a.ncommands = 3;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  make_all(&jobs);
  ck_assert_str_eq(js[0].name, "1");
  ck_assert_str_eq(js[1].name, "web");
  ck_assert_str_eq(js[2].name, "3");
  ck_assert_ptr_null(js[2].cwd);
  free_all(&jobs);

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
  cli_source_t source = { CLI_SOURCE_VALUES, 0, values, 2, NULL };
  a.sources = &source;
  a.nsources = 1;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  make_all(&jobs);
  ck_assert_str_eq(js[1].name, "dir/b.c");
  ck_assert_str_eq(js[1].argv[0], "cp");
  ck_assert_str_eq(js[1].argv[1], "dir/b.c");
  ck_assert_str_eq(js[1].argv[2], "dir/b.bak");
  free_all(&jobs);

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
  make_all(&jobs);
  fclose(in);
  ck_assert_uint_eq(jobs.count, 3);
  ck_assert_str_eq(js[1].name, "two");
  ck_assert_str_eq(js[2].argv[1], "three"); /* appended, no {} */
  free_all(&jobs);

  /* Only one CR goes with the newline (a CR of the value stays). */
  in = text_stream("x\r\r\n");
  ck_assert_int_eq(cli_jobs_build(&a, in, &jobs, err, sizeof(err)), 0);
  make_all(&jobs);
  fclose(in);
  ck_assert_str_eq(js[0].name, "x\r");
  free_all(&jobs);

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
  cli_source_t source = { CLI_SOURCE_VALUES, 0, values, 7, NULL };
  a.sources = &source;
  a.nsources = 1;
  cli_jobs_t jobs;
  char err[512];
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), 0);
  make_all(&jobs);
  const char* want[] = { "a", "b", "a#2", "b#2", "a#2#2", "a#3", "a#4" };
  ck_assert_uint_eq(jobs.count, 7);
  for (int i = 0; i < 7; i++) {
    ck_assert_str_eq(js[i].name, want[i]);
  }
  /* The program still gets the value itself. */
  ck_assert_str_eq(js[2].argv[1], "a");
  free_all(&jobs);
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
  make_all(&jobs);
  ck_assert_uint_eq(jobs.count, N);
  ck_assert_str_eq(js[N - 1].name, "b#100000");
  ck_assert_str_eq(js[N - 2].name, "a#100000");
  free_all(&jobs);
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

/* Parses "uvsup WORDS..." (split at '|'), builds the jobs with stdin_text
 * on standard input, and returns their command lines, one per line. */
static char* command_lines_and_form(const char* words,
                                    const char* stdin_text,
                                    char** command_form) {
  char* copy = strdup(words);
  char* argv[64] = { "uvsup" };
  int argc = 1;
  for (char* w = strtok(copy, "|"); w != NULL && argc < 63;
       w = strtok(NULL, "|")) {
    argv[argc++] = w;
  }
  cli_args_t a;
  char err[512];
  ck_assert_msg(cli_args_parse(argc, argv, &a, err, sizeof(err)) == 0, "%s: %s",
                words, err);
  FILE* in = text_stream(stdin_text != NULL ? stdin_text : "");
  cli_jobs_t jobs;
  ck_assert_msg(cli_jobs_build(&a, in, &jobs, err, sizeof(err)) == 0, "%s: %s",
                words, err);
  make_all(&jobs);
  fclose(in);
  cli_buf_t b, commands;
  cli_buf_init(&b);
  cli_buf_init(&commands);
  for (size_t j = 0; j < jobs.count; j++) {
    for (char** p = js[j].argv; *p != NULL; p++) {
      cli_buf_printf(&b, "%s%s", p == js[j].argv ? "" : " ", *p);
    }
    /* Parallel's own form of the command, for the joblog and --dry-run,
     * is the same for these words. */
    ck_assert_int_eq(cli_jobs_command(&jobs, j, 1, &commands), 0);
    cli_buf_putc(&commands, '\n');
    cli_buf_putc(&b, '\n');
  }
  free_all(&jobs);
  cli_args_free(&a);
  free(copy);
  if (command_form != NULL) {
    *command_form = commands.data;
  } else {
    cli_buf_free(&commands);
  }
  return b.data;
}

static char* command_lines(const char* words, const char* stdin_text) {
  return command_lines_and_form(words, stdin_text, NULL);
}

START_TEST(test_jobs_command_as_parallel_dry_run) {
  /* The job as a command line, for the joblog and --dry-run: each row as
   * GNU parallel 20221122 prints it with --dry-run for the same words
   * (values quoted, the words as given; a newline stays a newline). */
  static const char* const rows[][2] = {
    { "echo|{#}|{1}|{2}|{1.}|{1/}|{1//}|{1/.}|{3}|{x}|:::|a/b.c|d|:::|e|f",
      "echo 1 a/b.c e a/b b.c a b  {x}\n"
      "echo 2 a/b.c f a/b b.c a b  {x}\n"
      "echo 3 d e d d . d  {x}\n"
      "echo 4 d f d d . d  {x}\n" },
    { "echo|{}|:::|a b|:::|c", "echo 'a b' c\n" },
    { "echo|:::|a b|:::|c", "echo 'a b' c\n" },
    { "sh|-c|echo {}|:::|a b|:::|c", "sh -c echo 'a b' c\n" },
    { "sh|-c|echo {.}x{/}|:::|a.b/c d.e", "sh -c echo 'a.b/c d'x'c d.e'\n" },
    { "printf|%s\\n|:::|it's|$x|tab\tx",
      "printf %s\\n 'it'\"'\"'s'\nprintf %s\\n '$x'\n"
      "printf %s\\n 'tab\tx'\n" },
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char* form;
    free(command_lines_and_form(rows[i][0], NULL, &form));
    ck_assert_msg(strcmp(form, rows[i][1]) == 0, "%s:\n%s\nwant:\n%s",
                  rows[i][0], form, rows[i][1]);
    free(form);
  }
}
END_TEST

START_TEST(test_jobs_input_sources_as_gnu_parallel) {
  /* Each job's argv, words joined by spaces, for the same words as GNU
   * parallel 20221122's --dry-run (where it differs only in quoting:
   * uvsup's argv needs none) ('|' separates them; f is a file of
   * "f1\nf2\n"). */
  char* f = tu_write_temp("f1\nf2\n", 6);
  static const char* const rows[][2] = {
    { "echo|{#}|{1}|{2}|{1.}|{1/}|{1//}|{1/.}|{3}|{x}|:::|a/b.c|d|:::|e|f",
      "echo 1 a/b.c e a/b b.c a b  {x}\n"
      "echo 2 a/b.c f a/b b.c a b  {x}\n"
      "echo 3 d e d d . d  {x}\n"
      "echo 4 d f d d . d  {x}\n" },
    { "echo|:::|a|b|:::+|1|2|:::|x|y",
      "echo a 1 x\necho a 1 y\necho b 2 x\necho b 2 y\n" },
    { "echo|:::|a|b|c|:::+|1|2", "echo a 1\necho b 2\n" },
    { "echo|{2}{1}|{-1}|:::|a|b|:::|1", "echo 1a 1\necho 1b 1\n" },
    { "echo|{}|:::|a b|:::|c", "echo a b c\n" },
    { "sh|-c|echo {}|:::|a b|:::|c", "sh -c echo 'a b' c\n" },
    { "sh|-c|echo {.}x{/}|:::|a.b/c d.e", "sh -c echo 'a.b/c d'x'c d.e'\n" },
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char* got = command_lines(rows[i][0], NULL);
    ck_assert_msg(strcmp(got, rows[i][1]) == 0, "%s:\n%s\nwant:\n%s",
                  rows[i][0], got, rows[i][1]);
    free(got);
  }
  /* Value files: -a (before PROGRAM) comes first, then the sources after
   * PROGRAM in order; "-" is standard input. */
  char* words = tu_fmt("-a|%s|echo|:::|x|y", f);
  char* got = command_lines(words, NULL);
  ck_assert_str_eq(got, "echo f1 x\necho f1 y\necho f2 x\necho f2 y\n");
  free(got);
  free(words);
  words = tu_fmt("echo|:::|x|y|::::|%s", f);
  got = command_lines(words, NULL);
  ck_assert_str_eq(got, "echo x f1\necho x f2\necho y f1\necho y f2\n");
  free(got);
  free(words);
  got = command_lines("echo|::::|-|:::|x", "a\n");
  ck_assert_str_eq(got, "echo a x\n");
  free(got);
  got = command_lines("-a|-|echo|{}", "s1\ns2\n");
  ck_assert_str_eq(got, "echo s1\necho s2\n");
  free(got);
  unlink(f);
  free(f);
}
END_TEST

START_TEST(test_jobs_input_source_errors_name_the_option) {
  static const char* const rows[][2] = {
    { "echo|:::+|a", "':::+' needs an input source before it" },
    { "echo|:::|a|::::", "no files after '::::'" },
    { "echo|:::|:::|a", "no values after ':::'" },
    { ":::|a", "':::' needs a PROGRAM before it" },
    { "-a|x|-c|true", "-a 'x': no PROGRAM to give the values to" },
    { "-a", "option -a needs a value" },
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    char* copy = strdup(rows[i][0]);
    char* argv[16] = { "uvsup" };
    int argc = 1;
    for (char* w = strtok(copy, "|"); w != NULL; w = strtok(NULL, "|")) {
      argv[argc++] = w;
    }
    cli_args_t a;
    char err[512];
    ck_assert_int_eq(cli_args_parse(argc, argv, &a, err, sizeof(err)), -1);
    ck_assert_msg(strcmp(err, rows[i][1]) == 0, "%s: %s", rows[i][0], err);
    cli_args_free(&a);
    free(copy);
  }
  char* argv[] = { "uvsup", "echo", "::::", "/nonexistent/values", NULL };
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(cli_args_parse(4, argv, &a, err, sizeof(err)), 0);
  cli_jobs_t jobs;
  ck_assert_int_eq(cli_jobs_build(&a, NULL, &jobs, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "/nonexistent/values: No such file or directory");
  cli_args_free(&a);
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
  tcase_add_test(core, test_jobs_input_sources_as_gnu_parallel);
  tcase_add_test(core, test_jobs_command_as_parallel_dry_run);
  suite_add_tcase(s, core);
  TCase* errors = tcase_create("errors");
  tcase_add_test(errors, test_jobs_procfile_errors_pass_through);
  tcase_add_test(errors, test_jobs_input_source_errors_name_the_option);
  suite_add_tcase(s, errors);
  return tu_run_suite(s);
}
