/* A supervisor on its own loop that records every callback. */
#include "fixture.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

static void count_handle(uv_handle_t* handle, void* arg) {
  if (!uv_is_closing(handle)) {
    (*(int*)arg)++;
  }
}

static void on_start(uvsup_t* sup, uvsup_worker_t* worker, int pid) {
  fixture_t* f = uvsup_get_data(sup);
  ck_assert_int_gt(pid, 0);
  ck_assert_int_eq(uvsup_worker_pid(worker), pid);
  ck_assert_int_lt(f->starts, FIXTURE_MAX_EVENTS);
  if (uvsup_find_pid(sup, pid) == worker) {
    f->found_at_start++;
  }
  f->pids[f->starts++] = pid;
  if (uvsup_running(sup) > f->max_running) {
    f->max_running = uvsup_running(sup);
  }
  if (f->starts == f->stop_at_starts) {
    ck_assert_int_eq(uvsup_stop(sup, 0), 0);
  }
  if (f->on_start_hook != NULL) {
    f->on_start_hook(f, worker);
  }
}

static void on_exit_cb(uvsup_t* sup,
                       uvsup_worker_t* worker,
                       const uvsup_result_t* result) {
  fixture_t* f = uvsup_get_data(sup);
  ck_assert_ptr_eq(uvsup_worker_result(worker), result);
  ck_assert_int_lt(f->exits, FIXTURE_MAX_EVENTS);
  if (result->pid != 0 && uvsup_find_pid(sup, result->pid) == worker) {
    f->found_at_exit++;
  }
  snprintf(f->names[f->exits], sizeof(f->names[0]), "%s", result->name);
  f->results[f->exits] = *result;
  f->results[f->exits].name = f->names[f->exits];
  f->exits++;
  if (f->on_exit_hook != NULL) {
    f->on_exit_hook(f, worker);
  }
}

static void on_done(uvsup_t* sup, const uvsup_summary_t* summary) {
  fixture_t* f = uvsup_get_data(sup);
  f->done++;
  f->summary = *summary;
  uv_walk(uvsup_get_loop(sup), count_handle, &f->handles_at_done);
}

static void on_output(uvsup_t* sup,
                      uvsup_worker_t* worker,
                      const uvsup_output_t* output) {
  fixture_t* f = uvsup_get_data(sup);
  ck_assert(output->stream == 1 || output->stream == 2);
  f->on_output_hook(f, worker, output);
}

void fixture_spawn_options(uvsup_options_t* opts) {
  const char* mode = getenv("UVSUP_SPAWN");
  opts->spawn_in_process = mode != NULL && strcmp(mode, "in-process") == 0;
  opts->spawn_helper = UVSUP_TEST_HELPER;
}

static void init(fixture_t* f,
                 uv_loop_t* loop,
                 unsigned max_running,
                 int lines) {
  uvsup_options_t opts;
  uvsup_options_init(&opts);
  opts.max_running = max_running;
  opts.spawn_ahead = f->spawn_ahead;
  opts.on_start = on_start;
  opts.on_exit = on_exit_cb;
  opts.on_done = on_done;
  opts.on_output = f->on_output_hook != NULL ? on_output : NULL;
  opts.output_lines = lines;
  opts.data = f;
  fixture_spawn_options(&opts);
  ck_assert_int_eq(uvsup_new(loop, &opts, &f->sup), 0);
}

void fixture_init(fixture_t* f, unsigned max_running) {
  memset(f, 0, sizeof(*f));
  ck_assert_int_eq(uv_loop_init(&f->loop), 0);
  init(f, &f->loop, max_running, 0);
}

void fixture_init_capture(fixture_t* f,
                          unsigned max_running,
                          int lines,
                          fixture_output_hook_t hook,
                          void* data) {
  memset(f, 0, sizeof(*f));
  ck_assert_int_eq(uv_loop_init(&f->loop), 0);
  f->on_output_hook = hook;
  f->data = data;
  init(f, &f->loop, max_running, lines);
}

void fixture_init_ahead(fixture_t* f, unsigned max_running) {
  memset(f, 0, sizeof(*f));
  ck_assert_int_eq(uv_loop_init(&f->loop), 0);
  f->spawn_ahead = 1;
  init(f, &f->loop, max_running, 0);
}

void fixture_init_on(fixture_t* f, uv_loop_t* loop, unsigned max_running) {
  init(f, loop, max_running, 0);
}

uvsup_worker_t* fixture_add_child_v(uvsup_t* sup,
                                    const char* name,
                                    uvsup_worker_options_t w,
                                    va_list steps) {
  char* args[32] = { UVSUP_TEST_CHILD };
  size_t n = 1;
  for (char* a; (a = va_arg(steps, char*)) != NULL && n < 31;) {
    args[n++] = a;
  }
  w.name = name;
  w.file = UVSUP_TEST_CHILD;
  w.args = args;
  uvsup_worker_t* worker = NULL;
  ck_assert_int_eq(uvsup_add(sup, &w, &worker), 0);
  return worker;
}

uvsup_worker_t* fixture_add(fixture_t* f,
                            const char* name,
                            uint64_t timeout_ms,
                            uint64_t kill_after_ms,
                            ...) {
  uvsup_worker_options_t w;
  uvsup_worker_options_init(&w);
  w.timeout_ms = timeout_ms;
  w.data = f->next_data;
  w.output =
      f->on_output_hook != NULL ? UVSUP_OUTPUT_CAPTURE : UVSUP_OUTPUT_INHERIT;
  if (kill_after_ms != 0) {
    w.kill_after_ms = kill_after_ms;
  }
  va_list ap;
  va_start(ap, kill_after_ms);
  uvsup_worker_t* worker = fixture_add_child_v(f->sup, name, w, ap);
  va_end(ap);
  return worker;
}

const uvsup_result_t* fixture_result(fixture_t* f, const char* name) {
  for (int i = 0; i < f->exits; i++) {
    if (strcmp(f->results[i].name, name) == 0) {
      return &f->results[i];
    }
  }
  ck_abort_msg("no result for %s", name);
  return NULL;
}

void fixture_run(fixture_t* f) {
  ck_assert_int_eq(uv_run(&f->loop, UV_RUN_DEFAULT), 0);
  ck_assert_int_eq(f->done, 1);
  ck_assert_int_eq(f->handles_at_done, 0);
  ck_assert_int_eq(uvsup_free(f->sup), 0);
  ck_assert_int_eq(uv_loop_close(&f->loop), 0);
}
