/* Benchmark: a host that has touched MIB MiB of memory runs N short workers
 * through the library on its own loop, at most J at once (0: all at once).
 * Prints the milliseconds each spawn took (the gap between two on_start
 * calls in one loop turn: spawns happen from the loop, in slices), and the
 * longest time the host's loop was blocked, seen by a 1 ms timer.
 * Usage: embed_host MIB N J PROGRAM */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uvsup.h>

static uint64_t last_tick, max_block;
static uv_timer_t ticker;
static uv_check_t turn_end;
static uint64_t last_start, spawn_ns, spawn_pairs;
static unsigned turn, last_start_turn;

static void on_turn_end(uv_check_t* check) {
  turn++;
}

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  uint64_t now = uv_hrtime();
  if (last_start != 0 && last_start_turn == turn) {
    spawn_ns += now - last_start;
    spawn_pairs++;
  }
  last_start = now;
  last_start_turn = turn;
}

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
  uv_close((uv_handle_t*)&turn_end, NULL);
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
  opts.on_start = on_start;
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
  uv_check_init(&loop, &turn_end);
  uv_check_start(&turn_end, on_turn_end);

  uvsup_start(sup);
  uv_run(&loop, UV_RUN_DEFAULT);
  uvsup_free(sup);
  uv_loop_close(&loop);
  printf(
      "{\"ms_per_spawn\": %.3f, \"max_block_ms\": %.3f, \"heap_mib\": %zu}\n",
      spawn_pairs ? (double)spawn_ns / 1e6 / (double)spawn_pairs : 0.0,
      (double)max_block / 1e6, mib);
  free(heap);
  return 0;
}
