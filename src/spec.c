/* Copies a worker's options (name, file, argv, env, cwd, user) into one
 * block. */
#include "spec.h"

#include <stdlib.h>
#include <string.h>

static size_t vector_len(char* const* v) {
  size_t n = 0;
  while (v[n] != NULL) {
    n++;
  }
  return n;
}

static size_t vector_bytes(char* const* v, size_t n) {
  size_t bytes = 0;
  for (size_t i = 0; i < n; i++) {
    bytes += strlen(v[i]) + 1;
  }
  return bytes;
}

static char* copy_string(char** cursor, const char* s) {
  size_t n = strlen(s) + 1;
  char* out = memcpy(*cursor, s, n);
  *cursor += n;
  return out;
}

static void copy_vector(char** cursor, char** dst, char* const* src, size_t n) {
  for (size_t i = 0; i < n; i++) {
    dst[i] = copy_string(cursor, src[i]);
  }
  dst[n] = NULL;
}

/* One allocation holds the spec, the two pointer arrays and every string, so
 * a worker costs one malloc however many arguments it has, and one free. */
int uvsup__spec_new(const uvsup_worker_options_t* opts, uvsup_spec_t** spec) {
  char* default_args[2] = { (char*)opts->file, NULL };
  char* const* args = opts->args != NULL ? opts->args : default_args;
  const char* name = opts->name != NULL ? opts->name : opts->file;
  size_t nargs = vector_len(args);
  size_t nenv = opts->env != NULL ? vector_len(opts->env) : 0;

  size_t pointers = (nargs + 1) + (opts->env != NULL ? nenv + 1 : 0);
  size_t bytes = sizeof(uvsup_spec_t) + pointers * sizeof(char*) +
                 strlen(name) + 1 + strlen(opts->file) + 1 +
                 vector_bytes(args, nargs) +
                 (opts->env != NULL ? vector_bytes(opts->env, nenv) : 0) +
                 (opts->cwd != NULL ? strlen(opts->cwd) + 1 : 0);

  uvsup_spec_t* s = malloc(bytes);
  if (s == NULL) {
    return UV_ENOMEM;
  }
  char** vectors = (char**)(s + 1);
  char* cursor = (char*)(vectors + pointers);

  s->args = vectors;
  copy_vector(&cursor, s->args, args, nargs);
  s->env = NULL;
  if (opts->env != NULL) {
    s->env = vectors + nargs + 1;
    copy_vector(&cursor, s->env, opts->env, nenv);
  }
  s->name = copy_string(&cursor, name);
  s->file = copy_string(&cursor, opts->file);
  s->cwd = opts->cwd != NULL ? copy_string(&cursor, opts->cwd) : NULL;
  s->set_user = opts->set_user;
  s->uid = opts->uid;
  s->gid = opts->gid;
  *spec = s;
  return 0;
}
