/* Spawning ahead (see ahead.h). The helper starts a successor only after
 * a clean end of the run ahead (exit 0, nothing of its group left), which
 * is exactly when the host would start it too: that run finishes at once,
 * with its on_exit before the successor's on_start, and frees the slot the
 * successor takes. A run qualifies only where that holds: its output is
 * not captured (a drain would hold its end), it has no readiness check (a
 * probe is a process of the helper's too, whose end must not wait behind
 * the successor's start), it is not restarted after a success, and no
 * strategy stops others when it ends. */
#include "ahead.h"

#include "queue.h"
#include "readyspec.h"
#include "supervisor.h"
#include "worker.h"

static int qualifies(const uvsup_run_t* run) {
  const uvsup_t* sup = run->sup;
  const uvsup_worker_t* w = run->worker;
  return sup->opts.spawn_ahead && sup->opts.max_running != 0 &&
         sup->spawner != NULL && sup->spawner->can_spawn_ahead &&
         sup->opts.strategy == UVSUP_STRATEGY_ONE_FOR_ONE &&
         w->restart != UVSUP_RESTART_ALWAYS && !run->captured &&
         w->ready.spec.kind == READY_NONE && run->phase == RUN_RUNNING &&
         run->successor == NULL;
}

void uvsup__ahead_offer(uvsup_run_t* run) {
  if (qualifies(run)) {
    uvsup__list_push_back(&run->sup->ahead_slots, &run->ahead_link);
    uvsup__ahead_fill(run->sup);
  }
}

void uvsup__ahead_withdraw(uvsup_run_t* run) {
  if (uvsup__list_linked(&run->ahead_link)) {
    uvsup__list_remove(&run->ahead_link);
  }
}

void uvsup__ahead_fill(uvsup_t* sup) {
  while (uvsup__sup_may_start(sup) && sup->running >= sup->opts.max_running &&
         !uvsup__list_empty(&sup->ahead_slots)) {
    uvsup_run_t* trigger =
        uvsup__list_entry(sup->ahead_slots.next, uvsup_run_t, ahead_link);
    uvsup__list_remove(&trigger->ahead_link);
    if (!qualifies(trigger)) {
      continue; /* stopping, say: its end frees the slot the usual way */
    }
    uvsup_link_t* link;
    if (!uvsup__queue_take(&sup->queue, &link)) {
      uvsup__list_push_front(&sup->ahead_slots, &trigger->ahead_link);
      return;
    }
    uvsup__worker_start(uvsup__list_entry(link, uvsup_worker_t, line), trigger);
  }
}

void uvsup__ahead_link(uvsup_run_t* trigger, uvsup_run_t* successor) {
  trigger->successor = successor;
  successor->trigger = trigger;
  successor->asked_ahead = 1;
  successor->sup->ahead_waiting++;
}

void uvsup__ahead_answered(uvsup_run_t* successor) {
  if (!successor->asked_ahead) {
    return;
  }
  successor->asked_ahead = 0;
  successor->sup->ahead_waiting--;
  if (successor->proc.ahead_started) {
    successor->sup->summary.spawned_ahead++;
  }
  if (successor->trigger != NULL) {
    successor->trigger->successor = NULL;
    successor->trigger = NULL;
  }
}

uvsup_run_t* uvsup__ahead_detach(uvsup_run_t* trigger, int* resume) {
  uvsup__ahead_withdraw(trigger);
  uvsup_run_t* successor = trigger->successor;
  *resume = 0;
  if (successor == NULL) {
    return NULL;
  }
  trigger->successor = NULL;
  successor->trigger = NULL;
  *resume = successor->proc.ahead_started;
  return *resume ? NULL : successor;
}

void uvsup__ahead_decide(uvsup_run_t* successor, int may_start) {
  if (successor->phase != RUN_SPAWNING || successor->proc.phase != PROC_ASKED) {
    return; /* answered meanwhile (a stop cancelled it, say) */
  }
  uvsup__proc_go(&successor->proc, may_start);
}
