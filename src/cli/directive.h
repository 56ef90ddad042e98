/* "#uvsup NAME: key=value ..." lines of a Procfile: per-worker settings
 * that foreman and honcho read as comments. Pure. */
#ifndef UVSUP_CLI_DIRECTIVE_H
#define UVSUP_CLI_DIRECTIVE_H

#include <stddef.h>

#include "workeropts.h"

typedef struct {
  char* name;              /* the process, or "*" for every one */
  cli_setting_t* settings; /* keys and values owned */
  size_t nsettings;
  unsigned line;
} cli_directive_t;

/* 1 when the line s[0..n) is a directive: "#uvsup" and a blank. */
int cli_directive_is(const char* s, size_t n);

/* Parses the directive line s[0..n) (from its '#'); values may be quoted
 * with "..." or '...' to hold blanks. Each key must be a worker setting
 * and each value valid. Returns 0, or -1 with "PATH:LINE: ..." in err. */
int cli_directive_parse(const char* path,
                        unsigned line,
                        const char* s,
                        size_t n,
                        cli_directive_t* out,
                        char* err,
                        size_t errlen);
void cli_directive_free(cli_directive_t* d);

#endif
