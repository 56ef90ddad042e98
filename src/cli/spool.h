/* A spool for one stream of one run (--output group): bytes kept in memory
 * up to a bound, then in an unlinked temporary file, so a large output
 * neither exhausts memory nor is lost. */
#ifndef UVSUP_CLI_SPOOL_H
#define UVSUP_CLI_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define CLI_SPOOL_MEMORY_MAX (1024 * 1024) /* then a temporary file */

typedef struct {
  char* mem; /* the first bytes, up to memory_max */
  size_t mem_len;
  size_t memory_max;
  int fd; /* temporary file for the rest, or -1 */
  uint64_t file_len;
  uint64_t total; /* mem_len + file_len */
  int error;      /* errno of the first failure, then appends fail */
} cli_spool_t;

/* memory_max 0: CLI_SPOOL_MEMORY_MAX. The file is made in $TMPDIR (default
 * /tmp) with O_TMPFILE or mkstemp+unlink, only when needed. */
void cli_spool_init(cli_spool_t* s, size_t memory_max);
/* Returns 0, or -1 with s->error and errno set (ENOMEM, ENOSPC, ...). An
 * append that fails part way keeps the bytes that were stored (total
 * counts them, and they stay readable); every later append fails with the
 * same error. */
int cli_spool_append(cli_spool_t* s, const void* data, size_t len);
/* Reads up to len bytes starting at offset (0 <= offset < total) into out.
 * Returns the count read (0 at the end) or -1 with errno set. A read that
 * crosses from memory into the file is filled from both: the count is
 * short only at the end (offset >= total gives 0). */
ssize_t cli_spool_read(cli_spool_t* s, uint64_t offset, void* out, size_t len);
/* Frees the memory and closes the file, leaving the spool empty (as after
 * init with the same bound), so a second call is harmless. */
void cli_spool_free(cli_spool_t* s);

#endif
