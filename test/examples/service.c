/* A long-running service that embeds uvsup: a supervisor kept open on the
 * service's own loop, a worker that keeps crashing and is restarted with
 * backoff, a steady worker, and a clean shutdown on SIGTERM. Here the
 * service sends itself SIGTERM after the third restart, so it ends on its
 * own; in real life the signal comes from systemd, a container engine or
 * Ctrl-C. */
#include <signal.h>
#include <stdio.h>
#include <uvsup.h>

#include <uv.h>

typedef struct {
  uv_signal_t sigterm;
  uvsup_t* sup;
} service_t;

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* r) {
  printf("%s: run %u ended (", r->name, r->run);
  if (r->term_signal != 0) {
    printf("signal %d", r->term_signal);
  } else {
    printf("exit %lld", (long long)r->exit_status);
  }
  switch (r->next) {
  case UVSUP_NEXT_RESTART:
    printf("); restart %u in %llu ms\n", r->run,
           (unsigned long long)r->restart_in_ms);
    if (r->run == 3) {
      raise(SIGTERM); /* stands in for the operator */
    }
    break;
  case UVSUP_NEXT_GAVE_UP:
    printf("); gave up\n");
    break;
  case UVSUP_NEXT_NONE:
    printf("); finished\n");
    break;
  }
  fflush(stdout);
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* s) {
  service_t* service = uvsup_get_data(sup);
  printf("supervisor closed: %zu workers, %zu runs, %zu restarts\n", s->workers,
         s->runs, s->restarts);
  /* The last handle of ours: once closed, the loop has nothing left. */
  uv_close((uv_handle_t*)&service->sigterm, NULL);
}

static void on_sigterm(uv_signal_t* handle, int signum) {
  service_t* service = handle->data;
  printf("got SIGTERM: stopping the workers\n");
  fflush(stdout);
  /* Graceful: each worker's stop signal, SIGKILL after its grace; workers
   * waiting to restart are not started again. */
  uvsup_stop(service->sup, 0);
}

static int add(uvsup_t* sup, const char* name, const char* script) {
  char* args[] = { "/bin/sh", "-c", (char*)script, NULL };
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = name;
  w.file = "/bin/sh";
  w.args = args;
  w.restart = UVSUP_RESTART_ON_FAILURE;
  w.restart_delay_ms = 100; /* 100, 200, 400 ms ... up to the cap */
  w.restart_delay_max_ms = 2000;
  w.restart_limit = 10; /* more than 10 failures in a row: give up */
  return uvsup_add(sup, &w, NULL);
}

int main(void) {
  uv_loop_t* loop = uv_default_loop();
  service_t service;
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.keep_open = 1; /* lives as long as the service, not its workers */
  opts.on_exit = on_exit_cb;
  opts.on_done = on_done;
  opts.data = &service;
  int err = uvsup_new(loop, &opts, &service.sup);
  if (err == 0) {
    err = add(service.sup, "flaky", "echo flaky is up; exit 1");
  }
  if (err == 0) {
    err = add(service.sup, "steady", "exec sleep 60");
  }
  if (err == 0) {
    err = uvsup_start(service.sup);
  }
  if (err != 0) {
    fprintf(stderr, "service: %s\n", uvsup_strerror(err));
    return 1;
  }
  uv_signal_init(loop, &service.sigterm);
  service.sigterm.data = &service;
  uv_signal_start(&service.sigterm, on_sigterm, SIGTERM);

  uv_run(loop, UV_RUN_DEFAULT);
  uvsup_free(service.sup);
  return uv_loop_close(loop) == 0 ? 0 : 1;
}
