/* Helpers shared by the test suites: running the CLI, temporary files and
 * directories. */
#ifndef UVSUP_TESTUTIL_H
#define UVSUP_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

#include <check.h>

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
  size_t prefilled; /* bytes of '.' put in the stdout pipe before the start */
  tu_result_t r;
} tu_proc_t;

void tu_start(char* const* argv, const char* stdin_text, tu_proc_t* p);
void tu_wait_for_count(tu_proc_t* p, const char* needle, size_t count);
/* tu_start with the write end of the program's stdin pipe in *stdin_fd:
 * the test writes what it wants when it wants, and closes it. */
void tu_start_held(char* const* argv, tu_proc_t* p, int* stdin_fd);
void tu_finish(tu_proc_t* p, tu_result_t* r);

/* tu_start with the pipe of full_fd (1: stdout, 2: stderr) full before
 * the program starts (p->prefilled bytes of '.', which that stream's
 * text begins with): nothing it writes there gets through until the test
 * reads, so "the reader is slow" is a fact, not a race. Read the other
 * stream only (tu_wait_on) until then. */
void tu_start_full(char* const* argv, int full_fd, tu_proc_t* p);
/* Reads only fd (1: stdout, 2: stderr) until its text holds needle. */
void tu_wait_on(tu_proc_t* p, int fd, const char* needle);
/* One read of at most max bytes from fd (1 or 2), waiting for them: a
 * reader that takes its time. Returns 0 once that stream is closed. */
size_t tu_read_once(tu_proc_t* p, int fd, size_t max);
/* tu_finish, but when stdout and stderr are not both closed within
 * timeout_ms, kills the program (SIGKILL) and returns 0; else 1. With
 * err_only, stdout stays unread until then (a reader that never comes). */
int tu_finish_within(tu_proc_t* p,
                     tu_result_t* r,
                     int timeout_ms,
                     int err_only);
void tu_result_free(tu_result_t* r);

/* The size of an argv for tu_build_argv: the CLI, its arguments, NULL. */
#define TU_MAX_ARGS 64

/* Fills argv with the CLI's path and ap's arguments up to a NULL; takes a
 * va_list so helpers that run the CLI their own way share it. */
void tu_build_argv(char** argv, va_list ap);

/* tu_run on the CLI with the NULL-terminated arguments after stdin_text. */
void tu_run_cli(tu_result_t* r, const char* stdin_text, ...)
    __attribute__((sentinel));

/* printf into a new string; it ends the test on failure, so no caller
 * checks. */
char* tu_fmt(const char* format, ...) __attribute__((format(printf, 1, 2)));

/* A TCase in s whose tests get tu_tmpdir_new: an unchecked fixture makes
 * their base directory in Check's parent process, so it is removed even when
 * a failed assertion ends a test early. timeout in seconds, 0 to keep
 * Check's default (CK_DEFAULT_TIMEOUT). */
TCase* tu_tcase_new(Suite* s, const char* name, int timeout);

/* A new empty directory under the base, malloc'd; a real path, so it
 * compares with `pwd` and with the names /proc gives. */
char* tu_tmpdir_new(void);

/* Removes dir with all it holds (a test that must leave the base clean),
 * then frees the string. */
void tu_tmpdir_free(char* dir);

/* How many entries besides . and .. dir holds: what a test asserts to see
 * that nothing was left behind. */
int tu_count_entries(const char* dir);

/* Writes text to a new temporary file and returns its malloc'd path. */
char* tu_write_temp(const char* text, size_t len);

/* 1 when a process with this pid exists (zombies count as gone). */
int tu_pid_alive(pid_t pid);

/* Runs every test of s (each in its own process, as Check does by
 * default), frees it, and returns the status for main(). */
int tu_run_suite(Suite* s);

#endif
