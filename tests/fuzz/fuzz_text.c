/* fuzz_text: random incremental edits (text_doc_apply, text_doc_set) on a
 * random document, in a random position encoding, checked after every edit
 * against a full-text reference written here independently of src/text.c:
 * the bytes, the line index (against a fresh text_doc_new of the same bytes
 * and against a plain scan), and every LSP position <-> byte offset
 * conversion of the document (clamping, rounding inside code points, CRLF,
 * invalid UTF-8).
 *
 * Input: [enc][u16 initial length][initial bytes] then edits, each
 * [op][start line][start char][end line][end char][n][n bytes]; op & 3 == 3
 * replaces the whole text. A coordinate byte >= 0xF0 means "far out of
 * range" (10^6 + b, or UINT32_MAX). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "planls/buf.h"
#include "planls/text.h"
#include "planls/util.h"

/* Documents are kept small enough for the exhaustive checks below (every
 * offset of every line) to stay fast; lines longer than TEXT_FUZZ_FULL_LINE
 * are checked at a sample of offsets. */
#define TEXT_FUZZ_MAX_LEN (16u << 10)
#define TEXT_FUZZ_FULL_LINE 512

/* ---- reference model ------------------------------------------------------ */

/* Length of the code point at s[0] (n > 0 bytes available) and its units in
 * enc; an invalid or truncated sequence is one byte, one unit. */
static size_t ref_cp(const unsigned char *s, size_t n, text_enc_t enc, uint32_t *units)
{
    size_t k = 0;
    uint32_t cp = s[0], min = 0;
    if (s[0] >= 0x80) {
        if ((s[0] & 0xe0) == 0xc0)
            k = 1, cp = s[0] & 0x1f, min = 0x80;
        else if ((s[0] & 0xf0) == 0xe0)
            k = 2, cp = s[0] & 0x0f, min = 0x800;
        else if ((s[0] & 0xf8) == 0xf0)
            k = 3, cp = s[0] & 0x07, min = 0x10000;
        else
            k = 99;
        bool ok = k != 99 && k < n;
        for (size_t j = 1; ok && j <= k; j++) {
            ok = (s[j] & 0xc0) == 0x80;
            cp = cp << 6 | (s[j] & 0x3f);
        }
        ok = ok && cp >= min && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff);
        if (!ok) {
            *units = 1;
            return 1;
        }
    }
    size_t len = k + 1;
    switch (enc) {
    case TEXT_ENC_UTF8:
        *units = (uint32_t)len;
        break;
    case TEXT_ENC_UTF32:
        *units = 1;
        break;
    default:
        *units = cp >= 0x10000 ? 2 : 1;
        break;
    }
    return len;
}

/* Line starts of s[0..n): 0, then the offset after every "\n" and every "\r"
 * not followed by "\n". Caller frees. */
static size_t *ref_lines(const char *s, size_t n, size_t *count)
{
    size_t *v = NULL, c = 0, cap = 0;
    UTIL_PUSH(v, c, cap, 0);
    for (size_t i = 0; i < n; i++)
        if (s[i] == '\n' || (s[i] == '\r' && (i + 1 == n || s[i + 1] != '\n')))
            UTIL_PUSH(v, c, cap, i + 1);
    *count = c;
    return v;
}

/* End of line i's content, before its terminator. */
static size_t ref_line_end(const char *s, size_t n, const size_t *lines, size_t nl, size_t i)
{
    if (i + 1 >= nl)
        return n;
    size_t next = lines[i + 1];
    if (s[next - 1] == '\n' && next - 1 > lines[i] && s[next - 2] == '\r')
        return next - 2;
    return next - 1;
}

/* Offset of an LSP position by walking the line from its start. */
static size_t ref_offset(const char *s, size_t n, const size_t *lines, size_t nl, text_pos_t p,
                         text_enc_t enc)
{
    if (p.line >= nl)
        return n;
    size_t off = lines[p.line], end = ref_line_end(s, n, lines, nl, p.line);
    uint64_t got = 0;
    while (off < end) {
        uint32_t u;
        size_t l = ref_cp((const unsigned char *)s + off, end - off, enc, &u);
        if (got + u > p.character)
            break;
        got += u;
        off += l;
    }
    return off;
}

/* ---- checks ------------------------------------------------------------------ */

typedef struct model {
    buf_t text; /* the reference bytes */
    text_enc_t enc;
} model_t;

/* Bytes and line index always; every position conversion when full. */
static void check_doc(const text_doc_t *doc, const model_t *m, bool full)
{
    const char *s = m->text.data ? m->text.data : "";
    size_t n = m->text.len;
    FZ_CHECK(doc->len == n, "length %zu, reference %zu", doc->len, n);
    FZ_CHECK(n == 0 || memcmp(doc->data, s, n) == 0, "bytes differ from the reference");
    FZ_CHECK(doc->data[n] == '\0', "data[len] is not NUL");

    size_t nl;
    size_t *lines = ref_lines(s, n, &nl);
    FZ_CHECK(doc->n_lines == nl, "%zu lines, reference %zu", doc->n_lines, nl);
    FZ_CHECK(doc->n_lines <= doc->cap_lines, "n_lines above cap_lines");
    for (size_t i = 0; i < nl; i++)
        FZ_CHECK(doc->lines[i] == lines[i], "line %zu starts at %u, reference %zu", i,
                 doc->lines[i], lines[i]);
    /* The incrementally maintained index equals a fresh one. */
    text_doc_t *fresh = text_doc_new(s, n);
    FZ_CHECK(fresh->n_lines == doc->n_lines &&
                 memcmp(fresh->lines, doc->lines, nl * sizeof(*doc->lines)) == 0,
             "incremental line index differs from a fresh one");
    text_doc_free(fresh);
    if (!full) {
        free(lines);
        return;
    }

    /* Every offset -> position, by one walk over the text; and back. */
    for (size_t li = 0; li < nl; li++) {
        size_t start = lines[li], end = ref_line_end(s, n, lines, nl, li);
        size_t next = li + 1 < nl ? lines[li + 1] : n + 1;
        FZ_CHECK(text_line_start(doc, (uint32_t)li) == start, "text_line_start(%zu)", li);
        FZ_CHECK(text_line_end(doc, (uint32_t)li) == end, "text_line_end(%zu)", li);
        size_t off = start;
        uint32_t units = 0;
        while (off <= end) {
            uint32_t u = 0;
            size_t l = off < end ? ref_cp((const unsigned char *)s + off, end - off, m->enc, &u)
                                 : 1;
            bool sample = end - start <= TEXT_FUZZ_FULL_LINE || off % 61 == 0 || off == end;
            for (size_t k = 0; sample && k < l && off + k < next; k++) {
                size_t o = off + k;
                text_pos_t p = text_pos_at(doc, o, m->enc);
                FZ_CHECK(text_line_of(doc, o) == li, "text_line_of(%zu) != %zu", o, li);
                FZ_CHECK(p.line == li && p.character == units,
                         "text_pos_at(%zu) = %u:%u, reference %zu:%u", o, p.line, p.character, li,
                         units);
            }
            if (off == end) {
                /* Offsets between the content end and the next line (the
                 * terminator) map to the end of the content. */
                for (size_t o = end + 1; o < next && o <= n; o++) {
                    text_pos_t p = text_pos_at(doc, o, m->enc);
                    FZ_CHECK(p.line == li && p.character == units,
                             "text_pos_at(%zu) in a terminator = %u:%u, reference %zu:%u", o,
                             p.line, p.character, li, units);
                }
                break;
            }
            /* The position of a code point start converts back to it. */
            text_pos_t p = {(uint32_t)li, units};
            FZ_CHECK(text_offset_at(doc, p, m->enc) == off, "text_offset_at(%zu:%u) != %zu", li,
                     units, off);
            /* Inside a surrogate pair / UTF-8 sequence rounds down. */
            for (uint32_t k = 1; k < u; k++) {
                text_pos_t q = {(uint32_t)li, units + k};
                FZ_CHECK(text_offset_at(doc, q, m->enc) == off,
                         "text_offset_at(%zu:%u) inside a code point != %zu", li, units + k, off);
            }
            units += u;
            off += l;
        }
        FZ_CHECK(text_units(s + start, end - start, m->enc) == units, "text_units of line %zu",
                 li);
        /* Past the end of the line: clamped to its content end. */
        text_pos_t past[] = {{(uint32_t)li, units + 1}, {(uint32_t)li, UINT32_MAX}};
        for (size_t k = 0; k < 2; k++)
            FZ_CHECK(text_offset_at(doc, past[k], m->enc) == end,
                     "text_offset_at(%zu:%u) not clamped to %zu", li, past[k].character, end);
    }
    /* Offsets and lines past the end. */
    text_pos_t endp = text_pos_at(doc, n + 17, m->enc);
    text_pos_t lastp = text_pos_at(doc, n, m->enc);
    FZ_CHECK(endp.line == lastp.line && endp.character == lastp.character,
             "offset past the end not clamped");
    text_pos_t far[] = {{(uint32_t)nl, 0}, {UINT32_MAX, UINT32_MAX}};
    for (size_t k = 0; k < 2; k++)
        FZ_CHECK(text_offset_at(doc, far[k], m->enc) == n, "line past the end not clamped");
    free(lines);
}

static uint32_t coord(uint8_t b)
{
    if (b < 0xf0)
        return b;
    return (b & 1) ? UINT32_MAX : 1000000u + b;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_reader_t r = {data, size};
    model_t m = {BUF_INIT, (text_enc_t)(fz_u8(&r) % 3)};
    size_t ilen;
    const char *init = fz_bytes(&r, fz_u16(&r) % (TEXT_FUZZ_MAX_LEN + 1), &ilen);
    buf_append(&m.text, init, ilen);
    text_doc_t *doc = text_doc_new(init, ilen);
    check_doc(doc, &m, true);
    for (size_t n_edits = 1; r.n > 0; n_edits++) {
        uint8_t op = fz_u8(&r);
        text_range_t rg = {{coord(fz_u8(&r)), coord(fz_u8(&r))},
                           {coord(fz_u8(&r)), coord(fz_u8(&r))}};
        size_t n;
        const char *ins = fz_bytes(&r, fz_u8(&r), &n);
        if ((op & 3) == 3) {
            text_doc_set(doc, ins, n);
            buf_clear(&m.text);
            buf_append(&m.text, ins, n);
        } else {
            if (m.text.len + n > TEXT_FUZZ_MAX_LEN)
                break;
            const char *s = m.text.data ? m.text.data : "";
            size_t nl;
            size_t *lines = ref_lines(s, m.text.len, &nl);
            size_t so = ref_offset(s, m.text.len, lines, nl, rg.start, m.enc);
            size_t eo = ref_offset(s, m.text.len, lines, nl, rg.end, m.enc);
            free(lines);
            if (eo < so)
                eo = so;
            size_t got_s = 0, got_e = 0;
            /* op & 4: insert text taken from the document itself. */
            if ((op & 4) && doc->len > 0 && n > 0) {
                size_t from = (size_t)op % doc->len;
                n = UTIL_MIN(n, doc->len - from);
                ins = doc->data + from;
            }
            char *ins_copy = xmalloc(n + 1);
            memcpy(ins_copy, ins, n);
            text_doc_apply(doc, rg, ins, n, m.enc, &got_s, &got_e);
            FZ_CHECK(got_s == so && got_e == eo, "edit span [%zu,%zu), reference [%zu,%zu)",
                     got_s, got_e, so, eo);
            buf_splice(&m.text, so, eo - so, ins_copy, n);
            free(ins_copy);
        }
        check_doc(doc, &m, n_edits % 8 == 0);
    }
    check_doc(doc, &m, true);
    text_doc_free(doc);
    buf_free(&m.text);
    return 0;
}
