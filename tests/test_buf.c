/* Unit tests for buf: the growable byte buffer (append, printf, splice,
 * consume, detach), including NUL bytes inside the contents. */
#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"

static void expect_buf(const buf_t *b, const char *s, size_t n)
{
    cr_assert_eq(b->len, n, "len %zu, want %zu", b->len, n);
    cr_assert_not_null(b->data);
    cr_assert(memcmp(b->data, s, n) == 0, "contents differ: \"%.*s\"", (int)b->len, b->data);
    cr_assert_eq(b->data[n], '\0', "not NUL-terminated");
    cr_assert_gt(b->cap, b->len);
}
#define EXPECT_BUF(b, lit) expect_buf(b, lit, sizeof(lit) - 1)

Test(buf, init_and_empty)
{
    buf_t b = BUF_INIT;
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    cr_assert_str_eq(buf_cstr(&b), "");
    buf_clear(&b);
    cr_assert_null(b.data);
    buf_consume(&b, 5);
    cr_assert_eq(b.len, 0);
    buf_free(&b);
    cr_assert_null(b.data);
    buf_free(&b); /* twice is fine */
}

Test(buf, append)
{
    buf_t b = BUF_INIT;
    buf_append(&b, "abc", 3);
    EXPECT_BUF(&b, "abc");
    buf_append_str(&b, "de");
    buf_append_char(&b, 'f');
    EXPECT_BUF(&b, "abcdef");
    buf_append(&b, NULL, 0);
    EXPECT_BUF(&b, "abcdef");
    cr_assert_str_eq(buf_cstr(&b), "abcdef");
    buf_free(&b);

    /* appending nothing to an empty buffer still gives a terminated string */
    buf_append(&b, "", 0);
    EXPECT_BUF(&b, "");
    buf_free(&b);
}

Test(buf, growth)
{
    buf_t b = BUF_INIT;
    char expect[10000];
    for (size_t i = 0; i < sizeof(expect); i++) {
        char c = (char)('a' + i % 26);
        expect[i] = c;
        buf_append_char(&b, c);
        cr_assert_gt(b.cap, b.len);
    }
    expect_buf(&b, expect, sizeof(expect));
    buf_reserve(&b, 100000);
    cr_assert_geq(b.cap, 10000 + 100000 + 1);
    expect_buf(&b, expect, sizeof(expect));
    buf_free(&b);
}

Test(buf, nul_bytes_inside)
{
    buf_t b = BUF_INIT;
    buf_append(&b, "a\0b", 3);
    buf_append_char(&b, '\0');
    buf_append(&b, "\0c", 2);
    EXPECT_BUF(&b, "a\0b\0\0c");
    cr_assert_eq(strlen(buf_cstr(&b)), 1); /* the C-string view stops early */
    buf_splice(&b, 1, 1, "\0\0\0", 3);
    EXPECT_BUF(&b, "a\0\0\0b\0\0c");
    buf_consume(&b, 2);
    EXPECT_BUF(&b, "\0\0b\0\0c");
    size_t len = 99;
    char *p = buf_detach(&b, &len);
    cr_assert_eq(len, 6);
    cr_assert(memcmp(p, "\0\0b\0\0c", 7) == 0);
    free(p);
}

Test(buf, printf)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "%d-%s", 42, "x");
    EXPECT_BUF(&b, "42-x");
    buf_printf(&b, "%s", ""); /* empty output */
    EXPECT_BUF(&b, "42-x");
    buf_printf(&b, "|%05.1f|%c|%%", 3.14159, 'z');
    EXPECT_BUF(&b, "42-x|003.1|z|%");
    /* longer than the initial capacity: must grow, not truncate */
    char long_arg[300];
    memset(long_arg, 'L', sizeof(long_arg) - 1);
    long_arg[sizeof(long_arg) - 1] = '\0';
    buf_clear(&b);
    EXPECT_BUF(&b, "");
    buf_printf(&b, "<%s>", long_arg);
    cr_assert_eq(b.len, 301);
    cr_assert_eq(b.data[0], '<');
    cr_assert_eq(b.data[299], 'L');
    cr_assert_eq(b.data[300], '>');
    cr_assert_eq(b.data[301], '\0');
    buf_free(&b);

    /* printf of nothing into an empty buffer */
    buf_printf(&b, "%s", "");
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(buf_cstr(&b), "");
    buf_free(&b);
}

Test(buf, splice)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "hello world");
    buf_splice(&b, 0, 0, ">> ", 3);
    EXPECT_BUF(&b, ">> hello world");
    buf_splice(&b, 3, 5, "goodbye", 7);
    EXPECT_BUF(&b, ">> goodbye world");
    buf_splice(&b, 10, 6, NULL, 0);
    EXPECT_BUF(&b, ">> goodbye");
    buf_splice(&b, b.len, 0, "!", 1);
    EXPECT_BUF(&b, ">> goodbye!");
    buf_splice(&b, 3, 7, "hi", 2);
    EXPECT_BUF(&b, ">> hi!");
    /* off past the end is clamped to the end; del past the end to the rest */
    buf_splice(&b, 100, 3, "?", 1);
    EXPECT_BUF(&b, ">> hi!?");
    buf_splice(&b, 5, 100, ".", 1);
    EXPECT_BUF(&b, ">> hi.");
    buf_splice(&b, 0, (size_t)-1, NULL, 0);
    EXPECT_BUF(&b, "");
    buf_free(&b);

    /* splicing into an empty buffer */
    buf_splice(&b, 3, 2, "new", 3);
    EXPECT_BUF(&b, "new");
    buf_free(&b);
    buf_splice(&b, 0, 0, NULL, 0);
    cr_assert_eq(b.len, 0);
    cr_assert_str_eq(buf_cstr(&b), "");
    buf_free(&b);
}

Test(buf, splice_grows)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "[]");
    char big[500];
    memset(big, 'x', sizeof(big));
    buf_splice(&b, 1, 0, big, sizeof(big));
    cr_assert_eq(b.len, 502);
    cr_assert_eq(b.data[0], '[');
    cr_assert_eq(b.data[1], 'x');
    cr_assert_eq(b.data[500], 'x');
    cr_assert_eq(b.data[501], ']');
    cr_assert_eq(b.data[502], '\0');
    buf_free(&b);
}

Test(buf, consume)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "Content-Length: 5\r\n\r\nhello");
    buf_consume(&b, 21);
    EXPECT_BUF(&b, "hello");
    buf_consume(&b, 0);
    EXPECT_BUF(&b, "hello");
    buf_consume(&b, 2);
    EXPECT_BUF(&b, "llo");
    buf_consume(&b, 1000); /* clamped */
    EXPECT_BUF(&b, "");
    buf_append_str(&b, "again");
    EXPECT_BUF(&b, "again");
    buf_free(&b);
}

Test(buf, detach)
{
    buf_t b = BUF_INIT;
    size_t len = 77;
    char *p = buf_detach(&b, &len); /* empty: "" and never NULL */
    cr_assert_not_null(p);
    cr_assert_eq(len, 0);
    cr_assert_str_eq(p, "");
    free(p);

    buf_append_str(&b, "owned");
    p = buf_detach(&b, &len);
    cr_assert_eq(len, 5);
    cr_assert_str_eq(p, "owned");
    cr_assert_null(b.data);
    cr_assert_eq(b.len, 0);
    cr_assert_eq(b.cap, 0);
    free(p);

    /* the buffer is reusable after detaching; len may be NULL */
    buf_append_str(&b, "next");
    p = buf_detach(&b, NULL);
    cr_assert_str_eq(p, "next");
    free(p);
    buf_free(&b);
}

Test(buf, clear_keeps_capacity)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "some text");
    size_t cap = b.cap;
    buf_clear(&b);
    EXPECT_BUF(&b, "");
    cr_assert_eq(b.cap, cap);
    buf_free(&b);
}
