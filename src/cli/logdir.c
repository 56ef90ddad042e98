/* --log-dir: file names from worker names, creating the directory, opening
 * each worker's log for appending. */
#define _GNU_SOURCE /* asprintf */
#include "logdir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "names.h"
#include "utf8.h"

#define NAME_MAX_BYTES 200
#define SUFFIX         ".log"
#define HASH_LEN       17 /* "~" and 16 hex digits */
_Static_assert(NAME_MAX_BYTES + sizeof(SUFFIX) == CLI_LOGDIR_FILE_NAME_SIZE,
               "the header's size fits the longest name exactly");


/* Writes the file-name-safe form of name into out, at most max bytes and
 * never half a character; returns the bytes written, and sets *whole to
 * whether all of name fit. */
static size_t put_safe_part(char* out,
                            size_t max,
                            const char* name,
                            int* whole) {
  const unsigned char* p = (const unsigned char*)name;
  size_t used = 0; /* bytes of the name consumed */
  size_t len = 0;  /* bytes written to out */
  while (p[used] != '\0') {
    size_t n = cli_utf8_len(p + used);
    int replace = n == 0 || p[used] < 0x20 || p[used] == 0x7F ||
                  p[used] == '/' || (used == 0 && p[used] == '.');
    /* Control characters, invalid UTF-8 (one byte at a time), a slash,
     * and a leading dot (hidden files, "." and "..") become '_', as do
     * the C1 controls U+0080..U+009F (one character, one '_'). */
    n = n == 0 ? 1 : n;
    replace = replace || (n == 2 && p[used] == 0xC2 && p[used + 1] < 0xA0);
    if (used + n > max) {
      break; /* a whole character or none */
    }
    if (replace) {
      out[len++] = '_';
    } else {
      memcpy(out + len, p + used, n);
      len += n;
    }
    used += n;
  }
  *whole = p[used] == '\0';
  return len;
}

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
  int whole;
  size_t len = put_safe_part(out, max, name, &whole);
  if (!whole && max > HASH_LEN) {
    /* Names that share their first bytes must not share a log: a long
     * name ends in a hash of all of it. */
    len = put_safe_part(out, max - HASH_LEN, name, &whole);
    snprintf(out + len, HASH_LEN + 1, "~%016" PRIx64, cli_names_hash(name));
    len += HASH_LEN;
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

/* 0 when fd is a regular file, now in blocking mode (writes to a local
 * file are plain and short); -1 otherwise. */
static int check_regular(int fd) {
  struct stat st;
  int flags = fcntl(fd, F_GETFL);
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || flags < 0 ||
      fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != 0) {
    return -1;
  }
  return 0;
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
  /* A link planted where a log goes must not redirect our writes, and a
   * FIFO must not block the loop: no links followed, no waiting to open,
   * and only a regular file is used. */
  int fd = open(
      path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK,
      0644);
  if (fd < 0) {
    /* ENXIO: a FIFO nobody reads, or a device file. */
    cli_fail(err, errlen, "%s: %s", path,
             errno == ELOOP   ? "a symbolic link (not followed)"
             : errno == ENXIO ? "not a regular file"
                              : strerror(errno));
  } else if (check_regular(fd) != 0) {
    cli_fail(err, errlen, "%s: not a regular file", path);
    close(fd);
    fd = -1;
  }
  free(path);
  return fd;
}
