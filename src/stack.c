/* Dependencies at run time: resolving names, the start verdict of each
 * edge, telling dependents, restarts along the graph, and the reverse
 * order of a shutdown. */
#include "stack.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"
#include "worker.h"

#define WORKER_OF(link, member) uvsup__list_entry(link, uvsup_worker_t, member)

static void set_detail(uvsup_t* sup, const char* text) {
  free(sup->detail);
  sup->detail = strdup(text);
}

static int add_dependent(uvsup_worker_t* dep, uvsup_worker_t* w) {
  for (size_t i = 0; i < dep->ndependents; i++) {
    if (dep->dependents[i] == w) {
      return 0;
    }
  }
  if (dep->ndependents == dep->dependents_cap) {
    size_t cap = dep->dependents_cap ? dep->dependents_cap * 2 : 4;
    uvsup_worker_t** grown = realloc(dep->dependents, cap * sizeof(*grown));
    if (grown == NULL) {
      return UV_ENOMEM;
    }
    dep->dependents = grown;
    dep->dependents_cap = cap;
  }
  dep->dependents[dep->ndependents++] = w;
  return 0;
}

int uvsup__stack_resolve(uvsup_t* sup, uvsup_worker_t* w) {
  for (size_t i = 0; i < w->nedges; i++) {
    uvsup_worker_t* dep = uvsup_find_name(sup, w->edges[i].name);
    if (dep == NULL) {
      char text[400];
      snprintf(text, sizeof(text), "%.150s: no worker '%.150s' to start after",
               w->spec->name, w->edges[i].name);
      set_detail(sup, text);
      return UVSUP_ENODEP;
    }
    w->deps[i] = dep;
  }
  for (size_t i = 0; i < w->nedges; i++) {
    int err = add_dependent(w->deps[i], w);
    if (err != 0) {
      return err;
    }
  }
  return 0;
}

/* "a -> b -> a" from the nodes of a cycle. */
static void describe_cycle(uvsup_t* sup,
                           uvsup_worker_t** nodes,
                           const size_t* cycle,
                           size_t len) {
  size_t bytes = 1;
  for (size_t i = 0; i < len; i++) {
    bytes += strlen(nodes[cycle[i]]->spec->name) + 4;
  }
  char* text = malloc(bytes);
  if (text == NULL) {
    return;
  }
  text[0] = '\0';
  for (size_t i = 0; i < len; i++) {
    strcat(text, nodes[cycle[i]]->spec->name);
    if (i + 1 < len) {
      strcat(text, " -> ");
    }
  }
  free(sup->detail);
  sup->detail = text;
}

/* The graph of every worker, by position in sup->all. */
static int check_cycles(uvsup_t* sup) {
  size_t n = sup->workers, nedges = 0, k = 0;
  for (uvsup_link_t* l = sup->all.next; l != &sup->all; l = l->next) {
    uvsup_worker_t* w = WORKER_OF(l, all);
    w->graph_index = k++; /* the node's number, for the edges */
    nedges += w->nedges;
  }
  uvsup_worker_t** nodes = calloc(n + 1, sizeof(*nodes));
  size_t* first = calloc(n + 1, sizeof(*first));
  size_t* to = calloc(nedges + 1, sizeof(*to));
  size_t* order = calloc(n + 1, sizeof(*order));
  size_t* cycle = calloc(n + 2, sizeof(*cycle));
  int err = UV_ENOMEM;
  if (nodes != NULL && first != NULL && to != NULL && order != NULL &&
      cycle != NULL) {
    k = 0;
    for (uvsup_link_t* l = sup->all.next; l != &sup->all; l = l->next) {
      nodes[k++] = WORKER_OF(l, all);
    }
    size_t e = 0;
    for (size_t i = 0; i < n; i++) {
      first[i] = e;
      for (size_t j = 0; j < nodes[i]->nedges; j++) {
        to[e++] = nodes[i]->deps[j]->graph_index;
      }
    }
    first[n] = e;
    uvsup_graph_t g = { n, first, to };
    size_t len = 0;
    err = uvsup__deps_order(&g, order, cycle, &len);
    if (err == UVSUP_ECYCLE) {
      describe_cycle(sup, nodes, cycle, len);
    }
  }
  free(nodes);
  free(first);
  free(to);
  free(order);
  free(cycle);
  return err;
}

int uvsup__stack_resolve_all(uvsup_t* sup) {
  int any = 0;
  for (uvsup_link_t* l = sup->all.next; l != &sup->all; l = l->next) {
    uvsup_worker_t* w = WORKER_OF(l, all);
    if (w->nedges > 0) {
      int err = uvsup__stack_resolve(sup, w);
      if (err != 0) {
        return err;
      }
      any = 1;
    }
  }
  return any ? check_cycles(sup) : 0;
}

/* Why dep will never meet its edge, for "skipped: db gave up". */
static const char* never_why(const uvsup_worker_t* dep) {
  switch (dep->state) {
  case UVSUP_STATE_GAVE_UP:
    return "gave up";
  case UVSUP_STATE_SKIPPED:
    return "was skipped";
  default:
    break;
  }
  if (dep->result.end == UVSUP_END_STOPPED ||
      dep->result.end == UVSUP_END_NOT_STARTED) {
    return "was stopped";
  }
  return dep->result.ok ? "finished without being ready" : "failed";
}

static uvsup_stack_verdict_t edge_verdict(const uvsup_dep_edge_t* e,
                                          const uvsup_worker_t* dep) {
  int started = dep->started_once;
  int ok = dep->has_result && dep->result.ok;
  switch (dep->state) {
  case UVSUP_STATE_READY:
    return e->cond == UVSUP_DEP_READY || e->cond == UVSUP_DEP_STARTED
               ? STACK_GO
               : STACK_WAIT; /* succeeded, completed: it has to end */
  case UVSUP_STATE_QUEUED:
  case UVSUP_STATE_WAITING:
  case UVSUP_STATE_STARTING:
  case UVSUP_STATE_STOPPING:
  case UVSUP_STATE_BACKOFF:
    return e->cond == UVSUP_DEP_STARTED && started ? STACK_GO : STACK_WAIT;
  case UVSUP_STATE_FINISHED:
    switch (e->cond) {
    case UVSUP_DEP_STARTED:
      return started ? STACK_GO : STACK_NEVER;
    case UVSUP_DEP_READY:
      return ok && dep->result.ready_ns != 0 ? STACK_GO : STACK_NEVER;
    case UVSUP_DEP_SUCCEEDED:
      return ok ? STACK_GO : STACK_NEVER;
    case UVSUP_DEP_COMPLETED:
      return STACK_GO;
    }
    return STACK_NEVER;
  case UVSUP_STATE_GAVE_UP:
    return e->cond == UVSUP_DEP_COMPLETED ||
                   (e->cond == UVSUP_DEP_STARTED && started)
               ? STACK_GO
               : STACK_NEVER;
  case UVSUP_STATE_SKIPPED:
    return STACK_NEVER;
  }
  return STACK_WAIT;
}

uvsup_stack_verdict_t uvsup__stack_admit(uvsup_worker_t* w) {
  uvsup_stack_verdict_t verdict = STACK_GO;
  for (size_t i = 0; i < w->nedges; i++) {
    uvsup_stack_verdict_t v = w->deps[i] != NULL
                                  ? edge_verdict(&w->edges[i], w->deps[i])
                              : w->released_met[i] ? STACK_GO
                                                   : STACK_NEVER;
    if (v == STACK_NEVER) {
      snprintf(w->reason, sizeof(w->reason), "%.100s %s", w->edges[i].name,
               w->deps[i] != NULL ? never_why(w->deps[i]) : "was released");
      return STACK_NEVER;
    }
    if (v == STACK_WAIT) {
      verdict = STACK_WAIT;
    }
  }
  return verdict;
}

const char* uvsup__stack_waiting_for(const uvsup_worker_t* w) {
  for (size_t i = 0; i < w->nedges; i++) {
    if (w->deps[i] != NULL &&
        edge_verdict(&w->edges[i], w->deps[i]) == STACK_WAIT) {
      return w->edges[i].name;
    }
  }
  return NULL;
}

static int has_live_dependents(const uvsup_worker_t* w) {
  for (size_t i = 0; i < w->ndependents; i++) {
    if (uvsup__worker_live(w->dependents[i])) {
      return 1;
    }
  }
  return 0;
}

void uvsup__stack_changed(uvsup_worker_t* w) {
  for (size_t i = 0; i < w->ndependents; i++) {
    uvsup_worker_t* d = w->dependents[i];
    if (d->state == UVSUP_STATE_WAITING) {
      uvsup__worker_admit(d);
    }
  }
  if (uvsup__worker_live(w)) {
    return;
  }
  for (size_t i = 0; i < w->nedges; i++) {
    uvsup_worker_t* dep = w->deps[i];
    if (dep != NULL && (dep->causes & WORKER_STOP_DEFERRED) &&
        !has_live_dependents(dep)) {
      dep->causes &= ~(unsigned)WORKER_STOP_DEFERRED;
      uvsup__worker_stop(dep, dep->deferred_signal);
    }
  }
}

void uvsup__stack_restarting(uvsup_worker_t* w) {
  for (size_t i = 0; i < w->ndependents; i++) {
    uvsup_worker_t* d = w->dependents[i];
    for (size_t k = 0; k < d->nedges; k++) {
      if (d->deps[k] == w && d->edges[k].restart) {
        uvsup__worker_dep_restart(d);
      }
    }
  }
}

int uvsup__stack_defer_stop(uvsup_worker_t* w, int signum) {
  if (signum == SIGKILL || !has_live_dependents(w)) {
    return 0;
  }
  w->causes |= WORKER_STOP_DEFERRED;
  w->deferred_signal = signum;
  return 1;
}

void uvsup__stack_forget(uvsup_worker_t* w) {
  for (size_t i = 0; i < w->ndependents; i++) {
    uvsup_worker_t* d = w->dependents[i];
    for (size_t k = 0; k < d->nedges; k++) {
      if (d->deps[k] == w) {
        d->released_met[k] = edge_verdict(&d->edges[k], w) == STACK_GO;
        d->deps[k] = NULL;
      }
    }
  }
  for (size_t i = 0; w->deps != NULL && i < w->nedges; i++) {
    uvsup_worker_t* dep = w->deps[i];
    for (size_t k = 0; dep != NULL && k < dep->ndependents; k++) {
      if (dep->dependents[k] == w) {
        dep->dependents[k] = dep->dependents[--dep->ndependents];
        break;
      }
    }
  }
}
