/* The joblog as GNU parallel's: its lines field by field, reading it back,
 * and --resume, --resume-failed, --retry-failed, --retries and --shard
 * end to end (no job run twice, none missed). */
#include <errno.h>
#include <fcntl.h>
#include <regex.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "joblog.h"
#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

static char* slurp(const char* path, size_t* len) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    *len = 0;
    return strdup("");
  }
  char* text = NULL;
  size_t cap = 0;
  *len = 0;
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    text = realloc(text, cap = *len + n + 1);
    memcpy(text + *len, chunk, n);
    *len += n;
  }
  fclose(f);
  if (text == NULL) {
    return strdup("");
  }
  text[*len] = '\0';
  (void)cap;
  return text;
}

static int matches(const char* text, const char* pattern) {
  regex_t re;
  ck_assert_int_eq(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
  int ok = regexec(&re, text, 0, NULL, 0) == 0;
  regfree(&re);
  return ok;
}

START_TEST(test_joblog_format_as_parallel) {
  cli_joblog_entry_t e = { 7,  1796145881415ULL, 2302, 12, -1,
                           15, "sh -c 'a\nb'",   11 };
  cli_buf_t b;
  cli_buf_init(&b);
  cli_joblog_format(&b, &e);
  static const char want[] =
      "7\t:\t1796145881.415\t     2.302\t0\t12\t-1\t15\tsh -c 'a\0b'\n";
  ck_assert_uint_eq(b.len, sizeof(want) - 1);
  ck_assert_int_eq(memcmp(b.data, want, b.len), 0);
  cli_buf_free(&b);
  /* A runtime past the width pushes on, as printf's %10.3f does. */
  cli_joblog_entry_t long_run = { 1, 5, 123456789012ULL, 0, 0, 0, "x", 1 };
  cli_buf_init(&b);
  cli_joblog_format(&b, &long_run);
  ck_assert_str_eq(b.data, "1\t:\t0.005\t123456789.012\t0\t0\t0\t0\tx\n");
  cli_buf_free(&b);
}
END_TEST

START_TEST(test_joblog_outcome_of_each_end) {
  uvsup_result_t r;
  cli_joblog_entry_t e;
  memset(&r, 0, sizeof(r));
  r.end = UVSUP_END_EXITED;
  r.exit_status = 3;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, 3);
  ck_assert_int_eq(e.signal, 0);
  r.end = UVSUP_END_SIGNALED;
  r.exit_status = -1;
  r.term_signal = 9;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, 0);
  ck_assert_int_eq(e.signal, 9);
  r.end = UVSUP_END_TIMED_OUT;
  r.term_signal = 15;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, -1);
  ck_assert_int_eq(e.signal, 15);
  r.end = UVSUP_END_SPAWN_FAILED;
  r.term_signal = 0;
  r.error = UV_ENOENT;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, 127);
  r.error = UV_EACCES;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, 126);
  /* Stopped by uvsup or never started: no line, so a resume reruns it. */
  r.end = UVSUP_END_STOPPED;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), -1);
  r.end = UVSUP_END_NOT_STARTED;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), -1);
}
END_TEST

/* A job that a stop reached but that ran to its end and exited 0 is done:
 * it gets its line, or a resume ran it twice (slurm_shard saw job 8 run
 * twice when a cancel came right after the job finished its work). */
START_TEST(test_joblog_stopped_after_success_is_logged) {
  uvsup_result_t r;
  cli_joblog_entry_t e;
  memset(&r, 0, sizeof(r));
  r.end = UVSUP_END_STOPPED;
  r.exit_status = 0;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), 0);
  ck_assert_int_eq(e.exitval, 0);
  ck_assert_int_eq(e.signal, 0);
  r.exit_status = 143; /* ended by the stop: no line */
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), -1);
  r.exit_status = -1;
  r.term_signal = 15;
  ck_assert_int_eq(cli_joblog_outcome(&r, &e), -1);
}
END_TEST

START_TEST(test_joblog_load_last_line_wins) {
  static const char text[] =
      "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t"
      "Command\n"
      "1\t:\t1.000\t     0.001\t0\t2\t0\t0\techo a\n"
      "2\t:\t1.000\t     0.001\t0\t2\t1\t0\tsh -c 'x\0y'\ttab\n"
      "garbage\n"
      "3\t:\t1.000\t     0.001\t0\t0\t0\t9\tkilled\n"
      "2\t:\t2.000\t     0.001\t0\t2\t0\t0\tsh -c 'x\0y'\ttab\n"
      "99999999999\t:\t1\t1\t0\t0\t0\t0\thuge\n";
  char* path = tu_write_temp(text, sizeof(text) - 1);
  cli_joblog_done_t done;
  char err[256];
  ck_assert_int_eq(cli_joblog_load(path, &done, err, sizeof(err)), 0);
  const cli_joblog_record_t* r = cli_joblog_find(&done, 1);
  ck_assert_ptr_nonnull(r);
  ck_assert_str_eq(r->command, "echo a");
  ck_assert_int_eq(r->ok, 1);
  r = cli_joblog_find(&done, 2);
  ck_assert_str_eq(r->command, "sh -c 'x\ny'\ttab");
  ck_assert_int_eq(r->ok, 1); /* the later line */
  ck_assert_int_eq(cli_joblog_find(&done, 3)->ok, 0);
  ck_assert_ptr_null(cli_joblog_find(&done, 4));
  ck_assert_ptr_null(cli_joblog_find(&done, 0));
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RESUME_DONE, 3), 0);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RESUME_DONE, 4), 1);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RESUME_FAILED, 3), 1);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RESUME_FAILED, 1), 0);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RESUME_FAILED, 4), 1);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RETRY_FAILED, 3), 1);
  ck_assert_int_eq(cli_joblog_wants(&done, CLI_RETRY_FAILED, 4), 0);
  cli_joblog_done_free(&done);
  unlink(path);
  free(path);
  /* A missing log is an empty one. */
  ck_assert_int_eq(cli_joblog_load("/nonexistent/log", &done, err, sizeof(err)),
                   0);
  ck_assert_ptr_null(cli_joblog_find(&done, 1));
  cli_joblog_done_free(&done);
}
END_TEST

/* Checks line k (from 0, the header first) of a joblog field by field;
 * the times by their format. */
static void assert_line(const char* log,
                        int k,
                        const char* seq,
                        const char* rest) {
  const char* p = log;
  for (int i = 0; i < k && p != NULL; i++) {
    p = strchr(p, '\n');
    p = p != NULL ? p + 1 : NULL;
  }
  ck_assert_ptr_nonnull(p);
  const char* nl = strchr(p, '\n');
  char* line = strndup(p, (size_t)(nl - p));
  char* pattern = tu_fmt(
      "^%s\t:\t[0-9]+\\.[0-9]{3}\t [ 0-9]{4}[0-9]\\.[0-9]{3}\t%s$", seq, rest);
  ck_assert_msg(matches(line, pattern), "line %d '%s' is not '%s'", k, line,
                pattern);
  free(pattern);
  free(line);
}

START_TEST(test_joblog_written_field_by_field) {
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-j", "1", "--joblog", log, "--timeout", "300ms", CHILD,
             "out", "{}", "sleep", "{}", "exit", "3", ":::", "1", "2000", NULL);
  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  size_t len;
  char* text = slurp(log, &len);
  ck_assert_msg(
      strncmp(text, CLI_JOBLOG_HEADER, strlen(CLI_JOBLOG_HEADER)) == 0, "%s",
      text);
  char* cmd = tu_fmt("%s out 1 sleep 1 exit 3", CHILD);
  char* rest = tu_fmt("0\t2\t3\t0\t%s", cmd);
  assert_line(text, 1, "1", rest);
  free(rest);
  free(cmd);
  cmd = tu_fmt("%s out 2000 sleep 2000 exit 3", CHILD);
  rest = tu_fmt("0\t5\t-1\t15\t%s", cmd); /* the timeout */
  assert_line(text, 2, "2", rest);
  free(rest);
  free(cmd);
  ck_assert_ptr_null(
      strchr(strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n') + 1, '\n'));
  free(text);
  tu_result_free(&r);
  /* +FILE appends without a header, as parallel. */
  char* plus = tu_fmt("+%s", log);
  tu_run_cli(&r, NULL, "--joblog", plus, CHILD, "out", ":::", "x", NULL);
  free(plus);
  ck_assert_int_eq(r.status, 0);
  text = slurp(log, &len);
  char* last = strstr(text, "\n3\t:\t");
  ck_assert_msg(last == NULL, "%s", text); /* seq restarts at 1 */
  ck_assert_ptr_nonnull(strstr(text, "\n1\t:\t"));
  ck_assert_ptr_eq(strstr(text + 1, "Seq\tHost"), NULL);
  free(text);
  tu_result_free(&r);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

/* The lines of a joblog with the two times cut out: what must be the same
 * byte for byte as parallel's. */
static char* without_times(const char* text, size_t len) {
  char* out = malloc(len + 1);
  size_t o = 0;
  int field = 0;
  for (size_t i = 0; i < len; i++) {
    if (text[i] == '\n') {
      field = 0;
    } else if (text[i] == '\t') {
      field++;
    }
    if (field == 2 || field == 3) {
      if (text[i] == '\t') {
        out[o++] = '\t';
      }
      continue;
    }
    out[o++] = text[i];
  }
  out[o] = '\0';
  return out;
}

/* Runs the same two batches through prog (uvsup or parallel) into log. */
static void run_batches(const char* prog, const char* log) {
  char* script = tu_fmt(
      "%1$s -j1 --timeout 1 --joblog '%2$s' sleep ::: 0 0.1 3; "
      "%1$s -j1 --joblog '+%2$s' echo ::: a 'b c' \"it's\" '$x'; "
      "%1$s -j1 --joblog '+%2$s' false ::: x",
      prog, log);
  char* argv[] = { "/bin/bash", "-c", script, NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  tu_result_free(&r);
  free(script);
}

START_TEST(test_joblog_same_bytes_as_gnu_parallel) {
  /* Byte for byte but the two times, which differ from run to run. */
  if (access("/usr/bin/parallel", X_OK) != 0) {
    fprintf(stderr, "skipped: GNU parallel is not installed\n");
    return;
  }
  char* dir = tu_tmpdir_new();
  char* ours = tu_fmt("%s/ours", dir);
  char* theirs = tu_fmt("%s/theirs", dir);
  char* cli = tu_fmt("'%s'", UVSUP_TEST_CLI);
  run_batches(cli, ours);
  run_batches("parallel", theirs);
  size_t la, lb;
  char* ta = slurp(ours, &la);
  char* tb = slurp(theirs, &lb);
  char* ca = without_times(ta, la);
  char* cb = without_times(tb, lb);
  ck_assert_msg(strcmp(ca, cb) == 0, "uvsup:\n%s\nparallel:\n%s", ca, cb);
  ck_assert_ptr_nonnull(strstr(ca, "\t-1\t15\tsleep 3\n"));
  free(ca);
  free(cb);
  free(ta);
  free(tb);
  free(cli);
  free(ours);
  free(theirs);
  tu_tmpdir_free(dir);
}
END_TEST

/* The marks file's lines sorted, one string: which jobs ran to the end. */
static char* marks_of(const char* path) {
  size_t len;
  char* text = slurp(path, &len);
  char* lines[256];
  int n = 0;
  for (char* tok = strtok(text, "\n"); tok != NULL && n < 256;
       tok = strtok(NULL, "\n")) {
    lines[n++] = tok;
  }
  for (int i = 1; i < n; i++) { /* a few lines: insertion sort */
    for (int j = i; j > 0 && atoi(lines[j - 1]) > atoi(lines[j]); j--) {
      char* t = lines[j];
      lines[j] = lines[j - 1];
      lines[j - 1] = t;
    }
  }
  char* out = calloc(len + 2, 1);
  for (int i = 0; i < n; i++) {
    strcat(out, lines[i]);
    strcat(out, " ");
  }
  free(text);
  return out;
}

/* Runs the CLI with args (NULL-terminated) and returns its status. */
#define RUN(r, ...) tu_run_cli(r, NULL, __VA_ARGS__, NULL)

START_TEST(test_joblog_resume_after_interrupt) {
  /* Job 3 of 5 waits for a gate; uvsup is interrupted while it waits.
   * --resume then runs 3, 4 and 5: every job ran to its end exactly once. */
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  char* marks = tu_fmt("%s/marks", dir);
  char* gate = tu_fmt("%s/gate", dir);
  char* argv[TU_MAX_ARGS];
  char* words[] = { "-j",       "1",
                    "--joblog", log,
                    CHILD,      "out",
                    "go-{1}",   "{2}",
                    gate,       "mark",
                    marks,      "{1}",
                    ":::",      "1",
                    "2",        "3",
                    "4",        "5",
                    ":::+",     "out",
                    "out",      "pauseifmissing",
                    "out",      "out",
                    NULL };
  argv[0] = UVSUP_TEST_CLI;
  size_t n = 0;
  for (; words[n] != NULL; n++) {
    argv[n + 1] = words[n];
  }
  argv[n + 1] = NULL;
  tu_proc_t p;
  tu_start(argv, NULL, &p);
  tu_wait_for_count(&p, "go-3", 1);
  ck_assert_int_eq(kill(p.pid, SIGINT), 0);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_msg(r.status == 130, "status %d:\n%s", r.status, r.err);
  tu_result_free(&r);
  char* got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 ");
  free(got);

  int fd = open(gate, O_WRONLY | O_CREAT, 0644);
  close(fd);
  /* The same words with --resume. */
  for (size_t i = n + 1; i >= 1; i--) {
    argv[i + 1] = argv[i];
  }
  argv[1] = "--resume";
  tu_run(argv, NULL, &r);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "3 workers: 3 ok, 0 failed\n2 skipped"));
  tu_result_free(&r);
  got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 3 4 5 ");
  free(got);
  /* Resumed again: everything is done. */
  tu_run(argv, NULL, &r);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "0 workers: 0 ok, 0 failed\n5 skipped"));
  tu_result_free(&r);
  got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 3 4 5 ");
  free(got);
  free(log);
  free(marks);
  free(gate);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_joblog_resume_failed_and_retry_failed) {
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  char* marks = tu_fmt("%s/marks", dir);
  char* gate = tu_fmt("%s/gate", dir);
  tu_result_t r;
  RUN(&r, "-j", "1", "--joblog", log, CHILD, "{2}", gate, "mark", marks, "{1}",
      ":::", "1", "2", "3", ":::+", "out", "failifmissing", "out");
  ck_assert_int_eq(r.status, 1);
  tu_result_free(&r);
  char* got = marks_of(marks);
  ck_assert_str_eq(got, "1 3 ");
  free(got);
  close(open(gate, O_WRONLY | O_CREAT, 0644));
  /* --retry-failed: only job 2, though a fourth value now makes job 4. */
  RUN(&r, "-j", "1", "--joblog", log, "--retry-failed", CHILD, "{2}", gate,
      "mark", marks, "{1}", ":::", "1", "2", "3", "4", ":::+", "out",
      "failifmissing", "out", "out");
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  tu_result_free(&r);
  got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 3 ");
  free(got);
  /* --resume-failed: nothing failed any more; job 4 is new and runs. */
  RUN(&r, "-j", "1", "--joblog", log, "--resume-failed", CHILD, "{2}", gate,
      "mark", marks, "{1}", ":::", "1", "2", "3", "4", ":::+", "out",
      "failifmissing", "out", "out");
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  tu_result_free(&r);
  got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 3 4 ");
  free(got);
  free(log);
  free(marks);
  free(gate);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_joblog_refuses_another_batch) {
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  tu_result_t r;
  RUN(&r, "--joblog", log, CHILD, "out", ":::", "a", "b");
  ck_assert_int_eq(r.status, 0);
  tu_result_free(&r);
  RUN(&r, "--joblog", log, "--resume", CHILD, "out", ":::", "a", "c");
  ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
  char* want = tu_fmt("job 2 is '%s out b' in the joblog but '%s out c' now",
                      CHILD, CHILD);
  ck_assert_msg(strstr(r.err, want) != NULL, "%s", r.err);
  ck_assert_str_eq(r.out, ""); /* nothing started */
  free(want);
  tu_result_free(&r);
  /* Streamed input is checked as it comes: the job before runs. */
  tu_run_cli(&r, "a\nc\n", "--joblog", log, "--resume-failed", CHILD, "out",
             NULL);
  ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
  ck_assert_ptr_nonnull(strstr(r.err, "job 2 is "));
  tu_result_free(&r);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_joblog_streamed_jobs_keep_their_commands) {
  /* Streamed values are dropped once their jobs are added; the joblog
   * still names each job's command when it ends (it read freed values
   * before: a crash under valgrind and ASan). */
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  tu_result_t r;
  tu_run_cli(&r, "a\nb\nc\n", "-j", "3", "--joblog", log, CHILD, "out", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  tu_result_free(&r);
  size_t len;
  char* text = slurp(log, &len);
  for (const char* v = "abc"; *v != '\0'; v++) {
    char* want = tu_fmt("\t%s out %c\n", CHILD, *v);
    ck_assert_msg(strstr(text, want) != NULL, "%s", text);
    free(want);
  }
  free(text);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_joblog_retries_write_one_line_per_job) {
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  char* marks = tu_fmt("%s/marks", dir);
  tu_result_t r;
  RUN(&r, "--retries", "3", "--restart-delay", "1ms", "--joblog", log, CHILD,
      "mark", marks, "{}", "exit", "{}", ":::", "0", "5");
  ck_assert_int_eq(r.status, 1);
  tu_result_free(&r);
  char* got = marks_of(marks);
  ck_assert_str_eq(got, "0 5 5 5 "); /* three tries of the failing one */
  free(got);
  size_t len;
  char* text = slurp(log, &len);
  int lines = 0;
  for (char* p = text; *p != '\0'; p++) {
    lines += *p == '\n';
  }
  ck_assert_msg(lines == 3, "%s", text); /* the header and one per job */
  ck_assert_ptr_nonnull(strstr(text, "\t5\t0\t"));
  free(text);
  free(log);
  free(marks);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_joblog_shards_cover_every_job_once) {
  char* dir = tu_tmpdir_new();
  char* marks = tu_fmt("%s/marks", dir);
  for (int k = 1; k <= 3; k++) {
    char* shard = tu_fmt("%d/3", k);
    char* log = tu_fmt("%s/log%d", dir, k);
    tu_result_t r;
    RUN(&r, "--shard", shard, "--joblog", log, CHILD, "mark", marks, "{}",
        ":::", "1", "2", "3", "4", "5", "6", "7", "8", "9", "10");
    ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
    tu_result_free(&r);
    /* Each shard's joblog holds the job numbers of its share. */
    size_t len;
    char* text = slurp(log, &len);
    char* first = tu_fmt("\n%d\t:\t", k);
    ck_assert_msg(strstr(text, first) != NULL, "%s", text);
    char* other = tu_fmt("\n%d\t:\t", k % 3 + 1);
    ck_assert_msg(strstr(text, other) == NULL, "%s", text);
    free(first);
    free(other);
    free(text);
    free(log);
    free(shard);
  }
  char* got = marks_of(marks);
  ck_assert_str_eq(got, "1 2 3 4 5 6 7 8 9 10 ");
  free(got);
  free(marks);
  tu_tmpdir_free(dir);
  /* A shard cut short reports its own jobs as not started, and the
   * others' as skipped (they were reported as not started). */
  tu_result_t r;
  RUN(&r, "--shard", "1/3", "-j", "1", "--halt", "now,fail=1", CHILD, "exit",
      "{}", ":::", "1", "0", "0", "0", "0", "0", "0");
  ck_assert_msg(strstr(r.err,
                       "3 workers: 0 ok, 1 failed, 2 not started\n"
                       "4 skipped") != NULL,
                "%s", r.err);
  tu_result_free(&r);
}
END_TEST

int main(void) {
  Suite* s = suite_create("joblog");
  TCase* tc = tcase_create("format");
  tcase_add_test(tc, test_joblog_format_as_parallel);
  tcase_add_test(tc, test_joblog_outcome_of_each_end);
  tcase_add_test(tc, test_joblog_stopped_after_success_is_logged);
  tcase_add_test(tc, test_joblog_load_last_line_wins);
  suite_add_tcase(s, tc);
  tc = tu_tcase_new(s, "cli", 60);
  tcase_add_test(tc, test_joblog_written_field_by_field);
  tcase_add_test(tc, test_joblog_same_bytes_as_gnu_parallel);
  tcase_add_test(tc, test_joblog_resume_after_interrupt);
  tcase_add_test(tc, test_joblog_resume_failed_and_retry_failed);
  tcase_add_test(tc, test_joblog_refuses_another_batch);
  tcase_add_test(tc, test_joblog_retries_write_one_line_per_job);
  tcase_add_test(tc, test_joblog_streamed_jobs_keep_their_commands);
  tcase_add_test(tc, test_joblog_shards_cover_every_job_once);
  return tu_run_suite(s);
}
