/* How the spawn helper starts a worker without fork: posix_spawn, which
 * glibc runs with CLONE_VM | CLONE_VFORK (no copy of the page tables, no
 * copy-on-write faults after it), keeping every promise uv_spawn makes
 * for the options the helper uses. */
#ifndef UVSUP_LAUNCH_H
#define UVSUP_LAUNCH_H

#include <uv.h>

/* Starts o->file as uv_spawn() would with UV_PROCESS_DETACHED: the PATH
 * of o->env searched as execvp() does (a file it cannot execute as a
 * program runs under /bin/sh), stdio slots 0-2 that are UV_IGNORE opened
 * on /dev/null and the inherited ones made blocking, a new session, every
 * signal at its default and none blocked, o->cwd. o->flags must not ask
 * for a user change (uv_spawn does that). Returns 0 with *pid set, or a
 * negative libuv code (the exec's error included, as uv_spawn reports
 * it); nothing is left running on error. o->exit_cb is not used: the
 * caller reaps the process. */
int uvsup__launch(const uv_process_options_t* o, int* pid);

#endif
