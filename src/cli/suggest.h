/* "Did you mean": the nearest of a list of words to a mistyped one. */
#ifndef UVSUP_CLI_SUGGEST_H
#define UVSUP_CLI_SUGGEST_H

#include <stddef.h>

/* The candidate nearest to word by edit distance (insertions, deletions,
 * substitutions, and two neighbours swapped, each 1), when it is near
 * enough to be what was meant: at most 1 edit for words up to 4 bytes,
 * 2 up to 8, else 3. NULL when none is. Ties go to the first. */
const char* cli_suggest(const char* word,
                        const char* const* candidates,
                        size_t n);

#endif
