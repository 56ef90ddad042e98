/* A message channel over a SOCK_SEQPACKET socket on a libuv loop, for the
 * spawn helper and its host: whole messages (split into packets when
 * large), descriptors passed with SCM_RIGHTS, a send queue so neither side
 * ever blocks. */
#ifndef UVSUP_CHANNEL_H
#define UVSUP_CHANNEL_H

#include <stddef.h>

#include <uv.h>

/* The most descriptors one message carries. */
#define UVSUP_CHAN_MAX_FDS 64

typedef struct uvsup_chan_s uvsup_chan_t;
typedef struct uvsup_chan_out_s uvsup_chan_out_t;

/* A whole message; fds are the receiver's to close. nfds is -1 when the
 * message's descriptors could not be received (EMFILE). */
typedef void (*uvsup_chan_msg_fn)(
    uvsup_chan_t* chan, const char* data, size_t len, const int* fds, int nfds);
/* The peer closed its end (0), or the socket failed (a libuv code). */
typedef void (*uvsup_chan_end_fn)(uvsup_chan_t* chan, int err);
typedef void (*uvsup_chan_closed_fn)(uvsup_chan_t* chan);

struct uvsup_chan_s {
  uv_poll_t poll;
  int fd;
  int open;                   /* initialised and not yet closing */
  int ended;                  /* the end was reported: nothing more is read */
  int paused;                 /* nothing is read until resumed */
  uvsup_chan_out_t* out_head; /* messages not yet sent in full */
  uvsup_chan_out_t* out_tail;
  char* in; /* the message being received */
  size_t in_len;
  size_t in_cap;
  int in_fds[UVSUP_CHAN_MAX_FDS];
  int in_nfds;
  int fds_lost; /* some of the message's descriptors were dropped */
  char* packet; /* one packet's buffer */
  uvsup_chan_msg_fn on_msg;
  uvsup_chan_end_fn on_end;
  uvsup_chan_closed_fn on_closed;
  void* data;
};

/* Takes fd (a connected SOCK_SEQPACKET socket) and starts reading.
 * Returns 0 or a libuv error (then fd is closed). */
int uvsup__chan_open(uvsup_chan_t* chan,
                     uv_loop_t* loop,
                     int fd,
                     uvsup_chan_msg_fn on_msg,
                     uvsup_chan_end_fn on_end);
/* Sends a message, now or once the socket takes it; fds are duplicated
 * (the caller keeps its own). Returns 0, or UV_ENOMEM / UV_EMFILE / a
 * socket error. */
int uvsup__chan_send(
    uvsup_chan_t* chan, const void* data, size_t len, const int* fds, int nfds);
/* Stops reading (paused 1) after the message being handled, or goes on
 * (0); what comes meanwhile waits in the socket. */
void uvsup__chan_pause(uvsup_chan_t* chan, int paused);
/* 1 while messages wait to be sent. */
int uvsup__chan_pending(const uvsup_chan_t* chan);
/* Closes the socket (unsent messages are dropped); on_closed follows. */
void uvsup__chan_close(uvsup_chan_t* chan, uvsup_chan_closed_fn on_closed);

#endif
