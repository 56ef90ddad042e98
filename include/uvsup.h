/* uvsup: a process supervisor on the caller's libuv loop (public API). */
#ifndef UVSUP_H
#define UVSUP_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#  define UVSUP_EXTERN __attribute__((visibility("default")))
#else
#  define UVSUP_EXTERN
#endif

#define UVSUP_VERSION_MAJOR  0
#define UVSUP_VERSION_MINOR  1
#define UVSUP_VERSION_PATCH  0
#define UVSUP_VERSION_STRING "0.1.0"

/* uvsup's own error codes, below every libuv code. Everything else a call
 * returns is a negative libuv error code (UV_EINVAL, UV_ENOMEM, ...). */
#define UVSUP_ESTATE    (-5001) /* call not allowed in the current state */
#define UVSUP_EDUPNAME  (-5002) /* a worker with that name already exists */
#define UVSUP_ESTOPPING (-5003) /* the supervisor is stopping */
#define UVSUP_ECYCLE    (-5004) /* the dependencies form a cycle */
#define UVSUP_ENODEP    (-5005) /* a dependency names no worker */

typedef struct uvsup_s uvsup_t;
typedef struct uvsup_worker_s uvsup_worker_t;

/* How a run ended. A run counts as timed out or stopped only if the signal
 * that ended it found its process still running: one that had exited on
 * its own just before (its news on the way) ends as its exit says. */
typedef enum {
  UVSUP_END_EXITED = 0,   /* the process exited; see exit_status */
  UVSUP_END_SIGNALED,     /* killed by a signal uvsup did not send */
  UVSUP_END_TIMED_OUT,    /* hit its timeout; term_signal says what ended it */
  UVSUP_END_STOPPED,      /* stopped by uvsup_stop() or uvsup_stop_worker() */
  UVSUP_END_SPAWN_FAILED, /* uv_spawn failed; see error */
  UVSUP_END_NOT_STARTED,  /* stopped before it was ever spawned */
  UVSUP_END_GAVE_UP,      /* failed past its restart limit: exit_status,
                             term_signal and error tell how the last run
                             ended */
  UVSUP_END_LOST,         /* the spawn helper died while the run was live:
                             how it ended is unknown; its process group was
                             sent SIGKILL */
  UVSUP_END_NOT_READY,    /* not ready within ready_timeout_ms: stopped */
  UVSUP_END_WATCHDOG,     /* its watchdog or liveness probe failed after
                             it was ready: stopped */
  UVSUP_END_SKIPPED       /* never started: a dependency will never be met
                             (reason says which) */
} uvsup_end_t;

/* What comes after a run, as on_exit reports it. */
typedef enum {
  UVSUP_NEXT_NONE = 0, /* the worker is finished for good */
  UVSUP_NEXT_RESTART,  /* it starts again in restart_in_ms */
  UVSUP_NEXT_GAVE_UP   /* past its restart limit: never restarted */
} uvsup_next_t;

/* Where a worker is in its life. uvsup_state_name() names each. */
typedef enum {
  UVSUP_STATE_QUEUED = 0, /* waiting for a slot, or for uvsup_start() */
  UVSUP_STATE_STARTING,   /* its process runs, not ready yet (or its run
                             is ending) */
  UVSUP_STATE_STOPPING,   /* a stop was asked of its running process */
  UVSUP_STATE_BACKOFF,    /* waiting to start again (restart delay, or a
                             file descriptor or process slot) */
  UVSUP_STATE_FINISHED,   /* finished for good */
  UVSUP_STATE_GAVE_UP,    /* failed past its restart limit */
  UVSUP_STATE_SKIPPED,    /* stopped before it ever ran, or a dependency
                             will never be met */
  UVSUP_STATE_WAITING,    /* waiting for its dependencies */
  UVSUP_STATE_READY       /* its process runs and is ready (its check
                             passed, or it ran min_uptime_ms) */
} uvsup_state_t;

/* The name before readiness existed: a spawned worker not ready yet. */
#define UVSUP_STATE_RUNNING UVSUP_STATE_STARTING

/* What a worker waits for in each of its dependencies ("after"). */
typedef enum {
  UVSUP_DEP_READY = 0, /* it is ready (the default) */
  UVSUP_DEP_STARTED,   /* it was spawned */
  UVSUP_DEP_SUCCEEDED, /* it finished with success (a one-shot job) */
  UVSUP_DEP_COMPLETED  /* it finished, however */
} uvsup_dep_condition_t;

/* When a worker starts again after its process ends. */
typedef enum {
  UVSUP_RESTART_NO = 0,      /* never (the default) */
  UVSUP_RESTART_ON_FAILURE,  /* a failure: non-zero exit not listed as
                                success, a signal uvsup did not send, a
                                timeout, a spawn failure */
  UVSUP_RESTART_ON_ABNORMAL, /* a signal uvsup did not send, a timeout */
  UVSUP_RESTART_ALWAYS       /* any end, success included */
} uvsup_restart_t;

/* What a restart of one worker does to the others (Erlang/OTP). Workers
 * with UVSUP_RESTART_NO are stopped by a strategy but never restarted. */
typedef enum {
  UVSUP_STRATEGY_ONE_FOR_ONE = 0, /* only the worker restarts */
  UVSUP_STRATEGY_ONE_FOR_ALL,     /* every other running worker is stopped
                                     (newest first) and all start again in
                                     the order added */
  UVSUP_STRATEGY_REST_FOR_ONE     /* the same for the workers added after
                                     it */
} uvsup_strategy_t;

/* What the supervisor does when a worker gives up. */
typedef enum {
  UVSUP_GIVE_UP_CONTINUE = 0, /* the others go on */
  UVSUP_GIVE_UP_STOP          /* stop every worker and finish */
} uvsup_give_up_t;

/* What became of one run of a worker. Filled by uvsup; valid during
 * on_exit, and uvsup_worker_result() keeps the last one until the worker's
 * next run ends, it is released, or uvsup_free(). ok is 1 for exit status
 * 0 and for the codes listed in success_exit_codes. */
typedef struct {
  const char* name;       /* the worker's name */
  void* data;             /* the worker's user data */
  int pid;                /* 0 when the process never started */
  uvsup_end_t end;        /* how the run ended */
  int ok;                 /* 1 when it exited with a success status */
  int64_t exit_status;    /* exit status, or -1 when it did not exit */
  int term_signal;        /* signal that killed it, or 0 */
  int error;              /* spawn error (negative libuv code), or 0 */
  uint64_t start_ns;      /* uv_hrtime() at spawn; 0 when never started */
  uint64_t duration_ns;   /* from spawn to exit; 0 when never started */
  unsigned run;           /* 1 for the worker's first run; 0: never ran */
  uvsup_next_t next;      /* what follows this run */
  uint64_t restart_in_ms; /* with UVSUP_NEXT_RESTART: the delay */
  uint64_t ready_ns;      /* from spawn to ready; 0: never ready */
  const char* status;     /* the last STATUS= it sent (notify), or NULL */
  const char* reason;     /* with UVSUP_END_SKIPPED: why ("db gave up") */
} uvsup_result_t;

/* Where a worker's stdout and stderr go. */
typedef enum {
  UVSUP_OUTPUT_INHERIT = 0, /* share the supervisor process's stdout/stderr */
  UVSUP_OUTPUT_NULL,        /* /dev/null */
  UVSUP_OUTPUT_CAPTURE      /* real pipes, read by uvsup, given to on_output */
} uvsup_output_mode_t;

/* Where a worker's stdin comes from. */
typedef enum {
  UVSUP_INPUT_NULL = 0, /* /dev/null (the default) */
  UVSUP_INPUT_INHERIT   /* the supervisor process's own stdin */
} uvsup_input_mode_t;

/* The longest line on_output gets in line mode; a longer line comes in
 * pieces of this size, each with newline == 0. */
#define UVSUP_LINE_MAX (64 * 1024)

/* Output of a captured worker, for on_output. */
typedef struct {
  int stream;       /* 1: stdout, 2: stderr */
  const char* data; /* valid during the callback only */
  size_t len;
  int newline; /* line mode: 1 when a '\n' (not in data) ended the
                  line; 0 for a piece of a longer line and for a last
                  line without one. Always 0 in raw mode. */
} uvsup_output_t;

/* Totals for on_done. Workers are counted once each, by their final
 * result; runs and restarts count every run. */
typedef struct {
  size_t workers;        /* workers finished for good */
  size_t succeeded;      /* final result ok == 1 */
  size_t failed;         /* exited non-zero, signaled, timed out, spawn
                            failed, gave up, not ready in time, watchdog,
                            skipped for a dependency */
  size_t stopped;        /* ended by a stop request (including not started) */
  uint64_t duration_ns;  /* from uvsup_start() to on_done */
  size_t runs;           /* runs ended (a worker restarted twice: 3) */
  size_t restarts;       /* restarts scheduled */
  size_t gave_up;        /* workers that gave up (also counted as failed) */
  size_t orphans_reaped; /* with reap_orphans: orphans reaped */
  size_t spawned_ahead;  /* with spawn_ahead: runs the spawn helper started
                            the moment the run ahead of them ended */
} uvsup_summary_t;

/* A worker's counters, for uvsup_worker_stats(). */
typedef struct {
  unsigned runs;     /* runs ended */
  unsigned restarts; /* restarts scheduled */
  unsigned failures; /* consecutive failures since the backoff was reset */
  uint64_t next_start_in_ms; /* in UVSUP_STATE_BACKOFF with a delay: the
                                time left; else 0 */
  uint64_t ready_ns;  /* the current or last run: spawn to ready; 0: not */
  const char* status; /* the last STATUS= text (notify), or NULL; valid
                         until the next uvsup call */
} uvsup_worker_stats_t;

/* Callbacks. Each gets the supervisor; uvsup_get_data() gives its user data.
 * Any uvsup call may be made from inside a callback except uvsup_free(),
 * which is allowed from on_done only. */
typedef void (*uvsup_start_cb)(uvsup_t* sup, uvsup_worker_t* worker, int pid);
typedef void (*uvsup_exit_cb)(uvsup_t* sup,
                              uvsup_worker_t* worker,
                              const uvsup_result_t* result);
typedef void (*uvsup_done_cb)(uvsup_t* sup, const uvsup_summary_t* summary);
/* Every change of a worker's state, for logging or metrics. */
typedef void (*uvsup_state_cb)(uvsup_t* sup,
                               uvsup_worker_t* worker,
                               uvsup_state_t from,
                               uvsup_state_t to);
/* Output of a captured worker: whole lines (see output_lines) or raw chunks
 * as read. Every byte a worker writes comes through here, in order per
 * stream, before its on_exit. */
typedef void (*uvsup_output_cb)(uvsup_t* sup,
                                uvsup_worker_t* worker,
                                const uvsup_output_t* output);
/* A worker sent STATUS=text (notify readiness); text is valid during the
 * callback, and in the worker's stats and result until its next run. */
typedef void (*uvsup_status_cb)(uvsup_t* sup,
                                uvsup_worker_t* worker,
                                const char* text);

/* Threading: a supervisor belongs to its loop's thread. Every call on it,
 * and on its workers, must come from that thread (debug builds assert it);
 * two supervisors on two loops in two threads are independent. */

/* Supervisor options. Call uvsup_options_init() first, then set what you
 * need: fields added in later versions get their defaults from it. */
typedef struct {
  unsigned max_running;    /* at most this many at once; 0: no limit */
  uvsup_start_cb on_start; /* a worker's process was spawned */
  uvsup_exit_cb on_exit; /* a run is finished: exited and every handle closed */
  uvsup_done_cb on_done; /* every worker finished, every handle closed */
  uvsup_output_cb on_output;  /* output of UVSUP_OUTPUT_CAPTURE workers */
  int output_lines;           /* 1: on_output gets whole lines; 0: raw chunks */
  void* data;                 /* user data, see uvsup_get_data() */
  uvsup_state_cb on_state;    /* every change of a worker's state */
  int keep_open;              /* 1: a service's supervisor: on_done only after
                                 uvsup_stop() or uvsup_drain(), workers may be added at
                                 any time. 0 (default): a batch, on_done once every
                                 worker added is finished for good. */
  int release_finished;       /* 1: free each worker once it is finished for
                                 good, after its on_exit (see
                                 uvsup_release_worker()) */
  uvsup_strategy_t strategy;  /* default UVSUP_STRATEGY_ONE_FOR_ONE */
  uvsup_give_up_t on_give_up; /* default UVSUP_GIVE_UP_CONTINUE */
  uint64_t seed; /* seeds the restart jitter, for reproducible delays;
                    0: from the clock */
  /* Spawning. By default workers are spawned by the spawn helper, a small
   * program (uvsup-spawn) that uvsup_start() starts with posix_spawn: the
   * host is never forked, so a spawn costs the host the same at any size,
   * and when the host dies, even by SIGKILL, the helper stops every
   * worker's process group. */
  const char* spawn_helper; /* the helper program; NULL: the environment
                               variable UVSUP_SPAWN_HELPER, else the one
                               installed with the library */
  int spawn_in_process;     /* 1: uv_spawn from the host's own loop (each
                               spawn forks the host; workers outlive a
                               host that is killed) */
  /* 1: with max_running and every slot taken, the next queued worker's
   * spawn is sent to the helper ahead, behind a running worker, and the
   * helper starts it the moment that worker's process exits 0 with
   * nothing of its group left, sparing a round trip through this loop
   * (short jobs at a low limit run up to ~10 % faster). That worker's
   * on_exit still comes before the next one's on_start, and no more
   * than max_running processes run at once; but a stop or hold asked
   * from inside that on_exit comes too late for the next one, which
   * is then stopped like any running worker: leave it 0 where a success
   * must be able to stop the rest. Only runs whose output is not
   * captured, that are not restarted after a success, under
   * UVSUP_STRATEGY_ONE_FOR_ONE, and only through the helper. Default 0. */
  int spawn_ahead;
  uint64_t stop_timeout_ms;  /* uvsup_stop(): everything still running this
                                long after gets SIGKILL; 0: no deadline */
  uvsup_status_cb on_status; /* a worker sent STATUS= */
  /* For a host that is PID 1 (a container's init) or a child subreaper
   * (prctl(PR_SET_CHILD_SUBREAPER), which the caller sets): processes
   * whose parent died are re-parented to it, and someone must reap them
   * or they stay zombies. With reap_orphans = 1, from uvsup_start() on,
   * uvsup reaps every child of this process that exits and is neither
   * its own (uvsup_owns_pid(): a worker spawned in-process, the spawn
   * helper) nor a uv_process_t on this loop, so libuv and the spawner
   * still get every exit of theirs. It never calls
   * waitpid(-1): on SIGCHLD it lists this process's own children
   * (/proc/self/task/TID/children, Linux) and reaps only those. Children
   * that the process forks some other way (system(), popen(), uv_spawn on
   * another loop) would be reaped too: enable it only where every child
   * is spawned on this loop. When the supervisor finishes, the orphans
   * still running get orphan_stop_signal (and SIGCONT), SIGKILL after
   * orphan_kill_after_ms, and on_done waits until they are gone (one
   * that SIGKILL cannot end within as long again is left). */
  int reap_orphans;
  int orphan_stop_signal;        /* default SIGTERM */
  uint64_t orphan_kill_after_ms; /* default 5000 */
} uvsup_options_t;

/* Worker options. Call uvsup_worker_options_init() first. uvsup_add() copies
 * every string and array, so they may be freed once it returns. */
typedef struct {
  const char* name;           /* unique within the supervisor; NULL: the file */
  const char* file;           /* program to run, looked up in PATH (required) */
  char** args;                /* argv, NULL-terminated; NULL: { file, NULL } */
  char** env;                 /* "K=V" array, NULL-terminated; NULL: inherit */
  const char* cwd;            /* working directory; NULL: inherit */
  uint64_t timeout_ms;        /* stop the run after this long; 0: never */
  int stop_signal;            /* first signal of a stop; default SIGTERM */
  uint64_t kill_after_ms;     /* grace before SIGKILL; default 5000. Also how
                                 long captured pipes may stay open after the
                                 worker's group is gone before uvsup closes
                                 them (a daemon that escaped with them). */
  uvsup_output_mode_t output; /* default UVSUP_OUTPUT_INHERIT */
  uvsup_input_mode_t input;   /* default UVSUP_INPUT_NULL */
  void* data;                 /* user data, passed back in results */
  uvsup_restart_t restart;    /* default UVSUP_RESTART_NO */
  const int* success_exit_codes; /* exit codes (0-255) that count as
                                    success besides 0; copied */
  size_t success_exit_count;
  /* Backoff: the delay before restart k is
   * min(restart_delay_max_ms, restart_delay_ms * restart_factor^(k-1)),
   * then +/- restart_jitter of it. k counts failures in a row and starts
   * again after a run of restart_reset_ms. A restart that uvsup_stop()
   * or uvsup_stop_worker() caused never happens. */
  uint64_t restart_delay_ms;     /* default 500; never 0 */
  uint64_t restart_delay_max_ms; /* default 30000 */
  double restart_factor;         /* default 2, at least 1 */
  double restart_jitter;         /* default 0.1, in [0, 1) */
  uint64_t restart_reset_ms;     /* 0 (default): 2 * restart_delay_max_ms */
  /* Give up past restart_limit restarts within restart_period_ms (0: past
   * restart_limit failures in a row); restart_limit 0: never give up. */
  unsigned restart_limit;
  uint64_t restart_period_ms;
  /* Give up past start_retries failed starts in a row. A failed start is
   * a run that ended before it was ready (see ready below), when the
   * restart policy would restart it: 0 gives up after the first failed
   * start, 2 after the third. A run that became ready starts the count
   * again, and so does uvsup_restart_worker(). It is independent of
   * restart_limit: whichever is spent first gives up. Default -1: no
   * limit of its own. */
  int start_retries;
  /* Run as another user: with set_user 1, each run gets uid and gid
   * (uv_spawn's setuid/setgid, which also drops supplementary groups).
   * Only a privileged process may (root): otherwise each run ends as a
   * spawn failure with UV_EPERM. Default 0: uvsup's own user. */
  int set_user;
  uv_uid_t uid;
  uv_gid_t gid;
  /* Readiness: how the worker says it is ready, as a string (see
   * uvsup_check_ready()); NULL: ready once it has run min_uptime_ms. A
   * run that ends before it is ready is a failed start: its time does not
   * count towards restart_reset_ms. */
  const char* ready;
  uint64_t ready_timeout_ms; /* with a check: not ready this long is
                                UVSUP_END_NOT_READY; default 60000, 0:
                                never */
  uint64_t min_uptime_ms;    /* without a check: default 1000; 0: ready at
                                spawn */
  uint64_t watchdog_ms;      /* 0 (default): none. notify: WATCHDOG=1 must
                                come within it (WATCHDOG_USEC exported);
                                tcp, exec: the probe runs every watchdog_ms
                                after ready and 3 misses in a row fail */
  /* Dependencies: "NAME[:CONDITION][:restart][,...]", CONDITION started,
   * ready (default), succeeded or completed; ":restart" restarts this
   * worker after NAME is ready again whenever NAME restarts. The worker
   * waits (UVSUP_STATE_WAITING) until each is met and is skipped when one
   * never will be. Names are resolved at uvsup_start() (later adds: at
   * once). NULL: none. */
  const char* after;
} uvsup_worker_options_t;

/* Checks a readiness string: "fd[:N]" (a line on descriptor N, default
 * 3, 3-255; UVSUP_READY_FD=N exported), "notify" (sd_notify READY=1 on
 * $NOTIFY_SOCKET, from any process of the worker's session), "log:REGEX"
 * (a line of captured output matches the POSIX extended REGEX; needs
 * UVSUP_OUTPUT_CAPTURE), "tcp:[HOST:]PORT" (a connection succeeds; HOST an
 * IPv4 address, [IPv6] or localhost; default 127.0.0.1), "exec:COMMAND"
 * (/bin/sh -c COMMAND exits 0) or "exit" (the worker exited with
 * success). A REGEX whose repetitions expand to more than
 * UVSUP_READY_REGEX_MAX_ATOMS atoms ("x{3}" is 3, "(ab)+" is 4, and nested
 * ones multiply) is refused: regcomp() copies every repetition, so a short
 * pattern such as "b++++++++++++++++++++++++++++++" could take gigabytes;
 * so is a repetition right after another ("x?+", undefined in POSIX).
 * Returns 0, UV_EINVAL or UV_ENOMEM. */
#define UVSUP_READY_REGEX_MAX_ATOMS 4096
UVSUP_EXTERN int uvsup_check_ready(const char* ready);

/* Checks a dependency list as worker options' after takes it. Returns 0
 * or UV_EINVAL. */
UVSUP_EXTERN int uvsup_check_after(const char* after);

/* Says more about the last error of uvsup_start() or uvsup_add(): the
 * cycle ("a -> b -> a") for UVSUP_ECYCLE, "web: no worker 'db'" for
 * UVSUP_ENODEP; "" otherwise. Valid until the next call on sup. */
UVSUP_EXTERN const char* uvsup_error_detail(const uvsup_t* sup);

/* Fills opts with defaults: no concurrency limit, no callbacks, no
 * reaping of orphans. */
UVSUP_EXTERN void uvsup_options_init(uvsup_options_t* opts);

/* Fills opts with defaults: no name, inherit env and cwd, no timeout,
 * SIGTERM, 5 s of grace, no restart (backoff 500 ms doubling up to 30 s,
 * 10 % jitter, reset after 60 s, no give-up limit), no readiness check
 * (ready after 1 s), a ready timeout of 60 s for checks, no dependency. */
UVSUP_EXTERN void uvsup_worker_options_init(uvsup_worker_options_t* opts);

/* Creates a supervisor that runs on loop, which stays the caller's: uvsup
 * never runs, stops or closes it. opts may be NULL for the defaults. On
 * success stores the supervisor in *sup and returns 0; returns UV_EINVAL for a
 * NULL loop or sup, UV_ENOMEM when out of memory. No handle is opened until
 * uvsup_start(). */
UVSUP_EXTERN int uvsup_new(uv_loop_t* loop,
                           const uvsup_options_t* opts,
                           uvsup_t** sup);

/* Adds a worker. Allowed before uvsup_start() and while running, until
 * on_done (with keep_open, until uvsup_stop() or uvsup_drain()). It only
 * enqueues: nothing is spawned inside this call; the worker starts from
 * the loop as soon as the concurrency limit allows. Everything in opts is
 * copied. Stores the worker in *worker when worker is not NULL; the
 * pointer stays valid until the worker is released or uvsup_free().
 * Returns 0, UV_EINVAL (no file, empty name, bad stop_signal, a restart
 * setting out of range, a success exit code outside 0-255,
 * UVSUP_OUTPUT_CAPTURE without on_output, a bad ready or after string, or
 * a log check without UVSUP_OUTPUT_CAPTURE), UVSUP_ENODEP (after
 * uvsup_start(): a dependency names no worker), UVSUP_EDUPNAME (a worker of
 * that name exists and is not released), UVSUP_ESTATE (a batch whose
 * every worker has finished after uvsup_start(): on_done is then due, on
 * the next loop turn at the latest), UVSUP_ESTOPPING (after uvsup_stop()
 * or uvsup_drain()) or UV_ENOMEM. */
UVSUP_EXTERN int uvsup_add(uvsup_t* sup,
                           const uvsup_worker_options_t* opts,
                           uvsup_worker_t** worker);

/* Starts the workers, up to the concurrency limit, and the spawn helper
 * (unless spawn_in_process). Spawning happens from the loop, never inside
 * this call, in slices of about 1 ms per loop turn through the helper (5 ms
 * in-process; at least one spawn each), so a long queue never stalls the
 * caller's loop; on_start is called for each spawn, with the helper once
 * it has answered. A worker that finds no file descriptor (EMFILE,
 * ENFILE) or process slot (EAGAIN) left while others run waits for one of
 * them to end. Workers with dependencies wait for them
 * (UVSUP_STATE_WAITING); those without start together.
 * Returns 0, UVSUP_ESTATE when already started, UVSUP_ENODEP (a
 * dependency names no worker) or UVSUP_ECYCLE (the dependencies form a
 * cycle; uvsup_error_detail() spells both out; nothing starts and the
 * supervisor may be freed), or a libuv error when the
 * supervisor's own handle cannot be made or the spawn helper cannot be
 * started (UV_ENOENT: not where options.spawn_helper, UVSUP_SPAWN_HELPER
 * or the install put it); then nothing was spawned, and the handles it
 * opened close on the next loop turn. Spawn failures are not errors of
 * this call: they are reported per worker in on_exit. With no worker
 * added, on_done follows on the next loop iteration. */
UVSUP_EXTERN int uvsup_start(uvsup_t* sup);

/* Stops the whole supervisor gracefully: no new worker starts (those still
 * queued are reported as UVSUP_END_NOT_STARTED, those waiting to restart
 * finish with their last result), no restart happens, every running
 * worker's
 * process group gets signum (0: each worker's stop_signal), and SIGKILL after
 * its kill_after_ms. In reverse dependency order: a worker is stopped once
 * every worker that depends on it has finished; with stop_timeout_ms,
 * whatever still runs then gets SIGKILL. on_done follows as usual once all is
 * closed. Safe to call from any callback, twice, before uvsup_start() (then
 * on_done follows at start) and when nothing runs. A second call with SIGKILL
 * kills at once. Returns 0, or UVSUP_ESTATE after on_done. */
UVSUP_EXTERN int uvsup_stop(uvsup_t* sup, int signum);

/* Starts no new worker and restarts none: those still queued are reported
 * as UVSUP_END_NOT_STARTED, those waiting to restart finish, running ones
 * go on to their end, then on_done (also with keep_open). For GNU
 * parallel's "--halt soon". Returns 0, or UVSUP_ESTATE after on_done. */
UVSUP_EXTERN int uvsup_drain(uvsup_t* sup);

/* Holds the queue (hold 1) or lets it go on (hold 0): while held, no
 * queued worker starts (one whose restart delay is up waits in the queue
 * too); running workers go on. For a host whose consumer of finished work
 * is slow. Returns 0, or UVSUP_ESTATE after on_done. */
UVSUP_EXTERN int uvsup_hold(uvsup_t* sup, int hold);

/* Stops one worker as uvsup_stop() would; it is not restarted. A worker
 * that never ran is reported as not started; one waiting to restart
 * finishes with its last result. Returns 0, UV_EINVAL for a bad signum, or
 * UVSUP_ESTATE when it is already finished. */
UVSUP_EXTERN int uvsup_stop_worker(uvsup_worker_t* worker, int signum);

/* Sends signum to the worker's process group (its process and what it
 * started), without stopping it: for passing on a signal the host got
 * (SIGHUP to reload, SIGUSR1, SIGWINCH). Never after the process's exit,
 * when the id may be another's. While its spawn is in flight (the helper
 * has not answered), the signal is sent as soon as the process is known
 * to run. Returns 0, UV_EINVAL for a bad signum, UVSUP_ESTATE when the
 * worker has no process (not started, or ended), or the error of kill().
 * signum 0 checks that the group exists. */
UVSUP_EXTERN int uvsup_signal_worker(uvsup_worker_t* worker, int signum);

/* Backpressure for captured output: stops reading the worker's pipes (its
 * writes block once the pipe is full) until resumed, so a slow consumer
 * never makes uvsup buffer without bound. Allowed from on_output; the rest
 * of the chunk already read is still delivered. A stop wins over a pause:
 * a worker being stopped ends without a resume, and what its pipes hold
 * then is still delivered. Returns 0, or UVSUP_ESTATE when the worker has
 * no running process. */
UVSUP_EXTERN int uvsup_worker_pause_output(uvsup_worker_t* worker);
UVSUP_EXTERN int uvsup_worker_resume_output(uvsup_worker_t* worker);

/* The same for one stream of the worker: 1 (stdout) or 2 (stderr). A
 * consumer that writes the two streams to different places pauses only the
 * one whose destination is behind, and the other still flows (a worker
 * that blocks on a paused stdout has still had what it wrote to stderr
 * before read). uvsup_worker_resume_output() resumes both streams.
 * Returns 0, UV_EINVAL for another stream, or UVSUP_ESTATE when the worker
 * has no running process. */
UVSUP_EXTERN int uvsup_worker_pause_stream(uvsup_worker_t* worker, int stream);
UVSUP_EXTERN int uvsup_worker_resume_stream(uvsup_worker_t* worker, int stream);

/* Restarts a worker now, whatever its state: a running one is stopped (its
 * stop signal, then SIGKILL after its grace) and starts again once its run
 * has ended; one waiting to restart starts without waiting out its delay;
 * a finished or given-up one starts again. Its failure count and backoff
 * start afresh; the strategy does not apply. Returns 0, UVSUP_ESTOPPING
 * when the supervisor is stopping, or UVSUP_ESTATE after on_done or while
 * the supervisor is closing. */
UVSUP_EXTERN int uvsup_restart_worker(uvsup_worker_t* worker);

/* Starts a finished, given-up or skipped worker again, with its counters of
 * failures cleared. Returns 0, UVSUP_ESTATE when it is not finished (or
 * the supervisor is closing or done), or UVSUP_ESTOPPING. */
UVSUP_EXTERN int uvsup_start_worker(uvsup_worker_t* worker);

/* Frees a worker that is finished for good (FINISHED, GAVE_UP, or SKIPPED
 * and reported), so memory tracks the live workers and its name can be
 * used again. The worker pointer and its result are invalid afterwards.
 * From inside its own on_exit, the release happens when on_exit returns.
 * Returns 0, or UVSUP_ESTATE when the worker is not finished. */
UVSUP_EXTERN int uvsup_release_worker(uvsup_worker_t* worker);

/* The worker's state, and a name for a state ("backoff", "gave up"). */
UVSUP_EXTERN uvsup_state_t uvsup_worker_state(const uvsup_worker_t* worker);
UVSUP_EXTERN const char* uvsup_state_name(uvsup_state_t state);

/* In UVSUP_STATE_WAITING: the name of a dependency it still waits for
 * (the first in its after list); else NULL. */
UVSUP_EXTERN const char* uvsup_worker_waiting_for(const uvsup_worker_t* worker);

/* Fills *stats with the worker's counters. */
UVSUP_EXTERN void uvsup_worker_stats(const uvsup_worker_t* worker,
                                     uvsup_worker_stats_t* stats);

/* Frees the supervisor and its workers. Allowed before uvsup_start() and from
 * on_done or after it; returns UVSUP_ESTATE (and frees nothing) while
 * handles are still open. */
UVSUP_EXTERN int uvsup_free(uvsup_t* sup);

/* Returns the worker whose live process has this pid, or NULL. O(1). */
UVSUP_EXTERN uvsup_worker_t* uvsup_find_pid(uvsup_t* sup, int pid);

/* Returns 1 when pid is a process this supervisor made and reaps itself:
 * a worker's, from its spawn to its exit (spawned in-process, it is a
 * child of this process until libuv reaps it; through the helper, a
 * child of the helper), or the spawn helper while it runs; else 0. O(1).
 * For a host that reaps orphans itself: a child for which this returns 1
 * must be left to uvsup. */
UVSUP_EXTERN int uvsup_owns_pid(const uvsup_t* sup, int pid);

/* Returns the worker with this name, or NULL. O(1). */
UVSUP_EXTERN uvsup_worker_t* uvsup_find_name(uvsup_t* sup, const char* name);

/* Accessors. uvsup_worker_pid() is 0 when no process of it is alive. */
UVSUP_EXTERN const char* uvsup_worker_name(const uvsup_worker_t* worker);
UVSUP_EXTERN int uvsup_worker_pid(const uvsup_worker_t* worker);
UVSUP_EXTERN void* uvsup_worker_data(const uvsup_worker_t* worker);
/* The result of the worker's last run once its on_exit has run (during
 * on_exit: that run's), else NULL. */
UVSUP_EXTERN const uvsup_result_t* uvsup_worker_result(
    const uvsup_worker_t* worker);
UVSUP_EXTERN void* uvsup_get_data(const uvsup_t* sup);
UVSUP_EXTERN uv_loop_t* uvsup_get_loop(const uvsup_t* sup);

/* Number of workers whose process runs (or whose run is ending, or is
 * being spawned by the helper). */
UVSUP_EXTERN size_t uvsup_running(const uvsup_t* sup);

/* Calls cb for each worker whose process runs (or whose run is ending),
 * newest first. cb must not add, stop or free anything. */
typedef void (*uvsup_walk_cb)(uvsup_worker_t* worker, void* arg);
UVSUP_EXTERN void uvsup_walk(uvsup_t* sup, uvsup_walk_cb cb, void* arg);

/* uv_hrtime() when the worker's current or last run was spawned, or 0. */
UVSUP_EXTERN uint64_t uvsup_worker_start_ns(const uvsup_worker_t* worker);

/* Describes err: uvsup's own codes, else uv_strerror(). */
UVSUP_EXTERN const char* uvsup_strerror(int err);
/* The error's name ("ENOENT", "UVSUP_ESTATE"), else uv_err_name(). */
UVSUP_EXTERN const char* uvsup_err_name(int err);

#ifdef __cplusplus
}
#endif

#endif /* UVSUP_H */
