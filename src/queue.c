/* The queue of workers waiting to start: the concurrency limit, spawning in
 * slices of a loop turn, and the wait for descriptors after EMFILE. */
#include "queue.h"

/* Spawning stops for this loop turn once it has taken this long (at least
 * one spawn always goes): fork's cost grows with the host's memory, and an
 * embedding service's loop must not stall for a whole queue. */
#define SPAWN_SLICE_NS (5 * 1000 * 1000)
/* The same through the spawn helper, where a spawn costs the host tens of
 * microseconds: about 20-50 spawns per turn. */
#define SEND_SLICE_NS  (1000 * 1000)

void uvsup__queue_init(uvsup_queue_t* q) {
  uvsup__list_init(&q->pending);
  uvsup__list_init(&q->fd_wait);
}

static void on_turn(uv_prepare_t* turn) {
  ((uvsup_queue_t*)turn->data)->slice_start = 0;
}

void uvsup__queue_open(uvsup_queue_t* q, uv_loop_t* loop, int cheap) {
  q->slice_ns = cheap ? SEND_SLICE_NS : SPAWN_SLICE_NS;
  uv_prepare_init(loop, &q->turn);
  q->turn.data = q;
  uv_prepare_start(&q->turn, on_turn);
  uv_unref((uv_handle_t*)&q->turn);
}

void uvsup__queue_close(uvsup_queue_t* q) {
  uv_close((uv_handle_t*)&q->turn, NULL);
}

uvsup_queue_next_t uvsup__queue_next(uvsup_queue_t* q,
                                     size_t running,
                                     unsigned max_running,
                                     uvsup_link_t** link) {
  if (q->starved || uvsup__list_empty(&q->pending) ||
      (max_running != 0 && running >= max_running)) {
    return QUEUE_IDLE;
  }
  /* A slice at a time: between slices the loop reads output, frees what
   * ended and hears a Ctrl-C, even when thousands are queued with no
   * limit. */
  uint64_t now = uv_hrtime();
  if (q->slice_start == 0) {
    q->slice_start = now;
  } else if (now - q->slice_start > q->slice_ns) {
    return QUEUE_NEXT_TURN;
  }
  *link = q->pending.next;
  uvsup__list_remove(*link);
  return QUEUE_START;
}

int uvsup__queue_take(uvsup_queue_t* q, uvsup_link_t** link) {
  if (q->starved || uvsup__list_empty(&q->pending)) {
    return 0;
  }
  *link = q->pending.next;
  uvsup__list_remove(*link);
  return 1;
}

void uvsup__queue_starve(uvsup_queue_t* q) {
  q->starved = 1;
}

void uvsup__queue_wait_fd(uvsup_queue_t* q, uvsup_link_t* link) {
  uvsup__list_push_back(&q->fd_wait, link);
}

void uvsup__queue_fd_returned(uvsup_queue_t* q) {
  q->starved = 0;
  /* Those that waited go first, in the order they came. */
  uvsup__list_splice_back(&q->fd_wait, &q->pending);
  uvsup__list_splice_back(&q->pending, &q->fd_wait);
}
