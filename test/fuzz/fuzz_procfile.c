/* Fuzzing cli_procfile_parse against a reference reading of the header's
 * rules: it succeeds exactly when the reference does, and then yields one
 * entry per "name: command" line, in order, with the line's number, the
 * name and command trimmed and non-empty, names free of control characters
 * and unique; when it fails, it leaves nothing behind and its message
 * names the file and, for a bad line, the first bad line. A "#uvsup"
 * directive line is good when directive.c alone reads it, and must name
 * a process of the file or "*" (checked once every line is good). */
#include <stdint.h>
#include <string.h>

#include "directive.h"
#include "fuzz.h"
#include "procfile.h"

typedef struct {
  const char* name;
  size_t name_len;
  const char* cmd;
  size_t cmd_len;
  unsigned line;
} ref_entry_t;

static int blank(char c) {
  return c == ' ' || c == '\t';
}

typedef struct {
  char* name;
  unsigned line;
} ref_directive_t;

/* The first directive naming no entry: its line, or 0. */
static unsigned unnamed(const ref_directive_t* d,
                        size_t nd,
                        const ref_entry_t* e,
                        size_t count) {
  for (size_t i = 0; i < nd; i++) {
    int found = strcmp(d[i].name, "*") == 0;
    for (size_t k = 0; k < count && !found; k++) {
      found = e[k].name_len == strlen(d[i].name) &&
              memcmp(e[k].name, d[i].name, e[k].name_len) == 0;
    }
    if (!found) {
      return d[i].line;
    }
  }
  return 0;
}

/* The reference: returns 0 and fills e[0..*count), or the number of the
 * first bad line, or UINT32_MAX when the file has no entry. d has room for
 * a directive per line; the caller frees their names. */
static unsigned reference(const char* text,
                          size_t len,
                          ref_entry_t* e,
                          size_t* count,
                          ref_directive_t* d,
                          size_t* nd) {
  const char* p = text;
  const char* end = text + len;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
    p += 3;
  }
  *count = 0;
  for (unsigned line = 1; p < end; line++) {
    const char* nl = memchr(p, '\n', (size_t)(end - p));
    const char* eol = nl != NULL ? nl : end;
    const char* next = nl != NULL ? nl + 1 : end;
    /* One CR before the end of a line is a CRLF ending; as in the code, also
     * a CR that ends the file, which the header's "a carriage return not
     * followed by a newline" would refuse. */
    if (eol > p && eol[-1] == '\r') {
      eol--;
    }
    size_t n = (size_t)(eol - p);
    if (memchr(p, '\0', n) || memchr(p, '\r', n) || n > CLI_PROCFILE_MAX_LINE) {
      return line;
    }
    while (p < eol && blank(*p)) {
      p++;
    }
    if (cli_directive_is(p, (size_t)(eol - p))) {
      cli_directive_t dir;
      char err[512];
      if (cli_directive_parse("P", line, p, (size_t)(eol - p), &dir, err,
                              sizeof(err)) != 0) {
        return line;
      }
      d[*nd].name = strdup(dir.name);
      d[(*nd)++].line = line;
      cli_directive_free(&dir);
    } else if (p < eol && *p != '#') {
      const char* colon = memchr(p, ':', (size_t)(eol - p));
      if (colon == NULL) {
        return line;
      }
      const char* ne = colon;
      while (ne > p && blank(ne[-1])) {
        ne--;
      }
      const char* c = colon + 1;
      const char* ce = eol;
      while (c < ce && blank(*c)) {
        c++;
      }
      while (ce > c && blank(ce[-1])) {
        ce--;
      }
      if (ne == p || c == ce) {
        return line;
      }
      for (const char* q = p; q < ne; q++) {
        if ((unsigned char)*q < 0x20 || *q == 0x7F) {
          return line;
        }
      }
      for (size_t i = 0; i < *count; i++) {
        if (e[i].name_len == (size_t)(ne - p) &&
            memcmp(e[i].name, p, e[i].name_len) == 0) {
          return line;
        }
      }
      e[*count] =
          (ref_entry_t){ p, (size_t)(ne - p), c, (size_t)(ce - c), line };
      (*count)++;
    }
    p = next;
  }
  return *count == 0 ? UINT32_MAX : unnamed(d, *nd, e, *count);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  /* The parser must not read past len: give it an exact-size copy. */
  char* text = malloc(size ? size : 1);
  FUZZ_CHECK(text != NULL);
  memcpy(text, data, size);
  ref_entry_t* want = calloc(size / 2 + 1, sizeof(*want));
  FUZZ_CHECK(want != NULL);
  size_t nwant, nd = 0;
  ref_directive_t* dirs = calloc(size / 7 + 1, sizeof(*dirs));
  FUZZ_CHECK(dirs != NULL);
  unsigned bad = reference(text, size, want, &nwant, dirs, &nd);

  cli_procfile_t pf = { (cli_procfile_entry_t*)1, 99, NULL, 0 };
  char err[512] = "";
  int rc = cli_procfile_parse("P", text, size, &pf, err, sizeof(err));
  FUZZ_CHECK(rc == (bad == 0 ? 0 : -1));
  if (rc != 0) {
    FUZZ_CHECK(pf.entries == NULL && pf.count == 0);
    char where[32];
    if (bad == UINT32_MAX) {
      snprintf(where, sizeof(where), "P: ");
    } else {
      snprintf(where, sizeof(where), "P:%u: ", bad);
    }
    FUZZ_CHECK(strncmp(err, where, strlen(where)) == 0);
  } else {
    FUZZ_CHECK(pf.count == nwant && pf.count > 0 && pf.ndirectives == nd);
    for (size_t i = 0; i < pf.count; i++) {
      const cli_procfile_entry_t* e = &pf.entries[i];
      FUZZ_CHECK(e->line == want[i].line);
      FUZZ_CHECK(strlen(e->name) == want[i].name_len && e->name[0] != '\0');
      FUZZ_CHECK(memcmp(e->name, want[i].name, want[i].name_len) == 0);
      FUZZ_CHECK(strlen(e->command) == want[i].cmd_len);
      FUZZ_CHECK(memcmp(e->command, want[i].cmd, want[i].cmd_len) == 0);
      FUZZ_CHECK(strchr(e->name, ':') == NULL);
      FUZZ_CHECK(!blank(e->name[0]) && !blank(e->command[0]));
      FUZZ_CHECK(!blank(e->name[strlen(e->name) - 1]));
      FUZZ_CHECK(!blank(e->command[strlen(e->command) - 1]));
      FUZZ_CHECK(strpbrk(e->command, "\r\n") == NULL);
      for (size_t j = 0; j < i; j++) {
        FUZZ_CHECK(strcmp(pf.entries[j].name, e->name) != 0);
        FUZZ_CHECK(pf.entries[j].line < e->line);
      }
    }
    cli_procfile_free(&pf);
    FUZZ_CHECK(pf.entries == NULL && pf.count == 0);
  }
  for (size_t i = 0; i < nd; i++) {
    free(dirs[i].name);
  }
  free(dirs);
  free(want);
  free(text);
  return 0;
}
