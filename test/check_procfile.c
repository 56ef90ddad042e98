/* Tests for the Procfile parser and loader: entries, and the message a user
 * sees for each kind of bad file. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "procfile.h"
#include "testutil.h"

/* Parses text (len bytes) as "Procfile" and expects success. */
static void parse_ok(const char* text, size_t len, cli_procfile_t* pf) {
  char err[256] = "";
  int rc = cli_procfile_parse("Procfile", text, len, pf, err, sizeof(err));
  ck_assert_msg(rc == 0, "parse failed: %s", err);
}

/* Parses text as "Procfile", expects failure with exactly want, and an
 * empty result. */
static void parse_err(const char* text, size_t len, const char* want) {
  cli_procfile_t pf = { (cli_procfile_entry_t*)&pf, 99, NULL, 0 };
  char err[256] = "";
  int rc = cli_procfile_parse("Procfile", text, len, &pf, err, sizeof(err));
  ck_assert_msg(rc == -1, "parse of \"%s\" succeeded", text);
  ck_assert_str_eq(err, want);
  ck_assert_ptr_null(pf.entries);
  ck_assert_uint_eq(pf.count, 0);
}

static void check_entry(const cli_procfile_t* pf,
                        size_t i,
                        const char* name,
                        const char* command,
                        unsigned line) {
  ck_assert_uint_gt(pf->count, i);
  ck_assert_str_eq(pf->entries[i].name, name);
  ck_assert_str_eq(pf->entries[i].command, command);
  ck_assert_uint_eq(pf->entries[i].line, line);
}

#define S(lit) lit, sizeof(lit) - 1

START_TEST(test_procfile_basic_entries) {
  cli_procfile_t pf;
  parse_ok(S("web: ./server --port 80\nworker: ./work\n"), &pf);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 0, "web", "./server --port 80", 1);
  check_entry(&pf, 1, "worker", "./work", 2);
  cli_procfile_free(&pf);
  ck_assert_ptr_null(pf.entries);
  ck_assert_uint_eq(pf.count, 0);
}
END_TEST

START_TEST(test_procfile_trims_blanks) {
  cli_procfile_t pf;
  parse_ok(S("  web  :   run it  \t\n\tb\t:\tx\t\n"), &pf);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 0, "web", "run it", 1);
  check_entry(&pf, 1, "b", "x", 2);
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_name_is_before_first_colon) {
  cli_procfile_t pf;
  parse_ok(S("New York: ./city.sh\n"
             "clock: date +%H:%M:%S\n"
             "url:curl http://x:80/\n"
             "caf\xC3\xA9 \xE6\x97\xA5: echo ok\n"
             "a#b: echo '#not a comment'\n"
             "q\"u'o\\te: x\n"),
           &pf);
  ck_assert_uint_eq(pf.count, 6);
  check_entry(&pf, 0, "New York", "./city.sh", 1);
  check_entry(&pf, 1, "clock", "date +%H:%M:%S", 2);
  check_entry(&pf, 2, "url", "curl http://x:80/", 3);
  check_entry(&pf, 3, "caf\xC3\xA9 \xE6\x97\xA5", "echo ok", 4);
  check_entry(&pf, 4, "a#b", "echo '#not a comment'", 5);
  check_entry(&pf, 5, "q\"u'o\\te", "x", 6);
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_skips_blank_lines_and_comments) {
  cli_procfile_t pf;
  parse_ok(S("# services\n"
             "\n"
             "   \t \n"
             "web: a\n"
             "   # indented comment: not a worker\n"
             "#worker: b\n"
             "\n"
             "clock: c"),
           &pf);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 0, "web", "a", 4);
  check_entry(&pf, 1, "clock", "c", 8); /* no newline at the end */
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_crlf_and_bom) {
  cli_procfile_t pf;
  parse_ok(S("\xEF\xBB\xBFweb: a\r\n\r\n# c\r\nworker: b  \r\n"), &pf);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 0, "web", "a", 1);
  check_entry(&pf, 1, "worker", "b", 4);
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_longest_line_accepted) {
  size_t n = CLI_PROCFILE_MAX_LINE;
  char* text = malloc(n + 2);
  ck_assert_ptr_nonnull(text);
  memcpy(text, "w: ", 3);
  memset(text + 3, 'x', n - 3);
  memcpy(text + n, "\r\n", 2); /* the CR is not counted either */
  cli_procfile_t pf;
  parse_ok(text, n + 2, &pf);
  ck_assert_uint_eq(pf.count, 1);
  ck_assert_uint_eq(strlen(pf.entries[0].command), n - 3);
  cli_procfile_free(&pf);
  free(text);
}
END_TEST

START_TEST(test_procfile_many_entries) {
  /* Enough names that a quadratic duplicate check would show. */
  enum { N = 50000 };
  char* text = malloc((size_t)N * 24);
  ck_assert_ptr_nonnull(text);
  size_t len = 0;
  for (int i = 0; i < N; i++) {
    len += (size_t)sprintf(text + len, "w%d: echo %d\n", i, i);
  }
  cli_procfile_t pf;
  parse_ok(text, len, &pf);
  ck_assert_uint_eq(pf.count, N);
  check_entry(&pf, N - 1, "w49999", "echo 49999", N);
  cli_procfile_free(&pf);

  /* The same with the first name again at the end. */
  len += (size_t)sprintf(text + len, "w0: again\n");
  parse_err(text, len, "Procfile:50001: duplicate name 'w0' (first on line 1)");
  free(text);
}
END_TEST

START_TEST(test_procfile_missing_name) {
  parse_err(S("web: a\n\n./worker --fast\n"),
            "Procfile:3: missing 'name:' before the command");
}
END_TEST

START_TEST(test_procfile_empty_name) {
  parse_err(S("web: a\n  : b\n"), "Procfile:2: empty name before ':'");
  parse_err(S(":x\n"), "Procfile:1: empty name before ':'");
}
END_TEST

START_TEST(test_procfile_empty_command) {
  parse_err(S("web:\n"), "Procfile:1: no command after 'web:'");
  parse_err(S("a: b\nNew York :  \t \n"),
            "Procfile:2: no command after 'New York:'");
}
END_TEST

START_TEST(test_procfile_duplicate_name) {
  parse_err(S("# x\nweb: a\nworker: b\n\nweb: c\n"),
            "Procfile:5: duplicate name 'web' (first on line 2)");
  /* Blanks around the name do not make it a different name. */
  parse_err(S("web: a\n  web\t: b\n"),
            "Procfile:2: duplicate name 'web' (first on line 1)");
}
END_TEST

START_TEST(test_procfile_names_differ_by_case) {
  cli_procfile_t pf;
  parse_ok(S("web: a\nWeb: b\n"), &pf);
  ck_assert_uint_eq(pf.count, 2);
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_control_character_in_name) {
  parse_err(S("we\x1b[1mb: a\n"),
            "Procfile:1: name has a control character (byte 0x1b)");
  parse_err(S("a: b\nw\te: a\n"),
            "Procfile:2: name has a control character (byte 0x09)");
  parse_err(S("w\x7f: a\n"),
            "Procfile:1: name has a control character (byte 0x7f)");
}
END_TEST

START_TEST(test_procfile_nul_byte) {
  parse_err(S("web: a\nwor\0ker: b\n"),
            "Procfile:2: NUL byte in the line (not a text file?)");
  /* Even in a comment: the file is not text. */
  parse_err(S("# \0\nweb: a\n"),
            "Procfile:1: NUL byte in the line (not a text file?)");
}
END_TEST

START_TEST(test_procfile_line_too_long) {
  size_t n = 70000;
  char* text = malloc(n + 16);
  ck_assert_ptr_nonnull(text);
  memcpy(text, "a: b\nw: ", 8);
  memset(text + 8, 'x', n - 3);
  memcpy(text + 8 + n - 3, "\nz: y\n", 6);
  parse_err(text, 8 + n - 3 + 6,
            "Procfile:2: line too long (70000 bytes; the limit is 65536)");
  free(text);
}
END_TEST

START_TEST(test_procfile_stray_carriage_return) {
  parse_err(S("web: a\rworker: b\r"),
            "Procfile:1: carriage return inside the line (save the file "
            "with LF or CRLF line endings)");
}
END_TEST

START_TEST(test_procfile_no_workers) {
  parse_err(S("# nothing\n\n   \n"),
            "Procfile: no workers (only blank lines and comments)");
  parse_err(S(""), "Procfile: no workers (the file is empty)");
  parse_err(S("\xEF\xBB\xBF"), "Procfile: no workers (the file is empty)");
  parse_err(NULL, 0, "Procfile: no workers (the file is empty)");
}
END_TEST

START_TEST(test_procfile_small_error_buffer) {
  cli_procfile_t pf;
  char err[12];
  memset(err, 'Z', sizeof(err));
  ck_assert_int_eq(
      cli_procfile_parse("Procfile", S("oops\n"), &pf, err, sizeof(err)), -1);
  ck_assert_str_eq(err, "Procfile:1:"); /* truncated, terminated */
  ck_assert_int_eq(cli_procfile_parse("Procfile", S("oops\n"), &pf, NULL, 0),
                   -1);
}
END_TEST

START_TEST(test_procfile_error_after_good_lines_leaves_nothing) {
  /* The entries parsed before the bad line are freed (ASan and valgrind
   * see a leak otherwise) and not handed out. */
  parse_err(S("a: 1\nb: 2\nc: 3\nd\n"),
            "Procfile:4: missing 'name:' before the command");
}
END_TEST

START_TEST(test_procfile_load_file) {
  const char text[] = "web: ./server\r\n# c\nworker: ./w\n";
  char* path = tu_write_temp(text, sizeof(text) - 1);
  cli_procfile_t pf;
  char err[256] = "";
  int rc = cli_procfile_load(path, &pf, err, sizeof(err));
  unlink(path);
  ck_assert_msg(rc == 0, "load failed: %s", err);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 0, "web", "./server", 1);
  check_entry(&pf, 1, "worker", "./w", 3);
  cli_procfile_free(&pf);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_messages_name_the_path) {
  const char text[] = "web: a\nweb: b\n";
  char* path = tu_write_temp(text, sizeof(text) - 1);
  cli_procfile_t pf;
  char err[256], want[256];
  ck_assert_int_eq(cli_procfile_load(path, &pf, err, sizeof(err)), -1);
  unlink(path);
  snprintf(want, sizeof(want), "%s:2: duplicate name 'web' (first on line 1)",
           path);
  ck_assert_str_eq(err, want);
  ck_assert_ptr_null(pf.entries);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_nul_byte_file) {
  const char text[] = "web: a\n\0\0\0\0";
  char* path = tu_write_temp(text, sizeof(text) - 1);
  cli_procfile_t pf;
  char err[256], want[256];
  ck_assert_int_eq(cli_procfile_load(path, &pf, err, sizeof(err)), -1);
  unlink(path);
  snprintf(want, sizeof(want), "%s:2: NUL byte in the line (not a text file?)",
           path);
  ck_assert_str_eq(err, want);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_missing_file) {
  cli_procfile_t pf = { (cli_procfile_entry_t*)&pf, 99, NULL, 0 };
  char err[256];
  ck_assert_int_eq(
      cli_procfile_load("/nonexistent/uvsup/Procfile", &pf, err, sizeof(err)),
      -1);
  ck_assert_str_eq(err,
                   "/nonexistent/uvsup/Procfile: No such file or directory");
  ck_assert_ptr_null(pf.entries);
  ck_assert_uint_eq(pf.count, 0);
}
END_TEST

START_TEST(test_procfile_load_directory) {
  char err[256];
  cli_procfile_t pf;
  char dir[] = "/tmp/uvsup-test-dir-XXXXXX";
  ck_assert_ptr_nonnull(mkdtemp(dir));
  int rc = cli_procfile_load(dir, &pf, err, sizeof(err));
  rmdir(dir);
  ck_assert_int_eq(rc, -1);
  char want[256];
  snprintf(want, sizeof(want), "%s: is a directory", dir);
  ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(test_procfile_load_path_through_a_file) {
  /* Unreadable in a way that holds for root too: a file used as a
   * directory. */
  char* path = tu_write_temp("web: a\n", 7);
  char sub[256], want[300], err[300];
  snprintf(sub, sizeof(sub), "%s/Procfile", path);
  cli_procfile_t pf;
  int rc = cli_procfile_load(sub, &pf, err, sizeof(err));
  unlink(path);
  ck_assert_int_eq(rc, -1);
  snprintf(want, sizeof(want), "%s: Not a directory", sub);
  ck_assert_str_eq(err, want);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_too_large) {
  /* A sparse file: big on paper, nothing written, refused before reading. */
  char* path = tu_write_temp("web: a\n", 7);
  ck_assert_int_eq(truncate(path, CLI_PROCFILE_MAX_BYTES + 1), 0);
  cli_procfile_t pf;
  char err[300], want[300];
  int rc = cli_procfile_load(path, &pf, err, sizeof(err));
  unlink(path);
  ck_assert_int_eq(rc, -1);
  snprintf(want, sizeof(want), "%s: file too large (over 16777216 bytes)",
           path);
  ck_assert_str_eq(err, want);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_empty_file) {
  char* path = tu_write_temp("", 0);
  cli_procfile_t pf;
  char err[300], want[300];
  int rc = cli_procfile_load(path, &pf, err, sizeof(err));
  unlink(path);
  ck_assert_int_eq(rc, -1);
  snprintf(want, sizeof(want), "%s: no workers (the file is empty)", path);
  ck_assert_str_eq(err, want);
  free(path);
}
END_TEST

START_TEST(test_procfile_load_from_a_pipe) {
  /* st_size is 0 for a pipe: the loader must read to EOF regardless. */
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  const char text[] = "web: a\nworker: b\n";
  ck_assert_int_eq(write(fds[1], text, sizeof(text) - 1),
                   (ssize_t)(sizeof(text) - 1));
  close(fds[1]);
  char path[64];
  snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
  cli_procfile_t pf;
  char err[256] = "";
  int rc = cli_procfile_load(path, &pf, err, sizeof(err));
  close(fds[0]);
  ck_assert_msg(rc == 0, "load failed: %s", err);
  ck_assert_uint_eq(pf.count, 2);
  check_entry(&pf, 1, "worker", "b", 2);
  cli_procfile_free(&pf);
}
END_TEST

START_TEST(test_procfile_load_too_large_from_a_pipe) {
  /* No size to check up front: the limit must hold while reading. */
  int fds[2];
  ck_assert_int_eq(pipe(fds), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    close(fds[0]);
    static char chunk[65536];
    memset(chunk, '#', sizeof(chunk));
    for (size_t left = CLI_PROCFILE_MAX_BYTES + 1; left > 0;) {
      size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
      ssize_t w = write(fds[1], chunk, n);
      if (w <= 0) {
        _exit(1);
      }
      left -= (size_t)w;
    }
    _exit(0);
  }
  close(fds[1]);
  char path[64], err[256], want[256];
  snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
  cli_procfile_t pf;
  int rc = cli_procfile_load(path, &pf, err, sizeof(err));
  close(fds[0]);
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  ck_assert_int_eq(rc, -1);
  snprintf(want, sizeof(want), "%s: file too large (over 16777216 bytes)",
           path);
  ck_assert_str_eq(err, want);
}
END_TEST

static Suite* procfile_suite(void) {
  Suite* s = suite_create("procfile");
  TCase* tc = tcase_create("core");
  tcase_add_test(tc, test_procfile_basic_entries);
  tcase_add_test(tc, test_procfile_trims_blanks);
  tcase_add_test(tc, test_procfile_name_is_before_first_colon);
  tcase_add_test(tc, test_procfile_skips_blank_lines_and_comments);
  tcase_add_test(tc, test_procfile_crlf_and_bom);
  tcase_add_test(tc, test_procfile_longest_line_accepted);
  tcase_add_test(tc, test_procfile_many_entries);
  tcase_add_test(tc, test_procfile_names_differ_by_case);
  suite_add_tcase(s, tc);
  tc = tcase_create("errors");
  tcase_add_test(tc, test_procfile_missing_name);
  tcase_add_test(tc, test_procfile_empty_name);
  tcase_add_test(tc, test_procfile_empty_command);
  tcase_add_test(tc, test_procfile_duplicate_name);
  tcase_add_test(tc, test_procfile_control_character_in_name);
  tcase_add_test(tc, test_procfile_nul_byte);
  tcase_add_test(tc, test_procfile_line_too_long);
  tcase_add_test(tc, test_procfile_stray_carriage_return);
  tcase_add_test(tc, test_procfile_no_workers);
  tcase_add_test(tc, test_procfile_small_error_buffer);
  tcase_add_test(tc, test_procfile_error_after_good_lines_leaves_nothing);
  suite_add_tcase(s, tc);
  tc = tcase_create("load");
  tcase_add_test(tc, test_procfile_load_file);
  tcase_add_test(tc, test_procfile_load_messages_name_the_path);
  tcase_add_test(tc, test_procfile_load_nul_byte_file);
  tcase_add_test(tc, test_procfile_load_missing_file);
  tcase_add_test(tc, test_procfile_load_directory);
  tcase_add_test(tc, test_procfile_load_path_through_a_file);
  tcase_add_test(tc, test_procfile_load_too_large);
  tcase_add_test(tc, test_procfile_load_empty_file);
  tcase_add_test(tc, test_procfile_load_from_a_pipe);
  tcase_add_test(tc, test_procfile_load_too_large_from_a_pipe);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  return tu_run_suite(procfile_suite());
}
