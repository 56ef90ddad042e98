/* Signal names and numbers, both ways. */
#ifndef UVSUP_CLI_SIGNAME_H
#define UVSUP_CLI_SIGNAME_H

#include <stddef.h>

/* "SIGKILL" for 9, or NULL for a number with no name here. */
const char* cli_signal_name(int signum);

/* Parses "TERM", "SIGTERM", "sigterm" or "15" into a signal number (1..64).
 * Returns -1 for anything else (empty, unknown name, out of range). */
int cli_signal_parse(const char* s);

/* A stop signal of --stop-signal: a signal cli_signal_parse() reads, not
 * SIGSTOP nor SIGCONT (a stop is followed by SIGCONT: they would cancel
 * out). Returns the signal, or -1 with a message naming shown in err. */
int cli_stop_signal_parse(const char* shown,
                          const char* value,
                          char* err,
                          size_t errlen);

#endif
