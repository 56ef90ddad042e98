/* Readiness strings ("fd:3", "notify", "log:REGEX", "tcp:HOST:PORT",
 * "exec:COMMAND", "exit") and sd_notify messages, parsed. Pure: no libuv
 * handles, no processes. */
#ifndef UVSUP_READYSPEC_H
#define UVSUP_READYSPEC_H

#include <stddef.h>

typedef enum {
  READY_NONE = 0, /* ready after the minimum uptime */
  READY_FD,
  READY_NOTIFY,
  READY_LOG,
  READY_TCP,
  READY_EXEC,
  READY_EXIT
} uvsup_ready_kind_t;

#define READY_FD_DEFAULT 3
#define READY_FD_MAX     255

typedef struct {
  uvsup_ready_kind_t kind;
  int fd;          /* READY_FD */
  const char* arg; /* READY_LOG: the regex; READY_EXEC: the command (into
                      the text parsed) */
  char host[48];   /* READY_TCP: a numeric address */
  int port;        /* READY_TCP */
} uvsup_ready_spec_t;

/* Parses text (NULL: READY_NONE). Returns 0 or UV_EINVAL. A log regex is
 * only checked for being non-empty here (regcomp is the caller's). */
int uvsup__ready_spec_parse(const char* text, uvsup_ready_spec_t* spec);

/* One sd_notify datagram: "KEY=VALUE" lines; unknown keys are ignored. */
typedef struct {
  int ready;          /* READY=1 */
  int stopping;       /* STOPPING=1 */
  int watchdog;       /* WATCHDOG=1 */
  int mainpid;        /* MAINPID=N (N > 0), else 0 */
  const char* status; /* STATUS=: into the message; NULL when absent */
  size_t status_len;
} uvsup_notify_msg_t;

/* Reads the datagram data[0..len); a line with a NUL byte is ignored.
 * The last of a repeated key wins. */
void uvsup__notify_parse(const char* data, size_t len, uvsup_notify_msg_t* m);

#endif
