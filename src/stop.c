/* Stopping a run: the timeout, the stop signal to the worker's process group,
 * the grace, SIGKILL, and the leftovers of a group whose main process exited.
 * One uv_timer_t per run serves all of them; the run's phase says which. */
#include "stop.h"

#include <signal.h>

#include "supervisor.h"

/* Once SIGKILL has gone to a leftover group, how long to keep watching it
 * before giving up: only a process stuck in uninterruptible sleep survives
 * SIGKILL that long, and it must not hold up the summary forever. */
#define GROUP_AFTER_KILL_MS 1000
/* Leftover groups are checked at growing intervals up to this. */
#define GROUP_CHECK_MAX_MS  100

static void on_timer(uv_timer_t* timer);

static uv_loop_t* loop_of(const uvsup_run_t* run) {
  return run->timer.loop;
}

/* Starts the run's timer ms from now. The loop's clock was read at the start
 * of this turn, which may have been long (many workers, much output): read
 * it again, so no grace or timeout is cut short. */
static void arm(uvsup_run_t* run, uint64_t ms) {
  uv_update_time(loop_of(run));
  uv_timer_start(&run->timer, on_timer, ms, 0);
}

/* Each worker leads its own session, so its pid is also its group id. */
static int signal_group(uvsup_run_t* run, int signum) {
  return uvsup__proc_signal(&run->proc, signum);
}

static void kill_before_exit(uvsup_run_t* run) {
  uv_timer_stop(&run->timer);
  run->phase = RUN_KILLING;
  signal_group(run, SIGKILL);
}

void uvsup__stop_spawned(uvsup_run_t* run) {
  if (run->phase != RUN_SPAWNING) {
    return; /* stopped before the helper's answer: the grace runs */
  }
  run->phase = RUN_RUNNING;
  if (run->timeout_ms > 0) {
    arm(run, run->timeout_ms); /* counts from after the fork */
  }
}

/* The first step of the stop sequence; later calls only escalate. */
static void begin_stop(uvsup_run_t* run, int signum) {
  switch (run->phase) {
  case RUN_SPAWNING: /* the helper gets it right after the spawn */
  case RUN_RUNNING:
    if (signum == SIGKILL || signal_group(run, signum) != 0) {
      /* A stop signal that cannot be sent must not leave it running. */
      kill_before_exit(run);
      return;
    }
    /* A stopped process (SIGSTOP, SIGTSTP) would hold the signal pending
     * until it is continued; continue it so the grace is spent on shutting
     * down. */
    if (signum != SIGCONT) {
      signal_group(run, SIGCONT);
    }
    run->phase = RUN_STOPPING;
    arm(run, run->kill_after_ms);
    return;
  case RUN_STOPPING:
    if (signum == SIGKILL) {
      kill_before_exit(run);
    }
    return;
  default:
    return;
  }
}

static void set_cause(uvsup_run_t* run, unsigned cause) {
  /* The first cause wins: a run that timed out and was then caught by a
   * shutdown still timed out. */
  if (!(run->causes & (RUN_STOP_REQUESTED | RUN_TIMED_OUT))) {
    run->causes |= cause;
  }
}

static void group_kill(uvsup_run_t* run, uint64_t now) {
  signal_group(run, SIGKILL);
  run->phase = RUN_GROUP_KILLING;
  run->group_deadline = now + GROUP_AFTER_KILL_MS;
  run->group_check_ms = 1;
}

/* The leftovers of a group are not our children, so no callback tells when
 * they are gone: ask the spawner at growing intervals (check_group), and on
 * each answer (uvsup__stop_group) escalate at the deadline, and give up on
 * zombies that nobody reaps. */
static void check_group(uvsup_run_t* run, int fresh) {
  run->querying = 1;
  uvsup__proc_query(&run->proc, fresh); /* last: it may answer at once */
}

void uvsup__stop_group(uvsup_run_t* run, int alive) {
  uvsup_t* sup = run->sup;
  run->querying = 0;
  /* The group is gone, or its id was reused by a new worker of ours. */
  if (!alive || uvsup_find_pid(sup, run->pid) != NULL) {
    uvsup__run_group_gone(run);
    return;
  }
  if (run->stop_leftovers) {
    /* It exited while running and left members behind: they get the stop
     * sequence too, so nothing outlives its worker. */
    run->stop_leftovers = 0;
    signal_group(run, run->stop_signal);
    signal_group(run, SIGCONT);
  }
  uv_update_time(sup->loop);
  uint64_t now = uv_now(sup->loop);
  if (now >= run->group_deadline) {
    if (run->phase == RUN_GROUP_KILLING) {
      uvsup__run_group_gone(run); /* only unkillable processes are left */
      return;
    }
    group_kill(run, now);
  }
  uint64_t wait = run->group_check_ms;
  if (now + wait > run->group_deadline) {
    wait = run->group_deadline - now;
  }
  arm(run, wait);
  run->group_check_ms *= 2;
  if (run->group_check_ms > GROUP_CHECK_MAX_MS) {
    run->group_check_ms = GROUP_CHECK_MAX_MS;
  }
}

static void on_timer(uv_timer_t* timer) {
  uvsup_run_t* run = timer->data;
  switch (run->phase) {
  case RUN_RUNNING:
    set_cause(run, RUN_TIMED_OUT);
    begin_stop(run, run->stop_signal);
    break;
  case RUN_STOPPING:
    kill_before_exit(run);
    break;
  case RUN_GROUP_STOPPING:
  case RUN_GROUP_KILLING:
    check_group(run, 0);
    break;
  case RUN_SPAWNING:
  case RUN_KILLING:
  case RUN_DRAINING:
  case RUN_CLOSING:
    break; /* the timer is not armed in these */
  }
}

void uvsup__stop_request(uvsup_run_t* run, int signum) {
  switch (run->phase) {
  case RUN_SPAWNING:
  case RUN_RUNNING:
  case RUN_STOPPING:
  case RUN_KILLING:
    set_cause(run, RUN_STOP_REQUESTED);
    begin_stop(run, signum);
    return;
  case RUN_GROUP_STOPPING:
    /* Only an escalation concerns a group whose main process is gone. */
    if (signum == SIGKILL) {
      run->group_deadline = uv_now(loop_of(run));
      if (!run->querying) {
        arm(run, 0); /* else the answer escalates */
      }
    }
    return;
  case RUN_GROUP_KILLING:
  case RUN_DRAINING:
  case RUN_CLOSING:
    return; /* never signal a pid after its exit callback */
  }
}

void uvsup__stop_exited(uvsup_run_t* run, int gone) {
  uvsup_t* sup = run->sup;
  uint64_t grace = run->kill_after_ms;
  if (run->phase == RUN_STOPPING) {
    grace = uv_timer_get_due_in(&run->timer);
  }
  uv_timer_stop(&run->timer);

  /* The leader is reaped; if its group still answers, others of it live on
   * (a background child, a daemon) and get the stop sequence too, so nothing
   * outlives its worker. The group id cannot have been reused while any
   * member is alive. */
  uv_update_time(sup->loop);
  uint64_t now = uv_now(sup->loop);
  run->group_check_ms = 1;
  if (run->phase == RUN_KILLING) {
    run->phase = RUN_GROUP_KILLING;
    run->group_deadline = now + GROUP_AFTER_KILL_MS;
  } else {
    run->stop_leftovers = run->phase == RUN_RUNNING;
    run->phase = RUN_GROUP_STOPPING;
    run->group_deadline = now + grace;
  }
  if (gone) {
    uvsup__run_group_gone(run); /* seen empty by the spawner at the reap */
    return;
  }
  /* The first look after the exit is fresh: a look taken earlier in this
   * loop turn, with other workers' exits, was seen to miss the members of
   * a group whose leader had just exited, and a member missed here is
   * never signalled. */
  check_group(run, 1);
}
