/* The in-process spawner: uv_spawn on the caller's loop, kill() to the
 * group, libuv's exit callback, and the /proc walk for leftover groups. For
 * hosts that cannot run the spawn helper; each spawn forks the host. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "spawner.h"

typedef struct {
  uvsup_spawner_t base;
  uvsup_group_scan_t scan; /* the last walk of /proc, shared by the procs */
} inproc_t;

static uvsup_proc_t* proc_of(uv_handle_t* handle) {
  return (uvsup_proc_t*)((char*)handle - offsetof(uvsup_proc_t, process));
}

static void on_close(uv_handle_t* handle) {
  uvsup_proc_t* proc = proc_of(handle);
  proc->spawner->events->closed(proc);
}

static void on_exit_cb(uv_process_t* process,
                       int64_t exit_status,
                       int term_signal) {
  uvsup_proc_t* proc = proc_of((uv_handle_t*)process);
  const uvsup_spawner_events_t* events = proc->spawner->events;
  uv_close((uv_handle_t*)process, on_close);
  events->exited(proc, exit_status, term_signal);
}

static int inproc_spawn(uvsup_spawner_t* s,
                        uvsup_proc_t* proc,
                        const uvsup_spawn_req_t* req) {
  uv_process_options_t options;
  memset(&options, 0, sizeof(options));
  options.exit_cb = on_exit_cb;
  options.file = req->file;
  options.args = req->args;
  options.env = req->env;
  options.cwd = req->cwd;
  /* Its own session and process group, so a stop reaches grandchildren. */
  options.flags = UV_PROCESS_DETACHED;
  options.stdio_count = req->stdio_count;
  options.stdio = (uv_stdio_container_t*)req->stdio;
  int err = uv_spawn(s->loop, &proc->process, &options);
  if (err != 0) {
    uv_close((uv_handle_t*)&proc->process, on_close); /* initialised anyway */
    return err;
  }
  proc->pid = proc->process.pid;
  return 0;
}

/* Each process leads its own session, so its pid is also its group id. */
static int inproc_signal(uvsup_proc_t* proc, int signum) {
  return kill(-proc->pid, signum) == 0 ? 0 : -errno;
}

static void inproc_query(uvsup_proc_t* proc, int fresh) {
  inproc_t* s = (inproc_t*)proc->spawner;
  int alive = uvsup__group_alive(&s->scan, s->base.loop, proc->pid,
                                 proc->start_ns, fresh);
  s->base.events->group(proc, alive);
}

static void inproc_release(uvsup_proc_t* proc) {
  (void)proc; /* the pid is the caller's to forget; nothing is held */
}

static void inproc_close(uvsup_spawner_t* base) {
  inproc_t* s = (inproc_t*)base;
  base->phase = SPAWNER_CLOSED;
  void (*on_closed)(uvsup_spawner_t*, void*) = base->on_closed;
  void* arg = base->closed_arg;
  uvsup__group_scan_free(&s->scan);
  free(s);
  if (on_closed != NULL) {
    on_closed(NULL, arg);
  }
}

static int inproc_owns_pid(const uvsup_spawner_t* s, int pid) {
  (void)s;
  (void)pid;
  return 0; /* its children are the owner's procs, known by pid there */
}

static const uvsup_spawner_ops_t inproc_ops = {
  inproc_spawn,   inproc_signal, inproc_query,
  inproc_release, inproc_close,  inproc_owns_pid,
};

int uvsup__spawner_inproc_new(uv_loop_t* loop,
                              const uvsup_spawner_events_t* events,
                              uvsup_spawner_t** out) {
  inproc_t* s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return UV_ENOMEM;
  }
  s->base.ops = &inproc_ops;
  s->base.events = events;
  s->base.loop = loop;
  *out = &s->base;
  return 0;
}
