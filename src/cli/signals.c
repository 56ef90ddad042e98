/* The CLI's own signals: each worker leads its own process group, so a
 * Ctrl-C in the terminal reaches only uvsup; uvsup passes it on. */
#include "signals.h"

#include <signal.h>

/* An init (--init, PID 1) watches only the first two: it passes SIGHUP
 * and SIGUSR1 on to the workers (forward.c). */
static const int watched[] = { SIGINT, SIGTERM, SIGHUP, SIGUSR1 };

static void on_signal(uv_signal_t* handle, int signum) {
  cli_signals_t* s = handle->data;
  s->cb(signum, s->data);
}

int cli_signals_start(
    cli_signals_t* s, uv_loop_t* loop, int init, cli_signal_cb cb, void* data) {
  s->open = 0;
  s->cb = cb;
  s->data = data;
  s->count = init ? 2 : (int)(sizeof(watched) / sizeof(watched[0]));
  for (int i = 0; i < s->count; i++) {
    uv_signal_t* h = &s->handles[i];
    int err = uv_signal_init(loop, h);
    if (err == 0) {
      s->open++;
      h->data = s;
      err = uv_signal_start(h, on_signal, watched[i]);
    }
    if (err != 0) {
      cli_signals_close(s);
      return err;
    }
    uv_unref((uv_handle_t*)h);
  }
  return 0;
}

void cli_signals_close(cli_signals_t* s) {
  /* Closing the last handle gives a signal its default action back: one
   * arriving between here and the exit would kill uvsup. Held instead,
   * it dies with the process. */
  sigset_t set;
  sigemptyset(&set);
  for (int i = 0; i < s->count; i++) {
    sigaddset(&set, watched[i]);
  }
  sigprocmask(SIG_BLOCK, &set, NULL);
  for (int i = 0; i < s->open; i++) {
    uv_close((uv_handle_t*)&s->handles[i], NULL);
  }
  s->open = 0;
}
