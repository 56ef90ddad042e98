/* A run's readiness check: its settings, the deadline, the minimum uptime,
 * the descriptor and log checks, the watchdog, the environment, and the
 * close of every handle. The notify socket is in ready_notify.c, the tcp
 * and exec probes in ready_probe.c. */
#include "ready.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regexbound.h"

#define PROBE_MISSES 3 /* a liveness probe fails this many times in a row */

extern char** environ;

int uvsup__ready_conf_init(uvsup_ready_conf_t* conf, const char* text) {
  memset(conf, 0, sizeof(*conf));
  if (text == NULL) {
    return 0;
  }
  conf->text = strdup(text);
  if (conf->text == NULL) {
    return UV_ENOMEM;
  }
  int err = uvsup__ready_spec_parse(conf->text, &conf->spec);
  if (err == 0 && conf->spec.kind == READY_LOG) {
    err = uvsup__regex_compile(&conf->re, conf->spec.arg);
    conf->has_re = err == 0;
  }
  conf->exec_args[0] = "/bin/sh";
  conf->exec_args[1] = "-c";
  conf->exec_args[2] = conf->spec.arg;
  if (err != 0) {
    uvsup__ready_conf_free(conf);
  }
  return err;
}

void uvsup__ready_conf_free(uvsup_ready_conf_t* conf) {
  if (conf->has_re) {
    regfree(&conf->re);
  }
  free(conf->text);
  memset(conf, 0, sizeof(*conf));
}


void uvsup__ready_handle_closed(uv_handle_t* handle) {
  uvsup_ready_t* r = handle->data;
  if (--r->open_handles == 0 && r->phase == READY_CLOSING) {
    uvsup__lines_free(&r->lines);
    free(r->line_buf);
    r->line_buf = NULL;
    r->on_closed(r); /* last: the owner frees it */
  }
}

static void close_handle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, uvsup__ready_handle_closed);
  }
}

static void init_timer(uvsup_ready_t* r, uv_timer_t* t) {
  uv_timer_init(r->loop, t);
  t->data = r;
  r->open_handles++;
}

/* The descriptor: a real pipe whose write end the worker gets at fd. */
static int open_fd(uvsup_ready_t* r,
                   uv_stdio_container_t* stdio,
                   int* stdio_count) {
  int fd = r->conf->spec.fd;
  uv_file fds[2];
  int err = uv_pipe(fds, UV_NONBLOCK_PIPE, 0);
  if (err != 0) {
    return err;
  }
  uv_pipe_init(r->loop, &r->pipe, 0);
  r->pipe.data = r;
  r->open_handles++;
  r->pipe_open = 1;
  err = uv_pipe_open(&r->pipe, fds[0]);
  if (err != 0) {
    close(fds[0]);
    close(fds[1]);
    return err;
  }
  for (int i = *stdio_count; i < fd; i++) {
    stdio[i].flags = UV_IGNORE;
  }
  stdio[fd].flags = UV_INHERIT_FD;
  stdio[fd].data.fd = fds[1];
  r->child_fd = fds[1];
  *stdio_count = fd + 1;
  snprintf(r->env_fd, sizeof(r->env_fd), "UVSUP_READY_FD=%d", fd);
  return 0;
}

int uvsup__ready_prepare(uvsup_ready_t* r,
                         uv_loop_t* loop,
                         const uvsup_ready_conf_t* conf,
                         uv_stdio_container_t* stdio,
                         int* stdio_count) {
  r->conf = conf;
  r->loop = loop;
  r->child_fd = -1;
  r->sock_fd = -1;
  uvsup__lines_init(&r->lines, UVSUP_LINE_MAX);
  init_timer(r, &r->deadline);
  if (conf->spec.kind == READY_TCP || conf->spec.kind == READY_EXEC) {
    init_timer(r, &r->poll); /* only probes poll */
    r->poll_open = 1;
  }
  if (conf->watchdog_ms > 0) {
    snprintf(r->env_watchdog, sizeof(r->env_watchdog), "WATCHDOG_USEC=%llu",
             (unsigned long long)conf->watchdog_ms * 1000);
  }
  int err = 0;
  switch (conf->spec.kind) {
  case READY_FD:
    err = open_fd(r, stdio, stdio_count);
    break;
  case READY_NOTIFY:
    err = uvsup__ready_notify_open(r);
    break;
  default:
    break;
  }
  if (err != 0) {
    uvsup__ready_spawned(r, 0);
  }
  return err;
}

/* Replaces or adds each of the check's variables in base. */
char** uvsup__ready_env(const uvsup_ready_t* r, char* const* base) {
  const char* add[3] = { r->env_fd, r->env_notify, r->env_watchdog };
  if (base == NULL) {
    base = environ;
  }
  size_t n = 0;
  while (base[n] != NULL) {
    n++;
  }
  char** env = malloc((n + 4) * sizeof(*env));
  if (env == NULL) {
    return NULL;
  }
  size_t out = 0;
  for (size_t i = 0; i < n; i++) {
    int replaced = 0;
    for (int k = 0; k < 3; k++) {
      size_t klen = strcspn(add[k], "=");
      replaced |= add[k][0] != '\0' && strncmp(base[i], add[k], klen + 1) == 0;
    }
    if (!replaced) {
      env[out++] = base[i];
    }
  }
  for (int k = 0; k < 3; k++) {
    if (add[k][0] != '\0') {
      env[out++] = (char*)add[k];
    }
  }
  env[out] = NULL;
  return env;
}

static void on_deadline(uv_timer_t* timer) {
  uvsup_ready_t* r = timer->data;
  switch (r->phase) {
  case READY_CHECKING:
    if (r->conf->spec.kind == READY_NONE) {
      uvsup__ready_passed(r);
    } else {
      r->on_event(r, READY_EV_TIMEOUT);
    }
    break;
  case READY_PASSED:
    r->on_event(r, READY_EV_WATCHDOG); /* no WATCHDOG=1 in time */
    break;
  case READY_CLOSING:
    break;
  }
}

static void arm_deadline(uvsup_ready_t* r, uint64_t ms) {
  uv_update_time(r->loop);
  uv_timer_start(&r->deadline, on_deadline, ms, 0);
}

void uvsup__ready_passed(uvsup_ready_t* r) {
  if (r->phase != READY_CHECKING) {
    return;
  }
  r->phase = READY_PASSED;
  uv_timer_stop(&r->deadline);
  if (r->poll_open) {
    uv_timer_stop(&r->poll);
  }
  if (r->pipe_open) {
    uv_read_stop((uv_stream_t*)&r->pipe);
  }
  uint64_t wd = r->conf->watchdog_ms;
  if (wd > 0 && r->conf->spec.kind == READY_NOTIFY) {
    arm_deadline(r, wd);
  } else if (wd > 0 && (r->conf->spec.kind == READY_TCP ||
                        r->conf->spec.kind == READY_EXEC)) {
    uvsup__ready_probe_start(r, wd);
  }
  r->on_event(r, READY_EV_READY);
}

void uvsup__ready_watchdog_kick(uvsup_ready_t* r) {
  if (r->phase == READY_PASSED && r->conf->watchdog_ms > 0) {
    arm_deadline(r, r->conf->watchdog_ms);
  }
}

/* A probe answered: before ready, a success is ready and a failure waits
 * for the next; after, PROBE_MISSES failures in a row fail the watchdog. */
void uvsup__ready_probe_result(uvsup_ready_t* r, int ok) {
  switch (r->phase) {
  case READY_CHECKING:
    if (ok) {
      uvsup__ready_passed(r);
    } else {
      uvsup__ready_probe_start(r, 0);
    }
    return;
  case READY_PASSED:
    r->misses = ok ? 0 : r->misses + 1;
    if (r->misses >= PROBE_MISSES) {
      r->on_event(r, READY_EV_WATCHDOG);
      return;
    }
    uvsup__ready_probe_start(r, r->conf->watchdog_ms);
    return;
  case READY_CLOSING:
    return;
  }
}

static void on_fd_line(void* ctx, const char* data, size_t len, int newline) {
  (void)data;
  (void)len;
  if (newline) {
    uvsup__ready_passed(ctx); /* s6: a newline says ready */
  }
}

static void on_alloc(uv_handle_t* handle, size_t suggested, uv_buf_t* buf) {
  (void)suggested;
  uvsup_ready_t* r = handle->data;
  if (r->line_buf == NULL) {
    r->line_buf = malloc(256);
    r->line_cap = r->line_buf != NULL ? 256 : 0;
  }
  *buf = uv_buf_init(r->line_buf, (unsigned)r->line_cap);
}

static void on_fd_read(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  uvsup_ready_t* r = s->data;
  if (nread > 0) {
    uvsup__lines_feed(&r->lines, buf->base, (size_t)nread, on_fd_line, r);
  } else if (nread < 0) {
    /* The worker closed it, ready or not: nothing more will come. */
    uv_read_stop(s);
  }
}

void uvsup__ready_fds_given(uvsup_ready_t* r) {
  if (r->child_fd >= 0) {
    close(r->child_fd); /* the worker (or the spawner) has its own copy */
    r->child_fd = -1;
  }
}

void uvsup__ready_spawned(uvsup_ready_t* r, int pid) {
  if (r->child_fd >= 0) {
    close(r->child_fd); /* the worker has its own copy */
    r->child_fd = -1;
  }
  if (pid == 0) {
    uvsup__ready_close(r);
    return;
  }
  r->session = pid;
  const uvsup_ready_conf_t* c = r->conf;
  if (c->spec.kind == READY_NONE) {
    arm_deadline(r, c->min_uptime_ms);
    return;
  }
  if (c->timeout_ms > 0) {
    arm_deadline(r, c->timeout_ms);
  }
  switch (c->spec.kind) {
  case READY_FD:
    uv_read_start((uv_stream_t*)&r->pipe, on_alloc, on_fd_read);
    break;
  case READY_NOTIFY:
    uvsup__ready_notify_start(r);
    break;
  case READY_TCP:
  case READY_EXEC:
    uvsup__ready_probe_start(r, 0);
    break;
  default:
    break;
  }
}

static void on_log_line(void* ctx, const char* data, size_t len, int newline) {
  uvsup_ready_t* r = ctx;
  (void)newline;
  if (r->phase != READY_CHECKING) {
    return;
  }
  if (len + 1 > r->line_cap) {
    char* grown = realloc(r->line_buf, len + 1);
    if (grown == NULL) {
      return;
    }
    r->line_buf = grown;
    r->line_cap = len + 1;
  }
  memcpy(r->line_buf, data, len);
  r->line_buf[len] = '\0';
  if (regexec(&r->conf->re, r->line_buf, 0, NULL, 0) == 0) {
    uvsup__ready_passed(r);
  }
}

void uvsup__ready_output(void* ctx, const char* data, size_t len) {
  uvsup_ready_t* r = ctx;
  if (r->phase == READY_CHECKING) { /* hooked for a log check only */
    uvsup__lines_feed(&r->lines, data, len, on_log_line, r);
  }
}

void uvsup__ready_close(uvsup_ready_t* r) {
  if (r->phase == READY_CLOSING) {
    return;
  }
  r->phase = READY_CLOSING;
  if (r->child_fd >= 0) {
    close(r->child_fd);
    r->child_fd = -1;
  }
  close_handle((uv_handle_t*)&r->deadline);
  if (r->poll_open) {
    close_handle((uv_handle_t*)&r->poll);
  }
  if (r->pipe_open) {
    r->pipe_open = 0;
    close_handle((uv_handle_t*)&r->pipe);
  }
  uvsup__ready_notify_close(r);
  uvsup__ready_probe_close(r); /* its handles close from its callbacks */
}
