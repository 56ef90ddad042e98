/* The helper spawner, the host's side of the spawn helper: starts the
 * uvsup-spawn program with posix_spawn (vfork semantics: the host's pages
 * are never copied), sends it spawn requests with the stdio descriptors,
 * and turns its answers into the spawner's events. A helper that dies is
 * reaped through its pidfd (never a blind waitpid), its live procs are
 * reported lost after SIGKILL to their groups, and the next spawn starts
 * a new helper. */
#define _GNU_SOURCE /* secure_getenv, dladdr */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../table.h"
#include "channel.h"
#include "proto.h"
#include "spawner.h"

extern char** environ;

/* The descriptor the helper finds its socket on. */
#define HELPER_FD 3

typedef struct client_s client_t;

/* One helper process and what was asked of it. */
typedef struct {
  client_t* client;
  uvsup_chan_t chan;
  union {
    uv_poll_t poll;     /* its pidfd: readable once it has exited */
    uv_signal_t signal; /* SIGCHLD, where there is no pidfd_open() */
  } exit_watch;
  int pidfd; /* -1: the SIGCHLD watch */
  int pid;
  int open_handles; /* the channel, the exit watch */
  int dead;         /* its end was seen: its procs were reported lost */
  int reaped;
  uvsup_table_t by_id;
  uvsup_link_t procs; /* not released, in the order asked */
  uvsup_link_t link;  /* in the client's helpers until freed */
} helper_t;

struct client_s {
  uvsup_spawner_t base;
  char* path;
  helper_t* current; /* the helper new spawns go to, or NULL */
  int helpers;       /* not yet freed */
  uvsup_link_t all;  /* those helpers */
  uint64_t next_id;
  uv_idle_t deferred; /* reports the closes of spawns that failed at once */
  uvsup_link_t to_close;
  int idle_open;
};

static int match_id(const void* item, const void* key) {
  return ((const uvsup_proc_t*)item)->id == *(const uint64_t*)key;
}

static uint32_t hash_id(uint64_t id) {
  return uvsup__hash_int((uint32_t)(id ^ (id >> 32)));
}

static void maybe_closed(client_t* c) {
  if (c->base.phase != SPAWNER_CLOSING || c->helpers > 0 || c->idle_open) {
    return;
  }
  c->base.phase = SPAWNER_CLOSED;
  void (*on_closed)(uvsup_spawner_t*, void*) = c->base.on_closed;
  void* arg = c->base.closed_arg;
  free(c->path);
  free(c);
  if (on_closed != NULL) {
    on_closed(NULL, arg);
  }
}

static void on_helper_handle_closed(helper_t* h) {
  if (--h->open_handles > 0) {
    return;
  }
  client_t* c = h->client;
  uvsup__table_free(&h->by_id);
  uvsup__list_remove(&h->link);
  free(h);
  c->helpers--;
  maybe_closed(c);
}

static void on_chan_closed(uvsup_chan_t* chan) {
  on_helper_handle_closed(chan->data);
}

static void on_watch_closed(uv_handle_t* handle) {
  helper_t* h = handle->data;
  if (h->pidfd >= 0) {
    close(h->pidfd);
  }
  on_helper_handle_closed(h);
}

static void forget(helper_t* h, uvsup_proc_t* p) {
  uvsup__table_remove(&h->by_id, hash_id(p->id), p);
  uvsup__list_remove(&p->link);
}

/* The helper is gone, or going: what it ran is lost to us. Nothing outlives
 * uvsup: the groups it had are killed here, the only signal the host ever
 * sends itself (the helper can no longer say whether a pid is still its
 * child). */
static void helper_died(helper_t* h) {
  if (h->dead) {
    return;
  }
  h->dead = 1;
  client_t* c = h->client;
  if (c->current == h) {
    c->current = NULL; /* the next spawn starts a new one */
  }
  const uvsup_spawner_events_t* events = c->base.events;
  while (!uvsup__list_empty(&h->procs)) {
    uvsup_proc_t* p = uvsup__list_entry(h->procs.next, uvsup_proc_t, link);
    forget(h, p);
    if (p->pid > 0) {
      kill(-p->pid, SIGKILL);
    }
    uvsup_proc_phase_t phase = p->phase;
    events->lost(p);
    if (phase != PROC_EXITED) {
      events->closed(p);
    }
  }
  uvsup__chan_close(&h->chan, on_chan_closed);
}

static void reaped(helper_t* h) {
  h->reaped = 1;
  helper_died(h);
  uv_close((uv_handle_t*)&h->exit_watch, on_watch_closed);
}

/* Reaps this helper only, and only once it has exited. ECHILD: a reaper
 * of orphans in this process (uvsup_owns_pid() exists to prevent it) took
 * it first; it is gone all the same. */
static void try_reap(helper_t* h) {
  int status;
  if (h->reaped) {
    return;
  }
  pid_t got = waitpid(h->pid, &status, WNOHANG);
  if (got == h->pid || (got < 0 && errno == ECHILD)) {
    reaped(h);
  }
}

static void on_pidfd(uv_poll_t* poll, int status, int events) {
  try_reap(poll->data);
}

static void on_sigchld(uv_signal_t* signal, int signum) {
  try_reap(signal->data);
}

static void on_spawned(helper_t* h, uvsup_proc_t* p, uvsup_rbuf_t* in) {
  int pid = uvsup__get_i32(in);
  int err = uvsup__get_i32(in);
  uint64_t start_ns = uvsup__get_u64(in);
  if (in->failed || p->phase != PROC_ASKED) {
    return;
  }
  const uvsup_spawner_events_t* events = h->client->base.events;
  if (err != 0 || pid <= 0) {
    forget(h, p);
    events->spawned(p, err != 0 ? err : UV_EPROTO);
    events->closed(p);
    return;
  }
  p->pid = pid;
  /* The helper's clock is this one (CLOCK_MONOTONIC); a spawn asked ahead
   * started long after it was asked. */
  if (start_ns > p->start_ns) {
    p->start_ns = start_ns;
  }
  p->phase = PROC_RUNNING;
  events->spawned(p, 0);
}

static void on_exited(helper_t* h, uvsup_proc_t* p, uvsup_rbuf_t* in) {
  int64_t status = (int64_t)uvsup__get_u64(in);
  int signum = uvsup__get_i32(in);
  int gone = uvsup__get_u8(in);
  uint64_t end_ns = uvsup__get_u64(in);
  int signal_met_alive = uvsup__get_u8(in);
  uint64_t next_id = uvsup__get_u64(in);
  int next_pid = uvsup__get_i32(in);
  if (in->failed || p->phase != PROC_RUNNING) {
    return;
  }
  uvsup_proc_t* next =
      next_id != 0
          ? uvsup__table_find(&h->by_id, hash_id(next_id), match_id, &next_id)
          : NULL;
  if (next != NULL && next->phase == PROC_ASKED) {
    next->ahead_started = 1;
    next->pid = next_pid; /* to kill, should the helper die first */
    /* Its answer is next in the socket: it waits there until the host has
     * finished with this run (uvsup__spawner_resume()). */
    uvsup__chan_pause(&h->chan, 1);
  }
  const uvsup_spawner_events_t* events = h->client->base.events;
  p->phase = PROC_EXITED;
  p->end_ns = end_ns; /* the news may have been held a moment */
  p->signal_met_alive = signal_met_alive;
  p->forgotten_by_helper = gone; /* it needs no PROTO_FORGET */
  events->exited(p, status, signum, gone);
  events->closed(p);
}

static void on_message(uvsup_chan_t* chan,
                       const char* data,
                       size_t len,
                       const int* fds,
                       int nfds) {
  helper_t* h = chan->data;
  for (int i = 0; i < nfds; i++) {
    close(fds[i]); /* the helper sends none */
  }
  uvsup_rbuf_t in;
  uvsup__rbuf_init(&in, data, len);
  uint8_t type = uvsup__get_u8(&in);
  uint64_t id = uvsup__get_u64(&in);
  uvsup_proc_t* p = uvsup__table_find(&h->by_id, hash_id(id), match_id, &id);
  if (p == NULL || in.failed) {
    return; /* released meanwhile */
  }
  switch (type) {
  case PROTO_SPAWNED:
    on_spawned(h, p, &in);
    break;
  case PROTO_EXIT:
    on_exited(h, p, &in);
    break;
  case PROTO_GROUP: {
    int alive = uvsup__get_u8(&in);
    if (!in.failed) {
      h->client->base.events->group(p, alive);
    }
    break;
  }
  default:
    break;
  }
}

static void on_end(uvsup_chan_t* chan, int err) {
  helper_died(chan->data);
}

/* posix_spawn of the helper: glibc runs it with CLONE_VM | CLONE_VFORK,
 * so nothing of the host is copied, however big it is. The helper gets its
 * end of the socket as descriptor 3, /dev/null as stdin and stdout, the
 * host's stderr, default signals, and a process group of its own (a
 * Ctrl-C meant for the host must not kill it). */
static int start_process(const char* path, int child_fd, int* pid) {
  /* posix_spawn() reports a failed exec only where the child shares the
   * parent's memory until then (not under valgrind, which forks): look
   * first, so a missing helper is an error of uvsup_start() everywhere. */
  if (access(path, X_OK) != 0) {
    return -errno;
  }
  char fd_arg[16], host_arg[24];
  snprintf(fd_arg, sizeof(fd_arg), "%d", HELPER_FD);
  snprintf(host_arg, sizeof(host_arg), "%d", (int)getpid());
  char* argv[] = { (char*)path, fd_arg, host_arg, NULL };
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t attr;
  posix_spawn_file_actions_init(&fa);
  posix_spawnattr_init(&attr);
  posix_spawn_file_actions_adddup2(&fa, child_fd, HELPER_FD);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
                                      POSIX_SPAWN_SETSIGDEF |
                                      POSIX_SPAWN_SETPGROUP);
  int err = posix_spawn(pid, path, &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  return -err;
}

static int watch_exit(helper_t* h, uv_loop_t* loop) {
  h->pidfd = (int)syscall(SYS_pidfd_open, h->pid, 0);
  int err;
  if (h->pidfd >= 0) {
    err = uv_poll_init(loop, &h->exit_watch.poll, h->pidfd);
    if (err == 0) {
      uv_poll_start(&h->exit_watch.poll, UV_READABLE, on_pidfd);
    }
  } else {
    err = uv_signal_init(loop, &h->exit_watch.signal);
    if (err == 0) {
      uv_signal_start(&h->exit_watch.signal, on_sigchld, SIGCHLD);
    }
  }
  h->exit_watch.poll.data = h;
  return err;
}

static int socket_pair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return -errno;
  }
  if (sv[1] == HELPER_FD) {
    /* dup2 onto itself would leave it close-on-exec. */
    int moved = fcntl(sv[1], F_DUPFD_CLOEXEC, HELPER_FD + 1);
    close(sv[1]);
    sv[1] = moved;
    if (moved < 0) {
      close(sv[0]);
      return -errno;
    }
  }
  return 0;
}

static int helper_start(client_t* c, helper_t** out) {
  helper_t* h = calloc(1, sizeof(*h));
  if (h == NULL) {
    return UV_ENOMEM;
  }
  int sv[2];
  int err = socket_pair(sv);
  if (err != 0) {
    free(h);
    return err;
  }
  err = start_process(c->path, sv[1], &h->pid);
  close(sv[1]);
  if (err != 0) {
    close(sv[0]);
    free(h);
    return err;
  }
  h->client = c;
  uvsup__table_init(&h->by_id);
  uvsup__list_init(&h->procs);
  uvsup__list_init(&h->link);
  /* Watched first: whatever fails next, the helper is reaped. */
  err = watch_exit(h, c->base.loop);
  if (err != 0) {
    kill(h->pid, SIGKILL);
    waitpid(h->pid, NULL, 0); /* dies at once: it holds nothing yet */
    if (h->pidfd >= 0) {
      close(h->pidfd);
    }
    close(sv[0]);
    free(h);
    return err;
  }
  h->open_handles = 2;
  c->helpers++;
  uvsup__list_push_back(&c->all, &h->link);
  err = uvsup__chan_open(&h->chan, c->base.loop, sv[0], on_message, on_end);
  h->chan.data = h;
  if (err != 0) {
    h->open_handles--;
    h->dead = 1; /* reaped once it sees its socket closed */
    return err;
  }
  *out = h;
  return 0;
}

static void on_deferred(uv_idle_t* idle) {
  client_t* c = idle->data;
  uv_idle_stop(idle);
  while (!uvsup__list_empty(&c->to_close)) {
    uvsup_proc_t* p = uvsup__list_entry(c->to_close.next, uvsup_proc_t, link);
    uvsup__list_remove(&p->link);
    c->base.events->closed(p);
  }
}

/* A spawn that failed inside the call: its closed comes from the loop. */
static int fail_at_once(client_t* c, uvsup_proc_t* p, int err) {
  uvsup__list_push_back(&c->to_close, &p->link);
  uv_idle_start(&c->deferred, on_deferred);
  return err;
}

/* The spawn request: id, the stop sequence for a host's death, the user
 * to run as, the stdio slots (each /dev/null or the index of a descriptor
 * passed along), then what to run. */
static int encode_spawn(uvsup_wbuf_t* w,
                        const uvsup_proc_t* p,
                        const uvsup_spawn_req_t* req,
                        int* fds,
                        int* nfds) {
  if (req->stdio_count > UVSUP_CHAN_MAX_FDS) {
    return UV_EINVAL;
  }
  uvsup__put_u8(w, PROTO_SPAWN);
  uvsup__put_u64(w, p->id);
  /* An id of an earlier helper is unknown to this one: the spawn then
   * waits for a go. */
  uvsup__put_u64(w, req->after != NULL ? req->after->id : 0);
  uvsup__put_i32(w, req->stop_signal);
  uvsup__put_u64(w, req->kill_after_ms);
  uvsup__put_i32(w, req->set_user);
  uvsup__put_u64(w, (uint64_t)req->uid);
  uvsup__put_u64(w, (uint64_t)req->gid);
  uvsup__put_i32(w, req->stdio_count);
  *nfds = 0;
  for (int i = 0; i < req->stdio_count; i++) {
    if (req->stdio[i].flags & UV_INHERIT_FD) {
      fds[*nfds] = req->stdio[i].data.fd;
      uvsup__put_i32(w, (*nfds)++);
    } else {
      uvsup__put_i32(w, PROTO_SLOT_IGNORE);
    }
  }
  uvsup__put_str(w, req->file);
  uvsup__put_str(w, req->cwd);
  char* no_args[] = { (char*)req->file, NULL };
  uvsup__put_strv(w, req->args != NULL ? req->args : no_args);
  /* The environment of the moment, as uv_spawn would take it. */
  uvsup__put_strv(w, req->env != NULL ? req->env : environ);
  return w->failed ? UV_ENOMEM : 0;
}

static int client_spawn(uvsup_spawner_t* base,
                        uvsup_proc_t* p,
                        const uvsup_spawn_req_t* req) {
  client_t* c = (client_t*)base;
  uvsup__list_init(&p->link);
  int err = 0;
  if (c->current == NULL) {
    err = helper_start(c, &c->current);
  }
  helper_t* h = c->current;
  if (err == 0) {
    err = uvsup__table_reserve(&h->by_id);
  }
  if (err != 0) {
    return fail_at_once(c, p, err);
  }
  p->id = ++c->next_id;
  p->helper = h;
  p->phase = PROC_ASKED;
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  int fds[UVSUP_CHAN_MAX_FDS];
  int nfds = 0;
  err = encode_spawn(&w, p, req, fds, &nfds);
  if (err == 0) {
    err = uvsup__chan_send(&h->chan, w.data, w.len, fds, nfds);
  }
  uvsup__wbuf_free(&w);
  if (err != 0) {
    return fail_at_once(c, p, err);
  }
  uvsup__table_insert(&h->by_id, hash_id(p->id), p);
  uvsup__list_push_back(&h->procs, &p->link);
  return UVSUP__SPAWN_PENDING;
}

/* Sends a small message about p: type, id, and one more field. */
static int send_about(uvsup_proc_t* p, uint8_t type, int32_t arg, int has) {
  helper_t* h = p->helper;
  if (h == NULL || h->dead || !uvsup__list_linked(&p->link)) {
    return UV_ESRCH;
  }
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  uvsup__put_u8(&w, type);
  uvsup__put_u64(&w, p->id);
  if (has) {
    uvsup__put_i32(&w, arg);
  }
  int err =
      w.failed ? UV_ENOMEM : uvsup__chan_send(&h->chan, w.data, w.len, NULL, 0);
  uvsup__wbuf_free(&w);
  return err;
}

static int client_signal(uvsup_proc_t* p, int signum) {
  /* Sent by the helper, which knows whether the pid is still its child. */
  return send_about(p, PROTO_SIGNAL, signum, 1);
}

static void client_query(uvsup_proc_t* p, int fresh) {
  uint8_t f = (uint8_t)fresh;
  helper_t* h = p->helper;
  if (h == NULL || h->dead) {
    return;
  }
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  uvsup__put_u8(&w, PROTO_QUERY);
  uvsup__put_u64(&w, p->id);
  uvsup__put_u8(&w, f);
  if (!w.failed) {
    /* A failed send means a dying helper: its end reports p lost. */
    uvsup__chan_send(&h->chan, w.data, w.len, NULL, 0);
  }
  uvsup__wbuf_free(&w);
}

static void client_go(uvsup_proc_t* p, int start) {
  if (p->phase == PROC_ASKED && !p->ahead_started) {
    send_about(p, PROTO_GO, start, 1);
  }
}

static void client_resume(uvsup_spawner_t* base) {
  client_t* c = (client_t*)base;
  for (uvsup_link_t* l = c->all.next; l != &c->all; l = l->next) {
    helper_t* h = uvsup__list_entry(l, helper_t, link);
    uvsup__chan_pause(&h->chan, 0);
  }
}

static void client_release(uvsup_proc_t* p) {
  helper_t* h = p->helper;
  if (h == NULL || !uvsup__list_linked(&p->link)) {
    return; /* lost with its helper */
  }
  if (!p->forgotten_by_helper) {
    send_about(p, PROTO_FORGET, 0, 0);
  }
  forget(h, p);
}

static void on_idle_closed(uv_handle_t* handle) {
  client_t* c = handle->data;
  c->idle_open = 0;
  maybe_closed(c);
}

static void client_close(uvsup_spawner_t* base) {
  client_t* c = (client_t*)base;
  helper_t* h = c->current;
  c->current = NULL;
  if (h != NULL) {
    /* The helper sees its socket close, has nothing left to stop, and
     * exits; closing completes once it is reaped. */
    h->dead = 1;
    uvsup__chan_close(&h->chan, on_chan_closed);
  }
  uv_close((uv_handle_t*)&c->deferred, on_idle_closed);
}

static int client_owns_pid(const uvsup_spawner_t* base, int pid) {
  const client_t* c = (const client_t*)base;
  /* Every helper not yet reaped: the current one, and one dying at most. */
  for (const uvsup_link_t* l = c->all.next; l != &c->all; l = l->next) {
    const helper_t* h = uvsup__list_entry(l, helper_t, link);
    if (h->pid == pid && !h->reaped) {
      return 1;
    }
  }
  return 0;
}

static const uvsup_spawner_ops_t client_ops = {
  client_spawn, client_signal, client_query, client_release,
  client_go,    client_resume, client_close, client_owns_pid,
};

/* Where the helper is when the host did not say: $UVSUP_SPAWN_HELPER (a
 * build tree, tests; not for a setuid program), where it was installed,
 * else ../libexec from the library (or the program it is linked into),
 * for an install moved to another prefix. */
static const char* find_helper(char* buf, size_t len) {
  const char* env = secure_getenv("UVSUP_SPAWN_HELPER");
  if (env != NULL && env[0] != '\0') {
    return env;
  }
  Dl_info info;
  if (access(UVSUP_HELPER_PATH, X_OK) == 0 ||
      dladdr((void*)uvsup__spawner_helper_new, &info) == 0 ||
      info.dli_fname == NULL) {
    return UVSUP_HELPER_PATH;
  }
  const char* slash = strrchr(info.dli_fname, '/');
  int n = slash == NULL
              ? -1
              : snprintf(buf, len, "%.*s/../libexec/uvsup-spawn",
                         (int)(slash - info.dli_fname), info.dli_fname);
  if (n < 0 || (size_t)n >= len || access(buf, X_OK) != 0) {
    return UVSUP_HELPER_PATH; /* the error names the expected place */
  }
  return buf;
}

int uvsup__spawner_helper_new(uv_loop_t* loop,
                              const uvsup_spawner_events_t* events,
                              const char* path,
                              uvsup_spawner_t** out) {
  char found[4096];
  if (path == NULL) {
    path = find_helper(found, sizeof(found));
  }
  client_t* c = calloc(1, sizeof(*c));
  if (c == NULL || (c->path = strdup(path)) == NULL) {
    free(c);
    return UV_ENOMEM;
  }
  c->base.ops = &client_ops;
  c->base.can_spawn_ahead = 1;
  c->base.events = events;
  c->base.loop = loop;
  uvsup__list_init(&c->to_close);
  uvsup__list_init(&c->all);
  int err = uv_idle_init(loop, &c->deferred);
  if (err != 0) {
    free(c->path);
    free(c);
    return err;
  }
  c->deferred.data = c;
  c->idle_open = 1;
  err = helper_start(c, &c->current);
  if (err != 0) {
    /* Freed once its handles have closed. */
    c->base.phase = SPAWNER_CLOSING;
    uv_close((uv_handle_t*)&c->deferred, on_idle_closed);
    return err;
  }
  *out = &c->base;
  return 0;
}
