/* Tests for foreman's formation (-m) and port arithmetic. */
#include <string.h>

#include <check.h>

#include "formation.h"
#include "testutil.h"

static const char* const types[] = { "web", "worker", "clock" };

static void counts_of(const char* spec, unsigned a, unsigned b, unsigned c) {
  unsigned counts[3] = { 99, 99, 99 };
  char err[256] = "";
  int rc =
      cli_formation_parse(spec, types, 3, "Procfile", counts, err, sizeof(err));
  ck_assert_msg(rc == 0, "'%s': %s", spec ? spec : "(null)", err);
  ck_assert_uint_eq(counts[0], a);
  ck_assert_uint_eq(counts[1], b);
  ck_assert_uint_eq(counts[2], c);
}

static void refused(const char* spec, const char* want) {
  unsigned counts[3];
  char err[256] = "";
  ck_assert_int_eq(
      cli_formation_parse(spec, types, 3, "Procfile", counts, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err, want);
}

START_TEST(test_formation_counts) {
  counts_of(NULL, 1, 1, 1); /* foreman's default: all=1 */
  counts_of("all=2", 2, 2, 2);
  counts_of("web=2,worker=1,all=1", 2, 1, 1);
  /* foreman: a type not named runs none when "all" is not given. */
  counts_of("web=2", 2, 0, 0);
  counts_of(" web = 3 , all = 0 ", 3, 0, 0);
  counts_of("all=1,web=0", 0, 1, 1);
  counts_of("web=1,web=4", 4, 0, 0); /* the last wins, as in foreman */
}
END_TEST

START_TEST(test_formation_refused) {
  refused("wbe=2", "-m 'wbe=2': no process type 'wbe' in Procfile");
  refused("web", "-m 'web': use NAME=N (e.g. web=2,all=1)");
  refused("=2", "-m '=2': use NAME=N (e.g. web=2,all=1)");
  refused("web=x", "-m 'web=x': N is a number from 0 to 1000");
  refused("web=-1", "-m 'web=-1': N is a number from 0 to 1000");
  refused("web=1001", "-m 'web=1001': N is a number from 0 to 1000");
  refused("web=", "-m 'web=': N is a number from 0 to 1000");
  refused(" , ", "-m: the formation is empty");
}
END_TEST

START_TEST(test_formation_ports) {
  /* foreman: base + 100 per type (its place in the Procfile) + 1 per
   * instance. */
  ck_assert_uint_eq(cli_formation_port(5000, 0, 1), 5000);
  ck_assert_uint_eq(cli_formation_port(5000, 0, 2), 5001);
  ck_assert_uint_eq(cli_formation_port(5000, 2, 1), 5200);
  ck_assert_uint_eq(cli_formation_port(3000, 1, 3), 3102);
}
END_TEST

static Suite* formation_suite(void) {
  Suite* s = suite_create("formation");
  TCase* core = tu_tcase_new(s, "core", 0);
  tcase_add_test(core, test_formation_counts);
  tcase_add_test(core, test_formation_ports);
  TCase* errors = tu_tcase_new(s, "errors", 0);
  tcase_add_test(errors, test_formation_refused);
  return s;
}

int main(void) {
  return tu_run_suite(formation_suite());
}
