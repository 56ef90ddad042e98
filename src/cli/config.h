/* A supervisord.conf (-C) turned into jobs: [program:x] sections with
 * supervisord's keys and meanings, plus uvsup's own restart keys. */
#ifndef UVSUP_CLI_CONFIG_H
#define UVSUP_CLI_CONFIG_H

#include <stddef.h>

#include "args.h"
#include "jobs.h"
#include "svconf.h"

/* Turns a read conf into jobs (in start order: priority, then file order),
 * adding a warning to conf for each section or key uvsup accepts but does
 * not act on. Only the programs named in types run when ntypes > 0 (a
 * program's name or a group's). Returns 0, or -1 with "FILE:LINE: ..." in
 * err for a value uvsup cannot use; then out holds no job. Pure but for
 * getpwnam() for user= and creating the log files named. */
int cli_config_jobs(cli_svconf_t* conf,
                    char* const* types,
                    size_t ntypes,
                    cli_jobs_t* out,
                    char* err,
                    size_t errlen);

/* Reads a->stackopts.config and builds its jobs; prints the warnings on
 * stderr. */
int cli_config_build(const cli_args_t* a,
                     cli_jobs_t* out,
                     char* err,
                     size_t errlen);

#endif
