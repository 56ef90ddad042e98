/* Stopping a run: the timeout, the stop signal to the worker's process group,
 * the grace, SIGKILL, and the leftovers of a group whose main process exited.
 * Moves the run through its phases RUN_RUNNING to RUN_GROUP_KILLING. */
#ifndef UVSUP_STOP_H
#define UVSUP_STOP_H

#include "run.h"

/* The process is spawned: starts its timeout, if any. */
void uvsup__stop_spawned(uvsup_run_t* run);
/* A stop request with signum (SIGKILL: at once); later ones only
 * escalate. Never signals a pid after its exit. */
void uvsup__stop_request(uvsup_run_t* run, int signum);
/* The exit callback has run: stops what the process left in its group,
 * then reports uvsup__run_group_gone(). */
void uvsup__stop_exited(uvsup_run_t* run, int gone);
/* The spawner's answer: whether the run's group still has a live member. */
void uvsup__stop_group(uvsup_run_t* run, int alive);

#endif
