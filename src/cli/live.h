/* The live lines on stderr as workers end: how a run ended, after how
 * long, and what comes next (a restart, giving up). Pure formatting and
 * the choice of what to say. */
#ifndef UVSUP_CLI_LIVE_H
#define UVSUP_CLI_LIVE_H

#include <stdint.h>
#include <uvsup.h>

#include "buf.h"

typedef enum {
  CLI_LIVE_NONE = 0, /* --quiet */
  CLI_LIVE_TROUBLE,  /* batches: failures and restarts only */
  CLI_LIVE_ALL       /* services (-f, -c): every end */
} cli_live_level_t;

/* Whether a run's end r is worth a line at level. */
int cli_live_wanted(cli_live_level_t level, const uvsup_result_t* r);

/* "web: exit 3 after 1.2s; restart 2 in 1s", "web: ok after 5ms",
 * "web: gave up (exit 1) after 4 runs in 2.1s"; the name escaped.
 * since_first_ns: from the worker's first start to now. */
void cli_live_exit_line(cli_buf_t* b,
                        const uvsup_result_t* r,
                        uint64_t since_first_ns);

#endif
