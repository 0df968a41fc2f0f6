/* navigate: go to definition, references, hover and document links. Finds
 * what the cursor is on (a link, a `Phase N` reference, a table row naming a
 * phase, a plan's H1) and answers from the in-memory model: the folder
 * indexes for plans, references and the phase graph. It never reads a file
 * except through ws_doc_load, for a link into Markdown outside the model. */
#include "planls/navigate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/util.h"

/* ---- small helpers ------------------------------------------------------- */


/* The empty range at the top of a file (a new reference). */
static json_t *zero_range(void)
{
    return json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", 0, "character", 0, "end",
                     "line", 0, "character", 0);
}

/* A Location; range is stolen. New reference. */
static json_t *location(const char *uri, json_t *range)
{
    return json_pack("{s:o,s:o}", "uri", text_json(uri), "range", range);
}

static const char *doc_h1(const ws_doc_t *d)
{
    if (!d->md || d->md->h1 < 0 || (size_t)d->md->h1 >= d->md->n_headings)
        return NULL;
    return d->md->headings[d->md->h1].text;
}

/* Location of a plan: its H1, or the top of the file when it has none. */
static json_t *plan_location(const server_t *s, const ws_doc_t *p)
{
    if (p->md && p->md->h1 >= 0 && (size_t)p->md->h1 < p->md->n_headings) {
        const md_heading_t *h = &p->md->headings[p->md->h1];
        return location(p->uri, server_range(s, p, h->span.start, h->span.end));
    }
    return location(p->uri, zero_range());
}

/* Heading of d whose slug is anchor, or -1. */
static int heading_by_slug(const ws_doc_t *d, const char *anchor)
{
    if (!d->md || !anchor)
        return -1;
    for (size_t i = 0; i < d->md->n_headings; i++)
        if (d->md->headings[i].slug && strcmp(d->md->headings[i].slug, anchor) == 0)
            return (int)i;
    return -1;
}

/* The document a relative link of doc leads to, from the model or loaded
 * once when it is Markdown outside it; NULL otherwise. */
static ws_doc_t *link_doc(server_t *s, const ws_doc_t *doc, size_t link)
{
    const char *p = doc->link_paths ? doc->link_paths[link] : NULL;
    if (!p || doc->md->links[link].is_external)
        return NULL;
    ws_doc_t *t = ws_doc_by_path(s->ws, p);
    return t ? t : ws_doc_load(s->ws, p);
}

/* ---- what the cursor is on ------------------------------------------------- */

typedef enum hit_kind {
    HIT_NONE,
    HIT_LINK, /* index into md->links */
    HIT_REF,  /* index into md->refs */
    HIT_ROW,  /* index into md->rows */
    HIT_H1,   /* the plan's own H1 */
} hit_kind_t;

typedef struct hit {
    hit_kind_t kind;
    size_t index;
    md_span_t span;
} hit_t;

static bool span_has(md_span_t sp, size_t off, bool with_end)
{
    return off >= sp.start && (off < sp.end || (with_end && off == sp.end));
}

/* Links win over references (a reference inside a link's label belongs to
 * the link); a cursor just after a construct still counts when nothing
 * starts there. Table rows and the H1 only when asked. */
static hit_t hit_at(const ws_doc_t *doc, size_t off, bool rows, bool h1)
{
    const md_doc_t *md = doc->md;
    hit_t h = {HIT_NONE, 0, {0, 0}};
    for (int pass = 0; pass < 2; pass++) {
        bool with_end = pass == 1;
        for (size_t i = 0; i < md->n_links; i++)
            if (span_has(md->links[i].span, off, with_end))
                return (hit_t){HIT_LINK, i, md->links[i].span};
        for (size_t i = 0; i < md->n_refs; i++)
            if (span_has(md->refs[i].span, off, with_end))
                return (hit_t){HIT_REF, i, md->refs[i].span};
    }
    if (h1 && doc->kind == MD_KIND_PLAN && md->h1 >= 0 && (size_t)md->h1 < md->n_headings &&
        span_has(md->headings[md->h1].span, off, true))
        return (hit_t){HIT_H1, (size_t)md->h1, md->headings[md->h1].span};
    if (rows)
        for (size_t i = 0; i < md->n_rows; i++)
            if (span_has(md->rows[i].span, off, true))
                return (hit_t){HIT_ROW, i, md->rows[i].span};
    return h;
}

/* A set of plans, in insertion order without repeats. */
typedef struct plan_set {
    ws_doc_t **v;
    size_t n, cap;
} plan_set_t;

static void plan_set_add(plan_set_t *ps, ws_doc_t *p)
{
    for (size_t i = 0; i < ps->n; i++)
        if (ps->v[i] == p)
            return;
    UTIL_PUSH(ps->v, ps->n, ps->cap, p);
}

static void plan_set_add_phase(plan_set_t *ps, ws_folder_t *f, int n)
{
    if (!f || n < 0)
        return;
    size_t c = 0;
    ws_doc_t **plans = ws_folder_plans(f, n, &c);
    for (size_t i = 0; i < c; i++)
        plan_set_add(ps, plans[i]);
}

/* Plans a table row names through its references and links. */
static void row_plans(server_t *s, ws_doc_t *doc, size_t row, plan_set_t *ps)
{
    const md_doc_t *md = doc->md;
    for (size_t i = 0; i < md->n_links; i++) {
        if (md->links[i].table_row != (int)row)
            continue;
        ws_doc_t *t = link_doc(s, doc, i);
        if (t && t->kind == MD_KIND_PLAN)
            plan_set_add(ps, t);
    }
    for (size_t i = 0; i < md->n_refs; i++)
        if (md->refs[i].table_row == (int)row)
            plan_set_add_phase(ps, doc->folder, md->refs[i].phase);
}

/* ---- definition ------------------------------------------------------------ */

static void link_definition(server_t *s, ws_doc_t *doc, size_t i, json_t *locs)
{
    const md_link_t *l = &doc->md->links[i];
    const char *p = doc->link_paths ? doc->link_paths[i] : NULL;
    if (l->is_external || !p)
        return;
    ws_doc_t *t = link_doc(s, doc, i);
    if (t) {
        int h = l->anchor && l->anchor[0] ? heading_by_slug(t, l->anchor) : -1;
        json_t *range = h >= 0 ? server_range(s, t, t->md->headings[h].span.start,
                                              t->md->headings[h].span.end)
                               : zero_range();
        json_array_append_new(locs, location(t->uri, range));
    } else if (ws_path_exists(s->ws, p)) {
        char *uri = ws_path_to_uri(p);
        json_array_append_new(locs, location(uri, zero_range()));
        free(uri);
    }
}

json_t *nav_definition(server_t *s, ws_doc_t *doc, size_t offset)
{
    if (!doc->md || !doc->text)
        return json_null();
    hit_t h = hit_at(doc, offset, true, false);
    json_t *locs = json_array();
    plan_set_t ps = {NULL, 0, 0};
    switch (h.kind) {
    case HIT_LINK:
        link_definition(s, doc, h.index, locs);
        break;
    case HIT_REF:
        plan_set_add_phase(&ps, doc->folder, doc->md->refs[h.index].phase);
        break;
    case HIT_ROW:
        row_plans(s, doc, h.index, &ps);
        break;
    case HIT_H1:
    case HIT_NONE:
        break;
    }
    for (size_t i = 0; i < ps.n; i++)
        json_array_append_new(locs, plan_location(s, ps.v[i]));
    free(ps.v);
    if (json_array_size(locs) == 0) {
        json_decref(locs);
        return json_null();
    }
    return locs;
}

/* ---- references ------------------------------------------------------------ */

typedef struct ext_ref {
    ws_doc_t *doc;
    md_span_t span;
} ext_ref_t;

static int ext_ref_cmp(const void *a, const void *b)
{
    const ext_ref_t *x = a, *y = b;
    int c = strcmp(x->doc->path, y->doc->path);
    if (c)
        return c;
    return x->span.start < y->span.start ? -1 : x->span.start > y->span.start;
}

/* The plan (and its folder and number) a cursor names for references:
 * false when it names none. A `Phase N` without a plan still has mentions. */
static bool ref_target(server_t *s, ws_doc_t *doc, size_t offset, ws_doc_t **plan,
                       ws_folder_t **folder, int *phase)
{
    hit_t h = hit_at(doc, offset, false, true);
    *plan = NULL;
    *folder = NULL;
    *phase = -1;
    if (h.kind == HIT_LINK) {
        ws_doc_t *t = link_doc(s, doc, h.index);
        if (!t || t->kind != MD_KIND_PLAN)
            return false;
        *plan = t;
        *folder = t->folder;
        *phase = t->number;
    } else if (h.kind == HIT_REF) {
        *folder = doc->folder;
        *phase = doc->md->refs[h.index].phase;
        *plan = *folder ? ws_folder_plan(*folder, *phase) : NULL;
    } else if (h.kind == HIT_H1) {
        *plan = doc;
        *folder = doc->folder;
        *phase = doc->number;
    } else {
        return false;
    }
    return *plan || *folder;
}

/* A plan's "Phase N" in its own H1 is the declaration, not a reference. */
static bool is_own_title(const ws_doc_t *d, int n, md_span_t sp)
{
    if (d->kind != MD_KIND_PLAN || d->number != n || d->md->h1 < 0 ||
        (size_t)d->md->h1 >= d->md->n_headings)
        return false;
    md_span_t h = d->md->headings[d->md->h1].span;
    return sp.start >= h.start && sp.end <= h.end;
}

json_t *nav_references(server_t *s, ws_doc_t *doc, size_t offset, bool include_decl)
{
    if (!doc->md || !doc->text)
        return json_null();
    ws_doc_t *plan;
    ws_folder_t *f;
    int n;
    if (!ref_target(s, doc, offset, &plan, &f, &n))
        return json_null();
    json_t *locs = json_array();
    if (include_decl && plan)
        json_array_append_new(locs, plan_location(s, plan));
    if (f) {
        size_t c = 0;
        const ws_ref_t *refs = ws_folder_refs(f, n, &c);
        for (size_t i = 0; i < c; i++) {
            const ws_doc_t *d = refs[i].from;
            md_span_t sp = refs[i].link >= 0 ? d->md->links[refs[i].link].span
                                             : d->md->refs[refs[i].ref].span;
            if (refs[i].link < 0 && is_own_title(d, n, sp))
                continue;
            json_array_append_new(locs, location(d->uri, server_range(s, d, sp.start, sp.end)));
        }
    }
    /* Links from other folders and from documents outside every folder: the
     * workspace's backlink index names the documents linking to the plan. */
    if (plan) {
        ext_ref_t *ext = NULL;
        size_t n_ext = 0, cap = 0, n_from = 0;
        ws_doc_t *const *from = ws_backlinks(s->ws, plan->path, &n_from);
        for (size_t k = 0; k < n_from; k++) {
            ws_doc_t *d = from[k];
            if ((f && d->folder == f) || !d->md || !d->link_paths)
                continue;
            for (size_t i = 0; i < d->md->n_links; i++) {
                const char *p = d->link_paths[i];
                if (p && !d->md->links[i].is_external && strcmp(p, plan->path) == 0) {
                    ext_ref_t e = {d, d->md->links[i].span};
                    UTIL_PUSH(ext, n_ext, cap, e);
                }
            }
        }
        if (n_ext)
            qsort(ext, n_ext, sizeof(*ext), ext_ref_cmp);
        for (size_t i = 0; i < n_ext; i++)
            json_array_append_new(locs, location(ext[i].doc->uri,
                                                 server_range(s, ext[i].doc, ext[i].span.start,
                                                              ext[i].span.end)));
        free(ext);
    }
    return locs;
}

/* ---- hover ------------------------------------------------------------------------ */

/* Ascending distinct small ints. */
typedef struct int_set {
    int *v;
    size_t n, cap;
} int_set_t;

static void int_set_add(int_set_t *is, int x)
{
    size_t i = 0;
    while (i < is->n && is->v[i] < x)
        i++;
    if (i < is->n && is->v[i] == x)
        return;
    util_grow((void **)&is->v, &is->cap, is->n + 1, sizeof(int));
    memmove(&is->v[i + 1], &is->v[i], (is->n - i) * sizeof(int));
    is->v[i] = x;
    is->n++;
}

/* "Phase 2 (Title), Phase 5" for a set of phase numbers of folder f. */
static void append_phases(buf_t *b, ws_folder_t *f, const int_set_t *is)
{
    for (size_t i = 0; i < is->n; i++) {
        ws_doc_t *p = ws_folder_plan(f, is->v[i]);
        const char *title = p && p->md ? p->md->h1_title : NULL;
        buf_printf(b, "%sPhase %d", i ? ", " : "", is->v[i]);
        if (title && title[0])
            buf_printf(b, " (%s)", title);
    }
}

/* The checked / total checklist items under the plan's Success Criteria
 * (sub-sections included). False when it has no such section. */
static bool criteria_progress(const md_doc_t *md, size_t *checked, size_t *total)
{
    int sc = md_heading_find(md, "Success Criteria", 0);
    *checked = *total = 0;
    if (sc < 0)
        return false;
    uint32_t from = md->headings[sc].span.start, to = md->headings[sc].section_end;
    for (size_t i = 0; i < md->n_checks; i++) {
        uint32_t at = md->checks[i].span.start;
        if (at >= from && at < to) {
            (*total)++;
            if (md->checks[i].checked)
                (*checked)++;
        }
    }
    return true;
}

/* One "Key: value" line of a hover. */
static void hover_line(buf_t *b, bool markdown, const char *key, const char *value)
{
    if (markdown)
        buf_printf(b, "- **%s:** %s\n", key, value);
    else
        buf_printf(b, "%s: %s\n", key, value);
}

/* The file name of d, with its folder's name when it is not from's folder.
 * Caller frees. */
static char *display_name(const ws_doc_t *from, const ws_doc_t *d)
{
    if (d->folder && d->folder != from->folder)
        return xasprintf("%s/%s", d->folder->name, d->name);
    return xstrdup(d->name);
}

static void hover_title(buf_t *b, bool markdown, const char *title, const char *file)
{
    if (markdown)
        buf_printf(b, "**%s**\n\n`%s`\n\n", title, file);
    else
        buf_printf(b, "%s\n%s\n\n", title, file);
}

/* Title, header fields, dependencies both ways and success-criteria
 * progress of a plan. */
static void plan_hover(server_t *s, const ws_doc_t *from, ws_doc_t *p, buf_t *b)
{
    bool md = s->caps.markdown_hover;
    const char *h1 = doc_h1(p);
    char *title = h1 && h1[0] ? xstrdup(h1) : xasprintf("Phase %d", p->number);
    char *file = display_name(from, p);
    hover_title(b, md, title, file);
    static const char *const keys[][2] = {
        {"Priority", "Priority"}, {"Status", "Status"}, {"Estimated Effort", "Effort"}};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++) {
        const md_field_t *fl = md_field_get(p->md, keys[i][0], true);
        if (fl && fl->value && fl->value[0])
            hover_line(b, md, keys[i][1], fl->value);
    }
    if (p->folder) {
        ws_folder_t *f = p->folder;
        ws_folder_index(f);
        int_set_t deps = {NULL, 0, 0}, enables = {NULL, 0, 0};
        for (size_t i = 0; i < f->n_edges; i++) {
            if (f->edges[i].from == p->number && f->edges[i].to != p->number)
                int_set_add(&deps, f->edges[i].to);
            if (f->edges[i].to == p->number && f->edges[i].from != p->number)
                int_set_add(&enables, f->edges[i].from);
        }
        buf_t list = BUF_INIT;
        if (deps.n) {
            append_phases(&list, f, &deps);
            hover_line(b, md, "Depends on", buf_cstr(&list));
            buf_clear(&list);
        }
        if (enables.n) {
            append_phases(&list, f, &enables);
            hover_line(b, md, "Enables", buf_cstr(&list));
        }
        buf_free(&list);
        free(deps.v);
        free(enables.v);
    }
    size_t checked, total;
    if (criteria_progress(p->md, &checked, &total)) {
        char progress[64];
        snprintf(progress, sizeof(progress), "%zu/%zu checked", checked, total);
        hover_line(b, md, "Success criteria", progress);
    }
    free(file);
    free(title);
}

/* Title, status and the anchored heading of a document that is not a plan. */
static void doc_hover(server_t *s, const ws_doc_t *from, ws_doc_t *d, const char *anchor,
                      buf_t *b)
{
    bool md = s->caps.markdown_hover;
    const char *h1 = doc_h1(d);
    char *file = display_name(from, d);
    hover_title(b, md, h1 && h1[0] ? h1 : d->name, file);
    const md_field_t *st = md_field_get(d->md, "Status", true);
    if (st && st->value && st->value[0])
        hover_line(b, md, "Status", st->value);
    int h = heading_by_slug(d, anchor);
    if (h >= 0)
        hover_line(b, md, "Section", d->md->headings[h].text);
    free(file);
}

json_t *nav_hover(server_t *s, ws_doc_t *doc, size_t offset)
{
    if (!doc->md || !doc->text)
        return json_null();
    hit_t h = hit_at(doc, offset, false, false);
    buf_t b = BUF_INIT;
    if (h.kind == HIT_LINK) {
        const md_link_t *l = &doc->md->links[h.index];
        ws_doc_t *t = link_doc(s, doc, h.index);
        if (t && t->md && t->kind == MD_KIND_PLAN)
            plan_hover(s, doc, t, &b);
        else if (t && t->md)
            doc_hover(s, doc, t, l->anchor, &b);
    } else if (h.kind == HIT_REF) {
        int n = doc->md->refs[h.index].phase;
        ws_doc_t *p = doc->folder ? ws_folder_plan(doc->folder, n) : NULL;
        if (p && p->md)
            plan_hover(s, doc, p, &b);
        else if (doc->folder)
            buf_printf(&b, "Phase %d: no plan numbered %d in this folder\n", n, n);
    }
    if (b.len == 0) {
        buf_free(&b);
        return json_null();
    }
    while (b.len > 0 && b.data[b.len - 1] == '\n')
        b.len--;
    b.data[b.len] = '\0';
    json_t *contents = json_pack("{s:s,s:o}", "kind", s->caps.markdown_hover ? "markdown"
                                                                              : "plaintext",
                                 "value", text_json(buf_cstr(&b)));
    buf_free(&b);
    return json_pack("{s:o,s:o}", "contents", contents, "range",
                     server_range(s, doc, h.span.start, h.span.end));
}

/* ---- document links ---------------------------------------------------------------- */

json_t *nav_document_links(server_t *s, ws_doc_t *doc)
{
    json_t *out = json_array();
    if (!doc->md || !doc->text || !doc->link_paths)
        return out;
    const md_doc_t *md = doc->md;
    map_t seen = MAP_INIT; /* reference definitions already linked */
    for (size_t i = 0; i < md->n_links; i++) {
        const md_link_t *l = &md->links[i];
        const char *p = doc->link_paths[i];
        if (l->is_external || !p || !l->target || !l->target[0] ||
            l->target_span.end <= l->target_span.start || !ws_path_exists(s->ws, p))
            continue;
        if (l->is_reference) {
            char key[24];
            snprintf(key, sizeof(key), "%u", (unsigned)l->target_span.start);
            if (map_has(&seen, key))
                continue;
            map_put(&seen, key, (void *)1);
        }
        ws_doc_t *t = ws_doc_by_path(s->ws, p);
        if (!t && l->anchor && l->anchor[0])
            t = ws_doc_load(s->ws, p);
        char *uri = t ? xstrdup(t->uri) : ws_path_to_uri(p);
        int h = t ? heading_by_slug(t, l->anchor) : -1;
        if (h >= 0) {
            uint32_t line = text_line_of(t->text, t->md->headings[h].span.start);
            char *u = xasprintf("%s#L%u", uri, (unsigned)line + 1);
            free(uri);
            uri = u;
        }
        json_array_append_new(out, json_pack("{s:o,s:o}", "range",
                                             server_range(s, doc, l->target_span.start,
                                                          l->target_span.end),
                                             "target", text_json(uri)));
        free(uri);
    }
    map_free(&seen);
    return out;
}

/* ---- handlers ------------------------------------------------------------------------ */

json_t *nav_definition_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    size_t off;
    if (!d || !server_offset_param(s, req, params, d, &off))
        return NULL;
    return nav_definition(s, d, off);
}

json_t *nav_references_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    size_t off;
    if (!d || !server_offset_param(s, req, params, d, &off))
        return NULL;
    json_t *decl = rpc_get(params, "context.includeDeclaration");
    return nav_references(s, d, off, json_is_true(decl));
}

json_t *nav_hover_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    size_t off;
    if (!d || !server_offset_param(s, req, params, d, &off))
        return NULL;
    return nav_hover(s, d, off);
}

json_t *nav_document_links_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    if (!d)
        return NULL;
    return nav_document_links(s, d);
}

void nav_capabilities(const server_t *s, json_t *caps)
{
    (void)s;
    json_object_set_new(caps, "definitionProvider", json_true());
    json_object_set_new(caps, "referencesProvider", json_true());
    json_object_set_new(caps, "hoverProvider", json_true());
    json_object_set_new(caps, "documentLinkProvider", json_pack("{s:b}", "resolveProvider", 0));
}
