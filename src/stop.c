/* Stopping a run: the timeout, the stop signal to the worker's process group,
 * the grace, SIGKILL, and the leftovers of a group whose main process exited.
 * One uv_timer_t per run serves all of them. */
#include <errno.h>
#include <signal.h>

#include "internal.h"

/* Once SIGKILL has gone to a leftover group, how long to keep watching it
 * before giving up: only a process stuck in uninterruptible sleep survives
 * SIGKILL that long, and it must not hold up the summary forever. */
#define GROUP_AFTER_KILL_MS 1000
/* Leftover groups are checked at growing intervals up to this. */
#define GROUP_CHECK_MAX_MS  100
/* Reads extend the drain grace by up to this much past one grace. */
#define DRAIN_EXTRA_MS      1000

static void on_timer(uv_timer_t* timer);

/* Starts the run's timer ms from now. The loop's clock was read at the start
 * of this turn, which may have been long (many workers, much output): read
 * it again, so no grace or timeout is cut short. */
static void arm(uvsup_run_t* run, uint64_t ms) {
  uv_update_time(run->worker->sup->loop);
  uv_timer_start(&run->timer, on_timer, ms, 0);
}

/* Each worker leads its own session, so its pid is also its group id. */
static int signal_group(const uvsup_run_t* run, int signum) {
  return kill(-run->pid, signum) == 0 ? 0 : -errno;
}

static void send_kill(uvsup_run_t* run) {
  run->flags |= RUN_KILL_SENT;
  signal_group(run, SIGKILL);
}

void uvsup__run_arm_timeout(uvsup_run_t* run) {
  if (run->worker->timeout_ms > 0) {
    arm(run, run->worker->timeout_ms); /* counts from after the fork */
  }
}

/* The first step of the stop sequence; later calls only escalate. */
static void begin_stop(uvsup_run_t* run, int signum) {
  if (run->flags & RUN_KILL_SENT) {
    return;
  }
  if (signum == SIGKILL) {
    uv_timer_stop(&run->timer);
    send_kill(run);
    return;
  }
  if (run->flags & RUN_STOP_SENT) {
    return;
  }
  if (signal_group(run, signum) != 0) {
    /* A stop signal that cannot be sent must not leave the worker running. */
    uv_timer_stop(&run->timer);
    send_kill(run);
    return;
  }
  /* A stopped process (SIGSTOP, SIGTSTP) would hold the signal pending until
   * it is continued; continue it so the grace is spent on shutting down. */
  if (signum != SIGCONT) {
    signal_group(run, SIGCONT);
  }
  run->flags |= RUN_STOP_SENT;
  arm(run, run->worker->kill_after_ms);
}

static void set_cause(uvsup_run_t* run, unsigned cause) {
  /* The first cause wins: a run that timed out and was then caught by a
   * shutdown still timed out. */
  if (!(run->flags & (RUN_STOP_REQUESTED | RUN_TIMED_OUT))) {
    run->flags |= cause;
  }
}

/* Nothing of the worker's group is left. Its pipes close at EOF, unless a
 * process that left the group (setsid) holds them: that gets the grace, no
 * more, before uvsup closes its ends. */
static void group_done(uvsup_run_t* run) {
  run->flags &= ~(unsigned)RUN_REAPING_GROUP;
  if (uvsup__capture_open(run) > 0) {
    run->flags |= RUN_DRAINING;
    arm(run, run->worker->kill_after_ms);
    run->drain_deadline = uv_now(run->worker->sup->loop) +
                          run->worker->kill_after_ms + DRAIN_EXTRA_MS;
  } else {
    uvsup__run_close_handle((uv_handle_t*)&run->timer);
  }
}

void uvsup__run_output_read(uvsup_run_t* run) {
  /* The grace is for pipes that stay silent and open, not for output still
   * being read out of them after the exit: a read starts it afresh, but
   * never past the deadline, or a process that escaped the group and keeps
   * writing would hold the run open for its whole life. */
  if (!(run->flags & RUN_DRAINING) ||
      uv_is_closing((uv_handle_t*)&run->timer)) {
    return;
  }
  uv_loop_t* loop = run->worker->sup->loop;
  uv_update_time(loop);
  uint64_t now = uv_now(loop);
  if (now < run->drain_deadline) {
    uint64_t left = run->drain_deadline - now;
    uint64_t grace = run->worker->kill_after_ms;
    arm(run, grace < left ? grace : left);
  }
}

void uvsup__run_output_resumed(uvsup_run_t* run) {
  if (!(run->flags & RUN_DRAINING) ||
      uv_is_closing((uv_handle_t*)&run->timer)) {
    return;
  }
  /* Time spent paused was the consumer's, not the writer's: the output
   * waiting in the pipes gets a whole grace again. */
  uv_update_time(run->worker->sup->loop);
  uint64_t deadline = uv_now(run->worker->sup->loop) +
                      run->worker->kill_after_ms + DRAIN_EXTRA_MS;
  if (deadline > run->drain_deadline) {
    run->drain_deadline = deadline;
  }
  arm(run, run->worker->kill_after_ms);
}

void uvsup__run_output_closed(uvsup_run_t* run) {
  if ((run->flags & RUN_EXITED) && !(run->flags & RUN_REAPING_GROUP) &&
      uvsup__capture_open(run) == 0) {
    uvsup__run_close_handle((uv_handle_t*)&run->timer);
  }
}

/* The leftovers of a group are not our children, so no callback tells when
 * they are gone: check at growing intervals, escalate at the deadline, and
 * give up on zombies that nobody reaps. */
static void check_group(uvsup_run_t* run) {
  uvsup_t* sup = run->worker->sup;
  /* The group is gone, or its id was reused by a new worker of ours. */
  if (!uvsup__group_alive(sup, run->pid) ||
      uvsup_find_pid(sup, run->pid) != NULL) {
    group_done(run);
    return;
  }
  uint64_t now = uv_now(sup->loop);
  if (!(run->flags & RUN_KILL_SENT) && now >= run->group_deadline) {
    send_kill(run);
    run->group_deadline = now + GROUP_AFTER_KILL_MS;
    run->group_check_ms = 1;
  } else if ((run->flags & RUN_KILL_SENT) && now >= run->group_deadline) {
    group_done(run);
    return;
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
  if (run->flags & RUN_REAPING_GROUP) {
    check_group(run);
  } else if (run->flags & RUN_DRAINING) {
    if (run->flags & RUN_OUTPUT_PAUSED) {
      /* Unread because the consumer is slow, not because nobody writes:
       * wait for the resume, which starts the grace again. */
    } else {
      uvsup__capture_close(run);
    }
  } else if (run->flags & RUN_EXITED) {
    return;
  } else if (!(run->flags & RUN_STOP_SENT)) {
    set_cause(run, RUN_TIMED_OUT);
    begin_stop(run, run->worker->stop_signal);
  } else {
    send_kill(run);
  }
}

void uvsup__run_stop(uvsup_run_t* run, int signum) {
  if (run->flags & RUN_REAPING_GROUP) {
    /* Only an escalation concerns a group whose main process is gone. */
    if (signum == SIGKILL && !(run->flags & RUN_KILL_SENT)) {
      run->group_deadline = uv_now(run->worker->sup->loop);
      arm(run, 0);
    }
    return;
  }
  if (run->flags & RUN_EXITED) {
    return; /* never signal a pid after its exit callback */
  }
  set_cause(run, RUN_STOP_REQUESTED);
  begin_stop(run, signum);
}

void uvsup__run_exited(uvsup_run_t* run) {
  uvsup_worker_t* worker = run->worker;
  uvsup_t* sup = worker->sup;
  uv_loop_t* loop = sup->loop;
  uint64_t grace = worker->kill_after_ms;
  if (run->flags & RUN_STOP_SENT) {
    grace = uv_timer_get_due_in(&run->timer);
  }
  uv_timer_stop(&run->timer);

  /* The leader is reaped; if its group still answers, others of it live on
   * (a background child, a daemon) and get the stop sequence too, so nothing
   * outlives its worker. The group id cannot have been reused while any
   * member is alive. */
  if (!uvsup__group_alive(sup, run->pid)) {
    group_done(run);
    return;
  }
  run->flags |= RUN_REAPING_GROUP;
  if (!(run->flags & (RUN_STOP_SENT | RUN_KILL_SENT))) {
    signal_group(run, worker->stop_signal);
    signal_group(run, SIGCONT);
    run->flags |= RUN_STOP_SENT;
  }
  uv_update_time(loop);
  run->group_deadline =
      uv_now(loop) + (run->flags & RUN_KILL_SENT ? GROUP_AFTER_KILL_MS : grace);
  run->group_check_ms = 1;
  check_group(run);
}
