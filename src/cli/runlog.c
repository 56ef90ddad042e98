/* The joblog side of a run: which jobs a --resume or --shard skips, the
 * check that a logged command is the one uvsup makes now, and a line per
 * finished job. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"

/* Job i's command as the joblog holds it. */
static int command_of(cli_run_t* run, size_t i, cli_buf_t* b) {
  /* Before any job was added there is no slot yet: then the command
   * holds no {%} (see slot_in_program). */
  unsigned long slot = i < run->capacity ? run->job[i].slot : 0;
  return cli_jobs_command(run->jobs, i, slot, b);
}

/* The joblog holds seq with another command than uvsup makes now: the
 * input or the command line changed, and resuming would skip or repeat
 * the wrong jobs. Says which; returns -1 (or 0 when they agree). */
static int check_command(cli_run_t* run, size_t i, const char* logged) {
  cli_buf_t now;
  cli_buf_init(&now);
  int rc = 0;
  if (command_of(run, i, &now) != 0 || strcmp(now.data, logged) != 0) {
    cli_output_say(run->output,
                   "--joblog: job %zu is '%s' in the joblog but '%s' now: "
                   "not resuming a different batch",
                   i + 1, logged, now.data != NULL ? now.data : "");
    rc = -1;
  }
  cli_buf_free(&now);
  return rc;
}

int cli_runlog_open(cli_run_t* run, char* err, size_t errlen) {
  const cli_batch_t* b = &run->args->batch;
  run->joblog.fd = -1;
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  run->wall0_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
  run->hr0_ns = uv_hrtime();
  if (b->joblog == NULL) {
    return 0;
  }
  if (b->resume != CLI_RESUME_NONE &&
      cli_joblog_load(b->joblog, &run->logged, err, errlen) != 0) {
    return -1;
  }
  /* Every job known now is checked before anything starts; jobs of a
   * streamed source as they come (cli_runlog_skip). */
  for (size_t i = 0; i < run->jobs->count && i < run->logged.count; i++) {
    const cli_joblog_record_t* r = cli_joblog_find(&run->logged, i + 1);
    if (r != NULL && !run->slot_in_program &&
        check_command(run, i, r->command) != 0) {
      snprintf(err, errlen, "--joblog '%s': a different batch (said above)",
               b->joblog);
      return -1;
    }
  }
  return cli_joblog_open(&run->joblog, b->joblog, b->joblog_append,
                         b->resume != CLI_RESUME_NONE, err, errlen);
}

int cli_runlog_skip(cli_run_t* run, size_t i) {
  const cli_joblog_record_t* r = cli_joblog_find(&run->logged, i + 1);
  if (r != NULL && !run->slot_in_program && run->jobs->stream != NULL &&
      check_command(run, i, r->command) != 0) {
    return -1;
  }
  return !cli_runlog_wanted(run, i);
}

int cli_runlog_wanted(const cli_run_t* run, size_t i) {
  const cli_batch_t* b = &run->args->batch;
  return cli_batch_in_shard(b, i + 1) &&
         cli_joblog_wants(&run->logged, b->resume, i + 1);
}

void cli_runlog_added(cli_run_t* run, size_t i) {
  if (run->joblog.fd < 0) {
    return;
  }
  cli_buf_t command;
  cli_buf_init(&command);
  if (command_of(run, i, &command) == 0) {
    run->job[i].command = command.data; /* taken over */
  } else {
    cli_buf_free(&command);
  }
}

void cli_runlog_ended(cli_run_t* run, size_t i, const uvsup_result_t* r) {
  cli_joblog_entry_t e;
  memset(&e, 0, sizeof(e));
  char* command = run->job[i].command;
  run->job[i].command = NULL;
  if (run->joblog.fd < 0 || run->joblog.failed ||
      cli_joblog_outcome(r, &e) != 0) {
    free(command);
    return;
  }
  e.seq = i + 1;
  uint64_t start_ns = r->start_ns != 0 ? r->start_ns : run->hr0_ns;
  e.start_ms = run->wall0_ms + (start_ns - run->hr0_ns + 500000) / 1000000;
  e.runtime_ms = (r->duration_ns + 500000) / 1000000;
  e.received = run->job[i].received;
  e.command = command != NULL ? command : "";
  e.command_len = strlen(e.command);
  if (command == NULL || cli_joblog_write(&run->joblog, &e) != 0) {
    run->joblog.failed = 1;
    cli_output_say(run->output, "--joblog: cannot write; its lines are lost");
  }
  free(command);
}

void cli_runlog_close(cli_run_t* run) {
  for (size_t i = 0; i < run->capacity; i++) {
    free(run->job[i].command);
    run->job[i].command = NULL;
  }
  cli_joblog_close(&run->joblog);
  cli_joblog_done_free(&run->logged);
}
