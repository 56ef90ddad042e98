/* Walking a text file's lines: "\n" or "\r\n" endings, a last line with
 * no ending. Shared by the Procfile and .env readers. */
#ifndef UVSUP_CLI_TEXTLINE_H
#define UVSUP_CLI_TEXTLINE_H

#include <string.h>

/* The line that starts at *p (p < end): returns where it ends, before its
 * "\n" or "\r\n", and moves *p past its ending to the next line. */
static inline const char* cli_text_line(const char** p, const char* end) {
  const char* start = *p;
  const char* nl = memchr(start, '\n', (size_t)(end - start));
  const char* eol = nl != NULL ? nl : end;
  *p = nl != NULL ? nl + 1 : end;
  if (eol > start && eol[-1] == '\r') {
    eol--;
  }
  return eol;
}

#endif
