/* The options of a stack (Procfile or supervisord.conf): their values
 * checked once, here, before any file is read. */
#include "stackopts.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

/* -e a.env,b.env (foreman's comma list) or -e a.env -e b.env. The paths
 * point into a copy of value that is split in place and kept. */
static int add_env_files(cli_stack_t* s,
                         const char* shown,
                         const char* value,
                         char* err,
                         size_t errlen) {
  char** owned = realloc(s->owned, (s->nowned + 1) * sizeof(*owned));
  if (owned == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  s->owned = owned;
  char* copy = strdup(value);
  if (copy == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  s->owned[s->nowned++] = copy;
  size_t before = s->nenv_files;
  for (char *save = NULL, *f = strtok_r(copy, ",", &save); f != NULL;
       f = strtok_r(NULL, ",", &save)) {
    const char** grown =
        realloc(s->env_files, (s->nenv_files + 1) * sizeof(*grown));
    if (grown == NULL) {
      return cli_fail(err, errlen, "out of memory");
    }
    s->env_files = grown;
    s->env_files[s->nenv_files++] = f;
  }
  if (s->nenv_files == before) {
    return cli_fail(err, errlen, "%s: the path is empty", shown);
  }
  return 0;
}

static int parse_port(const char* value, unsigned* port) {
  if (value[0] < '0' || value[0] > '9') {
    return -1;
  }
  errno = 0;
  char* end;
  unsigned long n = strtoul(value, &end, 10);
  if (errno != 0 || *end != '\0' || n == 0 || n > CLI_PORT_MAX) {
    return -1;
  }
  *port = (unsigned)n;
  return 0;
}

int cli_stack_option(cli_stack_t* s,
                     cli_stack_option_t id,
                     const char* shown,
                     const char* value,
                     char* err,
                     size_t errlen) {
  switch (id) {
  case CLI_STACK_ENV_FILE:
    return add_env_files(s, shown, value, err, errlen);
  case CLI_STACK_PORT:
    if (parse_port(value, &s->port) != 0) {
      return cli_fail(err, errlen, "%s '%s': not a port (1 to %d)", shown,
                      value, CLI_PORT_MAX);
    }
    s->port_set = 1;
    return 0;
  case CLI_STACK_FORMATION:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the formation is empty", shown);
    }
    s->formation = value; /* checked against the Procfile's types */
    return 0;
  case CLI_STACK_CHECK:
    s->check = 1;
    return 0;
  case CLI_STACK_CONFIG:
    if (value[0] == '\0') {
      return cli_fail(err, errlen, "%s: the path is empty", shown);
    }
    if (s->config != NULL) {
      return cli_fail(err, errlen, "%s: only one config file may be given",
                      shown);
    }
    s->config = value;
    return 0;
  }
  return 0;
}

int cli_stack_procfile_only(const cli_stack_t* s, char* err, size_t errlen) {
  const char* given = s->nenv_files > 0      ? "-e"
                      : s->port_set          ? "-p"
                      : s->formation != NULL ? "-m"
                                             : NULL;
  return given == NULL
             ? 0
             : cli_fail(err, errlen, "%s is for -f PROCFILE only", given);
}

void cli_stack_free(cli_stack_t* s) {
  for (size_t i = 0; i < s->nowned; i++) {
    free(s->owned[i]);
  }
  free(s->owned);
  free(s->env_files);
  memset(s, 0, sizeof(*s));
}
