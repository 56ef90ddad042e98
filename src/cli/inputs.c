/* Input sources: reading ::: values and value files into memory (the
 * first, streamed, as it comes), and the values of job k in GNU parallel's
 * order, computed rather than stored. */
#include "inputs.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fail.h"

cli_value_read_t cli_value_read(FILE* in, char* buf, size_t* len) {
  size_t n = 0;
  int c = EOF;
  int nul = 0;
  /* CLI_MAX_VALUE + 1 bytes may still end in a CR that is dropped. */
  while (n <= CLI_MAX_VALUE && (c = getc_unlocked(in)) != EOF && c != '\n') {
    nul |= c == '\0';
    buf[n++] = (char)c;
  }
  if (c == EOF && n == 0) {
    return CLI_VALUE_END;
  }
  if (n > 0 && buf[n - 1] == '\r' && (c == '\n' || c == EOF)) {
    n--;
  }
  buf[n] = '\0';
  *len = n;
  if (n >= CLI_MAX_VALUE) {
    return CLI_VALUE_TOO_LONG;
  }
  return nul ? CLI_VALUE_NUL : CLI_VALUE_OK;
}

static int push_value(cli_input_t* src, const char* v) {
  if (src->count == src->cap) {
    size_t grown_cap = src->cap ? src->cap * 2 : 16;
    char** grown = realloc(src->values, grown_cap * sizeof(*grown));
    if (grown == NULL) {
      return -1;
    }
    src->values = grown;
    src->cap = grown_cap;
  }
  if ((src->values[src->count] = strdup(v)) == NULL) {
    return -1;
  }
  src->count++;
  return 0;
}

/* The message for a refused line, the same for every source. */
static int value_error(cli_value_read_t got,
                       const char* shown,
                       unsigned long lineno,
                       char* err,
                       size_t errlen) {
  if (got == CLI_VALUE_NUL) {
    return cli_fail(err, errlen, "%s:%lu: a NUL byte in the value", shown,
                    lineno);
  }
  return cli_fail(err, errlen,
                  "%s:%lu: value of %d bytes or more is too long (limit %d)",
                  shown, lineno, CLI_MAX_VALUE, CLI_MAX_VALUE - 1);
}

int cli_value_check(const char* line,
                    size_t* len,
                    const char* shown,
                    unsigned long lineno,
                    char* err,
                    size_t errlen) {
  size_t n = *len;
  if (n > 0 && line[n - 1] == '\r') {
    n--;
  }
  *len = n;
  if (n >= CLI_MAX_VALUE) {
    return value_error(CLI_VALUE_TOO_LONG, shown, lineno, err, errlen);
  }
  if (memchr(line, '\0', n) != NULL) {
    return value_error(CLI_VALUE_NUL, shown, lineno, err, errlen);
  }
  return 0;
}

/* One value per line of path ("-": in); blank lines are skipped. */
static int load_file(
    const char* path, FILE* in, cli_input_t* src, char* err, size_t errlen) {
  int is_stdin = strcmp(path, "-") == 0;
  const char* shown = is_stdin ? "standard input" : path;
  FILE* f = is_stdin ? in : fopen(path, "re");
  if (f == NULL) {
    return cli_fail(err, errlen, "%s: %s", path, strerror(errno));
  }
  char* line = malloc(CLI_MAX_VALUE + 2);
  int rc = line == NULL ? cli_fail(err, errlen, "out of memory") : 0;
  size_t len;
  unsigned long lineno = 0;
  cli_value_read_t got;
  src->owned = 1;
  while (rc == 0 && (got = cli_value_read(f, line, &len)) != CLI_VALUE_END) {
    lineno++;
    if (got != CLI_VALUE_OK) {
      rc = value_error(got, shown, lineno, err, errlen);
    } else if (len > 0 && push_value(src, line) != 0) {
      rc = cli_fail(err, errlen, "out of memory");
    }
  }
  if (rc == 0 && ferror(f)) {
    rc = cli_fail(err, errlen, "%s: read error", shown);
  }
  free(line);
  if (!is_stdin) {
    fclose(f);
  }
  return rc;
}

static int load_values(const cli_source_t* s,
                       cli_input_t* src,
                       char* err,
                       size_t errlen) {
  for (size_t i = 0; i < s->nvalues; i++) {
    if (s->values[i][0] == '\0') {
      return cli_fail(err, errlen, "value %zu after ':::' is empty", i + 1);
    }
  }
  src->values = s->values;
  src->count = s->nvalues;
  return 0;
}

/* The jobs the sources make: the product over groups of linked sources,
 * each group as long as its shortest source. */
static size_t count_jobs(const cli_inputs_t* inputs) {
  size_t jobs = 1;
  for (size_t i = 0; i < inputs->count;) {
    size_t len = inputs->sources[i].base + inputs->sources[i].count;
    size_t j = i + 1;
    for (; j < inputs->count && inputs->sources[j].linked; j++) {
      len = inputs->sources[j].count < len ? inputs->sources[j].count : len;
    }
    jobs = len != 0 && jobs > SIZE_MAX / len ? SIZE_MAX : jobs * len;
    i = j;
  }
  return jobs;
}

int cli_inputs_can_stream(const cli_args_t* a) {
  return a->nsources > 0 && a->sources[0].kind == CLI_SOURCE_FILE &&
         (a->nsources == 1 || !a->sources[1].linked);
}

int cli_inputs_load(const cli_args_t* a,
                    FILE* in,
                    int stream,
                    cli_inputs_t* inputs,
                    char* err,
                    size_t errlen) {
  memset(inputs, 0, sizeof(*inputs));
  inputs->sources = calloc(a->nsources + 1, sizeof(*inputs->sources));
  if (inputs->sources == NULL) {
    return cli_fail(err, errlen, "out of memory");
  }
  inputs->count = a->nsources;
  for (size_t i = 0; i < a->nsources; i++) {
    const cli_source_t* s = &a->sources[i];
    cli_input_t* src = &inputs->sources[i];
    src->linked = s->linked;
    if (i == 0 && stream) {
      src->owned = 1;
      inputs->streamed = 1;
      continue;
    }
    int rc = s->kind == CLI_SOURCE_FILE
                 ? load_file(s->path, in, src, err, errlen)
                 : load_values(s, src, err, errlen);
    if (rc != 0) {
      cli_inputs_free(inputs);
      return -1;
    }
  }
  inputs->jobs = count_jobs(inputs);
  return 0;
}

int cli_inputs_push(cli_inputs_t* inputs, const char* value) {
  if (push_value(&inputs->sources[0], value) != 0) {
    return -1;
  }
  inputs->jobs = count_jobs(inputs);
  return 0;
}

void cli_inputs_forget(cli_inputs_t* inputs, size_t k) {
  if (!inputs->streamed || inputs->jobs == 0) {
    return;
  }
  cli_input_t* src = &inputs->sources[0];
  /* Each value of source 0 makes jobs / (its length) jobs in a row. */
  size_t per = inputs->jobs / (src->base + src->count);
  size_t first = per != 0 ? k / per : 0; /* the value job k uses */
  if (first <= src->base) {
    return;
  }
  size_t drop = first - src->base;
  if (drop > src->count) {
    drop = src->count;
  }
  /* Moving the rest down costs its length: do it once per many drops. */
  if (drop < 64 && drop * 2 < src->count) {
    return;
  }
  for (size_t v = 0; v < drop; v++) {
    free(src->values[v]);
  }
  memmove(src->values, src->values + drop,
          (src->count - drop) * sizeof(*src->values));
  src->count -= drop;
  src->base += drop;
}

void cli_inputs_tuple(const cli_inputs_t* inputs, size_t k, const char** out) {
  /* k in a mixed radix, the last group its lowest digit. */
  size_t end = inputs->count;
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && inputs->sources[start].linked) {
      start--;
    }
    size_t len = SIZE_MAX;
    /* A streamed source 0 has no length yet: k is its digit. */
    for (size_t i = start; i < end && !(start == 0 && inputs->streamed); i++) {
      len = inputs->sources[i].count < len ? inputs->sources[i].count : len;
    }
    size_t digit = len > 0 ? k % len : 0;
    k = len > 0 ? k / len : 0;
    for (size_t i = start; i < end; i++) {
      out[i] = inputs->sources[i].values[digit - inputs->sources[i].base];
    }
    end = start;
  }
}

void cli_inputs_free(cli_inputs_t* inputs) {
  for (size_t i = 0; inputs->sources != NULL && i < inputs->count; i++) {
    cli_input_t* src = &inputs->sources[i];
    if (src->owned) {
      for (size_t v = 0; v < src->count; v++) {
        free(src->values[v]);
      }
      free(src->values);
    }
  }
  free(inputs->sources);
  memset(inputs, 0, sizeof(*inputs));
}
