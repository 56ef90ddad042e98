/* The helper's news for its host, sent at once or held a moment. News the
 * host must act on goes out at once, behind whatever was held, in order.
 * The clean end of a run whose successor the helper started itself, while
 * another spawn already waits behind that successor, asks nothing of the
 * host: it is held until the next news, or UVSUP_OUTBOX_HOLD_MS at most.
 * At two workers at a time, with short jobs, that spares the host about
 * half of its wake-ups, and each wake-up took a CPU from a worker. */
#ifndef UVSUP_OUTBOX_H
#define UVSUP_OUTBOX_H

#include <uv.h>

#include "channel.h"
#include "proto.h"

#define UVSUP_OUTBOX_HOLD_MS  2
#define UVSUP_OUTBOX_HOLD_MAX 32 /* messages; one more sends them all */

typedef struct {
  uvsup_chan_t* chan;
  uv_timer_t timer;
  uvsup_wbuf_t held[UVSUP_OUTBOX_HOLD_MAX];
  int nheld;
} uvsup_outbox_t;

void uvsup__outbox_init(uvsup_outbox_t* box,
                        uv_loop_t* loop,
                        uvsup_chan_t* chan);
/* Sends what is held, then w. Takes w (a failed one is dropped). */
void uvsup__outbox_send(uvsup_outbox_t* box, uvsup_wbuf_t* w);
/* Holds w until the next send, the timer or a full box. Takes w. */
void uvsup__outbox_hold(uvsup_outbox_t* box, uvsup_wbuf_t* w);
/* Sends what is held. */
void uvsup__outbox_flush(uvsup_outbox_t* box);
/* The host is gone: what is held is dropped, and nothing more is sent. */
void uvsup__outbox_drop(uvsup_outbox_t* box);

#endif
