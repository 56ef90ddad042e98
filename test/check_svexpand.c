/* Tests for supervisord's value syntaxes: %(name)s expansions, the
 * environment's KEY="val" pairs, shlex splitting of commands, booleans. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "envset.h"
#include "svexpand.h"
#include "template.h"
#include "testutil.h"

static cli_envset_t env;

static cli_sv_vars_t vars_of(long num) {
  cli_envset_init(&env);
  cli_envset_set(&env, "HOME", 4, "/home/u");
  cli_sv_vars_t v = { "web", "front", "/etc/sv", "node1", num, 4, &env };
  return v;
}

static void expands(const char* in, long num, const char* want) {
  cli_sv_vars_t v = vars_of(num);
  char* out = NULL;
  const char* why = "";
  int rc = cli_sv_expand(in, &v, &out, &why);
  ck_assert_msg(rc == 0, "'%s': %s", in, why ? why : "(oom)");
  ck_assert_str_eq(out, want);
  free(out);
  cli_envset_free(&env);
}

static void expand_refused(const char* in, const char* why_has) {
  cli_sv_vars_t v = vars_of(0);
  char* out = NULL;
  const char* why = NULL;
  ck_assert_int_eq(cli_sv_expand(in, &v, &out, &why), -1);
  ck_assert_ptr_nonnull(why);
  ck_assert_msg(strstr(why, why_has) != NULL, "'%s': %s", in, why);
  cli_envset_free(&env);
}

START_TEST(test_svexpand_names) {
  expands("%(program_name)s_%(process_num)02d", 3, "web_03");
  expands("%(group_name)s:%(program_name)s", 0, "front:web");
  expands("%(here)s/log/%(program_name)s.log", 0, "/etc/sv/log/web.log");
  expands("%(ENV_HOME)s/app", 0, "/home/u/app");
  expands("%(host_node_name)s %(numprocs)d", 0, "node1 4");
  expands("100%% %(process_num)d", 7, "100% 7");
  expands("%(process_num)-3d|", 5, "5  |");
  expands("%(program_name)5s", 0, "  web");
  expands("no expansions", 0, "no expansions");
  expands("", 0, "");
}
END_TEST

START_TEST(test_svexpand_refused) {
  expand_refused("%(nope)s", "unknown name");
  expand_refused("%(ENV_UNSET_X)s", "unknown name");
  expand_refused("%(program_name", "without a closing ')'");
  expand_refused("50%", "starts no %(name)s");
  expand_refused("50% off", "starts no %(name)s");
  expand_refused("%(program_name)x", "followed by s or d");
  expand_refused("%(program_name)", "followed by s or d");
  expand_refused("%(program_name)d", "not a number");
  expand_refused("%(process_num)9999d", "more than 3 digits");
}
END_TEST

static void environment_ok(const char* value) {
  cli_envset_init(&env);
  const char* why = "";
  int rc = cli_sv_environment(value, &env, &why);
  ck_assert_msg(rc == 0, "'%s': %s", value, why ? why : "(oom)");
}

static void assert_var(const char* key, const char* value) {
  const char* got = cli_envset_get(&env, key);
  ck_assert_msg(got != NULL, "%s unset", key);
  ck_assert_str_eq(got, value);
}

START_TEST(test_svexpand_environment) {
  environment_ok("KEY=\"val\",KEY2=val2");
  assert_var("KEY", "val");
  assert_var("KEY2", "val2");
  cli_envset_free(&env);
  environment_ok(" A = 'x, y' ,\n B=\"q=1\", C=/usr/bin:/bin ,D=");
  assert_var("A", "x, y");
  assert_var("B", "q=1");
  assert_var("C", "/usr/bin:/bin");
  assert_var("D", "");
  ck_assert_uint_eq(env.count, 4);
  cli_envset_free(&env);
  environment_ok("");
  ck_assert_uint_eq(env.count, 0);
  cli_envset_free(&env);
}
END_TEST

static void environment_refused(const char* value, const char* why_has) {
  cli_envset_init(&env);
  const char* why = NULL;
  ck_assert_int_eq(cli_sv_environment(value, &env, &why), -1);
  ck_assert_ptr_nonnull(why);
  ck_assert_msg(strstr(why, why_has) != NULL, "'%s': %s", value, why);
  cli_envset_free(&env);
}

START_TEST(test_svexpand_environment_refused) {
  environment_refused("KEY", "expected '='");
  environment_refused("A=1,=2", "a key is");
  environment_refused("A=\"open", "not closed");
  environment_refused("A=\"x\"y", "after a closing quote");
  environment_refused("A=1,,B", "a key is");
}
END_TEST

static void splits(const char* cmd, const char* const* want) {
  char** argv = NULL;
  const char* why = "";
  int rc = cli_sv_split(cmd, &argv, &why);
  ck_assert_msg(rc == 0, "'%s': %s", cmd, why ? why : "(oom)");
  size_t i = 0;
  for (; want[i] != NULL; i++) {
    ck_assert_ptr_nonnull(argv[i]);
    ck_assert_str_eq(argv[i], want[i]);
  }
  ck_assert_ptr_null(argv[i]);
  cli_argv_free(argv);
}

START_TEST(test_svexpand_split) {
  splits("/bin/echo a  b",
         (const char* const[]){ "/bin/echo", "a", "b", NULL });
  splits("sh -c \"echo 'hi there'; exit 3\"",
         (const char* const[]){ "sh", "-c", "echo 'hi there'; exit 3", NULL });
  splits(
      "a 'b \"c\" \\d' e\\ f \"g\\\"h\\\\i\\j\"",
      (const char* const[]){ "a", "b \"c\" \\d", "e f", "g\"h\\i\\j", NULL });
  splits("x''y \"\"", (const char* const[]){ "xy", "", NULL });
  splits("  one\n\ttwo  ", (const char* const[]){ "one", "two", NULL });
}
END_TEST

START_TEST(test_svexpand_split_refused) {
  const char* cases[][2] = {
    { "", "empty" },
    { "   ", "empty" },
    { "echo 'open", "single quote not closed" },
    { "echo \"open", "double quote not closed" },
    { "echo \\", "backslash at the end" },
  };
  for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    char** argv = (char**)1;
    const char* why = NULL;
    ck_assert_int_eq(cli_sv_split(cases[k][0], &argv, &why), -1);
    ck_assert_ptr_null(argv);
    ck_assert_msg(why != NULL && strstr(why, cases[k][1]) != NULL, "%s: %s",
                  cases[k][0], why);
  }
}
END_TEST

START_TEST(test_svexpand_bool) {
  const char* truths[] = { "true", "TRUE", "yes", "on", "1", "True" };
  const char* lies[] = { "false", "No", "off", "0" };
  int v;
  for (size_t k = 0; k < 6; k++) {
    ck_assert_int_eq(cli_sv_bool(truths[k], &v), 0);
    ck_assert_int_eq(v, 1);
  }
  for (size_t k = 0; k < 4; k++) {
    ck_assert_int_eq(cli_sv_bool(lies[k], &v), 0);
    ck_assert_int_eq(v, 0);
  }
  ck_assert_int_eq(cli_sv_bool("maybe", &v), -1);
  ck_assert_int_eq(cli_sv_bool("", &v), -1);
}
END_TEST

static Suite* svexpand_suite(void) {
  Suite* s = suite_create("svexpand");
  TCase* core = tu_tcase_new(s, "core", 0);
  tcase_add_test(core, test_svexpand_names);
  tcase_add_test(core, test_svexpand_environment);
  tcase_add_test(core, test_svexpand_split);
  tcase_add_test(core, test_svexpand_bool);
  TCase* errors = tu_tcase_new(s, "errors", 0);
  tcase_add_test(errors, test_svexpand_refused);
  tcase_add_test(errors, test_svexpand_environment_refused);
  tcase_add_test(errors, test_svexpand_split_refused);
  return s;
}

int main(void) {
  return tu_run_suite(svexpand_suite());
}
