/* Turning parsed arguments into the list of workers: Procfile entries, -c
 * commands, or a program expanded once per value. */
#include "jobs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fail.h"
#include "names.h"
#include "procfile.h"
#include "template.h"


static cli_job_t* add_job(cli_jobs_t* jobs) {
  if (jobs->count == jobs->capacity) {
    /* Doubling keeps a million values from stdin linear. */
    size_t capacity = jobs->capacity ? jobs->capacity * 2 : 16;
    cli_job_t* grown = realloc(jobs->jobs, capacity * sizeof(*grown));
    if (grown == NULL) {
      return NULL;
    }
    jobs->jobs = grown;
    jobs->capacity = capacity;
  }
  cli_job_t* job = &jobs->jobs[jobs->count++];
  memset(job, 0, sizeof(*job));
  return job;
}

/* { "/bin/sh", "-c", command, NULL }, freed by cli_argv_free(). */
static char** shell_argv(const char* command) {
  const char* words[] = { "/bin/sh", "-c", command };
  char** argv = calloc(4, sizeof(*argv));
  for (size_t i = 0; argv != NULL && i < 3; i++) {
    if ((argv[i] = strdup(words[i])) == NULL) {
      cli_argv_free(argv);
      argv = NULL;
    }
  }
  return argv;
}

/* Workers of a Procfile run in its directory, as with foreman and honcho, so
 * its commands can name scripts beside it. A Procfile that is not a file
 * (-f /dev/stdin, -f <(...)) has no such directory: they run in ours, as
 * do those of a path without a slash. *has_dir says which. */
static char* procfile_dir(const char* path, int* has_dir) {
  const char* slash = strrchr(path, '/');
  struct stat st;
  *has_dir = slash != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
  if (!*has_dir) {
    return NULL;
  }
  size_t len = slash == path ? 1 : (size_t)(slash - path);
  return strndup(path, len);
}

static int build_procfile(const cli_args_t* a,
                          cli_jobs_t* out,
                          char* err,
                          size_t errlen) {
  cli_procfile_t pf;
  if (cli_procfile_load(a->procfile, &pf, err, errlen) != 0) {
    return -1;
  }
  int has_dir;
  char* dir = procfile_dir(a->procfile, &has_dir);
  int rc = has_dir && dir == NULL ? cli_fail(err, errlen, "out of memory") : 0;
  for (size_t i = 0; i < pf.count && rc == 0; i++) {
    cli_job_t* job = add_job(out);
    if (job == NULL || (job->name = strdup(pf.entries[i].name)) == NULL ||
        (job->argv = shell_argv(pf.entries[i].command)) == NULL ||
        (dir != NULL && (job->cwd = strdup(dir)) == NULL)) {
      rc = cli_fail(err, errlen, "out of memory");
    }
  }
  free(dir);
  cli_procfile_free(&pf);
  return rc;
}

static int build_commands(const cli_args_t* a,
                          cli_jobs_t* out,
                          char* err,
                          size_t errlen) {
  for (size_t i = 0; i < a->ncommands; i++) {
    char position[24];
    snprintf(position, sizeof(position), "%zu", i + 1);
    const char* name =
        a->commands[i].name != NULL ? a->commands[i].name : position;
    /* Commands come from one command line: few enough to compare all. */
    for (size_t j = 0; j < out->count; j++) {
      if (strcmp(out->jobs[j].name, name) == 0) {
        return cli_fail(err, errlen,
                        "-c '%s': duplicate name '%s' (also command %zu)",
                        a->commands[i].command, name, j + 1);
      }
    }
    cli_job_t* job = add_job(out);
    if (job == NULL || (job->name = strdup(name)) == NULL ||
        (job->argv = shell_argv(a->commands[i].command)) == NULL) {
      return cli_fail(err, errlen, "out of memory");
    }
  }
  return 0;
}

/* The name of a job of values: its values, a space between. */
static int job_name(cli_buf_t* b, const char* const* values, size_t n) {
  b->len = 0;
  cli_buf_puts(b, "");
  for (size_t i = 0; i < n; i++) {
    if (i > 0) {
      cli_buf_putc(b, ' ');
    }
    cli_buf_puts(b, values[i]);
  }
  return b->failed ? -1 : 0;
}

/* One job per combination of the input sources, numbered from 1. Values
 * may repeat ("::: a a"); each run still needs its own name, so a repeat
 * is named "VALUE#2", "VALUE#3", ... (see cli_names_unique). */
static int build_values(const cli_args_t* a,
                        cli_names_t* names,
                        cli_jobs_t* out,
                        char* err,
                        size_t errlen) {
  const char** values = calloc(out->inputs.count + 1, sizeof(*values));
  cli_buf_t name;
  cli_buf_init(&name);
  int rc = values == NULL ? -1 : 0;
  for (size_t k = 0; rc == 0 && k < out->inputs.jobs; k++) {
    cli_inputs_tuple(&out->inputs, k, values);
    cli_subst_t subst = { values, out->inputs.count, k + 1, 0 };
    cli_job_t* job = add_job(out);
    if (job == NULL || job_name(&name, values, out->inputs.count) != 0 ||
        (job->name = cli_names_unique(names, name.data)) == NULL ||
        (job->argv = cli_template_expand_job(a->program, a->nprogram,
                                             &subst)) == NULL) {
      rc = -1;
    }
  }
  cli_buf_free(&name);
  free(values);
  return rc == 0 ? 0 : cli_fail(err, errlen, "out of memory");
}

static int build_inputs(const cli_args_t* a,
                        FILE* in,
                        cli_names_t* names,
                        cli_jobs_t* out,
                        char* err,
                        size_t errlen) {
  /* Values on standard input are one source read as :::: - would be. */
  cli_source_t stdin_source = { CLI_SOURCE_FILE, 0, NULL, 0, "-" };
  cli_args_t with_stdin;
  if (a->mode == CLI_MODE_STDIN) {
    with_stdin = *a;
    with_stdin.sources = &stdin_source;
    with_stdin.nsources = 1;
    a = &with_stdin;
  }
  if (cli_inputs_load(a, in, &out->inputs, err, errlen) != 0) {
    return -1;
  }
  if (out->inputs.jobs == 0) {
    return cli_fail(
        err, errlen, "no workers: %s had no values",
        a->mode == CLI_MODE_STDIN ? "standard input" : "the input sources");
  }
  return build_values(a, names, out, err, errlen);
}

/* --init: the one program, its arguments as given. */
static int build_init(const cli_args_t* a,
                      cli_jobs_t* out,
                      char* err,
                      size_t errlen) {
  cli_job_t* job = add_job(out);
  char** argv = calloc(a->nprogram + 1, sizeof(*argv));
  int rc = job == NULL || argv == NULL ? -1 : 0;
  for (size_t i = 0; rc == 0 && i < a->nprogram; i++) {
    rc = (argv[i] = strdup(a->program[i])) == NULL ? -1 : 0;
  }
  if (job != NULL) {
    job->argv = argv;
  } else {
    cli_argv_free(argv);
  }
  if (rc == 0 && (job->name = strdup(a->program[0])) == NULL) {
    rc = -1;
  }
  return rc == 0 ? 0 : cli_fail(err, errlen, "out of memory");
}

int cli_jobs_build(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  cli_names_t names;
  cli_names_init(&names);
  int rc = 0;
  switch (a->mode) {
  case CLI_MODE_PROCFILE:
    rc = build_procfile(a, out, err, errlen);
    break;
  case CLI_MODE_COMMANDS:
    rc = build_commands(a, out, err, errlen);
    break;
  case CLI_MODE_VALUES:
  case CLI_MODE_STDIN:
    rc = build_inputs(a, in, &names, out, err, errlen);
    break;
  case CLI_MODE_INIT:
    rc = build_init(a, out, err, errlen);
    break;
  case CLI_MODE_NONE:
    rc = cli_fail(err, errlen, "no workers");
    break;
  }
  /* "{/}" of "a/" is empty: a program with no name would fail as a spawn
   * error per worker; it is a mistake in the command line. */
  for (size_t i = 0; rc == 0 && i < out->count; i++) {
    if (out->jobs[i].argv[0][0] == '\0') {
      rc = cli_fail(err, errlen,
                    "value '%s': the program is empty after replacement",
                    out->jobs[i].name);
    }
  }
  cli_names_free(&names);
  if (rc != 0) {
    cli_jobs_free(out);
  }
  return rc;
}

void cli_jobs_free(cli_jobs_t* jobs) {
  for (size_t i = 0; i < jobs->count; i++) {
    free(jobs->jobs[i].name);
    cli_argv_free(jobs->jobs[i].argv);
    free(jobs->jobs[i].cwd);
  }
  free(jobs->jobs);
  cli_inputs_free(&jobs->inputs);
  memset(jobs, 0, sizeof(*jobs));
}
