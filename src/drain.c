/* The end of a captured run's output: once the worker's group is gone, a
 * pipe still open is held by a process that escaped the group (a daemon),
 * and gets a grace of silence, bounded by a deadline, before it is closed. */
#include "capture.h"

/* Reads extend the grace by up to this much past one grace. */
#define DRAIN_EXTRA_MS 1000

static void on_grace(uv_timer_t* timer);

/* The loop's clock was read at the start of this turn, which may have been
 * long (many workers, much output): read it again, so no grace is cut. */
static void arm(uvsup_capture_t* cap, uint64_t ms) {
  uv_update_time(cap->grace.loop);
  uv_timer_start(&cap->grace, on_grace, ms, 0);
}

void uvsup__drain_timer_init(uvsup_capture_t* cap, uv_loop_t* loop) {
  uv_timer_init(loop, &cap->grace);
  cap->grace.data = cap;
}

void uvsup__drain_start(uvsup_capture_t* cap) {
  if (cap->phase != CAPTURE_READING) {
    return;
  }
  cap->phase = CAPTURE_DRAINING;
  arm(cap, cap->grace_ms);
  cap->deadline = uv_now(cap->grace.loop) + cap->grace_ms + DRAIN_EXTRA_MS;
}

void uvsup__drain_read(uvsup_capture_t* cap) {
  /* The grace is for pipes that stay silent and open, not for output still
   * being read out of them after the exit: a read starts it afresh, but
   * never past the deadline, or a process that escaped the group and keeps
   * writing would hold the run open for its whole life. */
  if (cap->phase != CAPTURE_DRAINING) {
    return;
  }
  uv_loop_t* loop = cap->grace.loop;
  uv_update_time(loop);
  uint64_t now = uv_now(loop);
  if (now < cap->deadline) {
    uint64_t left = cap->deadline - now;
    arm(cap, cap->grace_ms < left ? cap->grace_ms : left);
  }
}

void uvsup__drain_resumed(uvsup_capture_t* cap) {
  if (cap->phase != CAPTURE_DRAINING) {
    return;
  }
  /* Time spent paused was the consumer's, not the writer's: the output
   * waiting in the pipes gets a whole grace again. */
  uv_update_time(cap->grace.loop);
  uint64_t deadline = uv_now(cap->grace.loop) + cap->grace_ms + DRAIN_EXTRA_MS;
  if (deadline > cap->deadline) {
    cap->deadline = deadline;
  }
  arm(cap, cap->grace_ms);
}

static void on_grace(uv_timer_t* timer) {
  uvsup_capture_t* cap = timer->data;
  if (cap->phase != CAPTURE_DRAINING) {
    return;
  }
  if (uvsup__capture_paused(cap) && !(cap->flags & CAPTURE_FORCED)) {
    /* Unread because the consumer is slow, not because nobody writes:
     * wait for the resume, which starts the grace again. */
    return;
  }
  /* The grace is up for the writers that escaped, not for what they, or
   * the worker, already wrote: that is read before the pipes close. */
  uvsup__capture_read_pending(cap);
  uvsup__capture_close(cap);
}

void uvsup__drain_force(uvsup_capture_t* cap) {
  cap->flags |= CAPTURE_FORCED;
  /* A grace that ran out while paused is waiting for a resume that the
   * stop no longer needs. */
  if (cap->phase == CAPTURE_DRAINING &&
      !uv_is_active((uv_handle_t*)&cap->grace)) {
    arm(cap, 0);
  }
}
