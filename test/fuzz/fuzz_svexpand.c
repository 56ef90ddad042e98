/* Fuzzing supervisord's value syntaxes. The first byte picks the parser,
 * the rest is its input (up to a NUL):
 *   0: cli_sv_expand: text without '%' comes back as is; "%%" is one '%';
 *      a success leaves no "%(" that the input did not escape; a fixed
 *      input always gives the same result.
 *   1: cli_sv_environment: every key is [A-Za-z0-9_.-]+; the set written
 *      back as KEY="value" (values without '"') parses to the same set.
 *   2: cli_sv_split: words written back in single quotes (words without
 *      '\'') split to the same words; a failure leaves *argv NULL. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envset.h"
#include "fuzz.h"
#include "svexpand.h"
#include "template.h"

static void fuzz_expand(const char* in) {
  cli_envset_t env;
  cli_envset_init(&env);
  cli_envset_set(&env, "X", 1, "%(x)s");
  cli_sv_vars_t vars = { "prog", "grp", "/here", "node", 7, 3, &env };
  char* out = NULL;
  const char* why = NULL;
  int rc = cli_sv_expand(in, &vars, &out, &why);
  if (strchr(in, '%') == NULL) {
    FUZZ_CHECK(rc == 0 && strcmp(out, in) == 0);
  }
  if (rc != 0) {
    FUZZ_CHECK(why != NULL && out == NULL);
  } else {
    char* again = NULL;
    FUZZ_CHECK(cli_sv_expand(in, &vars, &again, &why) == 0);
    FUZZ_CHECK(strcmp(again, out) == 0);
    free(again);
    /* Only "%%" gives a '%' that is not from a value; "%(ENV_X)s" gives
     * "%(x)s". Without both, no "%(" comes out. */
    if (strstr(in, "%%") == NULL && strstr(in, "ENV_X") == NULL) {
      FUZZ_CHECK(strstr(out, "%(") == NULL);
    }
  }
  free(out);
  cli_envset_free(&env);
}

static void fuzz_environment(const char* in) {
  cli_envset_t env;
  cli_envset_init(&env);
  const char* why = NULL;
  if (cli_sv_environment(in, &env, &why) != 0) {
    FUZZ_CHECK(why != NULL);
    cli_envset_free(&env);
    return;
  }
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, "");
  int quotable = 1;
  for (size_t i = 0; i < env.count; i++) {
    const char* eq = strchr(env.vars[i], '=');
    FUZZ_CHECK(eq != NULL && eq > env.vars[i]);
    for (const char* k = env.vars[i]; k < eq; k++) {
      FUZZ_CHECK((*k >= 'A' && *k <= 'Z') || (*k >= 'a' && *k <= 'z') ||
                 (*k >= '0' && *k <= '9') || *k == '_' || *k == '.' ||
                 *k == '-');
    }
    quotable &= strchr(eq + 1, '"') == NULL;
    cli_buf_append(&b, env.vars[i], (size_t)(eq - env.vars[i]) + 1);
    cli_buf_putc(&b, '"');
    cli_buf_puts(&b, eq + 1);
    cli_buf_puts(&b, "\",");
  }
  if (quotable && !b.failed) {
    cli_envset_t again;
    cli_envset_init(&again);
    FUZZ_CHECK(cli_sv_environment(b.data, &again, &why) == 0);
    FUZZ_CHECK(again.count == env.count);
    for (size_t i = 0; i < env.count; i++) {
      FUZZ_CHECK(strcmp(again.vars[i], env.vars[i]) == 0);
    }
    cli_envset_free(&again);
  }
  cli_buf_free(&b);
  cli_envset_free(&env);
}

static void fuzz_split(const char* in) {
  char** argv = (char**)&argv;
  const char* why = NULL;
  if (cli_sv_split(in, &argv, &why) != 0) {
    FUZZ_CHECK(argv == NULL && why != NULL);
    return;
  }
  FUZZ_CHECK(argv[0] != NULL);
  cli_buf_t b;
  cli_buf_init(&b);
  cli_buf_puts(&b, "");
  int quotable = 1;
  size_t n = 0;
  for (; argv[n] != NULL; n++) {
    quotable &= strchr(argv[n], '\'') == NULL;
    cli_buf_puts(&b, " '");
    cli_buf_puts(&b, argv[n]);
    cli_buf_putc(&b, '\'');
  }
  if (quotable && !b.failed) {
    char** again = NULL;
    FUZZ_CHECK(cli_sv_split(b.data, &again, &why) == 0);
    for (size_t i = 0; i < n; i++) {
      FUZZ_CHECK(again[i] != NULL && strcmp(again[i], argv[i]) == 0);
    }
    FUZZ_CHECK(again[n] == NULL);
    cli_argv_free(again);
  }
  cli_buf_free(&b);
  cli_argv_free(argv);
}

int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) {
    return 0;
  }
  char* in = strndup((const char*)data + 1, size - 1);
  FUZZ_CHECK(in != NULL);
  switch (data[0] % 3) {
  case 0:
    fuzz_expand(in);
    break;
  case 1:
    fuzz_environment(in);
    break;
  default:
    fuzz_split(in);
    break;
  }
  free(in);
  return 0;
}
