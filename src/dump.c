/* dump: `planls dump PATH` — the parsed model of a file or folder as JSON, for
 * users debugging their folders and for tests. Ranges are 0-based
 * [line, character] pairs in UTF-16 (as LSP), plus byte offsets. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <uv.h>

#include "planls/check.h"
#include "planls/config.h"
#include "planls/util.h"
#include "planls/workspace.h"

static json_t *span_json(const ws_doc_t *d, md_span_t sp)
{
    text_range_t r = text_range_at(d->text, sp.start, sp.end, TEXT_ENC_UTF16);
    return json_pack("{s:[i,i],s:[i,i],s:[i,i]}", "start", (json_int_t)r.start.line,
                     (json_int_t)r.start.character, "end", (json_int_t)r.end.line,
                     (json_int_t)r.end.character, "bytes", (json_int_t)sp.start,
                     (json_int_t)sp.end);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

/* The model of one document (new reference). */
static json_t *doc_json(ws_t *ws, const ws_doc_t *d)
{
    const md_doc_t *md = d->md;
    json_t *o = json_object();
    json_object_set_new(o, "path", json_string(d->path));
    json_object_set_new(o, "kind", json_string(md_kind_name(d->kind)));
    if (d->number >= 0)
        json_object_set_new(o, "number", json_integer(d->number));
    if (d->name_malformed)
        json_object_set_new(o, "nameMalformed", json_true());
    json_object_set_new(o, "folder", d->folder ? json_string(d->folder->path) : json_null());
    if (!md)
        return o;
    if (md->h1 >= 0)
        json_object_set_new(o, "title", json_string(md->headings[md->h1].text));
    if (md->h1_phase >= 0)
        json_object_set_new(o, "phase", json_pack("{s:i,s:s,s:o}", "number", md->h1_phase,
                                                  "title", md->h1_title ? md->h1_title : "",
                                                  "range", span_json(d, md->h1_title_span)));
    json_t *a = json_array();
    for (size_t i = 0; i < md->n_fields; i++) {
        const md_field_t *f = &md->fields[i];
        json_array_append_new(a, json_pack("{s:s,s:s,s:b,s:o}", "key", f->key, "value",
                                           f->value, "header", f->in_header, "range",
                                           span_json(d, f->value_span)));
    }
    json_object_set_new(o, "fields", a);
    a = json_array();
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        json_array_append_new(a, json_pack("{s:i,s:s,s:s,s:i,s:o}", "level", h->level, "text",
                                           h->text, "slug", h->slug, "parent", h->parent,
                                           "range", span_json(d, h->span)));
    }
    json_object_set_new(o, "headings", a);
    a = json_array();
    for (size_t i = 0; i < md->n_links; i++) {
        const md_link_t *l = &md->links[i];
        const char *res = d->link_paths ? d->link_paths[i] : NULL;
        json_t *lj = json_pack("{s:s,s:s,s:o,s:o,s:b,s:o}", "text", l->text, "target",
                               l->target, "anchor", str_or_null(l->anchor), "resolved",
                               str_or_null(res), "external", l->is_external, "range",
                               span_json(d, l->target_span));
        if (res)
            json_object_set_new(lj, "exists", json_boolean(ws_path_exists(ws, res)));
        json_array_append_new(a, lj);
    }
    json_object_set_new(o, "links", a);
    a = json_array();
    for (size_t i = 0; i < md->n_refs; i++)
        json_array_append_new(a, json_pack("{s:i,s:o}", "phase", md->refs[i].phase, "range",
                                           span_json(d, md->refs[i].span)));
    json_object_set_new(o, "phaseRefs", a);
    a = json_array();
    for (size_t i = 0; i < md->n_tables; i++) {
        const md_table_t *t = &md->tables[i];
        json_t *rows = json_array();
        for (size_t r = 0; r < t->n_rows; r++) {
            const md_row_t *row = &md->rows[t->first_row + r];
            json_t *cells = json_array();
            for (size_t c = 0; c < row->n_cells; c++)
                json_array_append_new(cells, json_string(md->cells[row->first_cell + c].text));
            json_array_append_new(rows, cells);
        }
        json_array_append_new(a, json_pack("{s:o,s:o}", "rows", rows, "range",
                                           span_json(d, t->span)));
    }
    json_object_set_new(o, "tables", a);
    a = json_array();
    for (size_t i = 0; i < md->n_checks; i++)
        json_array_append_new(a, json_pack("{s:b,s:s,s:o}", "checked", md->checks[i].checked,
                                           "text", md->checks[i].text, "range",
                                           span_json(d, md->checks[i].span)));
    json_object_set_new(o, "checklist", a);
    a = json_array();
    for (size_t i = 0; i < md->n_deps; i++) {
        int from = md->deps[i].from >= 0 ? md->deps[i].from : d->number;
        json_array_append_new(a, json_pack("{s:i,s:i,s:o}", "from", from, "to", md->deps[i].to,
                                           "range", span_json(d, md->deps[i].span)));
    }
    json_object_set_new(o, "dependencies", a);
    a = json_array();
    for (size_t i = 0; i < md->n_prios; i++)
        json_array_append_new(a, json_pack("{s:i,s:s,s:o}", "phase", md->prios[i].phase,
                                           "priority", md->prios[i].priority, "range",
                                           span_json(d, md->prios[i].span)));
    json_object_set_new(o, "priorityClaims", a);
    return o;
}

static json_t *folder_json(ws_t *ws, ws_folder_t *f)
{
    ws_folder_index(f);
    json_t *docs = json_array();
    for (size_t i = 0; i < f->n_docs; i++)
        json_array_append_new(docs, doc_json(ws, f->docs[i]));
    json_t *plans = json_array();
    for (size_t i = 0; i < f->n_plans; i++)
        json_array_append_new(plans, json_pack("{s:i,s:s}", "phase", f->plans[i]->number,
                                               "file", f->plans[i]->name));
    json_t *edges = json_array();
    for (size_t i = 0; i < f->n_edges; i++)
        json_array_append_new(edges, json_pack("{s:i,s:i,s:s}", "from", f->edges[i].from, "to",
                                               f->edges[i].to, "in", f->edges[i].doc->name));
    json_t *refs = json_array();
    for (size_t i = 0; i < f->n_refs; i++)
        json_array_append_new(refs, json_pack("{s:i,s:s,s:s}", "phase", f->ref_phase[i], "from",
                                              f->refs[i].from->name, "as",
                                              f->refs[i].link >= 0 ? "link" : "mention"));
    return json_pack("{s:s,s:s,s:o,s:o,s:o,s:o}", "path", f->path, "name", f->name, "documents",
                     docs, "plans", plans, "dependencies", edges, "references", refs);
}

static void done_cb(void *ud, size_t n_folders, size_t n_docs, double ms)
{
    (void)ud;
    (void)n_folders;
    (void)n_docs;
    (void)ms;
}

int check_dump(const char *arg, FILE *out, log_t *log)
{
    char real[PATH_MAX];
    struct stat st;
    if (!realpath(arg, real) || stat(real, &st) != 0) {
        fprintf(stderr, "planls: %s: %s\n", arg, strerror(errno));
        return 2;
    }
    bool is_dir = S_ISDIR(st.st_mode);
    char *root = is_dir ? xstrdup(real) : xstrndup(real, (size_t)(strrchr(real, '/') - real));
    config_t cfg;
    config_init(&cfg);
    uv_loop_t loop;
    uv_loop_init(&loop);
    ws_t *ws = ws_new(&loop, root[0] ? root : "/", &cfg, log);
    if (is_dir) {
        ws_scan(ws, 1, NULL, done_cb, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
    } else {
        /* Only the file's own planning folder (for resolved links). */
        ws_folder_load(ws, root[0] ? root : "/");
    }
    json_t *result = NULL;
    int rc = 0;
    if (is_dir) {
        json_t *folders = json_array();
        for (size_t i = 0; i < ws_n_folders(ws); i++)
            json_array_append_new(folders, folder_json(ws, ws_folder_at(ws, i)));
        result = json_pack("{s:s,s:o}", "root", real, "folders", folders);
    } else {
        ws_doc_t *d = ws_doc_load(ws, real);
        if (!d) {
            fprintf(stderr, "planls: %s: not a readable Markdown document\n", arg);
            rc = 2;
        } else {
            result = doc_json(ws, d);
        }
    }
    if (result) {
        json_dumpf(result, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', out);
        json_decref(result);
    }
    ws_free(ws);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    config_free(&cfg);
    free(root);
    return rc;
}
