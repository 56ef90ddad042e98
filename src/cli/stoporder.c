/* Stopping a config's programs by priority, highest first, a level at a
 * time, as supervisord does, so a program stops before those it was
 * started after. A config holds tens of programs: each end scans them. */
#include "stoporder.h"

#include <limits.h>

/* Whether the worker's process still runs (or its run is ending); a job
 * skipped (--shard, --resume) has none. */
static int alive(const uvsup_worker_t* w) {
  if (w == NULL) {
    return 0;
  }
  switch (uvsup_worker_state(w)) {
  case UVSUP_STATE_QUEUED:
  case UVSUP_STATE_BACKOFF:
  case UVSUP_STATE_FINISHED:
  case UVSUP_STATE_GAVE_UP:
  case UVSUP_STATE_SKIPPED:
  case UVSUP_STATE_WAITING:
    return 0;
  case UVSUP_STATE_STARTING:
  case UVSUP_STATE_READY:
  case UVSUP_STATE_STOPPING:
    return 1;
  }
  return 1; /* a state of a later version: a process may run */
}

/* The highest priority among the live workers below ceiling, or
 * LONG_MIN when none lives there. */
static long top_level(const cli_stoporder_t* s, size_t nadded, long ceiling) {
  long top = LONG_MIN;
  for (size_t i = 0; i < nadded; i++) {
    long p = s->jobs->fixed[i].opts->priority;
    if (p < ceiling && p > top && alive(s->worker_of(s->data, i))) {
      top = p;
    }
  }
  return top;
}

/* Stops the live workers of the highest level below ceiling. */
static void stop_level(cli_stoporder_t* s, size_t nadded, long ceiling) {
  s->level = top_level(s, nadded, ceiling);
  for (size_t i = 0; s->level != LONG_MIN && i < nadded; i++) {
    if (s->jobs->fixed[i].opts->priority == s->level &&
        alive(s->worker_of(s->data, i)) &&
        uvsup_worker_state(s->worker_of(s->data, i)) != UVSUP_STATE_STOPPING) {
      uvsup_stop_worker(s->worker_of(s->data, i), s->signum);
    }
  }
}

int cli_stoporder_begin(cli_stoporder_t* s,
                        uvsup_t* sup,
                        const cli_jobs_t* jobs,
                        size_t nadded,
                        cli_stoporder_worker_cb worker_of,
                        void* data,
                        int signum) {
  /* Only a config's jobs have priorities: all fixed, each with opts. */
  if (jobs->nfixed == 0 || jobs->nfixed != jobs->count) {
    return -1;
  }
  for (size_t i = 0; i < jobs->nfixed; i++) {
    if (jobs->fixed[i].opts == NULL) {
      return -1;
    }
  }
  s->active = 1;
  /* As supervisord: each program gets its own stopsignal, whatever
   * stopped uvsup. */
  (void)signum;
  s->signum = 0;
  s->jobs = jobs;
  s->worker_of = worker_of;
  s->data = data;
  uvsup_drain(sup);
  stop_level(s, nadded, LONG_MAX);
  return 0;
}

void cli_stoporder_next(cli_stoporder_t* s, size_t nadded) {
  if (!s->active || s->level == LONG_MIN) {
    return;
  }
  for (size_t i = 0; i < nadded; i++) {
    if (s->jobs->fixed[i].opts->priority >= s->level &&
        alive(s->worker_of(s->data, i))) {
      return; /* this level is still ending */
    }
  }
  stop_level(s, nadded, s->level);
}
