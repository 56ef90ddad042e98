/* The dependency graph: parsing "after" lists, ordering by Kahn's
 * algorithm, and finding one cycle to name when there is no order. */
#include "deps.h"

#include <stdlib.h>
#include <string.h>

static const char* const cond_names[] = { "ready", "started", "succeeded",
                                          "completed" };

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

void uvsup__deps_free(uvsup_dep_edge_t* edges, size_t n) {
  for (size_t i = 0; i < n && edges != NULL; i++) {
    free(edges[i].name);
  }
  free(edges);
}

/* The words of one item "NAME[:COND][:restart]" between p and end. */
static int parse_item(const char* p, const char* end, uvsup_dep_edge_t* e) {
  while (p < end && is_blank(*p)) {
    p++;
  }
  while (end > p && is_blank(end[-1])) {
    end--;
  }
  const char* colon = memchr(p, ':', (size_t)(end - p));
  const char* name_end = colon != NULL ? colon : end;
  while (name_end > p && is_blank(name_end[-1])) {
    name_end--;
  }
  if (name_end == p || (colon != NULL && colon + 1 == end)) {
    return UV_EINVAL;
  }
  for (const char* c = p; c < name_end; c++) {
    /* As a Procfile's names: spaces inside, no control characters. */
    if ((unsigned char)*c < 0x20 || *c == 0x7f) {
      return UV_EINVAL;
    }
  }
  e->cond = UVSUP_DEP_READY;
  e->restart = 0;
  const char* word = colon != NULL ? colon + 1 : end;
  for (int k = 0; word < end && k < 2; k++) {
    const char* stop = memchr(word, ':', (size_t)(end - word));
    size_t len = (size_t)((stop != NULL ? stop : end) - word);
    int found = 0;
    for (int c = 0; k == 0 && c < 4 && !found; c++) {
      if (strlen(cond_names[c]) == len &&
          memcmp(word, cond_names[c], len) == 0) {
        e->cond = (uvsup_dep_condition_t)c;
        found = 1;
      }
    }
    if (!found && len == 7 && memcmp(word, "restart", 7) == 0 && !e->restart) {
      e->restart = found = 1;
    }
    if (!found || (stop != NULL && stop + 1 == end)) {
      return UV_EINVAL;
    }
    word = stop != NULL ? stop + 1 : end;
  }
  if (word < end) {
    return UV_EINVAL; /* a third word */
  }
  e->name = strndup(p, (size_t)(name_end - p));
  return e->name != NULL ? 0 : UV_ENOMEM;
}

int uvsup__deps_parse(const char* text, uvsup_dep_edge_t** edges, size_t* n) {
  *edges = NULL;
  *n = 0;
  if (text == NULL) {
    return UV_EINVAL;
  }
  size_t count = 1;
  for (const char* c = text; *c != '\0'; c++) {
    count += *c == ',';
  }
  uvsup_dep_edge_t* e = calloc(count, sizeof(*e));
  if (e == NULL) {
    return UV_ENOMEM;
  }
  const char* p = text;
  int err = 0;
  for (size_t i = 0; i < count && err == 0; i++) {
    const char* end = strchr(p, ',');
    if (end == NULL) {
      end = p + strlen(p);
    }
    err = parse_item(p, end, &e[i]);
    for (size_t j = 0; j < i && err == 0; j++) {
      if (strcmp(e[j].name, e[i].name) == 0) {
        err = UV_EINVAL; /* twice: which condition would hold? */
      }
    }
    p = end + 1;
  }
  if (err != 0) {
    uvsup__deps_free(e, count);
    return err;
  }
  *edges = e;
  *n = count;
  return 0;
}

/* Nodes left out of the order all wait for one another: following a
 * dependency that is also left from any of them must come back round. */
static void find_cycle(const uvsup_graph_t* g,
                       const size_t* waiting,
                       size_t* seen_at,
                       size_t* cycle,
                       size_t* cycle_len) {
  size_t node = 0;
  while (waiting[node] == 0) {
    node++;
  }
  for (size_t i = 0; i < g->n; i++) {
    seen_at[i] = (size_t)-1;
  }
  size_t len = 0;
  while (seen_at[node] == (size_t)-1) {
    seen_at[node] = len;
    cycle[len++] = node;
    for (size_t k = g->first[node]; k < g->first[node + 1]; k++) {
      if (waiting[g->to[k]] != 0) {
        node = g->to[k];
        break;
      }
    }
  }
  size_t start = seen_at[node];
  *cycle_len = 0;
  for (size_t i = start; i < len; i++) {
    cycle[(*cycle_len)++] = cycle[i];
  }
  cycle[(*cycle_len)++] = node;
}

/* The dependents of each node (rfirst: n + 1 offsets into rto), by a
 * counting sort of the edges on their target. */
static void reverse_edges(const uvsup_graph_t* g, size_t* rfirst, size_t* rto) {
  size_t n = g->n;
  for (size_t k = 0; k < g->first[n]; k++) {
    rfirst[g->to[k] + 1]++;
  }
  for (size_t i = 0; i < n; i++) {
    rfirst[i + 1] += rfirst[i];
  }
  for (size_t i = 0; i < n; i++) {
    for (size_t k = g->first[i]; k < g->first[i + 1]; k++) {
      rto[rfirst[g->to[k]]++] = i;
    }
  }
  for (size_t i = n; i > 0; i--) {
    rfirst[i] = rfirst[i - 1];
  }
  rfirst[0] = 0;
}

int uvsup__deps_order(const uvsup_graph_t* g,
                      size_t* order,
                      size_t* cycle,
                      size_t* cycle_len) {
  size_t n = g->n;
  /* waiting[i]: dependencies of i not yet ordered; dependents: reverse
   * edges, so each edge is looked at once. */
  size_t* waiting = calloc(n + 1, sizeof(size_t));
  size_t* rfirst = calloc(n + 1, sizeof(size_t));
  size_t* rto = calloc(g->first[n] + 1, sizeof(size_t));
  if (waiting == NULL || rfirst == NULL || rto == NULL) {
    free(waiting);
    free(rfirst);
    free(rto);
    return UV_ENOMEM;
  }
  for (size_t i = 0; i < n; i++) {
    waiting[i] = g->first[i + 1] - g->first[i];
  }
  reverse_edges(g, rfirst, rto);
  size_t head = 0, tail = 0;
  for (size_t i = 0; i < n; i++) {
    if (waiting[i] == 0) {
      order[tail++] = i;
    }
  }
  while (head < tail) {
    size_t node = order[head++];
    for (size_t k = rfirst[node]; k < rfirst[node + 1]; k++) {
      if (--waiting[rto[k]] == 0) {
        order[tail++] = rto[k];
      }
    }
  }
  int err = 0;
  if (tail < n) {
    /* rfirst is free now: reused for the walk's positions. */
    find_cycle(g, waiting, rfirst, cycle, cycle_len);
    err = UVSUP_ECYCLE;
  }
  free(waiting);
  free(rfirst);
  free(rto);
  return err;
}

int uvsup_check_after(const char* after) {
  uvsup_dep_edge_t* edges;
  size_t n;
  int err = uvsup__deps_parse(after, &edges, &n);
  uvsup__deps_free(edges, n);
  return err;
}
