/* Procfile parsing and loading, with messages that point at the bad line. */
#include "procfile.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fail.h"
#include "names.h"
#include "textline.h"


static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

/* A directive line, kept in pf (parsed in directive.c). */
static int add_directive(cli_procfile_t* pf,
                         const char* path,
                         unsigned lineno,
                         const char* s,
                         size_t n,
                         char* err,
                         size_t errlen) {
  cli_directive_t d;
  if (cli_directive_parse(path, lineno, s, n, &d, err, errlen) != 0) {
    return -1;
  }
  cli_directive_t* grown =
      realloc(pf->directives, (pf->ndirectives + 1) * sizeof(*grown));
  if (grown == NULL) {
    cli_directive_free(&d);
    return cli_fail(err, errlen, "%s: out of memory", path);
  }
  pf->directives = grown;
  pf->directives[pf->ndirectives++] = d;
  return 0;
}

/* Every directive names a process of the file, or "*". */
static int check_directives(const cli_procfile_t* pf,
                            cli_names_t* names,
                            const char* path,
                            char* err,
                            size_t errlen) {
  for (size_t i = 0; i < pf->ndirectives; i++) {
    const cli_directive_t* d = &pf->directives[i];
    if (strcmp(d->name, "*") != 0 && cli_names_find(names, d->name) == NULL) {
      return cli_fail(err, errlen, "%s:%u: #uvsup %s: no process '%s' here",
                      path, d->line, d->name, d->name);
    }
  }
  return 0;
}

void cli_procfile_free(cli_procfile_t* pf) {
  for (size_t i = 0; i < pf->ndirectives; i++) {
    cli_directive_free(&pf->directives[i]);
  }
  free(pf->directives);
  pf->directives = NULL;
  pf->ndirectives = 0;
  for (size_t i = 0; i < pf->count; i++) {
    free(pf->entries[i].name);
    free(pf->entries[i].command);
  }
  free(pf->entries);
  pf->entries = NULL;
  pf->count = 0;
}

int cli_procfile_parse(const char* path,
                       const char* text,
                       size_t len,
                       cli_procfile_t* out,
                       char* err,
                       size_t errlen) {
  assert(path != NULL && out != NULL && (text != NULL || len == 0));
  if (text == NULL) {
    text = ""; /* NULL + 0 below would be undefined */
  }
  cli_procfile_t pf = { NULL, 0, NULL, 0 };
  size_t cap = 0;
  /* Names seen so far, with their line: duplicate checks that stay fast
   * on a file of a million lines. */
  cli_names_t names;
  cli_names_init(&names);
  const char* p = text;
  const char* end = text + len;
  /* A BOM is what some Windows editors put first; it is not part of the
   * first name. */
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
    p += 3;
  }
  int file_empty = p == end;
  unsigned lineno = 0;

  for (const char* next = p; next < end;) {
    lineno++;
    p = next;
    const char* eol = cli_text_line(&next, end);
    size_t n = (size_t)(eol - p);

    if (memchr(p, '\0', n) != NULL) {
      cli_fail(err, errlen, "%s:%u: NUL byte in the line (not a text file?)",
               path, lineno);
      goto fail;
    }
    if (n > CLI_PROCFILE_MAX_LINE) {
      cli_fail(err, errlen, "%s:%u: line too long (%zu bytes; the limit is %d)",
               path, lineno, n, CLI_PROCFILE_MAX_LINE);
      goto fail;
    }
    /* A lone CR is what old Mac line endings leave: the whole file would
     * otherwise be one command with CRs in it, which fails in confusing
     * ways when the shell runs it. */
    if (memchr(p, '\r', n) != NULL) {
      cli_fail(err, errlen,
               "%s:%u: carriage return inside the line (save the file with "
               "LF or CRLF line endings)",
               path, lineno);
      goto fail;
    }

    const char* s = p;
    while (s < eol && is_blank(*s)) {
      s++;
    }
    if (s < eol && cli_directive_is(s, (size_t)(eol - s))) {
      if (add_directive(&pf, path, lineno, s, (size_t)(eol - s), err, errlen) !=
          0) {
        goto fail;
      }
      continue;
    }
    if (s == eol || *s == '#') {
      continue;
    }
    const char* colon = memchr(s, ':', (size_t)(eol - s));
    if (colon == NULL) {
      cli_fail(err, errlen, "%s:%u: missing 'name:' before the command", path,
               lineno);
      goto fail;
    }
    const char* name_end = colon;
    while (name_end > s && is_blank(name_end[-1])) {
      name_end--;
    }
    if (name_end == s) {
      cli_fail(err, errlen, "%s:%u: empty name before ':'", path, lineno);
      goto fail;
    }
    for (const char* c = s; c < name_end; c++) {
      unsigned char u = (unsigned char)*c;
      if (u < 0x20 || u == 0x7F) {
        cli_fail(err, errlen,
                 "%s:%u: name has a control character (byte 0x%02x)", path,
                 lineno, u);
        goto fail;
      }
    }
    const char* cmd = colon + 1;
    const char* cmd_end = eol;
    while (cmd < cmd_end && is_blank(*cmd)) {
      cmd++;
    }
    while (cmd_end > cmd && is_blank(cmd_end[-1])) {
      cmd_end--;
    }
    int name_len = (int)(name_end - s);
    if (cmd == cmd_end) {
      cli_fail(err, errlen, "%s:%u: no command after '%.*s:'", path, lineno,
               name_len, s);
      goto fail;
    }

    if (pf.count == cap) {
      size_t ncap = cap == 0 ? 8 : cap * 2;
      cli_procfile_entry_t* e = realloc(pf.entries, ncap * sizeof(*e));
      if (e == NULL) {
        goto nomem;
      }
      pf.entries = e;
      cap = ncap;
    }
    cli_procfile_entry_t* e = &pf.entries[pf.count];
    e->name = strndup(s, (size_t)name_len);
    e->command = strndup(cmd, (size_t)(cmd_end - cmd));
    e->line = lineno;
    if (e->name == NULL || e->command == NULL) {
      free(e->name);
      free(e->command);
      goto nomem;
    }
    const size_t* first = cli_names_find(&names, e->name);
    if (first != NULL) {
      cli_fail(err, errlen, "%s:%u: duplicate name '%s' (first on line %zu)",
               path, lineno, e->name, *first);
      free(e->name);
      free(e->command);
      goto fail;
    }
    pf.count++;
    if (cli_names_add(&names, e->name, lineno) != 0) {
      goto nomem;
    }
  }

  if (pf.count == 0) {
    cli_fail(
        err, errlen, "%s: no workers (%s)", path,
        file_empty ? "the file is empty" : "only blank lines and comments");
    goto fail;
  }
  if (check_directives(&pf, &names, path, err, errlen) != 0) {
    goto fail;
  }
  cli_names_free(&names);
  *out = pf;
  return 0;

nomem:
  cli_fail(err, errlen, "%s: out of memory", path);
fail:
  cli_names_free(&names);
  cli_procfile_free(&pf);
  out->entries = NULL;
  out->count = 0;
  out->directives = NULL;
  out->ndirectives = 0;
  return -1;
}

int cli_procfile_load(const char* path,
                      cli_procfile_t* out,
                      char* err,
                      size_t errlen) {
  assert(path != NULL && out != NULL);
  char* text = NULL;
  size_t len = 0;
  size_t cap = 0;
  out->entries = NULL;
  out->count = 0;
  out->directives = NULL;
  out->ndirectives = 0;

  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    cli_fail(err, errlen, "%s: %s", path, strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    cli_fail(err, errlen, "%s: %s", path, strerror(errno));
    goto fail;
  }
  /* open() succeeds on a directory; read() would fail with a less helpful
   * EISDIR, and only after the size check. */
  if (S_ISDIR(st.st_mode)) {
    cli_fail(err, errlen, "%s: is a directory", path);
    goto fail;
  }
  if (S_ISREG(st.st_mode) && st.st_size > CLI_PROCFILE_MAX_BYTES) {
    goto too_large;
  }
  /* Read to EOF rather than trusting st_size, which is 0 for a pipe or
   * /dev/stdin and may change while we read. One byte more than the size,
   * so a file read whole needs no second allocation to see EOF. */
  cap = S_ISREG(st.st_mode) && st.st_size >= 0 ? (size_t)st.st_size + 1 : 4096;
  text = malloc(cap);
  if (text == NULL) {
    cli_fail(err, errlen, "%s: out of memory", path);
    goto fail;
  }
  for (;;) {
    if (len == cap) {
      /* len is at most the limit here (checked after each read), so the
       * new size is always larger. */
      size_t ncap = cap * 2;
      if (ncap > (size_t)CLI_PROCFILE_MAX_BYTES + 1) {
        ncap = (size_t)CLI_PROCFILE_MAX_BYTES + 1;
      }
      char* t = realloc(text, ncap);
      if (t == NULL) {
        cli_fail(err, errlen, "%s: out of memory", path);
        goto fail;
      }
      text = t;
      cap = ncap;
    }
    ssize_t n = read(fd, text + len, cap - len);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      cli_fail(err, errlen, "%s: %s", path, strerror(errno));
      goto fail;
    }
    if (n == 0) {
      break;
    }
    len += (size_t)n;
    if (len > CLI_PROCFILE_MAX_BYTES) {
      goto too_large;
    }
  }
  close(fd);
  int rc = cli_procfile_parse(path, text, len, out, err, errlen);
  free(text);
  return rc;

too_large:
  cli_fail(err, errlen, "%s: file too large (over %d bytes)", path,
           CLI_PROCFILE_MAX_BYTES);
fail:
  close(fd);
  free(text);
  return -1;
}
