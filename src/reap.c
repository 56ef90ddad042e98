/* Reaping the orphans re-parented to this process (PID 1, a subreaper)
 * without taking an exit that libuv is owed, and stopping the orphans left
 * when the supervisor finishes.
 *
 * libuv reaps each child it spawned with waitpid(pid) and silently loses
 * an exit that another reaper took first, so there is no waitpid(-1)
 * here: on SIGCHLD the children of this process are listed
 * (/proc/self/task/TID/children names only our own children, never the
 * host's other processes) and only a dead child that the owner does not
 * claim is reaped. A child's pid cannot be reused before it is reaped, so
 * signalling a listed child that is not yet reaped is safe. */
#include "reap.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int grow(int** items, size_t* cap, size_t need) {
  if (need <= *cap) {
    return 0;
  }
  size_t capacity = *cap ? *cap * 2 : 64;
  while (capacity < need) {
    capacity *= 2;
  }
  int* grown = realloc(*items, capacity * sizeof(*grown));
  if (grown == NULL) {
    return -1;
  }
  *items = grown;
  *cap = capacity;
  return 0;
}

/* Appends the pids in one children file ("12 34 56 "). A number cut at
 * the end of a read is carried into the next. */
static int read_children(uvsup_reaper_t* r, const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT || errno == ESRCH ? 0 : -1; /* thread gone */
  }
  char buf[4096];
  long pid = 0;
  int in_number = 0;
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    for (ssize_t i = 0; i < n; i++) {
      if (buf[i] >= '0' && buf[i] <= '9') {
        pid = pid * 10 + (buf[i] - '0');
        in_number = 1;
        continue;
      }
      if (in_number && grow(&r->kids, &r->kids_cap, r->nkids + 1) == 0) {
        r->kids[r->nkids++] = (int)pid;
      }
      pid = 0;
      in_number = 0;
    }
  }
  close(fd);
  return n < 0 ? -1 : 0;
}

/* Lists the children of every thread of this process (an orphan goes to
 * one of the reaper's threads). Returns 0, or -1 when the list is not
 * available (a kernel without CONFIG_PROC_CHILDREN, a /proc of another
 * PID namespace): then only waitid() finds the dead (see peek_any). */
static int list_children(uvsup_reaper_t* r) {
  r->nkids = 0;
  /* A /proc of another PID namespace (unshare --pid without --mount-proc)
   * names our children by pids that mean nothing to waitpid(). */
  char self[32];
  ssize_t len = readlink("/proc/self", self, sizeof(self) - 1);
  if (len <= 0) {
    return -1;
  }
  self[len] = '\0';
  if (atoi(self) != (int)getpid()) {
    return -1;
  }
  char path[96];
  snprintf(path, sizeof(path), "/proc/self/task/%d/children", (int)getpid());
  DIR* tasks = access(path, R_OK) == 0 ? opendir("/proc/self/task") : NULL;
  if (tasks == NULL) {
    return -1;
  }
  int err = 0;
  struct dirent* entry;
  while (err == 0 && (entry = readdir(tasks)) != NULL) {
    if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9') {
      snprintf(path, sizeof(path), "/proc/self/task/%.20s/children",
               entry->d_name);
      err = read_children(r, path);
    }
  }
  closedir(tasks);
  return err;
}

/* 1 when pid is our child and has exited (a zombie), without reaping. */
static int has_exited(int pid) {
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

static int compare_int(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

static int* find_signalled(uvsup_reaper_t* r, int pid) {
  if (r->nsignalled == 0) {
    return NULL; /* bsearch() wants a base even for no items */
  }
  return bsearch(&pid, r->signalled, r->nsignalled, sizeof(int), compare_int);
}

static void forget_signalled(uvsup_reaper_t* r, int pid) {
  int* at = find_signalled(r, pid);
  if (at != NULL) {
    size_t tail = r->nsignalled - (size_t)(at - r->signalled) - 1;
    memmove(at, at + 1, tail * sizeof(int));
    r->nsignalled--;
  }
}

static void remember_signalled(uvsup_reaper_t* r, int pid) {
  if (grow(&r->signalled, &r->signalled_cap, r->nsignalled + 1) != 0) {
    return; /* it may get the stop signal again; SIGKILL still follows */
  }
  size_t i = r->nsignalled;
  while (i > 0 && r->signalled[i - 1] > pid) {
    r->signalled[i] = r->signalled[i - 1];
    i--;
  }
  r->signalled[i] = pid;
  r->nsignalled++;
}

static int reap(uvsup_reaper_t* r, int pid) {
  int status;
  if (waitpid(pid, &status, WNOHANG) != pid) {
    return 0;
  }
  r->reaped++;
  forget_signalled(r, pid);
  return 1;
}

/* One child: reaped when it is a dead orphan, signalled when the finish
 * asks. Returns 1 when it is a live orphan. */
static int visit(uvsup_reaper_t* r, int pid) {
  /* A worker spawned in-process is ours to skip at O(1), before any
   * system call: they may be most of the children. */
  if (r->owned(r, pid, 1)) {
    return 0;
  }
  if (has_exited(pid)) {
    if (!r->owned(r, pid, 0)) {
      reap(r, pid);
    }
    return 0;
  }
  if (r->phase == REAP_WATCHING || r->owned(r, pid, 0)) {
    return 0;
  }
  if (r->phase == REAP_KILLING) {
    kill(pid, SIGKILL);
  } else if (find_signalled(r, pid) == NULL) {
    kill(pid, r->stop_signal);
    kill(pid, SIGCONT); /* a stopped orphan acts on it */
    remember_signalled(r, pid);
  }
  return 1;
}

/* The dead child waitid() shows first, if any: the fallback for a child
 * the list missed (it can skip one while siblings exit). Returns its pid
 * when it is an orphan (then reaped), -1 when it is owned, else 0. */
static int peek_any(uvsup_reaper_t* r) {
  siginfo_t info;
  memset(&info, 0, sizeof(info));
  if (waitid(P_ALL, 0, &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid == 0) {
    return 0;
  }
  if (r->owned(r, info.si_pid, 0)) {
    return -1;
  }
  return reap(r, info.si_pid) ? info.si_pid : 0;
}

static void on_timer(uv_timer_t* timer);
static void on_relook(uv_check_t* check);

static void enter_gone(uvsup_reaper_t* r) {
  r->phase = REAP_GONE;
  uv_timer_stop(&r->timer);
  uv_check_stop(&r->relook);
  r->gone(r);
}

static void sweep(uvsup_reaper_t* r) {
  if (r->phase == REAP_OFF || r->phase >= REAP_GONE) {
    return;
  }
  size_t live;
  int listed;
  int peeked;
  do {
    live = 0;
    listed = list_children(r) == 0;
    for (size_t i = 0; listed && i < r->nkids; i++) {
      live += (size_t)visit(r, r->kids[i]);
    }
    peeked = peek_any(r);
  } while (peeked > 0);
  if (peeked < 0 && r->phase == REAP_WATCHING) {
    /* A dead child libuv is owed comes first in waitid's order and may
     * hide an orphan the list missed: look again after this turn's events,
     * once libuv has reaped it. (A check, not a 0 ms timer: libuv 1.44
     * runs a timer restarted from its own callback again at once.) */
    uv_check_start(&r->relook, on_relook);
  }
  if (r->phase != REAP_WATCHING && (live == 0 || !listed)) {
    enter_gone(r); /* without the list, orphans cannot be found */
  }
}

static void on_timer(uv_timer_t* timer) {
  uvsup_reaper_t* r = timer->data;
  switch (r->phase) {
  case REAP_STOPPING:
    /* The grace is over: SIGKILL to whatever is left, then as long again
     * for them to go (one in uninterruptible sleep is given up on). */
    r->phase = REAP_KILLING;
    uv_timer_start(&r->timer, on_timer,
                   r->kill_after_ms > 1000 ? r->kill_after_ms : 1000, 0);
    sweep(r);
    return;
  case REAP_KILLING:
    enter_gone(r);
    return;
  default:
    return;
  }
}

static void on_relook(uv_check_t* check) {
  uv_check_stop(check);
  sweep(check->data);
}

static void on_sigchld(uv_signal_t* handle, int signum) {
  (void)signum;
  sweep(handle->data);
}

static void on_close(uv_handle_t* handle) {
  uvsup_reaper_t* r = handle->data;
  if (--r->open_handles == 0) {
    r->phase = REAP_OFF;
    if (r->closed != NULL) {
      r->closed(r);
    }
  }
}

int uvsup__reap_open(uvsup_reaper_t* r,
                     uv_loop_t* loop,
                     uvsup_reap_owned_fn owned,
                     uvsup_reap_gone_fn gone) {
  r->loop = loop;
  r->owned = owned;
  r->gone = gone;
  int err = uv_signal_init(loop, &r->sigchld);
  if (err != 0) {
    return err;
  }
  r->sigchld.data = r;
  r->timer.data = r;
  r->relook.data = r;
  uv_timer_init(loop, &r->timer);
  uv_check_init(loop, &r->relook);
  uv_unref((uv_handle_t*)&r->relook);
  r->open_handles = 3;
  err = uv_signal_start(&r->sigchld, on_sigchld, SIGCHLD);
  if (err != 0) {
    r->closed = NULL;
    uv_close((uv_handle_t*)&r->sigchld, NULL);
    uv_close((uv_handle_t*)&r->timer, NULL);
    uv_close((uv_handle_t*)&r->relook, NULL);
    r->open_handles = 0;
    return err;
  }
  /* Watching never keeps the loop alive; the finish's grace does. */
  uv_unref((uv_handle_t*)&r->sigchld);
  r->phase = REAP_WATCHING;
  sweep(r); /* orphans that exited before we watched */
  return 0;
}

void uvsup__reap_finish(uvsup_reaper_t* r,
                        int stop_signal,
                        uint64_t kill_after_ms) {
  if (r->phase != REAP_WATCHING) {
    return;
  }
  r->stop_signal = stop_signal;
  r->kill_after_ms = kill_after_ms;
  r->phase = REAP_STOPPING;
  uv_timer_start(&r->timer, on_timer, kill_after_ms, 0);
  sweep(r);
}

void uvsup__reap_close(uvsup_reaper_t* r,
                       void (*closed)(uvsup_reaper_t* reaper)) {
  if (r->open_handles == 0 || r->phase == REAP_CLOSING) {
    return;
  }
  r->phase = REAP_CLOSING;
  r->closed = closed;
  uv_close((uv_handle_t*)&r->sigchld, on_close);
  uv_close((uv_handle_t*)&r->timer, on_close);
  uv_close((uv_handle_t*)&r->relook, on_close);
}

void uvsup__reap_free(uvsup_reaper_t* r) {
  free(r->signalled);
  free(r->kids);
  r->signalled = NULL;
  r->kids = NULL;
  r->nsignalled = r->signalled_cap = r->nkids = r->kids_cap = 0;
}
