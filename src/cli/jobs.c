/* Turning parsed arguments into the list of workers: Procfile entries, -c
 * commands, or a program expanded once per value. */
#include "jobs.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

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

/* Values may repeat ("::: a a"); each run still needs its own name, so a
 * repeat is named "VALUE#2", "VALUE#3", ... (see cli_names_unique). */
static int add_value_job(const cli_args_t* a,
                         const char* value,
                         cli_names_t* names,
                         cli_jobs_t* out) {
  cli_job_t* job = add_job(out);
  return job == NULL || (job->name = cli_names_unique(names, value)) == NULL ||
                 (job->argv = cli_template_expand(a->program, a->nprogram,
                                                  value)) == NULL
             ? -1
             : 0;
}

/* What read_value found. */
typedef enum { VALUE_OK, VALUE_END, VALUE_TOO_LONG, VALUE_NUL } value_read_t;

/* Reads one line of in into buf (CLI_MAX_VALUE + 2 bytes) without its
 * newline or a CRLF's CR. A line over the limit is refused as soon as it
 * passes it, so a single huge line is never read whole. */
static value_read_t read_value(FILE* in, char* buf, size_t* len) {
  size_t n = 0;
  int c = EOF;
  int nul = 0;
  /* CLI_MAX_VALUE + 1 bytes may still end in a CR that is dropped. */
  while (n <= CLI_MAX_VALUE && (c = getc_unlocked(in)) != EOF && c != '\n') {
    nul |= c == '\0';
    buf[n++] = (char)c;
  }
  if (c == EOF && n == 0) {
    return VALUE_END;
  }
  if (n > 0 && buf[n - 1] == '\r' && (c == '\n' || c == EOF)) {
    n--;
  }
  buf[n] = '\0';
  *len = n;
  if (n >= CLI_MAX_VALUE) {
    return VALUE_TOO_LONG;
  }
  return nul ? VALUE_NUL : VALUE_OK;
}

/* One value per line; blank lines are skipped, CRLF is accepted. */
static int build_stdin(const cli_args_t* a,
                       FILE* in,
                       cli_names_t* names,
                       cli_jobs_t* out,
                       char* err,
                       size_t errlen) {
  char* line = malloc(CLI_MAX_VALUE + 2);
  if (line == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  size_t len;
  unsigned long lineno = 0;
  int rc = 0;
  value_read_t got;
  while (rc == 0 && (got = read_value(in, line, &len)) != VALUE_END) {
    lineno++;
    if (got == VALUE_NUL) {
      rc = cli_fail(err, errlen, "standard input:%lu: a NUL byte in the value",
                    lineno);
    } else if (got == VALUE_TOO_LONG) {
      rc = cli_fail(err, errlen,
                    "standard input:%lu: value of %d bytes or more is too "
                    "long (limit %d)",
                    lineno, CLI_MAX_VALUE, CLI_MAX_VALUE - 1);
    } else if (len > 0 && add_value_job(a, line, names, out) != 0) {
      rc = cli_fail(err, errlen, "out of memory");
    }
  }
  if (rc == 0 && ferror(in)) {
    rc = cli_fail(err, errlen, "standard input: read error");
  }
  free(line);
  if (rc == 0 && out->count == 0) {
    rc = cli_fail(err, errlen, "no workers: standard input had no values");
  }
  return rc;
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
    for (size_t i = 0; i < a->nvalues && rc == 0; i++) {
      if (a->values[i][0] == '\0') {
        rc = cli_fail(err, errlen, "value %zu after ':::' is empty", i + 1);
      } else if (add_value_job(a, a->values[i], &names, out) != 0) {
        rc = cli_fail(err, errlen, "out of memory");
      }
    }
    break;
  case CLI_MODE_STDIN:
    rc = build_stdin(a, in, &names, out, err, errlen);
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
  memset(jobs, 0, sizeof(*jobs));
}
