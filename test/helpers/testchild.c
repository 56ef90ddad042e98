/* A child process for tests: runs a list of steps given as arguments, so a
 * test can make a worker print, sleep, ignore signals, fork or exit on cue
 * without depending on what a shell does.
 *
 *   out TEXT        print TEXT and a newline on stdout
 *   err TEXT        print TEXT and a newline on stderr
 *   sleep MS        sleep MS milliseconds
 *   exit N          exit with status N
 *   raise SIG       send itself signal number SIG
 *   ignore SIG      ignore signal number SIG
 *   pidfile PATH    append "PID\n" to PATH (for tests that look for leftovers)
 *   mark PATH TEXT  append "TEXT\n" to PATH (which jobs ran, how often)
 *   failifmissing PATH   exit 1 when PATH does not exist
 *   pauseifmissing PATH  pause (wait for a signal) when PATH does not exist
 *   readfifo PATH   open the FIFO PATH and read it to its end (the test
 *                   lets it go by opening and closing the other end)
 *   fork MS PATH    fork a grandchild that ignores SIGTERM and sleeps MS
 *                   ms; the parent appends its pid to PATH and goes on
 *   pause           wait for a signal that is not ignored
 *   ready           send SIGUSR2 to the supervisor (uvsup), so a test can
 *                   act once the steps before it are done, without sleeping
 *   signalsup SIG   send signal number SIG to the supervisor
 *   openfds         print "fds:" and each open descriptor above 2 on stdout
 *   envlen NAME     print the length of environment variable NAME (-1: unset)
 *   lines N TEXT    print "TEXT 1" ... "TEXT N", one per line, on stdout
 *   errlines N TEXT the same on stderr
 *   errblocks N TEXT the same on stderr, written in 64 KiB blocks (lines
 *                   cut at block ends), as a busy program's buffered
 *                   stderr would
 *   noeol TEXT      print TEXT on stdout with no newline
 *   bytes N         write N bytes 0, 1, ..., 255, 0, ... on stdout
 *   bigline N       write one line of N 'x' and a newline on stdout
 *   escape MS PATH  fork a grandchild that leaves the process group
 *                   (setsid) keeping stdout and stderr, and sleeps MS ms;
 *                   the parent appends its pid to PATH
 *   threadfork MS PATH
 *                   fork a grandchild whose main thread exits
 *                   (pthread_exit) while another thread sleeps MS ms: its
 *                   leader shows as a zombie, yet it runs; the parent
 *                   appends its pid to PATH
 *   readyfd TEXT    write TEXT and a newline to descriptor $UVSUP_READY_FD
 *                   and close it
 *   notify MSG      send MSG (a "\n" in it is a newline) to $NOTIFY_SOCKET
 *   notifyfork MSG  fork a grandchild that sends MSG and then waits for a
 *                   signal; the parent goes on
 *   envfile VAR PATH write $VAR to PATH (a FIFO: waits for its reader)
 *   notifyvia PATH MSG read a socket path from PATH and send MSG there
 *   serve PORT      listen on 127.0.0.1:PORT and accept (and close)
 *                   connections until a signal ends it
 *   connect PORT    exit 0 when a TCP connection to 127.0.0.1:PORT works,
 *                   else 1
 *   onterm PATH TEXT on SIGTERM, append TEXT and a newline to PATH and
 *                   exit 0
 *   orphan MS PATH  double fork, as a daemon does: a grandchild in a new
 *                   session, stdio on /dev/null, whose parent exits at
 *                   once (so it is re-parented to the nearest subreaper or
 *                   init), sleeps MS ms and exits 0; its pid is appended
 *                   to PATH before the worker goes on
 *   orphans N MS PATH
 *                   N such orphans (a storm), each pid appended to PATH
 *   trap SIG        on signal SIG, exit with status SIG (so the exit
 *                   status says which signal came through)
 *   waitgone PATH   wait until every pid in PATH is gone: exited and
 *                   reaped (kill(pid, 0) finds no process, not even a
 *                   zombie)
 *   cat             copy stdin to stdout until its end
 *   zombies         print "zombies N": the zombies in /proc other than
 *                   our own children
 *
 * With no "exit" step it exits 0 after the last step. */
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
  struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
  while (nanosleep(&ts, &ts) != 0) {
  }
}

/* One write of "TEXT\n", so lines of jobs marking at once never mix. */
static void append_text(const char* path, const char* text) {
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  size_t n = strlen(text);
  char* line = malloc(n + 1);
  if (fd < 0 || line == NULL) {
    perror(path);
    exit(125);
  }
  memcpy(line, text, n);
  line[n] = '\n';
  if (write(fd, line, n + 1) != (ssize_t)n + 1) {
    perror(path);
    exit(125);
  }
  free(line);
  close(fd);
}

static void append_pid(const char* path, pid_t pid) {
  char line[32];
  int n = snprintf(line, sizeof(line), "%d\n", (int)pid);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0 || write(fd, line, (size_t)n) != n) {
    perror(path);
    exit(125);
  }
  close(fd);
}

static void write_all(int fd, const char* p, size_t n);

/* Appends TEXT and a newline to PATH in one write (async-signal-safe). */
static void append_line(const char* path, const char* text) {
  char line[256];
  int n = snprintf(line, sizeof(line), "%s\n", text);
  int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    write_all(fd, line, (size_t)n);
    close(fd);
  }
}

static void write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      perror("write");
      exit(125);
    }
    p += w;
    n -= (size_t)w;
  }
}

/* Numbered lines through stdio's buffer: fast enough for 10^6 lines. */
static void numbered_lines(FILE* f, long n, const char* text) {
  for (long i = 1; i <= n; i++) {
    fprintf(f, "%s %ld\n", text, i);
  }
  fflush(f);
}

typedef struct {
  pthread_t main_thread;
  long ms;
  int ready_fd; /* written once the main thread has exited */
} thread_only_t;

static void* outlive_main(void* arg) {
  thread_only_t* t = arg;
  pthread_join(t->main_thread, NULL);
  write_all(t->ready_fd, "x", 1);
  close(t->ready_fd);
  sleep_ms(t->ms);
  _exit(0);
}

/* The grandchild of "threadfork": its main thread exits, another runs on
 * and tells the parent through ready_fd once the main one is gone. */
static void run_thread_only(long ms, int ready_fd) {
  static thread_only_t t;
  t.main_thread = pthread_self();
  t.ms = ms;
  t.ready_fd = ready_fd;
  pthread_t thread;
  if (pthread_create(&thread, NULL, outlive_main, &t) != 0) {
    _exit(125);
  }
  pthread_exit(NULL);
}

/* MSG with each two-character "\n" turned into a newline. */
static void send_notify(const char* path, const char* msg) {
  char buf[1024];
  size_t n = 0;
  for (const char* p = msg; *p != '\0' && n + 1 < sizeof(buf); p++) {
    if (p[0] == '\\' && p[1] == 'n') {
      buf[n++] = '\n';
      p++;
    } else {
      buf[n++] = *p;
    }
  }
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  if (path == NULL || strlen(path) >= sizeof(addr.sun_path)) {
    fprintf(stderr, "testchild: no NOTIFY_SOCKET\n");
    exit(125);
  }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
  if (fd < 0 || sendto(fd, buf, n, 0, (struct sockaddr*)&addr, sizeof(addr)) !=
                    (ssize_t)n) {
    perror("notify");
    exit(125);
  }
  close(fd);
}

static struct sockaddr_in local_port(const char* port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_port = htons((uint16_t)atoi(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void serve(const char* port) {
  struct sockaddr_in a = local_port(port);
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, (struct sockaddr*)&a, sizeof(a)) != 0 || listen(fd, 16) != 0) {
    perror("serve");
    exit(125);
  }
  printf("listening on %s\n", port);
  fflush(stdout);
  for (;;) {
    int c = accept(fd, NULL, NULL);
    if (c >= 0) {
      close(c);
    }
  }
}

static int try_connect(const char* port) {
  struct sockaddr_in a = local_port(port);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int ok = connect(fd, (struct sockaddr*)&a, sizeof(a)) == 0;
  close(fd);
  return ok ? 0 : 1;
}

static const char* term_path;
static const char* term_text;

static void on_term(int sig) {
  (void)sig;
  append_line(term_path, term_text);
  _exit(0);
}

/* The grandchild of a double fork; returns its pid once its parent (our
 * child, reaped here) has exited, so it is an orphan by then. */
static pid_t orphan(long ms) {
  int link[2];
  if (pipe(link) != 0) {
    perror("pipe");
    exit(125);
  }
  pid_t middle = fork();
  if (middle < 0) {
    perror("fork");
    exit(125);
  }
  if (middle == 0) {
    pid_t grandchild = fork();
    if (grandchild == 0) {
      close(link[0]);
      close(link[1]);
      setsid();
      int null_fd = open("/dev/null", O_RDWR);
      for (int fd = 0; fd < 3; fd++) {
        dup2(null_fd, fd);
      }
      sleep_ms(ms);
      _exit(0);
    }
    write_all(link[1], (const char*)&grandchild, sizeof(grandchild));
    _exit(grandchild < 0 ? 125 : 0);
  }
  close(link[1]);
  pid_t grandchild = -1;
  if (read(link[0], &grandchild, sizeof(grandchild)) !=
      (ssize_t)sizeof(grandchild)) {
    exit(125);
  }
  close(link[0]);
  int status;
  if (waitpid(middle, &status, 0) != middle || status != 0) {
    exit(125);
  }
  return grandchild;
}

static void exit_with_signal(int signum) {
  _exit(signum);
}

/* Waits, checking every millisecond, until no pid listed in path names a
 * process any more (a zombie still does): reaping sends no event. */
static void wait_gone(const char* path) {
  FILE* f = fopen(path, "r");
  if (f == NULL) {
    perror(path);
    exit(125);
  }
  int pid;
  while (fscanf(f, "%d", &pid) == 1) {
    while (kill(pid, 0) == 0) {
      sleep_ms(1);
    }
  }
  fclose(f);
}

/* Zombies whose parent is not us (ours wait for our own wait). */
static int count_zombies(void) {
  DIR* proc = opendir("/proc");
  int n = 0;
  struct dirent* e;
  while (proc != NULL && (e = readdir(proc)) != NULL) {
    char path[300], stat[512];
    snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
    FILE* f =
        e->d_name[0] >= '1' && e->d_name[0] <= '9' ? fopen(path, "r") : NULL;
    if (f == NULL) {
      continue;
    }
    size_t len = fread(stat, 1, sizeof(stat) - 1, f);
    fclose(f);
    stat[len] = '\0';
    char* p = strrchr(stat, ')');
    char state;
    int ppid;
    if (p != NULL && sscanf(p + 1, " %c %d", &state, &ppid) == 2 &&
        state == 'Z' && ppid != getpid()) {
      n++;
    }
  }
  if (proc != NULL) {
    closedir(proc);
  }
  return n;
}

static void usage(const char* step) {
  fprintf(stderr, "testchild: bad step '%s'\n", step);
  exit(125);
}

/* What a worker was given beyond stdin, stdout and stderr. */
static void print_open_fds(void) {
  DIR* d = opendir("/proc/self/fd");
  printf("fds:");
  struct dirent* e;
  while (d != NULL && (e = readdir(d)) != NULL) {
    int fd = atoi(e->d_name);
    if (e->d_name[0] != '.' && fd > 2 && fd != dirfd(d)) {
      printf(" %d", fd);
    }
  }
  printf("\n");
  fflush(stdout);
  if (d != NULL) {
    closedir(d);
  }
}

/* The process that supervises us: the parent, or the parent's parent when
 * the parent is the spawn helper. */
static pid_t supervisor_pid(void) {
  pid_t parent = getppid();
  char path[64], text[512];
  snprintf(path, sizeof(path), "/proc/%d/comm", (int)parent);
  FILE* f = fopen(path, "r");
  int helper = f != NULL && fgets(text, sizeof(text), f) != NULL &&
               strcmp(text, "uvsup-spawn\n") == 0;
  if (f != NULL) {
    fclose(f);
  }
  if (!helper) {
    return parent;
  }
  snprintf(path, sizeof(path), "/proc/%d/stat", (int)parent);
  f = fopen(path, "r");
  int ppid = 0;
  if (f != NULL && fgets(text, sizeof(text), f) != NULL) {
    const char* p = strrchr(text, ')');
    char state;
    if (p == NULL || sscanf(p + 1, " %c %d", &state, &ppid) != 2) {
      ppid = 0;
    }
  }
  if (f != NULL) {
    fclose(f);
  }
  return ppid > 0 ? ppid : parent;
}

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* step = argv[i];
    const char* arg = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(step, "pause") == 0) {
      pause();
      continue;
    }
    if (strcmp(step, "openfds") == 0) {
      print_open_fds();
      continue;
    }
    if (strcmp(step, "ready") == 0) {
      kill(supervisor_pid(), SIGUSR2);
      continue;
    }
    if (strcmp(step, "cat") == 0) {
      char buf[4096];
      ssize_t n;
      while ((n = read(0, buf, sizeof(buf))) > 0) {
        write_all(1, buf, (size_t)n);
      }
      continue;
    }
    if (strcmp(step, "zombies") == 0) {
      printf("zombies %d\n", count_zombies());
      fflush(stdout);
      continue;
    }
    if (arg == NULL) {
      usage(step);
    }
    i++;
    if (strcmp(step, "out") == 0) {
      printf("%s\n", arg);
      fflush(stdout);
    } else if (strcmp(step, "err") == 0) {
      fprintf(stderr, "%s\n", arg);
    } else if (strcmp(step, "sleep") == 0) {
      sleep_ms(atol(arg));
    } else if (strcmp(step, "exit") == 0) {
      exit(atoi(arg));
    } else if (strcmp(step, "raise") == 0) {
      signal(atoi(arg), SIG_DFL);
      raise(atoi(arg));
    } else if (strcmp(step, "envlen") == 0) {
      const char* v = getenv(arg);
      printf("%ld\n", v != NULL ? (long)strlen(v) : -1L);
      fflush(stdout);
    } else if (strcmp(step, "signalsup") == 0) {
      kill(supervisor_pid(), atoi(arg));
    } else if (strcmp(step, "ignore") == 0) {
      signal(atoi(arg), SIG_IGN);
    } else if (strcmp(step, "pidfile") == 0) {
      append_pid(arg, getpid());
    } else if (strcmp(step, "readyfd") == 0) {
      const char* fd = getenv("UVSUP_READY_FD");
      if (fd == NULL) {
        usage("readyfd without UVSUP_READY_FD");
      }
      write_all(atoi(fd), arg, strlen(arg));
      write_all(atoi(fd), "\n", 1);
      close(atoi(fd));
    } else if (strcmp(step, "notify") == 0) {
      send_notify(getenv("NOTIFY_SOCKET"), arg);
    } else if (strcmp(step, "notifyfork") == 0) {
      pid_t pid = fork();
      if (pid == 0) {
        send_notify(getenv("NOTIFY_SOCKET"), arg);
        pause();
        _exit(0);
      }
    } else if (strcmp(step, "serve") == 0) {
      serve(arg);
    } else if (strcmp(step, "connect") == 0) {
      exit(try_connect(arg));
    } else if (strcmp(step, "envfile") == 0 || strcmp(step, "notifyvia") == 0 ||
               strcmp(step, "onterm") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      const char* second = argv[++i];
      if (step[0] == 'e') {
        const char* v = getenv(arg);
        int fd = open(second, O_WRONLY);
        if (v == NULL || fd < 0) {
          usage(step);
        }
        write_all(fd, v, strlen(v));
        close(fd);
      } else if (step[0] == 'n') {
        char path[256] = { 0 };
        int fd = open(arg, O_RDONLY);
        ssize_t n = fd >= 0 ? read(fd, path, sizeof(path) - 1) : -1;
        if (n <= 0) {
          usage(step);
        }
        close(fd);
        send_notify(path, second);
      } else {
        term_path = arg;
        term_text = second;
        signal(SIGTERM, on_term);
      }
    } else if (strcmp(step, "mark") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      append_text(arg, argv[++i]);
    } else if (strcmp(step, "failifmissing") == 0) {
      if (access(arg, F_OK) != 0) {
        exit(1);
      }
    } else if (strcmp(step, "readfifo") == 0) {
      int fd = open(arg, O_RDONLY);
      char buf[64];
      while (fd >= 0 && read(fd, buf, sizeof(buf)) > 0) {
      }
    } else if (strcmp(step, "pauseifmissing") == 0) {
      if (access(arg, F_OK) != 0) {
        pause();
      }
    } else if (strcmp(step, "noeol") == 0) {
      write_all(1, arg, strlen(arg));
    } else if (strcmp(step, "bytes") == 0) {
      char block[4096];
      for (size_t k = 0; k < sizeof(block); k++) {
        block[k] = (char)(k & 0xff);
      }
      for (long left = atol(arg); left > 0; left -= (long)sizeof(block)) {
        write_all(1, block,
                  left < (long)sizeof(block) ? (size_t)left : sizeof(block));
      }
    } else if (strcmp(step, "bigline") == 0) {
      long n = atol(arg);
      char* line = malloc((size_t)n + 1);
      memset(line, 'x', (size_t)n);
      line[n] = '\n';
      write_all(1, line, (size_t)n + 1);
      free(line);
    } else if (strcmp(step, "lines") == 0 || strcmp(step, "errlines") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      numbered_lines(step[0] == 'l' ? stdout : stderr, atol(arg), argv[++i]);
    } else if (strcmp(step, "errblocks") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      static char block[65536];
      setvbuf(stderr, block, _IOFBF, sizeof(block));
      numbered_lines(stderr, atol(arg), argv[++i]);
      setvbuf(stderr, NULL, _IONBF, 0);
    } else if (strcmp(step, "orphan") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      append_pid(argv[++i], orphan(atol(arg)));
    } else if (strcmp(step, "orphans") == 0) {
      if (i + 2 >= argc) {
        usage(step);
      }
      long ms = atol(argv[++i]);
      const char* path = argv[++i];
      for (long k = atol(arg); k > 0; k--) {
        append_pid(path, orphan(ms));
      }
    } else if (strcmp(step, "trap") == 0) {
      signal(atoi(arg), exit_with_signal);
    } else if (strcmp(step, "waitgone") == 0) {
      wait_gone(arg);
    } else if (strcmp(step, "fork") == 0 || strcmp(step, "escape") == 0 ||
               strcmp(step, "threadfork") == 0) {
      if (i + 1 >= argc) {
        usage(step);
      }
      const char* path = argv[++i];
      int ready[2];
      if (pipe(ready) != 0) {
        perror("pipe");
        exit(125);
      }
      pid_t pid = fork();
      if (pid < 0) {
        perror("fork");
        exit(125);
      }
      if (pid == 0) {
        close(ready[0]);
        if (step[0] == 't') {
          run_thread_only(atol(arg), ready[1]);
        }
        close(ready[1]);
        if (step[0] == 'e') {
          setsid();
        } else {
          signal(SIGTERM, SIG_IGN);
        }
        sleep_ms(atol(arg));
        _exit(0);
      }
      close(ready[1]);
      if (step[0] == 't') {
        char byte;
        if (read(ready[0], &byte, 1) != 1) {
          exit(125);
        }
      }
      close(ready[0]);
      /* The parent records it, so the pid is in the file before the worker
       * can have exited. */
      append_pid(path, pid);
    } else {
      usage(step);
    }
  }
  return 0;
}
