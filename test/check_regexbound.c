/* The bound on what a readiness pattern may cost regcomp(): how many atoms
 * a pattern expands to, and that a pattern which would take the process's
 * memory is refused at once while every ordinary one compiles. */
#include <string.h>

#include <check.h>
#include <uv.h>

#include "regexbound.h"
#include "testutil.h"

START_TEST(test_regex_counts_atoms_as_regcomp_copies_them) {
  static const struct {
    const char* pattern;
    size_t atoms;
  } cases[] = {
    { "", 0 },
    { "abc", 3 },
    { "a*b?", 2 },
    { "a+", 2 }, /* "aa*" */
    { "(ab)+", 4 },
    { "a{3}", 3 },
    { "a{2,5}", 5 },
    { "a{2,}", 3 }, /* two and a starred one */
    { "a{,4}", 4 },
    { "(a|bc){2}", 6 },
    { "[a-z]+", 2 },
    { "[]a)(+]", 1 }, /* a ']' first is a member */
    { "[^]x]y", 2 },
    { "[[:alpha:]]z", 2 },
    { "[[.].]]q", 2 }, /* a collating element naming ']' */
    { "\\(a\\)+", 4 },
    { "a{", 2 }, /* no interval: regcomp's to judge */
    { "a{x}", 4 },
    { "((a)", 1 }, /* unclosed: still counted */
    { "^Listening on :[0-9]+$", 18 },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    ck_assert_msg(uvsup__regex_atoms(cases[i].pattern) == cases[i].atoms,
                  "%s: %zu atoms, want %zu", cases[i].pattern,
                  uvsup__regex_atoms(cases[i].pattern), cases[i].atoms);
  }
}
END_TEST

START_TEST(test_regex_refuses_what_would_exhaust_memory) {
  /* Each '+' doubles what came before: glibc's regcomp() asked for more
   * than 2 GiB for this one (the fuzzer's find). */
  char stacked[128] = "a b";
  memset(stacked + 3, '+', 90);
  stacked[93] = '\0';
  const char* patterns[] = {
    stacked,
    "((a{99}){99}){99}",
    "(((((((((((((((((((((x+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)",
    "x{4096}y",
    "&?+++++++++", /* stacked: seconds in glibc's closure (fuzzer's) */
    "a*?",
    "a{2}+",
    "x{99999999999999999999999}",
  };
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    ck_assert_uint_gt(uvsup__regex_atoms(patterns[i]),
                      UVSUP_READY_REGEX_MAX_ATOMS);
    regex_t re;
    ck_assert_int_eq(uvsup__regex_compile(&re, patterns[i]), UV_EINVAL);
  }
}
END_TEST

START_TEST(test_regex_compiles_up_to_the_bound) {
  const char* patterns[] = {
    "x{4096}",
    "(x{64}){64}",
    "((((((((((((b)+)+)+)+)+)+)+)+)+)+)+)+", /* twelve times doubled */
    "^Listening on :[0-9]+$",
    "ready|up( and running)?",
  };
  for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
    regex_t re;
    ck_assert_int_eq(uvsup__regex_compile(&re, patterns[i]), 0);
    regfree(&re);
  }
  regex_t re;
  ck_assert_int_eq(uvsup__regex_compile(&re, "^Listening on :[0-9]+$"), 0);
  ck_assert_int_eq(regexec(&re, "Listening on :8080", 0, NULL, 0), 0);
  ck_assert_int_ne(regexec(&re, "Listening on :", 0, NULL, 0), 0);
  regfree(&re);
  /* Within the bound but not a pattern: regcomp's own verdict. */
  ck_assert_int_eq(uvsup__regex_compile(&re, "("), UV_EINVAL);
  ck_assert_int_eq(uvsup__regex_compile(&re, "a{2,1}"), UV_EINVAL);
}
END_TEST

static Suite* regexbound_suite(void) {
  Suite* s = suite_create("regexbound");
  TCase* tc = tcase_create("bound");
  tcase_add_test(tc, test_regex_counts_atoms_as_regcomp_copies_them);
  tcase_add_test(tc, test_regex_refuses_what_would_exhaust_memory);
  tcase_add_test(tc, test_regex_compiles_up_to_the_bound);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(regexbound_suite());
}
