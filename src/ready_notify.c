/* The notify check: a unix datagram socket per run in a private 0700
 * directory ($NOTIFY_SOCKET), read with the sender's credentials; only a
 * process of the worker's own session may speak for it, so any of its
 * processes may notify (no NotifyAccess=main trap) and no other worker's
 * can. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ready.h"

#define NOTIFY_MAX 4096 /* systemd's limit is larger; 4 KiB is plenty */

int uvsup__ready_notify_open(uvsup_ready_t* r) {
  const char* tmp = getenv("TMPDIR");
  if (tmp == NULL || tmp[0] == '\0') {
    tmp = "/tmp";
  }
  int n = snprintf(r->dir, sizeof(r->dir), "%s/uvsup-XXXXXX", tmp);
  if (n < 0 || (size_t)n >= sizeof(r->dir) || mkdtemp(r->dir) == NULL) {
    r->dir[0] = '\0';
    return n >= 0 && (size_t)n >= sizeof(r->dir) ? UV_ENAMETOOLONG : -errno;
  }
  snprintf(r->path, sizeof(r->path), "%s/notify", r->dir);
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  int one = 1;
  int err = 0;
  if (fd < 0 || strlen(r->path) >= sizeof(addr.sun_path)) {
    err = fd < 0 ? -errno : UV_ENAMETOOLONG;
  } else {
    strcpy(addr.sun_path, r->path);
    if (bind(fd, (struct sockaddr*)&addr, sizeof(addr)) != 0 ||
        setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) != 0) {
      err = -errno;
    }
  }
  if (err == 0) {
    err = uv_poll_init(r->loop, &r->sock, fd);
  }
  if (err != 0) {
    if (fd >= 0) {
      close(fd);
    }
    unlink(r->path);
    rmdir(r->dir);
    r->dir[0] = '\0';
    return err;
  }
  r->sock.data = r;
  r->sock_fd = fd;
  r->sock_open = 1;
  r->open_handles++;
  snprintf(r->env_notify, sizeof(r->env_notify), "NOTIFY_SOCKET=%s", r->path);
  return 0;
}

/* The sender's pid, from SCM_CREDENTIALS; 0 when there is none. */
static pid_t sender_of(struct msghdr* msg) {
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c != NULL;
       c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
      struct ucred cred;
      memcpy(&cred, CMSG_DATA(c), sizeof(cred));
      return cred.pid;
    }
  }
  return 0;
}

static void handle_message(uvsup_ready_t* r, const char* data, size_t len) {
  uvsup_notify_msg_t m;
  uvsup__notify_parse(data, len, &m);
  if (m.status != NULL) {
    size_t n = m.status_len < sizeof(r->status) - 1 ? m.status_len
                                                    : sizeof(r->status) - 1;
    memcpy(r->status, m.status, n);
    r->status[n] = '\0';
    r->has_status = 1;
    r->on_event(r, READY_EV_STATUS);
  }
  if (r->phase == READY_CLOSING) {
    return; /* a callback ended the run's check */
  }
  if (m.watchdog) {
    uvsup__ready_watchdog_kick(r);
  }
  if (m.ready) {
    uvsup__ready_passed(r);
  }
}

static void on_readable(uv_poll_t* poll, int status, int events) {
  uvsup_ready_t* r = poll->data;
  (void)events;
  if (status != 0) {
    return;
  }
  char data[NOTIFY_MAX];
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(struct ucred))];
  } control;
  /* Bounded: a flood of datagrams never holds the loop. */
  for (int k = 0; k < 64 && r->phase != READY_CLOSING; k++) {
    struct iovec iov = { data, sizeof(data) };
    struct msghdr msg;
    memset(&msg, 0, sizeof(msg));
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof(control.buf);
    ssize_t n = recvmsg(r->sock_fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    if (n < 0) {
      return; /* EAGAIN: read all there was */
    }
    pid_t pid = sender_of(&msg);
    /* getsid() of a process that has exited and been reaped fails: such a
     * message is refused, as one from another session is. */
    if (pid <= 0 || (msg.msg_flags & MSG_TRUNC) || getsid(pid) != r->session) {
      continue;
    }
    handle_message(r, data, (size_t)n);
  }
}

void uvsup__ready_notify_start(uvsup_ready_t* r) {
  uv_poll_start(&r->sock, UV_READABLE, on_readable);
}

static void on_sock_closed(uv_handle_t* handle) {
  uvsup_ready_t* r = handle->data;
  close(r->sock_fd); /* only once libuv no longer polls it */
  r->sock_fd = -1;
  unlink(r->path);
  rmdir(r->dir);
  uvsup__ready_handle_closed(handle);
}

void uvsup__ready_notify_close(uvsup_ready_t* r) {
  if (r->sock_open) {
    r->sock_open = 0;
    uv_close((uv_handle_t*)&r->sock, on_sock_closed);
  }
}
