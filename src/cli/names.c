/* A hash set of names with a number each (open addressing, FNV-1a), and
 * unique names made from repeated ones. */
#define _GNU_SOURCE /* asprintf */
#include "names.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIRST_SLOTS 16

uint64_t cli_names_hash(const char* s) {
  /* FNV-1a: simple, and good enough for names a user typed. */
  uint64_t h = UINT64_C(14695981039346656037);
  for (const unsigned char* p = (const unsigned char*)s; *p != '\0'; p++) {
    h = (h ^ *p) * UINT64_C(1099511628211);
  }
  return h;
}

void cli_names_init(cli_names_t* set) {
  memset(set, 0, sizeof(*set));
}

void cli_names_free(cli_names_t* set) {
  for (size_t i = 0; set->keys != NULL && i <= set->mask; i++) {
    free(set->keys[i]);
  }
  free(set->keys);
  free(set->values);
  cli_names_init(set);
}

/* The slot holding name, or the empty slot where it would go. */
static size_t slot_of(const cli_names_t* set, const char* name) {
  size_t i = cli_names_hash(name) & set->mask;
  while (set->keys[i] != NULL && strcmp(set->keys[i], name) != 0) {
    i = (i + 1) & set->mask;
  }
  return i;
}

size_t* cli_names_find(const cli_names_t* set, const char* name) {
  if (set->keys == NULL) {
    return NULL;
  }
  size_t i = slot_of(set, name);
  return set->keys[i] != NULL ? &set->values[i] : NULL;
}

/* Doubles the table (or makes the first one), keeping it at most half
 * full so that probes stay short. */
static int grow(cli_names_t* set) {
  size_t slots = set->keys == NULL ? FIRST_SLOTS : (set->mask + 1) * 2;
  cli_names_t bigger = { calloc(slots, sizeof(char*)),
                         calloc(slots, sizeof(size_t)), slots - 1, set->count };
  if (bigger.keys == NULL || bigger.values == NULL) {
    free(bigger.keys);
    free(bigger.values);
    return -1;
  }
  for (size_t i = 0; set->keys != NULL && i <= set->mask; i++) {
    if (set->keys[i] != NULL) {
      size_t j = slot_of(&bigger, set->keys[i]);
      bigger.keys[j] = set->keys[i];
      bigger.values[j] = set->values[i];
    }
  }
  free(set->keys);
  free(set->values);
  *set = bigger;
  return 0;
}

int cli_names_add(cli_names_t* set, const char* name, size_t value) {
  if ((set->keys == NULL || (set->count + 1) * 2 > set->mask + 1) &&
      grow(set) != 0) {
    return -1;
  }
  char* key = strdup(name);
  if (key == NULL) {
    return -1;
  }
  size_t i = slot_of(set, name);
  set->keys[i] = key;
  set->values[i] = value;
  set->count++;
  return 0;
}

char* cli_names_unique(cli_names_t* set, const char* name) {
  size_t* next = cli_names_find(set, name);
  if (next == NULL) {
    /* The first of its name; a repeat will try "#2" first. */
    return cli_names_add(set, name, 2) == 0 ? strdup(name) : NULL;
  }
  /* Each "#k" tried and taken is a name in the set, and k only grows:
   * the tries over a whole run are at most the number of names. */
  char* candidate = NULL;
  for (size_t k = *next;; k++) {
    free(candidate);
    if (asprintf(&candidate, "%s#%zu", name, k) < 0) {
      return NULL;
    }
    if (cli_names_find(set, candidate) == NULL) {
      *next = k + 1;
      break;
    }
  }
  if (cli_names_add(set, candidate, 2) != 0) {
    free(candidate);
    return NULL;
  }
  return candidate;
}
