/* rules_doc: the rules about one document's shape (PL001-PL032: naming,
 * header fields, template sections, placeholders, checklists) and the value
 * parsers they share with other modules. They read the model only (text and
 * md_doc), never the disk, and report through rule_report().
 *
 * Field values may carry decoration the workflow's own examples use: a
 * leading emoji ("🔴 HIGH", "✅ Complete"), bold/italic markup
 * ("**In Progress**"), a trailing "(reason)" and a trailing emoji. These are
 * stripped before a value is judged, and the reported range is the value
 * without them (for `**Priority:** 🔴 URGENT (reason)` it covers `URGENT`),
 * so a quick fix replacing the range keeps the decoration. After the value
 * proper, free text may follow a separator (" - ", " — ", ":", ",", ";").
 *
 * A value that is still a template placeholder (`[HIGH/MEDIUM/LOW]`,
 * `X-Yh agentic + Zh review`, `[Date]`) is reported once, by PL030, unless
 * PL030 is turned off. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/text.h"
#include "planls/util.h"
#include "rules_internal.h"

/* ---- small helpers ---------------------------------------------------- */

static md_span_t mkspan(uint32_t a, uint32_t b)
{
    md_span_t s = {a, b};
    return s;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* The document's first line without its terminator; empty at 0 when the
 * document (or its first line) is empty. */
static md_span_t span_line1(const ws_doc_t *d)
{
    if (!d->text || !d->text->data)
        return mkspan(0, 0);
    const char *t = d->text->data;
    size_t n = d->text->len, i = 0;
    while (i < n && t[i] != '\n' && t[i] != '\r')
        i++;
    return mkspan(0, (uint32_t)i);
}

/* Where a finding about the whole document goes: its H1, else line 1. */
static md_span_t span_title(const ws_doc_t *d)
{
    if (d->md && d->md->h1 >= 0 && (size_t)d->md->h1 < d->md->n_headings)
        return d->md->headings[d->md->h1].span;
    return span_line1(d);
}

/* Append s[0..n) to a message: invalid UTF-8 becomes U+FFFD, control
 * characters become spaces, and the text is cut after max bytes with "…"
 * (max 0 = no limit). Keeps messages and JSON data valid UTF-8 whatever the
 * document holds. */
static void put_text(buf_t *b, const char *s, size_t n, size_t max)
{
    size_t i = 0;
    while (i < n) {
        if (max && i >= max) {
            buf_append_str(b, "\xE2\x80\xA6");
            return;
        }
        unsigned char c = (unsigned char)s[i];
        if (c < 0x80) {
            buf_append_char(b, (c < 0x20 || c == 0x7f) ? ' ' : (char)c);
            i++;
            continue;
        }
        uint32_t cp;
        size_t len = text_utf8_decode(s + i, n - i, &cp);
        if (len <= 1)
            buf_append_str(b, "\xEF\xBF\xBD");
        else
            buf_append(b, s + i, len);
        i += len ? len : 1;
    }
}

/* A JSON string of document text (sanitised as put_text). New reference. */
static json_t *json_text(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    put_text(&b, s, n, 0);
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j ? j : json_string("");
}

/* Message-ready copy of document text (sanitised, at most 80 bytes).
 * Caller frees. */
static char *msg_text(const char *s, size_t n)
{
    buf_t b = BUF_INIT;
    put_text(&b, s, n, 80);
    return buf_detach(&b, NULL);
}

/* ---- value decoration ------------------------------------------------- */

/* Emoji, dingbats, arrows, dashes and similar symbols (not letters): the
 * decoration allowed around a field value. */
static bool is_symbol_cp(uint32_t cp)
{
    return (cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0x1F000 && cp <= 0x10FFFF && cp != 0xFFFD);
}

/* Byte length of a symbol code point starting at s[0], 0 when none. */
static size_t symbol_at(const char *s, size_t n)
{
    if (n == 0 || (unsigned char)s[0] < 0x80)
        return 0;
    uint32_t cp;
    size_t len = text_utf8_decode(s, n, &cp);
    return (len > 1 && is_symbol_cp(cp)) ? len : 0;
}

/* Byte length of a symbol code point ending at s[n], 0 when none. */
static size_t symbol_before(const char *s, size_t n)
{
    size_t k = 1;
    while (k < 4 && k < n && ((unsigned char)s[n - k] & 0xC0) == 0x80)
        k++;
    if (k > n)
        return 0;
    return symbol_at(s + n - k, k) == k ? k : 0;
}

static bool is_markup(char c)
{
    return c == '*' || c == '_' || c == '`';
}

/* The value proper inside a field value's span: leading emoji, markup and
 * blanks removed; trailing blanks, markup, emoji and one or more "(...)"
 * groups (each preceded by a blank) removed. Linear in the span. */
static md_span_t value_core(const char *t, md_span_t v)
{
    uint32_t a = v.start, b = v.end;
    for (;;) {
        size_t k;
        if (a < b && (is_space(t[a]) || is_markup(t[a])))
            a++;
        else if (a < b && (k = symbol_at(t + a, b - a)) > 0)
            a += (uint32_t)k;
        else
            break;
    }
    for (;;) {
        size_t k;
        if (b > a && (is_space(t[b - 1]) || is_markup(t[b - 1]))) {
            b--;
            continue;
        }
        /* a trailing run of symbols ("✅", "✅️" with its variation
         * selector) standing apart from the value */
        uint32_t r = b;
        while (r > a && (k = symbol_before(t + a, r - a)) > 0)
            r -= (uint32_t)k;
        if (r < b && r > a && is_space(t[r - 1])) {
            b = r;
            continue;
        }
        if (b > a && t[b - 1] == ')') {
            int depth = 0;
            uint32_t i = b;
            while (i > a) {
                i--;
                if (t[i] == ')')
                    depth++;
                else if (t[i] == '(' && --depth == 0)
                    break;
            }
            if (depth == 0 && i > a && is_space(t[i - 1])) {
                b = i;
                continue;
            }
        }
        break;
    }
    return mkspan(a, b);
}

/* True when s[0..n) is the word w, alone or followed by free text after a
 * separator ("In Progress - Phase 2 underway", "HIGH: blocks release"). The
 * word must not continue ("HIGHEST", "HIGH/LOW", "Completed"). */
static bool word_value(const char *s, size_t n, const char *w, bool nocase)
{
    size_t wl = strlen(w);
    if (n < wl || (nocase ? !util_ieqn(s, w, wl) : memcmp(s, w, wl) != 0))
        return false;
    size_t i = wl;
    while (i < n && is_markup(s[i])) /* closing "**" of "**HIGH** - reason" */
        i++;
    if (i == n)
        return true;
    bool spaced = false;
    while (i < n && is_space(s[i])) {
        i++;
        spaced = true;
    }
    if (i == n)
        return true;
    char c = s[i];
    if (c == ':' || c == ',' || c == ';' || c == '(')
        return true;
    if (c == '.' && i + 1 == n)
        return true;
    if (!spaced)
        return false;
    if (c == '-')
        return true;
    /* en dash, em dash */
    return n - i >= 3 && (unsigned char)s[i] == 0xE2 && (unsigned char)s[i + 1] == 0x80 &&
           ((unsigned char)s[i + 2] == 0x93 || (unsigned char)s[i + 2] == 0x94);
}

/* ---- shared parsers --------------------------------------------------- */

static const char *const PRIORITIES[] = {"HIGH", "MEDIUM", "LOW"};

const char *const *rule_priorities(size_t *n)
{
    *n = UTIL_ARRAY_LEN(PRIORITIES);
    return PRIORITIES;
}

/* Priority word of s[0..n) after decoration is removed, NULL when none. */
static const char *priority_of(const char *s, size_t n)
{
    md_span_t c = value_core(s, mkspan(0, (uint32_t)n));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(PRIORITIES); i++)
        if (word_value(s + c.start, c.end - c.start, PRIORITIES[i], false))
            return PRIORITIES[i];
    return NULL;
}

const char *rule_priority_word(const char *value)
{
    if (!value)
        return NULL;
    size_t n = strlen(value);
    if (n > UINT32_MAX)
        return NULL;
    return priority_of(value, n);
}

/* A calendar date "YYYY-MM-DD" in s[0..10); n is how many bytes exist. */
static bool date_at(const char *s, size_t n, int *year, int *month, int *day)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n < 10)
        return false;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (s[i] != '-')
                return false;
        } else if (!is_digit(s[i])) {
            return false;
        }
    }
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0');
    int d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int dim = DAYS[m - 1] + (m == 2 && leap ? 1 : 0);
    if (d > dim)
        return false;
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    return true;
}

/* The shape "DDDD-DD-DD" (digits anywhere, validity aside). */
static bool date_shape(const char *s, size_t n)
{
    if (n < 10)
        return false;
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !is_digit(s[i]))
            return false;
    return true;
}

bool rule_parse_date(const char *s, int *year, int *month, int *day)
{
    if (!s)
        return false;
    return date_at(s, strnlen(s, 10), year, month, day);
}

typedef struct effort {
    double x, y, z;
    size_t range_end; /* just after the "h" of the X-Yh part */
    size_t x_end, y_start, y_end;
} effort_t;

/* A decimal number at s[*i]: at most 9 integer digits (no overflow); of the
 * decimals the first 6 count. Digits are gathered into one integer and
 * divided once, so "2.35" is the double nearest to 2.35. Locale-free. */
static bool parse_num(const char *s, size_t n, size_t *i, double *v)
{
    size_t j = *i;
    uint64_t mant = 0, scale = 1;
    int digits = 0;
    while (j < n && is_digit(s[j]) && digits < 9) {
        mant = mant * 10 + (uint64_t)(s[j] - '0');
        j++;
        digits++;
    }
    if (digits == 0 || (j < n && is_digit(s[j])))
        return false;
    if (j + 1 < n && s[j] == '.' && is_digit(s[j + 1])) {
        j++;
        for (int frac = 0; j < n && is_digit(s[j]); j++, frac++) {
            if (frac < 6) {
                mant = mant * 10 + (uint64_t)(s[j] - '0');
                scale *= 10;
            }
        }
    }
    *v = (double)mant / (double)scale;
    *i = j;
    return true;
}

static void skip_blanks(const char *s, size_t n, size_t *i)
{
    while (*i < n && is_space(s[*i]))
        (*i)++;
}

/* Case-insensitive word at s[*i], advancing past it. */
static bool eat_word(const char *s, size_t n, size_t *i, const char *w)
{
    size_t wl = strlen(w);
    if (n - *i < wl || !util_ieqn(s + *i, w, wl))
        return false;
    *i += wl;
    return true;
}

/* "X-Yh agentic + Zh review" or "Xh agentic + Zh review" (blanks around
 * "-" and "+" optional; "-" may be an en dash; words case-insensitive). Free
 * text may follow "review" after a non-word character. */
static bool effort_at(const char *s, size_t n, effort_t *e)
{
    size_t i = 0;
    memset(e, 0, sizeof(*e));
    if (!parse_num(s, n, &i, &e->x))
        return false;
    e->x_end = i;
    e->y = e->x;
    size_t j = i;
    skip_blanks(s, n, &j);
    size_t dash = 0;
    if (j < n && s[j] == '-')
        dash = 1;
    else if (n - j >= 3 && (unsigned char)s[j] == 0xE2 && (unsigned char)s[j + 1] == 0x80 &&
             (unsigned char)s[j + 2] == 0x93)
        dash = 3;
    if (dash) {
        j += dash;
        skip_blanks(s, n, &j);
        e->y_start = j;
        if (!parse_num(s, n, &j, &e->y))
            return false;
        e->y_end = j;
        i = j;
    }
    skip_blanks(s, n, &i);
    if (i >= n || (s[i] != 'h' && s[i] != 'H'))
        return false;
    e->range_end = ++i;
    if (i >= n || !is_space(s[i]))
        return false;
    skip_blanks(s, n, &i);
    if (!eat_word(s, n, &i, "agentic"))
        return false;
    skip_blanks(s, n, &i);
    if (i >= n || s[i] != '+')
        return false;
    i++;
    skip_blanks(s, n, &i);
    if (!parse_num(s, n, &i, &e->z))
        return false;
    skip_blanks(s, n, &i);
    if (i >= n || (s[i] != 'h' && s[i] != 'H'))
        return false;
    i++;
    if (i >= n || !is_space(s[i]))
        return false;
    skip_blanks(s, n, &i);
    if (!eat_word(s, n, &i, "review"))
        return false;
    return i == n || !(is_alnum(s[i]) || s[i] == '_');
}

bool rule_parse_effort(const char *s, double *x, double *y, double *z)
{
    if (!s)
        return false;
    size_t n = strlen(s);
    if (n > UINT32_MAX)
        return false;
    md_span_t c = value_core(s, mkspan(0, (uint32_t)n));
    effort_t e;
    if (!effort_at(s + c.start, c.end - c.start, &e))
        return false;
    if (x)
        *x = e.x;
    if (y)
        *y = e.y;
    if (z)
        *z = e.z;
    return true;
}

/* ---- placeholders ----------------------------------------------------- */

typedef struct lit {
    const char *s;
    size_t len;
} lit_t;
#define LIT(x) {x, sizeof(x) - 1}

/* Bracketed placeholders of the workflow's templates (the text between the
 * brackets, exact). "[Link ...]" and "[Measurable outcome N]" are matched as
 * families in bracket_placeholder(). */
static const lit_t BRACKETED[] = {
    LIT("1-2 paragraphs explaining:"),
    LIT("1-2 paragraphs summarizing this planning session - what features, why grouped "
        "together, expected impact"),
    LIT("2-3 paragraphs explaining:"),
    LIT("analysis/requirements"),
    LIT("Brief description"),
    LIT("Context/Background"),
    LIT("Continue for all features..."),
    LIT("Critical reason"),
    LIT("Date"),
    LIT("Details and PR link"),
    LIT("Feature"),
    LIT("Feature Name"),
    LIT("HIGH/MEDIUM/LOW"),
    LIT("How previous work affects current planning"),
    LIT("Important reason"),
    LIT("Last Session"),
    LIT("Month Year"),
    LIT("Name"),
    LIT("New features"),
    LIT("Nice to have"),
    LIT("Performance target if applicable"),
    LIT("Planning Session Name"),
    LIT("Previous Session"),
    LIT("Ready for Implementation/In Progress/Complete"),
    LIT("Ready for Review/In Progress/Complete"),
    LIT("Reason"),
    LIT("Reference relevant findings from analysis documents"),
    LIT("Related concepts"),
    LIT("Remaining work"),
    LIT("Same structure"),
    LIT("Specific measurable outcome"),
    LIT("Useful reason"),
    LIT("What it is"),
    LIT("What was accomplished, what remains"),
    LIT("What's done, what remains"),
    LIT("Where/how used"),
    LIT("Why deferred"),
};

/* Literal placeholders of the templates (X, Y, Z, A, B, XX, YYYY standing
 * for numbers). Matched on word boundaries. */
static const lit_t LITERALS[] = {
    LIT("X-Yh"),     LIT("X-Y hours"), LIT("Zh review"), LIT("Z hours review"),
    LIT("A-B total hours"), LIT("PR #XX"), LIT("ADR YYYY"), LIT("~X%"),
    LIT("Phase N-1"), LIT("Phase N+1"),
};

/* Bytes that can start a placeholder (the scan's fast path; next_placeholder_start
 * compares with the same six). */
static const bool PLACEHOLDER_START[256] = {
    ['['] = true, ['X'] = true, ['Z'] = true, ['A'] = true, ['P'] = true, ['~'] = true,
};

/* The first index >= i of t[0..n) holding a byte that can start a
 * placeholder, n when none. Prose has one every few dozen bytes: blocks of
 * 16 bytes without one are skipped with vector compares (GCC and Clang
 * vector extensions; other compilers take the byte loop). */
static size_t next_placeholder_start(const char *t, size_t i, size_t n)
{
#if defined(__GNUC__) || defined(__clang__)
    typedef unsigned char v16_t __attribute__((vector_size(16)));
    typedef signed char m16_t __attribute__((vector_size(16)));
    while (n - i >= 16) {
        v16_t v;
        memcpy(&v, t + i, sizeof v);
        m16_t m = (v == '[') | (v == 'X') | (v == 'Z') | (v == 'A') | (v == 'P') | (v == '~');
        uint64_t half[2];
        memcpy(half, &m, sizeof half);
        if (half[0] | half[1])
            break;
        i += 16;
    }
#endif
    while (i < n && !PLACEHOLDER_START[(unsigned char)t[i]])
        i++;
    return i;
}

static bool bracket_placeholder(const char *s, size_t n)
{
    if (n > 5 && memcmp(s, "Link ", 5) == 0)
        return true;
    if (n > 19 && memcmp(s, "Measurable outcome ", 19) == 0) {
        for (size_t i = 19; i < n; i++)
            if (!is_digit(s[i]))
                return false;
        return true;
    }
    for (size_t i = 0; i < UTIL_ARRAY_LEN(BRACKETED); i++)
        if (BRACKETED[i].len == n && memcmp(BRACKETED[i].s, s, n) == 0)
            return true;
    return false;
}

/* Length of the placeholder starting at t[i] (t has n bytes), 0 when none.
 * Brackets that are link labels ("[x](...)", "[x][ref]", "[a][x]") are not
 * placeholders; callers exclude shortcut references themselves. */
static size_t placeholder_at(const char *t, size_t n, size_t i)
{
    char c = t[i];
    if (c == '[') {
        if (i > 0 && t[i - 1] == ']')
            return 0;
        size_t j = i + 1;
        while (j < n && j - i < 200 && t[j] != ']' && t[j] != '[' && t[j] != '\n' && t[j] != '\r')
            j++;
        if (j >= n || t[j] != ']')
            return 0;
        if (j + 1 < n && (t[j + 1] == '(' || t[j + 1] == '['))
            return 0;
        return bracket_placeholder(t + i + 1, j - i - 1) ? j + 1 - i : 0;
    }
    if (!PLACEHOLDER_START[(unsigned char)c] || (i > 0 && is_alnum(t[i - 1])))
        return 0;
    for (size_t k = 0; k < UTIL_ARRAY_LEN(LITERALS); k++) {
        const lit_t *w = &LITERALS[k];
        if (w->s[0] != c || n - i < w->len || memcmp(t + i, w->s, w->len) != 0)
            continue;
        if (is_alnum(w->s[w->len - 1]) && i + w->len < n && is_alnum(t[i + w->len]))
            continue;
        return w->len;
    }
    return 0;
}

static bool span_has_placeholder(const char *t, md_span_t s)
{
    for (size_t i = s.start; i < s.end; i++)
        if (placeholder_at(t, s.end, i))
            return true;
    return false;
}

static bool rule_enabled(const rule_ctx_t *cx, const char *code)
{
    return config_rule_sev(cx->cfg, code) != CONFIG_SEV_OFF;
}

/* A field value that is still a template placeholder is PL030's to report
 * (when PL030 runs). */
static bool left_to_pl030(const rule_ctx_t *cx, const ws_doc_t *d, md_span_t v)
{
    return span_has_placeholder(d->text->data, v) && rule_enabled(cx, "PL030");
}

/* ---- document kinds and template sections ----------------------------- */

static bool is_templated(md_kind_t k)
{
    return k == MD_KIND_PLAN || k == MD_KIND_START || k == MD_KIND_README;
}

/* Template sections in template order (DESIGN §2 and the workflow's
 * templates): the one table PL020-PL022, the insert-section actions and
 * section completion all read (rule_template_sections). */
#define H2(name, emoji, required) {name, NULL, NULL, -1, required, emoji}
#define H3(name, alt, parent, parent_index) {name, alt, parent, parent_index, true, NULL}

static const rule_section_t PLAN_SECTIONS[] = {
    H2("Overview", "\xF0\x9F\x93\x8B", true),
    H2("Context from Analysis", "\xF0\x9F\x93\x9A", false),
    H2("Scope", "\xF0\x9F\x8E\xAF", true),
    H3("In Scope", NULL, "Scope", 2),
    H3("Out of Scope", NULL, "Scope", 2),
    H2("Dependencies", "\xF0\x9F\x94\x97", true),
    H3("Requires (Blockers)", "Requires", "Dependencies", 5),
    H3("Enables (Unlocks)", "Enables", "Dependencies", 5),
    H2("Success Criteria", "\xE2\x9C\x85", true),
    H2("Implementation", "\xF0\x9F\x9A\x80", true),
};

static const rule_section_t START_SECTIONS[] = {
    H2("Executive Summary", "\xF0\x9F\x8E\xAF", true),
    H2("Timeline", "\xF0\x9F\x93\x85", false),
    H2("Success Criteria", "\xF0\x9F\x8E\xAF", true),
    H2("Document Navigation", "\xF0\x9F\x93\x9A", true),
    H2("Priority Order", "\xF0\x9F\x94\xA5", true),
    H2("Dependencies", "\xF0\x9F\x93\x8B", true),
    H2("Getting Started", "\xF0\x9F\x9A\x80", true),
};

static const rule_section_t README_SECTIONS[] = {
    H2("Overview", "\xF0\x9F\x93\x8B", true),
    {"What's Inside", "What\xE2\x80\x99s Inside", NULL, -1, true, "\xF0\x9F\x93\x9A"},
    H2("Quick Summary", "\xF0\x9F\x93\x8A", false),
    H2("Priority Order", "\xF0\x9F\x8E\xAF", true),
    H2("Getting Started", "\xF0\x9F\x9A\x80", true),
};

#undef H2
#undef H3

_Static_assert(UTIL_ARRAY_LEN(PLAN_SECTIONS) <= RULE_MAX_SECTIONS &&
                   UTIL_ARRAY_LEN(START_SECTIONS) <= RULE_MAX_SECTIONS &&
                   UTIL_ARRAY_LEN(README_SECTIONS) <= RULE_MAX_SECTIONS,
               "RULE_MAX_SECTIONS is too small");

const rule_section_t *rule_template_sections(md_kind_t kind, size_t *n)
{
    switch (kind) {
    case MD_KIND_PLAN:
        *n = UTIL_ARRAY_LEN(PLAN_SECTIONS);
        return PLAN_SECTIONS;
    case MD_KIND_START:
        *n = UTIL_ARRAY_LEN(START_SECTIONS);
        return START_SECTIONS;
    case MD_KIND_README:
        *n = UTIL_ARRAY_LEN(README_SECTIONS);
        return README_SECTIONS;
    default:
        *n = 0;
        return NULL;
    }
}

/* The heading for a template section: an H2 (parent_h < 0) or a heading
 * directly under the H2 parent_h. -1 when absent. */
static int find_section(const md_doc_t *md, const rule_section_t *s, int parent_h)
{
    const char *names[2] = {s->name, s->alt};
    for (int k = 0; k < 2 && names[k]; k++) {
        int from = 0, h;
        while ((h = md_heading_find(md, names[k], from)) >= 0) {
            const md_heading_t *hd = &md->headings[h];
            if (parent_h < 0 ? hd->level == 2 : (hd->parent == parent_h && hd->level > 2))
                return h;
            from = h + 1;
        }
    }
    return -1;
}

/* Heading index of every entry of the table (-1 when absent; subsections of
 * an absent H2 are absent). */
static void locate_sections(const md_doc_t *md, const rule_section_t *secs, size_t n, int *at)
{
    for (size_t i = 0; i < n; i++) {
        int p = secs[i].parent_index;
        if (p < 0)
            at[i] = find_section(md, &secs[i], -1);
        else
            at[i] = at[p] < 0 ? -1 : find_section(md, &secs[i], at[p]);
    }
}

/* ---- PL001-PL004: naming ---------------------------------------------- */

/* kebab-case: lower-case letters and digits, words joined by single '-'. */
static bool is_kebab(const char *s)
{
    if (!*s)
        return false;
    bool prev_dash = true;
    for (; *s; s++) {
        if (*s == '-') {
            if (prev_dash)
                return false;
            prev_dash = true;
        } else if ((*s >= 'a' && *s <= 'z') || is_digit(*s)) {
            prev_dash = false;
        } else {
            return false;
        }
    }
    return !prev_dash;
}

/* Why a folder name is wrong, NULL when it is right. Caller frees. */
static char *folder_name_problem(const char *name)
{
    char *q = msg_text(name, strlen(name));
    char *m = NULL;
    size_t n = strlen(name);
    if (!date_shape(name, n) || (n > 10 && name[10] != '-'))
        m = xasprintf("Planning folder name \"%s\" should be YYYY-MM-DD-kebab-name "
                      "(e.g. 2026-01-15-search-platform)", q);
    else if (!date_at(name, n, NULL, NULL, NULL))
        m = xasprintf("Planning folder name \"%s\" starts with %.10s, which is not a real date",
                      q, name);
    else if (n <= 11)
        m = xasprintf("Planning folder name \"%s\" needs a descriptive kebab-case name after "
                      "the date (YYYY-MM-DD-kebab-name)", q);
    else if (!is_kebab(name + 11))
        m = xasprintf("Planning folder name \"%s\": the part after the date must be kebab-case "
                      "(lower-case words joined by hyphens)", q);
    free(q);
    return m;
}

/* PL001: on line 1 of START-HERE.md, or of every document when the folder
 * has none (so the finding is seen wherever the user is). */
void rule_pl001_folder_name(rule_ctx_t *cx, ws_folder_t *f)
{
    if (!f->name)
        return;
    char *m = folder_name_problem(f->name);
    if (!m)
        return;
    if (f->start) {
        rule_report(cx, f->start, span_line1(f->start), 0, "%s", m);
    } else {
        for (size_t i = 0; i < f->n_docs; i++)
            rule_report(cx, f->docs[i], span_line1(f->docs[i]), 0, "%s", m);
    }
    free(m);
}

/* PL002: on line 1 of every document of the folder, data {"missing": name}
 * for the create-file quick fix. */
void rule_pl002_required_docs(rule_ctx_t *cx, ws_folder_t *f)
{
    static const struct {
        const char *name, *why;
    } REQ[] = {
        {"START-HERE.md", "the entry point: executive summary, navigation, priority order"},
        {"README.md", "quick overview and document index"},
    };
    for (size_t r = 0; r < UTIL_ARRAY_LEN(REQ); r++) {
        ws_doc_t *have = r == 0 ? f->start : f->readme;
        if (have)
            continue;
        for (size_t i = 0; i < f->n_docs; i++) {
            ws_doc_t *d = f->docs[i];
            rule_diag_t *g = rule_report(cx, d, span_line1(d), 0,
                                         "Planning folder has no %s (required: %s)", REQ[r].name,
                                         REQ[r].why);
            g->data = json_pack("{s:s}", "missing", REQ[r].name);
        }
    }
}

/* PL003: the workspace classifies names (md_kind_from_name); the message
 * says which pattern the name seems to aim at. Reported on line 1. */
void rule_pl003_file_name(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!d->name_malformed || !d->name)
        return;
    char *q = msg_text(d->name, strlen(d->name));
    size_t n = strlen(d->name);
    bool plan = n >= 8 && util_ieq(d->name + n - 8, "-plan.md");
    bool analysis = false;
    for (size_t i = 0; i + 8 <= n && !analysis; i++)
        analysis = util_ieqn(d->name + i, "analysis", 8);
    if (plan)
        rule_report(cx, d, span_line1(d), 0,
                    "File name \"%s\" is not a valid plan name: expected NN-kebab-name-plan.md "
                    "(two-digit number, lower-case words joined by hyphens)",
                    q);
    else if (analysis)
        rule_report(cx, d, span_line1(d), 0,
                    "File name \"%s\" is not a valid analysis name: expected "
                    "NN-UPPER-CASE-ANALYSIS.md (two-digit number, upper-case words)",
                    q);
    else
        rule_report(cx, d, span_line1(d), 0,
                    "File name \"%s\" fits no document kind: expected NN-kebab-name-plan.md, "
                    "NN-UPPER-CASE-ANALYSIS.md, NAME-COMPLETE.md or NAME-TESTING.md",
                    q);
    free(q);
}

typedef struct numbered {
    int num;
    ws_doc_t *doc;
} numbered_t;

static int numbered_cmp(const void *pa, const void *pb)
{
    const numbered_t *a = pa, *b = pb;
    if (a->num != b->num)
        return a->num < b->num ? -1 : 1;
    return strcmp(a->doc->name ? a->doc->name : "", b->doc->name ? b->doc->name : "");
}

/* "02", "02 and 03", "02-05". */
static void put_number_range(buf_t *b, int lo, int hi)
{
    if (lo == hi)
        buf_printf(b, "%02d is missing", lo);
    else if (hi == lo + 1)
        buf_printf(b, "%02d and %02d are missing", lo, hi);
    else
        buf_printf(b, "%02d-%02d are missing", lo, hi);
}

/* Documents of one number (a run of the sorted array): each is an error
 * pointing at the others. */
static void report_duplicates(rule_ctx_t *cx, numbered_t *run, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        buf_t others = BUF_INIT;
        size_t listed = 0;
        for (size_t j = 0; j < len; j++) {
            if (j == i)
                continue;
            if (listed == 3) {
                buf_printf(&others, " and %zu more", len - 1 - listed);
                break;
            }
            if (listed)
                buf_append_str(&others, ", ");
            const char *nm = run[j].doc->name ? run[j].doc->name : "";
            put_text(&others, nm, strlen(nm), 80);
            listed++;
        }
        rule_diag_t *g = rule_report(cx, run[i].doc, span_line1(run[i].doc), 0,
                                     "Number %02d is also used by %s: each analysis and plan "
                                     "needs its own number",
                                     run[i].num, buf_cstr(&others));
        buf_free(&others);
        g->data = json_pack("{s:i}", "number", run[i].num);
        for (size_t j = 0; j < len; j++)
            if (j != i)
                rule_add_related(g, run[j].doc, span_line1(run[j].doc), "also numbered %02d",
                                 run[j].num);
    }
}

/* PL004: among analyses and plans, a number used twice is an error on each
 * document (related: the others); missing numbers between 01 and the
 * highest are one warning on the first document after each gap. */
void rule_pl004_numbering(rule_ctx_t *cx, ws_folder_t *f)
{
    numbered_t *v = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < f->n_docs; i++) {
        ws_doc_t *d = f->docs[i];
        if ((d->kind == MD_KIND_PLAN || d->kind == MD_KIND_ANALYSIS) && d->number >= 0) {
            numbered_t e = {d->number, d};
            UTIL_PUSH(v, n, cap, e);
        }
    }
    if (n == 0)
        goto done;
    qsort(v, n, sizeof(*v), numbered_cmp);
    /* Numbering runs from 01 (or 00 when a document uses it) to the
     * highest number. */
    int expect = v[0].num < 1 ? v[0].num : 1;
    for (size_t i = 0; i < n;) {
        size_t j = i + 1;
        while (j < n && v[j].num == v[i].num)
            j++;
        if (j - i > 1)
            report_duplicates(cx, v + i, j - i);
        if (v[i].num > expect) {
            buf_t b = BUF_INIT;
            buf_append_str(&b, "Gap in numbering: ");
            put_number_range(&b, expect, v[i].num - 1);
            buf_printf(&b, " before %02d", v[i].num);
            rule_diag_t *g = rule_report(cx, v[i].doc, span_line1(v[i].doc), RULE_WARNING, "%s",
                                         buf_cstr(&b));
            buf_free(&b);
            g->data = json_pack("{s:i,s:i}", "missingFrom", expect, "missingTo", v[i].num - 1);
        }
        if (v[i].num >= expect)
            expect = v[i].num == INT32_MAX ? v[i].num : v[i].num + 1;
        i = j;
    }
done:
    free(v);
}

/* ---- PL010-PL015: title and header fields ----------------------------- */

/* PL010: on the H1 heading, or line 1 when the plan has no H1. */
void rule_pl010_plan_title(rule_ctx_t *cx, ws_doc_t *d)
{
    if (d->kind != MD_KIND_PLAN)
        return;
    const md_doc_t *md = d->md;
    if (md->h1 < 0 || (size_t)md->h1 >= md->n_headings) {
        rule_report(cx, d, span_line1(d), 0,
                    "Plan has no title: expected \"# Phase %d: Feature Name\" as its first line",
                    d->number);
        return;
    }
    const md_heading_t *h = &md->headings[md->h1];
    if (md->h1_phase < 0) {
        char *q = msg_text(h->text ? h->text : "", h->text ? strlen(h->text) : 0);
        rule_report(cx, d, h->span, 0, "Plan title must look like \"# Phase %d: Title\", found \"%s\"",
                    d->number, q);
        free(q);
    } else if (d->number >= 0 && md->h1_phase != d->number) {
        rule_report(cx, d, h->span, 0,
                    "Plan title says Phase %d but the file is numbered %02d: expected \"# Phase "
                    "%d: ...\"",
                    md->h1_phase, d->number, d->number);
    }
}

static const char *const PLAN_FIELDS[] = {"Date", "Priority", "Status", "Estimated Effort"};
static const char *const FOLDER_DOC_FIELDS[] = {"Created", "Status"};

/* PL011: header fields only (before the first H2): a footer "**Status:**"
 * does not stand in for the header's. One finding per field, on the H1 (or
 * line 1), data {"field": key}. */
void rule_pl011_missing_field(rule_ctx_t *cx, ws_doc_t *d)
{
    const char *const *keys;
    size_t n;
    if (d->kind == MD_KIND_PLAN) {
        keys = PLAN_FIELDS;
        n = UTIL_ARRAY_LEN(PLAN_FIELDS);
    } else if (d->kind == MD_KIND_START || d->kind == MD_KIND_README) {
        keys = FOLDER_DOC_FIELDS;
        n = UTIL_ARRAY_LEN(FOLDER_DOC_FIELDS);
    } else {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (md_field_get(d->md, keys[i], true))
            continue;
        rule_diag_t *g = rule_report(cx, d, span_title(d), 0,
                                     "Missing required field **%s:** in the document header",
                                     keys[i]);
        g->data = json_pack("{s:s}", "field", keys[i]);
    }
}

/* The header field `key` of d (as md_field_get finds it) and, in *core, its
 * value proper (value_core); NULL when d has no such field. */
static const md_field_t *field_core(const ws_doc_t *d, const char *key, md_span_t *core)
{
    const md_field_t *f = md_field_get(d->md, key, true);
    if (f)
        *core = value_core(d->text->data, f->value_span);
    return f;
}

/* Report an invalid field value: message, then data {field, found}. */
static rule_diag_t *report_value(rule_ctx_t *cx, ws_doc_t *d, md_span_t at, const char *field,
                                 const char *msg)
{
    rule_diag_t *g = rule_report(cx, d, at, 0, "%s", msg);
    g->data = json_pack("{s:s,s:o}", "field", field, "found",
                        json_text(d->text->data + at.start, at.end - at.start));
    return g;
}

/* PL012-PL014 judge the header field's value proper (see the top of this
 * file) and report on it, data {"field", "found"}. */
void rule_pl012_priority(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!is_templated(d->kind))
        return;
    md_span_t c;
    const md_field_t *f = field_core(d, "Priority", &c);
    if (!f)
        return;
    const char *t = d->text->data;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(PRIORITIES); i++)
        if (word_value(t + c.start, c.end - c.start, PRIORITIES[i], false))
            return;
    if (left_to_pl030(cx, d, f->value_span))
        return;
    char *m;
    if (c.start == c.end) {
        m = xstrdup("Priority is empty: expected HIGH, MEDIUM or LOW");
    } else {
        char *q = msg_text(t + c.start, c.end - c.start);
        bool upper_would_fit = false;
        for (size_t i = 0; i < UTIL_ARRAY_LEN(PRIORITIES); i++)
            upper_would_fit |= word_value(t + c.start, c.end - c.start, PRIORITIES[i], true);
        m = xasprintf("Priority must be HIGH, MEDIUM or LOW%s, found \"%s\"",
                      upper_would_fit ? " (upper case)" : "", q);
        free(q);
    }
    report_value(cx, d, c, "Priority", m);
    free(m);
}

static const char *const PLAN_STATUSES[] = {"Ready for Implementation", "In Progress",
                                            "Complete"};
static const char *const START_STATUSES[] = {"Ready for Review", "In Progress", "Complete"};

const char *const *rule_statuses(md_kind_t kind, size_t *n)
{
    switch (kind) {
    case MD_KIND_PLAN:
    case MD_KIND_README:
        *n = UTIL_ARRAY_LEN(PLAN_STATUSES);
        return PLAN_STATUSES;
    case MD_KIND_START:
        *n = UTIL_ARRAY_LEN(START_STATUSES);
        return START_STATUSES;
    default:
        *n = 0;
        return NULL;
    }
}

void rule_pl013_status(rule_ctx_t *cx, ws_doc_t *d)
{
    const char *what = d->kind == MD_KIND_PLAN    ? "a plan"
                       : d->kind == MD_KIND_README ? "README.md"
                                                   : "START-HERE.md";
    size_t n_valid;
    const char *const *valid = rule_statuses(d->kind, &n_valid);
    if (!valid)
        return;
    md_span_t c;
    const md_field_t *f = field_core(d, "Status", &c);
    if (!f)
        return;
    const char *t = d->text->data;
    for (size_t i = 0; i < n_valid; i++)
        if (word_value(t + c.start, c.end - c.start, valid[i], true))
            return;
    if (left_to_pl030(cx, d, f->value_span))
        return;
    char *m;
    if (c.start == c.end) {
        m = xasprintf("Status is empty: expected %s, %s or %s", valid[0], valid[1], valid[2]);
    } else {
        char *q = msg_text(t + c.start, c.end - c.start);
        m = xasprintf("Status \"%s\" is not valid for %s: expected %s, %s or %s", q, what, valid[0],
                      valid[1], valid[2]);
        free(q);
    }
    report_value(cx, d, c, "Status", m);
    free(m);
}

void rule_pl014_effort(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!is_templated(d->kind))
        return;
    md_span_t c;
    const md_field_t *f = field_core(d, "Estimated Effort", &c);
    if (!f)
        return;
    const char *t = d->text->data;
    effort_t e;
    if (effort_at(t + c.start, c.end - c.start, &e)) {
        if (e.x <= e.y)
            return;
        md_span_t r = mkspan(c.start, c.start + (uint32_t)e.range_end);
        char *xs = msg_text(t + c.start, e.x_end);
        char *ys = msg_text(t + c.start + e.y_start, e.y_end - e.y_start);
        char *rs = msg_text(t + r.start, r.end - r.start);
        rule_diag_t *g = rule_report(cx, d, r, 0, "Effort range %s is reversed: %s > %s", rs, xs, ys);
        g->data = json_pack("{s:s,s:o}", "field", "Estimated Effort", "found",
                            json_text(t + r.start, r.end - r.start));
        free(xs);
        free(ys);
        free(rs);
        return;
    }
    if (left_to_pl030(cx, d, f->value_span))
        return;
    char *m;
    if (c.start == c.end) {
        m = xstrdup("Effort is empty: expected \"X-Yh agentic + Zh review\"");
    } else {
        char *q = msg_text(t + c.start, c.end - c.start);
        m = xasprintf("Effort must look like \"X-Yh agentic + Zh review\", found \"%s\"", q);
        free(q);
    }
    report_value(cx, d, c, "Estimated Effort", m);
    free(m);
}

static bool is_date_key(const char *k)
{
    return k && (util_ieq(k, "Date") || util_ieq(k, "Created") || util_ieq(k, "Last Updated"));
}

/* PL015: every Date / Created / Last Updated field outside lists of the
 * templated documents and analyses (header and footer alike), on the value
 * (the date itself when it has the YYYY-MM-DD shape but is no real date). */
void rule_pl015_date(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!is_templated(d->kind) && d->kind != MD_KIND_ANALYSIS)
        return;
    const char *t = d->text->data;
    for (size_t i = 0; i < d->md->n_fields; i++) {
        const md_field_t *f = &d->md->fields[i];
        if (f->in_list || !is_date_key(f->key))
            continue;
        md_span_t c = value_core(t, f->value_span);
        size_t n = c.end - c.start;
        const char *s = t + c.start;
        bool shape = date_shape(s, n) && (n == 10 || !(is_alnum(s[10]) || s[10] == '-'));
        if (shape && date_at(s, n, NULL, NULL, NULL))
            continue;
        if (!shape && left_to_pl030(cx, d, f->value_span))
            continue;
        char *key = msg_text(f->key, strlen(f->key));
        char *m;
        md_span_t at = c;
        if (shape) {
            at = mkspan(c.start, c.start + 10);
            m = xasprintf("%s %.10s is not a real calendar date", key, s);
        } else if (n == 0) {
            m = xasprintf("%s is empty: expected a date in YYYY-MM-DD form", key);
        } else {
            char *q = msg_text(s, n);
            m = xasprintf("%s must be a date in YYYY-MM-DD form, found \"%s\"", key, q);
            free(q);
        }
        rule_diag_t *g = rule_report(cx, d, at, 0, "%s", m);
        g->data = json_pack("{s:o,s:o}", "field", json_text(f->key, strlen(f->key)), "found",
                            json_text(t + at.start, at.end - at.start));
        free(m);
        free(key);
    }
}

/* ---- PL020-PL022: sections -------------------------------------------- */

/* PL020: a missing H2 is reported on the H1 (or line 1) with data
 * {"section", "parent": null}; a missing subsection of a present H2 on that
 * H2's heading, data {"section", "parent"}; the subsections of a missing H2
 * are not reported separately (inserting the H2 from the template brings
 * them). Names match as md_heading_find does (leading emoji, case). */
void rule_pl020_missing_section(rule_ctx_t *cx, ws_doc_t *d)
{
    size_t n;
    const rule_section_t *secs = rule_template_sections(d->kind, &n);
    if (!secs)
        return;
    int at[RULE_MAX_SECTIONS];
    locate_sections(d->md, secs, n, at);
    for (size_t i = 0; i < n; i++) {
        if (!secs[i].required || at[i] >= 0)
            continue;
        int p = secs[i].parent_index;
        if (p >= 0 && at[p] < 0)
            continue; /* the missing parent is reported (and inserted) whole */
        rule_diag_t *g;
        if (p < 0) {
            g = rule_report(cx, d, span_title(d), 0, "Missing required section \"%s\"",
                            secs[i].name);
            g->data = json_pack("{s:s,s:n}", "section", secs[i].name, "parent");
        } else {
            g = rule_report(cx, d, d->md->headings[at[p]].span, 0,
                            "Missing required section \"%s\" under \"%s\"", secs[i].name,
                            secs[p].name);
            g->data = json_pack("{s:s,s:s}", "section", secs[i].name, "parent", secs[p].name);
        }
    }
}

/* Template index of heading h among entries with the given parent entry
 * (-1 for H2 entries), -1 when it is no template section. */
static int template_index(const md_doc_t *md, int h, const rule_section_t *secs, size_t n,
                          int parent)
{
    const char *bare = md_heading_bare(md->headings[h].text ? md->headings[h].text : "");
    while (*bare == ' ' || *bare == '\t')
        bare++;
    for (size_t i = 0; i < n; i++) {
        if (secs[i].parent_index != parent)
            continue;
        if (util_ieq(bare, secs[i].name) || (secs[i].alt && util_ieq(bare, secs[i].alt)))
            return (int)i;
    }
    return -1;
}

/* Check one level: the headings directly under parent_h (H2s when
 * parent_h < 0) that are template sections must come in template order.
 * Reports the first one out of order. */
static void check_order(rule_ctx_t *cx, ws_doc_t *d, const rule_section_t *secs, size_t n,
                        int parent_entry, int parent_h)
{
    const md_doc_t *md = d->md;
    int max_idx = -1;
    for (size_t h = 0; h < md->n_headings; h++) {
        const md_heading_t *hd = &md->headings[h];
        if (parent_h < 0 ? hd->level != 2 : hd->parent != parent_h)
            continue;
        int idx = template_index(md, (int)h, secs, n, parent_entry);
        if (idx < 0)
            continue;
        if (idx < max_idx) {
            rule_report(cx, d, hd->span, 0,
                        "Section \"%s\" is out of template order: it should come before \"%s\"",
                        secs[idx].name, secs[max_idx].name);
            return;
        }
        max_idx = idx;
    }
}

/* PL021: among the H2s that are template sections (optional ones
 * included), the first that comes after a later template section; the same
 * for the subsections of each present H2. Other headings are ignored. */
void rule_pl021_section_order(rule_ctx_t *cx, ws_doc_t *d)
{
    size_t n;
    const rule_section_t *secs = rule_template_sections(d->kind, &n);
    if (!secs)
        return;
    int at[RULE_MAX_SECTIONS];
    locate_sections(d->md, secs, n, at);
    check_order(cx, d, secs, n, -1, -1);
    for (size_t i = 0; i < n; i++) {
        if (secs[i].parent_index >= 0 || at[i] < 0)
            continue;
        bool has_children = false;
        for (size_t k = 0; k < n; k++)
            has_children |= secs[k].parent_index == (int)i;
        if (has_children)
            check_order(cx, d, secs, n, (int)i, at[i]);
    }
}

/* A thematic break line ("---", "* * *", "___"), already trimmed. */
static bool is_break_line(const char *s, size_t n)
{
    char c = n ? s[0] : 0;
    size_t count = 0;
    if (c != '-' && c != '*' && c != '_')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == c)
            count++;
        else if (!is_space(s[i]))
            return false;
    }
    return count >= 3;
}

/* True when t[a..b) holds only blank lines and thematic breaks. Stops at
 * the first content. */
static bool is_blank_range(const char *t, uint32_t a, uint32_t b)
{
    uint32_t i = a;
    while (i < b) {
        uint32_t e = i;
        while (e < b && t[e] != '\n' && t[e] != '\r')
            e++;
        uint32_t s = i, x = e;
        while (s < x && is_space(t[s]))
            s++;
        while (x > s && is_space(t[x - 1]))
            x--;
        if (x > s && !is_break_line(t + s, x - s))
            return false;
        i = e + 1;
    }
    return true;
}

/* PL022: a required section holding only blank lines and thematic breaks
 * up to its end (the next heading of the same or a higher level). Its
 * subsections are content: a Scope holding only its In/Out of Scope is not
 * empty (each of those is checked itself). */
void rule_pl022_empty_section(rule_ctx_t *cx, ws_doc_t *d)
{
    size_t n;
    const rule_section_t *secs = rule_template_sections(d->kind, &n);
    if (!secs)
        return;
    int at[RULE_MAX_SECTIONS];
    locate_sections(d->md, secs, n, at);
    for (size_t i = 0; i < n; i++) {
        if (!secs[i].required || at[i] < 0)
            continue;
        const md_heading_t *h = &d->md->headings[at[i]];
        uint32_t end = h->section_end;
        if (end > d->text->len)
            end = (uint32_t)d->text->len;
        if (!is_blank_range(d->text->data, h->span.end, end))
            continue;
        rule_diag_t *g = rule_report(cx, d, h->span, 0,
                                     "Section \"%s\" is empty: fill it in as the template shows",
                                     secs[i].name);
        g->data = json_pack("{s:s}", "section", secs[i].name);
    }
}

/* ---- PL030: placeholders ---------------------------------------------- */

/* PL030: every placeholder occurrence outside code, each on its own
 * exact range, in START-HERE, README, analyses and plans (the documents that
 * have templates). One linear scan; code spans and links are walked with
 * cursors (both are in source order). */
void rule_pl030_placeholder(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!is_templated(d->kind) && d->kind != MD_KIND_ANALYSIS)
        return;
    const md_doc_t *md = d->md;
    const char *t = d->text->data;
    size_t n = d->text->len;
    size_t ci = 0, li = 0;
    for (size_t i = 0; i < n; i++) {
        i = next_placeholder_start(t, i, n);
        if (i >= n)
            break;
        char c = t[i];
        while (ci < md->n_code && md->code[ci].end <= i)
            ci++;
        if (ci < md->n_code && md->code[ci].start <= i) {
            i = md->code[ci].end - 1;
            continue;
        }
        size_t len = placeholder_at(t, n, i);
        if (!len)
            continue;
        if (c == '[') {
            /* a shortcut reference link "[x]" with a definition is a link */
            while (li < md->n_links && md->links[li].text_span.start < i + 1)
                li++;
            if (li < md->n_links && md->links[li].text_span.start == i + 1)
                continue;
        }
        char *q = msg_text(t + i, len);
        rule_diag_t *g = rule_report(cx, d, mkspan((uint32_t)i, (uint32_t)(i + len)), 0,
                                     "Unfilled template placeholder %s: replace it with real "
                                     "content",
                                     q);
        g->data = json_pack("{s:s}", "placeholder", q);
        free(q);
        i += len - 1;
    }
}

/* ---- PL031-PL032: success criteria ------------------------------------ */

static const rule_section_t SUCCESS = {"Success Criteria", NULL, NULL, -1, true, NULL};

/* PL031: the Success Criteria H2 of a plan or START-HERE (its subsections
 * included) holds no "- [ ]" / "- [x]" item. On the heading. */
void rule_pl031_no_checklist(rule_ctx_t *cx, ws_doc_t *d)
{
    if (d->kind != MD_KIND_PLAN && d->kind != MD_KIND_START)
        return;
    int h = find_section(d->md, &SUCCESS, -1);
    if (h < 0)
        return;
    const md_heading_t *hd = &d->md->headings[h];
    for (size_t i = 0; i < d->md->n_checks; i++) {
        uint32_t s = d->md->checks[i].span.start;
        if (s >= hd->span.end && s < hd->section_end)
            return;
    }
    rule_report(cx, d, hd->span, 0,
                "Success Criteria has no checklist item: list measurable outcomes as \"- [ ] "
                "...\" items");
}

/* PL032: a plan whose header Status is Complete: a warning on the status
 * value when Success Criteria items are unchecked (related: each item), and
 * a hint when the folder holds no *-COMPLETE.md document. */
void rule_pl032_complete_unchecked(rule_ctx_t *cx, ws_doc_t *d)
{
    if (d->kind != MD_KIND_PLAN)
        return;
    md_span_t c;
    const md_field_t *f = field_core(d, "Status", &c);
    if (!f)
        return;
    const char *t = d->text->data;
    if (!word_value(t + c.start, c.end - c.start, "Complete", true))
        return;
    int h = find_section(d->md, &SUCCESS, -1);
    if (h >= 0) {
        const md_heading_t *hd = &d->md->headings[h];
        size_t total = 0, open = 0;
        for (size_t i = 0; i < d->md->n_checks; i++) {
            uint32_t s = d->md->checks[i].span.start;
            if (s >= hd->span.end && s < hd->section_end) {
                total++;
                open += !d->md->checks[i].checked;
            }
        }
        if (open) {
            rule_diag_t *g = rule_report(cx, d, c, 0,
                                         "Status is Complete but %zu of %zu success criteria %s "
                                         "unchecked",
                                         open, total, open == 1 ? "is" : "are");
            for (size_t i = 0; i < d->md->n_checks; i++) {
                const md_check_t *k = &d->md->checks[i];
                if (k->checked || k->span.start < hd->span.end || k->span.start >= hd->section_end)
                    continue;
                char *q = msg_text(k->text ? k->text : "", k->text ? strlen(k->text) : 0);
                rule_add_related(g, d, k->span, "unchecked: %s", q);
                free(q);
            }
        }
    }
    bool has_complete = false;
    for (size_t i = 0; d->folder && i < d->folder->n_docs && !has_complete; i++)
        has_complete = d->folder->docs[i]->kind == MD_KIND_COMPLETE;
    if (d->folder && !has_complete)
        rule_report(cx, d, c, RULE_HINT,
                    "Status is Complete but the folder has no *-COMPLETE.md document: write one "
                    "to record what was implemented");
}
