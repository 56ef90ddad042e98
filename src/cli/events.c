/* --events FILE: one JSON object per line for every worker event. */
#include "events.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "fail.h"
#include "json.h"
#include "signame.h"

int cli_events_open(cli_events_t* ev,
                    const char* path,
                    char* err,
                    size_t errlen) {
  memset(ev, 0, sizeof(*ev));
  if (path == NULL) {
    return 0;
  }
  ev->file = fopen(path, "ae");
  if (ev->file == NULL) {
    return cli_fail(err, errlen, "--events %s: %s", path, strerror(errno));
  }
  return 0;
}

void cli_events_close(cli_events_t* ev) {
  if (ev->file != NULL) {
    fclose(ev->file);
    ev->file = NULL;
  }
}

/* The event a change of state is, by where it leads. */
static const char* event_name(uvsup_state_t to, uint64_t delay_ms) {
  switch (to) {
  case UVSUP_STATE_QUEUED:
    return "queued";
  case UVSUP_STATE_STARTING:
    return "start";
  case UVSUP_STATE_READY:
    return "ready";
  case UVSUP_STATE_WAITING:
    return "waiting_for_dependencies";
  case UVSUP_STATE_STOPPING:
    return "stopping";
  case UVSUP_STATE_BACKOFF:
    /* Without a delay it waits for a descriptor or process slot. */
    return delay_ms > 0 ? "restart_scheduled" : "waiting";
  case UVSUP_STATE_FINISHED:
    return "finished";
  case UVSUP_STATE_GAVE_UP:
    return "gave_up";
  case UVSUP_STATE_SKIPPED:
    return "skipped";
  }
  return "state";
}

static void head(cli_buf_t* b,
                 const char* time,
                 const char* event,
                 const char* name,
                 unsigned run) {
  cli_buf_puts(b, "{\"time\":");
  cli_json_string(b, time);
  cli_buf_printf(b, ",\"event\":\"%s\",\"name\":", event);
  cli_json_string(b, name);
  cli_buf_printf(b, ",\"run\":%u", run);
}

void cli_events_format_state(cli_buf_t* b,
                             const char* time,
                             const char* name,
                             unsigned run,
                             uvsup_state_t from,
                             uvsup_state_t to,
                             int pid,
                             uint64_t delay_ms) {
  head(b, time, event_name(to, delay_ms), name, run);
  cli_buf_printf(b, ",\"from\":\"%s\",\"to\":\"%s\"", uvsup_state_name(from),
                 uvsup_state_name(to));
  if (to == UVSUP_STATE_STARTING || to == UVSUP_STATE_READY) {
    cli_buf_printf(b, ",\"pid\":%d", pid);
  }
  if (to == UVSUP_STATE_BACKOFF) {
    cli_buf_printf(b, ",\"delay_ms\":%llu", (unsigned long long)delay_ms);
  }
  cli_buf_puts(b, "}\n");
}

static const char* next_name(uvsup_next_t next) {
  switch (next) {
  case UVSUP_NEXT_RESTART:
    return "restart";
  case UVSUP_NEXT_GAVE_UP:
    return "gave_up";
  case UVSUP_NEXT_NONE:
    break;
  }
  return "none";
}

void cli_events_format_exit(cli_buf_t* b,
                            const char* time,
                            const uvsup_result_t* r) {
  head(b, time, "exit", r->name, r->run);
  if (r->pid != 0) {
    cli_buf_printf(b, ",\"pid\":%d", r->pid);
  }
  cli_buf_printf(b, ",\"ok\":%s", r->ok ? "true" : "false");
  if (r->term_signal != 0) {
    const char* sig = cli_signal_name(r->term_signal);
    if (sig != NULL) {
      cli_buf_printf(b, ",\"signal\":\"%s\"", sig);
    } else {
      cli_buf_printf(b, ",\"signal\":%d", r->term_signal);
    }
  } else if (r->exit_status >= 0) {
    cli_buf_printf(b, ",\"exit_code\":%lld", (long long)r->exit_status);
  }
  if (r->error != 0) {
    cli_buf_printf(b, ",\"error\":\"%s\"", uvsup_err_name(r->error));
  }
  cli_buf_printf(b, ",\"duration_ms\":%llu,\"next\":\"%s\"",
                 (unsigned long long)(r->duration_ns / 1000000),
                 next_name(r->next));
  if (r->next == UVSUP_NEXT_RESTART) {
    cli_buf_printf(b, ",\"restart_in_ms\":%llu",
                   (unsigned long long)r->restart_in_ms);
  }
  cli_buf_puts(b, "}\n");
}

/* UTC with milliseconds: sorts as text, and any program reads it. */
static const char* now_text(char* out, size_t len) {
  uv_timeval64_t tv;
  struct tm tm;
  if (uv_gettimeofday(&tv) != 0) {
    tv.tv_sec = 0;
    tv.tv_usec = 0;
  }
  time_t secs = (time_t)tv.tv_sec;
  gmtime_r(&secs, &tm);
  size_t n = strftime(out, len, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(out + n, len - n, ".%03dZ", (int)(tv.tv_usec / 1000));
  return out;
}

/* Returns -1 at the first failure only, so it is said once. */
static int emit(cli_events_t* ev, cli_buf_t* b) {
  int rc = 0;
  if (b->failed || fwrite(b->data, 1, b->len, ev->file) != b->len ||
      fflush(ev->file) != 0) {
    rc = ev->failed ? 0 : -1;
    ev->failed = 1;
  }
  cli_buf_free(b);
  return rc;
}

int cli_events_state(cli_events_t* ev,
                     uvsup_worker_t* worker,
                     uvsup_state_t from,
                     uvsup_state_t to) {
  if (ev->file == NULL) {
    return 0;
  }
  char time[40];
  uvsup_worker_stats_t stats;
  uvsup_worker_stats(worker, &stats);
  cli_buf_t b;
  cli_buf_init(&b);
  /* A start begins the next run; every other change is about the last. */
  unsigned run =
      stats.runs + (to == UVSUP_STATE_STARTING || to == UVSUP_STATE_READY);
  cli_events_format_state(&b, now_text(time, sizeof(time)),
                          uvsup_worker_name(worker), run, from, to,
                          uvsup_worker_pid(worker), stats.next_start_in_ms);
  return emit(ev, &b);
}

int cli_events_exit(cli_events_t* ev, const uvsup_result_t* r) {
  if (ev->file == NULL) {
    return 0;
  }
  char time[40];
  cli_buf_t b;
  cli_buf_init(&b);
  cli_events_format_exit(&b, now_text(time, sizeof(time)), r);
  return emit(ev, &b);
}

int cli_events_status(cli_events_t* ev,
                      uvsup_worker_t* worker,
                      const char* text) {
  if (ev->file == NULL) {
    return 0;
  }
  char time[40];
  uvsup_worker_stats_t stats;
  uvsup_worker_stats(worker, &stats);
  cli_buf_t b;
  cli_buf_init(&b);
  head(&b, now_text(time, sizeof(time)), "status", uvsup_worker_name(worker),
       stats.runs + 1);
  cli_buf_puts(&b, ",\"text\":");
  cli_json_string(&b, text);
  cli_buf_puts(&b, "}\n");
  return emit(ev, &b);
}
