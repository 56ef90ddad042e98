/* Spawning ahead (uvsup_options_t.spawn_ahead): with every slot taken,
 * the next queued worker's spawn is asked of the spawn helper behind a
 * running run, and the helper starts it the moment that run's process
 * ends cleanly, without waiting for a turn of the host's loop. Which runs
 * may take a successor, and what happens to a successor whose run ahead
 * ended any other way. */
#ifndef UVSUP_AHEAD_H
#define UVSUP_AHEAD_H

#include "run.h"

/* run has just been spawned: it may take a successor if it qualifies. */
void uvsup__ahead_offer(uvsup_run_t* run);
/* run's process has ended, or the run is ending: it takes none. */
void uvsup__ahead_withdraw(uvsup_run_t* run);
/* Asks the spawns ahead that may be asked: called once nothing more may
 * start now, and when a run may take a successor. */
void uvsup__ahead_fill(uvsup_t* sup);
/* A run asked ahead behind trigger: links the two. */
void uvsup__ahead_link(uvsup_run_t* trigger, uvsup_run_t* successor);
/* A run asked ahead has its answer (started, failed or cancelled). */
void uvsup__ahead_answered(uvsup_run_t* successor);
/* trigger is finished; returns its successor when that was not started
 * by the helper, for uvsup__ahead_decide() once trigger's on_exit has
 * run, else NULL. *resume: the successor was started, and the spawner
 * holds its events until uvsup__spawner_resume(), to be called once
 * trigger's on_exit has run. */
uvsup_run_t* uvsup__ahead_detach(uvsup_run_t* trigger, int* resume);
/* The run ahead ended without starting successor: start it now, as the
 * freed slot's next worker, unless nothing may start (then it is
 * cancelled and its worker goes back to the front of the queue). */
void uvsup__ahead_decide(uvsup_run_t* successor, int may_start);

#endif
