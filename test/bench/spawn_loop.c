/* Benchmark floor: run PROGRAM N times, J at a time, with posix_spawn and
 * waitpid; no event loop, no bookkeeping: the physical limit. With
 * --index, job k (0 to N-1) gets k as a last argument, the argv uvsup and
 * xargs give it, so every contender runs the same argv.
 * Usage: spawn_loop [--index] N J PROGRAM [ARG]... */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char** environ;

int main(int argc, char** argv) {
  int index = argc > 1 && strcmp(argv[1], "--index") == 0;
  argv += index;
  argc -= index;
  if (argc < 4) {
    fprintf(stderr, "usage: spawn_loop [--index] N J PROGRAM [ARG]...\n");
    return 2;
  }
  long n = atol(argv[1]), j = atol(argv[2]);
  int nargs = argc - 3;
  char** args = calloc((size_t)nargs + 2, sizeof(*args));
  memcpy(args, argv + 3, (size_t)nargs * sizeof(*args));
  char number[32];
  long started = 0, running = 0, failed = 0;
  while (started < n || running > 0) {
    while (started < n && running < j) {
      if (index) {
        snprintf(number, sizeof(number), "%ld", started);
        args[nargs] = number;
      }
      pid_t pid;
      if (posix_spawn(&pid, args[0], NULL, NULL, args, environ) != 0) {
        perror("posix_spawn");
        return 1;
      }
      started++;
      running++;
    }
    int status;
    if (wait(&status) > 0) {
      running--;
      failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
  }
  free(args);
  return failed > 0;
}
