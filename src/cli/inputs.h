/* Input sources as GNU parallel combines them: several ::: (every
 * combination), :::+ (linked to the source before), :::: FILE and -a FILE,
 * held in memory and read back job by job. */
#ifndef UVSUP_CLI_INPUTS_H
#define UVSUP_CLI_INPUTS_H

#include <stddef.h>
#include <stdio.h>

#include "args.h"

#define CLI_MAX_VALUE 131072 /* a stdin line: Linux's MAX_ARG_STRLEN */

typedef struct {
  char** values; /* of this source, in order */
  size_t count;
  int linked; /* :::+ / ::::+: paired with the source before, not crossed */
  int owned;  /* values were read from a file and are ours to free */
} cli_input_t;

typedef struct {
  cli_input_t* sources;
  size_t count; /* sources */
  size_t jobs;  /* how many jobs they make */
} cli_inputs_t;

/* Reads every source of a (FILE sources from their files, "-" from in;
 * one value per line, blank lines skipped, CRLF accepted). Returns 0, or
 * -1 with one message in err ("PATH:LINE: ...", "value 2 after ':::' is
 * empty"). */
int cli_inputs_load(const cli_args_t* a,
                    FILE* in,
                    cli_inputs_t* inputs,
                    char* err,
                    size_t errlen);

/* The values of job k (0 <= k < inputs->jobs), one per source, into out
 * (inputs->count pointers, valid until cli_inputs_free()). As parallel
 * orders them: the last source varies fastest; linked sources advance
 * together, as far as the shortest of them goes. */
void cli_inputs_tuple(const cli_inputs_t* inputs, size_t k, const char** out);

void cli_inputs_free(cli_inputs_t* inputs);

/* One line of a value source. */
typedef enum {
  CLI_VALUE_OK,
  CLI_VALUE_END,
  CLI_VALUE_TOO_LONG,
  CLI_VALUE_NUL
} cli_value_read_t;

/* Reads one line of in into buf (CLI_MAX_VALUE + 2 bytes) without its
 * newline or a CRLF's CR. A line over the limit is refused as soon as it
 * passes it, so a single huge line is never read whole. */
cli_value_read_t cli_value_read(FILE* in, char* buf, size_t* len);

#endif
