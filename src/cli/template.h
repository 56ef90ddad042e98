/* Argument templates: GNU parallel's replacement strings for ::: and stdin. */
#ifndef UVSUP_CLI_TEMPLATE_H
#define UVSUP_CLI_TEMPLATE_H

#include <stddef.h>

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

void cli_argv_free(char** argv);

#endif
