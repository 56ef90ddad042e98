/* An init's signals: every catchable signal that is not a stop signal
 * goes on to the workers' process groups (as tini -g does). */
#ifndef UVSUP_CLI_FORWARD_H
#define UVSUP_CLI_FORWARD_H

#include <uvsup.h>

#include <uv.h>

/* Room for the standard signals passed on and the real-time ones. */
#define CLI_FORWARD_MAX 64

typedef struct {
  uv_signal_t handles[CLI_FORWARD_MAX];
  int open;
  uvsup_t* sup;
} cli_forward_t;

/* 1 when an init passes signum on to the workers: catchable, not SIGINT
 * or SIGTERM (they stop the workers, see signals.c), not SIGCHLD, and
 * not one that is about uvsup itself (a fault: SIGSEGV, SIGBUS, SIGFPE,
 * SIGILL, SIGTRAP, SIGABRT, SIGSYS; terminal I/O: SIGTTIN, SIGTTOU;
 * SIGPIPE, which uvsup's own writes raise). */
int cli_forward_wanted(int signum);

/* Watches every such signal on loop and sends each one received to the
 * process group of every running worker of sup. The handles never keep
 * the loop alive. Returns 0 or a negative libuv error (nothing left
 * open). */
int cli_forward_start(cli_forward_t* f, uv_loop_t* loop, uvsup_t* sup);

/* Closes the handles; the signals stay blocked from here on (a process
 * about to exit). */
void cli_forward_close(cli_forward_t* f);

#endif
