/* The CLI's supervision options (--restart and friends): parsed and checked
 * here, pure, so args.c stays a table of options. */
#ifndef UVSUP_CLI_SUPERVISE_H
#define UVSUP_CLI_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>

typedef enum {
  CLI_RESTART_NO = 0,
  CLI_RESTART_ON_FAILURE,
  CLI_RESTART_ON_ABNORMAL,
  CLI_RESTART_ALWAYS
} cli_restart_t;

typedef enum {
  CLI_STRATEGY_ONE_FOR_ONE = 0,
  CLI_STRATEGY_ONE_FOR_ALL,
  CLI_STRATEGY_REST_FOR_ONE
} cli_strategy_t;

#define CLI_SUCCESS_MAX 256

typedef struct {
  cli_restart_t restart;
  uint64_t delay_ms;            /* first restart delay */
  uint64_t delay_max_ms;        /* cap */
  uint64_t reset_ms;            /* 0: twice the cap */
  unsigned limit;               /* give up past this many restarts; 0: never */
  uint64_t period_ms;           /* ... within this; 0: in a row */
  int success[CLI_SUCCESS_MAX]; /* exit codes that count as success */
  size_t nsuccess;
  cli_strategy_t strategy;
  int give_up_stop; /* --on-give-up stop */
  unsigned retries; /* --retries N, 0 when not given */
  /* Which were given, for the checks across options. */
  int restart_set, delay_set, delay_max_set, limit_set;
} cli_supervise_t;

/* The options this module takes, by their long names without "--". */
typedef enum {
  CLI_SUP_RESTART = 0,
  CLI_SUP_DELAY,
  CLI_SUP_DELAY_MAX,
  CLI_SUP_RESET,
  CLI_SUP_LIMIT,
  CLI_SUP_SUCCESS,
  CLI_SUP_STRATEGY,
  CLI_SUP_ON_GIVE_UP,
  CLI_SUP_RETRIES
} cli_supervise_option_t;

/* Fills s with the defaults: no restart, 500ms doubling to 30s. */
void cli_supervise_init(cli_supervise_t* s);

/* Applies option id with value (shown names the option as the user wrote
 * it). Returns 0, or -1 with one message in err. */
int cli_supervise_option(cli_supervise_t* s,
                         cli_supervise_option_t id,
                         const char* shown,
                         const char* value,
                         char* err,
                         size_t errlen);

/* Once every option is read: the checks across options, and --retries
 * turned into a policy. Returns 0, or -1 with one message in err. */
int cli_supervise_finish(cli_supervise_t* s, char* err, size_t errlen);

#endif
