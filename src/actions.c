/* actions: code actions (quick fixes of the rule catalogue, the source
 * actions "Insert all missing template sections" and "Create next plan"),
 * the WorkspaceEdit builder and the link rewriting that rename shares.
 * Every change is a WorkspaceEdit for the client to apply: this module never
 * writes a file, and it only reads the workspace model and the templates. */
#include "planls/actions.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planls/buf.h"
#include "planls/diagnostics.h"
#include "planls/map.h"
#include "planls/rules.h"
#include "planls/templates.h"
#include "planls/text.h"
#include "planls/util.h"

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static char upper(char c)
{
    return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool doc_ok(const ws_doc_t *d)
{
    return d && !d->skipped && d->md && d->text;
}

/* A JSON string of text that may hold invalid UTF-8 or NULs (each bad
 * byte becomes U+FFFD, NUL becomes a space). New reference, never NULL. */
static json_t *jtext(const char *s, size_t n)
{
    if (text_utf8_valid(s, n) && !memchr(s, '\0', n)) {
        json_t *j = json_stringn(s, n);
        if (j)
            return j;
    }
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = text_utf8_decode(s + i, n - i, &cp);
        if (s[i] == '\0')
            buf_append_char(&b, ' ');
        else if (cp == 0xFFFD && !(k == 3 && (unsigned char)s[i] == 0xEF))
            buf_append_str(&b, "\xEF\xBF\xBD");
        else
            buf_append(&b, s + i, k);
        i += k ? k : 1;
    }
    json_t *j = json_stringn(buf_cstr(&b), b.len);
    buf_free(&b);
    return j ? j : json_string("");
}

static json_t *jstr(const char *s)
{
    return jtext(s ? s : "", s ? strlen(s) : 0);
}

/* Today's local date "YYYY-MM-DD". */
static void today(char out[16])
{
    time_t now = time(NULL);
    struct tm tm;
    if (!localtime_r(&now, &tm) || strftime(out, 16, "%Y-%m-%d", &tm) == 0)
        snprintf(out, 16, "1970-01-01");
}

/* A real calendar date "YYYY-MM-DD" at the start of s (10 bytes). */
static bool date_ok(const char *s)
{
    static const int DAYS[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    for (int i = 0; i < 10; i++)
        if ((i == 4 || i == 7) ? s[i] != '-' : !is_digit(s[i]))
            return false;
    int y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
    int m = (s[5] - '0') * 10 + (s[6] - '0'), d = (s[8] - '0') * 10 + (s[9] - '0');
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= DAYS[m - 1] + (m == 2 && leap ? 1 : 0);
}

char *actions_kebab(const char *title)
{
    buf_t b = BUF_INIT;
    bool dash = false;
    for (const char *p = title ? title : ""; *p; p++) {
        if (*p == '\'')
            continue;
        if (is_alnum(*p)) {
            if (dash && b.len)
                buf_append_char(&b, '-');
            dash = false;
            buf_append_char(&b, lower(*p));
        } else {
            dash = true;
        }
    }
    if (b.len == 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

/* "\r\n" when the document's lines end with CRLF, else "\n". */
static const char *doc_eol(const ws_doc_t *d)
{
    const char *t = d->text->data;
    const char *nl = memchr(t, '\n', d->text->len);
    return (nl && nl > t && nl[-1] == '\r') ? "\r\n" : "\n";
}

/* Append s[0..n) turning every "\n" into eol. */
static void put_eol(buf_t *b, const char *s, size_t n, const char *eol)
{
    size_t from = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\n')
            continue;
        buf_append(b, s + from, i - from);
        buf_append_str(b, eol);
        from = i + 1;
    }
    buf_append(b, s + from, n - from);
}

/* Escape a table cell's text: '|' -> "\|", line breaks -> spaces. */
static void put_cell(buf_t *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '|')
            buf_append_str(b, "\\|");
        else if (*s == '\n' || *s == '\r')
            buf_append_char(b, ' ');
        else
            buf_append_char(b, *s);
    }
}

/* Display width of s[0..n) in a monospace editor: emoji and East Asian wide
 * characters count 2, combining marks and joiners 0, a variation selector
 * 16 widens the symbol before it to 2. */
static size_t disp_width(const char *s, size_t n)
{
    size_t w = 0;
    uint32_t prev_w = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t k = text_utf8_decode(s + i, n - i, &cp);
        i += k ? k : 1;
        uint32_t cw = 1;
        if ((cp >= 0x300 && cp <= 0x36F) || (cp >= 0x200B && cp <= 0x200F) ||
            (cp >= 0x20D0 && cp <= 0x20FF) || (cp >= 0xFE00 && cp <= 0xFE0E)) {
            cw = 0;
        } else if (cp == 0xFE0F) {
            cw = prev_w == 1 ? 1 : 0;
        } else if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                   (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                   (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                   (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
                   (cp >= 0x1F680 && cp <= 0x1F6FF) || (cp >= 0x1F900 && cp <= 0x1F9FF) ||
                   (cp >= 0x20000 && cp <= 0x3FFFD) || cp == 0x2705 || cp == 0x274C ||
                   cp == 0x274E || cp == 0x2753 || cp == 0x2754 || cp == 0x2755 || cp == 0x2757 ||
                   cp == 0x2B50 || cp == 0x2B55 || cp == 0x23F3 || cp == 0x231A || cp == 0x231B ||
                   cp == 0x26A1 || cp == 0x2728 || (cp >= 0x23E9 && cp <= 0x23EC) || cp == 0x23F0 ||
                   cp == 0x26AA || cp == 0x26AB || cp == 0x26D4 || cp == 0x270A || cp == 0x270B) {
            cw = 2;
        }
        w += cw;
        prev_w = cw;
    }
    return w;
}

/* ======================================================================
 * WorkspaceEdit builder
 * ====================================================================== */

typedef struct tedit {
    uint32_t start, end;
    char *text;
    size_t len;
    size_t seq;
} tedit_t;

typedef struct tdoc {
    char *uri;
    const ws_doc_t *doc; /* NULL for a file this edit creates */
    tedit_t *edits;
    size_t n, cap;
} tdoc_t;

typedef enum op_kind { OP_DOC, OP_CREATE, OP_RENAME } op_kind_t;

typedef struct op {
    op_kind_t kind;
    size_t doc;  /* OP_DOC: index into docs */
    char *a, *b; /* OP_CREATE: uri; OP_RENAME: old, new uri */
} op_t;

struct actions_edit {
    const server_t *s;
    tdoc_t *docs;
    size_t n_docs, cap_docs;
    op_t *ops;
    size_t n_ops, cap_ops;
    map_t by_uri; /* uri -> index + 1 into docs */
    bool resource_ops;
    size_t seq;
};

actions_edit_t *actions_edit_new(const server_t *s)
{
    actions_edit_t *e = xcalloc(1, sizeof(*e));
    e->s = s;
    return e;
}

void actions_edit_free(actions_edit_t *e)
{
    if (!e)
        return;
    for (size_t i = 0; i < e->n_docs; i++) {
        for (size_t k = 0; k < e->docs[i].n; k++)
            free(e->docs[i].edits[k].text);
        free(e->docs[i].edits);
        free(e->docs[i].uri);
    }
    for (size_t i = 0; i < e->n_ops; i++) {
        free(e->ops[i].a);
        free(e->ops[i].b);
    }
    free(e->docs);
    free(e->ops);
    map_free(&e->by_uri);
    free(e);
}

/* The TextDocumentEdit entry for uri, created (with its place among the
 * operations) on first use. */
static tdoc_t *edit_doc(actions_edit_t *e, const char *uri, const ws_doc_t *doc)
{
    uintptr_t idx = (uintptr_t)map_get(&e->by_uri, uri);
    if (idx)
        return &e->docs[idx - 1];
    tdoc_t td = {xstrdup(uri), doc, NULL, 0, 0};
    UTIL_PUSH(e->docs, e->n_docs, e->cap_docs, td);
    map_put(&e->by_uri, uri, (void *)(uintptr_t)e->n_docs);
    op_t op = {OP_DOC, e->n_docs - 1, NULL, NULL};
    UTIL_PUSH(e->ops, e->n_ops, e->cap_ops, op);
    return &e->docs[e->n_docs - 1];
}

static void tdoc_add(actions_edit_t *e, tdoc_t *td, uint32_t start, uint32_t end, const char *text,
                     size_t len)
{
    tedit_t te = {start, end < start ? start : end, xstrndup(text, len), len, e->seq++};
    UTIL_PUSH(td->edits, td->n, td->cap, te);
}

void actions_edit_replace(actions_edit_t *e, const ws_doc_t *doc, uint32_t start, uint32_t end,
                          const char *text, size_t len)
{
    if (!doc || !doc->text)
        return;
    if (end > doc->text->len)
        end = (uint32_t)doc->text->len;
    if (start > end)
        start = end;
    tdoc_add(e, edit_doc(e, doc->uri, doc), start, end, text, len);
}

void actions_edit_create(actions_edit_t *e, const char *path, const char *text, size_t len)
{
    char *uri = ws_path_to_uri(path);
    op_t op = {OP_CREATE, 0, xstrdup(uri), NULL};
    UTIL_PUSH(e->ops, e->n_ops, e->cap_ops, op);
    e->resource_ops = true;
    if (len > 0)
        tdoc_add(e, edit_doc(e, uri, NULL), 0, 0, text, len);
    free(uri);
}

void actions_edit_rename(actions_edit_t *e, const char *old_path, const char *new_path)
{
    op_t op = {OP_RENAME, 0, ws_path_to_uri(old_path), ws_path_to_uri(new_path)};
    UTIL_PUSH(e->ops, e->n_ops, e->cap_ops, op);
    e->resource_ops = true;
}

bool actions_edit_is_empty(const actions_edit_t *e)
{
    return e->n_ops == 0;
}

static int tedit_cmp(const void *pa, const void *pb)
{
    const tedit_t *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* The TextEdit[] of one document: sorted, overlapping edits dropped. */
static json_t *tdoc_edits(const actions_edit_t *e, tdoc_t *td)
{
    json_t *arr = json_array();
    qsort(td->edits, td->n, sizeof(*td->edits), tedit_cmp);
    uint32_t prev_end = 0;
    bool any = false;
    for (size_t i = 0; i < td->n; i++) {
        const tedit_t *te = &td->edits[i];
        if (any && te->start < prev_end)
            continue;
        json_t *range;
        if (td->doc)
            range = server_range(e->s, td->doc, te->start, te->end);
        else
            range = json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", 0, "character", 0,
                              "end", "line", 0, "character", 0);
        json_array_append_new(
            arr, json_pack("{s:o,s:o}", "range", range, "newText", jtext(te->text, te->len)));
        prev_end = te->end;
        any = true;
    }
    return arr;
}

json_t *actions_edit_json(actions_edit_t *e)
{
    json_t *we = json_object();
    if (e->s->caps.document_changes || e->resource_ops) {
        json_t *dc = json_array();
        for (size_t i = 0; i < e->n_ops; i++) {
            const op_t *op = &e->ops[i];
            if (op->kind == OP_CREATE) {
                json_array_append_new(dc, json_pack("{s:s,s:s}", "kind", "create", "uri", op->a));
            } else if (op->kind == OP_RENAME) {
                json_array_append_new(dc, json_pack("{s:s,s:s,s:s}", "kind", "rename", "oldUri",
                                                    op->a, "newUri", op->b));
            } else {
                tdoc_t *td = &e->docs[op->doc];
                json_t *version =
                    td->doc && td->doc->is_open ? json_integer(td->doc->version) : json_null();
                json_array_append_new(dc,
                                      json_pack("{s:{s:s,s:o},s:o}", "textDocument", "uri", td->uri,
                                                "version", version, "edits", tdoc_edits(e, td)));
            }
        }
        json_object_set_new(we, "documentChanges", dc);
    } else {
        json_t *ch = json_object();
        for (size_t i = 0; i < e->n_docs; i++)
            json_object_set_new(ch, e->docs[i].uri, tdoc_edits(e, &e->docs[i]));
        json_object_set_new(we, "changes", ch);
    }
    return we;
}

/* Add text (written with "\n" line ends) converted to doc's line ends. */
static void replace_lf(actions_edit_t *e, const ws_doc_t *doc, uint32_t start, uint32_t end,
                       const char *text, size_t len)
{
    buf_t b = BUF_INIT;
    put_eol(&b, text, len, doc_eol(doc));
    actions_edit_replace(e, doc, start, end, buf_cstr(&b), b.len);
    buf_free(&b);
}

/* ======================================================================
 * Paths and link rewriting
 * ====================================================================== */

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Path of `to` relative to the directory from_dir (both absolute and
 * normalised). Caller frees. */
static char *rel_path(const char *from_dir, const char *to)
{
    size_t k = 0, common = 0;
    while (from_dir[k] && to[k] && from_dir[k] == to[k]) {
        if (from_dir[k] == '/')
            common = k + 1;
        k++;
    }
    const char *rest_from = from_dir + common, *rest_to = to + common;
    if (!from_dir[k] && to[k] == '/') { /* to lies inside from_dir */
        rest_from = "";
        rest_to = to + k + 1;
    }
    size_t ups = 0;
    if (rest_from[0]) {
        ups = 1;
        for (const char *p = rest_from; *p; p++)
            ups += *p == '/';
    }
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < ups; i++)
        buf_append_str(&b, "../");
    buf_append_str(&b, rest_to);
    return buf_detach(&b, NULL);
}

/* A path as a link destination: characters that would end or change it
 * are percent-encoded. */
static void put_dest(buf_t *b, const char *p)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *s = (const unsigned char *)p; *s; s++) {
        if (*s <= 0x20 || *s == 0x7f || strchr("%()<>#?\\[]", *s)) {
            char esc[3] = {'%', hex[*s >> 4], hex[*s & 15]};
            buf_append(b, esc, 3);
        } else {
            buf_append_char(b, (char)*s);
        }
    }
}

/* Where path goes under the moves (caller frees), NULL when it stays. */
static char *moved_path(const actions_move_t *mv, size_t n, const char *path,
                        const actions_move_t **which)
{
    for (size_t i = 0; i < n; i++) {
        size_t fl = strlen(mv[i].from);
        if (!mv[i].is_dir && strcmp(path, mv[i].from) == 0) {
            *which = &mv[i];
            return xstrdup(mv[i].to);
        }
        if (mv[i].is_dir && strncmp(path, mv[i].from, fl) == 0 && path[fl] == '/') {
            *which = &mv[i];
            return xasprintf("%s%s", mv[i].to, path + fl);
        }
    }
    *which = NULL;
    return NULL;
}

/* "Phase N: Title" -> N and the title's start; false otherwise. */
static bool parse_phase_label(const char *s, int *n, const char **title)
{
    if (strncmp(s, "Phase", 5) != 0)
        return false;
    s += 5;
    if (*s != ' ' && *s != '\t')
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    if (!is_digit(*s))
        return false;
    long v = 0;
    while (is_digit(*s) && v < 100000)
        v = v * 10 + (*s++ - '0');
    if (is_digit(*s))
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    if (*s != ':')
        return false;
    s++;
    while (*s == ' ' || *s == '\t')
        s++;
    *n = (int)v;
    *title = s;
    return true;
}

/* The label "Phase N: Title" rewritten for move m (caller frees), or NULL
 * when it stays. */
static char *relabel_phase(const char *text, const actions_move_t *m)
{
    int n;
    const char *title;
    if (!m || !parse_phase_label(text, &n, &title))
        return NULL;
    bool changed = false;
    int nn = n;
    const char *nt = title;
    if (m->old_number >= 0 && n == m->old_number && m->new_number >= 0 && m->new_number != n) {
        nn = m->new_number;
        changed = true;
    }
    if (m->old_title && m->new_title && util_ieq(title, m->old_title) &&
        strcmp(title, m->new_title) != 0) {
        nt = m->new_title;
        changed = true;
    }
    return changed ? xasprintf("Phase %d: %s", nn, nt) : NULL;
}

/* The destination (decoded) link l of d should have once d moves to
 * from_new and its target to target_new. Caller frees. */
static char *link_dest(const char *root, const ws_doc_t *d, const md_link_t *l,
                       const char *old_target, const char *from_new, const char *target_new)
{
    size_t rl = root ? strlen(root) : 0;
    if (l->path[0] == '/' && root && strncmp(target_new, root, rl) == 0 && target_new[rl] == '/')
        return xstrdup(target_new + rl);
    /* resolved through externalDocs: keep it relative to that folder */
    char *beside = ws_path_resolve(d->path, l->path);
    bool external = strcmp(beside, old_target) != 0;
    free(beside);
    if (external) {
        size_t ol = strlen(old_target), pl = strlen(l->path);
        if (ol > pl && old_target[ol - pl - 1] == '/' &&
            strcmp(old_target + ol - pl, l->path) == 0) {
            size_t bl = ol - pl - 1;
            if (strncmp(target_new, old_target, bl) == 0 && target_new[bl] == '/')
                return xstrdup(target_new + bl + 1);
        }
    }
    char *dir = dir_of(from_new);
    char *rel = rel_path(dir, target_new);
    free(dir);
    return rel;
}

/* The span of a link's destination without its "#anchor". */
static md_span_t link_path_span(const md_link_t *l)
{
    md_span_t p = l->target_span;
    if (l->anchor && l->anchor_span.start > p.start && l->anchor_span.start - 1 <= p.end)
        p.end = l->anchor_span.start - 1;
    return p;
}

/* True when the source at span is exactly s. */
static bool source_is(const ws_doc_t *d, md_span_t span, const char *s)
{
    size_t n = strlen(s);
    return span.end >= span.start && span.end - span.start == n && span.end <= d->text->len &&
           memcmp(d->text->data + span.start, s, n) == 0;
}

/* Rewrite one link of d (see actions_edit_links). */
static void rewrite_link(server_t *s, actions_edit_t *e, const ws_doc_t *d, size_t i,
                         const char *from_new, const char *target_new, const actions_move_t *tm)
{
    const md_link_t *l = &d->md->links[i];
    const char *old_target = d->link_paths[i];
    char *dest = link_dest(ws_root(s->ws), d, l, old_target, from_new, target_new);
    if (strcmp(dest, l->path) != 0) {
        md_span_t ps = link_path_span(l);
        if (ps.end <= d->text->len) {
            buf_t b = BUF_INIT;
            put_dest(&b, dest);
            actions_edit_replace(e, d, ps.start, ps.end, buf_cstr(&b), b.len);
            buf_free(&b);
        }
    }
    /* the label of a reference link is its key: never rewritten */
    if (tm && l->text && !l->is_reference && source_is(d, l->text_span, l->text)) {
        char *label = NULL;
        if (strcmp(l->text, base_of(old_target)) == 0) {
            if (strcmp(base_of(old_target), base_of(target_new)) != 0)
                label = xstrdup(base_of(target_new));
        } else if (strcmp(l->text, l->path) == 0) {
            if (strcmp(dest, l->path) != 0)
                label = xstrdup(dest);
        } else {
            label = relabel_phase(l->text, tm);
        }
        if (label)
            actions_edit_replace(e, d, l->text_span.start, l->text_span.end, label, strlen(label));
        free(label);
    }
    if (tm && l->table_row >= 0 && (size_t)l->table_row < d->md->n_rows) {
        const md_row_t *row = &d->md->rows[l->table_row];
        for (size_t c = 0; c < row->n_cells; c++) {
            const md_cell_t *cell = &d->md->cells[row->first_cell + c];
            if (l->span.start >= cell->span.start && l->span.start < cell->span.end)
                continue;
            char *text = cell->text ? relabel_phase(cell->text, tm) : NULL;
            if (text && source_is(d, cell->span, cell->text))
                actions_edit_replace(e, d, cell->span.start, cell->span.end, text, strlen(text));
            free(text);
        }
    }
    free(dest);
}

void actions_edit_links(server_t *s, actions_edit_t *e, const actions_move_t *moves, size_t n_moves)
{
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(s->ws, &it, &d);) {
        if (!doc_ok(d) || !d->link_paths)
            continue;
        const actions_move_t *dm;
        char *dnew = moved_path(moves, n_moves, d->path, &dm);
        for (size_t i = 0; i < d->md->n_links; i++) {
            const md_link_t *l = &d->md->links[i];
            if (l->is_external || !d->link_paths[i] || !l->path || !l->path[0])
                continue;
            const actions_move_t *tm;
            char *tnew = moved_path(moves, n_moves, d->link_paths[i], &tm);
            if (tnew || dnew)
                rewrite_link(s, e, d, i, dnew ? dnew : d->path, tnew ? tnew : d->link_paths[i], tm);
            free(tnew);
        }
        free(dnew);
    }
}

/* ======================================================================
 * Document structure: separators, content ends, header fields
 * ====================================================================== */

/* The heading whose span holds off (binary search; headings are in source
 * order), -1 when none. */
static int heading_at(const md_doc_t *md, uint32_t off)
{
    size_t lo = 0, hi = md->n_headings;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (md->headings[mid].span.end <= off)
            lo = mid + 1;
        else if (md->headings[mid].span.start > off)
            hi = mid;
        else
            return (int)mid;
    }
    return -1;
}

static bool blank_span(const char *t, uint32_t a, uint32_t b)
{
    for (uint32_t i = a; i < b; i++)
        if (!is_blank(t[i]))
            return false;
    return true;
}

/* A thematic break on t[a..b) that is not in code nor a setext underline. */
static bool break_span(const ws_doc_t *d, uint32_t a, uint32_t b)
{
    const char *t = d->text->data;
    uint32_t i = a;
    while (i < b && i - a < 3 && t[i] == ' ')
        i++;
    char c = i < b ? t[i] : 0;
    if (c != '-' && c != '*' && c != '_')
        return false;
    size_t count = 0;
    for (; i < b; i++) {
        if (t[i] == c)
            count++;
        else if (!is_blank(t[i]))
            return false;
    }
    return count >= 3 && !md_in_code(d->md, a) && heading_at(d->md, a) < 0;
}

/* Line bounds of line ln of d, clipped to [from, to). */
static void line_clip(const ws_doc_t *d, uint32_t ln, uint32_t from, uint32_t to, uint32_t *a,
                      uint32_t *b)
{
    uint32_t s = (uint32_t)text_line_start(d->text, ln), e = (uint32_t)text_line_end(d->text, ln);
    *a = s < from ? from : s;
    *b = e > to ? to : e;
    if (*b < *a)
        *b = *a;
}

/* End of the content of the region [from, end) of d: just after its last
 * line that is neither blank nor a thematic break (before the line's
 * terminator); `from` when there is none. With footer, a region running to
 * the end of the document leaves out a footer: from the first separator
 * after its last heading, when content follows that separator (the
 * template's "---" then "**Status:** ..." lines). */
static uint32_t content_end(const ws_doc_t *d, uint32_t from, uint32_t end, bool footer)
{
    const char *t = d->text->data;
    if (end > d->text->len)
        end = (uint32_t)d->text->len;
    if (from >= end)
        return from;
    uint32_t first = text_line_of(d->text, from);
    if (footer) {
        uint32_t scan = from;
        for (size_t h = 0; h < d->md->n_headings; h++) {
            const md_heading_t *hd = &d->md->headings[h];
            if (hd->span.start >= from && hd->span.start < end && hd->span.end > scan)
                scan = hd->span.end;
        }
        uint32_t cut = end;
        bool seen_break = false;
        for (uint32_t ln = text_line_of(d->text, scan); text_line_start(d->text, ln) < end; ln++) {
            uint32_t a, b;
            line_clip(d, ln, scan, end, &a, &b);
            if (!seen_break) {
                if (break_span(d, a, b) && b > a) {
                    seen_break = true;
                    cut = (uint32_t)text_line_start(d->text, ln);
                }
            } else if (!blank_span(t, a, b) && !break_span(d, a, b)) {
                end = cut; /* content after the separator: a footer */
                break;
            }
            if (ln + 1 >= d->text->n_lines)
                break;
        }
    }
    uint32_t last = from;
    for (uint32_t ln = first; text_line_start(d->text, ln) < end || ln == first; ln++) {
        uint32_t a, b;
        line_clip(d, ln, from, end, &a, &b);
        if (!blank_span(t, a, b) && !break_span(d, a, b))
            last = b;
        if (ln + 1 >= d->text->n_lines)
            break;
    }
    return last;
}

/* Whether the document separates its H2 sections with thematic breaks, as
 * the templates do (a document without any H2 follows the templates). */
static bool uses_separators(const ws_doc_t *d)
{
    bool any_h2 = false;
    for (size_t h = 0; h < d->md->n_headings; h++) {
        const md_heading_t *hd = &d->md->headings[h];
        if (hd->level != 2)
            continue;
        any_h2 = true;
        uint32_t ln = text_line_of(d->text, hd->span.start);
        while (ln > 0) {
            ln--;
            uint32_t a, b;
            line_clip(d, ln, 0, (uint32_t)d->text->len, &a, &b);
            if (blank_span(d->text->data, a, b))
                continue;
            if (break_span(d, a, b))
                return true;
            break;
        }
    }
    return !any_h2;
}

/* Start of the line holding off. */
static uint32_t line_start_at(const ws_doc_t *d, uint32_t off)
{
    return (uint32_t)text_line_start(d->text, text_line_of(d->text, off));
}

/* ======================================================================
 * Template sections
 * ====================================================================== */

/* Whether a document heading names the template section `name`, in its
 * own spelling or the accepted other one of the rules' section table. */
static bool heading_is(const char *name, const char *text)
{
    static const md_kind_t KINDS[] = {MD_KIND_PLAN, MD_KIND_START, MD_KIND_README};
    if (tpl_heading_matches(name, text))
        return true;
    for (size_t k = 0; k < UTIL_ARRAY_LEN(KINDS); k++) {
        size_t n;
        const rule_section_t *secs = rule_template_sections(KINDS[k], &n);
        for (size_t i = 0; i < n; i++)
            if (secs[i].alt && util_ieq(secs[i].name, name) &&
                tpl_heading_matches(secs[i].alt, text))
                return true;
    }
    return false;
}

/* The H2 of d named name, or (parent >= 0) the heading directly under H2
 * `parent` named name; -1 when absent. */
static int doc_section(const md_doc_t *md, int parent, const char *name)
{
    for (size_t h = 0; h < md->n_headings; h++) {
        const md_heading_t *hd = &md->headings[h];
        if (parent < 0 ? hd->level != 2 : (hd->parent != parent || hd->level <= 2))
            continue;
        if (heading_is(name, hd->text ? hd->text : ""))
            return (int)h;
    }
    return -1;
}

/* A planned insertion of a section. Insertions at one offset are made in
 * (mode, order) order so that a subsection closing a section comes before
 * the next section, and sections keep template order. */
typedef enum ins_mode {
    INS_SUB_AFTER,  /* "\n\n" + text after a subsection's (or parent's) content */
    INS_AFTER,      /* separator + text after a section's content */
    INS_BEFORE,     /* text + separator before a section's heading */
    INS_SUB_BEFORE, /* text + "\n\n" before a subsection's heading */
    INS_FIRST,      /* text + "\n" into an empty document */
} ins_mode_t;

typedef struct ins {
    uint32_t at;
    ins_mode_t mode;
    size_t order;
    char *text; /* the template text, without a final newline */
    size_t len;
} ins_t;

typedef struct ins_list {
    ins_t *v;
    size_t n, cap;
} ins_list_t;

static void ins_list_free(ins_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i].text);
    free(l->v);
}

static int ins_cmp(const void *pa, const void *pb)
{
    const ins_t *a = pa, *b = pb;
    if (a->at != b->at)
        return a->at < b->at ? -1 : 1;
    if (a->mode != b->mode)
        return a->mode < b->mode ? -1 : 1;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* Index in names (NULL-terminated) of the entry naming section, -1. */
static int name_index(char **names, const char *section)
{
    for (size_t i = 0; names[i]; i++)
        if (tpl_heading_matches(names[i], section) || tpl_heading_matches(section, names[i]))
            return (int)i;
    return -1;
}

static char *fill_nav(const char *text, size_t len, ws_folder_t *f, md_kind_t kind,
                      size_t *out_len);

/* Plan the insertion of section `name` (an H2, or with parent the H3
 * under the present H2 `parent`) of d's template into d. false when the
 * template has no such section or the parent is absent. */
static bool plan_section(tpl_set_t *tpl, const ws_doc_t *d, const char *parent, const char *name,
                         ins_list_t *out)
{
    const md_doc_t *md = d->md;
    uint32_t len = (uint32_t)d->text->len;
    ins_t in = {0, INS_AFTER, 0, NULL, 0};
    char **names = NULL;
    bool ok = false;
    int hp = -1;
    if (parent) {
        hp = doc_section(md, -1, parent);
        if (hp < 0)
            goto done;
        tpl_subsections(tpl, d->kind, parent, &names);
    } else {
        tpl_sections(tpl, d->kind, &names);
    }
    int k = name_index(names, name);
    if (k < 0)
        goto done;
    in.text = tpl_section_text(tpl, d->kind, parent, names[k], &in.len);
    if (!in.text)
        goto done;
    if (!parent && d->folder &&
        (heading_is("Document Navigation", name) || heading_is("What's Inside", name))) {
        size_t nl;
        char *filled = fill_nav(in.text, in.len, d->folder, d->kind, &nl);
        if (filled) {
            free(in.text);
            in.text = filled;
            in.len = nl;
        }
    }
    in.order = (size_t)k;
    int prev = -1, next = -1;
    for (int i = 0; names[i]; i++) {
        if (i == k)
            continue;
        int h = doc_section(md, hp, names[i]);
        if (h < 0)
            continue;
        if (i < k)
            prev = h;
        else if (next < 0)
            next = h;
    }
    if (prev >= 0) {
        const md_heading_t *ph = &md->headings[prev];
        uint32_t end = ph->section_end;
        if (parent && end > md->headings[hp].section_end)
            end = md->headings[hp].section_end;
        in.at = content_end(d, ph->span.end, end, end >= len);
        in.mode = parent ? INS_SUB_AFTER : INS_AFTER;
    } else if (next >= 0) {
        in.at = line_start_at(d, md->headings[next].span.start);
        in.mode = parent ? INS_SUB_BEFORE : INS_BEFORE;
    } else if (parent) {
        const md_heading_t *ph = &md->headings[hp];
        in.at = content_end(d, ph->span.end, ph->section_end, ph->section_end >= len);
        in.mode = INS_SUB_AFTER;
    } else {
        uint32_t from = md->n_headings ? md->headings[md->n_headings - 1].span.end : 0;
        in.at = content_end(d, from, len, true);
        in.mode = (in.at == 0 && md->n_headings == 0) ? INS_FIRST : INS_AFTER;
    }
    UTIL_PUSH(out->v, out->n, out->cap, in);
    in.text = NULL;
    ok = true;
done:
    free(in.text);
    tpl_names_free(names);
    return ok;
}

/* Turn the planned insertions into edits of d. */
static void emit_insertions(actions_edit_t *e, const ws_doc_t *d, ins_list_t *l)
{
    bool sep = uses_separators(d);
    qsort(l->v, l->n, sizeof(*l->v), ins_cmp);
    for (size_t i = 0; i < l->n; i++) {
        const ins_t *in = &l->v[i];
        buf_t b = BUF_INIT;
        switch (in->mode) {
        case INS_AFTER:
            buf_append_str(&b, sep ? "\n\n---\n\n" : "\n\n");
            buf_append(&b, in->text, in->len);
            break;
        case INS_SUB_AFTER:
            buf_append_str(&b, "\n\n");
            buf_append(&b, in->text, in->len);
            break;
        case INS_BEFORE:
            buf_append(&b, in->text, in->len);
            buf_append_str(&b, sep ? "\n\n---\n\n" : "\n\n");
            break;
        case INS_SUB_BEFORE:
            buf_append(&b, in->text, in->len);
            buf_append_str(&b, "\n\n");
            break;
        case INS_FIRST:
            buf_append(&b, in->text, in->len);
            buf_append_str(&b, "\n");
            break;
        }
        replace_lf(e, d, in->at, in->at, b.data, b.len);
        buf_free(&b);
    }
}

/* Every required template section missing from d (a subsection only when
 * its parent is present), as PL020 reports them, in template order; at
 * most cap. */
static size_t missing_sections(const ws_doc_t *d, const rule_section_t **out, size_t cap)
{
    size_t n = 0, n_secs;
    const rule_section_t *secs = rule_template_sections(d->kind, &n_secs);
    for (size_t i = 0; i < n_secs && n < cap; i++) {
        const rule_section_t *r = &secs[i];
        if (!r->required)
            continue;
        if (!r->parent) {
            if (doc_section(d->md, -1, r->name) < 0)
                out[n++] = r;
            continue;
        }
        int hp = doc_section(d->md, -1, r->parent);
        if (hp >= 0 && doc_section(d->md, hp, r->name) < 0)
            out[n++] = r;
    }
    return n;
}

/* ======================================================================
 * Navigation table rows
 * ====================================================================== */

/* What a navigation row says about a document. */
typedef struct nav_info {
    md_kind_t kind;
    int number;
    const char *name;     /* file name (the link target beside the table) */
    char *title;          /* plan: its H1 title; analysis: its H1 text */
    const char *status;   /* Status field value or NULL */
    const char *priority; /* Priority field value or NULL */
    const char *effort;   /* Estimated Effort field value or NULL */
} nav_info_t;

/* "05-caching-strategy-plan.md" -> "Caching Strategy",
 * "02-CONTEXT-ANALYSIS.md" -> "Context Analysis". Caller frees. */
static char *title_from_name(const char *name)
{
    const char *p = name;
    while (is_digit(*p))
        p++;
    if (*p == '-' || *p == '_')
        p++;
    size_t n = strlen(p);
    if (n > 8 && util_ieq(p + n - 8, "-plan.md"))
        n -= 8;
    else if (n > 3 && util_ieq(p + n - 3, ".md"))
        n -= 3;
    buf_t b = BUF_INIT;
    bool start = true;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        if (c == '-' || c == '_') {
            if (!start)
                buf_append_char(&b, ' ');
            start = true;
            continue;
        }
        buf_append_char(&b, start ? upper(c) : lower(c));
        start = false;
    }
    return buf_detach(&b, NULL);
}

static void nav_info_of(const ws_doc_t *d, nav_info_t *ni)
{
    memset(ni, 0, sizeof(*ni));
    ni->kind = d->kind;
    ni->number = d->number;
    ni->name = d->name;
    const md_doc_t *md = d->md;
    if (md && d->kind == MD_KIND_PLAN && md->h1_title && md->h1_title[0])
        ni->title = xstrdup(md->h1_title);
    else if (md && d->kind != MD_KIND_PLAN && md->h1 >= 0 && (size_t)md->h1 < md->n_headings &&
             md->headings[md->h1].text && md->headings[md->h1].text[0])
        ni->title = xstrdup(md->headings[md->h1].text);
    else
        ni->title = title_from_name(d->name);
    const md_field_t *f;
    if (md && (f = md_field_get(md, "Status", true)))
        ni->status = f->value;
    if (md && (f = md_field_get(md, "Priority", true)))
        ni->priority = f->value;
    if (md && (f = md_field_get(md, "Estimated Effort", true)))
        ni->effort = f->value;
}

/* The first of HIGH / MEDIUM / LOW standing as a word in a Priority value
 * ("🔴 HIGH (blocks release)" -> "HIGH"), NULL when none. */
static const char *priority_word(const char *v)
{
    size_t n_words;
    const char *const *WORDS = rule_priorities(&n_words);
    for (const char *p = v; *p; p++) {
        if (p > v && is_alnum(p[-1]))
            continue;
        for (size_t i = 0; i < n_words; i++) {
            size_t n = strlen(WORDS[i]);
            if (strncmp(p, WORDS[i], n) == 0 && !is_alnum(p[n]))
                return WORDS[i];
        }
    }
    return NULL;
}

/* The text of one cell of a navigation row under the header cell `hdr`.
 * Caller frees. */
static char *nav_cell(const nav_info_t *ni, const char *hdr, bool *is_link)
{
    buf_t b = BUF_INIT;
    char *h = xstrdup(md_heading_bare(hdr ? hdr : ""));
    size_t o = 0;
    for (size_t i = 0; h[i]; i++)
        if (h[i] != '*' && h[i] != '_')
            h[o++] = h[i];
    h[o] = '\0';
    bool plan = ni->kind == MD_KIND_PLAN;
    *is_link = false;
    if (util_ieq(h, "Document") || util_ieq(h, "Documents") || util_ieq(h, "File") ||
        util_ieq(h, "Doc") || util_ieq(h, "Link")) {
        buf_printf(&b, "[%s](", ni->name);
        put_dest(&b, ni->name);
        buf_append_char(&b, ')');
        *is_link = true;
    } else if (util_ieq(h, "Description") || util_ieq(h, "Summary") || util_ieq(h, "Purpose") ||
               util_ieq(h, "Contents")) {
        if (plan)
            buf_printf(&b, "Phase %d: ", ni->number);
        put_cell(&b, ni->title);
    } else if (util_ieq(h, "Title") || util_ieq(h, "Feature") || util_ieq(h, "Name")) {
        put_cell(&b, ni->title);
    } else if (util_ieq(h, "Status")) {
        const char *st = ni->status ? ni->status : "";
        bool done = false, doing = false;
        for (const char *p = st; *p && !done && !doing; p++) {
            done = util_ieqn(p, "complete", 8);
            doing = util_ieqn(p, "progress", 8);
        }
        if (!plan || done)
            buf_append_str(&b, plan ? "\xE2\x9C\x85 Complete" : "\xE2\x9C\x85");
        else if (doing)
            buf_append_str(&b, "\xF0\x9F\x9A\xA7 In Progress");
        else
            buf_append_str(&b, "\xF0\x9F\x93\x8B Ready");
    } else if (util_ieq(h, "Phase") && plan) {
        buf_printf(&b, "Phase %d", ni->number);
    } else if (util_ieq(h, "Priority") && plan && ni->priority) {
        const char *w = priority_word(ni->priority);
        if (w && strcmp(w, "HIGH") == 0)
            buf_append_str(&b, "\xF0\x9F\x94\xB4 HIGH");
        else if (w && strcmp(w, "MEDIUM") == 0)
            buf_append_str(&b, "\xF0\x9F\x9F\xA0 MEDIUM");
        else if (w)
            buf_append_str(&b, "\xF0\x9F\x9F\xA1 LOW");
    } else if (util_ieq(h, "Effort") && plan && ni->effort) {
        put_cell(&b, ni->effort);
    }
    free(h);
    return buf_detach(&b, NULL);
}

/* Cells of a row for ni under the header cells hdr[0..n); the link goes
 * into the first column when no header names one. Caller frees with
 * free_cells(). */
static char **nav_cells(const nav_info_t *ni, const char *const *hdr, size_t n)
{
    char **cells = xcalloc(n ? n : 1, sizeof(char *));
    bool has_link = false;
    for (size_t c = 0; c < n; c++) {
        bool link;
        cells[c] = nav_cell(ni, hdr[c], &link);
        has_link |= link;
    }
    if (!has_link && n > 0) {
        free(cells[0]);
        buf_t b = BUF_INIT;
        buf_printf(&b, "[%s](", ni->name);
        put_dest(&b, ni->name);
        buf_append_char(&b, ')');
        cells[0] = buf_detach(&b, NULL);
    }
    return cells;
}

static void free_cells(char **cells, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(cells[i]);
    free(cells);
}

/* "| a | b |" (with the given outer pipes), prefixed by indent. */
static void put_row_plain(buf_t *b, const char *indent, size_t ilen, bool lead, bool trail,
                          char **cells, size_t n)
{
    buf_append(b, indent, ilen);
    if (lead)
        buf_append_str(b, "| ");
    for (size_t c = 0; c < n; c++) {
        if (c)
            buf_append_str(b, " | ");
        buf_append_str(b, cells[c]);
    }
    if (trail)
        buf_append_str(b, " |");
}

/* The first table in the H2 section `section` of md, -1 when none. */
static int section_table(const md_doc_t *md, const char *section)
{
    int h = doc_section(md, -1, section);
    if (h < 0)
        return -1;
    const md_heading_t *hd = &md->headings[h];
    for (size_t t = 0; t < md->n_tables; t++)
        if (md->tables[t].span.start >= hd->span.end && md->tables[t].span.end <= hd->section_end &&
            md->tables[t].n_rows > 0)
            return (int)t;
    return -1;
}

/* The header cells' texts of table t (borrowed). Caller frees the array. */
static const char **header_cells(const md_doc_t *md, const md_table_t *t, size_t *n)
{
    const md_row_t *hr = &md->rows[t->first_row];
    *n = t->n_cols;
    const char **hdr = xcalloc(t->n_cols ? t->n_cols : 1, sizeof(char *));
    for (size_t c = 0; c < t->n_cols; c++)
        hdr[c] = c < hr->n_cells ? md->cells[hr->first_cell + c].text : "";
    return hdr;
}

/* Pipes of one table line: byte offsets and display columns. */
typedef struct pipes {
    uint32_t *off;
    size_t *col;
    size_t n, cap_off, cap_col;
} pipes_t;

static void pipes_free(pipes_t *p)
{
    free(p->off);
    free(p->col);
}

/* The unescaped pipes of text[a..b) outside code spans. */
static void line_pipes(const ws_doc_t *d, uint32_t a, uint32_t b, pipes_t *p)
{
    const char *t = d->text->data;
    size_t n_col = 0;
    p->n = 0;
    for (uint32_t i = a; i < b; i++) {
        if (t[i] == '\\') {
            i++;
            continue;
        }
        if (t[i] != '|' || md_in_code(d->md, i))
            continue;
        size_t col = disp_width(t + a, i - a);
        UTIL_PUSH(p->off, p->n, p->cap_off, i);
        UTIL_PUSH(p->col, n_col, p->cap_col, col);
    }
}

/* Add a row for ni to table ti of nav (a navigation table): after the last
 * row of a document of the same kind with a lower number (else before the
 * first with a higher one; a plan after the analyses, an analysis before
 * the plans; else at the end), matching the table's columns and, when the
 * table is aligned, its alignment (widening columns that must grow). */
static void nav_add_row(server_t *s, actions_edit_t *e, const ws_doc_t *nav, int ti,
                        const nav_info_t *ni)
{
    const md_doc_t *md = nav->md;
    const md_table_t *t = &md->tables[ti];
    const char *txt = nav->text->data;
    size_t ncols;
    const char **hdr = header_cells(md, t, &ncols);
    char **cells = nav_cells(ni, hdr, ncols);

    /* where: rows are scanned once through their links */
    long after = -1, before = -1, last_analysis = -1, first_plan = -1;
    size_t r0 = t->first_row + 1, r1 = t->first_row + t->n_rows;
    long row_seen = -1;
    for (size_t i = 0; nav->link_paths && i < md->n_links; i++) {
        const md_link_t *l = &md->links[i];
        if (l->table_row < (long)r0 || (size_t)l->table_row >= r1 || l->table_row == row_seen ||
            !nav->link_paths[i])
            continue;
        ws_doc_t *ld = ws_doc_by_path(s->ws, nav->link_paths[i]);
        if (!ld || ld->folder != nav->folder ||
            (ld->kind != MD_KIND_PLAN && ld->kind != MD_KIND_ANALYSIS))
            continue;
        row_seen = l->table_row;
        if (ld->kind == MD_KIND_ANALYSIS)
            last_analysis = l->table_row;
        if (ld->kind == MD_KIND_PLAN && first_plan < 0)
            first_plan = l->table_row;
        if (ld->kind != ni->kind)
            continue;
        bool lower_no =
            ld->number < ni->number || (ld->number == ni->number && strcmp(ld->name, ni->name) < 0);
        if (lower_no)
            after = l->table_row;
        else if (before < 0)
            before = l->table_row;
    }
    if (after < 0 && before < 0) {
        if (ni->kind == MD_KIND_PLAN && last_analysis >= 0)
            after = last_analysis;
        else if (ni->kind == MD_KIND_ANALYSIS && first_plan >= 0)
            before = first_plan;
        else
            after = (long)r1 - 1; /* the last row (the header when alone) */
    }

    /* geometry: header line, delimiter line, body lines */
    uint32_t hl = text_line_of(nav->text, md->rows[t->first_row].span.start);
    uint32_t ll = text_line_of(nav->text, md->rows[r1 - 1].span.start);
    uint32_t hstart = (uint32_t)text_line_start(nav->text, hl);
    const char *indent = txt + hstart;
    size_t ilen = md->rows[t->first_row].span.start - hstart;
    const md_row_t *hr = &md->rows[t->first_row];
    bool lead = hr->span.end > hr->span.start && txt[hr->span.start] == '|';
    bool trail = hr->span.end > hr->span.start && txt[hr->span.end - 1] == '|' &&
                 !(hr->span.end - hr->span.start >= 2 && txt[hr->span.end - 2] == '\\');
    size_t nlines = ll - hl + 1;
    pipes_t *lp = xcalloc(nlines, sizeof(pipes_t));
    bool aligned = lead && trail && nlines >= 2;
    for (size_t k = 0; k < nlines; k++) {
        uint32_t a = (uint32_t)text_line_start(nav->text, hl + (uint32_t)k);
        uint32_t b = (uint32_t)text_line_end(nav->text, hl + (uint32_t)k);
        line_pipes(nav, a, b, &lp[k]);
        if (lp[k].n < 2 || lp[k].n != lp[0].n ||
            memcmp(lp[k].col, lp[0].col, lp[0].n * sizeof(size_t)) != 0)
            aligned = false;
    }
    buf_t row = BUF_INIT;
    if (aligned) {
        size_t nc = lp[0].n - 1;
        size_t *widen = xcalloc(nc, sizeof(size_t));
        buf_append(&row, indent, ilen);
        buf_append_char(&row, '|');
        for (size_t c = 0; c < nc; c++) {
            size_t w_avail = lp[0].col[c + 1] - lp[0].col[c] - 1;
            const char *cell = c < ncols ? cells[c] : "";
            size_t w = disp_width(cell, strlen(cell));
            if (w + 2 > w_avail)
                widen[c] = w + 2 - w_avail;
            buf_append_char(&row, ' ');
            buf_append_str(&row, cell);
            for (size_t k = w + 1; k < w_avail + widen[c]; k++)
                buf_append_char(&row, ' ');
            buf_append_char(&row, '|');
        }
        for (size_t k = 0; k < nlines; k++) {
            for (size_t c = 0; c < nc; c++) {
                if (!widen[c])
                    continue;
                uint32_t at = lp[k].off[c + 1];
                char fill = ' ';
                if (k == 1) { /* the delimiter row grows its dashes */
                    fill = '-';
                    if (at > 0 && txt[at - 1] == ':')
                        at--;
                }
                char *pad = xmalloc(widen[c]);
                memset(pad, fill, widen[c]);
                actions_edit_replace(e, nav, at, at, pad, widen[c]);
                free(pad);
            }
        }
        free(widen);
    } else {
        put_row_plain(&row, indent, ilen, lead, trail, cells, ncols);
    }
    const char *eol = doc_eol(nav);
    buf_t ins = BUF_INIT;
    if (after < 0) {
        uint32_t at = line_start_at(nav, md->rows[before].span.start);
        buf_append(&ins, row.data, row.len);
        buf_append_str(&ins, eol);
        actions_edit_replace(e, nav, at, at, ins.data, ins.len);
    } else {
        uint32_t ln = text_line_of(nav->text, md->rows[after].span.start);
        if ((size_t)after == t->first_row)
            ln++; /* after the delimiter row */
        uint32_t at = (uint32_t)text_line_end(nav->text, ln);
        buf_append_str(&ins, eol);
        buf_append(&ins, row.data, row.len);
        actions_edit_replace(e, nav, at, at, ins.data, ins.len);
    }
    buf_free(&ins);
    buf_free(&row);
    for (size_t k = 0; k < nlines; k++)
        pipes_free(&lp[k]);
    free(lp);
    free_cells(cells, ncols);
    free(hdr);
}

static int numbered_cmp(const void *pa, const void *pb)
{
    const ws_doc_t *a = *(ws_doc_t *const *)pa, *b = *(ws_doc_t *const *)pb;
    if (a->number != b->number)
        return a->number < b->number ? -1 : 1;
    return strcmp(a->name, b->name);
}

/* The navigation table of a START-HERE / README template text (whole or
 * just its section) with the example rows replaced by rows for the
 * folder's analyses and plans (START-HERE and README rows kept). NULL when
 * the text has no such table. Caller frees. */
static char *fill_nav(const char *text, size_t len, ws_folder_t *f, md_kind_t kind, size_t *out_len)
{
    const char *section = kind == MD_KIND_START    ? "Document Navigation"
                          : kind == MD_KIND_README ? "What's Inside"
                                                   : NULL;
    if (!section || !f)
        return NULL;
    md_doc_t *md = md_parse(text, len);
    char *out = NULL;
    int ti = section_table(md, section);
    if (ti < 0)
        goto done;
    const md_table_t *t = &md->tables[ti];
    const md_row_t *hr = &md->rows[t->first_row];
    /* text up to the end of the delimiter line */
    const char *nl = memchr(text + hr->span.end, '\n', len - hr->span.end);
    if (!nl)
        goto done;
    nl = memchr(nl + 1, '\n', len - (size_t)(nl + 1 - text));
    if (!nl)
        goto done;
    size_t head_end = (size_t)(nl + 1 - text);
    size_t hs = hr->span.start;
    while (hs > 0 && text[hs - 1] != '\n')
        hs--;
    buf_t b = BUF_INIT;
    buf_append(&b, text, head_end);
    for (size_t r = t->first_row + 1; r < t->first_row + t->n_rows; r++) {
        bool keep = false;
        for (size_t i = 0; i < md->n_links && !keep; i++)
            keep = md->links[i].table_row == (int)r && md->links[i].path &&
                   (strcmp(md->links[i].path, "START-HERE.md") == 0 ||
                    strcmp(md->links[i].path, "README.md") == 0);
        if (!keep)
            continue;
        size_t a = md->rows[r].span.start;
        while (a > 0 && text[a - 1] != '\n')
            a--;
        buf_append(&b, text + a, md->rows[r].span.end - a);
        buf_append_char(&b, '\n');
    }
    ws_doc_t **docs = xcalloc(f->n_docs ? f->n_docs : 1, sizeof(*docs));
    size_t nd = 0;
    for (size_t i = 0; i < f->n_docs; i++)
        if (f->docs[i]->kind == MD_KIND_PLAN || f->docs[i]->kind == MD_KIND_ANALYSIS)
            docs[nd++] = f->docs[i];
    qsort(docs, nd, sizeof(*docs), numbered_cmp);
    size_t ncols;
    const char **hdr = header_cells(md, t, &ncols);
    bool lead = text[hr->span.start] == '|', trail = text[hr->span.end - 1] == '|';
    for (size_t i = 0; i < nd; i++) {
        nav_info_t ni;
        nav_info_of(docs[i], &ni);
        char **cells = nav_cells(&ni, hdr, ncols);
        put_row_plain(&b, text + hs, hr->span.start - hs, lead, trail, cells, ncols);
        buf_append_char(&b, '\n');
        free_cells(cells, ncols);
        free(ni.title);
    }
    free(hdr);
    free(docs);
    /* what follows the table's rows; a text ending right after its last
     * row keeps ending without a newline */
    size_t tail = head_end;
    if (t->n_rows > 1) {
        tail = md->rows[t->first_row + t->n_rows - 1].span.end;
        while (tail < len && text[tail] != '\n')
            tail++;
        if (tail < len)
            tail++;
    }
    if ((tail == 0 || text[tail - 1] != '\n') && b.len > head_end && b.data[b.len - 1] == '\n')
        b.data[--b.len] = '\0';
    buf_append(&b, text + tail, len - tail);
    out = buf_detach(&b, out_len);
done:
    md_doc_free(md);
    return out;
}

/* ======================================================================
 * Quick fixes
 * ====================================================================== */

typedef struct fixctx {
    server_t *s;
    ws_doc_t *doc;
    tpl_set_t *tpl;
    json_t *out;   /* CodeAction[] being built */
    json_t *cdiag; /* the client's diagnostic the fix is for (borrowed) */
} fixctx_t;

/* Append a CodeAction with edit e (consumed). */
static void add_action(fixctx_t *fx, const char *title, const char *kind, bool preferred,
                       actions_edit_t *e)
{
    json_t *a = json_object();
    json_object_set_new(a, "title", jstr(title));
    json_object_set_new(a, "kind", json_string(kind));
    if (fx->cdiag)
        json_object_set_new(a, "diagnostics", json_pack("[O]", fx->cdiag));
    if (preferred)
        json_object_set_new(a, "isPreferred", json_true());
    json_object_set_new(a, "edit", actions_edit_json(e));
    json_array_append_new(fx->out, a);
    actions_edit_free(e);
}

static const char *data_str(const rule_diag_t *g, const char *key)
{
    json_t *v = json_object_get(g->data, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

/* The whole template of kind for a new document of folder f, its
 * navigation table listing the folder's documents. Caller frees. */
static char *new_doc_text(tpl_set_t *tpl, ws_folder_t *f, md_kind_t kind, size_t *len)
{
    const char *text;
    size_t n;
    if (!tpl_get(tpl, tpl_doc_name(kind), &text, &n))
        return NULL;
    char *filled = fill_nav(text, n, f, kind, len);
    if (filled)
        return filled;
    *len = n;
    return xstrndup(text, n);
}

/* PL002: create START-HERE.md / README.md from the template. */
static void fix_pl002(fixctx_t *fx, const rule_diag_t *g)
{
    const char *missing = data_str(g, "missing");
    ws_folder_t *f = fx->doc->folder;
    if (!missing || !f || !fx->s->caps.create_files)
        return;
    md_kind_t kind;
    if (strcmp(missing, "START-HERE.md") == 0 && !f->start)
        kind = MD_KIND_START;
    else if (strcmp(missing, "README.md") == 0 && !f->readme)
        kind = MD_KIND_README;
    else
        return;
    char *path = xasprintf("%s/%s", f->path, missing);
    size_t len;
    char *text = ws_path_exists(fx->s->ws, path) ? NULL : new_doc_text(fx->tpl, f, kind, &len);
    if (text) {
        actions_edit_t *e = actions_edit_new(fx->s);
        actions_edit_create(e, path, text, len);
        char *title = xasprintf("Create %s from the template", missing);
        add_action(fx, title, ACTIONS_KIND_QUICKFIX, true, e);
        free(title);
    }
    free(text);
    free(path);
}

/* The number of a plan's H1 "# Phase N: ...": its digits' span. */
static bool h1_number_span(const ws_doc_t *d, md_span_t *out)
{
    const md_doc_t *md = d->md;
    if (md->h1 < 0 || (size_t)md->h1 >= md->n_headings || md->h1_phase < 0)
        return false;
    const md_heading_t *h = &md->headings[md->h1];
    const char *t = d->text->data;
    for (uint32_t i = h->span.start; i + 5 < h->span.end; i++) {
        if (memcmp(t + i, "Phase", 5) != 0)
            continue;
        uint32_t j = i + 5;
        while (j < h->span.end && is_blank(t[j]))
            j++;
        uint32_t k = j;
        while (k < h->span.end && is_digit(t[k]))
            k++;
        if (k > j) {
            out->start = j;
            out->end = k;
            return true;
        }
    }
    return false;
}

/* PL004: move a duplicate to the next free number (RenameFile, H1 and
 * every link to it), when that keeps analyses before plans. */
static void fix_pl004(fixctx_t *fx, const rule_diag_t *g)
{
    ws_doc_t *d = fx->doc;
    ws_folder_t *f = d->folder;
    json_t *num = json_object_get(g->data, "number");
    if (!f || !fx->s->caps.rename_files || !json_is_integer(num) ||
        json_integer_value(num) != d->number ||
        (d->kind != MD_KIND_PLAN && d->kind != MD_KIND_ANALYSIS) || d->number < 0 ||
        d->number >= 99)
        return;
    bool used[100] = {false};
    int min_plan = 1000, max_analysis = -1;
    for (size_t i = 0; i < f->n_docs; i++) {
        const ws_doc_t *o = f->docs[i];
        if ((o->kind != MD_KIND_PLAN && o->kind != MD_KIND_ANALYSIS) || o->number < 0)
            continue;
        if (o->number < 100)
            used[o->number] = true;
        if (o == d)
            continue;
        if (o->kind == MD_KIND_PLAN && o->number < min_plan)
            min_plan = o->number;
        if (o->kind == MD_KIND_ANALYSIS && o->number > max_analysis)
            max_analysis = o->number;
    }
    int m = d->number + 1;
    while (m < 100 && used[m])
        m++;
    if (m >= 100 || (d->kind == MD_KIND_ANALYSIS && m > min_plan) ||
        (d->kind == MD_KIND_PLAN && m < max_analysis))
        return;
    const char *rest = d->name;
    while (is_digit(*rest))
        rest++;
    char *new_name = xasprintf("%02d%s", m, rest);
    char *new_path = xasprintf("%s/%s", f->path, new_name);
    if (!ws_path_exists(fx->s->ws, new_path)) {
        actions_edit_t *e = actions_edit_new(fx->s);
        md_span_t ns;
        if (d->kind == MD_KIND_PLAN && d->md->h1_phase == d->number && h1_number_span(d, &ns)) {
            char digits[16];
            snprintf(digits, sizeof(digits), "%d", m);
            actions_edit_replace(e, d, ns.start, ns.end, digits, strlen(digits));
        }
        actions_move_t mv = {d->path, new_path, false, d->number, m, NULL, NULL};
        actions_edit_links(fx->s, e, &mv, 1);
        actions_edit_rename(e, d->path, new_path);
        char *title = xasprintf("Renumber %s to %s", d->name, new_name);
        add_action(fx, title, ACTIONS_KIND_QUICKFIX, false, e);
        free(title);
    }
    free(new_path);
    free(new_name);
}

static const char *const PLAN_KEYS[] = {"Date", "Priority", "Status", "Estimated Effort"};
static const char *const FOLDER_KEYS[] = {"Created", "Status"};

/* The Status values a fix offers in d (a plan's for every kind but
 * START-HERE.md, as rule_statuses). */
static const char *const *statuses_of(const ws_doc_t *d, size_t *n)
{
    return rule_statuses(d->kind == MD_KIND_START ? MD_KIND_START : MD_KIND_PLAN, n);
}

/* Whether a new field can go beside f: a `**Key:** value` line of the
 * header, outside lists and block quotes. */
static bool header_line(const ws_doc_t *d, const md_field_t *f)
{
    if (!f->in_header || f->in_list)
        return false;
    const char *t = d->text->data + line_start_at(d, f->line.start);
    while (*t == ' ')
        t++;
    return *t == '*' || *t == '_';
}

/* The first such header field named key, NULL when none. */
static const md_field_t *header_field(const ws_doc_t *d, const char *key)
{
    for (size_t i = 0; i < d->md->n_fields; i++) {
        const md_field_t *f = &d->md->fields[i];
        if (util_ieq(f->key, key) && header_line(d, f))
            return f;
    }
    return NULL;
}

static bool ends_hard_break(const ws_doc_t *d, md_span_t line)
{
    const char *t = d->text->data;
    return line.end >= line.start + 2 && t[line.end - 1] == ' ' && t[line.end - 2] == ' ';
}

/* Insert "**key:** value" where the header's order wants it. */
static void insert_field(actions_edit_t *e, const ws_doc_t *d, const char *const *keys, size_t nk,
                         size_t k, const char *key, const char *value)
{
    const md_field_t *prev = NULL, *next = NULL, *last = NULL;
    for (size_t j = 0; j < nk; j++) {
        const md_field_t *f = header_field(d, keys[j]);
        if (!f || j == k)
            continue;
        if (j < k)
            prev = f;
        else if (!next)
            next = f;
    }
    for (size_t i = 0; i < d->md->n_fields; i++) {
        const md_field_t *f = &d->md->fields[i];
        if (header_line(d, f) && (!last || f->line.start > last->line.start))
            last = f;
    }
    if (!prev && !next)
        prev = last;
    buf_t b = BUF_INIT;
    if (prev) {
        uint32_t ln = text_line_of(d->text, prev->line.start);
        bool hard = false;
        if (!ends_hard_break(d, prev->line) && ln > 0) {
            md_span_t pl = {(uint32_t)text_line_start(d->text, ln - 1),
                            (uint32_t)text_line_end(d->text, ln - 1)};
            hard = ends_hard_break(d, pl);
        }
        buf_printf(&b, "%s\n**%s:** %s", hard ? "  " : "", key, value);
        uint32_t at = (uint32_t)text_line_end(d->text, ln);
        replace_lf(e, d, at, at, b.data, b.len);
    } else if (next) {
        buf_printf(&b, "**%s:** %s%s\n", key, value, ends_hard_break(d, next->line) ? "  " : "");
        uint32_t at = line_start_at(d, next->line.start);
        replace_lf(e, d, at, at, b.data, b.len);
    } else if (d->md->h1 >= 0 && (size_t)d->md->h1 < d->md->n_headings) {
        buf_printf(&b, "\n\n**%s:** %s", key, value);
        uint32_t ln = text_line_of(d->text, d->md->headings[d->md->h1].span.end);
        uint32_t at = (uint32_t)text_line_end(d->text, ln);
        replace_lf(e, d, at, at, b.data, b.len);
    } else {
        buf_printf(&b, "**%s:** %s\n\n", key, value);
        replace_lf(e, d, 0, 0, b.data, b.len);
    }
    buf_free(&b);
}

/* PL011: insert the missing header field in template order, with a value
 * the rules accept where one is known (today's date, the folder's date for
 * Created, the first status) and the template's placeholder for the
 * effort; one action per priority. */
static void fix_pl011(fixctx_t *fx, const rule_diag_t *g)
{
    ws_doc_t *d = fx->doc;
    const char *field = data_str(g, "field");
    const char *const *keys = d->kind == MD_KIND_PLAN ? PLAN_KEYS : FOLDER_KEYS;
    size_t nk = d->kind == MD_KIND_PLAN ? UTIL_ARRAY_LEN(PLAN_KEYS) : UTIL_ARRAY_LEN(FOLDER_KEYS);
    if (!field ||
        (d->kind != MD_KIND_PLAN && d->kind != MD_KIND_START && d->kind != MD_KIND_README))
        return;
    size_t k = nk;
    for (size_t i = 0; i < nk; i++)
        if (util_ieq(keys[i], field))
            k = i;
    if (k == nk)
        return;
    const char *key = keys[k];
    char date[16];
    today(date);
    const char *one[1] = {NULL};
    const char *const *values = one;
    size_t nv = 1;
    if (strcmp(key, "Date") == 0) {
        one[0] = date;
    } else if (strcmp(key, "Created") == 0) {
        const char *fn = d->folder && d->folder->name ? d->folder->name : "";
        if (strlen(fn) >= 10 && date_ok(fn)) {
            memcpy(date, fn, 10);
            date[10] = '\0';
        }
        one[0] = date;
    } else if (strcmp(key, "Status") == 0) {
        size_t ns;
        one[0] = statuses_of(d, &ns)[0];
    } else if (strcmp(key, "Estimated Effort") == 0) {
        one[0] = "X-Yh agentic + Zh review";
    } else {
        values = rule_priorities(&nv);
    }
    for (size_t i = 0; i < nv; i++) {
        actions_edit_t *e = actions_edit_new(fx->s);
        insert_field(e, d, keys, nk, k, key, values[i]);
        char *title = xasprintf("Insert **%s:** %s", key, values[i]);
        add_action(fx, title, ACTIONS_KIND_QUICKFIX, nv == 1, e);
        free(title);
    }
}

/* PL012 / PL013: one action per valid value, replacing the value proper
 * (its decoration kept); a value differing only in case comes first, and
 * the first is preferred. */
static void fix_value(fixctx_t *fx, const rule_diag_t *g, const char *what,
                      const char *const *values, size_t n)
{
    ws_doc_t *d = fx->doc;
    const char *t = d->text->data;
    size_t found_len = g->span.end - g->span.start;
    size_t order[8];
    size_t no = 0;
    for (size_t i = 0; i < n && no < 8; i++)
        if (strlen(values[i]) == found_len && util_ieqn(t + g->span.start, values[i], found_len))
            order[no++] = i;
    for (size_t i = 0; i < n && no < 8; i++) {
        bool seen = false;
        for (size_t j = 0; j < no; j++)
            seen |= order[j] == i;
        if (!seen)
            order[no++] = i;
    }
    bool space =
        g->span.start == g->span.end && g->span.start > 0 && !is_blank(t[g->span.start - 1]);
    for (size_t i = 0; i < no; i++) {
        const char *v = values[order[i]];
        char *text = xasprintf("%s%s", space ? " " : "", v);
        actions_edit_t *e = actions_edit_new(fx->s);
        actions_edit_replace(e, d, g->span.start, g->span.end, text, strlen(text));
        char *title = xasprintf("Change %s to %s", what, v);
        add_action(fx, title, ACTIONS_KIND_QUICKFIX, i == 0, e);
        free(title);
        free(text);
    }
}

/* PL020: insert the template section at its place in template order. */
static void fix_pl020(fixctx_t *fx, const rule_diag_t *g)
{
    const char *section = data_str(g, "section");
    const char *parent = data_str(g, "parent");
    if (!section)
        return;
    ins_list_t l = {NULL, 0, 0};
    if (plan_section(fx->tpl, fx->doc, parent, section, &l)) {
        actions_edit_t *e = actions_edit_new(fx->s);
        emit_insertions(e, fx->doc, &l);
        char *title = xasprintf("Insert section \"%s\" from the template", section);
        add_action(fx, title, ACTIONS_KIND_QUICKFIX, true, e);
        free(title);
    }
    ins_list_free(&l);
}

/* PL044: add the missing row to the navigation table. */
static void fix_pl044(fixctx_t *fx, const rule_diag_t *g)
{
    const char *file = data_str(g, "file");
    const char *table = data_str(g, "table");
    ws_doc_t *nav = fx->doc;
    if (!file || !table || !nav->folder || strchr(file, '/'))
        return;
    char *path = xasprintf("%s/%s", nav->folder->path, file);
    ws_doc_t *target = ws_doc_by_path(fx->s->ws, path);
    free(path);
    int ti = section_table(nav->md, table);
    if (!doc_ok(target) || target->folder != nav->folder || ti < 0)
        return;
    nav_info_t ni;
    nav_info_of(target, &ni);
    actions_edit_t *e = actions_edit_new(fx->s);
    nav_add_row(fx->s, e, nav, ti, &ni);
    free(ni.title);
    char *title = xasprintf("Add %s to the %s table", file, table);
    add_action(fx, title, ACTIONS_KIND_QUICKFIX, true, e);
    free(title);
}

/* "[Phase N: Title](name)" for a plan. Caller frees. */
static char *plan_link(const nav_info_t *ni)
{
    buf_t b = BUF_INIT;
    buf_printf(&b, "[Phase %d: ", ni->number);
    for (const char *p = ni->title; *p; p++) {
        if (*p == '[' || *p == ']' || *p == '\\')
            buf_append_char(&b, '\\');
        buf_append_char(&b, *p);
    }
    buf_append_str(&b, "](");
    put_dest(&b, ni->name);
    buf_append_char(&b, ')');
    return buf_detach(&b, NULL);
}

/* Replace a field's value span with value (a blank added after a bare
 * "**Key:**"). */
static void set_field_value(actions_edit_t *e, const ws_doc_t *d, md_span_t v, const char *value)
{
    const char *t = d->text->data;
    bool space = v.start > 0 && !is_blank(t[v.start - 1]);
    char *text = xasprintf("%s%s", space ? " " : "", value);
    actions_edit_replace(e, d, v.start, v.end, text, strlen(text));
    free(text);
}

/* PL046: point **Next Phase:** at the next plan. */
static void fix_pl046(fixctx_t *fx, const rule_diag_t *g)
{
    const char *expected = data_str(g, "expected");
    ws_doc_t *d = fx->doc;
    if (!expected || !d->folder || strchr(expected, '/'))
        return;
    char *path = xasprintf("%s/%s", d->folder->path, expected);
    ws_doc_t *next = ws_doc_by_path(fx->s->ws, path);
    free(path);
    const md_field_t *fld = md_field_get(d->md, "Next Phase", false);
    if (!doc_ok(next) || !fld)
        return;
    nav_info_t ni;
    nav_info_of(next, &ni);
    char *link = plan_link(&ni);
    actions_edit_t *e = actions_edit_new(fx->s);
    set_field_value(e, d, fld->value_span, link);
    char *title = xasprintf("Link Next Phase to %s", expected);
    add_action(fx, title, ACTIONS_KIND_QUICKFIX, true, e);
    free(title);
    free(link);
    free(ni.title);
}

static void fix_one(fixctx_t *fx, const rule_diag_t *g)
{
    const char *c = g->code;
    size_t n;
    if (strcmp(c, "PL002") == 0)
        fix_pl002(fx, g);
    else if (strcmp(c, "PL004") == 0)
        fix_pl004(fx, g);
    else if (strcmp(c, "PL011") == 0)
        fix_pl011(fx, g);
    else if (strcmp(c, "PL012") == 0) {
        const char *const *values = rule_priorities(&n);
        fix_value(fx, g, "priority", values, n);
    } else if (strcmp(c, "PL013") == 0) {
        const char *const *values = statuses_of(fx->doc, &n);
        fix_value(fx, g, "status", values, n);
    } else if (strcmp(c, "PL020") == 0)
        fix_pl020(fx, g);
    else if (strcmp(c, "PL044") == 0)
        fix_pl044(fx, g);
    else if (strcmp(c, "PL046") == 0)
        fix_pl046(fx, g);
}

static bool fixable(const char *code)
{
    static const char *const CODES[] = {"PL002", "PL004", "PL011", "PL012",
                                        "PL013", "PL020", "PL044", "PL046"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(CODES); i++)
        if (strcmp(code, CODES[i]) == 0)
            return true;
    return false;
}

/* The planls code of a client diagnostic we can fix, else NULL. */
static const char *client_code(json_t *cd)
{
    json_t *code = json_object_get(cd, "code");
    json_t *src = json_object_get(cd, "source");
    if (!json_is_string(code) ||
        (src && !(json_is_string(src) && strcmp(json_string_value(src), "planls") == 0)))
        return NULL;
    return fixable(json_string_value(code)) ? json_string_value(code) : NULL;
}

/* Whether finding g is on doc with code and starts on line ln (any line
 * when ln < 0). */
static bool finding_at(const ws_doc_t *doc, const rule_diag_t *g, const char *code, json_int_t ln)
{
    return g->doc == doc && strcmp(g->code, code) == 0 &&
           (ln < 0 || text_line_of(doc->text, g->span.start) == (uint32_t)ln);
}

/* Quick fixes for the client's diagnostics: each is matched to our own
 * findings on the same document, with the same code and start line (never
 * by exact range: Neovim 0.7 sends byte columns); among several, those
 * whose data (else message) equal the client's, when any do. */
static void quick_fixes(fixctx_t *fx, json_t *diags)
{
    size_t i;
    json_t *cd;
    bool any = false;
    json_array_foreach(diags, i, cd)
        any |= client_code(cd) != NULL;
    if (!any)
        return;
    /* The findings diagnostics computed already: no rule run per request. */
    const rule_diags_t *all = diag_folder_findings(fx->s, fx->doc->folder);
    json_array_foreach(diags, i, cd) {
        const char *code = client_code(cd);
        json_t *line = rpc_get(cd, "range.start.line");
        if (!code || (line && (!json_is_integer(line) || json_integer_value(line) < 0)))
            continue;
        /* without a range (a client sending back only code and data), the
         * data or message must single the finding out */
        json_int_t ln = line ? json_integer_value(line) : -1;
        json_t *data = json_object_get(cd, "data");
        json_t *msg = json_object_get(cd, "message");
        bool by_data = false, by_msg = false;
        for (size_t k = 0; k < all->n; k++) {
            const rule_diag_t *g = &all->items[k];
            if (!finding_at(fx->doc, g, code, ln))
                continue;
            by_data |= data && g->data && json_equal(data, g->data);
            by_msg |= json_is_string(msg) && strcmp(json_string_value(msg), g->message) == 0;
        }
        if (ln < 0 && !by_data && !by_msg)
            continue;
        fx->cdiag = cd;
        for (size_t k = 0; k < all->n; k++) {
            const rule_diag_t *g = &all->items[k];
            if (!finding_at(fx->doc, g, code, ln))
                continue;
            if (by_data && !(g->data && json_equal(data, g->data)))
                continue;
            if (!by_data && by_msg && strcmp(json_string_value(msg), g->message) != 0)
                continue;
            fix_one(fx, g);
        }
        fx->cdiag = NULL;
    }
}

/* ======================================================================
 * Source actions
 * ====================================================================== */

/* Insert every missing required section of doc; false when none is
 * missing (or the template has none of them). */
static bool insert_sections_edit(tpl_set_t *tpl, ws_doc_t *doc, actions_edit_t *e)
{
    const rule_section_t *miss[RULE_MAX_SECTIONS];
    size_t n = missing_sections(doc, miss, UTIL_ARRAY_LEN(miss));
    ins_list_t l = {NULL, 0, 0};
    for (size_t i = 0; i < n; i++) {
        /* a missing parent brings its subsections */
        if (miss[i]->parent && doc_section(doc->md, -1, miss[i]->parent) < 0)
            continue;
        plan_section(tpl, doc, miss[i]->parent, miss[i]->name, &l);
    }
    bool any = l.n > 0;
    emit_insertions(e, doc, &l);
    ins_list_free(&l);
    return any;
}

/* Number and name of the next plan of f; false when none fits in NN. */
static bool next_plan(ws_folder_t *f, int *number, char **name)
{
    int last = 0;
    ws_folder_index(f);
    for (size_t i = 0; i < f->n_docs; i++)
        if ((f->docs[i]->kind == MD_KIND_ANALYSIS && f->docs[i]->number > last) ||
            (f->docs[i]->kind == MD_KIND_PLAN && f->docs[i]->number > last))
            last = f->docs[i]->number;
    if (last + 1 > 99)
        return false;
    *number = last + 1;
    *name = xasprintf("%02d-new-phase-plan.md", *number);
    return true;
}

/* The plan template for phase number, dated today, titled "New Phase".
 * Caller frees. */
static char *new_plan_text(tpl_set_t *tpl, int number, size_t *len)
{
    const char *text;
    size_t n;
    if (!tpl_get(tpl, "plan.md", &text, &n))
        return NULL;
    md_doc_t *md = md_parse(text, n);
    char date[16], h1[64];
    today(date);
    snprintf(h1, sizeof(h1), "# Phase %d: New Phase", number);
    buf_t b = BUF_INIT;
    size_t from = 0;
    if (md->h1 >= 0 && (size_t)md->h1 < md->n_headings) {
        md_span_t hs = md->headings[md->h1].span;
        buf_append(&b, text, hs.start);
        buf_append_str(&b, h1);
        from = hs.end;
    } else {
        buf_printf(&b, "%s\n\n", h1);
    }
    const md_field_t *df = md_field_get(md, "Date", true);
    if (df && df->value_span.start >= from) {
        buf_append(&b, text + from, df->value_span.start - from);
        if (df->value_span.start > 0 && !is_blank(text[df->value_span.start - 1]))
            buf_append_char(&b, ' ');
        buf_append_str(&b, date);
        from = df->value_span.end;
    }
    buf_append(&b, text + from, n - from);
    md_doc_free(md);
    return buf_detach(&b, len);
}

/* Create the next plan of doc's folder: the file from the template,
 * rows in both navigation tables, and the previous plan's Next Phase. */
static bool create_plan_edit(server_t *s, tpl_set_t *tpl, ws_doc_t *doc, actions_edit_t *e,
                             char **out_name)
{
    ws_folder_t *f = doc->folder;
    int number;
    char *name = NULL, *path = NULL, *text = NULL;
    bool ok = false;
    if (!f || !next_plan(f, &number, &name))
        return false;
    path = xasprintf("%s/%s", f->path, name);
    size_t len;
    if (ws_path_exists(s->ws, path) || !(text = new_plan_text(tpl, number, &len)))
        goto done;
    actions_edit_create(e, path, text, len);
    nav_info_t ni = {MD_KIND_PLAN, number, name, xstrdup("New Phase"), NULL, NULL, NULL};
    int ti;
    if (doc_ok(f->start) && (ti = section_table(f->start->md, "Document Navigation")) >= 0)
        nav_add_row(s, e, f->start, ti, &ni);
    if (doc_ok(f->readme) && (ti = section_table(f->readme->md, "What's Inside")) >= 0)
        nav_add_row(s, e, f->readme, ti, &ni);
    ws_doc_t *prev = NULL;
    for (size_t i = 0; i < f->n_plans; i++)
        if (doc_ok(f->plans[i]) && f->plans[i]->number < number)
            prev = f->plans[i];
    if (prev) {
        char *link = plan_link(&ni);
        const md_field_t *fld = md_field_get(prev->md, "Next Phase", false);
        if (fld) {
            set_field_value(e, prev, fld->value_span, link);
        } else {
            uint32_t at = content_end(prev, 0, (uint32_t)prev->text->len, false);
            uint32_t ls = line_start_at(prev, at);
            bool field_line = at > ls && prev->text->data[ls] == '*';
            char *line = xasprintf("%s**Next Phase:** %s", field_line ? "\n" : "\n\n", link);
            replace_lf(e, prev, at, at, line, strlen(line));
            free(line);
        }
        free(link);
    }
    free(ni.title);
    *out_name = name;
    name = NULL;
    ok = true;
done:
    free(text);
    free(path);
    free(name);
    return ok;
}

/* ======================================================================
 * Requests
 * ====================================================================== */

/* Whether an action of `kind` passes context.only (absent: everything). */
static bool kind_wanted(json_t *only, const char *kind)
{
    if (!json_is_array(only))
        return true;
    size_t i;
    json_t *k;
    json_array_foreach(only, i, k) {
        if (!json_is_string(k))
            continue;
        const char *w = json_string_value(k);
        size_t n = strlen(w);
        if (n == 0 || (strncmp(kind, w, n) == 0 && (kind[n] == '\0' || kind[n] == '.')))
            return true;
    }
    return false;
}

static tpl_set_t *tpl_for(server_t *s)
{
    return tpl_set_new(ws_root(s->ws), ws_config(s->ws)->templates_dir);
}

/* A source action: with resolve support `data` names it and resolve
 * computes the edit; otherwise the edit is computed now (false when the
 * action does not apply). */
static void source_action(fixctx_t *fx, const char *id, const char *title, const char *kind)
{
    server_t *s = fx->s;
    if (s->caps.action_resolve) {
        json_t *a = json_object();
        json_object_set_new(a, "title", jstr(title));
        json_object_set_new(a, "kind", json_string(kind));
        json_object_set_new(a, "data", json_pack("{s:s,s:s}", "planls", id, "uri", fx->doc->uri));
        json_array_append_new(fx->out, a);
        return;
    }
    actions_edit_t *e = actions_edit_new(s);
    char *name = NULL;
    bool ok = strcmp(id, "createPlan") == 0 ? create_plan_edit(s, fx->tpl, fx->doc, e, &name)
                                            : insert_sections_edit(fx->tpl, fx->doc, e);
    free(name);
    if (ok)
        add_action(fx, title, kind, false, e);
    else
        actions_edit_free(e);
}

json_t *actions_for(server_t *s, ws_doc_t *doc, json_t *params)
{
    json_t *out = json_array();
    if (!s->caps.action_literals || !doc_ok(doc) || !doc->folder)
        return out;
    json_t *ctx = json_object_get(params, "context");
    json_t *only = json_object_get(ctx, "only");
    json_t *diags = json_object_get(ctx, "diagnostics");
    fixctx_t fx = {s, doc, tpl_for(s), out, NULL};
    if (kind_wanted(only, ACTIONS_KIND_QUICKFIX) && json_is_array(diags))
        quick_fixes(&fx, diags);
    if (kind_wanted(only, ACTIONS_KIND_INSERT_SECTIONS) &&
        (doc->kind == MD_KIND_PLAN || doc->kind == MD_KIND_START || doc->kind == MD_KIND_README)) {
        const rule_section_t *miss[RULE_MAX_SECTIONS];
        if (missing_sections(doc, miss, UTIL_ARRAY_LEN(miss)) > 0)
            source_action(&fx, "insertSections", "Insert all missing template sections",
                          ACTIONS_KIND_INSERT_SECTIONS);
    }
    if (kind_wanted(only, ACTIONS_KIND_CREATE_PLAN) && s->caps.create_files) {
        int number;
        char *name = NULL;
        if (next_plan(doc->folder, &number, &name)) {
            char *title = xasprintf("Create next plan (%s)", name);
            source_action(&fx, "createPlan", title, ACTIONS_KIND_CREATE_PLAN);
            free(title);
        }
        free(name);
    }
    tpl_set_free(fx.tpl);
    return out;
}

json_t *actions_resolve(server_t *s, rpc_req_t *req, json_t *action)
{
    if (!json_is_object(action))
        return rpc_req_fail(req, RPC_INVALID_PARAMS,
                            "invalid params: expected a CodeAction object");
    json_t *data = json_object_get(action, "data");
    json_t *id = json_object_get(data, "planls"), *uri = json_object_get(data, "uri");
    if (!json_is_string(id) || !json_is_string(uri))
        return json_deep_copy(action); /* nothing of ours to resolve */
    if (!s->ws)
        return rpc_req_fail(req, RPC_REQUEST_FAILED, "no workspace");
    server_sync(s);
    ws_doc_t *doc = ws_doc_by_uri(s->ws, json_string_value(uri));
    if (!doc_ok(doc) || !doc->folder)
        return rpc_req_fail(req, RPC_REQUEST_FAILED, "the document of this action is gone: %s",
                            json_string_value(uri));
    tpl_set_t *tpl = tpl_for(s);
    actions_edit_t *e = actions_edit_new(s);
    char *name = NULL;
    bool ok;
    const char *what = json_string_value(id);
    if (strcmp(what, "createPlan") == 0)
        ok = s->caps.create_files && create_plan_edit(s, tpl, doc, e, &name);
    else if (strcmp(what, "insertSections") == 0)
        ok = insert_sections_edit(tpl, doc, e);
    else
        ok = false;
    json_t *result = NULL;
    if (ok) {
        result = json_deep_copy(action);
        json_object_set_new(result, "edit", actions_edit_json(e));
    } else {
        rpc_req_fail(req, RPC_REQUEST_FAILED, "this action no longer applies to %s", doc->name);
    }
    free(name);
    actions_edit_free(e);
    tpl_set_free(tpl);
    return result;
}

json_t *actions_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    /* `range` is not used (fixes follow the diagnostics), so a request
     * without it is served; a malformed one is still an error. */
    json_t *range = rpc_get(params, "range");
    if (range && !json_is_object(range))
        return rpc_req_fail(req, RPC_INVALID_PARAMS, "invalid params: 'range' must be an object");
    if (!rpc_param(req, params, "context", JSON_OBJECT))
        return NULL;
    json_t *diags = rpc_get(params, "context.diagnostics");
    if (diags && !json_is_array(diags))
        return rpc_req_fail(req, RPC_INVALID_PARAMS,
                            "invalid params: 'context.diagnostics' must be an array");
    ws_doc_t *d = server_doc_param(s, req, params);
    if (!d)
        return NULL;
    return actions_for(s, d, params);
}

json_t *actions_resolve_request(void *ctx, rpc_req_t *req, json_t *params)
{
    return actions_resolve(ctx, req, params);
}

void actions_capabilities(const server_t *s, json_t *caps)
{
    if (!s->caps.action_literals) {
        json_object_set_new(caps, "codeActionProvider", json_true());
        return;
    }
    json_object_set_new(caps, "codeActionProvider",
                        json_pack("{s:[s,s,s],s:b}", "codeActionKinds", ACTIONS_KIND_QUICKFIX,
                                  ACTIONS_KIND_INSERT_SECTIONS, ACTIONS_KIND_CREATE_PLAN,
                                  "resolveProvider", s->caps.action_resolve));
}
