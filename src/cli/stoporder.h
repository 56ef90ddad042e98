/* supervisord's order at a stop: the programs with the highest priority
 * stop first, and each lower priority only once the ones above it have
 * ended. For jobs with a config's priorities; others stop all at once. */
#ifndef UVSUP_CLI_STOPORDER_H
#define UVSUP_CLI_STOPORDER_H

#include <stddef.h>
#include <uvsup.h>

#include "jobs.h"

/* The worker of job i (i below the number added). */
typedef uvsup_worker_t* (*cli_stoporder_worker_cb)(void* data, size_t i);

typedef struct {
  int active; /* an ordered stop is under way */
  int signum; /* what each level gets (0: each one's own) */
  long level; /* the priority being stopped */
  const cli_jobs_t* jobs;
  cli_stoporder_worker_cb worker_of;
  void* data;
} cli_stoporder_t;

/* Begins an ordered stop of the first nadded jobs' workers: no new start
 * or restart (uvsup_drain), then the highest priority level is stopped,
 * each worker with its own stop signal (supervisord's stopsignal), not
 * signum. Returns 0, or -1 when the jobs have no priorities (not a
 * config's) and the caller stops them all at once with signum. */
int cli_stoporder_begin(cli_stoporder_t* s,
                        uvsup_t* sup,
                        const cli_jobs_t* jobs,
                        size_t nadded,
                        cli_stoporder_worker_cb worker_of,
                        void* data,
                        int signum);

/* A worker has finished for good: once its level has ended, the next one
 * down is stopped. Does nothing unless an ordered stop is under way. */
void cli_stoporder_next(cli_stoporder_t* s, size_t nadded);

#endif
