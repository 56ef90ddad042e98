/* A Procfile's jobs as foreman runs them: each instance of each type gets
 * the .env values, PORT (base + 100 per type + 1 per instance) and PS. */
#include "foreman.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "dotenv.h"
#include "envset.h"
#include "fail.h"
#include "formation.h"
#include "procfile.h"

extern char** environ;

#define DEFAULT_PORT 5000 /* foreman's and honcho's */

/* Workers of a Procfile run in its directory, as with foreman and honcho, so
 * its commands can name scripts beside it. A Procfile that is not a file
 * (-f /dev/stdin, -f <(...)) has no such directory: they run in ours, as
 * do those of a path without a slash. *has_dir says which. */
static char* procfile_dir(const char* path, int* has_dir) {
  const char* slash = strrchr(path, '/');
  struct stat st;
  *has_dir = slash != NULL && stat(path, &st) == 0 && S_ISREG(st.st_mode);
  if (!*has_dir) {
    return NULL;
  }
  size_t len = slash == path ? 1 : (size_t)(slash - path);
  return strndup(path, len);
}

/* The -e files in order, or else the .env beside the Procfile when it is
 * there (foreman reads one or the other, never both). */
static int load_env(const cli_stack_t* s,
                    const char* dir,
                    cli_envset_t* env,
                    char* err,
                    size_t errlen) {
  for (size_t i = 0; i < s->nenv_files; i++) {
    if (cli_dotenv_load(s->env_files[i], env, err, errlen) != 0) {
      return -1;
    }
  }
  if (s->nenv_files > 0) {
    return 0;
  }
  char path[4096];
  snprintf(path, sizeof(path), "%s/.env", dir != NULL ? dir : ".");
  struct stat st;
  if (stat(path, &st) != 0 && errno == ENOENT) {
    return 0;
  }
  return cli_dotenv_load(path, env, err, errlen);
}

/* PORT's base: -p, else PORT from the .env or uvsup's environment. */
static int base_port(const cli_stack_t* s,
                     const cli_envset_t* env,
                     unsigned* base,
                     char* err,
                     size_t errlen) {
  const char* v = cli_envset_get(env, "PORT");
  *base = s->port_set ? s->port : DEFAULT_PORT;
  if (s->port_set || v == NULL) {
    return 0;
  }
  char* end;
  errno = 0;
  unsigned long n = strtoul(v, &end, 10);
  if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || n == 0 ||
      n > CLI_PORT_MAX) {
    return cli_fail(err, errlen,
                    "PORT '%s' (from the environment or .env): not a port; "
                    "set one with -p",
                    v);
  }
  *base = (unsigned)n;
  return 0;
}

/* Types named after -f run alone, each with its formation count or 1. */
static int select_types(const cli_stack_t* s,
                        const cli_procfile_t* pf,
                        const char* path,
                        unsigned* counts,
                        char* err,
                        size_t errlen) {
  if (s->ntypes == 0) {
    return 0;
  }
  unsigned char* picked = calloc(pf->count + 1, 1);
  if (picked == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  for (size_t t = 0; t < s->ntypes; t++) {
    size_t k = 0;
    while (k < pf->count && strcmp(pf->entries[k].name, s->types[t]) != 0) {
      k++;
    }
    if (k == pf->count) {
      free(picked);
      return cli_fail(err, errlen, "'%s': no process type of that name in %s",
                      s->types[t], path);
    }
    picked[k] = 1;
  }
  for (size_t k = 0; k < pf->count; k++) {
    counts[k] = !picked[k] ? 0 : counts[k] > 0 ? counts[k] : 1;
  }
  free(picked);
  return 0;
}

/* Instance n of type k. */
static int add_instance(cli_jobs_t* out,
                        const cli_procfile_entry_t* e,
                        const char* dir,
                        cli_envset_t* env,
                        unsigned long port,
                        unsigned n) {
  cli_job_t* job = cli_jobs_add(out);
  if (job == NULL) {
    return -1;
  }
  char value[32];
  size_t len = strlen(e->name) + 16;
  if ((job->name = malloc(len)) == NULL) {
    return -1;
  }
  snprintf(job->name, len, "%s.%u", e->name, n);
  snprintf(value, sizeof(value), "%lu", port);
  if (cli_envset_set(env, "PORT", 4, value) != 0 ||
      cli_envset_set(env, "PS", 2, job->name) != 0 ||
      (job->env = cli_envset_copy(env)) == NULL ||
      (job->argv = cli_shell_argv(e->command)) == NULL ||
      (dir != NULL && (job->cwd = strdup(dir)) == NULL)) {
    return -1;
  }
  return 0;
}

/* One item of an after list, "NAME[:COND...]", into b: a process type's
 * name stands for each of its instances (db: db.1, db.2), as the workers
 * are named; any other name stays. */
static void after_item(cli_buf_t* b,
                       const char* item,
                       size_t len,
                       const cli_procfile_t* pf,
                       const unsigned* counts) {
  size_t name_len = strcspn(item, ":");
  name_len = name_len < len ? name_len : len;
  for (size_t k = 0; k < pf->count; k++) {
    if (strlen(pf->entries[k].name) != name_len || counts[k] == 0 ||
        strncmp(pf->entries[k].name, item, name_len) != 0) {
      continue;
    }
    for (unsigned n = 1; n <= counts[k]; n++) {
      cli_buf_printf(b, "%s%.*s.%u%.*s", b->len > 0 ? "," : "", (int)name_len,
                     item, n, (int)(len - name_len), item + name_len);
    }
    return;
  }
  cli_buf_printf(b, "%s%.*s", b->len > 0 ? "," : "", (int)len, item);
}

/* A worker's after list with process types turned into instances. */
static int instance_after(cli_worker_t* w,
                          const cli_procfile_t* pf,
                          const unsigned* counts) {
  if (w->after == NULL) {
    return 0;
  }
  cli_buf_t b;
  cli_buf_init(&b);
  for (const char* p = w->after; *p != '\0';) {
    size_t len = strcspn(p, ",");
    after_item(&b, p, len, pf, counts);
    p += len + (p[len] == ',');
  }
  if (b.failed || b.data == NULL) {
    cli_buf_free(&b);
    return -1;
  }
  free(w->after);
  w->after = b.data;
  return 0;
}

/* Each instance gets its type's "#uvsup" settings (readiness, after, ...):
 * the instances were added type by type, counts[k] of type k. */
static int instance_workers(const cli_args_t* a,
                            const cli_procfile_t* pf,
                            const unsigned* counts,
                            cli_jobs_t* out,
                            char* err,
                            size_t errlen) {
  size_t* entry_of = calloc(out->nfixed + 1, sizeof(*entry_of));
  if (entry_of == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  size_t i = 0;
  for (size_t k = 0; k < pf->count; k++) {
    for (unsigned n = 0; n < counts[k]; n++) {
      entry_of[i++] = k;
    }
  }
  int rc = cli_jobs_procfile_workers(a, pf, entry_of, out, err, errlen);
  for (size_t j = 0; rc == 0 && j < out->nfixed; j++) {
    if (instance_after(&out->workers[j], pf, counts) != 0) {
      rc = cli_fail(err, errlen, "out of memory");
    }
  }
  free(entry_of);
  return rc;
}

static int add_instances(const cli_args_t* a,
                         const cli_procfile_t* pf,
                         const char* dir,
                         cli_envset_t* env,
                         cli_jobs_t* out,
                         char* err,
                         size_t errlen) {
  const char** types = calloc(pf->count + 1, sizeof(*types));
  unsigned* counts = calloc(pf->count + 1, sizeof(*counts));
  unsigned base;
  int rc = types == NULL || counts == NULL
               ? cli_fail(err, errlen, "out of memory")
               : base_port(&a->stackopts, env, &base, err, errlen);
  for (size_t k = 0; rc == 0 && k < pf->count; k++) {
    types[k] = pf->entries[k].name;
  }
  if (rc == 0) {
    rc = cli_formation_parse(a->stackopts.formation, types, pf->count,
                             a->procfile, counts, err, errlen);
  }
  if (rc == 0) {
    rc = select_types(&a->stackopts, pf, a->procfile, counts, err, errlen);
  }
  for (size_t k = 0; rc == 0 && k < pf->count; k++) {
    for (unsigned n = 1; rc == 0 && n <= counts[k]; n++) {
      if (add_instance(out, &pf->entries[k], dir, env,
                       cli_formation_port(base, k, n), n) != 0) {
        rc = cli_fail(err, errlen, "out of memory");
      }
    }
  }
  if (rc == 0 && out->count == 0) {
    rc = cli_fail(err, errlen, "no workers: the formation '%s' runs none",
                  a->stackopts.formation);
  }
  if (rc == 0) {
    rc = instance_workers(a, pf, counts, out, err, errlen);
  }
  free(types);
  free(counts);
  return rc;
}

int cli_foreman_build(const cli_args_t* a,
                      cli_jobs_t* out,
                      char* err,
                      size_t errlen) {
  cli_procfile_t pf;
  if (cli_procfile_load(a->procfile, &pf, err, errlen) != 0) {
    return -1;
  }
  int has_dir;
  char* dir = procfile_dir(a->procfile, &has_dir);
  cli_envset_t env;
  cli_envset_init(&env);
  int rc = (has_dir && dir == NULL) || cli_envset_add_all(&env, environ) != 0
               ? cli_fail(err, errlen, "out of memory")
               : load_env(&a->stackopts, dir, &env, err, errlen);
  if (rc == 0) {
    rc = add_instances(a, &pf, dir, &env, out, err, errlen);
  }
  cli_envset_free(&env);
  free(dir);
  cli_procfile_free(&pf);
  return rc;
}
