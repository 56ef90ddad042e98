/* Whether a process group still has a live member, zombies not counted. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

/* Reads /proc/PID/stat and returns 1 when the process is in group pgid and
 * not a zombie. The state and the group follow the last ')' (the command
 * name may hold anything): ") S PPID PGRP ...". */
static int live_member(const char* pid, int pgid) {
  char path[64], stat[512];
  snprintf(path, sizeof(path), "/proc/%s/stat", pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return 0;
  }
  ssize_t n = read(fd, stat, sizeof(stat) - 1);
  close(fd);
  if (n <= 0) {
    return 0;
  }
  stat[n] = '\0';
  const char* p = strrchr(stat, ')');
  char state;
  int ppid, pgrp;
  if (p == NULL || sscanf(p + 1, " %c %d %d", &state, &ppid, &pgrp) != 3) {
    return 0;
  }
  return pgrp == pgid && state != 'Z' && state != 'X';
}

int uvsup__group_alive(int pgid) {
  if (kill(-pgid, 0) != 0) {
    return 0;
  }
  /* kill() also succeeds while only zombies are left, and zombies of
   * orphans wait for init, which may be slow or, in a container, never
   * come: look for a member that still runs. This walks every process on
   * the machine, so it is done only for a group that kill() says exists. */
  DIR* proc = opendir("/proc");
  if (proc == NULL) {
    return 1; /* no /proc: trust kill() */
  }
  int alive = 0;
  struct dirent* entry;
  while (!alive && (entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] >= '1' && entry->d_name[0] <= '9') {
      alive = live_member(entry->d_name, pgid);
    }
  }
  closedir(proc);
  return alive;
}
