/* Input sources as GNU parallel combines them: several ::: (every
 * combination), :::+ (linked to the source before), :::: FILE and -a FILE,
 * held in memory and read back job by job; the first may be streamed. */
#ifndef UVSUP_CLI_INPUTS_H
#define UVSUP_CLI_INPUTS_H

#include <stddef.h>
#include <stdio.h>

#include "args.h"

#define CLI_MAX_VALUE 131072 /* a stdin line: Linux's MAX_ARG_STRLEN */

typedef struct {
  char** values; /* of this source, in order (a streamed one: from base) */
  size_t count;  /* in values */
  size_t base;   /* streamed: values before this one were dropped */
  size_t cap;
  int linked; /* :::+ / ::::+: paired with the source before, not crossed */
  int owned;  /* values were read from a file and are ours to free */
} cli_input_t;

typedef struct {
  cli_input_t* sources;
  size_t count; /* sources */
  size_t jobs;  /* how many jobs they make (streamed: known so far) */
  int streamed; /* source 0 is read as it comes (cli_inputs_push) */
} cli_inputs_t;

/* 1 when source 0 of a can be streamed: a file (or stdin) that no source
 * after it is linked to. It varies slowest, so each of its values makes
 * its jobs without waiting for the next. */
int cli_inputs_can_stream(const cli_args_t* a);

/* Reads every source of a (FILE sources from their files, "-" from in;
 * one value per line, blank lines skipped, CRLF accepted), but source 0
 * when stream is set (see cli_inputs_can_stream()): that one starts
 * empty and grows with cli_inputs_push(). Returns 0, or -1 with one
 * message in err ("PATH:LINE: ...", "value 2 after ':::' is empty"). */
int cli_inputs_load(const cli_args_t* a,
                    FILE* in,
                    int stream,
                    cli_inputs_t* inputs,
                    char* err,
                    size_t errlen);

/* Appends a value (copied) to the streamed source 0. Returns 0 or -1
 * (out of memory). */
int cli_inputs_push(cli_inputs_t* inputs, const char* value);

/* Drops the values of the streamed source that no job from k on uses:
 * memory follows the jobs still to come, not the input read. */
void cli_inputs_forget(cli_inputs_t* inputs, size_t k);

/* Checks one line of a value source the way every source is read: a
 * trailing CR dropped (*len shortened), NUL bytes and values of
 * CLI_MAX_VALUE bytes or more refused with "SHOWN:LINENO: ..." in err.
 * Returns 0 (an empty line, *len == 0, is skipped by the caller) or -1. */
int cli_value_check(const char* line,
                    size_t* len,
                    const char* shown,
                    unsigned long lineno,
                    char* err,
                    size_t errlen);

/* The values of job k (0 <= k < inputs->jobs, and not forgotten), one per
 * source, into out (inputs->count pointers, valid until
 * cli_inputs_forget() or cli_inputs_free()). As parallel
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
