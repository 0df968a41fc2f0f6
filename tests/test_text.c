/* Unit tests for text: line index, UTF-8/16/32 position conversions, clamping,
 * incremental edits (checked against a naive reference), the conversion
 * cache (any order, interleaved encodings, edits in between), UTF-8 decoding. */
#include <criterion/criterion.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/text.h"
#include "planls/util.h"

#define EMOJI "\xf0\x9f\x98\x80"      /* U+1F600: 4 bytes, 2 UTF-16, 1 UTF-32 */
#define ZHONG "\xe4\xb8\xad"          /* U+4E2D 中 */
#define WEN "\xe6\x96\x87"            /* U+6587 文 */
#define ACUTE "\xcc\x81"              /* U+0301 combining acute accent */

static const text_enc_t all_encs[] = {TEXT_ENC_UTF8, TEXT_ENC_UTF16, TEXT_ENC_UTF32};

static text_pos_t pos(uint32_t line, uint32_t ch)
{
    text_pos_t p = {line, ch};
    return p;
}

static text_range_t range(uint32_t l1, uint32_t c1, uint32_t l2, uint32_t c2)
{
    text_range_t r = {{l1, c1}, {l2, c2}};
    return r;
}

static text_doc_t *doc_lit(const char *s, size_t n)
{
    return text_doc_new(s, n);
}
#define DOC(lit) doc_lit(lit, sizeof(lit) - 1)

static void expect_text(const text_doc_t *doc, const char *s, size_t n)
{
    cr_assert_eq(doc->len, n, "len %zu, want %zu", doc->len, n);
    cr_assert(memcmp(doc->data, s, n) == 0, "text differs: \"%.*s\"", (int)doc->len, doc->data);
    cr_assert_eq(doc->data[n], '\0');
}
#define EXPECT_TEXT(doc, lit) expect_text(doc, lit, sizeof(lit) - 1)

static void expect_lines(const text_doc_t *doc, const uint32_t *want, size_t n)
{
    cr_assert_eq(doc->n_lines, n, "n_lines %zu, want %zu", doc->n_lines, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(doc->lines[i], want[i], "lines[%zu] = %u, want %u", i, doc->lines[i], want[i]);
}
#define EXPECT_LINES(doc, ...)                                                 \
    do {                                                                       \
        const uint32_t want_[] = {__VA_ARGS__};                                \
        expect_lines(doc, want_, UTIL_ARRAY_LEN(want_));                       \
    } while (0)

static void expect_pos(const text_doc_t *doc, size_t off, text_enc_t enc, uint32_t line, uint32_t ch)
{
    text_pos_t p = text_pos_at(doc, off, enc);
    cr_assert(p.line == line && p.character == ch, "%s: offset %zu -> (%u,%u), want (%u,%u)",
              text_enc_name(enc), off, p.line, p.character, line, ch);
}

static void expect_off(const text_doc_t *doc, uint32_t line, uint32_t ch, text_enc_t enc, size_t want)
{
    size_t off = text_offset_at(doc, pos(line, ch), enc);
    cr_assert_eq(off, want, "%s: (%u,%u) -> %zu, want %zu", text_enc_name(enc), line, ch, off, want);
}

static void apply(text_doc_t *doc, text_range_t r, const char *s, size_t n, text_enc_t enc,
                  size_t want_start, size_t want_end)
{
    size_t so = 12345, eo = 12345;
    text_doc_apply(doc, r, s, n, enc, &so, &eo);
    cr_assert_eq(so, want_start, "start_off %zu, want %zu", so, want_start);
    cr_assert_eq(eo, want_end, "end_off %zu, want %zu", eo, want_end);
}
#define APPLY(doc, r, lit, enc, s, e) apply(doc, r, lit, sizeof(lit) - 1, enc, s, e)

/* ---- UTF-8 decoding and units ---------------------------------------- */

static void expect_decode(const char *s, size_t n, size_t want_len, uint32_t want_cp)
{
    uint32_t cp = 0;
    size_t l = text_utf8_decode(s, n, &cp);
    cr_assert_eq(l, want_len, "decode len %zu, want %zu (first byte %02x)", l, want_len,
                 (unsigned char)s[0]);
    cr_assert_eq(cp, want_cp, "decode cp U+%04X, want U+%04X", cp, want_cp);
}
#define DECODE(lit, len, cp) expect_decode(lit, sizeof(lit) - 1, len, cp)

Test(text_utf8, decode_valid)
{
    DECODE("A", 1, 0x41);
    DECODE("\0", 1, 0);
    DECODE("\x7f", 1, 0x7F);
    DECODE("\xc2\x80", 2, 0x80);
    DECODE("\xc3\xa9", 2, 0xE9);
    DECODE("\xdf\xbf", 2, 0x7FF);
    DECODE("\xe0\xa0\x80", 3, 0x800);
    DECODE("\xe2\x82\xac", 3, 0x20AC);
    DECODE(ZHONG, 3, 0x4E2D);
    DECODE("\xed\x9f\xbf", 3, 0xD7FF);
    DECODE("\xee\x80\x80", 3, 0xE000);
    DECODE("\xef\xbf\xbd", 3, 0xFFFD);
    DECODE("\xef\xbf\xbf", 3, 0xFFFF);
    DECODE("\xf0\x90\x80\x80", 4, 0x10000);
    DECODE(EMOJI, 4, 0x1F600);
    DECODE("\xf4\x8f\xbf\xbf", 4, 0x10FFFF);
    DECODE("ab", 1, 0x61); /* only the first code point */
    DECODE(EMOJI "x", 4, 0x1F600);
}

Test(text_utf8, decode_invalid)
{
    /* overlongs */
    DECODE("\xc0\x80", 1, 0xFFFD);
    DECODE("\xc1\xbf", 1, 0xFFFD);
    DECODE("\xe0\x80\x80", 1, 0xFFFD);
    DECODE("\xe0\x9f\xbf", 1, 0xFFFD);
    DECODE("\xf0\x80\x80\x80", 1, 0xFFFD);
    DECODE("\xf0\x8f\xbf\xbf", 1, 0xFFFD);
    /* surrogates */
    DECODE("\xed\xa0\x80", 1, 0xFFFD);
    DECODE("\xed\xbf\xbf", 1, 0xFFFD);
    /* above U+10FFFF, and bytes that never start a sequence */
    DECODE("\xf4\x90\x80\x80", 1, 0xFFFD);
    DECODE("\xf5\x80\x80\x80", 1, 0xFFFD);
    DECODE("\xf8\x88\x80\x80\x80", 1, 0xFFFD);
    DECODE("\xfe", 1, 0xFFFD);
    DECODE("\xff", 1, 0xFFFD);
    DECODE("\x80", 1, 0xFFFD);
    DECODE("\xbf\xbf", 1, 0xFFFD);
    /* truncated: by the end of the bytes or by a non-continuation byte */
    DECODE("\xc3", 1, 0xFFFD);
    DECODE("\xe2\x82", 1, 0xFFFD);
    DECODE("\xf0\x9f\x98", 1, 0xFFFD);
    DECODE("\xc3" "A", 1, 0xFFFD);
    DECODE("\xe2\x82" "A", 1, 0xFFFD);
    DECODE("\xf0\x9f\x98" "A", 1, 0xFFFD);
    DECODE("\xf0\x9f" "\xc3\xa9", 1, 0xFFFD);
    /* n limits the decode even when more bytes follow in memory */
    expect_decode(EMOJI, 3, 1, 0xFFFD);
    expect_decode("\xc3\xa9", 1, 1, 0xFFFD);
    /* NULL cp is allowed */
    cr_assert_eq(text_utf8_decode(EMOJI, 4, NULL), 4);
}

Test(text_utf8, valid)
{
    cr_assert(text_utf8_valid("", 0));
    cr_assert(text_utf8_valid("plain ascii", 11));
    cr_assert(text_utf8_valid("a\0b", 3));
    cr_assert(text_utf8_valid("a" EMOJI ZHONG "e" ACUTE, 1 + 4 + 3 + 1 + 2));
    cr_assert(text_utf8_valid("\xf4\x8f\xbf\xbf", 4));
    cr_assert(text_utf8_valid("\xed\x9f\xbf", 3));
    cr_assert_not(text_utf8_valid("\xc0\x80", 2));
    cr_assert_not(text_utf8_valid("\xe0\x9f\xbf", 3));
    cr_assert_not(text_utf8_valid("\xf0\x8f\xbf\xbf", 4));
    cr_assert_not(text_utf8_valid("\xed\xa0\x80", 3));
    cr_assert_not(text_utf8_valid("\xed\xb0\x80", 3));
    cr_assert_not(text_utf8_valid("\xf4\x90\x80\x80", 4));
    cr_assert_not(text_utf8_valid("abc\xe2\x82", 5));
    cr_assert_not(text_utf8_valid(EMOJI, 3));
    cr_assert_not(text_utf8_valid("\x80", 1));
    cr_assert_not(text_utf8_valid("\xff", 1));
    /* errors after a long ASCII run (past the fast path's chunk size) */
    char big[200];
    memset(big, 'a', sizeof(big));
    cr_assert(text_utf8_valid(big, sizeof(big)));
    big[150] = '\xc3';
    cr_assert_not(text_utf8_valid(big, sizeof(big)));
    big[151] = '\xa9';
    cr_assert(text_utf8_valid(big, sizeof(big)));
    big[199] = '\xe2';
    cr_assert_not(text_utf8_valid(big, sizeof(big)));
    /* a chunk whose bytes OR to exactly 0x80 is not ASCII */
    char zeros[64] = {0};
    cr_assert(text_utf8_valid(zeros, sizeof(zeros)));
    zeros[40] = '\x80';
    cr_assert_not(text_utf8_valid(zeros, sizeof(zeros)));
}

Test(text_utf8, cp_units)
{
    cr_assert_eq(text_cp_units(0x41, TEXT_ENC_UTF8), 1);
    cr_assert_eq(text_cp_units(0x7F, TEXT_ENC_UTF8), 1);
    cr_assert_eq(text_cp_units(0x80, TEXT_ENC_UTF8), 2);
    cr_assert_eq(text_cp_units(0x7FF, TEXT_ENC_UTF8), 2);
    cr_assert_eq(text_cp_units(0x800, TEXT_ENC_UTF8), 3);
    cr_assert_eq(text_cp_units(0xFFFF, TEXT_ENC_UTF8), 3);
    cr_assert_eq(text_cp_units(0x10000, TEXT_ENC_UTF8), 4);
    cr_assert_eq(text_cp_units(0x10FFFF, TEXT_ENC_UTF8), 4);
    cr_assert_eq(text_cp_units(0x41, TEXT_ENC_UTF16), 1);
    cr_assert_eq(text_cp_units(0xFFFF, TEXT_ENC_UTF16), 1);
    cr_assert_eq(text_cp_units(0x10000, TEXT_ENC_UTF16), 2);
    cr_assert_eq(text_cp_units(0x1F600, TEXT_ENC_UTF16), 2);
    cr_assert_eq(text_cp_units(0x41, TEXT_ENC_UTF32), 1);
    cr_assert_eq(text_cp_units(0x1F600, TEXT_ENC_UTF32), 1);
}

Test(text_utf8, units)
{
    const char s[] = "a" EMOJI "\xc3\xa9" ZHONG "e" ACUTE; /* 1+4+2+3+1+2 bytes */
    size_t n = sizeof(s) - 1;
    cr_assert_eq(n, 13);
    cr_assert_eq(text_units(s, n, TEXT_ENC_UTF8), 13);
    cr_assert_eq(text_units(s, n, TEXT_ENC_UTF16), 7);
    cr_assert_eq(text_units(s, n, TEXT_ENC_UTF32), 6);
    cr_assert_eq(text_units("", 0, TEXT_ENC_UTF16), 0);
    /* invalid bytes and NULs are one unit each in every encoding */
    const char bad[] = "\xff\xfe\x00\xe2\x82\xed\xa0\x80\xf0\x9f\x98";
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all_encs); i++)
        cr_assert_eq(text_units(bad, sizeof(bad) - 1, all_encs[i]), 11);
    /* a truncated sequence at the end of the slice counts byte by byte */
    cr_assert_eq(text_units(EMOJI, 3, TEXT_ENC_UTF16), 3);
    cr_assert_eq(text_units(EMOJI, 3, TEXT_ENC_UTF32), 3);
    /* long mixed text, through the ASCII fast path */
    char big[1000];
    memset(big, 'x', sizeof(big));
    memcpy(big + 100, EMOJI, 4);
    memcpy(big + 500, ZHONG, 3);
    memcpy(big + 996, EMOJI, 4);
    cr_assert_eq(text_units(big, 1000, TEXT_ENC_UTF8), 1000);
    cr_assert_eq(text_units(big, 1000, TEXT_ENC_UTF16), 1000 - 2 - 2 - 2);
    cr_assert_eq(text_units(big, 1000, TEXT_ENC_UTF32), 1000 - 3 - 2 - 3);
}

Test(text_utf8, enc_names)
{
    text_enc_t e = TEXT_ENC_UTF32;
    cr_assert_str_eq(text_enc_name(TEXT_ENC_UTF16), "utf-16");
    cr_assert_str_eq(text_enc_name(TEXT_ENC_UTF8), "utf-8");
    cr_assert_str_eq(text_enc_name(TEXT_ENC_UTF32), "utf-32");
    cr_assert(text_enc_parse("utf-8", &e));
    cr_assert_eq(e, TEXT_ENC_UTF8);
    cr_assert(text_enc_parse("utf-16", &e));
    cr_assert_eq(e, TEXT_ENC_UTF16);
    cr_assert(text_enc_parse("utf-32", &e));
    cr_assert_eq(e, TEXT_ENC_UTF32);
    e = TEXT_ENC_UTF8;
    cr_assert_not(text_enc_parse("utf8", &e));
    cr_assert_not(text_enc_parse("", &e));
    cr_assert_not(text_enc_parse("utf-16le", &e));
    cr_assert_not(text_enc_parse(NULL, &e));
    cr_assert_eq(e, TEXT_ENC_UTF8, "a failed parse leaves *enc alone");
}

/* ---- line index ------------------------------------------------------- */

Test(text_lines, terminators)
{
    text_doc_t *d = DOC("");
    EXPECT_LINES(d, 0);
    text_doc_set(d, "a", 1);
    EXPECT_LINES(d, 0);
    text_doc_set(d, "a\n", 2);
    EXPECT_LINES(d, 0, 2);
    text_doc_set(d, "a\r\nb", 4);
    EXPECT_LINES(d, 0, 3);
    text_doc_set(d, "a\rb", 3);
    EXPECT_LINES(d, 0, 2);
    text_doc_set(d, "\r\r\n\n\r", 5);
    EXPECT_LINES(d, 0, 1, 3, 4, 5);
    text_doc_set(d, "\n\r", 2);
    EXPECT_LINES(d, 0, 1, 2);
    text_doc_set(d, "x\0\ny\0", 5);
    EXPECT_LINES(d, 0, 3);
    EXPECT_TEXT(d, "x\0\ny\0");
    text_doc_free(d);
}

Test(text_lines, line_lookup)
{
    /* a(0) \r(1) b(2) \r(3) \r(4) c(5) \r(6) \n(7) d(8) \n(9); len 10 */
    text_doc_t *d = DOC("a\rb\r\rc\r\nd\n");
    EXPECT_LINES(d, 0, 2, 4, 5, 8, 10);
    const uint32_t line_of[] = {0, 0, 1, 1, 2, 3, 3, 3, 4, 4, 5, 5, 5};
    for (size_t off = 0; off < UTIL_ARRAY_LEN(line_of); off++)
        cr_assert_eq(text_line_of(d, off), line_of[off], "line_of(%zu)", off);
    cr_assert_eq(text_line_of(d, SIZE_MAX), 5);
    const size_t starts[] = {0, 2, 4, 5, 8, 10, 10, 10};
    const size_t ends[] = {1, 3, 4, 6, 9, 10, 10, 10};
    for (uint32_t l = 0; l < UTIL_ARRAY_LEN(starts); l++) {
        cr_assert_eq(text_line_start(d, l), starts[l], "line_start(%u)", l);
        cr_assert_eq(text_line_end(d, l), ends[l], "line_end(%u)", l);
    }
    cr_assert_eq(text_line_start(d, UINT32_MAX), 10);
    cr_assert_eq(text_line_end(d, UINT32_MAX), 10);
    text_doc_free(d);
}

Test(text_lines, empty_document)
{
    text_doc_t *d = DOC("");
    cr_assert_eq(d->len, 0);
    cr_assert_eq(d->data[0], '\0');
    cr_assert_eq(text_line_of(d, 0), 0);
    cr_assert_eq(text_line_of(d, 10), 0);
    cr_assert_eq(text_line_start(d, 0), 0);
    cr_assert_eq(text_line_end(d, 0), 0);
    cr_assert_eq(text_line_start(d, 3), 0);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all_encs); i++) {
        text_enc_t e = all_encs[i];
        expect_off(d, 0, 0, e, 0);
        expect_off(d, 0, 5, e, 0);
        expect_off(d, 3, 3, e, 0);
        expect_pos(d, 0, e, 0, 0);
        expect_pos(d, 100, e, 0, 0);
    }
    text_doc_free(d);
    d = text_doc_new(NULL, 0);
    EXPECT_TEXT(d, "");
    EXPECT_LINES(d, 0);
    text_doc_free(d);
}

Test(text_lines, adopt)
{
    char *buf = malloc(6);
    memcpy(buf, "x\ny\r\n", 6); /* the 6th byte is the NUL */
    text_doc_t *d = text_doc_adopt(buf, 5);
    EXPECT_TEXT(d, "x\ny\r\n");
    EXPECT_LINES(d, 0, 2, 5);
    APPLY(d, range(2, 0, 2, 0), "z", TEXT_ENC_UTF16, 5, 5);
    EXPECT_TEXT(d, "x\ny\r\nz");
    text_doc_free(d);
    d = text_doc_adopt(NULL, 0);
    EXPECT_TEXT(d, "");
    EXPECT_LINES(d, 0);
    text_doc_free(d);
    text_doc_free(NULL);
}

/* ---- position conversions --------------------------------------------- */

/* a(0) 😀(1-4) b(5) \n(6) | 中(7-9) 文(10-12) e(13) U+0301(14-15) x(16) \r(17)
 * \n(18) | z(19); len 20 */
#define MIXED "a" EMOJI "b\n" ZHONG WEN "e" ACUTE "x\r\nz"

Test(text_pos, mixed_pos_at)
{
    text_doc_t *d = DOC(MIXED);
    EXPECT_LINES(d, 0, 7, 19);
    /* offset, then (line, char) in UTF-8, UTF-16, UTF-32 */
    static const uint32_t want[][7] = {
        {0, 0, 0, 0, 0, 0, 0},
        {1, 0, 1, 0, 1, 0, 1},
        {2, 0, 1, 0, 1, 0, 1}, /* inside the emoji: round down */
        {3, 0, 1, 0, 1, 0, 1},
        {4, 0, 1, 0, 1, 0, 1},
        {5, 0, 5, 0, 3, 0, 2},
        {6, 0, 6, 0, 4, 0, 3},
        {7, 1, 0, 1, 0, 1, 0},
        {8, 1, 0, 1, 0, 1, 0},
        {9, 1, 0, 1, 0, 1, 0},
        {10, 1, 3, 1, 1, 1, 1},
        {12, 1, 3, 1, 1, 1, 1},
        {13, 1, 6, 1, 2, 1, 2},
        {14, 1, 7, 1, 3, 1, 3},
        {15, 1, 7, 1, 3, 1, 3}, /* inside the combining mark */
        {16, 1, 9, 1, 4, 1, 4},
        {17, 1, 10, 1, 5, 1, 5},
        {18, 1, 10, 1, 5, 1, 5}, /* the \n of \r\n: end of the line */
        {19, 2, 0, 2, 0, 2, 0},
        {20, 2, 1, 2, 1, 2, 1},
        {21, 2, 1, 2, 1, 2, 1},
        {1000, 2, 1, 2, 1, 2, 1},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(want); i++)
        for (size_t e = 0; e < 3; e++)
            expect_pos(d, want[i][0], all_encs[e], want[i][1 + 2 * e], want[i][2 + 2 * e]);
    expect_pos(d, SIZE_MAX, TEXT_ENC_UTF16, 2, 1);
    text_doc_free(d);
}

Test(text_pos, mixed_offset_at)
{
    text_doc_t *d = DOC(MIXED);
    const text_enc_t U8 = TEXT_ENC_UTF8, U16 = TEXT_ENC_UTF16, U32 = TEXT_ENC_UTF32;
    /* UTF-16 */
    expect_off(d, 0, 0, U16, 0);
    expect_off(d, 0, 1, U16, 1);
    expect_off(d, 0, 2, U16, 1); /* between the surrogates: start of the emoji */
    expect_off(d, 0, 3, U16, 5);
    expect_off(d, 0, 4, U16, 6);
    expect_off(d, 0, 5, U16, 6); /* past the end of the line */
    expect_off(d, 0, 100, U16, 6);
    expect_off(d, 1, 0, U16, 7);
    expect_off(d, 1, 1, U16, 10);
    expect_off(d, 1, 2, U16, 13);
    expect_off(d, 1, 3, U16, 14);
    expect_off(d, 1, 4, U16, 16);
    expect_off(d, 1, 5, U16, 17);
    expect_off(d, 1, 6, U16, 17); /* never inside the \r\n */
    expect_off(d, 2, 0, U16, 19);
    expect_off(d, 2, 1, U16, 20);
    expect_off(d, 2, 2, U16, 20);
    expect_off(d, 3, 0, U16, 20); /* past the last line */
    expect_off(d, UINT32_MAX, UINT32_MAX, U16, 20);
    /* UTF-8 */
    expect_off(d, 0, 1, U8, 1);
    expect_off(d, 0, 2, U8, 1); /* mid sequence: round down */
    expect_off(d, 0, 3, U8, 1);
    expect_off(d, 0, 4, U8, 1);
    expect_off(d, 0, 5, U8, 5);
    expect_off(d, 0, 6, U8, 6);
    expect_off(d, 0, 7, U8, 6);
    expect_off(d, 0, UINT32_MAX, U8, 6);
    expect_off(d, 1, 1, U8, 7);
    expect_off(d, 1, 2, U8, 7);
    expect_off(d, 1, 3, U8, 10);
    expect_off(d, 1, 5, U8, 10);
    expect_off(d, 1, 6, U8, 13);
    expect_off(d, 1, 7, U8, 14);
    expect_off(d, 1, 8, U8, 14);
    expect_off(d, 1, 9, U8, 16);
    expect_off(d, 1, 10, U8, 17);
    expect_off(d, 1, 11, U8, 17);
    expect_off(d, 2, 1, U8, 20);
    expect_off(d, 7, 1, U8, 20);
    /* UTF-32 */
    expect_off(d, 0, 1, U32, 1);
    expect_off(d, 0, 2, U32, 5);
    expect_off(d, 0, 3, U32, 6);
    expect_off(d, 0, 4, U32, 6);
    expect_off(d, 1, 1, U32, 10);
    expect_off(d, 1, 3, U32, 14);
    expect_off(d, 1, 4, U32, 16);
    expect_off(d, 1, 5, U32, 17);
    expect_off(d, 1, 9, U32, 17);
    expect_off(d, 2, 1, U32, 20);
    text_doc_free(d);
}

Test(text_pos, range_at)
{
    text_doc_t *d = DOC(MIXED);
    text_range_t r = text_range_at(d, 1, 13, TEXT_ENC_UTF16);
    cr_assert(r.start.line == 0 && r.start.character == 1);
    cr_assert(r.end.line == 1 && r.end.character == 2);
    r = text_range_at(d, 5, 20, TEXT_ENC_UTF32);
    cr_assert(r.start.line == 0 && r.start.character == 2);
    cr_assert(r.end.line == 2 && r.end.character == 1);
    r = text_range_at(d, 16, 3, TEXT_ENC_UTF8); /* end before start: empty at start */
    cr_assert(r.start.line == 1 && r.start.character == 9);
    cr_assert(r.end.line == 1 && r.end.character == 9);
    text_doc_free(d);
}

Test(text_pos, lone_cr_and_trailing_terminators)
{
    /* a(0) \r(1) b(2) \r(3) \r(4) c(5) \r(6); len 7 */
    text_doc_t *d = DOC("a\rb\r\rc\r");
    EXPECT_LINES(d, 0, 2, 4, 5, 7);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all_encs); i++) {
        text_enc_t e = all_encs[i];
        expect_off(d, 0, 1, e, 1);
        expect_off(d, 0, 2, e, 1);
        expect_off(d, 1, 0, e, 2);
        expect_off(d, 1, 5, e, 3);
        expect_off(d, 2, 5, e, 4);
        expect_off(d, 3, 1, e, 6);
        expect_off(d, 4, 0, e, 7);
        expect_off(d, 4, 1, e, 7);
        expect_off(d, 5, 0, e, 7);
        expect_pos(d, 1, e, 0, 1);
        expect_pos(d, 4, e, 2, 0);
        expect_pos(d, 6, e, 3, 1);
        expect_pos(d, 7, e, 4, 0);
    }
    text_doc_set(d, "ab", 2); /* no trailing newline */
    EXPECT_LINES(d, 0);
    expect_off(d, 0, 2, TEXT_ENC_UTF16, 2);
    expect_off(d, 0, 3, TEXT_ENC_UTF16, 2);
    expect_off(d, 1, 0, TEXT_ENC_UTF16, 2);
    expect_pos(d, 2, TEXT_ENC_UTF16, 0, 2);
    text_doc_set(d, "ab\n", 3);
    EXPECT_LINES(d, 0, 3);
    expect_off(d, 0, 3, TEXT_ENC_UTF16, 2);
    expect_off(d, 1, 0, TEXT_ENC_UTF16, 3);
    expect_off(d, 1, 4, TEXT_ENC_UTF16, 3);
    expect_off(d, 2, 0, TEXT_ENC_UTF16, 3);
    expect_pos(d, 2, TEXT_ENC_UTF16, 0, 2);
    expect_pos(d, 3, TEXT_ENC_UTF16, 1, 0);
    text_doc_set(d, "ab\r\n", 4);
    expect_pos(d, 3, TEXT_ENC_UTF16, 0, 2);
    expect_pos(d, 4, TEXT_ENC_UTF16, 1, 0);
    expect_off(d, 0, 3, TEXT_ENC_UTF16, 2);
    text_doc_free(d);
}

Test(text_pos, invalid_utf8_and_nul)
{
    /* a FF 00 E2 82 | F0 9F 98 b | 80 ED A0 80 c 00 \n 00: every byte of line 0
     * (0..14) is one unit in every encoding */
    static const char s[] = "a\xff\x00\xe2\x82\xf0\x9f\x98" "b\x80\xed\xa0\x80" "c\x00\n\x00";
    text_doc_t *d = text_doc_new(s, sizeof(s) - 1);
    cr_assert_eq(d->len, 17);
    EXPECT_LINES(d, 0, 16);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(all_encs); i++) {
        text_enc_t e = all_encs[i];
        for (uint32_t k = 0; k <= 15; k++) {
            expect_pos(d, k, e, 0, k);
            expect_off(d, 0, k, e, k);
        }
        expect_off(d, 0, 16, e, 15);
        expect_pos(d, 16, e, 1, 0);
        expect_pos(d, 17, e, 1, 1);
        expect_off(d, 1, 1, e, 17);
        expect_off(d, 1, 2, e, 17);
    }
    text_doc_free(d);
}

Test(text_pos, surrogate_pairs_in_a_row)
{
    text_doc_t *d = DOC(EMOJI EMOJI "x");
    expect_off(d, 0, 1, TEXT_ENC_UTF16, 0);
    expect_off(d, 0, 2, TEXT_ENC_UTF16, 4);
    expect_off(d, 0, 3, TEXT_ENC_UTF16, 4);
    expect_off(d, 0, 4, TEXT_ENC_UTF16, 8);
    expect_off(d, 0, 5, TEXT_ENC_UTF16, 9);
    expect_off(d, 0, 1, TEXT_ENC_UTF32, 4);
    expect_off(d, 0, 2, TEXT_ENC_UTF32, 8);
    expect_off(d, 0, 6, TEXT_ENC_UTF8, 4);
    expect_pos(d, 6, TEXT_ENC_UTF16, 0, 2);
    expect_pos(d, 8, TEXT_ENC_UTF16, 0, 4);
    expect_pos(d, 9, TEXT_ENC_UTF32, 0, 3);
    text_doc_free(d);
}

Test(text_pos, long_lines_fast_path)
{
    /* Runs longer than the ASCII chunk, with multi-byte text in odd places. */
    char s[300];
    memset(s, 'a', sizeof(s));
    memcpy(s + 31, EMOJI, 4);   /* straddles a 32-byte chunk boundary */
    memcpy(s + 100, ZHONG, 3);
    memcpy(s + 200, "\xff", 1); /* invalid byte */
    memcpy(s + 296, EMOJI, 4);  /* at the very end */
    text_doc_t *d = text_doc_new(s, sizeof(s));
    /* UTF-16 column of offset o: o, minus 2 after the first emoji, minus 2
     * more after 中 */
    expect_off(d, 0, 31, TEXT_ENC_UTF16, 31);
    expect_off(d, 0, 32, TEXT_ENC_UTF16, 31);
    expect_off(d, 0, 33, TEXT_ENC_UTF16, 35);
    expect_off(d, 0, 98, TEXT_ENC_UTF16, 100);
    expect_off(d, 0, 99, TEXT_ENC_UTF16, 103);
    expect_off(d, 0, 197, TEXT_ENC_UTF16, 201);
    expect_off(d, 0, 292, TEXT_ENC_UTF16, 296);
    expect_off(d, 0, 293, TEXT_ENC_UTF16, 296);
    expect_off(d, 0, 294, TEXT_ENC_UTF16, 300);
    expect_off(d, 0, 295, TEXT_ENC_UTF16, 300);
    expect_off(d, 0, 291, TEXT_ENC_UTF32, 296);
    expect_off(d, 0, 292, TEXT_ENC_UTF32, 300);
    expect_pos(d, 300, TEXT_ENC_UTF16, 0, 294);
    expect_pos(d, 300, TEXT_ENC_UTF32, 0, 292);
    expect_pos(d, 298, TEXT_ENC_UTF16, 0, 292);
    expect_pos(d, 102, TEXT_ENC_UTF16, 0, 98);
    expect_pos(d, 103, TEXT_ENC_UTF16, 0, 99);
    text_doc_free(d);
}

/* ---- edits ------------------------------------------------------------ */

Test(text_edit, insert_delete_replace)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    text_doc_t *d = DOC("abc\ndef");
    APPLY(d, range(0, 0, 0, 0), "X", U16, 0, 0);
    EXPECT_TEXT(d, "Xabc\ndef");
    EXPECT_LINES(d, 0, 5);
    APPLY(d, range(1, 1, 1, 1), "YY", U16, 6, 6);
    EXPECT_TEXT(d, "Xabc\ndYYef");
    EXPECT_LINES(d, 0, 5);
    APPLY(d, range(1, 5, 1, 5), "Z", U16, 10, 10);
    EXPECT_TEXT(d, "Xabc\ndYYefZ");
    APPLY(d, range(0, 0, 0, 1), "", U16, 0, 1);
    EXPECT_TEXT(d, "abc\ndYYefZ");
    EXPECT_LINES(d, 0, 4);
    APPLY(d, range(1, 1, 1, 3), "", U16, 5, 7);
    EXPECT_TEXT(d, "abc\ndefZ");
    APPLY(d, range(1, 3, 1, 4), "", U16, 7, 8);
    EXPECT_TEXT(d, "abc\ndef");
    APPLY(d, range(0, 1, 0, 2), "BBB", U16, 1, 2);
    EXPECT_TEXT(d, "aBBBc\ndef");
    EXPECT_LINES(d, 0, 6);
    APPLY(d, range(0, 0, 1, 3), "whole", U16, 0, 9);
    EXPECT_TEXT(d, "whole");
    EXPECT_LINES(d, 0);
    APPLY(d, range(0, 0, 0, 5), "", U16, 0, 5);
    EXPECT_TEXT(d, "");
    EXPECT_LINES(d, 0);
    APPLY(d, range(0, 0, 0, 0), "", U16, 0, 0);
    EXPECT_TEXT(d, "");
    text_doc_free(d);
}

Test(text_edit, across_lines)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    text_doc_t *d = DOC("abc\ndef\nghi\njkl");
    EXPECT_LINES(d, 0, 4, 8, 12);
    APPLY(d, range(0, 1, 2, 1), "", U16, 1, 9);
    EXPECT_TEXT(d, "ahi\njkl");
    EXPECT_LINES(d, 0, 4);
    APPLY(d, range(0, 2, 1, 1), "X\nY\r\nZ", U16, 2, 5);
    EXPECT_TEXT(d, "ahX\nY\r\nZkl");
    EXPECT_LINES(d, 0, 4, 7);
    APPLY(d, range(1, 0, 2, 0), "1\n2\n3\n", U16, 4, 7);
    EXPECT_TEXT(d, "ahX\n1\n2\n3\nZkl");
    EXPECT_LINES(d, 0, 4, 6, 8, 10);
    text_doc_free(d);
}

Test(text_edit, line_breaks)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    text_doc_t *d = DOC("abc");
    APPLY(d, range(0, 1, 0, 1), "\n", U16, 1, 1);
    EXPECT_TEXT(d, "a\nbc");
    EXPECT_LINES(d, 0, 2);
    APPLY(d, range(1, 1, 1, 1), "\r\n", U16, 3, 3);
    EXPECT_TEXT(d, "a\nb\r\nc");
    EXPECT_LINES(d, 0, 2, 5);
    APPLY(d, range(0, 0, 0, 0), "\r", U16, 0, 0);
    EXPECT_TEXT(d, "\ra\nb\r\nc");
    EXPECT_LINES(d, 0, 1, 3, 6);
    /* removing them again */
    APPLY(d, range(0, 0, 1, 0), "", U16, 0, 1);
    EXPECT_TEXT(d, "a\nb\r\nc");
    EXPECT_LINES(d, 0, 2, 5);
    APPLY(d, range(1, 1, 2, 0), "", U16, 3, 5);
    EXPECT_TEXT(d, "a\nbc");
    EXPECT_LINES(d, 0, 2);
    APPLY(d, range(0, 1, 1, 0), "", U16, 1, 2);
    EXPECT_TEXT(d, "abc");
    EXPECT_LINES(d, 0);
    text_doc_free(d);
}

Test(text_edit, crlf_join_and_split)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    /* a "\n" inserted right after a lone "\r" joins it: one terminator */
    text_doc_t *d = DOC("a\rb");
    EXPECT_LINES(d, 0, 2);
    APPLY(d, range(1, 0, 1, 0), "\n", U16, 2, 2);
    EXPECT_TEXT(d, "a\r\nb");
    EXPECT_LINES(d, 0, 3);
    /* a "\r" inserted right before a "\n" */
    text_doc_set(d, "a\nb", 3);
    APPLY(d, range(0, 1, 0, 1), "\r", U16, 1, 1);
    EXPECT_TEXT(d, "a\r\nb");
    EXPECT_LINES(d, 0, 3);
    /* deleting what separates a "\r" from a "\n" joins them */
    text_doc_set(d, "a\rXY\nb", 6);
    EXPECT_LINES(d, 0, 2, 5);
    APPLY(d, range(1, 0, 1, 2), "", U16, 2, 4);
    EXPECT_TEXT(d, "a\r\nb");
    EXPECT_LINES(d, 0, 3);
    /* LSP cannot address the middle of "\r\n": a position after the "\r" is
     * past the end of the line and clamps to before the "\r" */
    APPLY(d, range(0, 2, 0, 2), "X", U16, 1, 1);
    EXPECT_TEXT(d, "aX\r\nb");
    EXPECT_LINES(d, 0, 4);
    /* splitting the pair: replace it with "\r" + text + "\n" */
    APPLY(d, range(0, 2, 1, 0), "\rY\n", U16, 2, 4);
    EXPECT_TEXT(d, "aX\rY\nb");
    EXPECT_LINES(d, 0, 3, 5);
    /* the split left a lone "\r" and a "\n"; delete Y to join them again */
    APPLY(d, range(1, 0, 1, 1), "", U16, 3, 4);
    EXPECT_TEXT(d, "aX\r\nb");
    EXPECT_LINES(d, 0, 4);
    /* replacing "\r\n" by "\r" alone, and by "\n" alone */
    APPLY(d, range(0, 2, 1, 0), "\r", U16, 2, 4);
    EXPECT_TEXT(d, "aX\rb");
    EXPECT_LINES(d, 0, 3);
    APPLY(d, range(0, 2, 1, 0), "\n", U16, 2, 3);
    EXPECT_TEXT(d, "aX\nb");
    EXPECT_LINES(d, 0, 3);
    /* inserted text ending in "\r" before an existing "\n" */
    APPLY(d, range(0, 1, 0, 2), "Q\r", U16, 1, 2);
    EXPECT_TEXT(d, "aQ\r\nb");
    EXPECT_LINES(d, 0, 4);
    /* inserted text starting with "\n" after an existing lone "\r" */
    text_doc_set(d, "a\r", 2);
    EXPECT_LINES(d, 0, 2);
    APPLY(d, range(1, 0, 1, 0), "\nc", U16, 2, 2);
    EXPECT_TEXT(d, "a\r\nc");
    EXPECT_LINES(d, 0, 3);
    text_doc_free(d);
}

Test(text_edit, end_of_file)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    text_doc_t *d = DOC("abc\n");
    EXPECT_LINES(d, 0, 4);
    APPLY(d, range(1, 0, 1, 0), "d", U16, 4, 4);
    EXPECT_TEXT(d, "abc\nd");
    EXPECT_LINES(d, 0, 4);
    APPLY(d, range(5, 0, 5, 0), "\r", U16, 5, 5);
    EXPECT_TEXT(d, "abc\nd\r");
    EXPECT_LINES(d, 0, 4, 6);
    APPLY(d, range(2, 0, 2, 0), "\n", U16, 6, 6);
    EXPECT_TEXT(d, "abc\nd\r\n");
    EXPECT_LINES(d, 0, 4, 7);
    APPLY(d, range(2, 0, 2, 0), "\n", U16, 7, 7);
    EXPECT_TEXT(d, "abc\nd\r\n\n");
    EXPECT_LINES(d, 0, 4, 7, 8);
    APPLY(d, range(1, 0, 9, 9), "", U16, 4, 8);
    EXPECT_TEXT(d, "abc\n");
    EXPECT_LINES(d, 0, 4);
    APPLY(d, range(0, 3, 1, 0), "", U16, 3, 4);
    EXPECT_TEXT(d, "abc");
    EXPECT_LINES(d, 0);
    text_doc_free(d);
}

Test(text_edit, clamped_ranges)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    text_doc_t *d = DOC("ab\ncd");
    APPLY(d, range(0, 99, 0, 200), "X", U16, 2, 2);
    EXPECT_TEXT(d, "abX\ncd");
    APPLY(d, range(7, 0, 9, 0), "Y", U16, 6, 6);
    EXPECT_TEXT(d, "abX\ncdY");
    APPLY(d, range(UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX), "Z", U16, 7, 7);
    EXPECT_TEXT(d, "abX\ncdYZ");
    /* end before start (earlier line, and earlier on the same line) */
    APPLY(d, range(1, 2, 0, 0), "-", U16, 6, 6);
    EXPECT_TEXT(d, "abX\ncd-YZ");
    APPLY(d, range(0, 2, 0, 1), "+", U16, 2, 2);
    EXPECT_TEXT(d, "ab+X\ncd-YZ");
    /* start past the line, end on a later line */
    APPLY(d, range(0, 50, 1, 1), "", U16, 4, 6);
    EXPECT_TEXT(d, "ab+Xd-YZ");
    EXPECT_LINES(d, 0);
    /* start past the last line, end before it: empty at the end */
    APPLY(d, range(4, 0, 0, 0), "!", U16, 8, 8);
    EXPECT_TEXT(d, "ab+Xd-YZ!");
    /* NULL out-parameters */
    text_doc_apply(d, range(0, 0, 0, 2), "", 0, U16, NULL, NULL);
    EXPECT_TEXT(d, "+Xd-YZ!");
    text_doc_free(d);
}

Test(text_edit, inside_code_points)
{
    text_doc_t *d = DOC(EMOJI "\n");
    /* UTF-16: (0,1) is between the surrogates, rounds down to the emoji */
    APPLY(d, range(0, 1, 0, 2), "x", TEXT_ENC_UTF16, 0, 4);
    EXPECT_TEXT(d, "x\n");
    text_doc_set(d, EMOJI "\n", 5);
    APPLY(d, range(0, 1, 0, 1), "x", TEXT_ENC_UTF16, 0, 0);
    EXPECT_TEXT(d, "x" EMOJI "\n");
    /* UTF-8: both ends inside the emoji round down to its start */
    APPLY(d, range(0, 2, 0, 4), "y", TEXT_ENC_UTF8, 1, 1);
    EXPECT_TEXT(d, "xy" EMOJI "\n");
    APPLY(d, range(0, 3, 0, 6), "", TEXT_ENC_UTF8, 2, 6);
    EXPECT_TEXT(d, "xy\n");
    /* UTF-32 */
    text_doc_set(d, ZHONG EMOJI "e" ACUTE, 3 + 4 + 1 + 2);
    APPLY(d, range(0, 1, 0, 4), "", TEXT_ENC_UTF32, 3, 10);
    EXPECT_TEXT(d, ZHONG);
    text_doc_free(d);
}

Test(text_edit, multibyte_and_invalid_inserts)
{
    text_doc_t *d = DOC("ab");
    APPLY(d, range(0, 1, 0, 1), "\0\xff\n" EMOJI, TEXT_ENC_UTF16, 1, 1);
    EXPECT_TEXT(d, "a\0\xff\n" EMOJI "b");
    EXPECT_LINES(d, 0, 4);
    expect_off(d, 1, 2, TEXT_ENC_UTF16, 8);
    expect_off(d, 0, 3, TEXT_ENC_UTF16, 3);
    /* two halves of an emoji inserted separately become one code point */
    text_doc_set(d, "ab", 2);
    APPLY(d, range(0, 1, 0, 1), "\xf0\x9f", TEXT_ENC_UTF16, 1, 1);
    expect_pos(d, 3, TEXT_ENC_UTF16, 0, 3); /* a F0 9F: three units */
    APPLY(d, range(0, 3, 0, 3), "\x98\x80", TEXT_ENC_UTF16, 3, 3);
    EXPECT_TEXT(d, "a" EMOJI "b");
    expect_pos(d, 5, TEXT_ENC_UTF16, 0, 3);
    expect_pos(d, 3, TEXT_ENC_UTF16, 0, 1);
    text_doc_free(d);
}

Test(text_edit, text_from_the_document_itself)
{
    text_doc_t *d = DOC("abc\n");
    /* the inserted bytes are the document's own buffer (moved by the edit) */
    text_doc_apply(d, range(0, 0, 0, 0), d->data, d->len, TEXT_ENC_UTF16, NULL, NULL);
    EXPECT_TEXT(d, "abc\nabc\n");
    EXPECT_LINES(d, 0, 4, 8);
    text_doc_apply(d, range(2, 0, 2, 0), d->data + 1, 2, TEXT_ENC_UTF16, NULL, NULL);
    EXPECT_TEXT(d, "abc\nabc\nbc");
    text_doc_set(d, d->data + 4, 5);
    EXPECT_TEXT(d, "abc\nb");
    EXPECT_LINES(d, 0, 4);
    /* source after the insertion point: it moves before it is copied */
    text_doc_set(d, "abc\nxyz", 7);
    text_doc_apply(d, range(0, 0, 0, 0), d->data + 4, 3, TEXT_ENC_UTF16, NULL, NULL);
    EXPECT_TEXT(d, "xyzabc\nxyz");
    EXPECT_LINES(d, 0, 7);
    /* growing past the buffer's size class reallocates it */
    char big[60];
    memset(big, 'q', sizeof(big));
    big[0] = 'S';
    text_doc_set(d, big, sizeof(big));
    text_doc_apply(d, range(0, 60, 0, 60), d->data, 60, TEXT_ENC_UTF8, NULL, NULL);
    cr_assert_eq(d->len, 120);
    cr_assert(memcmp(d->data, big, 60) == 0 && memcmp(d->data + 60, big, 60) == 0);
    text_doc_free(d);
}

Test(text_edit, growth_and_shrink)
{
    /* Many small inserts then deletes: the buffer grows through several size
     * classes and back, keeping the NUL and the index right. */
    text_doc_t *d = DOC("");
    for (uint32_t i = 0; i < 5000; i++)
        text_doc_apply(d, range(i / 10, 10, i / 10, 10), i % 10 == 9 ? "\n" : "x", 1,
                       TEXT_ENC_UTF16, NULL, NULL);
    cr_assert_eq(d->len, 5000);
    cr_assert_eq(d->n_lines, 501);
    for (size_t l = 0; l < 501; l++)
        cr_assert_eq(d->lines[l], l * 10);
    for (uint32_t i = 0; i < 499; i++)
        text_doc_apply(d, range(0, UINT32_MAX, 1, 0), "", 0, TEXT_ENC_UTF16, NULL, NULL);
    cr_assert_eq(d->len, 5000 - 499);
    cr_assert_eq(d->n_lines, 2);
    cr_assert_eq(d->lines[1], 10 + 499 * 9);
    text_doc_apply(d, range(0, 0, 9, 0), "", 0, TEXT_ENC_UTF16, NULL, NULL);
    EXPECT_TEXT(d, "");
    EXPECT_LINES(d, 0);
    text_doc_free(d);
}

/* ---- naive reference ---------------------------------------------------- */

/* Written independently of src/text.c: decodes by the classic bit patterns
 * and range checks, indexes the whole text from scratch, and converts
 * positions by walking from the line start. */
typedef struct ref {
    char *s;
    size_t n;
    size_t *starts; /* line starts */
    size_t *ends;   /* content ends (offset of the terminator, or n) */
    size_t n_lines, cap;
} ref_t;

static size_t ref_decode(const char *str, size_t n, uint32_t *cp)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t need;
    uint32_t c, min;
    if (s[0] < 0x80) {
        *cp = s[0];
        return 1;
    } else if ((s[0] & 0xE0) == 0xC0) {
        need = 2, c = s[0] & 0x1F, min = 0x80;
    } else if ((s[0] & 0xF0) == 0xE0) {
        need = 3, c = s[0] & 0x0F, min = 0x800;
    } else if ((s[0] & 0xF8) == 0xF0) {
        need = 4, c = s[0] & 0x07, min = 0x10000;
    } else {
        goto bad;
    }
    if (n < need)
        goto bad;
    for (size_t i = 1; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            goto bad;
        c = c << 6 | (s[i] & 0x3F);
    }
    if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
        goto bad;
    *cp = c;
    return need;
bad:
    *cp = 0xFFFD;
    return 1;
}

static size_t ref_units(size_t l, uint32_t cp, text_enc_t enc)
{
    if (enc == TEXT_ENC_UTF8)
        return l;
    if (enc == TEXT_ENC_UTF16)
        return cp >= 0x10000 ? 2 : 1;
    return 1;
}

static void ref_index(ref_t *r)
{
    size_t n = 0, start = 0;
    r->n_lines = 0;
    for (size_t i = 0;; i++) {
        if (r->n_lines + 1 > r->cap) {
            r->cap = r->cap ? r->cap * 2 : 16;
            r->starts = realloc(r->starts, r->cap * sizeof(size_t));
            r->ends = realloc(r->ends, r->cap * sizeof(size_t));
        }
        if (i == r->n) {
            r->starts[n] = start, r->ends[n] = r->n, n++;
            break;
        }
        if (r->s[i] == '\r' || r->s[i] == '\n') {
            r->starts[n] = start, r->ends[n] = i, n++;
            if (r->s[i] == '\r' && i + 1 < r->n && r->s[i + 1] == '\n')
                i++;
            start = i + 1;
        }
        r->n_lines = n;
    }
    r->n_lines = n;
}

static void ref_set(ref_t *r, const char *s, size_t n)
{
    free(r->s);
    r->s = malloc(n + 1);
    memcpy(r->s, s, n);
    r->n = n;
    ref_index(r);
}

static void ref_free(ref_t *r)
{
    free(r->s);
    free(r->starts);
    free(r->ends);
}

static size_t ref_offset(const ref_t *r, text_pos_t p, text_enc_t enc)
{
    if (p.line >= r->n_lines)
        return r->n;
    size_t off = r->starts[p.line], end = r->ends[p.line], u = 0;
    while (off < end) {
        uint32_t cp;
        size_t l = ref_decode(r->s + off, r->n - off, &cp);
        size_t cu = ref_units(l, cp, enc);
        if (u + cu > p.character)
            break;
        u += cu;
        off += l;
    }
    return off;
}

static text_pos_t ref_pos(const ref_t *r, size_t off, text_enc_t enc)
{
    if (off > r->n)
        off = r->n;
    size_t line = 0;
    while (line + 1 < r->n_lines && r->starts[line + 1] <= off)
        line++;
    if (off > r->ends[line])
        off = r->ends[line];
    size_t p = r->starts[line], u = 0;
    while (p < off) {
        uint32_t cp;
        size_t l = ref_decode(r->s + p, r->n - p, &cp);
        if (p + l > off)
            break;
        u += ref_units(l, cp, enc);
        p += l;
    }
    return pos((uint32_t)line, (uint32_t)u);
}

static size_t ref_line_units(const ref_t *r, size_t line, text_enc_t enc)
{
    return ref_pos(r, r->ends[line], enc).character;
}

static void ref_apply(ref_t *r, text_range_t rg, const char *s, size_t n, text_enc_t enc,
                      size_t *so, size_t *eo)
{
    size_t a = ref_offset(r, rg.start, enc), b = ref_offset(r, rg.end, enc);
    if (b < a)
        b = a;
    char *t = malloc(r->n - (b - a) + n + 1);
    memcpy(t, r->s, a);
    memcpy(t + a, s, n);
    memcpy(t + a + n, r->s + b, r->n - b);
    r->n = r->n - (b - a) + n;
    free(r->s);
    r->s = t;
    ref_index(r);
    *so = a;
    *eo = b;
}

/* Everything the module answers about doc, compared with the reference. */
static void check_against_ref(const text_doc_t *doc, const ref_t *r, const char *what)
{
    cr_assert_eq(doc->len, r->n, "%s: len %zu, want %zu", what, doc->len, r->n);
    cr_assert(memcmp(doc->data, r->s, r->n) == 0, "%s: text differs", what);
    cr_assert_eq(doc->data[doc->len], '\0', "%s: no NUL", what);
    cr_assert_eq(doc->n_lines, r->n_lines, "%s: n_lines %zu, want %zu", what, doc->n_lines,
                 r->n_lines);
    for (size_t l = 0; l < r->n_lines; l++) {
        if (doc->lines[l] != r->starts[l] || text_line_end(doc, (uint32_t)l) != r->ends[l])
            cr_assert_fail("%s: line %zu: start %u end %zu, want %zu %zu", what, l, doc->lines[l],
                           text_line_end(doc, (uint32_t)l), r->starts[l], r->ends[l]);
    }
    for (size_t e = 0; e < UTIL_ARRAY_LEN(all_encs); e++) {
        text_enc_t enc = all_encs[e];
        for (size_t off = 0; off <= r->n + 1; off++) {
            text_pos_t got = text_pos_at(doc, off, enc), want = ref_pos(r, off, enc);
            if (got.line != want.line || got.character != want.character)
                cr_assert_fail("%s: %s pos_at(%zu) = (%u,%u), want (%u,%u)", what,
                               text_enc_name(enc), off, got.line, got.character, want.line,
                               want.character);
            if (off <= r->n && text_line_of(doc, off) != want.line)
                cr_assert_fail("%s: line_of(%zu) = %u, want %u", what, off,
                               text_line_of(doc, off), want.line);
        }
        for (size_t l = 0; l <= r->n_lines; l++) {
            size_t max = l < r->n_lines ? ref_line_units(r, l, enc) + 2 : 2;
            for (size_t c = 0; c <= max + 1; c++) {
                text_pos_t p = pos((uint32_t)l, c > max ? UINT32_MAX : (uint32_t)c);
                size_t got = text_offset_at(doc, p, enc), want = ref_offset(r, p, enc);
                if (got != want)
                    cr_assert_fail("%s: %s offset_at(%u,%u) = %zu, want %zu", what,
                                   text_enc_name(enc), p.line, p.character, got, want);
            }
        }
        /* round trip from every code point start, except the "\n" of a
         * "\r\n" (no LSP position addresses the middle of a terminator) */
        for (size_t off = 0; off <= r->n;) {
            bool mid_crlf = off > 0 && off < r->n && r->s[off] == '\n' && r->s[off - 1] == '\r';
            if (!mid_crlf) {
                size_t back = text_offset_at(doc, text_pos_at(doc, off, enc), enc);
                if (back != off)
                    cr_assert_fail("%s: %s round trip %zu -> %zu", what, text_enc_name(enc), off,
                                   back);
            }
            if (off == r->n)
                break;
            uint32_t cp;
            off += ref_decode(r->s + off, r->n - off, &cp);
        }
    }
}

Test(text_ref, fixed_documents)
{
    static const struct {
        const char *s;
        size_t n;
    } docs[] = {
        {"", 0},
        {"\n", 1},
        {"\r", 1},
        {"\r\n", 2},
        {"\n\r", 2},
        {MIXED, sizeof(MIXED) - 1},
        {"a\rb\r\rc\r\nd\n", 10},
        {EMOJI EMOJI "\r\n" EMOJI "\r\r" ZHONG, 4 + 4 + 2 + 4 + 2 + 3},
        {"\xf0\x9f\x98\r\n\x98\x80\xe2\x82\n\xed\xa0\x80\xc0\xaf", 15},
        {"x\0y\0\r\0\n", 7},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(docs); i++) {
        ref_t r = {0};
        ref_set(&r, docs[i].s, docs[i].n);
        text_doc_t *d = text_doc_new(docs[i].s, docs[i].n);
        char what[32];
        snprintf(what, sizeof(what), "doc %zu", i);
        check_against_ref(d, &r, what);
        text_doc_free(d);
        ref_free(&r);
    }
}

/* xorshift64*: a fixed, portable sequence (rand() differs between libcs). */
static uint64_t rng_next(uint64_t *st)
{
    *st ^= *st >> 12;
    *st ^= *st << 25;
    *st ^= *st >> 27;
    return *st * 0x2545F4914F6CDD1DULL;
}

static uint32_t rng_below(uint64_t *st, uint32_t n)
{
    return (uint32_t)(rng_next(st) >> 33) % n;
}

/* A random position: mostly inside the document, sometimes past the end of
 * the line or past the last line, sometimes absurd. */
static text_pos_t random_pos(uint64_t *st, const ref_t *r, text_enc_t enc)
{
    uint32_t roll = rng_below(st, 100);
    if (roll < 3)
        return pos(UINT32_MAX, rng_below(st, 5));
    uint32_t line = rng_below(st, (uint32_t)r->n_lines + (roll < 10 ? 3 : 0));
    size_t units = line < r->n_lines ? ref_line_units(r, line, enc) : 0;
    uint32_t ch = rng_below(st, (uint32_t)units + (roll < 20 ? 4 : 1));
    if (roll >= 97)
        ch = UINT32_MAX;
    return pos(line, ch);
}

Test(text_ref, random_edits, .timeout = 240)
{
    static const char *const pieces[] = {
        "a", "b", "xyz", " ", "\n", "\r\n", "\r", EMOJI, ZHONG, ("e" ACUTE), "\xc3\xa9",
        "\xff", "\x80", "\xf0\x9f", "\x98\x80", "\xe2\x82", "\xed\xa0\x80", "\n\n", "\r\r",
    };
    const size_t piece_len[] = {1, 1, 3, 1, 1, 2, 1, 4, 3, 3, 2, 1, 1, 2, 2, 2, 3, 2, 2};
    cr_assert_eq(UTIL_ARRAY_LEN(pieces), UTIL_ARRAY_LEN(piece_len));
    uint64_t st = 0x9E3779B97F4A7C15ULL;
    ref_t r = {0};
    ref_set(&r, "hello\nworld\r\n" EMOJI "\r", 18);
    text_doc_t *d = text_doc_new(r.s, r.n);
    check_against_ref(d, &r, "start");
    char ins[64];
    for (int it = 0; it < 3000; it++) {
        text_enc_t enc = all_encs[rng_below(&st, 3)];
        text_range_t rg;
        rg.start = random_pos(&st, &r, enc);
        uint32_t shape = rng_below(&st, 10);
        if (shape < 6 && rg.start.line < r.n_lines) {
            rg.end = pos(rg.start.line, rg.start.character + rng_below(&st, 5));
        } else if (shape < 8 && rg.start.line < r.n_lines) {
            rg.end = pos(rg.start.line + 1 + rng_below(&st, 2), rng_below(&st, 6));
        } else {
            rg.end = random_pos(&st, &r, enc); /* may be before the start */
        }
        size_t n = 0;
        /* keep the document small (the checks are quadratic): past 400 bytes
         * only delete */
        uint32_t n_pieces = r.n > 400 ? 0 : rng_below(&st, 8);
        if (r.n > 400 && rg.start.line < r.n_lines)
            rg.end = pos(rg.start.line + rng_below(&st, 8), rng_below(&st, 10));
        for (uint32_t p = 0; p < n_pieces; p++) {
            size_t k = rng_below(&st, UTIL_ARRAY_LEN(pieces));
            memcpy(ins + n, pieces[k], piece_len[k]);
            n += piece_len[k];
        }
        size_t so, eo, want_so, want_eo;
        ref_apply(&r, rg, ins, n, enc, &want_so, &want_eo);
        text_doc_apply(d, rg, ins, n, enc, &so, &eo);
        char what[96];
        snprintf(what, sizeof(what), "edit %d %s (%u,%u)-(%u,%u) +%zu", it, text_enc_name(enc),
                 rg.start.line, rg.start.character, rg.end.line, rg.end.character, n);
        cr_assert_eq(so, want_so, "%s: start_off %zu, want %zu", what, so, want_so);
        cr_assert_eq(eo, want_eo, "%s: end_off %zu, want %zu", what, eo, want_eo);
        check_against_ref(d, &r, what);
    }
    text_doc_free(d);
    ref_free(&r);
}

/* ---- conversion cache -------------------------------------------------- */

/* Conversions continue from where earlier ones on the same line ended (see
 * text_doc_t). Every answer must still be the one a walk from the line start
 * gives, whatever the order of the conversions, the encodings interleaved,
 * and the edits in between. */

/* A 4-line document: a short line ending in "\r\n", a long line (~1,500
 * bytes) of random pieces (ASCII, 2-, 3- and 4-byte characters, a combining
 * mark, NUL, and invalid bytes: stray continuations, truncated sequences, a
 * surrogate, an overlong) ending in "\r\n", a shorter such line ending in a
 * lone "\r", and an unterminated last line. Caller frees. */
static char *cache_doc(uint64_t seed, size_t *len)
{
    static const char *const pieces[] = {
        "a", "bc", " ", "xyz", "\xc3\xa9", ZHONG, WEN, EMOJI, ("e" ACUTE), "\0", "\xff",
        "\x80", "\xf0\x9f", "\xf0\x9f\x98", "\xe2\x82", "\xed\xa0\x80", "\xc0\xaf", "\xbf\xbf",
    };
    const size_t piece_len[] = {1, 2, 1, 3, 2, 3, 3, 4, 3, 1, 1, 1, 2, 3, 2, 3, 2, 2};
    cr_assert_eq(UTIL_ARRAY_LEN(pieces), UTIL_ARRAY_LEN(piece_len));
    const size_t n_pieces[] = {0, 700, 150, 40};
    const char *const head[] = {"head" EMOJI "x", "", "", ""};
    const char *const term[] = {"\r\n", "\r\n", "\r", ""};
    char *s = malloc(4 * 700 * 4 + 64);
    size_t n = 0;
    for (size_t l = 0; l < 4; l++) {
        memcpy(s + n, head[l], strlen(head[l]));
        n += strlen(head[l]);
        for (size_t i = 0; i < n_pieces[l]; i++) {
            size_t k = rng_below(&seed, UTIL_ARRAY_LEN(pieces));
            memcpy(s + n, pieces[k], piece_len[k]);
            n += piece_len[k];
        }
        memcpy(s + n, term[l], strlen(term[l]));
        n += strlen(term[l]);
    }
    *len = n;
    return s;
}

/* want[e][off] = the reference position of every offset 0..n+3 in
 * all_encs[e]. Caller frees each want[e]. */
static void ref_table(const ref_t *r, text_pos_t *want[3])
{
    for (size_t e = 0; e < 3; e++) {
        want[e] = malloc((r->n + 4) * sizeof(text_pos_t));
        for (size_t off = 0; off <= r->n + 3; off++)
            want[e][off] = ref_pos(r, off, all_encs[e]);
    }
}

static void expect_ref_pos(const text_doc_t *d, text_pos_t *const want[3], size_t e, size_t off,
                           const char *what)
{
    text_pos_t got = text_pos_at(d, off, all_encs[e]);
    if (got.line != want[e][off].line || got.character != want[e][off].character)
        cr_assert_fail("%s: %s pos_at(%zu) = (%u,%u), want (%u,%u)", what,
                       text_enc_name(all_encs[e]), off, got.line, got.character,
                       want[e][off].line, want[e][off].character);
}

/* The offsets 0..n+3 in a random order (Fisher-Yates). Caller frees. */
static size_t *shuffled_offsets(size_t n, uint64_t *st)
{
    size_t *order = malloc((n + 4) * sizeof(size_t));
    for (size_t i = 0; i <= n + 3; i++)
        order[i] = i;
    for (size_t i = n + 3; i > 0; i--) {
        size_t j = rng_below(st, (uint32_t)i + 1), t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    return order;
}

Test(text_cache, long_line_any_order)
{
    for (uint64_t seed = 1; seed <= 3; seed++) {
        size_t n;
        char *s = cache_doc(seed * 0x9E3779B97F4A7C15ULL, &n);
        ref_t r = {0};
        ref_set(&r, s, n);
        free(s);
        cr_assert_eq(r.n_lines, 4);
        cr_assert_gt(r.ends[1] - r.starts[1], 1000);
        text_pos_t *want[3];
        ref_table(&r, want);
        uint64_t st = seed;
        for (size_t e = 0; e < 3; e++) {
            /* a fresh document per order, so each starts without marks */
            text_doc_t *d = text_doc_new(r.s, r.n);
            for (size_t off = 0; off <= n + 3; off++)
                expect_ref_pos(d, want, e, off, "ascending");
            for (size_t off = n + 4; off-- > 0;)
                expect_ref_pos(d, want, e, off, "descending");
            expect_ref_pos(d, want, e, 0, "restart");
            for (size_t off = 0; off <= n + 3; off += 7)
                expect_ref_pos(d, want, e, off, "every 7th");
            for (size_t off = 0; off <= n + 3; off++) /* each one twice */
                expect_ref_pos(d, want, e, off - off % 2, "pairs");
            size_t *order = shuffled_offsets(n, &st);
            for (size_t i = 0; i <= n + 3; i++)
                expect_ref_pos(d, want, e, order[i], "random");
            free(order);
            text_pos_t p = text_pos_at(d, SIZE_MAX, all_encs[e]);
            cr_assert(p.line == want[e][n].line && p.character == want[e][n].character,
                      "%s: SIZE_MAX", text_enc_name(all_encs[e]));
            text_doc_free(d);

            /* ranges: short ones in ascending order, the same range twice,
             * nested ones, ones ending far away, ends before starts */
            d = text_doc_new(r.s, r.n);
            for (size_t i = 0; i < 4 * n; i++) {
                size_t a = rng_below(&st, (uint32_t)n + 4), b;
                uint32_t shape = rng_below(&st, 5);
                if (shape == 0)
                    a = i / 4, b = a + rng_below(&st, 12);
                else if (shape == 1)
                    b = a + rng_below(&st, 40);
                else if (shape == 2)
                    b = n + 3 - rng_below(&st, 30);
                else
                    b = rng_below(&st, (uint32_t)n + 4);
                if (b > n + 3)
                    b = n + 3;
                text_range_t got = text_range_at(d, a, b, all_encs[e]);
                text_pos_t ws = want[e][a], we = want[e][b < a ? a : b];
                if (got.start.line != ws.line || got.start.character != ws.character ||
                    got.end.line != we.line || got.end.character != we.character)
                    cr_assert_fail("%s: range_at(%zu, %zu) = (%u,%u)-(%u,%u), want "
                                   "(%u,%u)-(%u,%u)",
                                   text_enc_name(all_encs[e]), a, b, got.start.line,
                                   got.start.character, got.end.line, got.end.character,
                                   ws.line, ws.character, we.line, we.character);
            }
            text_doc_free(d);
        }
        for (size_t e = 0; e < 3; e++)
            free(want[e]);
        ref_free(&r);
    }
}

Test(text_cache, offset_at_any_order)
{
    size_t n;
    char *s = cache_doc(77, &n);
    ref_t r = {0};
    ref_set(&r, s, n);
    free(s);
    uint64_t st = 5;
    for (size_t e = 0; e < 3; e++) {
        text_enc_t enc = all_encs[e];
        text_doc_t *d = text_doc_new(r.s, r.n);
        size_t units = ref_line_units(&r, 1, enc);
        /* every column of the long line and past its end: up, down, random
         * (mid surrogate pair and past the end round down / clamp) */
        for (int pass = 0; pass < 3; pass++) {
            for (size_t i = 0; i <= units + 3; i++) {
                size_t c = pass == 0   ? i
                           : pass == 1 ? units + 3 - i
                                       : rng_below(&st, (uint32_t)units + 4);
                text_pos_t p = pos(1, c == units + 3 ? UINT32_MAX : (uint32_t)c);
                size_t got = text_offset_at(d, p, enc), want = ref_offset(&r, p, enc);
                if (got != want)
                    cr_assert_fail("%s pass %d: offset_at(1,%u) = %zu, want %zu",
                                   text_enc_name(enc), pass, p.character, got, want);
            }
        }
        text_doc_free(d);
    }
    ref_free(&r);
}

Test(text_cache, interleaved_encodings_and_directions)
{
    size_t n;
    char *s = cache_doc(1234, &n);
    ref_t r = {0};
    ref_set(&r, s, n);
    free(s);
    text_pos_t *want[3];
    ref_table(&r, want);
    text_doc_t *d = text_doc_new(r.s, r.n);
    /* the same offsets ascending, in UTF-16, UTF-32, UTF-8 in turn */
    for (size_t off = 0; off <= n + 3; off++)
        for (size_t e = 0; e < 3; e++)
            expect_ref_pos(d, want, 2 - e, off, "turns");
    /* random encodings, random offsets, with offset_at in between (it
     * shares the marks), and each answer round-tripped */
    uint64_t st = 99;
    for (int i = 0; i < 20000; i++) {
        size_t e = rng_below(&st, 3);
        size_t off = rng_below(&st, 4) == 0 ? rng_below(&st, (uint32_t)n + 4)
                                            : r.starts[1] + rng_below(&st, 1600);
        if (off > n + 3)
            off = n + 3;
        expect_ref_pos(d, want, e, off, "mixed");
        if (rng_below(&st, 2)) {
            text_pos_t p = want[e][off];
            p.character += rng_below(&st, 3);
            size_t got = text_offset_at(d, p, all_encs[e]), wo = ref_offset(&r, p, all_encs[e]);
            cr_assert_eq(got, wo, "%s: offset_at(%u,%u) = %zu, want %zu",
                         text_enc_name(all_encs[e]), p.line, p.character, got, wo);
        }
    }
    /* an invalid encoding value converts as UTF-16 and shares its marks */
    for (size_t off = 0; off <= n + 3; off += 3) {
        text_pos_t got = text_pos_at(d, off, (text_enc_t)7), w = want[1][off];
        cr_assert(got.line == w.line && got.character == w.character, "enc 7: pos_at(%zu)", off);
        expect_ref_pos(d, want, 1, off + 1 > n + 3 ? off : off + 1, "after enc 7");
    }
    text_doc_free(d);
    for (size_t e = 0; e < 3; e++)
        free(want[e]);
    ref_free(&r);
}

/* The edit tests below first convert (leaving marks), edit, then ask first
 * for a position whose answer a stale mark would change. */

Test(text_cache, edit_making_a_mark_mid_code_point)
{
    const text_enc_t U8 = TEXT_ENC_UTF8, U16 = TEXT_ENC_UTF16, U32 = TEXT_ENC_UTF32;
    /* a(0) b(1) E4(2) B8(3) Q(4) x(5) y(6) z(7): E4 B8 before Q is invalid,
     * two units; replacing Q by AD makes it 中 (one unit) and offset 4 the
     * middle of a code point */
    text_doc_t *d = DOC("ab\xe4\xb8Qxyz");
    expect_pos(d, 4, U16, 0, 4);
    expect_pos(d, 6, U16, 0, 6);
    expect_pos(d, 6, U32, 0, 6);
    expect_off(d, 0, 5, U16, 5);
    APPLY(d, range(0, 4, 0, 5), "\xad", U8, 4, 5);
    EXPECT_TEXT(d, "ab" ZHONG "xyz");
    expect_pos(d, 6, U16, 0, 4);
    expect_pos(d, 6, U32, 0, 4);
    expect_pos(d, 4, U16, 0, 2);
    expect_off(d, 0, 5, U16, 7);
    text_doc_free(d);
}

Test(text_cache, edit_before_marks_on_their_line)
{
    const text_enc_t U16 = TEXT_ENC_UTF16, U32 = TEXT_ENC_UTF32;
    /* 0-9(0-9) 😀(10-13) a(14) b(15) c(16) */
    text_doc_t *d = DOC("0123456789" EMOJI "abc");
    expect_pos(d, 14, U16, 0, 12);
    expect_pos(d, 14, U32, 0, 11);
    expect_off(d, 0, 13, U16, 15);
    /* é(0-1) 0-9(2-11) 😀(12-15) a(16) b(17) c(18) */
    APPLY(d, range(0, 0, 0, 0), "\xc3\xa9", U16, 0, 0);
    expect_pos(d, 16, U16, 0, 13);
    expect_pos(d, 16, U32, 0, 12);
    expect_pos(d, 14, U16, 0, 11); /* now inside the emoji: rounds down */
    expect_pos(d, 14, U32, 0, 11);
    expect_off(d, 0, 13, U16, 16);
    expect_off(d, 0, 14, U16, 17);
    text_doc_free(d);
}

Test(text_cache, edit_joining_lines)
{
    const text_enc_t U16 = TEXT_ENC_UTF16, U32 = TEXT_ENC_UTF32;
    /* The same line number is other text afterwards.
     * x(0) \n(1) | 😀(2-5) a(6) b(7) c(8) \n(9) | q(10) 中(11-13) r(14) ... */
    text_doc_t *d = DOC("x\n" EMOJI "abc\nq" ZHONG "rstuv");
    expect_pos(d, 7, U16, 1, 3);
    expect_pos(d, 8, U16, 1, 4);
    expect_pos(d, 8, U32, 1, 3);
    expect_off(d, 1, 4, U16, 8);
    APPLY(d, range(0, 1, 1, 0), "", U16, 1, 2);
    /* x(0) 😀(1-4) a(5) b(6) c(7) \n(8) | q(9) 中(10-12) r(13) s(14) ... */
    expect_pos(d, 14, U16, 1, 3);
    expect_pos(d, 14, U32, 1, 3);
    expect_pos(d, 8, U16, 0, 6);
    expect_off(d, 1, 4, U16, 15);
    text_doc_free(d);
}

Test(text_cache, set_replaces_marks)
{
    const text_enc_t U16 = TEXT_ENC_UTF16, U32 = TEXT_ENC_UTF32;
    text_doc_t *d = DOC("0123456789" EMOJI "abc");
    expect_pos(d, 14, U16, 0, 12);
    expect_pos(d, 15, U32, 0, 12);
    expect_off(d, 0, 12, U16, 14);
    /* 中 x 5 (0-14) a(15) b(16) c(17) */
    text_doc_set(d, ZHONG ZHONG ZHONG ZHONG ZHONG "abc", 18);
    expect_pos(d, 15, U32, 0, 5);
    expect_pos(d, 17, U16, 0, 7);
    expect_pos(d, 14, U16, 0, 4);
    expect_pos(d, 15, U16, 0, 5);
    expect_off(d, 0, 12, U16, 18);
    expect_off(d, 0, 6, U16, 16);
    text_doc_free(d);
}

Test(text_cache, new_documents_start_without_marks)
{
    const text_enc_t U16 = TEXT_ENC_UTF16;
    char *buf = malloc(9);
    memcpy(buf, EMOJI "abcd", 8);
    text_doc_t *d = text_doc_adopt(buf, 8);
    expect_pos(d, 5, U16, 0, 3);
    expect_pos(d, 8, U16, 0, 6);
    expect_off(d, 0, 5, U16, 7);
    text_doc_free(d);
    d = DOC("abcd" EMOJI);
    expect_pos(d, 8, U16, 0, 6);
    expect_pos(d, 5, U16, 0, 4); /* inside the emoji */
    expect_off(d, 0, 5, U16, 4);
    text_doc_free(d);
}

Test(text_cache, random_edits_between_conversions, .timeout = 240)
{
    /* Ascending runs of conversions on the long line (leaving marks), then
     * a random edit on it, then the same offsets again: never a stale
     * answer. */
    size_t n;
    char *s = cache_doc(4242, &n);
    ref_t r = {0};
    ref_set(&r, s, n);
    free(s);
    text_doc_t *d = text_doc_new(r.s, r.n);
    static const char *const ins[] = {"", "q", EMOJI, ZHONG, "\xc3", "\xa9", "\n", "\r", "\xf0"};
    uint64_t st = 31337;
    for (int it = 0; it < 300; it++) {
        size_t e = rng_below(&st, 3);
        text_enc_t enc = all_encs[e];
        size_t line_len = r.ends[1] - r.starts[1];
        size_t a = r.starts[1] + rng_below(&st, (uint32_t)line_len + 1);
        for (size_t k = 0; k < 20; k++) {
            size_t off = a + k * 7;
            text_pos_t got = text_pos_at(d, off, enc), want = ref_pos(&r, off, enc);
            if (got.line != want.line || got.character != want.character)
                cr_assert_fail("it %d before: %s pos_at(%zu) = (%u,%u), want (%u,%u)", it,
                               text_enc_name(enc), off, got.line, got.character, want.line,
                               want.character);
        }
        /* the edit: somewhere on line 1 before the marks, mostly */
        size_t at_off = r.starts[1] + rng_below(&st, (uint32_t)(a - r.starts[1]) + 8);
        text_pos_t at = ref_pos(&r, at_off, enc);
        text_range_t rg = {at, pos(at.line, at.character + rng_below(&st, 4))};
        const char *t = ins[rng_below(&st, UTIL_ARRAY_LEN(ins))];
        size_t so, eo, wso, weo;
        ref_apply(&r, rg, t, strlen(t), enc, &wso, &weo);
        text_doc_apply(d, rg, t, strlen(t), enc, &so, &eo);
        cr_assert(so == wso && eo == weo, "it %d: edit span", it);
        for (size_t k = 0; k < 20; k++) {
            size_t off = a + k * 7;
            size_t e2 = (e + k) % 3;
            text_pos_t got = text_pos_at(d, off, all_encs[e2]);
            text_pos_t want = ref_pos(&r, off, all_encs[e2]);
            if (got.line != want.line || got.character != want.character)
                cr_assert_fail("it %d after: %s pos_at(%zu) = (%u,%u), want (%u,%u)", it,
                               text_enc_name(all_encs[e2]), off, got.line, got.character,
                               want.line, want.character);
            text_pos_t p = pos(want.line, want.character + (uint32_t)(k % 2));
            size_t go = text_offset_at(d, p, all_encs[e2]), wo = ref_offset(&r, p, all_encs[e2]);
            cr_assert_eq(go, wo, "it %d after: offset_at(%u,%u) = %zu, want %zu", it, p.line,
                         p.character, go, wo);
        }
        /* keep line 1 the long one: undo line breaks the edit added */
        if (r.n_lines != 4) {
            text_doc_free(d);
            s = cache_doc((uint64_t)it + 1, &n);
            ref_set(&r, s, n);
            free(s);
            d = text_doc_new(r.s, r.n);
        }
    }
    text_doc_free(d);
    ref_free(&r);
}

/* ---- large documents ---------------------------------------------------- */

Test(text_large, three_thousand_lines, .timeout = 240)
{
    /* 3,000 lines of ASCII ("\n" and "\r\n"); random small edits (typing,
     * deleting, splitting and joining lines) through every encoding, checked
     * against the reference every 250 edits. */
    size_t cap = 3000 * 40, n = 0;
    char *s = malloc(cap);
    for (int i = 0; i < 3000; i++)
        n += (size_t)snprintf(s + n, cap - n, "- [ ] line %d of the plan%s", i,
                              i % 7 == 0 ? "\r\n" : "\n");
    ref_t r = {0};
    ref_set(&r, s, n);
    free(s);
    text_doc_t *d = text_doc_new(r.s, r.n);
    cr_assert_eq(d->n_lines, 3001);
    cr_assert_eq(d->n_lines, r.n_lines);
    for (size_t l = 0; l < r.n_lines; l++)
        cr_assert_eq(d->lines[l], r.starts[l]);
    uint64_t st = 42;
    for (int it = 1; it <= 2000; it++) {
        text_enc_t enc = all_encs[rng_below(&st, 3)];
        uint32_t line = rng_below(&st, (uint32_t)r.n_lines);
        uint32_t ch = rng_below(&st, 30);
        uint32_t kind = rng_below(&st, 10);
        text_range_t rg = {pos(line, ch), pos(line, ch)};
        const char *txt = "x";
        if (kind == 0) {
            txt = "\n";
        } else if (kind == 1) {
            rg.end = pos(line + 1, 0); /* join with the next line */
            txt = "";
        } else if (kind == 2) {
            rg.end = pos(line, ch + 3);
            txt = "";
        } else if (kind == 3) {
            txt = EMOJI;
        }
        size_t so, eo, want_so, want_eo;
        ref_apply(&r, rg, txt, strlen(txt), enc, &want_so, &want_eo);
        text_doc_apply(d, rg, txt, strlen(txt), enc, &so, &eo);
        cr_assert_eq(so, want_so, "edit %d", it);
        cr_assert_eq(eo, want_eo, "edit %d", it);
        cr_assert_eq(d->n_lines, r.n_lines, "edit %d", it);
        if (it % 250 == 0) {
            cr_assert(memcmp(d->data, r.s, r.n) == 0);
            for (size_t l = 0; l < r.n_lines; l++)
                if (d->lines[l] != r.starts[l])
                    cr_assert_fail("edit %d: line %zu starts at %u, want %zu", it, l,
                                   d->lines[l], r.starts[l]);
        }
    }
    text_doc_free(d);
    ref_free(&r);
}

Test(text_large, ten_megabyte_line, .timeout = 240)
{
    /* One 10,000,000-byte line of 1000-byte blocks: 996 'a' then an emoji.
     * A block is 1000 UTF-8 units, 998 UTF-16 units, 997 UTF-32 units. */
    const size_t blocks = 10000, n = blocks * 1000;
    char *s = malloc(n);
    for (size_t b = 0; b < blocks; b++) {
        memset(s + b * 1000, 'a', 996);
        memcpy(s + b * 1000 + 996, EMOJI, 4);
    }
    text_doc_t *d = text_doc_new(s, n);
    free(s);
    cr_assert_eq(d->n_lines, 1);
    const uint32_t b = 9000;
    expect_off(d, 0, b * 998, TEXT_ENC_UTF16, b * 1000);
    expect_off(d, 0, b * 998 + 996, TEXT_ENC_UTF16, b * 1000 + 996);
    expect_off(d, 0, b * 998 + 997, TEXT_ENC_UTF16, b * 1000 + 996); /* mid pair */
    expect_off(d, 0, b * 998 + 998, TEXT_ENC_UTF16, b * 1000 + 1000);
    expect_off(d, 0, b * 997 + 997, TEXT_ENC_UTF32, b * 1000 + 1000);
    expect_off(d, 0, b * 1000 + 998, TEXT_ENC_UTF8, b * 1000 + 996);
    expect_off(d, 0, UINT32_MAX, TEXT_ENC_UTF16, n);
    expect_pos(d, n, TEXT_ENC_UTF16, 0, (uint32_t)(blocks * 998));
    expect_pos(d, b * 1000 + 999, TEXT_ENC_UTF16, 0, b * 998 + 996);
    expect_pos(d, b * 1000 + 999, TEXT_ENC_UTF32, 0, b * 997 + 996);
    /* edits near the end, in the middle, and a line break that splits it */
    APPLY(d, range(0, b * 998 + 10, 0, b * 998 + 12), "ZZZ", TEXT_ENC_UTF16, b * 1000 + 10,
          b * 1000 + 12);
    cr_assert_eq(d->len, n + 1);
    cr_assert(memcmp(d->data + b * 1000 + 9, "aZZZa", 5) == 0);
    APPLY(d, range(0, 5000 * 1000 + 3, 0, 5000 * 1000 + 3), "\r\n", TEXT_ENC_UTF8,
          5000 * 1000 + 3, 5000 * 1000 + 3);
    EXPECT_LINES(d, 0, 5000 * 1000 + 5);
    /* the second line's columns start again at 0 */
    expect_off(d, 1, 993, TEXT_ENC_UTF16, 5000 * 1000 + 5 + 993);
    expect_off(d, 1, 994, TEXT_ENC_UTF16, 5000 * 1000 + 5 + 993);
    expect_off(d, 1, 995, TEXT_ENC_UTF16, 5000 * 1000 + 5 + 997);
    expect_pos(d, d->len, TEXT_ENC_UTF32, 1, (uint32_t)(5000 * 997 - 3 + 1));
    /* join the lines again, then typing at the far end */
    APPLY(d, range(0, 5000 * 1000 + 3, 1, 0), "", TEXT_ENC_UTF8, 5000 * 1000 + 3,
          5000 * 1000 + 5);
    EXPECT_LINES(d, 0);
    for (uint32_t i = 0; i < 50; i++) {
        uint32_t col = (uint32_t)(blocks * 998 + 1 + i);
        text_doc_apply(d, range(0, col, 0, col), "q", 1, TEXT_ENC_UTF16, NULL, NULL);
    }
    cr_assert_eq(d->len, n + 1 + 50);
    cr_assert_eq(d->data[d->len - 1], 'q');
    cr_assert_eq(d->data[d->len], '\0');
    EXPECT_LINES(d, 0);
    text_doc_free(d);
}

Test(text_large, many_ranges_on_a_megabyte_line, .timeout = 240)
{
    /* One 1,000,000-byte line of 100-byte blocks: 96 'a' then an emoji, so
     * offset 100 * b + r is column 100, 98 or 97 (UTF-8, -16, -32) times b,
     * plus min(r, 96) (inside the emoji rounds down). 10,000
     * ascending ranges, as diagnostics on that line would be converted. */
    const size_t blocks = 10000, n = blocks * 100;
    char *s = malloc(n);
    for (size_t b = 0; b < blocks; b++) {
        memset(s + b * 100, 'a', 96);
        memcpy(s + b * 100 + 96, EMOJI, 4);
    }
    text_doc_t *d = text_doc_new(s, n);
    free(s);
    static const uint32_t per_block[] = {100, 98, 97}; /* in all_encs order */
    for (size_t e = 0; e < 3; e++) {
        for (size_t i = 0; i < 10000; i++) {
            size_t a = i * 100 + (i * 37) % 100, z = a + 3 + i % 50;
            if (z > n)
                z = n;
            text_range_t r = text_range_at(d, a, z, all_encs[e]);
            size_t ra = a % 100, rz = z % 100;
            uint32_t wa = (uint32_t)(per_block[e] * (a / 100) + (ra < 96 ? ra : 96));
            uint32_t wz = (uint32_t)(per_block[e] * (z / 100) + (rz < 96 ? rz : 96));
            if (r.start.line != 0 || r.start.character != wa || r.end.line != 0 ||
                r.end.character != wz)
                cr_assert_fail("%s: range_at(%zu, %zu) = (%u,%u)-(%u,%u), want (0,%u)-(0,%u)",
                               text_enc_name(all_encs[e]), a, z, r.start.line,
                               r.start.character, r.end.line, r.end.character, wa, wz);
        }
    }
    text_doc_free(d);
}

Test(text_clean, invalid_bytes_become_replacement_characters)
{
    size_t n;
    char *c = text_utf8_clean("a\xff" "b\xe2\x82" "c\xf0\x9f\x98\x80", 10, &n);
    cr_assert_str_eq(c, "a\xEF\xBF\xBD" "b\xEF\xBF\xBD\xEF\xBF\xBD" "c\xF0\x9F\x98\x80");
    cr_assert_eq(n, strlen(c));
    free(c);
    json_t *j = text_json("ok \xc3\xa9");
    cr_assert_str_eq(json_string_value(j), "ok \xc3\xa9");
    json_decref(j);
    j = text_json("bad \xc3");
    cr_assert_str_eq(json_string_value(j), "bad \xEF\xBF\xBD");
    json_decref(j);
    j = text_json(NULL);
    cr_assert_str_eq(json_string_value(j), "");
    json_decref(j);
}
