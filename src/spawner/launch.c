/* How the spawn helper starts a worker without fork (see launch.h). The
 * helper is small, but fork still copies its page tables and takes a
 * copy-on-write fault for every page either side touches before the exec;
 * posix_spawn shares the memory until the exec instead, and learns the
 * exec's error as uv_spawn does. */
#define _GNU_SOURCE /* strchrnul, addchdir_np, POSIX_SPAWN_SETSID */
#include "launch.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* execvp()'s search path when the environment has no PATH (glibc's). */
#define DEFAULT_PATH "/bin:/usr/bin"
/* The shell execvp() runs a file under when the kernel will not run it. */
#define SHELL        "/bin/sh"

typedef struct {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  char* const* args;
  char* const* env;
  int* moved; /* descriptors duplicated above the stdio slots */
  int nmoved;
} launch_t;

/* The stdio slots, as uv_spawn sets them in its child: a descriptor that
 * sits in a lower slot's way is first moved above every slot, so one
 * dup2() never overwrites another's source. */
static int set_stdio(launch_t* l, const uv_process_options_t* o) {
  l->moved = calloc((size_t)o->stdio_count + 1, sizeof(*l->moved));
  if (l->moved == NULL) {
    return UV_ENOMEM;
  }
  for (int i = 0; i < o->stdio_count; i++) {
    const uv_stdio_container_t* slot = &o->stdio[i];
    int err = 0;
    if (slot->flags & UV_INHERIT_FD) {
      int fd = slot->data.fd;
      if (fd < o->stdio_count) {
        fd = fcntl(fd, F_DUPFD_CLOEXEC, o->stdio_count);
        if (fd < 0) {
          return -errno;
        }
        l->moved[l->nmoved++] = fd;
      }
      if (i <= 2) {
        /* uv_spawn makes the child's stdio blocking: the flag belongs to
         * the open file, which the child shares. */
        int flags = fcntl(fd, F_GETFL);
        if (flags >= 0 && (flags & O_NONBLOCK)) {
          fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        }
      }
      err = posix_spawn_file_actions_adddup2(&l->actions, fd, i);
    } else if (i <= 2) {
      /* An ignored slot above 2 stays closed, as with uv_spawn. */
      err = posix_spawn_file_actions_addopen(&l->actions, i, "/dev/null",
                                             i == 0 ? O_RDONLY : O_RDWR, 0);
    }
    if (err != 0) {
      return -err;
    }
  }
  return 0;
}

/* glibc's sigfillset() leaves out the signals it keeps for itself (32 up
 * to SIGRTMIN), and posix_spawn() then sets those to SIG_IGN in the
 * child, which an exec keeps: every worker would start with them ignored.
 * Their bits are set by hand. */
static void add_reserved_signals(sigset_t* set) {
#ifdef __GLIBC__
  const size_t bits = 8 * sizeof(set->__val[0]);
  for (int sig = 32; sig < SIGRTMIN; sig++) {
    set->__val[(size_t)(sig - 1) / bits] |= 1ul << ((size_t)(sig - 1) % bits);
  }
#else
  (void)set;
#endif
}

static int prepare(launch_t* l, const uv_process_options_t* o) {
  memset(l, 0, sizeof(*l));
  posix_spawn_file_actions_init(&l->actions);
  posix_spawnattr_init(&l->attr);
  l->args = o->args;
  l->env = o->env;
  int err = set_stdio(l, o);
  if (err == 0 && o->cwd != NULL) {
    err = -posix_spawn_file_actions_addchdir_np(&l->actions, o->cwd);
  }
  if (err != 0) {
    return err;
  }
  sigset_t all, none;
  sigfillset(&all);
  add_reserved_signals(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&l->attr, &all);
  posix_spawnattr_setsigmask(&l->attr, &none);
  return -posix_spawnattr_setflags(&l->attr, POSIX_SPAWN_SETSIGDEF |
                                                 POSIX_SPAWN_SETSIGMASK |
                                                 POSIX_SPAWN_SETSID);
}

static void finish(launch_t* l) {
  for (int i = 0; i < l->nmoved; i++) {
    close(l->moved[i]);
  }
  free(l->moved);
  posix_spawn_file_actions_destroy(&l->actions);
  posix_spawnattr_destroy(&l->attr);
}

/* A file the kernel would not run (ENOEXEC) runs as a shell script, the
 * way execvp() runs it: "/bin/sh PATH ARG1 ...". */
static int spawn_script(launch_t* l, const char* path, pid_t* pid) {
  size_t n = 0;
  while (l->args[n] != NULL) {
    n++;
  }
  char** argv = calloc(n + 2, sizeof(*argv));
  if (argv == NULL) {
    return ENOMEM;
  }
  argv[0] = SHELL;
  argv[1] = (char*)path;
  for (size_t i = 1; i < n; i++) {
    argv[i + 1] = l->args[i];
  }
  int err = posix_spawn(pid, SHELL, &l->actions, &l->attr, argv, l->env);
  free(argv);
  return err;
}

static int spawn_path(launch_t* l, const char* path, pid_t* pid) {
  int err = posix_spawn(pid, path, &l->actions, &l->attr, l->args, l->env);
  return err == ENOEXEC ? spawn_script(l, path, pid) : err;
}

static const char* env_path(char* const* env) {
  for (; env != NULL && *env != NULL; env++) {
    if (strncmp(*env, "PATH=", 5) == 0) {
      return *env + 5;
    }
  }
  return DEFAULT_PATH;
}

/* execvp()'s search: in each directory of the worker's PATH in turn (an
 * empty one is the working directory); a file that is not there, or not
 * allowed, lets the search go on; any other error ends it. */
static int spawn_search(launch_t* l,
                        const char* file,
                        int relative_to_cwd,
                        pid_t* pid) {
  size_t file_len = strlen(file);
  int denied = 0;
  int last = ENOENT;
  const char* dir = env_path(l->env);
  for (;;) {
    const char* end = strchrnul(dir, ':');
    size_t dir_len = (size_t)(end - dir);
    char path[PATH_MAX];
    if (dir_len + 1 + file_len < sizeof(path)) {
      if (dir_len > 0) {
        memcpy(path, dir, dir_len);
        path[dir_len] = '/';
        memcpy(path + dir_len + 1, file, file_len + 1);
      } else {
        memcpy(path, file, file_len + 1);
      }
      /* A look before each try: a try is a whole process. With a working
       * directory to change to, a relative path means something else here
       * than in the child, so only the try can tell. */
      int absent =
          path[0] == '/' || !relative_to_cwd
              ? access(path, F_OK) != 0 && (errno == ENOENT || errno == ENOTDIR)
              : 0;
      int err = absent ? ENOENT : spawn_path(l, path, pid);
      switch (err) {
      case 0:
        return 0;
      case EACCES:
        denied = 1;
        break;
      case ENOENT:
      case ENOTDIR:
      case ESTALE:
      case ENODEV:
      case ETIMEDOUT:
        last = err;
        break;
      default:
        return err;
      }
    }
    if (*end == '\0') {
      return denied ? EACCES : last;
    }
    dir = end + 1;
  }
}

int uvsup__launch(const uv_process_options_t* o, int* pid) {
  if (o->flags & (UV_PROCESS_SETUID | UV_PROCESS_SETGID)) {
    return UV_EINVAL;
  }
  if (o->file == NULL || o->file[0] == '\0') {
    return UV_ENOENT;
  }
  /* A working directory that is not there fails every try of the search
   * alike: say so at once, as uv_spawn does. */
  if (o->cwd != NULL && access(o->cwd, X_OK) != 0) {
    return -errno;
  }
  launch_t l;
  int err = prepare(&l, o);
  pid_t child = 0;
  if (err == 0) {
    err = -(strchr(o->file, '/') != NULL
                ? spawn_path(&l, o->file, &child)
                : spawn_search(&l, o->file, o->cwd != NULL, &child));
  }
  finish(&l);
  if (err == 0) {
    *pid = child;
  }
  return err;
}
