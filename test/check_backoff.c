/* Restart arithmetic without processes: growth, cap, jitter, reset, and the
 * give-up limit in a row and within a period. */
#include <check.h>

#include "backoff.h"
#include "testutil.h"

static uvsup_backoff_policy_t policy(void) {
  uvsup_backoff_policy_t p = { .initial_ms = 500,
                               .max_ms = 30000,
                               .factor = 2.0,
                               .jitter = 0.0,
                               .reset_ms = 60000 };
  return p;
}

START_TEST(test_backoff_grows_and_caps) {
  uvsup_backoff_policy_t p = policy();
  uint64_t rng = 1;
  uint64_t want[] = { 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000 };
  for (unsigned k = 1; k <= 8; k++) {
    ck_assert_uint_eq(uvsup__backoff_delay(&p, k, &rng), want[k - 1]);
  }
  /* A million failures in a row: still the cap, no overflow. */
  ck_assert_uint_eq(uvsup__backoff_delay(&p, 1000000, &rng), 30000);
  p.factor = 1.0;
  ck_assert_uint_eq(uvsup__backoff_delay(&p, 50, &rng), 500);
}
END_TEST

START_TEST(test_backoff_jitter_spreads_and_is_reproducible) {
  uvsup_backoff_policy_t p = policy();
  p.jitter = 0.1;
  uint64_t a = 42, b = 42;
  uint64_t lo = UINT64_MAX, hi = 0;
  for (int i = 0; i < 1000; i++) {
    uint64_t d = uvsup__backoff_delay(&p, 3, &a);
    ck_assert_uint_eq(d, uvsup__backoff_delay(&p, 3, &b)); /* same seed */
    ck_assert_uint_ge(d, 1800);
    ck_assert_uint_le(d, 2200);
    lo = d < lo ? d : lo;
    hi = d > hi ? d : hi;
  }
  /* Workers that crash together do not restart in lock-step. */
  ck_assert_uint_lt(lo, 1850);
  ck_assert_uint_gt(hi, 2150);
  /* At the cap too. */
  ck_assert_uint_ge(uvsup__backoff_delay(&p, 40, &a), 27000);
  ck_assert_uint_le(uvsup__backoff_delay(&p, 40, &a), 33000);
}
END_TEST

START_TEST(test_backoff_never_immediate) {
  uvsup_backoff_policy_t p = policy();
  p.initial_ms = 1;
  p.jitter = 0.9;
  uint64_t rng = 7;
  for (int i = 0; i < 1000; i++) {
    ck_assert_uint_ge(uvsup__backoff_delay(&p, 1, &rng), 1);
  }
}
END_TEST

START_TEST(test_backoff_reset_forgives) {
  uvsup_backoff_policy_t p = policy();
  uvsup_backoff_t b;
  ck_assert_int_eq(uvsup__backoff_init(&b, &p), 0);
  uint64_t rng = 1, delay = 0;
  for (unsigned k = 1; k <= 4; k++) {
    uvsup__backoff_run_ended(&b, &p, 100); /* short runs: no forgiving */
    ck_assert_int_eq(uvsup__backoff_failed(&b, &p, k * 1000, &rng, &delay), 0);
  }
  ck_assert_uint_eq(delay, 4000);
  ck_assert_uint_eq(b.failures, 4);
  uvsup__backoff_run_ended(&b, &p, 59999); /* just short of the period */
  ck_assert_uint_eq(b.failures, 4);
  uvsup__backoff_run_ended(&b, &p, 60000);
  ck_assert_uint_eq(b.failures, 0);
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 99000, &rng, &delay), 0);
  ck_assert_uint_eq(delay, 500);
  uvsup__backoff_free(&b);
}
END_TEST

START_TEST(test_backoff_limit_in_a_row) {
  uvsup_backoff_policy_t p = policy();
  p.limit = 3;
  uvsup_backoff_t b;
  ck_assert_int_eq(uvsup__backoff_init(&b, &p), 0);
  uint64_t rng = 1, delay;
  for (int i = 0; i < 3; i++) {
    ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 0, &rng, &delay), 0);
  }
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 0, &rng, &delay), 1);
  ck_assert_uint_eq(b.failures, 3); /* giving up records nothing */
  /* A forgiving run starts the count again. */
  uvsup__backoff_run_ended(&b, &p, 60000);
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 0, &rng, &delay), 0);
  uvsup__backoff_clear(&b);
  ck_assert_uint_eq(b.failures, 0);
  uvsup__backoff_free(&b);
}
END_TEST

START_TEST(test_backoff_limit_within_period) {
  uvsup_backoff_policy_t p = policy();
  p.limit = 2;
  p.period_ms = 1000;
  uvsup_backoff_t b;
  ck_assert_int_eq(uvsup__backoff_init(&b, &p), 0);
  uint64_t rng = 1, delay;
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 10000, &rng, &delay), 0);
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 10100, &rng, &delay), 0);
  /* A third within the second: more than 2 in 1 s. */
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 10999, &rng, &delay), 1);
  /* Once the first has left the window, there is room for one. */
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 11000, &rng, &delay), 0);
  ck_assert_int_eq(uvsup__backoff_failed(&b, &p, 11050, &rng, &delay), 1);
  /* Long after: both slots free again, the ring wraps cleanly. */
  for (uint64_t t = 20000; t < 30000; t += 600) {
    ck_assert_int_eq(uvsup__backoff_failed(&b, &p, t, &rng, &delay), 0);
  }
  uvsup__backoff_free(&b);
}
END_TEST

static Suite* backoff_suite(void) {
  Suite* s = suite_create("backoff");
  TCase* delay = tcase_create("delay");
  tcase_add_test(delay, test_backoff_grows_and_caps);
  tcase_add_test(delay, test_backoff_jitter_spreads_and_is_reproducible);
  tcase_add_test(delay, test_backoff_never_immediate);
  suite_add_tcase(s, delay);
  TCase* history = tcase_create("history");
  tcase_add_test(history, test_backoff_reset_forgives);
  tcase_add_test(history, test_backoff_limit_in_a_row);
  tcase_add_test(history, test_backoff_limit_within_period);
  suite_add_tcase(s, history);
  return s;
}

int main(void) {
  return tu_run_suite(backoff_suite());
}
