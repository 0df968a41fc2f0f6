/* fuzz_framer: the Content-Length framer on arbitrary byte streams.
 *
 * Input: [mode byte] + stream. The stream is framed twice, whole and cut
 * into chunks (sizes from the mode byte), and both must give the same
 * messages and the same number of FRAMER_BAD events (for inputs of at most
 * 8,000 bytes, below the framer's 8 KiB header-block limit, where framing
 * cannot depend on chunking). Every body is at most max_len bytes, the bytes
 * buffered stay bounded (header limit + max_len + one chunk) whatever length
 * the peer claims, and every body re-framed with framer_encode comes back
 * unchanged from a fresh framer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "planls/buf.h"
#include "planls/framer.h"
#include "planls/util.h"

#define HEADER_LIMIT 8192 /* FRAMER_HEADER_MAX in src/framer.c */
#define CHUNK_INVARIANT_MAX 8000

typedef struct events {
    buf_t log;   /* bodies, each as [u32 len][bytes] */
    size_t n_msg, n_bad;
} events_t;

/* Drain the framer after a feed, checking the buffering bound. */
static void drain(framer_t *f, events_t *ev, size_t chunk)
{
    for (;;) {
        const char *body, *err = NULL;
        size_t len;
        framer_event_t e = framer_next(f, &body, &len, &err);
        if (e == FRAMER_NONE)
            break;
        if (e == FRAMER_BAD) {
            FZ_CHECK(err != NULL && strlen(err) < sizeof(f->err), "FRAMER_BAD without a message");
            ev->n_bad++;
            continue;
        }
        FZ_CHECK(e == FRAMER_MSG, "unknown framer event %d", (int)e);
        FZ_CHECK(len <= f->max_len, "body of %zu bytes above max_len %zu", len, f->max_len);
        FZ_CHECK(len == 0 || body != NULL, "body pointer NULL");
        uint32_t l32 = (uint32_t)len;
        buf_append(&ev->log, &l32, sizeof(l32));
        buf_append(&ev->log, body, len);
        ev->n_msg++;
    }
    size_t buffered = f->in.len - f->off;
    FZ_CHECK(buffered <= HEADER_LIMIT + f->max_len + chunk + 16,
             "%zu bytes buffered (max_len %zu, chunk %zu)", buffered, f->max_len, chunk);
}

static void frame_all(const char *s, size_t n, size_t max_len, const size_t *cuts, size_t n_cuts,
                      events_t *ev)
{
    framer_t f;
    framer_init(&f, max_len);
    size_t off = 0;
    for (size_t i = 0; off < n; i++) {
        size_t c = n_cuts ? cuts[i % n_cuts] : n;
        if (c > n - off)
            c = n - off;
        framer_feed(&f, s + off, c);
        off += c;
        drain(&f, ev, c);
    }
    framer_free(&f);
}

/* Each delivered body, re-encoded, frames back to itself. */
static void check_roundtrip(const events_t *ev, size_t max_len)
{
    size_t off = 0;
    while (off < ev->log.len) {
        uint32_t l32;
        memcpy(&l32, ev->log.data + off, sizeof(l32));
        const char *body = ev->log.data + off + sizeof(l32);
        off += sizeof(l32) + l32;
        buf_t wire = BUF_INIT;
        framer_encode(&wire, body, l32);
        framer_t f;
        framer_init(&f, max_len);
        framer_feed(&f, wire.data, wire.len);
        const char *got, *err = NULL;
        size_t len;
        framer_event_t e = framer_next(&f, &got, &len, &err);
        FZ_CHECK(e == FRAMER_MSG && len == l32 && memcmp(got, body, len) == 0,
                 "re-encoded body of %u bytes does not frame back", l32);
        FZ_CHECK(framer_next(&f, &got, &len, &err) == FRAMER_NONE, "extra event after a frame");
        framer_free(&f);
        buf_free(&wire);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader_t r = {data, size};
    uint8_t mode = fz_u8(&r);
    static const size_t max_lens[] = {16, 100, 4096, 64u << 20};
    size_t max_len = max_lens[mode & 3];
    const char *s = (const char *)r.p;
    size_t n = r.n;

    /* Chunk sizes: all ones, or a pseudo-random pattern from the mode. */
    size_t cuts[16];
    size_t n_cuts = 16;
    uint64_t st = mode;
    for (size_t i = 0; i < n_cuts; i++)
        cuts[i] = (mode & 4) ? 1 : 1 + fz_next(&st) % ((mode & 8) ? 7 : 300);

    events_t whole = {BUF_INIT, 0, 0}, chunked = {BUF_INIT, 0, 0};
    frame_all(s, n, max_len, NULL, 0, &whole);
    frame_all(s, n, max_len, cuts, n_cuts, &chunked);
    if (n <= CHUNK_INVARIANT_MAX) {
        FZ_CHECK(whole.n_msg == chunked.n_msg, "%zu messages whole, %zu chunked", whole.n_msg,
                 chunked.n_msg);
        FZ_CHECK(whole.log.len == chunked.log.len &&
                     (whole.log.len == 0 || !memcmp(whole.log.data, chunked.log.data, whole.log.len)),
                 "message bodies depend on chunking");
        FZ_CHECK(whole.n_bad == chunked.n_bad, "%zu bad events whole, %zu chunked", whole.n_bad,
                 chunked.n_bad);
    }
    check_roundtrip(&whole, max_len);
    buf_free(&whole.log);
    buf_free(&chunked.log);
    return 0;
}
