/* The options of a stack read from a Procfile or a supervisord.conf
 * (-e, -p, -m, --check, -C, and the process types named after -f): parsed
 * here, pure, so args.c stays a table of options. */
#ifndef UVSUP_CLI_STACKOPTS_H
#define UVSUP_CLI_STACKOPTS_H

#include <stddef.h>

#define CLI_PORT_MAX 65535

typedef enum {
  CLI_STACK_ENV_FILE = 0, /* -e, --env FILE[,FILE...] */
  CLI_STACK_PORT,         /* -p, --port BASE */
  CLI_STACK_FORMATION,    /* -m, --formation web=2,all=1 */
  CLI_STACK_CHECK,        /* --check */
  CLI_STACK_CONFIG        /* -C, --config FILE */
} cli_stack_option_t;

typedef struct {
  const char** env_files; /* in the order given; into argv or owned */
  size_t nenv_files;
  char** owned; /* copies of the -e values, split at commas in place */
  size_t nowned;
  unsigned port; /* valid when port_set */
  int port_set;
  const char* formation; /* NULL: all=1 */
  int check;
  const char* config; /* -C FILE, or NULL */
  char** types;       /* process types or programs named after -f/-C */
  size_t ntypes;
} cli_stack_t;

/* Applies option id with value (NULL for --check). Returns 0, or -1 with
 * one message in err naming the option as shown. */
int cli_stack_option(cli_stack_t* s,
                     cli_stack_option_t id,
                     const char* shown,
                     const char* value,
                     char* err,
                     size_t errlen);

/* Without -f: -e, -p and -m have nothing to apply to. Returns 0, or -1
 * with a message in err naming the first of them given. */
int cli_stack_procfile_only(const cli_stack_t* s, char* err, size_t errlen);

void cli_stack_free(cli_stack_t* s);

#endif
