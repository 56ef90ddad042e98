/* How the CLI spawns its workers: UVSUP_SPAWN, and the spawn helper beside
 * the program before the installed one. */
#include "spawnmode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HELPER_NAME "uvsup-spawn"

/* Names the helper at dir/rel in path if it is there and executable. */
static int try_helper(char* path, size_t len, size_t dir_len, const char* rel) {
  if (dir_len + strlen(rel) + 1 > len) {
    return 0;
  }
  memcpy(path + dir_len, rel, strlen(rel) + 1);
  return access(path, X_OK) == 0;
}

/* The helper beside /proc/self/exe, as in a build tree, or in ../libexec
 * from it, as installed under any prefix; else the library's choice
 * (UVSUP_SPAWN_HELPER, then the path it was configured with). */
static void find_beside(uvsup_options_t* opts, char* path, size_t len) {
  if (getenv("UVSUP_SPAWN_HELPER") != NULL) {
    return;
  }
  ssize_t n = readlink("/proc/self/exe", path, len - 1);
  if (n <= 0) {
    return;
  }
  path[n] = '\0';
  char* slash = strrchr(path, '/');
  if (slash == NULL) {
    return;
  }
  size_t dir_len = (size_t)(slash - path);
  if (try_helper(path, len, dir_len, "/" HELPER_NAME) ||
      try_helper(path, len, dir_len, "/../libexec/" HELPER_NAME)) {
    opts->spawn_helper = path;
  }
}

int cli_spawn_setup(
    uvsup_options_t* opts, char* path, size_t len, char* err, size_t errlen) {
  const char* mode = getenv("UVSUP_SPAWN");
  if (mode == NULL || mode[0] == '\0' || strcmp(mode, "helper") == 0) {
    find_beside(opts, path, len);
    return 0;
  }
  if (strcmp(mode, "in-process") == 0) {
    opts->spawn_in_process = 1;
    return 0;
  }
  snprintf(err, errlen, "UVSUP_SPAWN: '%.100s' is not 'helper' or 'in-process'",
           mode);
  return -1;
}
