/* --log-dir: file names from worker names, creating the directory, opening
 * each worker's log for appending. */
#define _GNU_SOURCE /* asprintf */
#include "logdir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "utf8.h"

#define NAME_MAX_BYTES 200
#define SUFFIX         ".log"
_Static_assert(NAME_MAX_BYTES + sizeof(SUFFIX) == CLI_LOGDIR_FILE_NAME_SIZE,
               "the header's size fits the longest name exactly");


char* cli_logdir_file_name(char* out, size_t outlen, const char* name) {
  size_t suffix_len = sizeof(SUFFIX) - 1;
  if (outlen < suffix_len + 2) {
    /* No room for even "_.log": an empty string, never a partial name. */
    if (outlen > 0) {
      out[0] = '\0';
    }
    return out;
  }
  size_t max = outlen - suffix_len - 1;
  if (max > NAME_MAX_BYTES) {
    max = NAME_MAX_BYTES;
  }
  const unsigned char* p = (const unsigned char*)name;
  size_t used = 0; /* bytes of the name consumed */
  size_t len = 0;  /* bytes written to out */
  while (p[used] != '\0') {
    size_t n = cli_utf8_len(p + used);
    if (n == 0 || p[used] < 0x20 || p[used] == 0x7F || p[used] == '/' ||
        (used == 0 && p[used] == '.')) {
      /* Control characters, invalid UTF-8 (one byte at a time), a slash,
       * and a leading dot (hidden files, "." and "..") become '_'. */
      n = 1;
      if (used + n > max) {
        break;
      }
      out[len++] = '_';
    } else if (n == 2 && p[used] == 0xC2 && p[used + 1] < 0xA0) {
      /* U+0080..U+009F, the C1 controls: one character, one '_'. */
      if (used + n > max) {
        break;
      }
      out[len++] = '_';
    } else {
      /* A whole character or none: never half a UTF-8 sequence. */
      if (used + n > max) {
        break;
      }
      memcpy(out + len, p + used, n);
      len += n;
    }
    used += n;
  }
  if (len == 0) {
    out[len++] = '_';
  }
  memcpy(out + len, SUFFIX, suffix_len + 1);
  return out;
}

/* Makes one directory of the path, or accepts the one that is there. */
static int make_one(const char* path, char* err, size_t errlen) {
  if (mkdir(path, 0755) == 0) {
    return 0;
  }
  int e = errno;
  struct stat st;
  /* Check what is there whatever mkdir said: on an existing directory,
   * EEXIST is not the only answer (EROFS, EACCES in some file systems). */
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return 0;
    }
    e = ENOTDIR; /* a file where a directory should be */
  }
  return cli_fail(err, errlen, "%s: %s", path, strerror(e));
}

int cli_logdir_create(const char* dir, char* err, size_t errlen) {
  if (dir[0] == '\0') {
    return cli_fail(err, errlen, "%s: %s", dir, strerror(ENOENT));
  }
  char* path = strdup(dir);
  if (path == NULL) {
    return cli_fail(err, errlen, "%s: %s", dir, strerror(ENOMEM));
  }
  /* Each parent in turn, from the top, so that an error names the very
   * component that is in the way ("logs/a: Not a directory"). */
  int rc = 0;
  for (char* p = path + 1; *p != '\0' && rc == 0; p++) {
    if (*p == '/' && p[-1] != '/') {
      *p = '\0';
      rc = make_one(path, err, errlen);
      *p = '/';
    }
  }
  if (rc == 0) {
    rc = make_one(path, err, errlen);
  }
  free(path);
  return rc;
}

int cli_logdir_open(const char* dir,
                    const char* file,
                    char* err,
                    size_t errlen) {
  size_t dir_len = strlen(dir);
  if (dir_len == 0) {
    /* As open("") and cli_logdir_create(""): never the root's "/FILE". */
    return cli_fail(err, errlen, "/%s: %s", file, strerror(ENOENT));
  }
  /* "logs/" and "logs" give the same path, and so the same message. */
  const char* sep = dir[dir_len - 1] == '/' ? "" : "/";
  char* path;
  if (asprintf(&path, "%s%s%s", dir, sep, file) < 0) {
    return cli_fail(err, errlen, "%s/%s: %s", dir, file, strerror(ENOMEM));
  }
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    cli_fail(err, errlen, "%s: %s", path, strerror(errno));
  }
  free(path);
  return fd;
}
