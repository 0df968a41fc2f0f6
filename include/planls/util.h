/* util: allocation wrappers and small string helpers shared by every module.
 * Allocation failure aborts the process with a message (as git and redis do):
 * a language server cannot do anything useful without memory, and checking
 * every small allocation would bury the real error paths. */
#ifndef PLANLS_UTIL_H
#define PLANLS_UTIL_H

#include <stdbool.h>
#include <stddef.h>

#define UTIL_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define UTIL_MIN(a, b) ((a) < (b) ? (a) : (b))
#define UTIL_MAX(a, b) ((a) > (b) ? (a) : (b))

/* Never return NULL; abort on out-of-memory. Caller frees with free(). */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* printf into a fresh string; caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Grow *arr (element size elem) so that it holds at least need elements;
 * *cap is updated. Amortised doubling. */
void util_grow(void **arr, size_t *cap, size_t need, size_t elem);
#define UTIL_PUSH(arr, n, cap, value)                                        \
    do {                                                                     \
        util_grow((void **)&(arr), &(cap), (n) + 1, sizeof(*(arr)));         \
        (arr)[(n)++] = (value);                                              \
    } while (0)

/* ASCII case-insensitive comparisons (never locale-dependent). */
bool util_ieq(const char *a, const char *b);
bool util_ieqn(const char *a, const char *b, size_t n);
bool util_has_prefix(const char *s, const char *prefix);
bool util_has_suffix(const char *s, const char *suffix);

/* Read a whole file. Returns 0 and a malloc'd buffer (NUL-terminated, *len
 * excludes the NUL; caller frees) or a negative errno. Files larger than
 * max_len fail with -EFBIG without reading them. */
int util_read_file(const char *path, size_t max_len, char **data, size_t *len);

#endif
