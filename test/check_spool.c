/* Tests for the spool: memory up to the bound, then an unlinked file; what
 * goes in comes back byte for byte, from any offset. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "spool.h"
#include "testutil.h"

#define MIB (1024 * 1024)

/* Each test gets its own empty $TMPDIR, so it can check that the spool
 * leaves nothing there. */
static char* tmpdir;

static void tmpdir_setup(void) {
  tmpdir = tu_tmpdir_new();
  ck_assert_int_eq(setenv("TMPDIR", tmpdir, 1), 0);
}

/* Bytes that cover every value, NUL and 0xFF included, and do not repeat
 * with a period that divides the chunk sizes used below. */
static unsigned char* pattern(size_t len) {
  unsigned char* p = malloc(len);
  ck_assert_ptr_nonnull(p);
  for (size_t i = 0; i < len; i++) {
    p[i] = (unsigned char)(i * 7 + i / 251);
  }
  return p;
}

/* Reads everything back in blocks of block bytes and compares. */
static void check_contents(cli_spool_t* s,
                           const unsigned char* want,
                           size_t len,
                           size_t block) {
  ck_assert_uint_eq(s->total, len);
  unsigned char* got = malloc(block);
  ck_assert_ptr_nonnull(got);
  size_t off = 0;
  while (off < len) {
    ssize_t r = cli_spool_read(s, off, got, block);
    size_t expect = len - off < block ? len - off : block;
    ck_assert_msg(r == (ssize_t)expect, "read at %zu gave %zd, want %zu", off,
                  r, expect);
    ck_assert_msg(memcmp(got, want + off, expect) == 0,
                  "bytes differ in the block at %zu", off);
    off += expect;
  }
  ck_assert_int_eq(cli_spool_read(s, off, got, block), 0);
  free(got);
}

START_TEST(test_spool_init_defaults) {
  cli_spool_t s;
  memset(&s, 0x5A, sizeof(s));
  cli_spool_init(&s, 0);
  ck_assert_ptr_null(s.mem);
  ck_assert_uint_eq(s.mem_len, 0);
  ck_assert_uint_eq(s.memory_max, CLI_SPOOL_MEMORY_MAX);
  ck_assert_int_eq(s.fd, -1);
  ck_assert_uint_eq(s.file_len, 0);
  ck_assert_uint_eq(s.total, 0);
  ck_assert_int_eq(s.error, 0);
  cli_spool_free(&s);
  cli_spool_init(&s, 100);
  ck_assert_uint_eq(s.memory_max, 100);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_small_stays_in_memory) {
  cli_spool_t s;
  cli_spool_init(&s, 0);
  ck_assert_int_eq(cli_spool_append(&s, "hello", 5), 0);
  ck_assert_int_eq(cli_spool_append(&s, " world\n", 7), 0);
  ck_assert_int_eq(s.fd, -1);
  ck_assert_uint_eq(s.mem_len, 12);
  ck_assert_uint_eq(s.file_len, 0);
  ck_assert_uint_eq(s.total, 12);
  char out[64];
  ck_assert_int_eq(cli_spool_read(&s, 0, out, sizeof(out)), 12);
  ck_assert_int_eq(memcmp(out, "hello world\n", 12), 0);
  ck_assert_int_eq(cli_spool_read(&s, 6, out, 3), 3);
  ck_assert_int_eq(memcmp(out, "wor", 3), 0);
  ck_assert_int_eq(tu_count_entries(tmpdir), 0);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_empty_appends) {
  cli_spool_t s;
  cli_spool_init(&s, 0);
  ck_assert_int_eq(cli_spool_append(&s, NULL, 0), 0);
  ck_assert_int_eq(cli_spool_append(&s, "", 0), 0);
  ck_assert_uint_eq(s.total, 0);
  char out[4];
  ck_assert_int_eq(cli_spool_read(&s, 0, out, sizeof(out)), 0);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_free_twice_is_harmless) {
  cli_spool_t s;
  cli_spool_init(&s, 4);
  ck_assert_int_eq(cli_spool_append(&s, "abcdefgh", 8), 0);
  int fd = s.fd;
  ck_assert_int_ge(fd, 0);
  cli_spool_free(&s);
  ck_assert_int_eq(fcntl(fd, F_GETFD), -1); /* closed */
  ck_assert_int_eq(errno, EBADF);
  ck_assert_ptr_null(s.mem);
  ck_assert_int_eq(s.fd, -1);
  ck_assert_uint_eq(s.total, 0);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_exactly_at_bound_stays_in_memory) {
  cli_spool_t s;
  cli_spool_init(&s, 16);
  ck_assert_int_eq(cli_spool_append(&s, "0123456789abcdef", 16), 0);
  ck_assert_int_eq(s.fd, -1);
  ck_assert_uint_eq(s.mem_len, 16);
  ck_assert_int_eq(cli_spool_append(&s, "", 0), 0);
  ck_assert_int_eq(s.fd, -1);
  /* One more byte makes the file. */
  ck_assert_int_eq(cli_spool_append(&s, "g", 1), 0);
  ck_assert_int_ge(s.fd, 0);
  ck_assert_uint_eq(s.mem_len, 16);
  ck_assert_uint_eq(s.file_len, 1);
  check_contents(&s, (const unsigned char*)"0123456789abcdefg", 17, 64);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_straddling_append_splits) {
  cli_spool_t s;
  cli_spool_init(&s, 16);
  ck_assert_int_eq(cli_spool_append(&s, "0123456789", 10), 0);
  ck_assert_int_eq(cli_spool_append(&s, "abcdefghij", 10), 0);
  ck_assert_uint_eq(s.mem_len, 16);
  ck_assert_uint_eq(s.file_len, 4);
  ck_assert_uint_eq(s.total, 20);
  ck_assert_int_eq(memcmp(s.mem, "0123456789abcdef", 16), 0);
  check_contents(&s, (const unsigned char*)"0123456789abcdefghij", 20, 20);
  /* Later appends all go to the file. */
  ck_assert_int_eq(cli_spool_append(&s, "KL", 2), 0);
  ck_assert_uint_eq(s.mem_len, 16);
  ck_assert_uint_eq(s.file_len, 6);
  check_contents(&s, (const unsigned char*)"0123456789abcdefghijKL", 22, 5);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_one_append_past_bound) {
  unsigned char* p = pattern(100);
  cli_spool_t s;
  cli_spool_init(&s, 16);
  ck_assert_int_eq(cli_spool_append(&s, p, 100), 0);
  ck_assert_uint_eq(s.mem_len, 16);
  ck_assert_uint_eq(s.file_len, 84);
  check_contents(&s, p, 100, 7);
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_byte_by_byte_fills_bound) {
  unsigned char* p = pattern(40);
  cli_spool_t s;
  cli_spool_init(&s, 16);
  for (size_t i = 0; i < 40; i++) {
    ck_assert_int_eq(cli_spool_append(&s, p + i, 1), 0);
    ck_assert_uint_eq(s.mem_len, i < 16 ? i + 1 : 16);
    ck_assert_int_eq(s.fd >= 0, i >= 16);
  }
  check_contents(&s, p, 40, 3);
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_grows_byte_by_byte) {
  /* Memory grows in steps; a bound that is no power of two is still met
   * exactly, and every step keeps what came before. */
  size_t len = 12000;
  unsigned char* p = pattern(len);
  cli_spool_t s;
  cli_spool_init(&s, 10000);
  for (size_t i = 0; i < len; i++) {
    ck_assert_int_eq(cli_spool_append(&s, p + i, 1), 0);
  }
  ck_assert_uint_eq(s.mem_len, 10000);
  ck_assert_uint_eq(s.file_len, 2000);
  check_contents(&s, p, len, 4096);
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_large_in_chunks_byte_exact) {
  size_t len = 5 * MIB;
  unsigned char* p = pattern(len);
  ck_assert_ptr_nonnull(memchr(p, 0x00, len));
  ck_assert_ptr_nonnull(memchr(p, 0xFF, len));
  cli_spool_t s;
  cli_spool_init(&s, 0); /* the default bound, 1 MiB */
  for (size_t off = 0; off < len; off += 4099) {
    size_t n = len - off < 4099 ? len - off : 4099;
    ck_assert_int_eq(cli_spool_append(&s, p + off, n), 0);
  }
  ck_assert_uint_eq(s.mem_len, MIB);
  ck_assert_uint_eq(s.file_len, 4 * MIB);
  check_contents(&s, p, len, 65521);
  check_contents(&s, p, len, len); /* one read across the boundary */
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_large_single_append) {
  size_t len = 5 * MIB + 3;
  unsigned char* p = pattern(len);
  cli_spool_t s;
  cli_spool_init(&s, MIB);
  ck_assert_int_eq(cli_spool_append(&s, p, len), 0);
  ck_assert_uint_eq(s.mem_len, MIB);
  ck_assert_uint_eq(s.file_len, len - MIB);
  check_contents(&s, p, len, MIB - 1);
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_read_every_offset_and_length) {
  /* 40 bytes over a bound of 16: every (offset, len) pair, in memory, in
   * the file and across the boundary, gives exactly the bytes there. */
  unsigned char* p = pattern(40);
  cli_spool_t s;
  cli_spool_init(&s, 16);
  ck_assert_int_eq(cli_spool_append(&s, p, 25), 0);
  ck_assert_int_eq(cli_spool_append(&s, p + 25, 15), 0);
  for (size_t off = 0; off <= 40; off++) {
    for (size_t len = 0; len <= 45; len++) {
      unsigned char got[64];
      memset(got, 0xA5, sizeof(got));
      size_t expect = off + len <= 40 ? len : 40 - off;
      ssize_t r = cli_spool_read(&s, off, got, len);
      ck_assert_msg(r == (ssize_t)expect, "read(%zu, %zu) gave %zd", off, len,
                    r);
      ck_assert_msg(memcmp(got, p + off, expect) == 0,
                    "read(%zu, %zu): bytes differ", off, len);
      ck_assert_int_eq(got[expect], 0xA5); /* nothing written beyond */
    }
  }
  cli_spool_free(&s);
  free(p);
}
END_TEST

START_TEST(test_spool_read_past_end) {
  cli_spool_t s;
  cli_spool_init(&s, 4);
  ck_assert_int_eq(cli_spool_append(&s, "abcdef", 6), 0);
  char out[8] = "zzzzzzz";
  ck_assert_int_eq(cli_spool_read(&s, 6, out, sizeof(out)), 0);
  ck_assert_int_eq(cli_spool_read(&s, 7, out, sizeof(out)), 0);
  ck_assert_int_eq(cli_spool_read(&s, UINT64_MAX, out, sizeof(out)), 0);
  ck_assert_str_eq(out, "zzzzzzz");
  cli_spool_free(&s);
}
END_TEST

/* The name /proc gives the spool's file: where it was made, and whether it
 * is unlinked. */
static void fd_path(int fd, char* out, size_t outlen) {
  char link[64];
  snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
  ssize_t n = readlink(link, out, outlen - 1);
  ck_assert_int_gt(n, 0);
  out[n] = '\0';
}

static void check_unlinked_in(int fd, const char* dir) {
  char path[PATH_MAX];
  fd_path(fd, path, sizeof(path));
  size_t dir_len = strlen(dir);
  ck_assert_msg(strncmp(path, dir, dir_len) == 0 && path[dir_len] == '/' &&
                    strchr(path + dir_len + 1, '/') == NULL,
                "file %s is not in %s", path, dir);
  const char* deleted = " (deleted)";
  ck_assert_msg(strlen(path) > strlen(deleted) &&
                    strcmp(path + strlen(path) - strlen(deleted), deleted) == 0,
                "file %s is not unlinked", path);
  struct stat st;
  ck_assert_int_eq(fstat(fd, &st), 0);
  ck_assert_uint_eq(st.st_nlink, 0);
}

START_TEST(test_spool_file_unlinked_in_tmpdir) {
  cli_spool_t s;
  cli_spool_init(&s, 8);
  ck_assert_int_eq(cli_spool_append(&s, "0123456789", 10), 0);
  ck_assert_int_ge(s.fd, 0);
  check_unlinked_in(s.fd, tmpdir);
  ck_assert_int_eq(tu_count_entries(tmpdir), 0);
  /* Not inherited by workers, not readable by others. */
  ck_assert_int_eq(fcntl(s.fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  struct stat st;
  ck_assert_int_eq(fstat(s.fd, &st), 0);
  ck_assert_int_eq(st.st_mode & 077, 0);
  ck_assert_uint_eq(st.st_size, 2);
  cli_spool_free(&s);
  ck_assert_int_eq(tu_count_entries(tmpdir), 0);
}
END_TEST

START_TEST(test_spool_file_default_tmp) {
  const char* unset_or_empty[] = { NULL, "" };
  for (size_t i = 0; i < 2; i++) {
    if (unset_or_empty[i] == NULL) {
      ck_assert_int_eq(unsetenv("TMPDIR"), 0);
    } else {
      ck_assert_int_eq(setenv("TMPDIR", unset_or_empty[i], 1), 0);
    }
    cli_spool_t s;
    cli_spool_init(&s, 1);
    ck_assert_int_eq(cli_spool_append(&s, "ab", 2), 0);
    ck_assert_int_ge(s.fd, 0);
    char tmp[PATH_MAX];
    ck_assert_ptr_nonnull(realpath("/tmp", tmp));
    check_unlinked_in(s.fd, tmp);
    check_contents(&s, (const unsigned char*)"ab", 2, 2);
    cli_spool_free(&s);
  }
}
END_TEST

START_TEST(test_spool_missing_tmpdir_fails_cleanly) {
  char missing[PATH_MAX + 32];
  snprintf(missing, sizeof(missing), "%s/missing", tmpdir);
  ck_assert_int_eq(setenv("TMPDIR", missing, 1), 0);
  cli_spool_t s;
  cli_spool_init(&s, 16);
  /* The file is made only when needed: memory appends still work. */
  ck_assert_int_eq(cli_spool_append(&s, "0123456789", 10), 0);
  ck_assert_int_eq(s.error, 0);
  errno = 0;
  ck_assert_int_eq(cli_spool_append(&s, "abcdefghij", 10), -1);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_int_eq(s.error, ENOENT);
  ck_assert_int_eq(s.fd, -1);
  /* What fitted in memory is kept and readable. */
  ck_assert_uint_eq(s.total, 16);
  check_contents(&s, (const unsigned char*)"0123456789abcdef", 16, 16);
  /* Later appends fail, even when the directory appears meanwhile. */
  ck_assert_int_eq(mkdir(missing, 0700), 0);
  errno = 0;
  ck_assert_int_eq(cli_spool_append(&s, "x", 1), -1);
  ck_assert_int_eq(errno, ENOENT);
  ck_assert_int_eq(cli_spool_append(&s, "", 0), -1);
  ck_assert_uint_eq(s.total, 16);
  ck_assert_int_eq(tu_count_entries(missing), 0);
  ck_assert_int_eq(rmdir(missing), 0);
  cli_spool_free(&s);
}
END_TEST

START_TEST(test_spool_tmpdir_is_a_file) {
  char file[PATH_MAX + 32];
  snprintf(file, sizeof(file), "%s/file", tmpdir);
  int fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
  ck_assert_int_ge(fd, 0);
  close(fd);
  ck_assert_int_eq(setenv("TMPDIR", file, 1), 0);
  cli_spool_t s;
  cli_spool_init(&s, 1);
  ck_assert_int_eq(cli_spool_append(&s, "ab", 2), -1);
  ck_assert_int_eq(s.error, ENOTDIR);
  ck_assert_uint_eq(s.total, 1);
  cli_spool_free(&s);
  ck_assert_int_eq(unlink(file), 0);
}
END_TEST

static Suite* spool_suite(void) {
  Suite* s = suite_create("spool");
  TCase* tc = tu_tcase_new(s, "core", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_init_defaults);
  tcase_add_test(tc, test_spool_small_stays_in_memory);
  tcase_add_test(tc, test_spool_empty_appends);
  tcase_add_test(tc, test_spool_free_twice_is_harmless);
  tc = tu_tcase_new(s, "bound", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_exactly_at_bound_stays_in_memory);
  tcase_add_test(tc, test_spool_straddling_append_splits);
  tcase_add_test(tc, test_spool_one_append_past_bound);
  tcase_add_test(tc, test_spool_byte_by_byte_fills_bound);
  tc = tu_tcase_new(s, "large", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_grows_byte_by_byte);
  tcase_add_test(tc, test_spool_large_in_chunks_byte_exact);
  tcase_add_test(tc, test_spool_large_single_append);
  tc = tu_tcase_new(s, "read", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_read_every_offset_and_length);
  tcase_add_test(tc, test_spool_read_past_end);
  tc = tu_tcase_new(s, "file", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_file_unlinked_in_tmpdir);
  tcase_add_test(tc, test_spool_file_default_tmp);
  tc = tu_tcase_new(s, "errors", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_spool_missing_tmpdir_fails_cleanly);
  tcase_add_test(tc, test_spool_tmpdir_is_a_file);
  return s;
}

int main(void) {
  return tu_run_suite(spool_suite());
}
