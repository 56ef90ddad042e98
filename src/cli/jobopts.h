/* Settings of one job that a config file gives per program (a
 * supervisord.conf's [program:x]); jobs of the command line have none and
 * take the command line's. */
#ifndef UVSUP_CLI_JOBOPTS_H
#define UVSUP_CLI_JOBOPTS_H

#include <stdint.h>
#include <sys/types.h>

#include "supervise.h"
#include "workeropts.h"

/* Where one of a job's streams goes. */
typedef enum {
  CLI_LOG_SHOWN = 0, /* as --output says (AUTO, /dev/stdout) */
  CLI_LOG_FILE,      /* appended to a file, not shown */
  CLI_LOG_DISCARD    /* NONE */
} cli_log_kind_t;

typedef struct {
  cli_supervise_t supervise; /* restart policy, backoff, limit, codes */
  int stop_signal;
  uint64_t kill_after_ms;
  uint64_t timeout_ms; /* 0: the command line's --timeout */
  int set_user;        /* 1: spawn as uid/gid */
  uid_t uid;
  gid_t gid;
  cli_log_kind_t log_kind[2]; /* stdout, stderr */
  char* log_path[2];          /* with CLI_LOG_FILE; owned */
  int redirect_stderr;        /* stderr goes where stdout goes */
  long priority;              /* lower starts first, stops last */
  cli_worker_t worker; /* while a config is read: restarts, readiness, the
                          stop sequence (moved to the jobs' workers) */
} cli_job_opts_t;

/* A deep copy of o, malloc'd; NULL when out of memory. */
cli_job_opts_t* cli_job_opts_copy(const cli_job_opts_t* o);
/* Frees what o owns (not o itself). */
void cli_job_opts_free(cli_job_opts_t* o);

#endif
