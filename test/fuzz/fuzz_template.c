/* Fuzzing cli_template_expand: the input is a value and up to eight
 * arguments, separated by NUL bytes. The expansion must equal a reference
 * written from the documented rules (GNU parallel's replacement strings,
 * File::Basename::dirname for {//}), with no placeholder left unexpanded
 * and nothing expanded twice; without a placeholder the value is appended. */
#define _GNU_SOURCE /* memrchr */
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "quote.h"
#include "template.h"

#define MAX_ARGS 8

/* {/}: everything after the last '/'. */
static const char* ref_base(const char* v) {
  const char* slash = strrchr(v, '/');
  return slash != NULL ? slash + 1 : v;
}

/* Length of {.} of v[0..len): without the last '.' and what follows in the
 * last component, unless that '.' is among the component's leading dots. */
static size_t ref_noext(const char* v, size_t len) {
  size_t start = len;
  while (start > 0 && v[start - 1] != '/') {
    start--;
  }
  size_t dot = len;
  for (size_t i = start; i < len; i++) {
    if (v[i] == '.') {
      dot = i;
    }
  }
  size_t lead = start;
  while (lead < len && v[lead] == '.') {
    lead++;
  }
  return dot != len && dot >= lead ? dot : len;
}

/* Appends File::Basename::dirname(v) to out, as Perl computes it: fileparse,
 * then trailing slashes stripped (keeping one byte), and when the base was
 * empty the same once more on the result. */
static void ref_dirname(const char* v, cli_buf_t* out) {
  size_t len = strlen(v);
  for (int round = 0; round < 2; round++) {
    /* fileparse: dirpath is up to and including the last '/', or "./". */
    const char* slash = memrchr(v, '/', len);
    const char* dir = slash != NULL ? v : "./";
    size_t dir_len = slash != NULL ? (size_t)(slash - v) + 1 : 2;
    size_t base_len = len - (slash != NULL ? dir_len : 0);
    while (dir_len > 1 && dir[dir_len - 1] == '/') {
      dir_len--;
    }
    if (base_len > 0 || round == 1) {
      cli_buf_append(out, dir, dir_len);
      return;
    }
    /* The value ended in '/': parse the stripped dirname once more. */
    v = dir;
    len = dir_len;
  }
}

static void ref_expand_one(const char* arg, const char* value, cli_buf_t* b) {
  size_t vlen = strlen(value);
  const char* base = ref_base(value);
  for (const char* p = arg; *p != '\0';) {
    if (strncmp(p, "{}", 2) == 0) {
      cli_buf_puts(b, value);
      p += 2;
    } else if (strncmp(p, "{.}", 3) == 0) {
      cli_buf_append(b, value, ref_noext(value, vlen));
      p += 3;
    } else if (strncmp(p, "{/}", 3) == 0) {
      cli_buf_puts(b, base);
      p += 3;
    } else if (strncmp(p, "{//}", 4) == 0) {
      ref_dirname(value, b);
      p += 4;
    } else if (strncmp(p, "{/.}", 4) == 0) {
      cli_buf_append(b, base, ref_noext(base, strlen(base)));
      p += 4;
    } else {
      cli_buf_putc(b, *p++);
    }
  }
  if (b->data == NULL) {
    cli_buf_puts(b, "");
  }
}

static int has_placeholder(const char* s) {
  static const char* const ph[] = { "{}", "{.}", "{/}", "{//}", "{/.}" };
  for (size_t i = 0; i < 5; i++) {
    if (strstr(s, ph[i]) != NULL) {
      return 1;
    }
  }
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  char* s = fuzz_strndup(data, size);
  /* Fields: value, then the arguments (NUL-separated). */
  char* fields[MAX_ARGS + 1];
  size_t nfields = 0;
  for (char* p = s; nfields < MAX_ARGS + 1; p += strlen(p) + 1) {
    fields[nfields++] = p;
    if (p + strlen(p) == s + size) {
      break;
    }
  }
  const char* value = fields[0];
  char** argv = fields + 1;
  size_t argc = nfields - 1;
  /* The reference knows the five single-source strings without quoting:
   * inputs with {N}, {-N}, {#}, {%} or a shell's script are left to the
   * unit tests' tables (check_template, check_jobs). */
  for (size_t i = 0; i < argc; i++) {
    int newer = cli_quote_is_script(argv, argc, i);
    for (const char* p = strchr(argv[i], '{'); p != NULL && !newer;
         p = strchr(p + 1, '{')) {
      newer = p[1] == '#' || p[1] == '%' || strspn(p + 1, "-0123456789") > 0;
    }
    if (newer) {
      free(s);
      return 0;
    }
  }

  int any = 0;
  for (size_t i = 0; i < argc; i++) {
    any |= has_placeholder(argv[i]);
  }
  FUZZ_CHECK(cli_template_has_placeholder(argv, argc) == any);

  char** out = cli_template_expand(argv, argc, value);
  FUZZ_CHECK(out != NULL);
  size_t n = 0;
  while (out[n] != NULL) {
    n++;
  }
  FUZZ_CHECK(n == argc + (any ? 0 : 1));
  for (size_t i = 0; i < argc; i++) {
    cli_buf_t want;
    cli_buf_init(&want);
    ref_expand_one(argv[i], value, &want);
    FUZZ_CHECK(!want.failed);
    FUZZ_CHECK(strcmp(out[i], want.data) == 0);
    cli_buf_free(&want);
  }
  if (!any) {
    FUZZ_CHECK(strcmp(out[argc], value) == 0);
  }

  /* Shapes the README promises: {/} has no '/', {.} and {//} are
   * prefixes of the value (or "."), {/.} a prefix of {/}. */
  char* shapes[] = { "{/}", "{.}", "{//}", "{/.}" };
  char** parts = cli_template_expand(shapes, 4, value);
  FUZZ_CHECK(parts != NULL);
  FUZZ_CHECK(strchr(parts[0], '/') == NULL);
  FUZZ_CHECK(strncmp(parts[1], value, strlen(parts[1])) == 0);
  FUZZ_CHECK(strcmp(parts[2], ".") == 0 ||
             strncmp(parts[2], value, strlen(parts[2])) == 0);
  FUZZ_CHECK(parts[2][0] != '\0');
  FUZZ_CHECK(strncmp(parts[3], parts[0], strlen(parts[3])) == 0);
  cli_argv_free(parts);

  cli_argv_free(out);
  free(s);
  return 0;
}
