/* Tests for complete: context detection at the cursor and the items built
 * from a real workspace (scanned from a temp dir), with textEdit ranges in
 * the negotiated encoding. A cursor is written "<|>" in the test texts. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/complete.h"
#include "planls/util.h"
#include "support.h"

#define PF ".engineering/artifacts/planning/2026-03-02-demo"
#define PB ".engineering/artifacts/planning/2026-01-10-base"
#define CURSOR "<|>"

static ts_root_t tr;
static server_t *srv;

static void setup(void)
{
    ts_root_init(&tr, "complete");
    ts_put(tr.path, PF "/START-HERE.md",
           "# Demo - March 2026\n\n**Created:** 2026-03-02\n**Status:** In Progress\n\n"
           "## Priority Order\n\n1. \xF0\x9F\x94\xB4 **HIGH:** Phase 3 - Observability\n");
    ts_put(tr.path, PF "/README.md",
           "# Demo\n\n**Created:** 2026-03-02\n**Status:** In Progress\n");
    ts_put(tr.path, PF "/01-CONTEXT-ANALYSIS.md",
           "# Context Analysis\n\n## Slow Queries\n\nSome.\n\n## Key Findings\n\nMore.\n");
    ts_put(tr.path, PF "/03-observability-plan.md",
           "# Phase 3: Observability\n\n**Date:** 2026-03-02\n**Priority:** HIGH (first)\n"
           "**Status:** In Progress\n**Estimated Effort:** 3-5h agentic + 1h review\n\n"
           "## Overview\n\nMetrics.\n");
    ts_put(tr.path, PF "/04-result-types-plan.md",
           "# Phase 4: Result Types\n\n**Date:** 2026-03-02\n**Priority:** MEDIUM (second)\n"
           "**Status:** Ready for Implementation\n\n## Overview\n\nTypes.\n");
    ts_put(tr.path, PB "/START-HERE.md",
           "# Base\n\n**Created:** 2026-01-10\n**Status:** Complete\n");
    ts_put(tr.path, PB "/02-logging-plan.md", "# Phase 2: Logging\n\n**Priority:** HIGH\n");
    srv = ts_server_new(&tr);
}

static void teardown(void)
{
    ts_server_free(srv);
    ts_root_fini(&tr);
}

TestSuite(complete, .init = setup, .fini = teardown);

/* Open rel (relative to root) with text whose cursor is marked "<|>";
 * *offset receives the cursor's byte offset. */
static ws_doc_t *open_at(const char *rel, const char *marked, size_t *offset)
{
    const char *c = strstr(marked, CURSOR);
    cr_assert_not_null(c, "no cursor in %s", marked);
    size_t at = (size_t)(c - marked);
    char *text = xasprintf("%.*s%s", (int)at, marked, c + strlen(CURSOR));
    char *path = ts_path(tr.path, rel);
    ws_doc_t *d = ws_open(srv->ws, path, text, strlen(text), 1);
    free(path);
    free(text);
    *offset = at;
    return d;
}

static complete_kind_t ctx_of(const char *rel, const char *marked, complete_ctx_t *cx)
{
    size_t off;
    ws_doc_t *d = open_at(rel, marked, &off);
    return complete_context(d, off, cx);
}

static json_t *complete_marked(const char *rel, const char *marked)
{
    size_t off;
    ws_doc_t *d = open_at(rel, marked, &off);
    return complete_at(srv, d, off);
}

static json_t *item(json_t *list, const char *label)
{
    json_t *items = json_object_get(list, "items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        if (strcmp(json_string_value(json_object_get(it, "label")), label) == 0)
            return it;
    }
    return NULL;
}

static size_t n_items(json_t *list)
{
    return json_array_size(json_object_get(list, "items"));
}

static void assert_edit(json_t *it, int line, int sc, int ec, const char *text)
{
    cr_assert_not_null(it);
    cr_assert_eq(ts_int_at(it, "textEdit.range.start.line"), line);
    cr_assert_eq(ts_int_at(it, "textEdit.range.start.character"), sc);
    cr_assert_eq(ts_int_at(it, "textEdit.range.end.line"), line);
    cr_assert_eq(ts_int_at(it, "textEdit.range.end.character"), ec);
    cr_assert_str_eq(ts_str_at(it, "textEdit.newText"), text);
}

/* ---- context detection ---- */

Test(complete, link_target_context)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "See [x](03-ob<|>", &cx), COMPLETE_LINK_TARGET);
    cr_assert_eq(cx.start, 8);
    cr_assert_eq(cx.end, 13);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "See [x](<<|>", &cx), COMPLETE_LINK_TARGET);
    cr_assert_eq(cx.start, 9);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "![img](<|>", &cx), COMPLETE_LINK_TARGET);
    cr_assert_eq(cx.start, 7);
    complete_ctx_free(&cx);
}

Test(complete, anchor_context)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "[x](01-CONTEXT-ANALYSIS.md#sl<|>", &cx), COMPLETE_ANCHOR);
    cr_assert_str_eq(cx.path, "01-CONTEXT-ANALYSIS.md");
    cr_assert_eq(cx.start, 27);
    cr_assert_eq(cx.end, 29);
    complete_ctx_free(&cx);
    cr_assert_null(cx.path);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "[x](#<|>", &cx), COMPLETE_ANCHOR);
    cr_assert_str_eq(cx.path, "");
    cr_assert_eq(cx.start, 5);
    complete_ctx_free(&cx);
}

Test(complete, no_context)
{
    complete_ctx_t cx;
    static const char *const texts[] = {
        "[x](https://exa<|>",   /* a URI scheme */
        "[x](a.md#b#<|>",       /* two anchors */
        "[x](a.md) and <|>",    /* the link is closed */
        "(<|>",                 /* no "]" */
        "Rephase 3<|>",         /* not a whole word */
        "Phase<|>",             /* no blank after Phase */
        "phase 3<|>",           /* lower case */
        "### <|>",              /* only H2 sections */
        "## Ov<|>erview",       /* the line is not empty after the cursor */
        "**Prioritize:** <|>",  /* another key */
        "**Priority:** HIGH (be<|>", /* typing the reason */
        "plain text<|>",
        "",
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(texts); i++) {
        const char *t = texts[i][0] ? texts[i] : CURSOR;
        cr_assert_eq(ctx_of(PF "/NOTES.md", t, &cx), COMPLETE_NONE, "%s", t);
        complete_ctx_free(&cx);
    }
}

Test(complete, phase_context)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "Done before Phase 1<|>", &cx), COMPLETE_PHASE);
    cr_assert_eq(cx.start, 12);
    cr_assert_eq(cx.end, 19);
    cr_assert_not(cx.in_link_label);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "- **Phase <|>", &cx), COMPLETE_PHASE);
    cr_assert_eq(cx.start, 4);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "see [Phase <|>", &cx), COMPLETE_PHASE);
    cr_assert(cx.in_link_label);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "[a](b.md) Phase <|>", &cx), COMPLETE_PHASE);
    cr_assert_not(cx.in_link_label);
    complete_ctx_free(&cx);
}

Test(complete, nothing_inside_code)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "Use `Phase <|>` here", &cx), COMPLETE_NONE);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "```\nPhase <|>\n```\n", &cx), COMPLETE_NONE);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "    [x](<|>\n", &cx), COMPLETE_NONE);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "```\n## <|>\n```\n", &cx), COMPLETE_NONE);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "text\n\n```\nPhase <|>", &cx), COMPLETE_NONE);
    complete_ctx_free(&cx);
}

Test(complete, field_contexts)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "**Priority:** HI<|>", &cx), COMPLETE_PRIORITY);
    cr_assert_eq(cx.start, 14);
    cr_assert_not(cx.lead_space);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "**Priority:**<|>", &cx), COMPLETE_PRIORITY);
    cr_assert_eq(cx.start, 13);
    cr_assert(cx.lead_space);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "- **Status:** In<|>", &cx), COMPLETE_STATUS);
    cr_assert_eq(cx.start, 14);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "> 1. **estimated effort:** 3-<|>", &cx), COMPLETE_EFFORT);
    cr_assert_eq(cx.start, 27);
    complete_ctx_free(&cx);
}

Test(complete, section_context)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "# T\n\n## <|>\n", &cx), COMPLETE_SECTION);
    cr_assert_eq(cx.start, 8);
    cr_assert_eq(cx.end, 8);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "# T\n\n  ##  Ov<|>  \n", &cx), COMPLETE_SECTION);
    cr_assert_eq(cx.start, 11);
    cr_assert_eq(cx.end, 13);
    complete_ctx_free(&cx);
}

Test(complete, offset_past_the_end_is_clamped)
{
    ws_doc_t *d;
    size_t off;
    d = open_at(PF "/NOTES.md", "Phase <|>", &off);
    complete_ctx_t cx;
    cr_assert_eq(complete_context(d, 1000000, &cx), COMPLETE_PHASE);
    cr_assert_eq(cx.end, 6);
    complete_ctx_free(&cx);
}

/* ---- items ---- */

Test(complete, link_targets_of_the_folder_then_other_folders)
{
    json_t *r = complete_marked(PF "/NOTES.md", "See [x](<|>");
    cr_assert(json_is_object(r));
    cr_assert(json_is_false(json_object_get(r, "isIncomplete")));
    json_t *plan = item(r, "03-observability-plan.md");
    assert_edit(plan, 0, 8, 8, "03-observability-plan.md");
    cr_assert_eq(ts_int_at(plan, "kind"), 17);
    cr_assert_str_eq(ts_str_at(plan, "detail"), "Phase 3: Observability");
    cr_assert_str_eq(ts_str_at(plan, "documentation"),
                     "Priority: HIGH (first) \xC2\xB7 Status: In Progress \xC2\xB7 "
                     "Effort: 3-5h agentic + 1h review \xC2\xB7 Date: 2026-03-02");
    cr_assert_not_null(item(r, "START-HERE.md"));
    cr_assert_null(item(r, "NOTES.md"), "the document itself is not offered");
    json_t *other = item(r, "../2026-01-10-base/02-logging-plan.md");
    assert_edit(other, 0, 8, 8, "../2026-01-10-base/02-logging-plan.md");
    cr_assert_str_eq(ts_str_at(other, "detail"), "Phase 2: Logging");
    /* The folder's own documents sort first. */
    cr_assert_lt(strcmp(ts_str_at(plan, "sortText"), ts_str_at(other, "sortText")), 0);
    cr_assert_eq(n_items(r), 7);
    json_decref(r);
}

Test(complete, other_folders_of_a_large_workspace_once_the_path_leaves_the_folder)
{
    /* 210 documents elsewhere: more than are listed on every "](". */
    for (int i = 0; i < 210; i++) {
        char *rel = xasprintf(".engineering/artifacts/planning/2026-02-01-big/%02d-p%d-plan.md",
                              i % 100, i);
        ts_put(tr.path, rel, "# Phase\n");
        free(rel);
    }
    ts_server_free(srv);
    srv = ts_server_new(&tr);
    json_t *r = complete_marked(PF "/NOTES.md", "See [x](<|>");
    cr_assert(json_is_true(json_object_get(r, "isIncomplete")),
              "incomplete: the client asks again as the path is typed");
    cr_assert_eq(n_items(r), 5, "only the folder's own documents");
    cr_assert_not_null(item(r, "03-observability-plan.md"));
    json_decref(r);
    r = complete_marked(PF "/NOTES.md", "See [x](../<|>");
    cr_assert(json_is_false(json_object_get(r, "isIncomplete")), "all 212 fit in one answer");
    cr_assert_eq(n_items(r), 5 + 212);
    assert_edit(item(r, "../2026-02-01-big/07-p107-plan.md"), 0, 8, 11,
                "../2026-02-01-big/07-p107-plan.md");
    cr_assert_not_null(item(r, "../2026-01-10-base/02-logging-plan.md"));
    json_decref(r);
}

Test(complete, shared_edit_range_sent_once_as_item_default)
{
    srv->caps.completion_edit_range = true;
    json_t *r = complete_marked(PF "/NOTES.md", "See [x](03-ob<|>");
    cr_assert_eq(ts_int_at(r, "itemDefaults.editRange.start.character"), 8);
    cr_assert_eq(ts_int_at(r, "itemDefaults.editRange.end.character"), 13);
    json_t *plan = item(r, "03-observability-plan.md");
    cr_assert_not_null(plan);
    cr_assert_null(json_object_get(plan, "textEdit"), "the range is the list's default");
    cr_assert_null(json_object_get(plan, "textEditText"), "the label is the text");
    json_decref(r);
    /* An item whose text differs from its label says so. */
    r = complete_marked(PF "/03-observability-plan.md",
                        "# Phase 3: Observability\n\n**Priority:** H<|>\n");
    json_t *items = json_object_get(r, "items");
    cr_assert_gt(json_array_size(items), 0);
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it) {
        cr_assert_null(json_object_get(it, "textEdit"));
        json_t *tt = json_object_get(it, "textEditText");
        if (tt)
            cr_assert_str_neq(json_string_value(tt), ts_str_at(it, "label"));
    }
    json_decref(r);
}

Test(complete, summaries_on_resolve_for_clients_that_resolve_them)
{
    srv->caps.completion_resolve_docs = true;
    srv->caps.completion_default_data = true;
    json_t *r = complete_marked(PF "/NOTES.md", "See [x](<|>");
    const char *uri = ts_str_at(r, "itemDefaults.data.uri");
    cr_assert(strstr(uri, "file://") == uri && strstr(uri, "/2026-03-02-demo/NOTES.md"), "%s", uri);
    json_t *plan = item(r, "03-observability-plan.md");
    cr_assert_null(json_object_get(plan, "documentation"), "sent on resolve");
    /* The client merges the list's defaults into the item it resolves. */
    json_t *asked = json_deep_copy(plan);
    json_object_set(asked, "data", json_object_get(json_object_get(r, "itemDefaults"), "data"));
    json_t *got = complete_resolve_request(srv, NULL, asked);
    cr_assert_str_eq(ts_str_at(got, "documentation"),
                     "Priority: HIGH (first) \xC2\xB7 Status: In Progress \xC2\xB7 "
                     "Effort: 3-5h agentic + 1h review \xC2\xB7 Date: 2026-03-02");
    cr_assert_str_eq(ts_str_at(got, "label"), "03-observability-plan.md", "the rest is kept");
    json_decref(got);
    /* Another folder's document, by its relative label. */
    json_object_set_new(asked, "label", json_string("../2026-01-10-base/START-HERE.md"));
    got = complete_resolve_request(srv, NULL, asked);
    cr_assert_str_eq(ts_str_at(got, "documentation"), "Status: Complete \xC2\xB7 Created: 2026-01-10");
    json_decref(got);
    /* Nothing to add: a missing document, or an item of another kind. */
    json_object_set_new(asked, "label", json_string("99-gone-plan.md"));
    got = complete_resolve_request(srv, NULL, asked);
    cr_assert_null(json_object_get(got, "documentation"));
    json_decref(got);
    json_object_set_new(asked, "label", json_string("README.md"));
    json_object_set_new(asked, "kind", json_integer(20));
    got = complete_resolve_request(srv, NULL, asked);
    cr_assert_null(json_object_get(got, "documentation"));
    json_decref(got);
    json_decref(asked);
    json_decref(r);
    /* Without itemDefaults.data the summary stays in the item. */
    srv->caps.completion_default_data = false;
    r = complete_marked(PF "/NOTES.md", "See [x](<|>");
    cr_assert_not_null(json_object_get(item(r, "03-observability-plan.md"), "documentation"));
    cr_assert_null(json_object_get(r, "itemDefaults"));
    json_decref(r);
}

Test(complete, a_folder_of_thousands_is_filtered_by_the_typed_name)
{
    for (int i = 0; i < 600; i++) {
        char *rel = xasprintf(PF "/%03d-p%d-plan.md", 100 + i, i);
        ts_put(tr.path, rel, "# Phase\n");
        free(rel);
    }
    ts_server_free(srv);
    srv = ts_server_new(&tr);
    json_t *r = complete_marked(PF "/NOTES.md", "See [x](<|>");
    cr_assert(json_is_true(json_object_get(r, "isIncomplete")));
    cr_assert_eq(n_items(r), 500 + 2, "at most 500 of the folder's 605, and the other folder's 2");
    json_decref(r);
    r = complete_marked(PF "/NOTES.md", "See [x](650-p<|>");
    cr_assert(json_is_true(json_object_get(r, "isIncomplete")));
    cr_assert_not_null(item(r, "650-p550-plan.md"));
    cr_assert_null(item(r, "03-observability-plan.md"), "filtered by the typed name");
    json_decref(r);
}

Test(complete, link_target_range_after_an_emoji_in_utf16_and_utf8)
{
    /* "| 🔭 [x](03-ob": the emoji is 2 UTF-16 units, 4 bytes. */
    json_t *r = complete_marked(PF "/NOTES.md", "intro\r\n| \xF0\x9F\x94\xAD [x](03-ob<|>");
    assert_edit(item(r, "03-observability-plan.md"), 1, 9, 14, "03-observability-plan.md");
    json_decref(r);
    srv->enc = TEXT_ENC_UTF8;
    r = complete_marked(PF "/NOTES.md", "intro\r\n| \xF0\x9F\x94\xAD [x](03-ob<|>");
    assert_edit(item(r, "03-observability-plan.md"), 1, 11, 16, "03-observability-plan.md");
    json_decref(r);
    srv->enc = TEXT_ENC_UTF32;
    r = complete_marked(PF "/NOTES.md", "intro\r\n| \xF0\x9F\x94\xAD [x](03-ob<|>");
    assert_edit(item(r, "03-observability-plan.md"), 1, 8, 13, "03-observability-plan.md");
    json_decref(r);
}

Test(complete, anchors_of_the_target_and_of_this_document)
{
    json_t *r = complete_marked(PF "/NOTES.md", "[x](01-CONTEXT-ANALYSIS.md#<|>");
    cr_assert_eq(n_items(r), 3);
    json_t *it = item(r, "slow-queries");
    assert_edit(it, 0, 27, 27, "slow-queries");
    cr_assert_str_eq(ts_str_at(it, "detail"), "Slow Queries");
    cr_assert_not_null(item(r, "context-analysis"));
    cr_assert_not_null(item(r, "key-findings"));
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "# Notes\n\n## Open Questions\n\n[x](#op<|>");
    cr_assert_eq(n_items(r), 2);
    assert_edit(item(r, "open-questions"), 4, 5, 7, "open-questions");
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "[x](no-such-file.md#<|>");
    cr_assert(json_is_null(r));
    json_decref(r);
}

Test(complete, anchors_in_another_folder)
{
    json_t *r = complete_marked(PF "/NOTES.md", "[x](../2026-01-10-base/02-logging-plan.md#<|>");
    cr_assert_eq(n_items(r), 1);
    cr_assert_not_null(item(r, "phase-2-logging"));
    json_decref(r);
}

Test(complete, phases_plain_and_as_links)
{
    json_t *r = complete_marked(PF "/NOTES.md", "Needs Phase 3<|>");
    cr_assert_eq(n_items(r), 4);
    json_t *p3 = item(r, "Phase 3");
    assert_edit(p3, 0, 6, 13, "Phase 3");
    cr_assert_str_eq(ts_str_at(p3, "detail"), "Observability");
    json_t *l3 = item(r, "[Phase 3: Observability](03-observability-plan.md)");
    assert_edit(l3, 0, 6, 13, "[Phase 3: Observability](03-observability-plan.md)");
    cr_assert_str_eq(ts_str_at(l3, "filterText"), "Phase 3: Observability");
    cr_assert_not_null(item(r, "Phase 4"));
    cr_assert_not_null(item(r, "[Phase 4: Result Types](04-result-types-plan.md)"));
    cr_assert_lt(strcmp(ts_str_at(p3, "sortText"), ts_str_at(l3, "sortText")), 0);
    cr_assert_lt(strcmp(ts_str_at(l3, "sortText"), ts_str_at(item(r, "Phase 4"), "sortText")), 0);
    json_decref(r);
}

Test(complete, phases_inside_a_link_label_are_plain)
{
    json_t *r = complete_marked(PF "/NOTES.md", "[Phase <|>");
    cr_assert_eq(n_items(r), 2);
    cr_assert_not_null(item(r, "Phase 3"));
    cr_assert_not_null(item(r, "Phase 4"));
    json_decref(r);
}

Test(complete, label_details_when_supported)
{
    srv->caps.completion_label_details = true;
    json_t *r = complete_marked(PF "/NOTES.md", "Phase <|>");
    cr_assert_str_eq(ts_str_at(item(r, "Phase 4"), "labelDetails.description"), "Result Types");
    json_decref(r);
}

Test(complete, no_phase_outside_a_planning_folder)
{
    json_t *r = complete_marked("notes/free.md", "Phase <|>");
    cr_assert(json_is_null(r));
    json_decref(r);
}

Test(complete, priorities_plain_and_emoji)
{
    json_t *r = complete_marked(PF "/NOTES.md", "**Priority:** <|>");
    cr_assert_eq(n_items(r), 3);
    assert_edit(item(r, "HIGH"), 0, 14, 14, "HIGH");
    cr_assert_not_null(item(r, "MEDIUM"));
    cr_assert_not_null(item(r, "LOW"));
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "1. \xF0\x9F\x9F\xA0 **MEDIUM:** Phase 4\n\n**Priority:**<|>");
    cr_assert_eq(n_items(r), 6);
    assert_edit(item(r, "\xF0\x9F\x94\xB4 HIGH"), 2, 13, 13, " \xF0\x9F\x94\xB4 HIGH");
    assert_edit(item(r, "LOW"), 2, 13, 13, " LOW");
    json_decref(r);
}

Test(complete, statuses_by_document_kind)
{
    json_t *r = complete_marked(PF "/05-new-plan.md", "# Phase 5: New\n\n**Status:** In<|>");
    cr_assert_eq(n_items(r), 3);
    assert_edit(item(r, "In Progress"), 2, 12, 14, "In Progress");
    cr_assert_not_null(item(r, "Ready for Implementation"));
    cr_assert_not_null(item(r, "Complete"));
    json_decref(r);

    r = complete_marked(PF "/START-HERE.md", "# Demo\n\n**Status:** <|>");
    cr_assert_eq(n_items(r), 3);
    cr_assert_not_null(item(r, "Ready for Review"));
    cr_assert_null(item(r, "Ready for Implementation"));
    json_decref(r);

    r = complete_marked(PF "/README.md", "# Demo\n\n**Status:** <|>");
    cr_assert_not_null(item(r, "Ready for Implementation"));
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "**Status:** <|>");
    cr_assert(json_is_null(r), "no statuses are defined for other documents");
    json_decref(r);
}

Test(complete, effort_snippet_and_plain_text)
{
    srv->caps.snippets = true;
    json_t *r = complete_marked(PF "/NOTES.md", "**Estimated Effort:** <|>");
    cr_assert_eq(n_items(r), 1);
    json_t *it = item(r, "X-Yh agentic + Zh review");
    assert_edit(it, 0, 22, 22, "${1:X}-${2:Y}h agentic + ${3:Z}h review");
    cr_assert_eq(ts_int_at(it, "insertTextFormat"), 2);
    cr_assert_eq(ts_int_at(it, "kind"), 15);
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "**Estimated Effort:** 2.5-<|>");
    assert_edit(item(r, "2.5-Yh agentic + Zh review"), 0, 22, 26,
                "2.5-${1:Y}h agentic + ${2:Z}h review");
    json_decref(r);

    srv->caps.snippets = false;
    r = complete_marked(PF "/NOTES.md", "**Estimated Effort:** <|>");
    it = item(r, "X-Yh agentic + Zh review");
    assert_edit(it, 0, 22, 22, "X-Yh agentic + Zh review");
    cr_assert_eq(ts_int_at(it, "insertTextFormat"), 1);
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "**Estimated Effort:** 3-5<|>");
    assert_edit(item(r, "3-5h agentic + Zh review"), 0, 22, 25, "3-5h agentic + Zh review");
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "**Estimated Effort:** 3-5h ag<|>");
    cr_assert(json_is_null(r));
    json_decref(r);
}

Test(complete, missing_template_sections_in_order)
{
    json_t *r = complete_marked(PF "/05-new-plan.md",
                                "# Phase 5: New\n\n## Overview\n\nx\n\n## Scope\n\n## <|>\n");
    cr_assert_eq(n_items(r), 4);
    json_t *ctx = item(r, "Context from Analysis");
    assert_edit(ctx, 8, 3, 3, "Context from Analysis");
    cr_assert_str_eq(ts_str_at(ctx, "detail"), "template section");
    cr_assert_str_eq(ts_str_at(item(r, "Dependencies"), "detail"), "required section");
    cr_assert_not_null(item(r, "Success Criteria"));
    cr_assert_not_null(item(r, "Implementation"));
    cr_assert_null(item(r, "Overview"));
    cr_assert_lt(
        strcmp(ts_str_at(ctx, "sortText"), ts_str_at(item(r, "Implementation"), "sortText")), 0);
    json_decref(r);
}

Test(complete, sections_take_the_emoji_style_of_the_document)
{
    json_t *r = complete_marked(PF "/README.md",
                                "# Demo\n\n## \xF0\x9F\x93\x8B Overview\n\n## Wh<|>\n");
    json_t *it = item(r, "What's Inside");
    assert_edit(it, 4, 3, 5, "\xF0\x9F\x93\x9A What's Inside");
    cr_assert_null(json_object_get(it, "filterText"), "the label (no emoji) filters");
    cr_assert_null(item(r, "Overview"));
    json_decref(r);

    r = complete_marked(PF "/NOTES.md", "## <|>\n");
    cr_assert(json_is_null(r), "other documents have no template");
    json_decref(r);
}

Test(complete, empty_document_and_code_give_null)
{
    json_t *r = complete_marked(PF "/NOTES.md", "<|>");
    cr_assert(json_is_null(r));
    json_decref(r);
    r = complete_marked(PF "/NOTES.md", "text `Phase <|>` more");
    cr_assert(json_is_null(r));
    json_decref(r);
}

Test(complete, invalid_utf8_and_nul_bytes_do_not_break_items)
{
    char text[] = "# \xFF\xFE title\n\n## A\x01x\n\n[x](#<|>";
    json_t *r = complete_marked(PF "/NOTES.md", text);
    cr_assert(json_is_object(r));
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r, "items"), i, it) {
        cr_assert(json_is_string(json_object_get(it, "label")));
    }
    json_decref(r);
}

Test(complete, link_labels_escape_brackets_of_titles)
{
    ts_put(tr.path, PF "/07-search-ui-plan.md", "# Phase 7: Search [beta]\n");
    char *path = ts_path(tr.path, PF "/07-search-ui-plan.md");
    ws_file_event(srv->ws, path, 1);
    free(path);
    json_t *r = complete_marked(PF "/NOTES.md", "Phase 7<|>");
    json_t *it = item(r, "[Phase 7: Search \\[beta\\]](07-search-ui-plan.md)");
    cr_assert_not_null(it);
    cr_assert_str_eq(ts_str_at(it, "filterText"), "Phase 7: Search [beta]");
    json_decref(r);
}

Test(complete, anchors_through_external_docs)
{
    ts_put(tr.path, "docs/workflows/_work-package.md",
           "# Work Package Workflow\n\n## Testing and Validation\n");
    json_t *opts = json_pack("{s:[s]}", "externalDocs", "docs/workflows");
    char *err = NULL;
    cr_assert_eq(config_merge(&tr.cfg, opts, &err), 0);
    json_decref(opts);
    ws_set_config(srv->ws, &tr.cfg);
    json_t *r = complete_marked(PF "/NOTES.md", "[w](_work-package.md#<|>");
    cr_assert_eq(n_items(r), 2);
    cr_assert_not_null(item(r, "testing-and-validation"));
    json_decref(r);
}

Test(complete, the_rest_of_a_target_or_number_is_replaced)
{
    complete_ctx_t cx;
    cr_assert_eq(ctx_of(PF "/NOTES.md", "[x](03-ob<|>servability-plan.md#x) y", &cx), COMPLETE_LINK_TARGET);
    cr_assert_eq(cx.start, 4);
    cr_assert_eq(cx.cursor, 9);
    cr_assert_eq(cx.end, 28, "up to the anchor, which stays");
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "[x](a.md#sl<|>ow) y", &cx), COMPLETE_ANCHOR);
    cr_assert_eq(cx.end, 13);
    complete_ctx_free(&cx);
    cr_assert_eq(ctx_of(PF "/NOTES.md", "Phase 1<|>2 next", &cx), COMPLETE_PHASE);
    cr_assert_eq(cx.cursor, 7);
    cr_assert_eq(cx.end, 8);
    complete_ctx_free(&cx);
    json_t *r = complete_marked(PF "/NOTES.md", "[x](03-ob<|>serv.md) y");
    assert_edit(item(r, "03-observability-plan.md"), 0, 4, 16, "03-observability-plan.md");
    json_decref(r);
}
