/* The in-process spawner: uv_spawn on the caller's loop, kill() to the
 * group, libuv's exit callback, and the /proc walk for leftover groups,
 * which runs on libuv's thread pool, never on the loop. For hosts that
 * cannot run the spawn helper; each spawn forks the host. */
#include <assert.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "group.h"
#include "spawner.h"

/* A walk of /proc answers for every group checked within this long after
 * it began: with many leftover groups, the walks do not multiply. */
#define WALK_REUSE_MS 20

typedef struct {
  uvsup_spawner_t base;
  uvsup_group_scan_t done;    /* the last finished walk; the loop's */
  uvsup_group_scan_t walking; /* the walk under way; the thread pool's */
  uv_work_t work;
  int busy;              /* a walk is under way */
  uvsup_link_t answered; /* procs asked before it began: it answers them */
  uvsup_link_t next;     /* procs asked since: the next walk's */
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
  events->exited(proc, exit_status, term_signal, 0);
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
  if (req->set_user) {
    options.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
    options.uid = req->uid;
    options.gid = req->gid;
  }
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
  proc->signal_met_alive |= uvsup__child_running(proc->pid);
  return kill(-proc->pid, signum) == 0 ? 0 : -errno;
}

static void walk_start(inproc_t* s);

static void on_walk(uv_work_t* work) {
  inproc_t* s = work->data;
  uvsup__group_walk(&s->walking);
}

static int alive_in(const uvsup_group_scan_t* walk, const uvsup_proc_t* p) {
  return uvsup__group_exists(p->pid) && uvsup__group_in_walk(walk, p->pid);
}

static void on_walked(uv_work_t* work, int status) {
  inproc_t* s = work->data;
  uvsup_group_scan_t swap = s->done;
  s->done = s->walking;
  s->walking = swap; /* its buffer serves the next walk */
  s->done.valid = 1;
  s->busy = 0;
  uvsup_link_t answered;
  uvsup__list_init(&answered);
  uvsup__list_splice_back(&answered, &s->answered);
  if (!uvsup__list_empty(&s->next)) {
    uvsup__list_splice_back(&s->answered, &s->next);
    walk_start(s);
  }
  while (!uvsup__list_empty(&answered)) {
    uvsup_proc_t* p = uvsup__list_entry(answered.next, uvsup_proc_t, link);
    uvsup__list_remove(&p->link);
    s->base.events->group(p, alive_in(&s->done, p));
  }
}

static void walk_start(inproc_t* s) {
  s->busy = 1;
  s->walking.at_ns = uv_hrtime();
  s->walking.at_ms = uv_now(s->base.loop);
  s->work.data = s;
  if (uv_queue_work(s->base.loop, &s->work, on_walk, on_walked) != 0) {
    on_walk(&s->work); /* cannot happen with these callbacks; still: */
    on_walked(&s->work, 0);
  }
}

/* kill() says at once when nothing of the group is left (zombies aside);
 * only then does it take a walk of /proc, off the loop, to tell zombies
 * (orphans waiting for a slow or missing init) from the living. */
static void inproc_query(uvsup_proc_t* proc, int fresh) {
  inproc_t* s = (inproc_t*)proc->spawner;
  if (!uvsup__group_exists(proc->pid)) {
    s->base.events->group(proc, 0);
    return;
  }
  /* A walk from before the group was made knows nothing of it, and the
   * first look after an exit is fresh: a walk that began earlier missed
   * members of groups whose leaders had just exited. */
  uv_loop_t* loop = s->base.loop;
  if (!fresh && s->done.valid && uv_now(loop) - s->done.at_ms < WALK_REUSE_MS &&
      s->done.at_ns >= proc->start_ns) {
    s->base.events->group(proc, alive_in(&s->done, proc));
    return;
  }
  if (s->busy) {
    uvsup__list_push_back(&s->next, &proc->link);
    return;
  }
  uvsup__list_push_back(&s->answered, &proc->link);
  walk_start(s);
}

static void inproc_release(uvsup_proc_t* proc) {
  (void)proc; /* the pid is the caller's to forget; nothing is held */
}

static void inproc_close(uvsup_spawner_t* base) {
  inproc_t* s = (inproc_t*)base;
  assert(!s->busy); /* a walk answers a run, which is not finished yet */
  base->phase = SPAWNER_CLOSED;
  void (*on_closed)(uvsup_spawner_t*, void*) = base->on_closed;
  void* arg = base->closed_arg;
  uvsup__group_scan_free(&s->done);
  uvsup__group_scan_free(&s->walking);
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
  inproc_spawn, inproc_signal, inproc_query, inproc_release,
  NULL,         NULL,          inproc_close, inproc_owns_pid,
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
  uvsup__list_init(&s->answered);
  uvsup__list_init(&s->next);
  *out = &s->base;
  return 0;
}
