/* GNU parallel's joblog, written and read back: the format is parallel's
 * byte for byte (TAB-separated, ':' as the host, the start with %.3f, the
 * runtime with %10.3f, newlines in a command as NUL bytes). */
#include "joblog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fail.h"

/* A job number past this in a log is taken as garbage, not a job. */
#define CLI_JOBLOG_SEQ_MAX 100000000L

/* "%.3f" of ms / 1000 without floating point: exact for any value. */
static void put_seconds(cli_buf_t* b, uint64_t ms, int width) {
  char text[48];
  snprintf(text, sizeof(text), "%llu.%03u", (unsigned long long)(ms / 1000),
           (unsigned)(ms % 1000));
  cli_buf_printf(b, "%*s", width, text);
}

void cli_joblog_format(cli_buf_t* b, const cli_joblog_entry_t* e) {
  cli_buf_printf(b, "%lu\t:\t", e->seq);
  put_seconds(b, e->start_ms, 0);
  cli_buf_putc(b, '\t');
  put_seconds(b, e->runtime_ms, 10);
  cli_buf_printf(b, "\t0\t%llu\t%ld\t%d\t", (unsigned long long)e->received,
                 e->exitval, e->signal);
  for (size_t i = 0; i < e->command_len; i++) {
    cli_buf_putc(b, e->command[i] == '\n' ? '\0' : e->command[i]);
  }
  cli_buf_putc(b, '\n');
}

int cli_joblog_outcome(const uvsup_result_t* r, cli_joblog_entry_t* e) {
  e->signal = r->term_signal;
  e->exitval = r->term_signal != 0 ? 0 : (long)r->exit_status;
  switch (r->end) {
  case UVSUP_END_EXITED:
  case UVSUP_END_SIGNALED:
  case UVSUP_END_GAVE_UP:
    break;
  case UVSUP_END_TIMED_OUT:
    e->exitval = -1;
    break;
  case UVSUP_END_SPAWN_FAILED:
    e->exitval = r->error == UV_ENOENT ? 127 : 126;
    break;
  case UVSUP_END_STOPPED:
    /* Reached by the stop after it had done its work and exited 0: done,
     * so a resume must not run it again. Any other stopped end is cut. */
    if (r->term_signal != 0 || r->exit_status != 0 || r->error != 0) {
      return -1;
    }
    break;
  case UVSUP_END_NOT_STARTED:
  default:
    return -1;
  }
  if (r->end == UVSUP_END_GAVE_UP && r->error != 0) {
    e->exitval = r->error == UV_ENOENT ? 127 : 126;
  }
  return 0;
}

int cli_joblog_open(cli_joblog_t* log,
                    const char* path,
                    int append,
                    int with_header_if_empty,
                    char* err,
                    size_t errlen) {
  log->failed = 0;
  int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
  log->fd = open(path, flags, 0644);
  if (log->fd < 0) {
    return cli_fail(err, errlen, "--joblog '%s': %s", path, strerror(errno));
  }
  struct stat st;
  int empty = fstat(log->fd, &st) == 0 && st.st_size == 0;
  if ((!append || (with_header_if_empty && empty)) &&
      cli_write_all(log->fd, CLI_JOBLOG_HEADER, strlen(CLI_JOBLOG_HEADER)) !=
          0) {
    cli_fail(err, errlen, "--joblog '%s': %s", path, strerror(errno));
    close(log->fd);
    log->fd = -1;
    return -1;
  }
  return 0;
}

int cli_joblog_write(cli_joblog_t* log, const cli_joblog_entry_t* e) {
  if (log->fd < 0) {
    return 0;
  }
  cli_buf_t b;
  cli_buf_init(&b);
  cli_joblog_format(&b, e);
  int rc =
      b.failed ? (errno = ENOMEM, -1) : cli_write_all(log->fd, b.data, b.len);
  cli_buf_free(&b);
  return rc;
}

void cli_joblog_close(cli_joblog_t* log) {
  if (log->fd >= 0) {
    close(log->fd);
  }
  log->fd = -1;
}

/* A whole number of the line, up to the next TAB; NULL when it is none. */
static const char* field_long(const char* p, const char* end, long* v) {
  char* stop;
  errno = 0;
  *v = strtol(p, &stop, 10);
  if (stop == p || stop >= end || *stop != '\t' || errno != 0) {
    return NULL;
  }
  return stop + 1;
}

/* Skips n TAB-ended fields. */
static const char* skip_fields(const char* p, const char* end, int n) {
  for (; p != NULL && n > 0; n--) {
    const char* tab = memchr(p, '\t', (size_t)(end - p));
    p = tab != NULL ? tab + 1 : NULL;
  }
  return p;
}

static int record(cli_joblog_done_t* done,
                  unsigned long seq,
                  int ok,
                  const char* command,
                  size_t len) {
  if (seq > done->count) {
    size_t count = done->count ? done->count : 64;
    while (count < seq) {
      count *= 2;
    }
    cli_joblog_record_t* grown = realloc(done->by_seq, count * sizeof(*grown));
    if (grown == NULL) {
      return -1;
    }
    memset(grown + done->count, 0, (count - done->count) * sizeof(*grown));
    done->by_seq = grown;
    done->count = count;
  }
  cli_joblog_record_t* r = &done->by_seq[seq - 1];
  free(r->command);
  if ((r->command = malloc(len + 1)) == NULL) {
    return -1;
  }
  for (size_t i = 0; i < len; i++) {
    r->command[i] = command[i] == '\0' ? '\n' : command[i];
  }
  r->command[len] = '\0';
  r->ok = ok;
  return 0;
}

/* One line: SEQ HOST START RUNTIME SEND RECEIVE EXITVAL SIGNAL COMMAND. */
static int parse_line(cli_joblog_done_t* done, const char* line, size_t len) {
  const char* end = line + len;
  long seq, exitval, signal;
  const char* p = field_long(line, end, &seq);
  p = skip_fields(p, end, 5); /* HOST START RUNTIME SEND RECEIVE */
  p = p != NULL ? field_long(p, end, &exitval) : NULL;
  p = p != NULL ? field_long(p, end, &signal) : NULL;
  if (p == NULL || seq <= 0 || seq > CLI_JOBLOG_SEQ_MAX) {
    return 0; /* the header, or not a line of parallel's */
  }
  return record(done, (unsigned long)seq, exitval == 0 && signal == 0, p,
                (size_t)(end - p));
}

int cli_joblog_load(const char* path,
                    cli_joblog_done_t* done,
                    char* err,
                    size_t errlen) {
  memset(done, 0, sizeof(*done));
  FILE* f = fopen(path, "re");
  if (f == NULL) {
    return errno == ENOENT ? 0
                           : cli_fail(err, errlen, "--joblog '%s': %s", path,
                                      strerror(errno));
  }
  char* line = NULL;
  size_t cap = 0;
  ssize_t n;
  int rc = 0;
  while (rc == 0 && (n = getline(&line, &cap, f)) > 0) {
    size_t len = (size_t)n - (line[n - 1] == '\n');
    if (parse_line(done, line, len) != 0) {
      rc = cli_fail(err, errlen, "out of memory");
    }
  }
  if (rc == 0 && ferror(f)) {
    rc = cli_fail(err, errlen, "--joblog '%s': read error", path);
  }
  free(line);
  fclose(f);
  if (rc != 0) {
    cli_joblog_done_free(done);
  }
  return rc;
}

const cli_joblog_record_t* cli_joblog_find(const cli_joblog_done_t* done,
                                           unsigned long seq) {
  if (seq == 0 || seq > done->count || done->by_seq[seq - 1].command == NULL) {
    return NULL;
  }
  return &done->by_seq[seq - 1];
}

int cli_joblog_wants(const cli_joblog_done_t* done,
                     cli_resume_t how,
                     unsigned long seq) {
  const cli_joblog_record_t* r = cli_joblog_find(done, seq);
  switch (how) {
  case CLI_RESUME_DONE:
    return r == NULL;
  case CLI_RESUME_FAILED:
    return r == NULL || !r->ok;
  case CLI_RETRY_FAILED:
    return r != NULL && !r->ok;
  case CLI_RESUME_NONE:
  default:
    return 1;
  }
}

void cli_joblog_done_free(cli_joblog_done_t* done) {
  for (size_t i = 0; i < done->count; i++) {
    free(done->by_seq[i].command);
  }
  free(done->by_seq);
  memset(done, 0, sizeof(*done));
}
