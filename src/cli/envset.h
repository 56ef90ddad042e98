/* A worker's environment as a set of "KEY=VALUE" strings: later settings
 * replace earlier ones of the same key. Pure: no processes, no files. */
#ifndef UVSUP_CLI_ENVSET_H
#define UVSUP_CLI_ENVSET_H

#include <stddef.h>

typedef struct {
  char** vars; /* "KEY=VALUE", NULL-terminated when count > 0; owned */
  size_t count;
  size_t capacity;
} cli_envset_t;

void cli_envset_init(cli_envset_t* e);
void cli_envset_free(cli_envset_t* e);

/* Adds each "KEY=VALUE" of environ (entries without '=' are skipped).
 * Returns 0 or -1 when out of memory. */
int cli_envset_add_all(cli_envset_t* e, char* const* environ_vars);

/* Sets key (klen bytes) to value, replacing an earlier setting of key.
 * Returns 0 or -1 when out of memory. */
int cli_envset_set(cli_envset_t* e,
                   const char* key,
                   size_t klen,
                   const char* value);

/* The value of key, or NULL. */
const char* cli_envset_get(const cli_envset_t* e, const char* key);

/* A NULL-terminated copy of the strings, for a job to own; free it with
 * cli_argv_free(). NULL when out of memory. */
char** cli_envset_copy(const cli_envset_t* e);

#endif
