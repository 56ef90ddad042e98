/* An init's signals: every catchable signal that is not a stop signal
 * goes on to the workers' process groups (as tini -g does). */
#include "forward.h"

#include <signal.h>

int cli_forward_wanted(int signum) {
  switch (signum) {
  case SIGKILL: /* cannot be caught */
  case SIGSTOP:
  case SIGINT: /* stop the workers: signals.c */
  case SIGTERM:
  case SIGCHLD: /* the reaper's */
  case SIGSEGV: /* about uvsup itself */
  case SIGBUS:
  case SIGFPE:
  case SIGILL:
  case SIGTRAP:
  case SIGABRT:
  case SIGSYS:
  case SIGTTIN:
  case SIGTTOU:
  case SIGPIPE:
    return 0;
  default:
    /* glibc keeps the first real-time signals for its threads. */
    return signum > 0 && signum <= SIGRTMAX &&
           (signum < 32 || signum >= SIGRTMIN);
  }
}

typedef struct {
  int signum;
} forward_ctx_t;

static void send_to(uvsup_worker_t* worker, void* arg) {
  const forward_ctx_t* ctx = arg;
  uvsup_signal_worker(worker, ctx->signum);
}

static void on_signal(uv_signal_t* handle, int signum) {
  cli_forward_t* f = handle->data;
  forward_ctx_t ctx = { signum };
  uvsup_walk(f->sup, send_to, &ctx);
}

int cli_forward_start(cli_forward_t* f, uv_loop_t* loop, uvsup_t* sup) {
  f->open = 0;
  f->sup = sup;
  for (int signum = 1; signum <= SIGRTMAX && f->open < CLI_FORWARD_MAX;
       signum++) {
    if (!cli_forward_wanted(signum)) {
      continue;
    }
    uv_signal_t* h = &f->handles[f->open];
    int err = uv_signal_init(loop, h);
    if (err != 0) {
      cli_forward_close(f);
      return err;
    }
    f->open++;
    h->data = f;
    uv_unref((uv_handle_t*)h);
    /* One this process may not catch (valgrind's own, say) cannot come
     * to be passed on either: its handle stays unused until the close. */
    (void)uv_signal_start(h, on_signal, signum);
  }
  return 0;
}

void cli_forward_close(cli_forward_t* f) {
  /* Closing a handle gives its signal the default action back (for most,
   * death): held instead until the exit. */
  sigset_t set;
  sigemptyset(&set);
  for (int i = 0; i < f->open; i++) {
    if (f->handles[i].signum > 0) {
      sigaddset(&set, f->handles[i].signum);
    }
  }
  sigprocmask(SIG_BLOCK, &set, NULL);
  for (int i = 0; i < f->open; i++) {
    uv_close((uv_handle_t*)&f->handles[i], NULL);
  }
  f->open = 0;
}
