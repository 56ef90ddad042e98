/* Writing uvsup's own stdout or stderr from the loop without blocking it,
 * with a bound on what waits, so a slow reader slows the workers down
 * instead of growing uvsup. */
#ifndef UVSUP_CLI_WRITER_H
#define UVSUP_CLI_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include "buf.h"
#include "spool.h"

/* Above this many bytes waiting, the writer is full: callers stop feeding
 * it (pause the workers) until on_drain. */
#define CLI_WRITER_HIGH (1024 * 1024)
/* on_drain comes once what waits falls below this. */
#define CLI_WRITER_LOW  (256 * 1024)

typedef struct cli_writer_s cli_writer_t;
typedef void (*cli_writer_cb)(cli_writer_t* w, void* data);

typedef struct cli_writer_spool_s cli_writer_spool_t;

struct cli_writer_s {
  uv_loop_t* loop;
  int fd;            /* what is written to: ours, or the original */
  int own_fd;        /* 1 when fd was reopened for us and is ours to close */
  int restore_flags; /* original fd's flags to put back, or -1 */
  int streaming;     /* 1: libuv stream (pipe, tty); 0: blocking writes */
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tty_t tty;
  } out;
  uv_idle_t flush; /* writes what was added, at the next loop turn */
  int open_handles;
  cli_buf_t pending;          /* added, not yet given to libuv */
  size_t queued;              /* given to libuv, not yet written */
  cli_writer_spool_t* spools; /* group output waiting its turn, FIFO */
  cli_writer_spool_t* spools_tail;
  int error;    /* first write error (EPIPE: the reader left); then discard */
  int closing;  /* close once everything is written */
  int dropping; /* cli_writer_drop(): close without waiting for the reader */
  int was_full;
  cli_writer_cb on_drain;
  cli_writer_cb on_error; /* once, when error is first set */
  cli_writer_cb on_closed;
  void* data;
};

/* Sets w up for fd (1 or 2) on loop. A pipe or a terminal is written
 * through libuv on a private reopening of it where Linux allows (so the
 * O_NONBLOCK libuv needs does not leak to other processes sharing it);
 * anything else, a regular file or /dev/null, with plain blocking writes.
 * on_error (may be NULL) is called once, at the first failure (w->error:
 * a negative libuv error, UV_EPIPE when the reader left); what is added
 * after it is discarded. Returns 0 or a negative libuv error. */
int cli_writer_init(cli_writer_t* w,
                    uv_loop_t* loop,
                    int fd,
                    cli_writer_cb on_drain,
                    cli_writer_cb on_error,
                    void* data);

/* The buffer to append output to; it is written out at the end of this loop
 * turn, or at once when large. */
cli_buf_t* cli_writer_buf(cli_writer_t* w);
void cli_writer_added(cli_writer_t* w);

/* Takes the spool, writes all of it after what is already waiting (as one
 * piece: nothing else is written in between), then frees it. */
void cli_writer_add_spool(cli_writer_t* w, cli_spool_t* spool);

/* Adds n bytes of whole lines of uvsup's own (a message) after all that
 * was added before, spools included, so they land at a line boundary of
 * the output. Once the writer drops its output (cli_writer_drop) they are
 * tried once without waiting, and once it is closed they are written to
 * its descriptor plainly. */
void cli_writer_add_text(cli_writer_t* w, const char* p, size_t n);

/* 1 when more than CLI_WRITER_HIGH bytes wait. */
int cli_writer_full(cli_writer_t* w);

/* Drops what waits (and what is added later) instead of writing it, so
 * that a reader that never comes cannot hold uvsup: for "stop now". A
 * close then does not wait for writes libuv has queued. */
void cli_writer_drop(cli_writer_t* w);

/* Writes out everything that waits, then closes the handles; on_closed
 * follows (from the loop). */
void cli_writer_close(cli_writer_t* w, cli_writer_cb on_closed);

#endif
