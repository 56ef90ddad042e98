/* Captured output of a run: real pipes made with uv_pipe(), read on the
 * loop, split into lines when asked, and handed to on_output. */
#include "capture.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define READ_BUF_SIZE (64 * 1024)

static uvsup_stream_t* stream_of(uv_handle_t* handle) {
  return (uvsup_stream_t*)((char*)handle - offsetof(uvsup_stream_t, pipe));
}

static void deliver(uvsup_capture_t* cap,
                    int stream,
                    const char* data,
                    size_t len,
                    int newline) {
  uvsup_output_t out = { stream, data, len, newline };
  cap->sink->on_output(cap->sink->sup, cap->worker, &out);
}

typedef struct {
  uvsup_capture_t* capture;
  int stream;
} line_ctx_t;

static void on_line(void* ctx, const char* data, size_t len, int newline) {
  line_ctx_t* c = ctx;
  deliver(c->capture, c->stream, data, len, newline);
}

static void feed(uvsup_capture_t* cap,
                 uvsup_stream_t* s,
                 const char* data,
                 size_t len) {
  if (cap->on_data != NULL) {
    cap->on_data(cap->on_data_ctx, data, len);
  }
  if (cap->sink->lines) {
    line_ctx_t ctx = { cap, s->stream };
    uvsup__lines_feed(&s->lines, data, len, on_line, &ctx);
  } else {
    deliver(cap, s->stream, data, len, 0);
  }
}

static void on_handle_close(uv_handle_t* handle) {
  uvsup_capture_t* cap = handle->data;
  if (--cap->open_handles == 0) {
    cap->on_closed(cap); /* last: the owner may free the capture */
  }
}

static void close_handle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, on_handle_close);
  }
}

/* Both pipes are done: only the grace timer is left. */
static void streams_done(uvsup_capture_t* cap) {
  if (uvsup__capture_streams_open(cap) == 0) {
    cap->phase = CAPTURE_CLOSING;
    close_handle((uv_handle_t*)&cap->grace);
  }
}

static void close_stream(uvsup_capture_t* cap, uvsup_stream_t* s) {
  if (!s->open) {
    return;
  }
  line_ctx_t ctx = { cap, s->stream };
  uvsup__lines_flush(&s->lines, on_line, &ctx);
  uvsup__lines_free(&s->lines);
  s->open = 0;
  close_handle((uv_handle_t*)&s->pipe);
  streams_done(cap);
}

static char* read_buf(uvsup_output_sink_t* sink) {
  if (sink->read_buf == NULL) {
    sink->read_buf = malloc(READ_BUF_SIZE);
  }
  return sink->read_buf;
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  uvsup_capture_t* cap = handle->data;
  char* base = read_buf(cap->sink);
  /* Zero length makes libuv report UV_ENOBUFS: handled as an error. */
  *buf = uv_buf_init(base, base != NULL ? READ_BUF_SIZE : 0);
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  uvsup_capture_t* cap = stream->data;
  uvsup_stream_t* s = stream_of((uv_handle_t*)stream);
  if (nread > 0) {
    uvsup__drain_read(cap);
    feed(cap, s, buf->base, (size_t)nread);
  } else if (nread < 0) {
    close_stream(cap, s); /* UV_EOF: every writer is gone */
  }
}

static int open_stream(uvsup_capture_t* cap,
                       uv_loop_t* loop,
                       int i,
                       uv_stdio_container_t* stdio) {
  uvsup_stream_t* s = &cap->streams[i];
  uv_file fds[2];
  /* Only our read end is non-blocking; the child's stays as programs
   * expect. Both are close-on-exec until libuv dup2()s the write end into
   * the child's fd 1 or 2. */
  int err = uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
  if (err != 0) {
    return err;
  }
  err = uv_pipe_init(loop, &s->pipe, 0);
  if (err != 0) {
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  s->pipe.data = cap;
  s->open = 1;
  s->stream = i + 1;
  cap->open_handles++;
  uvsup__lines_init(&s->lines, UVSUP_LINE_MAX);
  err = uv_pipe_open(&s->pipe, fds[0]);
  if (err != 0) {
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  stdio[1 + i].flags = UV_INHERIT_FD;
  stdio[1 + i].data.fd = fds[1];
  return 0;
}

int uvsup__capture_prepare(uvsup_capture_t* cap,
                           uv_loop_t* loop,
                           uvsup_output_sink_t* sink,
                           uvsup_worker_t* worker,
                           uint64_t grace_ms,
                           uvsup_capture_closed_fn on_closed,
                           uv_stdio_container_t* stdio) {
  cap->sink = sink;
  cap->worker = worker;
  cap->grace_ms = grace_ms;
  cap->on_closed = on_closed;
  /* First, so there is always a handle whose close reports the end. */
  uvsup__drain_timer_init(cap, loop);
  cap->open_handles = 1;
  for (int i = 0; i < 2; i++) {
    int err = open_stream(cap, loop, i, stdio);
    if (err != 0) {
      uvsup__capture_started(cap, stdio, 0); /* gives back what was made */
      return err;
    }
  }
  return 0;
}

void uvsup__capture_read(uvsup_capture_t* cap) {
  cap->phase = CAPTURE_READING;
  for (int i = 0; i < 2; i++) {
    uvsup_stream_t* s = &cap->streams[i];
    if (s->open && !s->paused) {
      uv_read_start((uv_stream_t*)&s->pipe, on_alloc, on_read);
    }
  }
}

void uvsup__capture_started(uvsup_capture_t* cap,
                            uv_stdio_container_t* stdio,
                            int spawned) {
  for (int i = 0; i < 2; i++) {
    if (stdio[1 + i].flags == UV_INHERIT_FD) {
      close(stdio[1 + i].data.fd); /* the child has its own copy */
      stdio[1 + i].flags = UV_IGNORE;
    }
    uvsup_stream_t* s = &cap->streams[i];
    if (!s->open) {
      continue;
    }
    if (!spawned) {
      uvsup__lines_free(&s->lines);
      s->open = 0;
      close_handle((uv_handle_t*)&s->pipe);
    }
  }
  streams_done(cap);
}

/* Reads what the pipe holds now, however much (FIONREAD), and no more: a
 * process that escaped the group and keeps writing cannot hold this. */
static void read_pending_stream(uvsup_capture_t* cap, uvsup_stream_t* s) {
  uv_os_fd_t fd;
  int pending = 0;
  if (uv_fileno((uv_handle_t*)&s->pipe, &fd) != 0 ||
      ioctl(fd, FIONREAD, &pending) != 0) {
    return;
  }
  char* buf = read_buf(cap->sink);
  while (pending > 0 && buf != NULL && s->open) {
    size_t want =
        (size_t)pending < READ_BUF_SIZE ? (size_t)pending : READ_BUF_SIZE;
    ssize_t n = read(fd, buf, want);
    if (n <= 0) {
      break;
    }
    feed(cap, s, buf, (size_t)n);
    pending -= (int)n;
  }
}

void uvsup__capture_read_pending(uvsup_capture_t* cap) {
  for (int i = 0; i < 2; i++) {
    if (cap->streams[i].open) {
      read_pending_stream(cap, &cap->streams[i]);
    }
  }
}

void uvsup__capture_close(uvsup_capture_t* cap) {
  close_stream(cap, &cap->streams[0]);
  close_stream(cap, &cap->streams[1]);
}

int uvsup__capture_streams_open(const uvsup_capture_t* cap) {
  return cap->streams[0].open + cap->streams[1].open;
}

int uvsup__capture_set_paused(uvsup_capture_t* cap, int stream, int paused) {
  int resumed = 0;
  for (int i = 0; i < 2; i++) {
    uvsup_stream_t* s = &cap->streams[i];
    if ((stream != 0 && stream != i + 1) || s->paused == paused) {
      continue;
    }
    s->paused = paused;
    if (s->open && cap->phase != CAPTURE_WAITING) {
      if (paused) {
        uv_read_stop((uv_stream_t*)&s->pipe);
      } else {
        uv_read_start((uv_stream_t*)&s->pipe, on_alloc, on_read);
        resumed = 1;
      }
    }
  }
  if (resumed) {
    uvsup__drain_resumed(cap);
  }
  return 0;
}

int uvsup__capture_paused(const uvsup_capture_t* cap) {
  for (int i = 0; i < 2; i++) {
    if (cap->streams[i].open && cap->streams[i].paused) {
      return 1;
    }
  }
  return 0;
}

void uvsup__output_sink_free(uvsup_output_sink_t* sink) {
  free(sink->read_buf);
  sink->read_buf = NULL;
}
