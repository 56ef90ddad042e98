/* Reading a supervisord.conf with libinih: its sections and their keys,
 * each with the file and line it came from, [include] files followed.
 * Nothing is interpreted here (see config.c). */
#ifndef UVSUP_CLI_SVCONF_H
#define UVSUP_CLI_SVCONF_H

#include <stddef.h>

#define CLI_SVCONF_MAX_BYTES (4 * 1024 * 1024)

typedef struct {
  char* key; /* lower-cased, as Python's configparser does */
  char* value;
  unsigned line;
} cli_svkey_t;

typedef struct {
  char* name;       /* as written between the brackets, e.g. "program:web" */
  const char* file; /* the file it is in (one of the conf's files) */
  const char* here; /* that file's directory, for %(here)s */
  unsigned line;
  cli_svkey_t* keys;
  size_t nkeys;
} cli_svsection_t;

typedef struct {
  cli_svsection_t* sections; /* in the order read */
  size_t count;
  char** files; /* paths read, and their directories: owned */
  char** heres;
  size_t nfiles;
  char** warnings; /* "FILE:LINE: ..." for the user, owned */
  size_t nwarnings;
} cli_svconf_t;

/* Parses text read from path (for messages and %(here)s) and appends its
 * sections to conf. Keys before any section, a line that is neither
 * "[section]" nor "key = value" (or "key: value"), a section already read
 * from another file, or a line of more than 198 bytes (libinih's limit as
 * Debian builds it) are errors: returns -1 with "PATH:LINE: what" in err.
 * As supervisord reads it: an indented line continues the key before it
 * (joined with a newline); " ;" and " #" start a comment inside a line; a
 * key given again replaces its value (with a warning). Returns 0. */
int cli_svconf_parse(cli_svconf_t* conf,
                     const char* path,
                     const char* text,
                     char* err,
                     size_t errlen);

/* Reads path, then the files its [include] files= globs name (relative to
 * its directory, sorted, as supervisord does; only the main file's
 * [include] is followed). A glob that matches nothing is a warning.
 * Returns 0, or -1 with one message in err (conf is then freed). */
int cli_svconf_load(const char* path,
                    cli_svconf_t* conf,
                    char* err,
                    size_t errlen);

/* The value of key in section s, or NULL; *line gets its line. */
const char* cli_svconf_get(const cli_svsection_t* s,
                           const char* key,
                           unsigned* line);

/* Adds a warning (formatted); out of memory drops it. */
void cli_svconf_warn(cli_svconf_t* conf, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));

void cli_svconf_free(cli_svconf_t* conf);

#endif
