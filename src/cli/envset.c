/* A worker's environment: "KEY=VALUE" strings where a later setting of a
 * key replaces the earlier one, as a shell's export would. */
#include "envset.h"

#include <stdlib.h>
#include <string.h>

void cli_envset_init(cli_envset_t* e) {
  memset(e, 0, sizeof(*e));
}

void cli_envset_free(cli_envset_t* e) {
  for (size_t i = 0; i < e->count; i++) {
    free(e->vars[i]);
  }
  free(e->vars);
  cli_envset_init(e);
}

/* Index of the entry for key, or -1. Environments are small (tens to a few
 * hundred entries) and built once before any worker runs. */
static long find(const cli_envset_t* e, const char* key, size_t klen) {
  for (size_t i = 0; i < e->count; i++) {
    if (strncmp(e->vars[i], key, klen) == 0 && e->vars[i][klen] == '=') {
      return (long)i;
    }
  }
  return -1;
}

int cli_envset_set(cli_envset_t* e,
                   const char* key,
                   size_t klen,
                   const char* value) {
  size_t vlen = strlen(value);
  char* var = malloc(klen + vlen + 2);
  if (var == NULL) {
    return -1;
  }
  memcpy(var, key, klen);
  var[klen] = '=';
  memcpy(var + klen + 1, value, vlen + 1);
  long at = find(e, key, klen);
  if (at >= 0) {
    free(e->vars[at]);
    e->vars[at] = var;
    return 0;
  }
  if (e->count + 1 >= e->capacity) {
    size_t capacity = e->capacity ? e->capacity * 2 : 32;
    char** grown = realloc(e->vars, capacity * sizeof(*grown));
    if (grown == NULL) {
      free(var);
      return -1;
    }
    e->vars = grown;
    e->capacity = capacity;
  }
  e->vars[e->count++] = var;
  e->vars[e->count] = NULL;
  return 0;
}

int cli_envset_add_all(cli_envset_t* e, char* const* environ_vars) {
  for (size_t i = 0; environ_vars != NULL && environ_vars[i] != NULL; i++) {
    const char* eq = strchr(environ_vars[i], '=');
    if (eq != NULL &&
        cli_envset_set(e, environ_vars[i], (size_t)(eq - environ_vars[i]),
                       eq + 1) != 0) {
      return -1;
    }
  }
  return 0;
}

const char* cli_envset_get(const cli_envset_t* e, const char* key) {
  long at = find(e, key, strlen(key));
  return at >= 0 ? e->vars[at] + strlen(key) + 1 : NULL;
}

char** cli_envset_copy(const cli_envset_t* e) {
  char** copy = calloc(e->count + 1, sizeof(*copy));
  for (size_t i = 0; copy != NULL && i < e->count; i++) {
    if ((copy[i] = strdup(e->vars[i])) == NULL) {
      for (size_t k = 0; k < i; k++) {
        free(copy[k]);
      }
      free(copy);
      copy = NULL;
    }
  }
  return copy;
}
