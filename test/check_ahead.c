/* Spawning ahead (uvsup_options_t.spawn_ahead): the helper starts the next
 * queued worker the moment a running one exits cleanly, and nothing a user
 * sees changes: no more than max_running processes at once, each on_exit
 * before the on_start it made room for, a failure or a stop still decides
 * what starts next. Runs through the helper and in-process (where nothing
 * is asked ahead, and every promise holds all the same). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>
#include <uv.h>

#include "fixture.h"
#include "testutil.h"

static int in_process(void) {
  const char* mode = getenv("UVSUP_SPAWN");
  return mode != NULL && strcmp(mode, "in-process") == 0;
}

/* Processes between their on_start and their on_exit, and the most seen. */
typedef struct {
  int live;
  int most;
  int stop_on_failure;
} live_t;

static void count_start(fixture_t* f, uvsup_worker_t* worker) {
  live_t* l = f->data;
  if (++l->live > l->most) {
    l->most = l->live;
  }
}

static void count_exit(fixture_t* f, uvsup_worker_t* worker) {
  live_t* l = f->data;
  const uvsup_result_t* r = &f->results[f->exits - 1];
  if (r->pid != 0) {
    l->live--;
  }
  if (l->stop_on_failure && r->end == UVSUP_END_EXITED && !r->ok) {
    ck_assert_int_eq(uvsup_stop(f->sup, 0), 0);
  }
}

static void watch(fixture_t* f, live_t* l) {
  memset(l, 0, sizeof(*l));
  f->data = l;
  f->on_start_hook = count_start;
  f->on_exit_hook = count_exit;
}

START_TEST(test_ahead_keeps_the_limit_and_the_order) {
  fixture_t f;
  live_t l;
  fixture_init_ahead(&f, 2);
  watch(&f, &l);
  char name[8];
  /* Each runs a while (the work), so the next one's request is at the
   * helper well before the run ahead of it ends. */
  for (int i = 0; i < 24; i++) {
    snprintf(name, sizeof(name), "w%d", i);
    add_child(&f, name, "sleep", "20", NULL);
  }
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 24);
  ck_assert_int_eq(f.summary.succeeded, 24);
  ck_assert_int_le(l.most, 2); /* an on_exit before the next on_start */
  ck_assert_uint_le(f.max_running, 2);
  if (in_process()) {
    ck_assert_uint_eq(f.summary.spawned_ahead, 0);
  } else {
    ck_assert_uint_gt(f.summary.spawned_ahead, 0);
  }
}
END_TEST

/* A failure does not start the next one in the helper; the host does,
 * once the failed run is finished, as without spawning ahead. */
START_TEST(test_ahead_after_a_failure_the_next_still_runs) {
  fixture_t f;
  live_t l;
  fixture_init_ahead(&f, 1);
  watch(&f, &l);
  add_child(&f, "a", "sleep", "50", "exit", "3", NULL);
  add_child(&f, "b", "exit", "0", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(result_of(&f, "a")->exit_status, 3);
  ck_assert(result_of(&f, "b")->ok);
  ck_assert_int_le(l.most, 1);
  ck_assert_uint_eq(f.summary.spawned_ahead, 0);
}
END_TEST

/* A stop while the next one waits at the helper: it never runs. */
START_TEST(test_ahead_stop_cancels_the_waiting_spawn) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/b-ran", dir);
  fixture_t f;
  fixture_init_ahead(&f, 1);
  f.stop_at_starts = 1; /* from a's on_start: b is asked ahead by then */
  add_child(&f, "a", "pause", NULL);
  add_child(&f, "b", "mark", mark, "b", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert_int_eq(f.starts, 1);
  ck_assert_int_eq(result_of(&f, "b")->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_ne(access(mark, F_OK), 0);
  ck_assert_uint_eq(f.summary.stopped, 2);
  free(mark);
  free(dir);
}
END_TEST

/* A stop asked from the on_exit of a failed run comes in time: the next
 * one was not started ahead (only a success starts it). */
START_TEST(test_ahead_stop_on_failure_starts_nothing_more) {
  char* dir = tu_tmpdir_new();
  char* mark = tu_fmt("%s/c-ran", dir);
  fixture_t f;
  live_t l;
  fixture_init_ahead(&f, 1);
  watch(&f, &l);
  l.stop_on_failure = 1;
  add_child(&f, "a", "exit", "0", NULL);
  add_child(&f, "b", "sleep", "50", "exit", "1", NULL);
  add_child(&f, "c", "mark", mark, "c", NULL);
  ck_assert_int_eq(uvsup_start(f.sup), 0);
  fixture_run(&f);
  ck_assert(result_of(&f, "a")->ok);
  ck_assert_int_eq(result_of(&f, "b")->exit_status, 1);
  ck_assert_int_eq(result_of(&f, "c")->end, UVSUP_END_NOT_STARTED);
  ck_assert_int_ne(access(mark, F_OK), 0);
  free(mark);
  free(dir);
}
END_TEST

int main(void) {
  Suite* s = suite_create("ahead");
  TCase* tc = tu_tcase_new(s, "ahead", 0);
  tcase_add_test(tc, test_ahead_keeps_the_limit_and_the_order);
  tcase_add_test(tc, test_ahead_after_a_failure_the_next_still_runs);
  tcase_add_test(tc, test_ahead_stop_cancels_the_waiting_spawn);
  tcase_add_test(tc, test_ahead_stop_on_failure_starts_nothing_more);
  return tu_run_suite(s);
}
