/* A supervisor on its own loop that records every callback, for the suites
 * that run real workers through the library. */
#ifndef UVSUP_TEST_FIXTURE_H
#define UVSUP_TEST_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <uvsup.h>

#include <uv.h>

#define FIXTURE_MAX_EVENTS 64

typedef struct fixture_s fixture_t;
typedef void (*fixture_hook_t)(fixture_t* f, uvsup_worker_t* worker);
typedef void (*fixture_output_hook_t)(fixture_t* f,
                                      uvsup_worker_t* worker,
                                      const uvsup_output_t* output);

struct fixture_s {
  uv_loop_t loop;
  uvsup_t* sup;
  int starts;
  int pids[FIXTURE_MAX_EVENTS];
  int exits;
  uvsup_result_t results[FIXTURE_MAX_EVENTS];
  char names[FIXTURE_MAX_EVENTS][32]; /* results[i].name points here */
  int done;
  uvsup_summary_t summary;
  size_t max_running;
  int handles_at_done; /* handles still open on the loop during on_done */
  int found_at_start;  /* uvsup_find_pid() gave the started worker */
  int found_at_exit;   /* uvsup_find_pid() still gave it after exit */
  int stop_at_starts;  /* uvsup_stop() once this many have started */
  fixture_hook_t on_start_hook;         /* called from on_start, if set */
  fixture_hook_t on_exit_hook;          /* called from on_exit, if set */
  fixture_output_hook_t on_output_hook; /* set: workers are captured */
  void* data;                           /* for the hooks */
  void* next_data; /* user data of the workers fixture_add() adds */
  int spawn_ahead; /* uvsup_options_t.spawn_ahead */
};

/* Sets how opts spawns, for every suite: the build tree's spawn helper,
 * or in-process when UVSUP_SPAWN=in-process (CTest runs the suites that
 * spawn both ways). */
void fixture_spawn_options(uvsup_options_t* opts);

void fixture_init(fixture_t* f, unsigned max_running);
/* Workers added later are captured: their output goes to hook, as lines
 * when lines is 1, else as raw chunks. */
void fixture_init_capture(fixture_t* f,
                          unsigned max_running,
                          int lines,
                          fixture_output_hook_t hook,
                          void* data);
/* fixture_init with spawn_ahead. */
void fixture_init_ahead(fixture_t* f, unsigned max_running);
/* A supervisor on someone else's loop; f->loop is left unused. */
void fixture_init_on(fixture_t* f, uv_loop_t* loop, unsigned max_running);

/* Adds a worker running the test child with the given steps (NULL-ended).
 * Returns it; timeout and grace as given (0: the defaults). */
uvsup_worker_t* fixture_add(fixture_t* f,
                            const char* name,
                            uint64_t timeout_ms,
                            uint64_t kill_after_ms,
                            ...);
#define add_child(f, name, ...) fixture_add(f, name, 0, 0, __VA_ARGS__)
/* Adds to sup a worker running the test child with the steps (a
 * NULL-ended list of strings), its other options taken from w. */
uvsup_worker_t* fixture_add_child_v(uvsup_t* sup,
                                    const char* name,
                                    uvsup_worker_options_t w,
                                    va_list steps);

const uvsup_result_t* fixture_result(fixture_t* f, const char* name);
#define result_of fixture_result

/* Runs the loop to its end; asserts on_done ran once with no handle left
 * open, then frees the supervisor and asserts uv_loop_close() == 0. */
void fixture_run(fixture_t* f);

#endif
