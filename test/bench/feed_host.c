/* Benchmark: a long-running service feeds jobs to one kept-open supervisor
 * over time, J in flight, each new job added as one ends, finished workers
 * released. Prints jobs per second, the peak RSS, and the heap in use after
 * a tenth of the jobs and at the end (flat when memory tracks the live
 * workers only). Usage: feed_host N J PROGRAM */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <uvsup.h>

typedef struct {
  uvsup_t* sup;
  long total;
  long added;
  long ended;
  long failed;
  const char* program;
  size_t heap_tenth;
} feeder_t;

static void feed(feeder_t* f) {
  char* args[] = { (char*)f->program, NULL };
  char name[32];
  snprintf(name, sizeof(name), "job%ld", f->added);
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = name;
  w.file = f->program;
  w.args = args;
  w.output = UVSUP_OUTPUT_NULL;
  if (uvsup_add(f->sup, &w, NULL) == 0) {
    f->added++;
  }
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* r) {
  feeder_t* f = uvsup_get_data(sup);
  f->failed += !r->ok;
  if (++f->ended == f->total / 10) {
    f->heap_tenth = mallinfo2().uordblks;
  }
  if (f->added < f->total) {
    feed(f);
  } else if (f->ended == f->total) {
    uvsup_stop(sup, 0);
  }
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: feed_host N J PROGRAM\n");
    return 2;
  }
  feeder_t f = { .total = atol(argv[1]), .program = argv[3] };
  long j = atol(argv[2]);
  uv_loop_t loop;
  uv_loop_init(&loop);
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.keep_open = 1;
  opts.release_finished = 1;
  opts.on_exit = on_exit_cb;
  opts.data = &f;
  uvsup_new(&loop, &opts, &f.sup);
  uvsup_start(f.sup);
  for (long i = 0; i < j && i < f.total; i++) {
    feed(&f);
  }
  uint64_t t0 = uv_hrtime();
  uv_run(&loop, UV_RUN_DEFAULT);
  double secs = (double)(uv_hrtime() - t0) / 1e9;
  size_t heap_end = mallinfo2().uordblks;
  uvsup_free(f.sup);
  uv_loop_close(&loop);
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  printf(
      "{\"jobs_per_s\": %.1f, \"peak_rss_mib\": %.2f, "
      "\"heap_tenth_kib\": %.1f, \"heap_end_kib\": %.1f}\n",
      (double)f.ended / secs, (double)ru.ru_maxrss / 1024.0,
      (double)f.heap_tenth / 1024.0, (double)heap_end / 1024.0);
  return f.failed == 0 && f.ended == f.total ? 0 : 1;
}
