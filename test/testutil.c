/* Helpers shared by the test suites: running the CLI, reading files. */
#define _GNU_SOURCE /* pipe2 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

static void append(
    char** buf, size_t* len, size_t* cap, const char* p, size_t n) {
  if (*len + n + 1 > *cap) {
    *cap = (*len + n + 1) * 2;
    *buf = realloc(*buf, *cap);
    ck_assert_ptr_nonnull(*buf);
  }
  memcpy(*buf + *len, p, n);
  *len += n;
  (*buf)[*len] = '\0';
}

void tu_run(char* const* argv, const char* stdin_text, tu_result_t* r) {
  int in[2], out[2], err[2];
  memset(r, 0, sizeof(*r));
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(argv[0], argv);
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);

  /* stdin is written in the same poll loop, so a child that writes before it
   * reads cannot deadlock us. */
  size_t in_len = stdin_text ? strlen(stdin_text) : 0, in_off = 0;
  if (in_len == 0) {
    close(in[1]);
    in[1] = -1;
  }
  size_t out_cap = 0, err_cap = 0;
  append(&r->out, &r->out_len, &out_cap, "", 0);
  append(&r->err, &r->err_len, &err_cap, "", 0);
  int open_fds = 2;
  signal(SIGPIPE, SIG_IGN);
  while (open_fds > 0 || in[1] >= 0) {
    struct pollfd fds[3] = { { out[0], POLLIN, 0 },
                             { err[0], POLLIN, 0 },
                             { in[1], POLLOUT, 0 } };
    int rc = poll(fds, 3, -1);
    if (rc < 0 && errno == EINTR) {
      continue;
    }
    ck_assert_int_ge(rc, 0);
    char chunk[65536];
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP))) {
        continue;
      }
      ssize_t n = read(fds[i].fd, chunk, sizeof(chunk));
      if (n <= 0) {
        close(fds[i].fd);
        if (i == 0) {
          out[0] = -1;
        } else {
          err[0] = -1;
        }
        open_fds--;
      } else if (i == 0) {
        append(&r->out, &r->out_len, &out_cap, chunk, (size_t)n);
      } else {
        append(&r->err, &r->err_len, &err_cap, chunk, (size_t)n);
      }
    }
    if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = write(in[1], stdin_text + in_off, in_len - in_off);
      if (n > 0) {
        in_off += (size_t)n;
      }
      if (n < 0 || in_off == in_len) {
        close(in[1]);
        in[1] = -1;
      }
    }
  }
  int status;
  while (waitpid(pid, &status, 0) < 0) {
    ck_assert_int_eq(errno, EINTR);
  }
  r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void tu_result_free(tu_result_t* r) {
  free(r->out);
  free(r->err);
  memset(r, 0, sizeof(*r));
}

char* tu_write_temp(const char* text, size_t len) {
  char* path = strdup("/tmp/uvsup-test-XXXXXX");
  ck_assert_ptr_nonnull(path);
  int fd = mkstemp(path);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, len), (ssize_t)len);
  close(fd);
  return path;
}

int tu_pid_alive(pid_t pid) {
  char path[64], line[512];
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    return 0;
  }
  size_t n = fread(line, 1, sizeof(line) - 1, f);
  fclose(f);
  line[n] = '\0';
  /* "pid (comm) S ...": the state follows the last ')'; Z is a zombie. */
  const char* close_paren = strrchr(line, ')');
  if (close_paren == NULL || close_paren[1] == '\0') {
    return 0;
  }
  char state = close_paren[2];
  return state != 'Z' && state != 'X';
}
