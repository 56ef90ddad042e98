/* Captured output through the library with real children and real pipes:
 * lines complete and in order, raw bytes exact, the last line without a
 * newline, stderr apart, /dev/stdout, leftovers holding the pipes, and
 * pausing. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uvsup.h>

#include <check.h>

#include "fixture.h"
#include "testutil.h"

#define NWORKERS 4

/* What one worker's output looked like, checked as it arrives. */
typedef struct {
  long next[3];     /* next expected line number per stream */
  size_t bytes[3];  /* bytes per stream */
  int bad;          /* a line out of order or mangled */
  int last_newline; /* newline flag of the last chunk */
  char last[64];    /* the last line seen, cut */
  unsigned pieces;  /* chunks with newline == 0 */
  int paused;
} seen_t;

typedef struct {
  seen_t w[NWORKERS];
} record_t;

static int worker_index(uvsup_worker_t* worker) {
  return (int)(intptr_t)uvsup_worker_data(worker);
}

/* Adds a captured worker whose user data is its index i. */
#define add_indexed(f, i, name, ...)      \
  ((f)->next_data = (void*)(intptr_t)(i), \
   fixture_add((f), (name), 0, 200, __VA_ARGS__))

/* Lines "w<i> <n>" must arrive with n = 1, 2, 3, ... per worker and
 * stream: nothing lost, duplicated, cut or reordered. */
static void check_numbered(fixture_t* f,
                           uvsup_worker_t* worker,
                           const uvsup_output_t* out) {
  record_t* rec = f->data;
  seen_t* s = &rec->w[worker_index(worker)];
  char want[64];
  int n = snprintf(want, sizeof(want), "%s %ld", uvsup_worker_name(worker),
                   s->next[out->stream] + 1);
  if (!out->newline || out->len != (size_t)n ||
      memcmp(out->data, want, (size_t)n) != 0) {
    s->bad++;
  }
  s->next[out->stream]++;
  s->bytes[out->stream] += out->len;
}

START_TEST(test_capture_many_lines_in_order) {
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, check_numbered, &rec);
  const char* names[NWORKERS] = { "w0", "w1", "w2", "w3" };
  for (int i = 0; i < NWORKERS; i++) {
    add_indexed(&f, i, names[i], "lines", "200000", names[i], "errlines",
                "1000", names[i], NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  for (int i = 0; i < NWORKERS; i++) {
    ck_assert_int_eq(rec.w[i].bad, 0);
    ck_assert_int_eq(rec.w[i].next[1], 200000);
    ck_assert_int_eq(rec.w[i].next[2], 1000);
  }
  ck_assert_int_eq(f.summary.succeeded, NWORKERS);
}
END_TEST

static void record_last(fixture_t* f,
                        uvsup_worker_t* worker,
                        const uvsup_output_t* out) {
  record_t* rec = f->data;
  seen_t* s = &rec->w[worker_index(worker)];
  snprintf(s->last, sizeof(s->last), "%d:%.*s", out->stream,
           (int)(out->len < 40 ? out->len : 40), out->data);
  s->last_newline = out->newline;
  s->bytes[out->stream] += out->len;
  s->next[out->stream]++;
  if (!out->newline) {
    s->pieces++;
  }
}

START_TEST(test_capture_last_line_without_newline) {
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, record_last, &rec);
  add_indexed(&f, 0, "noeol", "out", "first", "noeol", "the end", NULL);
  add_indexed(&f, 1, "stderr", "err", "to stderr", NULL);
  add_indexed(&f, 2, "silent", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_str_eq(rec.w[0].last, "1:the end");
  ck_assert_int_eq(rec.w[0].last_newline, 0);
  ck_assert_int_eq(rec.w[0].next[1], 2);
  ck_assert_str_eq(rec.w[1].last, "2:to stderr");
  ck_assert_int_eq(rec.w[1].last_newline, 1);
  ck_assert_int_eq(rec.w[1].next[1], 0);
  /* Empty output: no call at all, and the run still ends. */
  ck_assert_int_eq(rec.w[2].next[1] + rec.w[2].next[2], 0);
  ck_assert_int_eq(f.exits, 3);
}
END_TEST

START_TEST(test_capture_long_line_in_pieces) {
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, record_last, &rec);
  add_indexed(&f, 0, "big", "bigline", "10485760", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  /* 10 MiB of one line: every byte, in pieces of UVSUP_LINE_MAX, the
   * last one ended by the newline. */
  ck_assert_uint_eq(rec.w[0].bytes[1], 10485760);
  ck_assert_uint_eq(rec.w[0].pieces, 10485760 / UVSUP_LINE_MAX - 1);
  ck_assert_int_eq(rec.w[0].last_newline, 1);
}
END_TEST

typedef struct {
  size_t len;
  int bad;
  int calls;
} raw_t;

static void check_bytes(fixture_t* f,
                        uvsup_worker_t* worker,
                        const uvsup_output_t* out) {
  raw_t* raw = f->data;
  ck_assert_int_eq(out->newline, 0);
  for (size_t i = 0; i < out->len; i++) {
    if ((unsigned char)out->data[i] != ((raw->len + i) & 0xff)) {
      raw->bad++;
    }
  }
  raw->len += out->len;
  raw->calls++;
}

START_TEST(test_capture_raw_bytes_exact) {
  raw_t raw = { 0, 0, 0 };
  fixture_t f;
  fixture_init_capture(&f, 0, 0, check_bytes, &raw);
  add_indexed(&f, 0, "binary", "bytes", "3000000", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_uint_eq(raw.len, 3000000);
  ck_assert_int_eq(raw.bad, 0);
}
END_TEST

/* on_start comes before the first output of its run, however fast the
 * worker writes: a consumer counts a run's bytes from its start (the
 * joblog's Receive was 0 when the spawn helper's answer came after the
 * output). */
typedef struct {
  int started[NWORKERS];
  int early; /* output before its worker's on_start */
  int lines;
} order_t;

static void mark_started(fixture_t* f, uvsup_worker_t* worker) {
  order_t* o = f->data;
  o->started[worker_index(worker)] = 1;
}

static void check_started(fixture_t* f,
                          uvsup_worker_t* worker,
                          const uvsup_output_t* out) {
  (void)out;
  order_t* o = f->data;
  o->early += !o->started[worker_index(worker)];
  o->lines++;
}

START_TEST(test_capture_output_after_on_start) {
  order_t order;
  memset(&order, 0, sizeof(order));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, check_started, &order);
  f.on_start_hook = mark_started;
  static const char* names[NWORKERS] = { "w0", "w1", "w2", "w3" };
  for (int i = 0; i < NWORKERS; i++) {
    add_indexed(&f, i, names[i], "out", "first", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(order.lines, NWORKERS);
  ck_assert_int_eq(order.early, 0);
}
END_TEST

START_TEST(test_capture_dev_stdout) {
  /* With a socketpair, opening /dev/stdout fails with ENXIO; with a real
   * pipe it works. */
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, record_last, &rec);
  char* args[] = { "/bin/sh", "-c",
                   "echo via-dev-stdout > /dev/stdout && "
                   "echo via-dev-stderr > /dev/stderr",
                   NULL };
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = "dev";
  w.file = "/bin/sh";
  w.args = args;
  w.output = UVSUP_OUTPUT_CAPTURE;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "dev")->ok, 1);
  ck_assert_int_eq(rec.w[0].next[1], 1);
  ck_assert_str_eq(rec.w[0].last, "2:via-dev-stderr");
}
END_TEST

START_TEST(test_capture_leftover_holding_pipe) {
  /* The worker exits, its grandchild (which ignores SIGTERM) keeps stdout
   * open: the group's stop sequence ends it, EOF follows, the run ends. */
  char* pids = tu_write_temp("", 0);
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, record_last, &rec);
  add_indexed(&f, 0, "parent", "fork", "60000", pids, "out", "bye", "exit", "0",
              NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_str_eq(rec.w[0].last, "1:bye");
  ck_assert_int_eq(result_of(&f, "parent")->ok, 1);
  FILE* pf = fopen(pids, "r");
  int pid = 0;
  ck_assert_int_eq(fscanf(pf, "%d", &pid), 1);
  fclose(pf);
  ck_assert(!tu_pid_alive(pid));
  unlink(pids);
  free(pids);
}
END_TEST

START_TEST(test_capture_escaped_daemon_holding_pipe) {
  /* A grandchild that left the group (setsid) keeps the pipes: no signal of
   * ours reaches it, so uvsup closes its ends after the grace (200 ms). */
  char* pids = tu_write_temp("", 0);
  record_t rec;
  memset(&rec, 0, sizeof(rec));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, record_last, &rec);
  add_indexed(&f, 0, "parent", "escape", "60000", pids, "noeol", "partial",
              "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  /* The unfinished line still came through when the pipe was closed. */
  ck_assert_str_eq(rec.w[0].last, "1:partial");
  FILE* pf = fopen(pids, "r");
  int pid = 0;
  ck_assert_int_eq(fscanf(pf, "%d", &pid), 1);
  fclose(pf);
  ck_assert_int_eq(kill(pid, SIGKILL), 0); /* ours to clean up */
  unlink(pids);
  free(pids);
}
END_TEST

/* Pauses a worker at its first line and resumes it from a timer: a worker
 * that keeps writing blocks on the full pipe meanwhile, and every line
 * still arrives. */
typedef struct {
  uv_timer_t timer;
  uvsup_worker_t* worker;
  int pauses;
  uint64_t pause_ms;
  record_t rec;
} pauser_t;

static void on_resume(uv_timer_t* timer) {
  pauser_t* p = timer->data;
  ck_assert_int_eq(uvsup_worker_resume_output(p->worker), 0);
  uv_close((uv_handle_t*)timer, NULL);
}

static void pause_once(fixture_t* f,
                       uvsup_worker_t* worker,
                       const uvsup_output_t* out) {
  pauser_t* p = f->data;
  f->data = &p->rec;
  check_numbered(f, worker, out);
  f->data = p;
  if (p->pauses++ == 0) {
    ck_assert_int_eq(uvsup_worker_pause_output(worker), 0);
    ck_assert_int_eq(uvsup_worker_pause_output(worker), 0); /* twice: ok */
    p->worker = worker;
    uv_timer_init(&f->loop, &p->timer);
    p->timer.data = p;
    uv_timer_start(&p->timer, on_resume, p->pause_ms, 0);
  }
}

START_TEST(test_capture_pause_and_resume) {
  pauser_t p;
  memset(&p, 0, sizeof(p));
  p.pause_ms = 50;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, pause_once, &p);
  add_indexed(&f, 0, "w0", "lines", "100000", "w0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(p.rec.w[0].bad, 0);
  ck_assert_int_eq(p.rec.w[0].next[1], 100000);
}
END_TEST

START_TEST(test_capture_paused_longer_than_grace) {
  /* About 47 KB: small enough for the pipe, so the worker writes it all
   * and exits while paused (after the first read). The pause outlasts the
   * 200 ms grace for open pipes: unread output must still come through. */
  pauser_t p;
  memset(&p, 0, sizeof(p));
  p.pause_ms = 600;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, pause_once, &p);
  add_indexed(&f, 0, "w0", "lines", "6000", "w0", "errlines", "100", "w0",
              NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(p.rec.w[0].bad, 0);
  ck_assert_int_eq(p.rec.w[0].next[1], 6000);
  ck_assert_int_eq(p.rec.w[0].next[2], 100);
}
END_TEST

/* Pauses the worker's stdout at its first stderr line, checks that no
 * stdout line comes while stderr flows on, and resumes stdout at the last
 * stderr line. */
typedef struct {
  long err_lines;
  int paused;
  int out_while_paused;
  record_t rec;
} stream_pauser_t;

static void pause_stdout_only(fixture_t* f,
                              uvsup_worker_t* worker,
                              const uvsup_output_t* out) {
  stream_pauser_t* p = f->data;
  f->data = &p->rec;
  check_numbered(f, worker, out);
  f->data = p;
  if (out->stream == 1) {
    p->out_while_paused += p->paused;
    return;
  }
  if (p->rec.w[0].next[2] == 1) {
    ck_assert_int_eq(uvsup_worker_pause_stream(worker, 0), UV_EINVAL);
    ck_assert_int_eq(uvsup_worker_pause_stream(worker, 3), UV_EINVAL);
    ck_assert_int_eq(uvsup_worker_pause_stream(worker, 1), 0);
    ck_assert_int_eq(uvsup_worker_pause_stream(worker, 1), 0); /* twice */
    p->paused = 1;
  } else if (p->rec.w[0].next[2] == p->err_lines) {
    p->paused = 0;
    ck_assert_int_eq(uvsup_worker_resume_stream(worker, 1), 0);
  }
}

START_TEST(test_capture_pause_one_stream) {
  /* About 190 KB of stderr, more than its pipe holds, before any stdout:
   * with only stdout paused, stderr is still read to its end, so the
   * worker gets to its stdout lines, which wait for the resume. */
  stream_pauser_t p;
  memset(&p, 0, sizeof(p));
  p.err_lines = 20000;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, pause_stdout_only, &p);
  add_indexed(&f, 0, "w0", "errlines", "20000", "w0", "lines", "10", "w0",
              NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(p.rec.w[0].bad, 0);
  ck_assert_int_eq(p.rec.w[0].next[2], 20000);
  ck_assert_int_eq(p.rec.w[0].next[1], 10);
  ck_assert_int_eq(p.out_while_paused, 0);
  ck_assert_int_eq(result_of(&f, "w0")->ok, 1);
}
END_TEST

/* Resumes the paused worker once its exit has been seen (its pid reads 0),
 * so the output left in the pipe is read only after the group is gone. */
typedef struct {
  uv_check_t check;
  uvsup_worker_t* worker;
  int stop; /* stop the worker with SIGKILL instead, and never resume */
  record_t rec;
} resumer_t;

static void resume_after_exit(uv_check_t* check) {
  resumer_t* r = check->data;
  if (uvsup_worker_pid(r->worker) == 0) {
    ck_assert_int_eq(uvsup_worker_resume_output(r->worker), 0);
    uv_close((uv_handle_t*)check, NULL);
  }
}

static void pause_at_first(fixture_t* f,
                           uvsup_worker_t* worker,
                           const uvsup_output_t* out) {
  resumer_t* r = f->data;
  f->data = &r->rec;
  check_numbered(f, worker, out);
  f->data = r;
  if (r->worker != NULL) {
    return;
  }
  r->worker = worker;
  ck_assert_int_eq(uvsup_worker_pause_output(worker), 0);
  if (r->stop) {
    ck_assert_int_eq(uvsup_stop_worker(worker, SIGKILL), 0);
    return;
  }
  uv_check_init(&f->loop, &r->check);
  r->check.data = r;
  uv_check_start(&r->check, resume_after_exit);
}

START_TEST(test_capture_zero_grace_reads_what_is_in_the_pipe) {
  /* A grace of 0 is for pipes held by processes that escaped the group;
   * output already in the pipe when the worker is gone is always read,
   * even when the consumer resumes only after the exit. */
  resumer_t r;
  memset(&r, 0, sizeof(r));
  fixture_t f;
  fixture_init_capture(&f, 0, 1, pause_at_first, &r);
  char* args[] = { UVSUP_TEST_CHILD, "lines", "6000", "w0", NULL };
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.name = "w0";
  w.file = UVSUP_TEST_CHILD;
  w.args = args;
  w.output = UVSUP_OUTPUT_CAPTURE;
  w.kill_after_ms = 0;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(r.rec.w[0].bad, 0);
  ck_assert_int_eq(r.rec.w[0].next[1], 6000);
  ck_assert_int_eq(result_of(&f, "w0")->ok, 1);
}
END_TEST

START_TEST(test_capture_stop_wins_over_pause) {
  /* A worker stopped while its output is paused still finishes, without
   * a resume: what is in the pipe is delivered, the rest ends with it. */
  resumer_t r;
  memset(&r, 0, sizeof(r));
  r.stop = 1;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, pause_at_first, &r);
  add_indexed(&f, 0, "w0", "lines", "100000000", "w0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  /* Killed mid-write: only the last line may be cut. */
  ck_assert_int_le(r.rec.w[0].bad, 1);
  ck_assert_int_ge(r.rec.w[0].next[1], 1);
  ck_assert_int_eq(result_of(&f, "w0")->end, UVSUP_END_STOPPED);
  ck_assert_int_eq(result_of(&f, "w0")->term_signal, SIGKILL);
}
END_TEST

static void count_lines(fixture_t* f,
                        uvsup_worker_t* worker,
                        const uvsup_output_t* out) {
  (*(int*)f->data)++;
}

START_TEST(test_capture_waits_for_descriptors) {
  /* 60 captured workers with no limit but room for only a few pipes at a
   * time: running out of descriptors while others run is not a worker's
   * failure; each waits its turn and all succeed. */
  struct rlimit lim = { 20, 20 };
  ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &lim), 0);
  int lines = 0;
  fixture_t f;
  fixture_init_capture(&f, 0, 1, count_lines, &lines);
  char name[16];
  for (int i = 0; i < 60; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    fixture_add(&f, name, 0, 0, "out", "hi", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.summary.succeeded, 60);
  ck_assert_int_eq(lines, 60);
}
END_TEST

START_TEST(test_capture_needs_on_output) {
  fixture_t f;
  fixture_init(&f, 0);
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.file = "true";
  w.output = UVSUP_OUTPUT_CAPTURE;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL);
  w.output = (uvsup_output_mode_t)7;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), UV_EINVAL);
  w.output = UVSUP_OUTPUT_NULL;
  ck_assert_int_eq(uvsup_add(f.sup, &w, NULL), 0);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.summary.succeeded, 1);
}
END_TEST

int main(void) {
  Suite* s = suite_create("capture");
  TCase* lines = tcase_create("lines");
  tcase_add_test(lines, test_capture_many_lines_in_order);
  tcase_add_test(lines, test_capture_last_line_without_newline);
  tcase_add_test(lines, test_capture_long_line_in_pieces);
  tcase_add_test(lines, test_capture_dev_stdout);
  tcase_add_test(lines, test_capture_output_after_on_start);
  suite_add_tcase(s, lines);

  TCase* raw = tcase_create("raw");
  tcase_add_test(raw, test_capture_raw_bytes_exact);
  suite_add_tcase(s, raw);

  TCase* ending = tcase_create("ending");
  tcase_add_test(ending, test_capture_leftover_holding_pipe);
  tcase_add_test(ending, test_capture_escaped_daemon_holding_pipe);
  suite_add_tcase(s, ending);

  TCase* flow = tcase_create("flow");
  tcase_add_test(flow, test_capture_pause_and_resume);
  tcase_add_test(flow, test_capture_paused_longer_than_grace);
  tcase_add_test(flow, test_capture_pause_one_stream);
  tcase_add_test(flow, test_capture_zero_grace_reads_what_is_in_the_pipe);
  tcase_add_test(flow, test_capture_stop_wins_over_pause);
  tcase_add_test(flow, test_capture_needs_on_output);
  tcase_add_test(flow, test_capture_waits_for_descriptors);
  suite_add_tcase(s, flow);

  return tu_run_suite(s);
}
