/* The hash table behind the pid and name indexes. */
#include <stdint.h>
#include <stdlib.h>

#include <check.h>

#include "table.h"
#include "testutil.h"

static int match_int(const void* item, const void* key) {
  return *(const int*)item == *(const int*)key;
}

static int* find(uvsup_table_t* t, int key) {
  return uvsup__table_find(t, uvsup__hash_int((uint32_t)key), match_int, &key);
}

START_TEST(test_table_insert_find_remove) {
  enum { N = 5000 };
  static int items[N];
  uvsup_table_t t;
  uvsup__table_init(&t);
  for (int i = 0; i < N; i++) {
    items[i] = i * 7 + 1;
    ck_assert_int_eq(
        uvsup__table_insert(&t, uvsup__hash_int((uint32_t)items[i]), &items[i]),
        0);
  }
  ck_assert_uint_eq(t.count, N);
  for (int i = 0; i < N; i++) {
    ck_assert_ptr_eq(find(&t, items[i]), &items[i]);
  }
  ck_assert_ptr_null(find(&t, 0));
  /* Remove every other item: the rest must stay reachable, which is what
   * backward-shift deletion has to get right. */
  for (int i = 0; i < N; i += 2) {
    uvsup__table_remove(&t, uvsup__hash_int((uint32_t)items[i]), &items[i]);
  }
  ck_assert_uint_eq(t.count, N / 2);
  for (int i = 0; i < N; i++) {
    ck_assert_ptr_eq(find(&t, items[i]), i % 2 ? &items[i] : NULL);
  }
  uvsup__table_free(&t);
}
END_TEST

START_TEST(test_table_colliding_hashes) {
  /* Every item under one hash: one long probe run, removed from the middle. */
  static int items[64];
  uvsup_table_t t;
  uvsup__table_init(&t);
  for (int i = 0; i < 64; i++) {
    items[i] = i;
    ck_assert_int_eq(uvsup__table_insert(&t, 42, &items[i]), 0);
  }
  for (int i = 10; i < 50; i++) {
    uvsup__table_remove(&t, 42, &items[i]);
  }
  for (int i = 0; i < 64; i++) {
    int* found = uvsup__table_find(&t, 42, match_int, &items[i]);
    ck_assert_ptr_eq(found, i >= 10 && i < 50 ? NULL : &items[i]);
  }
  /* Removing what is not there changes nothing. */
  uvsup__table_remove(&t, 42, &items[20]);
  ck_assert_uint_eq(t.count, 24);
  uvsup__table_free(&t);
}
END_TEST

START_TEST(test_table_churn_keeps_size_bounded) {
  /* A long-running service adds and removes forever: no tombstones pile up
   * and the table does not grow past what is live at once. */
  static int items[16];
  uvsup_table_t t;
  uvsup__table_init(&t);
  for (int round = 0; round < 10000; round++) {
    int* item = &items[round % 16];
    *item = round;
    if (round >= 16) {
      uvsup__table_remove(&t, uvsup__hash_int((uint32_t)(round - 16)), item);
    }
    ck_assert_int_eq(
        uvsup__table_insert(&t, uvsup__hash_int((uint32_t)round), item), 0);
    ck_assert_ptr_eq(find(&t, round), item);
  }
  ck_assert_uint_eq(t.count, 16);
  ck_assert_uint_le(t.mask + 1, 64);
  uvsup__table_free(&t);
}
END_TEST

START_TEST(test_table_empty) {
  uvsup_table_t t;
  uvsup__table_init(&t);
  ck_assert_ptr_null(find(&t, 1));
  uvsup__table_remove(&t, 1, &t);
  uvsup__table_free(&t);
  ck_assert_uint_ne(uvsup__hash_str("a"), uvsup__hash_str("b"));
}
END_TEST

int main(void) {
  Suite* s = suite_create("table");
  TCase* core = tcase_create("core");
  tcase_add_test(core, test_table_insert_find_remove);
  tcase_add_test(core, test_table_colliding_hashes);
  tcase_add_test(core, test_table_churn_keeps_size_bounded);
  tcase_add_test(core, test_table_empty);
  suite_add_tcase(s, core);
  return tu_run_suite(s);
}
