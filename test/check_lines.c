/* The line splitter: lines across reads, the length bound, the last line. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "lines.h"
#include "testutil.h"

/* Every line joined as "data|flag;" so a test states the whole outcome. */
typedef struct {
  char out[4096];
  size_t len;
} log_t;

static void on_line(void* ctx, const char* data, size_t len, int newline) {
  log_t* log = ctx;
  ck_assert_uint_lt(log->len + len + 3, sizeof(log->out));
  memcpy(log->out + log->len, data, len);
  log->len += len;
  log->out[log->len++] = newline ? '|' : '~';
  log->out[log->len++] = ';';
  log->out[log->len] = '\0';
}

static void feed(uvsup_lines_t* l, log_t* log, const char* s) {
  ck_assert_int_eq(uvsup__lines_feed(l, s, strlen(s), on_line, log), 0);
}

START_TEST(test_lines_split_across_reads) {
  uvsup_lines_t l;
  log_t log = { "", 0 };
  uvsup__lines_init(&l, 64);
  feed(&l, &log, "one\ntw");
  feed(&l, &log, "o\n\nthr");
  feed(&l, &log, "ee");
  ck_assert_str_eq(log.out, "one|;two|;|;");
  uvsup__lines_flush(&l, on_line, &log);
  ck_assert_str_eq(log.out, "one|;two|;|;three~;");
  uvsup__lines_flush(&l, on_line, &log); /* nothing more */
  ck_assert_str_eq(log.out, "one|;two|;|;three~;");
  uvsup__lines_free(&l);
}
END_TEST

START_TEST(test_lines_bound) {
  uvsup_lines_t l;
  log_t log = { "", 0 };
  uvsup__lines_init(&l, 4);
  /* Exactly the bound passes whole; longer goes in pieces of the bound. */
  feed(&l, &log, "abcd\nabcdefghij\nab");
  feed(&l, &log, "cdef\n");
  ck_assert_str_eq(log.out, "abcd|;abcd~;efgh~;ij|;abcd~;ef|;");
  uvsup__lines_free(&l);
}
END_TEST

START_TEST(test_lines_bytes_kept_exactly) {
  uvsup_lines_t l;
  log_t log = { "", 0 };
  uvsup__lines_init(&l, 64);
  /* \r, NUL and high bytes are data, never touched. */
  static const char data[] = "a\r\nb\0c\n\xff";
  ck_assert_int_eq(uvsup__lines_feed(&l, data, sizeof(data) - 1, on_line, &log),
                   0);
  uvsup__lines_flush(&l, on_line, &log);
  ck_assert_uint_eq(log.len, 12);
  ck_assert_int_eq(memcmp(log.out, "a\r|;b\0c|;\xff~;", 12), 0);
  uvsup__lines_free(&l);
}
END_TEST

START_TEST(test_lines_one_byte_at_a_time) {
  uvsup_lines_t l;
  log_t log = { "", 0 };
  uvsup__lines_init(&l, 3);
  const char* s = "hello\nhi\n";
  for (size_t i = 0; i < strlen(s); i++) {
    ck_assert_int_eq(uvsup__lines_feed(&l, s + i, 1, on_line, &log), 0);
  }
  ck_assert_str_eq(log.out, "hel~;lo|;hi|;");
  uvsup__lines_free(&l);
}
END_TEST

int main(void) {
  Suite* s = suite_create("lines");
  TCase* core = tcase_create("core");
  tcase_add_test(core, test_lines_split_across_reads);
  tcase_add_test(core, test_lines_bound);
  tcase_add_test(core, test_lines_bytes_kept_exactly);
  tcase_add_test(core, test_lines_one_byte_at_a_time);
  suite_add_tcase(s, core);
  return tu_run_suite(s);
}
