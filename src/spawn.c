/* One run of a worker: uv_spawn, the exit callback, the pid table, and
 * closing the run's handles. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static void on_handle_close(uv_handle_t* handle) {
  uvsup_run_t* run = handle->data;
  /* The run is finished only when the last of its handles has closed, so
   * nothing of it is reported twice or while libuv still holds it. */
  if (--run->open_handles == 0) {
    uvsup__run_finished(run);
  }
}

void uvsup__run_close_handle(uv_handle_t* handle) {
  if (!uv_is_closing(handle)) {
    uv_close(handle, on_handle_close);
  }
}

static int match_pid(const void* item, const void* key) {
  const uvsup_worker_t* worker = item;
  return worker->run != NULL && worker->run->pid == *(const int*)key;
}

uvsup_worker_t* uvsup_find_pid(uvsup_t* sup, int pid) {
  return uvsup__table_find(&sup->by_pid, uvsup__hash_int((uint32_t)pid),
                           match_pid, &pid);
}

static void on_process_exit(uv_process_t* process,
                            int64_t exit_status,
                            int term_signal) {
  uvsup_run_t* run = process->data;
  uvsup_worker_t* worker = run->worker;

  /* libuv has reaped the pid: from here on it may belong to someone else, so
   * it leaves the table and RUN_EXITED forbids signalling it. */
  run->flags |= RUN_EXITED;
  uvsup__table_remove(&worker->sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      worker);
  worker->result.duration_ns = uv_hrtime() - worker->result.start_ns;
  worker->result.exit_status = term_signal != 0 ? -1 : exit_status;
  worker->result.term_signal = term_signal;

  uvsup__run_close_handle((uv_handle_t*)&run->process);
  uvsup__run_exited(run);
}

int uvsup__run_spawn(uvsup_worker_t* worker) {
  uvsup_t* sup = worker->sup;
  uvsup_spec_t* spec = worker->spec;

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
  run->process.data = run;
  run->timer.data = run;
  worker->run = run;
  memset(&worker->result, 0, sizeof(worker->result));
  worker->result.name = spec->name;
  worker->result.data = worker->data;
  worker->result.exit_status = -1;

  /* Children get /dev/null as stdin (libuv opens it for UV_IGNORE), so a
   * worker never competes with uvsup or a terminal for input. */
  uv_stdio_container_t stdio[3];
  for (int fd = 0; fd < 3; fd++) {
    stdio[fd].flags = UV_IGNORE;
    if (fd > 0 && worker->output == UVSUP_OUTPUT_INHERIT) {
      stdio[fd].flags = UV_INHERIT_FD;
      stdio[fd].data.fd = fd;
    }
  }

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

  uv_timer_init(sup->loop, &run->timer);
  run->open_handles = 1;
  if (worker->output == UVSUP_OUTPUT_CAPTURE) {
    err = uvsup__capture_prepare(run, stdio);
  }
  if (err == 0) {
    worker->result.start_ns = uv_hrtime();
    err = uv_spawn(sup->loop, &run->process, &options);
    run->open_handles++; /* initialised even when the spawn fails */
    if (err != 0) {
      uvsup__run_close_handle((uv_handle_t*)&run->process);
    }
  }
  if (worker->output == UVSUP_OUTPUT_CAPTURE) {
    uvsup__capture_started(run, stdio, err == 0);
  }
  if (err != 0 && (err == UV_EMFILE || err == UV_ENFILE) && sup->running > 1) {
    /* Out of descriptors while other workers hold some: not this worker's
     * failure. It goes back to the queue once the handles are closed. */
    run->flags |= RUN_REQUEUE | RUN_SPAWN_FAILED | RUN_EXITED;
    sup->fd_starved = 1;
    uvsup__run_close_handle((uv_handle_t*)&run->timer);
    return 0;
  }
  if (err != 0) {
    /* A spawn failure (EMFILE for the pipes included) is a result, not an
     * error of the supervisor. */
    run->flags |= RUN_SPAWN_FAILED | RUN_EXITED;
    worker->result.error = err;
    worker->result.start_ns = 0;
    uvsup__run_close_handle((uv_handle_t*)&run->timer);
    return 0;
  }

  run->pid = run->process.pid;
  worker->result.pid = run->pid;
  uvsup__table_insert(&sup->by_pid, uvsup__hash_int((uint32_t)run->pid),
                      worker);
  uvsup__run_arm_timeout(run);
  return 0;
}
