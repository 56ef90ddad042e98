/* Argument templates: GNU parallel's {} {.} {/} {//} {/.} in argv.
 *
 * Semantics, checked against GNU parallel 20221122:
 *   {/}   everything after the last '/' (its s:.*\/::), so "a/b/" and "/"
 *         give "" as they do in parallel, not POSIX basename's "b" and "/".
 *   {//}  Perl's File::Basename::dirname, which parallel uses: trailing
 *         slashes are ignored ("a/b/" -> "a"), "b" and "" give ".", "/a"
 *         and "//" give "/".
 *   {.}   the value without the extension of its last path component:
 *         parallel's s:\.[^/.]*$:: ("a/b.tar.gz" -> "a/b.tar", "a.b/c"
 *         unchanged, "file." -> "file"), with one deliberate difference: a
 *         last component's leading dots never start an extension, as in
 *         Python's os.path.splitext, so "dir/.hidden", ".hidden", ".." and
 *         "x/." stay as they are where parallel gives "dir/", "", "." and
 *         "x/".
 *   {/.}  {/} then {.} ("dir/.hidden" -> ".hidden", parallel: "").
 * Only these exact five strings are replacement strings; "{x}", "{ }" and a
 * lone brace are left alone, as parallel leaves them. Replacement is done
 * once, left to right, so a value holding "{}" is never expanded again. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"

typedef enum { REP_ALL, REP_NOEXT, REP_BASE, REP_DIR, REP_BASE_NOEXT } rep_t;

typedef struct {
  const char* text;
  size_t len;
  rep_t rep;
} placeholder_t;

static const placeholder_t placeholders[] = {
  { "{}", 2, REP_ALL },   { "{.}", 3, REP_NOEXT },       { "{/}", 3, REP_BASE },
  { "{//}", 4, REP_DIR }, { "{/.}", 4, REP_BASE_NOEXT },
};

#define NPLACEHOLDERS (sizeof(placeholders) / sizeof(placeholders[0]))

/* The placeholder starting at s, or NULL. */
static const placeholder_t* placeholder_at(const char* s) {
  if (s[0] != '{') {
    return NULL;
  }
  for (size_t i = 0; i < NPLACEHOLDERS; i++) {
    if (strncmp(s, placeholders[i].text, placeholders[i].len) == 0) {
      return &placeholders[i];
    }
  }
  return NULL;
}

static int has_placeholder(const char* s) {
  for (const char* p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
    if (placeholder_at(p) != NULL) {
      return 1;
    }
  }
  return 0;
}

int cli_template_has_placeholder(char* const* argv, size_t argc) {
  for (size_t i = 0; i < argc; i++) {
    if (has_placeholder(argv[i])) {
      return 1;
    }
  }
  return 0;
}

/* Length of v without the extension of its last component (see the top of
 * the file). */
static size_t noext_len(const char* v, size_t len) {
  size_t base = len;
  while (base > 0 && v[base - 1] != '/') {
    base--;
  }
  /* Leading dots of the last component are part of its name. */
  while (base < len && v[base] == '.') {
    base++;
  }
  for (size_t i = len; i > base; i--) {
    if (v[i - 1] == '.') {
      return i - 1;
    }
  }
  return len;
}

/* Offset of the part after the last '/'. */
static size_t base_off(const char* v, size_t len) {
  size_t i = len;
  while (i > 0 && v[i - 1] != '/') {
    i--;
  }
  return i;
}

/* Length of p[0..len) without trailing slashes, keeping at least one byte,
 * as File::Basename's _strip_trailing_sep does. */
static size_t strip_slashes(const char* p, size_t len) {
  while (len > 1 && p[len - 1] == '/') {
    len--;
  }
  return len;
}

/* File::Basename::dirname (Unix): split at the last '/' (no '/': "./"),
 * strip trailing slashes; when the part after the last '/' was empty (the
 * value ended in '/'), split and strip once more. Sets *dir to either v or
 * ".", and returns the length to use. */
static size_t dir_part(const char* v, size_t len, const char** dir) {
  size_t n = base_off(v, len);
  int base_empty = n == len;
  *dir = v;
  if (n == 0) {
    /* No '/': the dirname is "./" stripped, and "." has no '/' either. */
    *dir = ".";
    return 1;
  }
  n = strip_slashes(v, n);
  if (base_empty) {
    size_t n2 = base_off(v, n);
    if (n2 == 0) {
      *dir = ".";
      return 1;
    }
    n = strip_slashes(v, n2);
  }
  return n;
}

static void put_replacement(cli_buf_t* b, rep_t rep, const char* v) {
  size_t len = strlen(v);
  switch (rep) {
  case REP_ALL:
    cli_buf_append(b, v, len);
    break;
  case REP_NOEXT:
    cli_buf_append(b, v, noext_len(v, len));
    break;
  case REP_BASE: {
    size_t off = base_off(v, len);
    cli_buf_append(b, v + off, len - off);
    break;
  }
  case REP_DIR: {
    const char* dir;
    size_t n = dir_part(v, len, &dir);
    cli_buf_append(b, dir, n);
    break;
  }
  case REP_BASE_NOEXT: {
    size_t off = base_off(v, len);
    cli_buf_append(b, v + off, noext_len(v + off, len - off));
    break;
  }
  }
}

/* A new string: s with every placeholder replaced, or NULL. */
static char* expand_one(const char* s, const char* value) {
  cli_buf_t b;
  cli_buf_init(&b);
  const char* p = s;
  const char* lit = s;
  while ((p = strchr(p, '{')) != NULL) {
    const placeholder_t* ph = placeholder_at(p);
    if (ph == NULL) {
      p++;
      continue;
    }
    cli_buf_append(&b, lit, (size_t)(p - lit));
    put_replacement(&b, ph->rep, value);
    p += ph->len;
    lit = p;
  }
  cli_buf_puts(&b, lit);
  if (b.failed) {
    cli_buf_free(&b);
    return NULL;
  }
  return b.data;
}

char** cli_template_expand(char* const* argv, size_t argc, const char* value) {
  int append = !cli_template_has_placeholder(argv, argc);
  size_t n = argc + (append ? 1 : 0);
  char** out = calloc(n + 1, sizeof(*out));
  if (out == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < argc; i++) {
    out[i] = expand_one(argv[i], value);
    if (out[i] == NULL) {
      goto fail;
    }
  }
  if (append) {
    out[argc] = strdup(value);
    if (out[argc] == NULL) {
      goto fail;
    }
  }
  return out;

fail:
  cli_argv_free(out);
  return NULL;
}

void cli_argv_free(char** argv) {
  if (argv == NULL) {
    return;
  }
  for (char** p = argv; *p != NULL; p++) {
    free(*p);
  }
  free(argv);
}
