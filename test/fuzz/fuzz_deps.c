/* Fuzzing the dependency graph: an "after" list parses exactly when each
 * item is NAME[:CONDITION][:restart] with a unique, clean name, and what it
 * gives writes back to a list that parses to the same; a graph read from
 * the input has an order with every node after its dependencies, or a
 * cycle in which each node depends on the next. */
#include <stdint.h>
#include <string.h>

#include "deps.h"
#include "fuzz.h"

static const char* const conds[] = { "ready", "started", "succeeded",
                                     "completed" };

static void check_list(const char* s) {
  uvsup_dep_edge_t* e = (uvsup_dep_edge_t*)1;
  size_t n = 99;
  int rc = uvsup__deps_parse(s, &e, &n);
  FUZZ_CHECK(rc == 0 || rc == UV_EINVAL);
  if (rc != 0) {
    FUZZ_CHECK(e == NULL && n == 0);
    return;
  }
  size_t commas = 0;
  for (const char* c = s; *c; c++) {
    commas += *c == ',';
  }
  FUZZ_CHECK(n == commas + 1);
  /* Each item grows by at most ",", ":completed" and ":restart". */
  size_t cap = strlen(s) + n * 19 + 1;
  char* back = malloc(cap);
  FUZZ_CHECK(back != NULL);
  back[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(e[i].name[0] != '\0');
    FUZZ_CHECK(strpbrk(e[i].name, ":,\t") == NULL);
    FUZZ_CHECK(e[i].name[0] != ' ' && e[i].name[strlen(e[i].name) - 1] != ' ');
    for (const char* c = e[i].name; *c; c++) {
      FUZZ_CHECK((unsigned char)*c >= 0x20 && *c != 0x7f);
    }
    for (size_t j = 0; j < i; j++) {
      FUZZ_CHECK(strcmp(e[i].name, e[j].name) != 0);
    }
    FUZZ_CHECK((unsigned)e[i].cond < 4);
    size_t len = strlen(back);
    snprintf(back + len, cap - len, "%s%s:%s%s", i ? "," : "", e[i].name,
             conds[e[i].cond], e[i].restart ? ":restart" : "");
  }
  uvsup_dep_edge_t* e2;
  size_t n2;
  FUZZ_CHECK(uvsup__deps_parse(back, &e2, &n2) == 0 && n2 == n);
  for (size_t i = 0; i < n; i++) {
    FUZZ_CHECK(strcmp(e[i].name, e2[i].name) == 0);
    FUZZ_CHECK(e[i].cond == e2[i].cond && e[i].restart == e2[i].restart);
  }
  uvsup__deps_free(e2, n2);
  uvsup__deps_free(e, n);
  free(back);
}

/* Up to 16 nodes; each following byte pair is an edge. */
static void check_graph(const uint8_t* data, size_t size) {
  if (size == 0) {
    return;
  }
  size_t n = data[0] % 16 + 1;
  size_t nedges = (size - 1) / 2;
  size_t first[17] = { 0 };
  size_t* to = calloc(nedges + 1, sizeof(size_t));
  FUZZ_CHECK(to != NULL);
  size_t e = 0;
  for (size_t node = 0; node < n; node++) {
    first[node] = e;
    for (size_t k = 0; k < nedges; k++) {
      if (data[1 + 2 * k] % n == node) {
        to[e++] = data[2 + 2 * k] % n;
      }
    }
  }
  first[n] = e;
  uvsup_graph_t g = { n, first, to };
  size_t order[16], cycle[17], len = 0, pos[16];
  int rc = uvsup__deps_order(&g, order, cycle, &len);
  if (rc == 0) {
    int seen[16] = { 0 };
    for (size_t i = 0; i < n; i++) {
      FUZZ_CHECK(order[i] < n && !seen[order[i]]);
      seen[order[i]] = 1;
      pos[order[i]] = i;
    }
    for (size_t node = 0; node < n; node++) {
      for (size_t k = first[node]; k < first[node + 1]; k++) {
        FUZZ_CHECK(pos[to[k]] < pos[node]);
      }
    }
  } else {
    FUZZ_CHECK(rc == UVSUP_ECYCLE);
    FUZZ_CHECK(len >= 2 && len <= n + 1 && cycle[0] == cycle[len - 1]);
    for (size_t i = 0; i + 1 < len; i++) {
      int found = 0;
      for (size_t k = first[cycle[i]]; k < first[cycle[i] + 1]; k++) {
        found |= to[k] == cycle[i + 1];
      }
      FUZZ_CHECK(found);
    }
  }
  free(to);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  check_list(s);
  free(s);
  check_graph(data, size);
  return 0;
}
