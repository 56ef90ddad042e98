/* Benchmark: a host that has touched MIB MiB of memory runs N short workers
 * through the library on its own loop, at most J at once (0: all at once).
 * Prints the milliseconds each spawn took (the gap between two on_start
 * calls in one loop turn: spawns happen from the loop, in slices), and the
 * longest time the host's loop was blocked, seen by a 1 ms timer.
 * Usage: embed_host MIB N J PROGRAM (UVSUP_SPAWN=in-process: without the
 * spawn helper) */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uvsup.h>

static uint64_t last_tick, max_block;
static uv_timer_t ticker;
static uv_check_t turn_end;
static uint64_t last_start, spawn_ns, spawn_pairs;
static unsigned turn, last_start_turn;

static double thread_cpu_ms(void) {
  struct rusage ru;
  getrusage(RUSAGE_THREAD, &ru);
  return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
         (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

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

static double last_tick_cpu, max_cpu_block;

static double thread_cpu_ms(void);

/* The longest gap between two ticks: in wall time (what a client of the
 * host sees, the machine's load included), and in the host thread's CPU
 * time (what the host itself spent, whatever the load). */
static void on_tick(uv_timer_t* timer) {
  uint64_t now = uv_hrtime();
  double cpu = thread_cpu_ms();
  if (last_tick != 0 && now - last_tick > max_block) {
    max_block = now - last_tick;
  }
  if (last_tick != 0 && cpu - last_tick_cpu > max_cpu_block) {
    max_cpu_block = cpu - last_tick_cpu;
  }
  last_tick = now;
  last_tick_cpu = cpu;
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
  /* UVSUP_SPAWN=in-process: fork the host for each spawn, for comparison
   * with the spawn helper (the default). */
  const char* mode = getenv("UVSUP_SPAWN");
  opts.spawn_in_process = mode != NULL && strcmp(mode, "in-process") == 0;
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

  uint64_t t0 = uv_hrtime();
  double cpu0 = thread_cpu_ms();
  if (uvsup_start(sup) != 0) {
    fprintf(stderr, "embed_host: cannot start (spawn helper?)\n");
    return 1;
  }
  uv_run(&loop, UV_RUN_DEFAULT);
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  /* The host's own CPU time per worker, whatever the machine's load: what
   * each spawn, and the handling of its end, costs the host. */
  double cpu_ms = (thread_cpu_ms() - cpu0) / (n > 0 ? n : 1);
  uvsup_free(sup);
  uv_loop_close(&loop);
  printf(
      "{\"ms_per_spawn\": %.3f, \"max_block_ms\": %.3f, \"heap_mib\": %zu, "
      "\"spawns_per_s\": %.0f, \"host_cpu_ms_per_spawn\": %.3f, "
      "\"max_cpu_block_ms\": %.3f}\n",
      spawn_pairs ? (double)spawn_ns / 1e6 / (double)spawn_pairs : 0.0,
      (double)max_block / 1e6, mib, secs > 0 ? n / secs : 0.0, cpu_ms,
      max_cpu_block);
  free(heap);
  return 0;
}
