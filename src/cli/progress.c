/* Progress as GNU parallel 20221122 draws it (its progress(), bar() and
 * compute_eta()): the same numbers, the same text, the same smoothing. */
#include "progress.h"

#include <stdio.h>
#include <string.h>

long cli_progress_eta(cli_progress_t* p,
                      const cli_progress_state_t* s,
                      double* avg) {
  size_t total = s->total > s->completed ? s->total : s->completed;
  size_t left = total - s->completed;
  *avg = 0;
  if (s->completed == 0) {
    return 0;
  }
  double pct = (double)s->completed / (double)total;
  if (!p->seen) {
    p->seen = 1;
    p->first_completed_ms = s->now_ms;
  }
  double passed = (double)(s->now_ms - p->first_completed_ms) / 1000.0;
  *avg = passed / (double)s->completed;
  if (p->smoothed == 0) {
    p->smoothed = *avg;
  }
  /* Smoothed so the ETA does not jump about. */
  p->smoothed = (1 - pct) * p->smoothed + pct * *avg;
  long eta = (long)((double)left * p->smoothed);
  if ((double)eta * 0.90 < (double)p->last_eta && p->last_eta < eta) {
    eta = p->last_eta; /* up by less than 10 %: keep the last one */
  } else {
    p->last_eta = eta;
  }
  return eta;
}

void cli_progress_eta_line(cli_progress_t* p,
                           const cli_progress_state_t* s,
                           cli_buf_t* b) {
  double avg;
  long eta = cli_progress_eta(p, s, &avg);
  size_t total = s->total > s->completed ? s->total : s->completed;
  size_t started = s->completed + s->running;
  double per =
      s->completed ? (double)s->now_ms / 1000.0 / (double)s->completed : 0;
  cli_buf_printf(b, "\rETA: %lds Left: %zu AVG: %.2fs  ", eta,
                 total - s->completed, avg);
  cli_buf_printf(b, "local:%zu/%zu/%zu%%/%.1fs ", s->running, s->completed,
                 started ? started * 100 / started : 0, per);
}

void cli_progress_time_units(cli_buf_t* b, long s) {
  long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
  s %= 60;
  if (d) {
    cli_buf_printf(b, "%ldd%02ldh%02ldm%02lds", d, h, m, s);
  } else if (h) {
    cli_buf_printf(b, "%ldh%02ldm%02lds", h, m, s);
  } else if (m) {
    cli_buf_printf(b, "%ldm%02lds", m, s);
  } else {
    cli_buf_printf(b, "%lds", s);
  }
}

/* text cut or padded with spaces to exactly width bytes. */
static void put_padded(cli_buf_t* b, const char* text, size_t width) {
  size_t len = strlen(text);
  cli_buf_append(b, text, len < width ? len : width);
  for (; len < width; len++) {
    cli_buf_putc(b, ' ');
  }
}

void cli_progress_bar_line(cli_progress_t* p,
                           const cli_progress_state_t* s,
                           cli_buf_t* b) {
  double avg;
  long eta = cli_progress_eta(p, s, &avg);
  size_t total = s->total > s->completed ? s->total : s->completed;
  double pct = total ? (double)s->completed / (double)total : 0;
  size_t width = s->columns ? s->columns : 80;
  cli_buf_t text;
  cli_buf_init(&text);
  cli_buf_printf(&text, "%d%% %zu:%zu=", (int)(pct * 100), s->completed,
                 total - s->completed);
  cli_progress_time_units(&text, eta);
  cli_buf_printf(&text, " %s", s->arg);
  cli_buf_t zenity;
  cli_buf_init(&zenity);
  cli_buf_printf(&zenity, "#   %ld sec %s", eta, s->arg);
  cli_buf_puts(b,
               "\r\r"); /* parallel's "\r" before each status, then its own */
  put_padded(b, zenity.data != NULL ? zenity.data : "", width);
  /* Perl prints the share as a number: 50, 33.3333333333333. */
  cli_buf_printf(b, "\r%.15g\r\033[7m", pct * 100);
  size_t mark = b->len + (size_t)((double)width * pct);
  put_padded(b, text.data != NULL ? text.data : "", width);
  if (!b->failed) {
    /* The reverse video ends where the share done ends. */
    cli_buf_t rest;
    cli_buf_init(&rest);
    cli_buf_append(&rest, b->data + mark, b->len - mark);
    b->len = mark;
    cli_buf_puts(b, "\033[0m");
    cli_buf_append(b, rest.data != NULL ? rest.data : "", rest.len);
    cli_buf_free(&rest);
  }
  cli_buf_puts(b, "\033[0m");
  cli_buf_free(&text);
  cli_buf_free(&zenity);
}
