/* Sending the helper's news now or a moment later: see outbox.h. */
#include "outbox.h"

static void on_timer(uv_timer_t* timer) {
  uvsup__outbox_flush(timer->data);
}

void uvsup__outbox_init(uvsup_outbox_t* box,
                        uv_loop_t* loop,
                        uvsup_chan_t* chan) {
  box->chan = chan;
  box->nheld = 0;
  uv_timer_init(loop, &box->timer);
  box->timer.data = box;
}

static void put(uvsup_outbox_t* box, uvsup_wbuf_t* w) {
  if (!w->failed && box->chan != NULL) {
    uvsup__chan_send(box->chan, w->data, w->len, NULL, 0);
  }
  uvsup__wbuf_free(w);
}

void uvsup__outbox_flush(uvsup_outbox_t* box) {
  for (int i = 0; i < box->nheld; i++) {
    put(box, &box->held[i]);
  }
  box->nheld = 0;
  uv_timer_stop(&box->timer);
}

void uvsup__outbox_send(uvsup_outbox_t* box, uvsup_wbuf_t* w) {
  uvsup__outbox_flush(box);
  put(box, w);
}

void uvsup__outbox_hold(uvsup_outbox_t* box, uvsup_wbuf_t* w) {
  if (box->nheld == UVSUP_OUTBOX_HOLD_MAX) {
    uvsup__outbox_flush(box);
  }
  box->held[box->nheld++] = *w; /* the buffer moves in */
  uvsup__wbuf_init(w);
  if (!uv_is_active((uv_handle_t*)&box->timer)) {
    uv_timer_start(&box->timer, on_timer, UVSUP_OUTBOX_HOLD_MS, 0);
  }
}

void uvsup__outbox_drop(uvsup_outbox_t* box) {
  box->chan = NULL;
  uvsup__outbox_flush(box);
}
