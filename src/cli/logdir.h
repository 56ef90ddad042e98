/* --log-dir: each worker's output appended to DIR/NAME.log. */
#ifndef UVSUP_CLI_LOGDIR_H
#define UVSUP_CLI_LOGDIR_H

#include <stddef.h>

/* Room for any file name cli_logdir_file_name writes: 200 bytes of the
 * name, ".log" and the NUL. */
#define CLI_LOGDIR_FILE_NAME_SIZE 205

/* Writes a file name for a worker name into out: bytes that are unsafe in a
 * file name ('/', NUL, control characters, and a leading '.') become '_',
 * the rest (UTF-8, spaces) stay; an empty result becomes "_"; at most 200
 * bytes are used: a longer name is cut (on a UTF-8 boundary) to leave
 * room for "~" and 16 hex digits of a hash of the whole name, so names
 * that share their first 200 bytes get different files, and one name
 * always the same; ".log" is appended. Invalid UTF-8 bytes (each) and the C1
 * controls U+0080..U+009F (each character) also become '_', so the result is
 * valid UTF-8. With outlen below CLI_LOGDIR_FILE_NAME_SIZE the name is cut
 * further, still on a character boundary and still with ".log"; below 6 bytes
 * out is "". Different names may map to one file name (a/b and a_b): they then
 * share one log file, as the README says. Returns out. */
char* cli_logdir_file_name(char* out, size_t outlen, const char* name);

/* Creates dir and its parents as needed (mode 0755), like mkdir -p.
 * Returns 0, or -1 with a message "DIR: reason" in err (err may be NULL).
 * DIR there is the component that failed, so a regular file in the way
 * gives "logs/f: Not a directory" for dir "logs/f/sub" (and for dir
 * "logs/f" itself). An empty dir fails with ENOENT. */
int cli_logdir_create(const char* dir, char* err, size_t errlen);

/* Opens DIR/FILE for appending (O_WRONLY|O_APPEND|O_CREAT|O_CLOEXEC,
 * 0644), without following a symbolic link (O_NOFOLLOW) and refusing
 * anything but a regular file (a FIFO, a device): a log is never written
 * elsewhere than DIR. Returns the fd, or -1 with a message
 * "DIR/FILE: reason" in err.
 * A DIR ending in '/' gets no second one; an empty DIR fails with ENOENT
 * (never "/FILE"). */
int cli_logdir_open(const char* dir,
                    const char* file,
                    char* err,
                    size_t errlen);

#endif
