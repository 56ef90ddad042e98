/* A message channel over a SOCK_SEQPACKET socket: each packet is one flag
 * byte (more packets of this message follow, or not) and a piece of the
 * message; descriptors travel with the first packet. */
#include "channel.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A packet stays well under the socket's default send buffer (~208 KiB),
 * which bounds one SOCK_SEQPACKET packet. */
#define PACKET_MAX (32 * 1024)
#define PIECE_MAX  (PACKET_MAX - 1)
#define MORE       1
/* Packets read per wakeup: the loop has other work, and each answer may
 * call out (on_start, on_exit). */
#define READ_BURST 32

struct uvsup_chan_out_s {
  uvsup_chan_out_t* next;
  size_t len;
  size_t sent; /* bytes of the message already in sent packets */
  int fds[UVSUP_CHAN_MAX_FDS];
  int nfds;  /* not yet sent */
  int owned; /* the fds are the channel's copies, closed once sent */
  char data[];
};

static void on_poll(uv_poll_t* poll, int status, int events);

static void watch(uvsup_chan_t* chan) {
  if (!chan->open) {
    return;
  }
  int events = chan->ended || chan->paused ? 0 : UV_READABLE;
  if (chan->out_head != NULL) {
    events |= UV_WRITABLE;
  }
  if (events == 0) {
    uv_poll_stop(&chan->poll);
  } else {
    uv_poll_start(&chan->poll, events, on_poll);
  }
}

int uvsup__chan_open(uvsup_chan_t* chan,
                     uv_loop_t* loop,
                     int fd,
                     uvsup_chan_msg_fn on_msg,
                     uvsup_chan_end_fn on_end) {
  memset(chan, 0, sizeof(*chan));
  chan->fd = fd;
  chan->on_msg = on_msg;
  chan->on_end = on_end;
  chan->packet = malloc(PACKET_MAX);
  int err = chan->packet == NULL ? UV_ENOMEM : 0;
  if (err == 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) {
    err = -errno;
  }
  if (err == 0) {
    err = uv_poll_init(loop, &chan->poll, fd);
  }
  if (err != 0) {
    free(chan->packet);
    chan->packet = NULL;
    close(fd);
    return err;
  }
  chan->poll.data = chan;
  chan->open = 1;
  watch(chan);
  return 0;
}

static void close_fds(const int* fds, int nfds) {
  for (int i = 0; i < nfds; i++) {
    close(fds[i]);
  }
}

/* Sends as many packets of the first message as the socket takes.
 * Returns 1 when it went out in full, 0 when the socket is full, or a
 * negative errno. */
static int send_some(uvsup_chan_t* chan, uvsup_chan_out_t* m) {
  while (m->sent < m->len || m->nfds > 0) {
    size_t piece = m->len - m->sent;
    if (piece > PIECE_MAX) {
      piece = PIECE_MAX;
    }
    char flag = m->sent + piece < m->len ? MORE : 0;
    struct iovec iov[2] = { { &flag, 1 }, { m->data + m->sent, piece } };
    union {
      char buf[CMSG_SPACE(sizeof(int) * UVSUP_CHAN_MAX_FDS)];
      struct cmsghdr align;
    } control;
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = 2 };
    if (m->nfds > 0) {
      /* An odd number of descriptors leaves alignment padding, which the
       * kernel reads too (valgrind: uninitialised bytes in sendmsg). */
      memset(&control, 0, sizeof(control));
      msg.msg_control = control.buf;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)m->nfds);
      struct cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)m->nfds);
      memcpy(CMSG_DATA(c), m->fds, sizeof(int) * (size_t)m->nfds);
    }
    if (sendmsg(chan->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
    }
    if (m->owned) {
      close_fds(m->fds, m->nfds);
    }
    m->nfds = 0;
    m->sent += piece;
  }
  return 1;
}

/* Sends what waits, in order; returns 0 or a negative errno. */
static int flush(uvsup_chan_t* chan) {
  while (chan->out_head != NULL) {
    uvsup_chan_out_t* m = chan->out_head;
    int r = send_some(chan, m);
    if (r <= 0) {
      return r;
    }
    chan->out_head = m->next;
    if (chan->out_head == NULL) {
      chan->out_tail = NULL;
    }
    free(m);
  }
  return 0;
}

static void drop_out(uvsup_chan_t* chan) {
  while (chan->out_head != NULL) {
    uvsup_chan_out_t* m = chan->out_head;
    chan->out_head = m->next;
    if (m->owned) {
      close_fds(m->fds, m->nfds);
    }
    free(m);
  }
  chan->out_tail = NULL;
}

int uvsup__chan_send(uvsup_chan_t* chan,
                     const void* data,
                     size_t len,
                     const int* fds,
                     int nfds) {
  if (!chan->open || chan->ended) {
    return UV_EPIPE;
  }
  if (nfds > UVSUP_CHAN_MAX_FDS) {
    return UV_EINVAL;
  }
  uvsup_chan_out_t* m = malloc(sizeof(*m) + len);
  if (m == NULL) {
    return UV_ENOMEM;
  }
  memcpy(m->data, data, len);
  m->len = len;
  m->sent = 0;
  m->next = NULL;
  m->nfds = nfds;
  m->owned = 0;
  if (nfds > 0) {
    memcpy(m->fds, fds, sizeof(int) * (size_t)nfds);
  }
  if (chan->out_head == NULL) {
    /* Most often the socket takes it at once, with the caller's own
     * descriptors: no copies, which a host short of them cannot spare. */
    int r = send_some(chan, m);
    if (r != 0) {
      free(m);
      return r < 0 ? r : 0;
    }
  }
  /* It waits in the queue: with copies of the descriptors not yet sent,
   * as the caller may close its own once this returns. */
  for (int i = 0; i < m->nfds; i++) {
    m->fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
    if (m->fds[i] < 0) {
      int err = -errno;
      close_fds(m->fds, i);
      free(m);
      return err; /* nothing of it was sent: the fds go with the first */
    }
  }
  m->owned = 1;
  int was_empty = chan->out_head == NULL;
  if (chan->out_tail != NULL) {
    chan->out_tail->next = m;
  } else {
    chan->out_head = m;
  }
  chan->out_tail = m;
  if (was_empty) {
    watch(chan);
  }
  return 0;
}

int uvsup__chan_pending(const uvsup_chan_t* chan) {
  return chan->out_head != NULL;
}

static void end(uvsup_chan_t* chan, int err) {
  if (chan->ended) {
    return;
  }
  chan->ended = 1;
  drop_out(chan);
  watch(chan);
  chan->on_end(chan, err); /* last: the owner may close the channel */
}

static int append(uvsup_chan_t* chan, const char* data, size_t len) {
  if (chan->in_len + len > chan->in_cap) {
    size_t cap = chan->in_cap ? chan->in_cap : 4096;
    while (cap < chan->in_len + len) {
      cap *= 2;
    }
    char* grown = realloc(chan->in, cap);
    if (grown == NULL) {
      return UV_ENOMEM;
    }
    chan->in = grown;
    chan->in_cap = cap;
  }
  memcpy(chan->in + chan->in_len, data, len);
  chan->in_len += len;
  return 0;
}

/* Descriptors that came with the packet join the message's. When the
 * receiver had no room for them (EMFILE), the kernel dropped them
 * (MSG_CTRUNC): the message then arrives with nfds -1, for its handler to
 * refuse, and the channel goes on. */
static void take_fds(uvsup_chan_t* chan, struct msghdr* msg) {
  for (struct cmsghdr* c = CMSG_FIRSTHDR(msg); c != NULL;
       c = CMSG_NXTHDR(msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
      continue;
    }
    int n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
    int* fds = (int*)CMSG_DATA(c);
    for (int i = 0; i < n; i++) {
      if (chan->in_nfds < UVSUP_CHAN_MAX_FDS) {
        chan->in_fds[chan->in_nfds++] = fds[i];
      } else {
        close(fds[i]);
        chan->fds_lost = 1;
      }
    }
  }
  if (msg->msg_flags & MSG_CTRUNC) {
    chan->fds_lost = 1;
  }
}

/* Reads one packet; returns 1, 0 when none waits, or an end (<0, or
 * UV_EOF). */
static int read_packet(uvsup_chan_t* chan) {
  union {
    char buf[CMSG_SPACE(sizeof(int) * UVSUP_CHAN_MAX_FDS)];
    struct cmsghdr align;
  } control;
  struct iovec iov = { chan->packet, PACKET_MAX };
  struct msghdr msg = { .msg_iov = &iov,
                        .msg_iovlen = 1,
                        .msg_control = control.buf,
                        .msg_controllen = sizeof(control.buf) };
  ssize_t n = recvmsg(chan->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
      return 0;
    }
    return -errno;
  }
  take_fds(chan, &msg);
  if (n == 0) {
    return UV_EOF;
  }
  if (msg.msg_flags & MSG_TRUNC) {
    return UV_EPROTO; /* a packet larger than any we send */
  }
  int err = append(chan, chan->packet + 1, (size_t)n - 1);
  if (err != 0) {
    return err;
  }
  if (!(chan->packet[0] & MORE)) {
    int fds[UVSUP_CHAN_MAX_FDS];
    int nfds = chan->in_nfds;
    memcpy(fds, chan->in_fds, sizeof(int) * (size_t)nfds);
    size_t len = chan->in_len;
    if (chan->fds_lost) {
      close_fds(fds, nfds);
      nfds = -1;
    }
    chan->in_nfds = 0;
    chan->in_len = 0;
    chan->fds_lost = 0;
    chan->on_msg(chan, chan->in, len, fds, nfds);
  }
  return 1;
}

static void on_poll(uv_poll_t* poll, int status, int events) {
  uvsup_chan_t* chan = poll->data;
  if (status < 0) {
    end(chan, status);
    return;
  }
  if (events & UV_WRITABLE) {
    int err = flush(chan);
    if (err != 0) {
      end(chan, err);
      return;
    }
    watch(chan);
  }
  for (int i = 0; i < 256 && (events & UV_READABLE) && chan->open &&
                  !chan->ended && !chan->paused;
       i++) {
    int r = read_packet(chan);
    if (r == 0) {
      break;
    }
    if (r < 0) {
      end(chan, r == UV_EOF ? 0 : r);
      return;
    }
  }
}

void uvsup__chan_pause(uvsup_chan_t* chan, int paused) {
  if (chan->paused != paused) {
    chan->paused = paused;
    watch(chan);
  }
}

static void on_poll_close(uv_handle_t* handle) {
  uvsup_chan_t* chan = handle->data;
  close(chan->fd);
  chan->fd = -1;
  /* Freed here, not at the close call: a message being handled when the
   * owner closed the channel still points into them. */
  free(chan->in);
  chan->in = NULL;
  free(chan->packet);
  chan->packet = NULL;
  if (chan->on_closed != NULL) {
    chan->on_closed(chan); /* last: the owner may free the channel */
  }
}

void uvsup__chan_close(uvsup_chan_t* chan, uvsup_chan_closed_fn on_closed) {
  if (!chan->open) {
    return;
  }
  chan->open = 0;
  chan->ended = 1;
  chan->on_closed = on_closed;
  drop_out(chan);
  close_fds(chan->in_fds, chan->in_nfds);
  chan->in_nfds = 0;
  uv_close((uv_handle_t*)&chan->poll, on_poll_close);
}
