/* Benchmark: a host that has touched MIB MiB of memory runs N short workers
 * through the library on its own loop, at most J at once (0: all at once).
 * Prints the milliseconds uvsup_start() took per worker it spawned, and the
 * longest time the host's loop was blocked, seen by a 1 ms timer.
 * Usage: embed_host MIB N J PROGRAM */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvsup.h>

static uint64_t last_tick, max_block;
static uv_timer_t ticker;

static void on_tick(uv_timer_t* timer) {
  uint64_t now = uv_hrtime();
  if (last_tick != 0 && now - last_tick > max_block) {
    max_block = now - last_tick;
  }
  last_tick = now;
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  uv_timer_stop(&ticker);
  uv_close((uv_handle_t*)&ticker, NULL);
  if (summary->succeeded != summary->workers) {
    fprintf(stderr, "embed_host: %zu of %zu failed\n", summary->failed,
            summary->workers);
  }
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: embed_host MIB N J PROGRAM\n");
    return 2;
  }
  size_t mib = (size_t)atol(argv[1]);
  int n = atoi(argv[2]);
  /* Touch every page: fork's cost grows with the pages mapped. */
  char* heap = malloc(mib << 20);
  if (heap == NULL && mib > 0) {
    return 1;
  }
  memset(heap, 1, mib << 20);

  uv_loop_t loop;
  uv_loop_init(&loop);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.max_running = (unsigned)atoi(argv[3]);
  opts.on_done = on_done;
  uvsup_t* sup;
  uvsup_new(&loop, &opts, &sup);
  char name[32];
  for (int i = 0; i < n; i++) {
    char* args[] = { argv[4], NULL };
    uvsup_worker_options_t w;
    uvsup_worker_options_init(&w);
    snprintf(name, sizeof(name), "w%d", i);
    w.name = name;
    w.file = argv[4];
    w.args = args;
    w.output = UVSUP_OUTPUT_NULL;
    uvsup_add(sup, &w, NULL);
  }
  uv_timer_init(&loop, &ticker);
  uv_timer_start(&ticker, on_tick, 1, 1);

  uint64_t t0 = uv_hrtime();
  uvsup_start(sup);
  uint64_t t1 = uv_hrtime();
  size_t spawned = uvsup_running(sup);
  uv_run(&loop, UV_RUN_DEFAULT);
  uvsup_free(sup);
  uv_loop_close(&loop);
  /* The start call itself blocked the loop too. */
  if (t1 - t0 > max_block) {
    max_block = t1 - t0;
  }
  printf(
      "{\"ms_per_spawn\": %.3f, \"max_block_ms\": %.3f, \"heap_mib\": %zu}\n",
      spawned ? (double)(t1 - t0) / 1e6 / (double)spawned : 0.0,
      (double)max_block / 1e6, mib);
  free(heap);
  return 0;
}
