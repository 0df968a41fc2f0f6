/* Tests for actions: every quick fix and source action is applied the way a
 * client would (ts_apply_edit of tests/support: text edits in reverse
 * order per document, CreateFile, RenameFile), the workspace is rescanned
 * from disk and the rules re-run: the finding the action fixes is gone and
 * no other appeared (except the template's placeholders where a template is
 * inserted). The base is a clean planning folder,
 * protocol-fixtures/workspaces/actions, copied into a temp dir and planted
 * with one defect per test. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "planls/actions.h"
#include "planls/features.h"
#include "planls/buf.h"
#include "planls/diagnostics.h"
#include "planls/rules.h"
#include "planls/util.h"
#include "support.h"

#define EDIT_FIXTURE_TAG "actions"
#include "edit_fixture.h"

TestSuite(actions, .init = setup, .fini = teardown);

/* Replace the one occurrence of old in a file by new. */
static void plant(const char *rel, const char *old, const char *new_text)
{
    char *t = read_rel(rel);
    char *at = strstr(t, old);
    cr_assert_not_null(at, "%s: no \"%s\"", rel, old);
    cr_assert_null(strstr(at + 1, old), "%s: \"%s\" twice", rel, old);
    char *out = xasprintf("%.*s%s%s", (int)(at - t), t, new_text, at + strlen(old));
    write_rel(rel, out);
    free(out);
    free(t);
}

/* ---- findings ---------------------------------------------------------------- */

/* after has nothing before lacks, except entries starting with one of the
 * allowed prefixes ("03-x-plan.md|PL030|"), and lacks what fixed names. */
static void assert_fixed(const ts_findings_t *before, const ts_findings_t *after, const char *fixed,
                         const char *const *allowed)
{
    cr_assert(ts_findings_has(before, fixed), "the defect %s was not there before", fixed);
    cr_assert_not(ts_findings_has(after, fixed), "%s is still reported", fixed);
    for (size_t i = 0; i < after->n; i++) {
        bool old = false;
        for (size_t k = 0; k < before->n && !old; k++)
            old = strcmp(before->v[k], after->v[i]) == 0;
        for (size_t k = 0; allowed && allowed[k] && !old; k++)
            old = util_has_prefix(after->v[i], allowed[k]);
        cr_assert(old, "new finding after the fix: %s", after->v[i]);
    }
}

/* The LSP diagnostics of doc with code (as the server publishes them). */
static json_t *client_diags(ws_doc_t *d, const char *code)
{
    json_t *arr = json_array();
    rule_diags_t ds = {NULL, 0, 0};
    rule_check_folder(srv->ws, folder(), &root.cfg, &ds);
    for (size_t i = 0; i < ds.n; i++)
        if (ds.items[i].doc == d && strcmp(ds.items[i].code, code) == 0)
            json_array_append_new(arr, diag_to_lsp(srv, &ds.items[i]));
    rule_diags_free(&ds);
    return arr;
}

/* CodeActionParams for doc with diags (stolen, may be NULL) and only
 * (may be NULL). */
static json_t *params_for(ws_doc_t *d, json_t *diags, const char *only)
{
    json_t *ctx = json_object();
    json_object_set_new(ctx, "diagnostics", diags ? diags : json_array());
    if (only)
        json_object_set_new(ctx, "only", json_pack("[s]", only));
    return json_pack("{s:{s:s},s:{s:{s:i,s:i},s:{s:i,s:i}},s:o}", "textDocument", "uri", d->uri,
                     "range", "start", "line", 0, "character", 0, "end", "line", 0, "character", 0,
                     "context", ctx);
}

static json_t *actions_with(ws_doc_t *d, const char *code, const char *only)
{
    json_t *p = params_for(d, code ? client_diags(d, code) : NULL, only);
    json_t *r = actions_for(srv, d, p);
    json_decref(p);
    cr_assert(json_is_array(r));
    return r;
}

static json_t *action_titled(json_t *acts, const char *title)
{
    size_t i;
    json_t *a;
    json_array_foreach(acts, i, a) {
        if (strcmp(json_string_value(json_object_get(a, "title")), title) == 0)
            return a;
    }
    char *all = json_dumps(acts, JSON_INDENT(1));
    cr_assert_fail("no action \"%s\" in %s", title, all);
    free(all);
    return NULL;
}

static size_t count_titled(json_t *acts, const char *prefix)
{
    size_t i, n = 0;
    json_t *a;
    json_array_foreach(acts, i, a)
        n += util_has_prefix(json_string_value(json_object_get(a, "title")), prefix);
    return n;
}

/* Apply action's edit, rescan, and return the findings after it. */
static ts_findings_t apply_action(json_t *action)
{
    json_t *edit = json_object_get(action, "edit");
    cr_assert_not_null(edit, "the action has no edit");
    ts_apply_edit(edit);
    start();
    return findings();
}

static const char *today_str(void)
{
    static char d[16];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(d, sizeof(d), "%Y-%m-%d", &tm);
    return d;
}

/* ---- PL012 / PL013: replace a value ---------------------------------------- */

Test(actions, pl012_one_action_per_priority_first_preferred)
{
    char *orig = read_rel("03-query-parser-plan.md");
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL012", NULL);
    cr_assert_eq(count_titled(acts, "Change priority to "), 3);
    json_t *high = action_titled(acts, "Change priority to HIGH");
    cr_assert(json_is_true(json_object_get(high, "isPreferred")));
    cr_assert_str_eq(json_string_value(json_object_get(high, "kind")), "quickfix");
    cr_assert_str_eq(
        json_string_value(rpc_get(json_array_get(json_object_get(high, "diagnostics"), 0), "code")),
        "PL012");
    cr_assert_null(json_object_get(action_titled(acts, "Change priority to LOW"), "isPreferred"));
    ts_findings_t after = apply_action(action_titled(acts, "Change priority to MEDIUM"));
    assert_fixed(&before, &after, "03-query-parser-plan.md|PL012|", NULL);
    cr_assert_eq(after.n, 0);
    char *now = read_rel("03-query-parser-plan.md");
    cr_assert_str_eq(now, orig);
    free(now);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl012_same_word_in_other_case_comes_first)
{
    plant("04-ranking-plan.md", "**Priority:** LOW", "**Priority:** \xF0\x9F\x9F\xA1 low");
    start();
    json_t *acts = actions_with(doc("04-ranking-plan.md"), "PL012", NULL);
    json_t *first = json_array_get(acts, 0);
    cr_assert_str_eq(json_string_value(json_object_get(first, "title")), "Change priority to LOW");
    cr_assert(json_is_true(json_object_get(first, "isPreferred")));
    ts_findings_t after = apply_action(first);
    cr_assert_eq(after.n, 0);
    char *now = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(now, "**Priority:** \xF0\x9F\x9F\xA1 LOW (nice to have)\n"),
                       "the emoji and the reason are kept");
    free(now);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl013_status_values_of_the_document_kind)
{
    char *orig = read_rel("START-HERE.md");
    plant("START-HERE.md", "**Status:** In Progress\n**Previous",
          "**Status:** Underway\n**Previous");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("START-HERE.md"), "PL013", "quickfix");
    cr_assert_eq(json_array_size(acts), 3, "%s", dump(acts));
    cr_assert_str_eq(json_string_value(json_object_get(json_array_get(acts, 0), "title")),
                     "Change status to Ready for Review");
    ts_findings_t after = apply_action(action_titled(acts, "Change status to In Progress"));
    assert_fixed(&before, &after, "START-HERE.md|PL013|", NULL);
    char *now = read_rel("START-HERE.md");
    cr_assert_str_eq(now, orig);
    free(now);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, matched_by_code_and_line_not_by_range)
{
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    start();
    ws_doc_t *d = doc("03-query-parser-plan.md");
    json_t *diags = client_diags(d, "PL012");
    cr_assert_eq(json_array_size(diags), 1);
    /* Neovim 0.7: byte columns, a different range on the same line, no data */
    json_t *dg = json_array_get(diags, 0);
    json_object_set_new(dg, "range",
                        json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", 3, "character", 40,
                                  "end", "line", 3, "character", 44));
    json_object_del(dg, "data");
    json_t *p = params_for(d, diags, NULL);
    json_t *acts = actions_for(srv, d, p);
    cr_assert_eq(count_titled(acts, "Change priority to "), 3);
    json_decref(acts);
    /* another line: no fix */
    json_object_set_new(dg, "range",
                        json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", 4, "character", 0,
                                  "end", "line", 4, "character", 4));
    acts = actions_for(srv, d, p);
    cr_assert_eq(count_titled(acts, "Change priority to "), 0);
    json_decref(acts);
    /* Neovim's stored diagnostic: no range, no message, only code and
     * data: the data singles the finding out */
    json_object_del(dg, "range");
    json_object_del(dg, "message");
    json_object_set_new(dg, "data", json_pack("{s:s,s:s}", "field", "Priority", "found", "URGENT"));
    acts = actions_for(srv, d, p);
    cr_assert_eq(count_titled(acts, "Change priority to "), 3);
    json_decref(acts);
    json_object_del(dg, "data");
    acts = actions_for(srv, d, p);
    cr_assert_eq(count_titled(acts, "Change priority to "), 0, "nothing to match it by");
    json_decref(acts);
    json_decref(p);
}

Test(actions, no_fix_for_diagnostics_of_other_servers)
{
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    start();
    ws_doc_t *d = doc("03-query-parser-plan.md");
    json_t *diags = client_diags(d, "PL012");
    json_object_set_new(json_array_get(diags, 0), "source", json_string("markdownlint"));
    json_t *p = params_for(d, diags, "quickfix");
    json_t *acts = actions_for(srv, d, p);
    cr_assert_eq(json_array_size(acts), 0, "%s", dump(acts));
    json_decref(acts);
    json_decref(p);
}

/* ---- PL011: insert a header field ---------------------------------------- */

Test(actions, pl011_date_goes_before_priority_with_today)
{
    char *orig = read_rel("03-query-parser-plan.md");
    plant("03-query-parser-plan.md", "**Date:** 2026-03-02\n", "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL011", NULL);
    char *title = xasprintf("Insert **Date:** %s", today_str());
    json_t *a = action_titled(acts, title);
    cr_assert(json_is_true(json_object_get(a, "isPreferred")));
    ts_findings_t after = apply_action(a);
    assert_fixed(&before, &after, "03-query-parser-plan.md|PL011|", NULL);
    char *now = read_rel("03-query-parser-plan.md");
    char *want = xstrdup(orig);
    memcpy(strstr(want, "**Date:** ") + 10, today_str(), 10);
    cr_assert_str_eq(now, want);
    free(want);
    free(now);
    free(title);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl011_priority_offers_each_value)
{
    char *orig = read_rel("03-query-parser-plan.md");
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM (ranking consumes the AST)\n", "");
    start();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL011", NULL);
    cr_assert_eq(count_titled(acts, "Insert **Priority:** "), 3);
    cr_assert_null(
        json_object_get(action_titled(acts, "Insert **Priority:** HIGH"), "isPreferred"));
    ts_findings_t after = apply_action(action_titled(acts, "Insert **Priority:** MEDIUM"));
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    char *now = read_rel("03-query-parser-plan.md");
    char *want = xstrdup(orig);
    char *r = strstr(want, " (ranking consumes the AST)");
    memmove(r, r + 27, strlen(r + 27) + 1);
    cr_assert_str_eq(now, want);
    free(want);
    free(now);
    free(orig);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl011_effort_gets_the_template_placeholder)
{
    plant("04-ranking-plan.md", "**Estimated Effort:** 2-3h agentic + 1h review\n", "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("04-ranking-plan.md"), "PL011", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert **Estimated Effort:** X-Yh agentic + Zh review"));
    const char *allowed[] = {"04-ranking-plan.md|PL030|", NULL};
    assert_fixed(&before, &after, "04-ranking-plan.md|PL011|", allowed);
    char *now = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(now, "**Status:** Ready for Implementation\n**Estimated Effort:** "
                                   "X-Yh agentic + Zh review\n\n---\n"));
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl011_created_takes_the_folder_date)
{
    char *orig = read_rel("README.md");
    plant("README.md", "**Created:** 2026-03-02\n", "");
    start();
    json_t *acts = actions_with(doc("README.md"), "PL011", NULL);
    ts_findings_t after = apply_action(action_titled(acts, "Insert **Created:** 2026-03-02"));
    cr_assert_eq(after.n, 0);
    char *now = read_rel("README.md");
    cr_assert_str_eq(now, orig);
    free(now);
    free(orig);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl011_without_any_field_goes_after_the_h1)
{
    write_rel("05-extra-plan.md", "# Phase 5: Extra\n\n---\n\n## Overview\n\nText.\n");
    start();
    json_t *acts = actions_with(doc("05-extra-plan.md"), "PL011", NULL);
    ts_apply_edit(json_object_get(
        action_titled(acts, "Insert **Status:** Ready for Implementation"), "edit"));
    char *now = read_rel("05-extra-plan.md");
    cr_assert_str_eq(now, "# Phase 5: Extra\n\n**Status:** Ready for Implementation\n\n---\n\n"
                          "## Overview\n\nText.\n");
    free(now);
    json_decref(acts);
}

/* ---- PL020: insert a template section ------------------------------------- */

static const char SCOPE_TPL[] = "## Scope\n\n### In Scope\n- Feature/capability A\n"
                                "- Feature/capability B\n\n### Out of Scope\n"
                                "- Deferred to Phase N+1\n- Not part of this initiative";

Test(actions, pl020_section_goes_in_template_order_with_separators)
{
    const char *scope = "## Scope\n\n### In Scope\n- Query Parser for articles\n\n"
                        "### Out of Scope\n- Anything else\n\n---\n\n";
    char *orig = read_rel("03-query-parser-plan.md");
    plant("03-query-parser-plan.md", scope, "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL020", NULL);
    json_t *a = action_titled(acts, "Insert section \"Scope\" from the template");
    cr_assert(json_is_true(json_object_get(a, "isPreferred")));
    ts_findings_t after = apply_action(a);
    const char *allowed[] = {"03-query-parser-plan.md|PL030|", NULL};
    assert_fixed(&before, &after, "03-query-parser-plan.md|PL020|", allowed);
    char *now = read_rel("03-query-parser-plan.md");
    char *at = strstr(orig, scope);
    char *want =
        xasprintf("%.*s%s\n\n---\n\n%s", (int)(at - orig), orig, SCOPE_TPL, at + strlen(scope));
    cr_assert_str_eq(now, want);
    free(want);
    free(now);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl020_first_section_goes_before_the_next_present_one)
{
    plant("03-query-parser-plan.md",
          "## Overview\n\nThis work package covers Query Parser for the demo's search.\n\n---\n\n",
          "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL020", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert section \"Overview\" from the template"));
    const char *allowed[] = {"03-query-parser-plan.md|PL030|", NULL};
    assert_fixed(&before, &after, "03-query-parser-plan.md|PL020|", allowed);
    char *now = read_rel("03-query-parser-plan.md");
    cr_assert_not_null(strstr(now, "review\n\n---\n\n## Overview\n\n[1-2 paragraphs explaining:]\n"
                                   "- What this work package covers\n- Why it's needed\n"
                                   "- Expected impact\n\n---\n\n## Scope\n"));
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl020_last_section_goes_before_the_footer)
{
    const char *impl = "## Implementation\n\n\xF0\x9F\x91\x89 **Follow the [Work Package "
                       "Workflow](_work-package.md)** to implement this work package.\n\n---\n\n";
    plant("04-ranking-plan.md", impl, "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("04-ranking-plan.md"), "PL020", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert section \"Implementation\" from the template"));
    assert_fixed(&before, &after, "04-ranking-plan.md|PL020|", NULL);
    char *now = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(now, "- [ ] Ranking works for every tenant\n\n---\n\n"
                                   "## Implementation\n\n\xF0\x9F\x91\x89 **Follow the [Work "
                                   "Package Workflow](_work-package.md)** to implement this "
                                   "work package.\n\nThe workflow will guide you through:\n"
                                   "- Requirements elicitation\n"));
    cr_assert(util_has_suffix(now, "- PR creation and completion\n\n---\n\n**Status:** Ready "
                                   "for Implementation\n"));
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl020_subsection_goes_after_its_sibling)
{
    plant("04-ranking-plan.md", "\n\n### Out of Scope\n- Anything else", "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("04-ranking-plan.md"), "PL020", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert section \"Out of Scope\" from the template"));
    const char *allowed[] = {"04-ranking-plan.md|PL030|", NULL};
    assert_fixed(&before, &after, "04-ranking-plan.md|PL020|", allowed);
    char *now = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(now, "### In Scope\n- Ranking for articles\n\n### Out of Scope\n"
                                   "- Deferred to Phase N+1\n- Not part of this initiative\n\n"
                                   "---\n\n## Dependencies\n"));
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl020_document_without_separators_gets_none)
{
    write_rel("05-extra-plan.md",
              "# Phase 5: Extra\r\n\r\n**Date:** 2026-03-02\r\n\r\n## Overview\r\n\r\nText.\r\n\r\n"
              "## Dependencies\r\n\r\n### Requires (Blockers)\r\n- [ ] Phase 4 must be complete\r\n"
              "\r\n### Enables (Unlocks)\r\n- Nothing\r\n");
    start();
    json_t *acts = actions_with(doc("05-extra-plan.md"), "PL020", NULL);
    ts_apply_edit(
        json_object_get(action_titled(acts, "Insert section \"Scope\" from the template"), "edit"));
    char *now = read_rel("05-extra-plan.md");
    cr_assert_str_eq(now,
                     "# Phase 5: Extra\r\n\r\n**Date:** 2026-03-02\r\n\r\n## Overview\r\n\r\n"
                     "Text.\r\n\r\n## Scope\r\n\r\n### In Scope\r\n- Feature/capability A\r\n"
                     "- Feature/capability B\r\n\r\n### Out of Scope\r\n- Deferred to Phase N+1\r\n"
                     "- Not part of this initiative\r\n\r\n## Dependencies\r\n\r\n### Requires "
                     "(Blockers)\r\n- [ ] Phase 4 must be complete\r\n\r\n### Enables (Unlocks)"
                     "\r\n- Nothing\r\n");
    free(now);
    json_decref(acts);
}

Test(actions, pl020_navigation_section_lists_the_folder)
{
    char *orig = read_rel("README.md");
    char *from = strstr(orig, "## \xF0\x9F\x93\x9A What's Inside");
    char *to = strstr(orig, "## \xF0\x9F\x8E\xAF Priority Order");
    char *cut = xasprintf("%.*s%s", (int)(from - orig), orig, to);
    write_rel("README.md", cut);
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("README.md"), "PL020", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert section \"What's Inside\" from the template"));
    assert_fixed(&before, &after, "README.md|PL020|", NULL);
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    char *now = read_rel("README.md");
    cr_assert_not_null(strstr(
        now, "---\n\n## \xF0\x9F\x93\x9A What's Inside\n\n| Document | Description | Status |\n"
             "|----------|-------------|--------|\n"
             "| **[START-HERE.md](START-HERE.md)** | \xF0\x9F\x91\x88 **Read this first** - "
             "Executive summary | \xE2\x9C\x85 |\n"
             "| [01-CONTEXT-ANALYSIS.md](01-CONTEXT-ANALYSIS.md) | Context Analysis | "
             "\xE2\x9C\x85 |\n"
             "| [02-indexing-plan.md](02-indexing-plan.md) | Phase 2: Indexing | "
             "\xF0\x9F\x9A\xA7 In Progress |\n"
             "| [03-query-parser-plan.md](03-query-parser-plan.md) | Phase 3: Query Parser | "
             "\xF0\x9F\x93\x8B Ready |\n"
             "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking | \xF0\x9F\x93\x8B "
             "Ready |\n\n---\n\n## \xF0\x9F\x8E\xAF Priority Order\n"));
    free(now);
    free(cut);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl020_uses_the_project_templates)
{
    const char *scope = "## Scope\n\n### In Scope\n- Ranking for articles\n\n"
                        "### Out of Scope\n- Anything else\n\n---\n\n";
    plant("04-ranking-plan.md", scope, "");
    char *dir = xasprintf("%s/templates", root.path);
    cr_assert_eq(mkdir(dir, 0755), 0);
    char *file = xasprintf("%s/plan-scope.md", dir);
    FILE *f = fopen(file, "wb");
    cr_assert_not_null(f);
    fputs("## Scope\r\n\r\n### In Scope\r\n- Ours\r\n\r\n### Out of Scope\r\n- Theirs\r\n", f);
    fclose(f);
    free(root.cfg.templates_dir);
    root.cfg.templates_dir = xstrdup("templates");
    start();
    json_t *acts = actions_with(doc("04-ranking-plan.md"), "PL020", "quickfix");
    ts_findings_t after =
        apply_action(action_titled(acts, "Insert section \"Scope\" from the template"));
    cr_assert_eq(after.n, 0, "%s", after.n ? after.v[0] : "");
    char *now = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(now, "## Scope\n\n### In Scope\n- Ours\n\n### Out of Scope\n"
                                   "- Theirs\n\n---\n\n## Dependencies\n"),
                       "%s", now);
    free(now);
    free(file);
    free(dir);
    ts_findings_free(&after);
    json_decref(acts);
}

/* ---- PL044: add a navigation row --------------------------------------------- */

Test(actions, pl044_row_restored_exactly_in_both_tables)
{
    char *start_orig = read_rel("START-HERE.md"), *readme_orig = read_rel("README.md");
    plant("START-HERE.md",
          "| [03-query-parser-plan.md](03-query-parser-plan.md) | Phase 3: Query Parser |\n", "");
    plant("README.md",
          "| [02-indexing-plan.md](02-indexing-plan.md) | Phase 2: Indexing | \xF0\x9F\x9A\xA7 In "
          "Progress |\n",
          "");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("START-HERE.md"), "PL044", "quickfix");
    cr_assert_eq(json_array_size(acts), 1, "%s", dump(acts));
    ts_findings_t mid = apply_action(
        action_titled(acts, "Add 03-query-parser-plan.md to the Document Navigation table"));
    json_decref(acts);
    acts = actions_with(doc("README.md"), "PL044", "quickfix");
    ts_findings_t after =
        apply_action(action_titled(acts, "Add 02-indexing-plan.md to the What's Inside table"));
    assert_fixed(&before, &after, "START-HERE.md|PL044|", NULL);
    assert_fixed(&before, &after, "README.md|PL044|", NULL);
    cr_assert_eq(after.n, 0);
    char *s1 = read_rel("START-HERE.md"), *s2 = read_rel("README.md");
    cr_assert_str_eq(s1, start_orig);
    cr_assert_str_eq(s2, readme_orig);
    free(s1);
    free(s2);
    free(start_orig);
    free(readme_orig);
    ts_findings_free(&before);
    ts_findings_free(&mid);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl044_aligned_table_stays_aligned)
{
    plant("START-HERE.md",
          "| Document | Description |\n|----------|-------------|\n"
          "| **[START-HERE.md](START-HERE.md)** | \xF0\x9F\x91\x88 You are here - Executive "
          "summary |\n| [README.md](README.md) | Quick navigation and overview |\n"
          "| [01-CONTEXT-ANALYSIS.md](01-CONTEXT-ANALYSIS.md) | Context and background |\n"
          "| [02-indexing-plan.md](02-indexing-plan.md) | Phase 2: Indexing |\n"
          "| [03-query-parser-plan.md](03-query-parser-plan.md) | Phase 3: Query Parser |\n"
          "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking |\n",
          "| Document                                   | Description           |\n"
          "|--------------------------------------------|:---------------------:|\n"
          "| [README.md](README.md)                     | Overview              |\n"
          "| [02-indexing-plan.md](02-indexing-plan.md) | Phase 2: Indexing     |\n");
    start();
    json_t *acts = actions_with(doc("START-HERE.md"), "PL044", "quickfix");
    ts_apply_edit(json_object_get(
        action_titled(acts, "Add 04-ranking-plan.md to the Document Navigation table"), "edit"));
    json_decref(acts);
    start();
    acts = actions_with(doc("START-HERE.md"), "PL044", "quickfix");
    cr_assert_eq(json_array_size(acts), 2, "the analysis and 03 are still missing");
    ts_apply_edit(json_object_get(
        action_titled(acts, "Add 03-query-parser-plan.md to the Document Navigation table"),
        "edit"));
    json_decref(acts);
    start();
    acts = actions_with(doc("START-HERE.md"), "PL044", "quickfix");
    ts_apply_edit(json_object_get(
        action_titled(acts, "Add 01-CONTEXT-ANALYSIS.md to the Document Navigation table"),
        "edit"));
    char *now = read_rel("START-HERE.md");
    buf_t want = BUF_INIT;
    static const char *const ROWS[][2] = {
        {"Document", "Description"},
        {"[README.md](README.md)", "Overview"},
        {"[01-CONTEXT-ANALYSIS.md](01-CONTEXT-ANALYSIS.md)", "Context Analysis"},
        {"[02-indexing-plan.md](02-indexing-plan.md)", "Phase 2: Indexing"},
        {"[03-query-parser-plan.md](03-query-parser-plan.md)", "Phase 3: Query Parser"},
        {"[04-ranking-plan.md](04-ranking-plan.md)", "Phase 4: Ranking"},
    };
    buf_append_str(&want, "## \xF0\x9F\x93\x9A Document Navigation\n\n");
    for (size_t i = 0; i < UTIL_ARRAY_LEN(ROWS); i++) {
        buf_printf(&want, "| %-50s | %-21s |\n", ROWS[i][0], ROWS[i][1]);
        if (i == 0)
            buf_printf(&want, "|%s|:---------------------:|\n",
                       "----------------------------------------------------");
    }
    buf_append_str(&want, "\n---\n");
    cr_assert_not_null(strstr(now, buf_cstr(&want)), "%s", now);
    buf_free(&want);
    free(now);
    json_decref(acts);
}

/* ---- PL046, PL002, PL004 --------------------------------------------------------- */

Test(actions, pl046_next_phase_links_the_next_plan)
{
    char *orig = read_rel("02-indexing-plan.md");
    plant("02-indexing-plan.md", "[Phase 3: Query Parser](03-query-parser-plan.md)",
          "[Phase 4: Ranking](04-ranking-plan.md)");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("02-indexing-plan.md"), "PL046", NULL);
    ts_findings_t after =
        apply_action(action_titled(acts, "Link Next Phase to 03-query-parser-plan.md"));
    assert_fixed(&before, &after, "02-indexing-plan.md|PL046|", NULL);
    cr_assert_eq(after.n, 0);
    char *now = read_rel("02-indexing-plan.md");
    cr_assert_str_eq(now, orig);
    free(now);
    free(orig);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl002_creates_readme_from_the_template)
{
    char *p = path_of("README.md");
    cr_assert_eq(unlink(p), 0);
    free(p);
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL002", NULL);
    json_t *a = action_titled(acts, "Create README.md from the template");
    json_t *dc = rpc_get(a, "edit.documentChanges");
    cr_assert_str_eq(json_string_value(rpc_get(json_array_get(dc, 0), "kind")), "create");
    cr_assert(json_is_null(rpc_get(json_array_get(dc, 1), "textDocument.version")));
    ts_findings_t after = apply_action(a);
    cr_assert_not(ts_findings_has(&after, "03-query-parser-plan.md|PL002|"));
    /* the new README has the template's placeholders; nothing else moved */
    for (size_t i = 0; i < after.n; i++) {
        if (util_has_prefix(after.v[i], "README.md|"))
            continue;
        bool old = false;
        for (size_t k = 0; k < before.n && !old; k++)
            old = strcmp(before.v[k], after.v[i]) == 0;
        cr_assert(old, "new finding %s", after.v[i]);
    }
    cr_assert_not(ts_findings_has(&after, "README.md|PL044|"), "its table lists the folder");
    cr_assert_not(ts_findings_has(&after, "README.md|PL040|"), "no example links to missing files");
    char *now = read_rel("README.md");
    cr_assert(util_has_prefix(now, "# [Planning Session Name]\n\n**Created:** [Date]\n"));
    cr_assert_not_null(strstr(now,
                              "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking "
                              "| \xF0\x9F\x93\x8B Ready |\n\n---\n\n## \xF0\x9F\x93\x8A Quick"));
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl002_not_offered_without_create_files)
{
    char *p = path_of("START-HERE.md");
    cr_assert_eq(unlink(p), 0);
    free(p);
    caps.create_files = false;
    caps.rename_files = false;
    start();
    json_t *acts = actions_with(doc("03-query-parser-plan.md"), "PL002", NULL);
    cr_assert_eq(json_array_size(acts), 0, "%s", dump(acts));
    json_decref(acts);
}

Test(actions, pl004_renumber_renames_the_duplicate_and_its_links)
{
    /* a second plan numbered 04 (04-ranking-plan.md retitled), linked from
     * START-HERE */
    char *extra = read_rel("04-ranking-plan.md");
    char *body = xasprintf("# Phase 4: Extras\n%s", strchr(extra, '\n') + 1);
    write_rel("04-extras-plan.md", body);
    plant("START-HERE.md", "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking |\n",
          "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking |\n"
          "| [04-extras-plan.md](04-extras-plan.md) | Phase 4: Extras |\n");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("04-extras-plan.md"), "PL004", NULL);
    json_t *a = action_titled(acts, "Renumber 04-extras-plan.md to 05-extras-plan.md");
    json_t *dc = rpc_get(a, "edit.documentChanges");
    json_t *last = json_array_get(dc, json_array_size(dc) - 1);
    cr_assert_str_eq(json_string_value(json_object_get(last, "kind")), "rename");
    ts_findings_t after = apply_action(a);
    cr_assert_not(ts_findings_has(&after, "04-extras-plan.md|PL004|"));
    cr_assert_not(ts_findings_has(&after, "04-ranking-plan.md|PL004|"));
    cr_assert(exists_rel("05-extras-plan.md"));
    cr_assert_not(exists_rel("04-extras-plan.md"));
    char *now = read_rel("05-extras-plan.md");
    cr_assert(util_has_prefix(now, "# Phase 5: Extras\n"));
    free(now);
    now = read_rel("START-HERE.md");
    cr_assert_not_null(
        strstr(now, "| [05-extras-plan.md](05-extras-plan.md) | Phase 5: Extras |\n"), "%s", now);
    free(now);
    /* README's missing row now names the new file; nothing else is new */
    const char *allowed[] = {"README.md|PL044|05-extras-plan.md is missing", NULL};
    assert_fixed(&before, &after, "04-extras-plan.md|PL004|", allowed);
    cr_assert(ts_findings_has(&before, "README.md|PL044|04-extras-plan.md is missing"));
    free(body);
    free(extra);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, pl004_needs_rename_files)
{
    write_rel("04-extras-plan.md", "# Phase 4: Extras\n");
    caps.rename_files = false;
    start();
    json_t *acts = actions_with(doc("04-extras-plan.md"), "PL004", NULL);
    cr_assert_eq(count_titled(acts, "Renumber"), 0);
    json_decref(acts);
}

/* ---- source actions ------------------------------------------------------------------- */

Test(actions, insert_all_missing_sections)
{
    write_rel("05-extra-plan.md",
              "# Phase 5: Extra\n\n**Date:** 2026-03-02\n**Priority:** LOW (later)\n"
              "**Status:** Ready for Implementation\n**Estimated Effort:** 1-2h agentic + 1h "
              "review\n\n---\n\n## Scope\n\n### In Scope\n- Extras\n\n---\n\n"
              "## Success Criteria\n\n- [ ] Extras work\n\n---\n\n**Status:** Ready for "
              "Implementation\n");
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("05-extra-plan.md"), NULL, "source");
    cr_assert_eq(json_array_size(acts), 2, "%s", dump(acts));
    json_t *a = action_titled(acts, "Insert all missing template sections");
    cr_assert_str_eq(json_string_value(json_object_get(a, "kind")), "source.planls.insertSections");
    ts_findings_t after = apply_action(a);
    cr_assert_not(ts_findings_has(&after, "05-extra-plan.md|PL020|"));
    const char *allowed[] = {"05-extra-plan.md|PL030|", NULL};
    assert_fixed(&before, &after, "05-extra-plan.md|PL020|", allowed);
    char *now = read_rel("05-extra-plan.md");
    const char *want =
        "# Phase 5: Extra\n\n**Date:** 2026-03-02\n**Priority:** LOW (later)\n"
        "**Status:** Ready for Implementation\n**Estimated Effort:** 1-2h agentic + 1h review\n\n"
        "---\n\n## Overview\n\n[1-2 paragraphs explaining:]\n- What this work package covers\n"
        "- Why it's needed\n- Expected impact\n\n---\n\n"
        "## Scope\n\n### In Scope\n- Extras\n\n### Out of Scope\n- Deferred to Phase N+1\n"
        "- Not part of this initiative\n\n---\n\n"
        "## Dependencies\n\n### Requires (Blockers)\n- [ ] Phase N-1 must be complete\n"
        "- [ ] External dependency resolved\n\n### Enables (Unlocks)\n- Phase N+1 depends on "
        "this\n- Feature X requires this\n\n---\n\n"
        "## Success Criteria\n\n- [ ] Extras work\n\n---\n\n"
        "## Implementation\n\n\xF0\x9F\x91\x89 **Follow the [Work Package "
        "Workflow](_work-package.md)** to implement this work package.\n\nThe workflow will "
        "guide you through:\n- Requirements elicitation\n- Implementation analysis\n- Design and "
        "architecture review\n- Task breakdown and implementation\n- Testing and validation\n"
        "- PR creation and completion\n\n---\n\n**Status:** Ready for Implementation\n";
    cr_assert_str_eq(now, want);
    free(now);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, create_next_plan)
{
    start();
    ts_findings_t before = findings();
    json_t *acts = actions_with(doc("START-HERE.md"), NULL, "source.planls.createPlan");
    cr_assert_eq(json_array_size(acts), 1, "%s", dump(acts));
    json_t *a = action_titled(acts, "Create next plan (05-new-phase-plan.md)");
    ts_findings_t after = apply_action(a);
    char *plan = read_rel("05-new-phase-plan.md");
    char *head = xasprintf("# Phase 5: New Phase\n\n**Date:** %s\n**Priority:** [HIGH/MEDIUM/LOW] "
                           "([Reason])\n",
                           today_str());
    cr_assert(util_has_prefix(plan, head), "%s", plan);
    cr_assert(util_has_suffix(plan, "**Next Phase:** [Link to next work package plan]\n"));
    char *s = read_rel("START-HERE.md"), *r = read_rel("README.md"),
         *p4 = read_rel("04-ranking-plan.md");
    cr_assert_not_null(strstr(s, "| [04-ranking-plan.md](04-ranking-plan.md) | Phase 4: Ranking |\n"
                                 "| [05-new-phase-plan.md](05-new-phase-plan.md) | Phase 5: New "
                                 "Phase |\n\n---\n"));
    cr_assert_not_null(strstr(r, "| Phase 4: Ranking | \xF0\x9F\x93\x8B Ready |\n"
                                 "| [05-new-phase-plan.md](05-new-phase-plan.md) | Phase 5: New "
                                 "Phase | \xF0\x9F\x93\x8B Ready |\n\n---\n"));
    cr_assert(util_has_suffix(p4, "**Status:** Ready for Implementation\n**Next Phase:** [Phase 5: "
                                  "New Phase](05-new-phase-plan.md)\n"));
    /* the new plan has the template's placeholders; the existing documents
     * gain no finding but those naming the new phase in hand-kept lists */
    for (size_t i = 0; i < after.n; i++) {
        if (util_has_prefix(after.v[i], "05-new-phase-plan.md|PL030|"))
            continue;
        bool old = false;
        for (size_t k = 0; k < before.n && !old; k++)
            old = strcmp(before.v[k], after.v[i]) == 0;
        cr_assert(old, "new finding %s", after.v[i]);
    }
    free(s);
    free(r);
    free(p4);
    free(head);
    free(plan);
    ts_findings_free(&before);
    ts_findings_free(&after);
    json_decref(acts);
}

Test(actions, source_actions_resolve_when_the_client_can)
{
    caps.action_resolve = true;
    plant("04-ranking-plan.md", "\n\n### Out of Scope\n- Anything else", "");
    start();
    ws_doc_t *d = doc("04-ranking-plan.md");
    json_t *acts = actions_with(d, NULL, "source");
    cr_assert_eq(json_array_size(acts), 2, "%s", dump(acts));
    json_t *a = action_titled(acts, "Insert all missing template sections");
    cr_assert_null(json_object_get(a, "edit"));
    cr_assert_str_eq(json_string_value(rpc_get(a, "data.planls")), "insertSections");
    rpc_req_t req;
    memset(&req, 0, sizeof(req));
    json_t *r = actions_resolve(srv, &req, a);
    cr_assert_not_null(r, "%s", req.err_msg);
    cr_assert_str_eq(json_string_value(json_object_get(r, "title")),
                     "Insert all missing template sections");
    /* the same edit as without resolve */
    srv->caps.action_resolve = false;
    json_t *direct = actions_with(d, NULL, ACTIONS_KIND_INSERT_SECTIONS);
    cr_assert(
        json_equal(json_object_get(r, "edit"), json_object_get(json_array_get(direct, 0), "edit")));
    ts_findings_t after = apply_action(r);
    cr_assert_not(ts_findings_has(&after, "04-ranking-plan.md|PL020|"));
    /* the create-plan action too */
    srv->caps.action_resolve = true;
    json_decref(acts);
    acts = actions_with(doc("04-ranking-plan.md"), NULL, ACTIONS_KIND_CREATE_PLAN);
    json_t *r2 = actions_resolve(srv, &req, json_array_get(acts, 0));
    cr_assert_not_null(r2);
    cr_assert_eq(json_array_size(rpc_get(r2, "edit.documentChanges")), 5,
                 "create, its text, START-HERE, README, 04's Next Phase");
    json_decref(r2);
    json_decref(direct);
    json_decref(r);
    json_decref(acts);
    ts_findings_free(&after);
}

Test(actions, resolve_of_a_vanished_document_fails)
{
    caps.action_resolve = true;
    start();
    rpc_req_t req;
    memset(&req, 0, sizeof(req));
    json_t *a = json_pack("{s:s,s:{s:s,s:s}}", "title", "x", "data", "planls", "createPlan", "uri",
                          "file:///nowhere/x.md");
    cr_assert_null(actions_resolve(srv, &req, a));
    cr_assert_eq(req.err_code, RPC_REQUEST_FAILED);
    json_decref(a);
}

Test(actions, context_only_filters_kinds)
{
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    start();
    ws_doc_t *d = doc("03-query-parser-plan.md");
    json_t *acts = actions_with(d, "PL012", "quickfix");
    cr_assert_eq(json_array_size(acts), 3, "%s", dump(acts));
    json_decref(acts);
    acts = actions_with(d, "PL012", "source.planls");
    cr_assert_eq(json_array_size(acts), 1, "only Create next plan (no section is missing)");
    json_decref(acts);
    acts = actions_with(d, "PL012", NULL);
    cr_assert_eq(json_array_size(acts), 4, "%s", dump(acts));
    json_decref(acts);
    acts = actions_with(d, "PL012", "refactor");
    cr_assert_eq(json_array_size(acts), 0, "%s", dump(acts));
    json_decref(acts);
}

Test(actions, client_capabilities_shape_the_edits)
{
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    /* Neovim 0.7: resource operations but no documentChanges */
    caps.document_changes = false;
    start();
    ws_doc_t *d = doc("03-query-parser-plan.md");
    json_t *acts = actions_with(d, "PL012", NULL);
    json_t *fix = action_titled(acts, "Change priority to HIGH");
    cr_assert_not_null(rpc_get(fix, "edit.changes"));
    cr_assert_null(rpc_get(fix, "edit.documentChanges"));
    json_t *mk = action_titled(acts, "Create next plan (05-new-phase-plan.md)");
    cr_assert_not_null(rpc_get(mk, "edit.documentChanges"), "CreateFile needs documentChanges");
    json_decref(acts);
    /* eglot: documentChanges, no resource operations: nothing that creates */
    srv->caps.document_changes = true;
    srv->caps.create_files = false;
    srv->caps.rename_files = false;
    acts = actions_with(d, "PL012", NULL);
    cr_assert_eq(json_array_size(acts), 3, "%s", dump(acts));
    cr_assert_not_null(rpc_get(json_array_get(acts, 0), "edit.documentChanges"));
    json_decref(acts);
    /* no CodeAction literals: nothing */
    srv->caps.action_literals = false;
    acts = actions_with(d, "PL012", NULL);
    cr_assert_eq(json_array_size(acts), 0, "%s", dump(acts));
    json_decref(acts);
}

Test(actions, open_documents_carry_their_version)
{
    plant("03-query-parser-plan.md", "**Priority:** MEDIUM", "**Priority:** URGENT");
    start();
    char *text = read_rel("03-query-parser-plan.md");
    char *p = path_of("03-query-parser-plan.md");
    ws_doc_t *d = ws_open(srv->ws, p, text, strlen(text), 7);
    json_t *acts = actions_with(d, "PL012", NULL);
    json_t *td = json_array_get(rpc_get(json_array_get(acts, 0), "edit.documentChanges"), 0);
    cr_assert_eq(json_integer_value(rpc_get(td, "textDocument.version")), 7);
    json_decref(acts);
    free(p);
    free(text);
}

/* Garbage documents (NUL bytes, invalid UTF-8, CR line ends, broken
 * tables) get actions or none, but never a crash or invalid JSON. */
Test(actions, garbage_documents_never_break_actions)
{
    static const char G[] = "# Phase 3: Q\xFF\x00\r\r**Date:** \xC3\n**Priority:** \x00\n"
                            "**Status:** [x\n## Scope\r\n### In Scope\n| a |\n|---|\n| \xF0\x9F |\n"
                            "**Next Phase:** [Phase 4: Ranking](04-ranking-plan.md";
    plant("START-HERE.md", "| Document | Description |", "| Doc\xFF | \x00 |");
    caps.action_resolve = true;
    start();
    /* binary files are skipped on disk: the garbage is the editor's text */
    char *p = path_of("03-query-parser-plan.md");
    ws_open(srv->ws, p, G, sizeof(G) - 1, 1);
    free(p);
    static const char *const CODES[] = {"PL002", "PL004", "PL011", "PL012",
                                        "PL013", "PL020", "PL044", "PL046"};
    static const char *const DOCS[] = {"03-query-parser-plan.md", "START-HERE.md", "README.md"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(DOCS); i++) {
        ws_doc_t *d = doc(DOCS[i]);
        json_t *diags = json_array();
        for (size_t c = 0; c < UTIL_ARRAY_LEN(CODES); c++) {
            json_t *one = client_diags(d, CODES[c]);
            json_array_extend(diags, one);
            json_decref(one);
            /* and made-up ones on every line */
            for (uint32_t ln = 0; ln < d->text->n_lines; ln++)
                json_array_append_new(diags, json_pack("{s:s,s:s,s:{s:{s:i,s:i}},s:{s:s}}", "code",
                                                       CODES[c], "source", "planls", "range",
                                                       "start", "line", (int)ln, "character", 0,
                                                       "data", "section", "Scope"));
        }
        json_t *pr = params_for(d, diags, NULL);
        json_t *acts = actions_for(srv, d, pr);
        char *text = json_dumps(acts, JSON_COMPACT);
        cr_assert_not_null(text);
        free(text);
        size_t k;
        json_t *a;
        json_array_foreach(acts, k, a) {
            rpc_req_t req;
            memset(&req, 0, sizeof(req));
            json_t *r = actions_resolve(srv, &req, a);
            json_decref(r);
        }
        json_decref(acts);
        json_decref(pr);
    }
}

/* ---- the edit builder and capabilities ------------------------------------------------ */

Test(actions, edit_builder_sorts_and_drops_overlaps)
{
    start();
    ws_doc_t *d = doc("04-ranking-plan.md");
    actions_edit_t *e = actions_edit_new(srv);
    cr_assert(actions_edit_is_empty(e));
    actions_edit_replace(e, d, 10, 12, "b", 1);
    actions_edit_replace(e, d, 2, 4, "a", 1);
    actions_edit_replace(e, d, 11, 14, "x", 1); /* overlaps the first */
    actions_edit_replace(e, d, 14, 14, "c", 1);
    actions_edit_replace(e, d, 14, 14, "d", 1);
    json_t *we = actions_edit_json(e);
    json_t *edits =
        json_object_get(json_array_get(json_object_get(we, "documentChanges"), 0), "edits");
    cr_assert_eq(json_array_size(edits), 4);
    const char *want[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_str_eq(json_string_value(json_object_get(json_array_get(edits, i), "newText")),
                         want[i]);
    cr_assert_eq(json_integer_value(rpc_get(json_array_get(edits, 1), "range.start.character")),
                 10);
    json_decref(we);
    actions_edit_free(e);
}

Test(actions, kebab_of_titles)
{
    char *k = actions_kebab("Query Parser v2!");
    cr_assert_str_eq(k, "query-parser-v2");
    free(k);
    k = actions_kebab("  What's Next -- (API) ");
    cr_assert_str_eq(k, "whats-next-api");
    free(k);
    cr_assert_null(actions_kebab("\xF0\x9F\x9A\x80 !!"));
}

Test(actions, capabilities)
{
    server_t s;
    memset(&s, 0, sizeof(s));
    json_t *caps_json = json_object();
    actions_capabilities(&s, caps_json);
    cr_assert(json_is_true(json_object_get(caps_json, "codeActionProvider")));
    s.caps.action_literals = true;
    s.caps.action_resolve = true;
    actions_capabilities(&s, caps_json);
    json_t *p = json_object_get(caps_json, "codeActionProvider");
    cr_assert(json_is_true(json_object_get(p, "resolveProvider")));
    cr_assert_eq(json_array_size(json_object_get(p, "codeActionKinds")), 3);
    json_decref(caps_json);
    /* The handlers are registered with the server. */
    bool seen_action = false, seen_resolve = false;
    for (const rpc_method_t *m = features_methods(); m->name; m++) {
        if (strcmp(m->name, "textDocument/codeAction") == 0)
            seen_action = m->request == actions_request;
        if (strcmp(m->name, "codeAction/resolve") == 0)
            seen_resolve = m->request == actions_resolve_request;
    }
    cr_assert(seen_action && seen_resolve);
}
