/* buf: the one growable byte buffer of the project (amortised growth).
 * Appended data must not point into the buffer itself (growth may move it).
 * Contents are bytes plus a length; data is kept NUL-terminated for
 * convenience, but may itself contain NUL bytes. */
#ifndef PLANLS_BUF_H
#define PLANLS_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct buf {
    char *data; /* NULL until the first append */
    size_t len;
    size_t cap;
} buf_t;

#define BUF_INIT {NULL, 0, 0}

void buf_reserve(buf_t *b, size_t extra);
void buf_append(buf_t *b, const void *data, size_t len);
void buf_append_str(buf_t *b, const char *s);
void buf_append_char(buf_t *b, char c);
void buf_printf(buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(buf_t *b, const char *fmt, va_list ap);
/* Remove the first n bytes (n is clamped to len). */
void buf_consume(buf_t *b, size_t n);
/* Replace bytes [off, off+del) with data[0..len). off and del are clamped. */
void buf_splice(buf_t *b, size_t off, size_t del, const char *data, size_t len);
void buf_clear(buf_t *b);
/* Hand the bytes to the caller (caller frees; never NULL) and reset b. */
char *buf_detach(buf_t *b, size_t *len);
/* A NUL-terminated view; "" when empty. Valid until the next change. */
const char *buf_cstr(const buf_t *b);
void buf_free(buf_t *b);

#endif
