/* A byte spool: memory up to a bound, then an unlinked temporary file. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MIN_CAPACITY 4096

void cli_spool_init(cli_spool_t* s, size_t memory_max) {
  s->mem = NULL;
  s->mem_len = 0;
  s->memory_max = memory_max == 0 ? CLI_SPOOL_MEMORY_MAX : memory_max;
  s->fd = -1;
  s->file_len = 0;
  s->total = 0;
  s->error = 0;
}

/* The allocation for len bytes: a power of two from MIN_CAPACITY, at most
 * memory_max. The struct has no capacity field, so the capacity is always
 * this function of mem_len: growth stays geometric, and a spool that holds
 * a few bytes (most do) does not take memory_max. */
static size_t capacity_for(const cli_spool_t* s, size_t len) {
  size_t cap = MIN_CAPACITY;
  while (cap < len && cap < s->memory_max && cap <= SIZE_MAX / 2) {
    cap *= 2;
  }
  if (cap < len) {
    cap = len; /* only for a memory_max near SIZE_MAX */
  }
  return cap < s->memory_max ? cap : s->memory_max;
}

static int fail(cli_spool_t* s, int err) {
  if (s->error == 0) {
    s->error = err;
  }
  errno = s->error;
  return -1;
}

/* Makes the temporary file in $TMPDIR (default /tmp). O_TMPFILE never has a
 * name; where the kernel or file system lacks it, mkostemp makes a file
 * that is unlinked at once, so either way nothing is left behind. */
static int open_file(cli_spool_t* s) {
  const char* dir = getenv("TMPDIR");
  if (dir == NULL || dir[0] == '\0') {
    dir = "/tmp";
  }
  int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) {
    s->fd = fd;
    return 0;
  }
  static const char name[] = "/uvsup-spool-XXXXXX";
  size_t dir_len = strlen(dir);
  char* path = malloc(dir_len + sizeof(name));
  if (path == NULL) {
    return fail(s, ENOMEM);
  }
  memcpy(path, dir, dir_len);
  memcpy(path + dir_len, name, sizeof(name));
  fd = mkostemp(path, O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    free(path);
    return fail(s, err);
  }
  if (unlink(path) != 0) {
    /* A file we cannot remove would outlive us: better not to use it. */
    int err = errno;
    close(fd);
    free(path);
    return fail(s, err);
  }
  free(path);
  s->fd = fd;
  return 0;
}

static int append_memory(cli_spool_t* s, const char* p, size_t n) {
  size_t cap = s->mem == NULL ? 0 : capacity_for(s, s->mem_len);
  if (s->mem_len + n > cap) {
    size_t new_cap = capacity_for(s, s->mem_len + n);
    char* mem = realloc(s->mem, new_cap);
    if (mem == NULL) {
      return fail(s, ENOMEM);
    }
    s->mem = mem;
  }
  memcpy(s->mem + s->mem_len, p, n);
  s->mem_len += n;
  s->total += n;
  return 0;
}

static int append_file(cli_spool_t* s, const char* p, size_t n) {
  if (s->fd < 0 && open_file(s) != 0) {
    return -1;
  }
  while (n > 0) {
    ssize_t w = write(s->fd, p, n);
    if (w < 0) {
      if (errno == EINTR) {
        continue;
      }
      return fail(s, errno);
    }
    if (w == 0) {
      return fail(s, ENOSPC); /* a regular file takes at least one byte */
    }
    /* Count what was written, so that reads still see a consistent
     * prefix of the stream after a failure. */
    p += w;
    n -= (size_t)w;
    s->file_len += (uint64_t)w;
    s->total += (uint64_t)w;
  }
  return 0;
}

int cli_spool_append(cli_spool_t* s, const void* data, size_t len) {
  if (s->error != 0) {
    return fail(s, s->error);
  }
  const char* p = data;
  /* Once the file exists, memory is full: everything else goes there, so
   * the stream is the memory part followed by the file part. */
  if (s->fd < 0 && s->mem_len < s->memory_max && len > 0) {
    size_t room = s->memory_max - s->mem_len;
    size_t n = len < room ? len : room;
    if (append_memory(s, p, n) != 0) {
      return -1;
    }
    p += n;
    len -= n;
  }
  if (len > 0) {
    return append_file(s, p, len);
  }
  return 0;
}

ssize_t cli_spool_read(cli_spool_t* s, uint64_t offset, void* out, size_t len) {
  if (offset >= s->total || len == 0) {
    return 0;
  }
  if (len > s->total - offset) {
    len = (size_t)(s->total - offset);
  }
  if (len > SSIZE_MAX) {
    len = SSIZE_MAX;
  }
  char* o = out;
  size_t done = 0;
  if (offset < s->mem_len) {
    size_t n = s->mem_len - (size_t)offset;
    n = n < len ? n : len;
    memcpy(o, s->mem + offset, n);
    done = n;
    offset += n;
  }
  /* A read that crosses into the file continues there, so a caller that
   * reads in blocks never sees a short count at the boundary. */
  while (done < len) {
    ssize_t r =
        pread(s->fd, o + done, len - done, (off_t)(offset - s->mem_len));
    if (r < 0) {
      if (errno == EINTR) {
        continue;
      }
      return done > 0 ? (ssize_t)done : -1;
    }
    if (r == 0) {
      break; /* the file is shorter than we wrote: someone truncated it */
    }
    done += (size_t)r;
    offset += (uint64_t)r;
  }
  return (ssize_t)done;
}

void cli_spool_free(cli_spool_t* s) {
  free(s->mem);
  if (s->fd >= 0) {
    close(s->fd);
  }
  cli_spool_init(s, s->memory_max);
}
