/* Captured output of one run: real pipes, their reads, pause and resume, and
 * (drain.c) the bounded grace for pipes still open once the worker's group
 * is gone. The owner (the run) hears one event: everything is closed. */
#ifndef UVSUP_CAPTURE_H
#define UVSUP_CAPTURE_H

#include <stdint.h>

#include "lines.h"
#include "uvsup.h"

/* One captured stream: the read end of a real pipe (uv_pipe(), not a
 * socketpair, so a child may open /dev/stdout) and its line splitter. */
typedef struct {
  uv_pipe_t pipe; /* data: the capture */
  int stream;     /* 1 or 2 */
  int open;       /* initialised and not yet closing */
  int paused;     /* a setting: uvsup_worker_pause_stream() or _output() */
  uvsup_lines_t lines;
} uvsup_stream_t;

/* Where the output of every run of a supervisor goes. */
typedef struct {
  uvsup_t* sup;
  uvsup_output_cb on_output;
  int lines;      /* 1: whole lines; 0: raw chunks */
  char* read_buf; /* one buffer for every read: libuv reads one at a time */
} uvsup_output_sink_t;

/* Where the capture stands; a captured run passes through them in order. */
typedef enum {
  CAPTURE_WAITING = 0, /* pipes made; not read until the process is known
                          to run, so on_start comes first */
  CAPTURE_READING,     /* reading as the worker writes */
  CAPTURE_DRAINING,    /* the group is gone: a silent pipe gets the grace */
  CAPTURE_CLOSING      /* every pipe done; the grace timer closing */
} uvsup_capture_phase_t;

/* Causes, never a phase (the pause is a setting of each stream). */
enum {
  CAPTURE_FORCED = 1 << 0 /* a stop: a pause no longer holds the end */
};

typedef struct uvsup_capture_s uvsup_capture_t;
typedef void (*uvsup_capture_closed_fn)(uvsup_capture_t* capture);
/* Every chunk read, as read, before it goes to on_output (a log check). */
typedef void (*uvsup_capture_data_fn)(void* ctx, const char* data, size_t len);

struct uvsup_capture_s {
  uvsup_stream_t streams[2]; /* stdout, stderr */
  uv_timer_t grace;          /* drain.c */
  uvsup_capture_phase_t phase;
  unsigned flags;
  int open_handles;
  uint64_t grace_ms; /* silence allowed on a pipe once the group is gone */
  uint64_t deadline; /* uv_now() past which reads no longer extend it */
  uvsup_output_sink_t* sink;
  uvsup_worker_t* worker;            /* passed to on_output */
  uvsup_capture_closed_fn on_closed; /* the last handle has closed */
  uvsup_capture_data_fn on_data;     /* or NULL */
  void* on_data_ctx;
};

/* Makes the pipes and the grace timer and fills stdio[1] and stdio[2] with
 * the write ends. Returns 0 or a libuv error; on error what was made is
 * closed and on_closed follows. */
int uvsup__capture_prepare(uvsup_capture_t* capture,
                           uv_loop_t* loop,
                           uvsup_output_sink_t* sink,
                           uvsup_worker_t* worker,
                           uint64_t grace_ms,
                           uvsup_capture_closed_fn on_closed,
                           uv_stdio_container_t* stdio);
/* Once the spawn is sent: closes the parent's copies of the write ends
 * (spawned), or closes everything. */
void uvsup__capture_started(uvsup_capture_t* capture,
                            uv_stdio_container_t* stdio,
                            int spawned);
/* Once the process is known to run: starts reading. Not before, so that
 * on_start precedes the run's first output even when the spawn helper's
 * answer comes after the worker has written. */
void uvsup__capture_read(uvsup_capture_t* capture);
/* Stops or starts again the reads of stream (1: stdout, 2: stderr; 0:
 * both). Each stream is paused on its own, so a consumer that is behind on
 * one stream does not hold the other. */
int uvsup__capture_set_paused(uvsup_capture_t* capture, int stream, int paused);
/* 1 when a stream still open is paused: its silence is the consumer's. */
int uvsup__capture_paused(const uvsup_capture_t* capture);
/* Passes on a last unfinished line and closes the pipes still open. */
void uvsup__capture_close(uvsup_capture_t* capture);
int uvsup__capture_streams_open(const uvsup_capture_t* capture);
/* Reads what is in the pipes right now, without waiting for more. */
void uvsup__capture_read_pending(uvsup_capture_t* capture);
void uvsup__output_sink_free(uvsup_output_sink_t* sink);

/* drain.c: the worker's group is gone; pipes still open get the grace. */
void uvsup__drain_start(uvsup_capture_t* capture);
/* drain.c: events of the capture that move the grace. */
void uvsup__drain_read(uvsup_capture_t* capture);
void uvsup__drain_resumed(uvsup_capture_t* capture);
/* drain.c: a stop: a pause no longer holds the end of the output. */
void uvsup__drain_force(uvsup_capture_t* capture);
void uvsup__drain_timer_init(uvsup_capture_t* capture, uv_loop_t* loop);

#endif
