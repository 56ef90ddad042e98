/* Workers due to start at a later time (restart backoff): one min-heap of
 * due times behind one timer per supervisor, so a worker waiting to restart
 * owns no handle and uvsup_free() stays synchronous. */
#ifndef UVSUP_SCHEDULE_H
#define UVSUP_SCHEDULE_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

typedef struct {
  uint64_t due; /* uv_now() at which it is due */
  uint64_t seq; /* ties go in this order (the order workers were added) */
  size_t index; /* place in the heap, or SCHED_NONE */
} uvsup_sched_entry_t;

#define SCHED_NONE ((size_t)-1)

typedef struct uvsup_sched_s uvsup_sched_t;
/* An entry is due; it has left the heap. */
typedef void (*uvsup_sched_due_fn)(uvsup_sched_t* sched,
                                   uvsup_sched_entry_t* entry);

struct uvsup_sched_s {
  uvsup_sched_entry_t** heap;
  size_t count;
  size_t capacity;
  uv_timer_t timer;
  int open;
  uvsup_sched_due_fn on_due;
};

void uvsup__sched_init(uvsup_sched_t* sched, uvsup_sched_due_fn on_due);
void uvsup__sched_entry_init(uvsup_sched_entry_t* entry, uint64_t seq);
/* The timer handle lives from open to close (closed before on_done). */
void uvsup__sched_open(uvsup_sched_t* sched, uv_loop_t* loop);
void uvsup__sched_close(uvsup_sched_t* sched);
/* Makes room for n entries, so adding cannot fail. Returns 0 or
 * UV_ENOMEM. */
int uvsup__sched_reserve(uvsup_sched_t* sched, size_t n);
/* Schedules entry at due (uv_now() time); room must be reserved. */
void uvsup__sched_add(uvsup_sched_t* sched,
                      uvsup_sched_entry_t* entry,
                      uint64_t due);
void uvsup__sched_remove(uvsup_sched_t* sched, uvsup_sched_entry_t* entry);
int uvsup__sched_pending(const uvsup_sched_entry_t* entry);
void uvsup__sched_free(uvsup_sched_t* sched);

#endif
