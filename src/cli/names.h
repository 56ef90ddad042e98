/* A set of names, each with a number, found in O(1): for unique worker
 * names without comparing each new name with all the others. */
#ifndef UVSUP_CLI_NAMES_H
#define UVSUP_CLI_NAMES_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  char** keys;    /* owned copies; NULL: an empty slot */
  size_t* values; /* the number kept with each name */
  size_t mask;    /* slots - 1; a power of two */
  size_t count;
} cli_names_t;

/* The hash of a name (FNV-1a): the same for the same bytes, in every run. */
uint64_t cli_names_hash(const char* name);

void cli_names_init(cli_names_t* set);
void cli_names_free(cli_names_t* set);

/* The number kept with name, or NULL when name is not in the set. The
 * pointer is valid until the next cli_names_add(). */
size_t* cli_names_find(const cli_names_t* set, const char* name);

/* Adds name (not in the set yet; copied) with value. Returns 0, or -1 when
 * out of memory (then the set is unchanged). */
int cli_names_add(cli_names_t* set, const char* name, size_t value);

/* A name no job has yet: name itself the first time, then "name#2",
 * "name#3", ... (the first free one), in O(1) amortized however the
 * repeats are ordered: name's own number says where to look next. The
 * result is added to the set and returned malloc'd; NULL when out of
 * memory. */
char* cli_names_unique(cli_names_t* set, const char* name);

#endif
