/* supervisord's value syntaxes, each parsed strictly, with a reason for
 * what it cannot read: a typo in a config must stop the start, not run a
 * program with half a command. */
#define _GNU_SOURCE /* asprintf */
#include "svexpand.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "template.h"

typedef struct {
  const char* text; /* NULL: a number */
  long number;
} sv_value_t;

/* The value of NAME (len bytes), or -1 when there is none. */
static int lookup(const cli_sv_vars_t* v,
                  const char* name,
                  size_t len,
                  sv_value_t* out) {
  static const char env_prefix[] = "ENV_";
  const struct {
    const char* name;
    const char* text;
    const long* number;
  } table[] = {
    { "program_name", v->program_name, NULL },
    { "group_name", v->group_name, NULL },
    { "here", v->here, NULL },
    { "host_node_name", v->host_node_name, NULL },
    { "process_num", NULL, &v->process_num },
    { "numprocs", NULL, &v->numprocs },
  };
  for (size_t k = 0; k < sizeof(table) / sizeof(table[0]); k++) {
    if (strlen(table[k].name) == len && memcmp(table[k].name, name, len) == 0 &&
        (table[k].text != NULL || table[k].number != NULL)) {
      out->text = table[k].text;
      out->number = table[k].number != NULL ? *table[k].number : 0;
      return 0;
    }
  }
  if (len > 4 && memcmp(name, env_prefix, 4) == 0 && v->env != NULL) {
    char key[256];
    if (len - 4 >= sizeof(key)) {
      return -1;
    }
    memcpy(key, name + 4, len - 4);
    key[len - 4] = '\0';
    out->text = cli_envset_get(v->env, key);
    out->number = 0;
    return out->text != NULL ? 0 : -1;
  }
  return -1;
}

/* One "%(NAME)FLAGSWIDTHTYPE" at p (after the '%'); returns the length
 * read, or 0 with *why. */
static size_t expand_one(const char* p,
                         const cli_sv_vars_t* vars,
                         cli_buf_t* b,
                         const char** why) {
  const char* close = strchr(p + 1, ')');
  if (close == NULL) {
    *why = "'%(' without a closing ')'";
    return 0;
  }
  sv_value_t v;
  if (lookup(vars, p + 1, (size_t)(close - p - 1), &v) != 0) {
    *why =
        "unknown name in %(...): use program_name, process_num, "
        "group_name, numprocs, here, host_node_name or ENV_X for a set "
        "variable X";
    return 0;
  }
  const char* q = close + 1;
  char fmt[32] = "%";
  size_t f = 1;
  while (*q != '\0' && strchr("-0 +", *q) != NULL && f < 6) {
    fmt[f++] = *q++;
  }
  /* A width of at most 3 digits: "%(x)99999999s" is no one's intent. */
  for (size_t digits = 0; isdigit((unsigned char)*q); digits++) {
    if (digits == 3) {
      *why = "a width in %(...) of more than 3 digits";
      return 0;
    }
    fmt[f++] = *q++;
  }
  if (*q != 's' && *q != 'd') {
    *why = "a %(...) is followed by s or d (e.g. %(process_num)02d)";
    return 0;
  }
  if (*q == 'd' && v.text != NULL) {
    *why = "%(...)d of a name that is not a number";
    return 0;
  }
  char* piece = NULL;
  int n;
  fmt[f++] = v.text != NULL ? 's' : 'l';
  if (v.text == NULL) {
    fmt[f++] = 'd';
  }
  fmt[f] = '\0';
  /* fmt is ours (flags, width, one conversion): the value is never a
   * format. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
  n = v.text != NULL ? asprintf(&piece, fmt, v.text)
                     : asprintf(&piece, fmt, v.number);
#pragma GCC diagnostic pop
  if (n < 0) {
    *why = NULL;
    return 0;
  }
  cli_buf_puts(b, piece);
  free(piece);
  return (size_t)(q + 1 - p);
}

int cli_sv_expand(const char* in,
                  const cli_sv_vars_t* vars,
                  char** out,
                  const char** why) {
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, "");
  *why = NULL;
  for (const char* p = in; *p != '\0';) {
    if (*p != '%') {
      size_t run = strcspn(p, "%");
      cli_buf_append(&b, p, run);
      p += run;
      continue;
    }
    if (p[1] == '%') {
      cli_buf_putc(&b, '%');
      p += 2;
      continue;
    }
    if (p[1] != '(') {
      *why = "a '%' that starts no %(name)s (write %% for a '%')";
      cli_buf_free(&b);
      return -1;
    }
    size_t used = expand_one(p + 1, vars, &b, why);
    if (used == 0) {
      cli_buf_free(&b);
      return -1;
    }
    p += 1 + used;
  }
  if (b.failed) {
    cli_buf_free(&b);
    return -1;
  }
  *out = b.data;
  return 0;
}

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One KEY=VALUE at *pp; moves *pp past it and its comma. */
static int env_pair(const char** pp, cli_envset_t* env, const char** why) {
  const char* p = *pp;
  const char* key = p;
  while (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-') {
    p++;
  }
  size_t klen = (size_t)(p - key);
  while (is_blank(*p)) {
    p++;
  }
  if (klen == 0 || *p != '=') {
    *why = klen == 0 ? "expected KEY=value (a key is letters, digits, '_')"
                     : "expected '=' after the key";
    return -1;
  }
  p++;
  while (is_blank(*p)) {
    p++;
  }
  char* value;
  if (*p == '"' || *p == '\'') {
    const char* close = strchr(p + 1, *p);
    if (close == NULL) {
      *why = "a quote not closed";
      return -1;
    }
    value = strndup(p + 1, (size_t)(close - p - 1));
    p = close + 1;
    while (is_blank(*p)) {
      p++;
    }
    if (*p != '\0' && *p != ',') {
      *why = "text after a closing quote (pairs are separated by ',')";
      free(value);
      return -1;
    }
  } else {
    size_t n = strcspn(p, ",");
    size_t end = n;
    while (end > 0 && is_blank(p[end - 1])) {
      end--;
    }
    value = strndup(p, end);
    p += n;
  }
  int rc = value == NULL ? -1 : cli_envset_set(env, key, klen, value);
  free(value);
  *pp = *p == ',' ? p + 1 : p;
  return rc;
}

int cli_sv_environment(const char* value, cli_envset_t* env, const char** why) {
  *why = NULL;
  const char* p = value;
  for (;;) {
    while (is_blank(*p)) {
      p++;
    }
    if (*p == '\0') {
      return 0;
    }
    if (env_pair(&p, env, why) != 0) {
      return -1;
    }
  }
}

/* Appends one word of command at *pp to b; moves *pp past it. */
static int split_word(const char** pp, cli_buf_t* b, const char** why) {
  const char* p = *pp;
  while (*p != '\0' && !is_blank(*p)) {
    if (*p == '\'') {
      const char* close = strchr(p + 1, '\'');
      if (close == NULL) {
        *why = "a single quote not closed";
        return -1;
      }
      cli_buf_append(b, p + 1, (size_t)(close - p - 1));
      p = close + 1;
    } else if (*p == '"') {
      for (p++; *p != '"'; p++) {
        if (*p == '\0') {
          *why = "a double quote not closed";
          return -1;
        }
        if (*p == '\\' && (p[1] == '"' || p[1] == '\\')) {
          p++;
        }
        cli_buf_putc(b, *p);
      }
      p++;
    } else if (*p == '\\') {
      if (p[1] == '\0') {
        *why = "a backslash at the end of the command";
        return -1;
      }
      cli_buf_putc(b, p[1]);
      p += 2;
    } else {
      cli_buf_putc(b, *p++);
    }
  }
  *pp = p;
  return 0;
}

int cli_sv_split(const char* command, char*** argv, const char** why) {
  *why = NULL;
  *argv = NULL;
  size_t n = 0;
  char** words = calloc(1, sizeof(*words));
  const char* p = command;
  while (words != NULL) {
    while (is_blank(*p)) {
      p++;
    }
    if (*p == '\0') {
      break;
    }
    cli_buf_t b;
    cli_buf_init(&b);
    cli_buf_puts(&b, "");
    char** grown = realloc(words, (n + 2) * sizeof(*words));
    if (grown == NULL || split_word(&p, &b, why) != 0 || b.failed) {
      cli_buf_free(&b);
      words = grown != NULL ? grown : words;
      words[n] = NULL;
      cli_argv_free(words);
      return -1;
    }
    words = grown;
    words[n++] = b.data;
    words[n] = NULL;
  }
  if (words == NULL) {
    return -1;
  }
  if (n == 0) {
    *why = "the command is empty";
    cli_argv_free(words);
    return -1;
  }
  *argv = words;
  return 0;
}

int cli_sv_bool(const char* s, int* value) {
  static const char* const truths[] = { "true", "yes", "on", "1" };
  static const char* const lies[] = { "false", "no", "off", "0" };
  for (int k = 0; k < 4; k++) {
    if (strcasecmp(s, truths[k]) == 0) {
      *value = 1;
      return 0;
    }
    if (strcasecmp(s, lies[k]) == 0) {
      *value = 0;
      return 0;
    }
  }
  return -1;
}
