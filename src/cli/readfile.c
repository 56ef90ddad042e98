/* Reading a whole small text file, to EOF rather than by its size (a pipe
 * or /dev/stdin has none), with a limit. */
#include "readfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"

static int read_all(int fd, size_t max, char** text, size_t* len) {
  size_t cap = 4096;
  size_t n = 0;
  char* buf = malloc(cap + 1);
  if (buf == NULL) {
    return ENOMEM;
  }
  for (;;) {
    if (n == cap) {
      char* grown = cap > max ? NULL : realloc(buf, cap * 2 + 1);
      if (grown == NULL) {
        free(buf);
        return cap > max ? EFBIG : ENOMEM;
      }
      buf = grown;
      cap *= 2;
    }
    ssize_t got = read(fd, buf + n, cap - n);
    if (got < 0 && errno == EINTR) {
      continue;
    }
    if (got < 0) {
      int e = errno;
      free(buf);
      return e;
    }
    if (got == 0) {
      break;
    }
    n += (size_t)got;
  }
  if (n > max) {
    free(buf);
    return EFBIG;
  }
  buf[n] = '\0';
  *text = buf;
  *len = n;
  return 0;
}

int cli_read_file(const char* path,
                  size_t max,
                  char** text,
                  size_t* len,
                  char* err,
                  size_t errlen) {
  *text = NULL;
  *len = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return cli_fail(err, errlen, "%s: %s", path, strerror(errno));
  }
  struct stat st;
  int e = fstat(fd, &st) != 0 ? errno : 0;
  if (e == 0 && S_ISDIR(st.st_mode)) {
    e = EISDIR;
  }
  if (e == 0) {
    e = read_all(fd, max, text, len);
  }
  close(fd);
  if (e == EFBIG) {
    return cli_fail(err, errlen, "%s: file too large (over %zu bytes)", path,
                    max);
  }
  if (e != 0) {
    return cli_fail(err, errlen, "%s: %s", path, strerror(e));
  }
  return 0;
}
