/* Names made safe to print on a terminal. */
#ifndef UVSUP_CLI_SAFE_H
#define UVSUP_CLI_SAFE_H

#include "buf.h"

/* Appends name made safe for a terminal: control characters and bytes that
 * are not UTF-8 as \xNN (or \u00NN for C1 controls). */
void cli_put_safe(cli_buf_t* b, const char* name);

#endif
