/* foreman's formation ("web=2,worker=1,all=1"): how many instances of each
 * process type run, and the PORT each instance gets. Pure. */
#ifndef UVSUP_CLI_FORMATION_H
#define UVSUP_CLI_FORMATION_H

#include <stddef.h>

#define CLI_FORMATION_MAX       1000 /* instances of one type: beyond, a typo */
#define CLI_FORMATION_PORT_STEP 100

/* Fills counts[k] for each of the ntypes names in types (a Procfile's,
 * in order) from spec, as foreman reads it: blanks are ignored, pairs
 * NAME=N are separated by commas, "all=N" sets the count of every type
 * not named; without "all", a type not named runs no instance. spec NULL
 * is "all=1". Returns 0, or -1 with a message in err naming the pair at
 * fault: no '=', N not a number from 0 to CLI_FORMATION_MAX, a NAME that
 * is not a type (where says where the types come from). */
int cli_formation_parse(const char* spec,
                        const char* const* types,
                        size_t ntypes,
                        const char* where,
                        unsigned* counts,
                        char* err,
                        size_t errlen);

/* The PORT of instance n (from 1) of the type at index k of the Procfile,
 * as foreman gives it: base + 100 * k + (n - 1). */
unsigned long cli_formation_port(unsigned base, size_t k, unsigned n);

#endif
