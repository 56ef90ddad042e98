/* --log-dir: each worker's output appended to DIR/NAME.log. */
#ifndef UVSUP_CLI_LOGDIR_H
#define UVSUP_CLI_LOGDIR_H

#include <stddef.h>

/* Writes a file name for a worker name into out: bytes that are unsafe in a
 * file name ('/', NUL, control characters, and a leading '.') become '_',
 * the rest (UTF-8, spaces) stay; an empty result becomes "_"; at most 200
 * bytes of the name are used (cut on a UTF-8 boundary); ".log" is
 * appended. Different names may map to one file name; the caller keeps
 * them apart. Returns out. */
char* cli_logdir_file_name(char* out, size_t outlen, const char* name);

/* Creates dir and its parents as needed (mode 0755), like mkdir -p.
 * Returns 0, or -1 with a message "DIR: reason" in err. */
int cli_logdir_create(const char* dir, char* err, size_t errlen);

/* Opens DIR/FILE for appending (O_APPEND|O_CREAT|O_CLOEXEC, 0644). Returns
 * the fd, or -1 with a message "DIR/FILE: reason" in err. */
int cli_logdir_open(const char* dir,
                    const char* file,
                    char* err,
                    size_t errlen);

#endif
