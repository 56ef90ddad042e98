/* An open-addressing hash table of pointers (pid and name indexes). */
#include "table.h"

#include <stdlib.h>

#include <uv.h>

#define TABLE_MIN_CAPACITY 16

void uvsup__table_init(uvsup_table_t* t) {
  t->slots = NULL;
  t->mask = 0;
  t->count = 0;
}

void uvsup__table_free(uvsup_table_t* t) {
  free(t->slots);
  uvsup__table_init(t);
}

static void place(uvsup_table_slot_t* slots,
                  size_t mask,
                  uint32_t hash,
                  void* item) {
  size_t i = hash & mask;
  while (slots[i].item != NULL) {
    i = (i + 1) & mask;
  }
  slots[i].hash = hash;
  slots[i].item = item;
}

static int grow(uvsup_table_t* t) {
  size_t capacity = t->slots ? (t->mask + 1) * 2 : TABLE_MIN_CAPACITY;
  uvsup_table_slot_t* slots = calloc(capacity, sizeof(*slots));
  if (slots == NULL) {
    return UV_ENOMEM;
  }
  if (t->slots != NULL) {
    for (size_t i = 0; i <= t->mask; i++) {
      if (t->slots[i].item != NULL) {
        place(slots, capacity - 1, t->slots[i].hash, t->slots[i].item);
      }
    }
    free(t->slots);
  }
  t->slots = slots;
  t->mask = capacity - 1;
  return 0;
}

int uvsup__table_reserve(uvsup_table_t* t) {
  /* Keep the load at most 1/2 so probe sequences stay short. */
  if (t->slots == NULL || (t->count + 1) * 2 > t->mask + 1) {
    return grow(t);
  }
  return 0;
}

int uvsup__table_insert(uvsup_table_t* t, uint32_t hash, void* item) {
  int err = uvsup__table_reserve(t);
  if (err != 0) {
    return err;
  }
  place(t->slots, t->mask, hash, item);
  t->count++;
  return 0;
}

void* uvsup__table_find(const uvsup_table_t* t,
                        uint32_t hash,
                        uvsup_table_match_fn match,
                        const void* key) {
  if (t->slots == NULL) {
    return NULL;
  }
  for (size_t i = hash & t->mask; t->slots[i].item != NULL;
       i = (i + 1) & t->mask) {
    if (t->slots[i].hash == hash && match(t->slots[i].item, key)) {
      return t->slots[i].item;
    }
  }
  return NULL;
}

void uvsup__table_remove(uvsup_table_t* t, uint32_t hash, const void* item) {
  if (t->slots == NULL) {
    return;
  }
  size_t i = hash & t->mask;
  while (t->slots[i].item != item) {
    if (t->slots[i].item == NULL) {
      return;
    }
    i = (i + 1) & t->mask;
  }
  /* Backward shift: pull later members of the probe run into the hole when
   * their home slot is not between the hole and their current slot. */
  size_t hole = i;
  for (size_t j = (hole + 1) & t->mask; t->slots[j].item != NULL;
       j = (j + 1) & t->mask) {
    size_t home = t->slots[j].hash & t->mask;
    size_t dist_home = (j - home) & t->mask;
    size_t dist_hole = (j - hole) & t->mask;
    if (dist_home >= dist_hole) {
      t->slots[hole] = t->slots[j];
      hole = j;
    }
  }
  t->slots[hole].item = NULL;
  t->count--;
}

uint32_t uvsup__hash_int(uint32_t x) {
  /* A 32-bit finalizer (lowbias32): pids are sequential, the mixing spreads
   * them over the table's low bits. */
  x ^= x >> 16;
  x *= 0x7feb352dU;
  x ^= x >> 15;
  x *= 0x846ca68bU;
  x ^= x >> 16;
  return x;
}

uint32_t uvsup__hash_str(const char* s) {
  /* FNV-1a. */
  uint32_t h = 2166136261U;
  for (; *s != '\0'; s++) {
    h ^= (unsigned char)*s;
    h *= 16777619U;
  }
  return h;
}
