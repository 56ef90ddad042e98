/* The spawner interface: every call goes to the implementation chosen at
 * open (inproc.c or client.c). */
#include "spawner.h"

#include <uv.h>

int uvsup__proc_spawn(uvsup_spawner_t* s,
                      uvsup_proc_t* proc,
                      const uvsup_spawn_req_t* req) {
  proc->spawner = s;
  proc->pid = 0;
  proc->ahead_started = 0;
  proc->forgotten_by_helper = 0;
  proc->start_ns = uv_hrtime();
  proc->end_ns = 0;
  proc->signal_met_alive = 0;
  return s->ops->spawn(s, proc, req);
}

int uvsup__proc_signal(uvsup_proc_t* proc, int signum) {
  return proc->spawner->ops->signal(proc, signum);
}

void uvsup__proc_query(uvsup_proc_t* proc, int fresh) {
  proc->spawner->ops->query(proc, fresh);
}

void uvsup__proc_go(uvsup_proc_t* proc, int start) {
  if (proc->spawner->ops->go != NULL) {
    proc->spawner->ops->go(proc, start);
  }
}

void uvsup__spawner_resume(uvsup_spawner_t* s) {
  if (s != NULL && s->ops->resume != NULL) {
    s->ops->resume(s);
  }
}

void uvsup__proc_release(uvsup_proc_t* proc) {
  proc->spawner->ops->release(proc);
}

void uvsup__spawner_close(uvsup_spawner_t* s,
                          void (*on_closed)(uvsup_spawner_t* s, void* arg),
                          void* arg) {
  s->phase = SPAWNER_CLOSING;
  s->on_closed = on_closed;
  s->closed_arg = arg;
  s->ops->close(s);
}

int uvsup__spawner_owns_pid(const uvsup_spawner_t* s, int pid) {
  return s != NULL && s->ops->owns_pid(s, pid);
}
