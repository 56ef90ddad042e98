/* .env files in foreman's syntax: KEY=value lines for the workers'
 * environment. Pure parsing, plus loading a file. */
#ifndef UVSUP_CLI_DOTENV_H
#define UVSUP_CLI_DOTENV_H

#include <stddef.h>

#include "envset.h"

#define CLI_DOTENV_MAX_BYTES (1024 * 1024)

/* Parses len bytes read from path (used in messages only) into env, a
 * later line replacing an earlier one of the same key. Lines end in LF or
 * CRLF. Skipped: blank lines and lines whose first non-blank character is
 * '#'. Otherwise a line is [export ]KEY=VALUE (blanks allowed around
 * "export" and before '='), KEY made of letters, digits and '_' (as
 * foreman's). VALUE as foreman reads it: in single quotes, taken as is;
 * in double quotes, "\n" becomes a newline and "\X" becomes X; else taken
 * verbatim, to the end of the line. Returns 0, or -1 with
 * "PATH:LINE: what is wrong" in err: no '=', a bad key, a quote that is
 * not closed at the end of the line, a NUL byte. */
int cli_dotenv_parse(const char* path,
                     const char* text,
                     size_t len,
                     cli_envset_t* env,
                     char* err,
                     size_t errlen);

/* Reads and parses the file at path (see cli_read_file for its errors). */
int cli_dotenv_load(const char* path,
                    cli_envset_t* env,
                    char* err,
                    size_t errlen);

#endif
