/* A growable byte buffer for building output (summaries, JSON, messages). */
#ifndef UVSUP_CLI_BUF_H
#define UVSUP_CLI_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct {
  char* data; /* always NUL-terminated when not NULL */
  size_t len;
  size_t cap;
  int failed; /* set once an allocation failed; later appends do nothing */
} cli_buf_t;

void cli_buf_init(cli_buf_t* b);
void cli_buf_free(cli_buf_t* b);
/* Each returns 0, or -1 when out of memory (and sets b->failed). */
int cli_buf_append(cli_buf_t* b, const void* p, size_t n);
int cli_buf_puts(cli_buf_t* b, const char* s);
int cli_buf_putc(cli_buf_t* b, char c);
int cli_buf_printf(cli_buf_t* b, const char* fmt, ...)
    __attribute__((format(printf, 2, 3)));
int cli_buf_vprintf(cli_buf_t* b, const char* fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Writes the n bytes at p to fd whole, again after EINTR. Returns 0, or -1
 * with errno set (a write of nothing counts as a failure, so a full disk
 * cannot loop). */
int cli_write_all(int fd, const char* p, size_t n);

#endif
