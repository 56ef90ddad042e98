/* A readiness check of one run: how uvsup learns the worker is ready (a
 * line on a descriptor, an sd_notify datagram, a log line, a TCP connect,
 * a probe command, or only time), its deadline, and the watchdog after
 * ready. Every handle is on the supervisor's loop and closes before the
 * run is finished. Events go up to the owner (the worker's run). */
#ifndef UVSUP_READY_H
#define UVSUP_READY_H

#include <regex.h>
#include <stdint.h>
#include <sys/types.h>

#include "lines.h"
#include "readyspec.h"
#include "uvsup.h"

/* A worker's readiness settings, made once and shared by its runs. */
typedef struct {
  uvsup_ready_spec_t spec;
  char* text; /* the string spec points into */
  regex_t re; /* READY_LOG */
  int has_re;
  uint64_t timeout_ms;    /* with a check; 0: none */
  uint64_t min_uptime_ms; /* READY_NONE */
  uint64_t watchdog_ms;   /* 0: none */
  const char* exec_args[4];
} uvsup_ready_conf_t;

/* Checks and compiles text into conf. Returns 0, UV_EINVAL or UV_ENOMEM. */
int uvsup__ready_conf_init(uvsup_ready_conf_t* conf, const char* text);
void uvsup__ready_conf_free(uvsup_ready_conf_t* conf);

typedef enum {
  READY_EV_READY = 0, /* the check passed */
  READY_EV_TIMEOUT,   /* not ready in time */
  READY_EV_WATCHDOG,  /* after ready: the watchdog or the probe failed */
  READY_EV_STATUS     /* a STATUS= came: see status */
} uvsup_ready_event_t;

/* Where the check is. */
typedef enum {
  READY_CHECKING = 0, /* spawned, not ready */
  READY_PASSED,       /* ready: only the watchdog runs, if any */
  READY_CLOSING       /* the run ended: every handle closing */
} uvsup_ready_phase_t;

typedef struct uvsup_ready_s uvsup_ready_t;
typedef void (*uvsup_ready_event_fn)(uvsup_ready_t* ready,
                                     uvsup_ready_event_t event);
typedef void (*uvsup_ready_closed_fn)(uvsup_ready_t* ready);

struct uvsup_ready_s {
  const uvsup_ready_conf_t* conf;
  uv_loop_t* loop;
  uvsup_ready_phase_t phase;
  int open_handles;
  pid_t session;       /* the worker's pid, leader of its session */
  uv_timer_t deadline; /* ready timeout / min uptime; then the watchdog */
  uv_timer_t poll;     /* tcp and exec probes: the next try */
  int poll_open;       /* poll was made (probes only) */
  unsigned misses;     /* probes failed in a row after ready */
  int probing;         /* a try under way (its handle not yet closed) */
  int probe_ok;        /* how the try under way ended */
  int probe_running;   /* the probe command runs (its exit not seen) */
  /* READY_FD */
  uv_pipe_t pipe;
  int pipe_open;
  int child_fd; /* the write end, until the spawn */
  /* READY_NOTIFY */
  uv_poll_t sock;
  int sock_fd;
  int sock_open;
  char dir[96];
  char path[112];
  /* READY_TCP */
  uv_tcp_t tcp;
  uv_connect_t connect;
  /* READY_EXEC */
  uv_process_t probe;
  /* READY_LOG */
  uvsup_lines_t lines;
  char* line_buf;
  size_t line_cap;
  /* Environment for the worker, "K=V". */
  char env_fd[32];
  char env_notify[128];
  char env_watchdog[48];
  char status[256]; /* the last STATUS= */
  int has_status;
  uvsup_ready_event_fn on_event;
  uvsup_ready_closed_fn on_closed;
  void* data;
};

/* Makes the check of conf for a run: what must exist before the spawn (the
 * descriptor's pipe into stdio[fd], the notify socket). *stdio_count grows
 * to cover the descriptor. Returns 0 or a libuv error; on error what was
 * made is closed and on_closed follows. */
int uvsup__ready_prepare(uvsup_ready_t* ready,
                         uv_loop_t* loop,
                         const uvsup_ready_conf_t* conf,
                         uv_stdio_container_t* stdio,
                         int* stdio_count);
/* The environment of the worker: base (NULL: uvsup's own) with the
 * check's variables set. Returns a malloc'd array of pointers into base
 * and ready (free() it after the spawn), or NULL when out of memory. */
char** uvsup__ready_env(const uvsup_ready_t* ready, char* const* base);
/* The spawn request has been made: the spawner holds its own copy of the
 * descriptor's write end, ours is closed. */
void uvsup__ready_fds_given(uvsup_ready_t* ready);
/* The spawn's answer: pid 0 when it failed. Starts the check and its
 * deadline. */
void uvsup__ready_spawned(uvsup_ready_t* ready, int pid);
/* Output of the worker, for a log check. */
void uvsup__ready_output(void* ready, const char* data, size_t len);
/* The process exited: closes everything; on_closed follows. */
void uvsup__ready_close(uvsup_ready_t* ready);

/* ready_notify.c */
int uvsup__ready_notify_open(uvsup_ready_t* ready);
void uvsup__ready_notify_start(uvsup_ready_t* ready);
void uvsup__ready_notify_close(uvsup_ready_t* ready);
/* ready_probe.c: tcp and exec probes. */
void uvsup__ready_probe_start(uvsup_ready_t* ready, uint64_t delay_ms);
void uvsup__ready_probe_close(uvsup_ready_t* ready);
/* ready.c, for the kinds: a check passed or a probe answered. */
void uvsup__ready_passed(uvsup_ready_t* ready);
void uvsup__ready_probe_result(uvsup_ready_t* ready, int ok);
void uvsup__ready_watchdog_kick(uvsup_ready_t* ready);
void uvsup__ready_handle_closed(uv_handle_t* handle);

#endif
