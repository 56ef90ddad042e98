/* Reading a value source as it arrives: a uv_pipe_t for pipes and
 * sockets, a uv_tty_t for a terminal, uv_fs_read() for files, split into
 * lines of bounded length. */
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

typedef enum { KIND_PIPE, KIND_TTY, KIND_FILE } kind_t;

/* Where the stream is: reading (or paused), done (end or error said, or
 * stopped by the taker), closing (handles closing), so a late read
 * callback knows to say nothing. */
typedef enum { STATE_READING, STATE_DONE, STATE_CLOSING } state_t;

struct cli_stream_s {
  kind_t kind;
  state_t state;
  union {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_pipe_t pipe;
    uv_tty_t tty;
  } h;
  uv_fs_t req;
  int fd;          /* the file's, KIND_FILE */
  int own_fd;      /* opened here: closed here */
  int reading;     /* KIND_FILE: a uv_fs_read is under way */
  int paused;      /* the taker asked for no more for now */
  char* line;      /* the line so far */
  size_t len, max; /* its length; the longest taken */
  int too_long;    /* the line passed max: it was given, the stream stops */
  char chunk[CHUNK];
  cli_stream_line_cb on_line;
  cli_stream_end_cb on_end;
  cli_stream_closed_cb on_closed;
  void* data;
  uv_loop_t* loop;
};

static void finish(cli_stream_t* s, int status) {
  if (s->state != STATE_READING) {
    return;
  }
  s->state = STATE_DONE;
  if (s->kind != KIND_FILE) {
    uv_read_stop(&s->h.stream);
  }
  if (status == 0 && s->len > 0 && s->on_line(s->data, s->line, s->len) != 0) {
    return;
  }
  s->on_end(s->data, status);
}

/* Splits data into lines for the taker. Returns 0, or -1 once it stopped. */
static int take(cli_stream_t* s, const char* p, size_t n) {
  while (n > 0 && s->state == STATE_READING) {
    const char* nl = memchr(p, '\n', n);
    size_t part = nl != NULL ? (size_t)(nl - p) : n;
    size_t room = s->max + 1 - s->len;
    size_t copy = part < room ? part : room;
    memcpy(s->line + s->len, p, copy);
    s->len += copy;
    if (s->len > s->max || nl != NULL) {
      size_t len = s->len;
      s->len = 0;
      if (s->on_line(s->data, s->line, len) != 0 || len > s->max) {
        s->state = STATE_DONE; /* the taker refused: nothing more */
        if (s->kind != KIND_FILE) {
          uv_read_stop(&s->h.stream);
        }
        return -1;
      }
      part = nl != NULL ? part + 1 : copy;
    }
    p += part;
    n -= part;
  }
  return s->state == STATE_READING ? 0 : -1;
}

static void on_alloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf) {
  cli_stream_t* s = h->data;
  (void)suggested;
  *buf = uv_buf_init(s->chunk, sizeof(s->chunk));
}

static void on_read(uv_stream_t* h, ssize_t n, const uv_buf_t* buf) {
  cli_stream_t* s = h->data;
  if (n > 0) {
    take(s, buf->base, (size_t)n);
  } else if (n < 0) {
    finish(s, n == UV_EOF ? 0 : (int)n);
  }
}

static void read_file(cli_stream_t* s);
static void on_close(uv_handle_t* h);

static void on_fs_read(uv_fs_t* req) {
  cli_stream_t* s = req->data;
  ssize_t n = req->result;
  uv_fs_req_cleanup(req);
  s->reading = 0;
  if (s->state == STATE_CLOSING) {
    uv_close(&s->h.handle, on_close); /* the idle handle: see close */
    return;
  }
  if (n > 0) {
    if (take(s, s->chunk, (size_t)n) == 0) {
      read_file(s);
    }
  } else {
    finish(s, (int)n);
  }
}

static void read_file(cli_stream_t* s) {
  if (s->paused || s->reading || s->state != STATE_READING) {
    return;
  }
  uv_buf_t buf = uv_buf_init(s->chunk, sizeof(s->chunk));
  s->req.data = s;
  if (uv_fs_read(s->loop, &s->req, s->fd, &buf, 1, -1, on_fs_read) == 0) {
    s->reading = 1;
  } else {
    finish(s, UV_EIO);
  }
}

/* The descriptor of path, opened here unless it is "-". */
static int open_fd(cli_stream_t* s,
                   const char* path,
                   char* err,
                   size_t errlen) {
  if (strcmp(path, "-") == 0) {
    s->fd = 0;
    return 0;
  }
  s->fd = open(path, O_RDONLY | O_CLOEXEC);
  if (s->fd < 0) {
    snprintf(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  s->own_fd = 1;
  return 0;
}

/* The handle for the descriptor's kind. */
static int init_handle(cli_stream_t* s) {
  switch (uv_guess_handle(s->fd)) {
  case UV_TTY:
    s->kind = KIND_TTY;
    return uv_tty_init(s->loop, &s->h.tty, s->fd, 1);
  case UV_NAMED_PIPE:
  case UV_TCP:
    s->kind = KIND_PIPE;
    int rc = uv_pipe_init(s->loop, &s->h.pipe, 0);
    if (rc == 0 && (rc = uv_pipe_open(&s->h.pipe, s->fd)) != 0) {
      /* The handle exists: it frees the stream once closed. */
      s->state = STATE_CLOSING;
      s->h.handle.data = s;
      uv_close(&s->h.handle, on_close);
    }
    return rc;
  default:
    /* A file: read in the thread pool, one chunk at a time. An idle
     * handle stands for it, so closing works the same way. */
    s->kind = KIND_FILE;
    return uv_idle_init(s->loop, (uv_idle_t*)&s->h.handle);
  }
}

int cli_stream_open(cli_stream_t** sp,
                    uv_loop_t* loop,
                    const char* path,
                    size_t max,
                    cli_stream_line_cb on_line,
                    cli_stream_end_cb on_end,
                    void* data,
                    char* err,
                    size_t errlen) {
  cli_stream_t* s = calloc(1, sizeof(*s));
  if (s == NULL || (s->line = malloc(max + 1)) == NULL) {
    free(s);
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  s->loop = loop;
  s->max = max;
  s->on_line = on_line;
  s->on_end = on_end;
  s->data = data;
  if (open_fd(s, path, err, errlen) != 0) {
    free(s->line);
    free(s);
    return -1;
  }
  int rc = init_handle(s);
  if (rc != 0) {
    snprintf(err, errlen, "reading %s: %s",
             strcmp(path, "-") == 0 ? "standard input" : path, uv_strerror(rc));
    if (s->state == STATE_CLOSING) {
      return -1; /* freed by on_close once the loop runs */
    }
    if (s->own_fd) {
      close(s->fd);
    }
    free(s->line);
    free(s);
    return -1;
  }
  s->h.handle.data = s;
  *sp = s;
  s->paused = 1; /* not reading yet */
  cli_stream_resume(s);
  return 0;
}

void cli_stream_pause(cli_stream_t* s) {
  if (s->paused || s->state != STATE_READING) {
    return;
  }
  s->paused = 1;
  if (s->kind != KIND_FILE) {
    uv_read_stop(&s->h.stream);
  }
}

void cli_stream_resume(cli_stream_t* s) {
  if (s->state != STATE_READING || !s->paused) {
    return;
  }
  s->paused = 0;
  if (s->kind == KIND_FILE) {
    read_file(s);
  } else if (uv_read_start(&s->h.stream, on_alloc, on_read) != 0) {
    finish(s, UV_EIO);
  }
}

static void on_close(uv_handle_t* h) {
  cli_stream_t* s = h->data;
  if (s->kind == KIND_PIPE && !s->own_fd) {
    /* Descriptor 0 was made non-blocking for the loop: give it back as
     * it was for whoever shares it after us. */
    int flags = fcntl(0, F_GETFL);
    if (flags >= 0) {
      fcntl(0, F_SETFL, flags & ~O_NONBLOCK);
    }
  }
  if (s->kind == KIND_FILE && s->own_fd) {
    close(s->fd);
  }
  if (s->on_closed != NULL) {
    s->on_closed(s->data);
  }
  free(s->line);
  free(s);
}

void cli_stream_close(cli_stream_t* s, cli_stream_closed_cb closed_cb) {
  if (s == NULL || s->state == STATE_CLOSING) {
    return;
  }
  s->state = STATE_CLOSING;
  s->on_closed = closed_cb;
  if (s->kind != KIND_FILE) {
    uv_read_stop(&s->h.stream);
  }
  /* A read in the thread pool cannot be taken back: close after it. */
  if (s->kind == KIND_FILE && s->reading) {
    uv_cancel((uv_req_t*)&s->req);
    s->h.handle.data = s;
    return;
  }
  uv_close(&s->h.handle, on_close);
}
