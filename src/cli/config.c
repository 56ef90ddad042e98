/* A supervisord.conf interpreted: each [program:x] key by a table, with
 * supervisord's defaults and meanings, into jobs in priority order. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "duration.h"
#include "envset.h"
#include "fail.h"
#include "signame.h"
#include "svexpand.h"
#include "template.h"

extern char** environ;

typedef enum {
  K_COMMAND,
  K_PROCESS_NAME,
  K_NUMPROCS,
  K_NUMPROCS_START,
  K_PRIORITY,
  K_AUTOSTART,
  K_AUTORESTART,
  K_EXITCODES,
  K_STARTSECS,
  K_STARTRETRIES,
  K_STOPSIGNAL,
  K_STOPWAITSECS,
  K_ASGROUP,
  K_USER,
  K_REDIRECT_STDERR,
  K_STDOUT_LOGFILE,
  K_STDERR_LOGFILE,
  K_ENVIRONMENT,
  K_DIRECTORY,
  K_KILL_AFTER, /* uvsup's kill-after: a duration, over stopwaitsecs */
  K_TIMEOUT,    /* uvsup's timeout */
  K_UVSUP,      /* uvsup's own restart keys: sub is the supervise option */
  K_WORKER,     /* uvsup's readiness keys: workeropts.c's */
  K_IGNORED     /* accepted with a warning: note says why */
} key_id_t;

typedef struct {
  const char* name;
  key_id_t id;
  int sub;
  const char* note;
} key_spec_t;

#define NOT_ROTATED "uvsup does not rotate logs"
#define NO_EVENTS   "uvsup has no event listeners"

static const key_spec_t program_keys[] = {
  { "command", K_COMMAND, 0, NULL },
  { "process_name", K_PROCESS_NAME, 0, NULL },
  { "numprocs", K_NUMPROCS, 0, NULL },
  { "numprocs_start", K_NUMPROCS_START, 0, NULL },
  { "priority", K_PRIORITY, 0, NULL },
  { "autostart", K_AUTOSTART, 0, NULL },
  { "autorestart", K_AUTORESTART, 0, NULL },
  { "exitcodes", K_EXITCODES, 0, NULL },
  { "startsecs", K_STARTSECS, 0, NULL },
  { "startretries", K_STARTRETRIES, 0, NULL },
  { "stopsignal", K_STOPSIGNAL, 0, NULL },
  { "stopwaitsecs", K_STOPWAITSECS, 0, NULL },
  { "stopasgroup", K_ASGROUP, 0, NULL },
  { "killasgroup", K_ASGROUP, 0, NULL },
  { "user", K_USER, 0, NULL },
  { "redirect_stderr", K_REDIRECT_STDERR, 0, NULL },
  { "stdout_logfile", K_STDOUT_LOGFILE, 0, NULL },
  { "stderr_logfile", K_STDERR_LOGFILE, 0, NULL },
  { "environment", K_ENVIRONMENT, 0, NULL },
  { "directory", K_DIRECTORY, 0, NULL },
  { "restart", K_UVSUP, CLI_SUP_RESTART, NULL },
  { "restart-delay", K_UVSUP, CLI_SUP_DELAY, NULL },
  { "restart-delay-max", K_UVSUP, CLI_SUP_DELAY_MAX, NULL },
  { "restart-reset", K_UVSUP, CLI_SUP_RESET, NULL },
  { "restart-limit", K_UVSUP, CLI_SUP_LIMIT, NULL },
  { "success-exit", K_UVSUP, CLI_SUP_SUCCESS, NULL },
  { "stop-signal", K_STOPSIGNAL, 0, NULL },
  { "kill-after", K_KILL_AFTER, 0, NULL },
  { "timeout", K_TIMEOUT, 0, NULL },
  { "umask", K_IGNORED, 0, "workers keep uvsup's umask" },
  { "serverurl", K_IGNORED, 0, "uvsup has no control server" },
  { "stdout_logfile_maxbytes", K_IGNORED, 0, NOT_ROTATED },
  { "stdout_logfile_backups", K_IGNORED, 0, NOT_ROTATED },
  { "stderr_logfile_maxbytes", K_IGNORED, 0, NOT_ROTATED },
  { "stderr_logfile_backups", K_IGNORED, 0, NOT_ROTATED },
  { "stdout_capture_maxbytes", K_IGNORED, 0, NO_EVENTS },
  { "stderr_capture_maxbytes", K_IGNORED, 0, NO_EVENTS },
  { "stdout_events_enabled", K_IGNORED, 0, NO_EVENTS },
  { "stderr_events_enabled", K_IGNORED, 0, NO_EVENTS },
  { "stdout_syslog", K_IGNORED, 0, "uvsup does not write to syslog" },
  { "stderr_syslog", K_IGNORED, 0, "uvsup does not write to syslog" },
  { "ready", K_WORKER, 0, NULL },
  { "ready-timeout", K_WORKER, 0, NULL },
  { "min-uptime", K_WORKER, 0, NULL },
  { "watchdog", K_WORKER, 0, NULL },
  { "after", K_WORKER, 0, NULL },
};

#define NKEYS (sizeof(program_keys) / sizeof(program_keys[0]))

/* One process of a program, as its keys are applied. */
typedef struct {
  const cli_svsection_t* s;
  const char* program;
  cli_sv_vars_t vars;
  char** argv;
  char* name;
  char* directory;
  cli_envset_t env;
  long numprocs;
  long numprocs_start;
  long startsecs;
  long startretries;
  long stopwaitsecs;
  uint64_t kill_after_ms; /* kill-after, when kill_after_set */
  int kill_after_set;
  int autostart;
  int autorestart; /* 0 false, 1 true, 2 unexpected */
  int exitcodes[CLI_SUCCESS_MAX];
  size_t nexitcodes;
  cli_job_opts_t o;
} prog_t;

typedef struct {
  cli_svconf_t* conf;
  cli_envset_t base; /* uvsup's environment and [supervisord]'s */
  char* directory;   /* [supervisord] directory, or NULL */
  char node[256];
  char* err;
  size_t errlen;
} ctx_t;

static const key_spec_t* find_key(const char* name) {
  for (size_t k = 0; k < NKEYS; k++) {
    if (strcmp(program_keys[k].name, name) == 0) {
      return &program_keys[k];
    }
  }
  return NULL;
}

/* A whole number in [min, max], an optional '-' then digits. */
static int parse_long(const char* s, long min, long max, long* out) {
  const char* d = s[0] == '-' ? s + 1 : s;
  if (*d < '0' || *d > '9') {
    return -1;
  }
  errno = 0;
  char* end;
  long v = strtol(s, &end, 10);
  if (errno != 0 || *end != '\0' || v < min || v > max) {
    return -1;
  }
  *out = v;
  return 0;
}

/* "0,2": exit codes 0-255. */
static int parse_exitcodes(prog_t* p, const char* v) {
  p->nexitcodes = 0;
  char* copy = strdup(v);
  int rc = copy == NULL || copy[0] == '\0' ? -1 : 0;
  char* save = NULL;
  for (char* c = rc == 0 ? strtok_r(copy, ", \t", &save) : NULL;
       c != NULL && rc == 0; c = strtok_r(NULL, ", \t", &save)) {
    long code;
    rc = parse_long(c, 0, 255, &code) != 0 || p->nexitcodes == CLI_SUCCESS_MAX
             ? -1
             : 0;
    if (rc == 0) {
      p->exitcodes[p->nexitcodes++] = (int)code;
    }
  }
  free(copy);
  return rc == 0 && p->nexitcodes > 0 ? 0 : -1;
}

/* user=: a name or a number; only root may become another user. */
static int parse_user(prog_t* p, const char* v, const char** why) {
  struct passwd* pw = getpwnam(v);
  long n;
  if (pw == NULL && parse_long(v, 0, 0x7fffffff, &n) == 0) {
    pw = getpwuid((uid_t)n);
  }
  if (pw == NULL) {
    *why = "no such user";
    return -1;
  }
  if (pw->pw_uid == getuid()) {
    p->o.set_user = 0; /* already that user: nothing to drop */
    return 0;
  }
  if (geteuid() != 0) {
    *why = "only root can run a program as another user";
    return -1;
  }
  p->o.set_user = 1;
  p->o.uid = pw->pw_uid;
  p->o.gid = pw->pw_gid;
  return 0;
}

/* A log file that can be written: an existing regular file (opened with
 * O_NONBLOCK, so a FIFO with no reader cannot hang the start), or a new
 * one in a directory we may write. Nothing is created here (--check must
 * leave no trace): the first output does. */
static int check_log_path(const char* path, const char** why) {
  int fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0 && errno == ENOENT) {
    char* dir = strdup(path);
    if (dir == NULL) {
      return -1;
    }
    char* slash = strrchr(dir, '/');
    const char* where = slash == NULL ? "." : slash == dir ? "/" : dir;
    if (slash != NULL && slash != dir) {
      *slash = '\0';
    }
    int ok = access(where, W_OK | X_OK) == 0;
    *why = ok ? NULL : strerror(errno);
    free(dir);
    return ok ? 0 : -1;
  }
  if (fd < 0) {
    *why = strerror(errno);
    return -1;
  }
  struct stat st;
  int regular = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  close(fd);
  if (!regular) {
    *why = "not a regular file (AUTO or /dev/stdout shows the output)";
    return -1;
  }
  return 0;
}

/* stdout_logfile / stderr_logfile: AUTO, NONE, a console or a file that
 * can be written (a bad path starts nothing). */
static int parse_log(prog_t* p, int s, const char* v, const char** why) {
  free(p->o.log_path[s]);
  p->o.log_path[s] = NULL;
  if (strcmp(v, "AUTO") == 0 || strcmp(v, "/dev/stdout") == 0 ||
      strcmp(v, "/dev/stderr") == 0 || strcmp(v, "/dev/fd/1") == 0 ||
      strcmp(v, "/dev/fd/2") == 0) {
    p->o.log_kind[s] = CLI_LOG_SHOWN;
    return 0;
  }
  if (strcmp(v, "NONE") == 0 || strcmp(v, "/dev/null") == 0) {
    p->o.log_kind[s] = CLI_LOG_DISCARD;
    return 0;
  }
  if (check_log_path(v, why) != 0) {
    return -1;
  }
  p->o.log_kind[s] = CLI_LOG_FILE;
  p->o.log_path[s] = strdup(v);
  return p->o.log_path[s] == NULL ? -1 : 0;
}

static int parse_bool(const char* v, int* out, const char** why) {
  if (cli_sv_bool(v, out) != 0) {
    *why = "use true or false";
    return -1;
  }
  return 0;
}

static int parse_signal(prog_t* p, const char* v, const char** why) {
  int sig = cli_signal_parse(v);
  if (sig <= 0 || sig == SIGSTOP || sig == SIGCONT) {
    *why = "not a signal that stops a program (e.g. TERM, INT, QUIT)";
    return -1;
  }
  p->o.stop_signal = sig;
  return 0;
}

static int parse_seconds(const char* v, long* out, const char** why) {
  if (parse_long(v, 0, 86400 * 365, out) != 0) {
    *why = "not a whole number of seconds";
    return -1;
  }
  return 0;
}

/* The keys whose value is a whole number. */
static int apply_number(prog_t* p,
                        key_id_t id,
                        const char* v,
                        const char** why) {
  switch (id) {
  case K_PRIORITY:
    if (parse_long(v, -1000000000L, 1000000000L, &p->o.priority) != 0) {
      *why = "not a whole number";
      return -1;
    }
    return 0;
  case K_STARTRETRIES:
    if (parse_long(v, 0, 1000000, &p->startretries) != 0) {
      *why = "not a whole number from 0";
      return -1;
    }
    return 0;
  case K_STARTSECS:
    return parse_seconds(v, &p->startsecs, why);
  default: /* K_STOPWAITSECS */
    return parse_seconds(v, &p->stopwaitsecs, why);
  }
}

/* uvsup's kill-after and timeout: durations. */
static int apply_duration(prog_t* p,
                          key_id_t id,
                          const char* v,
                          const char** why) {
  uint64_t ms;
  if (cli_duration_parse(v, &ms) != 0 || (id == K_TIMEOUT && ms == 0)) {
    *why = "not a duration (e.g. 500ms, 2s, 1m) above 0";
    return -1;
  }
  if (id == K_TIMEOUT) {
    p->o.timeout_ms = ms;
  } else {
    p->kill_after_ms = ms;
    p->kill_after_set = 1;
  }
  return 0;
}

static int apply_autorestart(prog_t* p, const char* v, const char** why) {
  if (strcasecmp(v, "unexpected") == 0) {
    p->autorestart = 2;
    return 0;
  }
  if (cli_sv_bool(v, &p->autorestart) != 0) {
    *why = "use true, false or unexpected";
    return -1;
  }
  return 0;
}

/* Applies one key's expanded value to p. Returns 0, or -1 with *why (NULL
 * when out of memory). */
static int apply_key(prog_t* p, key_id_t id, const char* v, const char** why) {
  int on;
  *why = NULL;
  switch (id) {
  case K_COMMAND:
    cli_argv_free(p->argv);
    return cli_sv_split(v, &p->argv, why);
  case K_PRIORITY:
  case K_STARTSECS:
  case K_STARTRETRIES:
  case K_STOPWAITSECS:
    return apply_number(p, id, v, why);
  case K_KILL_AFTER:
  case K_TIMEOUT:
    return apply_duration(p, id, v, why);
  case K_AUTOSTART:
    return parse_bool(v, &p->autostart, why);
  case K_AUTORESTART:
    return apply_autorestart(p, v, why);
  case K_EXITCODES:
    if (parse_exitcodes(p, v) != 0) {
      *why = "use exit codes 0-255, comma-separated (e.g. 0,2)";
      return -1;
    }
    return 0;
  case K_STOPSIGNAL:
    return parse_signal(p, v, why);
  case K_USER:
    return parse_user(p, v, why);
  case K_REDIRECT_STDERR:
    return parse_bool(v, &p->o.redirect_stderr, why);
  case K_STDOUT_LOGFILE:
  case K_STDERR_LOGFILE:
    return parse_log(p, id == K_STDERR_LOGFILE, v, why);
  case K_ENVIRONMENT:
    return cli_sv_environment(v, &p->env, why);
  case K_DIRECTORY:
    free(p->directory);
    p->directory = strdup(v);
    return p->directory == NULL ? -1 : 0;
  case K_ASGROUP:
    return parse_bool(v, &on, why); /* always on: see apply_keys */
  case K_PROCESS_NAME:
  case K_NUMPROCS:
  case K_NUMPROCS_START:
  case K_UVSUP:
  case K_WORKER:
  case K_IGNORED:
    return 0; /* read before (names) or after (uvsup's) the others */
  }
  return 0;
}

/* "FILE:LINE: key 'value': why" for key k of p's section. */
static int key_error(ctx_t* c,
                     const cli_svsection_t* s,
                     const cli_svkey_t* k,
                     const char* why) {
  return cli_fail(c->err, c->errlen, "%s:%u: [%s] %s = %s: %s", s->file,
                  k->line, s->name, k->key, k->value,
                  why != NULL ? why : "out of memory");
}

/* The value of key k expanded for p, or NULL (message in c->err). */
static char* expanded(ctx_t* c, prog_t* p, const cli_svkey_t* k) {
  char* v;
  const char* why;
  if (cli_sv_expand(k->value, &p->vars, &v, &why) != 0) {
    key_error(c, p->s, k, why);
    return NULL;
  }
  return v;
}

/* Applies every supervisord key of p's section (warn: the first process
 * of the program says what is not acted on, once). */
static int apply_keys(ctx_t* c, prog_t* p, int warn) {
  const cli_svsection_t* s = p->s;
  for (size_t i = 0; i < s->nkeys; i++) {
    const cli_svkey_t* k = &s->keys[i];
    const key_spec_t* spec = find_key(k->key);
    if (spec == NULL || spec->id == K_IGNORED) {
      if (warn) {
        cli_svconf_warn(c->conf, "%s:%u: [%s] %s: not acted on (%s)", s->file,
                        k->line, s->name, k->key,
                        spec != NULL ? spec->note : "unknown key");
      }
      continue;
    }
    char* v = expanded(c, p, k);
    if (v == NULL) {
      return -1;
    }
    const char* why;
    int on = 1;
    int rc = apply_key(p, spec->id, v, &why);
    if (rc == 0 && spec->id == K_ASGROUP && warn && cli_sv_bool(v, &on) == 0 &&
        !on) {
      cli_svconf_warn(c->conf,
                      "%s:%u: [%s] %s = false: uvsup always stops and kills "
                      "the whole process group",
                      s->file, k->line, s->name, k->key);
    }
    free(v);
    if (rc != 0) {
      return key_error(c, s, k, why);
    }
  }
  return 0;
}

/* uvsup's own keys of p's section of one kind, in file order: the restart
 * options (K_UVSUP) into p's supervise, the readiness ones (K_WORKER) into
 * its worker settings. */
static int apply_uvsup_keys(ctx_t* c, prog_t* p, key_id_t kind) {
  for (size_t i = 0; i < p->s->nkeys; i++) {
    const cli_svkey_t* k = &p->s->keys[i];
    const key_spec_t* spec = find_key(k->key);
    if (spec == NULL || spec->id != kind) {
      continue;
    }
    char* v = expanded(c, p, k);
    if (v == NULL) {
      return -1;
    }
    char msg[512];
    int rc =
        kind == K_WORKER
            ? cli_worker_set(&p->o.worker, k->key, k->key, v, msg, sizeof(msg))
            : cli_supervise_option(&p->o.supervise,
                                   (cli_supervise_option_t)spec->sub, k->key, v,
                                   msg, sizeof(msg));
    free(v);
    if (rc != 0) {
      return key_error(c, p->s, k, msg);
    }
  }
  return 0;
}

/* The worker settings: restarts, the minimum uptime (startsecs), the stop
 * sequence, then uvsup's readiness keys of the section. */
static int worker_of(ctx_t* c, prog_t* p) {
  cli_worker_t* w = &p->o.worker;
  cli_worker_init(w, &p->o.supervise);
  w->min_uptime_ms = (uint64_t)p->startsecs * 1000;
  w->start_retries = (int)p->startretries;
  w->stop_signal = p->o.stop_signal;
  w->kill_after_ms = p->o.kill_after_ms;
  w->timeout_ms = p->o.timeout_ms;
  if (apply_uvsup_keys(c, p, K_WORKER) != 0) {
    return -1;
  }
  char msg[512];
  if (cli_worker_finish(w, msg, sizeof(msg)) != 0) {
    return cli_fail(c->err, c->errlen, "%s:%u: [%s]: %s", p->s->file,
                    p->s->line, p->s->name, msg);
  }
  return 0;
}

/* supervisord's meanings in uvsup's restart settings, then uvsup's own
 * keys of the section, which win. */
static int supervise_of(ctx_t* c, prog_t* p) {
  cli_supervise_t* sup = &p->o.supervise;
  cli_supervise_init(sup);
  sup->restart = p->autorestart == 0   ? CLI_RESTART_NO
                 : p->autorestart == 1 ? CLI_RESTART_ALWAYS
                                       : CLI_RESTART_ON_FAILURE;
  for (size_t i = 0; i < p->nexitcodes; i++) {
    if (p->exitcodes[i] != 0) {
      sup->success[sup->nsuccess++] = p->exitcodes[i];
    }
  }
  /* startsecs is the minimum uptime: a run that ends before it is a
   * failed start, and past startretries of them in a row the program is
   * given up (supervisord's FATAL; the worker's start_retries, see
   * worker_of()). A run that got there also forgives the backoff's
   * failures before it. With startsecs=0 no start fails, and supervisord
   * would restart a crash loop forever: the same number as a restart
   * limit, with uvsup's forgiveness (restart-reset), gives it up visibly.
   * A restart-limit key of the section wins. */
  sup->reset_ms = p->startsecs > 0 ? 1 : 0;
  sup->limit = (unsigned)(p->startretries > 0 ? p->startretries : 1);
  sup->limit_set = 1;
  p->o.kill_after_ms =
      p->kill_after_set ? p->kill_after_ms : (uint64_t)p->stopwaitsecs * 1000;
  if (apply_uvsup_keys(c, p, K_UVSUP) != 0) {
    return -1;
  }
  char msg[512];
  if (cli_supervise_finish(sup, msg, sizeof(msg)) != 0) {
    return cli_fail(c->err, c->errlen, "%s:%u: [%s]: %s", p->s->file,
                    p->s->line, p->s->name, msg);
  }
  return worker_of(c, p);
}

static void prog_free(prog_t* p) {
  cli_argv_free(p->argv);
  free(p->name);
  free(p->directory);
  cli_envset_free(&p->env);
  cli_job_opts_free(&p->o);
}

/* supervisord's defaults. */
static int prog_init(ctx_t* c,
                     prog_t* p,
                     const cli_svsection_t* s,
                     const char* group) {
  memset(p, 0, sizeof(*p));
  p->s = s;
  p->program = s->name + strlen("program:");
  p->vars.program_name = p->program;
  p->vars.group_name = group;
  p->vars.here = s->here;
  p->vars.host_node_name = c->node;
  p->vars.numprocs = 1;
  p->vars.env = &c->base;
  p->numprocs = 1;
  p->autostart = 1;
  p->autorestart = 2;
  p->exitcodes[p->nexitcodes++] = 0;
  p->startsecs = 1;
  p->startretries = 3;
  p->stopwaitsecs = 10;
  p->o.stop_signal = SIGTERM;
  p->o.priority = 999;
  cli_envset_init(&p->env);
  return cli_envset_add_all(&p->env, c->base.vars);
}

/* A number key read before the others (numprocs, numprocs_start). */
static int early_number(
    ctx_t* c, prog_t* p, const char* key, long min, long* out) {
  for (size_t i = 0; i < p->s->nkeys; i++) {
    const cli_svkey_t* k = &p->s->keys[i];
    if (strcmp(k->key, key) != 0) {
      continue;
    }
    char* v = expanded(c, p, k);
    if (v == NULL) {
      return -1;
    }
    int rc = parse_long(v, min, 100000, out);
    free(v);
    return rc == 0 ? 0 : key_error(c, p->s, k, "not a whole number in range");
  }
  return 0;
}

/* The process's name: process_name expanded (default the program's). */
static int name_of(ctx_t* c, prog_t* p) {
  unsigned line;
  const char* raw = cli_svconf_get(p->s, "process_name", &line);
  cli_svkey_t dflt = { (char*)"process_name", (char*)"%(program_name)s", line };
  const cli_svkey_t* k = &dflt;
  for (size_t i = 0; raw != NULL && i < p->s->nkeys; i++) {
    if (strcmp(p->s->keys[i].key, "process_name") == 0) {
      k = &p->s->keys[i];
    }
  }
  if (p->numprocs > 1 && strstr(k->value, "%(process_num)") == NULL) {
    return key_error(c, p->s, k,
                     "with numprocs > 1 the name needs %(process_num)d");
  }
  if ((p->name = expanded(c, p, k)) == NULL) {
    return -1;
  }
  if (p->name[0] == '\0') {
    return key_error(c, p->s, k, "the name is empty");
  }
  return 0;
}

/* Moves p's settings into a new job at the end of out. */
static int to_job(ctx_t* c, prog_t* p, cli_jobs_t* out) {
  if (p->argv == NULL) {
    return cli_fail(c->err, c->errlen, "%s:%u: [%s]: no command", p->s->file,
                    p->s->line, p->s->name);
  }
  for (size_t i = 0; i < out->nfixed; i++) {
    if (strcmp(out->fixed[i].name, p->name) == 0) {
      return cli_fail(c->err, c->errlen,
                      "%s:%u: [%s]: process name '%s' is taken by another "
                      "program",
                      p->s->file, p->s->line, p->s->name, p->name);
    }
  }
  cli_job_t* job = cli_jobs_add(out);
  if (job == NULL || (job->opts = malloc(sizeof(*job->opts))) == NULL ||
      (job->env = cli_envset_copy(&p->env)) == NULL) {
    return cli_fail(c->err, c->errlen, "out of memory");
  }
  job->name = p->name;
  job->argv = p->argv;
  job->cwd = p->directory;
  p->name = NULL;
  p->argv = NULL;
  p->directory = NULL;
  *job->opts = p->o;
  memset(&p->o, 0, sizeof(p->o));
  if (job->cwd == NULL && c->directory != NULL &&
      (job->cwd = strdup(c->directory)) == NULL) {
    return cli_fail(c->err, c->errlen, "out of memory");
  }
  return 0;
}

/* Process n of a program, with its numprocs; *skipped when autostart is
 * false and it was not asked for by name. */
static int process(ctx_t* c, prog_t* p, long n, int asked, cli_jobs_t* out) {
  if (name_of(c, p) != 0 ||
      cli_envset_set(&p->env, "SUPERVISOR_ENABLED", 18, "1") != 0 ||
      cli_envset_set(&p->env, "SUPERVISOR_PROCESS_NAME", 23, p->name) != 0 ||
      cli_envset_set(&p->env, "SUPERVISOR_GROUP_NAME", 21,
                     p->vars.group_name) != 0) {
    return c->err[0] != '\0' ? -1
                             : cli_fail(c->err, c->errlen, "out of memory");
  }
  if (apply_keys(c, p, n == 0) != 0 || supervise_of(c, p) != 0) {
    return -1;
  }
  if (!p->autostart && !asked) {
    if (n == 0) {
      cli_svconf_warn(c->conf,
                      "%s:%u: [%s] autostart = false: not started (name it "
                      "after -C to start it)",
                      p->s->file, p->s->line, p->s->name);
    }
    return 0;
  }
  return to_job(c, p, out);
}

static int program_jobs(ctx_t* c,
                        const cli_svsection_t* s,
                        const char* group,
                        int asked,
                        cli_jobs_t* out) {
  prog_t p;
  long numprocs = 1;
  long first = 0;
  int rc = prog_init(c, &p, s, group) != 0
               ? cli_fail(c->err, c->errlen, "out of memory")
               : 0;
  if (rc == 0) {
    rc = early_number(c, &p, "numprocs", 1, &numprocs) != 0 ||
                 early_number(c, &p, "numprocs_start", 0, &first) != 0
             ? -1
             : 0;
  }
  prog_free(&p);
  for (long n = 0; rc == 0 && n < numprocs; n++) {
    if (prog_init(c, &p, s, group) != 0) {
      rc = cli_fail(c->err, c->errlen, "out of memory");
    } else {
      p.numprocs = numprocs;
      p.vars.numprocs = numprocs;
      p.vars.process_num = first + n;
      rc = process(c, &p, n, asked, out);
    }
    prog_free(&p);
  }
  return rc;
}

static int has_prefix(const char* s, const char* prefix) {
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Whether word is in the comma- or blank-separated list. */
static int in_list(const char* list, const char* word) {
  size_t n = strlen(word);
  for (const char* p = list; *p != '\0';) {
    p += strspn(p, ", \t\n");
    size_t len = strcspn(p, ", \t\n");
    if (len == n && strncmp(p, word, n) == 0) {
      return 1;
    }
    p += len;
  }
  return 0;
}

/* The [group:x] that lists program, or NULL. */
static const char* group_of(const cli_svconf_t* conf, const char* program) {
  for (size_t i = 0; i < conf->count; i++) {
    unsigned line;
    const char* programs =
        cli_svconf_get(&conf->sections[i], "programs", &line);
    if (has_prefix(conf->sections[i].name, "group:") && programs != NULL &&
        in_list(programs, program)) {
      return conf->sections[i].name + strlen("group:");
    }
  }
  return NULL;
}

static int program_exists(const cli_svconf_t* conf, const char* name) {
  for (size_t i = 0; i < conf->count; i++) {
    const char* s = conf->sections[i].name;
    if (has_prefix(s, "program:") && strcmp(s + 8, name) == 0) {
      return 1;
    }
  }
  return 0;
}

/* [group:x]: every program listed must exist. */
static int check_group(ctx_t* c, const cli_svsection_t* s) {
  unsigned line;
  const char* programs = cli_svconf_get(s, "programs", &line);
  if (programs == NULL) {
    return cli_fail(c->err, c->errlen, "%s:%u: [%s]: no programs=", s->file,
                    s->line, s->name);
  }
  char* copy = strdup(programs);
  int rc = copy == NULL ? cli_fail(c->err, c->errlen, "out of memory") : 0;
  char* save = NULL;
  for (char* w = rc == 0 ? strtok_r(copy, ", \t\n", &save) : NULL;
       w != NULL && rc == 0; w = strtok_r(NULL, ", \t\n", &save)) {
    if (!program_exists(c->conf, w)) {
      rc = cli_fail(c->err, c->errlen, "%s:%u: [%s] programs: no [program:%s]",
                    s->file, line, s->name, w);
    }
  }
  free(copy);
  return rc;
}

/* Keys of a section that uvsup reads (acted) or not (one warning each). */
static void warn_keys(ctx_t* c,
                      const cli_svsection_t* s,
                      const char* const* acted) {
  for (size_t i = 0; i < s->nkeys; i++) {
    int known = 0;
    for (size_t k = 0; acted[k] != NULL; k++) {
      known |= strcmp(acted[k], s->keys[i].key) == 0;
    }
    if (!known) {
      cli_svconf_warn(c->conf, "%s:%u: [%s] %s: not acted on", s->file,
                      s->keys[i].line, s->name, s->keys[i].key);
    }
  }
}

/* [supervisord]: environment reaches every program and %(ENV_X)s;
 * directory is where programs run. */
static int read_supervisord(ctx_t* c, const cli_svsection_t* s) {
  static const char* const acted[] = { "environment", "directory", NULL };
  warn_keys(c, s, acted);
  cli_sv_vars_t vars = { "", "", s->here, c->node, 0, 0, &c->base };
  for (size_t i = 0; i < s->nkeys; i++) {
    const cli_svkey_t* k = &s->keys[i];
    int env = strcmp(k->key, "environment") == 0;
    if (!env && strcmp(k->key, "directory") != 0) {
      continue;
    }
    char* v;
    const char* why;
    if (cli_sv_expand(k->value, &vars, &v, &why) != 0) {
      return key_error(c, s, k, why);
    }
    if (env) {
      int rc = cli_sv_environment(v, &c->base, &why);
      free(v);
      if (rc != 0) {
        return key_error(c, s, k, why);
      }
    } else {
      free(c->directory);
      c->directory = v;
    }
  }
  return 0;
}

/* A program is asked for when no names were given, or its own or its
 * group's name was. */
static int asked_for(const char* program,
                     const char* group,
                     char* const* types,
                     size_t ntypes) {
  for (size_t i = 0; i < ntypes; i++) {
    if (strcmp(types[i], program) == 0 || strcmp(types[i], group) == 0) {
      return 1;
    }
  }
  return ntypes == 0 ? -1 : 0; /* -1: all, by default */
}

static int check_types(ctx_t* c, char* const* types, size_t ntypes) {
  for (size_t i = 0; i < ntypes; i++) {
    int found = program_exists(c->conf, types[i]);
    for (size_t k = 0; !found && k < c->conf->count; k++) {
      const char* s = c->conf->sections[k].name;
      found = has_prefix(s, "group:") && strcmp(s + 6, types[i]) == 0;
    }
    if (!found) {
      return cli_fail(c->err, c->errlen,
                      "'%s': no [program:%s] or [group:%s] in %s", types[i],
                      types[i], types[i], c->conf->files[0]);
    }
  }
  return 0;
}

/* One section of any kind. */
static int section(ctx_t* c,
                   const cli_svsection_t* s,
                   char* const* types,
                   size_t ntypes,
                   cli_jobs_t* out) {
  static const char* const include_keys[] = { "files", NULL };
  static const char* const group_keys[] = { "programs", NULL };
  if (has_prefix(s->name, "program:")) {
    const char* program = s->name + 8;
    const char* group = group_of(c->conf, program);
    group = group != NULL ? group : program;
    int asked = asked_for(program, group, types, ntypes);
    return asked == 0 ? 0 : program_jobs(c, s, group, asked > 0, out);
  }
  if (has_prefix(s->name, "group:")) {
    warn_keys(c, s, group_keys);
    return check_group(c, s);
  }
  if (strcmp(s->name, "include") == 0) {
    warn_keys(c, s, include_keys);
  } else if (strcmp(s->name, "supervisord") != 0) {
    cli_svconf_warn(c->conf, "%s:%u: [%s]: section not acted on", s->file,
                    s->line, s->name);
  }
  return 0;
}

static int by_priority(const void* a, const void* b) {
  const cli_job_t* x = a;
  const cli_job_t* y = b;
  if (x->opts->priority != y->opts->priority) {
    return x->opts->priority < y->opts->priority ? -1 : 1;
  }
  return 0; /* equals keep the order read: sort_jobs is stable */
}

/* Start order: priority, then the order read (insertion sort: stable, and
 * a config has tens of programs, not thousands). */
static void sort_jobs(cli_jobs_t* jobs) {
  for (size_t i = 1; i < jobs->nfixed; i++) {
    cli_job_t key = jobs->fixed[i];
    size_t j = i;
    while (j > 0 && by_priority(&jobs->fixed[j - 1], &key) > 0) {
      jobs->fixed[j] = jobs->fixed[j - 1];
      j--;
    }
    jobs->fixed[j] = key;
  }
}

/* Each job's worker settings go to the jobs' table of them, in the order
 * the jobs now have. */
static int move_workers(cli_jobs_t* out, char* err, size_t errlen) {
  out->workers = calloc(out->nfixed + 1, sizeof(*out->workers));
  if (out->workers == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  for (size_t i = 0; i < out->nfixed; i++) {
    out->workers[i] = out->fixed[i].opts->worker;
    memset(&out->fixed[i].opts->worker, 0, sizeof(cli_worker_t));
  }
  return 0;
}

int cli_config_jobs(cli_svconf_t* conf,
                    char* const* types,
                    size_t ntypes,
                    cli_jobs_t* out,
                    char* err,
                    size_t errlen) {
  ctx_t c;
  memset(&c, 0, sizeof(c));
  c.conf = conf;
  c.err = err;
  c.errlen = errlen;
  if (err != NULL && errlen > 0) {
    err[0] = '\0';
  }
  struct utsname u;
  snprintf(c.node, sizeof(c.node), "%s", uname(&u) == 0 ? u.nodename : "");
  cli_envset_init(&c.base);
  int rc = cli_envset_add_all(&c.base, environ) != 0
               ? cli_fail(err, errlen, "out of memory")
               : check_types(&c, types, ntypes);
  for (size_t i = 0; rc == 0 && i < conf->count; i++) {
    if (strcmp(conf->sections[i].name, "supervisord") == 0) {
      rc = read_supervisord(&c, &conf->sections[i]);
    }
  }
  for (size_t i = 0; rc == 0 && i < conf->count; i++) {
    rc = section(&c, &conf->sections[i], types, ntypes, out);
  }
  if (rc == 0 && out->count == 0) {
    rc = cli_fail(err, errlen, "%s: no programs to start", conf->files[0]);
  }
  if (rc == 0) {
    sort_jobs(out);
    rc = move_workers(out, err, errlen);
  }
  if (rc != 0) {
    cli_jobs_free(out);
  }
  cli_envset_free(&c.base);
  free(c.directory);
  return rc;
}

int cli_config_build(const cli_args_t* a,
                     cli_jobs_t* out,
                     char* err,
                     size_t errlen) {
  cli_svconf_t conf;
  if (cli_svconf_load(a->stackopts.config, &conf, err, errlen) != 0) {
    return -1;
  }
  int rc = cli_config_jobs(&conf, a->stackopts.types, a->stackopts.ntypes, out,
                           err, errlen);
  for (size_t i = 0; rc == 0 && i < conf.nwarnings; i++) {
    fprintf(stderr, "uvsup: warning: %s\n", conf.warnings[i]);
  }
  cli_svconf_free(&conf);
  return rc;
}

cli_job_opts_t* cli_job_opts_copy(const cli_job_opts_t* o) {
  cli_job_opts_t* copy = malloc(sizeof(*copy));
  if (copy == NULL) {
    return NULL;
  }
  *copy = *o;
  memset(&copy->worker, 0, sizeof(copy->worker)); /* the jobs' table has it */
  for (int s = 0; s < 2; s++) {
    copy->log_path[s] = o->log_path[s] != NULL ? strdup(o->log_path[s]) : NULL;
    if (o->log_path[s] != NULL && copy->log_path[s] == NULL) {
      copy->log_path[1] = s == 0 ? NULL : copy->log_path[1];
      cli_job_opts_free(copy);
      free(copy);
      return NULL;
    }
  }
  return copy;
}

void cli_job_opts_free(cli_job_opts_t* o) {
  cli_worker_free(&o->worker);
  free(o->log_path[0]);
  free(o->log_path[1]);
  o->log_path[0] = NULL;
  o->log_path[1] = NULL;
}
