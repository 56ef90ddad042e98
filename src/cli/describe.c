/* --check: each job described as it would start, so a new config can be
 * read back before it runs anything. */
#include "describe.h"

#include <stdio.h>
#include <string.h>

#include "quote.h"
#include "safe.h"
#include "signame.h"

static void put_command(cli_buf_t* b, char* const* argv) {
  if (argv[0] != NULL && strcmp(argv[0], "/bin/sh") == 0 && argv[1] != NULL &&
      strcmp(argv[1], "-c") == 0 && argv[2] != NULL && argv[3] == NULL) {
    cli_put_safe(b, argv[2]);
    return;
  }
  for (size_t i = 0; argv[i] != NULL; i++) {
    cli_buf_t word;
    cli_buf_init(&word);
    cli_quote_shell(&word, argv[i], strlen(argv[i]));
    if (i > 0) {
      cli_buf_putc(b, ' ');
    }
    cli_put_safe(b, word.data != NULL ? word.data : "");
    cli_buf_free(&word);
  }
}

static int inherited(const char* var, char* const* environ_vars) {
  for (size_t i = 0; environ_vars != NULL && environ_vars[i] != NULL; i++) {
    if (strcmp(environ_vars[i], var) == 0) {
      return 1;
    }
  }
  return 0;
}

static void put_env(cli_buf_t* b, char* const* env, char* const* environ_vars) {
  for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
    if (!inherited(env[i], environ_vars)) {
      cli_buf_puts(b, "  env ");
      cli_put_safe(b, env[i]);
      cli_buf_putc(b, '\n');
    }
  }
}

static void put_opts(cli_buf_t* b, const cli_job_opts_t* o) {
  static const char* const restarts[] = { "no", "on-failure", "on-abnormal",
                                          "always" };
  static const char* const streams[] = { "stdout", "stderr" };
  char line[256];
  char limit[64] = "never give up";
  if (o->supervise.limit != 0) {
    snprintf(limit, sizeof(limit), "give up past %u failures in a row",
             o->supervise.limit);
  }
  snprintf(line, sizeof(line),
           "  restart %s, %s, a run of %llu "
           "ms forgives them\n  stop %s, SIGKILL after %llu ms\n"
           "  priority %ld\n",
           restarts[o->supervise.restart], limit,
           (unsigned long long)(o->supervise.reset_ms != 0
                                    ? o->supervise.reset_ms
                                    : 2 * o->supervise.delay_max_ms),
           cli_signal_name(o->stop_signal),
           (unsigned long long)o->kill_after_ms, o->priority);
  cli_buf_puts(b, line);
  if (o->set_user) {
    snprintf(line, sizeof(line), "  user %u, group %u\n", (unsigned)o->uid,
             (unsigned)o->gid);
    cli_buf_puts(b, line);
  }
  for (int s = 0; s < 2; s++) {
    int from = s == 1 && o->redirect_stderr ? 0 : s;
    if (s == 1 && o->redirect_stderr) {
      cli_buf_puts(b, "  stderr with stdout\n");
      continue;
    }
    if (o->log_kind[from] == CLI_LOG_SHOWN) {
      continue;
    }
    cli_buf_puts(b, "  ");
    cli_buf_puts(b, streams[s]);
    if (o->log_kind[from] == CLI_LOG_DISCARD) {
      cli_buf_puts(b, " discarded\n");
      continue;
    }
    cli_buf_puts(b, " to ");
    cli_put_safe(b, o->log_path[from]);
    cli_buf_putc(b, '\n');
  }
}

/* Readiness and dependencies, when the job has settings of its own. */
static void put_worker(cli_buf_t* b, const cli_worker_t* w) {
  if (w == NULL) {
    return;
  }
  char line[128];
  if (w->ready != NULL) {
    cli_buf_puts(b, "  ready ");
    cli_put_safe(b, w->ready);
    cli_buf_putc(b, '\n');
  } else {
    snprintf(line, sizeof(line), "  ready after %llu ms up\n",
             (unsigned long long)w->min_uptime_ms);
    cli_buf_puts(b, line);
  }
  if (w->start_retries >= 0) {
    snprintf(line, sizeof(line), "  give up past %d failed starts in a row\n",
             w->start_retries);
    cli_buf_puts(b, line);
  }
  if (w->after != NULL) {
    cli_buf_puts(b, "  after ");
    cli_put_safe(b, w->after);
    cli_buf_putc(b, '\n');
  }
}

void cli_check_describe(const cli_jobs_t* jobs,
                        char* const* environ_vars,
                        cli_buf_t* b) {
  for (size_t i = 0; i < jobs->nfixed; i++) {
    const cli_job_t* job = &jobs->fixed[i];
    cli_put_safe(b, job->name);
    cli_buf_puts(b, ": ");
    put_command(b, job->argv);
    cli_buf_putc(b, '\n');
    if (job->cwd != NULL) {
      cli_buf_puts(b, "  cwd ");
      cli_put_safe(b, job->cwd);
      cli_buf_putc(b, '\n');
    }
    put_env(b, job->env, environ_vars);
    put_worker(b, cli_jobs_worker(jobs, i));
    if (job->opts != NULL) {
      put_opts(b, job->opts);
    }
  }
}
