/* Shell quoting as GNU parallel does it, so a value pasted into a shell
 * script ("sh -c 'wc -c {}'") stays one word of data and never code. */
#include "quote.h"

#include <string.h>

/* Shells whose -c takes a script in the POSIX shell's quoting. csh and
 * fish quote differently and are not listed: their scripts get values
 * unquoted, as for any other program. */
static const char* const shells[] = { "sh",  "bash", "dash", "zsh",
                                      "ksh", "mksh", "ash",  "posh" };

static int safe_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ||
         c == '+' || c == '/';
}

void cli_quote_shell(cli_buf_t* b, const char* v, size_t len) {
  size_t i = 0;
  while (i < len && safe_byte((unsigned char)v[i])) {
    i++;
  }
  if (len > 0 && i == len) {
    cli_buf_append(b, v, len);
    return;
  }
  /* parallel: s/'/'"'"'/g; $_ = "'$_'"; s/^''//; s/''$//. The strips
   * only ever fire when the value starts or ends with a quote. */
  if (len == 0 || v[0] != '\'') {
    cli_buf_putc(b, '\'');
  }
  for (i = 0; i < len; i++) {
    if (v[i] != '\'') {
      cli_buf_putc(b, v[i]);
      continue;
    }
    if (i > 0) {
      cli_buf_putc(b, '\'');
    }
    cli_buf_puts(b, "\"'\"");
    if (i + 1 < len) {
      cli_buf_putc(b, '\'');
    }
  }
  if (len == 0 || v[len - 1] != '\'') {
    cli_buf_putc(b, '\'');
  }
}

static int is_shell(const char* program) {
  const char* slash = strrchr(program, '/');
  const char* base = slash != NULL ? slash + 1 : program;
  for (size_t i = 0; i < sizeof(shells) / sizeof(shells[0]); i++) {
    if (strcmp(base, shells[i]) == 0) {
      return 1;
    }
  }
  return 0;
}

/* "-c", "-ec", "-xlc": short options only, one of them c. */
static int is_c_cluster(const char* arg) {
  if (arg[0] != '-' || arg[1] == '-' || arg[1] == '\0') {
    return 0;
  }
  int has_c = 0;
  for (const char* p = arg + 1; *p != '\0'; p++) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))) {
      return 0;
    }
    has_c |= *p == 'c';
  }
  return has_c;
}

int cli_quote_is_script(char* const* argv, size_t argc, size_t i) {
  return i >= 2 && i < argc && is_shell(argv[0]) && is_c_cluster(argv[i - 1]);
}
