/* The supervisor: the API facade, its lifecycle, pumping the queue, the
 * strategies, and on_done once every worker is finished and every handle
 * closed. */
#include "supervisor.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "ahead.h"
#include "deps.h"
#include "run.h"
#include "stack.h"
#include "worker.h"

static void on_idle(uv_idle_t* idle);

#define WORKER_OF(link, member) uvsup__list_entry(link, uvsup_worker_t, member)

void uvsup_options_init(uvsup_options_t* opts) {
  memset(opts, 0, sizeof(*opts));
  opts->orphan_stop_signal = SIGTERM;
  opts->orphan_kill_after_ms = 5000;
}

void uvsup_worker_options_init(uvsup_worker_options_t* opts) {
  memset(opts, 0, sizeof(*opts));
  opts->stop_signal = SIGTERM;
  opts->kill_after_ms = 5000;
  opts->restart_delay_ms = 500;
  opts->restart_delay_max_ms = 30000;
  opts->restart_factor = 2.0;
  opts->restart_jitter = 0.1;
  opts->ready_timeout_ms = 60000;
  opts->min_uptime_ms = 1000;
  opts->start_retries = -1;
}


const char* uvsup_error_detail(const uvsup_t* sup) {
  return sup->detail != NULL ? sup->detail : "";
}

static void on_due(uvsup_sched_t* sched, uvsup_sched_entry_t* entry) {
  uvsup__worker_due(
      (uvsup_worker_t*)((char*)entry - offsetof(uvsup_worker_t, wake)));
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
  s->thread = pthread_self();
  s->rng = s->opts.seed != 0 ? s->opts.seed : uv_hrtime();
  s->sink.sup = s;
  s->sink.on_output = s->opts.on_output;
  s->sink.lines = s->opts.output_lines;
  uvsup__queue_init(&s->queue);
  uvsup__sched_init(&s->sched, on_due);
  uvsup__list_init(&s->all);
  uvsup__list_init(&s->live);
  uvsup__list_init(&s->ahead_slots);
  uvsup__list_init(&s->ahead_parked);
  uvsup__list_init(&s->skipped);
  uvsup__list_init(&s->to_release);
  uvsup__table_init(&s->by_pid);
  uvsup__table_init(&s->by_name);
  *sup = s;
  return 0;
}

static int match_name(const void* item, const void* key) {
  return strcmp(((const uvsup_worker_t*)item)->spec->name, key) == 0;
}

uvsup_worker_t* uvsup_find_name(uvsup_t* sup, const char* name) {
  UVSUP_ASSERT_THREAD(sup);
  return uvsup__table_find(&sup->by_name, uvsup__hash_str(name), match_name,
                           name);
}

static int match_pid(const void* item, const void* key) {
  const uvsup_worker_t* worker = item;
  return worker->run != NULL && worker->run->pid == *(const int*)key;
}

uvsup_worker_t* uvsup_find_pid(uvsup_t* sup, int pid) {
  UVSUP_ASSERT_THREAD(sup);
  return uvsup__table_find(&sup->by_pid, uvsup__hash_int((uint32_t)pid),
                           match_pid, &pid);
}

int uvsup_owns_pid(const uvsup_t* sup, int pid) {
  UVSUP_ASSERT_THREAD(sup);
  /* A worker's pid is in the table from its spawn to its exit: for one
   * spawned in-process, exactly while libuv still has to reap it. The
   * spawner knows the helper. */
  return uvsup__table_find(&sup->by_pid, uvsup__hash_int((uint32_t)pid),
                           match_pid, &pid) != NULL ||
         (sup->spawner != NULL && uvsup__spawner_owns_pid(sup->spawner, pid));
}

static int options_valid(const uvsup_t* sup,
                         const uvsup_worker_options_t* opts) {
  return opts != NULL && opts->file != NULL && opts->file[0] != '\0' &&
         (opts->name == NULL || opts->name[0] != '\0') &&
         opts->stop_signal > 0 && opts->stop_signal < 65 &&
         (unsigned)opts->output <= UVSUP_OUTPUT_CAPTURE &&
         (unsigned)opts->input <= UVSUP_INPUT_INHERIT &&
         (opts->output != UVSUP_OUTPUT_CAPTURE ||
          sup->opts.on_output != NULL) &&
         uvsup__worker_options_check(opts) == 0;
}

int uvsup_add(uvsup_t* sup,
              const uvsup_worker_options_t* opts,
              uvsup_worker_t** worker) {
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state >= SUP_ORPHANS) {
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
  /* Room in the schedule for every worker, so a restart never fails. */
  int err = uvsup__sched_reserve(&sup->sched, sup->workers + 1);
  if (err != 0) {
    return err;
  }
  uvsup_worker_t* w;
  err = uvsup__worker_new(sup, opts, sup->next_seq, &w);
  if (err != 0) {
    return err;
  }
  /* Once started, a dependency must exist already (so no cycle can form). */
  if (sup->state == SUP_STARTED && w->nedges > 0) {
    err = uvsup__stack_resolve(sup, w);
  }
  if (err == 0) {
    err = uvsup__table_insert(&sup->by_name, w->name_hash, w);
  }
  if (err != 0) {
    uvsup__worker_free(w);
    return err;
  }
  sup->next_seq++;
  sup->workers++;
  sup->unfinished++;
  uvsup__list_push_back(&sup->all, &w->all);
  if (worker != NULL) {
    *worker = w;
  }
  if (sup->state == SUP_STARTED && w->nedges > 0) {
    uvsup__worker_admit(w);
    return 0;
  }
  uvsup__list_push_back(&sup->queue.pending, &w->line);
  uvsup__sup_wake(sup); /* spawning happens from the loop */
  return 0;
}

void uvsup__sup_wake(uvsup_t* sup) {
  if (sup->state == SUP_STARTED) {
    uv_idle_start(&sup->idle, on_idle);
  }
}

void uvsup__sup_count(uvsup_t* sup, uvsup_worker_t* w, int sign) {
  if (w->counted == (sign > 0)) {
    return;
  }
  w->counted = sign > 0;
  const uvsup_result_t* r = &w->result;
  size_t* bucket = &sup->summary.failed;
  if (r->ok) {
    bucket = &sup->summary.succeeded;
  } else if (r->end == UVSUP_END_STOPPED || r->end == UVSUP_END_NOT_STARTED) {
    bucket = &sup->summary.stopped;
  }
  *bucket += (size_t)sign;
  sup->summary.workers += (size_t)sign;
  sup->unfinished -= (size_t)sign;
  if (r->end == UVSUP_END_GAVE_UP) {
    sup->summary.gave_up += (size_t)sign;
  }
}

void uvsup__sup_revive(uvsup_t* sup, uvsup_worker_t* w) {
  uvsup__sup_count(sup, w, -1);
}

void uvsup__sup_free_name(uvsup_t* sup, uvsup_worker_t* w) {
  if (!(w->causes & WORKER_NAME_FREED)) {
    w->causes |= WORKER_NAME_FREED;
    uvsup__table_remove(&sup->by_name, w->name_hash, w);
  }
}

void uvsup__sup_release(uvsup_t* sup, uvsup_worker_t* w) {
  uvsup__sup_free_name(sup, w);
  if (sup->walking > 0) {
    /* A walk of the workers is under way: freeing its next step would
     * leave it a dangling link. Freed when the walk ends. */
    if (!uvsup__list_linked(&w->line)) {
      uvsup__list_push_back(&sup->to_release, &w->line);
    }
    return;
  }
  uvsup__list_remove(&w->all);
  sup->workers--;
  uvsup__worker_free(w);
}

static void walk_begin(uvsup_t* sup) {
  sup->walking++;
}

static void walk_end(uvsup_t* sup) {
  if (--sup->walking > 0) {
    return;
  }
  while (!uvsup__list_empty(&sup->to_release)) {
    uvsup_link_t* link = sup->to_release.next;
    uvsup__list_remove(link);
    uvsup__sup_release(sup, WORKER_OF(link, line));
  }
}

static int may_start(const uvsup_t* sup) {
  return sup->state == SUP_STARTED && !sup->stopping && !sup->held;
}

int uvsup__sup_may_start(const uvsup_t* sup) {
  return may_start(sup);
}

static void pump(uvsup_t* sup) {
  while (may_start(sup)) {
    /* A spawn parked at the helper is first in line for a free slot. */
    if (sup->opts.max_running != 0 &&
        sup->running - sup->ahead_waiting < sup->opts.max_running &&
        uvsup__ahead_start_parked(sup)) {
      continue;
    }
    uvsup_link_t* link;
    switch (uvsup__queue_next(&sup->queue, sup->running, sup->opts.max_running,
                              &link)) {
    case QUEUE_START:
      uvsup__worker_start(WORKER_OF(link, line), NULL);
      break;
    case QUEUE_NEXT_TURN:
      uvsup__sup_wake(sup);
      return;
    case QUEUE_IDLE:
      uvsup__ahead_fill(sup);
      return;
    }
  }
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

/* The spawner is closed first (the helper may take a moment to exit), and
 * the supervisor's own handles once it is. */
static void on_spawner_closed(uvsup_spawner_t* spawner, void* arg) {
  uvsup_t* sup = arg;
  sup->spawner = NULL;
  /* libuv runs close callbacks newest first: the idle handle, whose
   * callback fires on_done (which may free the supervisor), is closed
   * first so its callback comes after those of the others. */
  uv_close((uv_handle_t*)&sup->idle, on_idle_close);
  uv_close((uv_handle_t*)&sup->stop_timer, NULL);
  uvsup__queue_close(&sup->queue);
  uvsup__sched_close(&sup->sched);
  uvsup__reap_close(&sup->reaper, NULL);
}

static void close_all(uvsup_t* sup) {
  sup->state = SUP_CLOSING;
  sup->summary.orphans_reaped = sup->reaper.reaped;
  uv_idle_stop(&sup->idle);
  uv_timer_stop(&sup->stop_timer);
  uvsup__spawner_close(sup->spawner, on_spawner_closed, sup);
}

static void check_done(uvsup_t* sup) {
  if (sup->state != SUP_STARTED || sup->unfinished != 0 ||
      (sup->opts.keep_open && !sup->stopping)) {
    return;
  }
  if (sup->reaper.phase == REAP_WATCHING) {
    /* Nothing outlives the supervisor: the orphans it adopted are stopped
     * too, and on_done waits for them (on_orphans_gone). */
    sup->state = SUP_ORPHANS;
    uvsup__reap_finish(&sup->reaper, sup->opts.orphan_stop_signal,
                       sup->opts.orphan_kill_after_ms);
    return;
  }
  close_all(sup);
}

/* A child of this process that libuv or the spawner will reap: a worker
 * spawned in-process, the spawn helper, or the caller's own uv_spawn on
 * the same loop. */
typedef struct {
  int pid;
  int found;
} process_search_t;

static void find_process(uv_handle_t* handle, void* arg) {
  process_search_t* search = arg;
  if (handle->type == UV_PROCESS && !uv_is_closing(handle) &&
      ((uv_process_t*)handle)->pid == search->pid) {
    search->found = 1;
  }
}

static int reap_owned(uvsup_reaper_t* reaper, int pid, int quick) {
  uvsup_t* sup = reaper->data;
  if (uvsup_owns_pid(sup, pid)) {
    return 1;
  }
  if (quick) {
    return 0;
  }
  process_search_t search = { pid, 0 };
  uv_walk(sup->loop, find_process, &search);
  return search.found;
}

static void on_orphans_gone(uvsup_reaper_t* reaper) {
  uvsup_t* sup = reaper->data;
  if (sup->state == SUP_ORPHANS) {
    close_all(sup);
  }
}

void uvsup__sup_changed(uvsup_t* sup) {
  pump(sup);
  check_done(sup);
}

static void on_idle(uv_idle_t* idle) {
  uvsup_t* sup = idle->data;
  uv_idle_stop(idle);
  sup->queue.slice_start = 0;
  while (!uvsup__list_empty(&sup->skipped)) {
    uvsup_link_t* link = sup->skipped.next;
    uvsup__list_remove(link);
    uvsup__worker_report_skipped(WORKER_OF(link, line));
  }
  uvsup__sup_changed(sup); /* the next slice */
}

void uvsup__sup_strategy(uvsup_t* sup, uvsup_worker_t* w, uint64_t due) {
  /* Newest first, as OTP terminates children; each starts again in the
   * order added once due (ties in the schedule go by order of adding). */
  uvsup_link_t* stop_at;
  switch (sup->opts.strategy) {
  case UVSUP_STRATEGY_ONE_FOR_ONE:
    return;
  case UVSUP_STRATEGY_ONE_FOR_ALL:
    stop_at = &sup->all;
    break;
  case UVSUP_STRATEGY_REST_FOR_ONE:
    stop_at = &w->all;
    break;
  default:
    return;
  }
  walk_begin(sup);
  for (uvsup_link_t* l = sup->all.prev; l != stop_at; l = l->prev) {
    if (l != &w->all) {
      uvsup__worker_strategy_stop(WORKER_OF(l, all), due);
    }
  }
  walk_end(sup);
}

/* Workers with dependencies leave the queue for where their dependencies
 * put them (the queue, waiting). */
static void admit_dependents(uvsup_t* sup) {
  walk_begin(sup);
  for (uvsup_link_t* l = sup->all.next; l != &sup->all; l = l->next) {
    uvsup_worker_t* w = WORKER_OF(l, all);
    if (w->nedges > 0 && w->state == UVSUP_STATE_QUEUED) {
      uvsup__worker_admit(w);
    }
  }
  walk_end(sup);
}

static int open_spawner(uvsup_t* sup) {
  if (sup->opts.spawn_in_process) {
    return uvsup__spawner_inproc_new(sup->loop, &uvsup__run_events,
                                     &sup->spawner);
  }
  return uvsup__spawner_helper_new(sup->loop, &uvsup__run_events,
                                   sup->opts.spawn_helper, &sup->spawner);
}

int uvsup_start(uvsup_t* sup) {
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state != SUP_IDLE) {
    return UVSUP_ESTATE;
  }
  /* Before any handle: a bad graph leaves nothing to close. */
  int err = uvsup__stack_resolve_all(sup);
  if (err == 0) {
    err = open_spawner(sup);
  }
  if (err == 0 && sup->opts.reap_orphans) {
    sup->reaper.data = sup;
    err =
        uvsup__reap_open(&sup->reaper, sup->loop, reap_owned, on_orphans_gone);
    if (err != 0) {
      uvsup__spawner_close(sup->spawner, NULL, NULL);
      sup->spawner = NULL;
    }
  }
  if (err != 0) {
    uvsup__reap_close(&sup->reaper, NULL);
    return err;
  }
  err = uv_idle_init(sup->loop, &sup->idle);
  if (err != 0) {
    uvsup__reap_close(&sup->reaper, NULL);
    uvsup__spawner_close(sup->spawner, NULL, NULL);
    sup->spawner = NULL;
    return err;
  }
  sup->idle.data = sup;
  uv_timer_init(sup->loop, &sup->stop_timer);
  sup->stop_timer.data = sup;
  uvsup__queue_open(&sup->queue, sup->loop, !sup->opts.spawn_in_process);
  uvsup__sched_open(&sup->sched, sup->loop);
  sup->state = SUP_STARTED;
  sup->start_ns = uv_hrtime();
  admit_dependents(sup);
  uvsup__sup_wake(sup);
  check_done(sup);
  return 0;
}

/* Stops every worker not finished (newest first): those waiting never
 * start, running ones get signum unless drain_only. */
static void stop_all(uvsup_t* sup, int signum, int drain_only) {
  walk_begin(sup);
  uvsup_link_t* l = sup->all.prev;
  while (l != &sup->all) {
    uvsup_worker_t* w = WORKER_OF(l, all);
    l = l->prev; /* w may be released */
    int live = uvsup__worker_live(w) || w->run != NULL;
    if (uvsup__worker_finished(w) || (drain_only && live)) {
      continue;
    }
    /* Reverse dependency order: it waits for its dependents to finish. */
    if (live && !drain_only && uvsup__stack_defer_stop(w, signum)) {
      continue;
    }
    uvsup__worker_stop(w, signum);
  }
  walk_end(sup);
}

int uvsup_drain(uvsup_t* sup) {
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  sup->stopping = 1;
  uvsup__ahead_cancel_all(sup); /* queued, to the user: not started */
  stop_all(sup, 0, 1);
  check_done(sup);
  return 0;
}

/* The overall stop deadline: whatever is left is killed now. */
static void on_stop_deadline(uv_timer_t* timer) {
  uvsup_t* sup = timer->data;
  stop_all(sup, SIGKILL, 0);
}

int uvsup_stop(uvsup_t* sup, int signum) {
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  sup->stopping = 1;
  if (sup->opts.stop_timeout_ms > 0 && sup->state == SUP_STARTED &&
      !uv_is_active((uv_handle_t*)&sup->stop_timer)) {
    uv_timer_start(&sup->stop_timer, on_stop_deadline,
                   sup->opts.stop_timeout_ms, 0);
  }
  stop_all(sup, signum, 0);
  check_done(sup);
  return 0;
}

int uvsup_hold(uvsup_t* sup, int hold) {
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state == SUP_DONE) {
    return UVSUP_ESTATE;
  }
  sup->held = hold != 0;
  if (sup->held) {
    uvsup__ahead_cancel_all(sup); /* back to the queue until let go */
  }
  if (!sup->held) {
    uvsup__sup_wake(sup); /* what waited starts from the loop */
  }
  return 0;
}

int uvsup_signal_worker(uvsup_worker_t* worker, int signum) {
  UVSUP_ASSERT_THREAD(worker->sup);
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  /* Only while its exit is not known: afterwards the id may be another
   * process group's. Through the spawner, which alone knows whether the
   * pid is still unreaped. */
  uvsup_run_t* run = worker->run;
  if (run != NULL && run->phase == RUN_SPAWNING && signum > 0) {
    /* The helper has not answered yet: it goes once the group exists. */
    run->pending_signals |= 1ull << (signum - 1);
    return 0;
  }
  if (run == NULL || uvsup__run_live_pid(run) == 0) {
    return UVSUP_ESTATE;
  }
  return uvsup__proc_signal(&run->proc, signum);
}

int uvsup_stop_worker(uvsup_worker_t* worker, int signum) {
  UVSUP_ASSERT_THREAD(worker->sup);
  if (signum < 0 || signum >= 65) {
    return UV_EINVAL;
  }
  return uvsup__worker_stop(worker, signum);
}

static int restart(uvsup_worker_t* worker, int only_finished) {
  uvsup_t* sup = worker->sup;
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state >= SUP_ORPHANS) {
    return UVSUP_ESTATE;
  }
  if (sup->stopping) {
    return UVSUP_ESTOPPING;
  }
  return uvsup__worker_restart(worker, only_finished);
}

int uvsup_restart_worker(uvsup_worker_t* worker) {
  return restart(worker, 0);
}

int uvsup_start_worker(uvsup_worker_t* worker) {
  return restart(worker, 1);
}

int uvsup_release_worker(uvsup_worker_t* worker) {
  UVSUP_ASSERT_THREAD(worker->sup);
  if (!uvsup__worker_finished(worker)) {
    return UVSUP_ESTATE;
  }
  if (uvsup__worker_busy(worker)) {
    /* Its callbacks are running: freed when its transition ends. */
    worker->causes |= WORKER_RELEASE_ASKED;
    uvsup__sup_free_name(worker->sup, worker);
    return 0;
  }
  uvsup__sup_release(worker->sup, worker);
  return 0;
}

static int set_paused(uvsup_worker_t* worker, int stream, int paused) {
  UVSUP_ASSERT_THREAD(worker->sup);
  uvsup_run_t* run = worker->run;
  if (run == NULL || !run->captured || run->spawn_error != 0) {
    return UVSUP_ESTATE;
  }
  return uvsup__capture_set_paused(&run->capture, stream, paused);
}

int uvsup_worker_pause_output(uvsup_worker_t* worker) {
  return set_paused(worker, 0, 1);
}

int uvsup_worker_resume_output(uvsup_worker_t* worker) {
  return set_paused(worker, 0, 0);
}

int uvsup_worker_pause_stream(uvsup_worker_t* worker, int stream) {
  if (stream != 1 && stream != 2) {
    return UV_EINVAL;
  }
  return set_paused(worker, stream, 1);
}

int uvsup_worker_resume_stream(uvsup_worker_t* worker, int stream) {
  if (stream != 1 && stream != 2) {
    return UV_EINVAL;
  }
  return set_paused(worker, stream, 0);
}

int uvsup_free(uvsup_t* sup) {
  if (sup == NULL) {
    return 0;
  }
  UVSUP_ASSERT_THREAD(sup);
  if (sup->state != SUP_IDLE && sup->state != SUP_DONE) {
    return UVSUP_ESTATE;
  }
  while (!uvsup__list_empty(&sup->all)) {
    uvsup_link_t* link = sup->all.next;
    uvsup__list_remove(link);
    uvsup__worker_free(WORKER_OF(link, all));
  }
  uvsup__table_free(&sup->by_pid);
  uvsup__table_free(&sup->by_name);
  uvsup__sched_free(&sup->sched);
  uvsup__output_sink_free(&sup->sink);
  uvsup__reap_free(&sup->reaper);
  free(sup->detail);
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
  return worker->has_result ? &worker->result : NULL;
}

uvsup_state_t uvsup_worker_state(const uvsup_worker_t* worker) {
  return worker->state;
}

const char* uvsup_state_name(uvsup_state_t state) {
  switch (state) {
  case UVSUP_STATE_QUEUED:
    return "queued";
  case UVSUP_STATE_STARTING:
    return "starting";
  case UVSUP_STATE_READY:
    return "ready";
  case UVSUP_STATE_WAITING:
    return "waiting";
  case UVSUP_STATE_STOPPING:
    return "stopping";
  case UVSUP_STATE_BACKOFF:
    return "backoff";
  case UVSUP_STATE_FINISHED:
    return "finished";
  case UVSUP_STATE_GAVE_UP:
    return "gave up";
  case UVSUP_STATE_SKIPPED:
    return "skipped";
  }
  return "unknown";
}

const char* uvsup_worker_waiting_for(const uvsup_worker_t* worker) {
  UVSUP_ASSERT_THREAD(worker->sup);
  return worker->state == UVSUP_STATE_WAITING ? uvsup__stack_waiting_for(worker)
                                              : NULL;
}

void uvsup_worker_stats(const uvsup_worker_t* worker,
                        uvsup_worker_stats_t* stats) {
  memset(stats, 0, sizeof(*stats));
  stats->runs = worker->runs;
  stats->restarts = worker->restarts;
  stats->failures = worker->backoff.failures;
  if (uvsup__sched_pending(&worker->wake)) {
    uint64_t now = uv_now(worker->sup->loop);
    uint64_t due = worker->wake.due;
    stats->next_start_in_ms = due > now ? due - now : 0;
  }
  stats->ready_ns = worker->ready_ns;
  stats->status = worker->has_status ? worker->status : NULL;
}

void* uvsup_get_data(const uvsup_t* sup) {
  return sup->opts.data;
}

uv_loop_t* uvsup_get_loop(const uvsup_t* sup) {
  return sup->loop;
}

size_t uvsup_running(const uvsup_t* sup) {
  /* A spawn asked ahead holds a run but waits, as a queued worker does. */
  return sup->running - sup->ahead_waiting;
}

void uvsup_walk(uvsup_t* sup, uvsup_walk_cb cb, void* arg) {
  for (uvsup_link_t* l = sup->live.next; l != &sup->live; l = l->next) {
    cb(WORKER_OF(l, live), arg);
  }
}

uint64_t uvsup_worker_start_ns(const uvsup_worker_t* worker) {
  return worker->run != NULL ? worker->run->start_ns : worker->result.start_ns;
}
