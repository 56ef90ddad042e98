/* Command-line parsing: argv into a cli_args_t, with one clear message for
 * anything wrong. Nothing here runs or reads files. */
#include "args.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "fail.h"
#include "signame.h"
#include "suggest.h"
#include "supervise.h"

const char cli_usage_text[] =
    "Usage:\n"
    "  uvsup [OPTIONS] -f PROCFILE\n"
    "  uvsup [OPTIONS] [-n NAME] -c COMMAND [[-n NAME] -c COMMAND]...\n"
    "  uvsup [OPTIONS] [--] PROGRAM [ARG]... ::: VALUE...\n"
    "  uvsup [OPTIONS] [--] PROGRAM [ARG]... < VALUES\n"
    "\n"
    "Runs workers in parallel, each in its own process group, and prints\n"
    "how each one ended once all have finished.\n"
    "\n"
    "Workers:\n"
    "  -f, --procfile FILE    one worker per line 'name: command', run with\n"
    "                         /bin/sh -c in FILE's directory\n"
    "  -c, --command COMMAND  a worker running COMMAND with /bin/sh -c\n"
    "  -n, --name NAME        name of the next -c (default: its position)\n"
    "  PROGRAM [ARG]...       run directly, once per VALUE, named by it; {}\n"
    "                         in PROGRAM or an ARG is replaced by the value\n"
    "                         ({.} {/} {//} {/.} as in GNU parallel), else\n"
    "                         the value is appended; a value is data: in\n"
    "                         the script of 'sh -c' (bash, dash, ...) it\n"
    "                         is shell-quoted as GNU parallel quotes it\n"
    "  ::: VALUE...           the values; without :::, one per line of\n"
    "                         standard input. As in GNU parallel: several\n"
    "                         ::: (every combination), :::+ (linked to the\n"
    "                         source before), :::: FILE (a value per line;\n"
    "                         - is stdin); {N} {N.} {N/} {N//} {N/.} of\n"
    "                         source N, {#} job number, {%} slot\n"
    "  -a, --arg-file FILE    an input source read from FILE, before the\n"
    "                         others\n"
    "\n"
    "Running:\n"
    "  -j, --jobs N           at most N at once, 0 for no limit (default:\n"
    "                         all for -f and -c, else the number of CPUs)\n"
    "  --timeout DURATION     stop a worker that runs longer than this\n"
    "  --kill-after DURATION  grace between the stop signal and SIGKILL\n"
    "                         (default 5s)\n"
    "  --stop-timeout D       on a stop (a signal, --halt now), SIGKILL to\n"
    "                         every worker still running after D (a stack\n"
    "                         stops in reverse dependency order)\n"
    "  --stop-signal SIGNAL   first signal of a stop (default TERM)\n"
    "  --halt WHEN            never (default), soon,fail=N, now,fail=N,\n"
    "                         soon,success=N or now,success=N\n"
    "  DURATION is 500ms, 2s, 1.5 (seconds), 1m or 1h.\n"
    "\n"
    "Output:\n"
    "  --output MODE          tag (default): each line as 'NAME | line';\n"
    "                         group: each run's output in one piece when it\n"
    "                         ends; inherit: shared with uvsup; null\n"
    "  --color WHEN           colour the tags: auto (default), always, never\n"
    "                         (auto honours NO_COLOR)\n"
    "  --timestamps           prefix tagged lines with the time read\n"
    "  --log-dir DIR          also append each worker's output to\n"
    "                         DIR/NAME.log\n"
    "\n"
    "Supervising:\n"
    "  --restart WHEN         no (default), on-failure, on-abnormal (a\n"
    "                         signal or a timeout) or always\n"
    "  --restart-delay D      first restart delay (default 500ms); each\n"
    "                         failure in a row doubles it, +/-10% jitter\n"
    "  --restart-delay-max D  the cap of the delay (default 30s)\n"
    "  --restart-reset D      a run this long forgives earlier failures\n"
    "                         (default twice the cap)\n"
    "  --restart-limit N[/P]  give up past N restarts (within period P;\n"
    "                         without P, N failures in a row)\n"
    "  --success-exit LIST    exit codes that count as success (e.g. 0,3)\n"
    "  --strategy S           one-for-one (default), one-for-all (a restart\n"
    "                         restarts all), rest-for-one (and those after)\n"
    "  --on-give-up WHAT      continue (default) or stop (all, and exit)\n"
    "  --retries N            try a failing job at most N times in all\n"
    "  -q, --quiet            no live lines on stderr (starts, exits,\n"
    "                         restarts; batches print failures only)\n"
    "  --events FILE          one JSON line per worker event to FILE\n"
    "\n"
    "Stacks (after -n NAME: that worker only; elsewhere: every worker;\n"
    "--timeout, --kill-after, --stop-signal and the restart options\n"
    "may be given per worker too):\n"
    "  --ready CHECK          when the worker is ready: fd[:N] (a line on\n"
    "                         descriptor N, default 3), notify (sd_notify\n"
    "                         READY=1), log:REGEX (an output line matches),\n"
    "                         tcp:[HOST:]PORT (connects), exec:COMMAND\n"
    "                         (exits 0) or exit (exited with success)\n"
    "  --ready-timeout D      not ready this long: a failed start, stopped\n"
    "                         (default 60s; 0: never)\n"
    "  --min-uptime D         without --ready: ready after running this long\n"
    "                         (default 1s; 0: at once)\n"
    "  --watchdog D           notify: WATCHDOG=1 at least this often; tcp,\n"
    "                         exec: probe this often, 3 misses fail\n"
    "  --after NAME[:COND][:restart][,...]\n"
    "                         start once NAME is ready (COND: started,\n"
    "                         ready, succeeded, completed); :restart also\n"
    "                         restarts it when NAME restarts. Stops run in\n"
    "                         the reverse order\n"
    "\n"
    "Batches (as GNU parallel):\n"
    "  --joblog [+]FILE       a line per finished job in parallel's joblog\n"
    "                         format (+FILE appends)\n"
    "  --resume               skip the jobs the joblog holds\n"
    "  --resume-failed        ... but run the failed ones again\n"
    "  --retry-failed         run only the jobs the joblog holds as failed\n"
    "  -k, --keep-order       output in input order (implies --output group)\n"
    "  --dry-run              print the commands, run nothing\n"
    "  --bar, --eta           progress on stderr when it is a terminal\n"
    "  --force-progress       ... also when it is not\n"
    "  --shard K/N            run only shard K of N (jobs dealt round robin)\n"
    "  --shell                run each job as GNU parallel does: PROGRAM and\n"
    "                         ARGs joined into one command line for\n"
    "                         /bin/sh -c, each value shell-quoted\n"
    "\n"
    "Summary:\n"
    "  --summary FORMAT       text (default, on stderr), json or none\n"
    "  --summary-file PATH    write the summary to PATH instead\n"
    "  --summary-all          list every worker, however many (by default\n"
    "                         past 100 only those that failed or stopped)\n"
    "\n"
    "Init:\n"
    "  --init                 run PROGRAM [ARG]... once as a container's\n"
    "                         init: reap orphans, pass signals on, exit\n"
    "                         with its status (as PID 1 uvsup does the\n"
    "                         first two for any workers)\n"
    "  -s, --subreaper        adopt and reap orphaned descendants, and\n"
    "                         stop those left at the end\n"
    "\n"
    "  -h, --help             show this help\n"
    "  -V, --version          show the version\n"
    "\n"
    "Exit status: 0 every worker succeeded; 1 a worker failed; 2 bad usage\n"
    "or input (nothing was started); 128+N uvsup was stopped by signal N;\n"
    "141 nobody reads standard output any more (the workers are stopped).\n"
    "With --init: PROGRAM's exit status, 128+N when signal N ended it, 127\n"
    "not found, 126 not executable.\n";


static int parse_jobs(const char* s, unsigned* jobs) {
  if (*s < '0' || *s > '9') {
    return -1;
  }
  errno = 0;
  char* end;
  unsigned long n = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || n > CLI_MAX_JOBS) {
    return -1;
  }
  *jobs = (unsigned)n;
  return 0;
}

static int parse_halt(const char* s, cli_halt_t* halt) {
  if (strcmp(s, "never") == 0) {
    halt->when = CLI_HALT_NEVER;
    return 0;
  }
  const char* rest;
  if (strncmp(s, "soon,", 5) == 0) {
    halt->when = CLI_HALT_SOON;
    rest = s + 5;
  } else if (strncmp(s, "now,", 4) == 0) {
    halt->when = CLI_HALT_NOW;
    rest = s + 4;
  } else {
    return -1;
  }
  if (strncmp(rest, "fail=", 5) == 0) {
    halt->on_success = 0;
    rest += 5;
  } else if (strncmp(rest, "success=", 8) == 0) {
    halt->on_success = 1;
    rest += 8;
  } else {
    return -1;
  }
  unsigned n;
  if (parse_jobs(rest, &n) != 0 || n == 0) {
    return -1;
  }
  halt->count = n;
  return 0;
}

/* Finds the value of an option taking one: "--opt=V", "-oV", or the next
 * argument. Returns NULL (and a message) when it is missing. */
static const char* option_value(int argc,
                                char** argv,
                                int* i,
                                const char* attached,
                                const char* option,
                                char* err,
                                size_t errlen) {
  if (attached != NULL) {
    return attached;
  }
  if (*i + 1 >= argc) {
    cli_fail(err, errlen, "option %s needs a value", option);
    return NULL;
  }
  return argv[++*i];
}

static int add_command(cli_args_t* a, const char* name, const char* command) {
  cli_command_t* grown =
      realloc(a->commands, (a->ncommands + 1) * sizeof(*grown));
  if (grown == NULL) {
    return -1;
  }
  a->commands = grown;
  a->commands[a->ncommands].name = name;
  a->commands[a->ncommands].command = command;
  a->commands[a->ncommands].first_setting = 0;
  a->commands[a->ncommands].nsettings = 0;
  a->ncommands++;
  return 0;
}

static cli_source_t* add_source(cli_args_t* a, cli_source_kind_t kind) {
  cli_source_t* grown = realloc(a->sources, (a->nsources + 1) * sizeof(*grown));
  if (grown == NULL) {
    return NULL;
  }
  a->sources = grown;
  cli_source_t* src = &a->sources[a->nsources++];
  memset(src, 0, sizeof(*src));
  src->kind = kind;
  return src;
}

/* The separators of input sources after PROGRAM, as GNU parallel's. */
static const struct {
  const char* text;
  cli_source_kind_t kind;
  int linked;
} separators[] = {
  { ":::", CLI_SOURCE_VALUES, 0 },
  { ":::+", CLI_SOURCE_VALUES, 1 },
  { "::::", CLI_SOURCE_FILE, 0 },
  { "::::+", CLI_SOURCE_FILE, 1 },
};

#define NSEPARATORS (sizeof(separators) / sizeof(separators[0]))

static int separator_of(const char* arg) {
  for (size_t k = 0; k < NSEPARATORS; k++) {
    if (strcmp(arg, separators[k].text) == 0) {
      return (int)k;
    }
  }
  return -1;
}

/* One separator and the words up to the next: a source of values, or one
 * source per FILE. Returns the index after them, or -1 (message in err). */
static int parse_source(
    int argc, char** argv, int i, cli_args_t* a, char* err, size_t errlen) {
  int sep = separator_of(argv[i]);
  int end = i + 1;
  while (end < argc && separator_of(argv[end]) < 0) {
    end++;
  }
  if (end == i + 1) {
    return cli_fail(
        err, errlen, "no %s after '%s'",
        separators[sep].kind == CLI_SOURCE_FILE ? "files" : "values", argv[i]);
  }
  if (separators[sep].linked && a->nsources == 0) {
    return cli_fail(err, errlen, "'%s' needs an input source before it",
                    argv[i]);
  }
  for (int w = i + 1; w < end; w++) {
    cli_source_t* src = add_source(a, separators[sep].kind);
    if (src == NULL) {
      return cli_fail(err, errlen, "out of memory");
    }
    src->linked = separators[sep].linked && w == i + 1;
    if (separators[sep].kind == CLI_SOURCE_FILE) {
      if (argv[w][0] == '\0') {
        return cli_fail(err, errlen, "%s: the path is empty", argv[i]);
      }
      src->path = argv[w];
      continue;
    }
    src->values = argv + i + 1;
    src->nvalues = (size_t)(end - i - 1);
    break;
  }
  return end;
}

/* PROGRAM [ARG]... [SEPARATOR WORD...]... from argv[i] on. */
static int parse_program(
    int argc, char** argv, int i, cli_args_t* a, char* err, size_t errlen) {
  int start = i;
  while (i < argc && separator_of(argv[i]) < 0) {
    i++;
  }
  a->program = argv + start;
  a->nprogram = (size_t)(i - start);
  if (a->nprogram == 0) {
    return cli_fail(err, errlen, "'%s' needs a PROGRAM before it", argv[i]);
  }
  while (i < argc) {
    if ((i = parse_source(argc, argv, i, a, err, errlen)) < 0) {
      return -1;
    }
  }
  a->mode = a->nsources > 0 ? CLI_MODE_VALUES : CLI_MODE_STDIN;
  return 0;
}

/* --init PROGRAM [ARG]...: one program, run as it is (a '{}' or ':::' in
 * its arguments is its own business), the way tini runs one. */
static int init_program(
    int argc, char** argv, int i, cli_args_t* a, char* err, size_t errlen) {
  if (a->procfile != NULL || a->ncommands > 0 || a->nsources > 0 || i >= argc) {
    return cli_fail(err, errlen,
                    "--init runs one PROGRAM [ARG]... (no -f, -c, -a or "
                    "input sources)");
  }
  a->program = argv + i;
  a->nprogram = (size_t)(argc - i);
  a->mode = CLI_MODE_INIT;
  /* As transparent as tini: the program's own output, no report. */
  if (!a->output_set) {
    a->output = CLI_OUTPUT_INHERIT;
  }
  if (!a->summary_set) {
    a->summary = CLI_SUMMARY_NONE;
  }
  a->quiet = 1;
  return 0;
}

typedef enum {
  OPT_PROCFILE,
  OPT_COMMAND,
  OPT_NAME,
  OPT_JOBS,
  OPT_SUMMARY,
  OPT_SUMMARY_FILE,
  OPT_TIMEOUT,
  OPT_KILL_AFTER,
  OPT_STOP_TIMEOUT,
  OPT_STOP_SIGNAL,
  OPT_HALT,
  OPT_OUTPUT,
  OPT_COLOR,
  OPT_LOG_DIR,
  OPT_TIMESTAMPS,
  OPT_HELP,
  OPT_VERSION,
  OPT_QUIET,
  OPT_EVENTS,
  OPT_ARG_FILE,
  OPT_INIT,
  OPT_SUBREAPER,
  OPT_SUPERVISE, /* supervise.c: sup says which */
  OPT_WORKER,    /* workeropts.c: by its long name */
  OPT_BATCH      /* batch.c: batch says which */
} option_id_t;

typedef struct {
  const char* long_name;
  char short_name;
  int has_value;
  option_id_t id;
  int sup; /* OPT_SUPERVISE: a cli_supervise_option_t; OPT_BATCH: a
              cli_batch_option_t */
} option_spec_t;

static const option_spec_t options[] = {
  { "procfile", 'f', 1, OPT_PROCFILE, 0 },
  { "command", 'c', 1, OPT_COMMAND, 0 },
  { "name", 'n', 1, OPT_NAME, 0 },
  { "jobs", 'j', 1, OPT_JOBS, 0 },
  { "summary", 0, 1, OPT_SUMMARY, 0 },
  { "summary-file", 0, 1, OPT_SUMMARY_FILE, 0 },
  { "timeout", 0, 1, OPT_TIMEOUT, 0 },
  { "kill-after", 0, 1, OPT_KILL_AFTER, 0 },
  { "stop-timeout", 0, 1, OPT_STOP_TIMEOUT, 0 },
  { "stop-signal", 0, 1, OPT_STOP_SIGNAL, 0 },
  { "halt", 0, 1, OPT_HALT, 0 },
  { "output", 0, 1, OPT_OUTPUT, 0 },
  { "color", 0, 1, OPT_COLOR, 0 },
  { "colour", 0, 1, OPT_COLOR, 0 },
  { "log-dir", 0, 1, OPT_LOG_DIR, 0 },
  { "quiet", 'q', 0, OPT_QUIET, 0 },
  { "events", 0, 1, OPT_EVENTS, 0 },
  { "arg-file", 'a', 1, OPT_ARG_FILE, 0 },
  { "restart", 0, 1, OPT_SUPERVISE, CLI_SUP_RESTART },
  { "restart-delay", 0, 1, OPT_SUPERVISE, CLI_SUP_DELAY },
  { "restart-delay-max", 0, 1, OPT_SUPERVISE, CLI_SUP_DELAY_MAX },
  { "restart-reset", 0, 1, OPT_SUPERVISE, CLI_SUP_RESET },
  { "restart-limit", 0, 1, OPT_SUPERVISE, CLI_SUP_LIMIT },
  { "success-exit", 0, 1, OPT_SUPERVISE, CLI_SUP_SUCCESS },
  { "strategy", 0, 1, OPT_SUPERVISE, CLI_SUP_STRATEGY },
  { "on-give-up", 0, 1, OPT_SUPERVISE, CLI_SUP_ON_GIVE_UP },
  { "retries", 0, 1, OPT_SUPERVISE, CLI_SUP_RETRIES },
  { "ready", 0, 1, OPT_WORKER, 0 },
  { "ready-timeout", 0, 1, OPT_WORKER, 0 },
  { "min-uptime", 0, 1, OPT_WORKER, 0 },
  { "watchdog", 0, 1, OPT_WORKER, 0 },
  { "after", 0, 1, OPT_WORKER, 0 },
  { "timestamps", 0, 0, OPT_TIMESTAMPS, 0 },
  { "init", 0, 0, OPT_INIT, 0 },
  { "subreaper", 's', 0, OPT_SUBREAPER, 0 },
  { "summary-all", 0, 0, OPT_BATCH, CLI_BATCH_SUMMARY_ALL },
  { "joblog", 0, 1, OPT_BATCH, CLI_BATCH_JOBLOG },
  { "resume", 0, 0, OPT_BATCH, CLI_BATCH_RESUME },
  { "resume-failed", 0, 0, OPT_BATCH, CLI_BATCH_RESUME_FAILED },
  { "retry-failed", 0, 0, OPT_BATCH, CLI_BATCH_RETRY_FAILED },
  { "keep-order", 'k', 0, OPT_BATCH, CLI_BATCH_KEEP_ORDER },
  { "dry-run", 0, 0, OPT_BATCH, CLI_BATCH_DRY_RUN },
  { "bar", 0, 0, OPT_BATCH, CLI_BATCH_BAR },
  { "eta", 0, 0, OPT_BATCH, CLI_BATCH_ETA },
  { "force-progress", 0, 0, OPT_BATCH, CLI_BATCH_FORCE_PROGRESS },
  { "shard", 0, 1, OPT_BATCH, CLI_BATCH_SHARD },
  { "shell", 0, 0, OPT_BATCH, CLI_BATCH_SHELL },
  { "help", 'h', 0, OPT_HELP, 0 },
  { "version", 'V', 0, OPT_VERSION, 0 },
};

/* Looks arg up; sets *attached to a value given in the same argument. */
static const option_spec_t* find_option(const char* arg,
                                        const char** attached) {
  *attached = NULL;
  size_t n = sizeof(options) / sizeof(options[0]);
  if (arg[1] == '-') {
    const char* name = arg + 2;
    size_t len = strcspn(name, "=");
    for (size_t k = 0; k < n; k++) {
      if (strlen(options[k].long_name) == len &&
          strncmp(options[k].long_name, name, len) == 0) {
        if (name[len] == '=') {
          *attached = name + len + 1;
        }
        return &options[k];
      }
    }
    return NULL;
  }
  for (size_t k = 0; k < n; k++) {
    if (options[k].short_name != 0 && options[k].short_name == arg[1]) {
      if (arg[2] != '\0') {
        *attached = arg + 2;
      }
      return &options[k];
    }
  }
  return NULL;
}

/* A setting of the worker named by the pending -n: checked now, applied
 * over the defaults once every option is read (jobs.c). */
static int add_setting(cli_args_t* a,
                       const option_spec_t* opt,
                       const char* shown,
                       const char* value,
                       char* err,
                       size_t errlen) {
  cli_worker_t scratch;
  cli_worker_init(&scratch, NULL);
  int rc = cli_worker_set(&scratch, opt->long_name, shown, value, err, errlen);
  cli_worker_free(&scratch);
  if (rc != 0) {
    return -1;
  }
  cli_setting_t* grown =
      realloc(a->settings, (a->nsettings + 1) * sizeof(*grown));
  if (grown == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  a->settings = grown;
  a->settings[a->nsettings].key = opt->long_name;
  a->settings[a->nsettings].value = value;
  a->nsettings++;
  return 0;
}

/* "unknown option '--jbos' (did you mean --jobs?)". */
static int unknown_option(const char* arg, char* err, size_t errlen) {
  size_t n = sizeof(options) / sizeof(options[0]);
  const char* names[sizeof(options) / sizeof(options[0])];
  for (size_t k = 0; k < n; k++) {
    names[k] = options[k].long_name;
  }
  const char* near = NULL;
  if (arg[1] == '-') {
    char word[64];
    snprintf(word, sizeof(word), "%.*s", (int)strcspn(arg + 2, "="), arg + 2);
    near = cli_suggest(word, names, n);
  }
  if (near == NULL) {
    return cli_fail(err, errlen, "unknown option '%s'", arg);
  }
  return cli_fail(err, errlen, "unknown option '%s' (did you mean --%s?)", arg,
                  near);
}

static int apply_option(const option_spec_t* opt,
                        const char* shown,
                        const char* value,
                        const char** pending_name,
                        cli_args_t* a,
                        char* err,
                        size_t errlen) {
  if (*pending_name != NULL && value != NULL &&
      cli_worker_key(opt->long_name)) {
    return add_setting(a, opt, shown, value, err, errlen);
  }
  switch (opt->id) {
  case OPT_PROCFILE:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    if (a->procfile != NULL) {
      return cli_fail(err, errlen, "%s: only one Procfile may be given", shown);
    }
    a->procfile = value;
    return 0;
  case OPT_NAME:
    if (*pending_name != NULL) {
      return cli_fail(err, errlen, "%s '%s': two names for one -c", shown,
                      value);
    }
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the name is empty", shown);
    }
    *pending_name = value;
    a->pending_settings = a->nsettings;
    return 0;
  case OPT_COMMAND:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the command is empty", shown);
    }
    if (add_command(a, *pending_name, value) != 0) {
      return cli_fail(err, errlen, "out of memory");
    }
    if (*pending_name != NULL) {
      a->commands[a->ncommands - 1].first_setting = a->pending_settings;
      a->commands[a->ncommands - 1].nsettings =
          a->nsettings - a->pending_settings;
    }
    *pending_name = NULL;
    return 0;
  case OPT_JOBS:
    if (parse_jobs(value, &a->jobs) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': not a number of jobs (0 to %d; 0: no limit)",
                      shown, value, CLI_MAX_JOBS);
    }
    a->jobs_set = 1;
    return 0;
  case OPT_SUMMARY:
    a->summary_set = 1;
    if (strcmp(value, "text") == 0) {
      a->summary = CLI_SUMMARY_TEXT;
    } else if (strcmp(value, "json") == 0) {
      a->summary = CLI_SUMMARY_JSON;
    } else if (strcmp(value, "none") == 0) {
      a->summary = CLI_SUMMARY_NONE;
    } else {
      return cli_fail(err, errlen, "%s '%s': use text, json or none", shown,
                      value);
    }
    return 0;
  case OPT_SUMMARY_FILE:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    a->summary_file = value;
    return 0;
  case OPT_TIMEOUT:
  case OPT_STOP_TIMEOUT:
  case OPT_KILL_AFTER: {
    uint64_t ms;
    if (cli_duration_parse(value, &ms) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': not a duration (e.g. 500ms, 2s, 1.5, 1m)",
                      shown, value);
    }
    if (opt->id == OPT_TIMEOUT) {
      if (ms == 0) {
        return cli_fail(err, errlen, "%s '%s': the timeout must be above 0",
                        shown, value);
      }
      a->timeout_ms = ms;
    } else if (opt->id == OPT_STOP_TIMEOUT) {
      a->stop_timeout_ms = ms;
    } else {
      a->kill_after_ms = ms;
    }
    return 0;
  }
  case OPT_STOP_SIGNAL: {
    int sig = cli_stop_signal_parse(shown, value, err, errlen);
    if (sig < 0) {
      return -1;
    }
    a->stop_signal = sig;
    return 0;
  }
  case OPT_HALT:
    if (parse_halt(value, &a->halt) != 0) {
      return cli_fail(err, errlen,
                      "%s '%s': use never, soon,fail=N, now,fail=N, "
                      "soon,success=N or now,success=N (N >= 1)",
                      shown, value);
    }
    return 0;
  case OPT_OUTPUT: {
    a->output_set = 1;
    static const char* const modes[] = { "tag", "group", "inherit", "null" };
    for (int m = 0; m < 4; m++) {
      if (strcmp(value, modes[m]) == 0) {
        a->output = (cli_output_mode_t)m;
        return 0;
      }
    }
    return cli_fail(err, errlen, "%s '%s': use tag, group, inherit or null",
                    shown, value);
  }
  case OPT_COLOR:
    if (strcmp(value, "auto") == 0) {
      a->color = CLI_COLOR_AUTO;
    } else if (strcmp(value, "always") == 0) {
      a->color = CLI_COLOR_ALWAYS;
    } else if (strcmp(value, "never") == 0) {
      a->color = CLI_COLOR_NEVER;
    } else {
      return cli_fail(err, errlen, "%s '%s': use auto, always or never", shown,
                      value);
    }
    return 0;
  case OPT_LOG_DIR:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the directory is empty", shown);
    }
    a->log_dir = value;
    return 0;
  case OPT_TIMESTAMPS:
    a->timestamps = 1;
    return 0;
  case OPT_INIT:
    a->init = 1;
    return 0;
  case OPT_SUBREAPER:
    a->subreaper = 1;
    return 0;
  case OPT_HELP:
    a->help = 1;
    return 0;
  case OPT_VERSION:
    a->version = 1;
    return 0;
  case OPT_QUIET:
    a->quiet = 1;
    return 0;
  case OPT_EVENTS:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    a->events_file = value;
    return 0;
  case OPT_ARG_FILE: {
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    cli_source_t* src = add_source(a, CLI_SOURCE_FILE);
    if (src == NULL) {
      return cli_fail(err, errlen, "out of memory");
    }
    src->path = value;
    return 0;
  }
  case OPT_SUPERVISE:
    return cli_supervise_option(&a->supervise, (cli_supervise_option_t)opt->sup,
                                shown, value, err, errlen);
  case OPT_WORKER:
    if (strcmp(opt->long_name, "after") == 0) {
      return cli_fail(err, errlen,
                      "%s '%s' is for one worker: give it after -n NAME", shown,
                      value);
    }
    return cli_worker_set(&a->stack, opt->long_name, shown, value, err, errlen);
  case OPT_BATCH:
    return cli_batch_option(&a->batch, (cli_batch_option_t)opt->sup, shown,
                            value, err, errlen);
  }
  return 0;
}

int cli_args_parse(
    int argc, char** argv, cli_args_t* a, char* err, size_t errlen) {
  memset(a, 0, sizeof(*a));
  cli_supervise_init(&a->supervise);
  cli_worker_init(&a->stack, NULL);
  a->kill_after_ms = 5000;
  a->stop_signal = SIGTERM;
  const char* pending_name = NULL;
  int i = 1;

  for (; i < argc; i++) {
    const char* arg = argv[i];
    if (strcmp(arg, "--") == 0) {
      i++;
      break;
    }
    if (arg[0] != '-' || arg[1] == '\0') {
      break; /* PROGRAM: everything from here on belongs to the workers */
    }
    const char* attached;
    const option_spec_t* opt = find_option(arg, &attached);
    if (opt == NULL) {
      return unknown_option(arg, err, errlen);
    }
    /* Name the option as the user wrote it, without any "=value". */
    char shown[64];
    snprintf(shown, sizeof(shown), "%.*s", (int)strcspn(arg, "="), arg);
    if (arg[1] != '-' && attached != NULL) {
      snprintf(shown, sizeof(shown), "-%c", arg[1]);
    }
    if (!opt->has_value) {
      if (attached != NULL) {
        return cli_fail(err, errlen, "option %s takes no value", shown);
      }
      if (apply_option(opt, shown, NULL, &pending_name, a, err, errlen) != 0) {
        return -1;
      }
      continue;
    }
    const char* value =
        option_value(argc, argv, &i, attached, shown, err, errlen);
    if (value == NULL) {
      return -1;
    }
    if (apply_option(opt, shown, value, &pending_name, a, err, errlen) != 0) {
      return -1;
    }
  }
  if (a->help || a->version) {
    return 0;
  }
  if (pending_name != NULL) {
    return cli_fail(err, errlen, "-n '%s' is not followed by a -c COMMAND",
                    pending_name);
  }
  if (cli_supervise_finish(&a->supervise, err, errlen) != 0 ||
      cli_batch_finish(&a->batch, err, errlen) != 0) {
    return -1;
  }

  int has_program = i < argc;
  if (!has_program && a->nsources > 0) {
    return cli_fail(err, errlen, "-a '%s': no PROGRAM to give the values to",
                    a->sources[0].path);
  }
  int kinds = (a->procfile != NULL) + (a->ncommands > 0) + has_program;
  if (kinds == 0) {
    return cli_fail(err, errlen,
                    "no workers: give -f PROCFILE, -c COMMAND or a PROGRAM");
  }
  if (kinds > 1) {
    const char* got = kinds == 3            ? "-f, -c and a PROGRAM"
                      : a->procfile == NULL ? "-c and a PROGRAM"
                      : has_program         ? "-f and a PROGRAM"
                                            : "-f and -c";
    return cli_fail(err, errlen,
                    "give workers one way only: -f PROCFILE, -c COMMAND or a "
                    "PROGRAM (got %s)",
                    got);
  }
  if (a->init) {
    return init_program(argc, argv, i, a, err, errlen);
  }
  if (a->procfile != NULL) {
    a->mode = CLI_MODE_PROCFILE;
  } else if (a->ncommands > 0) {
    a->mode = CLI_MODE_COMMANDS;
  } else if (parse_program(argc, argv, i, a, err, errlen) != 0) {
    return -1;
  }
  return 0;
}

void cli_args_free(cli_args_t* a) {
  free(a->settings);
  a->settings = NULL;
  a->nsettings = 0;
  cli_worker_free(&a->stack);
  free(a->commands);
  a->commands = NULL;
  a->ncommands = 0;
  free(a->sources);
  a->sources = NULL;
  a->nsources = 0;
}
