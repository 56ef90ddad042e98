/* Reading a whole small text file (a .env, a config) with one message for
 * each way it can fail. */
#ifndef UVSUP_CLI_READFILE_H
#define UVSUP_CLI_READFILE_H

#include <stddef.h>

/* Reads path into a malloc'd, NUL-terminated *text of *len bytes (NUL
 * bytes inside are kept: the parsers refuse them with a line number).
 * Returns 0, or -1 with "PATH: reason" in err: missing, unreadable, a
 * directory, or larger than max bytes. */
int cli_read_file(const char* path,
                  size_t max,
                  char** text,
                  size_t* len,
                  char* err,
                  size_t errlen);

#endif
