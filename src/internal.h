/* Types and calls shared by the library's files; not part of the API. */
#ifndef UVSUP_INTERNAL_H
#define UVSUP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lines.h"
#include "table.h"
#include "uvsup.h"

/* A worker's life. The state machine lives in supervisor.c. */
typedef enum {
  WORKER_PENDING = 0, /* queued, waiting for a slot or for uvsup_start() */
  WORKER_RUNNING,     /* spawned (or spawn failed), handles open */
  WORKER_SKIPPED,     /* will be reported without a run (not started) */
  WORKER_FINISHED     /* reported through on_exit */
} worker_state_t;

/* What happened during a run, as bits, so a stop and a timeout can both be
 * recorded and the result says which came first. */
enum {
  RUN_EXITED = 1 << 0,         /* exit callback ran: never signal the pid */
  RUN_STOP_REQUESTED = 1 << 1, /* uvsup_stop() / uvsup_stop_worker() */
  RUN_TIMED_OUT = 1 << 2,      /* the run timeout fired */
  RUN_STOP_SENT = 1 << 3,      /* the stop signal went to the group */
  RUN_KILL_SENT = 1 << 4,      /* SIGKILL went to the group */
  RUN_SPAWN_FAILED = 1 << 5,
  RUN_REAPING_GROUP = 1 << 6, /* main process gone, its group is not */
  RUN_DRAINING = 1 << 7,      /* all gone but the pipes: bounded wait */
  RUN_OUTPUT_PAUSED = 1 << 8, /* uvsup_worker_pause_output() */
  RUN_REQUEUE = 1 << 9        /* EMFILE while others run: try again later */
};

/* One captured stream of a run: the read end of a real pipe (uv_pipe(), not
 * a socketpair, so a child may open /dev/stdout) and its line splitter. */
typedef struct {
  uv_pipe_t pipe; /* data: the run, like every handle of a run */
  int stream;     /* 1 or 2 */
  int open;       /* initialised and not yet closing */
  uvsup_lines_t lines;
} uvsup_capture_t;

/* Everything one run of a worker needs while its process lives: the handles
 * and their bookkeeping. Allocated at spawn, freed in the last handle's close
 * callback, so a finished worker keeps only its spec and result. */
typedef struct uvsup_run_s {
  uvsup_worker_t* worker;
  uv_process_t process;
  uv_timer_t timer;           /* timeout, kill escalation, leftovers, drain */
  uvsup_capture_t capture[2]; /* stdout, stderr; used with CAPTURE */
  unsigned flags;
  int open_handles;        /* the run is finished when this reaches 0 */
  int pid;                 /* also the process group id (setsid) */
  uint64_t group_check_ms; /* next wait while a leftover group is checked */
  uint64_t group_deadline; /* uv_now() after which the group is SIGKILLed */
  uint64_t drain_deadline; /* uv_now() after which open pipes are closed */
} uvsup_run_t;

/* What to run, copied out of uvsup_worker_options_t into one allocation. */
typedef struct {
  char* name;
  char* file;
  char** args;
  char** env; /* NULL: inherit */
  char* cwd;  /* NULL: inherit */
} uvsup_spec_t;

struct uvsup_worker_s {
  uvsup_t* sup;
  uvsup_spec_t* spec;
  void* data;
  uint64_t timeout_ms;
  uint64_t kill_after_ms;
  int stop_signal;
  uvsup_output_mode_t output;
  worker_state_t state;
  uvsup_run_t* run; /* while RUNNING */
  uvsup_result_t result;
  uvsup_worker_t* next_added;   /* every worker, in the order added */
  uvsup_worker_t* next_pending; /* FIFO of workers waiting to start */
  uvsup_worker_t* next_skipped; /* FIFO of workers to report unstarted */
  uvsup_worker_t* prev_live;    /* doubly linked list of RUNNING workers */
  uvsup_worker_t* next_live;
  uint32_t name_hash;
};

/* The last walk of /proc for live process groups (group.c). */
typedef struct {
  int* pgids; /* sorted */
  size_t count;
  size_t capacity;
  uint64_t at_ms; /* uv_now() of the walk */
  int valid;
  int complete; /* 0: a file could not be read; the walk proves nothing */
} uvsup_group_scan_t;

/* The supervisor's lifecycle. */
typedef enum {
  SUP_IDLE = 0, /* created, not started */
  SUP_STARTED,  /* uvsup_start() called */
  SUP_CLOSING,  /* everything finished; closing the supervisor's own handle */
  SUP_DONE      /* on_done has run */
} sup_state_t;

struct uvsup_s {
  uv_loop_t* loop;
  uvsup_options_t opts;
  sup_state_t state;
  int stopping;         /* uvsup_stop() called: start nothing new */
  uint64_t slice_start; /* uv_hrtime() of this turn's first spawn, or 0 */
  int fd_starved;       /* a spawn ran out of fds: start nothing until a run
                           ends and gives some back */
  int stop_signal;      /* signal given to uvsup_stop(), 0: per worker */
  /* Reports what needs no handle (workers never started) from the loop
   * rather than from inside the caller's uvsup_stop(); its close callback is
   * where on_done fires, so on_done always comes from the loop too. */
  uv_idle_t idle;
  uv_prepare_t turn; /* runs once per loop turn: a new spawning slice */
  uint64_t start_ns;
  uvsup_worker_t* first_added;
  uvsup_worker_t* last_added;
  uvsup_worker_t* pending_head;
  uvsup_worker_t* pending_tail;
  uvsup_worker_t* skipped_head;
  uvsup_worker_t* skipped_tail;
  uvsup_worker_t* live; /* RUNNING workers */
  size_t running;       /* count of RUNNING workers */
  size_t unfinished;    /* added and not yet FINISHED */
  uvsup_table_t by_pid;
  uvsup_table_t by_name;
  uvsup_summary_t summary;
  char* read_buf; /* one buffer for every read: libuv reads one at a time */
  uvsup_group_scan_t group_scan;
};

/* spec.c */
int uvsup__spec_new(const uvsup_worker_options_t* opts, uvsup_spec_t** spec);

/* spawn.c: starts a run of worker. Always creates the run; a spawn failure is
 * recorded in it and reported when its handles have closed. Returns 0 or
 * UV_ENOMEM (then nothing was created). */
int uvsup__run_spawn(uvsup_worker_t* worker);

/* spawn.c: uv_close()s one of the run's handles unless already closing. */
void uvsup__run_close_handle(uv_handle_t* handle);

/* supervisor.c: called by spawn.c once a run's every handle has closed. */
void uvsup__run_finished(uvsup_run_t* run);

/* capture.c: for UVSUP_OUTPUT_CAPTURE. prepare() makes the pipes and
 * fills stdio[1] and stdio[2] with the write ends; started() closes the
 * parent's write ends and starts reading (spawned) or closes everything. */
int uvsup__capture_prepare(uvsup_run_t* run, uv_stdio_container_t* stdio);
void uvsup__capture_started(uvsup_run_t* run,
                            uv_stdio_container_t* stdio,
                            int spawned);
/* Flushes a last unfinished line and closes the pipes still open. */
void uvsup__capture_close(uvsup_run_t* run);
int uvsup__capture_open(const uvsup_run_t* run);
void uvsup__capture_free(uvsup_t* sup);

/* group.c: 1 while a member of process group pgid runs (not a zombie). */
int uvsup__group_alive(uvsup_t* sup, int pgid);
void uvsup__group_scan_free(uvsup_t* sup);

/* stop.c */
void uvsup__run_arm_timeout(uvsup_run_t* run);
void uvsup__run_stop(uvsup_run_t* run, int signum);
void uvsup__run_exited(uvsup_run_t* run);
/* A captured pipe of the run was read from, or has closed. */
void uvsup__run_output_read(uvsup_run_t* run);
void uvsup__run_output_resumed(uvsup_run_t* run);
void uvsup__run_output_closed(uvsup_run_t* run);

#endif
