/* The value syntaxes of a supervisord.conf: %(name)s expansions, the
 * environment's KEY="val",KEY2=val2, a command split into words as
 * Python's shlex.split does, booleans. Pure: no files, no processes. */
#ifndef UVSUP_CLI_SVEXPAND_H
#define UVSUP_CLI_SVEXPAND_H

#include <stddef.h>

#include "envset.h"

/* What %(NAME)s and %(NAME)d may name in one process's values. */
typedef struct {
  const char* program_name;
  const char* group_name;
  const char* here;           /* the directory of the file with the value */
  const char* host_node_name; /* uname's nodename */
  long process_num;
  long numprocs;
  const cli_envset_t* env; /* for %(ENV_X)s; NULL: none */
} cli_sv_vars_t;

/* Expands Python's %-formatting as supervisord applies it: "%(NAME)s",
 * "%(NAME)d" with optional flags ("-", "0", " ", "+") and width (e.g.
 * "%(process_num)02d"), and "%%" for a '%'. Stores a malloc'd string in
 * *out and returns 0; or returns -1 with *why saying what is wrong (an
 * unknown name, a '%' that starts nothing, "d" of a name that is not a
 * number, a conversion other than s or d), or *why NULL when out of
 * memory. */
int cli_sv_expand(const char* in,
                  const cli_sv_vars_t* vars,
                  char** out,
                  const char** why);

/* Adds supervisord's environment value ("KEY=val,KEY2=\"a,b\",K3='x'")
 * to env: pairs separated by commas, blanks around them ignored, a value
 * in single or double quotes taken as is (commas allowed), an unquoted
 * one up to the next comma. Returns 0, or -1 with *why (no '=', an empty
 * or bad key, a quote not closed, text after a closing quote) or *why
 * NULL when out of memory. */
int cli_sv_environment(const char* value, cli_envset_t* env, const char** why);

/* Splits a command into a malloc'd NULL-terminated argv (free with
 * cli_argv_free) as POSIX shlex.split: blanks separate words, 'single
 * quotes' keep everything, "double quotes" keep everything but a
 * backslash before '"' or '\\', a backslash outside quotes keeps the
 * next character. Returns 0, or -1 with *why (no words, a quote not
 * closed, a trailing backslash) or *why NULL when out of memory. */
int cli_sv_split(const char* command, char*** argv, const char** why);

/* supervisord's booleans: true/false, yes/no, on/off, 1/0, any case.
 * Returns 0 with *value set, or -1. */
int cli_sv_bool(const char* s, int* value);

#endif
