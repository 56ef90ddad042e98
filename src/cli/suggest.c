/* "Did you mean": optimal string alignment distance (Levenshtein with
 * adjacent swaps), small words only, so a plain table does. */
#include "suggest.h"

#include <string.h>

#define MAX_WORD 64

static size_t min3(size_t a, size_t b, size_t c) {
  size_t m = a < b ? a : b;
  return m < c ? m : c;
}

static size_t distance(const char* a, const char* b) {
  size_t la = strlen(a), lb = strlen(b);
  if (la >= MAX_WORD || lb >= MAX_WORD) {
    return (size_t)-1;
  }
  size_t d[MAX_WORD + 1][MAX_WORD + 1];
  for (size_t i = 0; i <= la; i++) {
    d[i][0] = i;
  }
  for (size_t j = 0; j <= lb; j++) {
    d[0][j] = j;
  }
  for (size_t i = 1; i <= la; i++) {
    for (size_t j = 1; j <= lb; j++) {
      size_t cost = a[i - 1] != b[j - 1];
      d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
          d[i - 2][j - 2] + 1 < d[i][j]) {
        d[i][j] = d[i - 2][j - 2] + 1;
      }
    }
  }
  return d[la][lb];
}

const char* cli_suggest(const char* word,
                        const char* const* candidates,
                        size_t n) {
  size_t len = strlen(word);
  size_t limit = len <= 4 ? 1 : len <= 8 ? 2 : 3;
  const char* best = NULL;
  size_t best_d = limit + 1;
  for (size_t i = 0; i < n; i++) {
    size_t d = distance(word, candidates[i]);
    if (d < best_d) {
      best = candidates[i];
      best_d = d;
    }
  }
  return best;
}
