/* The dependency graph: "NAME[:CONDITION][:restart]" lists, the start order
 * (dependencies first), and cycles spelled out. Pure: no libuv handles, no
 * processes. */
#ifndef UVSUP_DEPS_H
#define UVSUP_DEPS_H

#include <stddef.h>

#include "uvsup.h"

/* One edge of a "after" list: the worker waits for name to meet cond. */
typedef struct {
  char* name;
  uvsup_dep_condition_t cond;
  int restart; /* ":restart": restarted after name is ready again */
} uvsup_dep_edge_t;

/* Parses a comma-separated list "NAME[:CONDITION][:restart][,...]"
 * (blanks around items allowed, and spaces inside a name, as a Procfile's
 * names have; CONDITION is started, ready, succeeded or
 * completed; default ready). Stores a malloc'd array (free it with
 * uvsup__deps_free()) in *edges and its length in *n. A name may appear
 * once. Returns 0, UV_EINVAL or UV_ENOMEM (then *edges is NULL). */
int uvsup__deps_parse(const char* text, uvsup_dep_edge_t** edges, size_t* n);
void uvsup__deps_free(uvsup_dep_edge_t* edges, size_t n);

/* A graph of n nodes: node i depends on to[first[i]] .. to[first[i+1]-1];
 * first[0] is 0. */
typedef struct {
  size_t n;
  const size_t* first; /* n + 1 offsets into to */
  const size_t* to;
} uvsup_graph_t;

/* Fills order (n entries) with every node, each after all it depends on,
 * independent ones in index order level by level. Returns 0, or
 * UVSUP_ECYCLE with a cycle in cycle[0..*cycle_len) (each depends on the
 * next, the last equals the first; cycle holds n + 1 entries), or
 * UV_ENOMEM. */
int uvsup__deps_order(const uvsup_graph_t* g,
                      size_t* order,
                      size_t* cycle,
                      size_t* cycle_len);

#endif
