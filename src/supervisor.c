/* The supervisor and each worker's state machine: add, queue under the
 * concurrency limit, start, stop, report, and on_done once all is closed. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* Spawning stops for this loop turn once it has taken this long (at least
 * one spawn always goes): fork's cost grows with the host's memory, and an
 * embedding service's loop must not stall for a whole queue. */
#define SPAWN_SLICE_NS (5 * 1000 * 1000)

static void pump(uvsup_t* sup);
static void check_done(uvsup_t* sup);
static void on_idle(uv_idle_t* idle);
static void skip_pending(uvsup_t* sup);

void uvsup_options_init(uvsup_options_t* opts) {
  memset(opts, 0, sizeof(*opts));
}

void uvsup_worker_options_init(uvsup_worker_options_t* opts) {
  memset(opts, 0, sizeof(*opts));
  opts->stop_signal = SIGTERM;
  opts->kill_after_ms = 5000;
}

int uvsup_new(uv_loop_t* loop, const uvsup_options_t* opts, uvsup_t** sup) {
  if (loop == NULL || sup == NULL) {
    return UV_EINVAL;
  }
  uvsup_t* s = calloc(1, sizeof(*s));
  if (s == NULL) {
    return UV_ENOMEM;
  }
  s->loop = loop;
  if (opts != NULL) {
    s->opts = *opts;
  } else {
    uvsup_options_init(&s->opts);
  }
  uvsup__table_init(&s->by_pid);
  uvsup__table_init(&s->by_name);
  *sup = s;
  return 0;
}

static int match_name(const void* item, const void* key) {
  return strcmp(((const uvsup_worker_t*)item)->spec->name, key) == 0;
}

uvsup_worker_t* uvsup_find_name(uvsup_t* sup, const char* name) {
  return uvsup__table_find(&sup->by_name, uvsup__hash_str(name), match_name,
                           name);
}

static void push_pending(uvsup_t* sup, uvsup_worker_t* worker) {
  worker->next_pending = NULL;
  if (sup->pending_tail != NULL) {
    sup->pending_tail->next_pending = worker;
  } else {
    sup->pending_head = worker;
  }
  sup->pending_tail = worker;
}

int uvsup_add(uvsup_t* sup,
              const uvsup_worker_options_t* opts,
              uvsup_worker_t** worker) {
  if (sup->state == SUP_CLOSING || sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  if (sup->stopping) {
    return UVSUP_ESTOPPING;
  }
  if (opts == NULL || opts->file == NULL || opts->file[0] == '\0' ||
      (opts->name != NULL && opts->name[0] == '\0') || opts->stop_signal <= 0 ||
      opts->stop_signal >= 65 ||
      (unsigned)opts->output > UVSUP_OUTPUT_CAPTURE ||
      (opts->output == UVSUP_OUTPUT_CAPTURE && sup->opts.on_output == NULL)) {
    return UV_EINVAL;
  }
  const char* name = opts->name != NULL ? opts->name : opts->file;
  if (uvsup_find_name(sup, name) != NULL) {
    return UVSUP_EDUPNAME;
  }

  uvsup_worker_t* w = calloc(1, sizeof(*w));
  if (w == NULL) {
    return UV_ENOMEM;
  }
  int err = uvsup__spec_new(opts, &w->spec);
  if (err != 0) {
    goto fail;
  }
  w->name_hash = uvsup__hash_str(w->spec->name);
  err = uvsup__table_insert(&sup->by_name, w->name_hash, w);
  if (err != 0) {
    goto fail;
  }
  w->sup = sup;
  w->data = opts->data;
  w->timeout_ms = opts->timeout_ms;
  w->kill_after_ms = opts->kill_after_ms;
  w->stop_signal = opts->stop_signal;
  w->output = opts->output;
  w->state = WORKER_PENDING;
  w->result.name = w->spec->name;
  w->result.data = w->data;
  w->result.exit_status = -1;

  if (sup->last_added != NULL) {
    sup->last_added->next_added = w;
  } else {
    sup->first_added = w;
  }
  sup->last_added = w;
  sup->unfinished++;
  push_pending(sup, w);
  if (worker != NULL) {
    *worker = w;
  }
  pump(sup);
  return 0;

fail:
  free(w->spec);
  free(w);
  return err;
}

static void wake(uvsup_t* sup) {
  if (sup->state == SUP_STARTED) {
    uv_idle_start(&sup->idle, on_idle);
  }
}

/* Queues a worker that will never run to be reported from the loop. */
static void skip(uvsup_worker_t* worker) {
  uvsup_t* sup = worker->sup;
  worker->state = WORKER_SKIPPED;
  worker->next_skipped = NULL;
  if (sup->skipped_tail != NULL) {
    sup->skipped_tail->next_skipped = worker;
  } else {
    sup->skipped_head = worker;
  }
  sup->skipped_tail = worker;
  wake(sup);
}

static void live_link(uvsup_t* sup, uvsup_worker_t* w) {
  w->prev_live = NULL;
  w->next_live = sup->live;
  if (sup->live != NULL) {
    sup->live->prev_live = w;
  }
  sup->live = w;
  sup->running++;
}

static void live_unlink(uvsup_t* sup, uvsup_worker_t* w) {
  if (w->prev_live != NULL) {
    w->prev_live->next_live = w->next_live;
  } else {
    sup->live = w->next_live;
  }
  if (w->next_live != NULL) {
    w->next_live->prev_live = w->prev_live;
  }
  w->prev_live = w->next_live = NULL;
  sup->running--;
}

static void classify(uvsup_worker_t* w, unsigned flags) {
  uvsup_result_t* r = &w->result;
  r->ok = 0;
  if (w->state == WORKER_SKIPPED) {
    r->end = r->error != 0 ? UVSUP_END_SPAWN_FAILED : UVSUP_END_NOT_STARTED;
  } else if (flags & RUN_SPAWN_FAILED) {
    r->end = UVSUP_END_SPAWN_FAILED;
  } else if (flags & RUN_TIMED_OUT) {
    r->end = UVSUP_END_TIMED_OUT;
  } else if (flags & RUN_STOP_REQUESTED) {
    r->end = UVSUP_END_STOPPED;
  } else if (r->term_signal != 0) {
    r->end = UVSUP_END_SIGNALED;
  } else {
    r->end = UVSUP_END_EXITED;
    r->ok = r->exit_status == 0;
  }
}

static void report(uvsup_worker_t* w, unsigned flags) {
  uvsup_t* sup = w->sup;
  classify(w, flags);
  w->state = WORKER_FINISHED;
  sup->unfinished--;
  sup->summary.workers++;
  if (w->result.ok) {
    sup->summary.succeeded++;
  } else if (w->result.end == UVSUP_END_STOPPED ||
             w->result.end == UVSUP_END_NOT_STARTED) {
    sup->summary.stopped++;
  } else {
    sup->summary.failed++;
  }
  if (sup->opts.on_exit != NULL) {
    sup->opts.on_exit(sup, w, &w->result);
  }
  /* The callback may have added or stopped workers; a freed slot goes to the
   * next in the queue. */
  pump(sup);
  check_done(sup);
}

void uvsup__run_finished(uvsup_run_t* run) {
  uvsup_worker_t* w = run->worker;
  uvsup_t* sup = w->sup;
  unsigned flags = run->flags;
  live_unlink(sup, w);
  w->run = NULL;
  free(run);
  if (flags & RUN_REQUEUE) {
    /* Out of file descriptors while others run: wait for one of them to
     * end, then try again, first in line. */
    w->state = WORKER_PENDING;
    w->next_pending = sup->pending_head;
    sup->pending_head = w;
    if (sup->pending_tail == NULL) {
      sup->pending_tail = w;
    }
    if (flags & RUN_STOP_REQUESTED) {
      sup->pending_head = w->next_pending;
      if (sup->pending_head == NULL) {
        sup->pending_tail = NULL;
      }
      skip(w);
    } else if (sup->stopping) {
      skip_pending(sup);
    } else if (!sup->fd_starved || sup->running == 0) {
      /* Those that held the descriptors are already gone. */
      sup->fd_starved = 0;
      wake(sup);
    }
    return;
  }
  sup->fd_starved = 0;
  report(w, flags);
}

static void start_worker(uvsup_t* sup, uvsup_worker_t* w) {
  w->state = WORKER_RUNNING;
  live_link(sup, w);
  int err = uvsup__run_spawn(w);
  if (err != 0) {
    /* Out of memory before anything was spawned: a per-worker failure. */
    live_unlink(sup, w);
    w->result.error = err;
    skip(w);
    return;
  }
  if (!(w->run->flags & RUN_SPAWN_FAILED) && sup->opts.on_start != NULL) {
    sup->opts.on_start(sup, w, w->run->pid);
  }
}

static void pump(uvsup_t* sup) {
  if (sup->state != SUP_STARTED || sup->fd_starved) {
    return;
  }
  /* A slice at a time: between slices the loop reads output, frees what
   * ended and hears a Ctrl-C, even when thousands are queued with no
   * limit. The slice is per loop turn: on_idle opens the next one. */
  while (sup->pending_head != NULL && !sup->stopping &&
         (sup->opts.max_running == 0 || sup->running < sup->opts.max_running)) {
    uint64_t now = uv_hrtime();
    if (sup->slice_start == 0) {
      sup->slice_start = now;
    } else if (now - sup->slice_start > SPAWN_SLICE_NS) {
      wake(sup);
      return;
    }
    uvsup_worker_t* w = sup->pending_head;
    sup->pending_head = w->next_pending;
    if (sup->pending_head == NULL) {
      sup->pending_tail = NULL;
    }
    w->next_pending = NULL;
    /* uvsup_stop_worker() leaves skipped workers in the queue. */
    if (w->state == WORKER_PENDING) {
      start_worker(sup, w);
    }
  }
}

static void on_turn(uv_prepare_t* turn) {
  ((uvsup_t*)turn->data)->slice_start = 0;
}

static void on_idle(uv_idle_t* idle) {
  uvsup_t* sup = idle->data;
  uv_idle_stop(idle);
  sup->slice_start = 0;
  while (sup->skipped_head != NULL) {
    uvsup_worker_t* w = sup->skipped_head;
    sup->skipped_head = w->next_skipped;
    if (sup->skipped_head == NULL) {
      sup->skipped_tail = NULL;
    }
    report(w, 0);
  }
  pump(sup); /* the next batch */
}

static void on_idle_close(uv_handle_t* handle) {
  uvsup_t* sup = handle->data;
  sup->state = SUP_DONE;
  sup->summary.duration_ns = uv_hrtime() - sup->start_ns;
  /* Last: the callback may free the supervisor. */
  if (sup->opts.on_done != NULL) {
    sup->opts.on_done(sup, &sup->summary);
  }
}

static void check_done(uvsup_t* sup) {
  if (sup->state == SUP_STARTED && sup->unfinished == 0) {
    sup->state = SUP_CLOSING;
    uv_close((uv_handle_t*)&sup->turn, NULL);
    uv_close((uv_handle_t*)&sup->idle, on_idle_close);
  }
}

/* Every worker still queued will never run. */
static void skip_pending(uvsup_t* sup) {
  for (uvsup_worker_t* w = sup->pending_head; w != NULL;) {
    uvsup_worker_t* next = w->next_pending;
    w->next_pending = NULL;
    if (w->state == WORKER_PENDING) {
      skip(w);
    }
    w = next;
  }
  sup->pending_head = sup->pending_tail = NULL;
}

int uvsup_start(uvsup_t* sup) {
  if (sup->state != SUP_IDLE) {
    return UVSUP_ESTATE;
  }
  int err = uv_idle_init(sup->loop, &sup->idle);
  if (err != 0) {
    return err;
  }
  sup->idle.data = sup;
  /* Marks each loop turn, for the spawning slice; never keeps the loop
   * alive by itself. */
  uv_prepare_init(sup->loop, &sup->turn);
  sup->turn.data = sup;
  uv_prepare_start(&sup->turn, on_turn);
  uv_unref((uv_handle_t*)&sup->turn);
  sup->state = SUP_STARTED;
  sup->start_ns = uv_hrtime();
  if (sup->stopping) {
    skip_pending(sup);
  }
  if (sup->skipped_head != NULL) {
    wake(sup);
  }
  pump(sup);
  check_done(sup);
  return 0;
}

int uvsup_drain(uvsup_t* sup) {
  if (sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  sup->stopping = 1;
  if (sup->state == SUP_STARTED) {
    skip_pending(sup);
  }
  return 0;
}

int uvsup_stop(uvsup_t* sup, int signum) {
  if (sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  uvsup_drain(sup);
  for (uvsup_worker_t* w = sup->live; w != NULL; w = w->next_live) {
    uvsup__run_stop(w->run, signum != 0 ? signum : w->stop_signal);
  }
  return 0;
}

int uvsup_stop_worker(uvsup_worker_t* worker, int signum) {
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  switch (worker->state) {
  case WORKER_PENDING:
    skip(worker);
    return 0;
  case WORKER_RUNNING:
    if (worker->run->flags & RUN_REQUEUE) {
      /* Waiting for descriptors to start again: it must not start. */
      worker->run->flags |= RUN_STOP_REQUESTED;
      return 0;
    }
    uvsup__run_stop(worker->run, signum != 0 ? signum : worker->stop_signal);
    return 0;
  case WORKER_SKIPPED:
    return 0;
  case WORKER_FINISHED:
    return UVSUP_ESTATE;
  }
  return UVSUP_ESTATE;
}

int uvsup_free(uvsup_t* sup) {
  if (sup == NULL) {
    return 0;
  }
  if (sup->state == SUP_STARTED || sup->state == SUP_CLOSING) {
    return UVSUP_ESTATE;
  }
  for (uvsup_worker_t* w = sup->first_added; w != NULL;) {
    uvsup_worker_t* next = w->next_added;
    free(w->spec);
    free(w);
    w = next;
  }
  uvsup__table_free(&sup->by_pid);
  uvsup__table_free(&sup->by_name);
  uvsup__capture_free(sup);
  uvsup__group_scan_free(sup);
  free(sup);
  return 0;
}

const char* uvsup_worker_name(const uvsup_worker_t* worker) {
  return worker->spec->name;
}

int uvsup_worker_pid(const uvsup_worker_t* worker) {
  const uvsup_run_t* run = worker->run;
  return run != NULL && !(run->flags & RUN_EXITED) ? run->pid : 0;
}

void* uvsup_worker_data(const uvsup_worker_t* worker) {
  return worker->data;
}

const uvsup_result_t* uvsup_worker_result(const uvsup_worker_t* worker) {
  return worker->state == WORKER_FINISHED ? &worker->result : NULL;
}

void* uvsup_get_data(const uvsup_t* sup) {
  return sup->opts.data;
}

uv_loop_t* uvsup_get_loop(const uvsup_t* sup) {
  return sup->loop;
}

size_t uvsup_running(const uvsup_t* sup) {
  return sup->running;
}

void uvsup_walk(uvsup_t* sup, uvsup_walk_cb cb, void* arg) {
  for (uvsup_worker_t* w = sup->live; w != NULL; w = w->next_live) {
    cb(w, arg);
  }
}

uint64_t uvsup_worker_start_ns(const uvsup_worker_t* worker) {
  return worker->result.start_ns;
}
