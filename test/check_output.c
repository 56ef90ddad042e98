/* What a user sees of the workers' output through the uvsup program:
 * --output tag|group|inherit|null, --color, --timestamps and --log-dir, end
 * to end with real workers, large outputs and a slow reader. */
#define _GNU_SOURCE /* posix_openpt, wait4 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "testutil.h"

#define CLI   UVSUP_TEST_CLI
#define CHILD UVSUP_TEST_CHILD

/* The longest piece of a line a tagged line carries (UVSUP_LINE_MAX). */
#define LINE_PIECE (64 * 1024)

static uint64_t now_ms(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- files ---- */

/* The whole file (NUL-terminated, *len set), or NULL when it cannot be
 * read. */
static char* read_file(const char* path, size_t* len) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return NULL;
  }
  size_t cap = 65536, n = 0;
  char* data = malloc(cap + 1);
  ck_assert_ptr_nonnull(data);
  for (;;) {
    if (n == cap) {
      cap *= 2;
      data = realloc(data, cap + 1);
      ck_assert_ptr_nonnull(data);
    }
    ssize_t got = read(fd, data + n, cap - n);
    ck_assert_int_ge(got, 0);
    if (got == 0) {
      break;
    }
    n += (size_t)got;
  }
  close(fd);
  data[n] = '\0';
  *len = n;
  return data;
}

/* ---- what the test child writes ---- */

/* "bytes N": byte i is i % 256. */
static char* expected_bytes(size_t n) {
  char* data = malloc(n + 1);
  ck_assert_ptr_nonnull(data);
  for (size_t i = 0; i < n; i++) {
    data[i] = (char)(i & 0xff);
  }
  data[n] = '\0';
  return data;
}

/* "lines N TEXT": "TEXT 1\n" ... "TEXT N\n". */
static char* expected_lines(long n, const char* text, size_t* len) {
  char* data = NULL;
  size_t size = 0;
  FILE* f = open_memstream(&data, &size);
  ck_assert_ptr_nonnull(f);
  for (long i = 1; i <= n; i++) {
    fprintf(f, "%s %ld\n", text, i);
  }
  fclose(f);
  *len = size;
  return data;
}

/* ---- reading output ---- */

#define ck_assert_has(haystack, needle)               \
  ck_assert_msg(strstr((haystack), (needle)) != NULL, \
                "expected '%s' in:\n%.3000s", (needle), (haystack))

/* ck_assert_msg for hot loops: Check records every passing ck_assert with
 * a write to its parent, too slow per line of 400k lines. */
#define require(cond, ...)       \
  do {                           \
    if (!(cond)) {               \
      ck_abort_msg(__VA_ARGS__); \
    }                            \
  } while (0)

/* Columns of s[0..len) in UTF-8 characters. */
static size_t columns(const char* s, size_t len) {
  size_t n = 0;
  for (size_t i = 0; i < len; i++) {
    n += ((unsigned char)s[i] & 0xc0) != 0x80;
  }
  return n;
}

/* Calls fn for each line of text[0..len) (without its newline); asserts the
 * text ends with a newline, so no line is cut. */
typedef void (*line_fn)(const char* line, size_t len, void* data);

static void each_line(const char* text, size_t len, line_fn fn, void* data) {
  ck_assert_msg(len == 0 || text[len - 1] == '\n', "output ends mid-line");
  for (size_t off = 0; off < len;) {
    const char* nl = memchr(text + off, '\n', len - off);
    size_t n = (size_t)(nl - (text + off));
    fn(text + off, n, data);
    off += n + 1;
  }
}

/* Numbered tagged lines "NAME<pad> | NAME n", checked one at a time: every
 * name padded to the same width, and each worker's n counting up from 1. */
typedef struct {
  const char* const* names;
  int count;
  size_t width; /* columns of the widest name */
  const char* text_suffix;
  long next[8];
  long lines;
} numbered_t;

static void check_numbered(const char* line, size_t len, void* data) {
  numbered_t* s = data;
  const char* bar = memmem(line, len, " | ", 3);
  require(bar != NULL, "untagged line '%.*s'", (int)len, line);
  size_t tag_len = (size_t)(bar - line);
  /* Bars line up: the name and its padding are exactly as wide as the
   * widest name, counted in characters. */
  require(columns(line, tag_len) == s->width,
          "tag '%.*s' is not %zu columns wide", (int)tag_len, line, s->width);
  size_t name_len = tag_len;
  while (name_len > 0 && line[name_len - 1] == ' ') {
    name_len--;
  }
  int w = -1;
  for (int k = 0; k < s->count; k++) {
    if (strlen(s->names[k]) == name_len &&
        memcmp(s->names[k], line, name_len) == 0) {
      w = k;
    }
  }
  require(w >= 0, "unknown tag in '%.*s'", (int)len, line);
  char want[256];
  int n = snprintf(want, sizeof(want), "%s%s %ld", s->names[w], s->text_suffix,
                   s->next[w] + 1);
  const char* text = bar + 3;
  size_t text_len = len - tag_len - 3;
  require(text_len == (size_t)n && memcmp(text, want, (size_t)n) == 0,
          "expected '%s' from %s, got '%.*s'", want, s->names[w], (int)len,
          line);
  s->next[w]++;
  s->lines++;
}

static void numbered_init(numbered_t* s,
                          const char* const* names,
                          int count,
                          const char* text_suffix) {
  memset(s, 0, sizeof(*s));
  ck_assert_int_le(count, 8);
  s->names = names;
  s->count = count;
  s->text_suffix = text_suffix;
  for (int k = 0; k < count; k++) {
    size_t w = columns(names[k], strlen(names[k]));
    s->width = w > s->width ? w : s->width;
  }
}

/* Asserts text[0..len) is the given blocks, each whole and in one piece, in
 * any order. */
static void assert_blocks(const char* text,
                          size_t len,
                          char* const* blocks,
                          const size_t* lens,
                          int count) {
  size_t total = 0;
  for (int k = 0; k < count; k++) {
    total += lens[k];
  }
  ck_assert_uint_eq(len, total);
  int used[8] = { 0 };
  ck_assert_int_le(count, 8);
  for (size_t off = 0; off < len;) {
    int found = -1;
    for (int k = 0; k < count && found < 0; k++) {
      /* A block is known by its first line, which names its worker. */
      const char* nl = memchr(blocks[k], '\n', lens[k]);
      size_t first = nl != NULL ? (size_t)(nl - blocks[k]) + 1 : lens[k];
      if (!used[k] && len - off >= first &&
          memcmp(text + off, blocks[k], first) == 0) {
        found = k;
      }
    }
    ck_assert_msg(found >= 0, "no block starts at byte %zu: '%.40s'", off,
                  text + off);
    ck_assert_msg(len - off >= lens[found] &&
                      memcmp(text + off, blocks[found], lens[found]) == 0,
                  "block %d at byte %zu is not whole and in one piece", found,
                  off);
    used[found] = 1;
    off += lens[found];
  }
}

/* Asserts log[0..len) is base with ins inserted at one place: a worker's
 * stdout and its one stderr line, in whichever order uvsup read them. */
static void assert_one_insertion(const char* log,
                                 size_t len,
                                 const char* base,
                                 size_t base_len,
                                 const char* ins) {
  size_t ins_len = strlen(ins);
  ck_assert_msg(len == base_len + ins_len, "log holds %zu bytes, not %zu", len,
                base_len + ins_len);
  size_t same = 0;
  while (same < base_len && log[same] == base[same]) {
    same++;
  }
  for (size_t p = 0; p <= same; p++) {
    if (memcmp(log + p, ins, ins_len) == 0 &&
        memcmp(log + p + ins_len, base + p, base_len - p) == 0) {
      return;
    }
  }
  ck_abort_msg("log differs from what the worker wrote at byte %zu", same);
}

/* Removes ANSI escape sequences ("ESC [ ... letter") in place; returns how
 * many there were. */
static int strip_escapes(char* s) {
  int n = 0;
  char* out = s;
  for (const char* p = s; *p != '\0';) {
    if (p[0] == '\033' && p[1] == '[') {
      p += 2;
      while (*p != '\0' &&
             !((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))) {
        p++;
      }
      if (*p != '\0') {
        p++;
      }
      n++;
      continue;
    }
    *out++ = *p++;
  }
  *out = '\0';
  return n;
}

/* ---- environment for one run ---- */

typedef struct {
  const char* name;
  char* old; /* NULL when it was unset */
} saved_env_t;

/* Sets (value non-NULL) or unsets name; restore_env puts it back. */
static void set_env(saved_env_t* s, const char* name, const char* value) {
  s->name = name;
  const char* old = getenv(name);
  s->old = old != NULL ? strdup(old) : NULL;
  if (value != NULL) {
    ck_assert_int_eq(setenv(name, value, 1), 0);
  } else {
    ck_assert_int_eq(unsetenv(name), 0);
  }
}

static void restore_env(saved_env_t* s) {
  if (s->old != NULL) {
    setenv(s->name, s->old, 1);
  } else {
    unsetenv(s->name);
  }
  free(s->old);
  s->old = NULL;
}

/* ======================================================================
 * tag
 * ====================================================================== */

START_TEST(test_output_tag_every_line_once_in_order) {
  /* Four workers at once, 100k lines each, names of different widths (one
   * of them wider in bytes than in characters). */
  static const char* const names[] = { "a", "bb", "caf\xc3\xa9", "dddddd" };
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "-j", "0", CHILD, "lines", "100000", "{}",
             ":::", names[0], names[1], names[2], names[3], NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  numbered_t s;
  numbered_init(&s, names, 4, "");
  each_line(r.out, r.out_len, check_numbered, &s);
  for (int k = 0; k < 4; k++) {
    ck_assert_msg(s.next[k] == 100000, "%s: %ld lines", names[k], s.next[k]);
  }
  ck_assert_int_eq(s.lines, 400000);
  /* Nothing of it on stderr: that holds the summary only. */
  ck_assert_msg(strstr(r.err, " | ") == NULL, "stderr:\n%.2000s", r.err);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_tag_names_escaped_and_capped) {
  /* A name cannot forge another worker's line (a newline in it), reach
   * the terminal as an escape sequence, or pad every line of every worker
   * to its own width: tags escape names as the summary does, and are cut
   * to a bounded width. */
  char* huge = malloc(100001);
  ck_assert_ptr_nonnull(huge);
  memset(huge, 'h', 100000);
  huge[100000] = '\0';
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--color", "never", "-n", "a\nb | forged line",
             "-c", "echo one", "-n", "\033[31mred", "-c", "echo two", "-n",
             huge, "-c", "echo three", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_msg(strchr(r.out, '\033') == NULL, "an escape reached stdout");
  int lines = 0;
  for (const char* p = r.out; *p != '\0'; lines++) {
    const char* nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    ck_assert_msg(nl - p < 100, "a line of %td bytes", nl - p);
    ck_assert_msg(strncmp(p, "b ", 2) != 0, "a forged line:\n%s", r.out);
    p = nl + 1;
  }
  ck_assert_int_eq(lines, 3);
  ck_assert_has(r.out, "a\\x0ab | forged line");
  ck_assert_has(r.out, "\\x1b[31mred");
  ck_assert_has(r.out, "hhhhhhhhhh");
  tu_result_free(&r);
  free(huge);
}
END_TEST

START_TEST(test_output_tag_stderr_to_stderr) {
  static const char* const names[] = { "w", "longer" };
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "-j", "0", "--summary", "none", CHILD, "lines",
             "3000", "{}", "errlines", "2000", "{}-err", ":::", names[0],
             names[1], NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  numbered_t out, err;
  numbered_init(&out, names, 2, "");
  numbered_init(&err, names, 2, "-err");
  /* Each stream's lines on uvsup's stream of the same kind, and only
   * there: one "-err" line on stdout would fail check_numbered. */
  each_line(r.out, r.out_len, check_numbered, &out);
  each_line(r.err, r.err_len, check_numbered, &err);
  for (int k = 0; k < 2; k++) {
    ck_assert_int_eq(out.next[k], 3000);
    ck_assert_int_eq(err.next[k], 2000);
  }
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_tag_last_line_without_newline) {
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-n", "w", "-c",
             CHILD " out first noeol last", NULL);
  tu_run_cli(&r2, NULL, "-q", "--summary", "none", "-n", "w", "-c",
             CHILD " noeol only", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "w | first\nw | last\n");
  ck_assert_str_eq(r.err, "");
  ck_assert_int_eq(r2.status, 0);
  ck_assert_str_eq(r2.out, "w | only\n");
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_output_tag_empty_output) {
  tu_result_t r, r2;
  /* No output: no line at all, not even an empty tag. */
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-n", "quiet", "-c", "true",
             "-n", "w", "-c", CHILD " exit 0", NULL);
  /* An empty line is still a line. */
  tu_run_cli(&r2, NULL, "-q", "--summary", "none", "-n", "w", "-c",
             CHILD " out ''", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "");
  ck_assert_str_eq(r.err, "");
  ck_assert_int_eq(r2.status, 0);
  ck_assert_str_eq(r2.out, "w | \n");
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

/* Asserts every line of text is coloured: it starts with an escape, the
 * bar is followed by a reset, and without escapes it reads as plain. */
static void assert_coloured(char* text, const char* plain) {
  size_t lines = 0;
  for (const char* p = text; *p != '\0'; p = strchr(p, '\n') + 1) {
    ck_assert_msg(p[0] == '\033' && p[1] == '[', "uncoloured line in:\n%s",
                  text);
    const char* nl = strchr(p, '\n');
    ck_assert_ptr_nonnull(nl);
    const char* reset = strstr(p, "|\033[0m ");
    ck_assert_msg(reset != NULL && reset < nl, "no reset after the bar:\n%s",
                  text);
    lines++;
  }
  int escapes = strip_escapes(text);
  ck_assert_int_eq((size_t)escapes, 2 * lines);
  ck_assert_str_eq(text, plain);
}

START_TEST(test_output_tag_color_always_on_a_pipe) {
  saved_env_t env;
  tu_result_t r, r2;
  set_env(&env, "NO_COLOR", NULL);
  tu_run_cli(&r, NULL, "-q", "--color", "always", "--summary", "none", "-n",
             "w", "-c", CHILD " out hello err oops", NULL);
  restore_env(&env);
  /* An explicit --color=always beats NO_COLOR, as no-color.org allows. */
  set_env(&env, "NO_COLOR", "1");
  tu_run_cli(&r2, NULL, "-q", "--color=always", "--summary", "none", "-n", "w",
             "-c", CHILD " out hello", NULL);
  restore_env(&env);
  ck_assert_int_eq(r.status, 0);
  assert_coloured(r.out, "w | hello\n");
  assert_coloured(r.err, "w | oops\n");
  ck_assert_int_eq(r2.status, 0);
  assert_coloured(r2.out, "w | hello\n");
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_output_tag_color_differs_per_worker) {
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--color", "always", "--summary", "none", "-j",
             "1", "-n", "a", "-c", CHILD " out one", "-n", "b", "-c",
             CHILD " out two", NULL);
  ck_assert_int_eq(r.status, 0);
  /* -j 1: a's line, then b's; each opens with its own colour. */
  const char* second = strchr(r.out, '\n');
  ck_assert_ptr_nonnull(second);
  second++;
  size_t first_len = strcspn(r.out, "m") + 1;
  size_t second_len = strcspn(second, "m") + 1;
  ck_assert_msg(r.out[0] == '\033' && second[0] == '\033', "stdout:\n%s",
                r.out);
  ck_assert_msg(
      first_len != second_len || memcmp(r.out, second, first_len) != 0,
      "one colour for both workers:\n%s", r.out);
  assert_coloured(r.out, "a | one\nb | two\n");
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_tag_color_never_and_auto_on_a_pipe) {
  saved_env_t env;
  set_env(&env, "NO_COLOR", NULL);
  const char* modes[] = { "never", "auto" };
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, "-q", "--color", modes[i], "-n", "w", "-c",
               CHILD " out hello err oops", NULL);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, "w | hello\n");
    ck_assert_has(r.err, "w | oops\n");
    ck_assert_msg(strchr(r.err, '\033') == NULL, "%s: stderr:\n%s", modes[i],
                  r.err);
    tu_result_free(&r);
  }
  /* auto is the default. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-n", "w", "-c",
             CHILD " out hello err oops", NULL);
  restore_env(&env);
  ck_assert_str_eq(r.out, "w | hello\n");
  ck_assert_str_eq(r.err, "w | oops\n");
  tu_result_free(&r);
}
END_TEST

/* Runs uvsup with its stdout on a new pseudo-terminal (raw, so newlines
 * come as written) and its stderr on /dev/null; returns what the terminal
 * got. */
static char* run_on_tty(int* status, ...) {
  char* argv[TU_MAX_ARGS];
  va_list ap;
  va_start(ap, status);
  tu_build_argv(argv, ap);
  va_end(ap);
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  ck_assert_int_ge(master, 0);
  ck_assert_int_eq(grantpt(master), 0);
  ck_assert_int_eq(unlockpt(master), 0);
  char* slave_name = ptsname(master);
  ck_assert_ptr_nonnull(slave_name);
  int slave = open(slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  ck_assert_int_ge(slave, 0);
  struct termios t;
  ck_assert_int_eq(tcgetattr(slave, &t), 0);
  cfmakeraw(&t);
  ck_assert_int_eq(tcsetattr(slave, TCSANOW, &t), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDWR);
    dup2(null, 0);
    dup2(slave, 1);
    dup2(null, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  close(slave);
  char* text = NULL;
  size_t len = 0;
  FILE* mem = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(mem);
  char chunk[4096];
  for (;;) {
    ssize_t n = read(master, chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break; /* EIO: every holder of the terminal has closed it */
    }
    fwrite(chunk, 1, (size_t)n, mem);
  }
  fclose(mem);
  close(master);
  int st;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return text;
}

START_TEST(test_output_tag_color_auto_on_a_terminal) {
  saved_env_t env;
  int status;
  set_env(&env, "NO_COLOR", NULL);
  char* coloured =
      run_on_tty(&status, "-n", "w", "-c", CHILD " out hello", NULL);
  ck_assert_int_eq(status, 0);
  char* never = run_on_tty(&status, "--color", "never", "-n", "w", "-c",
                           CHILD " out hello", NULL);
  restore_env(&env);
  /* NO_COLOR set to anything, even "0", turns auto's colour off; set but
   * empty, it does not (no-color.org). */
  set_env(&env, "NO_COLOR", "0");
  char* no_color =
      run_on_tty(&status, "-n", "w", "-c", CHILD " out hello", NULL);
  restore_env(&env);
  set_env(&env, "NO_COLOR", "");
  char* empty = run_on_tty(&status, "-n", "w", "-c", CHILD " out hello", NULL);
  restore_env(&env);

  assert_coloured(coloured, "w | hello\n");
  ck_assert_str_eq(never, "w | hello\n");
  ck_assert_str_eq(no_color, "w | hello\n");
  assert_coloured(empty, "w | hello\n");
  free(coloured);
  free(never);
  free(no_color);
  free(empty);
}
END_TEST

/* ms since local midnight of a "HH:MM:SS.mmm" stamp, or -1. */
static long stamp_ms(const char* s) {
  int h, m, sec, ms, n = 0;
  if (sscanf(s, "%2d:%2d:%2d.%3d%n", &h, &m, &sec, &ms, &n) != 4 || n != 12 ||
      s[2] != ':' || s[5] != ':' || s[8] != '.') {
    return -1;
  }
  for (int i = 0; i < 12; i++) {
    if (i != 2 && i != 5 && i != 8 && (s[i] < '0' || s[i] > '9')) {
      return -1;
    }
  }
  return ((h * 60L + m) * 60 + sec) * 1000 + ms;
}

/* Asserts each line of text is "HH:MM:SS.mmm " + rest, with rest the next
 * of want (a NULL-terminated list) and the time within [t0, t1] (UTC ms). */
static void assert_stamped(char* text,
                           const char* const* want,
                           uint64_t t0,
                           uint64_t t1) {
  const long day = 86400000L;
  int i = 0;
  for (char* line = strtok(text, "\n"); line != NULL;
       line = strtok(NULL, "\n"), i++) {
    ck_assert_msg(want[i] != NULL, "extra line '%s'", line);
    long ms = stamp_ms(line);
    ck_assert_msg(ms >= 0 && line[12] == ' ', "no stamp in '%s'", line);
    ck_assert_str_eq(line + 13, want[i]);
    long since = ((ms - (long)(t0 % (uint64_t)day)) % day + day) % day;
    ck_assert_msg((uint64_t)since <= t1 - t0,
                  "stamp '%.12s' is not the time the line was read", line);
  }
  ck_assert_msg(want[i] == NULL, "missing line '%s'", want[i]);
}

START_TEST(test_output_tag_timestamps) {
  saved_env_t env;
  set_env(&env, "TZ", "UTC0");
  tu_result_t r, r2;
  uint64_t t0 = now_ms(CLOCK_REALTIME);
  tu_run_cli(&r, NULL, "-q", "--timestamps", "--summary", "none", "-n", "w",
             "-c", CHILD " out one err two out three", NULL);
  /* With colour, the stamp stays outside it. */
  tu_run_cli(&r2, NULL, "-q", "--timestamps", "--color", "always", "--summary",
             "none", "-n", "w", "-c", CHILD " out one", NULL);
  uint64_t t1 = now_ms(CLOCK_REALTIME);
  restore_env(&env);

  ck_assert_int_eq(r.status, 0);
  static const char* const out[] = { "w | one", "w | three", NULL };
  static const char* const err[] = { "w | two", NULL };
  assert_stamped(r.out, out, t0, t1);
  assert_stamped(r.err, err, t0, t1);
  ck_assert_int_eq(r2.status, 0);
  ck_assert_msg(stamp_ms(r2.out) >= 0 && strncmp(r2.out + 12, " \033[", 3) == 0,
                "stdout: '%s'", r2.out);
  ck_assert_int_eq(strip_escapes(r2.out), 2);
  static const char* const plain[] = { "w | one", NULL };
  assert_stamped(r2.out, plain, t0, t1);
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_output_tag_worker_opens_dev_stdout) {
  /* /dev/stdout is reopened by path: that works on a pipe, not on a
   * socket. */
  const char* cmd = "echo x > /dev/stdout && echo y > /dev/stderr";
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-n", "w", "-c", cmd, NULL);
  tu_run_cli(&r2, NULL, "-q", "--output", "group", "--summary", "none", "-n",
             "w", "-c", cmd, NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, "w | x\n");
  ck_assert_str_eq(r.err, "w | y\n");
  ck_assert_msg(r2.status == 0, "status %d:\n%s", r2.status, r2.err);
  ck_assert_str_eq(r2.out, "x\n");
  ck_assert_str_eq(r2.err, "y\n");
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_output_tag_stdout_is_a_file) {
  /* `uvsup > FILE`: written plainly, not through a stream, and still
   * whole. */
  static const char* const names[] = { "a", "bb" };
  char* dir = tu_tmpdir_new();
  char* path = tu_fmt("%s/out", dir);
  char* script =
      tu_fmt("'%s' -j 0 --summary none '%s' lines 50000 {} ::: a bb > '%s'",
             CLI, CHILD, path);
  char* argv[] = { "/bin/sh", "-c", script, NULL };
  tu_result_t r;
  tu_run(argv, NULL, &r);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  size_t len;
  char* text = read_file(path, &len);
  ck_assert_ptr_nonnull(text);
  numbered_t s;
  numbered_init(&s, names, 2, "");
  each_line(text, len, check_numbered, &s);
  ck_assert_int_eq(s.next[0], 50000);
  ck_assert_int_eq(s.next[1], 50000);
  free(text);
  free(script);
  free(path);
  free(dir);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_tag_huge_line_in_pieces) {
  /* 10 MiB in one line: every byte arrives, in tagged 64 KiB pieces. */
  const size_t size = 10 * 1024 * 1024;
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--summary", "none", "-n", "w", "-c",
             CHILD " bigline 10485760", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  const size_t pieces = size / LINE_PIECE;
  ck_assert_uint_eq(r.out_len, size + pieces * strlen("w | \n"));
  for (size_t k = 0; k < pieces; k++) {
    const char* line = r.out + k * (LINE_PIECE + 5);
    ck_assert_msg(memcmp(line, "w | ", 4) == 0, "piece %zu untagged", k);
    for (size_t i = 4; i < LINE_PIECE + 4; i++) {
      require(line[i] == 'x', "piece %zu byte %zu: %d", k, i, line[i]);
    }
    ck_assert_int_eq(line[LINE_PIECE + 4], '\n');
  }
  tu_result_free(&r);
}
END_TEST

/* ======================================================================
 * group
 * ====================================================================== */

START_TEST(test_output_group_runs_in_one_piece) {
  /* Three workers at once, each writing more than a pipe holds to both
   * streams: each run's stdout comes as one piece on stdout, its stderr as
   * one piece on stderr. */
  static const char* const names[] = { "alpha", "beta", "gamma" };
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "-j", "0", "--output", "group", "--summary",
             "none", CHILD, "lines", "20000", "{}", "errlines", "15000",
             "{}-err", ":::", names[0], names[1], names[2], NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);
  char* out[3];
  char* err[3];
  size_t out_len[3], err_len[3];
  for (int k = 0; k < 3; k++) {
    out[k] = expected_lines(20000, names[k], &out_len[k]);
    char* text = tu_fmt("%s-err", names[k]);
    err[k] = expected_lines(15000, text, &err_len[k]);
    free(text);
  }
  assert_blocks(r.out, r.out_len, out, out_len, 3);
  assert_blocks(r.err, r.err_len, err, err_len, 3);
  for (int k = 0; k < 3; k++) {
    free(out[k]);
    free(err[k]);
  }
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_group_binary_exact) {
  const size_t n = 3000000;
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--output", "group", "--summary", "none", "-n",
             "bin", "-c", CHILD " bytes 3000000", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* want = expected_bytes(n);
  ck_assert_uint_eq(r.out_len, n);
  for (size_t i = 0; i < n; i++) {
    require(r.out[i] == want[i], "byte %zu: %d, not %d", i,
            (unsigned char)r.out[i], (unsigned char)want[i]);
  }
  ck_assert_str_eq(r.err, "");
  free(want);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_group_beyond_memory_bound) {
  /* About 5 MB per worker, far more than group mode keeps in memory: the
   * rest waits in a file and must come back exact. */
  static const char* const names[] = { "first-of-three-workers",
                                       "second-of-three-worker",
                                       "third-of-three-workers" };
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "-j", "0", "--output", "group", CHILD, "lines",
             "180000", "{}", ":::", names[0], names[1], names[2], NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);
  char* want[3];
  size_t len[3];
  for (int k = 0; k < 3; k++) {
    want[k] = expected_lines(180000, names[k], &len[k]);
    ck_assert_uint_gt(len[k], 5000000);
  }
  assert_blocks(r.out, r.out_len, want, len, 3);
  ck_assert_has(r.err, "3 workers: 3 ok, 0 failed");
  for (int k = 0; k < 3; k++) {
    free(want[k]);
  }
  tu_result_free(&r);
}
END_TEST

/* ======================================================================
 * inherit and null
 * ====================================================================== */

/* How many times needle occurs in text. */
static int occurrences(const char* text, const char* needle) {
  int n = 0;
  for (const char* p = strstr(text, needle); p != NULL;
       p = strstr(p + strlen(needle), needle)) {
    n++;
  }
  return n;
}

START_TEST(test_output_full_tmpdir_and_log_dir_are_losses) {
  /* $TMPDIR and the log directory on a full file system (a 64 KiB tmpfs):
   * each worker's lost group output and each lost log is said, and the
   * exit status is 1 though every worker succeeded. */
  char* dir = tu_tmpdir_new();
  if (mount("tmpfs", dir, "tmpfs", 0, "size=64k") != 0) {
    fprintf(stderr, "%s: skipped: cannot mount a tmpfs (%s)\n", __func__,
            strerror(errno));
    tu_tmpdir_free(dir);
    return;
  }
  char* filler = tu_fmt("%s/filler", dir);
  FILE* f = fopen(filler, "w");
  ck_assert_ptr_nonnull(f);
  static char block[4096];
  while (fwrite(block, 1, sizeof(block), f) == sizeof(block) && !ferror(f)) {
  }
  fclose(f); /* may fail: the file system is full, as wanted */
  char* cmd = tu_fmt("exec '%s' bytes 300000", CHILD);
  saved_env_t env;
  set_env(&env, "TMPDIR", dir);
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--output", "group", "-n", "a", "-c", cmd, "-n",
             "b", "-c", cmd, NULL);
  tu_run_cli(&r2, NULL, "-q", "--output", "null", "--log-dir", dir, "-n", "a",
             "-c", cmd, "-n", "b", "-c", cmd, NULL);
  restore_env(&env);
  umount2(dir, MNT_DETACH);

  ck_assert_msg(r.status == 1, "status %d:\n%s", r.status, r.err);
  ck_assert_int_eq(occurrences(r.err, "uvsup: warning: output of a lost: "), 1);
  ck_assert_int_eq(occurrences(r.err, "uvsup: warning: output of b lost: "), 1);
  ck_assert_has(r.err, "2 workers: 2 ok, 0 failed");
  ck_assert_msg(r2.status == 1, "status %d:\n%s", r2.status, r2.err);
  ck_assert_int_eq(occurrences(r2.err, "uvsup: warning: log of a lost: "), 1);
  ck_assert_int_eq(occurrences(r2.err, "uvsup: warning: log of b lost: "), 1);
  tu_result_free(&r);
  tu_result_free(&r2);
  free(cmd);
  free(filler);
  tu_tmpdir_free(dir);
}
END_TEST

START_TEST(test_output_inherit_raw) {
  const size_t n = 300000;
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--output", "inherit", "--summary", "none", "-n",
             "w", "-c", CHILD " out hello err oops noeol last", NULL);
  tu_run_cli(&r2, NULL, "-q", "--output", "inherit", "--summary", "none", "-n",
             "bin", "-c", CHILD " bytes 300000", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "hello\nlast");
  ck_assert_str_eq(r.err, "oops\n");
  ck_assert_int_eq(r2.status, 0);
  char* want = expected_bytes(n);
  ck_assert_uint_eq(r2.out_len, n);
  ck_assert_msg(memcmp(r2.out, want, n) == 0, "binary output altered");
  free(want);
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

START_TEST(test_output_null_discards) {
  tu_result_t r, r2;
  tu_run_cli(&r, NULL, "-q", "--output", "null", "--summary", "none", "-n", "w",
             "-c", CHILD " lines 1000 x errlines 1000 y", NULL);
  tu_run_cli(&r2, NULL, "-q", "--output", "null", "-n", "w", "-c",
             CHILD " out hello err oops", NULL);
  ck_assert_int_eq(r.status, 0);
  ck_assert_str_eq(r.out, "");
  ck_assert_str_eq(r.err, "");
  /* The summary still comes. */
  ck_assert_int_eq(r2.status, 0);
  ck_assert_str_eq(r2.out, "");
  ck_assert_msg(strncmp(r2.err, "NAME ", 5) == 0, "stderr:\n%s", r2.err);
  ck_assert_has(r2.err, "1 worker: 1 ok, 0 failed");
  tu_result_free(&r);
  tu_result_free(&r2);
}
END_TEST

/* ======================================================================
 * --log-dir
 * ====================================================================== */

START_TEST(test_output_log_dir_tag_exact) {
  /* DIR and its parents are made; the log holds the bytes the worker wrote
   * on both streams, newlines and the last unfinished line included. */
  char* dir = tu_tmpdir_new();
  char* logs = tu_fmt("%s/not/yet/there", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--log-dir", logs, "--summary", "none", "-n", "w",
             "-c", CHILD " out first lines 20000 o err problem noeol last",
             "-n", "bin", "-c", CHILD " bytes 300000", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);

  size_t lines_len;
  char* lines = expected_lines(20000, "o", &lines_len);
  char* want = tu_fmt("first\n%slast", lines);
  size_t len;
  char* path = tu_fmt("%s/w.log", logs);
  char* log = read_file(path, &len);
  ck_assert_msg(log != NULL, "no %s", path);
  assert_one_insertion(log, len, want, strlen(want), "problem\n");
  free(log);
  free(path);
  path = tu_fmt("%s/bin.log", logs);
  log = read_file(path, &len);
  ck_assert_msg(log != NULL, "no %s", path);
  char* bytes = expected_bytes(300000);
  ck_assert_uint_eq(len, 300000);
  ck_assert_msg(memcmp(log, bytes, len) == 0, "binary log altered");
  ck_assert_int_eq(tu_count_entries(logs), 2);
  /* Still shown as usual (stdout holds binary, NULs included). */
  static const char* const shown[] = { "w   | first\n", "w   | o 20000\n",
                                       "w   | last\n" };
  for (int i = 0; i < 3; i++) {
    ck_assert_msg(memmem(r.out, r.out_len, shown[i], strlen(shown[i])) != NULL,
                  "'%s' not on stdout", shown[i]);
  }
  ck_assert_has(r.err, "w   | problem\n");

  free(bytes);
  free(log);
  free(path);
  free(want);
  free(lines);
  free(logs);
  free(dir);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_log_dir_group_exact) {
  const size_t n = 3000000;
  char* dir = tu_tmpdir_new();
  char* logs = tu_fmt("%s/logs", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--output", "group", "--log-dir", logs,
             "--summary", "none", "-n", "bin", "-c",
             CHILD " bytes 3000000 err problem", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  char* want = expected_bytes(n);
  ck_assert_uint_eq(r.out_len, n);
  ck_assert_msg(memcmp(r.out, want, n) == 0, "stdout altered");
  ck_assert_str_eq(r.err, "problem\n");
  size_t len;
  char* path = tu_fmt("%s/bin.log", logs);
  char* log = read_file(path, &len);
  ck_assert_msg(log != NULL, "no %s", path);
  assert_one_insertion(log, len, want, n, "problem\n");
  free(log);
  free(path);
  free(want);
  free(logs);
  free(dir);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_log_dir_with_inherit_and_null) {
  /* The log is written whatever is shown: raw output still raw on stdout,
   * or nothing at all. */
  char* dir = tu_tmpdir_new();
  char* logs[2] = { tu_fmt("%s/inherit", dir), tu_fmt("%s/null", dir) };
  const char* modes[2] = { "inherit", "null" };
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, "-q", "--output", modes[i], "--log-dir", logs[i],
               "--summary", "none", "-n", "w", "-c",
               CHILD " out hello err oops noeol last", NULL);
    ck_assert_msg(r.status == 0, "%s: status %d:\n%s", modes[i], r.status,
                  r.err);
    ck_assert_str_eq(r.out, i == 0 ? "hello\nlast" : "");
    ck_assert_str_eq(r.err, i == 0 ? "oops\n" : "");
    size_t len;
    char* path = tu_fmt("%s/w.log", logs[i]);
    char* log = read_file(path, &len);
    ck_assert_msg(log != NULL, "no %s", path);
    assert_one_insertion(log, len, "hello\nlast", 10, "oops\n");
    free(log);
    free(path);
    free(logs[i]);
    tu_result_free(&r);
  }
  free(dir);
}
END_TEST

START_TEST(test_output_log_dir_safe_names) {
  /* A '/' in a name does not make a directory, and ".." does not leave
   * DIR. */
  char* dir = tu_tmpdir_new();
  char* logs = tu_fmt("%s/logs", dir);
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--log-dir", logs, "--summary", "none", "-n",
             "web/api", "-c", CHILD " out from-api", "-n", "..", "-c",
             CHILD " out from-dots", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  size_t len;
  char* path = tu_fmt("%s/web_api.log", logs);
  char* log = read_file(path, &len);
  ck_assert_msg(log != NULL, "no %s", path);
  ck_assert_str_eq(log, "from-api\n");
  free(log);
  free(path);
  /* Two files, both in DIR, and nothing next to DIR. */
  ck_assert_int_eq(tu_count_entries(logs), 2);
  ck_assert_int_eq(tu_count_entries(dir), 1);
  char* web = tu_fmt("%s/web", logs);
  ck_assert_msg(access(web, F_OK) != 0, "%s exists", web);
  free(web);
  free(logs);
  free(dir);
  tu_result_free(&r);
}
END_TEST

/* Lines "TEXT n" of two writers, each counting up from 1 in its own
 * order, mixed line by line. */
typedef struct {
  const char* text[2];
  long next[2];
} two_counts_t;

static void check_two_counts(const char* line, size_t len, void* data) {
  two_counts_t* c = data;
  for (int k = 0; k < 2; k++) {
    char want[64];
    int n = snprintf(want, sizeof(want), "%s %ld", c->text[k], c->next[k] + 1);
    if ((size_t)n == len && memcmp(line, want, len) == 0) {
      c->next[k]++;
      return;
    }
  }
  ck_abort_msg("line '%.*s' is cut, mixed, out of order or repeated",
               (int)(len < 200 ? len : 200), line);
}

START_TEST(test_output_log_dir_same_safe_name_loses_nothing) {
  /* "a/b" and "a_b" give the same safe file name. The README lists sharing
   * one log as a known limit (logdir.h asks the caller to keep them
   * apart): either way, nothing of either worker may be lost or torn. */
  char* dir = tu_tmpdir_new();
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "--log-dir", dir, "--summary", "none", "-n", "a/b",
             "-c", CHILD " lines 20000 slash", "-n", "a_b", "-c",
             CHILD " lines 20000 underscore", NULL);
  ck_assert_msg(r.status == 0, "status %d:\n%.2000s", r.status, r.err);
  int files = tu_count_entries(dir);
  ck_assert_msg(files == 1 || files == 2, "%d log files", files);
  two_counts_t c = { { "slash", "underscore" }, { 0, 0 } };
  DIR* d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  for (struct dirent* e; (e = readdir(d)) != NULL;) {
    if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
      continue;
    }
    char* path = tu_fmt("%s/%s", dir, e->d_name);
    size_t len;
    char* log = read_file(path, &len);
    ck_assert_ptr_nonnull(log);
    long before[2] = { c.next[0], c.next[1] };
    each_line(log, len, check_two_counts, &c);
    /* With a file each, a file holds one worker's output only. */
    ck_assert_msg(
        files == 1 || c.next[0] == before[0] || c.next[1] == before[1],
        "%s mixes both workers", path);
    free(log);
    free(path);
  }
  closedir(d);
  ck_assert_int_eq(c.next[0], 20000);
  ck_assert_int_eq(c.next[1], 20000);
  free(dir);
  tu_result_free(&r);
}
END_TEST

START_TEST(test_output_log_dir_appends) {
  char* dir = tu_tmpdir_new();
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, "-q", "--log-dir", dir, "--summary", "none", "-n", "w",
               "-c", CHILD " out again", NULL);
    ck_assert_int_eq(r.status, 0);
    tu_result_free(&r);
  }
  size_t len;
  char* path = tu_fmt("%s/w.log", dir);
  char* log = read_file(path, &len);
  ck_assert_ptr_nonnull(log);
  ck_assert_str_eq(log, "again\nagain\n");
  free(log);
  free(path);
  free(dir);
}
END_TEST

START_TEST(test_output_log_dir_is_a_file) {
  char* dir = tu_tmpdir_new();
  char* file = tu_fmt("%s/file", dir);
  char* marker = tu_fmt("%s/marker", dir);
  char* touch = tu_fmt("touch '%s'", marker);
  int fd = open(file, O_WRONLY | O_CREAT, 0644);
  ck_assert_int_ge(fd, 0);
  close(fd);
  char* below = tu_fmt("%s/sub", file);
  const char* dirs[2] = { file, below };
  for (int i = 0; i < 2; i++) {
    tu_result_t r;
    tu_run_cli(&r, NULL, "-q", "--log-dir", dirs[i], "-c", touch, NULL);
    ck_assert_msg(r.status == 2, "status %d:\n%s", r.status, r.err);
    ck_assert_str_eq(r.out, "");
    ck_assert_msg(strncmp(r.err, "uvsup: ", 7) == 0, "stderr:\n%s", r.err);
    ck_assert_has(r.err, file);
    ck_assert_has(r.err, "Not a directory");
    ck_assert_msg(access(marker, F_OK) != 0, "a worker ran");
    tu_result_free(&r);
  }
  free(below);
  free(touch);
  free(marker);
  free(file);
  free(dir);
}
END_TEST

/* ======================================================================
 * flow: slow or absent readers, leftovers holding the pipes
 * ====================================================================== */

/* Checks "slow | x n" lines as they stream in, without keeping them. */
typedef struct {
  char part[256];
  size_t part_len;
  long next;
  int allow_cut; /* the last line may be cut short (a killed worker's) */
  int cut;
  int bad;
  char bad_line[256];
} stream_t;

static void stream_line(stream_t* s, const char* line, size_t len) {
  char want[64];
  int n = snprintf(want, sizeof(want), "slow | x %ld", s->next + 1);
  if (s->bad) {
    return;
  }
  if (s->cut) {
    s->bad = 1;
    snprintf(s->bad_line, sizeof(s->bad_line), "a line after a cut one");
    return;
  }
  if ((size_t)n == len && memcmp(line, want, len) == 0) {
    s->next++;
    return;
  }
  if (s->allow_cut && len < (size_t)n && memcmp(line, want, len) == 0) {
    s->cut = 1;
    return;
  }
  s->bad = 1;
  snprintf(s->bad_line, sizeof(s->bad_line), "expected '%s', got '%.*s'", want,
           (int)(len < 200 ? len : 200), line);
}

static void stream_feed(stream_t* s, const char* p, size_t n) {
  while (n > 0) {
    const char* nl = memchr(p, '\n', n);
    size_t take = nl != NULL ? (size_t)(nl - p) : n;
    if (s->part_len + take >= sizeof(s->part)) {
      s->bad = 1;
      snprintf(s->bad_line, sizeof(s->bad_line), "a line over %zu bytes",
               sizeof(s->part));
      return;
    }
    memcpy(s->part + s->part_len, p, take);
    s->part_len += take;
    if (nl == NULL) {
      return;
    }
    stream_line(s, s->part, s->part_len);
    s->part_len = 0;
    p += take + 1;
    n -= take + 1;
  }
}

/* Runs uvsup with one worker "slow" writing `lines` numbered lines, stdout
 * to a pipe nobody reads for pause_ms (the deliberately slow reader), then
 * read to the end through s; stderr goes to err_path. Returns the wait
 * status; *ru gets uvsup's resource usage. */
static int run_slow_reader(const char* extra_option,
                           const char* extra_value,
                           long lines,
                           long pause_ms,
                           const char* err_path,
                           stream_t* s,
                           uint64_t* total,
                           struct rusage* ru) {
  char* cmd = tu_fmt("exec '%s' lines %ld x", CHILD, lines);
  char* argv[8] = { CLI, "-n", "slow", "-c", cmd, NULL };
  if (extra_option != NULL) {
    argv[5] = (char*)extra_option;
    argv[6] = (char*)extra_value;
    argv[7] = NULL;
  }
  saved_env_t env;
  /* A sanitizer's quarantine of freed memory is not uvsup's doing. */
  const char* asan = getenv("ASAN_OPTIONS");
  char* asan_options = tu_fmt("%s%squarantine_size_mb=1", asan ? asan : "",
                              asan && *asan ? ":" : "");
  set_env(&env, "ASAN_OPTIONS", asan_options);
  int out[2];
  ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(null, 0);
    dup2(out[1], 1);
    dup2(err, 2);
    execv(argv[0], argv);
    _exit(127);
  }
  restore_env(&env);
  free(asan_options);
  close(out[1]);

  struct timespec pause_for = { pause_ms / 1000, (pause_ms % 1000) * 1000000 };
  while (nanosleep(&pause_for, &pause_for) != 0) {
  }
  static char chunk[65536];
  *total = 0;
  for (;;) {
    ssize_t n = read(out[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    ck_assert_int_ge(n, 0);
    if (n == 0) {
      break;
    }
    *total += (uint64_t)n;
    stream_feed(s, chunk, (size_t)n);
  }
  close(out[0]);
  int status;
  ck_assert_int_eq(wait4(pid, &status, 0, ru), pid);
  free(cmd);
  return status;
}

START_TEST(test_output_slow_reader_loses_nothing_bounded_memory) {
  /* One worker writes ~49 MB (~84 MB tagged) while nobody reads uvsup's
   * stdout for a second: uvsup must pause the worker instead of holding
   * its output, and then deliver every line. */
  const long lines = 5000000;
  char* dir = tu_tmpdir_new();
  char* err_path = tu_fmt("%s/stderr", dir);
  stream_t s;
  memset(&s, 0, sizeof(s));
  uint64_t total;
  struct rusage ru;
  int status =
      run_slow_reader(NULL, NULL, lines, 1000, err_path, &s, &total, &ru);

  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d",
                status);
  ck_assert_msg(!s.bad, "%s", s.bad_line);
  ck_assert_msg(s.part_len == 0, "last line cut");
  ck_assert_int_eq(s.next, lines);
  ck_assert_uint_gt(total, 64 * 1024 * 1024);
  /* ru_maxrss (KiB): the peak of uvsup, or of a worker if larger. */
  ck_assert_msg(ru.ru_maxrss < 64 * 1024,
                "uvsup peaked at %ld KiB while its reader paused",
                ru.ru_maxrss);
  size_t len;
  char* err_text = read_file(err_path, &len);
  ck_assert_ptr_nonnull(err_text);
  ck_assert_has(err_text, "1 worker: 1 ok, 0 failed");
  free(err_text);
  free(err_path);
  free(dir);
}
END_TEST

START_TEST(test_output_slow_reader_worker_killed_while_paused) {
  /* The worker is paused (its output waits for the reader) when its
   * timeout kills it: what it wrote before still comes, in order, and
   * uvsup finishes. Its last line may be cut where the kill hit. */
  char* dir = tu_tmpdir_new();
  char* err_path = tu_fmt("%s/stderr", dir);
  stream_t s;
  memset(&s, 0, sizeof(s));
  s.allow_cut = 1;
  uint64_t total;
  struct rusage ru;
  int status = run_slow_reader("--timeout", "200ms", 50000000, 500, err_path,
                               &s, &total, &ru);
  ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d",
                status);
  ck_assert_msg(!s.bad, "%s", s.bad_line);
  ck_assert_msg(s.part_len == 0, "output ends mid-line");
  ck_assert_int_gt(s.next, 0);
  size_t len;
  char* err_text = read_file(err_path, &len);
  ck_assert_ptr_nonnull(err_text);
  ck_assert_has(err_text, "timed out (SIGTERM)");
  free(err_text);
  free(err_path);
  free(dir);
}
END_TEST

START_TEST(test_output_reader_goes_away) {
  /* `uvsup ... | head -n 2`: uvsup finishes, with its summary, and does
   * not hang on output nobody reads. Issue 10 changed the rest on
   * purpose: the reader's leaving stops the workers (tag: the writer is
   * stopped mid-way; group: its output is written once it has ended) and
   * uvsup exits 141, as a pipeline's writer killed by SIGPIPE would. */
  char* dir = tu_tmpdir_new();
  char* err_path = tu_fmt("%s/stderr", dir);
  const char* modes[] = { "tag", "group" };
  for (int i = 0; i < 2; i++) {
    char* script = tu_fmt(
        "'%s' --output %s -n w -c \"exec '%s' lines 2000000 x\" "
        "2>'%s'; echo \"uvsup exited $?\" >>'%s'",
        CLI, modes[i], CHILD, err_path, err_path);
    char* pipeline = tu_fmt("(%s) | head -n 2", script);
    char* argv[] = { "/bin/sh", "-c", pipeline, NULL };
    tu_result_t r;
    tu_run(argv, NULL, &r);
    ck_assert_int_eq(r.status, 0);
    ck_assert_str_eq(r.out, i == 0 ? "w | x 1\nw | x 2\n" : "x 1\nx 2\n");
    size_t len;
    char* err_text = read_file(err_path, &len);
    ck_assert_ptr_nonnull(err_text);
    ck_assert_has(err_text, i == 0 ? "1 worker: 0 ok, 0 failed, 1 stopped"
                                   : "1 worker: 1 ok, 0 failed");
    ck_assert_has(err_text, "interrupted by SIGPIPE");
    ck_assert_has(err_text, "uvsup exited 141\n");
    free(err_text);
    tu_result_free(&r);
    free(pipeline);
    free(script);
  }
  free(err_path);
  free(dir);
}
END_TEST

/* The pids listed in path, one a line; returns how many (at most max). */
static int read_pids(const char* path, pid_t* pids, int max) {
  FILE* f = fopen(path, "r");
  ck_assert_ptr_nonnull(f);
  int n = 0, pid;
  while (n < max && fscanf(f, "%d", &pid) == 1) {
    pids[n++] = pid;
  }
  fclose(f);
  return n;
}

START_TEST(test_output_leftover_holds_stdout) {
  /* The worker exits at once, but a background child of its group (which
   * ignores SIGTERM, inherited from the worker so there is no race) keeps
   * its stdout open for a minute: uvsup delivers the output, sends TERM,
   * then KILL after --kill-after, and finishes. */
  char* dir = tu_tmpdir_new();
  char* pids = tu_fmt("%s/pids", dir);
  char* cmd =
      tu_fmt("exec '%s' ignore 15 fork 60000 '%s' out bye exit 0", CHILD, pids);
  tu_result_t r;
  uint64_t t0 = now_ms(CLOCK_MONOTONIC);
  tu_run_cli(&r, NULL, "-q", "--kill-after", "200ms", "-n", "w", "-c", cmd,
             NULL);
  uint64_t took = now_ms(CLOCK_MONOTONIC) - t0;
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, "w | bye\n");
  ck_assert_has(r.err, "1 worker: 1 ok, 0 failed");
  /* TERM was ignored: only the KILL after the grace ended it. */
  ck_assert_msg(took >= 150 && took < 10000, "took %llu ms",
                (unsigned long long)took);
  pid_t pid;
  ck_assert_int_eq(read_pids(pids, &pid, 1), 1);
  ck_assert_msg(!tu_pid_alive(pid), "pid %d outlived uvsup", (int)pid);
  tu_result_free(&r);
  free(cmd);
  free(pids);
  free(dir);
}
END_TEST

START_TEST(test_output_escaped_daemon_holds_stdout) {
  /* A grandchild that left the group (setsid) keeps stdout open: uvsup
   * cannot signal it, but stops waiting for its pipe after --kill-after
   * instead of the minute it sleeps. (Whether it left the group before the
   * worker exited is a race; either way uvsup must not wait for it.) */
  char* dir = tu_tmpdir_new();
  char* pids = tu_fmt("%s/pids", dir);
  char* cmd = tu_fmt("exec '%s' escape 60000 '%s' out bye exit 0", CHILD, pids);
  tu_result_t r;
  uint64_t t0 = now_ms(CLOCK_MONOTONIC);
  tu_run_cli(&r, NULL, "-q", "--kill-after", "200ms", "-n", "w", "-c", cmd,
             NULL);
  uint64_t took = now_ms(CLOCK_MONOTONIC) - t0;
  pid_t pid;
  int n = read_pids(pids, &pid, 1);
  if (n == 1) {
    kill(pid, SIGKILL); /* ours to clean up: it escaped uvsup on purpose */
  }
  ck_assert_int_eq(n, 1);
  ck_assert_msg(r.status == 0, "status %d:\n%s", r.status, r.err);
  ck_assert_str_eq(r.out, "w | bye\n");
  ck_assert_has(r.err, "1 worker: 1 ok, 0 failed");
  ck_assert_msg(took < 10000, "took %llu ms", (unsigned long long)took);
  tu_result_free(&r);
  free(cmd);
  free(pids);
  free(dir);
}
END_TEST

/* Runs uvsup with the NULL-terminated arguments and its file descriptor
 * closed_fd (1 or 2) closed, the other of stdout and stderr on a pipe
 * whose text is returned; *status as tu_run gives it. */
static char* run_with_closed(int closed_fd, int* status, ...) {
  char* argv[TU_MAX_ARGS];
  va_list ap;
  va_start(ap, status);
  tu_build_argv(argv, ap);
  va_end(ap);
  int kept = closed_fd == 1 ? 2 : 1;
  int p[2];
  ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
  pid_t pid = fork();
  ck_assert_int_ge(pid, 0);
  if (pid == 0) {
    int null = open("/dev/null", O_RDONLY);
    dup2(null, 0);
    dup2(p[1], kept);
    close(closed_fd);
    execv(argv[0], argv);
    _exit(127);
  }
  close(p[1]);
  char* text = NULL;
  size_t len = 0;
  FILE* mem = open_memstream(&text, &len);
  ck_assert_ptr_nonnull(mem);
  char chunk[4096];
  for (;;) {
    ssize_t n = read(p[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n <= 0) {
      break;
    }
    fwrite(chunk, 1, (size_t)n, mem);
  }
  fclose(mem);
  close(p[0]);
  int st;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return text;
}

START_TEST(test_output_closed_stdout_or_stderr) {
  /* `uvsup ... >&-` (or 2>&-), as some launchers leave it: the output has
   * nowhere to go, but the workers (writing into uvsup's pipes) succeed,
   * and uvsup must end normally, not abort. */
  int status;
  char* err = run_with_closed(1, &status, "-n", "w", "-c", "echo hi", NULL);
  ck_assert_msg(status == 0, "stdout closed: status %d, stderr:\n%s", status,
                err);
  ck_assert_has(err, "1 worker: 1 ok, 0 failed");
  free(err);
  char* out = run_with_closed(2, &status, "-n", "w", "-c", "echo hi", NULL);
  ck_assert_msg(status == 0, "stderr closed: status %d, stdout:\n%s", status,
                out);
  ck_assert_str_eq(out, "w | hi\n");
  free(out);
}
END_TEST

/* ======================================================================
 * errors
 * ====================================================================== */

START_TEST(test_output_bad_values) {
  char* dir = tu_tmpdir_new();
  char* marker = tu_fmt("%s/marker", dir);
  char* touch = tu_fmt("touch '%s'", marker);
  struct {
    const char* args[2]; /* one or two arguments */
    const char* shown;
  } cases[] = {
    { { "--output", "bogus" }, "--output 'bogus'" },
    { { "--output=TAG", NULL }, "--output 'TAG'" },
    { { "--color", "bogus" }, "--color 'bogus'" },
    { { "--color=yes", NULL }, "--color 'yes'" },
    { { "--log-dir=", NULL }, "--log-dir" },
    { { "--timestamps=1", NULL }, "--timestamps" },
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    tu_result_t r;
    if (cases[i].args[1] != NULL) {
      tu_run_cli(&r, NULL, "-q", cases[i].args[0], cases[i].args[1], "-c",
                 touch, NULL);
    } else {
      tu_run_cli(&r, NULL, "-q", cases[i].args[0], "-c", touch, NULL);
    }
    ck_assert_msg(r.status == 2, "%s: status %d:\n%s", cases[i].shown, r.status,
                  r.err);
    ck_assert_str_eq(r.out, "");
    ck_assert_msg(strncmp(r.err, "uvsup: ", 7) == 0, "stderr:\n%s", r.err);
    ck_assert_has(r.err, cases[i].shown);
    ck_assert_msg(access(marker, F_OK) != 0, "a worker ran");
    tu_result_free(&r);
  }
  /* A missing value. */
  tu_result_t r;
  tu_run_cli(&r, NULL, "-q", "-c", touch, "--output", NULL);
  ck_assert_int_eq(r.status, 2);
  ck_assert_has(r.err, "--output");
  ck_assert_msg(access(marker, F_OK) != 0, "a worker ran");
  tu_result_free(&r);
  free(touch);
  free(marker);
  free(dir);
}
END_TEST

START_TEST(test_output_group_holds_starts_for_a_slow_reader) {
  /* stdout is full before uvsup starts: the first run's output has to
   * wait, and while it waits no other worker starts (their output would
   * only pile up, each holding memory and a temporary file). */
  char* cmd = tu_fmt("exec %s bytes 300000", CHILD);
  char* argv[32] = { CLI, "--output", "group", "-j", "1" };
  int argc = 5;
  for (int i = 0; i < 8; i++) {
    argv[argc++] = "-c";
    argv[argc++] = cmd;
  }
  argv[argc] = NULL;
  tu_proc_t p;
  tu_start_full(argv, 1, &p);
  size_t prefilled = p.prefilled;
  tu_wait_on(&p, 2, "uvsup: 1: ok after");
  ck_assert_int_eq(kill(p.pid, SIGUSR1), 0);
  tu_wait_on(&p, 2, " running\n");
  ck_assert_msg(strstr(p.r.err, "uvsup: 0 running\n") != NULL,
                "a worker started while output waited:\n%s", p.r.err);
  tu_result_t r;
  tu_finish(&p, &r);
  ck_assert_int_eq(r.status, 0);
  ck_assert_uint_eq(r.out_len, prefilled + 8 * 300000);
  ck_assert_has(r.err, "8 workers: 8 ok, 0 failed");
  tu_result_free(&r);
  free(cmd);
}
END_TEST

int main(void) {
  Suite* s = suite_create("output");

  TCase* tag = tu_tcase_new(s, "tag", 60);
  tcase_add_test(tag, test_output_tag_every_line_once_in_order);
  tcase_add_test(tag, test_output_tag_stderr_to_stderr);
  tcase_add_test(tag, test_output_tag_last_line_without_newline);
  tcase_add_test(tag, test_output_tag_empty_output);
  tcase_add_test(tag, test_output_tag_color_always_on_a_pipe);
  tcase_add_test(tag, test_output_tag_color_differs_per_worker);
  tcase_add_test(tag, test_output_tag_color_never_and_auto_on_a_pipe);
  tcase_add_test(tag, test_output_tag_color_auto_on_a_terminal);
  tcase_add_test(tag, test_output_tag_timestamps);
  tcase_add_test(tag, test_output_tag_worker_opens_dev_stdout);
  tcase_add_test(tag, test_output_tag_stdout_is_a_file);
  tcase_add_test(tag, test_output_tag_huge_line_in_pieces);
  tcase_add_test(tag, test_output_tag_names_escaped_and_capped);

  TCase* group = tu_tcase_new(s, "group", 60);
  tcase_add_test(group, test_output_group_runs_in_one_piece);
  tcase_add_test(group, test_output_group_binary_exact);
  tcase_add_test(group, test_output_group_holds_starts_for_a_slow_reader);
  tcase_add_test(group, test_output_group_beyond_memory_bound);
  tcase_add_test(group, test_output_full_tmpdir_and_log_dir_are_losses);

  TCase* raw = tu_tcase_new(s, "raw", 30);
  tcase_add_test(raw, test_output_inherit_raw);
  tcase_add_test(raw, test_output_null_discards);

  TCase* logdir = tu_tcase_new(s, "logdir", 30);
  tcase_add_test(logdir, test_output_log_dir_tag_exact);
  tcase_add_test(logdir, test_output_log_dir_group_exact);
  tcase_add_test(logdir, test_output_log_dir_with_inherit_and_null);
  tcase_add_test(logdir, test_output_log_dir_safe_names);
  tcase_add_test(logdir, test_output_log_dir_same_safe_name_loses_nothing);
  tcase_add_test(logdir, test_output_log_dir_appends);
  tcase_add_test(logdir, test_output_log_dir_is_a_file);

  TCase* flow = tu_tcase_new(s, "flow", 60);
  tcase_add_test(flow, test_output_slow_reader_loses_nothing_bounded_memory);
  tcase_add_test(flow, test_output_slow_reader_worker_killed_while_paused);
  tcase_add_test(flow, test_output_reader_goes_away);
  tcase_add_test(flow, test_output_leftover_holds_stdout);
  tcase_add_test(flow, test_output_escaped_daemon_holds_stdout);
  tcase_add_test(flow, test_output_closed_stdout_or_stderr);

  TCase* errors = tu_tcase_new(s, "errors", 30);
  tcase_add_test(errors, test_output_bad_values);

  return tu_run_suite(s);
}
