/* Tests for rename: prepareRename, rename on a link target and on a plan's
 * H1, and willRenameFiles. Each edit is applied as a client would (a small
 * WorkspaceEdit applier: text edits in reverse order per document,
 * RenameFile), the workspace rescanned from disk and the rules re-run: the
 * folder stays clean and no link still names the old file. The base is the
 * clean planning folder of protocol-fixtures/workspaces/actions, copied into
 * a temp dir. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "planls/actions.h"
#include "planls/features.h"
#include "planls/rename.h"
#include "planls/buf.h"
#include "planls/diagnostics.h"
#include "planls/rules.h"
#include "planls/util.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif
#define BASE PLANLS_SOURCE_DIR "/protocol-fixtures/workspaces/actions"
#define PF ".engineering/artifacts/planning/2026-03-02-demo"

static char root[256];
static uv_loop_t loop;
static log_t lg;
static config_t cfg;
static server_t *srv;
static server_caps_t caps;

/* ---- files ---------------------------------------------------------------- */

static char *path_of(const char *rel)
{
    return xasprintf("%s/%s/%s", root, PF, rel);
}

static char *read_rel(const char *rel)
{
    char *p = path_of(rel), *data = NULL;
    size_t len;
    cr_assert_eq(util_read_file(p, 1 << 24, &data, &len), 0, "read %s", p);
    free(p);
    return data;
}

static void write_rel(const char *rel, const char *text)
{
    char *p = path_of(rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "write %s", p);
    fwrite(text, 1, strlen(text), f);
    fclose(f);
    free(p);
}

static bool exists_rel(const char *rel)
{
    char *p = path_of(rel);
    struct stat st;
    bool yes = stat(p, &st) == 0;
    free(p);
    return yes;
}

/* ---- server ---------------------------------------------------------------- */

static void on_done(void *ud, size_t nf, size_t nd, double ms)
{
    *(int *)ud = 1;
}

static void stop(void)
{
    if (!srv)
        return;
    ws_free(srv->ws);
    uv_run(&loop, UV_RUN_DEFAULT);
    free(srv);
    srv = NULL;
}

static void start(void)
{
    stop();
    srv = xcalloc(1, sizeof(*srv));
    srv->loop = &loop;
    srv->enc = TEXT_ENC_UTF16;
    srv->caps = caps;
    srv->ws = ws_new(&loop, root, &cfg, &lg);
    int done = 0;
    cr_assert_eq(ws_scan(srv->ws, 1, NULL, on_done, &done), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(done, 1);
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/planls-rename-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    char *cmd = xasprintf("cp -R '%s/.' '%s/'", BASE, root);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    uv_loop_init(&loop);
    log_init(&lg, LOG_ERROR);
    lg.to_stderr = false;
    config_init(&cfg);
    memset(&caps, 0, sizeof(caps));
    caps.action_literals = true;
    caps.document_changes = true;
    caps.create_files = true;
    caps.rename_files = true;
}

static void teardown(void)
{
    stop();
    char *cmd = xasprintf("rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
    uv_loop_close(&loop);
    config_free(&cfg);
}

TestSuite(rename, .init = setup, .fini = teardown);

static ws_doc_t *doc(const char *rel)
{
    char *p = path_of(rel);
    ws_doc_t *d = ws_doc_by_path(srv->ws, p);
    free(p);
    cr_assert_not_null(d, "%s", rel);
    return d;
}

static ws_folder_t *folder(void)
{
    char *p = xasprintf("%s/%s", root, PF);
    ws_folder_t *f = ws_folder_by_path(srv->ws, p);
    free(p);
    cr_assert_not_null(f);
    return f;
}

/* ---- findings ---------------------------------------------------------------- */

typedef struct found {
    char **v;
    size_t n, cap;
} found_t;

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every finding of the folder as "file|code|message", sorted. */
static found_t findings(void)
{
    found_t f = {NULL, 0, 0};
    rule_diags_t ds = {NULL, 0, 0};
    rule_check_folder(srv->ws, folder(), &cfg, &ds);
    for (size_t i = 0; i < ds.n; i++)
        UTIL_PUSH(
            f.v, f.n, f.cap,
            xasprintf("%s|%s|%s", ds.items[i].doc->name, ds.items[i].code, ds.items[i].message));
    rule_diags_free(&ds);
    if (f.n)
        qsort(f.v, f.n, sizeof(char *), str_cmp);
    return f;
}

static void found_free(found_t *f)
{
    for (size_t i = 0; i < f->n; i++)
        free(f->v[i]);
    free(f->v);
}

/* Compact JSON of v for assertion messages (leaked on failure only: the
 * test process ends there). */
static __attribute__((unused)) char *dump(json_t *v)
{
    static char *last;
    free(last);
    last = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    return last;
}

/* ---- the WorkspaceEdit applier ---------------------------------------------- */

static size_t offset_of(const text_doc_t *t, json_t *pos)
{
    json_t *l = json_object_get(pos, "line"), *c = json_object_get(pos, "character");
    cr_assert(json_is_integer(l) && json_is_integer(c));
    cr_assert_lt((size_t)json_integer_value(l), t->n_lines + 1);
    text_pos_t p = {(uint32_t)json_integer_value(l), (uint32_t)json_integer_value(c)};
    return text_offset_at(t, p, TEXT_ENC_UTF16);
}

/* Apply TextEdit[] to the file at uri: ranges refer to the text before any
 * of them; applied from the last to the first. */
static void apply_edits(const char *uri, json_t *edits)
{
    char *path = ws_uri_to_path(uri);
    cr_assert_not_null(path);
    char *data = NULL;
    size_t len = 0;
    cr_assert_eq(util_read_file(path, 1 << 24, &data, &len), 0, "edit of a missing file %s", path);
    text_doc_t *t = text_doc_new(data, len);
    size_t n = json_array_size(edits);
    size_t *a = xcalloc(n + 1, sizeof(size_t)), *b = xcalloc(n + 1, sizeof(size_t));
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(edits, i);
        a[i] = offset_of(t, rpc_get(e, "range.start"));
        b[i] = offset_of(t, rpc_get(e, "range.end"));
        cr_assert_leq(a[i], b[i]);
        cr_assert(json_is_string(json_object_get(e, "newText")));
        if (i > 0)
            cr_assert_geq(a[i], b[i - 1], "overlapping edits in %s", uri);
    }
    buf_t out = BUF_INIT;
    buf_append(&out, data, len);
    for (size_t i = n; i-- > 0;) {
        json_t *nt = json_object_get(json_array_get(edits, i), "newText");
        buf_splice(&out, a[i], b[i] - a[i], json_string_value(nt), json_string_length(nt));
    }
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fwrite(out.data ? out.data : "", 1, out.len, f);
    fclose(f);
    buf_free(&out);
    free(a);
    free(b);
    text_doc_free(t);
    free(data);
    free(path);
}

/* Apply a WorkspaceEdit to the files on disk, as a client would. */
static void apply(json_t *we)
{
    cr_assert(json_is_object(we));
    json_t *dc = json_object_get(we, "documentChanges");
    json_t *ch = json_object_get(we, "changes");
    cr_assert(!dc != !ch, "exactly one of documentChanges / changes");
    if (ch) {
        const char *uri;
        json_t *edits;
        json_object_foreach(ch, uri, edits)
            apply_edits(uri, edits);
        return;
    }
    size_t i;
    json_t *op;
    json_array_foreach(dc, i, op) {
        const char *kind = json_string_value(json_object_get(op, "kind"));
        if (!kind) {
            json_t *v = rpc_get(op, "textDocument.version");
            cr_assert_not_null(v, "a TextDocumentEdit needs a version (null for closed files)");
            apply_edits(json_string_value(rpc_get(op, "textDocument.uri")),
                        json_object_get(op, "edits"));
        } else if (strcmp(kind, "create") == 0) {
            char *p = ws_uri_to_path(json_string_value(json_object_get(op, "uri")));
            FILE *f = fopen(p, "wx");
            cr_assert_not_null(f, "create %s: exists", p);
            fclose(f);
            free(p);
        } else if (strcmp(kind, "rename") == 0) {
            char *o = ws_uri_to_path(json_string_value(json_object_get(op, "oldUri")));
            char *n = ws_uri_to_path(json_string_value(json_object_get(op, "newUri")));
            struct stat st;
            cr_assert_neq(stat(n, &st), 0, "rename onto an existing %s", n);
            cr_assert_eq(rename(o, n), 0, "rename %s", o);
            free(o);
            free(n);
        } else {
            cr_assert_fail("unexpected resource operation %s", kind);
        }
    }
}

/* Apply a WorkspaceEdit (stolen), rescan, and return the findings. */
static found_t apply_rescan(json_t *we)
{
    cr_assert_not_null(we);
    apply(we);
    json_decref(we);
    start();
    return findings();
}

/* Byte offset of the n-th byte of needle's first occurrence in the text
 * of rel (after skip bytes of it). */
static size_t at(const char *rel, const char *needle, size_t skip)
{
    ws_doc_t *d = doc(rel);
    const char *p = strstr(d->text->data, needle);
    cr_assert_not_null(p, "%s: no \"%s\"", rel, needle);
    return (size_t)(p - d->text->data) + skip;
}

static rpc_req_t req;

static json_t *do_rename(const char *rel, size_t off, const char *name)
{
    memset(&req, 0, sizeof(req));
    return rename_at(srv, &req, doc(rel), off, name);
}

/* No file of the folder (or of extra) mentions s any more. */
static void assert_nowhere(const char *s)
{
    static const char *const FILES[] = {"START-HERE.md", "README.md", "01-CONTEXT-ANALYSIS.md",
                                        "02-indexing-plan.md", "03-query-parser-plan.md"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(FILES); i++) {
        if (!exists_rel(FILES[i]))
            continue;
        char *t = read_rel(FILES[i]);
        cr_assert_null(strstr(t, s), "%s still says %s", FILES[i], s);
        free(t);
    }
}

/* ---- prepareRename -------------------------------------------------------------- */

static void assert_range(json_t *range, const char *rel, size_t start, size_t end)
{
    text_range_t r = text_range_at(doc(rel)->text, start, end, TEXT_ENC_UTF16);
    cr_assert_eq(json_integer_value(rpc_get(range, "start.line")), r.start.line);
    cr_assert_eq(json_integer_value(rpc_get(range, "start.character")), r.start.character);
    cr_assert_eq(json_integer_value(rpc_get(range, "end.line")), r.end.line);
    cr_assert_eq(json_integer_value(rpc_get(range, "end.character")), r.end.character);
}

Test(rename, prepare_on_a_link_gives_its_target)
{
    start();
    const char *link = "[04-ranking-plan.md](04-ranking-plan.md) | Phase 4";
    json_t *r = rename_prepare(srv, &req, doc("START-HERE.md"), at("START-HERE.md", link, 3));
    cr_assert(json_is_object(r), "%s", req.err_msg);
    size_t t = at("START-HERE.md", link, 21);
    assert_range(json_object_get(r, "range"), "START-HERE.md", t, t + 18);
    cr_assert_str_eq(json_string_value(json_object_get(r, "placeholder")), "04-ranking-plan.md");
    json_decref(r);
}

Test(rename, prepare_on_a_plan_title_gives_the_title)
{
    start();
    json_t *r = rename_prepare(srv, &req, doc("04-ranking-plan.md"), 3);
    cr_assert(json_is_object(r));
    assert_range(json_object_get(r, "range"), "04-ranking-plan.md", 11, 18);
    cr_assert_str_eq(json_string_value(json_object_get(r, "placeholder")), "Ranking");
    json_decref(r);
}

Test(rename, prepare_elsewhere_is_null)
{
    start();
    json_t *r =
        rename_prepare(srv, &req, doc("START-HERE.md"), at("START-HERE.md", "moves the", 2));
    cr_assert(json_is_null(r));
    json_decref(r);
    /* START-HERE.md keeps its name */
    r = rename_prepare(srv, &req, doc("README.md"), at("README.md", "[START-HERE.md](START", 18));
    cr_assert(json_is_null(r));
    json_decref(r);
    /* the H1 of a document that is not a plan */
    r = rename_prepare(srv, &req, doc("01-CONTEXT-ANALYSIS.md"), 2);
    cr_assert(json_is_null(r));
    json_decref(r);
}

Test(rename, prepare_on_a_link_needs_rename_files)
{
    caps.rename_files = false;
    start();
    memset(&req, 0, sizeof(req));
    json_t *r = rename_prepare(srv, &req, doc("START-HERE.md"),
                               at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 3));
    cr_assert_null(r);
    cr_assert_eq(req.err_code, RPC_REQUEST_FAILED);
    cr_assert_not_null(strstr(req.err_msg, "cannot rename files"));
    r = rename_prepare(srv, &req, doc("04-ranking-plan.md"), 3);
    cr_assert(json_is_object(r), "a title rename may keep the file name");
    json_decref(r);
}

/* ---- rename --------------------------------------------------------------------- */

Test(rename, link_target_renames_the_file_and_every_link)
{
    start();
    json_t *we =
        do_rename("START-HERE.md", at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 5),
                  "04-relevance-ranking-plan.md");
    cr_assert_not_null(we, "%s", req.err_msg);
    json_t *dc = json_object_get(we, "documentChanges");
    json_t *last = json_array_get(dc, json_array_size(dc) - 1);
    cr_assert_str_eq(json_string_value(json_object_get(last, "kind")), "rename");
    cr_assert(util_has_suffix(json_string_value(json_object_get(last, "newUri")),
                              "/2026-03-02-demo/04-relevance-ranking-plan.md"));
    found_t after = apply_rescan(we);
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    cr_assert(exists_rel("04-relevance-ranking-plan.md"));
    cr_assert_not(exists_rel("04-ranking-plan.md"));
    assert_nowhere("04-ranking-plan.md");
    char *s = read_rel("START-HERE.md");
    cr_assert_not_null(strstr(s, "| [04-relevance-ranking-plan.md](04-relevance-ranking-plan.md) "
                                 "| Phase 4: Ranking |\n"));
    cr_assert_not_null(
        strstr(s, "to [04-relevance-ranking-plan.md](04-relevance-ranking-plan.md)\n"));
    free(s);
    s = read_rel("03-query-parser-plan.md");
    cr_assert(
        util_has_suffix(s, "**Next Phase:** [Phase 4: Ranking](04-relevance-ranking-plan.md)\n"));
    free(s);
    found_free(&after);
}

Test(rename, title_renames_the_file_and_relabels_the_links)
{
    start();
    json_t *we = do_rename("04-ranking-plan.md", 14, "  Relevance Ranking ");
    cr_assert_not_null(we, "%s", req.err_msg);
    found_t after = apply_rescan(we);
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    cr_assert(exists_rel("04-relevance-ranking-plan.md"));
    assert_nowhere("04-ranking-plan.md");
    assert_nowhere("Phase 4: Ranking");
    char *p = read_rel("04-relevance-ranking-plan.md");
    cr_assert(util_has_prefix(p, "# Phase 4: Relevance Ranking\n\n**Date:**"));
    free(p);
    p = read_rel("README.md");
    cr_assert_not_null(strstr(p, "| [04-relevance-ranking-plan.md](04-relevance-ranking-plan.md) | "
                                 "Phase 4: Relevance Ranking | \xF0\x9F\x93\x8B Ready |\n"));
    free(p);
    p = read_rel("03-query-parser-plan.md");
    cr_assert(util_has_suffix(p, "**Next Phase:** [Phase 4: Relevance Ranking]"
                                 "(04-relevance-ranking-plan.md)\n"));
    free(p);
    found_free(&after);
}

Test(rename, title_with_the_same_file_name_needs_no_file_rename)
{
    caps.rename_files = false;
    caps.document_changes = false;
    start();
    json_t *we = do_rename("04-ranking-plan.md", 14, "RANKING");
    cr_assert_not_null(we, "%s", req.err_msg);
    cr_assert_null(json_object_get(we, "documentChanges"));
    cr_assert_not_null(json_object_get(we, "changes"));
    found_t after = apply_rescan(we);
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    char *p = read_rel("04-ranking-plan.md");
    cr_assert(util_has_prefix(p, "# Phase 4: RANKING\n"));
    free(p);
    p = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(p, "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: RANKING |\n"));
    free(p);
    found_free(&after);
}

Test(rename, to_another_number_moves_the_title_and_labels)
{
    start();
    json_t *we =
        do_rename("03-query-parser-plan.md",
                  at("03-query-parser-plan.md", "(04-ranking-plan.md)", 3), "05-ranking-plan");
    cr_assert_not_null(we, "%s", req.err_msg);
    apply(we);
    json_decref(we);
    char *p = read_rel("05-ranking-plan.md");
    cr_assert(util_has_prefix(p, "# Phase 5: Ranking\n"));
    free(p);
    p = read_rel("03-query-parser-plan.md");
    cr_assert(util_has_suffix(p, "**Next Phase:** [Phase 5: Ranking](05-ranking-plan.md)\n"));
    free(p);
}

Test(rename, failures_say_why)
{
    start();
    cr_assert_null(do_rename("START-HERE.md",
                             at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 5),
                             "03-query-parser-plan.md"));
    cr_assert_not_null(strstr(req.err_msg, "already exists"), "%s", req.err_msg);
    cr_assert_null(do_rename("04-ranking-plan.md", 14, " !! "));
    cr_assert_not_null(strstr(req.err_msg, "letters or digits"), "%s", req.err_msg);
    cr_assert_null(do_rename("04-ranking-plan.md", 14, "Two\nLines"));
    cr_assert_null(do_rename("START-HERE.md",
                             at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 5), "x.md#top"));
    cr_assert_not_null(strstr(req.err_msg, "'#'"), "%s", req.err_msg);
    cr_assert_null(do_rename("START-HERE.md", at("START-HERE.md", "moves the", 1), "x"));
    cr_assert_not_null(strstr(req.err_msg, "nothing to rename"), "%s", req.err_msg);
    srv->caps.rename_files = false;
    cr_assert_null(do_rename("04-ranking-plan.md", 14, "Relevance Ranking"));
    cr_assert_not_null(strstr(req.err_msg, "cannot rename files"), "%s", req.err_msg);
}

Test(rename, stays_inside_the_workspace)
{
    start();
    cr_assert_null(do_rename("START-HERE.md",
                             at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 5),
                             "../../../../../../../../../elsewhere.md"));
    cr_assert_not_null(strstr(req.err_msg, "inside the workspace"), "%s", req.err_msg);
    json_t *we = do_rename(
        "START-HERE.md", at("START-HERE.md", "(04-ranking-plan.md) | Phase 4", 5), "/docs/ranking");
    cr_assert_not_null(we, "%s", req.err_msg);
    json_t *dc = json_object_get(we, "documentChanges");
    json_t *last = json_array_get(dc, json_array_size(dc) - 1);
    char *want = xasprintf("%s/docs/ranking.md", root);
    char *uri = ws_path_to_uri(want);
    cr_assert_str_eq(json_string_value(json_object_get(last, "newUri")), uri);
    free(uri);
    free(want);
    json_decref(we);
}

Test(rename, reference_links_keep_their_key)
{
    char *t = read_rel("03-query-parser-plan.md");
    char *more = xasprintf("%s\nSee [the ranking plan][rank] and [04-ranking-plan.md].\n\n"
                           "[rank]: 04-ranking-plan.md#overview\n"
                           "[04-ranking-plan.md]: 04-ranking-plan.md\n",
                           t);
    write_rel("03-query-parser-plan.md", more);
    start();
    char *a = path_of("04-ranking-plan.md"), *b = path_of("04-ordering-plan.md");
    char *ua = ws_path_to_uri(a), *ub = ws_path_to_uri(b);
    json_t *files = json_pack("[{s:s,s:s}]", "oldUri", ua, "newUri", ub);
    json_t *we = rename_will_rename(srv, files);
    apply(we);
    json_decref(we);
    char *now = read_rel("03-query-parser-plan.md");
    cr_assert(util_has_suffix(now, "See [the ranking plan][rank] and [04-ranking-plan.md].\n\n"
                                   "[rank]: 04-ordering-plan.md#overview\n"
                                   "[04-ranking-plan.md]: 04-ordering-plan.md\n"),
              "%s", now);
    free(now);
    free(ua);
    free(ub);
    free(a);
    free(b);
    free(more);
    free(t);
    json_decref(files);
}

/* ---- willRenameFiles ---------------------------------------------------------- */

static json_t *files_of(const char *from_rel, const char *to_rel)
{
    char *a = path_of(from_rel), *b = path_of(to_rel);
    char *ua = ws_path_to_uri(a), *ub = ws_path_to_uri(b);
    json_t *f = json_pack("[{s:s,s:s}]", "oldUri", ua, "newUri", ub);
    free(a);
    free(b);
    free(ua);
    free(ub);
    return f;
}

Test(rename, will_rename_updates_links_to_the_file)
{
    caps.document_changes = false;
    start();
    json_t *files = files_of("03-query-parser-plan.md", "03-parser-plan.md");
    json_t *we = rename_will_rename(srv, files);
    cr_assert(json_is_object(json_object_get(we, "changes")), "%s", dump(we));
    cr_assert_eq(json_object_size(json_object_get(we, "changes")), 3, "%s", dump(we));
    apply(we);
    json_decref(we);
    char *a = path_of("03-query-parser-plan.md"), *b = path_of("03-parser-plan.md");
    cr_assert_eq(rename(a, b), 0);
    free(a);
    free(b);
    start();
    found_t after = findings();
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    assert_nowhere("03-query-parser-plan.md");
    char *s = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(s, "| [03-parser-plan.md](03-parser-plan.md) | Phase 3: Query Parser |"));
    free(s);
    found_free(&after);
    json_decref(files);
}

Test(rename, will_rename_into_a_subfolder_fixes_its_own_links)
{
    start();
    json_t *files = files_of("04-ranking-plan.md", "archive/04-ranking-plan.md");
    json_t *we = rename_will_rename(srv, files);
    json_t *dc = json_object_get(we, "documentChanges");
    cr_assert(json_is_array(dc), "%s", dump(we));
    apply(we);
    json_decref(we);
    char *s = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(s, "| [04-ranking-plan.md](archive/04-ranking-plan.md) | Phase 4: Ranking |"));
    free(s);
    s = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(s, "[Work Package Workflow](../_work-package.md)"), "%s", s);
    free(s);
    json_decref(files);
}

Test(rename, will_rename_a_folder_keeps_anchors_and_absolute_links)
{
    char *other = xasprintf("%s/.engineering/artifacts/planning/2026-04-01-next", root);
    cr_assert_eq(mkdir(other, 0755), 0);
    char *start_here = xasprintf("%s/START-HERE.md", other);
    FILE *f = fopen(start_here, "wb");
    cr_assert_not_null(f);
    fputs("# Next\n\nSee [scope](../2026-03-02-demo/03-query-parser-plan.md#scope) and "
          "[ranking](/.engineering/artifacts/planning/2026-03-02-demo/04-ranking-plan.md).\n",
          f);
    fclose(f);
    start();
    char *a = xasprintf("%s/.engineering/artifacts/planning/2026-03-02-demo", root);
    char *b = xasprintf("%s/.engineering/artifacts/planning/2026-03-02-search", root);
    char *ua = ws_path_to_uri(a), *ub = ws_path_to_uri(b);
    json_t *files = json_pack("[{s:s,s:s}]", "oldUri", ua, "newUri", ub);
    json_t *we = rename_will_rename(srv, files);
    cr_assert(json_is_object(we), "%s", dump(we));
    apply(we);
    json_decref(we);
    char *data = NULL;
    size_t len;
    cr_assert_eq(util_read_file(start_here, 1 << 20, &data, &len), 0);
    cr_assert_str_eq(data,
                     "# Next\n\nSee [scope](../2026-03-02-search/03-query-parser-plan.md#scope) "
                     "and [ranking](/.engineering/artifacts/planning/2026-03-02-search/"
                     "04-ranking-plan.md).\n");
    /* links inside the folder did not change */
    char *s = read_rel("START-HERE.md");
    cr_assert_not_null(strstr(s, "| [04-ranking-plan.md](04-ranking-plan.md) |"));
    free(s);
    free(data);
    free(ua);
    free(ub);
    free(a);
    free(b);
    free(start_here);
    free(other);
    json_decref(files);
}

Test(rename, will_rename_of_an_unlinked_file_is_null)
{
    start();
    json_t *files = files_of("_work-package.md", "_work.md");
    json_t *we = rename_will_rename(srv, files);
    cr_assert_not(json_is_null(we), "plans link _work-package.md");
    json_decref(we);
    json_decref(files);
    files = files_of("01-CONTEXT-ANALYSIS.md", "01-CONTEXT-ANALYSIS.md");
    we = rename_will_rename(srv, files);
    cr_assert(json_is_null(we));
    json_decref(we);
    json_decref(files);
    files = json_pack("[{s:s,s:s}]", "oldUri", "untitled:1", "newUri", "untitled:2");
    we = rename_will_rename(srv, files);
    cr_assert(json_is_null(we));
    json_decref(we);
    json_decref(files);
}

/* Garbage in a plan (NUL bytes, invalid UTF-8, a lone CR, unclosed
 * links and tables) never crashes prepareRename or rename, at any offset. */
Test(rename, any_offset_of_a_garbled_plan)
{
    static const char G[] =
        "# Phase 4: R\xFFnk\x00ing [x](04-ranking-plan.md#\xC3\n"
        "| a | [b](04-ranking-plan.md) |\r|---|---|\n| \xF0\x9F | [c](<04-ranking-plan.md>) |\n"
        "[d]: 04-ranking-plan.md\n[d] [e](#top) [f](https://x.y/04-ranking-plan.md) [g](";
    start();
    /* binary files are skipped on disk: the garbage is the editor's text */
    char *p = path_of("04-ranking-plan.md");
    ws_doc_t *d = ws_open(srv->ws, p, G, sizeof(G) - 1, 1);
    free(p);
    size_t n = d->text->len;
    for (size_t off = 0; off <= n + 1; off++) {
        memset(&req, 0, sizeof(req));
        json_t *r = rename_prepare(srv, &req, d, off);
        json_decref(r);
        json_t *we = rename_at(srv, &req, d, off, "Other \xF0\x9F\x9A\x80 name");
        if (we) {
            char *text = json_dumps(we, JSON_COMPACT);
            cr_assert_not_null(text, "the edit is valid JSON (valid UTF-8)");
            free(text);
        }
        json_decref(we);
        d = doc("04-ranking-plan.md");
    }
}

Test(rename, capabilities)
{
    server_t s;
    memset(&s, 0, sizeof(s));
    json_t *c = json_pack("{s:{s:b}}", "workspace", "workspaceFolders", 1);
    rename_capabilities(&s, c);
    cr_assert(json_is_true(json_object_get(c, "renameProvider")));
    cr_assert(json_is_true(rpc_get(c, "workspace.workspaceFolders")), "kept");
    json_t *flt = json_array_get(rpc_get(c, "workspace.fileOperations.willRename.filters"), 0);
    cr_assert_str_eq(json_string_value(rpc_get(flt, "pattern.glob")), "**/*.md");
    cr_assert_str_eq(json_string_value(rpc_get(flt, "scheme")), "file");
    s.caps.prepare_rename = true;
    rename_capabilities(&s, c);
    cr_assert(json_is_true(rpc_get(c, "renameProvider.prepareProvider")));
    json_decref(c);
    /* The handlers are registered with the server. */
    size_t found = 0;
    for (const rpc_method_t *m = features_methods(); m->name; m++)
        if ((strcmp(m->name, "textDocument/prepareRename") == 0 && m->request == rename_prepare_request) ||
            (strcmp(m->name, "textDocument/rename") == 0 && m->request == rename_request) ||
            (strcmp(m->name, "workspace/willRenameFiles") == 0 && m->request == rename_will_rename_request))
            found++;
    cr_assert_eq(found, 3);
}
