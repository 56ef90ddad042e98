/* The dependency graph and readiness strings without processes: "after"
 * lists, start order, cycles spelled out, readiness strings, sd_notify
 * messages. */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "deps.h"
#include "readyspec.h"
#include "testutil.h"

START_TEST(test_deps_parse_conditions) {
  uvsup_dep_edge_t* e;
  size_t n;
  ck_assert_int_eq(uvsup__deps_parse("db, migrate:succeeded ,cache:started:"
                                     "restart,logs:completed,q:ready",
                                     &e, &n),
                   0);
  ck_assert_uint_eq(n, 5);
  ck_assert_str_eq(e[0].name, "db");
  ck_assert_int_eq(e[0].cond, UVSUP_DEP_READY);
  ck_assert_int_eq(e[0].restart, 0);
  ck_assert_str_eq(e[1].name, "migrate");
  ck_assert_int_eq(e[1].cond, UVSUP_DEP_SUCCEEDED);
  ck_assert_str_eq(e[2].name, "cache");
  ck_assert_int_eq(e[2].cond, UVSUP_DEP_STARTED);
  ck_assert_int_eq(e[2].restart, 1);
  ck_assert_int_eq(e[3].cond, UVSUP_DEP_COMPLETED);
  ck_assert_int_eq(e[4].cond, UVSUP_DEP_READY);
  uvsup__deps_free(e, n);
  /* Spaces inside a name, as a Procfile's. */
  ck_assert_int_eq(uvsup__deps_parse(" my db :started", &e, &n), 0);
  ck_assert_str_eq(e[0].name, "my db");
  uvsup__deps_free(e, n);
  /* The restart flag alone keeps the default condition. */
  ck_assert_int_eq(uvsup__deps_parse("db:restart", &e, &n), 0);
  ck_assert_int_eq(e[0].cond, UVSUP_DEP_READY);
  ck_assert_int_eq(e[0].restart, 1);
  uvsup__deps_free(e, n);
}
END_TEST

START_TEST(test_deps_parse_rejects) {
  static const char* const bad[] = {
    "",
    ",",
    "db,",
    ",db",
    "db:",
    "db:bogus",
    ":ready",
    "db:ready:",
    "db:ready:x",
    "db::ready",
    "db,db",
    "db:ready,db:started",
    "d\x01b",
    "db:restart:ready",
    "db:ready:restart:x",
    "a\tb",
    "db:restart:restart",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uvsup_dep_edge_t* e = (uvsup_dep_edge_t*)1;
    size_t n = 7;
    ck_assert_msg(uvsup__deps_parse(bad[i], &e, &n) == UV_EINVAL, "'%s'",
                  bad[i]);
    ck_assert_ptr_null(e);
    ck_assert_uint_eq(n, 0);
  }
  ck_assert_int_eq(uvsup_check_after("db:completed"), 0);
  ck_assert_int_eq(uvsup_check_after("db:done"), UV_EINVAL);
}
END_TEST

/* A graph from "i:j,k;..." edges per node, for the tables below. */
typedef struct {
  size_t first[16];
  size_t to[64];
  uvsup_graph_t g;
} graph_t;

static void make_graph(graph_t* gr, size_t n, const int edges[][4]) {
  size_t e = 0;
  for (size_t i = 0; i < n; i++) {
    gr->first[i] = e;
    for (int k = 0; k < 4 && edges[i][k] >= 0; k++) {
      gr->to[e++] = (size_t)edges[i][k];
    }
  }
  gr->first[n] = e;
  gr->g.n = n;
  gr->g.first = gr->first;
  gr->g.to = gr->to;
}

START_TEST(test_deps_order_dependencies_first) {
  /* web(0) after db(1) and migrate(2); migrate after db; cache(3) alone;
   * worker(4) after web. */
  static const int edges[][4] = {
    { 1, 2, -1 }, { -1 }, { 1, -1 }, { -1 }, { 0, -1 },
  };
  graph_t gr;
  make_graph(&gr, 5, edges);
  size_t order[5], cycle[6], len = 0;
  ck_assert_int_eq(uvsup__deps_order(&gr.g, order, cycle, &len), 0);
  /* Independent ones first together (db, cache), then level by level. */
  size_t want[] = { 1, 3, 2, 0, 4 };
  for (int i = 0; i < 5; i++) {
    ck_assert_uint_eq(order[i], want[i]);
  }
  /* Stop order is the reverse: worker, web, migrate, cache, db. */
}
END_TEST

START_TEST(test_deps_cycle_spelled_out) {
  /* a(0) -> b(1) -> c(2) -> a, and d(3) after a: d is blocked, not in the
   * cycle. */
  static const int edges[][4] = {
    { 1, -1 },
    { 2, -1 },
    { 0, -1 },
    { 0, -1 },
  };
  graph_t gr;
  make_graph(&gr, 4, edges);
  size_t order[4], cycle[5], len = 0;
  ck_assert_int_eq(uvsup__deps_order(&gr.g, order, cycle, &len), UVSUP_ECYCLE);
  ck_assert_uint_eq(len, 4);
  ck_assert_uint_eq(cycle[0], cycle[3]);
  for (size_t i = 0; i + 1 < len; i++) {
    /* Each depends on the next. */
    int found = 0;
    for (size_t k = gr.first[cycle[i]]; k < gr.first[cycle[i] + 1]; k++) {
      found |= gr.to[k] == cycle[i + 1];
    }
    ck_assert(found);
    ck_assert_uint_ne(cycle[i], 3);
  }
  /* A worker after itself. */
  static const int self[][4] = { { -1 }, { 1, -1 } };
  make_graph(&gr, 2, self);
  ck_assert_int_eq(uvsup__deps_order(&gr.g, order, cycle, &len), UVSUP_ECYCLE);
  ck_assert_uint_eq(len, 2);
  ck_assert_uint_eq(cycle[0], 1);
  ck_assert_uint_eq(cycle[1], 1);
}
END_TEST

START_TEST(test_deps_long_chain) {
  /* 100 000 in a chain: no recursion to overflow. */
  size_t n = 100000;
  size_t* first = calloc(n + 1, sizeof(size_t));
  size_t* to = calloc(n, sizeof(size_t));
  size_t* order = calloc(n, sizeof(size_t));
  size_t* cycle = calloc(n + 1, sizeof(size_t));
  for (size_t i = 0; i < n; i++) {
    first[i] = i;
    to[i] = (i + 1) % n; /* a ring: one big cycle */
  }
  first[n] = n;
  uvsup_graph_t g = { n, first, to };
  size_t len = 0;
  ck_assert_int_eq(uvsup__deps_order(&g, order, cycle, &len), UVSUP_ECYCLE);
  ck_assert_uint_eq(len, n + 1);
  to[n - 1] = 0;
  first[n] = n - 1; /* the last depends on nothing now: a chain */
  ck_assert_int_eq(uvsup__deps_order(&g, order, cycle, &len), 0);
  ck_assert_uint_eq(order[0], n - 1);
  ck_assert_uint_eq(order[n - 1], 0);
  free(first);
  free(to);
  free(order);
  free(cycle);
}
END_TEST

START_TEST(test_ready_spec_parse) {
  uvsup_ready_spec_t s;
  ck_assert_int_eq(uvsup__ready_spec_parse(NULL, &s), 0);
  ck_assert_int_eq(s.kind, READY_NONE);
  ck_assert_int_eq(uvsup__ready_spec_parse("fd", &s), 0);
  ck_assert_int_eq(s.kind, READY_FD);
  ck_assert_int_eq(s.fd, 3);
  ck_assert_int_eq(uvsup__ready_spec_parse("fd:5", &s), 0);
  ck_assert_int_eq(s.fd, 5);
  ck_assert_int_eq(uvsup__ready_spec_parse("notify", &s), 0);
  ck_assert_int_eq(s.kind, READY_NOTIFY);
  ck_assert_int_eq(uvsup__ready_spec_parse("exit", &s), 0);
  ck_assert_int_eq(s.kind, READY_EXIT);
  ck_assert_int_eq(uvsup__ready_spec_parse("log:Listening on :[0-9]+", &s), 0);
  ck_assert_int_eq(s.kind, READY_LOG);
  ck_assert_str_eq(s.arg, "Listening on :[0-9]+");
  ck_assert_int_eq(uvsup__ready_spec_parse("exec:pg_isready -q", &s), 0);
  ck_assert_str_eq(s.arg, "pg_isready -q");
  ck_assert_int_eq(uvsup__ready_spec_parse("tcp:5432", &s), 0);
  ck_assert_str_eq(s.host, "127.0.0.1");
  ck_assert_int_eq(s.port, 5432);
  ck_assert_int_eq(uvsup__ready_spec_parse("tcp:10.1.2.3:80", &s), 0);
  ck_assert_str_eq(s.host, "10.1.2.3");
  ck_assert_int_eq(uvsup__ready_spec_parse("tcp:[::1]:8080", &s), 0);
  ck_assert_str_eq(s.host, "::1");
  ck_assert_int_eq(s.port, 8080);
  ck_assert_int_eq(uvsup__ready_spec_parse("tcp:localhost:1", &s), 0);
  ck_assert_str_eq(s.host, "127.0.0.1");
}
END_TEST

START_TEST(test_ready_spec_rejects) {
  static const char* const bad[] = {
    "",          "fd:",         "fd:2",        "fd:256",  "fd:x",
    "fd:3x",     "log:",        "exec:",       "tcp:",    "tcp:0",
    "tcp:65536", "tcp:db:5432", "tcp:[::1:80", "tcp::80", "tcp:1.2.3:80",
    "Notify",    "notify:x",    "exit:0",      "tcp:-1",  "tcp:[x]:80",
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    uvsup_ready_spec_t s;
    ck_assert_msg(uvsup__ready_spec_parse(bad[i], &s) == UV_EINVAL, "'%s'",
                  bad[i]);
    ck_assert_msg(uvsup_check_ready(bad[i]) == UV_EINVAL, "'%s'", bad[i]);
  }
  /* A regex that does not compile is caught by the public check. */
  ck_assert_int_eq(uvsup_check_ready("log:(unclosed"), UV_EINVAL);
  ck_assert_int_eq(uvsup_check_ready("log:ok|ready"), 0);
  ck_assert_int_eq(uvsup_check_ready(NULL), UV_EINVAL);
}
END_TEST

START_TEST(test_ready_notify_messages) {
  uvsup_notify_msg_t m;
  const char msg[] = "READY=1\nSTATUS=Serving 3 clients\nMAINPID=42\n";
  uvsup__notify_parse(msg, strlen(msg), &m);
  ck_assert_int_eq(m.ready, 1);
  ck_assert_int_eq(m.mainpid, 42);
  ck_assert_int_eq(m.stopping, 0);
  ck_assert_int_eq(m.watchdog, 0);
  ck_assert_uint_eq(m.status_len, strlen("Serving 3 clients"));
  ck_assert_int_eq(memcmp(m.status, "Serving 3 clients", m.status_len), 0);
  const char other[] = "WATCHDOG=1\nSTOPPING=1\nREADY=0\nX=1\nREADY=10";
  uvsup__notify_parse(other, strlen(other), &m);
  ck_assert_int_eq(m.ready, 0);
  ck_assert_int_eq(m.watchdog, 1);
  ck_assert_int_eq(m.stopping, 1);
  ck_assert_ptr_null(m.status);
  /* A line with a NUL is ignored; the others still count. */
  const char nul[] = "READY=1\0x\nWATCHDOG=1";
  uvsup__notify_parse(nul, sizeof(nul) - 1, &m);
  ck_assert_int_eq(m.ready, 0);
  ck_assert_int_eq(m.watchdog, 1);
  uvsup__notify_parse("MAINPID=abc", 11, &m);
  ck_assert_int_eq(m.mainpid, 0);
  uvsup__notify_parse("", 0, &m);
  ck_assert_int_eq(m.ready, 0);
}
END_TEST

static Suite* deps_suite(void) {
  Suite* s = suite_create("deps");
  TCase* graph = tcase_create("graph");
  tcase_add_test(graph, test_deps_parse_conditions);
  tcase_add_test(graph, test_deps_parse_rejects);
  tcase_add_test(graph, test_deps_order_dependencies_first);
  tcase_add_test(graph, test_deps_cycle_spelled_out);
  tcase_add_test(graph, test_deps_long_chain);
  suite_add_tcase(s, graph);
  TCase* ready = tcase_create("ready");
  tcase_add_test(ready, test_ready_spec_parse);
  tcase_add_test(ready, test_ready_spec_rejects);
  tcase_add_test(ready, test_ready_notify_messages);
  suite_add_tcase(s, ready);
  return s;
}

int main(void) {
  return tu_run_suite(deps_suite());
}
