/* framer: splits a byte stream into LSP base-protocol messages
 * (`Content-Length` headers + body). Pure state machine: it never does I/O
 * and never allocates in proportion to a length the peer merely claims. */
#include "planls/framer.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "planls/util.h"

/* A header block (all lines up to the blank line) longer than this is
 * garbage: real clients send two short lines. Bounds memory on junk input. */
#define FRAMER_HEADER_MAX 8192
/* Above this capacity an emptied input buffer is released, so that one large
 * message does not pin its memory for the rest of the session. */
#define FRAMER_KEEP_CAP (1u << 20)

static const char CL_NAME[] = "content-length"; /* header name, lowercase */
static const char CL_MARK[] = "content-length:"; /* resynchronisation mark */
#define CL_NAME_LEN (sizeof(CL_NAME) - 1)
#define CL_MARK_LEN (sizeof(CL_MARK) - 1)

static char ascii_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of n bytes of p with a lowercase literal. */
static bool ieq_lit(const char *p, const char *lit, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (ascii_lower(p[i]) != lit[i])
            return false;
    return true;
}

/* RFC 7230 token characters: what a header name may consist of. */
static bool is_token_char(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static size_t avail(const framer_t *f)
{
    return f->in.len - f->off;
}

/* Start of the unconsumed input; only called when avail(f) > 0. */
static const char *front(const framer_t *f)
{
    return f->in.data + f->off;
}

void framer_init(framer_t *f, size_t max_len)
{
    memset(f, 0, sizeof(*f));
    f->in = (buf_t)BUF_INIT;
    f->max_len = max_len;
}

void framer_free(framer_t *f)
{
    buf_free(&f->in);
    size_t max_len = f->max_len;
    framer_init(f, max_len);
}

/* Forget the body handed out by the last FRAMER_MSG. */
static void drop_delivered(framer_t *f)
{
    if (!f->consumed_msg)
        return;
    f->off += f->body_len;
    f->consumed_msg = 0;
    f->in_body = 0;
    f->body_len = 0;
}

/* Move the unconsumed bytes to the front of the buffer (at most once per
 * feed/next round, so many small messages in one chunk stay linear). */
static void compact(framer_t *f)
{
    if (f->off == 0)
        return;
    if (f->off >= f->in.len) {
        if (f->in.cap > FRAMER_KEEP_CAP)
            buf_free(&f->in);
        else
            buf_clear(&f->in);
    } else {
        buf_consume(&f->in, f->off);
    }
    f->off = 0;
}

/* Discard what is buffered of an oversized body. */
static void skip_buffered(framer_t *f)
{
    size_t n = UTIL_MIN(f->skip, avail(f));
    f->off += n;
    f->skip -= n;
}

void framer_feed(framer_t *f, const char *data, size_t len)
{
    drop_delivered(f);
    skip_buffered(f);
    if (f->skip > 0) {
        /* Nothing is buffered while skipping: drop the bytes on arrival. */
        assert(avail(f) == 0);
        size_t n = UTIL_MIN(f->skip, len);
        f->skip -= n;
        data += n;
        len -= n;
    }
    compact(f);
    if (len > 0)
        buf_append(&f->in, data, len);
}

/* Resynchronisation after bad input: look for the next "Content-Length:"
 * (any case), wherever it starts. A body sent after a broken header usually
 * has no trailing newline, so the next header does not start a line, and
 * stray bytes before a header need not end with a newline either; the search
 * therefore does not insist on a line start. Returns true when found (the
 * input then starts at the mark); otherwise keeps only a tail that could be
 * the start of a mark split across chunks. */
static bool resync_scan(framer_t *f)
{
    size_t n = avail(f);
    if (n == 0)
        return false;
    const char *d = front(f);
    for (size_t i = 0; i + CL_MARK_LEN <= n; i++) {
        if (ascii_lower(d[i]) == 'c' && ieq_lit(d + i, CL_MARK, CL_MARK_LEN)) {
            f->off += i;
            f->resync = 0;
            return true;
        }
    }
    if (n >= CL_MARK_LEN)
        f->off += n - (CL_MARK_LEN - 1);
    return false;
}

/* Record a FRAMER_BAD: consume `consume` bytes and resynchronise. Callers
 * consume one byte past the start of the offending line (or block), so the
 * search can still find a header glued to garbage, yet never the same mark
 * twice. */
static framer_event_t bad(framer_t *f, size_t consume, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static framer_event_t bad(framer_t *f, size_t consume, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->err, sizeof(f->err), fmt, ap);
    va_end(ap);
    f->off += consume;
    f->resync = 1;
    return FRAMER_BAD;
}

/* Copy at most 32 bytes of s into out as printable ASCII, for messages. */
static void quote_value(char *out, size_t cap, const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && i < 32 && n + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[n] = '\0';
}

/* Parse a Content-Length value: decimal digits only (no sign, no spaces
 * inside), no overflow. */
static bool parse_length(const char *s, size_t len, size_t *out)
{
    if (len == 0)
        return false;
    size_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        size_t d = (size_t)(s[i] - '0');
        if (v > (SIZE_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

/* Parse the header block at the front of the input. Returns FRAMER_NONE
 * when it is incomplete, FRAMER_BAD after recording a problem, FRAMER_MSG
 * when the block was consumed and the body is now awaited (in_body set).
 * Nothing is consumed before the block is complete or found bad, so the
 * parse simply restarts from the block's start when more input arrives. */
static framer_event_t parse_headers(framer_t *f)
{
    size_t n = avail(f);
    if (n == 0)
        return FRAMER_NONE;
    const char *d = front(f);
    bool have_len = false;
    size_t clen = 0;
    size_t pos = 0;
    for (;;) {
        const char *nl = memchr(d + pos, '\n', n - pos);
        if (!nl) {
            if (n > FRAMER_HEADER_MAX)
                return bad(f, n - (CL_MARK_LEN - 1), /* n > 8 KiB: progress */
                           "header block larger than %d bytes without a blank line",
                           FRAMER_HEADER_MAX);
            return FRAMER_NONE;
        }
        size_t next = (size_t)(nl - d) + 1;
        if (next > FRAMER_HEADER_MAX)
            return bad(f, next, "header block larger than %d bytes", FRAMER_HEADER_MAX);
        size_t line_start = pos;
        const char *line = d + pos;
        size_t l = next - 1 - pos;
        if (l > 0 && line[l - 1] == '\r')
            l--;
        pos = next;
        if (l == 0) {
            /* The blank line ends the block. */
            if (!have_len)
                return bad(f, 1, "header block without Content-Length");
            f->off += next;
            if (clen > f->max_len) {
                snprintf(f->err, sizeof(f->err),
                         "Content-Length %zu exceeds the limit of %zu bytes; body discarded",
                         clen, f->max_len);
                f->skip = clen;
                skip_buffered(f);
                return FRAMER_BAD;
            }
            f->in_body = 1;
            f->body_len = clen;
            return FRAMER_MSG;
        }
        const char *colon = memchr(line, ':', l);
        size_t name_len = colon ? (size_t)(colon - line) : 0;
        bool is_header = name_len > 0;
        for (size_t i = 0; is_header && i < name_len; i++)
            is_header = is_token_char((unsigned char)line[i]);
        char shown[40];
        if (!is_header) {
            quote_value(shown, sizeof(shown), line, l);
            return bad(f, line_start + 1, "not a header line: '%s'", shown);
        }
        if (name_len != CL_NAME_LEN || !ieq_lit(line, CL_NAME, CL_NAME_LEN))
            continue; /* Content-Type and unknown headers are ignored */
        const char *v = colon + 1;
        size_t vlen = l - name_len - 1;
        while (vlen > 0 && (*v == ' ' || *v == '\t')) {
            v++;
            vlen--;
        }
        while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
            vlen--;
        if (have_len)
            return bad(f, line_start + 1, "duplicate Content-Length header");
        if (!parse_length(v, vlen, &clen)) {
            quote_value(shown, sizeof(shown), v, vlen);
            return bad(f, line_start + 1, "invalid Content-Length value '%s'", shown);
        }
        have_len = true;
    }
}

framer_event_t framer_next(framer_t *f, const char **body, size_t *len, const char **err)
{
    *body = NULL;
    *len = 0;
    drop_delivered(f);
    for (;;) {
        skip_buffered(f);
        if (f->skip > 0)
            break;
        if (f->resync && !resync_scan(f))
            break;
        if (f->in_body) {
            if (avail(f) < f->body_len)
                break;
            *body = front(f);
            *len = f->body_len;
            f->consumed_msg = 1;
            return FRAMER_MSG;
        }
        framer_event_t ev = parse_headers(f);
        if (ev == FRAMER_NONE)
            break;
        if (ev == FRAMER_BAD) {
            if (err)
                *err = f->err;
            return FRAMER_BAD;
        }
    }
    compact(f);
    return FRAMER_NONE;
}

void framer_encode(buf_t *out, const char *body, size_t len)
{
    buf_printf(out, "Content-Length: %zu\r\n\r\n", len);
    buf_append(out, body, len);
}
