/* Tests for .env files (foreman's syntax) and the environment set the
 * workers get: values, quotes, export, comments, and each bad line. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "dotenv.h"
#include "envset.h"
#include "testutil.h"

/* Parses text as ".env" into a fresh set; expects success. */
static void parse_ok(const char* text, cli_envset_t* env) {
  char err[256] = "";
  cli_envset_init(env);
  int rc = cli_dotenv_parse(".env", text, strlen(text), env, err, sizeof(err));
  ck_assert_msg(rc == 0, "parse of \"%s\" failed: %s", text, err);
}

static void parse_err(const char* text, const char* want) {
  char err[256] = "";
  cli_envset_t env;
  cli_envset_init(&env);
  int rc = cli_dotenv_parse(".env", text, strlen(text), &env, err, sizeof(err));
  ck_assert_msg(rc == -1, "parse of \"%s\" succeeded", text);
  ck_assert_str_eq(err, want);
  cli_envset_free(&env);
}

static void assert_var(const cli_envset_t* env,
                       const char* key,
                       const char* value) {
  const char* got = cli_envset_get(env, key);
  ck_assert_msg(got != NULL, "%s unset", key);
  ck_assert_str_eq(got, value);
}

START_TEST(test_dotenv_foreman_fixture) {
  /* foreman's spec/resources/.env, which its "env" process prints. */
  cli_envset_t env;
  parse_ok("FOO=bar\n", &env);
  ck_assert_uint_eq(env.count, 1);
  assert_var(&env, "FOO", "bar");
  ck_assert_str_eq(env.vars[0], "FOO=bar");
  ck_assert_ptr_null(env.vars[1]);
  cli_envset_free(&env);
}
END_TEST

START_TEST(test_dotenv_quotes_and_escapes) {
  cli_envset_t env;
  parse_ok(
      "SINGLE='a \\n $b \"c\"'\n"
      "DOUBLE=\"line1\\nline2 \\\"q\\\" \\\\ \\x\"\n"
      "PLAIN=a b # not a comment\n"
      "EMPTY=\n"
      "EQ=a=b\n"
      "SPACED=' padded '  \n",
      &env);
  assert_var(&env, "SINGLE", "a \\n $b \"c\"");
  assert_var(&env, "DOUBLE", "line1\nline2 \"q\" \\ x");
  /* foreman keeps an unquoted value verbatim, to the end of the line. */
  assert_var(&env, "PLAIN", "a b # not a comment");
  assert_var(&env, "EMPTY", "");
  assert_var(&env, "EQ", "a=b");
  assert_var(&env, "SPACED", " padded ");
  cli_envset_free(&env);
}
END_TEST

START_TEST(test_dotenv_export_comments_crlf) {
  cli_envset_t env;
  parse_ok(
      "# a comment\n"
      "\n"
      "   # indented comment\n"
      "export A=1\r\n"
      "  export\tB=2\n"
      "C =3\n"
      "A=again",
      &env);
  assert_var(&env, "A", "again"); /* a later line wins */
  assert_var(&env, "B", "2");
  assert_var(&env, "C", "3");
  ck_assert_uint_eq(env.count, 3);
  cli_envset_free(&env);
}
END_TEST

START_TEST(test_dotenv_bad_lines) {
  parse_err("OK=1\njust words\n", ".env:2: expected '=' after the key");
  parse_err("=value\n", ".env:1: empty key before '='");
  parse_err("A-B=1\n", ".env:1: expected '=' after the key");
  parse_err("!x\n",
            ".env:1: expected KEY=value (a key is letters, digits, '_')");
  parse_err("A=\"open\n",
            ".env:1: double quote not closed at the end of the line");
  parse_err("A='open\n",
            ".env:1: single quote not closed at the end of the line");
  parse_err("A='\n", ".env:1: single quote not closed at the end of the line");
  parse_err("X=1\nA=\"a\" b\n",
            ".env:2: double quote not closed at the end of the line");
  static const char nul[] = "A=1\nB=\0\n";
  char err[128];
  cli_envset_t env;
  cli_envset_init(&env);
  ck_assert_int_eq(
      cli_dotenv_parse(".env", nul, sizeof(nul) - 1, &env, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err, ".env:2: NUL byte in the line");
  cli_envset_free(&env);
}
END_TEST

START_TEST(test_dotenv_load_errors) {
  char err[256];
  cli_envset_t env;
  cli_envset_init(&env);
  ck_assert_int_eq(cli_dotenv_load("/nonexistent/.env", &env, err, sizeof(err)),
                   -1);
  ck_assert_str_eq(err, "/nonexistent/.env: No such file or directory");
  ck_assert_int_eq(cli_dotenv_load("/tmp", &env, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "/tmp: Is a directory");
  /* Over the limit: refused before parsing, read in chunks to the end. */
  size_t big = CLI_DOTENV_MAX_BYTES + 10;
  char* text = malloc(big);
  ck_assert_ptr_nonnull(text);
  memset(text, '#', big);
  char* large = tu_write_temp(text, big);
  ck_assert_int_eq(cli_dotenv_load(large, &env, err, sizeof(err)), -1);
  char* want =
      tu_fmt("%s: file too large (over %d bytes)", large, CLI_DOTENV_MAX_BYTES);
  ck_assert_str_eq(err, want);
  unlink(large);
  free(want);
  free(large);
  free(text);
  char* path = tu_write_temp("K=v\n", 4);
  ck_assert_int_eq(cli_dotenv_load(path, &env, err, sizeof(err)), 0);
  assert_var(&env, "K", "v");
  unlink(path);
  free(path);
  cli_envset_free(&env);
}
END_TEST

START_TEST(test_dotenv_envset_overrides_inherited) {
  char* inherited[] = { "PATH=/bin", "FOO=old", "NOEQUALS", NULL };
  cli_envset_t env;
  cli_envset_init(&env);
  ck_assert_int_eq(cli_envset_add_all(&env, inherited), 0);
  ck_assert_uint_eq(env.count, 2);
  ck_assert_int_eq(cli_envset_set(&env, "FOO", 3, "new"), 0);
  ck_assert_int_eq(cli_envset_set(&env, "FO", 2, "short"), 0);
  assert_var(&env, "FOO", "new");
  assert_var(&env, "FO", "short");
  ck_assert_ptr_null(cli_envset_get(&env, "F"));
  char** copy = cli_envset_copy(&env);
  ck_assert_str_eq(copy[0], "PATH=/bin");
  ck_assert_str_eq(copy[1], "FOO=new");
  ck_assert_str_eq(copy[2], "FO=short");
  ck_assert_ptr_null(copy[3]);
  for (size_t i = 0; copy[i] != NULL; i++) {
    free(copy[i]);
  }
  free(copy);
  cli_envset_free(&env);
}
END_TEST

static Suite* dotenv_suite(void) {
  Suite* s = suite_create("dotenv");
  TCase* core = tu_tcase_new(s, "core", 0);
  tcase_add_test(core, test_dotenv_foreman_fixture);
  tcase_add_test(core, test_dotenv_quotes_and_escapes);
  tcase_add_test(core, test_dotenv_export_comments_crlf);
  tcase_add_test(core, test_dotenv_envset_overrides_inherited);
  TCase* errors = tu_tcase_new(s, "errors", 0);
  tcase_add_test(errors, test_dotenv_bad_lines);
  tcase_add_test(errors, test_dotenv_load_errors);
  return s;
}

int main(void) {
  return tu_run_suite(dotenv_suite());
}
