/* Tests for tagged lines: exact bytes with padding, colour and timestamp,
 * name widths, timestamps, and when to colour. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <check.h>

#include "buf.h"
#include "tag.h"
#include "testutil.h"

#define CYAN  "\033[36m"
#define RESET "\033[0m"

/* Builds one line from (name, pad, color, stamp, data, len) and checks that
 * the buffer holds exactly want_len bytes of want. */
static void check_line(const cli_tag_t* tag,
                       const char* data,
                       size_t len,
                       const char* want,
                       size_t want_len) {
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_tag_line(&b, tag, data, len), 0);
  ck_assert_msg(b.len == want_len && memcmp(b.data, want, want_len) == 0,
                "got %zu bytes \"%s\", want %zu bytes \"%s\"", b.len, b.data,
                want_len, want);
  cli_buf_free(&b);
}

/* The same for text without NUL bytes. */
static void check_text(const cli_tag_t* tag,
                       const char* data,
                       const char* want) {
  check_line(tag, data, strlen(data), want, strlen(want));
}

static void set_tz(const char* tz) {
  ck_assert_int_eq(setenv("TZ", tz, 1), 0);
  tzset();
}

START_TEST(test_tag_line_plain) {
  cli_tag_t tag = { "web", 3, 0, NULL };
  check_text(&tag, "hello", "web | hello\n");
  tag.pad = 0; /* a pad below the width never cuts the name */
  check_text(&tag, "hello", "web | hello\n");
}
END_TEST

START_TEST(test_tag_line_pads_to_longest_name) {
  /* Names of one run, padded to the longest: the bars line up. */
  cli_tag_t web = { "web", 6, 0, NULL };
  cli_tag_t worker = { "worker", 6, 0, NULL };
  cli_tag_t a = { "a", 6, 0, NULL };
  check_text(&web, "up", "web    | up\n");
  check_text(&worker, "up", "worker | up\n");
  check_text(&a, "up", "a      | up\n");
}
END_TEST

START_TEST(test_tag_line_pads_utf8_by_characters) {
  /* "café" is 5 bytes, 4 characters; "日本" 6 bytes, 2 characters; the
   * emoji 4 bytes, 1 character. Each pads to 6 characters. */
  cli_tag_t cafe = { "caf\xc3\xa9", 6, 0, NULL };
  cli_tag_t nihon = { "\xe6\x97\xa5\xe6\x9c\xac", 6, 0, NULL };
  cli_tag_t party = { "\xf0\x9f\x8e\x89", 6, 0, NULL };
  check_text(&cafe, "x", "caf\xc3\xa9   | x\n");
  check_text(&nihon, "x", "\xe6\x97\xa5\xe6\x9c\xac     | x\n");
  check_text(&party, "x", "\xf0\x9f\x8e\x89      | x\n");
  /* An invalid byte is shown escaped, as in the summary (a raw 0x9b is a
   * CSI to some terminals), and padded by what is shown: 5 columns. */
  cli_tag_t bad = { "a\xff", 6, 0, NULL };
  check_text(&bad, "x", "a\\xff  | x\n");
}
END_TEST

START_TEST(test_tag_line_empty_data) {
  cli_tag_t tag = { "web", 3, 0, NULL };
  check_line(&tag, "", 0, "web | \n", 7);
  check_line(&tag, NULL, 0, "web | \n", 7);
}
END_TEST

START_TEST(test_tag_line_data_never_altered) {
  cli_tag_t tag = { "w", 1, 0, NULL };
  /* Carriage returns, NUL, escape sequences, invalid UTF-8, a bell. */
  static const char data[] = "a\r\0b\033[31mred\033[0m\xff\xfe\x07|z";
  static const char want[] = "w | a\r\0b\033[31mred\033[0m\xff\xfe\x07|z\n";
  check_line(&tag, data, sizeof(data) - 1, want, sizeof(want) - 1);
  /* Only len bytes are taken, even when more follow. */
  check_line(&tag, "abcdef", 3, "w | abc\n", 8);
}
END_TEST

START_TEST(test_tag_line_appends_after_existing) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_tag_t web = { "web", 4, 0, NULL };
  cli_tag_t db = { "db", 4, 2, NULL };
  ck_assert_int_eq(cli_tag_line(&b, &web, "one", 3), 0);
  ck_assert_int_eq(cli_tag_line(&b, &db, "two", 3), 0);
  ck_assert_str_eq(b.data, "web  | one\n\033[33mdb   |" RESET " two\n");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_tag_line_fails_with_buffer) {
  cli_buf_t b;
  cli_buf_init(&b);
  b.failed = 1; /* as after an allocation failure */
  cli_tag_t tag = { "web", 3, 1, "12:00:00.000" };
  ck_assert_int_eq(cli_tag_line(&b, &tag, "x", 1), -1);
  ck_assert_uint_eq(b.len, 0);
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_tag_color_wraps_name_and_bar) {
  cli_tag_t tag = { "web", 5, 1, NULL };
  check_text(&tag, "hello", CYAN "web   |" RESET " hello\n");
  /* The escapes are not counted as width, and the data stays outside. */
  static const char data[] = "\033[1mbold";
  check_text(&tag, data, CYAN "web   |" RESET " \033[1mbold\n");
}
END_TEST

START_TEST(test_tag_color_six_distinct) {
  const char* want[CLI_TAG_COLORS] = {
    "\033[36m", "\033[33m", "\033[32m", "\033[35m", "\033[34m", "\033[31m",
  };
  for (int c = 1; c <= CLI_TAG_COLORS; c++) {
    cli_tag_t tag = { "n", 1, c, NULL };
    char line[64];
    snprintf(line, sizeof(line), "%sn |%s d\n", want[c - 1], RESET);
    check_text(&tag, "d", line);
  }
}
END_TEST

START_TEST(test_tag_stamp_before_color) {
  cli_tag_t tag = { "web", 4, 1, "09:05:03.007" };
  check_text(&tag, "hi", "09:05:03.007 " CYAN "web  |" RESET " hi\n");
  tag.color = 0;
  check_text(&tag, "hi", "09:05:03.007 web  | hi\n");
}
END_TEST

START_TEST(test_tag_name_escaped_and_capped) {
  /* A newline or an escape in a name cannot forge a line or reach the
   * terminal; a long name is cut, and a huge pad is capped. */
  cli_tag_t forged = { "a\nb | x", 0, 0, NULL };
  check_text(&forged, "y", "a\\x0ab | x | y\n");
  cli_tag_t esc = { "\033[31mred", 0, 0, NULL };
  check_text(&esc, "y", "\\x1b[31mred | y\n");
  char name[200];
  memset(name, 'n', sizeof(name) - 1);
  name[sizeof(name) - 1] = '\0';
  ck_assert_uint_eq(cli_tag_name_width(name), CLI_TAG_MAX_WIDTH);
  ck_assert_uint_eq(cli_tag_name_width("a\n"), 5);
  cli_tag_t long_name = { name, 100000, 0, NULL };
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_tag_line(&b, &long_name, "y", 1), 0);
  ck_assert_uint_eq(b.len, CLI_TAG_MAX_WIDTH + strlen(" | y\n"));
  ck_assert_int_eq(memcmp(b.data + CLI_TAG_MAX_WIDTH - 3, "... | y\n", 9), 0);
  cli_buf_free(&b);
  cli_tag_t short_name = { "a", 100000, 0, NULL };
  cli_buf_init(&b);
  ck_assert_int_eq(cli_tag_line(&b, &short_name, "y", 1), 0);
  ck_assert_uint_eq(b.len, CLI_TAG_MAX_WIDTH + strlen(" | y\n"));
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_tag_width_counts_characters) {
  ck_assert_uint_eq(cli_tag_width(""), 0);
  ck_assert_uint_eq(cli_tag_width("web"), 3);
  ck_assert_uint_eq(cli_tag_width("a b"), 3);
  ck_assert_uint_eq(cli_tag_width("caf\xc3\xa9"), 4);
  ck_assert_uint_eq(cli_tag_width("\xe6\x97\xa5\xe6\x9c\xac"), 2);
  ck_assert_uint_eq(cli_tag_width("\xf0\x9f\x8e\x89!"), 2);
  ck_assert_uint_eq(cli_tag_width("\xf4\x8f\xbf\xbf"), 1); /* U+10FFFF */
}
END_TEST

START_TEST(test_tag_width_invalid_bytes_count_one) {
  ck_assert_uint_eq(cli_tag_width("\xff"), 1);
  ck_assert_uint_eq(cli_tag_width("\x80\x80"), 2);         /* stray */
  ck_assert_uint_eq(cli_tag_width("a\xc3"), 2);            /* cut at end */
  ck_assert_uint_eq(cli_tag_width("\xe6\x97z"), 3);        /* cut short */
  ck_assert_uint_eq(cli_tag_width("\xc0\xaf"), 2);         /* overlong '/' */
  ck_assert_uint_eq(cli_tag_width("\xe0\x80\xaf"), 3);     /* overlong */
  ck_assert_uint_eq(cli_tag_width("\xed\xa0\x80"), 3);     /* surrogate */
  ck_assert_uint_eq(cli_tag_width("\xf4\x90\x80\x80"), 4); /* > U+10FFFF */
  ck_assert_uint_eq(cli_tag_width("\xf8\x88\x80\x80\x80"), 5);
}
END_TEST

START_TEST(test_tag_stamp_utc) {
  set_tz("UTC");
  char out[13];
  memset(out, 'Z', sizeof(out));
  /* 2023-11-14 22:13:20.123 UTC */
  ck_assert_ptr_eq(cli_tag_stamp(out, sizeof(out), UINT64_C(1700000000123)),
                   out);
  ck_assert_str_eq(out, "22:13:20.123");
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), 0), "00:00:00.000");
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), 5), "00:00:00.005");
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), 86399999), "23:59:59.999");
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), 86400000), "00:00:00.000");
}
END_TEST

START_TEST(test_tag_stamp_local_time) {
  /* A zone given inline needs no tz database: 5h30 east of UTC. */
  set_tz("XYZ-5:30");
  char out[16];
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), UINT64_C(1700000000123)),
                   "03:43:20.123");
  set_tz("XYZ+8");
  ck_assert_str_eq(cli_tag_stamp(out, sizeof(out), UINT64_C(1700000000123)),
                   "14:13:20.123");
  set_tz("UTC");
}
END_TEST

START_TEST(test_tag_stamp_out_of_range_keeps_width) {
  set_tz("UTC");
  char out[13];
  ck_assert_uint_eq(strlen(cli_tag_stamp(out, sizeof(out), UINT64_MAX)), 12);
}
END_TEST

START_TEST(test_tag_use_color_modes) {
  const char* no_color[] = { NULL, "", "1", "0", "false" };
  for (size_t i = 0; i < sizeof(no_color) / sizeof(no_color[0]); i++) {
    for (int tty = 0; tty <= 1; tty++) {
      ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_ALWAYS, tty, no_color[i]),
                       1);
      ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_NEVER, tty, no_color[i]), 0);
    }
  }
}
END_TEST

START_TEST(test_tag_use_color_auto_no_color) {
  /* Unset or empty NO_COLOR: colour on a terminal only. */
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 1, NULL), 1);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 1, ""), 1);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 0, NULL), 0);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 0, ""), 0);
  /* Set to anything, even "0": no colour. */
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 1, "1"), 0);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 1, "0"), 0);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 1, " "), 0);
  ck_assert_int_eq(cli_tag_use_color(CLI_COLOR_AUTO, 0, "1"), 0);
}
END_TEST

static Suite* tag_suite(void) {
  Suite* s = suite_create("tag");
  TCase* tc = tcase_create("line");
  tcase_add_test(tc, test_tag_line_plain);
  tcase_add_test(tc, test_tag_line_pads_to_longest_name);
  tcase_add_test(tc, test_tag_line_pads_utf8_by_characters);
  tcase_add_test(tc, test_tag_line_empty_data);
  tcase_add_test(tc, test_tag_line_data_never_altered);
  tcase_add_test(tc, test_tag_line_appends_after_existing);
  tcase_add_test(tc, test_tag_line_fails_with_buffer);
  suite_add_tcase(s, tc);
  tc = tcase_create("color");
  tcase_add_test(tc, test_tag_color_wraps_name_and_bar);
  tcase_add_test(tc, test_tag_color_six_distinct);
  tcase_add_test(tc, test_tag_stamp_before_color);
  suite_add_tcase(s, tc);
  tc = tcase_create("width");
  tcase_add_test(tc, test_tag_name_escaped_and_capped);
  tcase_add_test(tc, test_tag_width_counts_characters);
  tcase_add_test(tc, test_tag_width_invalid_bytes_count_one);
  suite_add_tcase(s, tc);
  tc = tcase_create("stamp");
  tcase_add_test(tc, test_tag_stamp_utc);
  tcase_add_test(tc, test_tag_stamp_local_time);
  tcase_add_test(tc, test_tag_stamp_out_of_range_keeps_width);
  suite_add_tcase(s, tc);
  tc = tcase_create("use_color");
  tcase_add_test(tc, test_tag_use_color_modes);
  tcase_add_test(tc, test_tag_use_color_auto_no_color);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(tag_suite());
}
