/* buf: growable byte buffer. The only place that grows byte arrays by hand. */
#include "planls/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"

void buf_reserve(buf_t *b, size_t extra)
{
    if (extra > SIZE_MAX / 2 - b->len - 1) {
        fprintf(stderr, "planls: buffer size overflow\n");
        abort();
    }
    size_t need = b->len + extra + 1; /* room for the trailing NUL */
    if (need <= b->cap)
        return;
    size_t ncap = b->cap ? b->cap : 64;
    while (ncap < need)
        ncap = ncap * 2;
    b->data = xrealloc(b->data, ncap);
    b->cap = ncap;
    b->data[b->len] = '\0'; /* a reserved, still empty buffer is a string too */
}

void buf_append(buf_t *b, const void *data, size_t len)
{
    buf_reserve(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void buf_append_str(buf_t *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_append_char(buf_t *b, char c)
{
    buf_append(b, &c, 1);
}

void buf_vprintf(buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void buf_consume(buf_t *b, size_t n)
{
    buf_splice(b, 0, n, NULL, 0);
}

void buf_splice(buf_t *b, size_t off, size_t del, const char *data, size_t len)
{
    if (off > b->len)
        off = b->len;
    if (del > b->len - off)
        del = b->len - off;
    if (len > del)
        buf_reserve(b, len - del);
    if (!b->data)
        return; /* empty buffer, nothing inserted */
    memmove(b->data + off + len, b->data + off + del, b->len - off - del);
    if (len)
        memcpy(b->data + off, data, len);
    b->len = b->len - del + len;
    b->data[b->len] = '\0';
}

void buf_clear(buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_detach(buf_t *b, size_t *len)
{
    char *p = b->data ? b->data : xstrdup("");
    if (len)
        *len = b->len;
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

const char *buf_cstr(const buf_t *b)
{
    return b->data ? b->data : "";
}

void buf_free(buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
