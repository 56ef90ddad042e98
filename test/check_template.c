/* Tests for argument templates: GNU parallel's replacement strings. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "quote.h"
#include "template.h"
#include "testutil.h"

#define ALL5 "[{}] [{.}] [{/}] [{//}] [{/.}]"

/* Expands the one argument arg with value; checks the single result. */
static void check_expand(const char* arg, const char* value, const char* want) {
  char* argv[] = { (char*)arg, NULL };
  char** out = cli_template_expand(argv, 1, value);
  ck_assert_ptr_nonnull(out);
  ck_assert_msg(out[0] != NULL && strcmp(out[0], want) == 0,
                "\"%s\" with \"%s\" gave \"%s\", want \"%s\"", arg, value,
                out[0] != NULL ? out[0] : "(null)", want);
  ck_assert_ptr_null(out[1]);
  cli_argv_free(out);
}

START_TEST(test_template_detects_placeholders) {
  char* yes[] = { "{}", "a{.}b", "--in={/}", "{//}", "x{/.}", "{{}}" };
  for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
    ck_assert_msg(cli_template_has_placeholder(&yes[i], 1) == 1,
                  "missed in \"%s\"", yes[i]);
  }
  char* no[] = { "",     "{",     "}",  "{ }",  "{x}", "{..}",
                 "{./}", "{///}", "}{", "{/ }", "{.}" };
  /* The last one is only past argc. */
  size_t n = sizeof(no) / sizeof(no[0]);
  ck_assert_int_eq(cli_template_has_placeholder(no, n - 1), 0);
  ck_assert_int_eq(cli_template_has_placeholder(no, n), 1);
  ck_assert_int_eq(cli_template_has_placeholder(no, 0), 0);
}
END_TEST

START_TEST(test_template_the_documented_examples) {
  check_expand("{}", "a/b.txt", "a/b.txt");
  check_expand("{.}", "a/b.txt", "a/b");
  check_expand("{/}", "a/b.txt", "b.txt");
  check_expand("{//}", "a/b.txt", "a");
  check_expand("{//}", "b", ".");
  check_expand("{/.}", "a/b.txt", "b");
}
END_TEST

START_TEST(test_template_matches_gnu_parallel) {
  /* Each row as GNU parallel 20221122 prints it for
   * parallel echo '[{}] [{.}] [{/}] [{//}] [{/.}]' ::: VALUE. */
  static const char* const rows[][2] = {
    { "a/b.txt", "[a/b.txt] [a/b] [b.txt] [a] [b]" },
    { "b", "[b] [b] [b] [.] [b]" },
    { "a.b/c", "[a.b/c] [a.b/c] [c] [a.b] [c]" },
    { "a/b/", "[a/b/] [a/b/] [] [a] []" },
    { "/", "[/] [/] [] [/] []" },
    { "/a", "[/a] [/a] [a] [/] [a]" },
    { "", "[] [] [] [.] []" },
    { "a//b", "[a//b] [a//b] [b] [a] [b]" },
    { "a/b.tar.gz", "[a/b.tar.gz] [a/b.tar] [b.tar.gz] [a] [b.tar]" },
    { "file.", "[file.] [file] [file.] [.] [file]" },
    { "a/.b.c", "[a/.b.c] [a/.b] [.b.c] [a] [.b]" },
    { "./x.y", "[./x.y] [./x] [x.y] [.] [x]" },
    { "a.b.", "[a.b.] [a.b] [a.b.] [.] [a.b]" },
    { "a/b//", "[a/b//] [a/b//] [] [a] []" },
    { "//", "[//] [//] [] [/] []" },
    { "/usr/lib/x.so.1",
      "[/usr/lib/x.so.1] [/usr/lib/x.so] [x.so.1] "
      "[/usr/lib] [x.so]" },
    { "a b/c d.e f", "[a b/c d.e f] [a b/c d] [c d.e f] [a b] [c d]" },
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    check_expand(ALL5, rows[i][0], rows[i][1]);
  }
}
END_TEST

START_TEST(test_template_leading_dots_are_not_extensions) {
  /* Where we differ from GNU parallel on purpose (it gives "dir/", "",
   * "..", "x/" and "x/."): a name's leading dots do not start an
   * extension, so dotfiles keep their names. */
  check_expand(ALL5, "dir/.hidden",
               "[dir/.hidden] [dir/.hidden] [.hidden] [dir] [.hidden]");
  check_expand(ALL5, ".hidden", "[.hidden] [.hidden] [.hidden] [.] [.hidden]");
  check_expand(ALL5, "...", "[...] [...] [...] [.] [...]");
  check_expand(ALL5, "x/.", "[x/.] [x/.] [.] [x] [.]");
  check_expand(ALL5, "x/..", "[x/..] [x/..] [..] [x] [..]");
  check_expand(ALL5, "..a.b", "[..a.b] [..a] [..a.b] [.] [..a]");
}
END_TEST

START_TEST(test_template_several_in_one_argument) {
  check_expand("--in={} --out={/.}.png", "img/cat.jpg",
               "--in=img/cat.jpg --out=cat.png");
  check_expand("{}{}{}", "ab", "ababab");
  check_expand("{{}}", "v", "{v}");
  check_expand("{x}{}{", "v", "{x}v{");
}
END_TEST

START_TEST(test_template_value_is_not_expanded_again) {
  check_expand("<{}>", "{}{.}", "<{}{.}>");
  check_expand("{/}", "a/{}", "{}");
}
END_TEST

START_TEST(test_template_utf8_value) {
  check_expand(ALL5, "d\xC3\xA9j\xC3\xA0/\xE6\x97\xA5.txt",
               "[d\xC3\xA9j\xC3\xA0/\xE6\x97\xA5.txt] "
               "[d\xC3\xA9j\xC3\xA0/\xE6\x97\xA5] [\xE6\x97\xA5.txt] "
               "[d\xC3\xA9j\xC3\xA0] [\xE6\x97\xA5]");
}
END_TEST

START_TEST(test_template_expands_every_argument) {
  char* argv[] = { "convert", "{}", "-resize", "50%", "{/.}_small.jpg" };
  char** out = cli_template_expand(argv, 5, "in/p.jpg");
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out[0], "convert");
  ck_assert_str_eq(out[1], "in/p.jpg");
  ck_assert_str_eq(out[2], "-resize");
  ck_assert_str_eq(out[3], "50%");
  ck_assert_str_eq(out[4], "p_small.jpg");
  ck_assert_ptr_null(out[5]);
  /* The input is left alone and the output does not share it. */
  ck_assert_str_eq(argv[1], "{}");
  ck_assert_ptr_ne(out[0], argv[0]);
  cli_argv_free(out);
}
END_TEST

START_TEST(test_template_appends_value_without_placeholder) {
  char* argv[] = { "gzip", "-9", "{x}" };
  char** out = cli_template_expand(argv, 3, "a b.log");
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out[0], "gzip");
  ck_assert_str_eq(out[1], "-9");
  ck_assert_str_eq(out[2], "{x}");
  ck_assert_str_eq(out[3], "a b.log");
  ck_assert_ptr_null(out[4]);
  cli_argv_free(out);
}
END_TEST

START_TEST(test_template_empty_argv_gets_value) {
  char** out = cli_template_expand(NULL, 0, "echo");
  ck_assert_ptr_nonnull(out);
  ck_assert_str_eq(out[0], "echo");
  ck_assert_ptr_null(out[1]);
  cli_argv_free(out);
  cli_argv_free(NULL);
}
END_TEST


START_TEST(test_template_quote_matches_gnu_parallel) {
  /* Each row as GNU parallel 20221122 prints it for
   * parallel --dry-run sh -c 'X {}' ::: VALUE. */
  static const char* const rows[][2] = {
    { "plain", "plain" },
    { "a b", "'a b'" },
    { "a'b", "'a'\"'\"'b'" },
    { "'", "\"'\"" },
    { "''", "\"'\"''\"'\"" },
    { "'a", "\"'\"'a'" },
    { "a'", "'a'\"'\"" },
    { "x; echo INJECTED", "'x; echo INJECTED'" },
    { "$HOME", "'$HOME'" },
    { "a\"b", "'a\"b'" },
    { "a''b", "'a'\"'\"''\"'\"'b'" },
    { "", "''" },
    { "-_.+/Az09", "-_.+/Az09" },
    { "\xC3\xA9", "'\xC3\xA9'" },
    { "tab\tx", "'tab\tx'" },
  };
  for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
    cli_buf_t b;
    cli_buf_init(&b);
    cli_buf_puts(&b, "");
    cli_quote_shell(&b, rows[i][0], strlen(rows[i][0]));
    ck_assert_msg(strcmp(b.data, rows[i][1]) == 0, "%s: got %s, want %s",
                  rows[i][0], b.data, rows[i][1]);
    cli_buf_free(&b);
  }
}
END_TEST

START_TEST(test_template_knows_shell_scripts) {
  char* sh[] = { "sh", "-c", "S", "arg0" };
  ck_assert_int_eq(cli_quote_is_script(sh, 4, 2), 1);
  ck_assert_int_eq(cli_quote_is_script(sh, 4, 3), 0); /* $0: data */
  ck_assert_int_eq(cli_quote_is_script(sh, 4, 1), 0);
  char* bash[] = { "/usr/bin/bash", "-ec", "S" };
  ck_assert_int_eq(cli_quote_is_script(bash, 3, 2), 1);
  char* options[] = { "zsh", "-o", "errexit", "-c", "S" };
  ck_assert_int_eq(cli_quote_is_script(options, 5, 4), 1);
  ck_assert_int_eq(cli_quote_is_script(options, 5, 2), 0);
  char* names[] = { "dash", "ksh", "/bin/sh" };
  for (int i = 0; i < 3; i++) {
    char* argv[] = { names[i], "-c", "S" };
    ck_assert_int_eq(cli_quote_is_script(argv, 3, 2), 1);
  }
  char* not_shell[] = { "python3", "-c", "S" };
  ck_assert_int_eq(cli_quote_is_script(not_shell, 3, 2), 0);
  char* shell_ish[] = { "shx", "-c", "S" };
  ck_assert_int_eq(cli_quote_is_script(shell_ish, 3, 2), 0);
  char* long_opt[] = { "bash", "--c", "S" };
  ck_assert_int_eq(cli_quote_is_script(long_opt, 3, 2), 0);
}
END_TEST

/* Expands argv with the values of one job; checks the whole result. */
static void check_job(char* const* argv,
                      size_t argc,
                      const char* const* values,
                      size_t nvalues,
                      const char* want) {
  cli_subst_t s = { values, nvalues, 7, 2 };
  char** out = cli_template_expand_job(argv, argc, &s);
  ck_assert_ptr_nonnull(out);
  cli_buf_t b;
  cli_buf_init(&b);
  for (char** p = out; *p != NULL; p++) {
    cli_buf_printf(&b, "%s%s", p == out ? "" : "|", *p);
  }
  ck_assert_msg(strcmp(b.data, want) == 0, "got %s, want %s", b.data, want);
  cli_buf_free(&b);
  cli_argv_free(out);
}

START_TEST(test_template_values_are_data) {
  /* A value in a shell's script is one quoted word; elsewhere it is one
   * argument as is: never split, never code. */
  const char* v[] = { "x; echo INJECTED" };
  char* sh[] = { "sh", "-c", "printf %s {}", "{}" };
  check_job(sh, 4, v, 1, "sh|-c|printf %s 'x; echo INJECTED'|x; echo INJECTED");
  char* direct[] = { "wc", "-c", "{}" };
  check_job(direct, 3, v, 1, "wc|-c|x; echo INJECTED");
  char* appended[] = { "bash", "-c", "echo" };
  check_job(appended, 3, v, 1, "bash|-c|echo|x; echo INJECTED");
}
END_TEST

static Suite* template_suite(void) {
  Suite* s = suite_create("template");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_template_detects_placeholders);
  tcase_add_test(tc, test_template_the_documented_examples);
  tcase_add_test(tc, test_template_several_in_one_argument);
  tcase_add_test(tc, test_template_value_is_not_expanded_again);
  tcase_add_test(tc, test_template_utf8_value);
  tcase_add_test(tc, test_template_expands_every_argument);
  tcase_add_test(tc, test_template_appends_value_without_placeholder);
  tcase_add_test(tc, test_template_empty_argv_gets_value);
  suite_add_tcase(s, tc);
  tc = tcase_create("paths");
  tcase_add_test(tc, test_template_matches_gnu_parallel);
  tcase_add_test(tc, test_template_leading_dots_are_not_extensions);
  suite_add_tcase(s, tc);
  tc = tcase_create("shell");
  tcase_add_test(tc, test_template_quote_matches_gnu_parallel);
  tcase_add_test(tc, test_template_knows_shell_scripts);
  tcase_add_test(tc, test_template_values_are_data);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(template_suite());
}
