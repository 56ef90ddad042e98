/* Restart arithmetic: the delay before each restart (exponential, capped,
 * with jitter), forgiveness after a stable run, and the give-up limit
 * (OTP's intensity within a period). Pure: no libuv, no processes. */
#ifndef UVSUP_BACKOFF_H
#define UVSUP_BACKOFF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  uint64_t initial_ms; /* the delay before the first restart; never 0 */
  uint64_t max_ms;     /* the cap, before jitter */
  double factor;       /* growth per consecutive failure, >= 1 */
  double jitter;       /* +/- this fraction of the delay, in [0, 1) */
  uint64_t reset_ms;   /* a run this long forgives the failures before it */
  unsigned limit;      /* give up past this many restarts; 0: never */
  uint64_t period_ms;  /* ... within this window; 0: in a row, unforgiven */
} uvsup_backoff_policy_t;

/* One worker's restart history. */
typedef struct {
  unsigned failures; /* consecutive, since the last forgiving run */
  uint64_t* times;   /* with a period: when the last `limit` restarts were */
  unsigned count;    /* entries in times (at most limit) */
  unsigned head;     /* the oldest entry */
} uvsup_backoff_t;

/* A small, fast generator for jitter; its whole state is one integer, so a
 * seed makes every delay reproducible. */
uint64_t uvsup__backoff_random(uint64_t* state);

/* The delay before restart number k (k >= 1, counted from the last reset):
 * min(max, initial * factor^(k-1)), then +/- jitter. */
uint64_t uvsup__backoff_delay(const uvsup_backoff_policy_t* policy,
                              unsigned k,
                              uint64_t* rng);

/* A run that lasted ran_ms has ended: a run as long as the reset period
 * forgives the failures before it. */
void uvsup__backoff_run_ended(uvsup_backoff_t* b,
                              const uvsup_backoff_policy_t* policy,
                              uint64_t ran_ms);

/* A failure wants a restart at now_ms. Returns 1 when that restart would
 * pass the limit (give up; nothing is recorded), else records it and
 * returns 0 with *delay_ms set. Never allocates: the window is made by
 * uvsup__backoff_init(). */
int uvsup__backoff_failed(uvsup_backoff_t* b,
                          const uvsup_backoff_policy_t* policy,
                          uint64_t now_ms,
                          uint64_t* rng,
                          uint64_t* delay_ms);

/* Makes the window for policy. Returns 0 or -1 when out of memory. */
int uvsup__backoff_init(uvsup_backoff_t* b,
                        const uvsup_backoff_policy_t* policy);
/* Forgets every failure and restart (a restart or start asked for). */
void uvsup__backoff_clear(uvsup_backoff_t* b);
void uvsup__backoff_free(uvsup_backoff_t* b);

#endif
