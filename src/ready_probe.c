/* The tcp and exec probes: one try at a time, never blocking the loop (a
 * non-blocking connect; a probe command spawned in its own session). The
 * poll timer starts each try and, while one is under way, is its deadline.
 * Each try reports ok or not to ready.c once its handle has closed, so the
 * next try may reuse it. */
#include <signal.h>
#include <string.h>

#include "ready.h"

#define PROBE_INTERVAL_MS 200 /* between tries before ready */
#define PROBE_TIMEOUT_MS                           \
  5000 /* a try taking longer failed (after ready: \
          the watchdog period, if shorter) */

/* The try's handle has closed: its result goes to ready.c. */
static void on_try_closed(uv_handle_t* handle) {
  uvsup_ready_t* r = handle->data;
  r->probing = 0;
  int report = r->phase != READY_CLOSING;
  uvsup__ready_handle_closed(handle); /* may free r when closing */
  if (report) {
    uvsup__ready_probe_result(r, r->probe_ok);
  }
}

static void end_tcp(uvsup_ready_t* r, int ok) {
  if (!uv_is_closing((uv_handle_t*)&r->tcp)) {
    r->probe_ok = ok;
    uv_close((uv_handle_t*)&r->tcp, on_try_closed);
  }
}

static void on_connect(uv_connect_t* req, int status) {
  end_tcp(req->data, status == 0);
}

static void try_tcp(uvsup_ready_t* r) {
  const uvsup_ready_spec_t* s = &r->conf->spec;
  struct sockaddr_storage addr;
  if (uv_ip4_addr(s->host, s->port, (struct sockaddr_in*)&addr) != 0 &&
      uv_ip6_addr(s->host, s->port, (struct sockaddr_in6*)&addr) != 0) {
    return; /* the spec was checked: cannot happen */
  }
  uv_tcp_init(r->loop, &r->tcp);
  r->tcp.data = r;
  r->connect.data = r;
  r->open_handles++;
  r->probing = 1;
  if (uv_tcp_connect(&r->connect, &r->tcp, (struct sockaddr*)&addr,
                     on_connect) != 0) {
    end_tcp(r, 0);
  }
}

static void on_probe_exit(uv_process_t* p, int64_t status, int term_signal) {
  uvsup_ready_t* r = p->data;
  r->probe_running = 0;
  r->probe_ok = status == 0 && term_signal == 0;
  uv_close((uv_handle_t*)&r->probe, on_try_closed);
}

static void try_exec(uvsup_ready_t* r) {
  uv_process_options_t o;
  memset(&o, 0, sizeof(o));
  o.file = r->conf->exec_args[0];
  o.args = (char**)r->conf->exec_args;
  o.exit_cb = on_probe_exit;
  o.flags = UV_PROCESS_DETACHED; /* its own group: a timeout kills it all */
  r->probe.data = r;
  r->open_handles++; /* the handle is made even when the spawn fails */
  r->probing = 1;
  if (uv_spawn(r->loop, &r->probe, &o) != 0) {
    r->probe_ok = 0;
    uv_close((uv_handle_t*)&r->probe, on_try_closed);
    return;
  }
  r->probe_running = 1;
}

/* A try under way took too long: it failed. Its exit callback has not run,
 * so the probe's pid is still its own. */
static void fail_try(uvsup_ready_t* r) {
  if (r->conf->spec.kind == READY_TCP) {
    end_tcp(r, 0);
  } else if (r->probe_running) {
    kill(-r->probe.pid, SIGKILL);
  }
}

static void on_poll(uv_timer_t* timer) {
  uvsup_ready_t* r = timer->data;
  if (r->phase == READY_CLOSING) {
    return;
  }
  if (r->probing) {
    fail_try(r);
    return;
  }
  /* After ready, a try must answer within the watchdog's period. */
  uint64_t limit = PROBE_TIMEOUT_MS;
  if (r->phase == READY_PASSED && r->conf->watchdog_ms < limit) {
    limit = r->conf->watchdog_ms;
  }
  uv_timer_start(&r->poll, on_poll, limit, 0);
  if (r->conf->spec.kind == READY_TCP) {
    try_tcp(r);
  } else {
    try_exec(r);
  }
}

void uvsup__ready_probe_start(uvsup_ready_t* r, uint64_t delay_ms) {
  if (r->phase == READY_CLOSING) {
    return;
  }
  uv_timer_start(&r->poll, on_poll, delay_ms > 0 ? delay_ms : PROBE_INTERVAL_MS,
                 0);
}

void uvsup__ready_probe_close(uvsup_ready_t* r) {
  if (r->probing) {
    fail_try(r); /* its handle closes from its callbacks */
  }
}
