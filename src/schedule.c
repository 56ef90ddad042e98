/* Workers due to start at a later time: a binary min-heap on (due, seq)
 * behind one timer, armed for the earliest. O(log n) per change. */
#include "schedule.h"

#include <stdlib.h>

static void on_timer(uv_timer_t* timer);

static int before(const uvsup_sched_entry_t* a, const uvsup_sched_entry_t* b) {
  return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void place(uvsup_sched_t* s, size_t i, uvsup_sched_entry_t* e) {
  s->heap[i] = e;
  e->index = i;
}

static void sift_up(uvsup_sched_t* s, size_t i) {
  uvsup_sched_entry_t* e = s->heap[i];
  while (i > 0 && before(e, s->heap[(i - 1) / 2])) {
    place(s, i, s->heap[(i - 1) / 2]);
    i = (i - 1) / 2;
  }
  place(s, i, e);
}

static void sift_down(uvsup_sched_t* s, size_t i) {
  uvsup_sched_entry_t* e = s->heap[i];
  for (;;) {
    size_t child = 2 * i + 1;
    if (child >= s->count) {
      break;
    }
    if (child + 1 < s->count && before(s->heap[child + 1], s->heap[child])) {
      child++;
    }
    if (!before(s->heap[child], e)) {
      break;
    }
    place(s, i, s->heap[child]);
    i = child;
  }
  place(s, i, e);
}

/* Arms the timer for the earliest entry, or stops it. */
static void rearm(uvsup_sched_t* s) {
  if (!s->open) {
    return;
  }
  if (s->count == 0) {
    uv_timer_stop(&s->timer);
    return;
  }
  uint64_t now = uv_now(s->timer.loop);
  uint64_t due = s->heap[0]->due;
  uv_timer_start(&s->timer, on_timer, due > now ? due - now : 0, 0);
}

void uvsup__sched_init(uvsup_sched_t* s, uvsup_sched_due_fn on_due) {
  s->heap = NULL;
  s->count = s->capacity = 0;
  s->open = 0;
  s->on_due = on_due;
}

void uvsup__sched_entry_init(uvsup_sched_entry_t* e, uint64_t seq) {
  e->due = 0;
  e->seq = seq;
  e->index = SCHED_NONE;
}

void uvsup__sched_open(uvsup_sched_t* s, uv_loop_t* loop) {
  uv_timer_init(loop, &s->timer);
  s->timer.data = s;
  s->open = 1;
  rearm(s);
}

void uvsup__sched_close(uvsup_sched_t* s) {
  s->open = 0;
  uv_close((uv_handle_t*)&s->timer, NULL);
}

int uvsup__sched_reserve(uvsup_sched_t* s, size_t n) {
  if (n <= s->capacity) {
    return 0;
  }
  size_t capacity = s->capacity ? s->capacity : 16;
  while (capacity < n) {
    capacity *= 2;
  }
  uvsup_sched_entry_t** heap = realloc(s->heap, capacity * sizeof(*heap));
  if (heap == NULL) {
    return UV_ENOMEM;
  }
  s->heap = heap;
  s->capacity = capacity;
  return 0;
}

void uvsup__sched_add(uvsup_sched_t* s, uvsup_sched_entry_t* e, uint64_t due) {
  e->due = due;
  place(s, s->count++, e);
  sift_up(s, e->index);
  rearm(s);
}

void uvsup__sched_remove(uvsup_sched_t* s, uvsup_sched_entry_t* e) {
  size_t i = e->index;
  if (i == SCHED_NONE) {
    return;
  }
  e->index = SCHED_NONE;
  uvsup_sched_entry_t* last = s->heap[--s->count];
  if (i < s->count) {
    place(s, i, last);
    sift_down(s, i);
    sift_up(s, last->index);
  }
  rearm(s);
}

int uvsup__sched_pending(const uvsup_sched_entry_t* e) {
  return e->index != SCHED_NONE;
}

static void on_timer(uv_timer_t* timer) {
  uvsup_sched_t* s = timer->data;
  uint64_t now = uv_now(timer->loop);
  /* Every entry due now, earliest first; a callback may add or remove. */
  while (s->count > 0 && s->heap[0]->due <= now) {
    uvsup_sched_entry_t* e = s->heap[0];
    uvsup__sched_remove(s, e);
    s->on_due(s, e);
  }
  rearm(s);
}

void uvsup__sched_free(uvsup_sched_t* s) {
  free(s->heap);
  s->heap = NULL;
  s->count = s->capacity = 0;
}
