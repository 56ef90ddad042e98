/* The spawn helper's protocol: the messages between a host and its helper,
 * and their encoding. Both run on one machine from one build, so numbers
 * go in host order; every read is bounds-checked all the same. */
#ifndef UVSUP_PROTO_H
#define UVSUP_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* The first byte of every message. */
typedef enum {
  /* host -> helper */
  PROTO_SPAWN = 1, /* id, after, stop signal, grace, set user, uid, gid,
                      stdio slots, file, cwd, args, env; the slots'
                      descriptors ride along. after: 0, or the id of a
                      running spawn whose clean end (exit 0, group gone)
                      starts this one (asked ahead; see PROTO_GO) */
  PROTO_SIGNAL,    /* id, signal: to the process group (a spawn asked
                      ahead and not started: cancels it) */
  PROTO_QUERY,     /* id, fresh: does the group have a live member? */
  PROTO_FORGET,    /* id: the host is done with it */
  /* helper -> host */
  PROTO_SPAWNED, /* id, pid, error (UV_ECANCELED: asked ahead, cancelled),
                    the time of the spawn (uv_hrtime(); 0 on error) */
  PROTO_EXIT,    /* id, exit status, signal, group seen empty (then the
                    helper has forgotten it: no PROTO_FORGET), the time
                    of the reap (uv_hrtime()), whether a signal found
                    it not yet exited, the id and pid of the spawn
                    asked ahead that this end started (0: none; its
                    PROTO_SPAWNED follows) */
  PROTO_GROUP,   /* id, alive */
  /* host -> helper */
  PROTO_GO /* id, start: a spawn asked ahead and not started yet starts
              now (1) or is cancelled (0); else nothing */
} uvsup_proto_type_t;

/* A stdio slot that is /dev/null rather than a passed descriptor. */
#define PROTO_SLOT_IGNORE (-1)

/* A growing message being written. */
typedef struct {
  char* data;
  size_t len;
  size_t cap;
  int failed; /* out of memory: the message is void */
} uvsup_wbuf_t;

/* A message being read; failed once anything was out of bounds. */
typedef struct {
  const char* data;
  size_t len;
  size_t off;
  int failed;
} uvsup_rbuf_t;

void uvsup__wbuf_init(uvsup_wbuf_t* w);
void uvsup__wbuf_free(uvsup_wbuf_t* w);
void uvsup__put_u8(uvsup_wbuf_t* w, uint8_t v);
void uvsup__put_i32(uvsup_wbuf_t* w, int32_t v);
void uvsup__put_u64(uvsup_wbuf_t* w, uint64_t v);
/* A string, or NULL (told apart from ""). */
void uvsup__put_str(uvsup_wbuf_t* w, const char* s);
/* A NULL-ended array of strings, or NULL. */
void uvsup__put_strv(uvsup_wbuf_t* w, char* const* v);

void uvsup__rbuf_init(uvsup_rbuf_t* r, const char* data, size_t len);
uint8_t uvsup__get_u8(uvsup_rbuf_t* r);
int32_t uvsup__get_i32(uvsup_rbuf_t* r);
uint64_t uvsup__get_u64(uvsup_rbuf_t* r);
/* Points into the message (strings are sent with their '\0'). */
const char* uvsup__get_str(uvsup_rbuf_t* r);
/* A malloc'ed NULL-ended array pointing into the message; *is_null set
 * for a NULL array. NULL with r->failed on error. */
char** uvsup__get_strv(uvsup_rbuf_t* r, int* is_null);

#endif
