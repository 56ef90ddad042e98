/* Fuzzing cli_dotenv_parse: it succeeds exactly when every line that is
 * not blank or a comment has a key of [A-Za-z0-9_] and an '=' (blanks and
 * "export " allowed before), and a value that opens a quote closes it at
 * the end of the line; each key then holds its last line's value; and a
 * set written back as KEY='value' (or KEY="value" escaped) parses to the
 * same set. A failure names ".env:LINE" with the first bad line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "dotenv.h"
#include "envset.h"
#include "fuzz.h"

static int blank(char c) {
  return c == ' ' || c == '\t';
}

static int key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* The reference check of one line p[0..n) (no newline, no CR at its end):
 * 1 when it is good. */
static int line_ok(const char* p, size_t n) {
  size_t i = 0;
  while (i < n && blank(p[i])) {
    i++;
  }
  if (i == n || p[i] == '#') {
    return 1;
  }
  if (n - i > 7 && memcmp(p + i, "export", 6) == 0 && blank(p[i + 6])) {
    i += 6;
    while (i < n && blank(p[i])) {
      i++;
    }
  }
  size_t k = i;
  while (i < n && key_char(p[i])) {
    i++;
  }
  if (i == k) {
    return 0;
  }
  while (i < n && blank(p[i])) {
    i++;
  }
  if (i == n || p[i] != '=') {
    return 0;
  }
  i++;
  if (i < n && (p[i] == '\'' || p[i] == '"')) {
    size_t end = n;
    while (end > i + 1 && blank(p[end - 1])) {
      end--;
    }
    return end > i + 1 && p[end - 1] == p[i];
  }
  return 1;
}

/* The first bad line's number, or 0. */
static unsigned first_bad(const char* text, size_t len) {
  unsigned line = 0;
  for (size_t at = 0; at < len;) {
    line++;
    const char* nl = memchr(text + at, '\n', len - at);
    size_t end = nl != NULL ? (size_t)(nl - text) : len;
    size_t n = end - at;
    if (n > 0 && text[end - 1] == '\r') {
      n--;
    }
    if (memchr(text + at, '\0', n) != NULL || !line_ok(text + at, n)) {
      return line;
    }
    at = end + 1;
  }
  return 0;
}

/* The set written back, each value in double quotes with '\\' and '"'
 * escaped; newlines as "\n" (the parser turns it back). */
static char* write_back(const cli_envset_t* env) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, "");
  for (size_t i = 0; i < env->count; i++) {
    const char* eq = strchr(env->vars[i], '=');
    cli_buf_append(&b, env->vars[i], (size_t)(eq - env->vars[i]));
    cli_buf_puts(&b, "=\"");
    for (const char* v = eq + 1; *v != '\0'; v++) {
      if (*v == '\n') {
        cli_buf_puts(&b, "\\n");
        continue;
      }
      if (*v == '\\' || *v == '"') {
        cli_buf_putc(&b, '\\');
      }
      cli_buf_putc(&b, *v);
    }
    cli_buf_puts(&b, "\"\n");
  }
  return b.data;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const char* text = (const char*)data;
  cli_envset_t env;
  cli_envset_init(&env);
  char err[256] = "";
  int rc = cli_dotenv_parse(".env", text, size, &env, err, sizeof(err));
  unsigned bad = first_bad(text, size);
  FUZZ_CHECK((rc == 0) == (bad == 0));
  if (rc != 0) {
    char want[32];
    snprintf(want, sizeof(want), ".env:%u: ", bad);
    FUZZ_CHECK(strncmp(err, want, strlen(want)) == 0);
    cli_envset_free(&env);
    return 0;
  }
  for (size_t i = 0; i < env.count; i++) {
    const char* eq = strchr(env.vars[i], '=');
    FUZZ_CHECK(eq != NULL && eq > env.vars[i]);
    for (const char* k = env.vars[i]; k < eq; k++) {
      FUZZ_CHECK(key_char(*k));
    }
  }
  FUZZ_CHECK(env.count == 0 || env.vars[env.count] == NULL);
  /* Values without a CR survive being written back (a value may hold a
   * CR only from the middle of a line: written back, it still does). */
  char* again_text = write_back(&env);
  FUZZ_CHECK(again_text != NULL);
  cli_envset_t again;
  cli_envset_init(&again);
  int rc2 = cli_dotenv_parse(".env", again_text, strlen(again_text), &again,
                             err, sizeof(err));
  FUZZ_CHECK(rc2 == 0);
  FUZZ_CHECK(again.count == env.count);
  for (size_t i = 0; i < env.count; i++) {
    FUZZ_CHECK(strcmp(again.vars[i], env.vars[i]) == 0);
  }
  free(again_text);
  cli_envset_free(&again);
  cli_envset_free(&env);
  return 0;
}
