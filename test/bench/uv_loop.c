/* Benchmark floor for anything built on uv_spawn: run PROGRAM N times, J at
 * a time, with uv_spawn and exit callbacks, nothing else.
 * Usage: uv_loop N J PROGRAM [ARG]... */
#include <stdio.h>
#include <stdlib.h>

#include <uv.h>

static long n, j, started, running, failed;
static char** args;
static uv_loop_t* loop;

static void spawn_more(void);

static void on_close(uv_handle_t* handle) {
  free(handle);
}

static void on_exit_cb(uv_process_t* p, int64_t status, int signal) {
  failed += status != 0 || signal != 0;
  running--;
  uv_close((uv_handle_t*)p, on_close);
  spawn_more();
}

static void spawn_more(void) {
  while (started < n && running < j) {
    uv_process_t* p = malloc(sizeof(*p));
    uv_stdio_container_t stdio[3] = { { UV_IGNORE, { 0 } },
                                      { UV_INHERIT_FD, { .fd = 1 } },
                                      { UV_INHERIT_FD, { .fd = 2 } } };
    uv_process_options_t o = { 0 };
    o.exit_cb = on_exit_cb;
    o.file = args[0];
    o.args = args;
    o.stdio_count = 3;
    o.stdio = stdio;
    if (uv_spawn(loop, p, &o) != 0) {
      fprintf(stderr, "uv_spawn failed\n");
      exit(1);
    }
    started++;
    running++;
  }
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: uv_loop N J PROGRAM [ARG]...\n");
    return 2;
  }
  n = atol(argv[1]);
  j = atol(argv[2]);
  args = argv + 3;
  loop = uv_default_loop();
  spawn_more();
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  return failed > 0;
}
