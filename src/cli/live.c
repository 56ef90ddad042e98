/* The live lines on stderr as workers end. Pure formatting. */
#include "live.h"

#include "duration.h"
#include "safe.h"
#include "summary.h"

int cli_live_wanted(cli_live_level_t level, const uvsup_result_t* r) {
  switch (level) {
  case CLI_LIVE_NONE:
    return 0;
  case CLI_LIVE_TROUBLE:
    /* A batch of 5 000 must not print 5 000 lines: only what needs an
     * eye. A stop was asked for, so it is no trouble. */
    return r->next != UVSUP_NEXT_NONE ||
           (!r->ok && r->end != UVSUP_END_STOPPED &&
            r->end != UVSUP_END_NOT_STARTED);
  case CLI_LIVE_ALL:
    return 1;
  }
  return 0;
}

void cli_live_exit_line(cli_buf_t* b,
                        const uvsup_result_t* r,
                        uint64_t since_first_ns) {
  char took[32];
  cli_put_safe(b, r->name != NULL ? r->name : "");
  cli_buf_puts(b, ": ");
  cli_result_describe(b, r);
  if (r->run > 0) {
    cli_buf_printf(b, " after %s",
                   cli_duration_format(took, sizeof(took), r->duration_ns));
  }
  switch (r->next) {
  case UVSUP_NEXT_RESTART:
    cli_buf_printf(
        b, "; restart %u in %s", r->run,
        cli_duration_format(took, sizeof(took), r->restart_in_ms * 1000000));
    break;
  case UVSUP_NEXT_GAVE_UP:
    cli_buf_printf(b, " (%u run%s in %s)", r->run, r->run == 1 ? "" : "s",
                   cli_duration_format(took, sizeof(took), since_first_ns));
    break;
  case UVSUP_NEXT_NONE:
    break;
  }
}
