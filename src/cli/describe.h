/* --check: what would run, described without running it. */
#ifndef UVSUP_CLI_DESCRIBE_H
#define UVSUP_CLI_DESCRIBE_H

#include "buf.h"
#include "jobs.h"

/* Appends to b one block per job, in start order: "NAME: COMMAND" (the
 * script of a /bin/sh -c, else the words shell-quoted), then indented
 * lines for its directory, the variables it gets that differ from
 * environ's, and a config's settings (restart, stop, user, logs,
 * priority). Names and values are made safe for a terminal. */
void cli_check_describe(const cli_jobs_t* jobs,
                        char* const* environ_vars,
                        cli_buf_t* b);

#endif
