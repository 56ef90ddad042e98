/* An intrusive doubly linked list: O(1) insert and removal anywhere, so a
 * worker can leave any queue it is in without a scan. */
#ifndef UVSUP_LIST_H
#define UVSUP_LIST_H

#include <stddef.h>

typedef struct uvsup_link_s {
  struct uvsup_link_s* prev;
  struct uvsup_link_s* next;
} uvsup_link_t;

#define uvsup__list_entry(link, type, member) \
  ((type*)((char*)(link)-offsetof(type, member)))

/* A list is a circular chain through its head; an unlinked link points at
 * itself, so "is it in a list" needs no flag. */
static inline void uvsup__list_init(uvsup_link_t* link) {
  link->prev = link->next = link;
}

static inline int uvsup__list_empty(const uvsup_link_t* head) {
  return head->next == head;
}

static inline int uvsup__list_linked(const uvsup_link_t* link) {
  return link->next != link;
}

static inline void uvsup__list_insert_after(uvsup_link_t* at,
                                            uvsup_link_t* link) {
  link->prev = at;
  link->next = at->next;
  at->next->prev = link;
  at->next = link;
}

static inline void uvsup__list_push_back(uvsup_link_t* head,
                                         uvsup_link_t* link) {
  uvsup__list_insert_after(head->prev, link);
}

static inline void uvsup__list_push_front(uvsup_link_t* head,
                                          uvsup_link_t* link) {
  uvsup__list_insert_after(head, link);
}

static inline void uvsup__list_remove(uvsup_link_t* link) {
  link->prev->next = link->next;
  link->next->prev = link->prev;
  uvsup__list_init(link);
}

/* Moves every link of from to the end of to, in order; from is left empty. */
static inline void uvsup__list_splice_back(uvsup_link_t* to,
                                           uvsup_link_t* from) {
  if (uvsup__list_empty(from)) {
    return;
  }
  from->next->prev = to->prev;
  to->prev->next = from->next;
  from->prev->next = to;
  to->prev = from->prev;
  uvsup__list_init(from);
}

#endif
