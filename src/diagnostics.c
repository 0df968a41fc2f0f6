/* diagnostics: caches rule findings per folder, converts them to LSP, and
 * publishes or serves them. Never runs rules for a folder that did not change
 * since its findings were cached. */
#include "planls/diagnostics.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "planls/map.h"
#include "planls/util.h"

typedef struct folder_cache {
    uint64_t uid, gen, cfg_gen;
    rule_diags_t diags;
    /* Push progress: the closed documents f->docs[next_pub...] are still
     * to publish. Reset whenever the findings are recomputed. */
    size_t next_pub;
} folder_cache_t;

/* What was last published for a URI: a fingerprint of the diagnostics
 * array as sent, not its text (a 5,000-plan folder's arrays are tens of
 * MB). Two independent 64-bit hashes and the length: a false "unchanged"
 * needs a collision of both. */
typedef struct published {
    uint64_t h1, h2;
    size_t len;
    bool empty;   /* "[]" was sent */
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
    for (size_t it = 0; map_next(&ds->published, &it, NULL, &v);)
        free(v);
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
    c->next_pub = 0;
    c->uid = f->uid;
    c->gen = f->gen;
    c->cfg_gen = s->cfg_gen;
    return &c->diags;
}

const rule_diags_t *diag_folder_findings(server_t *s, ws_folder_t *folder)
{
    return folder_diags(s, folder);
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

static const char *diag_path(const rule_diag_t *d)
{
    return d->doc && d->doc->path ? d->doc->path : "";
}

/* The LSP diagnostics of doc among findings sorted by rule_diags_sort()
 * (new reference): a binary search for the document's run, so publishing
 * every document of a folder stays O(findings + documents x log). */
static json_t *doc_items(const server_t *s, const rule_diags_t *ds, const ws_doc_t *doc)
{
    json_t *arr = json_array();
    const char *path = doc->path ? doc->path : "";
    size_t lo = 0, hi = ds->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(diag_path(&ds->items[mid]), path) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < ds->n && strcmp(diag_path(&ds->items[i]), path) == 0; i++)
        if (ds->items[i].doc == doc)
            json_array_append_new(arr, diag_to_lsp(s, &ds->items[i]));
    return arr;
}

/* FNV-1a and a multiply-rotate hash of text[0..len). */
static void fingerprint(const char *text, size_t len, uint64_t *h1, uint64_t *h2)
{
    uint64_t a = 0xcbf29ce484222325ull, b = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)text[i];
        a = (a ^ c) * 0x100000001b3ull;
        b = (b + c + 1) * 0xff51afd7ed558ccdull;
        b ^= b >> 29;
    }
    *h1 = a;
    *h2 = b;
}

/* Publish items (stolen) for doc unless the client already has exactly
 * these for this version. */
static void publish(server_t *s, const char *uri, int version, json_t *items)
{
    char *text = json_dumps(items, JSON_COMPACT);
    size_t len = text ? strlen(text) : 0;
    uint64_t h1, h2;
    fingerprint(text ? text : "", len, &h1, &h2);
    free(text);
    published_t *p = map_get(&s->diags->published, uri);
    if (p && p->version == version && p->len == len && p->h1 == h1 && p->h2 == h2) {
        json_decref(items);
        return;
    }
    if (!p) {
        p = xcalloc(1, sizeof(*p));
        map_put(&s->diags->published, uri, p);
    }
    p->h1 = h1;
    p->h2 = h2;
    p->len = len;
    p->empty = json_array_size(items) == 0;
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
    bool had = !p->empty;
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

/* Push the findings of an open folder: its open documents first (what the
 * user looks at), then the others in folder order from where the last call
 * stopped. Stops early while the output queue is full; true once every
 * document is published. Unchanged documents are not sent again. */
static bool publish_folder(server_t *s, ws_folder_t *f)
{
    const rule_diags_t *diags = folder_diags(s, f);
    folder_cache_t *c = map_get(&s->diags->cache, f->path);
    if (c->next_pub >= f->n_docs)
        c->next_pub = 0; /* the last round finished: a new one */
    for (size_t i = 0; i < f->n_docs; i++) {
        ws_doc_t *d = f->docs[i];
        if (d->is_open)
            publish(s, d->uri, d->version, doc_items(s, diags, d));
    }
    while (c->next_pub < f->n_docs) {
        if (server_output_backlog(s))
            return false;
        ws_doc_t *d = f->docs[c->next_pub++];
        if (!d->is_open)
            publish(s, d->uri, -1, doc_items(s, diags, d));
    }
    return true;
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
    bool any = false, more = false;
    for (size_t it = 0; map_next(&ds->dirty, &it, &path, NULL);) {
        ws_folder_t *f = ws_folder_by_path(s->ws, path);
        if (!f || !folder_is_open(f)) {
            map_del(&ds->dirty, path);
            continue;
        }
        any = true;
        if (s->caps.pull_diagnostics || publish_folder(s, f))
            map_del(&ds->dirty, path);
        else
            more = true;
    }
    /* A folder's diagnostics are never all queued at once: the rest once
     * the client has read what was sent (no loop turn spent waiting). */
    if (more)
        server_schedule_when_drained(s);
    else
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
