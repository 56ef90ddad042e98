/* .env files as foreman reads them (KEY=value, quotes), with honcho's and
 * the shells' "export" prefix, and a message for each line it cannot use:
 * foreman skips such lines silently, which hides typos. */
#include "dotenv.h"

#include <stdlib.h>
#include <string.h>

#include "fail.h"
#include "readfile.h"
#include "textline.h"

static int is_blank(char c) {
  return c == ' ' || c == '\t';
}

static int is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
         (c >= '0' && c <= '9') || c == '_';
}

/* The value of a double-quoted string's inside: "\n" is a newline, "\X"
 * is X. out has room for n + 1 bytes. */
static void unescape(const char* s, size_t n, char* out) {
  size_t o = 0;
  for (size_t i = 0; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n) {
      i++;
      out[o++] = s[i] == 'n' ? '\n' : s[i];
    } else {
      out[o++] = s[i];
    }
  }
  out[o] = '\0';
}

/* The value from v to end; NULL and a reason when a quote is not closed. */
static char* value_of(const char* v, const char* end, const char** why) {
  char q = v < end ? *v : '\0';
  if (q != '\'' && q != '"') {
    return strndup(v, (size_t)(end - v));
  }
  const char* close = end;
  while (close > v + 1 && is_blank(close[-1])) {
    close--;
  }
  if (close == v + 1 || close[-1] != q) {
    *why = q == '"' ? "double quote not closed at the end of the line"
                    : "single quote not closed at the end of the line";
    return NULL;
  }
  size_t n = (size_t)(close - 1 - (v + 1));
  char* out = malloc(n + 1);
  if (out == NULL) {
    return NULL;
  }
  if (q == '\'') {
    memcpy(out, v + 1, n);
    out[n] = '\0';
  } else {
    unescape(v + 1, n, out);
  }
  return out;
}

/* One line that is not blank or a comment. Returns 0, or -1 with why set
 * (or why NULL when out of memory). */
static int parse_line(const char* s,
                      const char* eol,
                      cli_envset_t* env,
                      const char** why) {
  if ((size_t)(eol - s) > 7 && memcmp(s, "export", 6) == 0 && is_blank(s[6])) {
    s += 6;
    while (s < eol && is_blank(*s)) {
      s++;
    }
  }
  const char* key = s;
  while (s < eol && is_key_char(*s)) {
    s++;
  }
  size_t klen = (size_t)(s - key);
  while (s < eol && is_blank(*s)) {
    s++;
  }
  if (s == eol || *s != '=') {
    *why = klen == 0 ? "expected KEY=value (a key is letters, digits, '_')"
                     : "expected '=' after the key";
    return -1;
  }
  if (klen == 0) {
    *why = "empty key before '='";
    return -1;
  }
  char* value = value_of(s + 1, eol, why);
  if (value == NULL) {
    return -1;
  }
  int rc = cli_envset_set(env, key, klen, value);
  free(value);
  return rc;
}

int cli_dotenv_parse(const char* path,
                     const char* text,
                     size_t len,
                     cli_envset_t* env,
                     char* err,
                     size_t errlen) {
  const char* p = text != NULL ? text : "";
  const char* end = p + len;
  unsigned lineno = 0;
  for (const char* next = p; next < end;) {
    lineno++;
    p = next;
    const char* eol = cli_text_line(&next, end);
    size_t n = eol > p ? (size_t)(eol - p) : 0;
    if (memchr(p, '\0', n) != NULL) {
      return cli_fail(err, errlen, "%s:%u: NUL byte in the line", path, lineno);
    }
    while (p < eol && is_blank(*p)) {
      p++;
    }
    if (p == eol || *p == '#') {
      continue;
    }
    const char* why = NULL;
    if (parse_line(p, eol, env, &why) != 0) {
      return cli_fail(err, errlen, "%s:%u: %s", path, lineno,
                      why != NULL ? why : "out of memory");
    }
  }
  return 0;
}

int cli_dotenv_load(const char* path,
                    cli_envset_t* env,
                    char* err,
                    size_t errlen) {
  char* text;
  size_t len;
  if (cli_read_file(path, CLI_DOTENV_MAX_BYTES, &text, &len, err, errlen) !=
      0) {
    return -1;
  }
  int rc = cli_dotenv_parse(path, text, len, env, err, errlen);
  free(text);
  return rc;
}
