/* Fuzzing cli_args_parse: the input is the arguments, separated by NUL
 * bytes. A parse that succeeds describes exactly one way of giving workers,
 * with values in range and strings that point into argv; written back as a
 * canonical command line ("--opt=VALUE" forms, "--" before a program) it
 * parses to the same description. A parse that fails says why. */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include "args.h"
#include "buf.h"
#include "fuzz.h"

#define MAX_ARGS 32

/* 1 when p points into one of the argc strings of argv (or at its NUL). */
static int in_argv(const char* p, int argc, char** argv) {
  for (int i = 0; i < argc; i++) {
    if (p >= argv[i] && p <= argv[i] + strlen(argv[i])) {
      return 1;
    }
  }
  return 0;
}

static void check_valid(const cli_args_t* a, int argc, char** argv) {
  if (a->help || a->version) {
    return; /* the rest need not be complete */
  }
  FUZZ_CHECK(a->jobs <= CLI_MAX_JOBS);
  FUZZ_CHECK(a->stop_signal >= 1 && a->stop_signal <= 64);
  FUZZ_CHECK(a->stop_signal != SIGSTOP && a->stop_signal != SIGCONT);
  FUZZ_CHECK(a->halt.when == CLI_HALT_NEVER || a->halt.count >= 1);
  FUZZ_CHECK(a->summary_file == NULL || (a->summary_file[0] != '\0' &&
                                         in_argv(a->summary_file, argc, argv)));
  FUZZ_CHECK(a->log_dir == NULL ||
             (a->log_dir[0] != '\0' && in_argv(a->log_dir, argc, argv)));
  FUZZ_CHECK((a->procfile != NULL) == (a->mode == CLI_MODE_PROCFILE));
  FUZZ_CHECK((a->ncommands > 0) == (a->mode == CLI_MODE_COMMANDS));
  switch (a->mode) {
  case CLI_MODE_PROCFILE:
    FUZZ_CHECK(a->procfile[0] != '\0' && in_argv(a->procfile, argc, argv));
    break;
  case CLI_MODE_COMMANDS:
    for (size_t i = 0; i < a->ncommands; i++) {
      const cli_command_t* c = &a->commands[i];
      FUZZ_CHECK(c->command[0] != '\0' && in_argv(c->command, argc, argv));
      FUZZ_CHECK(c->name == NULL ||
                 (c->name[0] != '\0' && in_argv(c->name, argc, argv)));
    }
    break;
  case CLI_MODE_VALUES:
    FUZZ_CHECK(a->nsources > 0);
    for (size_t s = 0; s < a->nsources; s++) {
      const cli_source_t* src = &a->sources[s];
      FUZZ_CHECK(src->kind == CLI_SOURCE_FILE || src->nvalues > 0);
      for (size_t i = 0; i < src->nvalues; i++) {
        FUZZ_CHECK(strcmp(src->values[i], ":::") != 0);
      }
    }
    /* fall through: a program as for standard input */
  case CLI_MODE_STDIN:
    FUZZ_CHECK(a->nprogram > 0);
    FUZZ_CHECK(a->program >= argv && a->program + a->nprogram <= argv + argc);
    for (size_t i = 0; i < a->nprogram; i++) {
      FUZZ_CHECK(strcmp(a->program[i], ":::") != 0);
    }
    break;
  case CLI_MODE_CONFIG:
    FUZZ_CHECK(a->stackopts.config[0] != '\0' &&
               in_argv(a->stackopts.config, argc, argv));
    break;
  case CLI_MODE_INIT:
    /* One program, taken as it is: ':::' may be one of its arguments. */
    FUZZ_CHECK(a->init && a->nprogram > 0 && a->nsources == 0);
    FUZZ_CHECK(a->program >= argv && a->program + a->nprogram <= argv + argc);
    FUZZ_CHECK(a->quiet);
    break;
  case CLI_MODE_NONE:
    FUZZ_CHECK(!"a parse that succeeds has workers");
    break;
  }
  /* Process types follow -f or -C only, and are argv's own words. */
  FUZZ_CHECK(a->stackopts.ntypes == 0 || a->mode == CLI_MODE_PROCFILE ||
             a->mode == CLI_MODE_CONFIG);
  FUZZ_CHECK(a->stackopts.ntypes == 0 ||
             (a->stackopts.types >= argv &&
              a->stackopts.types + a->stackopts.ntypes <= argv + argc));
  for (size_t i = 0; i < a->stackopts.nenv_files; i++) {
    FUZZ_CHECK(a->stackopts.env_files[i][0] != '\0' &&
               strchr(a->stackopts.env_files[i], ',') == NULL);
  }
  FUZZ_CHECK(!a->stackopts.port_set ||
             (a->stackopts.port >= 1 && a->stackopts.port <= CLI_PORT_MAX));
}

/* Adds one argument to the canonical command line. */
static void add(char** argv, int* argc, cli_buf_t* b) {
  FUZZ_CHECK(!b->failed);
  argv[(*argc)++] = b->data;
  cli_buf_init(b);
}

static void opt(char** argv, int* argc, const char* name, const char* v) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_printf(&b, "--%s%s%s", name, v != NULL ? "=" : "", v ? v : "");
  add(argv, argc, &b);
}

static void opt_u(
    char** argv, int* argc, const char* name, uint64_t v, const char* unit) {
  char s[32];
  snprintf(s, sizeof(s), "%llu%s", (unsigned long long)v, unit);
  opt(argv, argc, name, s);
}

/* The batch options (batch.h), written back. */
static void canonical_batch(const cli_batch_t* b, char** argv, int* argc) {
  static const char* const flags[] = { "summary-all", "keep-order",
                                       "dry-run",     "bar",
                                       "eta",         "force-progress",
                                       "shell" };
  const int set[] = { b->summary_all, b->keep_order,     b->dry_run, b->bar,
                      b->eta,         b->force_progress, b->shell };
  for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
    if (set[i]) {
      opt(argv, argc, flags[i], NULL);
    }
  }
  static const char* const resumes[] = { NULL, "resume", "resume-failed",
                                         "retry-failed" };
  if (b->resume != CLI_RESUME_NONE) {
    opt(argv, argc, resumes[b->resume], NULL);
  }
  if (b->joblog != NULL) {
    cli_buf_t v;
    cli_buf_init(&v);
    /* A resume appends anyway: "+" only says it without one; a path that
     * itself begins with "+" needs the "+" in front in any case. */
    cli_buf_printf(&v, "%s%s",
                   (b->joblog_append && b->resume == CLI_RESUME_NONE) ||
                           b->joblog[0] == '+'
                       ? "+"
                       : "",
                   b->joblog);
    opt(argv, argc, "joblog", v.data);
    cli_buf_free(&v);
  }
  if (b->shard_n != 0) {
    char v[64];
    snprintf(v, sizeof(v), "%lu/%lu", b->shard_k, b->shard_n);
    opt(argv, argc, "shard", v);
  }
}

/* Writes a back as an argv (argv[0] "uvsup"); returns argc. */
static int canonical(const cli_args_t* a, char** argv) {
  static const char* const summaries[] = { "text", "json", "none" };
  static const char* const outputs[] = { "tag", "group", "inherit", "null" };
  static const char* const colors[] = { "auto", "always", "never" };
  static const char* const halts[] = { "never", "soon", "now" };
  int argc = 0;
  argv[argc++] = strdup("uvsup");
  if (a->jobs_set) {
    opt_u(argv, &argc, "jobs", a->jobs, "");
  }
  opt(argv, &argc, "summary", summaries[a->summary]);
  if (a->summary_file != NULL) {
    opt(argv, &argc, "summary-file", a->summary_file);
  }
  if (a->timeout_ms != 0) {
    opt_u(argv, &argc, "timeout", a->timeout_ms, "ms");
  }
  opt_u(argv, &argc, "kill-after", a->kill_after_ms, "ms");
  opt_u(argv, &argc, "stop-signal", (uint64_t)a->stop_signal, "");
  if (a->halt.when != CLI_HALT_NEVER) {
    char h[64];
    snprintf(h, sizeof(h), "%s,%s=%u", halts[a->halt.when],
             a->halt.on_done      ? "done"
             : a->halt.on_success ? "success"
                                  : "fail",
             a->halt.count);
    opt(argv, &argc, "halt", h);
  }
  opt(argv, &argc, "output", outputs[a->output]);
  opt(argv, &argc, "color", colors[a->color]);
  if (a->log_dir != NULL) {
    opt(argv, &argc, "log-dir", a->log_dir);
  }
  if (a->timestamps) {
    opt(argv, &argc, "timestamps", NULL);
  }
  if (a->stackopts.nenv_files > 0) {
    /* One -e with the list, foreman's way: the files never hold a ','. */
    cli_buf_t files;
    cli_buf_init(&files);
    for (size_t i = 0; i < a->stackopts.nenv_files; i++) {
      cli_buf_printf(&files, "%s%s", i > 0 ? "," : "",
                     a->stackopts.env_files[i]);
    }
    FUZZ_CHECK(!files.failed);
    opt(argv, &argc, "env", files.data);
    cli_buf_free(&files);
  }
  if (a->stackopts.port_set) {
    opt_u(argv, &argc, "port", a->stackopts.port, "");
  }
  if (a->stackopts.formation != NULL) {
    opt(argv, &argc, "formation", a->stackopts.formation);
  }
  if (a->stackopts.check) {
    opt(argv, &argc, "check", NULL);
  }
  if (a->stackopts.config != NULL) {
    opt(argv, &argc, "config", a->stackopts.config);
  }
  if (a->subreaper) {
    opt(argv, &argc, "subreaper", NULL);
  }
  if (a->init) {
    opt(argv, &argc, "init", NULL);
  }
  canonical_batch(&a->batch, argv, &argc);
  if (a->mode == CLI_MODE_PROCFILE) {
    opt(argv, &argc, "procfile", a->procfile);
  }
  if (a->stackopts.ntypes > 0) {
    argv[argc++] = strdup("--");
    for (size_t i = 0; i < a->stackopts.ntypes; i++) {
      argv[argc++] = strdup(a->stackopts.types[i]);
    }
  }
  for (size_t i = 0; i < a->ncommands; i++) {
    if (a->commands[i].name != NULL) {
      opt(argv, &argc, "name", a->commands[i].name);
    }
    opt(argv, &argc, "command", a->commands[i].command);
  }
  /* -a sources come first: the leading file sources are written as
   * --arg-file (a path like ":::" would be a separator after PROGRAM),
   * the rest after PROGRAM, one separator each, in order. */
  size_t s = 0;
  for (; a->mode == CLI_MODE_VALUES && s < a->nsources &&
         a->sources[s].kind == CLI_SOURCE_FILE && !a->sources[s].linked;
       s++) {
    opt(argv, &argc, "arg-file", a->sources[s].path);
  }
  if (a->mode == CLI_MODE_VALUES || a->mode == CLI_MODE_STDIN ||
      a->mode == CLI_MODE_INIT) {
    argv[argc++] = strdup("--");
    for (size_t i = 0; i < a->nprogram; i++) {
      argv[argc++] = strdup(a->program[i]);
    }
  }
  for (; a->mode == CLI_MODE_VALUES && s < a->nsources; s++) {
    const cli_source_t* src = &a->sources[s];
    int file = src->kind == CLI_SOURCE_FILE;
    argv[argc++] = strdup(file ? (src->linked ? "::::+" : "::::")
                               : (src->linked ? ":::+" : ":::"));
    if (file) {
      argv[argc++] = strdup(src->path);
    }
    for (size_t i = 0; i < src->nvalues; i++) {
      argv[argc++] = strdup(src->values[i]);
    }
  }
  return argc;
}

static int same_str(const char* x, const char* y) {
  return x == y || (x != NULL && y != NULL && strcmp(x, y) == 0);
}

static void check_same(const cli_args_t* a, const cli_args_t* b) {
  FUZZ_CHECK(a->mode == b->mode && a->jobs_set == b->jobs_set);
  FUZZ_CHECK(!a->jobs_set || a->jobs == b->jobs);
  FUZZ_CHECK(a->summary == b->summary && a->output == b->output);
  FUZZ_CHECK(a->color == b->color && a->timestamps == b->timestamps);
  FUZZ_CHECK(a->init == b->init && a->subreaper == b->subreaper);
  FUZZ_CHECK(a->timeout_ms == b->timeout_ms);
  FUZZ_CHECK(a->kill_after_ms == b->kill_after_ms);
  FUZZ_CHECK(a->stop_signal == b->stop_signal);
  FUZZ_CHECK(a->halt.when == b->halt.when);
  FUZZ_CHECK(a->halt.when == CLI_HALT_NEVER ||
             (a->halt.on_success == b->halt.on_success &&
              a->halt.on_done == b->halt.on_done &&
              a->halt.count == b->halt.count));
  FUZZ_CHECK(a->stackopts.nenv_files == b->stackopts.nenv_files);
  for (size_t i = 0; i < a->stackopts.nenv_files; i++) {
    FUZZ_CHECK(strcmp(a->stackopts.env_files[i], b->stackopts.env_files[i]) ==
               0);
  }
  FUZZ_CHECK(a->stackopts.port_set == b->stackopts.port_set &&
             a->stackopts.port == b->stackopts.port);
  FUZZ_CHECK(same_str(a->stackopts.formation, b->stackopts.formation));
  FUZZ_CHECK(a->stackopts.check == b->stackopts.check);
  FUZZ_CHECK(same_str(a->stackopts.config, b->stackopts.config));
  FUZZ_CHECK(a->stackopts.ntypes == b->stackopts.ntypes);
  for (size_t i = 0; i < a->stackopts.ntypes; i++) {
    FUZZ_CHECK(strcmp(a->stackopts.types[i], b->stackopts.types[i]) == 0);
  }
  FUZZ_CHECK(same_str(a->summary_file, b->summary_file));
  const cli_batch_t* ba = &a->batch;
  const cli_batch_t* bb = &b->batch;
  FUZZ_CHECK(ba->summary_all == bb->summary_all && ba->resume == bb->resume);
  FUZZ_CHECK(same_str(ba->joblog, bb->joblog));
  FUZZ_CHECK(ba->joblog_append == bb->joblog_append);
  FUZZ_CHECK(ba->keep_order == bb->keep_order && ba->dry_run == bb->dry_run);
  FUZZ_CHECK(ba->bar == bb->bar && ba->eta == bb->eta);
  FUZZ_CHECK(ba->force_progress == bb->force_progress);
  FUZZ_CHECK(ba->shell == bb->shell);
  FUZZ_CHECK(ba->shard_k == bb->shard_k && ba->shard_n == bb->shard_n);
  FUZZ_CHECK(same_str(a->log_dir, b->log_dir));
  FUZZ_CHECK(same_str(a->procfile, b->procfile));
  FUZZ_CHECK(a->ncommands == b->ncommands);
  for (size_t i = 0; i < a->ncommands; i++) {
    FUZZ_CHECK(same_str(a->commands[i].name, b->commands[i].name));
    FUZZ_CHECK(same_str(a->commands[i].command, b->commands[i].command));
  }
  FUZZ_CHECK(a->nprogram == b->nprogram && a->nsources == b->nsources);
  for (size_t i = 0; i < a->nprogram; i++) {
    FUZZ_CHECK(strcmp(a->program[i], b->program[i]) == 0);
  }
  for (size_t s = 0; s < a->nsources; s++) {
    const cli_source_t* x = &a->sources[s];
    const cli_source_t* y = &b->sources[s];
    FUZZ_CHECK(x->kind == y->kind && x->linked == y->linked);
    FUZZ_CHECK(same_str(x->path, y->path) && x->nvalues == y->nvalues);
    for (size_t i = 0; i < x->nvalues; i++) {
      FUZZ_CHECK(strcmp(x->values[i], y->values[i]) == 0);
    }
  }
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  char* argv[MAX_ARGS + 2];
  int argc = 0;
  argv[argc++] = "uvsup";
  for (char* p = s; argc < MAX_ARGS + 1; p += strlen(p) + 1) {
    argv[argc++] = p;
    if (p + strlen(p) == s + size) {
      break;
    }
  }
  argv[argc] = NULL;

  cli_args_t a;
  char err[512] = "";
  int rc = cli_args_parse(argc, argv, &a, err, sizeof(err));
  FUZZ_CHECK(rc == 0 || rc == -1);
  if (rc != 0) {
    FUZZ_CHECK(err[0] != '\0' && strlen(err) < sizeof(err));
    cli_args_free(&a);
    free(s);
    return 0;
  }
  check_valid(&a, argc, argv);
  if (!a.help && !a.version) {
    /* Options, commands, program and values: at most 2 * MAX_ARGS + 16,
     * 10 batch options, --init and --subreaper. */
    char* again[2 * MAX_ARGS + 37];
    int n = canonical(&a, again);
    again[n] = NULL;
    cli_args_t b;
    char err2[512] = "";
    rc = cli_args_parse(n, again, &b, err2, sizeof(err2));
    if (rc != 0) {
      fprintf(stderr, "canonical form refused: %s\n", err2);
    }
    FUZZ_CHECK(rc == 0);
    check_same(&a, &b);
    cli_args_free(&b);
    for (int i = 0; i < n; i++) {
      free(again[i]);
    }
  }
  cli_args_free(&a);
  free(s);
  return 0;
}
