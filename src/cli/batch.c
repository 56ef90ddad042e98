/* The CLI's batch options: joblog and resume, keep-order, dry run,
 * progress, sharding, the full summary. Pure: tested without processes. */
#include "batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

/* "K/N" with 1 <= K <= N, digits only. */
static int parse_shard(cli_batch_t* b, const char* value) {
  const char* slash = strchr(value, '/');
  if (slash == NULL || value[0] < '0' || value[0] > '9' || slash[1] < '0' ||
      slash[1] > '9') {
    return -1;
  }
  char* end;
  errno = 0;
  unsigned long k = strtoul(value, &end, 10);
  if (end != slash || errno != 0) {
    return -1;
  }
  unsigned long n = strtoul(slash + 1, &end, 10);
  if (*end != '\0' || errno != 0 || k == 0 || n == 0 || k > n) {
    return -1;
  }
  b->shard_k = k;
  b->shard_n = n;
  return 0;
}

static int set_resume(cli_batch_t* b,
                      cli_resume_t how,
                      const char* shown,
                      char* err,
                      size_t errlen) {
  if (b->resume != CLI_RESUME_NONE && b->resume != how) {
    return cli_fail(err, errlen,
                    "%s: give one of --resume, --resume-failed and "
                    "--retry-failed",
                    shown);
  }
  b->resume = how;
  return 0;
}

int cli_batch_option(cli_batch_t* b,
                     cli_batch_option_t id,
                     const char* shown,
                     const char* value,
                     char* err,
                     size_t errlen) {
  switch (id) {
  case CLI_BATCH_SUMMARY_ALL:
    b->summary_all = 1;
    return 0;
  case CLI_BATCH_JOBLOG:
    b->joblog_append = value[0] == '+';
    b->joblog = value + b->joblog_append;
    if (b->joblog[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    return 0;
  case CLI_BATCH_RESUME:
    return set_resume(b, CLI_RESUME_DONE, shown, err, errlen);
  case CLI_BATCH_RESUME_FAILED:
    return set_resume(b, CLI_RESUME_FAILED, shown, err, errlen);
  case CLI_BATCH_RETRY_FAILED:
    return set_resume(b, CLI_RETRY_FAILED, shown, err, errlen);
  case CLI_BATCH_KEEP_ORDER:
    b->keep_order = 1;
    return 0;
  case CLI_BATCH_DRY_RUN:
    b->dry_run = 1;
    return 0;
  case CLI_BATCH_BAR:
    b->bar = 1;
    return 0;
  case CLI_BATCH_ETA:
    b->eta = 1;
    return 0;
  case CLI_BATCH_FORCE_PROGRESS:
    b->force_progress = 1;
    return 0;
  case CLI_BATCH_SHELL:
    b->shell = 1;
    return 0;
  case CLI_BATCH_SHARD:
    if (parse_shard(b, value) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use K/N, shard K of N (1 <= K <= N)", shown,
                      value);
    }
    return 0;
  }
  return 0;
}

int cli_batch_finish(cli_batch_t* b, char* err, size_t errlen) {
  if (b->resume != CLI_RESUME_NONE && b->joblog == NULL) {
    const char* name = b->resume == CLI_RESUME_DONE     ? "--resume"
                       : b->resume == CLI_RESUME_FAILED ? "--resume-failed"
                                                        : "--retry-failed";
    return cli_fail(err, errlen, "%s needs --joblog FILE (the log to resume)",
                    name);
  }
  if (b->resume != CLI_RESUME_NONE) {
    b->joblog_append = 1; /* as parallel: a resume adds to the log */
  }
  return 0;
}

int cli_batch_in_shard(const cli_batch_t* b, unsigned long seq) {
  return b->shard_n == 0 || (seq - 1) % b->shard_n == b->shard_k - 1;
}
