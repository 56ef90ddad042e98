/* The spawner: how a run's process is started, signalled, watched and
 * reaped, behind one small interface, so a run (run.c, stop.c) is the same
 * whether its process is spawned in-process (inproc.c) or by the spawn
 * helper (client.c and the uvsup-spawn program). Events go up to the owner
 * through the table of callbacks given at open; nothing here knows a run. */
#ifndef UVSUP_SPAWNER_H
#define UVSUP_SPAWNER_H

#include <stdint.h>

#include <uv.h>

#include "../list.h"

typedef struct uvsup_spawner_s uvsup_spawner_t;
typedef struct uvsup_proc_s uvsup_proc_t;

/* What to spawn. Every stdio slot is UV_IGNORE (/dev/null) or UV_INHERIT_FD
 * (a descriptor of the caller's, which the spawner may dup or pass on);
 * there may be any number of them. The process always leads its own
 * session (setsid), so its pid is its process group id. */
typedef struct {
  const char* file;
  char** args;
  char** env; /* NULL: the caller's environment at the time of the spawn */
  const char* cwd;
  int stdio_count;
  const uv_stdio_container_t* stdio;
  /* How the helper stops the group when its host dies. */
  int stop_signal;
  uint64_t kill_after_ms;
  /* 1: setuid/setgid to uid/gid (uv_spawn's, for a privileged host). */
  int set_user;
  uv_uid_t uid;
  uv_gid_t gid;
  /* NULL: spawn now. Else a running proc of the same spawner (where
   * can_spawn_ahead): the spawn is asked ahead, and starts the moment
   * after's process ends cleanly (exit 0, its group gone), without a turn
   * of the host's loop; after any other end it waits for
   * uvsup__proc_go(). */
  uvsup_proc_t* after;
} uvsup_spawn_req_t;

/* Events, reported up to the owner of the procs. */
typedef struct {
  /* An answer to a spawn that returned UVSUP__SPAWN_PENDING: err is 0 and
   * proc->pid set, or a negative libuv code (then exited never follows). */
  void (*spawned)(uvsup_proc_t* proc, int err);
  /* The process was reaped: its pid may belong to someone else from now on
   * (its group id is still the proc's to signal until release). gone: its
   * group was seen empty right after the reap (the helper looks at once,
   * sparing a question); 0: not known. */
  void (*exited)(uvsup_proc_t* proc,
                 int64_t exit_status,
                 int term_signal,
                 int gone);
  /* The answer to uvsup__proc_query(). */
  void (*group)(uvsup_proc_t* proc, int alive);
  /* The helper died: the process's fate is unknown. Its group was sent
   * SIGKILL; nothing else follows but closed. */
  void (*lost)(uvsup_proc_t* proc);
  /* The spawner holds nothing more of proc for a handle: fires once after
   * every uvsup__proc_spawn(), never from inside a call. */
  void (*closed)(uvsup_proc_t* proc);
} uvsup_spawner_events_t;

/* Where a proc of the helper is, as the host knows it. */
typedef enum {
  PROC_ASKED = 0, /* the spawn is sent; no answer yet */
  PROC_RUNNING,   /* spawned; no exit yet */
  PROC_EXITED     /* reaped; its group may still be asked about */
} uvsup_proc_phase_t;

/* A process as the spawner sees it; embedded in its owner. */
struct uvsup_proc_s {
  uvsup_spawner_t* spawner;
  int pid;              /* also its process group id; 0 until spawned */
  uint64_t start_ns;    /* uv_hrtime() at the spawn request, then at the
                           spawn itself once the helper says */
  uint64_t end_ns;      /* uv_hrtime() at the reap, when the spawner
                           knows it better than the time of exited; 0 */
  int signal_met_alive; /* a signal sent found the process not yet ended:
                           set before exited */
  uv_process_t process; /* in-process */
  /* The helper's: */
  uint64_t id;  /* the key of the messages about it */
  void* helper; /* the helper process it was asked of */
  uvsup_proc_phase_t phase;
  int forgotten_by_helper; /* its exit said its group was gone */
  int ahead_started;       /* asked ahead, and started by after's end: its
                              spawned follows, once uvsup__spawner_resume() is
                              called (after's owner has finished with it) */
  uvsup_link_t link;       /* in its helper's procs until released, or in the
                              spawner's list of closes to report */
};

typedef struct {
  int (*spawn)(uvsup_spawner_t* s, uvsup_proc_t* p, const uvsup_spawn_req_t* r);
  int (*signal)(uvsup_proc_t* p, int signum);
  void (*query)(uvsup_proc_t* p, int fresh);
  void (*release)(uvsup_proc_t* p);
  void (*go)(uvsup_proc_t* p, int start);
  void (*resume)(uvsup_spawner_t* s);
  void (*close)(uvsup_spawner_t* s);
  int (*owns_pid)(const uvsup_spawner_t* s, int pid);
} uvsup_spawner_ops_t;

/* Where a spawner is in its life. */
typedef enum {
  SPAWNER_OPEN = 0,
  SPAWNER_CLOSING, /* close asked; waiting for its handles (and helper) */
  SPAWNER_CLOSED
} uvsup_spawner_phase_t;

/* uvsup__proc_spawn(): the answer comes later, in spawned. */
#define UVSUP__SPAWN_PENDING 1

/* The common head of every spawner. */
struct uvsup_spawner_s {
  const uvsup_spawner_ops_t* ops;
  const uvsup_spawner_events_t* events;
  uv_loop_t* loop;
  uvsup_spawner_phase_t phase;
  int can_spawn_ahead; /* honours uvsup_spawn_req_t.after */
  void (*on_closed)(uvsup_spawner_t* s, void* arg);
  void* closed_arg;
};

/* The helper spawner: starts the helper program at path (NULL: found as
 * uvsup_options_t.spawn_helper says) now (a host that cannot start it
 * learns it here), and again after it dies. Returns 0, UV_ENOMEM, or the
 * error of starting the helper (UV_ENOENT, ...). */
int uvsup__spawner_helper_new(uv_loop_t* loop,
                              const uvsup_spawner_events_t* events,
                              const char* path,
                              uvsup_spawner_t** out);

/* The in-process spawner: uv_spawn on the caller's loop. Returns 0 or
 * UV_ENOMEM. */
int uvsup__spawner_inproc_new(uv_loop_t* loop,
                              const uvsup_spawner_events_t* events,
                              uvsup_spawner_t** out);

/* Spawns req as proc. Returns 0 (spawned: proc->pid is set),
 * UVSUP__SPAWN_PENDING (spawned reports the outcome), or a negative libuv
 * code (a spawn failure). In every case closed follows, later. */
int uvsup__proc_spawn(uvsup_spawner_t* s,
                      uvsup_proc_t* proc,
                      const uvsup_spawn_req_t* req);
/* Sends signum to proc's process group. Allowed from the spawn until
 * release; the spawner itself never signals a group it has released. */
int uvsup__proc_signal(uvsup_proc_t* proc, int signum);
/* Asks whether proc's process group still has a running member (zombies
 * not counted); group answers, maybe from inside this call. fresh: look
 * again rather than trust a look taken a moment ago. */
void uvsup__proc_query(uvsup_proc_t* proc, int fresh);
/* A spawn asked ahead and not started yet: start it now (start 1) or
 * cancel it (0: spawned follows with UV_ECANCELED). Nothing once it has
 * started. */
void uvsup__proc_go(uvsup_proc_t* proc, int start);
/* After's end started a spawn asked ahead (its ahead_started is set):
 * no event comes until the owner calls this, once it has finished with a
 * run (after's among them), so that end is told in full before the
 * start. Does nothing when nothing is held. */
void uvsup__spawner_resume(uvsup_spawner_t* s);
/* The owner is done with proc's group: no signal or query follows. */
void uvsup__proc_release(uvsup_proc_t* proc);
/* Closes the spawner once every proc is released; on_closed follows (maybe
 * from inside this call), then the spawner is freed. */
void uvsup__spawner_close(uvsup_spawner_t* s,
                          void (*on_closed)(uvsup_spawner_t* s, void* arg),
                          void* arg);
/* 1 when pid is a child process of this process that the spawner made (an
 * in-process worker not yet reaped, or the helper). */
int uvsup__spawner_owns_pid(const uvsup_spawner_t* s, int pid);

#endif
