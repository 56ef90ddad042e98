/* Tests for the growable buffer: contents, growth, failure stickiness. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "buf.h"
#include "testutil.h"

START_TEST(test_buf_init_is_empty) {
  cli_buf_t b;
  memset(&b, 0x5A, sizeof(b));
  cli_buf_init(&b);
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
  ck_assert_uint_eq(b.cap, 0);
  ck_assert_int_eq(b.failed, 0);
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_appends_in_order) {
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_puts(&b, "ab"), 0);
  ck_assert_int_eq(cli_buf_putc(&b, 'c'), 0);
  ck_assert_int_eq(cli_buf_append(&b, "defXX", 3), 0);
  ck_assert_int_eq(cli_buf_printf(&b, "-%d-%s", 42, "x"), 0);
  ck_assert_str_eq(b.data, "abcdef-42-x");
  ck_assert_uint_eq(b.len, 11);
  ck_assert_uint_gt(b.cap, b.len);
  cli_buf_free(&b);
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
}
END_TEST

START_TEST(test_buf_empty_append_gives_empty_string) {
  /* A caller that prints b.data after appending nothing must not get NULL. */
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_puts(&b, ""), 0);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, "");
  cli_buf_free(&b);

  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_printf(&b, "%s", ""), 0);
  ck_assert_ptr_nonnull(b.data);
  ck_assert_str_eq(b.data, "");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_keeps_embedded_nul) {
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_append(&b, "a\0b", 3), 0);
  ck_assert_int_eq(cli_buf_putc(&b, '\0'), 0);
  ck_assert_uint_eq(b.len, 4);
  ck_assert_int_eq(memcmp(b.data, "a\0b\0", 5), 0);
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_grows_past_many_reallocations) {
  cli_buf_t b;
  cli_buf_init(&b);
  for (int i = 0; i < 100000; i++) {
    ck_assert_int_eq(cli_buf_putc(&b, (char)('a' + i % 26)), 0);
  }
  ck_assert_uint_eq(b.len, 100000);
  ck_assert_uint_eq(strlen(b.data), 100000);
  ck_assert_int_eq(b.data[99999], 'a' + 99999 % 26);
  ck_assert_int_eq(b.data[26], 'a');
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_longer_than_spare_room) {
  /* The first vsnprintf is into the spare room; a longer result must be
   * printed again in full, not truncated. */
  char big[5000];
  memset(big, 'x', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_puts(&b, "start:"), 0);
  ck_assert_int_eq(cli_buf_printf(&b, "%s:%d", big, 7), 0);
  ck_assert_uint_eq(b.len, 6 + 4999 + 2);
  ck_assert_int_eq(strncmp(b.data, "start:xxx", 9), 0);
  ck_assert_str_eq(b.data + b.len - 3, "x:7");
  ck_assert_int_eq(cli_buf_printf(&b, "%05d", 12), 0);
  ck_assert_str_eq(b.data + b.len - 8, "x:700012");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_from_itself) {
  /* Appending the buffer's own bytes must survive the realloc. */
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_puts(&b, "0123456789"), 0);
  for (int i = 0; i < 10; i++) {
    ck_assert_int_eq(cli_buf_append(&b, b.data, b.len), 0);
  }
  ck_assert_uint_eq(b.len, 10240);
  for (size_t i = 0; i < b.len; i++) {
    ck_assert_int_eq(b.data[i], '0' + (int)(i % 10));
  }
  ck_assert_int_eq(b.data[b.len], '\0');
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_buf_failure_is_sticky) {
  /* An impossible size is the one out-of-memory a test can cause for sure;
   * after it, every append fails and the contents stay as they were. */
  cli_buf_t b;
  cli_buf_init(&b);
  ck_assert_int_eq(cli_buf_puts(&b, "kept"), 0);
  ck_assert_int_eq(cli_buf_append(&b, "x", SIZE_MAX), -1);
  ck_assert_int_eq(b.failed, 1);
  ck_assert_int_eq(cli_buf_puts(&b, "more"), -1);
  ck_assert_int_eq(cli_buf_putc(&b, 'c'), -1);
  ck_assert_int_eq(cli_buf_printf(&b, "%d", 1), -1);
  ck_assert_str_eq(b.data, "kept");
  ck_assert_uint_eq(b.len, 4);
  cli_buf_free(&b);
  ck_assert_int_eq(b.failed, 0);
}
END_TEST

START_TEST(test_buf_failed_flag_set_by_caller_blocks_appends) {
  cli_buf_t b;
  cli_buf_init(&b);
  b.failed = 1;
  ck_assert_int_eq(cli_buf_puts(&b, "x"), -1);
  ck_assert_ptr_null(b.data);
  ck_assert_uint_eq(b.len, 0);
  cli_buf_free(&b);
}
END_TEST

static Suite* buf_suite(void) {
  Suite* s = suite_create("buf");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_buf_init_is_empty);
  tcase_add_test(tc, test_buf_appends_in_order);
  tcase_add_test(tc, test_buf_empty_append_gives_empty_string);
  tcase_add_test(tc, test_buf_keeps_embedded_nul);
  tcase_add_test(tc, test_buf_grows_past_many_reallocations);
  tcase_add_test(tc, test_buf_printf_longer_than_spare_room);
  tcase_add_test(tc, test_buf_append_from_itself);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_buf_failure_is_sticky);
  tcase_add_test(tc, test_buf_failed_flag_set_by_caller_blocks_appends);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(buf_suite());
}
