/* Turning parsed arguments into the workers to run: a fixed list for -f
 * and -c, jobs made one by one from the input sources for a PROGRAM. */
#ifndef UVSUP_CLI_JOBS_H
#define UVSUP_CLI_JOBS_H

#include <stddef.h>
#include <stdio.h>

#include "args.h"
#include "buf.h"
#include "inputs.h"
#include "names.h"
#include "workeropts.h"

typedef struct {
  char* name;  /* unique among the jobs (a repeated value: "VALUE#2") */
  char** argv; /* NULL-terminated; argv[0] is the program */
  char* cwd;   /* NULL: uvsup's own */
} cli_job_t;

typedef struct {
  const cli_args_t* args;
  cli_job_t* fixed; /* -f and -c: every job, built first */
  size_t nfixed;
  size_t capacity;
  cli_inputs_t inputs;      /* a PROGRAM's: the values of job k */
  cli_names_t names;        /* the names made so far */
  size_t named;             /* jobs 0 .. named - 1 have their names */
  size_t count;             /* jobs known so far */
  const char* stream;       /* source 0, read as it comes ("-": standard input);
                               NULL: every job is known */
  const char* stream_shown; /* "standard input" or the path, for messages */
  unsigned long lineno;     /* lines of the stream taken */
  int ended;                /* no more jobs will come */
  cli_args_t* own_args;     /* standard input as a source, when args has none */
  cli_worker_t* workers;    /* -f and -c: each fixed job's settings (stack
                               options over the defaults); else NULL */
} cli_jobs_t;

/* Builds what is known before anything runs, so bad input starts nothing:
 * reads the Procfile, or the input sources but a streamable first one
 * (cli_inputs_can_stream()), which cli_jobs_take_line() then feeds ("-"
 * as another source is in). Checks every job known for an empty program.
 * Returns 0, or -1 with one message in err ("PATH:LINE: ...",
 * "standard input:LINE: ...", "-n 'x': ..."). */
int cli_jobs_open(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen);

/* One line (without its newline) of the streamed source: checked as
 * every source is (cli_value_check()), skipped when blank, else the jobs
 * its value makes become known. Returns 0, or -1 with a message. */
int cli_jobs_take_line(
    cli_jobs_t* jobs, const char* line, size_t len, char* err, size_t errlen);

/* The streamed source ended: count is final. Returns 0, or -1 ("no
 * workers: standard input had no values") when no job at all came. */
int cli_jobs_end(cli_jobs_t* jobs, char* err, size_t errlen);

/* cli_jobs_open(), the whole stream read from in (or its file), and
 * cli_jobs_end(): every job known, as before anything runs. */
int cli_jobs_build(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen);

/* Makes job k (k < count) into out, owned by the caller (cli_job_free()):
 * its argv with {#} as k + 1 and {%} as slot, and its name when k is the
 * next to be named (names are made in order, each once; otherwise name
 * is NULL). Returns 0, or -1 with a message (out of memory, an empty
 * program after replacement). */
int cli_jobs_make(cli_jobs_t* jobs,
                  size_t k,
                  unsigned long slot,
                  cli_job_t* out,
                  char* err,
                  size_t errlen);
void cli_job_free(cli_job_t* job);

/* Job k as GNU parallel writes it in a joblog and for --dry-run: the
 * program's words joined by spaces, each value shell-quoted as parallel
 * quotes it ({%} as slot); for -f and -c the command. Returns 0 or -1. */
int cli_jobs_command(cli_jobs_t* jobs,
                     size_t k,
                     unsigned long slot,
                     cli_buf_t* b);

/* The widest name (cli_tag_name_width()) among the jobs known, every
 * one named as cli_jobs_make() will name it, without making them: tags
 * line up from the first line. Returns 0 or -1 (out of memory). */
int cli_jobs_widest(const cli_jobs_t* jobs, size_t* width);

/* No job before k will be made again: their streamed values can go. */
void cli_jobs_forget(cli_jobs_t* jobs, size_t k);

/* The settings of job k of -f or -c (readiness, dependencies, restarts,
 * stop sequence); NULL for a PROGRAM's jobs: the defaults in args. */
const cli_worker_t* cli_jobs_worker(const cli_jobs_t* jobs, size_t k);

void cli_jobs_free(cli_jobs_t* jobs);

#endif
