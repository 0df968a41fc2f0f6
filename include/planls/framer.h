/* framer: the LSP base protocol's `Content-Length` framing, as a pure state
 * machine (no I/O, no allocation proportional to a claimed length) so that it
 * can be unit-tested and fuzzed.
 *
 * Header names are case-insensitive; Content-Type is accepted and ignored;
 * unknown headers are ignored. A header block with no valid Content-Length,
 * or a line that is not a header, is reported as FRAMER_BAD and skipped: the
 * framer resynchronises on the next "Content-Length:" (case-insensitive), found
 * anywhere in the input: the body before a broken header usually has no
 * trailing newline.
 * A Content-Length above max_len is reported as FRAMER_BAD and its body is
 * discarded as it arrives, never buffered. */
#ifndef PLANLS_FRAMER_H
#define PLANLS_FRAMER_H

#include <stddef.h>

#include "planls/buf.h"

typedef enum framer_event {
    FRAMER_NONE = 0, /* need more input */
    FRAMER_MSG,      /* a complete body */
    FRAMER_BAD,      /* malformed input skipped; *err says what */
} framer_event_t;

typedef struct framer {
    buf_t in;         /* unconsumed input */
    size_t max_len;   /* largest body accepted */
    size_t body_len;  /* length of the body being awaited, when in_body */
    size_t skip;      /* bytes of an oversized body still to discard */
    int in_body;      /* headers parsed, waiting for body_len bytes */
    int consumed_msg; /* a FRAMER_MSG body is still at the front of `in` */
    size_t off;       /* bytes at the front of `in` already consumed */
    int resync;       /* after FRAMER_BAD: discarding up to "Content-Length:" */
    char err[128];
} framer_t;

void framer_init(framer_t *f, size_t max_len);
void framer_free(framer_t *f);
/* Append input bytes (copied). */
void framer_feed(framer_t *f, const char *data, size_t len);
/* The next event. For FRAMER_MSG, *body and *len point into the framer and stay
 * valid until the next call to framer_next or framer_feed. For FRAMER_BAD,
 * *err (if non-NULL) points at a message stored in the framer. */
framer_event_t framer_next(framer_t *f, const char **body, size_t *len, const char **err);

/* Frame a body: appends "Content-Length: N\r\n\r\n" + body to out. */
void framer_encode(buf_t *out, const char *body, size_t len);

#endif
