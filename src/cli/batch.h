/* The CLI's batch options as GNU parallel users know them (--joblog,
 * --resume, -k, --dry-run, --bar, --eta, --shard, --summary-all): parsed
 * and checked here, pure, so args.c stays a table of options. */
#ifndef UVSUP_CLI_BATCH_H
#define UVSUP_CLI_BATCH_H

#include <stddef.h>

typedef enum {
  CLI_RESUME_NONE = 0,
  CLI_RESUME_DONE,   /* --resume: skip every job the joblog holds */
  CLI_RESUME_FAILED, /* --resume-failed: skip those that succeeded */
  CLI_RETRY_FAILED   /* --retry-failed: run only the failed ones logged */
} cli_resume_t;

typedef struct {
  int summary_all;       /* list every worker, however many */
  const char* joblog;    /* NULL: none; without a leading '+' */
  int joblog_append;     /* +FILE, or a resume: append */
  cli_resume_t resume;   /* needs a joblog */
  int keep_order;        /* -k: group output in input order */
  int dry_run;           /* print the commands, run nothing */
  int bar, eta;          /* progress on stderr */
  int force_progress;    /* even when stderr is no terminal */
  int shell;             /* --shell: each job is parallel's command line,
                            run by /bin/sh -c */
  unsigned long shard_k; /* --shard K/N: 1 <= K <= N; N == 0: none */
  unsigned long shard_n;
} cli_batch_t;

/* The options this module takes. */
typedef enum {
  CLI_BATCH_SUMMARY_ALL = 0,
  CLI_BATCH_JOBLOG,
  CLI_BATCH_RESUME,
  CLI_BATCH_RESUME_FAILED,
  CLI_BATCH_RETRY_FAILED,
  CLI_BATCH_KEEP_ORDER,
  CLI_BATCH_DRY_RUN,
  CLI_BATCH_BAR,
  CLI_BATCH_ETA,
  CLI_BATCH_FORCE_PROGRESS,
  CLI_BATCH_SHARD,
  CLI_BATCH_SHELL
} cli_batch_option_t;

/* Applies option id (value is NULL for a flag; shown names the option as
 * the user wrote it). Returns 0, or -1 with one message in err. */
int cli_batch_option(cli_batch_t* b,
                     cli_batch_option_t id,
                     const char* shown,
                     const char* value,
                     char* err,
                     size_t errlen);

/* Once every option is read: the checks across options (a resume needs a
 * joblog). Returns 0, or -1 with one message in err. */
int cli_batch_finish(cli_batch_t* b, char* err, size_t errlen);

/* 1 when job seq (from 1) belongs to this shard: jobs are dealt round
 * robin: (seq - 1) % N == K - 1 (every job in exactly one of N shards). */
int cli_batch_in_shard(const cli_batch_t* b, unsigned long seq);

#endif
