/* A bound on what a user's regular expression costs to compile: see
 * regexbound.h. The walk follows POSIX ERE syntax only as far as the cost
 * needs: a bracket expression, an escaped character or any other character is
 * one atom, a group is the atoms inside it, and a repetition multiplies the
 * atom before it. Whether the pattern is valid is left to regcomp(). */
#include "regexbound.h"

#include <stdlib.h>

#include <uv.h>

#define CAP (UVSUP_READY_REGEX_MAX_ATOMS + 1) /* every count saturates here */

typedef struct {
  size_t total; /* atoms of the group so far, all its alternatives */
  size_t last;  /* atoms of the last atom, which a repetition copies */
} group_t;

static size_t cap(size_t n) {
  return n > CAP ? CAP : n;
}

/* Past a bracket expression; p is just after its '['. */
static const char* skip_bracket(const char* p) {
  if (*p == '^') {
    p++;
  }
  if (*p == ']') { /* a ']' first is a member, not the end */
    p++;
  }
  while (*p != '\0' && *p != ']') {
    if (*p == '[' && (p[1] == ':' || p[1] == '.' || p[1] == '=')) {
      char kind = p[1];
      p += 2;
      while (*p != '\0' && !(*p == kind && p[1] == ']')) {
        p++;
      }
      p += *p != '\0' ? 2 : 0;
    } else {
      p++;
    }
  }
  return *p == ']' ? p + 1 : p;
}

static size_t read_count(const char** p) {
  size_t n = 0;
  while (**p >= '0' && **p <= '9') {
    n = cap(n * 10 + (size_t)(**p - '0'));
    (*p)++;
  }
  return n;
}

/* How many copies "{n}", "{n,}", "{n,m}" or "{,m}" makes of its atom; p is
 * just after the '{', and moves past the '}'. 0 when it is no interval (a
 * literal '{' to regcomp, or an error it reports). */
static size_t read_interval(const char** p) {
  const char* q = *p;
  int has_min = *q >= '0' && *q <= '9';
  size_t min = read_count(&q);
  size_t max = min;
  int unbounded = 0;
  if (*q == ',') {
    q++;
    if (*q >= '0' && *q <= '9') {
      max = read_count(&q);
    } else if (has_min) {
      unbounded = 1; /* "x{n,}" is n copies and a starred one */
    } else {
      return 0;
    }
  } else if (!has_min) {
    return 0;
  }
  if (*q != '}') {
    return 0;
  }
  *p = q + 1;
  size_t copies = unbounded ? min + 1 : (max > min ? max : min);
  return copies > 0 ? cap(copies) : 1;
}

static void add_atom(group_t* g, size_t atoms) {
  g->total = cap(g->total + atoms);
  g->last = atoms;
}

/* The atom before now appears `copies` times. */
static void repeat_last(group_t* g, size_t copies) {
  g->total = cap(g->total + g->last * (copies - 1));
  g->last = cap(g->last * copies);
}

size_t uvsup__regex_atoms(const char* pattern) {
  size_t groups = 1;
  for (const char* p = pattern; *p != '\0'; p++) {
    groups += *p == '(';
  }
  group_t* stack = calloc(groups, sizeof(*stack));
  if (stack == NULL) {
    return CAP;
  }
  size_t depth = 0;
  int repeated = 0; /* the last token was a repetition */
  const char* p = pattern;
  while (*p != '\0') {
    group_t* g = &stack[depth];
    char c = *p++;
    int repetition = c == '*' || c == '?' || c == '+' ||
                     (c == '{' && read_interval(&(const char*){ p }) != 0);
    if (repetition && repeated) {
      /* Stacked repetitions ("x?+", "x++"): undefined in POSIX, and glibc
       * builds nested loops of them whose closure takes seconds ("&?" and
       * ten '+' took over 10 s under ASan). */
      free(stack);
      return CAP;
    }
    repeated = repetition;
    switch (c) {
    case '\\':
      p += *p != '\0';
      add_atom(g, 1);
      break;
    case '[':
      p = skip_bracket(p);
      add_atom(g, 1);
      break;
    case '(':
      stack[++depth] = (group_t){ 0, 0 };
      break;
    case ')':
      if (depth == 0) {
        add_atom(g, 1); /* unmatched: regcomp's to judge */
      } else {
        size_t inner = g->total > 0 ? g->total : 1;
        add_atom(&stack[--depth], inner);
      }
      break;
    case '|':
      g->last = 0;
      break;
    case '*':
    case '?':
      break; /* one copy, starred or optional */
    case '+':
      repeat_last(g, 2); /* "x+" is "xx*" */
      break;
    case '{': {
      size_t copies = read_interval(&p);
      if (copies == 0) {
        add_atom(g, 1);
      } else {
        repeat_last(g, copies);
      }
      break;
    }
    default:
      add_atom(g, 1);
      break;
    }
  }
  /* An unclosed group still costs what it holds. */
  size_t atoms = 0;
  for (size_t i = 0; i <= depth; i++) {
    atoms = cap(atoms + stack[i].total);
  }
  free(stack);
  return atoms;
}

int uvsup__regex_compile(regex_t* re, const char* pattern) {
  if (uvsup__regex_atoms(pattern) > UVSUP_READY_REGEX_MAX_ATOMS) {
    return UV_EINVAL;
  }
  int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
  if (rc == REG_ESPACE) {
    return UV_ENOMEM;
  }
  return rc == 0 ? 0 : UV_EINVAL;
}
