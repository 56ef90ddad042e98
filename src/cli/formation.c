/* foreman's formation and port arithmetic, with a message for each pair
 * it cannot use (foreman ignores a misspelt type and runs nothing). */
#include "formation.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

/* spec without blanks; NULL when out of memory. */
static char* without_blanks(const char* spec) {
  char* out = malloc(strlen(spec) + 1);
  size_t o = 0;
  for (const char* p = spec; out != NULL && *p != '\0'; p++) {
    if (*p != ' ' && *p != '\t' && *p != '\n') {
      out[o++] = *p;
    }
  }
  if (out != NULL) {
    out[o] = '\0';
  }
  return out;
}

static int parse_count(const char* s, unsigned* n) {
  if (*s < '0' || *s > '9') {
    return -1;
  }
  errno = 0;
  char* end;
  unsigned long v = strtoul(s, &end, 10);
  if (errno != 0 || *end != '\0' || v > CLI_FORMATION_MAX) {
    return -1;
  }
  *n = (unsigned)v;
  return 0;
}

/* One "NAME=N". named[k] says type k was named. */
static int apply_pair(char* pair,
                      const char* const* types,
                      size_t ntypes,
                      const char* where,
                      unsigned* counts,
                      unsigned char* named,
                      unsigned* all,
                      char* err,
                      size_t errlen) {
  char* eq = strchr(pair, '=');
  unsigned n;
  if (eq == NULL || eq == pair) {
    return cli_fail(err, errlen, "-m '%s': use NAME=N (e.g. web=2,all=1)",
                    pair);
  }
  *eq = '\0';
  if (parse_count(eq + 1, &n) != 0) {
    return cli_fail(err, errlen, "-m '%s=%s': N is a number from 0 to %d", pair,
                    eq + 1, CLI_FORMATION_MAX);
  }
  if (strcmp(pair, "all") == 0) {
    *all = n;
    return 0;
  }
  for (size_t k = 0; k < ntypes; k++) {
    if (strcmp(types[k], pair) == 0) {
      counts[k] = n;
      named[k] = 1;
      return 0;
    }
  }
  return cli_fail(err, errlen, "-m '%s=%s': no process type '%s' in %s", pair,
                  eq + 1, pair, where);
}

int cli_formation_parse(const char* spec,
                        const char* const* types,
                        size_t ntypes,
                        const char* where,
                        unsigned* counts,
                        char* err,
                        size_t errlen) {
  char* flat = without_blanks(spec != NULL ? spec : "all=1");
  unsigned char* named = calloc(ntypes + 1, 1);
  unsigned all = 0;
  int rc = flat == NULL || named == NULL
               ? cli_fail(err, errlen, "out of memory")
               : 0;
  if (rc == 0 && flat[strspn(flat, ",")] == '\0') {
    rc = cli_fail(err, errlen, "-m: the formation is empty");
  }
  char* save = NULL;
  for (char* pair = rc == 0 ? strtok_r(flat, ",", &save) : NULL;
       pair != NULL && rc == 0; pair = strtok_r(NULL, ",", &save)) {
    rc = apply_pair(pair, types, ntypes, where, counts, named, &all, err,
                    errlen);
  }
  for (size_t k = 0; rc == 0 && k < ntypes; k++) {
    if (!named[k]) {
      counts[k] = all;
    }
  }
  free(flat);
  free(named);
  return rc;
}

unsigned long cli_formation_port(unsigned base, size_t k, unsigned n) {
  return (unsigned long)base + CLI_FORMATION_PORT_STEP * (unsigned long)k +
         (n - 1);
}
