/* Restart arithmetic: exponential delays with a cap and jitter, forgiveness
 * after a stable run, and the give-up limit. Pure: tested without
 * processes. */
#include "backoff.h"

#include <stdlib.h>
#include <string.h>

uint64_t uvsup__backoff_random(uint64_t* state) {
  /* splitmix64: every seed, 0 included, gives a full-period sequence. */
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t uvsup__backoff_delay(const uvsup_backoff_policy_t* p,
                              unsigned k,
                              uint64_t* rng) {
  /* Grown step by step and capped as soon as it passes max: no overflow,
   * however many failures in a row. */
  double delay = (double)p->initial_ms;
  for (unsigned i = 1; i < k && delay < (double)p->max_ms; i++) {
    delay *= p->factor;
  }
  if (delay > (double)p->max_ms) {
    delay = (double)p->max_ms;
  }
  /* After the cap, so workers that all reached it still spread out. */
  if (p->jitter > 0) {
    double u = (double)(uvsup__backoff_random(rng) >> 11) / 9007199254740992.0;
    delay *= 1.0 + p->jitter * (2.0 * u - 1.0);
  }
  uint64_t ms = (uint64_t)(delay + 0.5);
  return ms > 0 ? ms : 1; /* a restart is never immediate */
}

void uvsup__backoff_run_ended(uvsup_backoff_t* b,
                              const uvsup_backoff_policy_t* p,
                              uint64_t ran_ms) {
  if (ran_ms >= p->reset_ms) {
    b->failures = 0;
  }
}

/* With a period: forgets the restarts that fell out of the window. */
static void expire(uvsup_backoff_t* b,
                   const uvsup_backoff_policy_t* p,
                   uint64_t now) {
  while (b->count > 0 && now - b->times[b->head] >= p->period_ms) {
    b->head = (b->head + 1) % p->limit;
    b->count--;
  }
}

int uvsup__backoff_failed(uvsup_backoff_t* b,
                          const uvsup_backoff_policy_t* p,
                          uint64_t now,
                          uint64_t* rng,
                          uint64_t* delay_ms) {
  if (p->limit > 0 && p->period_ms == 0 && b->failures >= p->limit) {
    return 1; /* the limit of restarts in a row is spent */
  }
  if (p->limit > 0 && p->period_ms > 0) {
    expire(b, p, now);
    if (b->count >= p->limit) {
      return 1; /* one more would be more than limit within the period */
    }
    b->times[(b->head + b->count) % p->limit] = now;
    b->count++;
  }
  b->failures++;
  *delay_ms = uvsup__backoff_delay(p, b->failures, rng);
  return 0;
}

int uvsup__backoff_init(uvsup_backoff_t* b, const uvsup_backoff_policy_t* p) {
  memset(b, 0, sizeof(*b));
  if (p->limit > 0 && p->period_ms > 0) {
    b->times = calloc(p->limit, sizeof(*b->times));
    if (b->times == NULL) {
      return -1;
    }
  }
  return 0;
}

void uvsup__backoff_clear(uvsup_backoff_t* b) {
  b->failures = 0;
  b->count = 0;
  b->head = 0;
}

void uvsup__backoff_free(uvsup_backoff_t* b) {
  free(b->times);
  b->times = NULL;
}
