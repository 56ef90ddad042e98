/* Turning parsed arguments into the list of workers to run. */
#ifndef UVSUP_CLI_JOBS_H
#define UVSUP_CLI_JOBS_H

#include <stddef.h>
#include <stdio.h>

#include "args.h"
#include "inputs.h"
#include "workeropts.h"

typedef struct {
  char* name;  /* unique among the jobs (a repeated value: "VALUE#2") */
  char** argv; /* NULL-terminated; argv[0] is the program */
  char* cwd;   /* NULL: uvsup's own */
  cli_worker_t* worker; /* -f and -c: its settings over the defaults;
                           NULL: the defaults */
} cli_job_t;

typedef struct {
  cli_job_t* jobs;
  size_t count;
  size_t capacity;
  cli_inputs_t inputs; /* the values of job k (seq k + 1), for {%} */
} cli_jobs_t;

/* Builds every job before any runs, so bad input starts nothing: reads the
 * Procfile, or the input sources (for CLI_MODE_STDIN, the lines of in;
 * "-" as a source is in too), and expands the program's replacement
 * strings, {%} as 0 (cli_run puts the slot in). Returns 0, or -1 with one
 * message in err
 * ("PATH:LINE: ...", "standard input:LINE: ...", "-n 'x': ..."). */
int cli_jobs_build(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen);
void cli_jobs_free(cli_jobs_t* jobs);

#endif
