/* One run of a worker: the spawn request, the spawner's events (spawned,
 * exited, lost), the pid table, and the one place that decides the run is
 * finished. */
#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "ahead.h"
#include "ready.h"
#include "spec.h"
#include "stop.h"
#include "supervisor.h"
#include "worker.h"

static uvsup_run_t* run_of(uvsup_proc_t* proc) {
  return (uvsup_run_t*)((char*)proc - offsetof(uvsup_run_t, proc));
}

/* The run is finished only when the last of its handles has closed, so
 * nothing of it is reported twice or while libuv still holds it. */
static void handle_closed(uvsup_run_t* run) {
  if (--run->open_handles > 0) {
    return;
  }
  uvsup_t* sup = run->sup;
  uvsup__ahead_detach(run);
  uvsup__worker_run_finished(run); /* frees run */
  /* A successor its end started is heard of only now, after its on_exit
   * (the spawner holds the helper's news from that end on). */
  uvsup__spawner_resume(sup->spawner);
}

static void on_handle_close(uv_handle_t* handle) {
  handle_closed(handle->data);
}

static void close_handle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, on_handle_close);
  }
}

static void on_capture_closed(uvsup_capture_t* capture) {
  uvsup_run_t* run =
      (uvsup_run_t*)((char*)capture - offsetof(uvsup_run_t, capture));
  if (run->phase == RUN_DRAINING) {
    run->phase = RUN_CLOSING;
  }
  handle_closed(run);
}

void uvsup__run_group_gone(uvsup_run_t* run) {
  uvsup__proc_release(&run->proc); /* no signal or question follows */
  close_handle((uv_handle_t*)&run->timer);
  if (run->captured && run->capture.phase != CAPTURE_CLOSING) {
    run->phase = RUN_DRAINING;
    uvsup__drain_start(&run->capture);
  } else {
    run->phase = RUN_CLOSING;
  }
}

/* The pid has been reaped: from here on it may belong to someone else, so
 * it leaves the table and the run's phase forbids signalling it. */
static void forget_pid(uvsup_run_t* run) {
  uvsup__table_remove(&run->sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      run->worker);
  uint64_t end_ns = run->proc.end_ns != 0 ? run->proc.end_ns : uv_hrtime();
  run->duration_ns = end_ns > run->start_ns ? end_ns - run->start_ns : 0;
}

/* The process has ended: readiness means nothing any more, and output
 * still to drain is not looked at. */
static void close_ready(uvsup_run_t* run) {
  if (run->ready != NULL) {
    run->capture.on_data = NULL;
    uvsup__ready_close(run->ready);
  }
}

static void proc_exited(uvsup_proc_t* proc,
                        int64_t exit_status,
                        int term_signal,
                        int gone) {
  uvsup_run_t* run = run_of(proc);
  uvsup__ahead_exited(run);
  forget_pid(run);
  /* A stop or a timeout whose signal found the process ended already
   * (its news was on the way; the helper holds some a moment) did not end
   * it: the end is its own. */
  if (!proc->signal_met_alive) {
    run->causes &= ~(unsigned)(RUN_STOP_REQUESTED | RUN_TIMED_OUT);
  }
  close_ready(run);
  run->exit_status = term_signal != 0 ? -1 : exit_status;
  run->term_signal = term_signal;
  uvsup__stop_exited(run, gone);
}

int uvsup__run_live_pid(const uvsup_run_t* run) {
  switch (run->phase) {
  case RUN_RUNNING:
  case RUN_STOPPING:
  case RUN_KILLING:
    return run->pid;
  default:
    return 0;
  }
}

void uvsup__run_force_output(uvsup_run_t* run) {
  if (run->captured) {
    uvsup__drain_force(&run->capture);
  }
}

static void init_stdio(uvsup_output_mode_t output,
                       uvsup_input_mode_t input,
                       uv_stdio_container_t* stdio) {
  /* Children get /dev/null as stdin (libuv opens it for UV_IGNORE), so a
   * worker never competes with uvsup or a terminal for input, unless it
   * asked for the host's (an init's one program). */
  for (int fd = 0; fd < 3; fd++) {
    stdio[fd].flags = UV_IGNORE;
    if (fd == 0 ? input == UVSUP_INPUT_INHERIT
                : output == UVSUP_OUTPUT_INHERIT) {
      stdio[fd].flags = UV_INHERIT_FD;
      stdio[fd].data.fd = fd;
    }
  }
}

/* A spawn that found no descriptor or process slot left while other runs
 * hold some is not this worker's failure: it waits for one of them. */
static int is_shortage(int err) {
  return err == UV_EMFILE || err == UV_ENFILE || err == UV_EAGAIN;
}

/* The run never had a process (or the helper died before saying it had):
 * it finishes from the loop like any other. */
static void never_ran(uvsup_run_t* run, int err) {
  run->spawn_error = err;
  run->shortage = is_shortage(err) && run->sup->running > 1;
  run->start_ns = 0;
  run->phase = RUN_CLOSING;
  close_handle((uv_handle_t*)&run->timer);
  if (run->captured) {
    uvsup__capture_close(&run->capture);
  }
}

static void started(uvsup_run_t* run) {
  run->pid = run->proc.pid;
  uvsup__table_insert(&run->sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      run->worker);
  if (run->captured) {
    uvsup__capture_read(&run->capture);
  }
  uvsup__stop_spawned(run);
  /* Signals passed on while the spawn was in flight (uvsup_signal_worker)
   * go now that the group exists, in the order of their numbers. */
  for (int signum = 1; run->pending_signals != 0; signum++) {
    uint64_t bit = 1ull << (signum - 1);
    if (run->pending_signals & bit) {
      run->pending_signals &= ~bit;
      uvsup__proc_signal(&run->proc, signum);
    }
  }
}

static void proc_spawned(uvsup_proc_t* proc, int err) {
  uvsup_run_t* run = run_of(proc);
  run->cancelled = run->asked_ahead && err == UV_ECANCELED;
  uvsup__ahead_answered(run, err);
  if (err != 0) {
    uvsup__ahead_withdraw(run);
    never_ran(run, err);
  } else {
    run->start_ns = proc->start_ns; /* a spawn asked ahead started later */
    started(run);
  }
  if (run->ready != NULL) {
    uvsup__ready_spawned(run->ready, err == 0 ? run->pid : 0);
  }
  uvsup__worker_run_spawned(run);
  if (err == 0) {
    uvsup__ahead_offer(run); /* after its on_start */
  }
}

static void proc_group(uvsup_proc_t* proc, int alive) {
  uvsup__stop_group(run_of(proc), alive);
}

static void proc_lost(uvsup_proc_t* proc) {
  uvsup_run_t* run = run_of(proc);
  uvsup__ahead_withdraw(run);
  /* Parked at the helper and never told to start: it never ran, and
   * waits for a slot again like any queued worker. */
  int parked = uvsup__ahead_parked(run);
  uvsup__ahead_answered(run, UV_ECANCELED);
  if (parked) {
    run->cancelled = 1;
    close_ready(run);
    never_ran(run, UV_ECANCELED);
    uvsup__worker_run_spawned(run);
    return;
  }
  run->lost = 1;
  close_ready(run);
  if (run->pid == 0) { /* never answered, maybe stopped meanwhile */
    never_ran(run, 0);
    uvsup__worker_run_spawned(run);
    return;
  }
  if (uvsup__run_live_pid(run) != 0) {
    forget_pid(run);
  }
  /* The spawner sent SIGKILL to the group: nothing is left to stop. */
  uv_timer_stop(&run->timer);
  uvsup__run_group_gone(run);
}

static void proc_closed(uvsup_proc_t* proc) {
  handle_closed(run_of(proc));
}

const uvsup_spawner_events_t uvsup__run_events = {
  proc_spawned, proc_exited, proc_group, proc_lost, proc_closed,
};

static int spawn(uvsup_run_t* run,
                 uvsup_run_t* after,
                 uv_stdio_container_t* stdio,
                 int count,
                 char** env) {
  const uvsup_spec_t* spec = run->worker->spec;
  uvsup_spawn_req_t req;
  memset(&req, 0, sizeof(req));
  req.file = spec->file;
  req.args = spec->args;
  req.env = env != NULL ? env : spec->env;
  req.cwd = spec->cwd;
  req.stdio_count = count;
  req.stdio = stdio;
  req.stop_signal = run->stop_signal;
  req.kill_after_ms = run->kill_after_ms;
  req.set_user = spec->set_user;
  req.uid = spec->uid;
  req.gid = spec->gid;
  req.after = after != NULL ? &after->proc : NULL;
  run->open_handles++; /* the proc: closed follows whatever happens */
  int err = uvsup__proc_spawn(run->sup->spawner, &run->proc, &req);
  run->start_ns = run->proc.start_ns;
  return err;
}

static uvsup_run_t* run_new(uvsup_worker_t* worker) {
  uvsup_run_t* run = calloc(1, sizeof(*run));
  if (run == NULL) {
    return NULL;
  }
  run->worker = worker;
  run->sup = worker->sup;
  run->exit_status = -1;
  run->timeout_ms = worker->timeout_ms;
  run->kill_after_ms = worker->kill_after_ms;
  run->stop_signal = worker->stop_signal;
  run->timer.data = run;
  uvsup__list_init(&run->slot_link);
  uvsup__list_init(&run->parked_link);
  uv_timer_init(run->sup->loop, &run->timer);
  run->open_handles = 1;
  return run;
}

static void on_ready_closed(uvsup_ready_t* ready) {
  uvsup_run_t* run = ready->data;
  free(ready);
  run->ready = NULL;
  handle_closed(run);
}

int uvsup__run_start(uvsup_worker_t* worker,
                     uvsup_run_t* after,
                     uvsup_run_t** out) {
  uvsup_t* sup = worker->sup;
  /* Room in the pid table is made before the spawn: once a process runs,
   * failing to track it would leave it unsupervised. */
  int err = uvsup__table_reserve(&sup->by_pid);
  if (err != 0) {
    return err;
  }
  uvsup_run_t* run = run_new(worker);
  if (run == NULL) {
    return UV_ENOMEM;
  }
  *out = run;

  uv_stdio_container_t stdio[READY_FD_MAX + 1];
  int stdio_count = 3;
  char** env = NULL;
  init_stdio(worker->output, worker->input, stdio);
  if (worker->output == UVSUP_OUTPUT_CAPTURE) {
    run->captured = 1;
    run->open_handles++;
    err =
        uvsup__capture_prepare(&run->capture, sup->loop, &sup->sink, worker,
                               worker->kill_after_ms, on_capture_closed, stdio);
  }
  int captured = err == 0 && run->captured; /* else closed already */
  if (err == 0) {
    err = uvsup__worker_prepare_run(worker, run, on_ready_closed, stdio,
                                    &stdio_count, &env);
  }
  if (err == 0) {
    err = spawn(run, after, stdio, stdio_count, env);
  }
  /* The spawner has its own copies of the write ends and the environment
   * by now. */
  free(env);
  if (run->ready != NULL) {
    uvsup__ready_fds_given(run->ready);
  }
  if (captured) {
    uvsup__capture_started(&run->capture, stdio, err >= 0);
  }
  if (err == UVSUP__SPAWN_PENDING) {
    run->phase = RUN_SPAWNING; /* proc_spawned follows */
    if (after != NULL) {
      uvsup__ahead_link(after, run);
    }
    return 0;
  }
  /* A spawn failure (EMFILE for the pipes included) is a result, not an
   * error of the supervisor. */
  proc_spawned(&run->proc, err);
  return 0;
}
