/* Signal names and numbers, both ways, for the standard Linux signals. */
#include "signame.h"

#include <signal.h>
#include <stddef.h>
#include <strings.h>

#include "fail.h"

/* Built from the <signal.h> constants, not from literal numbers, because the
 * numbers differ between architectures (SIGUSR1 is 10 on x86 and ARM, 16 on
 * MIPS). The first entry for a number is its canonical name; the rest are
 * aliases that cli_signal_parse() also accepts. */
typedef struct {
  int signum;
  const char* name;
} signame_t;

static const signame_t signals[] = {
  { SIGHUP, "SIGHUP" },
  { SIGINT, "SIGINT" },
  { SIGQUIT, "SIGQUIT" },
  { SIGILL, "SIGILL" },
  { SIGTRAP, "SIGTRAP" },
  { SIGABRT, "SIGABRT" },
  { SIGBUS, "SIGBUS" },
  { SIGFPE, "SIGFPE" },
  { SIGKILL, "SIGKILL" },
  { SIGUSR1, "SIGUSR1" },
  { SIGSEGV, "SIGSEGV" },
  { SIGUSR2, "SIGUSR2" },
  { SIGPIPE, "SIGPIPE" },
  { SIGALRM, "SIGALRM" },
  { SIGTERM, "SIGTERM" },
#ifdef SIGSTKFLT
  { SIGSTKFLT, "SIGSTKFLT" },
#endif
  { SIGCHLD, "SIGCHLD" },
  { SIGCONT, "SIGCONT" },
  { SIGSTOP, "SIGSTOP" },
  { SIGTSTP, "SIGTSTP" },
  { SIGTTIN, "SIGTTIN" },
  { SIGTTOU, "SIGTTOU" },
  { SIGURG, "SIGURG" },
  { SIGXCPU, "SIGXCPU" },
  { SIGXFSZ, "SIGXFSZ" },
  { SIGVTALRM, "SIGVTALRM" },
  { SIGPROF, "SIGPROF" },
  { SIGWINCH, "SIGWINCH" },
#ifdef SIGIO
  { SIGIO, "SIGIO" },
#endif
#ifdef SIGPWR
  { SIGPWR, "SIGPWR" },
#endif
  { SIGSYS, "SIGSYS" },
  /* Aliases, after every canonical name so cli_signal_name() never picks
   * one. */
  { SIGABRT, "SIGIOT" },
#ifdef SIGPOLL
  { SIGPOLL, "SIGPOLL" },
#endif
#ifdef SIGCLD
  { SIGCLD, "SIGCLD" },
#endif
};

#define NSIGNALS (sizeof(signals) / sizeof(signals[0]))

/* The highest number cli_signal_parse() accepts: Linux's SIGRTMAX. A fixed
 * number rather than SIGRTMAX, which glibc computes at run time. */
#define MAX_SIGNUM 64

const char* cli_signal_name(int signum) {
  for (size_t i = 0; i < NSIGNALS; i++) {
    if (signals[i].signum == signum) {
      return signals[i].name;
    }
  }
  return NULL;
}

int cli_signal_parse(const char* s) {
  if (s == NULL || *s == '\0') {
    return -1;
  }
  if (*s >= '0' && *s <= '9') {
    /* Decimal only, no sign, no leading zero (is "010" 8 or 10?). */
    if (s[0] == '0') {
      return -1;
    }
    int n = 0;
    for (const char* p = s; *p != '\0'; p++) {
      if (*p < '0' || *p > '9') {
        return -1;
      }
      n = n * 10 + (*p - '0');
      if (n > MAX_SIGNUM) {
        return -1;
      }
    }
    return n;
  }
  /* With or without the prefix, in any case, as kill(1) takes them. */
  size_t skip = strncasecmp(s, "SIG", 3) == 0 ? 0 : 3;
  for (size_t i = 0; i < NSIGNALS; i++) {
    if (strcasecmp(s, signals[i].name + skip) == 0) {
      return signals[i].signum;
    }
  }
  return -1;
}

int cli_stop_signal_parse(const char* shown,
                          const char* value,
                          char* err,
                          size_t errlen) {
  int sig = cli_signal_parse(value);
  if (sig <= 0) {
    return cli_fail(err, errlen,
                    "%s '%s': not a signal name or number (e.g. TERM, INT, 15)",
                    shown, value);
  }
  if (sig == SIGSTOP || sig == SIGCONT) {
    return cli_fail(err, errlen, "%s '%s': %s cannot stop a worker", shown,
                    value, cli_signal_name(sig));
  }
  return sig;
}
