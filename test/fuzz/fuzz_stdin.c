/* Fuzzing the values read from standard input (cli_jobs_build and
 * cli_jobs_make in
 * CLI_MODE_STDIN): one job per non-empty line, in order, named by the line
 * without its "\n" or "\r\n", its argv the program with the value in place;
 * refused exactly when a line holds a NUL, a line is too long, or there is
 * no value at all, and then with no jobs left behind. The first input byte
 * picks the program's shape; the rest is standard input. */
#define _GNU_SOURCE /* fmemopen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "jobs.h"

typedef enum { APPENDED, REPLACED, AROUND, NSHAPES } shape_t;

/* What the reference expects: 1 for success, with the values in order. */
static int reference(const char* in,
                     size_t n,
                     const char*** values,
                     size_t** lens,
                     size_t* count) {
  *values = calloc(n + 1, sizeof(**values));
  *lens = calloc(n + 1, sizeof(**lens));
  FUZZ_CHECK(*values != NULL && *lens != NULL);
  *count = 0;
  for (size_t i = 0; i < n;) {
    const char* nl = memchr(in + i, '\n', n - i);
    size_t end = nl != NULL ? (size_t)(nl - in) : n;
    size_t len = end - i;
    if (len > 0 && in[i + len - 1] == '\r') {
      len--;
    }
    if (memchr(in + i, '\0', len) != NULL || len >= CLI_MAX_VALUE) {
      return 0;
    }
    if (len > 0) {
      (*values)[*count] = in + i;
      (*lens)[(*count)++] = len;
    }
    i = end + 1;
  }
  return *count > 0;
}

/* 1 when values[i] is also an earlier value. */
/* "#k" with k a number from 2 on: what makes a taken name unique. */
static int is_suffix(const char* s) {
  if (s[0] != '#' || s[1] < '1' || s[1] > '9') {
    return 0;
  }
  for (s += 2; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') {
      return 0;
    }
  }
  return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) {
    return 0;
  }
  shape_t shape = (shape_t)(data[0] % NSHAPES);
  const char* in = (const char*)data + 1;
  size_t n = size - 1;

  char* program[3][2] = { { "prog", NULL },
                          { "prog", "{}" },
                          { "prog", "<{}>" } };
  cli_args_t a;
  memset(&a, 0, sizeof(a));
  a.mode = CLI_MODE_STDIN;
  a.program = program[shape];
  a.nprogram = shape == APPENDED ? 1 : 2;

  /* A copy, so an empty input still has a buffer (glibc >= 2.22 takes a
   * size of 0). */
  char* copy = malloc(n + 1);
  FUZZ_CHECK(copy != NULL);
  memcpy(copy, in, n);
  FILE* fin = fmemopen(copy, n, "r");
  FUZZ_CHECK(fin != NULL);

  const char** values;
  size_t* lens;
  size_t count;
  int ok = reference(in, n, &values, &lens, &count);

  cli_jobs_t jobs;
  char err[256] = "";
  int rc = cli_jobs_build(&a, fin, &jobs, err, sizeof(err));
  FUZZ_CHECK(rc == (ok ? 0 : -1));
  if (rc != 0) {
    FUZZ_CHECK(jobs.count == 0 && jobs.fixed == NULL);
    FUZZ_CHECK(err[0] != '\0');
  } else {
    FUZZ_CHECK(jobs.count == count);
    /* Made in order, as the CLI makes them when it adds them. */
    cli_job_t* made = calloc(count, sizeof(*made));
    FUZZ_CHECK(made != NULL);
    for (size_t i = 0; i < count; i++) {
      FUZZ_CHECK(cli_jobs_make(&jobs, i, 1, &made[i], err, sizeof(err)) == 0);
    }
    for (size_t i = 0; i < count; i++) {
      const cli_job_t* job = &made[i];
      /* Named by the value; a name already taken (a repeated value, or a
       * value that reads like an earlier "VALUE#k") gets "#k" added. */
      FUZZ_CHECK(strncmp(job->name, values[i], lens[i]) == 0);
      FUZZ_CHECK(strlen(job->name) == lens[i] ||
                 is_suffix(job->name + lens[i]));
      FUZZ_CHECK(job->cwd == NULL);
      FUZZ_CHECK(strcmp(job->argv[0], "prog") == 0);
      FUZZ_CHECK(job->argv[1] != NULL && job->argv[2] == NULL);
      const char* arg = job->argv[1];
      if (shape == AROUND) {
        FUZZ_CHECK(strlen(arg) == lens[i] + 2 && arg[0] == '<' &&
                   arg[lens[i] + 1] == '>');
        arg++;
      }
      FUZZ_CHECK(strncmp(arg, values[i], lens[i]) == 0);
    }
    /* Names are unique among the jobs (jobs.h). */
    for (size_t i = 0; i < count; i++) {
      for (size_t k = i + 1; k < count; k++) {
        FUZZ_CHECK(strcmp(made[i].name, made[k].name) != 0);
      }
    }
    for (size_t i = 0; i < count; i++) {
      cli_job_free(&made[i]);
    }
    free(made);
    cli_jobs_free(&jobs);
  }

  free(values);
  free(lens);
  fclose(fin);
  free(copy);
  return 0;
}
