/* Progress on stderr as GNU parallel draws it: --bar and --eta lines,
 * computed from counts and times only (pure). */
#ifndef UVSUP_CLI_PROGRESS_H
#define UVSUP_CLI_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* What the progress shows, at one moment. */
typedef struct {
  size_t total;     /* jobs known (a streamed source: so far) */
  size_t completed; /* ended for good */
  size_t running;
  uint64_t now_ms;  /* since uvsup started */
  const char* arg;  /* the newest job's values ("" for none) */
  unsigned columns; /* of the terminal */
} cli_progress_state_t;

/* parallel's smoothed ETA, kept from one drawing to the next. */
typedef struct {
  uint64_t first_completed_ms; /* when a completion was first seen */
  int seen;
  double smoothed; /* average seconds per job, smoothed */
  long last_eta;
} cli_progress_t;

/* The ETA as parallel's compute_eta(): seconds left, and the average
 * seconds per job in *avg. */
long cli_progress_eta(cli_progress_t* p,
                      const cli_progress_state_t* s,
                      double* avg);

/* "\rETA: 12s Left: 5 AVG: 0.50s  local:2/10/100%/0.5s ": parallel's
 * --eta status line, redrawn in place. */
void cli_progress_eta_line(cli_progress_t* p,
                           const cli_progress_state_t* s,
                           cli_buf_t* b);

/* parallel's --bar, byte for byte: "\r" and a zenity line ("#   ETA sec ARG"),
 * the percentage, then "PCT% DONE:LEFT=ETA ARG" padded to the terminal's width
 * in reverse video up to the share done, each after a "\r". */
void cli_progress_bar_line(cli_progress_t* p,
                           const cli_progress_state_t* s,
                           cli_buf_t* b);

/* parallel's seconds_to_time_units: "5s", "2m05s", "1h02m05s",
 * "3d01h02m05s". */
void cli_progress_time_units(cli_buf_t* b, long seconds);

#endif
