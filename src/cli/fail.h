/* The one error message a failing call leaves for the user. */
#ifndef UVSUP_CLI_FAIL_H
#define UVSUP_CLI_FAIL_H

#include <stddef.h>

/* Formats the message into err (when err is not NULL and errlen > 0) and
 * returns -1, so a parser can write: return cli_fail(err, errlen, ...). */
int cli_fail(char* err, size_t errlen, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
