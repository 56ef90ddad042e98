/* The uvsup program: arguments -> jobs -> run -> summary -> exit status. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uvsup.h>

#include "args.h"
#include "buf.h"
#include "describe.h"
#include "dryrun.h"
#include "jobs.h"
#include "run.h"
#include "summary.h"

/* Exit statuses; the README's table lists them. */
enum { EXIT_ALL_OK = 0, EXIT_SOME_FAILED = 1, EXIT_USAGE = 2 };

static int usage_error(const char* message) {
  fprintf(stderr, "uvsup: %s\nTry 'uvsup --help' for more information.\n",
          message);
  return EXIT_USAGE;
}

static int input_error(const char* message) {
  fprintf(stderr, "uvsup: %s\n", message);
  return EXIT_USAGE;
}

/* Opened before any worker starts, so a bad path starts nothing. */
static int open_summary_file(const char* path, char* err, size_t errlen) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    snprintf(err, errlen, "--summary-file '%s': %s", path, strerror(errno));
  }
  return fd;
}

static int print_summary(const cli_args_t* a, cli_run_t* run, int fd) {
  if (a->summary == CLI_SUMMARY_NONE) {
    return 0;
  }
  cli_summary_t s;
  cli_run_summary(run, &s);
  cli_buf_t b;
  cli_buf_init(&b);
  int rc = a->summary == CLI_SUMMARY_JSON ? cli_summary_json(&b, &s)
                                          : cli_summary_text(&b, &s);
  if (rc == 0) {
    rc = cli_write_all(fd, b.data, b.len);
  }
  cli_buf_free(&b);
  if (rc != 0) {
    fprintf(stderr, "uvsup: writing the summary to %s: %s\n",
            a->summary_file != NULL ? a->summary_file : "standard error",
            strerror(errno));
  }
  return rc;
}

/* Started with stdin, stdout or stderr closed, the next file opened (the
 * loop's epoll fd) would take its number, and output meant for the user
 * would go into it: give each closed one /dev/null, as tini and s6 do. */
static void fill_closed_stdio(void) {
  for (int fd = 0; fd <= 2; fd++) {
    if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
      int null_fd = open("/dev/null", O_RDWR);
      if (null_fd >= 0 && null_fd != fd) {
        dup2(null_fd, fd);
        close(null_fd);
      }
    }
  }
}

/* Each captured worker holds two pipes while it runs: take every
 * descriptor the system allows us, not the soft default of 1024. */
static void raise_fd_limit(void) {
  struct rlimit lim;
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

extern char** environ;

/* --check: what would run, on stdout; nothing starts. */
static int check_only(cli_args_t* args, cli_jobs_t* jobs) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_check_describe(jobs, environ, &b);
  char tail[64];
  snprintf(tail, sizeof(tail), "%zu worker%s would start; nothing started\n",
           jobs->count, jobs->count == 1 ? "" : "s");
  cli_buf_puts(&b, tail);
  int rc = b.failed || cli_write_all(STDOUT_FILENO, b.data, b.len) != 0
               ? EXIT_SOME_FAILED
               : EXIT_ALL_OK;
  cli_buf_free(&b);
  cli_jobs_free(jobs);
  cli_args_free(args);
  return rc;
}

int main(int argc, char** argv) {
  char err[1024];
  cli_args_t args;

  fill_closed_stdio();
  raise_fd_limit();

  /* A reader of our output going away must not kill us before the summary;
   * libuv gives children the default disposition back. */
  signal(SIGPIPE, SIG_IGN);

  if (cli_args_parse(argc, argv, &args, err, sizeof(err)) != 0) {
    cli_args_free(&args);
    return usage_error(err);
  }
  /* -k orders whole outputs: tagged lines of jobs that run at once
   * cannot be in input order, so it means --output group. */
  if (args.batch.keep_order && args.output == CLI_OUTPUT_TAG) {
    args.output = CLI_OUTPUT_GROUP;
  }
  if (args.help) {
    fputs(cli_usage_text, stdout);
    cli_args_free(&args);
    return EXIT_ALL_OK;
  }
  if (args.version) {
    printf("uvsup %s (libuv %s)\n", UVSUP_VERSION_STRING, uv_version_string());
    cli_args_free(&args);
    return EXIT_ALL_OK;
  }

  cli_jobs_t jobs;
  if (cli_jobs_open(&args, stdin, &jobs, err, sizeof(err)) != 0) {
    cli_args_free(&args);
    return input_error(err);
  }
  if (args.stackopts.check && jobs.nfixed > 0) {
    return check_only(&args, &jobs);
  }
  /* --check of a PROGRAM with values: what would run is their commands. */
  if (args.batch.dry_run || args.stackopts.check) {
    int rc = cli_dry_run(&jobs, stdin, stdout, err, sizeof(err));
    cli_jobs_free(&jobs);
    cli_args_free(&args);
    return rc == 0 ? EXIT_ALL_OK : input_error(err);
  }
  int summary_fd = STDERR_FILENO;
  if (args.summary_file != NULL && args.summary != CLI_SUMMARY_NONE) {
    summary_fd = open_summary_file(args.summary_file, err, sizeof(err));
    if (summary_fd < 0) {
      cli_jobs_free(&jobs);
      cli_args_free(&args);
      return input_error(err);
    }
  }

  cli_run_t run;
  int status;
  if (cli_run(&run, &args, &jobs, err, sizeof(err)) != 0) {
    status = input_error(err);
  } else {
    status = cli_run_exit_status(&run);
    if (!cli_run_nothing_started(&run) &&
        print_summary(&args, &run, summary_fd) != 0 && status == 0) {
      status = EXIT_SOME_FAILED;
    }
    cli_run_dispose(&run);
  }
  if (summary_fd != STDERR_FILENO) {
    close(summary_fd);
  }
  cli_jobs_free(&jobs);
  cli_args_free(&args);
  return status;
}
