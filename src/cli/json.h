/* JSON string escaping. */
#ifndef UVSUP_CLI_JSON_H
#define UVSUP_CLI_JSON_H

#include "buf.h"

/* Appends s as a quoted JSON string: '"' and '\\' escaped, control characters
 * as \n, \t, ... or \u00XX, valid UTF-8 passed through, and each byte of an
 * invalid UTF-8 sequence replaced by U+FFFD so the output is always valid
 * JSON. DEL and the C1 controls (U+0080..U+009F) count as control
 * characters too and are escaped. A NULL s appends null. Returns 0 or -1 when
 * out of memory. */
int cli_json_string(cli_buf_t* b, const char* s);

#endif
