/* The queue of workers waiting to start: the concurrency limit, spawning in
 * slices of a loop turn, and the wait for descriptors after EMFILE. */
#ifndef UVSUP_QUEUE_H
#define UVSUP_QUEUE_H

#include <stdint.h>

#include <uv.h>

#include "list.h"

typedef struct {
  uvsup_link_t pending; /* workers to start, first in line first */
  uvsup_link_t fd_wait; /* workers waiting for a run to give descriptors */
  int starved;          /* a spawn ran out of descriptors: start nothing
                           until a run ends and gives some back */
  uint64_t slice_start; /* uv_hrtime() of this turn's first spawn, or 0 */
  uint64_t slice_ns;    /* how long a turn may spend spawning */
  uv_prepare_t turn;    /* marks each loop turn: a new slice */
} uvsup_queue_t;

void uvsup__queue_init(uvsup_queue_t* queue);
/* Opens and closes the queue's handle (never keeps the loop alive).
 * cheap: a spawn is a message to the spawn helper, not a fork of the host,
 * so a shorter slice holds the loop less and still sends many. */
void uvsup__queue_open(uvsup_queue_t* queue, uv_loop_t* loop, int cheap);
void uvsup__queue_close(uvsup_queue_t* queue);

/* What uvsup__queue_next() found. */
typedef enum {
  QUEUE_START = 0, /* *link is the next to start */
  QUEUE_IDLE,      /* nothing to start now; a later event will tell */
  QUEUE_NEXT_TURN  /* this turn's slice is spent: go on next turn */
} uvsup_queue_next_t;

/* Takes the next worker to start, if the limit and the slice allow. */
uvsup_queue_next_t uvsup__queue_next(uvsup_queue_t* queue,
                                     size_t running,
                                     unsigned max_running,
                                     uvsup_link_t** link);
/* Takes the next worker to start whatever the limit (a spawn asked
 * ahead, ahead.c); 0 when there is none or the queue is held. */
int uvsup__queue_take(uvsup_queue_t* queue, uvsup_link_t** link);
/* A run ran out of descriptors: hold the queue. */
void uvsup__queue_starve(uvsup_queue_t* queue);
/* link waits for descriptors; it goes first when they come back. */
void uvsup__queue_wait_fd(uvsup_queue_t* queue, uvsup_link_t* link);
/* A run has ended and given back its descriptors: those waiting go to the
 * front of the queue. */
void uvsup__queue_fd_returned(uvsup_queue_t* queue);

#endif
