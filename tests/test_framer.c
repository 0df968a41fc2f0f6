/* Tests for the Content-Length framer: exact messages and errors out of
 * well-formed, split, malformed, oversized and garbage input. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/framer.h"

#define MAX_EVENTS 64

typedef struct event {
    framer_event_t kind;
    char *body; /* MSG: a copy of the body; BAD: a copy of the error */
    size_t len;
} event_t;

typedef struct events {
    event_t ev[MAX_EVENTS];
    size_t n;
} events_t;

static void events_free(events_t *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->ev[i].body);
    e->n = 0;
}

static char *dup_bytes(const char *p, size_t len)
{
    char *s = malloc(len + 1);
    cr_assert_not_null(s);
    if (len)
        memcpy(s, p, len);
    s[len] = '\0';
    return s;
}

/* Pull every pending event out of the framer. */
static void drain(framer_t *f, events_t *e)
{
    for (;;) {
        const char *body = NULL, *err = NULL;
        size_t len = 0;
        framer_event_t k = framer_next(f, &body, &len, &err);
        if (k == FRAMER_NONE)
            return;
        cr_assert_lt(e->n, MAX_EVENTS);
        event_t *ev = &e->ev[e->n++];
        ev->kind = k;
        if (k == FRAMER_MSG) {
            ev->body = dup_bytes(body, len);
            ev->len = len;
        } else {
            cr_assert_not_null(err);
            ev->body = dup_bytes(err, strlen(err));
            ev->len = strlen(err);
        }
    }
}

static void feed_all(framer_t *f, events_t *e, const char *s, size_t len)
{
    framer_feed(f, s, len);
    drain(f, e);
}

static void run_whole(const char *s, size_t len, size_t max_len, events_t *e)
{
    framer_t f;
    framer_init(&f, max_len);
    feed_all(&f, e, s, len);
    framer_free(&f);
}

static void assert_msg(const events_t *e, size_t i, const char *body)
{
    cr_assert_lt(i, e->n, "event %zu missing (have %zu)", i, e->n);
    cr_assert_eq(e->ev[i].kind, FRAMER_MSG, "event %zu is not a message", i);
    cr_assert_eq(e->ev[i].len, strlen(body));
    cr_assert_str_eq(e->ev[i].body, body);
}

static void assert_bad(const events_t *e, size_t i, const char *err)
{
    cr_assert_lt(i, e->n, "event %zu missing (have %zu)", i, e->n);
    cr_assert_eq(e->ev[i].kind, FRAMER_BAD, "event %zu is not an error", i);
    cr_assert_str_eq(e->ev[i].body, err);
}

static void assert_same(const events_t *a, const events_t *b, const char *what)
{
    cr_assert_eq(a->n, b->n, "%s: %zu events instead of %zu", what, b->n, a->n);
    for (size_t i = 0; i < a->n; i++) {
        cr_assert_eq(a->ev[i].kind, b->ev[i].kind, "%s: event %zu", what, i);
        cr_assert_eq(a->ev[i].len, b->ev[i].len, "%s: event %zu", what, i);
        cr_assert_eq(memcmp(a->ev[i].body, b->ev[i].body, a->ev[i].len), 0, "%s: event %zu",
                     what, i);
    }
}

Test(framer, one_message)
{
    static const char in[] = "Content-Length: 17\r\n\r\n{\"jsonrpc\":\"2.0\"}";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 1);
    assert_msg(&e, 0, "{\"jsonrpc\":\"2.0\"}");
    events_free(&e);
}

Test(framer, incomplete_body_waits)
{
    framer_t f;
    framer_init(&f, 1024);
    events_t e = {0};
    feed_all(&f, &e, "Content-Length: 5\r\n\r\nab", 23);
    cr_assert_eq(e.n, 0);
    feed_all(&f, &e, "cde", 3);
    cr_assert_eq(e.n, 1);
    assert_msg(&e, 0, "abcde");
    events_free(&e);
    framer_free(&f);
}

Test(framer, many_messages_in_one_chunk)
{
    static const char in[] = "Content-Length: 3\r\n\r\none"
                             "Content-Length: 3\r\n\r\ntwo"
                             "Content-Length: 5\r\n\r\nthree";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 3);
    assert_msg(&e, 0, "one");
    assert_msg(&e, 1, "two");
    assert_msg(&e, 2, "three");
    events_free(&e);
}

/* A stream mixing every accepted form and several recoverable errors. */
static const char MIXED[] =
    "Content-Length: 7\r\n\r\n{\"a\":1}"
    "content-length: 2\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\nok"
    "garbage line\r\n"
    "CONTENT-LENGTH:4\r\n\r\nabcd"
    "Content-Length: 0\r\n\r\n"
    "Content-Length: x1\r\n\r\n{\"lost\":1}"
    "X-Unknown: yes\r\nContent-Length: 3\r\n\r\nend"
    "Content-Length: 3\n\nlf!";

static void check_mixed(const events_t *e)
{
    cr_assert_eq(e->n, 8);
    assert_msg(e, 0, "{\"a\":1}");
    assert_msg(e, 1, "ok");
    assert_bad(e, 2, "not a header line: 'garbage line'");
    assert_msg(e, 3, "abcd");
    assert_msg(e, 4, "");
    assert_bad(e, 5, "invalid Content-Length value 'x1'");
    assert_msg(e, 6, "end");
    assert_msg(e, 7, "lf!");
}

Test(framer, mixed_stream_whole)
{
    events_t e = {0};
    run_whole(MIXED, sizeof(MIXED) - 1, 1024, &e);
    check_mixed(&e);
    events_free(&e);
}

Test(framer, split_at_every_boundary)
{
    size_t len = sizeof(MIXED) - 1;
    events_t whole = {0};
    run_whole(MIXED, len, 1024, &whole);
    check_mixed(&whole);
    for (size_t k = 0; k <= len; k++) {
        framer_t f;
        framer_init(&f, 1024);
        events_t e = {0};
        feed_all(&f, &e, MIXED, k);
        feed_all(&f, &e, MIXED + k, len - k);
        char what[32];
        snprintf(what, sizeof(what), "split at %zu", k);
        assert_same(&whole, &e, what);
        events_free(&e);
        framer_free(&f);
    }
    events_free(&whole);
}

Test(framer, one_byte_at_a_time)
{
    size_t len = sizeof(MIXED) - 1;
    framer_t f;
    framer_init(&f, 1024);
    events_t e = {0};
    for (size_t i = 0; i < len; i++)
        feed_all(&f, &e, MIXED + i, 1);
    check_mixed(&e);
    events_free(&e);
    framer_free(&f);
}

Test(framer, header_names_any_case)
{
    static const char in[] = "content-length: 1\r\n\r\na"
                             "CONTENT-LENGTH: 1\r\n\r\nb"
                             "CoNtEnT-lEnGtH:1\r\n\r\nc"
                             "Content-Length: \t 1 \t\r\n\r\nd";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 4);
    assert_msg(&e, 0, "a");
    assert_msg(&e, 1, "b");
    assert_msg(&e, 2, "c");
    assert_msg(&e, 3, "d");
    events_free(&e);
}

Test(framer, content_type_and_unknown_headers)
{
    static const char in[] =
        "Content-Type: application/vscode-jsonrpc; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi"
        "Content-Length: 2\r\ncontent-type: x\r\nX-Whatever: 1\r\n\r\nyo";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 2);
    assert_msg(&e, 0, "hi");
    assert_msg(&e, 1, "yo");
    events_free(&e);
}

Test(framer, garbage_before_message)
{
    static const char in[] = "hello there\r\nmore junk\r\nContent-Length: 2\r\n\r\nhi";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 2);
    assert_bad(&e, 0, "not a header line: 'hello there'");
    assert_msg(&e, 1, "hi");
    events_free(&e);
}

Test(framer, garbage_glued_to_header)
{
    /* Stray bytes with no newline before the header: found by resync. */
    static const char in[] = "{junk} Content-Length: 2\r\n\r\nhi";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 2);
    assert_bad(&e, 0, "not a header line: '{junk} Content-Length: 2'");
    assert_msg(&e, 1, "hi");
    events_free(&e);
}

Test(framer, garbage_without_newline_stays_bounded)
{
    framer_t f;
    framer_init(&f, 1 << 20);
    events_t e = {0};
    char junk[1000];
    memset(junk, 'j', sizeof(junk));
    for (int i = 0; i < 100; i++) {
        feed_all(&f, &e, junk, sizeof(junk));
        cr_assert_leq(f.in.cap, 16384, "cap %zu", f.in.cap);
    }
    cr_assert_eq(e.n, 1);
    assert_bad(&e, 0, "header block larger than 8192 bytes without a blank line");
    feed_all(&f, &e, "Content-Length: 2\r\n\r\nhi", 23);
    cr_assert_eq(e.n, 2);
    assert_msg(&e, 1, "hi");
    events_free(&e);
    framer_free(&f);
}

static void check_bad_then_good(const char *bad_block, const char *expect_err)
{
    buf_t in = BUF_INIT;
    buf_append_str(&in, bad_block);
    buf_append_str(&in, "Content-Length: 4\r\n\r\ngood");
    events_t e = {0};
    run_whole(in.data, in.len, 1024, &e);
    cr_assert_eq(e.n, 2, "for %s", bad_block);
    assert_bad(&e, 0, expect_err);
    assert_msg(&e, 1, "good");
    events_free(&e);
    buf_free(&in);
}

Test(framer, malformed_header_then_good_message)
{
    check_bad_then_good("Content-Type: text/plain\r\n\r\n{\"no\":\"length\"}",
                        "header block without Content-Length");
    check_bad_then_good("Content-Length: ten\r\n\r\n0123456789",
                        "invalid Content-Length value 'ten'");
    check_bad_then_good("Content-Length: -5\r\n\r\n", "invalid Content-Length value '-5'");
    check_bad_then_good("Content-Length: +5\r\n\r\nabcde", "invalid Content-Length value '+5'");
    check_bad_then_good("Content-Length: 99999999999999999999999999\r\n\r\n{}",
                        "invalid Content-Length value '99999999999999999999999999'");
    check_bad_then_good("Content-Length: \r\n\r\n", "invalid Content-Length value ''");
    check_bad_then_good("Content-Length: 1 2\r\n\r\n{}", "invalid Content-Length value '1 2'");
    check_bad_then_good("Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
                        "duplicate Content-Length header");
    check_bad_then_good("\r\n", "header block without Content-Length");
    check_bad_then_good(": no name\r\n", "not a header line: ': no name'");
}

Test(framer, bad_value_is_sanitised_and_truncated)
{
    static const char in[] = "Content-Length: 1\x01\xff"
                             "456789012345678901234567890123456789\r\n\r\n";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 1);
    assert_bad(&e, 0, "invalid Content-Length value '1??45678901234567890123456789012'");
    events_free(&e);
}

Test(framer, oversized_body_discarded_without_buffering)
{
    const size_t max_len = 4096;
    const size_t huge = 10u * 1024 * 1024;
    framer_t f;
    framer_init(&f, max_len);
    events_t e = {0};
    char hdr[64];
    int hl = snprintf(hdr, sizeof(hdr), "Content-Length: %zu\r\n\r\n", huge);
    /* The header arrives with the first bytes of the body. */
    buf_t first = BUF_INIT;
    buf_append(&first, hdr, (size_t)hl);
    char chunk[65536];
    memset(chunk, '{', sizeof(chunk));
    buf_append(&first, chunk, 1000);
    feed_all(&f, &e, first.data, first.len);
    buf_free(&first);
    cr_assert_eq(e.n, 1);
    assert_bad(&e, 0, "Content-Length 10485760 exceeds the limit of 4096 bytes; body discarded");
    size_t left = huge - 1000;
    while (left > 0) {
        size_t n = left < sizeof(chunk) ? left : sizeof(chunk);
        feed_all(&f, &e, chunk, n);
        left -= n;
        /* Only the first chunk (header + 1000 bytes) was ever buffered. */
        cr_assert_leq(f.in.cap, 2048, "buffer grew to %zu", f.in.cap);
    }
    cr_assert_eq(e.n, 1);
    cr_assert_eq(f.skip, 0);
    feed_all(&f, &e, "Content-Length: 4\r\n\r\nnext", 25);
    cr_assert_eq(e.n, 2);
    assert_msg(&e, 1, "next");
    events_free(&e);
    framer_free(&f);
}

Test(framer, oversized_body_in_one_chunk_then_message)
{
    buf_t in = BUF_INIT;
    buf_append_str(&in, "Content-Length: 20\r\n\r\n01234567890123456789");
    buf_append_str(&in, "Content-Length: 10\r\n\r\n0123456789");
    events_t e = {0};
    run_whole(in.data, in.len, 10, &e);
    cr_assert_eq(e.n, 2);
    assert_bad(&e, 0, "Content-Length 20 exceeds the limit of 10 bytes; body discarded");
    assert_msg(&e, 1, "0123456789");
    events_free(&e);
    buf_free(&in);
}

Test(framer, header_block_too_large)
{
    buf_t in = BUF_INIT;
    buf_append_str(&in, "Content-Length: 2\r\n");
    for (int i = 0; i < 1000; i++)
        buf_append_str(&in, "X-Padding: 0123456789\r\n");
    buf_append_str(&in, "\r\nhi");
    buf_append_str(&in, "Content-Length: 3\r\n\r\nyes");
    events_t e = {0};
    run_whole(in.data, in.len, 1024, &e);
    cr_assert_eq(e.n, 2);
    assert_bad(&e, 0, "header block larger than 8192 bytes");
    assert_msg(&e, 1, "yes");
    events_free(&e);
    buf_free(&in);
}

Test(framer, empty_body)
{
    static const char in[] = "Content-Length: 0\r\n\r\nContent-Length: 0\r\n\r\n"
                             "Content-Length: 1\r\n\r\nx";
    events_t e = {0};
    run_whole(in, sizeof(in) - 1, 1024, &e);
    cr_assert_eq(e.n, 3);
    assert_msg(&e, 0, "");
    assert_msg(&e, 1, "");
    assert_msg(&e, 2, "x");
    events_free(&e);
}

Test(framer, body_with_nul_bytes)
{
    static const char in[] = "Content-Length: 5\r\n\r\na\0b\0c";
    framer_t f;
    framer_init(&f, 1024);
    framer_feed(&f, in, sizeof(in) - 1);
    const char *body = NULL, *err = NULL;
    size_t len = 0;
    cr_assert_eq(framer_next(&f, &body, &len, &err), FRAMER_MSG);
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(body, "a\0b\0c", 5), 0);
    cr_assert_eq(framer_next(&f, &body, &len, &err), FRAMER_NONE);
    cr_assert_null(body);
    cr_assert_eq(len, 0);
    framer_free(&f);
}

Test(framer, body_valid_until_next_call)
{
    framer_t f;
    framer_init(&f, 1024);
    static const char in[] = "Content-Length: 3\r\n\r\nabcContent-Length: 3\r\n\r\ndef";
    framer_feed(&f, in, sizeof(in) - 1);
    const char *body = NULL;
    size_t len = 0;
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_MSG);
    cr_assert_eq(memcmp(body, "abc", 3), 0);
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_MSG);
    cr_assert_eq(memcmp(body, "def", 3), 0);
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_NONE);
    cr_assert_eq(f.in.len, 0);
    framer_free(&f);
}

Test(framer, large_message_buffer_released)
{
    const size_t n = 3u * 1024 * 1024;
    framer_t f;
    framer_init(&f, 8u * 1024 * 1024);
    buf_t in = BUF_INIT;
    char *body = malloc(n);
    cr_assert_not_null(body);
    memset(body, 'z', n);
    framer_encode(&in, body, n);
    framer_feed(&f, in.data, in.len);
    const char *got = NULL;
    size_t len = 0;
    cr_assert_eq(framer_next(&f, &got, &len, NULL), FRAMER_MSG);
    cr_assert_eq(len, n);
    cr_assert_eq(memcmp(got, body, n), 0);
    cr_assert_eq(framer_next(&f, &got, &len, NULL), FRAMER_NONE);
    cr_assert_eq(f.in.cap, 0, "a drained large buffer is released");
    free(body);
    buf_free(&in);
    framer_free(&f);
}

Test(framer, encode_exact_bytes)
{
    buf_t out = BUF_INIT;
    framer_encode(&out, "{\"id\":1}", 8);
    static const char want[] = "Content-Length: 8\r\n\r\n{\"id\":1}";
    cr_assert_eq(out.len, sizeof(want) - 1);
    cr_assert_eq(memcmp(out.data, want, out.len), 0);
    framer_encode(&out, "", 0);
    static const char want2[] = "Content-Length: 8\r\n\r\n{\"id\":1}Content-Length: 0\r\n\r\n";
    cr_assert_eq(out.len, sizeof(want2) - 1);
    cr_assert_eq(memcmp(out.data, want2, out.len), 0);
    buf_free(&out);
}

Test(framer, encode_roundtrip)
{
    buf_t out = BUF_INIT;
    framer_encode(&out, "first", 5);
    framer_encode(&out, "x\0y", 3);
    framer_t f;
    framer_init(&f, 100);
    framer_feed(&f, out.data, out.len);
    const char *body = NULL;
    size_t len = 0;
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_MSG);
    cr_assert_eq(len, 5);
    cr_assert_eq(memcmp(body, "first", 5), 0);
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_MSG);
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(body, "x\0y", 3), 0);
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_NONE);
    framer_free(&f);
    buf_free(&out);
}

Test(framer, next_on_empty_framer)
{
    framer_t f;
    framer_init(&f, 10);
    const char *body = (const char *)1;
    size_t len = 7;
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_NONE);
    cr_assert_null(body);
    cr_assert_eq(len, 0);
    framer_feed(&f, NULL, 0);
    cr_assert_eq(framer_next(&f, &body, &len, NULL), FRAMER_NONE);
    framer_free(&f);
    framer_free(&f);
}
