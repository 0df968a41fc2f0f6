/* Tests for workspace: paths and URIs, the scan (threaded and not), skipped
 * files, the editor overlay, disk events and the folder indexes. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "planls/util.h"
#include "planls/workspace.h"
#include "support.h"

#define PF ".engineering/artifacts/planning/2026-01-15-demo"

static ts_root_t tr;

static void setup(void)
{
    ts_root_init(&tr, "ws");
}

static void teardown(void)
{
    ts_root_fini(&tr);
}

static const char *PLAN3 =
    "# Phase 3: Search\n\n**Priority:** HIGH\n\n## Dependencies\n\n### Requires (Blockers)\n"
    "- [ ] Phase 4 must be complete\n\n**Next Phase:** [Phase 4: Ranking](04-ranking-plan.md)\n";
static const char *PLAN4 = "# Phase 4: Ranking\n\nSee [search](03-search-plan.md#phase-3-search).\n";

static void basic_folder(void)
{
    ts_put(tr.path, PF "/START-HERE.md",
           "# Demo\n\n## Dependencies\n\n- Phase 4 depends on Phase 3\n");
    ts_put(tr.path, PF "/README.md", "# Demo\n\n[start](START-HERE.md)\n");
    ts_put(tr.path, PF "/01-CONTEXT-ANALYSIS.md", "# Context\n");
    ts_put(tr.path, PF "/03-search-plan.md", PLAN3);
    ts_put(tr.path, PF "/04-ranking-plan.md", PLAN4);
    ts_put(tr.path, PF "/notes.txt", "not markdown\n");
}

TestSuite(workspace, .init = setup, .fini = teardown);

Test(workspace, path_normalize_and_resolve)
{
    char *p = ws_path_normalize("/a//b/./c/../d/");
    cr_assert_str_eq(p, "/a/b/d");
    free(p);
    p = ws_path_normalize("/../..");
    cr_assert_str_eq(p, "/");
    free(p);
    p = ws_path_resolve("/w/f/START-HERE.md", "../other/x.md");
    cr_assert_str_eq(p, "/w/other/x.md");
    free(p);
    p = ws_path_resolve("/w/f/START-HERE.md", "03-a-plan.md");
    cr_assert_str_eq(p, "/w/f/03-a-plan.md");
    free(p);
}

Test(workspace, uris_round_trip)
{
    char *u = ws_path_to_uri("/tmp/my plans/ü#1.md");
    cr_assert_str_eq(u, "file:///tmp/my%20plans/%C3%BC%231.md");
    char *p = ws_uri_to_path(u);
    cr_assert_str_eq(p, "/tmp/my plans/ü#1.md");
    free(p);
    free(u);
    p = ws_uri_to_path("file://localhost/x/y.md");
    cr_assert_str_eq(p, "/x/y.md");
    free(p);
    cr_assert_null(ws_uri_to_path("untitled:Untitled-1"));
    cr_assert_null(ws_uri_to_path("file:///a%00b"));
    cr_assert_null(ws_uri_to_path("https://example.com/x.md"));
}

Test(workspace, scan_finds_folders_and_documents)
{
    basic_folder();
    /* A copied-out folder, recognised by its START-HERE.md. */
    ts_put(tr.path, "elsewhere/plan-copy/START-HERE.md", "# Copy\n");
    ts_put(tr.path, "elsewhere/plan-copy/05-x-plan.md", "# Phase 5: X\n");
    /* Not planning folders. */
    ts_put(tr.path, "docs/guide.md", "# Guide\n");
    ts_put(tr.path, "node_modules/pkg/START-HERE.md", "# ignored\n");
    ws_t *ws = ts_ws_scan(&tr, 1);
    cr_assert_eq(ws_n_folders(ws), 2);
    char *fp = ts_path(tr.path, PF);
    ws_folder_t *f = ws_folder_by_path(ws, fp);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->name, "2026-01-15-demo");
    cr_assert(f->under_root);
    cr_assert_eq(f->n_docs, 5);
    cr_assert_not_null(f->start);
    cr_assert_not_null(f->readme);
    cr_assert_str_eq(f->docs[0]->name, "01-CONTEXT-ANALYSIS.md"); /* sorted */
    cr_assert_eq(f->docs[0]->kind, MD_KIND_ANALYSIS);
    cr_assert_eq(f->docs[0]->number, 1);
    char *gp = ts_path(tr.path, "docs/guide.md");
    cr_assert_null(ws_doc_by_path(ws, gp)); /* outside folders: not scanned */
    free(gp);
    char *cp = ts_path(tr.path, "elsewhere/plan-copy");
    ws_folder_t *g = ws_folder_by_path(ws, cp);
    cr_assert_not_null(g);
    cr_assert_not(g->under_root);
    free(cp);
    free(fp);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, threaded_scan_matches_single_thread)
{
    for (int i = 0; i < 30; i++) {
        char rel[128], text[128];
        snprintf(rel, sizeof(rel), ".engineering/artifacts/planning/2026-01-%02d-f/%02d-p-plan.md",
                 i % 9 + 1, i + 1);
        snprintf(text, sizeof(text), "# Phase %d: P\n\nSee Phase %d.\n", i + 1, i);
        ts_put(tr.path, rel, text);
    }
    ws_t *a = ts_ws_scan(&tr, 1);
    ws_t *b = ts_ws_scan(&tr, 0);
    cr_assert_eq(ws_n_folders(a), 9);
    cr_assert_eq(ws_n_folders(b), 9);
    cr_assert_eq(ws_n_docs(a), 30);
    cr_assert_eq(ws_n_docs(b), 30);
    ws_doc_t *d;
    for (size_t it = 0; ws_doc_next(a, &it, &d);) {
        ws_doc_t *e = ws_doc_by_path(b, d->path);
        cr_assert_not_null(e);
        cr_assert_eq(d->text->len, e->text->len);
        cr_assert_eq(d->md->n_refs, e->md->n_refs);
    }
    ts_ws_free(&tr.loop, a);
    ts_ws_free(&tr.loop, b);
}

Test(workspace, skipped_files_are_logged_not_fatal)
{
    basic_folder();
    config_free(&tr.cfg);
    config_init(&tr.cfg);
    tr.cfg.max_file_size = 1000;
    char big[2000];
    memset(big, 'a', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    ts_put(tr.path, PF "/05-big-plan.md", big);
    char *bin = ts_path(tr.path, PF "/06-bin-plan.md");
    FILE *f = fopen(bin, "wb");
    fwrite("# x\0\0\1\2", 1, 8, f);
    fclose(f);
    ts_put(tr.path, PF "/07-bad-\xff-plan.md", "# bad name\n");
    /* A symlink loop below the root. */
    char *loopdir = ts_path(tr.path, "loop");
    mkdir(loopdir, 0755);
    char *link = ts_path(tr.path, "loop/self");
    cr_assert_eq(symlink(loopdir, link), 0);
    ws_t *ws = ts_ws_scan(&tr, 1);
    cr_assert_null(ws_doc_by_path(ws, bin));
    char *bigp = ts_path(tr.path, PF "/05-big-plan.md");
    cr_assert_null(ws_doc_by_path(ws, bigp));
    cr_assert(ws_path_exists(ws, bigp)); /* links to it still resolve */
    char *fp = ts_path(tr.path, PF);
    cr_assert_eq(ws_folder_by_path(ws, fp)->n_docs, 5);
    free(fp);
    free(bigp);
    free(bin);
    free(link);
    free(loopdir);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, links_resolve_and_external_docs)
{
    basic_folder();
    ts_put(tr.path, "docs/workflows/_work-package.md", "# WP\n");
    ts_put(tr.path, PF "/02-LINKS-ANALYSIS.md",
        "# L\n\n[wp](_work-package.md) [x](https://example.com) [self](#l) [up](../../../../docs/workflows/_work-package.md)\n");
    config_free(&tr.cfg);
    config_init(&tr.cfg);
    json_t *j = json_pack("{s:[s]}", "externalDocs", "docs/workflows");
    cr_assert_eq(config_merge(&tr.cfg, j, NULL), 0);
    json_decref(j);
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *p = ts_path(tr.path, PF "/02-LINKS-ANALYSIS.md");
    ws_doc_t *d = ws_doc_by_path(ws, p);
    cr_assert_not_null(d);
    cr_assert_eq(d->md->n_links, 4);
    char *wp = ts_path(tr.path, "docs/workflows/_work-package.md");
    cr_assert_str_eq(d->link_paths[0], wp);
    cr_assert_null(d->link_paths[1]);
    cr_assert_str_eq(d->link_paths[2], p);
    cr_assert_str_eq(d->link_paths[3], wp);
    /* Links resolving to the same path share one string of the block. */
    cr_assert_eq(d->link_paths[0], d->link_paths[3]);
    cr_assert_neq(d->link_paths[0], d->link_paths[2]);
    cr_assert(ws_path_exists(ws, wp));
    ws_doc_t *w = ws_doc_load(ws, wp);
    cr_assert_not_null(w);
    cr_assert_null(w->folder);
    free(wp);
    free(p);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, overlay_open_edit_close)
{
    basic_folder();
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *p = ts_path(tr.path, PF "/04-ranking-plan.md");
    ws_doc_t *d = ws_open(ws, p, "# Phase 4: Renamed\n", 19, 7);
    cr_assert_eq(d, ws_doc_by_path(ws, p));
    cr_assert(d->is_open);
    cr_assert_eq(d->version, 7);
    cr_assert_str_eq(d->md->h1_title, "Renamed");
    text_doc_set(d->text, "# Phase 4: Again\n", 17);
    ws_doc_changed(ws, d, 8);
    cr_assert_str_eq(d->md->h1_title, "Again");
    ws_close(ws, d);
    d = ws_doc_by_path(ws, p);
    cr_assert_not_null(d);
    cr_assert_not(d->is_open);
    cr_assert_str_eq(d->md->h1_title, "Ranking"); /* disk copy again */
    free(p);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, open_outside_folder_then_close_forgets)
{
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *p = ts_path(tr.path, "notes/todo.md");
    ws_doc_t *d = ws_open(ws, p, "# Todo\n", 7, 1);
    cr_assert_null(d->folder);
    ws_close(ws, d);
    cr_assert_null(ws_doc_by_path(ws, p));
    free(p);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, new_start_here_makes_a_planning_folder)
{
    ts_put(tr.path, "adhoc/03-a-plan.md", "# Phase 3: A\n");
    ws_t *ws = ts_ws_scan(&tr, 1);
    cr_assert_eq(ws_n_folders(ws), 0);
    char *p = ts_path(tr.path, "adhoc/START-HERE.md");
    ws_doc_t *d = ws_open(ws, p, "# Start\n", 8, 1);
    cr_assert_not_null(d->folder);
    cr_assert_eq(d->folder->n_docs, 2); /* the plan on disk joined */
    free(p);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, disk_events_create_change_delete)
{
    basic_folder();
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *fp = ts_path(tr.path, PF);
    ws_folder_t *f = ws_folder_by_path(ws, fp);
    uint64_t gen = f->gen;
    ts_put(tr.path, PF "/05-new-plan.md", "# Phase 5: New\n");
    char *np = ts_path(tr.path, PF "/05-new-plan.md");
    ws_file_event(ws, np, 1);
    cr_assert_eq(f->n_docs, 6);
    cr_assert_gt(f->gen, gen);
    cr_assert_not_null(ws_folder_plan(f, 5));
    ts_put(tr.path, PF "/05-new-plan.md", "# Phase 5: Changed\n");
    ws_file_event(ws, np, 2);
    cr_assert_str_eq(ws_doc_by_path(ws, np)->md->h1_title, "Changed");
    cr_assert_eq(unlink(np), 0);
    ws_file_event(ws, np, 3);
    cr_assert_null(ws_doc_by_path(ws, np));
    cr_assert_eq(f->n_docs, 5);
    /* A whole new folder appears. */
    ts_put(tr.path, ".engineering/artifacts/planning/2026-02-01-more/START-HERE.md", "# More\n");
    char *mp = ts_path(tr.path, ".engineering/artifacts/planning/2026-02-01-more");
    ws_file_event(ws, mp, 1);
    cr_assert_not_null(ws_folder_by_path(ws, mp));
    /* And goes away. */
    ts_rmtree(mp);
    ws_file_event(ws, mp, 3);
    cr_assert_null(ws_folder_by_path(ws, mp));
    free(mp);
    free(np);
    free(fp);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, open_document_survives_deletion_on_disk)
{
    basic_folder();
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *p = ts_path(tr.path, PF "/03-search-plan.md");
    ws_doc_t *d = ws_open(ws, p, PLAN3, strlen(PLAN3), 1);
    cr_assert_eq(unlink(p), 0);
    ws_file_event(ws, p, 3);
    d = ws_doc_by_path(ws, p);
    cr_assert_not_null(d);
    cr_assert(d->is_open);
    cr_assert_not(d->on_disk);
    ws_close(ws, d);
    cr_assert_null(ws_doc_by_path(ws, p));
    free(p);
    ts_ws_free(&tr.loop, ws);
}

static int changes;
static void on_change(void *ud, ws_folder_t *f, ws_doc_t *d)
{
    changes++;
}

Test(workspace, watcher_sees_disk_changes)
{
    basic_folder();
    ws_t *ws = ts_ws_scan(&tr, 1);
    ws_set_callbacks(ws, on_change, NULL, NULL);
    ws_watch(ws);
    changes = 0;
    ts_put(tr.path, PF "/06-watched-plan.md", "# Phase 6: Watched\n");
    char *p = ts_path(tr.path, PF "/06-watched-plan.md");
    for (int i = 0; i < 200 && !ws_doc_by_path(ws, p); i++)
        uv_run(&tr.loop, UV_RUN_NOWAIT), usleep(5000);
    cr_assert_not_null(ws_doc_by_path(ws, p));
    cr_assert_gt(changes, 0);
    free(p);
    ts_ws_free(&tr.loop, ws);
}

Test(workspace, indexes_plans_refs_edges)
{
    basic_folder();
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *fp = ts_path(tr.path, PF);
    ws_folder_t *f = ws_folder_by_path(ws, fp);
    ws_folder_index(f);
    cr_assert_eq(f->n_plans, 2);
    cr_assert_eq(ws_folder_plan(f, 3)->number, 3);
    cr_assert_null(ws_folder_plan(f, 9));
    /* Edges: plan 3 requires 4; START-HERE says 4 depends on 3. */
    cr_assert_eq(f->n_edges, 2);
    size_t n;
    const ws_ref_t *r = ws_folder_refs(f, 4, &n);
    /* "Phase 4 must be complete", the Next Phase link, START-HERE's two
     * mentions of Phase 4 ... of 3: */
    cr_assert_geq(n, 2);
    for (size_t i = 0; i < n; i++)
        cr_assert(r[i].link >= 0 || r[i].ref >= 0);
    ws_doc_t *p3 = ws_folder_plan(f, 3);
    int link = -1;
    for (size_t i = 0; i < p3->md->n_links; i++)
        if (strstr(p3->md->links[i].target, "04-ranking"))
            link = (int)i;
    cr_assert_geq(link, 0);
    cr_assert_eq(ws_link_phase(ws, p3, link), 4);
    free(fp);
    ts_ws_free(&tr.loop, ws);
}

static size_t done_folders, done_docs, done_count;
static void count_done(void *ud, size_t nf, size_t nd, double ms)
{
    done_folders = nf;
    done_docs = nd;
    done_count++;
}

/* The scan completes once, after every folder is in, in both modes. */
Test(workspace, scan_completes_after_the_last_folder)
{
    for (int i = 0; i < 5; i++) {
        char rel[128];
        snprintf(rel, sizeof(rel), ".engineering/artifacts/planning/2026-01-%02d-f/START-HERE.md", i + 1);
        ts_put(tr.path, rel, "# S\n");
        snprintf(rel, sizeof(rel), ".engineering/artifacts/planning/2026-01-%02d-f/01-a-plan.md", i + 1);
        ts_put(tr.path, rel, "# Phase 1: A\n");
    }
    for (int threads = 0; threads <= 1; threads++) {
        ws_t *ws = ws_new(&tr.loop, tr.path, &tr.cfg, &tr.log);
        done_count = 0;
        cr_assert_eq(ws_scan(ws, threads, NULL, count_done, NULL), 0);
        uv_run(&tr.loop, UV_RUN_DEFAULT);
        cr_assert_eq(done_count, 1);
        cr_assert_eq(done_folders, 5, "threads=%d: done after %zu folders", threads, done_folders);
        cr_assert_eq(done_docs, 10);
        ts_ws_free(&tr.loop, ws);
    }
}

/* The analysis' references to phase `phase` in index order: link indexes,
 * -1 for a `Phase N` mention, then -2. */
static void expect_refs(ws_folder_t *f, const ws_doc_t *d, int phase, const int *want)
{
    size_t n, k = 0;
    const ws_ref_t *r = ws_folder_refs(f, phase, &n);
    for (size_t i = 0; i < n; i++) {
        if (r[i].from != d)
            continue;
        cr_assert_neq(want[k], -2, "phase %d: too many references", phase);
        cr_expect_eq(r[i].link, want[k], "phase %d, reference %zu", phase, k);
        k++;
    }
    cr_expect_eq(want[k], -2, "phase %d: only %zu references", phase, k);
}

/* Links naming one file through different texts resolve to one path (and
 * share it); references are indexed by phase, then in document order, both
 * when the phases span a small range (counting sort) and a huge one. */
Test(workspace, shared_link_paths_and_reference_order)
{
    static const char *const TEXT =
        "# L\n\n[a](03-search-plan.md) [b](./03-search-plan.md#x) [c](03-search-plan.md)\n"
        "[d](#l) [e](missing.md) [f](../2026-01-15-demo/04-ranking-plan.md) [g]()\n"
        "Phase 4 and Phase 3.\n";
    basic_folder();
    ts_put(tr.path, PF "/02-LINKS-ANALYSIS.md", TEXT);
    ws_t *ws = ts_ws_scan(&tr, 1);
    char *lp = ts_path(tr.path, PF "/02-LINKS-ANALYSIS.md");
    char *p3 = ts_path(tr.path, PF "/03-search-plan.md");
    char *p4 = ts_path(tr.path, PF "/04-ranking-plan.md");
    char *miss = ts_path(tr.path, PF "/missing.md");
    ws_doc_t *d = ws_doc_by_path(ws, lp);
    cr_assert_not_null(d);
    cr_assert_eq(d->md->n_links, 7);
    cr_expect_str_eq(d->link_paths[0], p3);
    cr_expect_str_eq(d->link_paths[1], p3);
    cr_expect_str_eq(d->link_paths[2], p3);
    cr_expect_eq(d->link_paths[0], d->link_paths[1]); /* one string per file */
    cr_expect_eq(d->link_paths[0], d->link_paths[2]);
    cr_expect_str_eq(d->link_paths[3], lp);
    cr_expect_str_eq(d->link_paths[4], miss);
    cr_expect_str_eq(d->link_paths[5], p4);
    cr_expect_str_eq(d->link_paths[6], lp);

    static const int P3[] = {0, 1, 2, -1, -2}, P4[] = {5, -1, -2}, P9[] = {-1, -2},
                     NONE[] = {-2};
    expect_refs(d->folder, d, 3, P3);
    expect_refs(d->folder, d, 4, P4);
    expect_refs(d->folder, d, 100000, NONE);

    char *more = xasprintf("%sPhase 100000.\n", TEXT);
    cr_assert_eq(ws_open(ws, lp, more, strlen(more), 2), d);
    free(more);
    expect_refs(d->folder, d, 3, P3);
    expect_refs(d->folder, d, 4, P4);
    expect_refs(d->folder, d, 100000, P9);
    free(lp);
    free(p3);
    free(p4);
    free(miss);
    ts_ws_free(&tr.loop, ws);
}

/* The walk runs on the thread pool with its own copy of the configuration:
 * planning roots replaced while it runs are applied once it is done (and
 * the loop may free the old configuration meanwhile). */
Test(workspace, planning_roots_changed_during_the_scan)
{
    ts_root_t r;
    ts_root_init(&r, "roots");
    for (int i = 0; i < 40; i++) {
        char rel[96];
        snprintf(rel, sizeof(rel), ".engineering/artifacts/planning/2026-01-%02d-a/01-x-plan.md", i);
        ts_put(r.path, rel, "# Phase 1: X\n");
    }
    ts_put(r.path, "plans/2026-02-01-b/01-y-plan.md", "# Phase 1: Y\n");
    ws_t *ws = ws_new(&r.loop, r.path, &r.cfg, &r.log);
    done_count = 0;
    cr_assert_eq(ws_scan(ws, 0, NULL, count_done, NULL), 0);
    config_t cfg;
    config_init(&cfg);
    char *err = NULL;
    int line = 0, col = 0;
    const char *js = "{\"planningRoots\": [\"plans\"]}";
    cr_assert_eq(config_merge_text(&cfg, js, strlen(js), &err, &line, &col), 0);
    ws_set_config(ws, &cfg); /* the scan is in flight */
    config_free(&cfg);
    uv_run(&r.loop, UV_RUN_DEFAULT);
    cr_assert_eq(done_count, 1);
    cr_assert_eq(ws_n_folders(ws), 1, "only the new root's folder: %zu", ws_n_folders(ws));
    char *b = ts_path(r.path, "plans/2026-02-01-b");
    cr_assert_not_null(ws_folder_by_path(ws, b));
    free(b);
    ts_ws_free(&r.loop, ws);
    ts_root_fini(&r);
}

static bool has_doc(ws_doc_t *const *v, size_t n, const ws_doc_t *d)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == d)
            return true;
    return false;
}

/* The backlink index follows every change of links: references read it
 * instead of scanning the workspace. */
Test(workspace, backlinks_follow_edits_and_removals)
{
    ts_root_t r;
    ts_root_init(&r, "backlinks");
#define PA ".engineering/artifacts/planning/2026-01-10-a"
#define PB2 ".engineering/artifacts/planning/2026-02-10-b"
    ts_put(r.path, PA "/01-x-plan.md", "# Phase 1: X\n");
    ts_put(r.path, PA "/README.md", "[x](01-x-plan.md) and [again](01-x-plan.md#x)\n");
    ts_put(r.path, PB2 "/START-HERE.md", "[x](../2026-01-10-a/01-x-plan.md)\n");
    ts_put(r.path, PB2 "/02-y-plan.md", "# Phase 2: Y\n\n[self](#y)\n");
    ws_t *ws = ts_ws_scan_at(&r.loop, r.path, &r.cfg, &r.log, 0);
    ws_doc_t *x = ts_doc(ws, r.path, PA "/01-x-plan.md");
    ws_doc_t *readme = ts_doc(ws, r.path, PA "/README.md");
    ws_doc_t *start = ts_doc(ws, r.path, PB2 "/START-HERE.md");
    ws_doc_t *y = ts_doc(ws, r.path, PB2 "/02-y-plan.md");
    size_t n;
    ws_doc_t *const *v = ws_backlinks(ws, x->path, &n);
    cr_assert_eq(n, 2, "README once (two links), START-HERE once");
    cr_assert(has_doc(v, n, readme) && has_doc(v, n, start));
    v = ws_backlinks(ws, y->path, &n);
    cr_assert_eq(n, 1, "a link to its own anchor");
    cr_assert(has_doc(v, n, y));

    /* START-HERE drops its link, then gets it back. */
    ws_open(ws, start->path, "no links\n", 9, 2);
    v = ws_backlinks(ws, x->path, &n);
    cr_assert_eq(n, 1);
    cr_assert(has_doc(v, n, readme) && !has_doc(v, n, start));
    const char *back = "[x](../2026-01-10-a/01-x-plan.md)\n";
    ws_open(ws, start->path, back, strlen(back), 3);
    v = ws_backlinks(ws, x->path, &n);
    cr_assert_eq(n, 2);
    cr_assert(has_doc(v, n, start));

    /* README deleted on disk: it leaves the index. */
    char *rp = xstrdup(readme->path);
    cr_assert_eq(unlink(rp), 0);
    ws_file_event(ws, rp, 3); /* deleted */
    cr_assert_null(ws_doc_by_path(ws, rp));
    v = ws_backlinks(ws, x->path, &n);
    cr_assert_eq(n, 1);
    cr_assert(has_doc(v, n, start));
    free(rp);
    cr_assert_null(ws_backlinks(ws, "/nowhere.md", &n));
    cr_assert_eq(n, 0);
#undef PA
#undef PB2
    ts_ws_free(&r.loop, ws);
    ts_root_fini(&r);
}
