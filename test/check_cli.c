/* The uvsup program end to end: run as a real process with real workers,
 * asserting what a user sees (exit status, output, summary). */
#define _GNU_SOURCE /* open_memstream, strndup, pipe2 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CHILD UVSUP_TEST_CHILD

/* ---- temporary files ---- */

/* Writes len bytes to dir/name and returns the path. */
static char* write_file(const char* dir,
                        const char* name,
                        const char* text,
                        size_t len) {
  char* path = tu_fmt("%s/%s", dir, name);
  FILE* f = fopen(path, "w");
  ck_assert_msg(f != NULL, "cannot create %s", path);
  ck_assert_uint_eq(fwrite(text, 1, len, f), len);
  ck_assert_int_eq(fclose(f), 0);
  return path;
}

static char* write_text(const char* dir, const char* name, const char* text) {
  return write_file(dir, name, text, strlen(text));
}

/* The whole file, NUL-terminated, or NULL when it cannot be read. */
static char* read_text(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    return NULL;
  }
  char* text = NULL;
  size_t len = 0;
  FILE* mem = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(mem);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
    fwrite(chunk, 1, n, mem);
  }
  fclose(f);
  fclose(mem);
  return text;
}

static int exists(const char* path) {
  return access(path, F_OK) == 0;
}

/* ---- reading output ---- */

/* 1 when text has a line that is exactly line. */
static int has_line(const char* text, const char* line) {
  size_t n = strlen(line);
  for (const char* p = text; p != NULL && *p != '\0';) {
    const char* nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    if (len == n && memcmp(p, line, n) == 0) {
      return 1;
    }
    p = nl != NULL ? nl + 1 : NULL;
  }
  return 0;
}

/* How many lines of text are exactly line. */
static int count_lines(const char* text, const char* line) {
  int count = 0;
  size_t n = strlen(line);
  for (const char* p = text; p != NULL && *p != '\0';) {
    const char* nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    if (len == n && memcmp(p, line, n) == 0) {
      count++;
    }
    p = nl != NULL ? nl + 1 : NULL;
  }
  return count;
}

/* A copy of the first line starting with prefix, without its newline, or
 * NULL. */
static char* line_starting(const char* text, const char* prefix) {
  size_t n = strlen(prefix);
  for (const char* p = text; p != NULL && *p != '\0';) {
    const char* nl = strchr(p, '\n');
    size_t len = nl != NULL ? (size_t)(nl - p) : strlen(p);
    if (len >= n && memcmp(p, prefix, n) == 0) {
      return strndup(p, len);
    }
    p = nl != NULL ? nl + 1 : NULL;
  }
  return NULL;
}

/* The text summary: from its header line to the end. Workers write to the
 * same stderr, but only before it. */
static const char* summary_of(const tu_result_t* r) {
  const char* found = NULL;
  if (strncmp(r->err, "NAME ", 5) == 0) {
    found = r->err;
  }
  for (const char* p = strstr(r->err, "\nNAME "); p != NULL;
       p = strstr(p + 1, "\nNAME ")) {
    found = p + 1;
  }
  ck_assert_msg(found != NULL, "no summary table on stderr:\n%s", r->err);
  /* The header is the four column titles, apart. */
  char header[256];
  const char* nl = strchr(found, '\n');
  ck_assert_ptr_nonnull(nl);
  snprintf(header, sizeof(header), "%.*s", (int)(nl - found), found);
  char a[32], b[32], c[32], d[32], e[32];
  ck_assert_msg(sscanf(header, "%31s %31s %31s %31s %31s", a, b, c, d, e) == 4,
                "header: '%s'", header);
  ck_assert_str_eq(a, "NAME");
  ck_assert_str_eq(b, "PID");
  ck_assert_str_eq(c, "RESULT");
  ck_assert_str_eq(d, "DURATION");
  return found;
}

typedef struct {
  char pid[32];
  char result[256];
  char duration[32];
  size_t result_col; /* byte offset of the result in the line */
} row_t;

/* The row of the summary for name: columns are at least two blanks apart,
 * and no cell holds two blanks in a row. Returns 1 when found. */
static int find_row(const char* summary, const char* name, row_t* row) {
  size_t n = strlen(name);
  memset(row, 0, sizeof(*row));
  for (const char* p = strchr(summary, '\n'); p != NULL && p[1] != '\0';
       p = strchr(p + 1, '\n')) {
    const char* line = p + 1;
    if (strncmp(line, name, n) != 0 || strncmp(line + n, "  ", 2) != 0) {
      continue;
    }
    const char* eol = strchr(line, '\n');
    if (eol == NULL) {
      eol = line + strlen(line);
    }
    const char* s = line + n;
    char* cells[3] = { row->pid, row->result, row->duration };
    size_t sizes[3] = { sizeof(row->pid), sizeof(row->result),
                        sizeof(row->duration) };
    for (int c = 0; c < 3; c++) {
      while (s < eol && *s == ' ') {
        s++;
      }
      if (c == 1) {
        row->result_col = (size_t)(s - line);
      }
      const char* end = s;
      while (end < eol && !(end[0] == ' ' && end + 1 < eol && end[1] == ' ') &&
             !(end[0] == ' ' && end + 1 == eol)) {
        end++;
      }
      snprintf(cells[c], sizes[c], "%.*s", (int)(end - s), s);
      s = end;
    }
    return 1;
  }
  return 0;
}

static int is_number(const char* s) {
  if (*s == '\0') {
    return 0;
  }
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') {
      return 0;
    }
  }
  return 1;
}

/* Asserts the summary has a row for name with this result, a pid (or "-"
 * when started is 0) and a duration. */
static void assert_row(const char* summary,
                       const char* name,
                       const char* result,
                       int started) {
  row_t row;
  ck_assert_msg(find_row(summary, name, &row), "no row for '%s' in:\n%s", name,
                summary);
  ck_assert_msg(strcmp(row.result, result) == 0,
                "row '%s': result '%s', expected '%s', in:\n%s", name,
                row.result, result, summary);
  if (started) {
    ck_assert_msg(is_number(row.pid) && atol(row.pid) > 0, "row '%s': pid '%s'",
                  name, row.pid);
  } else {
    ck_assert_msg(strcmp(row.pid, "-") == 0, "row '%s': pid '%s'", name,
                  row.pid);
  }
  ck_assert_msg(row.duration[0] != '\0', "row '%s': no duration", name);
}

/* The JSON object of the worker whose name is json_name (as it appears,
 * escaped, in the JSON text), or an abort. Names here hold no '}'. */
static char* json_worker(const char* json, const char* json_name) {
  char* key = tu_fmt("{\"name\":\"%s\",", json_name);
  const char* p = strstr(json, key);
  ck_assert_msg(p != NULL, "no worker %s in:\n%s", key, json);
  free(key);
  const char* end = strchr(p, '}');
  ck_assert_ptr_nonnull(end);
  return strndup(p, (size_t)(end - p + 1));
}

#define ck_assert_has(haystack, needle)                                        \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, "expected '%s' in:\n%s", \
                (needle), (haystack))

#define ck_assert_lacks(haystack, needle)             \
  ck_assert_msg(strstr((haystack), (needle)) == NULL, \
                "did not expect '%s' in:\n%s", (needle), (haystack))

/* Asserts uvsup refused to run: status 2, nothing on stdout, one message
 * "uvsup: ..." holding each of the NULL-terminated strings (and perhaps a
 * "Try 'uvsup --help'" line), and marker (when not NULL) never created. */
static void assert_refused(const tu_result_t* r, const char* marker, ...) {
  ck_assert_msg(r->status == 2, "status %d, stderr:\n%s", r->status, r->err);
  ck_assert_msg(r->out_len == 0, "stdout:\n%s", r->out);
  ck_assert_msg(strncmp(r->err, "uvsup: ", 7) == 0, "stderr:\n%s", r->err);
  const char* nl = strchr(r->err, '\n');
  ck_assert_msg(nl != NULL, "stderr:\n%s", r->err);
  char* first = strndup(r->err, (size_t)(nl - r->err));
  const char* rest = nl + 1;
  ck_assert_msg(
      *rest == '\0' ||
          strcmp(rest, "Try 'uvsup --help' for more information.\n") == 0,
      "more than one message:\n%s", r->err);
  va_list ap;
  va_start(ap, marker);
  for (const char* s; (s = va_arg(ap, const char*)) != NULL;) {
    ck_assert_has(first, s);
  }
  va_end(ap);
  free(first);
  if (marker != NULL) {
    ck_assert_msg(!exists(marker), "a worker ran: %s exists", marker);
  }
}

/* ======================================================================
 * modes
 * ====================================================================== */

START_TEST(test_cli_procfile_runs_in_its_directory) {
  char* dir = tu_tmpdir_new();
  char* sub = tu_fmt("%s/sub", dir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  char* procfile = write_text(sub, "Procfile", "where: pwd\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-f", procfile, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* expected = tu_fmt("%s\n", sub);
  ck_assert_str_eq(r.out, expected);
  assert_row(summary_of(&r), "where", "ok", 1);
  free(expected);
  tu_result_free(&r);
  free(procfile);
  free(sub);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_procfile_not_a_file_runs_here) {
  /* A Procfile read from a pipe (-f /dev/stdin, or -f <(...)) has no
   * directory of its own: its commands run in the current one, not in
   * /dev or /dev/fd. */
  char here[4096];
  ck_assert_ptr_nonnull(getcwd(here, sizeof(here)));
  tu_result_t r;
  tu_run_cli(&r, "a: pwd\n", "--output", "inherit", "-f", "/dev/stdin", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* want = tu_fmt("%s\n", here);
  ck_assert_str_eq(r.out, want);
  free(want);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_procfile_relative_path) {
  /* "sub/Procfile" from the directory above: its workers still run in sub;
   * "Procfile" alone: in the current directory, which is its own. */
  char* dir = tu_tmpdir_new();
  char* sub = tu_fmt("%s/sub", dir);
  ck_assert_int_eq(mkdir(sub, 0755), 0);
  free(write_text(sub, "Procfile", "where: pwd\n"));
  char* cwd = getcwd(NULL, 0);
  ck_assert_ptr_nonnull(cwd);
  tu_result_t r, r2;
  ck_assert_int_eq(chdir(dir), 0);
  tu_run_cli(&r, NULL, "--output", "inherit", "-f", "sub/Procfile", NULL);
  ck_assert_int_eq(chdir(sub), 0);
  tu_run_cli(&r2, NULL, "--output", "inherit", "-f", "Procfile", NULL);
  ck_assert_int_eq(chdir(cwd), 0);

  char* expected = tu_fmt("%s\n", sub);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, expected);
  ck_assert_msg(r2.status == 0, "status %d:\n%s", r2.status, r2.err);
  ck_assert_str_eq(r2.out, expected);
  free(expected);
  tu_result_free(&r);
  tu_result_free(&r2);
  free(cwd);
  free(sub);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_procfile_comments_blank_lines_and_spaces) {
  char* dir = tu_tmpdir_new();
  char* procfile = write_text(dir, "Procfile",
                              "# a comment\n"
                              "\n"
                              "web server: echo one\n"
                              "   # an indented comment\n"
                              "  \t\n"
                              "worker:echo two\r\n"
                              "  padded name  :   echo three  \n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-f", procfile, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert(has_line(r.out, "one"));
  ck_assert(has_line(r.out, "two"));
  ck_assert(has_line(r.out, "three"));
  const char* summary = summary_of(&r);
  assert_row(summary, "web server", "ok", 1);
  assert_row(summary, "worker", "ok", 1);
  assert_row(summary, "padded name", "ok", 1);
  /* Comments and blank lines are not workers. */
  ck_assert(has_line(summary, "3 workers: 3 ok, 0 failed"));
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_command_names) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-n", "first", "-c", "true", "-n",
             "second", "-c", "exit 4", "-c", "echo third", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "third\n");
  const char* summary = summary_of(&r);
  assert_row(summary, "first", "ok", 1);
  assert_row(summary, "second", "exit 4", 1);
  /* An unnamed -c is named by its position among the -c's. */
  assert_row(summary, "3", "ok", 1);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_command_positional_names) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "-c", "echo a", "-c", "echo b",
             "-c", "echo c", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert(has_line(r.out, "a"));
  ck_assert(has_line(r.out, "b"));
  ck_assert(has_line(r.out, "c"));
  const char* summary = summary_of(&r);
  assert_row(summary, "1", "ok", 1);
  assert_row(summary, "2", "ok", 1);
  assert_row(summary, "3", "ok", 1);
  ck_assert(has_line(summary, "3 workers: 3 ok, 0 failed"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_values_replace_braces) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", CHILD, "out", "<{}>", "out",
             "again {}", ":::", "x", "y", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert(has_line(r.out, "<x>"));
  ck_assert(has_line(r.out, "again x"));
  ck_assert(has_line(r.out, "<y>"));
  ck_assert(has_line(r.out, "again y"));
  /* Not appended as well: the child would reject a lone extra step. */
  const char* summary = summary_of(&r);
  assert_row(summary, "x", "ok", 1);
  assert_row(summary, "y", "ok", 1);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_values_appended) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", CHILD, "out", ":::", "hello",
             "world", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_int_eq(count_lines(r.out, "hello"), 1);
  ck_assert_int_eq(count_lines(r.out, "world"), 1);
  const char* summary = summary_of(&r);
  assert_row(summary, "hello", "ok", 1);
  assert_row(summary, "world", "ok", 1);
  ck_assert(has_line(summary, "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_values_duplicates_both_run) {
  tu_result_t r;
  tu_run_cli(&r, NULL, CHILD, "out", ":::", "a", "a", "b", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  /* Tagged by run name: each of the two runs of "a" printed once. */
  ck_assert_int_eq(count_lines(r.out, "a   | a"), 1);
  ck_assert_int_eq(count_lines(r.out, "a#2 | a"), 1);
  ck_assert_int_eq(count_lines(r.out, "b   | b"), 1);
  ck_assert_msg(r.out_len == 3 * strlen("a   | a\n"), "stdout:\n%s", r.out);
  const char* summary = summary_of(&r);
  assert_row(summary, "a", "ok", 1);
  assert_row(summary, "a#2", "ok", 1);
  assert_row(summary, "b", "ok", 1);
  ck_assert(has_line(summary, "3 workers: 3 ok, 0 failed"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_values_repeated_apart_start_at_once) {
  /* 24 000 values alternating between two names: the first worker fails
   * and --halt stops the rest, so the run takes as long as setting the
   * jobs up, which must be linear (it was quadratic: minutes). Input is
   * streamed: the jobs known when the halt came (those read ahead) are
   * not started. */
  enum { N = 24000 };
  char* text = malloc(N * 2 + 1);
  ck_assert_ptr_nonnull(text);
  for (int i = 0; i < N; i++) {
    text[2 * i] = i % 2 ? 'b' : 'a';
    text[2 * i + 1] = '\n';
  }
  text[2 * N] = '\0';
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  tu_result_t r;
  tu_run_cli(&r, text, "-j", "1", "--halt", "now,fail=1", "--output", "null",
             "--summary-all", CHILD, "exit", "1", NULL);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  double took =
      (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
  ck_assert_msg(r.status == 1, "status %d:\n%.2000s", r.status, r.err);
  const char* summary = summary_of(&r);
  assert_row(summary, "a", "exit 1", 1);
  assert_row(summary, "b", "not started", 0);
  assert_row(summary, "a#2", "not started", 0);
  ck_assert_msg(took < 8.0, "took %.1f s", took);
  tu_result_free(&r);
  free(text);
}
END_TEST

START_TEST(test_cli_values_run_without_shell) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", CHILD, "out", ":::", "$HOME",
             "a;b", "`id`", "*", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert(has_line(r.out, "$HOME"));
  ck_assert(has_line(r.out, "a;b"));
  ck_assert(has_line(r.out, "`id`"));
  ck_assert(has_line(r.out, "*"));
  const char* summary = summary_of(&r);
  assert_row(summary, "$HOME", "ok", 1);
  assert_row(summary, "a;b", "ok", 1);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_values_are_data_in_a_shell_script) {
  /* Issue 10: the value was pasted into the script unquoted, so it split
   * and ran "echo INJECTED". Now it is one quoted word of data. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", "--summary", "none", "sh", "-c",
             "printf %s {}", ":::", "x; echo INJECTED", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, "x; echo INJECTED");
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--output", "inherit", "--summary", "none", "bash", "-c",
             "printf '[%s]<%s>' {} \"$0\"", "{}", ":::", "my file.txt",
             "it's $(id)", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_msg(strstr(r.out, "[my file.txt]<my file.txt>") != NULL &&
                    strstr(r.out, "[it's $(id)]<it's $(id)>") != NULL,
                "stdout:\n%s", r.out);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_job_number_and_slot) {
  /* {#} numbers the jobs from 1 in input order; {%} is the slot each runs
   * in: with -j 2, never above 2, and two jobs running at once never
   * share one (-j 1 here would make them all slot 1). */
  tu_result_t r;
  tu_run_cli(&r, NULL, "-j", "2", "--output", "inherit", CHILD, "out",
             "{#}:{%}:{}", ":::", "a", "b", "c", "d", "e", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  const char* vals = "abcde";
  for (int i = 0; i < 5; i++) {
    char one[16], two[16];
    snprintf(one, sizeof(one), "%d:1:%c", i + 1, vals[i]);
    snprintf(two, sizeof(two), "%d:2:%c", i + 1, vals[i]);
    ck_assert_msg(has_line(r.out, one) + has_line(r.out, two) == 1,
                  "job %d:\n%s", i + 1, r.out);
  }
  /* The first two start together, in slots 1 and 2. */
  ck_assert(has_line(r.out, "1:1:a"));
  ck_assert(has_line(r.out, "2:2:b"));
  tu_result_free(&r);
  tu_run_cli(&r, "s1\ns2\n", "--output", "inherit", "--summary", "none", "-j",
             "1", CHILD, "out", "{2}{1}", "::::", "-", ":::+", "x", "y", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, "xs1\nys2\n");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_stdin_values) {
  tu_result_t r;
  tu_run_cli(&r, "a\n\nb\r\n\n", "--output", "inherit", CHILD, "out", "v={}",
             NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert(has_line(r.out, "v=a"));
  ck_assert(has_line(r.out, "v=b"));
  const char* summary = summary_of(&r);
  assert_row(summary, "a", "ok", 1);
  assert_row(summary, "b", "ok", 1);
  /* Blank lines are no workers; a CRLF's CR is not part of the value. */
  ck_assert(has_line(summary, "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
}
END_TEST

/* The lines of a file, split in place; returns how many (at most max). */
static int split_lines(char* text, char** lines, int max) {
  int n = 0;
  for (char* p = text; p != NULL && *p != '\0' && n < max;) {
    char* nl = strchr(p, '\n');
    if (nl != NULL) {
      *nl = '\0';
    }
    lines[n++] = p;
    p = nl != NULL ? nl + 1 : NULL;
  }
  return n;
}

START_TEST(test_cli_jobs_one_at_a_time) {
  /* Each worker logs "start N", works a little, logs "end N": with -j 1
   * every start is followed by its own end before the next start. */
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  char* cmd[3];
  const char* names[3] = { "a", "b", "c" };
  for (int i = 0; i < 3; i++) {
    cmd[i] = tu_fmt("echo start %s >> '%s'; '%s' sleep 40; echo end %s >> '%s'",
                    names[i], log, CHILD, names[i], log);
  }
  tu_result_t r;
  tu_run_cli(&r, NULL, "-j", "1", "-n", "a", "-c", cmd[0], "-n", "b", "-c",
             cmd[1], "-n", "c", "-c", cmd[2], NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* text = read_text(log);
  ck_assert_ptr_nonnull(text);
  char* copy = strdup(text);
  char* lines[16];
  int n = split_lines(copy, lines, 16);
  ck_assert_msg(n == 6, "log:\n%s", text);
  int seen[3] = { 0, 0, 0 };
  for (int i = 0; i < n; i += 2) {
    char name[8];
    ck_assert_msg(sscanf(lines[i], "start %7s", name) == 1,
                  "two starts without an end between, log:\n%s", text);
    char* end = tu_fmt("end %s", name);
    ck_assert_msg(strcmp(lines[i + 1], end) == 0,
                  "'%s' not followed by its end, log:\n%s", lines[i], text);
    free(end);
    for (int k = 0; k < 3; k++) {
      seen[k] += strcmp(name, names[k]) == 0;
    }
  }
  ck_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1);
  free(copy);
  free(text);
  for (int i = 0; i < 3; i++) {
    free(cmd[i]);
  }
  tu_result_free(&r);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_jobs_zero_no_limit) {
  /* Each worker logs "start", then waits (at most 5 s) until all three
   * have started: only with no limit do all three starts come first. */
  char* dir = tu_tmpdir_new();
  char* log = tu_fmt("%s/log", dir);
  char* cmd = tu_fmt(
      "echo start >> '%s'; i=0; "
      "while [ \"$(grep -c start '%s')\" -lt 3 ] && [ $i -lt 250 ]; do "
      "'%s' sleep 20; i=$((i+1)); done; echo end >> '%s'",
      log, log, CHILD, log);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-j", "0", "-c", cmd, "-c", cmd, "-c", cmd, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* text = read_text(log);
  ck_assert_ptr_nonnull(text);
  ck_assert_str_eq(text, "start\nstart\nstart\nend\nend\nend\n");
  free(text);
  free(cmd);
  tu_result_free(&r);
  free(log);
  tu_tmpdir_free(dir);
}
END_TEST

/* ======================================================================
 * summary
 * ====================================================================== */

START_TEST(test_cli_text_summary_results) {
  char* dir = tu_tmpdir_new();
  char* procfile = write_text(dir, "Procfile",
                              "good: true\n"
                              "three: exit 3\n"
                              "killed: kill -9 $$\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, NULL);
  ck_assert_int_eq(r.status, 1);
  const char* summary = summary_of(&r);
  assert_row(summary, "good", "ok", 1);
  assert_row(summary, "three", "exit 3", 1);
  assert_row(summary, "killed", "signal SIGKILL", 1);
  ck_assert(has_line(summary, "3 workers: 1 ok, 2 failed"));
  ck_assert(has_line(summary, "warning: 2 failed: three, killed"));
  /* The summary is the last thing: header, 3 rows, 2 lines. */
  int lines = 0;
  for (const char* p = summary; *p != '\0'; p++) {
    lines += *p == '\n';
  }
  ck_assert_int_eq(lines, 6);
  ck_assert_int_eq(summary[strlen(summary) - 1], '\n');
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_text_summary_spawn_errors) {
  char* dir = tu_tmpdir_new();
  char* missing = tu_fmt("%s/no-such-program", dir);
  char* plain = write_text(dir, "not-executable", "#!/bin/sh\nexit 0\n");
  ck_assert_int_eq(chmod(plain, 0644), 0);
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, missing, ":::", "a", NULL);
  tu_run_cli(&r2, NULL, plain, ":::", "b", NULL);
  ck_assert_int_eq(r.status, 1);
  const char* summary = summary_of(&r);
  assert_row(summary, "a", "spawn error: ENOENT: no such file or directory", 0);
  ck_assert(has_line(summary, "1 worker: 0 ok, 1 failed"));
  ck_assert(has_line(summary, "warning: 1 failed: a"));
  ck_assert_int_eq(r2.status, 1);
  assert_row(summary_of(&r2), "b", "spawn error: EACCES: permission denied", 0);
  tu_result_free(&r);
  tu_result_free(&r2);
  free(plain);
  free(missing);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_text_summary_no_warning_when_all_ok) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-n", "one", "-c", "true", "-n", "two", "-c", "true",
             NULL);
  ck_assert_int_eq(r.status, 0);
  const char* summary = summary_of(&r);
  assert_row(summary, "one", "ok", 1);
  assert_row(summary, "two", "ok", 1);
  ck_assert(has_line(summary, "2 workers: 2 ok, 0 failed"));
  ck_assert_lacks(r.err, "warning");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_text_summary_aligned) {
  /* Whatever the lengths of names and results, each column starts at the
   * same place on every line. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "-n", "x", "-c", "true", "-n", "a-much-longer-name",
             "-c", "exit 100", "-n", "mid", "-c", "kill -9 $$", NULL);
  ck_assert_int_eq(r.status, 1);
  const char* summary = summary_of(&r);
  size_t header_result = (size_t)(strstr(summary, "RESULT") - summary);
  size_t header_duration = (size_t)(strstr(summary, "DURATION") - summary);
  const char* names[] = { "x", "a-much-longer-name", "mid" };
  for (int i = 0; i < 3; i++) {
    row_t row;
    ck_assert(find_row(summary, names[i], &row));
    ck_assert_msg(row.result_col == header_result, "unaligned:\n%s", summary);
    char* line = line_starting(summary, names[i]);
    ck_assert_ptr_nonnull(line);
    ck_assert_msg(strlen(line) > header_duration &&
                      line[header_duration - 1] == ' ' &&
                      line[header_duration] != ' ',
                  "unaligned:\n%s", summary);
    /* No trailing blanks. */
    ck_assert_int_ne(line[strlen(line) - 1], ' ');
    free(line);
  }
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_text_summary_escapes_control_characters) {
  /* A name must not break the table into extra lines. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "--output", "inherit", CHILD, "out", "{}", "exit", "1",
             ":::", "e\nf", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.out, "e\nf\n");
  const char* summary = summary_of(&r);
  assert_row(summary, "e\\x0af", "exit 1", 1);
  ck_assert(has_line(summary, "1 worker: 0 ok, 1 failed"));
  ck_assert(has_line(summary, "warning: 1 failed: e\\x0af"));
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_json_summary_results) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "json", "-n", "good", "-c", "true", "-n",
             "three", "-c", "exit 3", "-n", "killed", "-c", "kill -9 $$", NULL);
  ck_assert_int_eq(r.status, 1);
  ck_assert_int_eq(r.err[0], '{');
  char* w = json_worker(r.err, "good");
  ck_assert_has(w, "\"ok\":true");
  ck_assert_has(w, "\"exit_code\":0,");
  ck_assert_has(w, "\"signal\":null");
  ck_assert_has(w, "\"error\":null");
  ck_assert_has(w, "\"timed_out\":false");
  ck_assert_has(w, "\"end\":\"exited\"");
  ck_assert_msg(
      strstr(w, "\"pid\":null") == NULL && strstr(w, "\"pid\":") != NULL, "%s",
      w);
  free(w);
  w = json_worker(r.err, "three");
  ck_assert_has(w, "\"ok\":false");
  ck_assert_has(w, "\"exit_code\":3,");
  ck_assert_has(w, "\"signal\":null");
  ck_assert_has(w, "\"timed_out\":false");
  free(w);
  w = json_worker(r.err, "killed");
  ck_assert_has(w, "\"ok\":false");
  ck_assert_has(w, "\"exit_code\":null");
  ck_assert_has(w, "\"signal\":\"SIGKILL\"");
  ck_assert_has(w, "\"timed_out\":false");
  ck_assert_has(w, "\"end\":\"signaled\"");
  free(w);
  ck_assert_has(r.err, "\"total\":3,\"succeeded\":1,\"failed\":2,");
  ck_assert_has(r.err, "\"stopped_by\":null");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_json_summary_spawn_error) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "json", "/nonexistent/program", ":::", "a",
             NULL);
  ck_assert_int_eq(r.status, 1);
  char* w = json_worker(r.err, "a");
  ck_assert_has(w, "\"pid\":null");
  ck_assert_has(w, "\"ok\":false");
  ck_assert_has(w, "\"exit_code\":null");
  ck_assert_has(w, "\"signal\":null");
  ck_assert_has(w, "\"error\":\"ENOENT: no such file or directory\"");
  ck_assert_has(w, "\"timed_out\":false");
  ck_assert_has(w, "\"end\":\"spawn_failed\"");
  free(w);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_json_summary_escapes_names) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "json", CHILD, "exit", "0", ":::", "a\"b",
             "c\\d", "e\nf", "\xc3\xa9t\xc3\xa9", "g\x01h", "tab\there", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_has(r.err, "{\"name\":\"a\\\"b\",");
  ck_assert_has(r.err, "{\"name\":\"c\\\\d\",");
  ck_assert_has(r.err, "{\"name\":\"e\\nf\",");
  ck_assert_has(r.err, "{\"name\":\"\xc3\xa9t\xc3\xa9\",");
  ck_assert_has(r.err, "{\"name\":\"g\\u0001h\",");
  ck_assert_has(r.err, "{\"name\":\"tab\\there\",");
  ck_assert_has(r.err, "\"total\":6,\"succeeded\":6,\"failed\":0,");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_json_summary_agrees_with_text_on_exit_code) {
  /* A worker that handles the stop signal and exits by itself: the text
   * summary says "timed out (exit 5)"; the JSON must not lose the 5. */
  const char* cmd = "trap 'exit 5' TERM; while :; do :; done";
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "--timeout", "100ms", "-n", "w", "-c", cmd, NULL);
  tu_run_cli(&r2, NULL, "--summary", "json", "--timeout", "100ms", "-n", "w",
             "-c", cmd, NULL);
  ck_assert_int_eq(r.status, 1);
  assert_row(summary_of(&r), "w", "timed out (exit 5)", 1);
  ck_assert_int_eq(r2.status, 1);
  char* w = json_worker(r2.err, "w");
  ck_assert_has(w, "\"timed_out\":true");
  ck_assert_has(w, "\"signal\":null");
  ck_assert_has(w, "\"exit_code\":5,");
  free(w);
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_cli_json_summary_is_one_object) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "json", CHILD, "exit", "0", ":::", "x\ny",
             "z", NULL);
  ck_assert_int_eq(r.status, 0);
  /* All of stderr is the object, on one line. */
  ck_assert_uint_gt(r.err_len, 2);
  ck_assert_int_eq(r.err[0], '{');
  ck_assert_str_eq(r.err + r.err_len - 2, "}\n");
  ck_assert_ptr_eq(strchr(r.err, '\n'), r.err + r.err_len - 1);
  ck_assert_has(r.err, "{\"workers\":[{\"name\":");
  ck_assert_lacks(r.err, "NAME");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_summary_none) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-c", "echo hi", "-c",
             "exit 1", NULL);
  ck_assert_int_eq(r.status, 1);
  /* Worker output still shows (tagged); only the summary (and, with -q,
   * the live lines) is gone. */
  ck_assert_str_eq(r.out, "1 | hi\n");
  ck_assert_str_eq(r.err, "");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_summary_file) {
  char* dir = tu_tmpdir_new();
  char* text_path = tu_fmt("%s/summary.txt", dir);
  char* json_path = tu_fmt("%s/summary.json", dir);
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--summary-file", text_path, "-n", "w", "-c",
             "exit 1", NULL);
  tu_run_cli(&r2, NULL, "-q", "--summary=json", "--summary-file", json_path,
             "-n", "w", "-c", "true", NULL);

  ck_assert_int_eq(r.status, 1);
  ck_assert_str_eq(r.err, "");
  char* text = read_text(text_path);
  ck_assert_ptr_nonnull(text);
  tu_result_t as_err = { .err = text };
  const char* summary = summary_of(&as_err);
  ck_assert_ptr_eq(summary, text);
  assert_row(summary, "w", "exit 1", 1);
  ck_assert(has_line(summary, "1 worker: 0 ok, 1 failed"));
  ck_assert(has_line(summary, "warning: 1 failed: w"));
  free(text);

  ck_assert_int_eq(r2.status, 0);
  ck_assert_str_eq(r2.err, "");
  text = read_text(json_path);
  ck_assert_ptr_nonnull(text);
  ck_assert_int_eq(text[0], '{');
  ck_assert_has(text, "{\"name\":\"w\",");
  ck_assert_str_eq(text + strlen(text) - 2, "}\n");
  free(text);

  tu_result_free(&r);
  tu_result_free(&r2);
  free(json_path);
  free(text_path);
  tu_tmpdir_free(dir);
}
END_TEST

/* ======================================================================
 * exit
 * ====================================================================== */

START_TEST(test_cli_exit_all_ok) {
  char* dir = tu_tmpdir_new();
  char* procfile = write_text(dir, "Procfile", "a: true\nb: exit 0\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert(has_line(summary_of(&r), "2 workers: 2 ok, 0 failed"));
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_exit_one_failed) {
  char* dir = tu_tmpdir_new();
  char* procfile = write_text(dir, "Procfile", "a: true\nb: exit 7\nc: true\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", procfile, NULL);
  /* 1, not the worker's own 7. */
  ck_assert_int_eq(r.status, 1);
  ck_assert(has_line(summary_of(&r), "warning: 1 failed: b"));
  tu_result_free(&r);
  free(procfile);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_cli_exit_stopped_by_signal) {
  /* A worker sends uvsup SIGTERM: uvsup passes it on to the running ones,
   * still prints the summary, and exits 128+15. */
  /* The sender signals only once the sleeper runs (a FIFO between them):
   * spawns come from the loop in slices. */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/started", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* sender = tu_fmt("read x < %s; exec '%s' signalsup 15", fifo, CHILD);
  char* sleeper = tu_fmt("echo up > %s; exec '%s' sleep 30000", fifo, CHILD);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-n", "sender", "-c", sender, "-n", "sleeper", "-c",
             sleeper, NULL);
  free(sender);
  free(fifo);
  free(dir);
  ck_assert_int_eq(r.status, 128 + 15);
  ck_assert_has(r.err, "got SIGTERM");
  const char* summary = summary_of(&r);
  assert_row(summary, "sleeper", "stopped (SIGTERM)", 1);
  char* count = line_starting(summary, "2 workers: ");
  ck_assert_ptr_nonnull(count);
  ck_assert_has(count, "stopped");
  free(count);
  free(sleeper);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_exit_timeout) {
  char* sleeper = tu_fmt("exec '%s' sleep 30000", CHILD);
  char* stubborn = tu_fmt("exec '%s' ignore 15 sleep 30000", CHILD);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--timeout", "100ms", "--kill-after", "100ms", "-n",
             "slow", "-c", sleeper, "-n", "stubborn", "-c", stubborn, "-n",
             "quick", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 1);
  const char* summary = summary_of(&r);
  assert_row(summary, "slow", "timed out (SIGTERM)", 1);
  assert_row(summary, "stubborn", "timed out (SIGKILL)", 1);
  assert_row(summary, "quick", "ok", 1);
  ck_assert(has_line(summary, "3 workers: 1 ok, 2 failed"));
  ck_assert(has_line(summary, "warning: 2 failed: slow, stubborn"));
  free(stubborn);
  free(sleeper);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_exit_timeout_json) {
  char* sleeper = tu_fmt("exec '%s' sleep 30000", CHILD);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "json", "--timeout", "100ms", "-n", "slow",
             "-c", sleeper, NULL);
  ck_assert_int_eq(r.status, 1);
  char* w = json_worker(r.err, "slow");
  ck_assert_has(w, "\"timed_out\":true");
  ck_assert_has(w, "\"signal\":\"SIGTERM\"");
  ck_assert_has(w, "\"end\":\"timed_out\"");
  ck_assert_has(w, "\"ok\":false");
  free(w);
  free(sleeper);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_cli_exit_halt) {
  /* "done" ends only once "sleeper" runs (a FIFO between them): spawns
   * come from the loop in slices, so on a loaded machine it could end
   * before sleeper was started. */
  char* dir = tu_tmpdir_new();
  char* fifo = tu_fmt("%s/started", dir);
  ck_assert_int_eq(mkfifo(fifo, 0600), 0);
  char* done = tu_fmt("read x < %s", fifo);
  char* sleeper = tu_fmt("echo up > %s; exec '%s' sleep 30000", fifo, CHILD);
  tu_result_t r, r2;
  /* What was asked for happened: 0, though one was stopped. */
  tu_run_cli(&r, NULL, "--halt", "now,success=1", "-n", "done", "-c", done,
             "-n", "sleeper", "-c", sleeper, NULL);
  free(done);
  free(fifo);
  free(dir);
  /* One failure stops the rest: 1. */
  tu_run_cli(&r2, NULL, "-j", "1", "--halt", "soon,fail=1", "-n", "bad", "-c",
             "exit 1", "-n", "later", "-c", "true", NULL);
  ck_assert_int_eq(r.status, 0);
  assert_row(summary_of(&r), "done", "ok", 1);
  assert_row(summary_of(&r), "sleeper", "stopped (SIGTERM)", 1);
  ck_assert_int_eq(r2.status, 1);
  assert_row(summary_of(&r2), "bad", "exit 1", 1);
  assert_row(summary_of(&r2), "later", "not started", 0);
  ck_assert(
      has_line(summary_of(&r2), "2 workers: 0 ok, 1 failed, 1 not started"));
  free(sleeper);
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

/* How many times needle occurs in text. */
static int count_of(const char* text, const char* needle) {
  int n = 0;
  for (const char* p = strstr(text, needle); p != NULL;
       p = strstr(p + strlen(needle), needle)) {
    n++;
  }
  return n;
}

START_TEST(test_cli_exit_stdout_write_error) {
  /* Every worker succeeds, but what they wrote never reached uvsup's
   * stdout (a full device): said once on stderr, and exit 1, in both
   * modes that write stdout themselves. */
  const char* modes[] = { "tag", "group" };
  for (int i = 0; i < 2; i++) {
    char* script = tu_fmt(
        "exec '%s' --output %s -n a -c 'echo hello' -n b -c "
        "'echo world' >/dev/full",
        UVSUP_TEST_CLI, modes[i]);
    char* argv[] = { "/bin/sh", "-c", script, NULL };
    tu_result_t r;
    tu_run(argv, NULL, &r);
    ck_assert_msg(r.status == 1, "%s: status %d:\n%s", modes[i], r.status,
                  r.err);
    ck_assert_int_eq(
        count_of(r.err,
                 "uvsup: writing standard output: No space left on device\n"),
        1);
    ck_assert(has_line(summary_of(&r), "2 workers: 2 ok, 0 failed"));
    tu_result_free(&r);
    free(script);
  }
}
END_TEST

START_TEST(test_cli_stdout_closed_stops_workers) {
  /* Issue 10: "uvsup -c yes | head -1" never returned (the output was
   * discarded and yes ran on). Now the reader's leaving stops the workers
   * with the stop sequence and uvsup exits 141, leaving no process. */
  char* script = tu_fmt(
      "'%s' -c 'echo $$; exec yes' | head -1; "
      "echo \"status=${PIPESTATUS[0]}\"",
      UVSUP_TEST_CLI);
  char* argv[] = { "/bin/bash", "-c", script, NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  ck_assert_msg(has_line(r.out, "status=141"), "stdout:\n%s\nstderr:\n%s",
                r.out, r.err);
  int pid = 0;
  ck_assert_int_eq(sscanf(r.out, "1 | %d", &pid), 1);
  ck_assert_msg(!tu_pid_alive(pid), "worker %d still runs", pid);
  ck_assert(strstr(r.err, "interrupted by SIGPIPE") != NULL);
  tu_result_free(&r);
  free(script);
}
END_TEST

START_TEST(test_cli_help) {
  const char* forms[] = { "-h", "--help" };
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, forms[i], NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strncmp(r.out, "Usage:\n", 7) == 0, "%s", r.out);
    ck_assert_has(r.out, "-f, --procfile FILE");
    ck_assert_has(r.out, "-j, --jobs N");
    ck_assert_has(r.out, "--summary FORMAT");
    ck_assert_has(r.out, "--output MODE");
    ck_assert_has(r.out, "--color WHEN");
    ck_assert_has(r.out, "--timestamps");
    ck_assert_has(r.out, "--log-dir DIR");
    ck_assert_has(r.out, "Exit status:");
    ck_assert_str_eq(r.err, "");
    tu_result_free(&r);
  }
}
END_TEST

START_TEST(test_cli_version) {
  const char* forms[] = { "-V", "--version" };
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, forms[i], NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_msg(strncmp(r.out, "uvsup 0.1.0", 11) == 0 &&
                      (r.out[11] == '\n' || r.out[11] == ' '),
                  "%s", r.out);
    ck_assert_ptr_eq(strchr(r.out, '\n'), r.out + r.out_len - 1);
    ck_assert_str_eq(r.err, "");
    tu_result_free(&r);
  }
}
END_TEST

/* ======================================================================
 * errors: each refused with status 2 and nothing started
 * ====================================================================== */

/* A directory with a marker path that a worker would create, and a command
 * that creates it. */
typedef struct {
  char* dir;
  char* marker;
  char* touch; /* "touch 'MARKER'" */
} scratch_t;

static void scratch_init(scratch_t* s) {
  s->dir = tu_tmpdir_new();
  s->marker = tu_fmt("%s/marker", s->dir);
  s->touch = tu_fmt("touch '%s'", s->marker);
}

static void scratch_free(scratch_t* s) {
  free(s->touch);
  free(s->marker);
  tu_tmpdir_free(s->dir);
}

/* A Procfile whose first line would create the marker, then rest. */
static char* bad_procfile(const scratch_t* s, const char* rest, size_t len) {
  char* head = tu_fmt("first: %s\n", s->touch);
  size_t hlen = strlen(head);
  char* text = malloc(hlen + len);
  ck_assert_ptr_nonnull(text);
  memcpy(text, head, hlen);
  memcpy(text + hlen, rest, len);
  char* path = write_file(s->dir, "Procfile", text, hlen + len);
  free(text);
  free(head);
  return path;
}

START_TEST(test_cli_missing_procfile) {
  scratch_t s;
  scratch_init(&s);
  char* path = tu_fmt("%s/Procfile", s.dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, NULL, path, "No such file or directory", NULL);
  tu_result_free(&r);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_is_directory) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", s.dir, NULL);
  assert_refused(&r, NULL, s.dir, "directory", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_empty_procfile) {
  scratch_t s;
  scratch_init(&s);
  char* path = write_text(s.dir, "Procfile", "");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, NULL, path, "no workers", NULL);
  tu_result_free(&r);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_only_comments) {
  scratch_t s;
  scratch_init(&s);
  char* path =
      write_text(s.dir, "Procfile", "# first: touch x\n\n   \n  # second\n");
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, NULL, path, "no workers", NULL);
  tu_result_free(&r);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_line_without_name) {
  scratch_t s;
  scratch_init(&s);
  const char rest[] = "# fine\necho no name here\n";
  char* path = bad_procfile(&s, rest, sizeof(rest) - 1);
  char* where = tu_fmt("%s:3:", path);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, s.marker, where, "name", NULL);
  tu_result_free(&r);
  free(where);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_empty_name) {
  scratch_t s;
  scratch_init(&s);
  const char rest[] = "  : true\n";
  char* path = bad_procfile(&s, rest, sizeof(rest) - 1);
  char* where = tu_fmt("%s:2:", path);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, s.marker, where, "empty name", NULL);
  tu_result_free(&r);
  free(where);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_duplicate_names) {
  scratch_t s;
  scratch_init(&s);
  const char rest[] = "other: true\nfirst: true\n";
  char* path = bad_procfile(&s, rest, sizeof(rest) - 1);
  char* where = tu_fmt("%s:3:", path);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, s.marker, where, "duplicate", "'first'", "line 1", NULL);
  tu_result_free(&r);
  free(where);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_nul_byte) {
  scratch_t s;
  scratch_init(&s);
  const char rest[] = "second: tr\0ue\n";
  char* path = bad_procfile(&s, rest, sizeof(rest) - 1);
  char* where = tu_fmt("%s:2:", path);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, s.marker, where, "NUL", NULL);
  tu_result_free(&r);
  free(where);
  free(path);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_procfile_long_line) {
  scratch_t s;
  scratch_init(&s);
  size_t len = 70000;
  char* rest = malloc(len + 1);
  ck_assert_ptr_nonnull(rest);
  memcpy(rest, "long: echo ", 11);
  memset(rest + 11, 'x', len - 12);
  rest[len - 1] = '\n';
  char* path = bad_procfile(&s, rest, len);
  char* where = tu_fmt("%s:2:", path);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", path, NULL);
  assert_refused(&r, s.marker, where, "too long", NULL);
  tu_result_free(&r);
  free(where);
  free(path);
  free(rest);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_stdin_long_value_refused_early) {
  /* A value over the limit on standard input is refused as soon as it
   * passes it, not once the whole line (here: never ending) is read. */
  int in[2], err[2];
  ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
  ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
  signal(SIGPIPE, SIG_IGN);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(err[1], 2);
    execl(UVSUP_TEST_CLI, UVSUP_TEST_CLI, CHILD, "out", (char*)NULL);
    _exit(127);
  }
  close(in[0]);
  close(err[1]);
  ck_assert_int_eq(fcntl(in[1], F_SETFL, O_NONBLOCK), 0);
  static char xs[65536];
  memset(xs, 'x', sizeof(xs));
  size_t sent = 0, limit = 4 * 1024 * 1024;
  char text[4096];
  size_t text_len = 0;
  for (;;) {
    struct pollfd fds[2] = { { err[0], POLLIN, 0 },
                             { sent < limit ? in[1] : -1, POLLOUT, 0 } };
    int n = poll(fds, 2, 20000); /* a bound for failing, never waited out */
    ck_assert_msg(n > 0, "uvsup still reads its value after %zu bytes", sent);
    if (fds[1].revents & POLLOUT) {
      ssize_t w = write(in[1], xs, sizeof(xs));
      sent += w > 0 ? (size_t)w : limit; /* EPIPE: it has stopped reading */
    }
    if (fds[0].revents & (POLLIN | POLLHUP)) {
      ssize_t r = read(err[0], text + text_len, sizeof(text) - 1 - text_len);
      if (r <= 0) {
        break;
      }
      text_len += (size_t)r;
    }
  }
  text[text_len] = '\0';
  int status;
  ck_assert_int_eq(waitpid(pid, &status, 0), pid);
  close(in[1]);
  close(err[0]);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 2, "status %d",
                status);
  ck_assert_has(text, "uvsup: standard input:1: value of");
  ck_assert_has(text, "too long");
}
END_TEST

START_TEST(test_cli_unknown_option) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-c", s.touch, "--bogus", NULL);
  assert_refused(&r, s.marker, "unknown option", "--bogus", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_name_without_command) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-c", s.touch, "-n", "x", NULL);
  tu_run_cli(&r2, NULL, "-n", "x", NULL);
  assert_refused(&r, s.marker, "-n 'x'", "-c", NULL);
  assert_refused(&r2, NULL, "-n 'x'", "-c", NULL);
  tu_result_free(&r);
  tu_result_free(&r2);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_no_workers) {
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, NULL);
  tu_run_cli(&r2, NULL, "-j", "2", "--", NULL);
  assert_refused(&r, NULL, "no workers", NULL);
  assert_refused(&r2, NULL, "no workers", NULL);
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_cli_two_ways_of_giving_workers) {
  scratch_t s;
  scratch_init(&s);
  char* procfile = bad_procfile(&s, "", 0);
  tu_result_t r[3];
  tu_run_cli(&r[0], NULL, "-f", procfile, "-c", s.touch, NULL);
  tu_run_cli(&r[1], NULL, "-f", procfile, CHILD, "pidfile", s.marker, NULL);
  tu_run_cli(&r[2], NULL, "-c", s.touch, CHILD, "pidfile", s.marker, NULL);
  assert_refused(&r[0], s.marker, "one way", "-f", "-c", NULL);
  assert_refused(&r[1], s.marker, "one way", "-f", "PROGRAM", NULL);
  assert_refused(&r[2], s.marker, "one way", "-c", "PROGRAM", NULL);
  for (int i = 0; i < 3; i++) {
    /* The ways given are listed tidily: no blank before the ')'. */
    ck_assert_lacks(r[i].err, " )");
    tu_result_free(&r[i]);
  }
  free(procfile);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_no_values_after_separator) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, CHILD, "pidfile", s.marker, ":::", NULL);
  assert_refused(&r, s.marker, "no values", ":::", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_empty_value) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, CHILD, "pidfile", s.marker, "out", ":::", "a", "", NULL);
  assert_refused(&r, s.marker, "value 2", "empty", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_empty_stdin) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r, r2;
  tu_run_cli(&r, "", CHILD, "pidfile", s.marker, "out", NULL);
  tu_run_cli(&r2, "\n\n\r\n", CHILD, "pidfile", s.marker, "out", NULL);
  assert_refused(&r, s.marker, "standard input", "no values", NULL);
  assert_refused(&r2, s.marker, "standard input", "no values", NULL);
  tu_result_free(&r);
  tu_result_free(&r2);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_duplicate_command_names) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-n", "a", "-c", s.touch, "-n", "a", "-c", s.touch,
             NULL);
  /* A -n name that is another -c's position clashes as well. */
  tu_run_cli(&r2, NULL, "-n", "2", "-c", s.touch, "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "duplicate name 'a'", NULL);
  assert_refused(&r2, s.marker, "duplicate name '2'", NULL);
  tu_result_free(&r);
  tu_result_free(&r2);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_bad_jobs) {
  scratch_t s;
  scratch_init(&s);
  const char* values[] = {
    "-1", "abc", "", "1.5", " 2", "1000001", "99999999999999999999"
  };
  for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
    tu_result_t r;
    char* quoted = tu_fmt("'%s'", values[i]);
    tu_run_cli(&r, NULL, "-j", values[i], "-c", s.touch, NULL);
    assert_refused(&r, s.marker, "-j", quoted, NULL);
    tu_result_free(&r);
    char* attached = tu_fmt("--jobs=%s", values[i]);
    tu_run_cli(&r, NULL, attached, "-c", s.touch, NULL);
    assert_refused(&r, s.marker, "--jobs", quoted, NULL);
    tu_result_free(&r);
    free(attached);
    free(quoted);
  }
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_bad_summary_format) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary", "bogus", "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "--summary 'bogus'", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_bad_spawn_mode) {
  /* UVSUP_SPAWN is helper or in-process: anything else is refused before
   * anything starts (each test runs in its own process). */
  scratch_t s;
  scratch_init(&s);
  setenv("UVSUP_SPAWN", "fork", 1);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "UVSUP_SPAWN: 'fork'", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_missing_spawn_helper) {
  /* A helper that cannot be started: exit 2, said so, nothing started. */
  scratch_t s;
  scratch_init(&s);
  if (getenv("UVSUP_SPAWN") != NULL) {
    unsetenv("UVSUP_SPAWN");
  }
  setenv("UVSUP_SPAWN_HELPER", "/nonexistent/uvsup-spawn", 1);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "starting the spawn helper: no such file", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_bad_timeout) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--timeout", "abc", "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "--timeout 'abc'", NULL);
  tu_result_free(&r);
  tu_run_cli(&r, NULL, "--timeout", "0", "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "--timeout '0'", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_bad_stop_signal) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--stop-signal", "NOPE", "-c", s.touch, NULL);
  assert_refused(&r, s.marker, "--stop-signal 'NOPE'", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_missing_option_value) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-c", s.touch, "-j", NULL);
  assert_refused(&r, s.marker, "-j", "value", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

START_TEST(test_cli_unwritable_summary_file) {
  scratch_t s;
  scratch_init(&s);
  tu_result_t r;
  tu_run_cli(&r, NULL, "--summary-file", "/nonexistent/dir/x", "-c", s.touch,
             NULL);
  assert_refused(&r, s.marker, "--summary-file", "/nonexistent/dir/x", NULL);
  tu_result_free(&r);
  scratch_free(&s);
}
END_TEST

/* ======================================================================
 * demo
 * ====================================================================== */

START_TEST(test_cli_demo_cities) {
  static const char* const cities[] = { "New York", "London", "Sydney",
                                        "Lisbon", "Paris" };
  tu_result_t r;
  tu_run_cli(&r, NULL, "-f", UVSUP_TEST_EXAMPLES "/cities.Procfile", NULL);
  ck_assert_msg(r.status == 0 || r.status == 1, "status %d:\n%s", r.status,
                r.err);
  const char* summary = summary_of(&r);
  /* Each line is tagged with its city, padded to the longest name, so the
   * bars line up: "New York | Begin: New York ...", "Paris    | ...". */
  int width = 0;
  for (int i = 0; i < 5; i++) {
    width = (int)strlen(cities[i]) > width ? (int)strlen(cities[i]) : width;
  }
  int failed = 0;
  for (int i = 0; i < 5; i++) {
    char* begin = tu_fmt("%-*s | Begin: %s ", width, cities[i], cities[i]);
    char* end = tu_fmt("%-*s | End: %s ", width, cities[i], cities[i]);
    char* line = line_starting(r.out, begin);
    ck_assert_msg(line != NULL, "no '%s' in:\n%s", begin, r.out);
    free(line);
    line = line_starting(r.out, end);
    ck_assert_msg(line != NULL, "no '%s' in:\n%s", end, r.out);
    free(line);
    row_t row;
    ck_assert_msg(find_row(summary, cities[i], &row), "no row %s:\n%s",
                  cities[i], summary);
    ck_assert_msg(is_number(row.pid), "pid '%s'", row.pid);
    ck_assert_msg(
        strcmp(row.result, "ok") == 0 || strcmp(row.result, "exit 1") == 0,
        "%s: %s", cities[i], row.result);
    int ok = strcmp(row.result, "ok") == 0;
    failed += !ok;
    /* The worker printed its own exit status; the summary agrees. */
    char* said = tu_fmt("%-*s | End: %s (exit %d)", width, cities[i], cities[i],
                        ok ? 0 : 1);
    ck_assert_msg(has_line(r.out, said), "no '%s' in:\n%s", said, r.out);
    free(said);
    free(begin);
    free(end);
  }
  /* Nothing but those ten tagged lines on stdout. */
  int lines = 0;
  for (const char* p = r.out; *p != '\0'; p++) {
    lines += *p == '\n';
  }
  ck_assert_msg(lines == 10, "stdout:\n%s", r.out);
  ck_assert_int_eq(r.status, failed > 0 ? 1 : 0);
  char* count = tu_fmt("5 workers: %d ok, %d failed", 5 - failed, failed);
  ck_assert(has_line(summary, count));
  free(count);
  char* warning = line_starting(summary, "warning: ");
  if (failed > 0) {
    ck_assert_msg(warning != NULL, "no warning:\n%s", summary);
  } else {
    ck_assert_msg(warning == NULL, "warning:\n%s", summary);
  }
  free(warning);
  tu_result_free(&r);
}
END_TEST

static Suite* cli_suite(void) {
  Suite* s = suite_create("cli");

  TCase* modes = tu_tcase_new(s, "modes", 30);
  tcase_add_test(modes, test_cli_procfile_runs_in_its_directory);
  tcase_add_test(modes, test_cli_procfile_relative_path);
  tcase_add_test(modes, test_cli_procfile_not_a_file_runs_here);
  tcase_add_test(modes, test_cli_procfile_comments_blank_lines_and_spaces);
  tcase_add_test(modes, test_cli_command_names);
  tcase_add_test(modes, test_cli_command_positional_names);
  tcase_add_test(modes, test_cli_values_replace_braces);
  tcase_add_test(modes, test_cli_values_appended);
  tcase_add_test(modes, test_cli_values_duplicates_both_run);
  tcase_add_test(modes, test_cli_values_repeated_apart_start_at_once);
  tcase_add_test(modes, test_cli_values_run_without_shell);
  tcase_add_test(modes, test_cli_values_are_data_in_a_shell_script);
  tcase_add_test(modes, test_cli_job_number_and_slot);
  tcase_add_test(modes, test_cli_stdout_closed_stops_workers);
  tcase_add_test(modes, test_cli_stdin_values);
  tcase_add_test(modes, test_cli_jobs_one_at_a_time);
  tcase_add_test(modes, test_cli_jobs_zero_no_limit);

  TCase* summary = tu_tcase_new(s, "summary", 30);
  tcase_add_test(summary, test_cli_text_summary_results);
  tcase_add_test(summary, test_cli_text_summary_spawn_errors);
  tcase_add_test(summary, test_cli_text_summary_no_warning_when_all_ok);
  tcase_add_test(summary, test_cli_text_summary_aligned);
  tcase_add_test(summary, test_cli_text_summary_escapes_control_characters);
  tcase_add_test(summary, test_cli_json_summary_results);
  tcase_add_test(summary, test_cli_json_summary_spawn_error);
  tcase_add_test(summary, test_cli_json_summary_escapes_names);
  tcase_add_test(summary, test_cli_json_summary_agrees_with_text_on_exit_code);
  tcase_add_test(summary, test_cli_json_summary_is_one_object);
  tcase_add_test(summary, test_cli_summary_none);
  tcase_add_test(summary, test_cli_summary_file);

  TCase* exit = tu_tcase_new(s, "exit", 30);
  tcase_add_test(exit, test_cli_exit_all_ok);
  tcase_add_test(exit, test_cli_exit_one_failed);
  tcase_add_test(exit, test_cli_exit_stopped_by_signal);
  tcase_add_test(exit, test_cli_exit_timeout);
  tcase_add_test(exit, test_cli_exit_timeout_json);
  tcase_add_test(exit, test_cli_exit_halt);
  tcase_add_test(exit, test_cli_exit_stdout_write_error);
  tcase_add_test(exit, test_cli_help);
  tcase_add_test(exit, test_cli_version);

  TCase* errors = tu_tcase_new(s, "errors", 30);
  tcase_add_test(errors, test_cli_missing_procfile);
  tcase_add_test(errors, test_cli_bad_spawn_mode);
  tcase_add_test(errors, test_cli_missing_spawn_helper);
  tcase_add_test(errors, test_cli_procfile_is_directory);
  tcase_add_test(errors, test_cli_empty_procfile);
  tcase_add_test(errors, test_cli_procfile_only_comments);
  tcase_add_test(errors, test_cli_procfile_line_without_name);
  tcase_add_test(errors, test_cli_procfile_empty_name);
  tcase_add_test(errors, test_cli_procfile_duplicate_names);
  tcase_add_test(errors, test_cli_procfile_nul_byte);
  tcase_add_test(errors, test_cli_procfile_long_line);
  tcase_add_test(errors, test_cli_unknown_option);
  tcase_add_test(errors, test_cli_name_without_command);
  tcase_add_test(errors, test_cli_no_workers);
  tcase_add_test(errors, test_cli_two_ways_of_giving_workers);
  tcase_add_test(errors, test_cli_no_values_after_separator);
  tcase_add_test(errors, test_cli_empty_value);
  tcase_add_test(errors, test_cli_empty_stdin);
  tcase_add_test(errors, test_cli_stdin_long_value_refused_early);
  tcase_add_test(errors, test_cli_duplicate_command_names);
  tcase_add_test(errors, test_cli_bad_jobs);
  tcase_add_test(errors, test_cli_bad_summary_format);
  tcase_add_test(errors, test_cli_bad_timeout);
  tcase_add_test(errors, test_cli_bad_stop_signal);
  tcase_add_test(errors, test_cli_missing_option_value);
  tcase_add_test(errors, test_cli_unwritable_summary_file);

  TCase* demo = tu_tcase_new(s, "demo", 60);
  tcase_add_test(demo, test_cli_demo_cities);
  return s;
}

int main(void) {
  return tu_run_suite(cli_suite());
}
