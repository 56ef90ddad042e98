/* UTF-8 well-formedness, shared by everything that prints or escapes names. */
#ifndef UVSUP_CLI_UTF8_H
#define UVSUP_CLI_UTF8_H

#include <stddef.h>

/* Length (1 to 4) of the well-formed UTF-8 sequence at p, or 0 when the
 * bytes there are not one: a stray continuation byte, a truncated sequence,
 * an overlong form (C0, C1, E0 80..9F, F0 80..8F), a UTF-16 surrogate
 * (ED A0..BF) or a code point over U+10FFFF. p is NUL-terminated; NUL is
 * not a continuation byte, so this never reads past the end. */
size_t cli_utf8_len(const unsigned char* p);

#endif
