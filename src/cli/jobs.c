/* Turning parsed arguments into the workers: Procfile entries, -c
 * commands, or a program expanded for each job of the input sources, made
 * as the jobs are run (the first source may still be arriving). */
#include "jobs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "buf.h"
#include "fail.h"
#include "names.h"
#include "procfile.h"
#include "tag.h"
#include "template.h"


static cli_job_t* add_job(cli_jobs_t* jobs) {
  if (jobs->nfixed == jobs->capacity) {
    size_t capacity = jobs->capacity ? jobs->capacity * 2 : 16;
    cli_job_t* grown = realloc(jobs->fixed, capacity * sizeof(*grown));
    if (grown == NULL) {
      return NULL;
    }
    jobs->fixed = grown;
    jobs->capacity = capacity;
  }
  cli_job_t* job = &jobs->fixed[jobs->nfixed++];
  jobs->count = jobs->nfixed;
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

/* The job's settings into w: the defaults, then each of sets in order.
 * who prefixes a message ("-n 'web'", "PATH:LINE"). */
static int job_worker(const cli_args_t* a,
                      cli_worker_t* w,
                      const cli_setting_t* const* sets,
                      size_t n,
                      const char* who,
                      char* err,
                      size_t errlen) {
  char why[768];
  cli_worker_t defaults = a->stack;
  defaults.supervise = a->supervise;
  defaults.timeout_ms = a->timeout_ms;
  defaults.kill_after_ms = a->kill_after_ms;
  defaults.stop_signal = a->stop_signal;
  if (cli_worker_copy(w, &defaults) != 0) {
    return cli_fail(err, errlen, "out of memory");
  }
  for (size_t i = 0; i < n; i++) {
    char shown[64];
    snprintf(shown, sizeof(shown), "%s%s", who[0] == '-' ? "--" : "",
             sets[i]->key);
    if (cli_worker_set(w, sets[i]->key, shown, sets[i]->value, why,
                       sizeof(why)) != 0) {
      return cli_fail(err, errlen, "%s: %s", who, why);
    }
  }
  if (cli_worker_finish(w, why, sizeof(why)) != 0) {
    return cli_fail(err, errlen, "%s: %s", who, why);
  }
  if (w->ready != NULL && strncmp(w->ready, "log:", 4) == 0 &&
      (a->output == CLI_OUTPUT_INHERIT || a->output == CLI_OUTPUT_NULL)) {
    return cli_fail(err, errlen,
                    "%s: --ready log:... reads the output: use --output tag "
                    "or group",
                    who);
  }
  return 0;
}

/* The settings of entry e: "#uvsup *:" lines, then "#uvsup NAME:". */
static int procfile_worker(const cli_args_t* a,
                           const cli_procfile_t* pf,
                           size_t e,
                           cli_worker_t* w,
                           char* err,
                           size_t errlen) {
  size_t n = 0;
  for (size_t i = 0; i < pf->ndirectives; i++) {
    n += pf->directives[i].nsettings;
  }
  const cli_setting_t** sets = calloc(n + 1, sizeof(*sets));
  if (sets == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  size_t k = 0;
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < pf->ndirectives; i++) {
      const cli_directive_t* d = &pf->directives[i];
      const char* want = pass == 0 ? "*" : pf->entries[e].name;
      for (size_t j = 0; strcmp(d->name, want) == 0 && j < d->nsettings; j++) {
        sets[k++] = &d->settings[j];
      }
    }
  }
  char who[600];
  snprintf(who, sizeof(who), "%.500s:%u", a->procfile, pf->entries[e].line);
  int rc = job_worker(a, w, sets, k, who, err, errlen);
  free(sets);
  return rc;
}

/* The command's settings: those given after its -n. */
static int command_worker(const cli_args_t* a,
                          size_t i,
                          const char* name,
                          cli_worker_t* w,
                          char* err,
                          size_t errlen) {
  const cli_command_t* c = &a->commands[i];
  const cli_setting_t** sets = calloc(c->nsettings + 1, sizeof(*sets));
  if (sets == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  for (size_t k = 0; k < c->nsettings; k++) {
    sets[k] = &a->settings[c->first_setting + k];
  }
  char who[300];
  snprintf(who, sizeof(who), "-n '%.200s'", name);
  int rc = job_worker(a, w, sets, c->nsettings, who, err, errlen);
  free(sets);
  return rc;
}

/* Room for the settings of every fixed job. */
static int make_workers(cli_jobs_t* out, char* err, size_t errlen) {
  out->workers = calloc(out->nfixed + 1, sizeof(*out->workers));
  return out->workers != NULL ? 0 : cli_fail(err, errlen, "out of memory");
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
  if (rc == 0) {
    rc = make_workers(out, err, errlen);
  }
  for (size_t i = 0; i < pf.count && rc == 0; i++) {
    rc = procfile_worker(a, &pf, i, &out->workers[i], err, errlen);
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
    for (size_t j = 0; j < out->nfixed; j++) {
      if (strcmp(out->fixed[j].name, name) == 0) {
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
  if (make_workers(out, err, errlen) != 0) {
    return -1;
  }
  for (size_t i = 0; i < a->ncommands; i++) {
    if (command_worker(a, i, out->fixed[i].name, &out->workers[i], err,
                       errlen) != 0) {
      return -1;
    }
  }
  return 0;
}

/* --init: the one program, its arguments as given. */
static int build_init(const cli_args_t* a,
                      cli_jobs_t* out,
                      char* err,
                      size_t errlen) {
  cli_job_t* job = add_job(out);
  if (job == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  job->argv = calloc(a->nprogram + 1, sizeof(*job->argv));
  int rc = job->argv == NULL ? -1 : 0;
  for (size_t i = 0; rc == 0 && i < a->nprogram; i++) {
    rc = (job->argv[i] = strdup(a->program[i])) == NULL ? -1 : 0;
  }
  if (rc == 0 && (job->name = strdup(a->program[0])) == NULL) {
    rc = -1;
  }
  return rc == 0 ? 0 : cli_fail(err, errlen, "out of memory");
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

/* Job k's values and what its replacement strings stand for. */
static const char** job_values(cli_jobs_t* jobs,
                               size_t k,
                               unsigned long slot,
                               cli_subst_t* subst) {
  const char** values = calloc(jobs->inputs.count + 1, sizeof(*values));
  if (values != NULL) {
    cli_inputs_tuple(&jobs->inputs, k, values);
  }
  cli_subst_t s = { values, jobs->inputs.count, k + 1, slot };
  *subst = s;
  return values;
}

/* "{/}" of "a/" is empty: a program with no name would fail as a spawn
 * error per worker; it is a mistake in the command line. */
static int check_program(const char* program,
                         const char* const* values,
                         size_t n,
                         char* err,
                         size_t errlen) {
  if (program[0] != '\0') {
    return 0;
  }
  cli_buf_t name;
  cli_buf_init(&name);
  job_name(&name, values, n);
  cli_fail(err, errlen, "value '%s': the program is empty after replacement",
           name.data != NULL ? name.data : "");
  cli_buf_free(&name);
  return -1;
}

/* Every job known before anything runs has a program: only the first
 * word can make it empty, so only that is expanded. */
static int check_programs(cli_jobs_t* jobs, char* err, size_t errlen) {
  const cli_args_t* a = jobs->args;
  if (a->batch.shell) {
    return 0; /* the shell runs the line: it says what is wrong with it */
  }
  if (!cli_template_has_placeholder(a->program, 1)) {
    return a->program[0][0] == '\0' ? check_program("", NULL, 0, err, errlen)
                                    : 0;
  }
  int rc = 0;
  for (size_t k = 0; rc == 0 && k < jobs->count; k++) {
    cli_subst_t subst;
    const char** values = job_values(jobs, k, 0, &subst);
    char** argv =
        values != NULL ? cli_template_expand_job(a->program, 1, &subst) : NULL;
    rc = argv == NULL
             ? cli_fail(err, errlen, "out of memory")
             : check_program(argv[0], values, subst.nvalues, err, errlen);
    cli_argv_free(argv);
    free(values);
  }
  return rc;
}

static int open_inputs(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen) {
  /* Values on standard input are one source read as :::: - would be. */
  static cli_source_t stdin_source = { CLI_SOURCE_FILE, 0, NULL, 0, "-" };
  cli_args_t* with_stdin = NULL;
  if (a->mode == CLI_MODE_STDIN) {
    /* Kept while the jobs live: jobs->args points at it. */
    with_stdin = malloc(sizeof(*with_stdin));
    if (with_stdin == NULL) {
      return cli_fail(err, errlen, "out of memory");
    }
    *with_stdin = *a;
    with_stdin->sources = &stdin_source;
    with_stdin->nsources = 1;
    a = with_stdin;
  }
  out->args = a;
  out->own_args = with_stdin;
  int stream = cli_inputs_can_stream(a);
  if (cli_inputs_load(a, in, stream, &out->inputs, err, errlen) != 0) {
    return -1;
  }
  if (stream) {
    out->stream = a->sources[0].path;
    out->stream_shown =
        strcmp(out->stream, "-") == 0 ? "standard input" : out->stream;
    return 0;
  }
  out->count = out->inputs.jobs;
  out->ended = 1;
  if (out->count == 0) {
    return cli_fail(
        err, errlen, "no workers: %s had no values",
        a->mode == CLI_MODE_STDIN ? "standard input" : "the input sources");
  }
  return check_programs(out, err, errlen);
}

int cli_jobs_open(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen) {
  memset(out, 0, sizeof(*out));
  out->args = a;
  cli_names_init(&out->names);
  int rc = 0;
  switch (a->mode) {
  case CLI_MODE_PROCFILE:
    rc = build_procfile(a, out, err, errlen);
    out->ended = 1;
    break;
  case CLI_MODE_COMMANDS:
    rc = build_commands(a, out, err, errlen);
    out->ended = 1;
    break;
  case CLI_MODE_VALUES:
  case CLI_MODE_STDIN:
    rc = open_inputs(a, in, out, err, errlen);
    break;
  case CLI_MODE_INIT:
    rc = build_init(a, out, err, errlen);
    out->ended = 1;
    break;
  case CLI_MODE_NONE:
    rc = cli_fail(err, errlen, "no workers");
    break;
  }
  if (rc != 0) {
    cli_jobs_free(out);
  }
  return rc;
}

int cli_jobs_take_line(
    cli_jobs_t* jobs, const char* line, size_t len, char* err, size_t errlen) {
  jobs->lineno++;
  if (cli_value_check(line, &len, jobs->stream_shown, jobs->lineno, err,
                      errlen) != 0) {
    return -1;
  }
  if (len == 0) {
    return 0;
  }
  char* value = strndup(line, len);
  if (value == NULL || cli_inputs_push(&jobs->inputs, value) != 0) {
    free(value);
    return cli_fail(err, errlen, "out of memory");
  }
  free(value);
  jobs->count = jobs->inputs.jobs;
  return 0;
}

int cli_jobs_end(cli_jobs_t* jobs, char* err, size_t errlen) {
  jobs->ended = 1;
  if (jobs->count == 0) {
    return cli_fail(
        err, errlen, "no workers: %s had no values",
        jobs->stream_shown != NULL ? jobs->stream_shown : "the input sources");
  }
  return 0;
}

/* One raw line of f into buf (up to max + 1 bytes: a longer one is
 * refused anyway), without its newline. Returns 0 at the end. */
static int raw_line(FILE* f, char* buf, size_t max, size_t* len) {
  size_t n = 0;
  int c = EOF;
  while ((c = getc_unlocked(f)) != EOF && c != '\n') {
    if (n <= max) {
      buf[n++] = (char)c;
    }
  }
  *len = n;
  return c != EOF || n > 0;
}

/* Reads the whole stream from in, or from its file, line by line as the
 * loop's reader would (cli_jobs_take_line() checks each). */
static int read_stream(cli_jobs_t* jobs, FILE* in, char* err, size_t errlen) {
  int is_stdin = strcmp(jobs->stream, "-") == 0;
  FILE* f = is_stdin ? in : fopen(jobs->stream, "re");
  if (f == NULL) {
    return cli_fail(err, errlen, "%s: %s", jobs->stream, strerror(errno));
  }
  char* line = malloc(CLI_MAX_VALUE + 2);
  int rc = line == NULL ? cli_fail(err, errlen, "out of memory") : 0;
  size_t len;
  while (rc == 0 && raw_line(f, line, CLI_MAX_VALUE, &len)) {
    rc = cli_jobs_take_line(jobs, line, len, err, errlen);
  }
  if (rc == 0 && ferror(f)) {
    rc = cli_fail(err, errlen, "%s: read error", jobs->stream_shown);
  }
  free(line);
  if (!is_stdin) {
    fclose(f);
  }
  return rc;
}

int cli_jobs_build(
    const cli_args_t* a, FILE* in, cli_jobs_t* out, char* err, size_t errlen) {
  if (cli_jobs_open(a, in, out, err, errlen) != 0) {
    return -1;
  }
  if (out->stream != NULL && (read_stream(out, in, err, errlen) != 0 ||
                              cli_jobs_end(out, err, errlen) != 0 ||
                              check_programs(out, err, errlen) != 0)) {
    cli_jobs_free(out);
    return -1;
  }
  return 0;
}

static char** copy_argv(char* const* argv) {
  size_t n = 0;
  while (argv[n] != NULL) {
    n++;
  }
  char** copy = calloc(n + 1, sizeof(*copy));
  for (size_t i = 0; copy != NULL && i < n; i++) {
    if ((copy[i] = strdup(argv[i])) == NULL) {
      cli_argv_free(copy);
      return NULL;
    }
  }
  return copy;
}

/* -f and -c: every job was built first. */
static int is_fixed(const cli_jobs_t* jobs) {
  return jobs->args->mode == CLI_MODE_PROCFILE ||
         jobs->args->mode == CLI_MODE_COMMANDS ||
         jobs->args->mode == CLI_MODE_INIT;
}

static int make_fixed(const cli_job_t* job, cli_job_t* out) {
  out->name = strdup(job->name);
  out->argv = copy_argv(job->argv);
  out->cwd = job->cwd != NULL ? strdup(job->cwd) : NULL;
  return out->name == NULL || out->argv == NULL ||
                 (job->cwd != NULL && out->cwd == NULL)
             ? -1
             : 0;
}

/* The job's argv: the program with its values in place, or with
 * --shell, parallel's command line for /bin/sh -c. */
static char** make_argv(const cli_jobs_t* jobs, const cli_subst_t* subst) {
  const cli_args_t* a = jobs->args;
  if (!a->batch.shell) {
    return cli_template_expand_job(a->program, a->nprogram, subst);
  }
  cli_buf_t command;
  cli_buf_init(&command);
  char** argv =
      cli_template_command(&command, a->program, a->nprogram, subst) == 0
          ? shell_argv(command.data)
          : NULL;
  cli_buf_free(&command);
  return argv;
}

int cli_jobs_make(cli_jobs_t* jobs,
                  size_t k,
                  unsigned long slot,
                  cli_job_t* out,
                  char* err,
                  size_t errlen) {
  memset(out, 0, sizeof(*out));
  if (is_fixed(jobs)) {
    if (make_fixed(&jobs->fixed[k], out) != 0) {
      cli_job_free(out);
      return cli_fail(err, errlen, "out of memory");
    }
    return 0;
  }
  cli_subst_t subst;
  const char** values = job_values(jobs, k, slot, &subst);
  cli_buf_t name;
  cli_buf_init(&name);
  int rc = values == NULL ? -1 : 0;
  /* Each run needs its own name: a repeated value ("::: a a") is named
   * "VALUE#2", "VALUE#3", ... (see cli_names_unique). */
  if (rc == 0 && k == jobs->named &&
      (job_name(&name, values, subst.nvalues) != 0 ||
       (out->name = cli_names_unique(&jobs->names, name.data)) == NULL)) {
    rc = -1;
  }
  if (rc == 0 && (out->argv = make_argv(jobs, &subst)) == NULL) {
    rc = -1;
  }
  jobs->named += rc == 0 && out->name != NULL;
  rc = rc != 0
           ? cli_fail(err, errlen, "out of memory")
           : check_program(out->argv[0], values, subst.nvalues, err, errlen);
  cli_buf_free(&name);
  free(values);
  if (rc != 0) {
    cli_job_free(out);
  }
  return rc;
}

void cli_job_free(cli_job_t* job) {
  free(job->name);
  cli_argv_free(job->argv);
  free(job->cwd);
  memset(job, 0, sizeof(*job));
}

int cli_jobs_command(cli_jobs_t* jobs,
                     size_t k,
                     unsigned long slot,
                     cli_buf_t* b) {
  if (jobs->args->mode == CLI_MODE_INIT) {
    for (char** w = jobs->fixed[k].argv; *w != NULL; w++) {
      cli_buf_printf(b, "%s%s", w == jobs->fixed[k].argv ? "" : " ", *w);
    }
    return b->failed ? -1 : 0;
  }
  if (is_fixed(jobs)) {
    cli_buf_puts(b, jobs->fixed[k].argv[2]); /* sh -c COMMAND */
    return b->failed ? -1 : 0;
  }
  cli_subst_t subst;
  const char** values = job_values(jobs, k, slot, &subst);
  int rc = values == NULL ? -1
                          : cli_template_command(b, jobs->args->program,
                                                 jobs->args->nprogram, &subst);
  free(values);
  return rc;
}

int cli_jobs_widest(const cli_jobs_t* jobs, size_t* width) {
  *width = 0;
  if (is_fixed(jobs)) {
    for (size_t k = 0; k < jobs->nfixed; k++) {
      size_t w = cli_tag_name_width(jobs->fixed[k].name);
      *width = w > *width ? w : *width;
    }
    return 0;
  }
  /* The names as they will be made, in a set of their own. */
  cli_names_t names;
  cli_names_init(&names);
  cli_buf_t name;
  cli_buf_init(&name);
  const char** values = calloc(jobs->inputs.count + 1, sizeof(*values));
  int rc = values == NULL ? -1 : 0;
  for (size_t k = 0; rc == 0 && k < jobs->count; k++) {
    cli_inputs_tuple(&jobs->inputs, k, values);
    char* unique = job_name(&name, values, jobs->inputs.count) == 0
                       ? cli_names_unique(&names, name.data)
                       : NULL;
    if (unique == NULL) {
      rc = -1;
      break;
    }
    size_t w = cli_tag_name_width(unique);
    *width = w > *width ? w : *width;
    free(unique);
  }
  free(values);
  cli_buf_free(&name);
  cli_names_free(&names);
  return rc;
}

void cli_jobs_forget(cli_jobs_t* jobs, size_t k) {
  cli_inputs_forget(&jobs->inputs, k);
}

const cli_worker_t* cli_jobs_worker(const cli_jobs_t* jobs, size_t k) {
  return jobs->workers != NULL && k < jobs->nfixed ? &jobs->workers[k] : NULL;
}

void cli_jobs_free(cli_jobs_t* jobs) {
  for (size_t i = 0; jobs->workers != NULL && i < jobs->nfixed; i++) {
    cli_worker_free(&jobs->workers[i]);
  }
  free(jobs->workers);
  jobs->workers = NULL;
  for (size_t i = 0; i < jobs->nfixed; i++) {
    cli_job_free(&jobs->fixed[i]);
  }
  free(jobs->fixed);
  cli_inputs_free(&jobs->inputs);
  cli_names_free(&jobs->names);
  free(jobs->own_args);
  memset(jobs, 0, sizeof(*jobs));
}
