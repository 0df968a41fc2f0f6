/* Tests for symbols: the document outline (hierarchical and flat), workspace
 * symbols with the fuzzy query, and folding ranges, on a workspace scanned
 * from a temp dir. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/symbols.h"
#include "planls/util.h"
#include "support.h"

#define PF ".engineering/artifacts/planning/2026-03-02-demo"
#define PB ".engineering/artifacts/planning/2026-01-10-base"

static ts_root_t tr;
static server_t *srv;

static const char PLAN3[] =
    "# Phase 3: Observability\n"                        /* 0 */
    "\n"                                                /* 1 */
    "**Date:** 2026-03-02\n"                            /* 2 */
    "**Priority:** HIGH (first)\n"                      /* 3 */
    "**Status:** In Progress\n"                         /* 4 */
    "**Estimated Effort:** 3-5h agentic + 1h review\n"  /* 5 */
    "\n"                                                /* 6 */
    "## Overview\n"                                     /* 7 */
    "\n"                                                /* 8 */
    "Text.\n"                                           /* 9 */
    "\n"                                                /* 10 */
    "### Details\n"                                     /* 11 */
    "\n"                                                /* 12 */
    "More.\n"                                           /* 13 */
    "\n"                                                /* 14 */
    "## Success Criteria\n"                             /* 15 */
    "\n"                                                /* 16 */
    "- [x] One\n"                                       /* 17 */
    "- [ ] Two\n";                                      /* 18 */

static void setup(void)
{
    ts_root_init(&tr, "symbols");
    ts_put(tr.path, PF "/START-HERE.md", "# Demo\n");
    ts_put(tr.path, PF "/03-observability-plan.md", PLAN3);
    ts_put(tr.path, PF "/04-result-types-plan.md", "# Phase 4: Result Types\n");
    ts_put(tr.path, PB "/START-HERE.md", "# Base\n");
    ts_put(tr.path, PB "/02-logging-plan.md", "# Phase 2: Logging\n");
    srv = ts_server_new(&tr);
}

static void teardown(void)
{
    ts_server_free(srv);
    ts_root_fini(&tr);
}

TestSuite(symbols, .init = setup, .fini = teardown);

static ws_doc_t *doc(const char *rel)
{
    return ts_doc(srv->ws, tr.path, rel);
}

static ws_doc_t *open_doc(const char *rel, const char *text)
{
    char *path = ts_path(tr.path, rel);
    ws_doc_t *d = ws_open(srv->ws, path, text, strlen(text), 1);
    free(path);
    return d;
}

static void assert_range(json_t *r, int sl, int sc, int el, int ec)
{
    cr_assert_eq(ts_int_at(r, "start.line"), sl);
    cr_assert_eq(ts_int_at(r, "start.character"), sc);
    cr_assert_eq(ts_int_at(r, "end.line"), el);
    cr_assert_eq(ts_int_at(r, "end.character"), ec);
}

Test(symbols, fuzzy_match)
{
    cr_assert(symbols_fuzzy_match("", "anything"));
    cr_assert(symbols_fuzzy_match("", ""));
    cr_assert(symbols_fuzzy_match("obs", "Phase 3: Observability"));
    cr_assert(symbols_fuzzy_match("OBS", "Phase 3: Observability"));
    cr_assert(symbols_fuzzy_match("p3o", "Phase 3: Observability"));
    cr_assert_not(symbols_fuzzy_match("sbo", "Observability"));
    cr_assert_not(symbols_fuzzy_match("x", ""));
    cr_assert_not(symbols_fuzzy_match("observabilityy", "Observability"));
}

Test(symbols, hierarchical_outline_with_header_fields)
{
    srv->caps.hierarchical_symbols = true;
    json_t *r = symbols_document(srv, doc(PF "/03-observability-plan.md"));
    cr_assert_eq(json_array_size(r), 1);
    json_t *h1 = json_array_get(r, 0);
    cr_assert_str_eq(ts_str_at(h1, "name"), "Phase 3: Observability");
    cr_assert_eq(ts_int_at(h1, "kind"), SYMBOLS_KIND_STRING);
    assert_range(json_object_get(h1, "range"), 0, 0, 18, 9);
    assert_range(json_object_get(h1, "selectionRange"), 0, 2, 0, 24);
    json_t *kids = json_object_get(h1, "children");
    cr_assert_eq(json_array_size(kids), 6);
    static const char *const names[] = {"Date", "Priority", "Status", "Estimated Effort",
                                        "Overview", "Success Criteria"};
    for (size_t i = 0; i < 6; i++)
        cr_assert_str_eq(ts_str_at(json_array_get(kids, i), "name"), names[i]);
    json_t *date = json_array_get(kids, 0);
    cr_assert_eq(ts_int_at(date, "kind"), SYMBOLS_KIND_PROPERTY);
    cr_assert_str_eq(ts_str_at(date, "detail"), "2026-03-02");
    assert_range(json_object_get(date, "range"), 2, 0, 2, 20);
    assert_range(json_object_get(date, "selectionRange"), 2, 0, 2, 9);
    json_t *overview = json_array_get(kids, 4);
    assert_range(json_object_get(overview, "range"), 7, 0, 13, 5);
    json_t *details = json_array_get(json_object_get(overview, "children"), 0);
    cr_assert_str_eq(ts_str_at(details, "name"), "Details");
    assert_range(json_object_get(details, "range"), 11, 0, 13, 5);
    cr_assert_eq(json_array_size(json_object_get(details, "children")), 0);
    assert_range(json_object_get(json_array_get(kids, 5), "range"), 15, 0, 18, 9);
    json_decref(r);
}

Test(symbols, flat_list_without_hierarchy_support)
{
    srv->caps.hierarchical_symbols = false;
    json_t *r = symbols_document(srv, doc(PF "/03-observability-plan.md"));
    cr_assert_eq(json_array_size(r), 8);
    static const char *const names[] = {"Phase 3: Observability", "Date", "Priority", "Status",
                                        "Estimated Effort", "Overview", "Details",
                                        "Success Criteria"};
    static const char *const containers[] = {NULL, "Phase 3: Observability",
                                             "Phase 3: Observability", "Phase 3: Observability",
                                             "Phase 3: Observability", "Phase 3: Observability",
                                             "Overview", "Phase 3: Observability"};
    for (size_t i = 0; i < 8; i++) {
        json_t *s = json_array_get(r, i);
        cr_assert_str_eq(ts_str_at(s, "name"), names[i]);
        if (containers[i])
            cr_assert_str_eq(ts_str_at(s, "containerName"), containers[i]);
        else
            cr_assert_null(json_object_get(s, "containerName"));
        cr_assert(util_has_suffix(ts_str_at(s, "location.uri"), "/03-observability-plan.md"));
    }
    assert_range(rpc_get(json_array_get(r, 6), "location.range"), 11, 0, 13, 5);
    json_decref(r);
}

Test(symbols, empty_headings_and_empty_documents)
{
    srv->caps.hierarchical_symbols = true;
    json_t *r = symbols_document(srv, open_doc(PF "/NOTES.md", "## \n\ntext\n"));
    cr_assert_eq(json_array_size(r), 1);
    cr_assert_str_eq(ts_str_at(json_array_get(r, 0), "name"), "(empty heading)");
    json_decref(r);
    r = symbols_document(srv, open_doc(PF "/EMPTY.md", ""));
    cr_assert(json_is_array(r));
    cr_assert_eq(json_array_size(r), 0);
    json_decref(r);
    r = symbols_folding(srv, open_doc(PF "/EMPTY.md", ""));
    cr_assert_eq(json_array_size(r), 0);
    json_decref(r);
}

Test(symbols, utf16_ranges_after_emoji)
{
    srv->caps.hierarchical_symbols = true;
    json_t *r = symbols_document(srv, open_doc(PF "/NOTES.md", "## \xF0\x9F\x8E\xAF Goal\r\n\r\nx\r\n"));
    json_t *s = json_array_get(r, 0);
    cr_assert_str_eq(ts_str_at(s, "name"), "\xF0\x9F\x8E\xAF Goal");
    assert_range(json_object_get(s, "selectionRange"), 0, 3, 0, 10);
    assert_range(json_object_get(s, "range"), 0, 0, 2, 1);
    json_decref(r);
}

static void assert_names(json_t *r, const char *const *names, size_t n)
{
    cr_assert_eq(json_array_size(r), n);
    for (size_t i = 0; i < n; i++)
        cr_assert_str_eq(ts_str_at(json_array_get(r, i), "name"), names[i]);
}

Test(symbols, workspace_symbols_of_every_folder)
{
    json_t *r = symbols_workspace(srv, "");
    static const char *const all[] = {"Phase 2: Logging", "Phase 3: Observability",
                                      "Phase 4: Result Types"};
    assert_names(r, all, 3);
    json_t *s = json_array_get(r, 1);
    cr_assert_eq(ts_int_at(s, "kind"), SYMBOLS_KIND_MODULE);
    cr_assert_str_eq(ts_str_at(s, "containerName"), "2026-03-02-demo");
    cr_assert(util_has_suffix(ts_str_at(s, "location.uri"), "/" PF "/03-observability-plan.md"));
    assert_range(rpc_get(s, "location.range"), 0, 0, 0, 24);
    cr_assert_str_eq(ts_str_at(json_array_get(r, 0), "containerName"), "2026-01-10-base");
    json_decref(r);
}

Test(symbols, workspace_symbol_queries)
{
    static const char *const obs[] = {"Phase 3: Observability"};
    static const char *const res[] = {"Phase 4: Result Types"};
    static const char *const two[] = {"Phase 2: Logging"};
    json_t *r = symbols_workspace(srv, "obs");
    assert_names(r, obs, 1);
    json_decref(r);
    r = symbols_workspace(srv, "RESULT");
    assert_names(r, res, 1);
    json_decref(r);
    r = symbols_workspace(srv, "04-res");
    assert_names(r, res, 1);
    json_decref(r);
    r = symbols_workspace(srv, "p2");
    assert_names(r, two, 1);
    json_decref(r);
    r = symbols_workspace(srv, "zzz");
    cr_assert_eq(json_array_size(r), 0);
    json_decref(r);
}

Test(symbols, workspace_symbols_capped_at_500)
{
    for (int i = 10; i < 610; i++) {
        char rel[128], text[64];
        snprintf(rel, sizeof(rel), PF "/%d-step-%d-plan.md", i, i);
        snprintf(text, sizeof(text), "# Phase %d: Step %d\n", i, i);
        ts_put(tr.path, rel, text);
    }
    ts_server_free(srv);
    srv = ts_server_new(&tr);
    json_t *r = symbols_workspace(srv, "");
    cr_assert_eq(json_array_size(r), 500, "603 phases, 500 listed");
    json_decref(r);
    /* The query narrows below the cap: every match is there. */
    r = symbols_workspace(srv, "Step 609");
    static const char *const last[] = {"Phase 609: Step 609"};
    assert_names(r, last, 1);
    json_decref(r);
}

static const char FOLD[] =
    "# Title\n"          /* 0 */
    "\n"                 /* 1 */
    "Intro.\n"           /* 2 */
    "\n"                 /* 3 */
    "## Section A\n"     /* 4 */
    "\n"                 /* 5 */
    "| a | b |\n"        /* 6 */
    "|---|---|\n"        /* 7 */
    "| 1 | 2 |\n"        /* 8 */
    "\n"                 /* 9 */
    "- item one\n"       /* 10 */
    "  continued\n"      /* 11 */
    "- item two\n"       /* 12 */
    "  - nested\n"       /* 13 */
    "  - nested 2\n"     /* 14 */
    "\n"                 /* 15 */
    "```text\n"          /* 16 */
    "- not a list\n"     /* 17 */
    "```\n"              /* 18 */
    "\n"                 /* 19 */
    "## Section B\n"     /* 20 */
    "\n"                 /* 21 */
    "Last.\n";           /* 22 */

Test(symbols, folding_ranges)
{
    json_t *r = symbols_folding(srv, open_doc(PF "/NOTES.md", FOLD));
    static const int want[][2] = {{0, 22}, {4, 18}, {6, 8}, {10, 14},
                                  {10, 11}, {12, 14}, {16, 18}, {20, 22}};
    cr_assert_eq(json_array_size(r), UTIL_ARRAY_LEN(want));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(want); i++) {
        json_t *f = json_array_get(r, i);
        cr_assert_eq(ts_int_at(f, "startLine"), want[i][0], "fold %zu", i);
        cr_assert_eq(ts_int_at(f, "endLine"), want[i][1], "fold %zu", i);
    }
    json_decref(r);
}

Test(symbols, folding_a_deep_list_is_linear_and_closes_at_eof)
{
    buf_t b = BUF_INIT;
    for (int i = 0; i < 2000; i++)
        buf_printf(&b, "%*s- item\n", i % 40, "");
    json_t *r = symbols_folding(srv, open_doc(PF "/NOTES.md", buf_cstr(&b)));
    cr_assert_gt(json_array_size(r), 0);
    json_t *first = json_array_get(r, 0);
    cr_assert_eq(ts_int_at(first, "startLine"), 0);
    cr_assert_eq(ts_int_at(first, "endLine"), 1999);
    json_decref(r);
    buf_free(&b);
}

Test(symbols, sections_end_before_the_templates_rule_and_notes_are_no_fields)
{
    srv->caps.hierarchical_symbols = true;
    json_t *r = symbols_document(srv, open_doc(PF "/NOTES.md",
                                               "# Notes\n\n**Created:** 2026-03-02\n\n"
                                               "> **Note on Time Estimates:** agentic time\n\n"
                                               "## A\n\nText.\n\n---\n\n## B\n\nMore.\n\n* * *\n"));
    json_t *h1 = json_array_get(r, 0);
    json_t *kids = json_object_get(h1, "children");
    cr_assert_eq(json_array_size(kids), 3);
    cr_assert_str_eq(ts_str_at(json_array_get(kids, 0), "name"), "Created");
    assert_range(json_object_get(json_array_get(kids, 1), "range"), 6, 0, 8, 5);
    assert_range(json_object_get(json_array_get(kids, 2), "range"), 12, 0, 14, 5);
    assert_range(json_object_get(h1, "range"), 0, 0, 14, 5);
    json_decref(r);
}
