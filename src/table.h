/* An open-addressing hash table of pointers, keyed by a caller's hash. */
#ifndef UVSUP_TABLE_H
#define UVSUP_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint32_t hash;
  void* item; /* NULL: empty slot */
} uvsup_table_slot_t;

/* Linear probing with backward-shift deletion: no tombstones, so lookups stay
 * short however many items come and go over a long-running service's life. */
typedef struct {
  uvsup_table_slot_t* slots;
  size_t mask; /* capacity - 1; capacity is a power of two */
  size_t count;
} uvsup_table_t;

/* Returns 1 when item (stored under hash) matches key. */
typedef int (*uvsup_table_match_fn)(const void* item, const void* key);

void uvsup__table_init(uvsup_table_t* t);
void uvsup__table_free(uvsup_table_t* t);
/* Makes room for one more item, so the next insert cannot fail. Returns 0 or
 * UV_ENOMEM. */
int uvsup__table_reserve(uvsup_table_t* t);
/* Returns 0 or UV_ENOMEM. The caller makes sure the key is not present. */
int uvsup__table_insert(uvsup_table_t* t, uint32_t hash, void* item);
void* uvsup__table_find(const uvsup_table_t* t,
                        uint32_t hash,
                        uvsup_table_match_fn match,
                        const void* key);
/* Removes this exact item; does nothing when it is not there. */
void uvsup__table_remove(uvsup_table_t* t, uint32_t hash, const void* item);

uint32_t uvsup__hash_int(uint32_t x);
uint32_t uvsup__hash_str(const char* s);

#endif
