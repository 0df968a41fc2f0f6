/* util: allocation wrappers and small string helpers. Never used for document
 * text positions (that is text.c); never touches global state. */
#include "planls/util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void oom(size_t n)
{
    fprintf(stderr, "planls: out of memory allocating %zu bytes\n", n);
    abort();
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *xcalloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        oom(count * size);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *xstrdup(const char *s)
{
    return xstrndup(s, strlen(s));
}

char *xstrndup(const char *s, size_t n)
{
    char *p = xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        n = 0;
    char *p = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void util_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t ncap = *cap ? *cap : 8;
    while (ncap < need)
        ncap *= 2;
    *arr = xrealloc(*arr, ncap * elem);
    *cap = ncap;
}

/* ASCII-only lower case: tolower() follows the locale (e.g. a Latin-1 locale
 * folds 0xC0 to 0xE0), and these comparisons must not. */
static unsigned char ascii_lower(char c)
{
    unsigned char u = (unsigned char)c;
    return u >= 'A' && u <= 'Z' ? (unsigned char)(u - 'A' + 'a') : u;
}

bool util_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (ascii_lower(*a) != ascii_lower(*b))
            return false;
    return *a == *b;
}

bool util_ieqn(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
        if (!a[i])
            return true;
    }
    return true;
}

bool util_has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool util_has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && memcmp(s + ls - lx, suffix, lx) == 0;
}

int util_read_file(const char *path, size_t max_len, char **data, size_t *len)
{
    int err = 0;
    char *buf = NULL;
    /* O_NONBLOCK: a FIFO named like a document must not block us until
     * some writer appears; non-regular files are refused below anyway. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return -errno;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        err = -errno;
        goto fail;
    }
    if (!S_ISREG(st.st_mode)) {
        err = S_ISDIR(st.st_mode) ? -EISDIR : -EINVAL;
        goto fail;
    }
    if ((size_t)st.st_size > max_len) {
        err = -EFBIG;
        goto fail;
    }
    /* Room for the NUL and one byte more, so that the read that sees EOF
     * needs no growth. The file may grow while we read: grow then, but never
     * beyond max_len + 1 bytes of data (enough to know it is too large). */
    size_t limit = max_len > SIZE_MAX - 2 ? SIZE_MAX : max_len + 2;
    size_t cap = (size_t)st.st_size + 2, n = 0;
    buf = xmalloc(cap);
    for (;;) {
        if (n > max_len) {
            err = -EFBIG;
            goto fail;
        }
        if (n + 1 >= cap) {
            cap = cap > limit / 2 ? limit : cap * 2;
            buf = xrealloc(buf, cap);
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = -errno;
            goto fail;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = '\0'; /* n <= max_len: checked before every read */
    close(fd);
    *data = buf;
    *len = n;
    return 0;
fail:
    free(buf);
    close(fd);
    return err;
}
