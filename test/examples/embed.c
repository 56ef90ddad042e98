/* Embedding uvsup: the five-city script done on the caller's own loop.
 * Starts five workers, keeps the results keyed by pid, warns when one fails,
 * and carries on once every worker has finished. */
#include <stdio.h>
#include <uvsup.h>

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  printf("started %s as pid %d\n", uvsup_worker_name(worker), pid);
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* r) {
  if (r->ok) {
    printf("%s (pid %d) ok\n", r->name, r->pid);
  } else if (r->end == UVSUP_END_SPAWN_FAILED) {
    printf("warning: %s could not start: %s\n", r->name,
           uvsup_strerror(r->error));
  } else if (r->term_signal != 0) {
    printf("warning: %s (pid %d) killed by signal %d\n", r->name, r->pid,
           r->term_signal);
  } else {
    printf("warning: %s (pid %d) exited with %d\n", r->name, r->pid,
           (int)r->exit_status);
  }
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* s) {
  printf("%zu workers: %zu ok, %zu failed\n", s->workers, s->succeeded,
         s->failed);
}

int main(void) {
  uv_loop_t loop;
  uv_loop_init(&loop);

  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.on_start = on_start;
  opts.on_exit = on_exit_cb;
  opts.on_done = on_done;
  uvsup_t* sup;
  if (uvsup_new(&loop, &opts, &sup) != 0) {
    return 1;
  }

  static const char* cities[] = { "New York", "London", "Sydney", "Lisbon",
                                  "Paris" };
  for (int i = 0; i < 5; i++) {
    /* Sydney fails, to show the warning. */
    char* args[] = {
      "/bin/sh",          "-c", "echo \"Begin: $0\"; exit $1", (char*)cities[i],
      i == 2 ? "1" : "0", NULL
    };
    uvsup_worker_options_t w;
    uvsup_worker_options_init(&w);
    w.name = cities[i];
    w.file = "/bin/sh";
    w.args = args; /* copied by uvsup_add() */
    int err = uvsup_add(sup, &w, NULL);
    if (err != 0) {
      fprintf(stderr, "%s: %s\n", cities[i], uvsup_strerror(err));
      return 1;
    }
  }

  uvsup_start(sup);
  uv_run(&loop, UV_RUN_DEFAULT); /* the service's own loop */
  uvsup_free(sup);
  return uv_loop_close(&loop) == 0 ? 0 : 1;
}
