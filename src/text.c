/* text: document bytes, line index, LSP position encodings and edits; the one
 * place that knows terminators and UTF-16/32 units. Never trusts a position
 * (all clamped), never reads past len, never re-indexes a whole doc per edit. */
#include "planls/text.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "planls/util.h"

/* Line starts are uint32_t, so a document holds at most this many bytes;
 * longer text is cut at this length rather than overflowing the index. */
#define DOC_MAX_LEN ((size_t)UINT32_MAX < SIZE_MAX / 4 ? (size_t)UINT32_MAX : SIZE_MAX / 4)

/* Bytes examined at once by the ASCII fast path (a plain OR loop that
 * compilers vectorise). */
#define ASCII_CHUNK 32

/* Conversion results a document remembers (see struct text_pos_cache). */
#define POS_MARKS 2

/* One remembered conversion: on line `line`, the code point boundary `off`
 * (an absolute byte offset, start <= off <= content end) lies `units` units
 * of enc (normalised, never UTF-8) after the line start. */
typedef struct pos_mark {
    bool valid;
    text_enc_t enc;
    uint32_t line;
    size_t off;
    size_t units;
} pos_mark_t;

/* The latest POS_MARKS distinct conversion results of a document, written
 * round robin: converting ranges start-then-end keeps the previous start and
 * the previous end, so runs of nested or overlapping ranges, and ranges that
 * all end far away, still continue from a nearby mark. Every mutation clears
 * it. A mark is only ever a boundary of the line's decoding from its start
 * (cp_floor and advance results), which is what makes continuing from it
 * give exactly the units a walk from the line start gives. */
struct text_pos_cache {
    pos_mark_t mark[POS_MARKS];
    unsigned next; /* index written next */
};

/* Invariant of this module: the allocation behind doc->data is exactly
 * data_cap(doc->len) bytes (a power of two, at least 64), except an adopted
 * buffer, kept at its size until the first edit; edits reallocate only when
 * the size class changes: typing into a large document does not copy it on
 * every keystroke. Callers treat the struct's fields as read-only. */
static size_t data_cap(size_t len)
{
    size_t cap = 64;
    while (cap < len + 1)
        cap *= 2;
    return cap;
}

static bool is_cont(unsigned char b)
{
    return (b & 0xC0) == 0x80;
}

static text_enc_t enc_norm(text_enc_t enc)
{
    return enc == TEXT_ENC_UTF8 || enc == TEXT_ENC_UTF32 ? enc : TEXT_ENC_UTF16;
}

static bool chunk_is_ascii(const unsigned char *s)
{
    unsigned char acc = 0;
    for (size_t i = 0; i < ASCII_CHUNK; i++)
        acc |= s[i];
    return acc < 0x80;
}

size_t text_utf8_decode(const char *s, size_t n, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t c = 0xFFFD;
    size_t l = 1;
    if (n == 0) {
        /* Outside the contract (n > 0); answer "one invalid byte" rather
         * than reading s. */
    } else if (u[0] < 0x80) {
        c = u[0];
    } else if (u[0] >= 0xC2 && u[0] <= 0xDF) {
        if (n >= 2 && is_cont(u[1])) {
            c = (uint32_t)(u[0] & 0x1F) << 6 | (uint32_t)(u[1] & 0x3F);
            l = 2;
        }
    } else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        /* E0 needs A0.. (no overlongs); ED stops at 9F (no surrogates). */
        unsigned char lo = u[0] == 0xE0 ? 0xA0 : 0x80;
        unsigned char hi = u[0] == 0xED ? 0x9F : 0xBF;
        if (n >= 3 && u[1] >= lo && u[1] <= hi && is_cont(u[2])) {
            c = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 |
                (uint32_t)(u[2] & 0x3F);
            l = 3;
        }
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        /* F0 needs 90.. (no overlongs); F4 stops at 8F (<= U+10FFFF). */
        unsigned char lo = u[0] == 0xF0 ? 0x90 : 0x80;
        unsigned char hi = u[0] == 0xF4 ? 0x8F : 0xBF;
        if (n >= 4 && u[1] >= lo && u[1] <= hi && is_cont(u[2]) && is_cont(u[3])) {
            c = (uint32_t)(u[0] & 0x07) << 18 | (uint32_t)(u[1] & 0x3F) << 12 |
                (uint32_t)(u[2] & 0x3F) << 6 | (uint32_t)(u[3] & 0x3F);
            l = 4;
        }
    }
    if (cp)
        *cp = c;
    return l;
}

uint32_t text_cp_units(uint32_t cp, text_enc_t enc)
{
    switch (enc_norm(enc)) {
    case TEXT_ENC_UTF8:
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    case TEXT_ENC_UTF32:
        return 1;
    case TEXT_ENC_UTF16:
    default:
        return cp < 0x10000 ? 1 : 2;
    }
}

/* Start of the code point containing s[off], for 0 <= off <= n: off itself
 * unless it sits inside a valid multi-byte sequence (each invalid byte is a
 * code point of its own). A lead byte is never a continuation byte, so the
 * only candidate is the nearest non-continuation byte at most 3 back. */
static size_t cp_floor(const char *s, size_t n, size_t off)
{
    if (off >= n || !is_cont((unsigned char)s[off]))
        return off;
    for (size_t k = 1; k <= 3 && k <= off; k++) {
        if (is_cont((unsigned char)s[off - k]))
            continue;
        size_t l = text_utf8_decode(s + off - k, n - (off - k), NULL);
        return l > k ? off - k : off;
    }
    return off;
}

/* Walk s[0..n) from its start, a code point boundary, towards target units,
 * stopping at the start of a code point that would overshoot (so a target in
 * the middle of a surrogate pair or UTF-8 sequence rounds down). s[0..n) must
 * not end inside a valid sequence (a line's content never does). Returns the
 * bytes walked; *units receives the units walked. */
static size_t advance(const char *s, size_t n, size_t target, text_enc_t enc, size_t *units)
{
    if (enc == TEXT_ENC_UTF8) {
        /* UTF-8 units are bytes (an invalid byte is one unit too). */
        size_t off = cp_floor(s, n, target < n ? target : n);
        *units = off;
        return off;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t off = 0, got = 0, slow_until = 0;
    while (off < n && got < target) {
        /* Skip ASCII runs a chunk at a time; after a chunk that is not all
         * ASCII, decode one by one for a chunk's length so non-ASCII text
         * does not pay for failed chunk checks on every code point. */
        if (off >= slow_until && n - off >= ASCII_CHUNK && target - got >= ASCII_CHUNK) {
            if (chunk_is_ascii(u + off)) {
                off += ASCII_CHUNK;
                got += ASCII_CHUNK;
                continue;
            }
            slow_until = off + ASCII_CHUNK;
        }
        size_t l = u[off] < 0x80 ? 1 : text_utf8_decode(s + off, n - off, NULL);
        size_t cu = (enc == TEXT_ENC_UTF16 && l == 4) ? 2 : 1;
        if (got + cu > target)
            break;
        got += cu;
        off += l;
    }
    *units = got;
    return off;
}

size_t text_units(const char *s, size_t n, text_enc_t enc)
{
    enc = enc_norm(enc);
    if (enc == TEXT_ENC_UTF8)
        return n;
    size_t units;
    advance(s, n, SIZE_MAX, enc, &units);
    return units;
}

bool text_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t off = 0;
    while (off < n) {
        if (n - off >= ASCII_CHUNK && chunk_is_ascii(u + off)) {
            off += ASCII_CHUNK;
            continue;
        }
        if (u[off] < 0x80) {
            off++;
            continue;
        }
        size_t l = text_utf8_decode(s + off, n - off, NULL);
        if (l == 1)
            return false; /* a non-ASCII byte decoded alone is invalid */
        off += l;
    }
    return true;
}

/* Line starts t+1 for every terminator at t in [lo, hi): "\n", or "\r" not
 * followed by "\n" (the "\n" of a "\r\n" ends that line). d[hi] must be
 * readable (hi <= len; data[len] is NUL). Writes them to out when non-NULL;
 * returns how many. memchr does the scanning; each terminator kind is searched
 * for again only once passed, so the whole scan is linear. */
static size_t scan_starts(const char *d, size_t lo, size_t hi, uint32_t *out)
{
    const char *p = d + lo, *end = d + hi;
    const char *cr = memchr(p, '\r', (size_t)(end - p));
    const char *lf = memchr(p, '\n', (size_t)(end - p));
    size_t n = 0;
    if (!cr)
        cr = end;
    if (!lf)
        lf = end;
    while (cr < end || lf < end) {
        const char *t = cr < lf ? cr : lf;
        if (*t == '\n' || t[1] != '\n') {
            if (out)
                out[n] = (uint32_t)(t + 1 - d);
            n++;
        }
        p = t + 1;
        if (t == cr) {
            cr = memchr(p, '\r', (size_t)(end - p));
            if (!cr)
                cr = end;
        } else {
            lf = memchr(p, '\n', (size_t)(end - p));
            if (!lf)
                lf = end;
        }
    }
    return n;
}

static void reindex_all(text_doc_t *doc)
{
    size_t m = scan_starts(doc->data, 0, doc->len, NULL);
    if (doc->cap_lines == 0) {
        /* A new document (most are never edited): exactly its lines. */
        doc->lines = xmalloc((m + 1) * sizeof(*doc->lines));
        doc->cap_lines = m + 1;
    } else {
        util_grow((void **)&doc->lines, &doc->cap_lines, m + 1, sizeof(*doc->lines));
    }
    doc->lines[0] = 0;
    scan_starts(doc->data, 0, doc->len, doc->lines + 1);
    doc->n_lines = m + 1;
}

/* Number of line starts < off (lower bound) or <= off (upper bound). */
static size_t lines_before(const text_doc_t *doc, size_t off, bool inclusive)
{
    size_t lo = 0, hi = doc->n_lines;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool before = inclusive ? doc->lines[mid] <= off : doc->lines[mid] < off;
        if (before)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Update the index after bytes [s, e) were replaced by ins bytes (data and len
 * already updated). Whether x is a line start depends only on bytes x-1 and x,
 * so starts before s are kept, starts after e move by the length delta, and
 * only the x in [s, s+ins] are found by scanning: this covers a "\r" left
 * before the edit that now meets a "\n" (or loses one) and a "\r\n" split or
 * joined at either end. */
static void reindex_edit(text_doc_t *doc, size_t s, size_t e, size_t ins)
{
    size_t k = lines_before(doc, s, false);
    if (k == 0)
        k = 1; /* lines[0] == 0 always stays */
    size_t j = lines_before(doc, e, true);
    size_t lo = s ? s - 1 : 0, hi = s + ins;
    size_t m = scan_starts(doc->data, lo, hi, NULL);
    size_t tail = doc->n_lines - j, n = k + m + tail, del = e - s;
    util_grow((void **)&doc->lines, &doc->cap_lines, n, sizeof(*doc->lines));
    uint32_t *lines = doc->lines;
    memmove(lines + k + m, lines + j, tail * sizeof(*lines));
    for (size_t i = k + m; i < n; i++)
        lines[i] = (uint32_t)((size_t)lines[i] - del + ins);
    scan_starts(doc->data, lo, hi, lines + k);
    doc->n_lines = n;
}

static text_doc_t *doc_init(char *data, size_t len, size_t cap)
{
    text_doc_t *doc = xcalloc(1, sizeof(*doc));
    doc->pos_cache = xcalloc(1, sizeof(*doc->pos_cache));
    doc->data = data;
    doc->len = len;
    doc->cap = cap;
    reindex_all(doc);
    return doc;
}

text_doc_t *text_doc_new(const char *data, size_t len)
{
    if (len > DOC_MAX_LEN)
        len = DOC_MAX_LEN;
    char *copy = xmalloc(data_cap(len));
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    return doc_init(copy, len, data_cap(len));
}

text_doc_t *text_doc_adopt(char *data, size_t len)
{
    if (!data) {
        data = xmalloc(1);
        len = 0;
    }
    if (len > DOC_MAX_LEN)
        len = DOC_MAX_LEN;
    data[len] = '\0';
    /* Kept at its size: most adopted texts (files on disk) are never
     * edited; the first edit moves to the power-of-two classes. */
    return doc_init(data, len, len + 1);
}

void text_doc_free(text_doc_t *doc)
{
    if (!doc)
        return;
    free(doc->data);
    free(doc->lines);
    free(doc->pos_cache);
    free(doc);
}

/* Forget every remembered conversion: called by each mutation, since any
 * edit may move line starts or change how a line's bytes decode. */
static void cache_clear(text_doc_t *doc)
{
    if (doc->pos_cache)
        memset(doc->pos_cache, 0, sizeof(*doc->pos_cache));
}

void text_doc_set(text_doc_t *doc, const char *data, size_t len)
{
    if (len > DOC_MAX_LEN)
        len = DOC_MAX_LEN;
    /* A fresh buffer, so data may point into the old text. */
    char *copy = xmalloc(data_cap(len));
    if (len)
        memcpy(copy, data, len);
    copy[len] = '\0';
    free(doc->data);
    doc->data = copy;
    doc->len = len;
    doc->cap = data_cap(len);
    reindex_all(doc);
    cache_clear(doc);
}

/* Content end of a valid line (before its terminator; len for the last). */
static size_t line_end(const text_doc_t *doc, size_t line)
{
    if (line + 1 >= doc->n_lines)
        return doc->len;
    size_t start = doc->lines[line], next = doc->lines[line + 1];
    if (doc->data[next - 1] == '\n' && next - 1 > start && doc->data[next - 2] == '\r')
        return next - 2;
    return next - 1;
}

/* Offset of pos; *units receives the units between the line start and it
 * (less than pos.character when clamped or rounded down). */
static size_t offset_units(const text_doc_t *doc, text_pos_t pos, text_enc_t enc, size_t *units)
{
    if (pos.line >= doc->n_lines) {
        *units = 0;
        return doc->len;
    }
    size_t start = doc->lines[pos.line], end = line_end(doc, pos.line);
    return start + advance(doc->data + start, end - start, pos.character, enc, units);
}

/* The mark on line in enc furthest along the line but not past limit,
 * comparing byte offsets (by_units false) or units (by_units true; both grow
 * together along a line); NULL when there is none. */
static const pos_mark_t *mark_before(const struct text_pos_cache *c, uint32_t line,
                                     text_enc_t enc, bool by_units, size_t limit)
{
    const pos_mark_t *best = NULL;
    if (!c)
        return NULL;
    for (size_t i = 0; i < POS_MARKS; i++) {
        const pos_mark_t *m = &c->mark[i];
        if (!m->valid || m->enc != enc || m->line != line)
            continue;
        size_t key = by_units ? m->units : m->off;
        if (key <= limit && (!best || m->off > best->off))
            best = m;
    }
    return best;
}

/* Remember that boundary off of line lies units after its start, replacing
 * the oldest mark (unless that very result is already remembered). */
static void mark_store(struct text_pos_cache *c, uint32_t line, text_enc_t enc, size_t off,
                       size_t units)
{
    if (!c)
        return;
    for (size_t i = 0; i < POS_MARKS; i++) {
        const pos_mark_t *m = &c->mark[i];
        if (m->valid && m->enc == enc && m->line == line && m->off == off)
            return;
    }
    pos_mark_t *m = &c->mark[c->next];
    m->valid = true;
    m->enc = enc;
    m->line = line;
    m->off = off;
    m->units = units;
    c->next = (c->next + 1) % POS_MARKS;
}

/* UTF-8 units are bytes: those conversions are O(1) and neither use nor
 * store marks (they would only push out the UTF-16/32 ones). Other
 * encodings walk from the furthest mark at or before the wanted units. */
size_t text_offset_at(const text_doc_t *doc, text_pos_t pos, text_enc_t enc)
{
    size_t units;
    enc = enc_norm(enc);
    if (enc == TEXT_ENC_UTF8 || pos.line >= doc->n_lines)
        return offset_units(doc, pos, enc, &units);
    size_t from = doc->lines[pos.line], end = line_end(doc, pos.line);
    units = 0;
    const pos_mark_t *m = mark_before(doc->pos_cache, pos.line, enc, true, pos.character);
    if (m) {
        from = m->off;
        units = m->units;
    }
    size_t more;
    size_t off = from + advance(doc->data + from, end - from, pos.character - units, enc, &more);
    mark_store(doc->pos_cache, pos.line, enc, off, units + more);
    return off;
}

/* Counts units from the furthest mark at or before the (clamped, rounded)
 * offset on its line, else from the line start; see text_offset_at. */
text_pos_t text_pos_at(const text_doc_t *doc, size_t offset, text_enc_t enc)
{
    enc = enc_norm(enc);
    uint32_t line = text_line_of(doc, offset);
    size_t start = doc->lines[line], end = line_end(doc, line);
    if (offset > end)
        offset = end; /* past len, or between the "\r" and "\n" of a "\r\n" */
    offset = start + cp_floor(doc->data + start, end - start, offset - start);
    if (enc == TEXT_ENC_UTF8) {
        text_pos_t pos = {line, (uint32_t)(offset - start)};
        return pos;
    }
    size_t from = start, units = 0;
    const pos_mark_t *m = mark_before(doc->pos_cache, line, enc, false, offset);
    if (m) {
        from = m->off;
        units = m->units;
    }
    units += text_units(doc->data + from, offset - from, enc);
    mark_store(doc->pos_cache, line, enc, offset, units);
    text_pos_t pos = {line, (uint32_t)units};
    return pos;
}

text_range_t text_range_at(const text_doc_t *doc, size_t start, size_t end, text_enc_t enc)
{
    /* An end before start gives an empty range at start, as edits treat it. */
    text_range_t r = {text_pos_at(doc, start, enc), text_pos_at(doc, end < start ? start : end, enc)};
    return r;
}

/* Byte span of an edit range: clamped, end >= start. An end on the start's
 * line continues walking from the start instead of from the line start, so a
 * small edit far into a huge line walks that line once. */
static void edit_span(const text_doc_t *doc, text_range_t r, text_enc_t enc, size_t *s, size_t *e)
{
    size_t units;
    *s = offset_units(doc, r.start, enc, &units);
    if (r.start.line < doc->n_lines && r.end.line == r.start.line &&
        r.end.character >= r.start.character) {
        size_t end = line_end(doc, r.start.line), more;
        *e = *s + advance(doc->data + *s, end - *s, r.end.character - units, enc, &more);
    } else {
        *e = offset_units(doc, r.end, enc, &units);
    }
    if (*e < *s)
        *e = *s;
}

/* True when p points into the document's own buffer. Compared as integers:
 * relational operators on pointers to different objects are undefined. */
static bool points_into(const text_doc_t *doc, const char *p)
{
    uintptr_t a = (uintptr_t)doc->data, x = (uintptr_t)p;
    return x >= a && x <= a + doc->len;
}

void text_doc_apply(text_doc_t *doc, text_range_t range, const char *data, size_t len,
                    text_enc_t enc, size_t *start_off, size_t *end_off)
{
    size_t s, e;
    edit_span(doc, range, enc_norm(enc), &s, &e);
    if (start_off)
        *start_off = s;
    if (end_off)
        *end_off = e;
    size_t old_len = doc->len, keep = old_len - (e - s);
    if (len > DOC_MAX_LEN - keep)
        len = DOC_MAX_LEN - keep;
    char *copy = NULL;
    if (len && points_into(doc, data)) {
        /* The inserted text is part of the document: the move below (and a
         * realloc) would change it under us. */
        copy = xmalloc(len);
        memcpy(copy, data, len);
        data = copy;
    }
    size_t new_len = keep + len;
    size_t new_cap = data_cap(new_len);
    if (new_cap > doc->cap) {
        doc->data = xrealloc(doc->data, new_cap);
        doc->cap = new_cap;
    }
    memmove(doc->data + s + len, doc->data + e, old_len - e + 1); /* with the NUL */
    if (len)
        memcpy(doc->data + s, data, len);
    if (new_cap < doc->cap && doc->cap == data_cap(old_len)) {
        doc->data = xrealloc(doc->data, new_cap);
        doc->cap = new_cap;
    }
    doc->len = new_len;
    reindex_edit(doc, s, e, len);
    cache_clear(doc);
    free(copy);
}

uint32_t text_line_of(const text_doc_t *doc, size_t offset)
{
    if (offset > doc->len)
        offset = doc->len;
    /* lines[0] == 0 <= offset, so at least one start is <= offset. */
    return (uint32_t)(lines_before(doc, offset, true) - 1);
}

size_t text_line_start(const text_doc_t *doc, uint32_t line)
{
    return line < doc->n_lines ? doc->lines[line] : doc->len;
}

size_t text_line_end(const text_doc_t *doc, uint32_t line)
{
    return line < doc->n_lines ? line_end(doc, line) : doc->len;
}

const char *text_enc_name(text_enc_t enc)
{
    switch (enc_norm(enc)) {
    case TEXT_ENC_UTF8:
        return "utf-8";
    case TEXT_ENC_UTF32:
        return "utf-32";
    case TEXT_ENC_UTF16:
    default:
        return "utf-16";
    }
}

bool text_enc_parse(const char *name, text_enc_t *enc)
{
    static const struct {
        const char *name;
        text_enc_t enc;
    } names[] = {
        {"utf-16", TEXT_ENC_UTF16},
        {"utf-8", TEXT_ENC_UTF8},
        {"utf-32", TEXT_ENC_UTF32},
    };
    if (!name)
        return false;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(names); i++) {
        if (strcmp(name, names[i].name) == 0) {
            if (enc)
                *enc = names[i].enc;
            return true;
        }
    }
    return false;
}

char *text_utf8_clean(const char *s, size_t n, size_t *out_len)
{
    char *out = xmalloc(n * 3 + 1); /* each byte grows to at most 3 */
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = text_utf8_decode(s + i, n - i, &cp);
        if (text_utf8_valid(s + i, k)) {
            memcpy(out + o, s + i, k);
            o += k;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
        i += k;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

json_t *text_json(const char *s)
{
    if (!s)
        return json_string("");
    size_t n = strlen(s);
    if (text_utf8_valid(s, n))
        return json_stringn_nocheck(s, n);
    size_t len;
    char *c = text_utf8_clean(s, n, &len);
    json_t *j = json_stringn_nocheck(c, len);
    free(c);
    return j;
}
