/* --dry-run: each job's command line on standard output, nothing run. */
#ifndef UVSUP_CLI_DRYRUN_H
#define UVSUP_CLI_DRYRUN_H

#include <stddef.h>
#include <stdio.h>

#include "jobs.h"

/* Prints the command of every job of jobs (opened with cli_jobs_open())
 * to out, one per line as GNU parallel's --dry-run does, those of
 * another --shard and those a --resume would skip left out. A streamed source
 * is read from in (or its file) line by line, each job printed as soon as its
 * value is read. Returns 0, or -1 with a message in err (bad input, or out
 * could not be written). */
int cli_dry_run(
    cli_jobs_t* jobs, FILE* in, FILE* out, char* err, size_t errlen);

#endif
