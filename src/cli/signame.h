/* Signal names and numbers, both ways. */
#ifndef UVSUP_CLI_SIGNAME_H
#define UVSUP_CLI_SIGNAME_H

/* "SIGKILL" for 9, or NULL for a number with no name here. */
const char* cli_signal_name(int signum);

/* Parses "TERM", "SIGTERM", "sigterm" or "15" into a signal number (1..64).
 * Returns -1 for anything else (empty, unknown name, out of range). */
int cli_signal_parse(const char* s);

#endif
