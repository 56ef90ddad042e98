/* Compiling a user's extended regular expression without letting it take
 * the process's memory: glibc's regcomp() expands every repetition into
 * copies of the repeated subtree ("x+" is "xx*", "x{3}" is "xxx"), so
 * nested or stacked repetitions ("b++++...", "((a{99}){99}){99}") grow
 * exponentially and a 100-byte pattern can ask for gigabytes. */
#ifndef UVSUP_REGEXBOUND_H
#define UVSUP_REGEXBOUND_H

#include <regex.h>
#include <stddef.h>

#include "uvsup.h"

/* UVSUP_READY_REGEX_MAX_ATOMS (uvsup.h) bounds a pattern: far more than a
 * readiness line needs, and it compiles in about 1 ms and 1 MiB
 * ("x{4096}"). */

/* Counts the atoms pattern expands to, as regcomp() would copy them;
 * stops counting above UVSUP_READY_REGEX_MAX_ATOMS. A repetition right
 * after another ("x+?", "x*+") counts as past the bound. */
size_t uvsup__regex_atoms(const char* pattern);

/* regcomp(re, pattern, REG_EXTENDED | REG_NOSUB) for a pattern within
 * UVSUP_READY_REGEX_MAX_ATOMS. Returns 0, UV_EINVAL (too big, or regcomp
 * rejects it) or UV_ENOMEM. On 0 the caller owns re (regfree()). */
int uvsup__regex_compile(regex_t* re, const char* pattern);

#endif
