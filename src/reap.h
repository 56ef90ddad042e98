/* Reaping the orphans re-parented to this process (PID 1, a subreaper)
 * without taking an exit that libuv is owed, and stopping the orphans left
 * when the supervisor finishes. */
#ifndef UVSUP_REAP_H
#define UVSUP_REAP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

/* Where the reaper is. */
typedef enum {
  REAP_OFF = 0,  /* not opened (reap_orphans not asked, or not started) */
  REAP_WATCHING, /* reaps orphans as they exit */
  REAP_STOPPING, /* finishing: the stop signal went to every orphan left;
                    the timer holds the grace */
  REAP_KILLING,  /* SIGKILL to every orphan left, until none is */
  REAP_GONE,     /* no orphan left (or given up): the owner may close */
  REAP_CLOSING   /* handles closing */
} uvsup_reap_phase_t;

typedef struct uvsup_reaper_s uvsup_reaper_t;

/* 1 when pid is a child that libuv (or the owner) will reap itself. quick:
 * only what is known in O(1) (a worker, the helper); else also what costs
 * more to find (the caller's own uv_process_t on the loop). */
typedef int (*uvsup_reap_owned_fn)(uvsup_reaper_t* reaper, int pid, int quick);
/* The finish is over: no orphan is left. */
typedef void (*uvsup_reap_gone_fn)(uvsup_reaper_t* reaper);

struct uvsup_reaper_s {
  uv_loop_t* loop;
  uvsup_reap_phase_t phase;
  uv_signal_t sigchld;
  uv_timer_t timer;  /* the grace, the give-up */
  uv_check_t relook; /* a look after this turn's events */
  int open_handles;
  uvsup_reap_owned_fn owned;
  uvsup_reap_gone_fn gone;
  void (*closed)(uvsup_reaper_t* reaper);
  int stop_signal;
  uint64_t kill_after_ms;
  size_t reaped;  /* orphans reaped */
  int* signalled; /* orphans sent the stop signal, sorted (our unreaped
                     children: their pids cannot be reused meanwhile) */
  size_t nsignalled;
  size_t signalled_cap;
  int* kids; /* the children listed by the last look */
  size_t nkids;
  size_t kids_cap;
  void* data; /* the owner's */
};

/* Starts watching SIGCHLD on loop. Returns 0 or a libuv error (then
 * nothing is left open). */
int uvsup__reap_open(uvsup_reaper_t* reaper,
                     uv_loop_t* loop,
                     uvsup_reap_owned_fn owned,
                     uvsup_reap_gone_fn gone);
/* Every orphan left gets stop_signal (and SIGCONT), SIGKILL after
 * kill_after_ms; gone() follows once none is left. */
void uvsup__reap_finish(uvsup_reaper_t* reaper,
                        int stop_signal,
                        uint64_t kill_after_ms);
/* Closes the handles; closed() follows from the loop. */
void uvsup__reap_close(uvsup_reaper_t* reaper,
                       void (*closed)(uvsup_reaper_t* reaper));
void uvsup__reap_free(uvsup_reaper_t* reaper);

#endif
