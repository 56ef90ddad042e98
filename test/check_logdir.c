/* Tests for --log-dir: safe file names, mkdir -p with clear errors,
 * appending to a worker's log. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <check.h>

#include "logdir.h"
#include "testutil.h"

/* Each test's own empty directory. */
static char* tmpdir;

static void tmpdir_setup(void) {
  tmpdir = tu_tmpdir_new();
}

/* tmpdir/rel, in a static buffer (one at a time). */
static const char* in_tmp(const char* rel) {
  static char path[2][PATH_MAX + 256];
  static int which;
  which = !which;
  snprintf(path[which], sizeof(path[which]), "%s/%s", tmpdir, rel);
  return path[which];
}

/* Checks the name with a roomy buffer (so the 200-byte limit shows by
 * itself) and with CLI_LOGDIR_FILE_NAME_SIZE bytes, which must be enough. */
static void check_name(const char* name, const char* want) {
  char out[512];
  memset(out, 'Z', sizeof(out));
  ck_assert_ptr_eq(cli_logdir_file_name(out, sizeof(out), name), out);
  ck_assert_msg(strcmp(out, want) == 0, "\"%s\" gave \"%s\", want \"%s\"", name,
                out, want);
  memset(out, 'Z', sizeof(out));
  cli_logdir_file_name(out, CLI_LOGDIR_FILE_NAME_SIZE, name);
  ck_assert_msg(strcmp(out, want) == 0,
                "\"%s\" gave \"%s\" in %d bytes, want \"%s\"", name, out,
                CLI_LOGDIR_FILE_NAME_SIZE, want);
}

static int is_dir(const char* path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static void make_file(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
  close(fd);
}

static void check_file(const char* path, const char* want) {
  char got[256];
  int fd = open(path, O_RDONLY);
  ck_assert_int_ge(fd, 0);
  ssize_t n = read(fd, got, sizeof(got) - 1);
  close(fd);
  ck_assert_int_ge(n, 0);
  got[n] = '\0';
  ck_assert_str_eq(got, want);
}

START_TEST(test_logdir_name_plain) {
  check_name("web", "web.log");
  check_name("web.1", "web.1.log");
  check_name("my worker", "my worker.log");
  check_name("a-b_c+d=e,f", "a-b_c+d=e,f.log");
  check_name("x.log", "x.log.log");
}
END_TEST

START_TEST(test_logdir_name_slashes_and_dots) {
  check_name("a/b", "a_b.log");
  check_name("/etc/passwd", "_etc_passwd.log");
  check_name("../../etc/x", "_._.._etc_x.log");
  check_name("..", "_..log");
  check_name(".", "_.log");
  check_name(".hidden", "_hidden.log");
  check_name("a..b", "a..b.log"); /* only a leading dot matters */
  check_name("a/", "a_.log");
  check_name("/", "_.log");
}
END_TEST

START_TEST(test_logdir_name_control_chars) {
  check_name("a\tb\nc\rd", "a_b_c_d.log");
  check_name("\033[31mred", "_[31mred.log");
  check_name("\x01\x1f\x7f", "___.log");
  /* C1 controls (U+0080..U+009F, e.g. U+009B CSI) are one '_' each. */
  check_name(
      "a\xc2\x9b"
      "b\xc2\x80",
      "a_b_.log");
  check_name("\xc2\xa0", "\xc2\xa0.log"); /* U+00A0 is no control */
}
END_TEST

START_TEST(test_logdir_name_utf8_kept) {
  check_name("caf\xc3\xa9", "caf\xc3\xa9.log");
  check_name("\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89",
             "\xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x8e\x89.log");
  /* Invalid bytes become '_', one each: names stay valid UTF-8. */
  check_name(
      "a\xff\xfe"
      "b",
      "a__b.log");
  check_name("\xe6\x97", "__.log");      /* a cut sequence */
  check_name("\xc0\xaf", "__.log");      /* an overlong '/' */
  check_name("\xed\xa0\x80", "___.log"); /* a surrogate */
}
END_TEST

START_TEST(test_logdir_name_empty) {
  check_name("", "_.log");
}
END_TEST

/* A name too long for the file name: its first `kept` bytes, "~", 16 hex
 * digits and ".log", with a roomy buffer and with the header's size. */
static void check_long(const char* name, size_t kept) {
  char out[512];
  size_t sizes[2] = { sizeof(out), CLI_LOGDIR_FILE_NAME_SIZE };
  for (int i = 0; i < 2; i++) {
    memset(out, 'Z', sizeof(out));
    cli_logdir_file_name(out, sizes[i], name);
    ck_assert_msg(strlen(out) == kept + 17 + 4 && memcmp(out, name, kept) == 0,
                  "\"%s\" gave \"%s\", want its first %zu bytes", name, out,
                  kept);
    ck_assert_int_eq(out[kept], '~');
    ck_assert_uint_eq(strspn(out + kept + 1, "0123456789abcdef"), 16);
    ck_assert_str_eq(out + kept + 17, ".log");
  }
}

START_TEST(test_logdir_name_long_cut_on_utf8_boundary) {
  char name[301];
  char want[CLI_LOGDIR_FILE_NAME_SIZE];

  /* 300 ASCII bytes: the first 183, then the hash of all 300. */
  memset(name, 'n', 300);
  name[300] = '\0';
  check_long(name, 183);

  /* "x" and 2-byte characters: 1 + 91 * 2 = 183 bytes. */
  name[0] = 'x';
  for (int i = 0; i < 149; i++) {
    memcpy(name + 1 + 2 * i, "\xc3\xa9", 2);
  }
  name[299] = '\0';
  check_long(name, 183);

  /* 3-byte characters: 61 of them, 183 bytes. */
  for (int i = 0; i < 100; i++) {
    memcpy(name + 3 * i, "\xe6\x97\xa5", 3);
  }
  name[300] = '\0';
  check_long(name, 183);

  /* "x" and 4-byte characters: 1 + 45 * 4 = 181 bytes; the 46th would end
   * at byte 185. */
  name[0] = 'x';
  for (int i = 0; i < 74; i++) {
    memcpy(name + 1 + 4 * i, "\xf0\x9f\x8e\x89", 4);
  }
  name[297] = '\0';
  check_long(name, 181);

  /* Exactly 200 bytes: all kept, no hash. */
  memset(name, 'q', 200);
  name[200] = '\0';
  memcpy(want, name, 200);
  strcpy(want + 200, ".log");
  check_name(name, want);
}
END_TEST

START_TEST(test_logdir_name_long_names_apart) {
  /* Two names sharing their first 250 bytes get two logs; one name always
   * the same log (appends across runs land together). */
  char a[260], b[260];
  memset(a, 'n', 259);
  a[259] = '\0';
  memcpy(b, a, sizeof(a));
  b[258] = 'm';
  char fa[CLI_LOGDIR_FILE_NAME_SIZE], fb[CLI_LOGDIR_FILE_NAME_SIZE];
  char fa2[CLI_LOGDIR_FILE_NAME_SIZE];
  cli_logdir_file_name(fa, sizeof(fa), a);
  cli_logdir_file_name(fb, sizeof(fb), b);
  cli_logdir_file_name(fa2, sizeof(fa2), a);
  ck_assert_str_ne(fa, fb);
  ck_assert_str_eq(fa, fa2);
}
END_TEST

START_TEST(test_logdir_open_refuses_links_and_non_files) {
  /* A symbolic link where a log goes is not followed (what it points to
   * is left alone), and a FIFO is refused at once instead of blocking. */
  char err[PATH_MAX + 64];
  make_file(in_tmp("target"), "keep\n");
  ck_assert_int_eq(symlink(in_tmp("target"), in_tmp("web.log")), 0);
  ck_assert_int_eq(cli_logdir_open(tmpdir, "web.log", err, sizeof(err)), -1);
  ck_assert_msg(strstr(err, "web.log: ") != NULL, "%s", err);
  check_file(in_tmp("target"), "keep\n");
  ck_assert_int_eq(mkfifo(in_tmp("fifo.log"), 0644), 0);
  ck_assert_int_eq(cli_logdir_open(tmpdir, "fifo.log", err, sizeof(err)), -1);
  char want[PATH_MAX + 64];
  snprintf(want, sizeof(want), "%s: not a regular file", in_tmp("fifo.log"));
  ck_assert_str_eq(err, want);
  /* A regular file is opened as before, and blocking. */
  int fd = cli_logdir_open(tmpdir, "target", err, sizeof(err));
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(fcntl(fd, F_GETFL) & O_NONBLOCK, 0);
  close(fd);
}
END_TEST

START_TEST(test_logdir_name_small_buffer) {
  char out[8];
  memset(out, 'Z', sizeof(out));
  ck_assert_str_eq(cli_logdir_file_name(out, 8, "web"), "web.log");
  ck_assert_str_eq(cli_logdir_file_name(out, 7, "web"), "we.log");
  ck_assert_str_eq(cli_logdir_file_name(out, 8, "\xc3\xa9\xc3\xa9"),
                   "\xc3\xa9.log"); /* a whole character or none */
  ck_assert_str_eq(cli_logdir_file_name(out, 6, "web"), "w.log");
  ck_assert_str_eq(cli_logdir_file_name(out, 6, "\xc3\xa9"), "_.log");
  ck_assert_str_eq(cli_logdir_file_name(out, 5, "web"), "");
  out[0] = 'Z';
  cli_logdir_file_name(out, 0, "web");
  ck_assert_int_eq(out[0], 'Z');
}
END_TEST

START_TEST(test_logdir_create_nested) {
  char err[256] = "";
  ck_assert_int_eq(cli_logdir_create(in_tmp("a/b/c/d"), err, sizeof(err)), 0);
  ck_assert_str_eq(err, "");
  ck_assert(is_dir(in_tmp("a")));
  ck_assert(is_dir(in_tmp("a/b/c")));
  ck_assert(is_dir(in_tmp("a/b/c/d")));
}
END_TEST

START_TEST(test_logdir_create_existing) {
  char err[256] = "";
  ck_assert_int_eq(cli_logdir_create(tmpdir, err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_create(in_tmp("a/b"), err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_create(in_tmp("a/b"), err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_create(in_tmp("a"), err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_create("/", err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_create(".", err, sizeof(err)), 0);
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_logdir_create_odd_slashes) {
  char err[256] = "";
  ck_assert_int_eq(cli_logdir_create(in_tmp("x/y/"), err, sizeof(err)), 0);
  ck_assert(is_dir(in_tmp("x/y")));
  ck_assert_int_eq(cli_logdir_create(in_tmp("z//w//"), err, sizeof(err)), 0);
  ck_assert(is_dir(in_tmp("z/w")));
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_logdir_create_mode) {
  mode_t old = umask(0);
  char err[256];
  int rc = cli_logdir_create(in_tmp("a/b"), err, sizeof(err));
  umask(old);
  ck_assert_int_eq(rc, 0);
  struct stat st;
  ck_assert_int_eq(stat(in_tmp("a"), &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0755);
  ck_assert_int_eq(stat(in_tmp("a/b"), &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0755);
}
END_TEST

START_TEST(test_logdir_create_through_file) {
  make_file(in_tmp("f"), "");
  char err[PATH_MAX + 64];
  char want[PATH_MAX + 64];
  /* A parent is a regular file: the message names it. */
  ck_assert_int_eq(cli_logdir_create(in_tmp("f/g/h"), err, sizeof(err)), -1);
  snprintf(want, sizeof(want), "%s: Not a directory", in_tmp("f"));
  ck_assert_str_eq(err, want);
  /* The directory itself is a regular file. */
  ck_assert_int_eq(cli_logdir_create(in_tmp("f"), err, sizeof(err)), -1);
  ck_assert_str_eq(err, want);
  ck_assert_int_eq(cli_logdir_create(in_tmp("f/"), err, sizeof(err)), -1);
  ck_assert_str_eq(err, want);
  /* Nothing was made, and the file is untouched. */
  struct stat st;
  ck_assert_int_eq(stat(in_tmp("f"), &st), 0);
  ck_assert(S_ISREG(st.st_mode));
}
END_TEST

START_TEST(test_logdir_create_errors_are_terminated) {
  make_file(in_tmp("f"), "");
  char err[8];
  memset(err, 'Z', sizeof(err));
  ck_assert_int_eq(cli_logdir_create(in_tmp("f/g"), err, sizeof(err)), -1);
  ck_assert_uint_eq(strlen(err), 7); /* cut, still a string */
  ck_assert_int_eq(cli_logdir_create(in_tmp("f/g"), NULL, 0), -1);
  char empty[64];
  ck_assert_int_eq(cli_logdir_create("", empty, sizeof(empty)), -1);
  ck_assert_str_eq(empty, ": No such file or directory");
}
END_TEST

START_TEST(test_logdir_open_appends) {
  char err[256] = "";
  ck_assert_int_eq(cli_logdir_create(in_tmp("d"), err, sizeof(err)), 0);
  int fd = cli_logdir_open(in_tmp("d"), "web.log", err, sizeof(err));
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "one\n", 4), 4);
  close(fd);
  /* A second run appends; "d/" names the same file. */
  fd = cli_logdir_open(in_tmp("d/"), "web.log", err, sizeof(err));
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(write(fd, "two\n", 4), 4);
  close(fd);
  check_file(in_tmp("d/web.log"), "one\ntwo\n");
  ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(test_logdir_open_two_writers_append) {
  /* Two open descriptors (two streams of one worker) never overwrite each
   * other, as O_APPEND promises. */
  make_file(in_tmp("web.log"), "old\n");
  char err[256];
  int a = cli_logdir_open(tmpdir, "web.log", err, sizeof(err));
  int b = cli_logdir_open(tmpdir, "web.log", err, sizeof(err));
  ck_assert_int_ge(a, 0);
  ck_assert_int_ge(b, 0);
  ck_assert_int_eq(write(a, "a1\n", 3), 3);
  ck_assert_int_eq(write(b, "b1\n", 3), 3);
  ck_assert_int_eq(write(a, "a2\n", 3), 3);
  close(a);
  close(b);
  check_file(in_tmp("web.log"), "old\na1\nb1\na2\n");
}
END_TEST

START_TEST(test_logdir_open_flags_and_mode) {
  mode_t old = umask(022);
  char err[256];
  int fd = cli_logdir_open(tmpdir, "web.log", err, sizeof(err));
  umask(old);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(fcntl(fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  int fl = fcntl(fd, F_GETFL);
  ck_assert_int_eq(fl & O_APPEND, O_APPEND);
  ck_assert_int_eq(fl & O_ACCMODE, O_WRONLY);
  struct stat st;
  ck_assert_int_eq(fstat(fd, &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0644);
  close(fd);
}
END_TEST

START_TEST(test_logdir_open_errors) {
  char err[PATH_MAX + 64];
  char want[PATH_MAX + 64];
  ck_assert_int_eq(
      cli_logdir_open(in_tmp("missing"), "web.log", err, sizeof(err)), -1);
  snprintf(want, sizeof(want), "%s: No such file or directory",
           in_tmp("missing/web.log"));
  ck_assert_str_eq(err, want);
  ck_assert_int_eq(
      cli_logdir_open(in_tmp("missing/"), "web.log", err, sizeof(err)), -1);
  ck_assert_str_eq(err, want); /* one slash, not two */
  ck_assert_int_eq(cli_logdir_create(in_tmp("d/web.log"), err, sizeof(err)), 0);
  ck_assert_int_eq(cli_logdir_open(in_tmp("d"), "web.log", err, sizeof(err)),
                   -1);
  snprintf(want, sizeof(want), "%s: Is a directory", in_tmp("d/web.log"));
  ck_assert_str_eq(err, want);
  ck_assert_int_eq(cli_logdir_open("", "web.log", err, sizeof(err)), -1);
  ck_assert_str_eq(err, "/web.log: No such file or directory");
  ck_assert_int_eq(access("/web.log", F_OK), -1);
}
END_TEST

static Suite* logdir_suite(void) {
  Suite* s = suite_create("logdir");
  TCase* tc = tcase_create("name");
  tcase_add_test(tc, test_logdir_name_plain);
  tcase_add_test(tc, test_logdir_name_slashes_and_dots);
  tcase_add_test(tc, test_logdir_name_control_chars);
  tcase_add_test(tc, test_logdir_name_utf8_kept);
  tcase_add_test(tc, test_logdir_name_empty);
  tcase_add_test(tc, test_logdir_name_long_cut_on_utf8_boundary);
  tcase_add_test(tc, test_logdir_name_long_names_apart);
  tcase_add_test(tc, test_logdir_name_small_buffer);
  suite_add_tcase(s, tc);
  tc = tu_tcase_new(s, "create", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_logdir_create_nested);
  tcase_add_test(tc, test_logdir_create_existing);
  tcase_add_test(tc, test_logdir_create_odd_slashes);
  tcase_add_test(tc, test_logdir_create_mode);
  tcase_add_test(tc, test_logdir_create_through_file);
  tcase_add_test(tc, test_logdir_create_errors_are_terminated);
  tc = tu_tcase_new(s, "open", 0);
  tcase_add_checked_fixture(tc, tmpdir_setup, NULL);
  tcase_add_test(tc, test_logdir_open_appends);
  tcase_add_test(tc, test_logdir_open_two_writers_append);
  tcase_add_test(tc, test_logdir_open_flags_and_mode);
  tcase_add_test(tc, test_logdir_open_errors);
  tcase_add_test(tc, test_logdir_open_refuses_links_and_non_files);
  return s;
}

int main(void) {
  return tu_run_suite(logdir_suite());
}
