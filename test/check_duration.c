/* Tests for durations: what parses to how many ms, and how ns print. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "duration.h"
#include "testutil.h"

#define MS_PER_100Y UINT64_C(3155760000000)

static void check_parse(const char* s, uint64_t want) {
  uint64_t ms = 12345;
  ck_assert_msg(cli_duration_parse(s, &ms) == 0, "rejected \"%s\"", s);
  ck_assert_msg(ms == want, "\"%s\" gave %llu ms, want %llu", s,
                (unsigned long long)ms, (unsigned long long)want);
}

static void check_reject(const char* s) {
  uint64_t ms = 12345;
  ck_assert_msg(cli_duration_parse(s, &ms) == -1, "accepted \"%s\"", s);
  ck_assert_msg(ms == 12345, "\"%s\" changed the output", s);
}

static void check_format(uint64_t ns, const char* want) {
  char out[32];
  memset(out, 'Z', sizeof(out));
  ck_assert_ptr_eq(cli_duration_format(out, sizeof(out), ns), out);
  ck_assert_msg(strcmp(out, want) == 0, "%llu ns gave \"%s\", want \"%s\"",
                (unsigned long long)ns, out, want);
}

START_TEST(test_duration_parse_units) {
  check_parse("500ms", 500);
  check_parse("2s", 2000);
  check_parse("2", 2000);
  check_parse("1m", 60000);
  check_parse("1h", 3600000);
  check_parse("0", 0);
  check_parse("0ms", 0);
  check_parse("0h", 0);
  check_parse("007s", 7000);
  check_parse("90m", 5400000);
}
END_TEST

START_TEST(test_duration_parse_fractions_exactly) {
  check_parse("1.5", 1500);
  check_parse("1.5s", 1500);
  check_parse(".5", 500);
  check_parse("5.", 5000);
  check_parse("0.1", 100);
  check_parse("0.001", 1);
  check_parse("2.5m", 150000);
  check_parse("0.1h", 360000);
  check_parse("1.23456789m", 74074); /* 74074.0734 */
  check_parse("0.3333333333333333333333h", 1200000);
  /* Digits far beyond any double's precision still count. */
  check_parse("0.1000000000000000000000000001", 100);
  check_parse("0.99999999999999999999", 1000);
  check_parse("0.00049999999999999999999", 0);
}
END_TEST

START_TEST(test_duration_parse_rounds_to_nearest_ms) {
  check_parse("1.4ms", 1);
  check_parse("1.5ms", 2); /* halves round up */
  check_parse("0.5ms", 1);
  check_parse("0.4999ms", 0);
  check_parse("0.0005", 1);
  check_parse("0.0004999", 0);
  check_parse("1.0005", 1001);
  check_parse("1.0015", 1002);
  check_parse("0.0000083333m", 0);  /* 0.499998 ms */
  check_parse("0.00000833334m", 1); /* 0.5000004 ms */
  /* Half a millisecond in hours never ends in decimal: the 24th digit
   * decides. */
  check_parse("0.000000138888888888888889h", 1); /* 0.5000000000000000004 */
  check_parse("0.000000138888888888888888h", 0); /* 0.4999999999999999968 */
}
END_TEST

START_TEST(test_duration_parse_limit) {
  check_parse("3155760000000ms", MS_PER_100Y);
  check_parse("876600h", MS_PER_100Y);
  check_parse("876599.9999999h", MS_PER_100Y); /* 0.36 ms short, rounds up */
  check_parse("876600.0000001h", MS_PER_100Y); /* 0.36 ms over, rounds down */
  check_reject("876600.0000002h");             /* 0.72 ms over */
  check_reject("3155760000001ms");
  check_reject("3155760000000.5ms");
  check_reject("876601h");
  check_reject("52596001m");
  check_reject("99999999999999999999999999999");
  check_reject("18446744073709551616ms");
  check_reject("18446744073709551615");
}
END_TEST

START_TEST(test_duration_parse_rejects) {
  const char* bad[] = {
    "",    "-1",    "1x",  "1.2.3", ".",   "1e3",      " 1",    "1 s",
    "1s ", "inf",   "nan", "0x10",  "+1",  "s",        "ms",    "1S",
    "1MS", "1sec",  "1hr", "1min",  "1d",  "1ms5",     "1,5",   "1..",
    "..5", "1h30m", "-0",  "\t1",   "1\n", "Infinity", "1.5e0",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    check_reject(bad[i]);
  }
  uint64_t ms = 7;
  ck_assert_int_eq(cli_duration_parse(NULL, &ms), -1);
  ck_assert_uint_eq(ms, 7);
}
END_TEST

START_TEST(test_duration_format_forms) {
  check_format(0, "0ms");
  check_format(850000000, "850ms");
  check_format(2010000000, "2.01s");
  check_format(UINT64_C(59990000000), "59.99s");
  check_format(UINT64_C(65000000000), "1m05s");
  check_format(UINT64_C(7380000000000), "2h03m");
  check_format(1000000000, "1.00s");
  check_format(UINT64_C(60000000000), "1m00s");
  check_format(UINT64_C(3600000000000), "1h00m");
  check_format(UINT64_C(3599000000000), "59m59s");
  check_format(UINT64_C(360000000000000), "100h00m");
}
END_TEST

START_TEST(test_duration_format_rounds_without_odd_forms) {
  /* Rounding that carries moves to the next form: never "1000ms",
   * "60.00s" or "60m00s". */
  check_format(1, "0ms");
  check_format(499999, "0ms");
  check_format(500000, "1ms");
  check_format(999499999, "999ms");
  check_format(999500000, "1.00s");
  check_format(1004999999, "1.00s");
  check_format(1005000000, "1.01s");
  check_format(UINT64_C(59994999999), "59.99s");
  check_format(UINT64_C(59995000000), "1m00s");
  check_format(UINT64_C(3599499999999), "59m59s");
  check_format(UINT64_C(3599500000000), "1h00m");
  check_format(UINT64_C(3629999999999), "1h00m");
  check_format(UINT64_C(3630000000000), "1h01m");
  check_format(UINT64_MAX, "5124095h35m");
}
END_TEST

START_TEST(test_duration_format_small_buffer) {
  char out[4] = "XYZ";
  ck_assert_ptr_eq(cli_duration_format(out, sizeof(out), 850000000), out);
  ck_assert_str_eq(out, "850"); /* truncated, still terminated */
  char none[1] = { 'Q' };
  ck_assert_ptr_eq(cli_duration_format(none, 0, 850000000), none);
  ck_assert_int_eq(none[0], 'Q');
}
END_TEST

START_TEST(test_duration_format_parse_agree) {
  /* What parse reads as N ms prints as N ms below a second. */
  for (const char* s =
           "0ms\0"
           "1ms\0"
           "850ms\0"
           "999ms\0";
       *s != '\0'; s += strlen(s) + 1) {
    uint64_t ms;
    char out[32];
    ck_assert_int_eq(cli_duration_parse(s, &ms), 0);
    ck_assert_str_eq(cli_duration_format(out, sizeof(out), ms * 1000000), s);
  }
}
END_TEST

static Suite* duration_suite(void) {
  Suite* s = suite_create("duration");
  TCase* tc = tcase_create("parse");
  tcase_add_test(tc, test_duration_parse_units);
  tcase_add_test(tc, test_duration_parse_fractions_exactly);
  tcase_add_test(tc, test_duration_parse_rounds_to_nearest_ms);
  tcase_add_test(tc, test_duration_parse_limit);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_duration_parse_rejects);
  suite_add_tcase(s, tc);
  tc = tcase_create("format");
  tcase_add_test(tc, test_duration_format_forms);
  tcase_add_test(tc, test_duration_format_rounds_without_odd_forms);
  tcase_add_test(tc, test_duration_format_small_buffer);
  tcase_add_test(tc, test_duration_format_parse_agree);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(duration_suite());
}
