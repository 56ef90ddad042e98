/* Tests for signal names: both directions, and what is refused. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "signame.h"
#include "testutil.h"

START_TEST(test_signame_names_of_common_signals) {
  ck_assert_str_eq(cli_signal_name(SIGHUP), "SIGHUP");
  ck_assert_str_eq(cli_signal_name(SIGINT), "SIGINT");
  ck_assert_str_eq(cli_signal_name(SIGKILL), "SIGKILL");
  ck_assert_str_eq(cli_signal_name(SIGSEGV), "SIGSEGV");
  ck_assert_str_eq(cli_signal_name(SIGTERM), "SIGTERM");
  ck_assert_str_eq(cli_signal_name(SIGUSR1), "SIGUSR1");
  ck_assert_str_eq(cli_signal_name(SIGCHLD), "SIGCHLD");
  ck_assert_str_eq(cli_signal_name(SIGSYS), "SIGSYS");
  /* The numbers users know from kill -l on x86 and ARM. */
  ck_assert_str_eq(cli_signal_name(9), "SIGKILL");
  ck_assert_str_eq(cli_signal_name(15), "SIGTERM");
}
END_TEST

START_TEST(test_signame_canonical_name_not_alias) {
  /* SIGIOT, SIGPOLL and SIGCLD share numbers with these. */
  ck_assert_str_eq(cli_signal_name(SIGABRT), "SIGABRT");
  ck_assert_str_eq(cli_signal_name(SIGIO), "SIGIO");
}
END_TEST

START_TEST(test_signame_every_standard_signal_round_trips) {
  for (int sig = 1; sig < 32; sig++) {
    const char* name = cli_signal_name(sig);
    ck_assert_msg(name != NULL, "no name for %d", sig);
    ck_assert_int_eq(strncmp(name, "SIG", 3), 0);
    ck_assert_int_eq(cli_signal_parse(name), sig);
    ck_assert_int_eq(cli_signal_parse(name + 3), sig);
  }
}
END_TEST

START_TEST(test_signame_no_name_outside_standard_range) {
  ck_assert_ptr_null(cli_signal_name(0));
  ck_assert_ptr_null(cli_signal_name(-1));
  ck_assert_ptr_null(cli_signal_name(32));
  ck_assert_ptr_null(cli_signal_name(SIGRTMIN));
  ck_assert_ptr_null(cli_signal_name(64));
  ck_assert_ptr_null(cli_signal_name(1000));
}
END_TEST

START_TEST(test_signame_parse_forms) {
  ck_assert_int_eq(cli_signal_parse("TERM"), SIGTERM);
  ck_assert_int_eq(cli_signal_parse("SIGTERM"), SIGTERM);
  ck_assert_int_eq(cli_signal_parse("sigterm"), SIGTERM);
  ck_assert_int_eq(cli_signal_parse("term"), SIGTERM);
  ck_assert_int_eq(cli_signal_parse("SigTerm"), SIGTERM);
  ck_assert_int_eq(cli_signal_parse("KILL"), SIGKILL);
  ck_assert_int_eq(cli_signal_parse("hup"), SIGHUP);
  ck_assert_int_eq(cli_signal_parse("SIGUSR2"), SIGUSR2);
  ck_assert_int_eq(cli_signal_parse("winch"), SIGWINCH);
}
END_TEST

START_TEST(test_signame_parse_numbers) {
  ck_assert_int_eq(cli_signal_parse("15"), 15);
  ck_assert_int_eq(cli_signal_parse("9"), 9);
  ck_assert_int_eq(cli_signal_parse("1"), 1);
  ck_assert_int_eq(cli_signal_parse("34"), 34);
  ck_assert_int_eq(cli_signal_parse("64"), 64);
}
END_TEST

START_TEST(test_signame_parse_aliases) {
  ck_assert_int_eq(cli_signal_parse("IOT"), SIGABRT);
  ck_assert_int_eq(cli_signal_parse("SIGPOLL"), SIGIO);
  ck_assert_int_eq(cli_signal_parse("cld"), SIGCHLD);
}
END_TEST

START_TEST(test_signame_parse_rejects) {
  const char* bad[] = {
    "",           "SIG",
    "sig",        "0",
    "65",         "-9",
    "+9",         "9x",
    "09",         "00",
    " 9",         "9 ",
    "TERM ",      " TERM",
    "SIGFOO",     "FOO",
    "SIG9",       "SIGSIGTERM",
    "TERM\n",     "SIG TERM",
    "4294967305", "99999999999999999999",
    "RTMIN",      "SIGRTMIN+1",
    "1.0",        "0x9",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    ck_assert_msg(cli_signal_parse(bad[i]) == -1, "accepted \"%s\"", bad[i]);
  }
  ck_assert_int_eq(cli_signal_parse(NULL), -1);
}
END_TEST

static Suite* signame_suite(void) {
  Suite* s = suite_create("signame");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_signame_names_of_common_signals);
  tcase_add_test(tc, test_signame_canonical_name_not_alias);
  tcase_add_test(tc, test_signame_every_standard_signal_round_trips);
  tcase_add_test(tc, test_signame_parse_forms);
  tcase_add_test(tc, test_signame_parse_numbers);
  tcase_add_test(tc, test_signame_parse_aliases);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_signame_no_name_outside_standard_range);
  tcase_add_test(tc, test_signame_parse_rejects);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(signame_suite());
}
