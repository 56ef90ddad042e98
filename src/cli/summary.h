/* The per-worker summary: a text table or one JSON object. */
#ifndef UVSUP_CLI_SUMMARY_H
#define UVSUP_CLI_SUMMARY_H

#include <stddef.h>
#include <stdint.h>
#include <uvsup.h>

#include "buf.h"
#include "safe.h"

/* Why the supervisor as a whole stopped early, if it did. */
typedef enum {
  CLI_STOP_NONE = 0,
  CLI_STOP_SIGNAL, /* uvsup got SIGINT/SIGTERM/SIGHUP (signum says which) */
  CLI_STOP_HALT,   /* --halt triggered */
  CLI_STOP_INPUT   /* a streamed input source went bad: said on stderr */
} cli_stop_reason_t;

typedef struct {
  const uvsup_result_t* const* results; /* in the order the jobs were given */
  size_t count;
  uint64_t duration_ns; /* whole run */
  cli_stop_reason_t stop_reason;
  int stop_signal;          /* with CLI_STOP_SIGNAL */
  const unsigned* restarts; /* per job, or NULL: none */
  size_t skipped;  /* jobs not run (--resume, --shard): not in results */
  size_t rows_max; /* text: past this many workers, list only those that
                      failed or were stopped (at most this many); 0: all */
  int show_ready;  /* a READY column (time to ready) when some
                      worker has a readiness setting */
} cli_summary_t;

/* The default of rows_max for the CLI (--summary-all lifts it). */
#define CLI_SUMMARY_ROWS  100
/* Past this many failed names, the warning line ends in "and N more". */
#define CLI_SUMMARY_NAMES 20

/* One line for a result: "ok", "exit 3", "signal SIGKILL", "spawn error:
 * ENOENT: no such file or directory", "timed out (SIGTERM)", "stopped
 * (SIGTERM)", "not started". */
void cli_result_describe(cli_buf_t* b, const uvsup_result_t* r);

/* A table on its own lines: header NAME PID RESULT DURATION, one row per
 * result (pid "-" when never started), then "N workers: X ok, Y failed"
 * (and ", Z stopped" / ", W not started" parts when non-zero), then
 * "N skipped (in the joblog or another shard)" when some were,
 * "interrupted by SIGINT", "halted by --halt" or "stopped by bad input"
 * when the run was cut short,
 * (a RUNS column after PID when any worker ran more than once),
 * then, when any failed, "warning: N failed: name1, name2, ...". Past
 * rows_max workers the table lists only those that failed or were stopped
 * (the first rows_max of them; those not started are counted only), a line "(N
 * ok [and M more] not listed:
 * --summary-all lists every worker)" follows it, and the warning names the
 * first CLI_SUMMARY_NAMES and "and N more". Returns 0 or -1 (ENOMEM). */
int cli_summary_text(cli_buf_t* b, const cli_summary_t* s);

/* One JSON object and a newline:
 * {"workers":[{"name":..,"pid":N|null,"ok":bool,"exit_code":N|null,
 *   "signal":"SIGKILL"|null,"error":"ENOENT: no such file or directory"|null,
 *   "timed_out":bool,"end":"exited"|"signaled"|"timed_out"|"stopped"|
 *   "spawn_failed"|"not_started"|"gave_up"|"not_ready"|"watchdog"|
 *   "skipped","duration_ms":N,"runs":N, and when known "ready_ms":N,
 *   "status":"..." (STATUS= of notify), "reason":"db gave up" (skipped),
 *   "restarts":N}, ...],
 *  "total":N,"succeeded":N,"failed":N,"stopped":N,"not_started":N,
 *  "duration_ms":N,"skipped":N,
 *  "stopped_by":null|"signal"|"halt"|"input","stop_signal":"SIGINT"|null}
 * exit_code is set whenever the process exited by itself, also when that
 * was its answer to a stop or a timeout. Returns 0 or -1 (ENOMEM). */
int cli_summary_json(cli_buf_t* b, const cli_summary_t* s);

#endif
