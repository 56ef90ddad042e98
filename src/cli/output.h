/* Where workers' output goes in the CLI: --output tag|group|inherit|null
 * and --log-dir, with backpressure from uvsup's own stdout and stderr. */
#ifndef UVSUP_CLI_OUTPUT_H
#define UVSUP_CLI_OUTPUT_H

#include <stddef.h>
#include <uvsup.h>

#include <uv.h>

#include "args.h"

typedef struct cli_output_s cli_output_t;
typedef void (*cli_output_closed_cb)(void* data);

/* Sets up output: the writers for uvsup's stdout and stderr and the log
 * directory (created now, so a bad one starts nothing). Returns 0, or -1
 * with a message in err. */
int cli_output_new(cli_output_t** out,
                   uv_loop_t* loop,
                   const cli_args_t* a,
                   char* err,
                   size_t errlen);

/* Room for jobs 0 .. count - 1 (more become known as input streams in).
 * Returns 0 or -1 (out of memory). */
int cli_output_reserve(cli_output_t* out, size_t count);

/* Tags are padded to at least width (the widest name known ahead). */
void cli_output_set_pad(cli_output_t* out, size_t width);

/* Job will never run (--resume, --shard): -k does not wait for it. */
void cli_output_skip(cli_output_t* out, size_t job);

/* The name job will be shown and logged under (after any renaming); it
 * must stay valid until cli_output_free() (the worker's own copy does).
 * Tags are padded to the widest name set so far. */
void cli_output_set_name(cli_output_t* out, size_t job, const char* name);

/* How uvsup_add() should set the workers up. */
uvsup_output_mode_t cli_output_worker_mode(const cli_output_t* out);
int cli_output_wants_lines(const cli_output_t* out);

/* For on_output and on_exit of the job's worker. */
void cli_output_chunk(cli_output_t* out,
                      uvsup_worker_t* worker,
                      size_t job,
                      const uvsup_output_t* o);
/* final: the job ended for good (no retry follows). With -k (group
 * mode) a job's output waits for every job before it to end. */
void cli_output_run_ended(cli_output_t* out, size_t job, int final);

/* Says "uvsup: MESSAGE" on stderr, through the stderr writer when
 * there is one, so it lands between lines of the workers' output, after
 * what waits. out may be NULL (then plainly). */
void cli_output_say(cli_output_t* out, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Writes text as it is on stderr (a progress line redrawn with "\r"),
 * through the stderr writer when there is one. */
void cli_output_raw_stderr(cli_output_t* out, const char* text, size_t len);
/* Whether a progress line (no newline) is on stderr now: messages then
 * erase it first (a terminal's "\r\033[K") instead of following it. */
void cli_output_progress_line(cli_output_t* out, int drawn);

/* -k: jobs that ended and wait for an earlier one to write their output
 * (each may hold a temporary file). */
size_t cli_output_waiting(const cli_output_t* out);

/* 1 when output that was to be written or logged was lost (a write error
 * other than a reader that left); it was said on stderr. */
int cli_output_lost(const cli_output_t* out);

/* Told to hold (1) the start of new workers while finished output waits
 * for a slow reader, and to let go (0) once it drains. */
typedef void (*cli_output_hold_cb)(void* data, int hold);
void cli_output_on_hold(cli_output_t* out, cli_output_hold_cb cb, void* data);

/* Told once when the reader of uvsup's stdout has left (EPIPE). */
typedef void (*cli_output_gone_cb)(void* data);
void cli_output_on_gone(cli_output_t* out, cli_output_gone_cb cb, void* data);

/* Drops the output that waits for uvsup's stdout and stderr and all that
 * comes later (logs are still written), and resumes the paused workers so
 * their pipes drain: a reader that never comes cannot keep uvsup from
 * exiting. For a second SIGINT/SIGTERM. */
void cli_output_drop(cli_output_t* out);

/* Writes out what waits and closes the writers; cb follows from the loop. */
void cli_output_close(cli_output_t* out, cli_output_closed_cb cb, void* data);
void cli_output_free(cli_output_t* out);

#endif
