/* markdown: one Markdown document -> its planning model (markdown.h).
 * cmark gives the block tree; every inline span is found by scanning the
 * block's source in step with cmark's inline nodes. This module never reads
 * files or looks at other documents, never recurses on input nesting and never
 * rescans text: every pass over the document is linear. */
#include "planls/markdown.h"

#include <assert.h>
#include <cmark.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/util.h"

/* Test hook: a harness may define this to count places where the scanner
 * could not follow cmark (which would be a bug in this module). */
#ifndef MD_ON_DESYNC
#define MD_ON_DESYNC() ((void)0)
#endif

/* Documents are parsed up to this many bytes (cmark counts in int32). */
#define MD_MAX_LEN ((size_t)1 << 30)
/* cmark turns NUL into U+FFFD (3 bytes), which would shift every column
 * after it; the text cmark sees has NULs replaced by this single byte. */
#define MD_NUL_SUBST '\x1a'
#define MD_MAX_LABEL 1000 /* cmark's MAX_LINK_LABEL_LENGTH */
#define MD_MAX_PHASE_DIGITS 6

/* ------------------------------------------------------------------ */
/* Characters                                                          */

static bool is_sp(unsigned char c) { return c == ' ' || c == '\t'; }
/* cmark_isspace */
static bool is_ws(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
static bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(unsigned char c) { return (c | 32) >= 'a' && (c | 32) <= 'z'; }
static bool is_alnum(unsigned char c) { return is_digit(c) || is_alpha(c); }
static bool is_word(unsigned char c) { return is_alnum(c) || c == '_'; }
static bool is_upper(unsigned char c) { return c >= 'A' && c <= 'Z'; }
static bool is_lower(unsigned char c) { return c >= 'a' && c <= 'z'; }
/* cmark_ispunct: ASCII punctuation */
static bool is_punct(unsigned char c)
{
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
           (c >= 123 && c <= 126);
}

/* ------------------------------------------------------------------ */
/* UTF-8                                                               */

/* Decode one code point from s[0..n) (n >= 1). Strict: overlong forms,
 * surrogates and values above U+10FFFF are invalid. Returns the number of
 * bytes used (1 for an invalid byte, with *cp = -1). */
static size_t utf8_dec(const unsigned char *s, size_t n, int32_t *cp)
{
    unsigned char c = s[0];
    size_t len;
    int32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        *cp = -1;
        return 1;
    }
    if (n < len) {
        *cp = -1;
        return 1;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = -1;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) {
        *cp = -1;
        return 1;
    }
    *cp = v;
    return len;
}

static size_t utf8_enc(int32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Append s[0..n) to b as valid UTF-8: NUL bytes and invalid sequences become
 * U+FFFD, so every string of the model can go into JSON as it is. */
static void buf_append_clean(buf_t *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && u[run] && u[run] < 0x80)
            run++;
        if (run > i) {
            buf_append(b, s + i, run - i);
            i = run;
            continue;
        }
        int32_t cp;
        size_t l = u[i] ? utf8_dec(u + i, n - i, &cp) : (cp = -1, 1);
        if (cp < 0)
            buf_append(b, "\xEF\xBF\xBD", 3);
        else
            buf_append(b, s + i, l);
        i += l;
    }
}

/* Hand over a buffer's bytes as a NUL-terminated string (buf_reserve alone
 * does not terminate). Caller frees. */
static char *buf_take(buf_t *b)
{
    buf_append(b, "", 0);
    return buf_detach(b, NULL);
}

/* True when s[0..n) is valid UTF-8 without NUL bytes. */
static bool utf8_clean(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0; i < n;) {
        if (u[i] && u[i] < 0x80) {
            i++;
            continue;
        }
        int32_t cp;
        if (!u[i])
            return false;
        i += utf8_dec(u + i, n - i, &cp);
        if (cp < 0)
            return false;
    }
    return true;
}

/* cmark allocates a node (and string buffers) per block and inline:
 * thousands of small allocations per document, each freed again by
 * cmark_node_free(). For the duration of one parse they come from a bump
 * arena instead, released at once (md_parse() of a 3,600-line plan: 2.9 ->
 * 2.1 ms of CPU; no malloc_consolidate() after the tree is dropped, and no
 * page faults). cmark_mem passes no context, so the arena in use is
 * found through a thread-local pointer, set only while md_parse() runs: the
 * scan parses on several threads at once. */
typedef struct cm_blk {
    struct cm_blk *next;
    size_t used, cap;
    _Alignas(16) char data[]; /* aligned for any cmark struct */
} cm_blk_t;

typedef struct cm_arena {
    cm_blk_t *head;
    char *last; /* the latest allocation: realloc grows it in place */
} cm_arena_t;

#define CM_BLOCK0 16384
#define CM_HDR 16 /* each allocation is preceded by its size; 16: cmark's alignment */

static _Thread_local cm_arena_t *cm_cur;

static size_t cm_round(size_t n)
{
    return (n + CM_HDR - 1) / CM_HDR * CM_HDR;
}

static void *cm_alloc(size_t n)
{
    cm_arena_t *a = cm_cur;
    assert(a); /* only md_parse() hands cm_mem to cmark */
    if (n > SIZE_MAX / 2) {
        fprintf(stderr, "planls: allocation of %zu bytes\n", n);
        abort();
    }
    size_t need = cm_round(n) + CM_HDR;
    cm_blk_t *b = a->head;
    if (!b || b->cap - b->used < need) {
        size_t cap = b ? b->cap * 2 : CM_BLOCK0;
        if (cap < need)
            cap = need;
        cm_blk_t *nb = xmalloc(sizeof(*nb) + cap);
        nb->next = b;
        nb->used = 0;
        nb->cap = cap;
        a->head = b = nb;
    }
    char *p = (char *)b->data + b->used;
    b->used += need;
    *(size_t *)p = need - CM_HDR;
    a->last = p + CM_HDR;
    return a->last;
}

static void *cm_calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / 2 / size) {
        fprintf(stderr, "planls: allocation of %zu x %zu bytes\n", count, size);
        abort();
    }
    void *p = cm_alloc(count * size);
    memset(p, 0, count * size);
    return p;
}

static void *cm_realloc(void *old, size_t n)
{
    if (!old)
        return cm_alloc(n);
    size_t have = *(size_t *)((char *)old - CM_HDR);
    if (n <= have)
        return old;
    cm_arena_t *a = cm_cur;
    cm_blk_t *b = a->head;
    if (old == a->last && b->cap - b->used >= cm_round(n) - have) {
        b->used += cm_round(n) - have;
        *(size_t *)((char *)old - CM_HDR) = cm_round(n);
        return old;
    }
    void *p = cm_alloc(n);
    memcpy(p, old, have);
    return p;
}

static void cm_free(void *p)
{
    (void)p; /* released with the whole arena */
}

static void cm_arena_free(cm_arena_t *a)
{
    for (cm_blk_t *b = a->head, *next; b; b = next) {
        next = b->next;
        free(b);
    }
    a->head = NULL;
    a->last = NULL;
}

static cmark_mem cm_mem = {cm_calloc, cm_realloc, cm_free};

/* Every string of a document lives in one arena the document owns, so a
 * model of thousands of strings costs a handful of allocations. */
typedef struct arena_blk {
    struct arena_blk *next;
    size_t used, cap;
    char data[];
} arena_blk_t;

typedef struct md_doc_full {
    md_doc_t doc; /* first member: md_doc_free() casts back */
    arena_blk_t *arena;
} md_doc_full_t;

static char *arena_alloc(arena_blk_t **head, size_t n)
{
    arena_blk_t *b = *head;
    if (b && b->cap - b->used >= n) {
        char *p = b->data + b->used;
        b->used += n;
        return p;
    }
    size_t cap = b && b->cap < 65536 ? UTIL_MAX(b->cap * 2, (size_t)1024) : b ? b->cap : 1024;
    if (cap < n)
        cap = n;
    arena_blk_t *nb = xmalloc(sizeof *nb + cap);
    nb->cap = cap;
    nb->used = n;
    if (b && cap == n) { /* a big string: its own block, the head keeps filling */
        nb->next = b->next;
        b->next = nb;
    } else {
        nb->next = b;
        *head = nb;
    }
    return nb->data;
}

static void arena_free(arena_blk_t *b)
{
    while (b) {
        arena_blk_t *next = b->next;
        free(b);
        b = next;
    }
}

/* The parse arena's first block, sized for the document: the model's
 * strings take about 0.7 bytes per byte of Markdown. The parse arena lives
 * only during md_parse(): compact() moves what it holds to one exact block. */
static void arena_first(arena_blk_t **head, size_t cap)
{
    arena_blk_t *nb = xmalloc(sizeof *nb + cap);
    nb->cap = cap;
    nb->used = 0;
    nb->next = NULL;
    *head = nb;
}

/* Room for the model's arrays at their exact sizes, carved from the
 * document's one block: each array is copied in and its growable buffer
 * freed. */
typedef struct carve {
    char *p, *end;
} carve_t;

#define CARVE_ALIGN _Alignof(max_align_t)
#define CARVE_SIZE(n, elem) (((n) * (elem) + CARVE_ALIGN - 1) / CARVE_ALIGN * CARVE_ALIGN)

static void *carve_adopt(carve_t *c, void *arr, size_t n, size_t elem)
{
    void *p = NULL;
    if (arr && n) {
        p = c->p;
        memcpy(p, arr, n * elem);
        c->p += CARVE_SIZE(n, elem);
    }
    free(arr);
    return p;
}

/* Where a parse-arena block's strings moved to. */
typedef struct moved {
    const char *from, *end, *to;
} moved_t;

/* Point *s at its string's new place (pointers outside the parse arena,
 * such as literals, stay). A handful of blocks: a linear search. */
static void relocate(char **s, const moved_t *mv, size_t n)
{
    if (!*s)
        return;
    for (size_t i = 0; i < n; i++)
        if (*s >= mv[i].from && *s < mv[i].end) {
            *s = (char *)mv[i].to + (*s - mv[i].from);
            return;
        }
}

/* Move the model into one block of exactly its size: the arrays (growable
 * buffers until now) and the strings of the parse arena, whose blocks were
 * sized before the strings were known (a fifth of them unused). Every string
 * pointer of the model is moved; md_doc_free() frees the one block. */
static void compact(md_doc_full_t *full)
{
    md_doc_t *doc = &full->doc;
    size_t n_blocks = 0, strings = 0;
    for (arena_blk_t *b = full->arena; b; b = b->next) {
        n_blocks++;
        strings += b->used;
    }
#define ARRAYS(X)                                                            \
    X(doc->fields, doc->n_fields) X(doc->headings, doc->n_headings)         \
    X(doc->links, doc->n_links) X(doc->refs, doc->n_refs)                   \
    X(doc->tables, doc->n_tables) X(doc->rows, doc->n_rows)                 \
    X(doc->cells, doc->n_cells) X(doc->checks, doc->n_checks)               \
    X(doc->deps, doc->n_deps) X(doc->prios, doc->n_prios)                   \
    X(doc->code, doc->n_code)
#define SIZE(a, n) +CARVE_SIZE((n), sizeof(*(a)))
    size_t arrays = 0 ARRAYS(SIZE);
    /* The block's data is not aligned for the arrays: CARVE_ALIGN slack. */
    size_t cap = arrays + CARVE_ALIGN + strings;
    arena_blk_t *one = xmalloc(sizeof(*one) + cap);
    one->next = NULL;
    one->cap = one->used = cap;
    carve_t cv;
    cv.p = (char *)(((uintptr_t)one->data + CARVE_ALIGN - 1) & ~(uintptr_t)(CARVE_ALIGN - 1));
    cv.end = cv.p + arrays;
#define ADOPT(a, n) (a) = carve_adopt(&cv, (a), (n), sizeof(*(a)));
    ARRAYS(ADOPT)
#undef ADOPT
#undef SIZE
#undef ARRAYS
    assert(cv.p == cv.end);

    moved_t stack_mv[8];
    moved_t *mv = n_blocks <= 8 ? stack_mv : xmalloc(n_blocks * sizeof(*mv));
    char *to = cv.end;
    size_t k = 0;
    for (arena_blk_t *b = full->arena; b; b = b->next, k++) {
        if (b->used)
            memcpy(to, b->data, b->used);
        mv[k] = (moved_t){b->data, b->data + b->used, to};
        to += b->used;
    }
    relocate(&doc->h1_title, mv, n_blocks);
    for (size_t i = 0; i < doc->n_fields; i++) {
        relocate(&doc->fields[i].key, mv, n_blocks);
        relocate(&doc->fields[i].value, mv, n_blocks);
    }
    for (size_t i = 0; i < doc->n_headings; i++) {
        relocate(&doc->headings[i].text, mv, n_blocks);
        relocate(&doc->headings[i].slug, mv, n_blocks);
    }
    for (size_t i = 0; i < doc->n_links; i++) {
        md_link_t *l = &doc->links[i];
        relocate(&l->text, mv, n_blocks);
        relocate(&l->target, mv, n_blocks);
        relocate(&l->path, mv, n_blocks);
        relocate(&l->anchor, mv, n_blocks);
    }
    for (size_t i = 0; i < doc->n_cells; i++)
        relocate(&doc->cells[i].text, mv, n_blocks);
    for (size_t i = 0; i < doc->n_checks; i++)
        relocate(&doc->checks[i].text, mv, n_blocks);
    for (size_t i = 0; i < doc->n_prios; i++)
        relocate(&doc->prios[i].priority, mv, n_blocks);
    if (mv != stack_mv)
        free(mv);
    arena_free(full->arena);
    full->arena = one;
}

/* Copy of s[0..n) in the arena, NUL-terminated. */
static char *ar_dup(arena_blk_t **ar, const char *s, size_t n)
{
    char *p = arena_alloc(ar, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

/* Clean copy of s[0..n) in the arena: NUL bytes and invalid UTF-8 become
 * U+FFFD, so every string of the model can go into JSON as it is. */
static char *ar_clean(arena_blk_t **ar, const char *s, size_t n)
{
    if (utf8_clean(s, n))
        return ar_dup(ar, s, n);
    buf_t b = BUF_INIT;
    buf_append_clean(&b, s, n);
    char *p = ar_dup(ar, b.data ? b.data : "", b.len);
    buf_free(&b);
    return p;
}

/* Code points that GitHub's heading slugger removes besides ASCII
 * punctuation: punctuation, symbols (emoji included), separators and other
 * non-letters. Letters, marks (U+FE0F too, as GitHub keeps it), numbers and
 * connector punctuation stay. The table covers the blocks real documents
 * use; unlisted code points are kept. Sorted, non-overlapping. */
static const struct cp_range {
    int32_t lo, hi;
} slug_drop[] = {
    {0x0080, 0x00A9}, {0x00AB, 0x00B1}, {0x00B4, 0x00B4}, {0x00B6, 0x00B8},
    {0x00BB, 0x00BB}, {0x00BF, 0x00BF}, {0x00D7, 0x00D7}, {0x00F7, 0x00F7},
    {0x02C2, 0x02C5}, {0x02D2, 0x02DF}, {0x02E5, 0x02EB}, {0x02ED, 0x02ED},
    {0x02EF, 0x02FF}, {0x0375, 0x0375}, {0x037E, 0x037E}, {0x0384, 0x0385},
    {0x0387, 0x0387}, {0x03F6, 0x03F6}, {0x0482, 0x0482}, {0x055A, 0x055F},
    {0x0589, 0x058A}, {0x058D, 0x058F}, {0x05BE, 0x05BE}, {0x05C0, 0x05C0},
    {0x05C3, 0x05C3}, {0x05C6, 0x05C6}, {0x05F3, 0x05F4}, {0x0600, 0x060F},
    {0x061B, 0x061F}, {0x066A, 0x066D}, {0x06D4, 0x06D4}, {0x06DD, 0x06DE},
    {0x06E9, 0x06E9}, {0x06FD, 0x06FE}, {0x0964, 0x0965}, {0x0970, 0x0970},
    {0x0E3F, 0x0E3F}, {0x0E4F, 0x0E4F}, {0x0E5A, 0x0E5B}, {0x10FB, 0x10FB},
    {0x166E, 0x166E}, {0x1680, 0x1680}, {0x1800, 0x180A}, {0x180E, 0x180E},
    {0x1FBD, 0x1FBD}, {0x1FBF, 0x1FC1}, {0x1FCD, 0x1FCF}, {0x1FDD, 0x1FDF},
    {0x1FED, 0x1FEF}, {0x1FFD, 0x1FFE}, {0x2000, 0x203E}, {0x2041, 0x2053},
    {0x2055, 0x206F}, {0x207A, 0x207E}, {0x208A, 0x208E}, {0x20A0, 0x20CF},
    {0x2100, 0x2101}, {0x2103, 0x2106}, {0x2108, 0x2109}, {0x2114, 0x2114},
    {0x2116, 0x2118}, {0x211E, 0x2123}, {0x2125, 0x2125}, {0x2127, 0x2127},
    {0x2129, 0x2129}, {0x212E, 0x212E}, {0x213A, 0x213B}, {0x2140, 0x2144},
    {0x214A, 0x214D}, {0x214F, 0x214F}, {0x218A, 0x218B}, {0x2190, 0x245F},
    {0x249C, 0x24E9}, {0x2500, 0x2775}, {0x2794, 0x2BFF}, {0x2CE5, 0x2CEA},
    {0x2CF9, 0x2CFC}, {0x2CFE, 0x2CFF}, {0x2E00, 0x2FFF}, {0x3000, 0x3004},
    {0x3008, 0x3020}, {0x3030, 0x3030}, {0x3036, 0x3037}, {0x303D, 0x303F},
    {0x309B, 0x309C}, {0x30A0, 0x30A0}, {0x30FB, 0x30FB}, {0x3190, 0x3191},
    {0x3196, 0x319F}, {0x31C0, 0x31E3}, {0x3200, 0x321E}, {0x322A, 0x3247},
    {0x3250, 0x3250}, {0x3260, 0x327F}, {0x328A, 0x32B0}, {0x32C0, 0x33FF},
    {0x4DC0, 0x4DFF}, {0xA490, 0xA4C6}, {0xA4FE, 0xA4FF}, {0xA60D, 0xA60F},
    {0xA673, 0xA673}, {0xA67E, 0xA67E}, {0xA6F2, 0xA6F7}, {0xA700, 0xA716},
    {0xA720, 0xA721}, {0xA789, 0xA78A}, {0xA828, 0xA82B}, {0xA836, 0xA839},
    {0xA874, 0xA877}, {0xA8CE, 0xA8CF}, {0xA8F8, 0xA8FA}, {0xA8FC, 0xA8FC},
    {0xA92E, 0xA92F}, {0xA95F, 0xA95F}, {0xA9C1, 0xA9CD}, {0xA9DE, 0xA9DF},
    {0xAA5C, 0xAA5F}, {0xAA77, 0xAA79}, {0xAADE, 0xAADF}, {0xAAF0, 0xAAF1},
    {0xAB5B, 0xAB5B}, {0xAB6A, 0xAB6B}, {0xABEB, 0xABEB}, {0xD800, 0xF8FF},
    {0xFB29, 0xFB29}, {0xFBB2, 0xFBC2}, {0xFD3E, 0xFD3F}, {0xFDFC, 0xFDFF},
    {0xFE10, 0xFE19}, {0xFE30, 0xFE32}, {0xFE35, 0xFE4C}, {0xFE50, 0xFE6B},
    {0xFEFF, 0xFEFF}, {0xFF01, 0xFF0F}, {0xFF1A, 0xFF20}, {0xFF3B, 0xFF3E},
    {0xFF40, 0xFF40}, {0xFF5B, 0xFF65}, {0xFFE0, 0xFFEE}, {0xFFF0, 0xFFFF},
    {0x1D000, 0x1D164}, {0x1D16A, 0x1D16C}, {0x1D183, 0x1D184},
    {0x1D18C, 0x1D1A9}, {0x1D1AE, 0x1D241}, {0x1D245, 0x1D245},
    {0x1D300, 0x1D356}, {0x1EEF0, 0x1EEF1}, {0x1F000, 0x1F0FF},
    {0x1F10D, 0x1FAFF}, {0x1FB00, 0x1FBEF}, {0xE0001, 0xE0001},
    {0xE0020, 0xE007F}, {0xF0000, 0x10FFFF},
};

static bool cp_slug_dropped(int32_t cp)
{
    size_t lo = 0, hi = UTIL_ARRAY_LEN(slug_drop);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (cp < slug_drop[mid].lo)
            hi = mid;
        else if (cp > slug_drop[mid].hi)
            lo = mid + 1;
        else
            return true;
    }
    return false;
}

/* Simple lower-case mapping for the scripts planning documents use (Latin,
 * Greek, Cyrillic, Armenian, full-width Latin); other code points are kept. */
static int32_t cp_lower(int32_t c)
{
    if ((c >= 0xC0 && c <= 0xDE && c != 0xD7) || (c >= 0x391 && c <= 0x3AB && c != 0x3A2) ||
        (c >= 0x410 && c <= 0x42F) || (c >= 0xFF21 && c <= 0xFF3A))
        return c + 0x20;
    if ((c >= 0x100 && c <= 0x137) || (c >= 0x14A && c <= 0x177) || (c >= 0x460 && c <= 0x481) ||
        (c >= 0x48A && c <= 0x4BF) || (c >= 0x1E00 && c <= 0x1E95) || (c >= 0x1EA0 && c <= 0x1EFF))
        return (c & 1) ? c : c + 1;
    if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
        return (c & 1) ? c + 1 : c;
    if (c == 0x178)
        return 0xFF;
    if (c >= 0x400 && c <= 0x40F)
        return c + 0x50;
    if (c >= 0x531 && c <= 0x556)
        return c + 0x30;
    if (c == 0x386)
        return 0x3AC;
    if (c >= 0x388 && c <= 0x38A)
        return c + 37;
    if (c == 0x38C)
        return 0x3CC;
    if (c == 0x38E || c == 0x38F)
        return c + 63;
    return c;
}

/* ------------------------------------------------------------------ */
/* Public string helpers                                               */

/* Append GitHub's slug of text to b (never longer than 2 bytes per input
 * byte: only İ grows, from 2 bytes to 3). */
static void slug_into(buf_t *b, const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t n = strlen((const char *)s), i = 0;
    buf_reserve(b, 2 * n);
    char *o = b->data + b->len;
    while (i < n) {
        unsigned char c = s[i];
        if (c < 0x80) {
            if (is_lower(c) || is_digit(c) || c == '-' || c == '_')
                *o++ = (char)c;
            else if (is_upper(c))
                *o++ = (char)(c | 32);
            else if (c == ' ')
                *o++ = '-';
            i++;
            continue;
        }
        int32_t cp;
        size_t l = utf8_dec(s + i, n - i, &cp);
        i += l;
        if (cp < 0 || cp_slug_dropped(cp))
            continue;
        if (cp == 0x130) { /* JavaScript lower-cases İ to i + U+0307 */
            memcpy(o, "i\xCC\x87", 3);
            o += 3;
            continue;
        }
        o += utf8_enc(cp_lower(cp), o);
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = '\0';
}

char *md_slug(const char *text)
{
    buf_t b = BUF_INIT;
    slug_into(&b, text);
    return buf_take(&b);
}

/* True for the code points of a leading "emoji run": symbols, punctuation
 * outside ASCII, variation selectors, joiners and combining keycaps. */
static bool cp_is_decoration(int32_t cp)
{
    return cp < 0 || cp_slug_dropped(cp) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

const char *md_heading_bare(const char *text)
{
    const unsigned char *s = (const unsigned char *)(text ? text : "");
    size_t i = 0;
    /* No strlen: rules look headings up hundreds of thousands of times
     * during a scan, and only the leading decoration is read. */
    while (s[i]) {
        if (s[i] < 0x80) {
            if (!is_ws(s[i]))
                break;
            i++;
            continue;
        }
        int32_t cp;
        size_t l = utf8_dec(s + i, strnlen((const char *)s + i, 4), &cp);
        if (!cp_is_decoration(cp))
            break;
        i += l;
    }
    return (const char *)s + i;
}

/* ------------------------------------------------------------------ */
/* Document kinds                                                      */

static bool has_suffix_ci(const char *s, size_t n, const char *suf)
{
    size_t k = strlen(suf);
    return n >= k && util_ieqn(s + n - k, suf, k);
}

/* s[0..n) is one or more runs of `cls` characters separated by single '-'. */
static bool is_dashed_run(const char *s, size_t n, bool (*cls)(unsigned char))
{
    if (n == 0 || s[0] == '-' || s[n - 1] == '-')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '-') {
            if (s[i + 1] == '-')
                return false;
        } else if (!cls(c)) {
            return false;
        }
    }
    return true;
}

static bool is_lower_or_digit(unsigned char c) { return is_lower(c) || is_digit(c); }
static bool is_upper_or_digit(unsigned char c) { return is_upper(c) || is_digit(c); }
static bool is_name_char(unsigned char c)
{
    return is_alnum(c) || c == '_' || c == '-' || c == '.';
}

md_kind_t md_kind_from_name(const char *basename, int *number, bool *malformed)
{
    int num = -1;
    bool bad = false;
    md_kind_t kind = MD_KIND_OTHER;
    const char *s = basename ? basename : "";
    const char *slash = strrchr(s, '/');
    if (slash)
        s = slash + 1;
    size_t n = strlen(s), d = 0;
    while (d < n && is_digit((unsigned char)s[d]))
        d++;

    if (strcmp(s, "START-HERE.md") == 0) {
        kind = MD_KIND_START;
    } else if (strcmp(s, "README.md") == 0) {
        kind = MD_KIND_README;
    } else if ((util_has_suffix(s, "-COMPLETE.md") && n > 12) ||
               (util_has_suffix(s, "-TESTING.md") && n > 11)) {
        bool complete = util_has_suffix(s, "-COMPLETE.md");
        size_t k = n - (complete ? 12 : 11);
        bool ok = true;
        for (size_t i = 0; i < k; i++)
            ok = ok && is_name_char((unsigned char)s[i]);
        if (ok)
            kind = complete ? MD_KIND_COMPLETE : MD_KIND_TESTING;
    } else if (d >= 2 && d <= MD_MAX_PHASE_DIGITS && s[d] == '-') {
        const char *rest = s + d + 1;
        size_t rn = n - d - 1;
        if (rn > 8 && util_has_suffix(rest, "-plan.md") &&
            is_dashed_run(rest, rn - 8, is_lower_or_digit)) {
            kind = MD_KIND_PLAN;
        } else if (rn >= 11 && util_has_suffix(rest, "ANALYSIS.md") &&
                   (rn == 11 || (rest[rn - 12] == '-' &&
                                 is_dashed_run(rest, rn - 12, is_upper_or_digit)))) {
            kind = MD_KIND_ANALYSIS;
        }
        if (kind != MD_KIND_OTHER)
            num = atoi(s);
    }
    if (kind == MD_KIND_OTHER) {
        /* Near misses: a plan/analysis suffix, or a number prefix. */
        bool plan_like = has_suffix_ci(s, n, "plan.md") && n > 7 &&
                         (s[n - 8] == '-' || s[n - 8] == '_');
        bool analysis_like = has_suffix_ci(s, n, "analysis.md") &&
                             (n == 11 || s[n - 12] == '-' || s[n - 12] == '_');
        bool numbered = d >= 1 && d < n && (s[d] == '-' || s[d] == '_') &&
                        has_suffix_ci(s, n, ".md");
        bad = plan_like || analysis_like || numbered;
    }
    if (number)
        *number = num;
    if (malformed)
        *malformed = bad;
    return kind;
}

const char *md_kind_name(md_kind_t kind)
{
    switch (kind) {
    case MD_KIND_START: return "start";
    case MD_KIND_README: return "readme";
    case MD_KIND_ANALYSIS: return "analysis";
    case MD_KIND_PLAN: return "plan";
    case MD_KIND_COMPLETE: return "complete";
    case MD_KIND_TESTING: return "testing";
    case MD_KIND_OTHER: break;
    }
    return "other";
}

/* ------------------------------------------------------------------ */
/* Parser state                                                        */

/* A leaf block's content as cmark builds it (container prefixes and line
 * indentation removed, lines joined by '\n'), with the map back to source:
 * content [c, c+n) is source [s, s+n); the '\n' after it maps to s+n. */
typedef struct seg {
    uint32_t c, s, n;
    uint32_t li; /* source line index */
} seg_t;

typedef struct blk {
    buf_t buf;
    seg_t *segs;
    size_t n_segs, cap_segs;
    uint32_t istart; /* inline content starts here (after reference defs) */
    uint32_t lim;    /* inline content ends here (trailing space trimmed) */
    uint32_t pos;    /* scanning cursor, in step with cmark's inlines */
    bool desync;     /* the scanner lost cmark; nothing more is recorded */
} blk_t;

enum { FR_LINK, FR_IMAGE };

/* An open link or image while walking inlines. */
typedef struct iframe {
    cmark_node *node;
    int kind;
    int link;        /* index in doc->links, -1 when not recorded */
    uint32_t label;  /* content offset of the label's first byte */
} iframe_t;

/* An open list item. */
typedef struct item {
    md_span_t line;        /* its first line, from the marker */
    int phase;             /* "**Phase N:**" lead line, -1 otherwise */
    md_span_t phase_span;
    size_t dep0;           /* first dependency recorded for it */
} item_t;

/* An open block quote or list item, as cmark matches it on later lines. */
typedef struct ctr {
    bool bq;
    int line;       /* 1-based line it starts on */
    uint32_t off;   /* where its content starts on that line */
    int col;        /* ... as a tab-expanded column */
    bool ptab;      /* ... inside a partially consumed tab */
    int required;   /* list item: columns of indentation a line needs */
} ctr_t;

/* A position on a line while matching container prefixes (cmark's
 * offset / column / partially_consumed_tab). */
typedef struct lpos {
    uint32_t off, end;
    int col;
    bool ptab;
    uint32_t fo; /* cached first non-blank at or after off (when fo_ok) */
    int fcol;
    bool fo_ok;
} lpos_t;

typedef struct refdef {
    char *label; /* normalised, in the arena */
    md_span_t target;
    md_span_t anchor;
    uint32_t order;
} refdef_t;

typedef struct pending {
    size_t link;
    char *label; /* normalised, in the arena */
} pending_t;

typedef struct ent {
    char name[33];
    char val[16];
    uint8_t vlen; /* 0 = not an entity */
    bool used;
} ent_t;

typedef struct ps {
    arena_blk_t **ar; /* the document's string arena */
    const char *w; /* the text cmark sees (NULs substituted) */
    uint32_t len;
    uint32_t *ls, *le; /* line starts and content ends (before terminator) */
    uint32_t n_lines;
    uint8_t *covered;  /* per line: inside a leaf block cmark kept */
    md_doc_t *doc;
    size_t cap_fields, cap_headings, cap_links, cap_refs, cap_tables, cap_rows,
        cap_cells, cap_checks, cap_deps, cap_prios, cap_code;

    int cur_section;
    bool seen_h2;
    int list_depth;
    ctr_t *ctr; /* open block quotes and list items, outermost first */
    size_t n_ctr, cap_ctr;
    uint32_t colc_li, colc_off; /* tab-expansion cache for col_at() */
    int colc_col;
    int req_level, dep_level, prio_level; /* open special sections, 0 = none */

    item_t *items;
    size_t n_items, cap_items;

    /* the leaf block being walked */
    bool in_blk;
    cmark_node *blk_node;
    int blk_heading; /* heading index, or -1 for a paragraph */
    bool blk_lead;   /* paragraph is the first block of a list item */
    blk_t b;
    size_t r0, l0, c0;
    iframe_t *fr;
    size_t n_fr, cap_fr;
    int image_depth;
    int rec_link;
    cmark_node *skip_node; /* autolink whose children are skipped */
    buf_t htext, ltext;

    refdef_t *defs;
    size_t n_defs, cap_defs;
    pending_t *pend;
    size_t n_pend, cap_pend;
    ent_t *ents; /* named-entity cache, 512 slots, allocated on first use */
    md_span_t *scratch; /* table cells of the row being split */
    size_t cap_scratch;
    struct mention *ments; /* phases named by the current paragraph */
    size_t cap_ments;
    bool *labelled;
    size_t cap_labelled;
} ps_t;

static md_span_t span(uint32_t a, uint32_t b)
{
    md_span_t s = {a, b < a ? a : b};
    return s;
}

/* Source offset of cmark's (line, column), both 1-based, clamped to the
 * line's content. */
static uint32_t off_of(const ps_t *ps, int line, int col)
{
    if (ps->n_lines == 0)
        return 0;
    uint32_t li = line < 1 ? 0 : (uint32_t)line - 1;
    if (li >= ps->n_lines)
        li = ps->n_lines - 1;
    uint32_t o = ps->ls[li] + (col < 1 ? 0 : (uint32_t)col - 1);
    return o > ps->le[li] ? ps->le[li] : o;
}

static uint32_t line_index(const ps_t *ps, int line)
{
    uint32_t li = line < 1 ? 0 : (uint32_t)line - 1;
    return li >= ps->n_lines ? ps->n_lines - 1 : li;
}

/* End of line li without trailing blanks, but not before `from`. */
static uint32_t line_end_trim(const ps_t *ps, uint32_t li, uint32_t from)
{
    uint32_t e = ps->le[li];
    while (e > from && is_sp((unsigned char)ps->w[e - 1]))
        e--;
    return e;
}

/* Split the text into lines the way cmark does: "\n", "\r\n" and a lone
 * "\r" all end a line; a UTF-8 BOM before line 1 is not part of it. */
static void lines_build(ps_t *ps)
{
    const char *w = ps->w;
    uint32_t n = ps->len, cap = 64, k = 0, i = 0;
    if (n >= 3 && memcmp(w, "\xEF\xBB\xBF", 3) == 0)
        i = 3;
    ps->ls = xmalloc(cap * sizeof(uint32_t));
    ps->le = xmalloc(cap * sizeof(uint32_t));
    ps->ls[0] = i;
    for (; i < n; i++) {
        if (w[i] != '\n' && w[i] != '\r')
            continue;
        ps->le[k] = i;
        if (w[i] == '\r' && i + 1 < n && w[i + 1] == '\n')
            i++;
        if (++k == cap) {
            cap *= 2;
            ps->ls = xrealloc(ps->ls, cap * sizeof(uint32_t));
            ps->le = xrealloc(ps->le, cap * sizeof(uint32_t));
        }
        ps->ls[k] = i + 1;
    }
    ps->le[k] = n;
    ps->n_lines = k + 1;
    ps->covered = xcalloc(ps->n_lines, 1);
}

static void cover(ps_t *ps, int sl, int el)
{
    uint32_t a = line_index(ps, sl), b = line_index(ps, el);
    for (uint32_t i = a; i <= b; i++)
        ps->covered[i] = 1;
}

/* ------------------------------------------------------------------ */
/* Block content and its source map                                    */

static void blk_reset(blk_t *b)
{
    buf_clear(&b->buf);
    b->n_segs = 0;
    b->istart = b->lim = b->pos = 0;
    b->desync = false;
}

static void blk_add(blk_t *b, const char *w, uint32_t li, uint32_t s, uint32_t e, bool newline)
{
    if (e < s)
        e = s;
    seg_t sg = {(uint32_t)b->buf.len, s, e - s, li};
    UTIL_PUSH(b->segs, b->n_segs, b->cap_segs, sg);
    buf_append(&b->buf, w + s, e - s);
    if (newline)
        buf_append_char(&b->buf, '\n');
}

/* Index of the last segment starting at or before content offset c. */
static size_t seg_at(const blk_t *b, uint32_t c)
{
    size_t lo = 0, hi = b->n_segs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (b->segs[mid].c <= c)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Source offset of the content byte at c (start of a span). */
static uint32_t src_at(const blk_t *b, uint32_t c)
{
    if (b->n_segs == 0)
        return 0;
    const seg_t *s = &b->segs[seg_at(b, c)];
    uint32_t off = c > s->c ? c - s->c : 0;
    return s->s + (off > s->n ? s->n : off);
}

/* Source offset just after content byte c-1 (end of a span). */
static uint32_t src_end(const blk_t *b, uint32_t c)
{
    if (b->n_segs == 0)
        return 0;
    if (c == 0)
        return b->segs[0].s;
    const seg_t *s = &b->segs[seg_at(b, c - 1)];
    uint32_t off = c - s->c;
    return s->s + (off > s->n ? s->n : off);
}

static md_span_t src_span(const blk_t *b, uint32_t a, uint32_t e)
{
    uint32_t sa = src_at(b, a);
    return span(sa, e > a ? src_end(b, e) : sa);
}

/* Tab-expanded column (tab stops of 4) of byte `off` on line li. Cached, so
 * increasing offsets on one line cost linear time in total. */
static int col_at(ps_t *ps, uint32_t li, uint32_t off)
{
    uint32_t p = ps->ls[li];
    int col = 0;
    if (ps->colc_li == li && ps->colc_off <= off && ps->colc_off >= p)
        p = ps->colc_off, col = ps->colc_col;
    for (; p < off; p++)
        col = ps->w[p] == '\t' ? col + 4 - col % 4 : col + 1;
    ps->colc_li = li, ps->colc_off = off, ps->colc_col = col;
    return col;
}

/* cmark's S_find_first_nonspace: returns the indentation in columns and
 * the first non-blank byte in *fo. Like cmark it caches that byte, so the
 * blanks of a line are scanned once however many containers match there
 * (tab stops are absolute, so the cached column stays right). */
static int lp_indent(const ps_t *ps, lpos_t *st, uint32_t *fo)
{
    if (!st->fo_ok || st->fo < st->off) {
        uint32_t p = st->off;
        int col = st->col, to_tab = 4 - st->col % 4;
        while (p < st->end) {
            if (ps->w[p] == ' ') {
                p++, col++;
                if (--to_tab == 0)
                    to_tab = 4;
            } else if (ps->w[p] == '\t') {
                p++, col += to_tab;
                to_tab = 4;
            } else {
                break;
            }
        }
        st->fo = p, st->fcol = col, st->fo_ok = true;
    }
    *fo = st->fo;
    return st->fcol - st->col;
}

/* cmark's S_advance_offset by columns. */
static void lp_advance(const ps_t *ps, lpos_t *st, int count)
{
    while (count > 0 && st->off < st->end) {
        if (ps->w[st->off] == '\t') {
            int to_tab = 4 - st->col % 4, step = to_tab < count ? to_tab : count;
            st->ptab = to_tab > count;
            st->col += step;
            st->off += st->ptab ? 0 : 1;
            count -= step;
        } else {
            st->ptab = false;
            st->off++, st->col++;
            count--;
        }
    }
}

/* Position on line li after the prefixes of the first n open containers,
 * stopping where one does not match (a lazy line). Containers opened on
 * li itself are not matched: their recorded content start is used. */
static lpos_t lp_match(ps_t *ps, uint32_t li, size_t n, bool *lazy)
{
    *lazy = true;
    lpos_t st = {ps->ls[li], ps->le[li], 0, false, 0, 0, false};
    size_t lo = 0, hi = n;
    while (lo < hi) { /* first container opened on li (lines ascend) */
        size_t mid = (lo + hi) / 2;
        if (ps->ctr[mid].line < (int)li + 1)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = 0; i < lo; i++) {
        const ctr_t *c = &ps->ctr[i];
        uint32_t fo;
        int indent = lp_indent(ps, &st, &fo);
        if (c->bq) {
            if (indent > 3 || fo >= st.end || ps->w[fo] != '>')
                return st;
            lp_advance(ps, &st, indent + 1);
            if (st.off < st.end && is_sp((unsigned char)ps->w[st.off]))
                lp_advance(ps, &st, 1);
        } else {
            if (indent < c->required)
                return st;
            lp_advance(ps, &st, c->required);
        }
    }
    if (lo < n) {
        const ctr_t *c = &ps->ctr[n - 1];
        st.off = c->off, st.col = c->col, st.ptab = c->ptab, st.fo_ok = false;
    }
    *lazy = false;
    return st;
}

/* First byte of a paragraph's continuation line: after the container
 * prefixes cmark matches and the indentation it strips (a lazy line keeps
 * its indentation, as in cmark). */
static uint32_t cont_start(ps_t *ps, uint32_t li)
{
    bool lazy;
    lpos_t st = lp_match(ps, li, ps->n_ctr, &lazy);
    uint32_t p = st.off;
    if (lazy)
        return st.ptab ? p + 1 : p;
    while (p < st.end && is_sp((unsigned char)ps->w[p]))
        p++;
    return p;
}

/* A block quote opens: its content starts after '>' and one blank. */
static void ctr_push_bq(ps_t *ps, cmark_node *n)
{
    int line = cmark_node_get_start_line(n);
    uint32_t li = line_index(ps, line), g = off_of(ps, line, cmark_node_get_start_column(n));
    lpos_t st = {g + 1, ps->le[li], col_at(ps, li, g) + 1, false, 0, 0, false};
    if (st.off < st.end && is_sp((unsigned char)ps->w[st.off]))
        lp_advance(ps, &st, 1);
    ctr_t c = {true, line, st.off, st.col, st.ptab, 0};
    UTIL_PUSH(ps->ctr, ps->n_ctr, ps->cap_ctr, c);
}

/* A list item opens: compute the indentation its later lines need
 * (marker offset + padding, as cmark's parse_list_marker does). */
static void ctr_push_item(ps_t *ps, cmark_node *n)
{
    const char *w = ps->w;
    int line = cmark_node_get_start_line(n);
    uint32_t li = line_index(ps, line), m = off_of(ps, line, cmark_node_get_start_column(n));
    bool lazy;
    lpos_t parent = lp_match(ps, li, ps->n_ctr, &lazy);
    int mcol = col_at(ps, li, m), width = 1;
    if (m < ps->le[li] && is_digit((unsigned char)w[m])) {
        uint32_t q = m;
        while (q < ps->le[li] && q - m < 9 && is_digit((unsigned char)w[q]))
            q++;
        width = (int)(q - m) + 1;
    }
    lpos_t st = {m + (uint32_t)width, ps->le[li], mcol + width, false, 0, 0, false};
    if (st.off > st.end)
        st.off = st.end;
    lpos_t save = st;
    while (st.col - save.col <= 5 && st.off < st.end && is_sp((unsigned char)w[st.off]))
        lp_advance(ps, &st, 1);
    int i = st.col - save.col, padding = width + i;
    if (i >= 5 || i < 1 || st.off >= st.end) {
        padding = width + 1;
        st = save;
        if (i > 0)
            lp_advance(ps, &st, 1);
    }
    int moff = mcol - parent.col;
    ctr_t c = {false, line, st.off, st.col, st.ptab, (moff > 0 ? moff : 0) + padding};
    UTIL_PUSH(ps->ctr, ps->n_ctr, ps->cap_ctr, c);
}

/* ------------------------------------------------------------------ */
/* cmark's inline scanners, on a content buffer c[0..n)                 */

static uint32_t scan_spacechars(const char *c, uint32_t p, uint32_t n)
{
    uint32_t q = p;
    while (q < n && is_ws((unsigned char)c[q]))
        q++;
    return q - p;
}

/* cmark's link_label: "[...]" with no unescaped brackets, at most 1000
 * bytes. On success [*ls, *le) is the raw label and *after follows ']'. */
static bool scan_label(const char *c, uint32_t p, uint32_t n, uint32_t *ls, uint32_t *le,
                       uint32_t *after)
{
    if (p >= n || c[p] != '[')
        return false;
    uint32_t q = p + 1, length = 0;
    while (q < n && c[q] != '[' && c[q] != ']') {
        if (c[q] == '\\') {
            q++;
            length++;
            if (q < n && is_punct((unsigned char)c[q])) {
                q++;
                length++;
            }
        } else {
            q++;
            length++;
        }
        if (length > MD_MAX_LABEL)
            return false;
    }
    if (q >= n || c[q] != ']')
        return false;
    *ls = p + 1;
    *le = q;
    *after = q + 1;
    return true;
}

/* cmark's manual_scan_link_url: returns the matched length or -1; the
 * destination proper is [*ds, *de) (inside the pointy brackets). */
static int64_t scan_url(const char *c, uint32_t off, uint32_t n, uint32_t *ds, uint32_t *de)
{
    uint32_t i = off;
    if (i < n && c[i] == '<') {
        ++i;
        while (i < n) {
            if (c[i] == '>') {
                ++i;
                break;
            } else if (c[i] == '\\') {
                i += 2;
            } else if (c[i] == '\n' || c[i] == '<') {
                return -1;
            } else {
                ++i;
            }
        }
        if (i >= n)
            return -1;
        *ds = off + 1;
        *de = i - 1;
        return i - off;
    }
    size_t nb_p = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)c[i];
        if (ch == '\\' && i + 1 < n && is_punct((unsigned char)c[i + 1])) {
            i += 2;
        } else if (ch == '(') {
            ++nb_p;
            ++i;
            if (nb_p > 32)
                return -1;
        } else if (ch == ')') {
            if (nb_p == 0)
                break;
            --nb_p;
            ++i;
        } else if (is_ws(ch)) {
            if (i == off)
                return -1;
            break;
        } else {
            ++i;
        }
    }
    if (i >= n || nb_p != 0)
        return -1;
    *ds = off;
    *de = i;
    return i - off;
}

/* cmark's scan_link_title (an re2c longest match): "…", '…' or (…) where a
 * closing (or, for parentheses, any) bracket inside must follow a backslash.
 * Returns the matched length or 0. */
static uint32_t scan_title(const char *c, uint32_t p, uint32_t n)
{
    if (p >= n)
        return 0;
    char open = c[p], close = open == '(' ? ')' : open;
    if (open != '"' && open != '\'' && open != '(')
        return 0;
    uint32_t best = 0;
    for (uint32_t q = p + 1; q < n; q++) {
        char ch = c[q];
        if (ch != close && !(open == '(' && ch == '('))
            continue;
        bool escaped = c[q - 1] == '\\' && q - 1 > p;
        if (ch == close)
            best = q + 1 - p;
        if (!escaped)
            break;
    }
    return best;
}

/* Skip spaces, at most one line end, spaces (cmark's spnl). */
static uint32_t spnl(const char *c, uint32_t q, uint32_t n)
{
    while (q < n && is_sp((unsigned char)c[q]))
        q++;
    bool nl = false;
    if (q < n && c[q] == '\r')
        q++, nl = true;
    if (q < n && c[q] == '\n')
        q++, nl = true;
    if (nl)
        while (q < n && is_sp((unsigned char)c[q]))
            q++;
    return q;
}

/* Normalised reference label, in the arena: ASCII and common scripts
 * lower-cased, whitespace runs collapsed, trimmed (cmark case-folds the
 * same way for the labels documents use). Lower-casing never lengthens. */
static char *label_norm(ps_t *ps, const char *c, uint32_t a, uint32_t e)
{
    char *out = arena_alloc(ps->ar, e - a + 1);
    size_t n = 0;
    bool space = false;
    const unsigned char *u = (const unsigned char *)c;
    uint32_t i = a;
    while (i < e) {
        if (is_ws(u[i])) {
            space = true;
            i++;
            continue;
        }
        if (space && n)
            out[n++] = ' ';
        space = false;
        if (u[i] < 0x80) {
            out[n++] = (char)(is_upper(u[i]) ? u[i] | 32 : u[i]);
            i++;
            continue;
        }
        int32_t cp;
        size_t l = utf8_dec(u + i, e - i, &cp);
        if (cp < 0) {
            out[n++] = c[i];
        } else if (cp == 0xDF || cp == 0x1E9E) { /* ß and ẞ fold to "ss" */
            out[n++] = 's';
            out[n++] = 's';
        } else {
            n += utf8_enc(cp_lower(cp), out + n);
        }
        i += (uint32_t)l;
    }
    out[n] = '\0';
    return out;
}

/* Span of the anchor inside destination content [ds, de): after the first
 * '#', or empty at the end when there is none. */
static md_span_t anchor_in(const blk_t *b, uint32_t ds, uint32_t de)
{
    const char *c = b->buf.data;
    for (uint32_t i = ds; i < de; i++)
        if (c[i] == '#')
            return src_span(b, i + 1, de);
    uint32_t e = src_end(b, de);
    return span(de > ds ? e : src_at(b, ds), de > ds ? e : src_at(b, ds));
}

/* Trim cmark whitespace from a destination [*ds, *de) (cmark_clean_url). */
static void dest_trim(const char *c, uint32_t *ds, uint32_t *de)
{
    while (*ds < *de && is_ws((unsigned char)c[*ds]))
        (*ds)++;
    while (*de > *ds && is_ws((unsigned char)c[*de - 1]))
        (*de)--;
}

/* cmark_parse_reference_inline on content from p0. Records the definition
 * and returns the bytes it used, or 0 when there is none. */
static uint32_t parse_refdef(ps_t *ps, const blk_t *b, uint32_t p0)
{
    const char *c = b->buf.data;
    uint32_t n = (uint32_t)b->buf.len, ls, le, q, ds = 0, de = 0;
    if (!scan_label(c, p0, n, &ls, &le, &q))
        return 0;
    uint32_t ta = ls, te = le;
    dest_trim(c, &ta, &te);
    if (ta == te)
        return 0;
    if (q >= n || c[q] != ':')
        return 0;
    q = spnl(c, q + 1, n);
    int64_t m = scan_url(c, q, n, &ds, &de);
    if (m < 0)
        return 0;
    q += (uint32_t)m;
    uint32_t before = q;
    q = spnl(c, q, n);
    uint32_t tl = q == before ? 0 : scan_title(c, q, n);
    q = tl ? q + tl : before;
    while (q < n && is_sp((unsigned char)c[q]))
        q++;
    bool end = false;
    if (q < n && c[q] == '\r')
        q++, end = true;
    if (q < n && c[q] == '\n')
        q++, end = true;
    if (!end && q < n) {
        if (!tl)
            return 0;
        q = before;
        while (q < n && is_sp((unsigned char)c[q]))
            q++;
        end = false;
        if (q < n && c[q] == '\r')
            q++, end = true;
        if (q < n && c[q] == '\n')
            q++, end = true;
        if (!end && q < n)
            return 0;
    }
    char *label = label_norm(ps, c, ls, le);
    if (!label[0])
        return q - p0;
    dest_trim(c, &ds, &de);
    refdef_t d = {label, src_span(b, ds, de), anchor_in(b, ds, de), src_at(b, p0)};
    UTIL_PUSH(ps->defs, ps->n_defs, ps->cap_defs, d);
    return q - p0;
}

/* ------------------------------------------------------------------ */
/* Entities                                                            */

/* Length of an entity-shaped "&...;" at c[p] (houdini's rules: decimal up
 * to 7 digits, hex up to 6, named up to 31 alphanumerics), 0 otherwise.
 * *numeric receives the code point for numeric ones, -1 for named. */
static uint32_t entity_len(const char *c, uint32_t p, uint32_t n, int32_t *numeric)
{
    uint32_t i = p + 1;
    *numeric = -1;
    if (i < n && c[i] == '#') {
        bool hex = i + 1 < n && (c[i + 1] == 'x' || c[i + 1] == 'X');
        uint32_t d = i + (hex ? 2 : 1), q = d;
        int32_t v = 0;
        while (q < n && (hex ? (is_digit((unsigned char)c[q]) ||
                                 ((c[q] | 32) >= 'a' && (c[q] | 32) <= 'f'))
                              : is_digit((unsigned char)c[q]))) {
            int dv = is_digit((unsigned char)c[q]) ? c[q] - '0' : (c[q] | 32) - 'a' + 10;
            v = v * (hex ? 16 : 10) + dv;
            if (v >= 0x110000)
                v = 0x110000;
            q++;
        }
        uint32_t nd = q - d;
        if (nd < 1 || nd > (hex ? 6u : 7u) || q >= n || c[q] != ';')
            return 0;
        if (v == 0 || (v >= 0xD800 && v < 0xE000) || v >= 0x110000)
            v = 0xFFFD;
        *numeric = v;
        return q + 1 - p;
    }
    for (uint32_t k = 0; i + k < n && k < 31; k++) {
        char ch = c[i + k];
        if (ch == ';')
            return k >= 2 ? k + 2 : 0;
        if (!is_alnum((unsigned char)ch))
            return 0;
    }
    return 0;
}

/* Decode the named entity c[p..p+el) with cmark itself (the entity table is
 * cmark's), through a small cache. Returns the value's length, 0 when the
 * name is not an entity. */
static size_t entity_named(ps_t *ps, const char *c, uint32_t p, uint32_t el, const char **val)
{
    size_t nl = el - 2;
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < nl; i++)
        h = (h ^ (unsigned char)c[p + 1 + i]) * 16777619u;
    if (!ps->ents)
        ps->ents = xcalloc(512, sizeof(ent_t));
    ent_t *e = &ps->ents[h & 511];
    if (!e->used || strlen(e->name) != nl || memcmp(e->name, c + p + 1, nl) != 0) {
        memcpy(e->name, c + p + 1, nl);
        e->name[nl] = '\0';
        e->used = true;
        e->vlen = 0;
        cmark_node *doc = cmark_parse_document(c + p, el, CMARK_OPT_DEFAULT);
        cmark_node *para = doc ? cmark_node_first_child(doc) : NULL;
        cmark_node *t = para ? cmark_node_first_child(para) : NULL;
        const char *lit =
            t && cmark_node_get_type(t) == CMARK_NODE_TEXT ? cmark_node_get_literal(t) : NULL;
        size_t ll = lit ? strlen(lit) : 0;
        /* an unknown name comes back as the text itself */
        if (lit && ll && ll < sizeof(e->val) && !(ll == el && memcmp(lit, c + p, el) == 0)) {
            memcpy(e->val, lit, ll);
            e->vlen = (uint8_t)ll;
        }
        if (doc)
            cmark_node_free(doc);
    }
    *val = e->val;
    return e->vlen;
}

/* ------------------------------------------------------------------ */
/* Inline matching: advance b->pos over the source of one inline node     */

/* A TEXT literal: source bytes, backslash escapes and entities (cmark
 * merges adjacent text nodes, so all three may mix). */
static bool match_text(ps_t *ps, blk_t *b, const char *lit, size_t ll)
{
    const char *c = b->buf.data;
    uint32_t p = b->pos, lim = b->lim;
    size_t i = 0;
    if (p > 0 && c[p - 1] == '\n' && ll && is_sp((unsigned char)lit[0])) {
        /* indentation cmark kept (a lazy line, a partially used tab) */
        while (i < ll && is_sp((unsigned char)lit[i]))
            i++;
        while (p < lim && is_sp((unsigned char)c[p]))
            p++;
        lit += i, ll -= i, i = 0;
    }
    /* the usual case: no escape or entity can hide in the span */
    if (ll <= lim - p && memcmp(c + p, lit, ll) == 0 && !memchr(lit, '\\', ll) &&
        !memchr(lit, '&', ll)) {
        b->pos = p + (uint32_t)ll;
        return true;
    }
    while (i < ll) {
        if (p >= lim)
            return false;
        char ch = c[p];
        if (ch == '\\' && p + 1 < lim && is_punct((unsigned char)c[p + 1])) {
            if (lit[i] != c[p + 1])
                return false;
            p += 2, i++;
            continue;
        }
        if (ch == '&') {
            int32_t num;
            uint32_t el = entity_len(c, p, lim, &num);
            if (el) {
                char enc[4];
                const char *val = enc;
                size_t vl = num >= 0 ? utf8_enc(num, enc) : entity_named(ps, c, p, el, &val);
                if (vl && ll - i >= vl && memcmp(lit + i, val, vl) == 0) {
                    p += el, i += vl;
                    continue;
                }
            }
        }
        if (ch != lit[i])
            return false;
        p++, i++;
    }
    b->pos = p;
    return true;
}

/* Raw inline HTML: exact bytes, except that indentation after a line break
 * may differ (cmark keeps a lazy line's indentation, the content here
 * does not). */
static bool match_html(blk_t *b, const char *lit)
{
    const char *c = b->buf.data;
    uint32_t p = b->pos, lim = b->lim;
    size_t i = 0;
    while (lit[i]) {
        if (p >= lim || c[p] != lit[i])
            return false;
        p++, i++;
        if (lit[i - 1] == '\n') {
            while (is_sp((unsigned char)lit[i]))
                i++;
            while (p < lim && is_sp((unsigned char)c[p]))
                p++;
        }
    }
    b->pos = p;
    return true;
}

/* A soft or hard line break; after a backslash break cmark keeps the next
 * line's indentation as text. */
static bool match_break(blk_t *b, bool hard)
{
    const char *c = b->buf.data;
    uint32_t p = b->pos, lim = b->lim;
    bool backslash = false;
    while (p < lim && is_sp((unsigned char)c[p]))
        p++;
    if (hard && p < lim && c[p] == '\\')
        p++, backslash = true;
    if (p >= lim || c[p] != '\n')
        return false;
    p++;
    while (!backslash && p < lim && is_sp((unsigned char)c[p]))
        p++;
    b->pos = p;
    return true;
}

/* A code span: an opening backtick run and the next run of equal length. */
static bool match_code(blk_t *b, uint32_t *start)
{
    const char *c = b->buf.data;
    uint32_t p = b->pos, lim = b->lim, q;
    if (p >= lim || c[p] != '`')
        return false;
    for (q = p; q < lim && c[q] == '`'; q++)
        ;
    uint32_t n = q - p;
    while (q < lim) {
        const char *bt = memchr(c + q, '`', lim - q);
        if (!bt)
            return false;
        uint32_t r = (uint32_t)(bt - c), e = r;
        while (e < lim && c[e] == '`')
            e++;
        if (e - r == n) {
            *start = p;
            b->pos = e;
            return true;
        }
        q = e;
    }
    return false;
}

static bool match_delims(blk_t *b, int n)
{
    const char *c = b->buf.data;
    uint32_t p = b->pos;
    if (p + (uint32_t)n > b->lim || (c[p] != '*' && c[p] != '_'))
        return false;
    if (n == 2 && c[p + 1] != c[p])
        return false;
    b->pos = p + (uint32_t)n;
    return true;
}

/* ------------------------------------------------------------------ */
/* Records                                                             */

/* The phase number a link's path names when it is a plan file, or -1. */
static int find_plan_number(const char *path)
{
    int num;
    bool bad;
    if (!path || !util_has_suffix(path, "-plan.md"))
        return -1;
    return md_kind_from_name(path, &num, &bad) == MD_KIND_PLAN ? num : -1;
}

static int hexval(unsigned char c)
{
    if (is_digit(c))
        return c - '0';
    if ((c | 32) >= 'a' && (c | 32) <= 'f')
        return (c | 32) - 'a' + 10;
    return -1;
}

/* Percent-decode a relative destination ("%00" stays encoded), into the
 * arena. */
static char *pct_decode(ps_t *ps, const char *s)
{
    size_t n = strlen(s);
    if (!memchr(s, '%', n))
        return ar_clean(ps->ar, s, n);
    char *raw = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int h, l;
        if (s[i] == '%' && i + 2 < n && (h = hexval((unsigned char)s[i + 1])) >= 0 &&
            (l = hexval((unsigned char)s[i + 2])) >= 0 && (h | l) != 0) {
            raw[k++] = (char)(h * 16 + l);
            i += 2;
        } else {
            raw[k++] = s[i];
        }
    }
    char *out = ar_clean(ps->ar, raw, k);
    free(raw);
    return out;
}

/* "scheme:" (2 to 32 characters, so "C:" is a drive, not a scheme) or a
 * protocol-relative "//host". */
static bool has_scheme(const char *s)
{
    if (s[0] == '/' && s[1] == '/')
        return true;
    if (!is_alpha((unsigned char)s[0]))
        return false;
    size_t i = 1;
    while (i < 32 && (is_alnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '.' || s[i] == '-'))
        i++;
    return i >= 2 && s[i] == ':';
}

static void link_set_target(ps_t *ps, md_link_t *l, const char *url)
{
    l->is_external = has_scheme(url);
    l->target = l->is_external ? ar_clean(ps->ar, url, strlen(url)) : pct_decode(ps, url);
    const char *h = strchr(l->target, '#');
    l->path = h ? ar_dup(ps->ar, l->target, (size_t)(h - l->target)) : l->target;
    l->anchor = h ? (char *)h + 1 : NULL;
}

/* Record a link at its opening bracket; spans are completed at its end. */
static int link_record(ps_t *ps, cmark_node *n, uint32_t open, uint32_t label)
{
    md_doc_t *doc = ps->doc;
    md_link_t l;
    memset(&l, 0, sizeof l);
    uint32_t so = src_at(&ps->b, open), sl = src_at(&ps->b, label);
    l.span = span(so, sl);
    l.text_span = l.target_span = l.anchor_span = span(sl, sl);
    const char *url = cmark_node_get_url(n);
    link_set_target(ps, &l, url ? url : "");
    l.section = ps->cur_section;
    l.table_row = -1;
    UTIL_PUSH(doc->links, doc->n_links, ps->cap_links, l);
    return (int)doc->n_links - 1;
}

/* Trimmed, clean copy of a text buffer, in the arena. */
static char *buf_trimmed(ps_t *ps, const buf_t *b)
{
    size_t a = 0, e = b->len;
    while (a < e && is_ws((unsigned char)b->data[a]))
        a++;
    while (e > a && is_ws((unsigned char)b->data[e - 1]))
        e--;
    return ar_clean(ps->ar, b->data ? b->data + a : "", e - a);
}

/* The digits of a phase number end at x: no letter, digit or '_' may
 * follow, nor "+", nor a range or decimal ("-4", ".5", "/4", "–4"). */
static bool num_end_ok(const ps_t *ps, uint32_t x)
{
    const unsigned char *w = (const unsigned char *)ps->w;
    uint32_t n = ps->len;
    if (x >= n)
        return true;
    unsigned char c = w[x];
    if (is_word(c) || c == '+')
        return false;
    if ((c == '-' || c == '.' || c == '/') && x + 1 < n && is_alnum(w[x + 1]))
        return false;
    if (c == 0xE2 && x + 3 < n && w[x + 1] == 0x80 && (w[x + 2] == 0x93 || w[x + 2] == 0x94) &&
        is_digit(w[x + 3]))
        return false;
    return true;
}

/* Digits at [d, x) as a phase number: 1 to 6 digits. */
static int phase_number(const ps_t *ps, uint32_t d, uint32_t x)
{
    int v = 0;
    for (uint32_t i = d; i < x; i++)
        v = v * 10 + (ps->w[i] - '0');
    return v;
}

/* `Phase N` occurrences in the source range [a, e) of one text node. */
static void phase_scan(ps_t *ps, uint32_t a, uint32_t e)
{
    const char *w = ps->w;
    md_doc_t *doc = ps->doc;
    uint32_t p = a;
    while (p + 7 <= e) {
        const char *hit = memchr(w + p, 'P', e - p - 6);
        if (!hit)
            break;
        uint32_t q = (uint32_t)(hit - w);
        p = q + 1;
        if (memcmp(w + q, "Phase", 5) != 0 || (q > 0 && is_word((unsigned char)w[q - 1])) ||
            !is_sp((unsigned char)w[q + 5]))
            continue;
        uint32_t d = q + 5;
        while (d < e && is_sp((unsigned char)w[d]))
            d++;
        uint32_t x = d;
        while (x < e && is_digit((unsigned char)w[x]))
            x++;
        if (x == d || x - d > MD_MAX_PHASE_DIGITS || !num_end_ok(ps, x))
            continue;
        md_phase_ref_t r;
        r.phase = phase_number(ps, d, x);
        r.span = span(q, x);
        r.num_span = span(d, x);
        r.ctx = (ps->blk_heading >= 0 ? MD_CTX_HEADING : MD_CTX_PARAGRAPH) |
                (ps->list_depth ? MD_CTX_LIST : 0) | (ps->rec_link >= 0 ? MD_CTX_LINK_TEXT : 0);
        r.link = ps->rec_link;
        r.section = ps->cur_section;
        r.table_row = -1;
        UTIL_PUSH(doc->refs, doc->n_refs, ps->cap_refs, r);
        p = x;
    }
}

static void push_code(ps_t *ps, md_span_t s)
{
    UTIL_PUSH(ps->doc->code, ps->doc->n_code, ps->cap_code, s);
}

/* Plain text of headings and link labels (image descriptions excluded). */
static void emit_text(ps_t *ps, const char *s, size_t n)
{
    if (ps->image_depth)
        return;
    if (ps->blk_heading >= 0)
        buf_append(&ps->htext, s, n);
    if (ps->rec_link >= 0)
        buf_append(&ps->ltext, s, n);
}

/* ------------------------------------------------------------------ */
/* Links and images                                                    */

static bool link_enter(ps_t *ps, cmark_node *n, bool image)
{
    blk_t *b = &ps->b;
    const char *c = b->buf.data;
    uint32_t p = b->pos, lim = b->lim;
    iframe_t f = {n, image ? FR_IMAGE : FR_LINK, -1, 0};
    if (image) {
        if (p + 1 >= lim || c[p] != '!' || c[p + 1] != '[')
            return false;
        f.label = p + 2;
    } else if (p < lim && c[p] == '[') {
        f.label = p + 1;
    } else if (p < lim && c[p] == '<') {
        /* autolink: "<scheme:...>" or "<user@host>", children skipped */
        const char *gt = memchr(c + p, '>', lim - p);
        if (!gt)
            return false;
        uint32_t e = (uint32_t)(gt - c);
        if (!ps->image_depth) {
            int li = link_record(ps, n, p, p + 1);
            md_link_t *l = &ps->doc->links[li];
            l->span = src_span(b, p, e + 1);
            l->text_span = l->target_span = src_span(b, p + 1, e);
            l->anchor_span = anchor_in(b, p + 1, e);
            l->text = ar_clean(ps->ar, c + p + 1, e - p - 1);
            l->is_external = true;
        }
        b->pos = e + 1;
        ps->skip_node = n;
        return true;
    } else {
        return false;
    }
    if (image) {
        ps->image_depth++;
    } else if (!ps->image_depth) {
        f.link = link_record(ps, n, p, f.label);
        ps->rec_link = f.link;
        buf_clear(&ps->ltext);
    }
    b->pos = f.label;
    UTIL_PUSH(ps->fr, ps->n_fr, ps->cap_fr, f);
    return true;
}

/* At a link's or image's end: "](dest "title")", "][ref]", "][]" or "]"
 * (cmark's handle_close_bracket, which already decided it is a link). */
static bool link_exit(ps_t *ps, cmark_node *n)
{
    blk_t *b = &ps->b;
    const char *c = b->buf.data;
    uint32_t lim = b->lim, p = b->pos, ds = 0, de = 0;
    if (!ps->n_fr || ps->fr[ps->n_fr - 1].node != n)
        return false;
    iframe_t f = ps->fr[--ps->n_fr];
    if (f.kind == FR_IMAGE)
        ps->image_depth--;
    if (p >= lim || c[p] != ']')
        return false;
    uint32_t label_end = p++, rl_s = f.label, rl_e = label_end;
    bool inl = false;
    if (p < lim && c[p] == '(') {
        uint32_t sps = scan_spacechars(c, p + 1, lim);
        int64_t m = scan_url(c, p + 1 + sps, lim, &ds, &de);
        if (m >= 0) {
            uint32_t endurl = p + 1 + sps + (uint32_t)m;
            uint32_t st = endurl + scan_spacechars(c, endurl, lim);
            uint32_t et = st == endurl ? st : st + scan_title(c, st, lim);
            uint32_t ea = et + scan_spacechars(c, et, lim);
            if (ea < lim && c[ea] == ')') {
                inl = true;
                p = ea + 1;
            }
        }
    }
    if (!inl) {
        uint32_t ls, le, after;
        if (scan_label(c, p, lim, &ls, &le, &after)) {
            uint32_t ta = ls, te = le;
            dest_trim(c, &ta, &te);
            if (ta < te)
                rl_s = ls, rl_e = le;
            p = after;
        }
    }
    b->pos = p;
    if (f.link < 0)
        return true;
    md_link_t *l = &ps->doc->links[f.link];
    l->span = span(l->span.start, src_end(b, p));
    l->text_span = src_span(b, f.label, label_end);
    l->text = buf_trimmed(ps, &ps->ltext);
    if (inl) {
        dest_trim(c, &ds, &de);
        l->target_span = src_span(b, ds, de);
        l->anchor_span = anchor_in(b, ds, de);
    } else {
        l->is_reference = true;
        l->target_span = src_span(b, rl_s, rl_e);
        l->anchor_span = span(l->target_span.end, l->target_span.end);
        pending_t pd = {(size_t)f.link, label_norm(ps, c, rl_s, rl_e)};
        UTIL_PUSH(ps->pend, ps->n_pend, ps->cap_pend, pd);
    }
    if (ps->rec_link == f.link)
        ps->rec_link = -1;
    return true;
}

/* One inline node event, in document order. Keeps b->pos on the first
 * source byte cmark has not yet accounted for. */
static void inline_event(ps_t *ps, cmark_node *n, cmark_event_type ev)
{
    blk_t *b = &ps->b;
    if (b->desync)
        return;
    if (ps->skip_node) {
        if (n == ps->skip_node && ev == CMARK_EVENT_EXIT)
            ps->skip_node = NULL;
        return;
    }
    bool enter = ev == CMARK_EVENT_ENTER;
    switch (cmark_node_get_type(n)) {
    case CMARK_NODE_TEXT: {
        const char *lit = cmark_node_get_literal(n);
        size_t ll = strlen(lit);
        uint32_t a = b->pos;
        if (!match_text(ps, b, lit, ll))
            goto lost;
        emit_text(ps, lit, ll);
        if (!ps->image_depth && b->pos > a)
            phase_scan(ps, src_at(b, a), src_end(b, b->pos));
        break;
    }
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK:
        if (!match_break(b, cmark_node_get_type(n) == CMARK_NODE_LINEBREAK))
            goto lost;
        emit_text(ps, " ", 1);
        break;
    case CMARK_NODE_CODE: {
        uint32_t a;
        if (!match_code(b, &a))
            goto lost;
        push_code(ps, src_span(b, a, b->pos));
        const char *lit = cmark_node_get_literal(n);
        emit_text(ps, lit, strlen(lit));
        break;
    }
    case CMARK_NODE_HTML_INLINE: {
        uint32_t a = b->pos;
        if (!match_html(b, cmark_node_get_literal(n)))
            goto lost;
        push_code(ps, src_span(b, a, b->pos));
        break;
    }
    case CMARK_NODE_EMPH:
        if (!match_delims(b, 1))
            goto lost;
        break;
    case CMARK_NODE_STRONG:
        if (!match_delims(b, 2))
            goto lost;
        break;
    case CMARK_NODE_LINK:
    case CMARK_NODE_IMAGE: {
        bool image = cmark_node_get_type(n) == CMARK_NODE_IMAGE;
        if (enter ? !link_enter(ps, n, image) : !link_exit(ps, n))
            goto lost;
        break;
    }
    default:
        break;
    }
    return;
lost:
    b->desync = true;
    MD_ON_DESYNC();
}

/* ------------------------------------------------------------------ */
/* Leaf blocks                                                         */

/* The line of a setext heading's underline: the first line after its
 * first that is "=" or "-" runs inside the containers (a lazy line is
 * text). */
static uint32_t setext_underline(ps_t *ps, uint32_t li0, uint32_t last)
{
    for (uint32_t li = li0 + 1; li <= last; li++) {
        bool lazy;
        lpos_t st = lp_match(ps, li, ps->n_ctr, &lazy);
        uint32_t p = st.off, e = ps->le[li];
        if (lazy)
            continue;
        while (p < e && is_sp((unsigned char)ps->w[p]))
            p++;
        char ch = p < e ? ps->w[p] : 0;
        if (ch != '=' && ch != '-')
            continue;
        while (p < e && ps->w[p] == ch)
            p++;
        while (p < e && is_sp((unsigned char)ps->w[p]))
            p++;
        if (p == e)
            return li;
    }
    return last > li0 ? last : li0 + 1;
}

/* Build the content of a paragraph or heading the way cmark does, and
 * strip leading reference definitions (recording them). */
static void blk_begin(ps_t *ps, cmark_node *n, int heading)
{
    blk_t *b = &ps->b;
    const char *w = ps->w;
    blk_reset(b);
    int sl = cmark_node_get_start_line(n), el = cmark_node_get_end_line(n);
    if (el < sl)
        el = sl;
    uint32_t li0 = line_index(ps, sl), last = line_index(ps, el);
    uint32_t s0 = off_of(ps, sl, cmark_node_get_start_column(n));
    if (heading >= 0 && last == li0) {
        /* ATX: after the opening #s and blanks, before a closing sequence */
        uint32_t lb = ps->ls[li0], e = ps->le[li0], p = s0;
        while (e > lb && is_ws((unsigned char)w[e - 1]))
            e--;
        uint32_t q = e;
        while (q > lb && w[q - 1] == '#')
            q--;
        if (q < e && q > lb && is_sp((unsigned char)w[q - 1])) {
            e = q - 1;
            while (e > lb && is_ws((unsigned char)w[e - 1]))
                e--;
        }
        while (p < ps->le[li0] && w[p] == '#')
            p++;
        while (p < ps->le[li0] && is_sp((unsigned char)w[p]))
            p++;
        blk_add(b, w, li0, p, e, false);
    } else {
        if (heading >= 0) { /* cmark's end line may be past the underline */
            last = setext_underline(ps, li0, last);
            el = (int)last + 1;
            last--;
        }
        for (uint32_t li = li0; li <= last; li++)
            blk_add(b, w, li, li == li0 ? s0 : cont_start(ps, li), ps->le[li], true);
        uint32_t p = 0;
        while (p < b->buf.len && b->buf.data[p] == '[') {
            uint32_t k = parse_refdef(ps, b, p);
            if (!k)
                break;
            p += k;
        }
        b->istart = p;
    }
    uint32_t lim = (uint32_t)b->buf.len;
    while (lim > b->istart && is_ws((unsigned char)b->buf.data[lim - 1]))
        lim--;
    b->lim = lim;
    b->pos = b->istart;
    cover(ps, sl, el);
    ps->in_blk = true;
    ps->blk_node = n;
    ps->blk_heading = heading;
    ps->r0 = ps->doc->n_refs;
    ps->l0 = ps->doc->n_links;
    ps->c0 = ps->doc->n_code;
    ps->n_fr = 0;
    ps->image_depth = 0;
    ps->rec_link = -1;
    ps->skip_node = NULL;
    buf_clear(&ps->htext);
}

/* Source line [a, e) of the k-th content line of the block. */
static void blk_line(const ps_t *ps, size_t k, uint32_t *a, uint32_t *e)
{
    const seg_t *s = &ps->b.segs[k];
    *a = s->s;
    *e = s->s + s->n;
}

/* First content line holding inline content (after reference defs). */
static size_t blk_first_line(const blk_t *b)
{
    size_t k = 0;
    while (k < b->n_segs && b->segs[k].c < b->istart)
        k++;
    return k;
}

static uint32_t skip_sp_from(const ps_t *ps, uint32_t p, uint32_t e)
{
    while (p < e && is_sp((unsigned char)ps->w[p]))
        p++;
    return p;
}

/* Skip blanks, emphasis markers and a leading emoji run. */
static uint32_t skip_deco(const ps_t *ps, uint32_t p, uint32_t e)
{
    const unsigned char *w = (const unsigned char *)ps->w;
    while (p < e) {
        if (is_ws(w[p]) || w[p] == '*' || w[p] == '_') {
            p++;
            continue;
        }
        if (w[p] < 0x80)
            break;
        int32_t cp;
        size_t l = utf8_dec(w + p, e - p, &cp);
        if (!cp_is_decoration(cp))
            break;
        p += (uint32_t)l;
    }
    return p;
}

static bool word_at(const ps_t *ps, uint32_t p, uint32_t e, const char *word, bool ci)
{
    size_t n = strlen(word);
    if (e - p < n || (ci ? !util_ieqn(ps->w + p, word, n) : memcmp(ps->w + p, word, n) != 0))
        return false;
    return p + n >= e || !is_word((unsigned char)ps->w[p + n]);
}

/* HIGH / MEDIUM / LOW (any case) after optional decoration at [p, e), not
 * followed by a word character or '/' ("HIGH/MEDIUM/LOW" is a placeholder). */
static bool prio_at(const ps_t *ps, uint32_t p, uint32_t e, md_span_t *word)
{
    static const char *const words[] = {"HIGH", "MEDIUM", "LOW"};
    p = skip_deco(ps, p, e);
    uint32_t q = p;
    while (q < e && is_alpha((unsigned char)ps->w[q]))
        q++;
    if (q < e && (is_word((unsigned char)ps->w[q]) || ps->w[q] == '/'))
        return false;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(words); i++) {
        if (q - p == strlen(words[i]) && util_ieqn(ps->w + p, words[i], q - p)) {
            *word = span(p, q);
            return true;
        }
    }
    return false;
}

static void push_prio(ps_t *ps, int phase, md_span_t word, md_span_t phase_span)
{
    md_prio_claim_t c = {phase, ar_clean(ps->ar, ps->w + word.start, word.end - word.start), word,
                         phase_span};
    UTIL_PUSH(ps->doc->prios, ps->doc->n_prios, ps->cap_prios, c);
}

/* A phase named in a paragraph: a `Phase N` reference, or a link to a plan
 * file whose label names no phase itself. */
typedef struct mention {
    int phase;
    md_span_t span, num;
} mention_t;

/* The paragraph's mentions in source order, in ps->ments (valid until the
 * next paragraph). */
static size_t para_mentions(ps_t *ps, const mention_t **out)
{
    md_doc_t *doc = ps->doc;
    size_t nr = doc->n_refs - ps->r0, nl = doc->n_links - ps->l0, n = 0, i = 0, j = 0;
    util_grow((void **)&ps->ments, &ps->cap_ments, nr + nl + 1, sizeof(mention_t));
    util_grow((void **)&ps->labelled, &ps->cap_labelled, nl + 1, sizeof(bool));
    mention_t *m = ps->ments;
    bool *labelled = ps->labelled;
    memset(labelled, 0, nl + 1);
    for (size_t k = ps->r0; k < doc->n_refs; k++)
        if (doc->refs[k].link >= (int)ps->l0)
            labelled[(size_t)doc->refs[k].link - ps->l0] = true;
    while (i < nr || j < nl) {
        const md_phase_ref_t *r = i < nr ? &doc->refs[ps->r0 + i] : NULL;
        const md_link_t *l = j < nl ? &doc->links[ps->l0 + j] : NULL;
        if (r && (!l || r->span.start <= l->span.start)) {
            mention_t x = {r->phase, r->span, r->num_span};
            m[n++] = x;
            i++;
            continue;
        }
        int ph = (!labelled[j] && !l->is_external) ? find_plan_number(l->path) : -1;
        if (ph >= 0) {
            mention_t x = {ph, l->span, l->target_span};
            m[n++] = x;
        }
        j++;
    }
    *out = m;
    return n;
}

static const mention_t *mention_in(const mention_t *m, size_t n, uint32_t a, uint32_t e)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].span.start >= a && m[i].span.start < e)
            return &m[i];
    return NULL;
}

/* `**Key:** value` (or `**Key**: value`) at the start of a content line. */
static void para_field(ps_t *ps, uint32_t li, uint32_t a, uint32_t e)
{
    const char *w = ps->w;
    if (e - a < 5 || w[a] != '*' || w[a + 1] != '*')
        return;
    uint32_t k = a + 2;
    if (is_ws((unsigned char)w[k]) || w[k] == '*')
        return;
    const char *star = memchr(w + k, '*', e - k);
    if (!star)
        return;
    uint32_t j = (uint32_t)(star - w), ke, kse;
    if (j + 1 >= e || w[j + 1] != '*')
        return;
    if (w[j - 1] == ':')
        ke = j - 1, kse = j + 2;
    else if (j + 2 < e && w[j + 2] == ':')
        ke = j, kse = j + 3;
    else
        return;
    while (ke > k && is_sp((unsigned char)w[ke - 1]))
        ke--;
    if (ke <= k || ke - k > 64 || (kse < e && !is_sp((unsigned char)w[kse])))
        return;
    uint32_t v = skip_sp_from(ps, kse, e), ve = e;
    while (ve > v && is_ws((unsigned char)w[ve - 1]))
        ve--;
    md_field_t f;
    f.key = ar_clean(ps->ar, w + k, ke - k);
    f.value = ar_clean(ps->ar, w + v, ve - v);
    f.line = span(ps->ls[li], ps->le[li]);
    f.key_span = span(a, kse);
    f.value_span = span(v, ve);
    f.in_header = !ps->seen_h2;
    f.in_list = ps->list_depth > 0;
    f.section = ps->cur_section;
    UTIL_PUSH(ps->doc->fields, ps->doc->n_fields, ps->cap_fields, f);
}

/* ------------------------------------------------------------------ */
/* Tables                                                              */

static bool in_para_code(const ps_t *ps, uint32_t pos)
{
    const md_doc_t *doc = ps->doc;
    size_t lo = ps->c0, hi = doc->n_code;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (doc->code[mid].end <= pos)
            lo = mid + 1;
        else if (doc->code[mid].start > pos)
            hi = mid;
        else
            return true;
    }
    return false;
}

static md_span_t trim_span(const ps_t *ps, uint32_t a, uint32_t e)
{
    while (a < e && is_ws((unsigned char)ps->w[a]))
        a++;
    while (e > a && is_ws((unsigned char)ps->w[e - 1]))
        e--;
    return span(a, e);
}

/* Split a row on unescaped '|' outside code spans; cells (trimmed) go to
 * ps->scratch. Returns the number of cells; *pipe tells whether the row has
 * a separator at all. */
static size_t row_split(ps_t *ps, uint32_t a, uint32_t e, bool *pipe)
{
    const char *w = ps->w;
    md_span_t r = trim_span(ps, a, e);
    size_t n = 0;
    uint32_t cell = r.start, i = r.start;
    *pipe = false;
    if (i < r.end && w[i] == '|') {
        *pipe = true;
        cell = ++i;
    }
    for (; i < r.end; i++) {
        if (w[i] == '\\') {
            i++;
            continue;
        }
        if (w[i] != '|' || in_para_code(ps, i))
            continue;
        *pipe = true;
        util_grow((void **)&ps->scratch, &ps->cap_scratch, n + 1, sizeof(md_span_t));
        ps->scratch[n++] = trim_span(ps, cell, i);
        cell = i + 1;
    }
    if (cell < r.end) {
        util_grow((void **)&ps->scratch, &ps->cap_scratch, n + 1, sizeof(md_span_t));
        ps->scratch[n++] = trim_span(ps, cell, r.end);
    }
    return n;
}

static bool row_is_delim(ps_t *ps, uint32_t a, uint32_t e, size_t *ncells, bool *pipe)
{
    size_t n = row_split(ps, a, e, pipe);
    for (size_t i = 0; i < n; i++) {
        md_span_t c = ps->scratch[i];
        uint32_t p = c.start, q = c.end;
        if (p < q && ps->w[p] == ':')
            p++;
        if (q > p && ps->w[q - 1] == ':')
            q--;
        if (p == q)
            return false;
        for (uint32_t k = p; k < q; k++)
            if (ps->w[k] != '-')
                return false;
    }
    *ncells = n;
    return n > 0;
}

static void push_row(ps_t *ps, int table, uint32_t a, uint32_t e, size_t ncols)
{
    md_doc_t *doc = ps->doc;
    bool pipe;
    size_t n = row_split(ps, a, e, &pipe);
    md_row_t r = {trim_span(ps, a, e), table, doc->n_cells, n < ncols ? n : ncols};
    for (size_t i = 0; i < r.n_cells; i++) {
        md_span_t s = ps->scratch[i];
        md_cell_t c = {ar_clean(ps->ar, ps->w + s.start, s.end - s.start), s};
        UTIL_PUSH(doc->cells, doc->n_cells, ps->cap_cells, c);
    }
    UTIL_PUSH(doc->rows, doc->n_rows, ps->cap_rows, r);
}

/* A pipe table inside the paragraph (header row, delimiter row, body rows
 * to the paragraph's end). Returns the content line it starts on, or
 * n_segs when there is none. */
static size_t para_table(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    blk_t *b = &ps->b;
    size_t k0 = blk_first_line(b), start = b->n_segs, ncols = 0;
    uint32_t a, e, a2, e2;
    for (size_t k = k0; k + 1 < b->n_segs; k++) {
        size_t nd, nh;
        bool dp, hp;
        blk_line(ps, k + 1, &a2, &e2);
        if (!row_is_delim(ps, a2, e2, &nd, &dp))
            continue;
        blk_line(ps, k, &a, &e);
        nh = row_split(ps, a, e, &hp);
        if (nh == nd && (hp || dp)) {
            start = k;
            ncols = nh;
            break;
        }
    }
    if (start == b->n_segs)
        return start;
    int ti = (int)doc->n_tables;
    md_table_t t;
    blk_line(ps, start, &a, &e);
    blk_line(ps, b->n_segs - 1, &a2, &e2);
    t.span = span(trim_span(ps, a, e).start, trim_span(ps, a2, e2).end);
    t.section = ps->cur_section;
    t.first_row = doc->n_rows;
    t.n_cols = ncols;
    for (size_t k = start; k < b->n_segs; k++) {
        if (k == start + 1)
            continue; /* the delimiter row */
        blk_line(ps, k, &a, &e);
        push_row(ps, ti, a, e, ncols);
    }
    t.n_rows = doc->n_rows - t.first_row;
    UTIL_PUSH(doc->tables, doc->n_tables, ps->cap_tables, t);

    /* rows of the references and links inside the table */
    size_t r = t.first_row;
    for (size_t i = ps->r0; i < doc->n_refs; i++) {
        md_phase_ref_t *ref = &doc->refs[i];
        while (r + 1 < doc->n_rows && doc->rows[r + 1].span.start <= ref->span.start)
            r++;
        if (ref->span.start >= t.span.start) {
            ref->table_row = (int)r;
            ref->ctx = (ref->ctx & ~(unsigned)MD_CTX_PARAGRAPH) | MD_CTX_TABLE;
        }
    }
    r = t.first_row;
    for (size_t i = ps->l0; i < doc->n_links; i++) {
        md_link_t *l = &doc->links[i];
        while (r + 1 < doc->n_rows && doc->rows[r + 1].span.start <= l->span.start)
            r++;
        if (l->span.start >= t.span.start)
            l->table_row = (int)r;
    }
    return start;
}

/* Priority claims of a table with "Priority" and "Phase" header cells. */
static void table_prios(ps_t *ps, const mention_t *m, size_t nm)
{
    md_doc_t *doc = ps->doc;
    const md_table_t *t = &doc->tables[doc->n_tables - 1];
    const md_row_t *hdr = &doc->rows[t->first_row];
    int pc = -1, hc = -1;
    for (size_t i = 0; i < hdr->n_cells; i++) {
        md_span_t s = doc->cells[hdr->first_cell + i].span;
        uint32_t p = s.start, q = s.end;
        while (p < q && (ps->w[p] == '*' || ps->w[p] == '_'))
            p++;
        while (q > p && (ps->w[q - 1] == '*' || ps->w[q - 1] == '_'))
            q--;
        if (q - p == 8 && util_ieqn(ps->w + p, "Priority", 8))
            pc = (int)i;
        else if (q - p == 5 && util_ieqn(ps->w + p, "Phase", 5))
            hc = (int)i;
    }
    if (pc < 0 || hc < 0)
        return;
    for (size_t r = t->first_row + 1; r < t->first_row + t->n_rows; r++) {
        const md_row_t *row = &doc->rows[r];
        if ((size_t)pc >= row->n_cells || (size_t)hc >= row->n_cells)
            continue;
        md_span_t ps_cell = doc->cells[row->first_cell + (size_t)pc].span;
        md_span_t ph_cell = doc->cells[row->first_cell + (size_t)hc].span;
        md_span_t word;
        const mention_t *mt = mention_in(m, nm, ph_cell.start, ph_cell.end + 1);
        if (mt && prio_at(ps, ps_cell.start, ps_cell.end, &word))
            push_prio(ps, mt->phase, word, mt->span);
    }
}

/* ------------------------------------------------------------------ */
/* Dependencies                                                        */

enum { T_END, T_WORD, T_NUM, T_COMMA, T_AMP, T_OTHER };

typedef struct tok {
    int kind;
    uint32_t a, e;
} tok_t;

/* Next token of a dependency line: words, numbers, ',' and '&'; emphasis,
 * brackets and link destinations are skipped. */
static tok_t next_tok(const ps_t *ps, uint32_t *pp, uint32_t e)
{
    const unsigned char *w = (const unsigned char *)ps->w;
    uint32_t p = *pp;
    tok_t t = {T_END, e, e};
    while (p < e) {
        if (is_ws(w[p]) || w[p] == '*' || w[p] == '_' || w[p] == '[' || w[p] == '`') {
            p++;
        } else if (w[p] == ']') {
            p++;
            if (p < e && w[p] == '(') {
                const char *close = memchr(w + p, ')', e - p);
                p = close ? (uint32_t)((const unsigned char *)close - w) + 1 : e;
            }
        } else {
            break;
        }
    }
    if (p >= e) {
        *pp = e;
        return t;
    }
    t.a = p;
    if (is_alpha(w[p])) {
        while (p < e && is_alpha(w[p]))
            p++;
        t.kind = T_WORD;
    } else if (is_digit(w[p])) {
        while (p < e && is_digit(w[p]))
            p++;
        t.kind = T_NUM;
    } else {
        t.kind = w[p] == ',' ? T_COMMA : w[p] == '&' ? T_AMP : T_OTHER;
        p++;
    }
    t.e = p;
    *pp = p;
    return t;
}

static bool tok_is(const ps_t *ps, tok_t t, const char *word)
{
    size_t n = strlen(word);
    return t.kind == T_WORD && t.e - t.a == n && memcmp(ps->w + t.a, word, n) == 0;
}

static bool tok_num_ok(const ps_t *ps, tok_t t)
{
    return t.kind == T_NUM && t.e - t.a <= MD_MAX_PHASE_DIGITS && num_end_ok(ps, t.e);
}

static void push_dep(ps_t *ps, int from, int to, md_span_t line, md_span_t to_span, size_t dep0)
{
    md_doc_t *doc = ps->doc;
    size_t lo = doc->n_deps > dep0 + 8 ? doc->n_deps - 8 : dep0;
    for (size_t i = lo; i < doc->n_deps; i++)
        if (doc->deps[i].from == from && doc->deps[i].to == to &&
            doc->deps[i].span.start == line.start)
            return;
    md_dep_t d = {from, to, line, to_span};
    UTIL_PUSH(doc->deps, doc->n_deps, ps->cap_deps, d);
}

/* "Phase A depends on Phase B[, C][ and D]" on the line [a, e). */
static void dep_line(ps_t *ps, uint32_t a, uint32_t e)
{
    const char *w = ps->w;
    uint32_t p = a;
    if (e - p >= 3 && w[p] == '[' && w[p + 2] == ']' &&
        (w[p + 1] == ' ' || w[p + 1] == 'x' || w[p + 1] == 'X'))
        p += 3;
    tok_t t = next_tok(ps, &p, e);
    if (!tok_is(ps, t, "Phase"))
        return;
    tok_t from = next_tok(ps, &p, e);
    if (!tok_num_ok(ps, from))
        return;
    t = next_tok(ps, &p, e);
    if (!tok_is(ps, t, "depends") && !tok_is(ps, t, "depend"))
        return;
    if (!tok_is(ps, next_tok(ps, &p, e), "on"))
        return;
    md_span_t line = trim_span(ps, a, e);
    int fromn = phase_number(ps, from.a, from.e);
    size_t dep0 = ps->doc->n_deps;
    t = next_tok(ps, &p, e);
    if (tok_is(ps, t, "Phase") || tok_is(ps, t, "Phases"))
        t = next_tok(ps, &p, e);
    while (tok_num_ok(ps, t)) {
        push_dep(ps, fromn, phase_number(ps, t.a, t.e), line, span(t.a, t.e), dep0);
        t = next_tok(ps, &p, e);
        if (t.kind == T_COMMA) {
            t = next_tok(ps, &p, e);
            if (tok_is(ps, t, "and"))
                t = next_tok(ps, &p, e);
        } else if (tok_is(ps, t, "and") || t.kind == T_AMP) {
            t = next_tok(ps, &p, e);
        } else {
            break;
        }
        if (tok_is(ps, t, "Phase") || tok_is(ps, t, "Phases"))
            t = next_tok(ps, &p, e);
    }
}

/* ------------------------------------------------------------------ */
/* List-item lead lines                                                */

/* "**Phase N:**" (or "Phase N:", "**Phase N**:") at [a, e). */
static bool phase_item(const ps_t *ps, uint32_t a, uint32_t e, md_span_t *ref)
{
    const char *w = ps->w;
    uint32_t p = a;
    while (p < e && (w[p] == '*' || w[p] == '_'))
        p++;
    if (!word_at(ps, p, e, "Phase", false) || p + 5 >= e || !is_sp((unsigned char)w[p + 5]))
        return false;
    uint32_t d = skip_sp_from(ps, p + 5, e), x = d;
    while (x < e && is_digit((unsigned char)w[x]))
        x++;
    if (x == d || x - d > MD_MAX_PHASE_DIGITS)
        return false;
    uint32_t q = x;
    while (q < e && (w[q] == '*' || w[q] == '_'))
        q++;
    if (q >= e || w[q] != ':')
        return false;
    *ref = span(p, x);
    return true;
}

/* "Priority: HIGH" (any emphasis) at [a, e). */
static bool priority_item(const ps_t *ps, uint32_t a, uint32_t e, md_span_t *word)
{
    const char *w = ps->w;
    uint32_t p = a;
    while (p < e && (w[p] == '*' || w[p] == '_'))
        p++;
    if (!word_at(ps, p, e, "Priority", true))
        return false;
    p += 8;
    while (p < e && (w[p] == '*' || w[p] == '_'))
        p++;
    if (p >= e || w[p] != ':')
        return false;
    return prio_at(ps, p + 1, e, word);
}

/* ------------------------------------------------------------------ */
/* End of a paragraph: tables, fields, task items, dependencies, priorities */

static void para_finish(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    blk_t *b = &ps->b;
    const char *c = b->buf.data;
    size_t k0 = blk_first_line(b), tstart = para_table(ps);
    bool table = tstart < b->n_segs;
    uint32_t a, e;
    item_t *item = ps->n_items ? &ps->items[ps->n_items - 1] : NULL;

    for (size_t k = k0; k < tstart; k++) {
        blk_line(ps, k, &a, &e);
        para_field(ps, b->segs[k].li, a, e);
    }

    /* task list item: "[ ]", "[x]" or "[X]" opening the item */
    uint32_t i0 = b->istart;
    if (ps->blk_lead && item && i0 + 3 <= b->lim && c[i0] == '[' && c[i0 + 2] == ']' &&
        (c[i0 + 1] == ' ' || c[i0 + 1] == 'x' || c[i0 + 1] == 'X') &&
        (i0 + 3 == b->lim || is_ws((unsigned char)c[i0 + 3]))) {
        uint32_t p = i0 + 3;
        while (p < b->lim && is_ws((unsigned char)c[p]))
            p++;
        char *text = ar_clean(ps->ar, c + p, b->lim - p);
        for (char *q = text; (q = strchr(q, '\n')) != NULL;)
            *q = ' ';
        md_check_t ck = {c[i0 + 1] != ' ', text, item->line, src_span(b, i0, i0 + 3),
                         ps->cur_section};
        UTIL_PUSH(doc->checks, doc->n_checks, ps->cap_checks, ck);
    }

    bool need_mentions = (ps->req_level && item) || table || (ps->prio_level && ps->blk_lead);
    const mention_t *m = NULL;
    size_t nm = need_mentions ? para_mentions(ps, &m) : 0;

    if (ps->req_level && item) {
        for (size_t i = 0; i < nm; i++)
            push_dep(ps, -1, m[i].phase, item->line, m[i].num, item->dep0);
    } else if (ps->dep_level) {
        for (size_t k = k0; k < b->n_segs; k++) {
            blk_line(ps, k, &a, &e);
            dep_line(ps, a, e);
        }
    }

    if (table)
        table_prios(ps, m, nm);
    if (ps->blk_lead && item && k0 < b->n_segs) {
        md_span_t word, ref;
        blk_line(ps, k0, &a, &e);
        if (ps->prio_level && prio_at(ps, a, e, &word)) {
            const mention_t *mt = mention_in(m, nm, word.end, e);
            if (mt)
                push_prio(ps, mt->phase, word, mt->span);
        }
        if (phase_item(ps, a, e, &ref)) {
            item->phase = phase_number(ps, skip_sp_from(ps, ref.start + 5, ref.end), ref.end);
            item->phase_span = ref;
        } else if (ps->n_items >= 2 && ps->items[ps->n_items - 2].phase >= 0 &&
                   priority_item(ps, a, e, &word)) {
            const item_t *parent = &ps->items[ps->n_items - 2];
            push_prio(ps, parent->phase, word, parent->phase_span);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Headings                                                            */



static void heading_enter(ps_t *ps, cmark_node *n)
{
    md_doc_t *doc = ps->doc;
    md_heading_t h;
    memset(&h, 0, sizeof h);
    h.level = cmark_node_get_heading_level(n);
    uint32_t s = off_of(ps, cmark_node_get_start_line(n), cmark_node_get_start_column(n));
    h.span = span(s, s);
    h.parent = -1;
    UTIL_PUSH(doc->headings, doc->n_headings, ps->cap_headings, h);
    ps->cur_section = (int)doc->n_headings - 1;
    blk_begin(ps, n, ps->cur_section);
}

/* Special sections are open from their heading to the next heading of the
 * same or a higher level. */
static void section_update(int *level, int hl, bool opens)
{
    if (*level && hl <= *level)
        *level = 0;
    if (opens)
        *level = hl;
}

static void heading_finish(ps_t *ps)
{
    md_heading_t *h = &ps->doc->headings[ps->blk_heading];
    blk_t *b = &ps->b;
    h->text = buf_trimmed(ps, &ps->htext);
    h->text_span = src_span(b, b->istart, b->lim);
    uint32_t el = b->segs[b->n_segs - 1].li; /* the last text line */
    if (b->segs[0].li != line_index(ps, cmark_node_get_end_line(ps->blk_node)))
        el++; /* setext: its underline */
    h->span = span(h->span.start, line_end_trim(ps, el, h->span.start));
    const char *t = md_heading_bare(h->text);
    section_update(&ps->req_level, h->level,
                   util_ieq(t, "Requires (Blockers)") || util_ieq(t, "Requires") ||
                       util_ieq(t, "Blockers"));
    section_update(&ps->dep_level, h->level, util_ieq(t, "Dependencies"));
    section_update(&ps->prio_level, h->level,
                   util_ieq(t, "Priority Order") || util_ieq(t, "Priorities"));
    if (h->level == 2)
        ps->seen_h2 = true;
}

static void blk_end(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    if (!ps->b.desync && ps->b.pos != ps->b.lim)
        MD_ON_DESYNC(); /* cmark's inlines did not cover the block exactly */
    for (size_t i = ps->l0; i < doc->n_links; i++)
        if (!doc->links[i].text)
            doc->links[i].text = ar_dup(ps->ar, "", 0);
    ps->n_fr = 0;
    ps->image_depth = 0;
    ps->rec_link = -1;
    ps->skip_node = NULL;
    if (ps->blk_heading >= 0)
        heading_finish(ps);
    else
        para_finish(ps);
    ps->in_blk = false;
    ps->blk_heading = -1;
}

/* ------------------------------------------------------------------ */
/* The block walk                                                      */

static void item_enter(ps_t *ps, cmark_node *n)
{
    uint32_t s = off_of(ps, cmark_node_get_start_line(n), cmark_node_get_start_column(n));
    uint32_t li = line_index(ps, cmark_node_get_start_line(n));
    item_t it = {span(s, line_end_trim(ps, li, s)), -1, {0, 0}, ps->doc->n_deps};
    UTIL_PUSH(ps->items, ps->n_items, ps->cap_items, it);
    ps->list_depth++;
}

static void code_block(ps_t *ps, cmark_node *n)
{
    int sl = cmark_node_get_start_line(n), el = cmark_node_get_end_line(n);
    int ec = cmark_node_get_end_column(n);
    if (el < sl)
        el = sl;
    uint32_t s = off_of(ps, sl, cmark_node_get_start_column(n));
    uint32_t li = line_index(ps, el);
    if (el > sl) {
        /* for a fence closed by its container's end, cmark reports the line
         * that closed the container */
        bool lazy;
        lp_match(ps, li, ps->n_ctr, &lazy);
        if (lazy) {
            el--, li--;
            ec = (int)(ps->le[li] - ps->ls[li]);
        }
    }
    uint32_t e = ps->ls[li] + (ec > 0 ? (uint32_t)ec : 0);
    if (e > ps->le[li])
        e = ps->le[li];
    while (e > s && is_ws((unsigned char)ps->w[e - 1]))
        e--;
    push_code(ps, span(s, e));
    cover(ps, sl, el);
}

static void walk(ps_t *ps, cmark_node *root)
{
    cmark_iter *it = cmark_iter_new(root);
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        bool enter = ev == CMARK_EVENT_ENTER;
        if (ps->in_blk) {
            if (n == ps->blk_node) {
                if (!enter)
                    blk_end(ps);
            } else {
                inline_event(ps, n, ev);
            }
            continue;
        }
        switch (cmark_node_get_type(n)) {
        case CMARK_NODE_BLOCK_QUOTE:
            if (enter)
                ctr_push_bq(ps, n);
            else if (ps->n_ctr)
                ps->n_ctr--;
            break;
        case CMARK_NODE_ITEM:
            if (enter) {
                ctr_push_item(ps, n);
                item_enter(ps, n);
            } else if (ps->n_items) {
                ps->n_items--;
                ps->list_depth--;
                if (ps->n_ctr)
                    ps->n_ctr--;
            }
            break;
        case CMARK_NODE_HEADING:
            if (enter)
                heading_enter(ps, n);
            break;
        case CMARK_NODE_PARAGRAPH:
            if (enter) {
                cmark_node *parent = cmark_node_parent(n);
                blk_begin(ps, n, -1);
                ps->blk_lead = parent && cmark_node_get_type(parent) == CMARK_NODE_ITEM &&
                               cmark_node_first_child(parent) == n;
            }
            break;
        case CMARK_NODE_CODE_BLOCK:
        case CMARK_NODE_HTML_BLOCK:
            code_block(ps, n);
            break;
        case CMARK_NODE_THEMATIC_BREAK:
            cover(ps, cmark_node_get_start_line(n), cmark_node_get_end_line(n));
            break;
        default:
            break;
        }
    }
    cmark_iter_free(it);
}

/* ------------------------------------------------------------------ */
/* After the walk                                                      */

static bool list_marker(const ps_t *ps, uint32_t p, uint32_t e, uint32_t *after)
{
    const char *w = ps->w;
    uint32_t q = p;
    if (q < e && (w[q] == '-' || w[q] == '+' || w[q] == '*')) {
        q++;
    } else {
        while (q < e && q - p < 9 && is_digit((unsigned char)w[q]))
            q++;
        if (q == p || q >= e || (w[q] != '.' && w[q] != ')'))
            return false;
        q++;
    }
    if (q < e && !is_sp((unsigned char)w[q]))
        return false;
    *after = q;
    return true;
}

/* Reference definitions that made up whole paragraphs: cmark dropped those
 * paragraphs, so they are found on the lines no kept block covers. */
static void gap_refdefs(ps_t *ps)
{
    blk_t *b = &ps->b;
    const char *w = ps->w;
    uint32_t li = 0;
    while (li < ps->n_lines) {
        if (ps->covered[li]) {
            li++;
            continue;
        }
        uint32_t p = ps->ls[li], e = ps->le[li], q;
        for (;;) {
            p = skip_sp_from(ps, p, e);
            if (p < e && w[p] == '>')
                p++;
            else if (list_marker(ps, p, e, &q))
                p = q;
            else
                break;
        }
        if (p >= e || w[p] != '[') {
            li++;
            continue;
        }
        blk_reset(b);
        blk_add(b, w, li, p, e, true);
        uint32_t lj = li + 1;
        for (; lj < ps->n_lines && !ps->covered[lj]; lj++) {
            uint32_t s = ps->ls[lj];
            for (;;) {
                s = skip_sp_from(ps, s, ps->le[lj]);
                if (s < ps->le[lj] && w[s] == '>')
                    s++;
                else
                    break;
            }
            if (s >= ps->le[lj] || list_marker(ps, s, ps->le[lj], &q))
                break;
            blk_add(b, w, lj, s, ps->le[lj], true);
        }
        uint32_t k = 0;
        while (k < b->buf.len && b->buf.data[k] == '[') {
            uint32_t used = parse_refdef(ps, b, k);
            if (!used)
                break;
            k += used;
        }
        li = lj;
    }
}

static int def_cmp(const void *x, const void *y)
{
    const refdef_t *a = x, *b = y;
    int c = strcmp(a->label, b->label);
    if (c)
        return c;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Give reference links their definition's destination span (the first
 * definition of a label wins, as in cmark). */
static void resolve_refs(ps_t *ps)
{
    if (!ps->n_pend || !ps->n_defs)
        return;
    qsort(ps->defs, ps->n_defs, sizeof(refdef_t), def_cmp);
    for (size_t i = 0; i < ps->n_pend; i++) {
        const char *label = ps->pend[i].label;
        size_t lo = 0, hi = ps->n_defs;
        while (lo < hi) {
            size_t mid = (lo + hi) / 2;
            if (strcmp(ps->defs[mid].label, label) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (lo < ps->n_defs && strcmp(ps->defs[lo].label, label) == 0) {
            md_link_t *l = &ps->doc->links[ps->pend[i].link];
            l->target_span = ps->defs[lo].target;
            l->anchor_span = ps->defs[lo].anchor;
        }
    }
}

typedef struct slot {
    const char *key;
    int count;
} slot_t;

static uint32_t str_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static slot_t *slot_find(slot_t *tab, size_t mask, const char *key)
{
    size_t i = str_hash(key) & mask;
    while (tab[i].key && strcmp(tab[i].key, key) != 0)
        i = (i + 1) & mask;
    return &tab[i];
}

/* GitHub's unique slugs: a repeat of "x" becomes "x-1", "x-2", ...,
 * skipping slugs already taken (github-slugger's algorithm). */
static void headings_slugs(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    size_t cap = 16;
    while (cap < doc->n_headings * 2 + 2)
        cap *= 2;
    slot_t *tab = xcalloc(cap, sizeof(slot_t));
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < doc->n_headings; i++) {
        md_heading_t *h = &doc->headings[i];
        buf_clear(&b);
        slug_into(&b, h->text);
        buf_append(&b, "", 0);
        slot_t *orig = slot_find(tab, cap - 1, b.data);
        if (orig->key) {
            size_t base = b.len;
            slot_t *s;
            do {
                char num[24];
                int k = (int)sizeof num, v = ++orig->count;
                num[--k] = '\0';
                do
                    num[--k] = (char)('0' + v % 10);
                while ((v /= 10) > 0);
                num[--k] = '-';
                b.len = base;
                buf_append(&b, num + k, sizeof num - 1 - (size_t)k);
                s = slot_find(tab, cap - 1, b.data);
            } while (s->key);
        }
        h->slug = ar_dup(ps->ar, b.data, b.len);
        slot_t *s = slot_find(tab, cap - 1, h->slug);
        s->key = h->slug;
        s->count = 0;
    }
    buf_free(&b);
    free(tab);
}

static uint32_t line_start_of(const ps_t *ps, uint32_t off)
{
    size_t lo = 0, hi = ps->n_lines;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (ps->ls[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    return ps->ls[lo] <= off ? ps->ls[lo] : off;
}

/* body_end, section_end and parent, with one stack pass. */
static void headings_finish(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    size_t n = doc->n_headings, top = 0;
    int *stack = xmalloc((n + 1) * sizeof(int));
    for (size_t i = 0; i < n; i++) {
        md_heading_t *h = &doc->headings[i];
        uint32_t here = line_start_of(ps, h->span.start);
        if (i > 0)
            doc->headings[i - 1].body_end = here;
        while (top && doc->headings[stack[top - 1]].level >= h->level)
            doc->headings[stack[--top]].section_end = here;
        h->parent = top ? stack[top - 1] : -1;
        stack[top++] = (int)i;
    }
    if (n)
        doc->headings[n - 1].body_end = ps->len;
    while (top)
        doc->headings[stack[--top]].section_end = ps->len;
    free(stack);
    headings_slugs(ps);
}

/* "# Phase N: Title" */
static void h1_parse(ps_t *ps)
{
    md_doc_t *doc = ps->doc;
    for (size_t i = 0; i < doc->n_headings && doc->h1 < 0; i++)
        if (doc->headings[i].level == 1)
            doc->h1 = (int)i;
    if (doc->h1 < 0)
        return;
    const md_heading_t *h = &doc->headings[doc->h1];
    const char *t = h->text;
    if (strncmp(t, "Phase", 5) != 0 || !is_sp((unsigned char)t[5]))
        return;
    size_t p = 5, d, x;
    while (is_sp((unsigned char)t[p]))
        p++;
    for (d = x = p; is_digit((unsigned char)t[x]); x++)
        ;
    if (x == d || x - d > MD_MAX_PHASE_DIGITS)
        return;
    p = x;
    while (is_sp((unsigned char)t[p]))
        p++;
    if (t[p] != ':')
        return;
    p++;
    while (is_sp((unsigned char)t[p]))
        p++;
    doc->h1_phase = atoi(t + d);
    doc->h1_title = ar_dup(ps->ar, t + p, strlen(t + p));

    /* the title's span in the source: after "Phase N:" and any emphasis */
    const char *w = ps->w;
    uint32_t s = h->text_span.start, e = h->text_span.end, q = s;
    while (q < e && (w[q] == '*' || w[q] == '_'))
        q++;
    if (e - q >= 5 && memcmp(w + q, "Phase", 5) == 0) {
        q += 5;
        while (q < e && (is_sp((unsigned char)w[q]) || is_digit((unsigned char)w[q])))
            q++;
        while (q < e && (w[q] == '*' || w[q] == '_' || is_sp((unsigned char)w[q])))
            q++;
        if (q < e && w[q] == ':') {
            q++;
            while (q < e && (w[q] == '*' || w[q] == '_' || is_sp((unsigned char)w[q])))
                q++;
            while (e > q && (w[e - 1] == '*' || w[e - 1] == '_'))
                e--;
            s = q;
        }
    }
    doc->h1_title_span = span(s, e);
}

static int span_cmp(const void *x, const void *y)
{
    const md_span_t *a = x, *b = y;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* ------------------------------------------------------------------ */
/* Public API                                                          */

md_doc_t *md_parse(const char *text, size_t len)
{
    md_doc_full_t *full = xcalloc(1, sizeof *full);
    md_doc_t *doc = &full->doc;
    doc->h1 = -1;
    doc->h1_phase = -1;
    if (!text)
        len = 0;
    if (len > MD_MAX_LEN)
        len = MD_MAX_LEN;

    ps_t ps;
    memset(&ps, 0, sizeof ps);
    char *own = NULL;
    if (len && memchr(text, '\0', len)) {
        own = xmalloc(len);
        for (size_t i = 0; i < len; i++)
            own[i] = text[i] ? text[i] : MD_NUL_SUBST;
    }
    ps.ar = &full->arena;
    arena_first(ps.ar, len / 4 * 3 + 256);
    ps.w = own ? own : (len ? text : "");
    ps.len = (uint32_t)len;
    ps.doc = doc;
    ps.cur_section = -1;
    ps.rec_link = -1;
    ps.blk_heading = -1;
    lines_build(&ps);

    cm_arena_t cm = {NULL, NULL};
    cm_cur = &cm;
    cmark_parser *parser = cmark_parser_new_with_mem(CMARK_OPT_SOURCEPOS, &cm_mem);
    cmark_parser_feed(parser, ps.w, len);
    cmark_node *root = cmark_parser_finish(parser);
    if (root)
        walk(&ps, root); /* the tree goes with the arena: no cmark_node_free */
    cmark_parser_free(parser);
    cm_cur = NULL;
    cm_arena_free(&cm);
    gap_refdefs(&ps);
    resolve_refs(&ps);
    headings_finish(&ps);
    h1_parse(&ps);
    for (size_t i = 1; i < doc->n_code; i++) {
        if (doc->code[i].start < doc->code[i - 1].start) {
            qsort(doc->code, doc->n_code, sizeof(md_span_t), span_cmp);
            break;
        }
    }

    /* No growth slack kept for the life of the document, one free for all. */
    compact(full);
    free(ps.defs);
    free(ps.pend);
    free(ps.items);
    free(ps.ctr);
    free(ps.fr);
    free(ps.ents);
    free(ps.scratch);
    free(ps.ments);
    free(ps.labelled);
    free(ps.b.segs);
    buf_free(&ps.b.buf);
    buf_free(&ps.htext);
    buf_free(&ps.ltext);
    free(ps.ls);
    free(ps.le);
    free(ps.covered);
    free(own);
    return doc;
}

void md_doc_free(md_doc_t *doc)
{
    if (!doc)
        return;
    md_doc_full_t *full = (md_doc_full_t *)doc;
    arena_free(full->arena); /* strings and arrays alike */
    free(full);
}

const md_field_t *md_field_get(const md_doc_t *doc, const char *key, bool header_only)
{
    if (!doc || !key)
        return NULL;
    for (size_t i = 0; i < doc->n_fields; i++) {
        const md_field_t *f = &doc->fields[i];
        if ((!header_only || f->in_header) && util_ieq(f->key, key))
            return f;
    }
    return NULL;
}

int md_heading_find(const md_doc_t *doc, const char *name, int from)
{
    if (!doc || !name)
        return -1;
    const char *want = md_heading_bare(name);
    for (size_t i = from < 0 ? 0 : (size_t)from; i < doc->n_headings; i++)
        if (util_ieq(md_heading_bare(doc->headings[i].text), want))
            return (int)i;
    return -1;
}

bool md_in_code(const md_doc_t *doc, uint32_t offset)
{
    if (!doc)
        return false;
    size_t lo = 0, hi = doc->n_code;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (doc->code[mid].end <= offset)
            lo = mid + 1;
        else if (doc->code[mid].start > offset)
            hi = mid;
        else
            return true;
    }
    return false;
}
