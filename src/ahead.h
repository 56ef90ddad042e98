/* Spawning ahead (uvsup_options_t.spawn_ahead): with every slot taken,
 * the next queued worker's spawn is asked of the spawn helper behind a
 * running run, and the helper starts it the moment that run's process
 * ends cleanly, without waiting for a turn of the host's loop. Which runs
 * may take a successor, which spawns wait (parked) at the helper, and
 * what becomes of them when a slot frees some other way. */
#ifndef UVSUP_AHEAD_H
#define UVSUP_AHEAD_H

#include "run.h"

/* run has been spawned: it may take a successor if it qualifies. */
void uvsup__ahead_offer(uvsup_run_t* run);
/* run is ending: it takes no successor any more. */
void uvsup__ahead_withdraw(uvsup_run_t* run);
/* Asks the spawns ahead that may be asked; called once nothing more may
 * start now, and when a run may take a successor. */
void uvsup__ahead_fill(uvsup_t* sup);
/* A run asked ahead behind trigger (its spawn is pending): it is parked. */
void uvsup__ahead_link(uvsup_run_t* trigger, uvsup_run_t* successor);
/* 1 while run is parked: asked ahead, and neither started by its trigger's
 * end nor told to start or to cancel. */
int uvsup__ahead_parked(const uvsup_run_t* run);
/* A run asked ahead has its answer (err: the spawn's), or is lost. */
void uvsup__ahead_answered(uvsup_run_t* run, int err);
/* trigger's process has ended. If that end started its successor (the
 * helper says so with the exit), the successor runs: it is no longer
 * parked, and may take a successor of its own at once. */
void uvsup__ahead_exited(uvsup_run_t* trigger);
/* trigger is finished: it and its successor part. */
void uvsup__ahead_detach(uvsup_run_t* trigger);
/* A slot is free (fewer than max_running processes run): the oldest
 * parked spawn starts in it. Returns 1 when there was one. */
int uvsup__ahead_start_parked(uvsup_t* sup);
/* Nothing new may start (a hold, a drain): every parked spawn is
 * cancelled; each worker goes back to the queue (or is not started). */
void uvsup__ahead_cancel_all(uvsup_t* sup);

#endif
