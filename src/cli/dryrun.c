/* --dry-run: the jobs' commands printed as they become known, in parallel's
 * form (values shell-quoted), with nothing started. */
#include "dryrun.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "joblog.h"

/* Prints jobs [*printed, count) and flushes, so a reader sees each job
 * as soon as its value came. */
static int print_known(cli_jobs_t* jobs,
                       const cli_joblog_done_t* logged,
                       size_t* printed,
                       FILE* out) {
  const cli_batch_t* batch = &jobs->args->batch;
  cli_buf_t b;
  cli_buf_init(&b);
  int rc = 0;
  for (; rc == 0 && *printed < jobs->count; (*printed)++) {
    /* Only what a run would run: its shard, what a resume leaves. */
    if (!cli_batch_in_shard(batch, *printed + 1) ||
        !cli_joblog_wants(logged, batch->resume, *printed + 1)) {
      continue;
    }
    b.len = 0;
    /* {%}: the slot a job would get with one at a time. */
    rc = cli_jobs_command(jobs, *printed, 1, &b);
    if (rc == 0 &&
        (fwrite(b.data, 1, b.len, out) != b.len || putc('\n', out) == EOF)) {
      rc = -1;
    }
  }
  cli_buf_free(&b);
  cli_jobs_forget(jobs, *printed);
  return rc == 0 && fflush(out) == 0 ? 0 : -1;
}

static int print_all(cli_jobs_t* jobs,
                     const cli_joblog_done_t* logged,
                     FILE* in,
                     FILE* out,
                     char* err,
                     size_t errlen) {
  size_t printed = 0;
  if (print_known(jobs, logged, &printed, out) != 0) {
    return cli_fail(err, errlen, "writing standard output: %s",
                    strerror(errno));
  }
  if (jobs->stream == NULL) {
    return 0;
  }
  FILE* f = strcmp(jobs->stream, "-") == 0 ? in : fopen(jobs->stream, "re");
  if (f == NULL) {
    return cli_fail(err, errlen, "%s: %s", jobs->stream, strerror(errno));
  }
  char* line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
    size_t len = (size_t)n - (line[n - 1] == '\n');
    rc = cli_jobs_take_line(jobs, line, len, err, errlen);
    if (rc == 0 && print_known(jobs, logged, &printed, out) != 0) {
      rc =
          cli_fail(err, errlen, "writing standard output: %s", strerror(errno));
    }
  }
  free(line);
  if (f != in) {
    fclose(f);
  }
  return rc == 0 ? cli_jobs_end(jobs, err, errlen) : -1;
}

int cli_dry_run(
    cli_jobs_t* jobs, FILE* in, FILE* out, char* err, size_t errlen) {
  const cli_batch_t* batch = &jobs->args->batch;
  cli_joblog_done_t logged;
  memset(&logged, 0, sizeof(logged));
  if (batch->resume != CLI_RESUME_NONE &&
      cli_joblog_load(batch->joblog, &logged, err, errlen) != 0) {
    return -1;
  }
  int rc = print_all(jobs, &logged, in, out, err, errlen);
  cli_joblog_done_free(&logged);
  return rc;
}
