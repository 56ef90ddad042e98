/* Command-line parsing: argv into a description of the run, nothing more. */
#ifndef UVSUP_CLI_ARGS_H
#define UVSUP_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>

#include "batch.h"
#include "supervise.h"
#include "tag.h"
#include "workeropts.h"

#define CLI_MAX_JOBS 1000000 /* -j beyond this is surely a typo */

typedef enum {
  CLI_MODE_NONE = 0,
  CLI_MODE_PROCFILE, /* -f FILE */
  CLI_MODE_COMMANDS, /* -c CMD ... */
  CLI_MODE_VALUES,   /* PROGRAM [ARG]... with input sources (:::, ::::, -a) */
  CLI_MODE_STDIN,    /* PROGRAM [ARG]... with values on stdin */
  CLI_MODE_INIT      /* --init PROGRAM [ARG]...: run once, as it is */
} cli_mode_t;

typedef enum {
  CLI_SUMMARY_TEXT = 0,
  CLI_SUMMARY_JSON,
  CLI_SUMMARY_NONE
} cli_summary_format_t;

typedef enum {
  CLI_OUTPUT_TAG = 0, /* "NAME | line" per line, stdout and stderr apart */
  CLI_OUTPUT_GROUP,   /* each run's output in one piece when it ends */
  CLI_OUTPUT_INHERIT, /* workers share uvsup's stdout and stderr */
  CLI_OUTPUT_NULL     /* discarded */
} cli_output_mode_t;

typedef enum {
  CLI_HALT_NEVER = 0,
  CLI_HALT_SOON, /* start nothing new, let the running ones finish */
  CLI_HALT_NOW   /* also stop the running ones */
} cli_halt_when_t;

typedef struct {
  cli_halt_when_t when;
  int on_success; /* 0: count failures, 1: count successes */
  unsigned count; /* trigger after this many */
} cli_halt_t;

typedef struct {
  const char* name; /* from -n, or NULL: named by position */
  const char* command;
  size_t first_setting; /* its own settings (given after its -n): */
  size_t nsettings;     /* settings[first_setting ...] */
} cli_command_t;

/* One input source, as GNU parallel's. */
typedef enum {
  CLI_SOURCE_VALUES, /* ::: VALUE... */
  CLI_SOURCE_FILE    /* :::: FILE or -a FILE: one value per line */
} cli_source_kind_t;

typedef struct {
  cli_source_kind_t kind;
  int linked;    /* :::+ or ::::+: linked to the source before */
  char** values; /* CLI_SOURCE_VALUES: into argv */
  size_t nvalues;
  const char* path; /* CLI_SOURCE_FILE; "-" is standard input */
} cli_source_t;

/* Strings point into argv, which must outlive this. */
typedef struct {
  cli_mode_t mode;
  const char* procfile;
  cli_command_t* commands;
  size_t ncommands;
  char** program; /* PROGRAM [ARG]... */
  size_t nprogram;
  cli_source_t* sources; /* -a FILEs first, then as given after PROGRAM */
  size_t nsources;
  unsigned jobs; /* -j; valid when jobs_set */
  int jobs_set;
  cli_summary_format_t summary;
  const char* summary_file;
  uint64_t timeout_ms; /* 0: none */
  uint64_t kill_after_ms;
  uint64_t stop_timeout_ms; /* 0: none */
  int stop_signal;
  cli_halt_t halt;
  cli_output_mode_t output;
  cli_color_mode_t color;
  const char* log_dir; /* NULL: none */
  int timestamps;
  int quiet;               /* no live lines on stderr */
  const char* events_file; /* NULL: none */
  cli_supervise_t supervise;
  int init;                /* --init: a container's init for one PROGRAM */
  int subreaper;           /* -s: adopt and reap orphaned descendants */
  int output_set;          /* --output was given */
  int summary_set;         /* --summary was given */
  cli_worker_t stack;      /* defaults of --ready and friends (its supervise
                              is unused: see supervise) */
  cli_setting_t* settings; /* per-worker settings of every -n, in order */
  size_t nsettings;
  size_t pending_settings; /* where those of the pending -n begin */
  cli_batch_t batch;       /* the GNU parallel batch options */
  int help;
  int version;
} cli_args_t;

/* Parses argv. Returns 0, or -1 with one message in err naming the option or
 * argument at fault (without a "uvsup: " prefix). With -h or -V set, the
 * rest need not be complete. */
int cli_args_parse(
    int argc, char** argv, cli_args_t* a, char* err, size_t errlen);
void cli_args_free(cli_args_t* a);

/* The --help text. */
extern const char cli_usage_text[];

#endif
