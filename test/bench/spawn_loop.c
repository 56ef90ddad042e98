/* Benchmark floor: run PROGRAM N times, J at a time, with posix_spawn and
 * waitpid; no event loop, no bookkeeping.
 * Usage: spawn_loop N J PROGRAM [ARG]... */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

extern char** environ;

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: spawn_loop N J PROGRAM [ARG]...\n");
    return 2;
  }
  long n = atol(argv[1]), j = atol(argv[2]);
  char** args = argv + 3;
  long started = 0, running = 0, failed = 0;
  while (started < n || running > 0) {
    while (started < n && running < j) {
      pid_t pid;
      if (posix_spawn(&pid, argv[3], NULL, NULL, args, environ) != 0) {
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
  return failed > 0;
}
