/* Tests for navigate: definition, references, hover and document links on a
 * workspace scanned from a temp dir (two planning folders and a Markdown
 * file outside both), positions in the negotiated encoding. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/navigate.h"
#include "planls/util.h"
#include "support.h"

#define PF ".engineering/artifacts/planning/2026-03-02-demo"
#define PB ".engineering/artifacts/planning/2026-01-10-base"

static ts_root_t tr;
static server_t *srv;

static const char START[] =
    "# Demo - March 2026\n"                                                  /* 0 */
    "\n"                                                                     /* 1 */
    "**Created:** 2026-03-02\n"                                              /* 2 */
    "**Status:** In Progress\n"                                              /* 3 */
    "\n"                                                                     /* 4 */
    "## Document Navigation\n"                                               /* 5 */
    "\n"                                                                     /* 6 */
    "| Document | Description |\n"                                           /* 7 */
    "|----------|-------------|\n"                                           /* 8 */
    "| [03-observability-plan.md](03-observability-plan.md) | Phase 3: Observability |\n" /* 9 */
    "| \xF0\x9F\x94\xAD [04-result-types-plan.md](04-result-types-plan.md) | Result Types |\n" /* 10 */
    "\n"                                                                     /* 11 */
    "## Priority Order\n"                                                    /* 12 */
    "\n"                                                                     /* 13 */
    "| Priority | Phase | Feature |\n"                                       /* 14 */
    "|----------|-------|---------|\n"                                       /* 15 */
    "| \xF0\x9F\x94\xB4 HIGH | Phase 3 | Observability |\n"                  /* 16 */
    "\n"                                                                     /* 17 */
    "## Dependencies\n"                                                      /* 18 */
    "\n"                                                                     /* 19 */
    "- Phase 4 depends on Phase 3\n"                                         /* 20 */
    "- Phase 9 is not planned yet\n";                                        /* 21 */

static const char PLAN3[] =
    "# Phase 3: Observability\n"                                             /* 0 */
    "\n"                                                                     /* 1 */
    "**Date:** 2026-03-02\n"                                                 /* 2 */
    "**Priority:** HIGH (first)\n"                                           /* 3 */
    "**Status:** In Progress\n"                                              /* 4 */
    "**Estimated Effort:** 3-5h agentic + 1h review\n"                       /* 5 */
    "\n"                                                                     /* 6 */
    "## Overview\n"                                                          /* 7 */
    "\n"                                                                     /* 8 */
    "See [slow queries](01-CONTEXT-ANALYSIS.md#slow-queries), [the guide](../../../../docs/guide.md#usage),\n" /* 9 */
    "[missing](nope.md) and [external](https://example.com).\n"             /* 10 */
    "\n"                                                                     /* 11 */
    "## Success Criteria\n"                                                  /* 12 */
    "\n"                                                                     /* 13 */
    "- [x] One\n"                                                            /* 14 */
    "- [x] Two\n"                                                            /* 15 */
    "- [ ] Three\n"                                                          /* 16 */
    "\n"                                                                     /* 17 */
    "**Next Phase:** [Phase 4: Result Types](04-result-types-plan.md)\n";   /* 18 */

static const char PLAN4[] =
    "# Phase 4: Result Types\n"
    "\n"
    "**Priority:** MEDIUM (second)\n"
    "**Status:** Ready for Implementation\n"
    "\n"
    "## Dependencies\n"
    "\n"
    "### Requires (Blockers)\n"
    "- [ ] Phase 3 must be complete\n"
    "\n"
    "## Success Criteria\n"
    "\n"
    "- [ ] Typed\n";

static const char BASE_PLAN[] =
    "# Phase 2: Logging\n"
    "\n"
    "**Status:** Complete\n"
    "\n"
    "Next: [Observability](../2026-03-02-demo/03-observability-plan.md)\n";

static void setup(void)
{
    ts_root_init(&tr, "navigate");
    ts_put(tr.path, PF "/START-HERE.md", START);
    ts_put(tr.path, PF "/README.md", "# Demo\n\n**Status:** In Progress\n");
    ts_put(tr.path, PF "/01-CONTEXT-ANALYSIS.md",
           "# Context Analysis\n\n## Slow Queries\n\nSome.\n");
    ts_put(tr.path, PF "/03-observability-plan.md", PLAN3);
    ts_put(tr.path, PF "/04-result-types-plan.md", PLAN4);
    ts_put(tr.path, PB "/START-HERE.md", "# Base\n\n**Status:** Complete\n");
    ts_put(tr.path, PB "/02-logging-plan.md", BASE_PLAN);
    ts_put(tr.path, "docs/guide.md", "# Guide\n\n## Usage\n\nText.\n");
    srv = ts_server_new(&tr);
    srv->caps.markdown_hover = true;
}

static void teardown(void)
{
    ts_server_free(srv);
    ts_root_fini(&tr);
}

TestSuite(navigate, .init = setup, .fini = teardown);

static ws_doc_t *doc(const char *rel)
{
    return ts_doc(srv->ws, tr.path, rel);
}

static size_t at(ws_doc_t *d, unsigned line, unsigned ch)
{
    text_pos_t p = {line, ch};
    return text_offset_at(d->text, p, srv->enc);
}

/* loc.uri ends with suffix and its range is the given one. */
static void assert_loc(json_t *loc, const char *suffix, int sl, int sc, int el, int ec)
{
    cr_assert_not_null(loc);
    const char *uri = ts_str_at(loc, "uri");
    cr_assert_not_null(uri);
    cr_assert(util_has_suffix(uri, suffix), "%s does not end with %s", uri, suffix);
    cr_assert_eq(ts_int_at(loc, "range.start.line"), sl);
    cr_assert_eq(ts_int_at(loc, "range.start.character"), sc);
    cr_assert_eq(ts_int_at(loc, "range.end.line"), el);
    cr_assert_eq(ts_int_at(loc, "range.end.character"), ec);
}

/* ---- definition ---- */

Test(navigate, link_goes_to_the_file)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    json_t *r = nav_definition(srv, d, at(d, 9, 40));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/" PF "/03-observability-plan.md", 0, 0, 0, 0);
    json_decref(r);
}

Test(navigate, anchor_goes_to_the_heading)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_definition(srv, d, at(d, 9, 20));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/01-CONTEXT-ANALYSIS.md", 2, 0, 2, 15);
    json_decref(r);
}

Test(navigate, link_out_of_every_folder_loads_the_target)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_definition(srv, d, at(d, 9, 70));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/docs/guide.md", 2, 0, 2, 8);
    json_decref(r);
}

Test(navigate, phase_reference_goes_to_the_plan_h1)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    json_t *r = nav_definition(srv, d, at(d, 20, 26));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/03-observability-plan.md", 0, 0, 0, 24);
    json_decref(r);
}

Test(navigate, table_cell_naming_a_phase_goes_to_the_plan)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    /* The "Observability" cell of the priority row. */
    json_t *r = nav_definition(srv, d, at(d, 16, 22));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/03-observability-plan.md", 0, 0, 0, 24);
    json_decref(r);
    /* "Result Types" in the navigation row, after an emoji (UTF-16). */
    r = nav_definition(srv, d, at(d, 10, 60));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/04-result-types-plan.md", 0, 0, 0, 23);
    json_decref(r);
}

Test(navigate, positions_after_an_emoji_are_utf16)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    /* "| 🔭 [": the link starts at UTF-16 character 5 (byte 7). */
    json_t *r = nav_definition(srv, d, at(d, 10, 5));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/04-result-types-plan.md", 0, 0, 0, 0);
    json_decref(r);
}

Test(navigate, cross_folder_link)
{
    ws_doc_t *d = doc(PB "/02-logging-plan.md");
    json_t *r = nav_definition(srv, d, at(d, 4, 10));
    cr_assert_eq(json_array_size(r), 1);
    assert_loc(json_array_get(r, 0), "/" PF "/03-observability-plan.md", 0, 0, 0, 0);
    json_decref(r);
}

Test(navigate, nothing_to_go_to)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    size_t offs[] = {at(d, 10, 30) /* external */, at(d, 10, 3) /* missing target */,
                     at(d, 7, 5) /* heading */, at(d, 999, 999) /* past the end */};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(offs); i++) {
        json_t *r = nav_definition(srv, d, offs[i]);
        cr_assert(json_is_null(r), "case %zu", i);
        json_decref(r);
    }
    d = doc(PF "/START-HERE.md");
    json_t *r = nav_definition(srv, d, at(d, 21, 4)); /* Phase 9: no plan */
    cr_assert(json_is_null(r));
    json_decref(r);
}

/* ---- references ---- */

static bool has_loc(json_t *locs, const char *suffix, int line, int sc)
{
    size_t i;
    json_t *l;
    json_array_foreach(locs, i, l) {
        const char *uri = ts_str_at(l, "uri");
        if (uri && util_has_suffix(uri, suffix) && ts_int_at(l, "range.start.line") == line &&
            ts_int_at(l, "range.start.character") == sc)
            return true;
    }
    return false;
}

static void assert_plan3_refs(json_t *r, bool decl)
{
    cr_assert(json_is_array(r));
    /* START-HERE: nav link, "Phase 3" of its row, priority row, dependency;
     * plan 4: its requirement; the base folder's link. */
    cr_assert(has_loc(r, "/START-HERE.md", 9, 2));
    cr_assert(has_loc(r, "/START-HERE.md", 9, 57));
    cr_assert(has_loc(r, "/START-HERE.md", 16, 12));
    cr_assert(has_loc(r, "/START-HERE.md", 20, 21));
    cr_assert(has_loc(r, "/04-result-types-plan.md", 8, 6));
    cr_assert(has_loc(r, "/02-logging-plan.md", 4, 6));
    cr_assert_eq(has_loc(r, "/03-observability-plan.md", 0, 0), decl);
    cr_assert_eq(json_array_size(r), decl ? 7 : 6);
    if (decl)
        assert_loc(json_array_get(r, 0), "/03-observability-plan.md", 0, 0, 0, 24);
}

Test(navigate, references_from_a_phase_mention)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    json_t *r = nav_references(srv, d, at(d, 20, 24), true);
    assert_plan3_refs(r, true);
    json_decref(r);
    r = nav_references(srv, d, at(d, 20, 24), false);
    assert_plan3_refs(r, false);
    json_decref(r);
}

Test(navigate, references_from_a_link_and_from_the_h1)
{
    ws_doc_t *d = doc(PB "/02-logging-plan.md");
    json_t *r = nav_references(srv, d, at(d, 4, 8), true);
    assert_plan3_refs(r, true);
    json_decref(r);
    d = doc(PF "/03-observability-plan.md");
    r = nav_references(srv, d, at(d, 0, 5), true);
    assert_plan3_refs(r, true);
    json_decref(r);
}

Test(navigate, references_on_nothing)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_references(srv, d, at(d, 7, 4), true);
    cr_assert(json_is_null(r));
    json_decref(r);
}

/* ---- hover ---- */

Test(navigate, hover_on_a_phase_reference)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    json_t *r = nav_hover(srv, d, at(d, 20, 24));
    cr_assert_str_eq(ts_str_at(r, "contents.kind"), "markdown");
    cr_assert_str_eq(ts_str_at(r, "contents.value"),
                     "**Phase 3: Observability**\n\n"
                     "`03-observability-plan.md`\n\n"
                     "- **Priority:** HIGH (first)\n"
                     "- **Status:** In Progress\n"
                     "- **Effort:** 3-5h agentic + 1h review\n"
                     "- **Enables:** Phase 4 (Result Types)\n"
                     "- **Success criteria:** 2/3 checked");
    cr_assert_eq(ts_int_at(r, "range.start.line"), 20);
    cr_assert_eq(ts_int_at(r, "range.start.character"), 21);
    cr_assert_eq(ts_int_at(r, "range.end.character"), 28);
    json_decref(r);
}

Test(navigate, hover_in_plain_text)
{
    srv->caps.markdown_hover = false;
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_hover(srv, d, at(d, 18, 30));
    cr_assert_str_eq(ts_str_at(r, "contents.kind"), "plaintext");
    cr_assert_str_eq(ts_str_at(r, "contents.value"),
                     "Phase 4: Result Types\n"
                     "04-result-types-plan.md\n\n"
                     "Priority: MEDIUM (second)\n"
                     "Status: Ready for Implementation\n"
                     "Depends on: Phase 3 (Observability)\n"
                     "Success criteria: 0/1 checked");
    cr_assert_eq(ts_int_at(r, "range.start.line"), 18);
    cr_assert_eq(ts_int_at(r, "range.start.character"), 16);
    json_decref(r);
}

Test(navigate, hover_across_folders_names_the_folder)
{
    ws_doc_t *d = doc(PB "/02-logging-plan.md");
    json_t *r = nav_hover(srv, d, at(d, 4, 10));
    const char *v = ts_str_at(r, "contents.value");
    cr_assert_not_null(v);
    cr_assert(util_has_prefix(v, "**Phase 3: Observability**\n\n"
                                 "`2026-03-02-demo/03-observability-plan.md`\n\n"), "%s", v);
    json_decref(r);
}

Test(navigate, hover_on_other_links_and_missing_phases)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_hover(srv, d, at(d, 9, 10));
    cr_assert_str_eq(ts_str_at(r, "contents.value"),
                     "**Context Analysis**\n\n`01-CONTEXT-ANALYSIS.md`\n\n- **Section:** Slow Queries");
    json_decref(r);
    r = nav_hover(srv, d, at(d, 10, 30)); /* external */
    cr_assert(json_is_null(r));
    json_decref(r);
    d = doc(PF "/START-HERE.md");
    r = nav_hover(srv, d, at(d, 21, 4));
    cr_assert_str_eq(ts_str_at(r, "contents.value"), "Phase 9: no plan numbered 9 in this folder");
    json_decref(r);
    r = nav_hover(srv, d, at(d, 3, 2)); /* a field, nothing to say */
    cr_assert(json_is_null(r));
    json_decref(r);
}

/* ---- document links ---- */

Test(navigate, document_links_of_existing_targets)
{
    ws_doc_t *d = doc(PF "/03-observability-plan.md");
    json_t *r = nav_document_links(srv, d);
    cr_assert_eq(json_array_size(r), 3);
    json_t *a = json_array_get(r, 0);
    cr_assert(util_has_suffix(ts_str_at(a, "target"), "/01-CONTEXT-ANALYSIS.md#L3"), "%s",
              ts_str_at(a, "target"));
    cr_assert_eq(ts_int_at(a, "range.start.line"), 9);
    cr_assert_eq(ts_int_at(a, "range.start.character"), 19);
    cr_assert_eq(ts_int_at(a, "range.end.character"), 54);
    cr_assert(util_has_suffix(ts_str_at(json_array_get(r, 1), "target"), "/docs/guide.md#L3"));
    cr_assert(util_has_suffix(ts_str_at(json_array_get(r, 2), "target"),
                              "/" PF "/04-result-types-plan.md"));
    json_decref(r);
}

Test(navigate, document_links_in_utf16_after_emoji)
{
    ws_doc_t *d = doc(PF "/START-HERE.md");
    json_t *r = nav_document_links(srv, d);
    cr_assert_eq(json_array_size(r), 2);
    json_t *l = json_array_get(r, 1);
    cr_assert_eq(ts_int_at(l, "range.start.line"), 10);
    cr_assert_eq(ts_int_at(l, "range.start.character"), 31);
    cr_assert_eq(ts_int_at(l, "range.end.character"), 54);
    json_decref(r);
}
