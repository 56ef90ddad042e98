/* A supervisord.conf read with libinih, fed line by line by our reader so
 * every key knows its line; [include] globs followed from the main file. */
#define _GNU_SOURCE /* vasprintf */
#include "svconf.h"

#include <ctype.h>
#include <errno.h>
#include <glob.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fail.h"
#include "readfile.h"

typedef struct {
  cli_svconf_t* conf;
  const char* path;
  const char* here;
  const char* next; /* the rest of the text */
  unsigned line;    /* of the line last given to inih */
  int continued;    /* that line starts with a blank */
  unsigned header;  /* the line of the last [section] header */
  int too_long;
  size_t first_section; /* sections of this file start here */
  char* err;
  size_t errlen;
  int failed;
} reader_t;

/* inih's reader: one line per call, as fgets would give it. */
static char* read_line(char* str, int num, void* stream) {
  reader_t* r = stream;
  if (r->failed || *r->next == '\0') {
    return NULL;
  }
  const char* nl = strchr(r->next, '\n');
  size_t len = nl != NULL ? (size_t)(nl - r->next) + 1 : strlen(r->next);
  r->line++;
  if (len + 1 > (size_t)num) {
    r->failed = 1;
    cli_fail(r->err, r->errlen,
             "%s:%u: line longer than %d bytes (libinih's limit): continue "
             "the value on indented lines",
             r->path, r->line, num - 2);
    return NULL;
  }
  memcpy(str, r->next, len);
  str[len] = '\0';
  r->continued = len > 0 && (str[0] == ' ' || str[0] == '\t');
  if (str[strspn(str, " \t")] == '[') {
    r->header = r->line;
  }
  r->next += len;
  return str;
}

static cli_svsection_t* add_section(reader_t* r, const char* name) {
  cli_svconf_t* c = r->conf;
  for (size_t i = 0; i < c->count; i++) {
    if (strcmp(c->sections[i].name, name) == 0) {
      cli_fail(r->err, r->errlen,
               "%s:%u: duplicate section [%s] (first at %s:%u)", r->path,
               r->line, name, c->sections[i].file, c->sections[i].line);
      return NULL;
    }
  }
  cli_svsection_t* grown =
      realloc(c->sections, (c->count + 1) * sizeof(*grown));
  if (grown == NULL) {
    return NULL;
  }
  c->sections = grown;
  cli_svsection_t* s = &c->sections[c->count];
  memset(s, 0, sizeof(*s));
  if ((s->name = strdup(name)) == NULL) {
    return NULL;
  }
  s->file = r->path;
  s->here = r->here;
  s->line = r->header != 0 ? r->header : r->line;
  c->count++;
  return s;
}

/* A continuation line: the value goes on after a newline. */
static int continue_key(cli_svkey_t* k, const char* value) {
  size_t a = strlen(k->value);
  char* joined = realloc(k->value, a + strlen(value) + 2);
  if (joined == NULL) {
    return -1;
  }
  joined[a] = '\n';
  strcpy(joined + a + 1, value);
  k->value = joined;
  return 0;
}

/* configparser's inline comments as supervisord sets it up: a '#' (or a
 * ';', which libinih strips itself) after a blank ends the value. */
static void strip_comment(char* v) {
  for (char* p = v; *p != '\0'; p++) {
    if (*p == '#' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
      while (p > v && (p[-1] == ' ' || p[-1] == '\t')) {
        p--;
      }
      *p = '\0';
      return;
    }
  }
}

/* A key given again in its section: the later value wins, as in
 * supervisord (configparser with strict=False), and the user is told. */
static int replace_key(reader_t* r,
                       cli_svsection_t* s,
                       cli_svkey_t* k,
                       char* value) {
  cli_svconf_warn(r->conf,
                  "%s:%u: [%s] %s: given again (first on line %u); the "
                  "later value is used",
                  r->path, r->line, s->name, k->key, k->line);
  free(k->value);
  k->value = value;
  k->line = r->line;
  return 0;
}

static int add_key(reader_t* r,
                   cli_svsection_t* s,
                   const char* name,
                   const char* raw) {
  char lower[128];
  snprintf(lower, sizeof(lower), "%s", name);
  for (char* p = lower; *p != '\0'; p++) {
    *p = (char)tolower((unsigned char)*p);
  }
  char* value = strdup(raw);
  if (value == NULL) {
    return -1;
  }
  strip_comment(value);
  for (size_t i = 0; i < s->nkeys; i++) {
    if (strcmp(s->keys[i].key, lower) != 0) {
      continue;
    }
    if (!r->continued) {
      return replace_key(r, s, &s->keys[i], value);
    }
    int rc = continue_key(&s->keys[i], value);
    free(value);
    return rc;
  }
  cli_svkey_t* grown = realloc(s->keys, (s->nkeys + 1) * sizeof(*grown));
  if (grown == NULL) {
    free(value);
    return -1;
  }
  s->keys = grown;
  cli_svkey_t* k = &s->keys[s->nkeys];
  k->key = strdup(lower);
  k->value = value;
  k->line = r->line;
  if (k->key == NULL) {
    free(value);
    return -1;
  }
  s->nkeys++;
  return 0;
}

static int on_key(void* user,
                  const char* section,
                  const char* name,
                  const char* value) {
  reader_t* r = user;
  if (r->failed) {
    return 1;
  }
  if (section[0] == '\0') {
    r->failed = 1;
    cli_fail(r->err, r->errlen, "%s:%u: '%s' before any [section]", r->path,
             r->line, name);
    return 1;
  }
  cli_svconf_t* c = r->conf;
  cli_svsection_t* s = NULL;
  for (size_t i = r->first_section; i < c->count; i++) {
    if (strcmp(c->sections[i].name, section) == 0) {
      s = &c->sections[i];
    }
  }
  /* Sections of an earlier file with this name are a duplicate. */
  if ((s == NULL && (s = add_section(r, section)) == NULL) ||
      add_key(r, s, name, value) != 0) {
    r->failed = 1;
    if (r->err != NULL && r->err[0] == '\0') {
      cli_fail(r->err, r->errlen, "%s: out of memory", r->path);
    }
  }
  return 1;
}

int cli_svconf_parse(cli_svconf_t* conf,
                     const char* path,
                     const char* text,
                     char* err,
                     size_t errlen) {
  const char* here = NULL;
  for (size_t i = 0; i < conf->nfiles; i++) {
    if (strcmp(conf->files[i], path) == 0) {
      path = conf->files[i];
      here = conf->heres[i];
    }
  }
  reader_t r = { conf, path,   here != NULL ? here : ".",
                 text, 0,      0,
                 0,    0,      conf->count,
                 err,  errlen, 0 };
  if (err != NULL && errlen > 0) {
    err[0] = '\0';
  }
  int bad = ini_parse_stream(read_line, &r, on_key, &r);
  if (r.failed) {
    return -1;
  }
  if (bad != 0) {
    return cli_fail(err, errlen,
                    "%s:%d: not a [section] or a 'key = value' line", path,
                    bad);
  }
  return 0;
}

/* Registers path (and its directory) in conf; the copies live as long as
 * conf, since sections point at them. */
static const char* add_file(cli_svconf_t* conf, const char* path) {
  char** files = realloc(conf->files, (conf->nfiles + 1) * sizeof(*files));
  if (files == NULL) {
    return NULL;
  }
  conf->files = files;
  char** heres = realloc(conf->heres, (conf->nfiles + 1) * sizeof(*heres));
  if (heres == NULL) {
    return NULL;
  }
  conf->heres = heres;
  /* %(here)s is absolute in supervisord: a program may chdir. */
  char* full = realpath(path, NULL);
  const char* base = full != NULL ? full : path;
  const char* slash = strrchr(base, '/');
  char* here = slash == NULL   ? strdup(".")
               : slash == base ? strdup("/")
                               : strndup(base, (size_t)(slash - base));
  free(full);
  char* copy = strdup(path);
  if (here == NULL || copy == NULL) {
    free(here);
    free(copy);
    return NULL;
  }
  conf->files[conf->nfiles] = copy;
  conf->heres[conf->nfiles++] = here;
  return copy;
}

static int load_one(cli_svconf_t* conf,
                    const char* path,
                    char* err,
                    size_t errlen) {
  if (add_file(conf, path) == NULL) {
    return cli_fail(err, errlen, "%s: out of memory", path);
  }
  char* text;
  size_t len;
  if (cli_read_file(path, CLI_SVCONF_MAX_BYTES, &text, &len, err, errlen) !=
      0) {
    return -1;
  }
  int rc = strlen(text) != len
               ? cli_fail(err, errlen, "%s: NUL byte in the file", path)
               : cli_svconf_parse(conf, path, text, err, errlen);
  free(text);
  return rc;
}

/* One glob of [include] files=, relative to here. */
static int include_glob(cli_svconf_t* conf,
                        const char* pattern,
                        const char* here,
                        const char* where,
                        char* err,
                        size_t errlen) {
  char full[4096];
  if (pattern[0] == '/') {
    snprintf(full, sizeof(full), "%s", pattern);
  } else {
    snprintf(full, sizeof(full), "%s/%s", here, pattern);
  }
  glob_t g;
  int rc = glob(full, 0, NULL, &g);
  if (rc == GLOB_NOMATCH) {
    cli_svconf_warn(conf, "%s: [include] '%s' matches no file", where, pattern);
    return 0;
  }
  if (rc != 0) {
    return cli_fail(err, errlen, "%s: [include] '%s': cannot read", where,
                    pattern);
  }
  int failed = 0;
  for (size_t i = 0; i < g.gl_pathc && !failed; i++) {
    failed = load_one(conf, g.gl_pathv[i], err, errlen) != 0;
  }
  globfree(&g);
  return failed ? -1 : 0;
}

int cli_svconf_load(const char* path,
                    cli_svconf_t* conf,
                    char* err,
                    size_t errlen) {
  memset(conf, 0, sizeof(*conf));
  if (load_one(conf, path, err, errlen) != 0) {
    cli_svconf_free(conf);
    return -1;
  }
  size_t main_sections = conf->count;
  for (size_t i = 0; i < main_sections; i++) {
    unsigned line;
    const char* files = cli_svconf_get(&conf->sections[i], "files", &line);
    if (strcmp(conf->sections[i].name, "include") != 0 || files == NULL) {
      continue;
    }
    char where[4200];
    snprintf(where, sizeof(where), "%s:%u", conf->sections[i].file, line);
    char* list = strdup(files);
    const char* here = conf->sections[i].here;
    int rc = list == NULL ? cli_fail(err, errlen, "out of memory") : 0;
    char* save = NULL;
    for (char* g = list != NULL ? strtok_r(list, " \t\n", &save) : NULL;
         g != NULL && rc == 0; g = strtok_r(NULL, " \t\n", &save)) {
      rc = include_glob(conf, g, here, where, err, errlen);
    }
    free(list);
    if (rc != 0) {
      cli_svconf_free(conf);
      return -1;
    }
  }
  return 0;
}

const char* cli_svconf_get(const cli_svsection_t* s,
                           const char* key,
                           unsigned* line) {
  for (size_t i = 0; i < s->nkeys; i++) {
    if (strcmp(s->keys[i].key, key) == 0) {
      *line = s->keys[i].line;
      return s->keys[i].value;
    }
  }
  *line = s->line;
  return NULL;
}

void cli_svconf_warn(cli_svconf_t* conf, const char* fmt, ...) {
  char** grown =
      realloc(conf->warnings, (conf->nwarnings + 1) * sizeof(*grown));
  if (grown == NULL) {
    return;
  }
  conf->warnings = grown;
  va_list ap;
  va_start(ap, fmt);
  if (vasprintf(&conf->warnings[conf->nwarnings], fmt, ap) >= 0) {
    conf->nwarnings++;
  }
  va_end(ap);
}

void cli_svconf_free(cli_svconf_t* conf) {
  for (size_t i = 0; i < conf->count; i++) {
    cli_svsection_t* s = &conf->sections[i];
    for (size_t k = 0; k < s->nkeys; k++) {
      free(s->keys[k].key);
      free(s->keys[k].value);
    }
    free(s->keys);
    free(s->name);
  }
  free(conf->sections);
  for (size_t i = 0; i < conf->nfiles; i++) {
    free(conf->files[i]);
    free(conf->heres[i]);
  }
  free(conf->files);
  free(conf->heres);
  for (size_t i = 0; i < conf->nwarnings; i++) {
    free(conf->warnings[i]);
  }
  free(conf->warnings);
  memset(conf, 0, sizeof(*conf));
}
