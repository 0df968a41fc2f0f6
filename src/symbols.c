/* symbols: document symbols (the heading outline, with header fields under
 * the H1), workspace symbols (every phase of every folder) and folding
 * ranges (sections, tables, lists, fenced code). Everything comes from the
 * in-memory model and one pass over the lines; nothing is read from disk and
 * no scan is worse than linear in the document. */
#include "planls/symbols.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/util.h"

/* ---- small helpers ------------------------------------------------------- */


bool symbols_fuzzy_match(const char *pattern, const char *text)
{
    const char *t = text;
    for (const char *p = pattern; *p; p++) {
        int pc = tolower((unsigned char)*p);
        while (*t && tolower((unsigned char)*t) != pc)
            t++;
        if (!*t)
            return false;
        t++;
    }
    return true;
}

/* Whether s[0..n) is a thematic break ("---", "* * *", "___"). */
static bool is_thematic_break(const char *s, size_t n)
{
    char mark = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ' || s[i] == '\t')
            continue;
        if ((s[i] != '-' && s[i] != '*' && s[i] != '_') || (mark && s[i] != mark))
            return false;
        mark = s[i];
        count++;
    }
    return count >= 3;
}

/* End of a heading's section without the blank lines and the "---" the
 * templates put before the next heading. */
static uint32_t section_end_trimmed(const ws_doc_t *doc, const md_heading_t *h)
{
    const char *t = doc->text->data;
    uint32_t end = UTIL_MIN(h->section_end, (uint32_t)doc->text->len);
    for (;;) {
        while (end > h->span.end && isspace((unsigned char)t[end - 1]))
            end--;
        uint32_t bol = end;
        while (bol > h->span.end && t[bol - 1] != '\n' && t[bol - 1] != '\r')
            bol--;
        if (bol == h->span.end || bol == end || !is_thematic_break(t + bol, end - bol))
            break;
        end = bol;
    }
    return UTIL_MAX(end, h->span.end);
}

static const char *heading_name(const md_heading_t *h)
{
    return h->text && h->text[0] ? h->text : "(empty heading)";
}

/* ---- document symbols ---------------------------------------------------------- */

/* A DocumentSymbol with no children yet; range and selection are stolen.
 * New reference. */
static json_t *doc_symbol(const char *name, const char *detail, int kind, json_t *range,
                          json_t *selection)
{
    json_t *sym = json_object();
    json_object_set_new(sym, "name", text_json(name));
    if (detail && detail[0])
        json_object_set_new(sym, "detail", text_json(detail));
    json_object_set_new(sym, "kind", json_integer(kind));
    json_object_set_new(sym, "range", range);
    json_object_set_new(sym, "selectionRange", selection);
    json_object_set_new(sym, "children", json_array());
    return sym;
}

/* Whether field f belongs under the H1 h: a header field inside its range. */
static bool field_under(const ws_doc_t *doc, const md_field_t *f, const md_heading_t *h,
                        uint32_t h_end)
{
    if (!f->in_header || f->line.start < h->span.end || f->line.end > h_end)
        return false;
    /* A quoted note ("> **Note on Time Estimates:** ...") is no header field. */
    const char *t = doc->text->data;
    uint32_t i = f->line.start;
    while (i < f->line.end && (t[i] == ' ' || t[i] == '\t'))
        i++;
    return i >= f->line.end || t[i] != '>';
}

/* DocumentSymbol tree: headings nested by their parent index (a parent always
 * precedes its children), the H1's header fields first among its children. */
static json_t *hierarchical(server_t *s, ws_doc_t *doc)
{
    const md_doc_t *md = doc->md;
    json_t *roots = json_array();
    json_t **syms = xcalloc(md->n_headings ? md->n_headings : 1, sizeof(json_t *));
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        uint32_t end = section_end_trimmed(doc, h);
        md_span_t sel = h->text_span.end > h->text_span.start ? h->text_span : h->span;
        syms[i] = doc_symbol(heading_name(h), NULL, SYMBOLS_KIND_STRING,
                             server_range(s, doc, h->span.start, end),
                             server_range(s, doc, sel.start, sel.end));
        json_t *parent = h->parent >= 0 && (size_t)h->parent < i
                             ? json_object_get(syms[h->parent], "children")
                             : roots;
        json_array_append(parent, syms[i]);
        if ((int)i != md->h1)
            continue;
        json_t *kids = json_object_get(syms[i], "children");
        for (size_t k = 0; k < md->n_fields; k++) {
            const md_field_t *f = &md->fields[k];
            if (!field_under(doc, f, h, end))
                continue;
            json_array_append_new(kids, doc_symbol(f->key, f->value, SYMBOLS_KIND_PROPERTY,
                                                   server_range(s, doc, f->line.start, f->line.end),
                                                   server_range(s, doc, f->key_span.start,
                                                                f->key_span.end)));
        }
    }
    for (size_t i = 0; i < md->n_headings; i++)
        json_decref(syms[i]);
    free(syms);
    return roots;
}

/* A SymbolInformation; range is stolen. New reference. */
static json_t *sym_info(const char *name, int kind, const char *uri, json_t *range,
                        const char *container)
{
    json_t *sym = json_pack("{s:o,s:i,s:{s:o,s:o}}", "name", text_json(name), "kind", kind,
                            "location", "uri", text_json(uri), "range", range);
    if (container && container[0])
        json_object_set_new(sym, "containerName", text_json(container));
    return sym;
}

/* SymbolInformation list in source order, for clients without hierarchy. */
static json_t *flat(server_t *s, ws_doc_t *doc)
{
    const md_doc_t *md = doc->md;
    json_t *out = json_array();
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        uint32_t end = section_end_trimmed(doc, h);
        const char *container = h->parent >= 0 && (size_t)h->parent < i
                                    ? heading_name(&md->headings[h->parent])
                                    : NULL;
        json_array_append_new(out, sym_info(heading_name(h), SYMBOLS_KIND_STRING, doc->uri,
                                            server_range(s, doc, h->span.start, end), container));
        if ((int)i != md->h1)
            continue;
        for (size_t k = 0; k < md->n_fields; k++) {
            const md_field_t *f = &md->fields[k];
            if (field_under(doc, f, h, end))
                json_array_append_new(out, sym_info(f->key, SYMBOLS_KIND_PROPERTY, doc->uri,
                                                    server_range(s, doc, f->line.start,
                                                                 f->line.end),
                                                    heading_name(h)));
        }
    }
    return out;
}

json_t *symbols_document(server_t *s, ws_doc_t *doc)
{
    if (!doc->md || !doc->text)
        return json_array();
    return s->caps.hierarchical_symbols ? hierarchical(s, doc) : flat(s, doc);
}

/* ---- workspace symbols ---------------------------------------------------------- */

typedef struct phase_sym {
    const ws_folder_t *folder;
    ws_doc_t *plan;
} phase_sym_t;

static int phase_sym_cmp(const void *a, const void *b)
{
    const phase_sym_t *x = a, *y = b;
    int c = strcmp(x->folder->name, y->folder->name);
    if (c == 0)
        c = strcmp(x->folder->path, y->folder->path);
    if (c == 0 && x->plan->number != y->plan->number)
        c = x->plan->number < y->plan->number ? -1 : 1;
    return c ? c : strcmp(x->plan->name, y->plan->name);
}

/* The symbol name of a plan: its H1, else "Phase N" written into fallback. */
static const char *plan_name(const ws_doc_t *p, char *fallback, size_t cap)
{
    const md_doc_t *md = p->md;
    if (md && md->h1 >= 0 && (size_t)md->h1 < md->n_headings && md->headings[md->h1].text &&
        md->headings[md->h1].text[0])
        return md->headings[md->h1].text;
    snprintf(fallback, cap, "Phase %d", p->number);
    return fallback;
}

/* At most this many phases per workspace/symbol answer, as clangd (100) and
 * rust-analyzer (128) cap theirs: clients ask again as the query is typed,
 * and 5,000 symbols cost ~15 MB of JSON to build for a list nobody reads. */
#define SYMBOLS_WORKSPACE_MAX 500

json_t *symbols_workspace(server_t *s, const char *query)
{
    phase_sym_t *v = NULL;
    size_t n = 0, cap = 0;
    char fb[32];
    for (size_t fi = 0; fi < ws_n_folders(s->ws); fi++) {
        ws_folder_t *f = ws_folder_at(s->ws, fi);
        ws_folder_index(f);
        for (size_t i = 0; i < f->n_plans; i++) {
            ws_doc_t *p = f->plans[i];
            if (!symbols_fuzzy_match(query, plan_name(p, fb, sizeof(fb))) &&
                !symbols_fuzzy_match(query, p->name))
                continue;
            phase_sym_t ps = {f, p};
            UTIL_PUSH(v, n, cap, ps);
        }
    }
    if (n)
        qsort(v, n, sizeof(*v), phase_sym_cmp);
    json_t *out = json_array();
    for (size_t i = 0; i < n && i < SYMBOLS_WORKSPACE_MAX; i++) {
        ws_doc_t *p = v[i].plan;
        const md_doc_t *md = p->md;
        json_t *range;
        if (md && md->h1 >= 0 && (size_t)md->h1 < md->n_headings)
            range = server_range(s, p, md->headings[md->h1].span.start,
                                 md->headings[md->h1].span.end);
        else
            range = server_range(s, p, 0, 0);
        json_array_append_new(out, sym_info(plan_name(p, fb, sizeof(fb)), SYMBOLS_KIND_MODULE,
                                            p->uri, range, v[i].folder->name));
    }
    free(v);
    return out;
}

/* ---- folding ranges ---------------------------------------------------------------- */

typedef struct fold {
    uint32_t start, end; /* lines */
} fold_t;

typedef struct folds {
    fold_t *v;
    size_t n, cap;
} folds_t;

static void fold_add(folds_t *fs, uint32_t start, uint32_t end)
{
    if (end <= start)
        return;
    fold_t f = {start, end};
    UTIL_PUSH(fs->v, fs->n, fs->cap, f);
}

static int fold_cmp(const void *a, const void *b)
{
    const fold_t *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end;
}

/* Line of the last byte of [start, end) (the start's line when empty). */
static uint32_t last_line(const text_doc_t *t, uint32_t start, uint32_t end)
{
    return text_line_of(t, end > start ? end - 1 : start);
}

/* The width of a list marker ("- ", "* ", "+ ", "1. ", "1) ") at s[0..n), 0
 * when the line is no list item. */
static size_t list_marker(const char *s, size_t n)
{
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '*' || s[0] == '+')) {
        i = 1;
    } else {
        while (i < n && i < 9 && isdigit((unsigned char)s[i]))
            i++;
        if (i == 0 || i >= n || (s[i] != '.' && s[i] != ')'))
            return 0;
        i++;
    }
    if (i == n)
        return i;
    return s[i] == ' ' || s[i] == '\t' ? i : 0;
}

/* A line that ends a list item even without a blank line before it. */
static bool breaks_list(const char *s, size_t n)
{
    return (n >= 1 && (s[0] == '#' || s[0] == '|')) ||
           (n >= 3 && (memcmp(s, "```", 3) == 0 || memcmp(s, "~~~", 3) == 0 ||
                       memcmp(s, "---", 3) == 0));
}

typedef struct open_item {
    uint32_t line;
    size_t indent;
} open_item_t;

/* Lists and their multi-line items, in one pass over the lines with a stack
 * of open items (linear however deep the nesting). Lines inside code only
 * continue an open item. */
static void list_folds(const ws_doc_t *doc, folds_t *fs)
{
    const text_doc_t *t = doc->text;
    const md_doc_t *md = doc->md;
    open_item_t *stack = NULL;
    size_t depth = 0, cap = 0, code = 0;
    uint32_t run_start = 0, last = 0;
    bool prev_blank = false;
    for (uint32_t line = 0; line < t->n_lines; line++) {
        size_t ls = text_line_start(t, line), le = text_line_end(t, line);
        size_t indent = 0, i = ls;
        for (; i < le && (t->data[i] == ' ' || t->data[i] == '\t'); i++)
            indent += t->data[i] == '\t' ? 4 - indent % 4 : 1;
        if (i == le) {
            prev_blank = true;
            continue;
        }
        while (code < md->n_code && md->code[code].end <= ls)
            code++;
        bool in_code = code < md->n_code && md->code[code].start <= ls;
        const char *s = t->data + i;
        size_t n = le - i;
        bool item = !in_code && list_marker(s, n) > 0;
        bool had_open = depth > 0;
        while (depth > 0) {
            const open_item_t *top = &stack[depth - 1];
            bool ends = item ? indent <= top->indent
                             : indent <= top->indent &&
                                   (prev_blank || (!in_code && breaks_list(s, n)));
            if (!ends)
                break;
            fold_add(fs, top->line, last);
            depth--;
        }
        /* A top-level sibling item continues the list; anything else that
         * closed every item ends it. */
        if (had_open && depth == 0 && !item)
            fold_add(fs, run_start, last);
        if (item) {
            if (!had_open)
                run_start = line;
            open_item_t it = {line, indent};
            UTIL_PUSH(stack, depth, cap, it);
        }
        last = line;
        prev_blank = false;
    }
    if (depth > 0)
        fold_add(fs, run_start, last);
    while (depth > 0) {
        fold_add(fs, stack[depth - 1].line, last);
        depth--;
    }
    free(stack);
}

json_t *symbols_folding(server_t *s, ws_doc_t *doc)
{
    (void)s;
    json_t *out = json_array();
    if (!doc->md || !doc->text)
        return out;
    const md_doc_t *md = doc->md;
    const text_doc_t *t = doc->text;
    folds_t fs = {NULL, 0, 0};
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        fold_add(&fs, text_line_of(t, h->span.start),
                 last_line(t, h->span.start, section_end_trimmed(doc, h)));
    }
    for (size_t i = 0; i < md->n_tables; i++)
        fold_add(&fs, text_line_of(t, md->tables[i].span.start),
                 last_line(t, md->tables[i].span.start, md->tables[i].span.end));
    for (size_t i = 0; i < md->n_code; i++) {
        const md_span_t *c = &md->code[i];
        size_t at = c->start;
        while (at < c->end && at < t->len && t->data[at] == ' ')
            at++;
        if (at + 3 <= t->len && (memcmp(t->data + at, "```", 3) == 0 ||
                                 memcmp(t->data + at, "~~~", 3) == 0))
            fold_add(&fs, text_line_of(t, c->start), last_line(t, c->start, c->end));
    }
    list_folds(doc, &fs);
    if (fs.n)
        qsort(fs.v, fs.n, sizeof(*fs.v), fold_cmp);
    for (size_t i = 0; i < fs.n; i++) {
        if (i > 0 && fs.v[i].start == fs.v[i - 1].start && fs.v[i].end == fs.v[i - 1].end)
            continue;
        json_array_append_new(out, json_pack("{s:i,s:i}", "startLine", (json_int_t)fs.v[i].start,
                                             "endLine", (json_int_t)fs.v[i].end));
    }
    free(fs.v);
    return out;
}

/* ---- handlers ------------------------------------------------------------------------ */

json_t *symbols_document_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    return d ? symbols_document(s, d) : NULL;
}

json_t *symbols_workspace_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    const char *query = rpc_param_str(req, params, "query");
    if (!query)
        return NULL;
    if (!s->ws)
        return rpc_req_fail(req, RPC_REQUEST_FAILED, "no workspace");
    server_sync(s);
    return symbols_workspace(s, query);
}

json_t *symbols_folding_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    return d ? symbols_folding(s, d) : NULL;
}

void symbols_capabilities(const server_t *s, json_t *caps)
{
    (void)s;
    json_object_set_new(caps, "documentSymbolProvider", json_true());
    json_object_set_new(caps, "workspaceSymbolProvider", json_true());
    json_object_set_new(caps, "foldingRangeProvider", json_true());
}
