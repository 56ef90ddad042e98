/* The batch options as GNU parallel's: joblog, resume, -k, dry run,
 * progress, shards; parsed through the whole command line. */
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "args.h"
#include "batch.h"
#include "buf.h"
#include "suggest.h"
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

#define CHILD UVSUP_TEST_CHILD

START_TEST(test_batch_keep_order) {
  /* Jobs 2, 3 and 4 end (and fail: their live lines say so) while job 1
   * waits on a FIFO; -k still writes 1's output first. */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/fifo", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* argv[TU_MAX_ARGS];
  char* words[] = { "-k",      "-j",   "4",        CHILD, "{2}", fifo,  "out",
                    "out-{1}", "exit", "{3}",      ":::", "1",   "2",   "3",
                    "4",       ":::+", "readfifo", "out", "out", "out", ":::+",
                    "0",       "1",    "1",        "1",   NULL };
  argv[0] = UVSUP_TEST_CLI;
  size_t n = 0;
  for (; words[n] != NULL; n++) {
    argv[n + 1] = words[n];
  }
  argv[n + 1] = NULL;
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, ": exit 1 after", 3);
  ck_assert_ptr_null(strstr(p.r.out, "out-"));
  int fd = open(fifo, O_WRONLY | O_CLOEXEC);
  ck_assert_int_ge(fd, 0);
  close(fd);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  const char* o1 = strstr(r.out, "out-1\n");
  const char* o2 = strstr(r.out, "out-2\n");
  const char* o3 = strstr(r.out, "out-3\n");
  const char* o4 = strstr(r.out, "out-4\n");
  ck_assert_msg(o1 != NULL && o2 != NULL && o3 != NULL && o4 != NULL &&
                    o1 < o2 && o2 < o3 && o3 < o4,
                "%s", r.out);
  /* Each job's output in one piece (group mode). */
  char* two = tu_fmt("%s\nout-2\n", fifo);
  ck_assert_ptr_nonnull(strstr(r.out, two));
  free(two);
  tu_result_free(&r);
  free(fifo);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_batch_keep_order_with_a_retry_behind) {
  /* Job 1 fails and waits 2 s to retry while the 299 after it end: past
   * 256 waiting, -k adds no more jobs, but job 1's retry still starts
   * (holding the library's queue held the retry too: a hang). */
  char* dir = tu_tmpdir_new();
  cli_buf_t values;
  cli_buf_init(&values);
  for (int v = 1; v <= 300; v++) {
    cli_buf_printf(&values, "%d\n", v);
    if (v > 1) {
      char* gate = tu_fmt("%s/gate%d", dir, v);
      close(open(gate, O_WRONLY | O_CREAT, 0644));
      free(gate);
    }
  }
  char* list = tu_fmt("%s/values", dir);
  FILE* f = fopen(list, "w");
  ck_assert_ptr_nonnull(f);
  fputs(values.data, f);
  fclose(f);
  char* gate = tu_fmt("%s/gate{}", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-k", "-j", "8", "--retries", "2", "--restart-delay",
             "2s", CHILD, "failifmissing", gate, "out", "o{}", "::::", list,
             NULL);
  ck_assert_msg(r.status == 1, "status %d:\n%.3000s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "gave up"));
  cli_buf_t want;
  cli_buf_init(&want);
  for (int v = 2; v <= 300; v++) {
    cli_buf_printf(&want, "o%d\n", v);
  }
  ck_assert_str_eq(r.out, want.data);
  cli_buf_free(&want);
  tu_result_free(&r);
  cli_buf_free(&values);
  free(gate);
  free(list);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_batch_dry_run_runs_nothing) {
  char* dir = tu_tmpdir_new();
  char* marks = tu_fmt("%s/marks", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--dry-run", CHILD, "mark", marks, "{}", ":::", "a",
             "b c", "it's", NULL);
  ck_assert_int_eq(r.status, 0);
  char* want = tu_fmt(
      "%1$s mark %2$s a\n%1$s mark %2$s 'b c'\n"
      "%1$s mark %2$s 'it'\"'\"'s'\n",
      CHILD, marks);
  ck_assert_str_eq(r.out, want);
  ck_assert_str_eq(r.err, "");
  ck_assert_int_eq(access(marks, F_OK), -1);
  free(want);
  tu_result_free(&r);
  /* What a --resume or --shard would leave out is left out. */
  char* log = tu_fmt("%s/log", dir);
  tu_run_cli(&r, NULL, "--joblog", log, "true", ":::", "a", NULL);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--dry-run", "--joblog", log, "--resume", "true",
             ":::", "a", "b", "c", NULL);
  ck_assert_str_eq(r.out, "true b\ntrue c\n");
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--dry-run", "--shard", "2/2", "true", ":::", "a", "b",
             "c", NULL);
  ck_assert_str_eq(r.out, "true b\n");
  tu_result_free(&r);
  free(log);
  tu_run_cli(&r, NULL, "--dry-run", "-c", "echo hi", "-c", "exit 3", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "echo hi\nexit 3\n");
  tu_result_free(&r);
  free(marks);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_batch_dry_run_streams) {
  /* Each job is printed as soon as its value is read. */
  char* argv[TU_MAX_ARGS] = { UVSUP_TEST_CLI, "--dry-run", "echo", NULL };
  tu_proc_t p;
  int in;
  tu_start_held(argv, &p, &in);
  ck_assert_int_eq(write(in, "a\n", 2), 2);
  tu_wait_for_count(&p, "echo a\n", 1);
  ck_assert_int_eq(write(in, "b\n", 2), 2);
  close(in);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "echo a\necho b\n");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_batch_did_you_mean) {
  ck_assert_parse_fails("unknown option '--jbos' (did you mean --jobs?)",
                        "--jbos", "2", "echo");
  ck_assert_parse_fails("unknown option '--resum' (did you mean --resume?)",
                        "--resum", "echo");
  ck_assert_parse_fails("'--dryrun' (did you mean --dry-run?)", "--dryrun",
                        "echo");
  ck_assert_parse_fails("'--joblgo=x' (did you mean --joblog?)", "--joblgo=x",
                        "echo");
  ck_assert_parse_fails("unknown option '--zzzzzz'\0", "--zzzzzz", "echo");
  char err[512];
  cli_args_t a;
  ck_assert_int_eq(parse(&a, err, "--zzzzzz", "echo", NULL), -1);
  ck_assert_ptr_null(strstr(err, "did you mean"));
  const char* words[] = { "jobs", "joblog", "resume" };
  ck_assert_str_eq(cli_suggest("jbos", words, 3), "jobs");
  ck_assert_str_eq(cli_suggest("jobog", words, 3), "joblog");
  ck_assert_ptr_null(cli_suggest("x", words, 3));
  ck_assert_ptr_null(cli_suggest("completely-else", words, 3));
}
END_TEST

/* Every option --help names, long and short. */
static char** help_options(size_t* n) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--help", NULL);
  ck_assert_int_eq(r.status, 0);
  char** found = calloc(256, sizeof(char*));
  *n = 0;
  for (const char* p = r.out; *p != '\0' && *n < 255; p++) {
    int at_word = p == r.out || p[-1] == ' ' || p[-1] == ',';
    if (!at_word || p[0] != '-') {
      continue;
    }
    size_t len = 1;
    while (p[len] == '-' || (p[len] >= 'a' && p[len] <= 'z') ||
           (p[len] >= 'A' && p[len] <= 'Z')) {
      len++;
    }
    if (len >= 2 && (p[1] != '-' ? len == 2 : len > 3)) {
      found[(*n)++] = strndup(p, len);
    }
  }
  tu_result_free(&r);
  return found;
}

START_TEST(test_batch_man_page_and_completion_cover_help) {
  const char* root = UVSUP_TEST_EXAMPLES "/../..";
  char* man_path = tu_fmt("%s/doc/uvsup.1", root);
  char* comp_path = tu_fmt("%s/contrib/uvsup.bash-completion", root);
  FILE* f = fopen(man_path, "r");
  ck_assert_ptr_nonnull(f);
  static char man[65536];
  man[fread(man, 1, sizeof(man) - 1, f)] = '\0';
  fclose(f);
  f = fopen(comp_path, "r");
  ck_assert_ptr_nonnull(f);
  static char comp[65536];
  comp[fread(comp, 1, sizeof(comp) - 1, f)] = '\0';
  fclose(f);
  size_t n;
  char** opts = help_options(&n);
  ck_assert_uint_gt(n, 40);
  for (size_t i = 0; i < n; i++) {
    /* troff writes each '-' of an option as "\-". */
    cli_buf_t troff;
    cli_buf_init(&troff);
    cli_buf_puts(&troff, "\\fB");
    for (const char* c = opts[i]; *c != '\0'; c++) {
      cli_buf_puts(&troff, *c == '-' ? "\\-" : (char[]){ *c, '\0' });
    }
    cli_buf_puts(&troff, "\\fR");
    ck_assert_msg(strstr(man, troff.data) != NULL,
                  "%s is in --help but not in doc/uvsup.1", opts[i]);
    char* word = tu_fmt(" %s", opts[i]);
    ck_assert_msg(strstr(comp, word) != NULL,
                  "%s is in --help but not in the bash completion", opts[i]);
    free(word);
    cli_buf_free(&troff);
    free(opts[i]);
  }
  free(opts);
  free(man_path);
  free(comp_path);
}
END_TEST

START_TEST(test_batch_shell_form_as_parallel) {
  /* --shell: the words joined into one command line, each value quoted,
   * for /bin/sh -c, as GNU parallel runs a job. A value stays data. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "--shell", "--output", "group", "echo {}; echo {}",
             ":::", "x; echo INJECTED", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "x; echo INJECTED\nx; echo INJECTED\n");
  tu_result_free(&r);
  /* parallel's meaning, word joining and all: "sh -c exit 4" exits 0. */
  tu_run_cli(&r, NULL, "--shell", "sh", "-c", "exit {}", ":::", "4", NULL);
  ck_assert_int_eq(r.status, 0);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--shell", "exit", ":::", "4", NULL);
  ck_assert_int_eq(r.status, 1);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--shell", "--dry-run", "wc", "-c", ":::", "my file",
             NULL);
  ck_assert_str_eq(r.out, "wc -c 'my file'\n");
  tu_result_free(&r);
}
END_TEST

static Suite* batch_suite(void) {
  Suite* s = suite_create("batch");
  TCase* tc = tcase_create("options");
  tcase_add_test(tc, test_batch_options);
  tcase_add_test(tc, test_batch_errors);
  tcase_add_test(tc, test_batch_shards_cover_every_job_once);
  tcase_add_test(tc, test_batch_did_you_mean);
  suite_add_tcase(s, tc);
  tc = tu_tcase_new(s, "cli", 60);
  tcase_add_test(tc, test_batch_keep_order);
  tcase_add_test(tc, test_batch_keep_order_with_a_retry_behind);
  tcase_add_test(tc, test_batch_dry_run_runs_nothing);
  tcase_add_test(tc, test_batch_dry_run_streams);
  tcase_add_test(tc, test_batch_shell_form_as_parallel);
  tcase_add_test(tc, test_batch_man_page_and_completion_cover_help);
  return s;
}

int main(void) {
  return tu_run_suite(batch_suite());
}
