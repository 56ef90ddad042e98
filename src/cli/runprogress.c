/* Progress of a run on stderr: which kind (--bar, --eta, or a default
 * line for a long batch on a terminal), a timer that redraws it in place,
 * and its last drawing when the run ends. */
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "run.h"

#define REDRAW_MS        500
/* A batch that runs longer than this on a terminal gets a progress line
 * without asking (parallel users expect to see how far it is). */
#define DEFAULT_AFTER_MS 3000

static unsigned columns(void) {
  struct winsize ws;
  if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) {
    return ws.ws_col;
  }
  return 80;
}

static void draw(cli_run_t* run) {
  cli_progress_state_t s;
  s.total = run->jobs->count - run->skipped;
  s.completed = run->completed;
  s.running = run->in_flight;
  s.now_ms = (uv_hrtime() - run->hr0_ns) / 1000000;
  s.arg = run->newest != NULL ? run->newest : "";
  s.columns = columns();
  cli_buf_t b;
  cli_buf_init(&b);
  if (run->progress_kind == CLI_PROGRESS_BAR) {
    cli_progress_bar_line(&run->progress, &s, &b);
  } else {
    cli_progress_eta_line(&run->progress, &s, &b);
  }
  if (!b.failed) {
    cli_output_raw_stderr(run->output, b.data, b.len);
    cli_output_progress_line(run->output, 1);
    run->progress_drawn = 1;
  }
  cli_buf_free(&b);
}

static void on_tick(uv_timer_t* t) {
  draw(t->data);
}

/* Which progress: asked for and stderr a terminal (or forced); or, for a
 * batch of values with stderr on a terminal and stdout elsewhere (where
 * the line would not mix with the output), the default after a while. */
static cli_progress_kind_t choose(const cli_run_t* run) {
  const cli_args_t* a = run->args;
  int tty = isatty(2) || a->batch.force_progress;
  if (a->batch.bar || a->batch.eta) {
    return !tty           ? CLI_PROGRESS_NONE
           : a->batch.bar ? CLI_PROGRESS_BAR
                          : CLI_PROGRESS_ETA;
  }
  int values = a->mode == CLI_MODE_VALUES || a->mode == CLI_MODE_STDIN;
  int json_on_stderr = a->summary == CLI_SUMMARY_JSON && !a->summary_file;
  return values && isatty(2) && !isatty(1) && !a->quiet && !json_on_stderr
             ? CLI_PROGRESS_QUIET_ETA
             : CLI_PROGRESS_NONE;
}

int cli_runprogress_start(cli_run_t* run) {
  run->progress_kind = choose(run);
  if (run->progress_kind == CLI_PROGRESS_NONE) {
    return 0;
  }
  int rc = uv_timer_init(&run->loop, &run->progress_timer);
  if (rc != 0) {
    run->progress_kind = CLI_PROGRESS_NONE;
    return rc;
  }
  run->progress_timer.data = run;
  uint64_t first =
      run->progress_kind == CLI_PROGRESS_QUIET_ETA ? DEFAULT_AFTER_MS : 0;
  return uv_timer_start(&run->progress_timer, on_tick, first, REDRAW_MS);
}

void cli_runprogress_stop(cli_run_t* run) {
  if (run->progress_kind == CLI_PROGRESS_NONE) {
    return;
  }
  if (run->progress_drawn) {
    draw(run); /* the final count */
    if (run->progress_kind == CLI_PROGRESS_QUIET_ETA) {
      /* Not asked for: it leaves the terminal as it found it. */
      cli_output_raw_stderr(run->output, "\r\033[K", 4);
    } else {
      cli_output_raw_stderr(run->output, "\n", 1);
    }
    cli_output_progress_line(run->output, 0);
  }
  uv_close((uv_handle_t*)&run->progress_timer, NULL);
  run->progress_kind = CLI_PROGRESS_NONE;
}
