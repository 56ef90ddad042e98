/* Procfile parsing: "name: command" per line, as foreman and honcho read it. */
#ifndef UVSUP_CLI_PROCFILE_H
#define UVSUP_CLI_PROCFILE_H

#include <stddef.h>

#include "directive.h"

#define CLI_PROCFILE_MAX_LINE  65536              /* bytes, without newline */
#define CLI_PROCFILE_MAX_BYTES (16 * 1024 * 1024) /* whole file */

typedef struct {
  char* name;    /* trimmed, non-empty, unique */
  char* command; /* trimmed, non-empty; run with /bin/sh -c */
  unsigned line; /* 1-based line number */
} cli_procfile_entry_t;

typedef struct {
  cli_procfile_entry_t* entries;
  size_t count;
  cli_directive_t* directives; /* "#uvsup NAME: ..." lines, in order */
  size_t ndirectives;
} cli_procfile_t;

/* Parses len bytes of text read from path (path is used in messages only).
 * Blank lines and lines whose first non-blank character is '#' are skipped;
 * CRLF endings and a leading UTF-8 BOM are accepted. On success fills out and
 * returns 0. On bad input returns -1, leaves out empty and writes one message
 * "PATH:LINE: what is wrong" (or "PATH: ..." for whole-file problems) into
 * err: a NUL byte, a line over CLI_PROCFILE_MAX_LINE, no ':' (missing name),
 * an empty name, a name with control characters, an empty command, a
 * duplicate name (naming the earlier line), or no entry at all. Also a
 * carriage return not followed by a newline (old Mac line endings). Blanks
 * are spaces and tabs; names are compared byte for byte.
 * A comment "#uvsup NAME: key=value ..." (or "#uvsup *: ...") is a
 * directive (directive.h): a bad one, or one naming no process, is an
 * error at its line. */
int cli_procfile_parse(const char* path,
                       const char* text,
                       size_t len,
                       cli_procfile_t* out,
                       char* err,
                       size_t errlen);

/* Reads and parses the file at path. Adds to cli_procfile_parse()'s errors:
 * missing or unreadable file, a directory, a file over
 * CLI_PROCFILE_MAX_BYTES, each as "PATH: reason". */
int cli_procfile_load(const char* path,
                      cli_procfile_t* out,
                      char* err,
                      size_t errlen);

void cli_procfile_free(cli_procfile_t* pf);

#endif
