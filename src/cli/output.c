/* Routing workers' output in the CLI: tagged lines, grouped runs, raw
 * pass-through or nothing, plus the per-worker log files; pausing workers
 * while uvsup's own stdout or stderr is full. */
#include "output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "logdir.h"
#include "safe.h"
#include "spool.h"
#include "tag.h"
#include "writer.h"

/* In group mode each stream of a running worker keeps this much in memory,
 * the rest in a temporary file: bounded memory with many workers. */
#define GROUP_MEMORY_PER_STREAM (64 * 1024)


typedef struct {
  const char* name; /* the worker's own copy, valid until uvsup_free() */
  char* prefix[2];  /* "NAME<pad> | " per stream, made at the first line */
  size_t prefix_len[2];
  cli_spool_t* spool[2];      /* group mode: stdout, stderr, made when needed */
  int log_fd;                 /* -1 until the first output, -2 once it failed */
  int paused[2];              /* its stdout, stderr paused for a full writer */
  int ended;                  /* -k: finished for good (or skipped): its turn */
  const cli_job_opts_t* opts; /* a config's log settings, or NULL */
  int file_fd[2]; /* its stdout_logfile, stderr_logfile: as log_fd */
} job_output_t;

struct cli_output_s {
  const cli_args_t* args;
  int writing;            /* the writers are in use */
  cli_writer_t writer[2]; /* uvsup's stdout, stderr */
  int writers_open;
  int color[2]; /* colour the tags on stdout, stderr */
  size_t pad;   /* the widest name */
  job_output_t* jobs;
  size_t count; /* jobs room was made for */
  /* Per writer, the workers whose stream to it is paused: a full stdout
   * holds only the workers' stdout, never their stderr. */
  uvsup_worker_t** paused[2];
  size_t npaused[2];
  char stamp[32];
  uint64_t stamp_ms;
  int lost; /* output that was to be written was not: the exit status says */
  int dropping;            /* cli_output_drop(): nothing more for the writers */
  cli_output_hold_cb hold; /* starts of new workers: hold or let go */
  void* hold_data;
  cli_output_gone_cb gone; /* the reader of stdout left */
  void* gone_data;
  int holding;       /* finished output waits: no new worker */
  size_t next_write; /* -k: the job whose output goes out next */
  size_t waiting;    /* -k: jobs ended, waiting for an earlier one */
  int progress_line; /* a progress line is drawn on stderr, unended */
  cli_output_closed_cb on_closed;
  void* closed_data;
};

/* Passing raw output through ourselves is needed when it must also be
 * logged: inherit and null then capture instead. */
static int passthrough(const cli_output_t* out) {
  return out->args->output == CLI_OUTPUT_INHERIT && out->args->log_dir;
}

uvsup_output_mode_t cli_output_worker_mode(const cli_output_t* out) {
  switch (out->args->output) {
  case CLI_OUTPUT_INHERIT:
    return passthrough(out) ? UVSUP_OUTPUT_CAPTURE : UVSUP_OUTPUT_INHERIT;
  case CLI_OUTPUT_NULL:
    return out->args->log_dir ? UVSUP_OUTPUT_CAPTURE : UVSUP_OUTPUT_NULL;
  case CLI_OUTPUT_TAG:
  case CLI_OUTPUT_GROUP:
  default:
    return UVSUP_OUTPUT_CAPTURE;
  }
}

int cli_output_wants_lines(const cli_output_t* out) {
  return out->args->output == CLI_OUTPUT_TAG;
}

void cli_output_say(cli_output_t* out, const char* fmt, ...) {
  cli_buf_t b;
  cli_buf_init(&b);
  /* A progress line is on the terminal: the message takes its place,
   * and the next drawing comes below it. */
  cli_buf_puts(&b, out != NULL && out->progress_line ? "\r\033[K" : "");
  cli_buf_puts(&b, "uvsup: ");
  va_list ap;
  va_start(ap, fmt);
  cli_buf_vprintf(&b, fmt, ap);
  va_end(ap);
  cli_buf_putc(&b, '\n');
  if (b.failed) {
    cli_buf_free(&b);
    return;
  }
  /* Through the writer when there is one, so a message never lands in the
   * middle of a worker's line that is being written. */
  if (out != NULL && out->writing) {
    cli_writer_add_text(&out->writer[1], b.data, b.len);
  } else {
    fputs(b.data, stderr);
  }
  cli_buf_free(&b);
}

void cli_output_progress_line(cli_output_t* out, int drawn) {
  out->progress_line = drawn;
}

void cli_output_raw_stderr(cli_output_t* out, const char* text, size_t len) {
  if (out != NULL && out->writing) {
    cli_writer_add_text(&out->writer[1], text, len);
  } else if (fwrite(text, 1, len, stderr) == len) {
    fflush(stderr);
  }
}

/* A reader that left (EPIPE) asked for no more: that is not a loss. Any
 * other failure loses output the user expects, so it is said once and
 * shows in the exit status. */
static void on_writer_error(cli_writer_t* w, void* data) {
  cli_output_t* out = data;
  if (w->error == UV_EPIPE) {
    /* Nobody reads stdout any more: the run is pointless, as for a
     * pipeline's writer killed by SIGPIPE. */
    if (w == &out->writer[0] && out->gone != NULL) {
      out->gone(out->gone_data);
    }
    return;
  }
  out->lost = 1;
  if (w == &out->writer[0]) {
    cli_output_say(out, "writing standard output: %s", strerror(-w->error));
  }
}

/* Resumes the stream s (0: stdout, 1: stderr) of every worker paused
 * for writer s. */
static void resume_stream(cli_output_t* out, int s) {
  for (size_t i = 0; i < out->npaused[s]; i++) {
    uvsup_worker_t* worker = out->paused[s][i];
    out->jobs[(uintptr_t)uvsup_worker_data(worker)].paused[s] = 0;
    uvsup_worker_resume_stream(worker, s + 1);
  }
  out->npaused[s] = 0;
}

static void resume_all(cli_output_t* out) {
  resume_stream(out, 0);
  resume_stream(out, 1);
}

static int writers_full(cli_output_t* out) {
  return out->writing &&
         (cli_writer_full(&out->writer[0]) || cli_writer_full(&out->writer[1]));
}

/* Starts of new workers wait while finished output waits for a slow
 * reader: its output would only wait too, holding memory and a
 * descriptor. */
static void update_hold(cli_output_t* out) {
  int want = !out->dropping && out->hold != NULL && writers_full(out);
  if (want != out->holding) {
    out->holding = want;
    out->hold(out->hold_data, want);
  }
}

static void on_drain(cli_writer_t* w, void* data) {
  cli_output_t* out = data;
  /* Resume every worker paused for this writer: one that refills it while
   * it is still full is paused again at its next chunk. */
  resume_stream(out, w == &out->writer[0] ? 0 : 1);
  update_hold(out);
}

void cli_output_on_gone(cli_output_t* out, cli_output_gone_cb cb, void* data) {
  out->gone = cb;
  out->gone_data = data;
}

void cli_output_on_hold(cli_output_t* out, cli_output_hold_cb cb, void* data) {
  out->hold = cb;
  out->hold_data = data;
}

static void write_in_order(cli_output_t* out, int all);

int cli_output_reserve(cli_output_t* out, size_t count) {
  if (count <= out->count) {
    return 0;
  }
  job_output_t* jobs = realloc(out->jobs, count * sizeof(*jobs));
  if (jobs == NULL) {
    return -1;
  }
  out->jobs = jobs;
  memset(jobs + out->count, 0, (count - out->count) * sizeof(*jobs));
  /* A worker is paused at most once per stream: as many as jobs. */
  for (int s = 0; s < 2; s++) {
    uvsup_worker_t** paused = realloc(out->paused[s], count * sizeof(*paused));
    if (paused == NULL) {
      return -1;
    }
    out->paused[s] = paused;
  }
  for (size_t i = out->count; i < count; i++) {
    jobs[i].log_fd = -1;
    jobs[i].file_fd[0] = -1;
    jobs[i].file_fd[1] = -1;
  }
  out->count = count;
  return 0;
}

void cli_output_set_pad(cli_output_t* out, size_t width) {
  out->pad = width > out->pad ? width : out->pad;
}

void cli_output_skip(cli_output_t* out, size_t job) {
  out->jobs[job].ended = 1;
  out->waiting++;
  write_in_order(out, 0);
}

int cli_output_new(cli_output_t** outp,
                   uv_loop_t* loop,
                   const cli_args_t* a,
                   char* err,
                   size_t errlen) {
  cli_output_t* out = calloc(1, sizeof(*out));
  if (out == NULL) {
    snprintf(err, errlen, "out of memory");
    return -1;
  }
  out->args = a;
  if (a->log_dir != NULL && cli_logdir_create(a->log_dir, err, errlen) != 0) {
    cli_output_free(out);
    return -1;
  }
  out->writing = a->output == CLI_OUTPUT_TAG || a->output == CLI_OUTPUT_GROUP ||
                 passthrough(out);
  if (out->writing) {
    const char* no_color = getenv("NO_COLOR");
    for (int i = 0; i < 2; i++) {
      cli_writer_init(&out->writer[i], loop, i + 1, on_drain, on_writer_error,
                      out);
      out->color[i] = a->output == CLI_OUTPUT_TAG &&
                      cli_tag_use_color(a->color, isatty(i + 1), no_color);
    }
    out->writers_open = 2;
  }
  *outp = out;
  return 0;
}

void cli_output_set_name(cli_output_t* out, size_t job, const char* name) {
  out->jobs[job].name = name;
  size_t width = cli_tag_name_width(name);
  if (width > out->pad) {
    out->pad = width;
  }
}

void cli_output_set_opts(cli_output_t* out,
                         size_t job,
                         const cli_job_opts_t* opts) {
  out->jobs[job].opts = opts;
}

/* The tag of a job's lines on one stream, made once: a job is named when
 * it is added, so the padding is that of the widest name so far (with
 * -f, -c and ::: jobs added at once, every name). */
static const char* prefix_of(
    cli_output_t* out, job_output_t* j, size_t job, int s, size_t* len) {
  if (j->prefix[s] == NULL) {
    cli_tag_t tag = { j->name, out->pad,
                      out->color[s] ? (int)(job % CLI_TAG_COLORS) + 1 : 0,
                      NULL };
    cli_buf_t b;
    cli_buf_init(&b);
    if (cli_tag_prefix(&b, &tag) != 0) {
      cli_buf_free(&b);
      *len = 0;
      return "";
    }
    j->prefix[s] = b.data;
    j->prefix_len[s] = b.len;
  }
  *len = j->prefix_len[s];
  return j->prefix[s];
}

/* The time a line was read, formatted once per millisecond at most. */
static const char* stamp(cli_output_t* out) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  uint64_t ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
  if (ms != out->stamp_ms) {
    out->stamp_ms = ms;
    cli_tag_stamp(out->stamp, sizeof(out->stamp), ms);
  }
  return out->stamp;
}

/* Output the user asked for is gone: each loss is said (once per stream
 * of a run or per log of a run) and shows in the exit status. */
static void say_lost(cli_output_t* out,
                     const char* what,
                     const char* name,
                     const char* why) {
  cli_buf_t safe;
  cli_buf_init(&safe);
  cli_put_safe(&safe, name);
  cli_output_say(out, "warning: %s of %s lost: %s", what,
                 safe.data != NULL ? safe.data : "", why);
  cli_buf_free(&safe);
  out->lost = 1;
}

/* Appends the line or chunk to the log, with the newline the line
 * splitter took. Returns 0 or -1 (errno set). */
static int append_log(int fd, const uvsup_output_t* o) {
  struct iovec iov[2] = { { (void*)o->data, o->len }, { "\n", 1 } };
  int parts = o->newline ? 2 : 1;
  ssize_t done = writev(fd, iov, parts);
  if (done < 0) {
    return -1;
  }
  /* A short write to a local file is rare: finish it plainly. */
  size_t skip = (size_t)done;
  for (int k = 0; k < parts; k++) {
    if (skip >= iov[k].iov_len) {
      skip -= iov[k].iov_len;
      continue;
    }
    if (cli_write_all(fd, (const char*)iov[k].iov_base + skip,
                      iov[k].iov_len - skip) != 0) {
      return -1;
    }
    skip = 0;
  }
  return 0;
}

static void write_log(cli_output_t* out,
                      job_output_t* j,
                      const uvsup_output_t* o) {
  if (j->log_fd == -1) {
    char err[512];
    char file[256];
    cli_logdir_file_name(file, sizeof(file), j->name);
    j->log_fd = cli_logdir_open(out->args->log_dir, file, err, sizeof(err));
    if (j->log_fd < 0) {
      say_lost(out, "log", j->name, err);
      j->log_fd = -2; /* do not try again for this run */
      return;
    }
  }
  if (j->log_fd >= 0 && append_log(j->log_fd, o) != 0) {
    say_lost(out, "log", j->name, strerror(errno));
    close(j->log_fd);
    j->log_fd = -2;
  }
}

/* A job whose streams are not all shown is captured for its files. */
static int has_own_logs(const job_output_t* j) {
  return j->opts != NULL && (j->opts->log_kind[0] != CLI_LOG_SHOWN ||
                             j->opts->log_kind[1] != CLI_LOG_SHOWN);
}

/* The job's own log settings (stdout_logfile, ...): sets *s to the stream
 * it is shown on and returns 0, or returns 1 when it went to its file or
 * was discarded. */
static int route_own(cli_output_t* out,
                     job_output_t* j,
                     int* s,
                     const uvsup_output_t* o) {
  if (j->opts == NULL) {
    return 0;
  }
  if (j->opts->redirect_stderr) {
    *s = 0;
  }
  switch (j->opts->log_kind[*s]) {
  case CLI_LOG_SHOWN:
    return 0;
  case CLI_LOG_DISCARD:
    return 1;
  case CLI_LOG_FILE:
    break;
  }
  int* fd = &j->file_fd[*s];
  if (*fd == -1) {
    *fd = open(j->opts->log_path[*s], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC,
               0644);
    if (*fd < 0) {
      say_lost(out, "log", j->name, strerror(errno));
      *fd = -2; /* not again for this run */
    }
  }
  if (*fd >= 0 && append_log(*fd, o) != 0) {
    say_lost(out, "log", j->name, strerror(errno));
    close(*fd);
    *fd = -2;
  }
  return 1;
}

static void close_own(job_output_t* j) {
  for (int s = 0; s < 2; s++) {
    if (j->file_fd[s] >= 0) {
      close(j->file_fd[s]);
    }
    j->file_fd[s] = -1;
  }
}

/* Stops reading the worker's stream s (0: stdout, 1: stderr) while writer
 * s is full; its other stream, bound for the other writer, still flows. */
static void pause_worker(cli_output_t* out,
                         job_output_t* j,
                         int s,
                         uvsup_worker_t* worker) {
  if (!j->paused[s] && uvsup_worker_pause_stream(worker, s + 1) == 0) {
    j->paused[s] = 1;
    out->paused[s][out->npaused[s]++] = worker;
  }
}

/* Group mode: keeps the chunk until the run ends. A spool that fails
 * (memory, a full $TMPDIR) keeps what it stored and takes no more. */
static void spool_chunk(cli_output_t* out,
                        job_output_t* j,
                        int s,
                        const uvsup_output_t* o) {
  if (j->spool[s] == NULL) {
    j->spool[s] = malloc(sizeof(cli_spool_t));
    if (j->spool[s] == NULL) {
      say_lost(out, "output", j->name, strerror(ENOMEM));
      return;
    }
    cli_spool_init(j->spool[s], GROUP_MEMORY_PER_STREAM);
  }
  int failed_before = j->spool[s]->error != 0;
  if (cli_spool_append(j->spool[s], o->data, o->len) != 0 && !failed_before) {
    say_lost(out, "output", j->name, strerror(j->spool[s]->error));
  }
}

/* Group mode: while finished runs' output waits for a slow reader, a
 * running worker's stream waits too (paused until that writer drains),
 * so spools do not pile up. */
static void spool_backpressure(cli_output_t* out,
                               job_output_t* j,
                               int s,
                               uvsup_worker_t* worker) {
  if (out->writing && cli_writer_full(&out->writer[s])) {
    pause_worker(out, j, s, worker);
  }
}

void cli_output_chunk(cli_output_t* out,
                      uvsup_worker_t* worker,
                      size_t job,
                      const uvsup_output_t* o) {
  job_output_t* j = &out->jobs[job];
  int s = o->stream == 2 ? 1 : 0;
  if (out->args->log_dir != NULL) {
    write_log(out, j, o);
  }
  if (route_own(out, j, &s, o) || out->dropping) {
    return;
  }
  switch (out->args->output) {
  case CLI_OUTPUT_TAG: {
    cli_buf_t* b = cli_writer_buf(&out->writer[s]);
    if (out->args->timestamps) {
      cli_buf_puts(b, stamp(out));
      cli_buf_putc(b, ' ');
    }
    size_t len;
    const char* prefix = prefix_of(out, j, job, s, &len);
    cli_buf_append(b, prefix, len);
    cli_buf_append(b, o->data, o->len);
    cli_buf_putc(b, '\n');
    break;
  }
  case CLI_OUTPUT_GROUP:
    spool_chunk(out, j, s, o);
    spool_backpressure(out, j, s, worker);
    return;
  case CLI_OUTPUT_INHERIT:
    if (!passthrough(out) && !has_own_logs(j)) {
      return;
    }
    cli_buf_append(cli_writer_buf(&out->writer[s]), o->data, o->len);
    break;
  case CLI_OUTPUT_NULL:
  default:
    return;
  }
  cli_writer_added(&out->writer[s]);
  if (cli_writer_full(&out->writer[s])) {
    pause_worker(out, j, s, worker);
  }
}

/* Hands job's spools to the writers, which write each as one piece. */
static void write_spools(cli_output_t* out, job_output_t* j) {
  for (int s = 0; s < 2; s++) {
    if (j->spool[s] != NULL) {
      cli_writer_add_spool(&out->writer[s], j->spool[s]);
      free(j->spool[s]);
      j->spool[s] = NULL;
    }
  }
}

/* -k: writes out every job whose turn has come, in input order. */
static void write_in_order(cli_output_t* out, int all) {
  while (out->next_write < out->count &&
         (out->jobs[out->next_write].ended || all)) {
    job_output_t* j = &out->jobs[out->next_write++];
    out->waiting -= j->ended && out->waiting > 0;
    write_spools(out, j);
  }
}

void cli_output_run_ended(cli_output_t* out, size_t job, int final) {
  job_output_t* j = &out->jobs[job];
  if (j->log_fd >= 0) {
    close(j->log_fd);
  }
  j->log_fd = -1; /* a next run tries again */
  close_own(j);
  for (int s = 0; s < 2; s++) {
    free(j->prefix[s]);
    j->prefix[s] = NULL;
  }
  if (!out->args->batch.keep_order) {
    write_spools(out, j);
  } else if (final) {
    /* A job's runs (--retries) share its spools, written at its turn. */
    j->ended = 1;
    out->waiting++;
    write_in_order(out, 0);
  }
  update_hold(out);
}

static void on_writer_closed(cli_writer_t* w, void* data) {
  cli_output_t* out = data;
  if (--out->writers_open == 0 && out->on_closed != NULL) {
    out->on_closed(out->closed_data);
  }
}

void cli_output_close(cli_output_t* out, cli_output_closed_cb cb, void* data) {
  out->on_closed = cb;
  out->closed_data = data;
  if (out->args->batch.keep_order) {
    write_in_order(out, 1); /* what ran of a batch cut short, in order */
  }
  if (!out->writing) {
    if (cb != NULL) {
      cb(data);
    }
    return;
  }
  for (int i = 0; i < 2; i++) {
    cli_writer_close(&out->writer[i], on_writer_closed);
  }
}

void cli_output_drop(cli_output_t* out) {
  out->dropping = 1;
  if (out->writing) {
    for (int i = 0; i < 2; i++) {
      cli_writer_drop(&out->writer[i]);
    }
  }
  resume_all(out);
  update_hold(out);
}

size_t cli_output_waiting(const cli_output_t* out) {
  return out->waiting;
}

int cli_output_lost(const cli_output_t* out) {
  return out != NULL && out->lost;
}

void cli_output_free(cli_output_t* out) {
  if (out == NULL) {
    return;
  }
  for (size_t i = 0; out->jobs != NULL && i < out->count; i++) {
    for (int s = 0; s < 2; s++) {
      if (out->jobs[i].spool[s] != NULL) {
        cli_spool_free(out->jobs[i].spool[s]);
        free(out->jobs[i].spool[s]);
      }
      free(out->jobs[i].prefix[s]);
    }
    if (out->jobs[i].log_fd >= 0) {
      close(out->jobs[i].log_fd);
    }
    close_own(&out->jobs[i]);
  }
  free(out->jobs);
  free(out->paused[0]);
  free(out->paused[1]);
  free(out);
}
