/* Writing uvsup's own stdout or stderr from the loop: batched per loop
 * turn, bounded, and without blocking the loop on a slow reader. */
#include "writer.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Pending output is handed to libuv at the end of the loop turn, or as soon
 * as this much has gathered. */
#define FLUSH_AT    (64 * 1024)
/* Spooled output is read back in pieces of this size. */
#define SPOOL_CHUNK (64 * 1024)

struct cli_writer_spool_s {
  cli_spool_t spool;
  uint64_t offset;
  cli_writer_spool_t* next;
};

typedef struct {
  uv_write_t req;
  cli_writer_t* writer;
  char* data; /* owned: freed when written */
  size_t len;
} write_req_t;

static void pump(cli_writer_t* w);

/* Keeps the first error only, and tells the owner once: every later
 * write is discarded, so one failure is one report. */
static void set_error(cli_writer_t* w, int err) {
  if (w->error != 0) {
    return;
  }
  w->error = err;
  if (w->on_error != NULL) {
    w->on_error(w, w->data);
  }
}

/* For a regular file or /dev/null: plain writes; they do not wait on a
 * reader. A descriptor someone left non-blocking is waited on with poll. */
static void write_blocking(cli_writer_t* w, const char* p, size_t n) {
  while (n > 0 && w->error == 0) {
    ssize_t done = write(w->fd, p, n);
    if (done >= 0) {
      p += done;
      n -= (size_t)done;
    } else if (errno == EAGAIN) {
      struct pollfd pfd = { w->fd, POLLOUT, 0 };
      poll(&pfd, 1, -1);
    } else if (errno != EINTR) {
      set_error(w, -errno);
    }
  }
}

static void on_write(uv_write_t* req, int status) {
  write_req_t* wr = (write_req_t*)req;
  cli_writer_t* w = wr->writer;
  w->queued -= wr->len;
  free(wr->data);
  free(wr);
  if (status < 0) {
    set_error(w, status); /* EPIPE: nobody reads any more; discard the rest */
  }
  pump(w);
}

/* Gives data (malloc'd, len bytes) to libuv, which owns it from here. */
static void submit(cli_writer_t* w, char* data, size_t len) {
  if (w->error != 0 || len == 0) {
    free(data);
    return;
  }
  if (!w->streaming) {
    write_blocking(w, data, len);
    free(data);
    return;
  }
  write_req_t* wr = malloc(sizeof(*wr));
  if (wr == NULL) {
    free(data);
    set_error(w, UV_ENOMEM);
    return;
  }
  wr->writer = w;
  wr->data = data;
  wr->len = len;
  uv_buf_t buf = uv_buf_init(data, (unsigned)len);
  int err = uv_write(&wr->req, &w->out.stream, &buf, 1, on_write);
  if (err != 0) {
    free(data);
    free(wr);
    set_error(w, err);
    return;
  }
  w->queued += len;
}

static void submit_pending(cli_writer_t* w) {
  if (w->pending.len == 0) {
    return;
  }
  /* The buffer itself goes to the request: no copy of the output. */
  char* data = w->pending.data;
  size_t len = w->pending.len;
  cli_buf_init(&w->pending);
  submit(w, data, len);
}

static void drop_spools(cli_writer_t* w) {
  while (w->spools != NULL) {
    cli_writer_spool_t* s = w->spools;
    w->spools = s->next;
    cli_spool_free(&s->spool);
    free(s);
  }
  w->spools_tail = NULL;
}

/* Feeds spooled output while little waits, one piece at a time, so a
 * gigabyte of group output is never all in memory. */
static void feed_spools(cli_writer_t* w) {
  while (w->spools != NULL && w->error == 0 &&
         (!w->streaming || w->queued < CLI_WRITER_LOW)) {
    cli_writer_spool_t* s = w->spools;
    char* chunk = malloc(SPOOL_CHUNK);
    ssize_t n = chunk != NULL
                    ? cli_spool_read(&s->spool, s->offset, chunk, SPOOL_CHUNK)
                    : -1;
    if (n > 0) {
      s->offset += (uint64_t)n;
      submit(w, chunk, (size_t)n);
      continue;
    }
    free(chunk);
    /* The end of this spool (or one that cannot be read back): next. */
    w->spools = s->next;
    if (w->spools == NULL) {
      w->spools_tail = NULL;
    }
    cli_spool_free(&s->spool);
    free(s);
  }
  if (w->error != 0) {
    drop_spools(w);
  }
}

static void on_closed(uv_handle_t* handle) {
  cli_writer_t* w = handle->data;
  if (--w->open_handles > 0) {
    return;
  }
  if (w->restore_flags >= 0) {
    fcntl(w->fd, F_SETFL, w->restore_flags);
  }
  if (w->on_closed != NULL) {
    w->on_closed(w, w->data);
  }
}

static void close_handles(cli_writer_t* w) {
  if (w->streaming) {
    uv_close(&w->out.handle, on_closed);
  }
  uv_close((uv_handle_t*)&w->flush, on_closed);
}

static void pump(cli_writer_t* w) {
  submit_pending(w);
  feed_spools(w);
  size_t waiting = w->queued + w->pending.len;
  if (w->was_full && waiting < CLI_WRITER_LOW && w->spools == NULL) {
    w->was_full = 0;
    if (w->on_drain != NULL) {
      w->on_drain(w, w->data);
    }
  }
  /* Closing a stream cancels the writes still queued (ECANCELED). */
  if (w->closing == 1 &&
      (w->dropping ||
       (w->queued == 0 && w->pending.len == 0 && w->spools == NULL))) {
    w->closing = 2;
    close_handles(w);
  }
}

static void on_flush(uv_idle_t* idle) {
  uv_idle_stop(idle);
  pump(idle->data);
}

/* A private open file description of the same pipe, so the O_NONBLOCK
 * libuv sets stays ours; Linux allows it through /proc for pipes, not for
 * sockets. Failing that, a duplicate, whose flags are put back at close. */
static int private_fd(cli_writer_t* w, int fd) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
  int own = open(path, O_WRONLY | O_CLOEXEC);
  if (own >= 0) {
    return own;
  }
  w->restore_flags = fcntl(fd, F_GETFL);
  return fcntl(fd, F_DUPFD_CLOEXEC, 3);
}

int cli_writer_init(cli_writer_t* w,
                    uv_loop_t* loop,
                    int fd,
                    cli_writer_cb on_drain,
                    cli_writer_cb on_error,
                    void* data) {
  memset(w, 0, sizeof(*w));
  w->loop = loop;
  w->fd = fd;
  w->restore_flags = -1;
  w->on_drain = on_drain;
  w->on_error = on_error;
  w->data = data;
  cli_buf_init(&w->pending);
  int err = 0;
  switch (uv_guess_handle(fd)) {
  case UV_TTY:
    /* libuv reopens a terminal itself, for the same reason as below. */
    err = uv_tty_init(loop, &w->out.tty, fd, 0);
    w->streaming = err == 0;
    break;
  case UV_NAMED_PIPE: {
    int own = private_fd(w, fd);
    err = own < 0 ? -errno : uv_pipe_init(loop, &w->out.pipe, 0);
    if (err == 0) {
      err = uv_pipe_open(&w->out.pipe, own);
      w->streaming = 1;
      if (err != 0) {
        close(own);
      }
    } else if (own >= 0) {
      close(own);
    }
    break;
  }
  default:
    break; /* files, /dev/null: blocking writes */
  }
  if (w->streaming) {
    w->out.handle.data = w;
    w->open_handles++;
  }
  if (err != 0) {
    /* Could not stream it: write it plainly rather than not at all. */
    if (w->streaming) {
      uv_close(&w->out.handle, NULL);
      w->open_handles--;
    }
    w->streaming = 0;
    w->restore_flags = -1;
  }
  uv_idle_init(loop, &w->flush);
  w->flush.data = w;
  w->open_handles++;
  return 0;
}

cli_buf_t* cli_writer_buf(cli_writer_t* w) {
  return &w->pending;
}

void cli_writer_added(cli_writer_t* w) {
  if (w->pending.failed) {
    /* Out of memory for output: what is lost is lost; say so once. */
    cli_buf_free(&w->pending);
    set_error(w, UV_ENOMEM);
  }
  if (w->pending.len >= FLUSH_AT) {
    pump(w);
  } else if (w->pending.len > 0) {
    /* An idle handle, not a check: what is added from a close callback
     * (a run's end) comes after this turn's check phase, and an active
     * check would not keep the next poll from blocking. */
    uv_idle_start(&w->flush, on_flush);
  }
}

void cli_writer_add_spool(cli_writer_t* w, cli_spool_t* spool) {
  cli_writer_spool_t* s = malloc(sizeof(*s));
  if (s == NULL) {
    cli_spool_free(spool);
    return;
  }
  s->spool = *spool;
  s->offset = 0;
  s->next = NULL;
  /* What was added before goes first. */
  submit_pending(w);
  if (w->spools_tail != NULL) {
    w->spools_tail->next = s;
  } else {
    w->spools = s;
  }
  w->spools_tail = s;
  pump(w);
}

/* A message when the output is dropped or the writer closed: never queued
 * behind output nobody reads, never blocking the loop on a pipe. */
static void write_now(cli_writer_t* w, const char* p, size_t n) {
  if (w->streaming && w->closing < 2) {
    uv_buf_t buf = uv_buf_init((char*)p, (unsigned)n);
    uv_try_write(&w->out.stream, &buf, 1);
    return;
  }
  int saved = w->error;
  w->error = 0;
  write_blocking(w, p, n);
  w->error = saved;
}

void cli_writer_add_text(cli_writer_t* w, const char* p, size_t n) {
  if (w->dropping || w->closing == 2) {
    write_now(w, p, n);
    return;
  }
  if (w->spools == NULL) {
    cli_buf_append(&w->pending, p, n);
    cli_writer_added(w);
    return;
  }
  /* Behind the group output that waits, never inside a run's piece. */
  cli_spool_t text;
  cli_spool_init(&text, 0);
  if (cli_spool_append(&text, p, n) != 0) {
    cli_spool_free(&text);
    return;
  }
  cli_writer_add_spool(w, &text);
}

int cli_writer_full(cli_writer_t* w) {
  /* A spool waiting is a finished run's output the reader has not taken:
   * feeding more would only pile up behind it. */
  if (w->queued + w->pending.len > CLI_WRITER_HIGH || w->spools != NULL) {
    w->was_full = 1;
    return 1;
  }
  return 0;
}

void cli_writer_drop(cli_writer_t* w) {
  w->dropping = 1;
  if (w->error == 0) {
    w->error = UV_ECANCELED; /* discard from here on; asked for, not lost */
  }
  cli_buf_free(&w->pending);
  drop_spools(w);
  pump(w);
}

void cli_writer_close(cli_writer_t* w, cli_writer_cb on_closed_cb) {
  w->on_closed = on_closed_cb;
  w->closing = 1;
  pump(w);
}
