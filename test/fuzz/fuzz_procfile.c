/* Fuzzing cli_procfile_parse against a reference reading of the header's
 * rules: it succeeds exactly when the reference does, and then yields one
 * entry per "name: command" line, in order, with the line's number, the
 * name and command trimmed and non-empty, names free of control characters
 * and unique; when it fails, it leaves nothing behind and its message
 * names the file and, for a bad line, the first bad line. */
#include <stdint.h>
#include <string.h>

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

/* The reference: returns 0 and fills e[0..*count), or the number of the
 * first bad line, or UINT32_MAX when the file has no entry. */
static unsigned reference(const char* text,
                          size_t len,
                          ref_entry_t* e,
                          size_t* count) {
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
    if (p < eol && *p != '#') {
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
  return *count > 0 ? 0 : UINT32_MAX;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  /* The parser must not read past len: give it an exact-size copy. */
  char* text = malloc(size ? size : 1);
  FUZZ_CHECK(text != NULL);
  memcpy(text, data, size);
  ref_entry_t* want = calloc(size / 2 + 1, sizeof(*want));
  FUZZ_CHECK(want != NULL);
  size_t nwant;
  unsigned bad = reference(text, size, want, &nwant);

  cli_procfile_t pf = { (cli_procfile_entry_t*)1, 99 };
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
    FUZZ_CHECK(pf.count == nwant && pf.count > 0);
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
  free(want);
  free(text);
  return 0;
}
