/* Helpers shared by the test suites: running the CLI, reading files. */
#ifndef UVSUP_TESTUTIL_H
#define UVSUP_TESTUTIL_H

#include <stddef.h>
#include <sys/types.h>

typedef struct {
  char* out; /* everything written to stdout, NUL-terminated */
  size_t out_len;
  char* err; /* everything written to stderr, NUL-terminated */
  size_t err_len;
  int status; /* exit status, or 128+N when killed by signal N */
} tu_result_t;

/* Runs argv (argv[0] a path) with stdin_text (NULL: /dev/null) on its
 * standard input, collects stdout and stderr, and waits for it. Aborts the
 * test on failure to run. */
void tu_run(char* const* argv, const char* stdin_text, tu_result_t* r);

/* The same in steps, for a test that acts while the program runs: start it,
 * wait until its output (stdout or stderr) holds needle count times, act
 * (send it a signal, say), then collect everything and wait for it. */
typedef struct {
  pid_t pid;
  int fds[3]; /* stdout, stderr, stdin; -1 once closed */
  const char* in;
  size_t in_len;
  size_t in_off;
  size_t out_cap;
  size_t err_cap;
  tu_result_t r;
} tu_proc_t;

void tu_start(char* const* argv, const char* stdin_text, tu_proc_t* p);
void tu_wait_for_count(tu_proc_t* p, const char* needle, size_t count);
void tu_finish(tu_proc_t* p, tu_result_t* r);
void tu_result_free(tu_result_t* r);

/* Writes text to a new temporary file and returns its malloc'd path. */
char* tu_write_temp(const char* text, size_t len);

/* 1 when a process with this pid exists (zombies count as gone). */
int tu_pid_alive(pid_t pid);

#endif
