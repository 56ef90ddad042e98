/* Argument templates: GNU parallel's replacement strings in argv ({} {.}
 * {/} {//} {/.}, the same with a source number, {#} and {%}).
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
 * Only these, optionally with a source number ({2/.}, {-1}), and {#} {%}
 * are replacement strings; "{x}", "{ }", "{0}" and a lone brace are left
 * alone, as parallel leaves them. Replacement is done
 * once, left to right, so a value holding "{}" is never expanded again. */
#include "template.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "quote.h"

typedef enum { REP_ALL, REP_NOEXT, REP_BASE, REP_DIR, REP_BASE_NOEXT } rep_t;

/* How values are put in: as they are (no shell reads them), quoted in a
 * shell's script, or quoted in parallel's command line of the job (where
 * a missing source gives nothing, as parallel's --dry-run shows). */
enum { QUOTE_NONE = 0, QUOTE_SCRIPT = 1, QUOTE_COMMAND = 2 };

/* What may follow "{" and an optional source number, up to the "}". */
static const struct {
  const char* text;
  rep_t rep;
} modifiers[] = {
  { "", REP_ALL },   { ".", REP_NOEXT },       { "/", REP_BASE },
  { "//", REP_DIR }, { "/.", REP_BASE_NOEXT },
};

#define NMODIFIERS (sizeof(modifiers) / sizeof(modifiers[0]))

/* One replacement string found in an argument. */
typedef enum { PH_VALUE, PH_SEQ, PH_SLOT } ph_kind_t;

typedef struct {
  ph_kind_t kind;
  rep_t rep;
  long source; /* 0: every source; N > 0: source N; N < 0: from the end */
  size_t len;  /* of the whole "{...}" */
} placeholder_t;

/* A source number right after "{": "1", "12", "-1". Returns the bytes
 * read (0: none there). {0} and numbers with a leading zero are no
 * replacement strings, in parallel either. */
static size_t source_number(const char* s, long* source) {
  size_t i = s[0] == '-' ? 1 : 0;
  if (s[i] < '1' || s[i] > '9') {
    return 0;
  }
  long n = 0;
  for (; s[i] >= '0' && s[i] <= '9'; i++) {
    if (n > 1000000) {
      return 0; /* far more sources than any command line holds */
    }
    n = n * 10 + (s[i] - '0');
  }
  *source = s[0] == '-' ? -n : n;
  return i;
}

/* Parses the replacement string starting at s into *ph; 0 when s starts
 * none (it is then literal text, as in parallel). */
static int placeholder_at(const char* s, placeholder_t* ph) {
  if (s[0] != '{') {
    return 0;
  }
  if ((s[1] == '#' || s[1] == '%') && s[2] == '}') {
    ph->kind = s[1] == '#' ? PH_SEQ : PH_SLOT;
    ph->len = 3;
    return 1;
  }
  ph->kind = PH_VALUE;
  ph->source = 0;
  size_t i = 1 + source_number(s + 1, &ph->source);
  const char* close = strchr(s + i, '}');
  if (close == NULL) {
    return 0;
  }
  size_t mlen = (size_t)(close - (s + i));
  for (size_t m = 0; m < NMODIFIERS; m++) {
    if (strlen(modifiers[m].text) == mlen &&
        strncmp(s + i, modifiers[m].text, mlen) == 0) {
      ph->rep = modifiers[m].rep;
      ph->len = i + mlen + 1;
      return 1;
    }
  }
  return 0;
}

static int has_placeholder(const char* s) {
  placeholder_t ph;
  for (const char* p = strchr(s, '{'); p != NULL; p = strchr(p + 1, '{')) {
    if (placeholder_at(p, &ph)) {
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

static void put_path_part(cli_buf_t* b, rep_t rep, const char* v) {
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

/* One value's part, quoted for a shell when quote is set. */
static void put_value(cli_buf_t* b, rep_t rep, const char* v, int quote) {
  if (!quote) {
    put_path_part(b, rep, v);
    return;
  }
  cli_buf_t part;
  cli_buf_init(&part);
  put_path_part(&part, rep, v);
  cli_buf_puts(&part, ""); /* data is a string even when empty */
  if (part.failed) {
    b->failed = 1;
  } else {
    cli_quote_shell(b, part.data, part.len);
  }
  cli_buf_free(&part);
}

static void put_replacement(cli_buf_t* b,
                            const placeholder_t* ph,
                            const cli_subst_t* s,
                            int quote) {
  if (ph->kind != PH_VALUE) {
    cli_buf_printf(b, "%lu", ph->kind == PH_SEQ ? s->seq : s->slot);
    return;
  }
  if (ph->source == 0) {
    /* {} of several sources: each value, a space between, as parallel. */
    for (size_t i = 0; i < s->nvalues; i++) {
      if (i > 0) {
        cli_buf_putc(b, ' ');
      }
      put_value(b, ph->rep, s->values[i], quote);
    }
    return;
  }
  long n = (long)s->nvalues;
  long i = ph->source > 0 ? ph->source - 1 : n + ph->source;
  if (i >= 0 && i < n) {
    put_value(b, ph->rep, s->values[i], quote);
  } else if (quote == QUOTE_SCRIPT) {
    cli_buf_puts(b, "''"); /* no such source: empty, as parallel */
  }
}

/* A new string: arg with every replacement string replaced, or NULL. */
static char* expand_one(const char* arg, const cli_subst_t* s, int quote) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, ""); /* "" stays a string, not NULL */
  const char* p = arg;
  const char* lit = arg;
  placeholder_t ph;
  while ((p = strchr(p, '{')) != NULL) {
    if (!placeholder_at(p, &ph)) {
      p++;
      continue;
    }
    cli_buf_append(&b, lit, (size_t)(p - lit));
    put_replacement(&b, &ph, s, quote);
    p += ph.len;
    lit = p;
  }
  cli_buf_puts(&b, lit);
  if (b.failed) {
    cli_buf_free(&b);
    return NULL;
  }
  return b.data;
}

char** cli_template_expand_job(char* const* argv,
                               size_t argc,
                               const cli_subst_t* s) {
  int append = !cli_template_has_placeholder(argv, argc);
  size_t n = argc + (append ? s->nvalues : 0);
  char** out = calloc(n + 1, sizeof(*out));
  if (out == NULL) {
    return NULL;
  }
  for (size_t i = 0; i < argc; i++) {
    out[i] = expand_one(argv[i], s, cli_quote_is_script(argv, argc, i));
    if (out[i] == NULL) {
      goto fail;
    }
  }
  for (size_t i = argc; i < n; i++) {
    /* Appended values are arguments of their own: data, never split. */
    out[i] = strdup(s->values[i - argc]);
    if (out[i] == NULL) {
      goto fail;
    }
  }
  return out;

fail:
  cli_argv_free(out);
  return NULL;
}

int cli_template_command(cli_buf_t* b,
                         char* const* argv,
                         size_t argc,
                         const cli_subst_t* s) {
  int append = !cli_template_has_placeholder(argv, argc);
  for (size_t i = 0; i < argc; i++) {
    char* word = expand_one(argv[i], s, QUOTE_COMMAND);
    if (word == NULL) {
      return -1;
    }
    cli_buf_puts(b, i > 0 ? " " : "");
    cli_buf_puts(b, word);
    free(word);
  }
  for (size_t i = 0; append && i < s->nvalues; i++) {
    cli_buf_putc(b, ' ');
    cli_quote_shell(b, s->values[i], strlen(s->values[i]));
  }
  return b->failed ? -1 : 0;
}

char** cli_template_expand(char* const* argv, size_t argc, const char* value) {
  const char* values[] = { value };
  cli_subst_t s = { values, 1, 1, 1 };
  return cli_template_expand_job(argv, argc, &s);
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
