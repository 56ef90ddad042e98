/* Durations: parsing "500ms", "2s", "1.5", "1m", "1h" and formatting them. */
#ifndef UVSUP_CLI_DURATION_H
#define UVSUP_CLI_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* Parses s into milliseconds: a non-negative decimal number (digits, at most
 * one '.'), then an optional unit ms, s, m or h (no unit: seconds). No
 * spaces, signs, exponents, hex, inf or nan; a result that rounds to more
 * than about 100 years is rejected. Fractions of a millisecond are rounded to
 * the nearest (halves up). ".5" and "5." are accepted; units are lower case
 * only. Returns 0, or -1 for anything else (and *ms is left alone). */
int cli_duration_parse(const char* s, uint64_t* ms);

/* Writes a short human form of ns into out: "0ms", "850ms", "2.01s",
 * "59.99s", "1m05s", "2h03m". Rounded to the nearest unit shown (halves up);
 * 999.7 ms is "1.00s", not "1000ms". Truncated to fit outlen (nothing
 * written when it is 0). Returns out. */
char* cli_duration_format(char* out, size_t outlen, uint64_t ns);

#endif
