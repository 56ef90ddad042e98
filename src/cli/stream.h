/* Reading a value source line by line on the loop as it arrives (standard
 * input or a :::: / -a file): a pipe, a terminal or a file, never a read
 * that blocks the loop. */
#ifndef UVSUP_CLI_STREAM_H
#define UVSUP_CLI_STREAM_H

#include <stddef.h>

#include <uv.h>

typedef struct cli_stream_s cli_stream_t;

/* One line without its newline; a line longer than max comes as its first
 * max + 1 bytes (so the taker can refuse it) and the stream then stops.
 * Returns 0 to go on, -1 to stop (no more callbacks but closed). */
typedef int (*cli_stream_line_cb)(void* data, const char* line, size_t len);
/* The end: 0 at end of file (a last line without a newline came first),
 * else a negative libuv error. Not called after cli_stream_close(). */
typedef void (*cli_stream_end_cb)(void* data, int status);
/* Every handle of the stream has closed; it may be freed. */
typedef void (*cli_stream_closed_cb)(void* data);

/* Starts reading path ("-": descriptor 0) on loop. A FIFO path is opened
 * here, which waits for its writer as GNU parallel does. Returns 0, or
 * -1 with a message in err (nothing to close then). */
int cli_stream_open(cli_stream_t** s,
                    uv_loop_t* loop,
                    const char* path,
                    size_t max,
                    cli_stream_line_cb on_line,
                    cli_stream_end_cb on_end,
                    void* data,
                    char* err,
                    size_t errlen);

/* Stops asking for more (read-ahead is full) and starts again. */
void cli_stream_pause(cli_stream_t* s);
void cli_stream_resume(cli_stream_t* s);

/* Stops reading and closes; closed_cb (may be NULL) follows from the
 * loop, after which the stream is freed. Safe to call twice. */
void cli_stream_close(cli_stream_t* s, cli_stream_closed_cb closed_cb);

#endif
