/* Captured output of a run: real pipes made with uv_pipe(), read on the
 * loop, split into lines when asked, and handed to on_output. */
#include <stdlib.h>
#include <unistd.h>

#include "internal.h"

#define READ_BUF_SIZE (64 * 1024)

static uvsup_capture_t* capture_of(uv_stream_t* stream) {
  return (uvsup_capture_t*)((char*)stream - offsetof(uvsup_capture_t, pipe));
}

static void deliver(
    uvsup_run_t* run, int stream, const char* data, size_t len, int newline) {
  uvsup_worker_t* w = run->worker;
  uvsup_output_t out = { stream, data, len, newline };
  w->sup->opts.on_output(w->sup, w, &out);
}

typedef struct {
  uvsup_run_t* run;
  int stream;
} line_ctx_t;

static void on_line(void* ctx, const char* data, size_t len, int newline) {
  line_ctx_t* c = ctx;
  deliver(c->run, c->stream, data, len, newline);
}

static void close_capture(uvsup_run_t* run, uvsup_capture_t* c) {
  if (!c->open) {
    return;
  }
  line_ctx_t ctx = { run, c->stream };
  uvsup__lines_flush(&c->lines, on_line, &ctx);
  uvsup__lines_free(&c->lines);
  c->open = 0;
  uvsup__run_close_handle((uv_handle_t*)&c->pipe);
  uvsup__run_output_closed(run);
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  uvsup_t* sup = ((uvsup_run_t*)handle->data)->worker->sup;
  if (sup->read_buf == NULL) {
    sup->read_buf = malloc(READ_BUF_SIZE);
  }
  /* Zero length makes libuv report UV_ENOBUFS: handled as an error. */
  *buf = uv_buf_init(sup->read_buf, sup->read_buf ? READ_BUF_SIZE : 0);
}

static void on_read(uv_stream_t* stream, ssize_t nread, const uv_buf_t* buf) {
  uvsup_run_t* run = stream->data;
  uvsup_capture_t* c = capture_of(stream);
  if (nread > 0) {
    uvsup__run_output_read(run);
    if (run->worker->sup->opts.output_lines) {
      line_ctx_t ctx = { run, c->stream };
      uvsup__lines_feed(&c->lines, buf->base, (size_t)nread, on_line, &ctx);
    } else {
      deliver(run, c->stream, buf->base, (size_t)nread, 0);
    }
  } else if (nread < 0) {
    close_capture(run, c); /* UV_EOF: every writer is gone */
  }
}

int uvsup__capture_prepare(uvsup_run_t* run, uv_stdio_container_t* stdio) {
  uv_loop_t* loop = run->worker->sup->loop;
  for (int i = 0; i < 2; i++) {
    uvsup_capture_t* c = &run->capture[i];
    uv_file fds[2];
    /* Only our read end is non-blocking; the child's stays as programs
     * expect. Both are close-on-exec until libuv dup2()s the write end
     * into the child's fd 1 or 2. */
    int err = uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
    if (err == 0) {
      err = uv_pipe_init(loop, &c->pipe, 0);
      if (err == 0) {
        c->pipe.data = run;
        c->open = 1;
        c->stream = i + 1;
        run->open_handles++;
        uvsup__lines_init(&c->lines, UVSUP_LINE_MAX);
        err = uv_pipe_open(&c->pipe, fds[0]);
        if (err != 0) {
          close(fds[0]);
        }
      } else {
        close(fds[0]);
      }
      if (err != 0) {
        close(fds[1]);
      }
    }
    if (err != 0) {
      stdio[1 + i].flags = UV_IGNORE;
      /* Give back what the other stream made. */
      uvsup__capture_started(run, stdio, 0);
      return err;
    }
    stdio[1 + i].flags = UV_INHERIT_FD;
    stdio[1 + i].data.fd = fds[1];
  }
  return 0;
}

void uvsup__capture_started(uvsup_run_t* run,
                            uv_stdio_container_t* stdio,
                            int spawned) {
  for (int i = 0; i < 2; i++) {
    if (stdio[1 + i].flags == UV_INHERIT_FD) {
      close(stdio[1 + i].data.fd); /* the child has its own copy */
      stdio[1 + i].flags = UV_IGNORE;
    }
    uvsup_capture_t* c = &run->capture[i];
    if (!c->open) {
      continue;
    }
    if (spawned) {
      uv_read_start((uv_stream_t*)&c->pipe, on_alloc, on_read);
    } else {
      uvsup__lines_free(&c->lines);
      c->open = 0;
      uvsup__run_close_handle((uv_handle_t*)&c->pipe);
    }
  }
}

void uvsup__capture_close(uvsup_run_t* run) {
  close_capture(run, &run->capture[0]);
  close_capture(run, &run->capture[1]);
}

int uvsup__capture_open(const uvsup_run_t* run) {
  return run->capture[0].open + run->capture[1].open;
}

void uvsup__capture_free(uvsup_t* sup) {
  free(sup->read_buf);
  sup->read_buf = NULL;
}

static int set_paused(uvsup_worker_t* worker, int paused) {
  uvsup_run_t* run = worker->run;
  if (run == NULL || (run->flags & RUN_SPAWN_FAILED)) {
    return UVSUP_ESTATE;
  }
  if (paused == !!(run->flags & RUN_OUTPUT_PAUSED)) {
    return 0;
  }
  run->flags ^= RUN_OUTPUT_PAUSED;
  for (int i = 0; i < 2; i++) {
    uv_stream_t* s = (uv_stream_t*)&run->capture[i].pipe;
    if (run->capture[i].open) {
      if (paused) {
        uv_read_stop(s);
      } else {
        uv_read_start(s, on_alloc, on_read);
      }
    }
  }
  if (!paused) {
    uvsup__run_output_resumed(run);
  }
  return 0;
}

int uvsup_worker_pause_output(uvsup_worker_t* worker) {
  return set_paused(worker, 1);
}

int uvsup_worker_resume_output(uvsup_worker_t* worker) {
  return set_paused(worker, 0);
}
