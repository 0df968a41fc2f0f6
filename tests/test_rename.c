/* Tests for rename: prepareRename, rename on a link target and on a plan's
 * H1, and willRenameFiles. Each edit is applied as a client would
 * (ts_apply_edit of tests/support: text edits in reverse order per document,
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
#include "support.h"

#define EDIT_FIXTURE_TAG "rename"
#include "edit_fixture.h"

TestSuite(rename, .init = setup, .fini = teardown);

/* ---- findings ---------------------------------------------------------------- */

/* Apply a WorkspaceEdit (stolen), rescan, and return the findings. */
static ts_findings_t apply_rescan(json_t *we)
{
    cr_assert_not_null(we);
    ts_apply_edit(we);
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
    ts_findings_t after = apply_rescan(we);
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
    ts_findings_free(&after);
}

Test(rename, title_renames_the_file_and_relabels_the_links)
{
    start();
    json_t *we = do_rename("04-ranking-plan.md", 14, "  Relevance Ranking ");
    cr_assert_not_null(we, "%s", req.err_msg);
    ts_findings_t after = apply_rescan(we);
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
    ts_findings_free(&after);
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
    ts_findings_t after = apply_rescan(we);
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    char *p = read_rel("04-ranking-plan.md");
    cr_assert(util_has_prefix(p, "# Phase 4: RANKING\n"));
    free(p);
    p = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(p, "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: RANKING |\n"));
    free(p);
    ts_findings_free(&after);
}

Test(rename, to_another_number_moves_the_title_and_labels)
{
    start();
    json_t *we =
        do_rename("03-query-parser-plan.md",
                  at("03-query-parser-plan.md", "(04-ranking-plan.md)", 3), "05-ranking-plan");
    cr_assert_not_null(we, "%s", req.err_msg);
    ts_apply_edit(we);
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
    char *want = xasprintf("%s/docs/ranking.md", root.path);
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
    ts_apply_edit(we);
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
    ts_apply_edit(we);
    json_decref(we);
    char *a = path_of("03-query-parser-plan.md"), *b = path_of("03-parser-plan.md");
    cr_assert_eq(rename(a, b), 0);
    free(a);
    free(b);
    start();
    ts_findings_t after = findings();
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    assert_nowhere("03-query-parser-plan.md");
    char *s = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(s, "| [03-parser-plan.md](03-parser-plan.md) | Phase 3: Query Parser |"));
    free(s);
    ts_findings_free(&after);
    json_decref(files);
}

Test(rename, will_rename_into_a_subfolder_fixes_its_own_links)
{
    start();
    json_t *files = files_of("04-ranking-plan.md", "archive/04-ranking-plan.md");
    json_t *we = rename_will_rename(srv, files);
    json_t *dc = json_object_get(we, "documentChanges");
    cr_assert(json_is_array(dc), "%s", dump(we));
    ts_apply_edit(we);
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
    char *other = xasprintf("%s/.engineering/artifacts/planning/2026-04-01-next", root.path);
    cr_assert_eq(mkdir(other, 0755), 0);
    char *start_here = xasprintf("%s/START-HERE.md", other);
    FILE *f = fopen(start_here, "wb");
    cr_assert_not_null(f);
    fputs("# Next\n\nSee [scope](../2026-03-02-demo/03-query-parser-plan.md#scope) and "
          "[ranking](/.engineering/artifacts/planning/2026-03-02-demo/04-ranking-plan.md).\n",
          f);
    fclose(f);
    start();
    char *a = xasprintf("%s/.engineering/artifacts/planning/2026-03-02-demo", root.path);
    char *b = xasprintf("%s/.engineering/artifacts/planning/2026-03-02-search", root.path);
    char *ua = ws_path_to_uri(a), *ub = ws_path_to_uri(b);
    json_t *files = json_pack("[{s:s,s:s}]", "oldUri", ua, "newUri", ub);
    json_t *we = rename_will_rename(srv, files);
    cr_assert(json_is_object(we), "%s", dump(we));
    ts_apply_edit(we);
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
