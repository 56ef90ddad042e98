/* The CLI's own signals: SIGINT, SIGTERM, SIGHUP and SIGUSR1 on the loop. */
#ifndef UVSUP_CLI_SIGNALS_H
#define UVSUP_CLI_SIGNALS_H

#include <uv.h>

typedef void (*cli_signal_cb)(int signum, void* data);

typedef struct {
  uv_signal_t handles[4];
  int open;
  int count; /* signals watched */
  cli_signal_cb cb;
  void* data;
} cli_signals_t;

/* Watches the signals on loop and calls cb for each one received (with
 * init, SIGINT and SIGTERM only: an init passes the others on). The
 * handles are unreferenced: they never keep the loop alive by themselves.
 * Returns 0 or a negative libuv error (then nothing is left open). */
int cli_signals_start(
    cli_signals_t* s, uv_loop_t* loop, int init, cli_signal_cb cb, void* data);

/* Closes the handles; their close callbacks run on the next loop turn.
 * For a process about to exit: the signals stay blocked from here on. */
void cli_signals_close(cli_signals_t* s);

#endif
