/* Runs a command and reports its peak RSS: "rss_kib N" on stderr. A small
 * C parent keeps the measurement clean: ru_maxrss survives exec, so a big
 * parent (Python) would leak its own size into the child's figure.
 * Usage: rss PROGRAM [ARG]...; exits with the command's status. */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: rss PROGRAM [ARG]...\n");
    return 2;
  }
  pid_t pid = fork();
  if (pid == 0) {
    execvp(argv[1], argv + 1);
    _exit(127);
  }
  int status;
  struct rusage usage;
  if (pid < 0 || wait4(pid, &status, 0, &usage) < 0) {
    return 125;
  }
  fprintf(stderr, "rss_kib %ld\n", usage.ru_maxrss);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
