/* A Procfile's jobs as foreman and honcho run them: .env, PORT and PS,
 * the formation, a subset of the process types. */
#ifndef UVSUP_CLI_FOREMAN_H
#define UVSUP_CLI_FOREMAN_H

#include <stddef.h>

#include "args.h"
#include "jobs.h"

/* Adds to out one job per instance of each process type of a->procfile:
 * named TYPE.N, run with /bin/sh -c in the Procfile's directory, with
 * uvsup's environment, then the .env files (-e, else the .env beside the
 * Procfile when there is one), then PORT and PS. Returns 0, or -1 with one
 * message in err (the file and line for a bad Procfile or .env). */
int cli_foreman_build(const cli_args_t* a,
                      cli_jobs_t* out,
                      char* err,
                      size_t errlen);

#endif
