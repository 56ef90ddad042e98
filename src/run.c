/* One run of a worker: uv_spawn, the exit callback, the pid table, and the
 * one place that decides the run is finished. */
#include "run.h"

#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "stop.h"
#include "supervisor.h"
#include "worker.h"

/* The run is finished only when the last of its handles has closed, so
 * nothing of it is reported twice or while libuv still holds it. */
static void handle_closed(uvsup_run_t* run) {
  if (--run->open_handles == 0) {
    uvsup__worker_run_finished(run);
  }
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
  close_handle((uv_handle_t*)&run->timer);
  if (run->captured && run->capture.phase != CAPTURE_CLOSING) {
    run->phase = RUN_DRAINING;
    uvsup__drain_start(&run->capture);
  } else {
    run->phase = RUN_CLOSING;
  }
}

static void on_process_exit(uv_process_t* process,
                            int64_t exit_status,
                            int term_signal) {
  uvsup_run_t* run = process->data;

  /* libuv has reaped the pid: from here on it may belong to someone else, so
   * it leaves the table and the run's phase forbids signalling it. */
  uvsup__table_remove(&run->sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      run->worker);
  run->duration_ns = uv_hrtime() - run->start_ns;
  run->exit_status = term_signal != 0 ? -1 : exit_status;
  run->term_signal = term_signal;
  close_handle((uv_handle_t*)&run->process);
  uvsup__stop_exited(run);
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

static int spawn(uvsup_run_t* run, uv_stdio_container_t* stdio) {
  const uvsup_spec_t* spec = run->worker->spec;
  uv_process_options_t options;
  memset(&options, 0, sizeof(options));
  options.exit_cb = on_process_exit;
  options.file = spec->file;
  options.args = spec->args;
  options.env = spec->env;
  options.cwd = spec->cwd;
  /* Its own session and process group, so a stop reaches grandchildren. */
  options.flags = UV_PROCESS_DETACHED;
  options.stdio_count = 3;
  options.stdio = stdio;
  run->start_ns = uv_hrtime();
  int err = uv_spawn(run->sup->loop, &run->process, &options);
  run->open_handles++; /* initialised even when the spawn fails */
  if (err != 0) {
    close_handle((uv_handle_t*)&run->process);
  }
  return err;
}

/* A spawn that found no descriptor or process slot left while other runs
 * hold some is not this worker's failure: it waits for one of them. */
static int is_shortage(int err) {
  return err == UV_EMFILE || err == UV_ENFILE || err == UV_EAGAIN;
}

int uvsup__run_start(uvsup_worker_t* worker, uvsup_run_t** out) {
  uvsup_t* sup = worker->sup;
  /* Room in the pid table is made before the spawn: once a process runs,
   * failing to track it would leave it unsupervised. */
  int err = uvsup__table_reserve(&sup->by_pid);
  if (err != 0) {
    return err;
  }
  uvsup_run_t* run = calloc(1, sizeof(*run));
  if (run == NULL) {
    return UV_ENOMEM;
  }
  run->worker = worker;
  run->sup = sup;
  run->exit_status = -1;
  run->timeout_ms = worker->timeout_ms;
  run->kill_after_ms = worker->kill_after_ms;
  run->stop_signal = worker->stop_signal;
  run->process.data = run;
  run->timer.data = run;
  uv_timer_init(sup->loop, &run->timer);
  run->open_handles = 1;
  *out = run;

  uv_stdio_container_t stdio[3];
  init_stdio(worker->output, worker->input, stdio);
  if (worker->output == UVSUP_OUTPUT_CAPTURE) {
    run->captured = 1;
    run->open_handles++;
    err =
        uvsup__capture_prepare(&run->capture, sup->loop, &sup->sink, worker,
                               worker->kill_after_ms, on_capture_closed, stdio);
  }
  if (err == 0) {
    err = spawn(run, stdio);
    if (run->captured) {
      uvsup__capture_started(&run->capture, stdio, err == 0);
    }
  }
  if (err != 0) {
    /* A spawn failure (EMFILE for the pipes included) is a result, not an
     * error of the supervisor. */
    run->spawn_error = err;
    run->shortage = is_shortage(err) && sup->running > 1;
    run->start_ns = 0;
    run->phase = RUN_CLOSING;
    close_handle((uv_handle_t*)&run->timer);
    return 0;
  }
  run->pid = run->process.pid;
  uvsup__table_insert(&sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      worker);
  uvsup__stop_spawned(run);
  return 0;
}
