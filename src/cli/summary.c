/* The per-worker summary the CLI prints at the end: text table or JSON. */
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "json.h"
#include "signame.h"
#include "utf8.h"

/* Columns are padded to their widest cell up to this many characters. */
#define CELL_WIDTH_MAX 48

/* What a result counts as in the totals. A result is ok only when it
 * exited with status 0: a worker that was stopped, or timed out, and exited
 * 0 on its way out is counted by how its run ended, so the per-worker "ok"
 * and the totals always agree. */
typedef enum { KIND_OK, KIND_FAILED, KIND_STOPPED, KIND_NOT_STARTED } kind_t;

static kind_t kind_of(const uvsup_result_t* r) {
  switch (r->end) {
  case UVSUP_END_EXITED:
    return r->ok ? KIND_OK : KIND_FAILED;
  case UVSUP_END_STOPPED:
    return KIND_STOPPED;
  case UVSUP_END_NOT_STARTED:
    return KIND_NOT_STARTED;
  case UVSUP_END_SIGNALED:
  case UVSUP_END_TIMED_OUT:
  case UVSUP_END_SPAWN_FAILED:
  default:
    return KIND_FAILED;
  }
}

typedef struct {
  size_t ok, failed, stopped, not_started;
} counts_t;

static void count_result(counts_t* n, const uvsup_result_t* r) {
  switch (kind_of(r)) {
  case KIND_OK:
    n->ok++;
    break;
  case KIND_FAILED:
    n->failed++;
    break;
  case KIND_STOPPED:
    n->stopped++;
    break;
  case KIND_NOT_STARTED:
    n->not_started++;
    break;
  }
}

/* "SIGKILL", or the bare number for a signal with no name here (e.g. a
 * real-time one): still a string cli_signal_parse() reads back. */
static const char* signal_text(char* tmp, size_t tmplen, int signum) {
  const char* name = cli_signal_name(signum);
  if (name != NULL) {
    return name;
  }
  snprintf(tmp, tmplen, "%d", signum);
  return tmp;
}

static void put_signal(cli_buf_t* b, int signum) {
  const char* name = cli_signal_name(signum);
  if (name != NULL) {
    cli_buf_puts(b, name);
  } else {
    cli_buf_printf(b, "signal %d", signum);
  }
}

/* What ended a stopped or timed-out run: the signal, else the exit status
 * of a process that caught the signal and exited by itself. */
static void put_cause(cli_buf_t* b, const uvsup_result_t* r) {
  if (r->term_signal != 0) {
    cli_buf_puts(b, " (");
    put_signal(b, r->term_signal);
    cli_buf_putc(b, ')');
  } else if (r->exit_status >= 0) {
    cli_buf_printf(b, " (exit %lld)", (long long)r->exit_status);
  }
}

void cli_result_describe(cli_buf_t* b, const uvsup_result_t* r) {
  switch (r->end) {
  case UVSUP_END_EXITED:
    if (r->ok) {
      cli_buf_puts(b, "ok");
    } else {
      cli_buf_printf(b, "exit %lld", (long long)r->exit_status);
    }
    break;
  case UVSUP_END_SIGNALED:
    /* "signal SIGKILL", "signal 40": never "signal signal 40". */
    if (cli_signal_name(r->term_signal) != NULL) {
      cli_buf_puts(b, "signal ");
    }
    put_signal(b, r->term_signal);
    break;
  case UVSUP_END_TIMED_OUT:
    cli_buf_puts(b, "timed out");
    put_cause(b, r);
    break;
  case UVSUP_END_STOPPED:
    cli_buf_puts(b, "stopped");
    put_cause(b, r);
    break;
  case UVSUP_END_SPAWN_FAILED:
    cli_buf_printf(b, "spawn error: %s: %s", uvsup_err_name(r->error),
                   uvsup_strerror(r->error));
    break;
  case UVSUP_END_NOT_STARTED:
    cli_buf_puts(b, "not started");
    break;
  case UVSUP_END_LOST:
    cli_buf_puts(b, "lost (the spawn helper died)");
    break;
  case UVSUP_END_NOT_READY:
    cli_buf_puts(b, "not ready in time");
    put_cause(b, r);
    break;
  case UVSUP_END_WATCHDOG:
    cli_buf_puts(b, "watchdog failed");
    put_cause(b, r);
    break;
  case UVSUP_END_SKIPPED:
    cli_buf_puts(b, "skipped: ");
    cli_put_safe(b, r->reason != NULL ? r->reason : "");
    break;
  case UVSUP_END_GAVE_UP:
    /* With how its last run ended, which is what the user will debug. */
    cli_buf_puts(b, "gave up");
    if (r->error != 0) {
      cli_buf_printf(b, " (spawn error: %s)", uvsup_err_name(r->error));
    } else {
      put_cause(b, r);
    }
    break;
  default:
    cli_buf_printf(b, "unknown end %d", (int)r->end);
    break;
  }
}


/* Columns on screen, counted as UTF-8 characters (not continuation
 * bytes): right for the usual names, off for wide CJK or combining
 * characters, which would need wcwidth() and a locale. */
static size_t text_width(const char* s, size_t len) {
  size_t w = 0;
  for (size_t i = 0; i < len; i++) {
    if (((unsigned char)s[i] & 0xC0) != 0x80) {
      w++;
    }
  }
  return w;
}

enum {
  COL_NAME,
  COL_PID,
  COL_RUNS,
  COL_RESULT,
  COL_READY,
  COL_DURATION,
  NCOLS
};

typedef struct {
  cli_buf_t text; /* the cells of one column, each NUL-terminated */
  size_t* off;    /* offset of row i's cell in text */
  size_t width;
} column_t;

/* The results the table lists, by index: all of them, or for a big batch
 * (past rows_max) only those that failed or were stopped, at most
 * rows_max (those never started are only counted: a batch cut short may
 * have thousands). */
static size_t* pick_rows(const cli_summary_t* s, size_t* nrows) {
  size_t* shown = calloc(s->count + 1, sizeof(*shown));
  int cut = s->rows_max != 0 && s->count > s->rows_max;
  *nrows = 0;
  for (size_t i = 0; shown != NULL && i < s->count; i++) {
    kind_t kind = kind_of(s->results[i]);
    if (!cut || ((kind == KIND_FAILED || kind == KIND_STOPPED) &&
                 *nrows < s->rows_max)) {
      shown[(*nrows)++] = i;
    }
  }
  return shown;
}

/* "warning: N failed: a, b, ..." naming at most CLI_SUMMARY_NAMES of a
 * big batch. */
static void put_failed(cli_buf_t* b, const cli_summary_t* s, size_t failed) {
  cli_buf_printf(b, "warning: %zu failed: ", failed);
  int cut = s->rows_max != 0 && s->count > s->rows_max;
  size_t named = 0;
  for (size_t i = 0; i < s->count; i++) {
    const uvsup_result_t* r = s->results[i];
    if (kind_of(r) != KIND_FAILED) {
      continue;
    }
    if (cut && named == CLI_SUMMARY_NAMES) {
      cli_buf_printf(b, " and %zu more", failed - named);
      break;
    }
    cli_buf_puts(b, named > 0 ? ", " : "");
    cli_put_safe(b, r->name != NULL ? r->name : "");
    named++;
  }
  cli_buf_putc(b, '\n');
}

int cli_summary_text(cli_buf_t* b, const cli_summary_t* s) {
  static const char* const headers[NCOLS] = { "NAME",   "PID",   "RUNS",
                                              "RESULT", "READY", "DURATION" };
  size_t nshown;
  size_t* shown = pick_rows(s, &nshown);
  size_t rows = nshown + 1;
  column_t cols[NCOLS];
  int rc = -1;
  for (int c = 0; c < NCOLS; c++) {
    cli_buf_init(&cols[c].text);
    cols[c].off = calloc(rows, sizeof(size_t));
    cols[c].width = 0;
  }
  for (int c = 0; c < NCOLS; c++) {
    if (cols[c].off == NULL || shown == NULL) {
      goto done;
    }
  }

  /* Runs are worth a column only when some worker ran more than once. */
  int show_runs = 0;
  int show_ready = 0; /* and time to ready when a worker waited for it */
  counts_t n = { 0, 0, 0, 0 };
  for (size_t i = 0; i < s->count; i++) {
    show_runs |= s->results[i]->run > 1;
    show_ready |= s->show_ready && s->results[i]->ready_ns != 0;
    count_result(&n, s->results[i]);
  }
  /* Render every cell first: the widths are known only at the end. */
  for (size_t row = 0; row < rows; row++) {
    for (int c = 0; c < NCOLS; c++) {
      cols[c].off[row] = cols[c].text.len;
    }
    if (row == 0) {
      for (int c = 0; c < NCOLS; c++) {
        cli_buf_puts(&cols[c].text, headers[c]);
      }
    } else {
      const uvsup_result_t* r = s->results[shown[row - 1]];
      char tmp[32];
      cli_put_safe(&cols[COL_NAME].text, r->name != NULL ? r->name : "");
      if (r->pid != 0) {
        cli_buf_printf(&cols[COL_PID].text, "%d", r->pid);
      } else {
        cli_buf_putc(&cols[COL_PID].text, '-');
      }
      cli_buf_printf(&cols[COL_RUNS].text, "%u", r->run);
      cli_result_describe(&cols[COL_RESULT].text, r);
      if (r->ready_ns != 0) {
        cli_buf_puts(&cols[COL_READY].text,
                     cli_duration_format(tmp, sizeof(tmp), r->ready_ns));
      } else {
        cli_buf_putc(&cols[COL_READY].text, '-');
      }
      if (r->pid != 0 || r->duration_ns != 0) {
        cli_buf_puts(&cols[COL_DURATION].text,
                     cli_duration_format(tmp, sizeof(tmp), r->duration_ns));
      } else {
        cli_buf_putc(&cols[COL_DURATION].text, '-');
      }
    }
    for (int c = 0; c < NCOLS; c++) {
      column_t* col = &cols[c];
      if (col->text.failed) {
        goto done;
      }
      size_t w = text_width(col->text.data + col->off[row],
                            col->text.len - col->off[row]);
      /* One very long name must not pad every row of the table to its
       * width: past the cap, a cell just sticks out. */
      if (w > col->width && w <= CELL_WIDTH_MAX) {
        col->width = w;
      }
      cli_buf_putc(&col->text, '\0');
    }
  }

  /* A big batch that all succeeded needs no table, not even its header. */
  for (size_t row = nshown == 0 && s->count > 0 ? rows : 0; row < rows; row++) {
    for (int c = 0; c < NCOLS; c++) {
      if ((c == COL_RUNS && !show_runs) || (c == COL_READY && !show_ready)) {
        continue;
      }
      const char* cell = cols[c].text.data + cols[c].off[row];
      cli_buf_puts(b, cell);
      if (c == NCOLS - 1) {
        break; /* no trailing blanks */
      }
      size_t w = text_width(cell, strlen(cell));
      cli_buf_printf(b, "%*s",
                     w < cols[c].width ? (int)(cols[c].width - w + 2) : 2, "");
    }
    cli_buf_putc(b, '\n');
  }

  if (nshown < s->count) {
    cli_buf_printf(b, "(%zu ok", n.ok);
    if (s->count - nshown > n.ok) {
      cli_buf_printf(b, " and %zu more", s->count - nshown - n.ok);
    }
    cli_buf_puts(b, " not listed: --summary-all lists every worker)\n");
  }
  cli_buf_printf(b, "%zu worker%s: %zu ok, %zu failed", s->count,
                 s->count == 1 ? "" : "s", n.ok, n.failed);
  if (n.stopped > 0) {
    cli_buf_printf(b, ", %zu stopped", n.stopped);
  }
  if (n.not_started > 0) {
    cli_buf_printf(b, ", %zu not started", n.not_started);
  }
  cli_buf_putc(b, '\n');
  if (s->skipped > 0) {
    cli_buf_printf(b, "%zu skipped (in the joblog or another shard)\n",
                   s->skipped);
  }
  if (s->stop_reason == CLI_STOP_SIGNAL) {
    char tmp[32];
    cli_buf_printf(b, "interrupted by %s\n",
                   signal_text(tmp, sizeof(tmp), s->stop_signal));
  } else if (s->stop_reason == CLI_STOP_HALT) {
    cli_buf_puts(b, "halted by --halt\n");
  } else if (s->stop_reason == CLI_STOP_INPUT) {
    cli_buf_puts(b, "stopped by bad input\n");
  }
  if (n.failed > 0) {
    put_failed(b, s, n.failed);
  }
  rc = b->failed ? -1 : 0;

done:
  free(shown);
  for (int c = 0; c < NCOLS; c++) {
    cli_buf_free(&cols[c].text);
    free(cols[c].off);
  }
  return rc;
}

static uint64_t ns_to_ms(uint64_t ns) {
  /* Rounded like the text form, halves up. */
  return ns / 1000000 + (ns % 1000000 >= 500000 ? 1 : 0);
}

static const char* end_name(uvsup_end_t end) {
  switch (end) {
  case UVSUP_END_EXITED:
    return "exited";
  case UVSUP_END_SIGNALED:
    return "signaled";
  case UVSUP_END_TIMED_OUT:
    return "timed_out";
  case UVSUP_END_STOPPED:
    return "stopped";
  case UVSUP_END_SPAWN_FAILED:
    return "spawn_failed";
  case UVSUP_END_NOT_STARTED:
    return "not_started";
  case UVSUP_END_GAVE_UP:
    return "gave_up";
  case UVSUP_END_LOST:
    return "lost";
  case UVSUP_END_NOT_READY:
    return "not_ready";
  case UVSUP_END_WATCHDOG:
    return "watchdog";
  case UVSUP_END_SKIPPED:
    return "skipped";
  }
  return "unknown";
}

static void json_worker(cli_buf_t* b,
                        const uvsup_result_t* r,
                        unsigned restarts) {
  char tmp[64];
  cli_buf_puts(b, "{\"name\":");
  cli_json_string(b, r->name);
  if (r->pid != 0) {
    cli_buf_printf(b, ",\"pid\":%d", r->pid);
  } else {
    cli_buf_puts(b, ",\"pid\":null");
  }
  cli_buf_printf(b, ",\"ok\":%s", kind_of(r) == KIND_OK ? "true" : "false");
  /* A stopped or timed-out worker may still have exited by itself (say, 5
   * from its SIGTERM handler): its code is part of how it ended. */
  if (r->pid != 0 && r->term_signal == 0 && r->exit_status >= 0) {
    cli_buf_printf(b, ",\"exit_code\":%lld", (long long)r->exit_status);
  } else {
    cli_buf_puts(b, ",\"exit_code\":null");
  }
  cli_buf_puts(b, ",\"signal\":");
  if (r->term_signal != 0) {
    cli_json_string(b, signal_text(tmp, sizeof(tmp), r->term_signal));
  } else {
    cli_buf_puts(b, "null");
  }
  cli_buf_puts(b, ",\"error\":");
  if (r->error != 0) {
    cli_buf_t msg;
    cli_buf_init(&msg);
    cli_buf_printf(&msg, "%s: %s", uvsup_err_name(r->error),
                   uvsup_strerror(r->error));
    if (msg.failed) {
      b->failed = 1;
    } else {
      cli_json_string(b, msg.data);
    }
    cli_buf_free(&msg);
  } else {
    cli_buf_puts(b, "null");
  }
  if (r->ready_ns != 0) {
    cli_buf_printf(b, ",\"ready_ms\":%llu",
                   (unsigned long long)ns_to_ms(r->ready_ns));
  }
  if (r->status != NULL) {
    cli_buf_puts(b, ",\"status\":");
    cli_json_string(b, r->status);
  }
  if (r->reason != NULL) {
    cli_buf_puts(b, ",\"reason\":");
    cli_json_string(b, r->reason);
  }
  cli_buf_printf(b,
                 ",\"timed_out\":%s,\"end\":\"%s\",\"duration_ms\":%llu,"
                 "\"runs\":%u,\"restarts\":%u}",
                 r->end == UVSUP_END_TIMED_OUT ? "true" : "false",
                 end_name(r->end), (unsigned long long)ns_to_ms(r->duration_ns),
                 r->run, restarts);
}

int cli_summary_json(cli_buf_t* b, const cli_summary_t* s) {
  counts_t n = { 0, 0, 0, 0 };
  cli_buf_puts(b, "{\"workers\":[");
  for (size_t i = 0; i < s->count; i++) {
    const uvsup_result_t* r = s->results[i];
    if (i > 0) {
      cli_buf_putc(b, ',');
    }
    json_worker(b, r, s->restarts != NULL ? s->restarts[i] : 0);
    count_result(&n, r);
  }
  cli_buf_printf(b,
                 "],\"total\":%zu,\"succeeded\":%zu,\"failed\":%zu,"
                 "\"stopped\":%zu,\"not_started\":%zu,\"duration_ms\":%llu,"
                 "\"skipped\":%zu,\"stopped_by\":",
                 s->count, n.ok, n.failed, n.stopped, n.not_started,
                 (unsigned long long)ns_to_ms(s->duration_ns), s->skipped);
  switch (s->stop_reason) {
  case CLI_STOP_SIGNAL: {
    char tmp[32];
    cli_buf_puts(b, "\"signal\",\"stop_signal\":");
    cli_json_string(b, signal_text(tmp, sizeof(tmp), s->stop_signal));
    break;
  }
  case CLI_STOP_HALT:
    cli_buf_puts(b, "\"halt\",\"stop_signal\":null");
    break;
  case CLI_STOP_INPUT:
    cli_buf_puts(b, "\"input\",\"stop_signal\":null");
    break;
  case CLI_STOP_NONE:
  default:
    cli_buf_puts(b, "null,\"stop_signal\":null");
    break;
  }
  cli_buf_puts(b, "}\n");
  return b->failed ? -1 : 0;
}
