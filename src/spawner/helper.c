/* uvsup-spawn, the spawn helper: a small process that its host starts with
 * posix_spawn, and that spawns the host's workers on its own libuv loop, so
 * the big host never forks. It reports each worker's pid and exit, signals
 * the workers' groups on the host's behalf (it alone knows whether a pid
 * is still its unreaped child), and answers whether a leftover group
 * lives. When the host dies (end of file on the socket, or the
 * parent-death signal), it runs the stop sequence on every worker's group
 * and exits.
 * Usage (by the library only): uvsup-spawn FD HOST_PID */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <uv.h>

#include "../list.h"
#include "../table.h"
#include "channel.h"
#include "group.h"
#include "launch.h"
#include "outbox.h"
#include "proto.h"

/* After SIGKILL, how long to wait for the groups to go before exiting. */
#define AFTER_KILL_MS       1000
/* While its host is gone, groups are checked at this interval. */
#define SHUTDOWN_CHECK_MS   10
/* The signal the kernel sends when the host's thread that spawned the
 * helper dies; the host may live on (another thread), so it is checked. */
#define PARENT_DEATH_SIGNAL SIGUSR1

/* A worker's process, from its spawn until the host forgets it. */
typedef struct {
  uint64_t id;
  int pid;
  /* Launched (launch.c) and reaped through its pidfd, or, for a change of
   * user, which posix_spawn cannot make, spawned by uv_spawn. */
  int launched;
  int pidfd;
  uv_poll_t exit_watch;
  uv_process_t process;
  int exited;    /* its exit was reported */
  int forgotten; /* the host is done with it: freed once closed */
  int closed;    /* the process handle's close callback has run */
  int stop_signal;
  uint64_t kill_after_ms;
  uint64_t start_ns;
  int signal_met_alive; /* a signal found it not yet exited */
  uvsup_link_t link;    /* in records (or parked) until forgotten */
  /* A spawn asked ahead (PROTO_SPAWN with a trigger): held, pid 0, until
   * its trigger exits with success or the host says go or cancel. */
  int parked;
  char* request; /* the rest of the request, copied */
  size_t request_len;
  int fds[UVSUP_CHAN_MAX_FDS];
  int nfds;
  uint64_t next_id;  /* on a trigger: the parked spawn its success starts */
  uint64_t after_id; /* on a parked spawn: its trigger's id */
} record_t;

/* Where the helper is: serving its host, or stopping every group because
 * its host is gone. */
typedef enum {
  HELPER_SERVING = 0,
  HELPER_STOPPING, /* stop signals sent; waiting out the longest grace */
  HELPER_KILLING   /* SIGKILL sent; a last wait before exiting */
} helper_phase_t;

typedef struct {
  uv_loop_t* loop;
  uvsup_chan_t chan;
  uvsup_outbox_t outbox; /* what goes to the host through chan */
  uvsup_table_t by_id;
  uvsup_link_t records;
  uvsup_link_t parked; /* records of spawns asked ahead, not yet started */
  uvsup_group_scan_t scan;
  helper_phase_t phase;
  int host_pid;
  uv_timer_t timer;
  uint64_t deadline;
  uv_signal_t signals[4];
  int can_launch; /* pidfd_open() works here */
} helper_t;

static helper_t helper;

static int match_id(const void* item, const void* key) {
  return ((const record_t*)item)->id == *(const uint64_t*)key;
}

static uint32_t hash_id(uint64_t id) {
  return uvsup__hash_int((uint32_t)(id ^ (id >> 32)));
}

static record_t* find(uint64_t id) {
  return uvsup__table_find(&helper.by_id, hash_id(id), match_id, &id);
}

static void reply(uvsup_wbuf_t* w) {
  uvsup__outbox_send(&helper.outbox, w);
}

static void drop(record_t* r) {
  uvsup__table_remove(&helper.by_id, hash_id(r->id), r);
  uvsup__list_remove(&r->link);
  r->forgotten = 1;
  if (r->closed) {
    free(r);
  }
}

static void on_process_close(uv_handle_t* handle) {
  record_t* r = handle->data;
  if (r->launched) {
    close(r->pidfd);
  }
  r->closed = 1;
  if (r->forgotten) {
    free(r);
  }
}

static record_t* start_parked(record_t* r, uvsup_wbuf_t* answer);

static void report_exit(record_t* r, int64_t status, int signum) {
  uint64_t end_ns = uv_hrtime();
  r->exited = 1;
  /* Most groups end with their leader: say so now, and the host needs no
   * question (a round trip per run) before the run is finished. */
  int gone = !uvsup__group_exists(r->pid);
  /* The spawn asked ahead of this one's end starts now, without waiting
   * for the host: only after a clean end (exit 0, nothing of the group
   * left), where the host would start it all the same. */
  record_t* next = r->next_id != 0 ? find(r->next_id) : NULL;
  uvsup_wbuf_t answer;
  uvsup__wbuf_init(&answer);
  uint64_t started = 0;
  record_t* successor = NULL;
  if (next != NULL && next->parked && status == 0 && signum == 0 && gone &&
      helper.phase == HELPER_SERVING) {
    started = next->id;
    successor = start_parked(next, &answer);
  }
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  uvsup__put_u8(&w, PROTO_EXIT);
  uvsup__put_u64(&w, r->id);
  uvsup__put_u64(&w, (uint64_t)status);
  uvsup__put_i32(&w, signum);
  uvsup__put_u8(&w, (uint8_t)gone);
  uvsup__put_u64(&w, end_ns);
  uvsup__put_u8(&w, (uint8_t)r->signal_met_alive);
  uvsup__put_u64(&w, started);
  /* Its pid rides with the exit too: were the helper to die before the
   * host reads the answer, the host still knows the group to kill. */
  uvsup__put_i32(&w, successor != NULL ? successor->pid : 0);
  /* With the successor running and the next spawn waiting behind it, the
   * host has nothing to do about this end: the news can wait for more. */
  if (successor != NULL && successor->next_id != 0) {
    uvsup__outbox_hold(&helper.outbox, &w);
    uvsup__outbox_hold(&helper.outbox, &answer);
  } else {
    reply(&w);
    /* After the exit, so the host hears of the end before the start. */
    if (started != 0) {
      reply(&answer);
    }
  }
  uvsup__wbuf_free(&answer);
  if (gone) {
    /* Nothing of its group is left to signal or ask about: forgotten
     * now, sparing the host a message (and this helper a wake-up). */
    drop(r);
  }
}

static void on_exit_cb(uv_process_t* process, int64_t status, int signum) {
  record_t* r = process->data;
  uv_close((uv_handle_t*)process, on_process_close);
  report_exit(r, status, signum);
}

/* The pidfd of a launched process is readable once it has exited; only
 * then is it reaped, so its pid stays ours until the exit is known. */
static void on_pidfd(uv_poll_t* poll, int status, int events) {
  record_t* r = poll->data;
  int wstatus;
  pid_t got = waitpid(r->pid, &wstatus, WNOHANG);
  if (got == 0 || (got < 0 && errno == EINTR)) {
    return;
  }
  uv_close((uv_handle_t*)poll, on_process_close);
  if (got < 0) {
    /* Cannot happen (no one else reaps it): never taken for a success. */
    report_exit(r, 255, 0);
  } else if (WIFSIGNALED(wstatus)) {
    report_exit(r, 0, WTERMSIG(wstatus));
  } else {
    report_exit(r, WEXITSTATUS(wstatus), 0);
  }
}

/* Launches o (launch.c) and watches the process's pidfd. Returns 0, or a
 * negative libuv code with nothing left running. */
static int launch(record_t* r, const uv_process_options_t* o) {
  int pid;
  int err = uvsup__launch(o, &pid);
  if (err != 0) {
    return err;
  }
  r->pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  err = r->pidfd < 0 ? -errno : 0;
  if (err == 0) {
    err = uv_poll_init(helper.loop, &r->exit_watch, r->pidfd);
    if (err != 0) {
      close(r->pidfd);
    }
  }
  if (err != 0) {
    /* No watch, no way to know its end (out of descriptors, say): it
     * must not run unwatched. It has only just started, so its group is
     * itself and what it may have started since. */
    kill(-pid, SIGKILL);
    waitpid(pid, NULL, 0);
    return err;
  }
  r->launched = 1;
  r->pid = pid;
  r->exit_watch.data = r;
  uv_poll_start(&r->exit_watch, UV_READABLE, on_pidfd);
  return 0;
}

static void close_fds(const int* fds, int nfds) {
  for (int i = 0; i < nfds; i++) {
    close(fds[i]);
  }
}

/* Decodes a spawn request's stdio slots into stdio[]; returns the count
 * or -1. */
static int read_stdio(uvsup_rbuf_t* in,
                      const int* fds,
                      int nfds,
                      uv_stdio_container_t* stdio,
                      int max) {
  int count = uvsup__get_i32(in);
  if (in->failed || count < 0 || count > max) {
    return -1;
  }
  for (int i = 0; i < count; i++) {
    int slot = uvsup__get_i32(in);
    if (slot == PROTO_SLOT_IGNORE) {
      stdio[i].flags = UV_IGNORE;
    } else if (slot >= 0 && slot < nfds) {
      stdio[i].flags = UV_INHERIT_FD;
      stdio[i].data.fd = fds[slot];
    } else {
      return -1;
    }
  }
  return in->failed ? -1 : count;
}

static int spawn(record_t* r,
                 uvsup_rbuf_t* in,
                 const int* fds,
                 int nfds,
                 char*** args,
                 char*** env) {
  uv_stdio_container_t stdio[UVSUP_CHAN_MAX_FDS];
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  r->stop_signal = uvsup__get_i32(in);
  r->kill_after_ms = uvsup__get_u64(in);
  int set_user = uvsup__get_i32(in);
  o.uid = (uv_uid_t)uvsup__get_u64(in);
  o.gid = (uv_gid_t)uvsup__get_u64(in);
  o.stdio_count = read_stdio(in, fds, nfds, stdio, UVSUP_CHAN_MAX_FDS);
  o.stdio = stdio;
  o.file = uvsup__get_str(in);
  o.cwd = uvsup__get_str(in);
  int is_null;
  *args = uvsup__get_strv(in, &is_null);
  *env = uvsup__get_strv(in, &is_null);
  if (in->failed || o.stdio_count < 0 || o.file == NULL || *args == NULL) {
    return UV_EPROTO;
  }
  o.args = *args;
  o.env = *env != NULL ? *env : (char**)(const char*[]){ NULL };
  o.exit_cb = on_exit_cb;
  /* Its own session and process group, so a stop reaches grandchildren. */
  o.flags = UV_PROCESS_DETACHED;
  if (set_user) {
    o.flags |= UV_PROCESS_SETUID | UV_PROCESS_SETGID;
  }
  r->start_ns = uv_hrtime();
  if (!set_user && helper.can_launch) {
    return launch(r, &o);
  }
  r->process.data = r;
  int err = uv_spawn(helper.loop, &r->process, &o);
  if (err == 0) {
    r->pid = r->process.pid;
  } else {
    r->forgotten = 1; /* freed by the close callback */
    uv_close((uv_handle_t*)&r->process, on_process_close);
  }
  return err;
}

static void put_spawned(
    uvsup_wbuf_t* w, uint64_t id, int pid, int err, uint64_t start_ns) {
  uvsup__put_u8(w, PROTO_SPAWNED);
  uvsup__put_u64(w, id);
  uvsup__put_i32(w, pid);
  uvsup__put_i32(w, err);
  uvsup__put_u64(w, start_ns);
}

/* Spawns what the rest of in asks for as r (which the table has room for
 * and does not hold) and writes the answer; fds are closed. */
static void run_request(record_t* r,
                        uint64_t id,
                        int err,
                        uvsup_rbuf_t* in,
                        const int* fds,
                        int nfds,
                        uvsup_wbuf_t* answer) {
  char** args = NULL;
  char** env = NULL;
  if (err == 0) {
    r->id = id;
    err = spawn(r, in, fds, nfds, &args, &env);
  }
  free(args);
  free(env);
  close_fds(fds, nfds); /* the child has its own copies */
  put_spawned(answer, id, err == 0 ? r->pid : 0, err,
              err == 0 ? r->start_ns : 0);
  if (err == 0) {
    uvsup__table_insert(&helper.by_id, hash_id(id), r);
    uvsup__list_push_back(&helper.records, &r->link);
  } else if (r != NULL && r->process.data == NULL && !r->launched) {
    free(r); /* never got as far as a handle */
  }
}

/* Holds a spawn asked ahead: a copy of the rest of the request and its
 * descriptors, until its trigger (after) ends or the host decides. */
static int park(record_t* r,
                uint64_t id,
                uint64_t after,
                uvsup_rbuf_t* in,
                const int* fds,
                int nfds) {
  r->request_len = in->len - in->off;
  r->request = malloc(r->request_len + 1);
  if (r->request == NULL) {
    return UV_ENOMEM;
  }
  memcpy(r->request, in->data + in->off, r->request_len);
  memcpy(r->fds, fds, (size_t)nfds * sizeof(*fds));
  r->nfds = nfds;
  r->id = id;
  r->after_id = after;
  r->parked = 1;
  uvsup__table_insert(&helper.by_id, hash_id(id), r);
  uvsup__list_push_back(&helper.parked, &r->link);
  record_t* trigger = find(after);
  /* A trigger already ended (or unknown) leaves it to the host's go. A
   * parked trigger passes it on once started. */
  if (trigger != NULL && !trigger->exited && trigger->next_id == 0) {
    trigger->next_id = id;
  }
  return 0;
}

static void unpark(record_t* r) {
  uvsup__table_remove(&helper.by_id, hash_id(r->id), r);
  uvsup__list_remove(&r->link);
  r->parked = 0;
  /* Its trigger may be given another by the host. */
  record_t* trigger = find(r->after_id);
  if (trigger != NULL && trigger->next_id == r->id) {
    trigger->next_id = 0;
  }
}

/* Returns r, started, or NULL when the spawn failed (r is freed). */
static record_t* start_parked(record_t* r, uvsup_wbuf_t* answer) {
  unpark(r);
  char* request = r->request;
  r->request = NULL;
  uvsup_rbuf_t in;
  uvsup__rbuf_init(&in, request, r->request_len);
  int fds[UVSUP_CHAN_MAX_FDS];
  int nfds = r->nfds;
  memcpy(fds, r->fds, (size_t)nfds * sizeof(*fds));
  /* The table had room for it as parked, and still has. */
  uint64_t id = r->id;
  run_request(r, id, 0, &in, fds, nfds, answer);
  free(request);
  return find(id);
}

/* Drops a parked spawn; the host hears it was cancelled (answer). */
static void cancel_parked(record_t* r, int answer) {
  unpark(r);
  close_fds(r->fds, r->nfds);
  if (answer) {
    uvsup_wbuf_t w;
    uvsup__wbuf_init(&w);
    put_spawned(&w, r->id, 0, UV_ECANCELED, 0);
    reply(&w);
  }
  free(r->request);
  free(r);
}

static void on_spawn(uvsup_rbuf_t* in, const int* fds, int nfds) {
  uint64_t id = uvsup__get_u64(in);
  uint64_t after = uvsup__get_u64(in);
  record_t* r = calloc(1, sizeof(*r));
  int err = r == NULL ? UV_ENOMEM : uvsup__table_reserve(&helper.by_id);
  if (err == 0 && nfds < 0) {
    err = UV_EMFILE; /* its descriptors found no room here */
  }
  if (nfds < 0) {
    nfds = 0;
  }
  if (err == 0 && after != 0 && !in->failed) {
    err = park(r, id, after, in, fds, nfds);
    if (err == 0) {
      return; /* answered when it starts, or is cancelled */
    }
  }
  uvsup_wbuf_t w;
  uvsup__wbuf_init(&w);
  run_request(r, id, err, in, fds, nfds, &w);
  reply(&w);
}

static void on_message(uvsup_chan_t* chan,
                       const char* data,
                       size_t len,
                       const int* fds,
                       int nfds) {
  uvsup_rbuf_t in;
  uvsup__rbuf_init(&in, data, len);
  uint8_t type = uvsup__get_u8(&in);
  if (type == PROTO_SPAWN) {
    on_spawn(&in, fds, nfds);
    return;
  }
  close_fds(fds, nfds < 0 ? 0 : nfds);
  record_t* r = find(uvsup__get_u64(&in));
  if (r == NULL || in.failed) {
    return; /* forgotten already */
  }
  if (r->parked) {
    /* Not started: a go starts it; a signal (the host stops only what it
     * started, so this is a stop), a cancel or a forget drops it. */
    int start = type == PROTO_GO && uvsup__get_i32(&in) != 0 && !in.failed;
    if (start) {
      uvsup_wbuf_t w;
      uvsup__wbuf_init(&w);
      start_parked(r, &w);
      reply(&w);
    } else {
      cancel_parked(r, type != PROTO_FORGET);
    }
    return;
  }
  switch (type) {
  case PROTO_SIGNAL:
    /* Until the host forgets it, the group is the host's to signal: its
     * leader is our unreaped child, or its leftovers are being stopped. */
    r->signal_met_alive |= !r->exited && uvsup__child_running(r->pid);
    kill(-r->pid, uvsup__get_i32(&in));
    break;
  case PROTO_QUERY: {
    int fresh = uvsup__get_u8(&in);
    uvsup_wbuf_t w;
    uvsup__wbuf_init(&w);
    uvsup__put_u8(&w, PROTO_GROUP);
    uvsup__put_u64(&w, r->id);
    uvsup__put_u8(&w, (uint8_t)uvsup__group_alive(&helper.scan, helper.loop,
                                                  r->pid, r->start_ns, fresh));
    reply(&w);
    break;
  }
  case PROTO_FORGET:
    drop(r);
    break;
  default:
    break;
  }
}

/* The host is gone: what was asked ahead never starts. */
static void drop_parked(void) {
  while (!uvsup__list_empty(&helper.parked)) {
    cancel_parked(uvsup__list_entry(helper.parked.next, record_t, link), 0);
  }
}

/* The host is gone: every group still known gets the stop sequence. */
static void stop_groups(int signum) {
  for (uvsup_link_t* l = helper.records.next; l != &helper.records;
       l = l->next) {
    record_t* r = uvsup__list_entry(l, record_t, link);
    kill(-r->pid, signum != 0 ? signum : r->stop_signal);
    if (signum == 0) {
      kill(-r->pid, SIGCONT); /* a stopped process acts on it */
    }
  }
}

/* Forgets the records whose process has exited and whose group is gone;
 * returns 1 when none is left. */
static int sweep(void) {
  int first = 1;
  uvsup_link_t* l = helper.records.next;
  while (l != &helper.records) {
    record_t* r = uvsup__list_entry(l, record_t, link);
    l = l->next;
    if (r->exited && !uvsup__group_alive(&helper.scan, helper.loop, r->pid,
                                         r->start_ns, first)) {
      drop(r);
    }
    first = 0;
  }
  return uvsup__list_empty(&helper.records);
}

static void on_shutdown_timer(uv_timer_t* timer) {
  uv_update_time(helper.loop);
  if (sweep()) {
    exit(0);
  }
  if (uv_now(helper.loop) < helper.deadline) {
    return;
  }
  switch (helper.phase) {
  case HELPER_STOPPING:
    stop_groups(SIGKILL);
    helper.phase = HELPER_KILLING;
    helper.deadline = uv_now(helper.loop) + AFTER_KILL_MS;
    return;
  case HELPER_KILLING:
  case HELPER_SERVING:
    exit(0); /* only unkillable processes are left */
  }
}

static void shut_down(void) {
  if (helper.phase != HELPER_SERVING) {
    return;
  }
  helper.phase = HELPER_STOPPING;
  uvsup__outbox_drop(&helper.outbox);
  uvsup__chan_close(&helper.chan, NULL);
  drop_parked();
  uint64_t grace = 0;
  for (uvsup_link_t* l = helper.records.next; l != &helper.records;
       l = l->next) {
    record_t* r = uvsup__list_entry(l, record_t, link);
    if (r->kill_after_ms > grace) {
      grace = r->kill_after_ms;
    }
  }
  stop_groups(0);
  uv_update_time(helper.loop);
  helper.deadline = uv_now(helper.loop) + grace;
  uv_timer_start(&helper.timer, on_shutdown_timer, 0, SHUTDOWN_CHECK_MS);
}

static void on_end(uvsup_chan_t* chan, int err) {
  shut_down(); /* the host closed its end, or died */
}

/* The host is gone only when we are orphaned: the parent-death signal
 * also comes when only the host's thread that started the helper ends, and
 * SIGTERM, SIGINT or SIGHUP may be meant for the whole service (systemd
 * signals every process of its cgroup): the host decides what its workers
 * get, and a helper that stopped them itself would cut their grace short.
 * With the host gone, any of them stops the workers at once. */
static void on_signal(uv_signal_t* handle, int signum) {
  if (getppid() != helper.host_pid) {
    shut_down();
  }
}

static void watch_signals(void) {
  const int signums[4] = { SIGTERM, SIGINT, SIGHUP, PARENT_DEATH_SIGNAL };
  for (int i = 0; i < 4; i++) {
    uv_signal_init(helper.loop, &helper.signals[i]);
    uv_signal_start(&helper.signals[i], on_signal, signums[i]);
    uv_unref((uv_handle_t*)&helper.signals[i]);
  }
  signal(SIGPIPE, SIG_IGN);
}

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "uvsup-spawn: started by the uvsup library only\n");
    return 2;
  }
  int fd = atoi(argv[1]);
  helper.host_pid = atoi(argv[2]);
  /* Descriptors the host left open by mistake (not close-on-exec) are not
   * ours to hold: a pipe whose end someone waits for would never end. */
  syscall(SYS_close_range, (unsigned)fd + 1, ~0u, 0);
  /* dup2() gave us the socket without close-on-exec: a worker holding it
   * could speak for the helper, and would keep the host from seeing the
   * helper's end. */
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  helper.loop = uv_default_loop();
  int self = (int)syscall(SYS_pidfd_open, getpid(), 0);
  helper.can_launch = self >= 0;
  if (self >= 0) {
    close(self);
  }
  uvsup__table_init(&helper.by_id);
  uvsup__list_init(&helper.records);
  uvsup__list_init(&helper.parked);
  uv_timer_init(helper.loop, &helper.timer);
  watch_signals();
  /* The second line of defence, for a host whose socket another process
   * still holds (it forked without exec). */
  prctl(PR_SET_PDEATHSIG, PARENT_DEATH_SIGNAL);
  if (uvsup__chan_open(&helper.chan, helper.loop, fd, on_message, on_end) !=
      0) {
    return 1;
  }
  uvsup__outbox_init(&helper.outbox, helper.loop, &helper.chan);
  if (getppid() != helper.host_pid) {
    shut_down(); /* the host died before the signal was armed */
  }
  uv_run(helper.loop, UV_RUN_DEFAULT);
  return 0;
}
