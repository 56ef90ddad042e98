/* The supervisor: the API facade, its lifecycle, pumping the queue, and
 * on_done once every worker is finished and every handle closed. */
#include "supervisor.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "worker.h"

static void pump(uvsup_t* sup);
static void check_done(uvsup_t* sup);
static void on_idle(uv_idle_t* idle);

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
  s->sink.sup = s;
  s->sink.on_output = s->opts.on_output;
  s->sink.lines = s->opts.output_lines;
  uvsup__queue_init(&s->queue);
  uvsup__list_init(&s->all);
  uvsup__list_init(&s->live);
  uvsup__list_init(&s->skipped);
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

static int match_pid(const void* item, const void* key) {
  const uvsup_worker_t* worker = item;
  return worker->run != NULL && worker->run->pid == *(const int*)key;
}

uvsup_worker_t* uvsup_find_pid(uvsup_t* sup, int pid) {
  return uvsup__table_find(&sup->by_pid, uvsup__hash_int((uint32_t)pid),
                           match_pid, &pid);
}

static int options_valid(const uvsup_t* sup,
                         const uvsup_worker_options_t* opts) {
  return opts != NULL && opts->file != NULL && opts->file[0] != '\0' &&
         (opts->name == NULL || opts->name[0] != '\0') &&
         opts->stop_signal > 0 && opts->stop_signal < 65 &&
         (unsigned)opts->output <= UVSUP_OUTPUT_CAPTURE &&
         (opts->output != UVSUP_OUTPUT_CAPTURE || sup->opts.on_output != NULL);
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
  if (!options_valid(sup, opts)) {
    return UV_EINVAL;
  }
  const char* name = opts->name != NULL ? opts->name : opts->file;
  if (uvsup_find_name(sup, name) != NULL) {
    return UVSUP_EDUPNAME;
  }
  uvsup_worker_t* w;
  int err = uvsup__worker_new(sup, opts, &w);
  if (err != 0) {
    return err;
  }
  err = uvsup__table_insert(&sup->by_name, w->name_hash, w);
  if (err != 0) {
    uvsup__worker_free(w);
    return err;
  }
  uvsup__list_push_back(&sup->all, &w->all);
  uvsup__list_push_back(&sup->queue.pending, &w->line);
  sup->unfinished++;
  if (worker != NULL) {
    *worker = w;
  }
  pump(sup);
  return 0;
}

void uvsup__sup_wake(uvsup_t* sup) {
  if (sup->state == SUP_STARTED) {
    uv_idle_start(&sup->idle, on_idle);
  }
}

void uvsup__sup_worker_finished(uvsup_t* sup, uvsup_worker_t* w) {
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
  /* on_exit may have added or stopped workers; a freed slot goes to the
   * next in the queue. */
  pump(sup);
  check_done(sup);
}

static void pump(uvsup_t* sup) {
  if (sup->state != SUP_STARTED || sup->stopping) {
    return;
  }
  for (;;) {
    uvsup_link_t* link;
    switch (uvsup__queue_next(&sup->queue, sup->running, sup->opts.max_running,
                              &link)) {
    case QUEUE_START:
      uvsup__worker_start(uvsup__list_entry(link, uvsup_worker_t, line));
      break;
    case QUEUE_NEXT_TURN:
      uvsup__sup_wake(sup);
      return;
    case QUEUE_IDLE:
      return;
    }
  }
}

static void on_idle(uv_idle_t* idle) {
  uvsup_t* sup = idle->data;
  uv_idle_stop(idle);
  sup->queue.slice_start = 0;
  while (!uvsup__list_empty(&sup->skipped)) {
    uvsup_link_t* link = sup->skipped.next;
    uvsup__list_remove(link);
    uvsup__worker_report_skipped(uvsup__list_entry(link, uvsup_worker_t, line));
  }
  pump(sup); /* the next slice */
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
    uvsup__queue_close(&sup->queue);
    uv_close((uv_handle_t*)&sup->idle, on_idle_close);
  }
}

/* Every worker still waiting to start will never run. */
static void skip_waiting(uvsup_t* sup) {
  uvsup_link_t* lists[] = { &sup->queue.pending, &sup->queue.fd_wait };
  for (size_t i = 0; i < 2; i++) {
    while (!uvsup__list_empty(lists[i])) {
      uvsup__worker_skip(
          uvsup__list_entry(lists[i]->next, uvsup_worker_t, line));
    }
  }
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
  uvsup__queue_open(&sup->queue, sup->loop);
  sup->state = SUP_STARTED;
  sup->start_ns = uv_hrtime();
  if (sup->stopping) {
    skip_waiting(sup);
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
    skip_waiting(sup);
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
  for (uvsup_link_t* l = sup->live.next; l != &sup->live; l = l->next) {
    uvsup__worker_stop(uvsup__list_entry(l, uvsup_worker_t, live), signum);
  }
  return 0;
}

int uvsup_stop_worker(uvsup_worker_t* worker, int signum) {
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  return uvsup__worker_stop(worker, signum);
}

static int set_paused(uvsup_worker_t* worker, int paused) {
  uvsup_run_t* run = worker->run;
  if (run == NULL || !run->captured || run->spawn_error != 0) {
    return UVSUP_ESTATE;
  }
  return uvsup__capture_set_paused(&run->capture, paused);
}

int uvsup_worker_pause_output(uvsup_worker_t* worker) {
  return set_paused(worker, 1);
}

int uvsup_worker_resume_output(uvsup_worker_t* worker) {
  return set_paused(worker, 0);
}

int uvsup_free(uvsup_t* sup) {
  if (sup == NULL) {
    return 0;
  }
  if (sup->state == SUP_STARTED || sup->state == SUP_CLOSING) {
    return UVSUP_ESTATE;
  }
  while (!uvsup__list_empty(&sup->all)) {
    uvsup_link_t* link = sup->all.next;
    uvsup__list_remove(link);
    uvsup__worker_free(uvsup__list_entry(link, uvsup_worker_t, all));
  }
  uvsup__table_free(&sup->by_pid);
  uvsup__table_free(&sup->by_name);
  uvsup__output_sink_free(&sup->sink);
  uvsup__group_scan_free(&sup->group_scan);
  free(sup);
  return 0;
}

const char* uvsup_worker_name(const uvsup_worker_t* worker) {
  return worker->spec->name;
}

int uvsup_worker_pid(const uvsup_worker_t* worker) {
  return worker->run != NULL ? uvsup__run_live_pid(worker->run) : 0;
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
  for (uvsup_link_t* l = sup->live.next; l != &sup->live; l = l->next) {
    cb(uvsup__list_entry(l, uvsup_worker_t, live), arg);
  }
}

uint64_t uvsup_worker_start_ns(const uvsup_worker_t* worker) {
  return worker->run != NULL ? worker->run->start_ns : worker->result.start_ns;
}
