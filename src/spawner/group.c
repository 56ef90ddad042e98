/* Whether a process group still has a live member, zombies not counted. */
#include "group.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* One walk of /proc answers for every leftover group checked within this
 * many milliseconds: with many leftover groups, the walks do not multiply. */
#define SCAN_REUSE_MS 20

/* Reads a /proc stat file: the state letter and the process group, which
 * follow the last ')' (the command name may hold anything). Returns 1, 0
 * when the process is gone, -1 when it could not be read (EMFILE, say). */
static int read_stat(const char* path, char* state, int* pgrp) {
  char stat[512];
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENOENT || errno == ESRCH ? 0 : -1;
  }
  ssize_t n = read(fd, stat, sizeof(stat) - 1);
  int saved = errno;
  close(fd);
  if (n <= 0) {
    return n == 0 || saved == ESRCH ? 0 : -1;
  }
  stat[n] = '\0';
  const char* p = strrchr(stat, ')');
  int ppid;
  if (p == NULL || sscanf(p + 1, " %c %d %d", state, &ppid, pgrp) != 3) {
    return -1;
  }
  return 1;
}

static int is_dead(char state) {
  return state == 'Z' || state == 'X';
}

/* A zombie leader whose main thread called pthread_exit() leads threads
 * that may still run: the process is alive while any of them does. Returns
 * 1, 0, or -1 when it could not be read. */
static int any_thread_runs(const char* pid) {
  char path[96];
  snprintf(path, sizeof(path), "/proc/%.20s/task", pid);
  DIR* tasks = opendir(path);
  if (tasks == NULL) {
    return errno == ENOENT || errno == ESRCH ? 0 : -1;
  }
  int runs = 0;
  struct dirent* entry;
  while (runs == 0 && (entry = readdir(tasks)) != NULL) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') {
      continue;
    }
    snprintf(path, sizeof(path), "/proc/%.20s/task/%.20s/stat", pid,
             entry->d_name);
    char state;
    int pgrp;
    int got = read_stat(path, &state, &pgrp);
    runs = got < 0 ? -1 : got == 1 && !is_dead(state);
  }
  closedir(tasks);
  return runs;
}

/* Returns the process group of process pid when it runs, 0 when it is a
 * zombie or gone, -1 when it could not be read: then the walk proves
 * nothing. */
static int live_pgrp(const char* pid) {
  char path[64];
  snprintf(path, sizeof(path), "/proc/%.20s/stat", pid);
  char state;
  int pgrp;
  int got = read_stat(path, &state, &pgrp);
  if (got <= 0) {
    return got;
  }
  if (!is_dead(state)) {
    return pgrp;
  }
  int runs = any_thread_runs(pid);
  return runs <= 0 ? runs : pgrp;
}

static int compare_int(const void* a, const void* b) {
  int x = *(const int*)a, y = *(const int*)b;
  return (x > y) - (x < y);
}

/* Lists the groups that have a running member, sorted. */
static void scan(uvsup_group_scan_t* s) {
  s->count = 0;
  s->complete = 0;
  DIR* proc = opendir("/proc");
  if (proc == NULL) {
    return;
  }
  int complete = 1;
  struct dirent* entry;
  while ((entry = readdir(proc)) != NULL) {
    if (entry->d_name[0] < '1' || entry->d_name[0] > '9') {
      continue;
    }
    int pgrp = live_pgrp(entry->d_name);
    if (pgrp < 0) {
      complete = 0;
      break;
    }
    if (pgrp == 0) {
      continue;
    }
    if (s->count == s->capacity) {
      size_t capacity = s->capacity ? s->capacity * 2 : 256;
      int* grown = realloc(s->pgids, capacity * sizeof(*grown));
      if (grown == NULL) {
        complete = 0;
        break;
      }
      s->pgids = grown;
      s->capacity = capacity;
    }
    s->pgids[s->count++] = pgrp;
  }
  closedir(proc);
  qsort(s->pgids, s->count, sizeof(*s->pgids), compare_int);
  s->complete = complete;
}

int uvsup__group_exists(int pgid) {
  /* EPERM: a member runs as another user (it changed its credentials), so
   * the group is not gone. */
  return kill(-pgid, 0) == 0 || errno == EPERM;
}

void uvsup__group_walk(uvsup_group_scan_t* s) {
  scan(s);
}

int uvsup__group_in_walk(const uvsup_group_scan_t* s, int pgid) {
  if (!s->complete) {
    return 1; /* could not look: trust kill(), never let a process escape */
  }
  return bsearch(&pgid, s->pgids, s->count, sizeof(*s->pgids), compare_int) !=
         NULL;
}

int uvsup__group_alive(uvsup_group_scan_t* s,
                       uv_loop_t* loop,
                       int pgid,
                       uint64_t born_ns,
                       int fresh) {
  if (!uvsup__group_exists(pgid)) {
    return 0;
  }
  /* kill() also succeeds while only zombies are left, and zombies of
   * orphans wait for init, which may be slow or, in a container, never
   * come: look for a member that still runs. */
  uint64_t now = uv_now(loop);
  /* A walk from before the group was made knows nothing of it: its
   * members would be taken for gone and escape the stop sequence. */
  if (fresh || !s->valid || now - s->at_ms >= SCAN_REUSE_MS ||
      s->at_ns < born_ns) {
    s->at_ns = uv_hrtime();
    scan(s);
    s->valid = 1;
    s->at_ms = now;
  }
  return uvsup__group_in_walk(s, pgid);
}

void uvsup__group_scan_free(uvsup_group_scan_t* s) {
  free(s->pgids);
  memset(s, 0, sizeof(*s));
}

int uvsup__child_running(int pid) {
  siginfo_t info;
  info.si_pid = 0;
  if (waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    return 0; /* not our child any more: reaped */
  }
  return info.si_pid == 0;
}
