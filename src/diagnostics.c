/* diagnostics: caches rule findings per folder, converts them to LSP, and
 * publishes or serves them. Never runs rules for a folder that did not change
 * since its findings were cached. */
#include "planls/diagnostics.h"

#include <stdlib.h>
#include <string.h>

#include "planls/map.h"
#include "planls/util.h"

typedef struct folder_cache {
    uint64_t uid, gen, cfg_gen;
    rule_diags_t diags;
} folder_cache_t;

/* What was last published for a URI. */
typedef struct published {
    char *json;   /* the diagnostics array as sent */
    int version;
} published_t;

struct diag_state {
    map_t cache;      /* folder path -> folder_cache_t* */
    map_t dirty;      /* folder path -> (void*)1 */
    map_t dirty_docs; /* document path outside folders -> (void*)1 */
    map_t published;  /* uri -> published_t* */
    rule_diags_t scratch;
    bool need_refresh;
};

diag_state_t *diag_new(void)
{
    return xcalloc(1, sizeof(diag_state_t));
}

static void cache_free(folder_cache_t *c)
{
    rule_diags_free(&c->diags);
    free(c);
}

void diag_free(diag_state_t *ds)
{
    if (!ds)
        return;
    void *v;
    for (size_t it = 0; map_next(&ds->cache, &it, NULL, &v);)
        cache_free(v);
    for (size_t it = 0; map_next(&ds->published, &it, NULL, &v);) {
        published_t *p = v;
        free(p->json);
        free(p);
    }
    map_free(&ds->cache);
    map_free(&ds->dirty);
    map_free(&ds->dirty_docs);
    map_free(&ds->published);
    rule_diags_free(&ds->scratch);
    free(ds);
}

void diag_mark(server_t *s, ws_folder_t *folder, ws_doc_t *doc)
{
    if (folder)
        map_put(&s->diags->dirty, folder->path, (void *)1);
    else if (doc)
        map_put(&s->diags->dirty_docs, doc->path, (void *)1);
    server_schedule(s);
}

void diag_mark_all(server_t *s)
{
    for (size_t i = 0; i < ws_n_folders(s->ws); i++)
        diag_mark(s, ws_folder_at(s->ws, i), NULL);
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(s->ws, &it, &d);)
        if (!d->folder && d->is_open)
            diag_mark(s, NULL, d);
}

/* Findings of a folder, recomputed only when it or the configuration
 * changed. Borrowed; valid until the next change of the folder. */
static const rule_diags_t *folder_diags(server_t *s, ws_folder_t *f)
{
    folder_cache_t *c = map_get(&s->diags->cache, f->path);
    if (c && c->uid == f->uid && c->gen == f->gen && c->cfg_gen == s->cfg_gen)
        return &c->diags;
    if (!c) {
        c = xcalloc(1, sizeof(*c));
        map_put(&s->diags->cache, f->path, c);
    }
    rule_diags_clear(&c->diags);
    rule_check_folder(s->ws, f, &s->cfg, &c->diags);
    rule_diags_sort(&c->diags);
    c->uid = f->uid;
    c->gen = f->gen;
    c->cfg_gen = s->cfg_gen;
    return &c->diags;
}

json_t *diag_to_lsp(const server_t *s, const rule_diag_t *d)
{
    json_t *o = json_object();
    json_object_set_new(o, "range", server_range(s, d->doc, d->span.start, d->span.end));
    json_object_set_new(o, "severity", json_integer(d->sev));
    json_object_set_new(o, "code", json_string(d->code));
    json_object_set_new(o, "source", json_string("planls"));
    json_object_set_new(o, "message", json_string(d->message));
    if (d->n_related && s->caps.related_info) {
        json_t *rel = json_array();
        for (size_t i = 0; i < d->n_related; i++) {
            const rule_related_t *r = &d->related[i];
            json_t *loc = json_object();
            json_object_set_new(loc, "uri", json_string(r->doc->uri));
            json_object_set_new(loc, "range", server_range(s, r->doc, r->span.start, r->span.end));
            json_t *ri = json_object();
            json_object_set_new(ri, "location", loc);
            json_object_set_new(ri, "message", json_string(r->message));
            json_array_append_new(rel, ri);
        }
        json_object_set_new(o, "relatedInformation", rel);
    }
    if (d->data)
        json_object_set(o, "data", d->data);
    return o;
}

/* The LSP diagnostics of doc among sorted findings (new reference). */
static json_t *doc_items(const server_t *s, const rule_diags_t *ds, const ws_doc_t *doc)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < ds->n; i++)
        if (ds->items[i].doc == doc)
            json_array_append_new(arr, diag_to_lsp(s, &ds->items[i]));
    return arr;
}

/* Publish items (stolen) for doc unless the client already has exactly
 * these for this version. */
static void publish(server_t *s, const char *uri, int version, json_t *items)
{
    char *text = json_dumps(items, JSON_COMPACT);
    published_t *p = map_get(&s->diags->published, uri);
    if (p && p->version == version && strcmp(p->json, text) == 0) {
        free(text);
        json_decref(items);
        return;
    }
    if (!p) {
        p = xcalloc(1, sizeof(*p));
        map_put(&s->diags->published, uri, p);
    }
    free(p->json);
    p->json = text;
    p->version = version;
    json_t *params = json_object();
    json_object_set_new(params, "uri", json_string(uri));
    if (version >= 0 && s->caps.diag_version)
        json_object_set_new(params, "version", json_integer(version));
    json_object_set_new(params, "diagnostics", items);
    rpc_notify(s->rpc, "textDocument/publishDiagnostics", params);
}

void diag_doc_removed(server_t *s, ws_doc_t *doc)
{
    map_del(&s->diags->dirty_docs, doc->path);
    published_t *p = map_del(&s->diags->published, doc->uri);
    if (!p)
        return;
    bool had = strcmp(p->json, "[]") != 0;
    free(p->json);
    free(p);
    if (had && !s->caps.pull_diagnostics) {
        json_t *params = json_object();
        json_object_set_new(params, "uri", json_string(doc->uri));
        json_object_set_new(params, "diagnostics", json_array());
        rpc_notify(s->rpc, "textDocument/publishDiagnostics", params);
    }
}

/* Folders with an open document show all their documents' findings. */
static bool folder_is_open(const ws_folder_t *f)
{
    for (size_t i = 0; i < f->n_docs; i++)
        if (f->docs[i]->is_open)
            return true;
    return false;
}

void diag_flush(server_t *s)
{
    diag_state_t *ds = s->diags;
    if (!s->ws)
        return;
    /* A folder is in the model only once all its documents are (the scan
     * merges a folder at once; opening a document loads its folder
     * synchronously), so an open document's folder is diagnosed at once,
     * without waiting for the rest of the workspace. */
    const char *path;
    bool any = false;
    for (size_t it = 0; map_next(&ds->dirty, &it, &path, NULL);) {
        ws_folder_t *f = ws_folder_by_path(s->ws, path);
        if (!f || !folder_is_open(f))
            continue;
        any = true;
        if (s->caps.pull_diagnostics)
            continue;
        const rule_diags_t *diags = folder_diags(s, f);
        for (size_t i = 0; i < f->n_docs; i++) {
            ws_doc_t *d = f->docs[i];
            publish(s, d->uri, d->is_open ? d->version : -1, doc_items(s, diags, d));
        }
    }
    map_clear(&ds->dirty);
    for (size_t it = 0; map_next(&ds->dirty_docs, &it, &path, NULL);) {
        ws_doc_t *d = ws_doc_by_path(s->ws, path);
        if (!d || d->folder || !d->is_open)
            continue;
        any = true;
        if (s->caps.pull_diagnostics)
            continue;
        rule_diags_clear(&ds->scratch);
        rule_check_doc(s->ws, d, &s->cfg, &ds->scratch);
        rule_diags_sort(&ds->scratch);
        publish(s, d->uri, d->version, doc_items(s, &ds->scratch, d));
    }
    map_clear(&ds->dirty_docs);
    if (any && s->caps.pull_diagnostics && s->caps.diag_refresh && s->initialized)
        rpc_request(s->rpc, "workspace/diagnostic/refresh", NULL, NULL, NULL);
}

json_t *diag_pull(server_t *s, rpc_req_t *req, json_t *params)
{
    ws_doc_t *d = server_doc_param(s, req, params);
    if (!d)
        return NULL;
    json_t *items;
    char rid[96];
    if (d->folder) {
        const rule_diags_t *diags = folder_diags(s, d->folder);
        snprintf(rid, sizeof(rid), "%llu.%llu.%llu", (unsigned long long)d->folder->uid,
                 (unsigned long long)d->folder->gen, (unsigned long long)s->cfg_gen);
        json_t *prev = json_object_get(params, "previousResultId");
        if (json_is_string(prev) && strcmp(json_string_value(prev), rid) == 0) {
            json_t *r = json_object();
            json_object_set_new(r, "kind", json_string("unchanged"));
            json_object_set_new(r, "resultId", json_string(rid));
            return r;
        }
        items = doc_items(s, diags, d);
    } else {
        rule_diags_clear(&s->diags->scratch);
        rule_check_doc(s->ws, d, &s->cfg, &s->diags->scratch);
        rule_diags_sort(&s->diags->scratch);
        items = doc_items(s, &s->diags->scratch, d);
        snprintf(rid, sizeof(rid), "doc.%llu.%llu", (unsigned long long)d->gen,
                 (unsigned long long)s->cfg_gen);
    }
    json_t *r = json_object();
    json_object_set_new(r, "kind", json_string("full"));
    json_object_set_new(r, "resultId", json_string(rid));
    json_object_set_new(r, "items", items);
    return r;
}
