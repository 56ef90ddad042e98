/* The batch options as GNU parallel's: joblog, resume, -k, dry run,
 * progress, shards; parsed through the whole command line. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "args.h"
#include "batch.h"
#include "testutil.h"

/* Parses a NULL-terminated list of words after "uvsup". */
static int parse(cli_args_t* a, char* err, const char* first, ...) {
  static char* argv[64];
  va_list ap;
  int argc = 0;
  argv[argc++] = "uvsup";
  va_start(ap, first);
  for (const char* w = first; w != NULL; w = va_arg(ap, const char*)) {
    argv[argc++] = (char*)w;
  }
  va_end(ap);
  argv[argc] = NULL;
  err[0] = '\0';
  int rc = cli_args_parse(argc, argv, a, err, 512);
  cli_args_free(a);
  return rc;
}

#define ck_assert_parse_fails(needle, ...)                               \
  do {                                                                   \
    cli_args_t a_;                                                       \
    char err_[512];                                                      \
    ck_assert_int_eq(parse(&a_, err_, __VA_ARGS__, NULL), -1);           \
    ck_assert_msg(strstr(err_, needle) != NULL, "'%s' lacks '%s'", err_, \
                  needle);                                               \
  } while (0)

START_TEST(test_batch_options) {
  cli_args_t a;
  char err[512];
  ck_assert_int_eq(
      parse(&a, err, "--joblog", "log", "-k", "--dry-run", "--bar", "--eta",
            "--summary-all", "--shard=2/3", "echo", ":::", "a", NULL),
      0);
  ck_assert_str_eq(a.batch.joblog, "log");
  ck_assert_int_eq(a.batch.joblog_append, 0);
  ck_assert_int_eq(a.batch.keep_order, 1);
  ck_assert_int_eq(a.batch.dry_run, 1);
  ck_assert_int_eq(a.batch.bar, 1);
  ck_assert_int_eq(a.batch.eta, 1);
  ck_assert_int_eq(a.batch.summary_all, 1);
  ck_assert_uint_eq(a.batch.shard_k, 2);
  ck_assert_uint_eq(a.batch.shard_n, 3);
  ck_assert_int_eq(a.batch.resume, CLI_RESUME_NONE);
  /* +FILE appends, as parallel; so does any resume. */
  ck_assert_int_eq(parse(&a, err, "--joblog", "+log", "echo", NULL), 0);
  ck_assert_str_eq(a.batch.joblog, "log");
  ck_assert_int_eq(a.batch.joblog_append, 1);
  ck_assert_int_eq(
      parse(&a, err, "--joblog", "l", "--resume-failed", "echo", NULL), 0);
  ck_assert_int_eq(a.batch.resume, CLI_RESUME_FAILED);
  ck_assert_int_eq(a.batch.joblog_append, 1);
}
END_TEST

START_TEST(test_batch_errors) {
  ck_assert_parse_fails("--resume needs --joblog FILE", "--resume", "echo");
  ck_assert_parse_fails("--retry-failed needs --joblog", "--retry-failed",
                        "echo");
  ck_assert_parse_fails("give one of --resume, --resume-failed", "--joblog",
                        "l", "--resume", "--retry-failed", "echo");
  ck_assert_parse_fails("--joblog: the path is empty", "--joblog", "+", "echo");
  ck_assert_parse_fails("--shard '0/3': use K/N", "--shard", "0/3", "echo");
  ck_assert_parse_fails("--shard '4/3'", "--shard", "4/3", "echo");
  ck_assert_parse_fails("--shard '1'", "--shard", "1", "echo");
  ck_assert_parse_fails("--shard '1/x'", "--shard", "1/x", "echo");
  ck_assert_parse_fails("--shard '-1/2'", "--shard", "-1/2", "echo");
  ck_assert_parse_fails("option --dry-run takes no value", "--dry-run=1",
                        "echo");
}
END_TEST

START_TEST(test_batch_shards_cover_every_job_once) {
  for (unsigned long n = 1; n <= 7; n++) {
    for (unsigned long seq = 1; seq <= 100; seq++) {
      int owners = 0;
      for (unsigned long k = 1; k <= n; k++) {
        cli_batch_t b = { 0 };
        b.shard_k = k;
        b.shard_n = n;
        owners += cli_batch_in_shard(&b, seq);
      }
      ck_assert_int_eq(owners, 1);
    }
  }
  cli_batch_t none = { 0 };
  ck_assert_int_eq(cli_batch_in_shard(&none, 5), 1);
}
END_TEST

static Suite* batch_suite(void) {
  Suite* s = suite_create("batch");
  TCase* tc = tcase_create("options");
  tcase_add_test(tc, test_batch_options);
  tcase_add_test(tc, test_batch_errors);
  tcase_add_test(tc, test_batch_shards_cover_every_job_once);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(batch_suite());
}
