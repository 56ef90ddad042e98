/* Spawning ahead (see ahead.h). The helper starts a successor only after
 * a clean end of the run ahead (exit 0, nothing of its group left), which
 * is exactly when the host would start it too: that run finishes at once,
 * and the host reads nothing more from the helper until it has, so its
 * on_exit comes before the successor's on_start. A run qualifies only
 * where that holds: its output is not captured (a drain would hold its
 * end), it has no readiness check (a probe is a process of the helper's
 * too, whose end must not wait behind the successor's start), it is not
 * restarted after a success, and no strategy stops others when it ends.
 * Any other end leaves the successor parked at the helper, and the next
 * free slot starts it (the oldest first), as it would a queued worker. */
#include "ahead.h"

#include "queue.h"
#include "readyspec.h"
#include "supervisor.h"
#include "worker.h"

static int qualifies(const uvsup_run_t* run) {
  const uvsup_t* sup = run->sup;
  const uvsup_worker_t* w = run->worker;
  /* Running, or started by its trigger's end and not yet answered, or
   * parked behind such a run: two deep, so the helper holds the next
   * start even when the host is slow to hear of the last one (on a busy
   * machine it may wait a scheduler slice for a CPU). */
  int runs = run->phase == RUN_RUNNING ||
             (run->phase == RUN_SPAWNING &&
              (run->proc.ahead_started ||
               (uvsup__ahead_parked(run) && run->trigger != NULL &&
                !uvsup__ahead_parked(run->trigger))));
  return sup->opts.spawn_ahead && sup->opts.max_running != 0 &&
         sup->spawner != NULL && sup->spawner->can_spawn_ahead &&
         sup->opts.strategy == UVSUP_STRATEGY_ONE_FOR_ONE &&
         w->restart != UVSUP_RESTART_ALWAYS && !run->captured &&
         w->ready.spec.kind == READY_NONE && runs && run->successor == NULL &&
         !(w->causes & WORKER_STOP_ASKED);
}

/* Makes run a candidate again, without asking (the caller does). */
static void enlist(uvsup_run_t* run) {
  if (qualifies(run) && !uvsup__list_linked(&run->slot_link)) {
    uvsup__list_push_back(&run->sup->ahead_slots, &run->slot_link);
  }
}

void uvsup__ahead_offer(uvsup_run_t* run) {
  enlist(run);
  if (uvsup__list_linked(&run->slot_link)) {
    uvsup__ahead_fill(run->sup);
  }
}

void uvsup__ahead_withdraw(uvsup_run_t* run) {
  if (uvsup__list_linked(&run->slot_link)) {
    uvsup__list_remove(&run->slot_link);
  }
}

void uvsup__ahead_fill(uvsup_t* sup) {
  while (uvsup__sup_may_start(sup) && sup->running >= sup->opts.max_running &&
         !uvsup__list_empty(&sup->ahead_slots)) {
    uvsup_run_t* trigger =
        uvsup__list_entry(sup->ahead_slots.next, uvsup_run_t, slot_link);
    uvsup__list_remove(&trigger->slot_link);
    if (!qualifies(trigger)) {
      continue; /* stopping, say: its end frees the slot the usual way */
    }
    uvsup_link_t* link;
    if (!uvsup__queue_take(&sup->queue, &link)) {
      uvsup__list_push_front(&sup->ahead_slots, &trigger->slot_link);
      return;
    }
    uvsup__worker_start(uvsup__list_entry(link, uvsup_worker_t, line), trigger);
    if (trigger->successor == NULL) {
      /* That one could not even be asked (out of memory, no helper): the
       * next one in line may be. */
      uvsup__list_push_front(&sup->ahead_slots, &trigger->slot_link);
    }
  }
}

void uvsup__ahead_link(uvsup_run_t* trigger, uvsup_run_t* successor) {
  trigger->successor = successor;
  successor->trigger = trigger;
  successor->asked_ahead = 1;
  uvsup__list_push_back(&successor->sup->ahead_parked, &successor->parked_link);
  successor->sup->ahead_waiting++;
  enlist(successor); /* the second in line, behind a running one */
}

int uvsup__ahead_parked(const uvsup_run_t* run) {
  return uvsup__list_linked(&run->parked_link);
}

static void unpark(uvsup_run_t* run) {
  if (uvsup__list_linked(&run->parked_link)) {
    uvsup__list_remove(&run->parked_link);
    run->sup->ahead_waiting--;
  }
}

/* run no longer waits for its trigger: the trigger may take another. */
static void unlink_trigger(uvsup_run_t* run) {
  uvsup_run_t* trigger = run->trigger;
  if (trigger != NULL) {
    trigger->successor = NULL;
    run->trigger = NULL;
    enlist(trigger);
  }
}

void uvsup__ahead_answered(uvsup_run_t* run, int err) {
  if (!run->asked_ahead) {
    return;
  }
  run->asked_ahead = 0;
  unpark(run);
  if (run->proc.ahead_started && err == 0) {
    run->sup->summary.spawned_ahead++;
  }
  unlink_trigger(run);
  if (err != 0 && run->successor != NULL) {
    /* Never ran: what waited behind it waits for a free slot. */
    run->successor->trigger = NULL;
    run->successor = NULL;
  }
  uvsup__ahead_withdraw(run);
}

void uvsup__ahead_exited(uvsup_run_t* trigger) {
  uvsup__ahead_withdraw(trigger);
  uvsup_run_t* successor = trigger->successor;
  if (successor != NULL && successor->proc.ahead_started) {
    unpark(successor);
    /* The one behind it is now second in line: the next is asked now,
     * not once the answer is read (a short job may be over by then). */
    uvsup__ahead_offer(successor->successor != NULL ? successor->successor
                                                    : successor);
  }
}

void uvsup__ahead_detach(uvsup_run_t* trigger) {
  uvsup__ahead_withdraw(trigger);
  uvsup_run_t* successor = trigger->successor;
  if (successor != NULL) {
    trigger->successor = NULL;
    successor->trigger = NULL;
  }
}

/* Tells the helper what becomes of a parked spawn. */
static void decide(uvsup_run_t* run, int start) {
  unpark(run);
  unlink_trigger(run);
  uvsup__proc_go(&run->proc, start);
}

int uvsup__ahead_start_parked(uvsup_t* sup) {
  if (uvsup__list_empty(&sup->ahead_parked)) {
    return 0;
  }
  decide(uvsup__list_entry(sup->ahead_parked.next, uvsup_run_t, parked_link),
         1);
  return 1;
}

void uvsup__ahead_cancel_all(uvsup_t* sup) {
  while (!uvsup__list_empty(&sup->ahead_parked)) {
    decide(uvsup__list_entry(sup->ahead_parked.next, uvsup_run_t, parked_link),
           0);
  }
}
