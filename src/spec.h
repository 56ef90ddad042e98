/* What a worker runs, copied out of its options into one allocation. */
#ifndef UVSUP_SPEC_H
#define UVSUP_SPEC_H

#include "uvsup.h"

typedef struct {
  char* name;
  char* file;
  char** args;
  char** env;   /* NULL: inherit */
  char* cwd;    /* NULL: inherit */
  int set_user; /* 1: setuid/setgid to uid/gid */
  uv_uid_t uid;
  uv_gid_t gid;
} uvsup_spec_t;

/* Returns 0 or UV_ENOMEM; the caller frees *spec with free(). */
int uvsup__spec_new(const uvsup_worker_options_t* opts, uvsup_spec_t** spec);

#endif
