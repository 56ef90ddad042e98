/* GNU parallel's joblog: writing a line per finished job in its exact
 * format, and reading one back for --resume, --resume-failed and
 * --retry-failed. */
#ifndef UVSUP_CLI_JOBLOG_H
#define UVSUP_CLI_JOBLOG_H

#include <stddef.h>
#include <stdint.h>
#include <uvsup.h>

#include "batch.h"
#include "buf.h"

#define CLI_JOBLOG_HEADER                                              \
  "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\t" \
  "Command\n"

/* One finished job, as parallel writes it. */
typedef struct {
  unsigned long seq;   /* the job number, from 1 */
  uint64_t start_ms;   /* wall clock, ms since the epoch */
  uint64_t runtime_ms; /* its (last) run */
  uint64_t received;   /* bytes it wrote on stdout */
  long exitval;        /* -1: killed by a timeout */
  int signal;          /* that ended it, or 0 */
  const char* command; /* as cli_jobs_command() makes it */
  size_t command_len;
} cli_joblog_entry_t;

/* Appends e's line: "SEQ\t:\tSTART(%.3f)\tRUNTIME(%10.3f)\t0\tRECEIVED\t
 * EXITVAL\tSIGNAL\tCOMMAND\n", each newline of the command written as a
 * NUL byte, as parallel does. */
void cli_joblog_format(cli_buf_t* b, const cli_joblog_entry_t* e);

/* Fills e's exit value and signal from how the job ended, as parallel
 * writes them: the exit status and 0; 0 and the signal that killed it;
 * -1 and the signal for a timeout; 127 (126) for a program not found
 * (not executable), as a shell would. Returns 0, or -1 when the job gets
 * no line: cut short by a stop of uvsup (a signal to uvsup, --halt now;
 * a stopped job that exited 0 ran to its end and gets its line) or never
 * started, so a --resume runs it again. */
int cli_joblog_outcome(const uvsup_result_t* r, cli_joblog_entry_t* e);

typedef struct {
  int fd;     /* -1: no joblog */
  int failed; /* a write failed (said once) */
} cli_joblog_t;

/* Opens path: truncated with the header (fresh), or appended to (append:
 * +FILE, with no header as parallel; with_header_if_empty: a resume, which
 * writes the header into a new or empty file). Returns 0, or -1 with a
 * message in err. */
int cli_joblog_open(cli_joblog_t* log,
                    const char* path,
                    int append,
                    int with_header_if_empty,
                    char* err,
                    size_t errlen);

/* Writes e's line at once (a reader or a crash sees every finished job).
 * Returns 0 or -1 (errno set). */
int cli_joblog_write(cli_joblog_t* log, const cli_joblog_entry_t* e);
void cli_joblog_close(cli_joblog_t* log);

/* What a joblog says of each job number: the last line for it wins. */
typedef struct {
  char* command; /* NULL: no line for that number */
  int ok;        /* exit value 0 and no signal */
} cli_joblog_record_t;

typedef struct {
  cli_joblog_record_t* by_seq; /* by_seq[seq - 1] */
  size_t count;
} cli_joblog_done_t;

/* Reads path (a missing file is an empty log). Lines that are not
 * parallel's (the header, a short line) are skipped; a NUL in a command
 * reads back as the newline it stood for. Returns 0, or -1 with a message
 * in err. */
int cli_joblog_load(const char* path,
                    cli_joblog_done_t* done,
                    char* err,
                    size_t errlen);

/* The record of seq, or NULL when the log has no line for it. */
const cli_joblog_record_t* cli_joblog_find(const cli_joblog_done_t* done,
                                           unsigned long seq);
void cli_joblog_done_free(cli_joblog_done_t* done);

/* Whether a resume runs job seq again: --resume skips every job the log
 * holds, --resume-failed those that succeeded, --retry-failed runs only
 * those it holds as failed. Returns 1 to run it. */
int cli_joblog_wants(const cli_joblog_done_t* done,
                     cli_resume_t how,
                     unsigned long seq);

#endif
