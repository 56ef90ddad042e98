/* Dependencies at run time: names resolved to workers, whether a worker
 * may start, waits or never will, dependents told of each change, restarts
 * along the graph, and shutdown in reverse dependency order. */
#ifndef UVSUP_STACK_H
#define UVSUP_STACK_H

#include "uvsup.h"

typedef enum {
  STACK_GO = 0, /* every dependency is met */
  STACK_WAIT,   /* some may still be met */
  STACK_NEVER   /* one never will be: worker->reason says which */
} uvsup_stack_verdict_t;

/* At uvsup_start(): resolves every worker's names and checks the graph.
 * Returns 0, UVSUP_ENODEP or UVSUP_ECYCLE (detail in the supervisor), or
 * UV_ENOMEM. */
int uvsup__stack_resolve_all(uvsup_t* sup);
/* A worker added after the start: its names must exist. */
int uvsup__stack_resolve(uvsup_t* sup, uvsup_worker_t* worker);
uvsup_stack_verdict_t uvsup__stack_admit(uvsup_worker_t* worker);
/* The worker's state changed: waiting dependents look again, and a
 * shutdown held for it may go on. */
void uvsup__stack_changed(uvsup_worker_t* worker);
/* The worker restarts: dependents with the restart flag restart too. */
void uvsup__stack_restarting(uvsup_worker_t* worker);
/* A shutdown reaches a live worker: 1 when it waits for dependents that
 * still live (stopped with signum once they have finished). */
int uvsup__stack_defer_stop(uvsup_worker_t* worker, int signum);
/* The name of the first dependency not met yet, or NULL. */
const char* uvsup__stack_waiting_for(const uvsup_worker_t* worker);
/* The worker is freed: no edge may point at it. */
void uvsup__stack_forget(uvsup_worker_t* worker);

#endif
