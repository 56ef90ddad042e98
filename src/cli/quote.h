/* Shell quoting of values pasted into a shell's script, as GNU parallel
 * quotes them, and telling which argument is such a script. */
#ifndef UVSUP_CLI_QUOTE_H
#define UVSUP_CLI_QUOTE_H

#include <stddef.h>

#include "buf.h"

/* Appends v[0..len) to b so that a POSIX shell reads it back as one word
 * with exactly those bytes: as is when it holds only [-_.+/a-zA-Z0-9],
 * else in single quotes, each single quote written as '"'"' (GNU
 * parallel's shell_quote_scalar_default, byte for byte); "" is ''. */
void cli_quote_shell(cli_buf_t* b, const char* v, size_t len);

/* 1 when argv[i] is the script of a shell: argv[0]'s basename is sh, bash,
 * dash, zsh, ksh, mksh, ash or posh, and argv[i - 1] is a cluster of short
 * options that holds 'c' ("-c",
 * "-ec", "-lc"). Values replaced into such an argument are quoted; in any
 * other argument they are data already (no shell reads them). */
int cli_quote_is_script(char* const* argv, size_t argc, size_t i);

#endif
