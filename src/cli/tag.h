/* Tagged lines: "NAME | line", padded, optionally coloured and timestamped. */
#ifndef UVSUP_CLI_TAG_H
#define UVSUP_CLI_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

#define CLI_TAG_COLORS    6 /* distinct colours, assigned round-robin */
/* Columns of a name in a tag at most: one very long name must not pad
 * every line of every worker to its width. */
#define CLI_TAG_MAX_WIDTH 40

typedef struct {
  const char* name;  /* shown as cli_tag_put_name() shows it */
  size_t pad;        /* columns to pad the name to (the widest name as
                        shown); at most CLI_TAG_MAX_WIDTH is used */
  int color;         /* 0: none, else 1..CLI_TAG_COLORS */
  const char* stamp; /* "HH:MM:SS.mmm" or NULL for no timestamp */
} cli_tag_t;

/* Appends the part of a tagged line before the data, "NAME<pad> | " with
 * its colour, without the stamp: the same for every line of a worker, so
 * callers with many lines make it once. Returns 0 or -1 (ENOMEM). */
int cli_tag_prefix(cli_buf_t* b, const cli_tag_t* tag);

/* Appends one tagged line and a newline: [stamp ]NAME<pad> | data\n. With a
 * colour, the "NAME<pad> |" part is wrapped in that colour's ANSI escape and
 * a reset; the data is never altered. The name is padded by its width in
 * UTF-8 characters. data is one line without its newline (len 0 and data
 * NULL give "NAME | \n"); the stamp, when given, is left uncoloured.
 * color outside 0..CLI_TAG_COLORS is a programmer error (assert).
 * Returns 0 or -1 (ENOMEM, or b had already failed). */
int cli_tag_line(cli_buf_t* b,
                 const cli_tag_t* tag,
                 const char* data,
                 size_t len);

/* Width of name in columns: UTF-8 characters (invalid bytes count 1). */
size_t cli_tag_width(const char* name);

/* Appends name as a tag shows it: made safe for a terminal as
 * cli_put_safe() does (so a name cannot forge a line or move the cursor),
 * and, when wider than CLI_TAG_MAX_WIDTH columns, cut to that width with
 * "..." as its last three columns. Returns 0 or -1 (ENOMEM). */
int cli_tag_put_name(cli_buf_t* b, const char* name);

/* Width in columns of name as cli_tag_put_name() shows it: what callers
 * pad the other names to. */
size_t cli_tag_name_width(const char* name);

/* Writes "HH:MM:SS.mmm" (local time) for a CLOCK_REALTIME instant given in
 * ms since the epoch into out (at least 13 bytes). Returns out. The zone is
 * read from TZ once, by the first call or by tzset(): a caller that changes
 * TZ calls tzset(). An instant beyond what struct tm holds gives
 * "--:--:--.---". */
char* cli_tag_stamp(char* out, size_t outlen, uint64_t epoch_ms);

/* Whether to colour a destination: mode is "auto", "always" or "never"; with
 * auto, colour only when is_tty and no_color (the NO_COLOR variable, NULL
 * when unset) is NULL or empty, as https://no-color.org asks. */
typedef enum {
  CLI_COLOR_AUTO = 0,
  CLI_COLOR_ALWAYS,
  CLI_COLOR_NEVER
} cli_color_mode_t;
int cli_tag_use_color(cli_color_mode_t mode, int is_tty, const char* no_color);

#endif
