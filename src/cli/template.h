/* Argument templates: GNU parallel's replacement strings for ::: and stdin. */
#ifndef UVSUP_CLI_TEMPLATE_H
#define UVSUP_CLI_TEMPLATE_H

#include <stddef.h>

#include "buf.h"

/* What one job's replacement strings stand for. */
typedef struct {
  const char* const* values; /* one per input source, in order */
  size_t nvalues;
  unsigned long seq;  /* {#}: the job's number, from 1 */
  unsigned long slot; /* {%}: the job slot it runs in, from 1 */
} cli_subst_t;

/* Returns 1 when any of the argc strings holds a replacement string. */
int cli_template_has_placeholder(char* const* argv, size_t argc);

/* Returns a new NULL-terminated argv (free with cli_argv_free()) in which
 * every replacement string in each of argv[0..argc) is replaced by value:
 *   {}    the value
 *   {.}   the value without its extension ("a/b.txt" -> "a/b")
 *   {/}   its basename ("a/b.txt" -> "b.txt")
 *   {//}  its dirname ("a/b.txt" -> "a", "b" -> ".")
 *   {/.}  its basename without extension ("a/b.txt" -> "b")
 * When no argument holds one, value is appended as a last argument, as GNU
 * parallel does. Path details follow GNU parallel except that a name's leading
 * dots never start an extension ("dir/.hidden" keeps its name); see
 * template.c. Returns NULL when out of memory. */
char** cli_template_expand(char* const* argv, size_t argc, const char* value);

/* The same for a job of several input sources, with GNU parallel's other
 * replacement strings:
 *   {#} {%}            the job's number, its slot
 *   {N} {N.} {N/} {N//} {N/.}   input source N (from 1) as above; {-N}
 *                      counts from the last source; a source that does
 *                      not exist gives ""
 *   {} {.} ...         every source's value, a space between
 * Anything else in braces is literal text. In an argument that is the
 * script of a shell (cli_quote_is_script(): "sh -c SCRIPT"), each value
 * put in is shell-quoted as parallel quotes it, so it stays one word of
 * data; elsewhere it is put in as is: no shell reads it. When no argument
 * holds a replacement string, each value is appended as an argument of its
 * own. Returns NULL when out of memory. */
char** cli_template_expand_job(char* const* argv,
                               size_t argc,
                               const cli_subst_t* s);

/* The job as GNU parallel's command line (its joblog and --dry-run):
 * argv's words joined by spaces, every value put in shell-quoted
 * (cli_quote_shell()), the appended ones too. Appends to b; returns 0 or
 * -1 (out of memory). */
int cli_template_command(cli_buf_t* b,
                         char* const* argv,
                         size_t argc,
                         const cli_subst_t* s);

void cli_argv_free(char** argv);

#endif
