/* Tests for diagnostics: pull reports with resultIds and "unchanged", push
 * with deduplication and versions, clearing on removal, and a burst of
 * changes costing one recompute per folder. */
#include <criterion/criterion.h>
#include <string.h>

#include "planls/diagnostics.h"
#include "planls/util.h"
#include "support.h"

#define PF ".engineering/artifacts/planning/2026-01-15-demo"

static ts_root_t tr;
static server_t *s;
static json_t *sent; /* every message the server sent */

static void capture(void *ud, json_t *msg)
{
    json_array_append(sent, msg);
}

static const rpc_method_t no_methods[] = {{NULL, NULL, NULL}};

static void setup(void)
{
    ts_root_init(&tr, "diag");
    ts_put(tr.path, PF "/START-HERE.md", "# Demo\n\n**Created:** 2026-01-15\n**Status:** In Progress\n");
    ts_put(tr.path, PF "/01-a-plan.md", "# Phase 1: A\n\n**Priority:** URGENT\n");
    s = ts_server_new(&tr);
    sent = json_array();
    s->rpc = rpc_new(no_methods, s, capture, NULL, NULL, &tr.log);
    uv_idle_init(&tr.loop, &s->flush_idle);
    s->flush_idle.data = s;
}

static void teardown(void)
{
    uv_close((uv_handle_t *)&s->flush_idle, NULL);
    rpc_free(s->rpc);
    ts_server_free(s);
    json_decref(sent);
    ts_root_fini(&tr);
}

TestSuite(diagnostics, .init = setup, .fini = teardown);

static json_t *pull(const char *rel, const char *previous)
{
    char *path = ts_path(tr.path, rel);
    char *uri = ws_path_to_uri(path);
    json_t *params = json_pack("{s:{s:s}}", "textDocument", "uri", uri);
    if (previous)
        json_object_set_new(params, "previousResultId", json_string(previous));
    rpc_req_t req = {.rpc = s->rpc, .method = "textDocument/diagnostic"};
    json_t *r = diag_pull(s, &req, params);
    cr_assert_not_null(r, "%s", req.err_msg);
    json_decref(params);
    free(uri);
    free(path);
    return r;
}

/* How many diagnostics of arr carry code. */
static size_t count_code(json_t *arr, const char *code)
{
    size_t n = 0, i;
    json_t *d;
    json_array_foreach(arr, i, d) {
        if (strcmp(json_string_value(json_object_get(d, "code")), code) == 0)
            n++;
    }
    return n;
}

/* publishDiagnostics messages sent since the last call, by URI suffix. */
static size_t published(const char *suffix, json_t **last)
{
    size_t n = 0;
    size_t i;
    json_t *m;
    json_array_foreach(sent, i, m) {
        const char *method = json_string_value(json_object_get(m, "method"));
        const char *uri = json_string_value(rpc_get(m, "params.uri"));
        if (method && strcmp(method, "textDocument/publishDiagnostics") == 0 && uri &&
            util_has_suffix(uri, suffix)) {
            n++;
            if (last)
                *last = json_object_get(m, "params");
        }
    }
    return n;
}

Test(diagnostics, pull_full_then_unchanged_then_full_after_a_change)
{
    json_t *r = pull(PF "/01-a-plan.md", NULL);
    cr_assert_str_eq(json_string_value(json_object_get(r, "kind")), "full");
    json_t *items = json_object_get(r, "items");
    cr_assert_eq(count_code(items, "PL012"), 1);
    size_t total = json_array_size(items);
    char *rid = xstrdup(json_string_value(json_object_get(r, "resultId")));
    json_decref(r);

    r = pull(PF "/01-a-plan.md", rid);
    cr_assert_str_eq(json_string_value(json_object_get(r, "kind")), "unchanged");
    cr_assert_str_eq(json_string_value(json_object_get(r, "resultId")), rid);
    cr_assert_null(json_object_get(r, "items"));
    json_decref(r);

    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    text_doc_set(d->text, "# Phase 1: A\n\n**Priority:** HIGH\n", 32);
    ws_doc_changed(s->ws, d, 2);
    r = pull(PF "/01-a-plan.md", rid);
    cr_assert_str_eq(json_string_value(json_object_get(r, "kind")), "full");
    cr_assert_str_neq(json_string_value(json_object_get(r, "resultId")), rid);
    cr_assert_eq(count_code(json_object_get(r, "items"), "PL012"), 0);
    cr_assert_eq(json_array_size(json_object_get(r, "items")), total - 1);
    json_decref(r);
    free(rid);
}

static size_t count_findings(const rule_diags_t *all, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < all->n; i++)
        n += strcmp(all->items[i].code, code) == 0;
    return n;
}

Test(diagnostics, folder_findings_computed_once_per_change)
{
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    const rule_diags_t *a = diag_folder_findings(s, d->folder);
    cr_assert_eq(count_findings(a, "PL012"), 1);
    size_t n = a->n;
    /* A mark on the cached findings: a rerun of the rules would lose it. */
    int sev = a->items[0].sev;
    ((rule_diags_t *)a)->items[0].sev = 99;
    /* Asked again (a code action, a pull): the same findings, not a rerun. */
    const rule_diags_t *b = diag_folder_findings(s, d->folder);
    cr_assert_eq(b->items[0].sev, 99, "the rules ran again");
    cr_assert_eq(b->n, n);
    ((rule_diags_t *)b)->items[0].sev = sev;
    text_doc_set(d->text, "# Phase 1: A\n\n**Priority:** HIGH\n", 32);
    ws_doc_changed(s->ws, d, 2);
    const rule_diags_t *c = diag_folder_findings(s, d->folder);
    cr_assert_eq(count_findings(c, "PL012"), 0, "recomputed after the change");
    cr_assert_eq(c->n, n - 1);
}

Test(diagnostics, push_publishes_the_folder_once_and_deduplicates)
{
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    ws_open(s->ws, d->path, d->text->data, d->text->len, 1);
    for (int i = 0; i < 100; i++) /* a burst: one recompute, one publish */
        diag_mark(s, d->folder, NULL);
    diag_flush(s);
    json_t *p = NULL;
    cr_assert_eq(published("/01-a-plan.md", &p), 1);
    cr_assert_eq(count_code(json_object_get(p, "diagnostics"), "PL012"), 1);
    cr_assert_eq(published("/START-HERE.md", NULL), 1, "closed documents of the folder too");
    /* Nothing changed: nothing is sent again. */
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    cr_assert_eq(published("/01-a-plan.md", NULL), 1);
    cr_assert_eq(published("/START-HERE.md", NULL), 1);
}

Test(diagnostics, push_sends_versions_when_supported)
{
    s->caps.diag_version = true;
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    ws_open(s->ws, d->path, d->text->data, d->text->len, 7);
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    json_t *p = NULL;
    cr_assert_eq(published("/01-a-plan.md", &p), 1);
    cr_assert_eq(json_integer_value(json_object_get(p, "version")), 7);
    cr_assert_eq(published("/START-HERE.md", &p), 1);
    cr_assert_null(json_object_get(p, "version"), "closed documents carry no version");
}

Test(diagnostics, removal_clears_what_was_published)
{
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    ws_open(s->ws, d->path, d->text->data, d->text->len, 1);
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    cr_assert_eq(published("/01-a-plan.md", NULL), 1);
    diag_doc_removed(s, d);
    json_t *p = NULL;
    cr_assert_eq(published("/01-a-plan.md", &p), 2);
    cr_assert_eq(json_array_size(json_object_get(p, "diagnostics")), 0);
}

Test(diagnostics, pull_mode_never_pushes)
{
    s->caps.pull_diagnostics = true;
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/01-a-plan.md");
    ws_open(s->ws, d->path, d->text->data, d->text->len, 1);
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    cr_assert_eq(published("", NULL), 0);
}

/* The URI of the n-th publishDiagnostics message sent (NULL when fewer). */
static const char *nth_published_uri(size_t n)
{
    size_t i;
    json_t *m;
    json_array_foreach(sent, i, m) {
        const char *method = json_string_value(json_object_get(m, "method"));
        if (method && strcmp(method, "textDocument/publishDiagnostics") == 0 && n-- == 0)
            return json_string_value(rpc_get(m, "params.uri"));
    }
    return NULL;
}

Test(diagnostics, push_publishes_open_documents_first)
{
    ws_doc_t *d = ts_doc(s->ws, tr.path, PF "/START-HERE.md");
    cr_assert_not_null(d);
    ws_open(s->ws, d->path, d->text->data, d->text->len, 3);
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    /* Folder order is 01-a-plan.md, START-HERE.md: the open one goes first. */
    const char *first = nth_published_uri(0);
    cr_assert_not_null(first);
    cr_expect(util_has_suffix(first, "/START-HERE.md"), "first published: %s", first);
    cr_expect_eq(published("/START-HERE.md", NULL), 1);
    cr_expect_eq(published("/01-a-plan.md", NULL), 1);
    /* The same publish again: nothing changed, nothing is sent. */
    size_t before = json_array_size(sent);
    diag_mark(s, d->folder, NULL);
    diag_flush(s);
    cr_expect_eq(json_array_size(sent), before);
}
