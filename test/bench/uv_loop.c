/* Benchmark floor for anything built on uv_spawn: run PROGRAM N times, J at
 * a time, with uv_spawn and exit callbacks, nothing else. With --index,
 * job k (0 to N-1) gets k as a last argument, as uvsup and xargs give it.
 * Usage: uv_loop [--index] N J PROGRAM [ARG]... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

static long n, j, started, running, failed;
static char** args;
static int nargs;
static int index_arg;
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
    char number[32];
    if (index_arg) {
      /* uv_spawn copies argv before it returns. */
      snprintf(number, sizeof(number), "%ld", started);
      args[nargs] = number;
    }
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
  index_arg = argc > 1 && strcmp(argv[1], "--index") == 0;
  argv += index_arg;
  argc -= index_arg;
  if (argc < 4) {
    fprintf(stderr, "usage: uv_loop [--index] N J PROGRAM [ARG]...\n");
    return 2;
  }
  n = atol(argv[1]);
  j = atol(argv[2]);
  nargs = argc - 3;
  args = calloc((size_t)nargs + 2, sizeof(*args));
  memcpy(args, argv + 3, (size_t)nargs * sizeof(*args));
  loop = uv_default_loop();
  spawn_more();
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);
  free(args);
  return failed > 0;
}
