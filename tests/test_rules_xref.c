/* Tests of the cross-document rules (src/rules_xref.c: PL040-PL055) through
 * rules.h: each test writes a planning workspace into a temporary folder,
 * scans it, runs the rules and checks codes, exact ranges, severities,
 * messages, related information and data. Also runs the whole catalogue
 * over tests/defects/ (one planted defect per code). */
#define _GNU_SOURCE 1
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "planls/buf.h"
#include "planls/config.h"
#include "planls/rules.h"
#include "planls/text.h"
#include "planls/util.h"
#include "planls/workspace.h"
#include "support.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif

#define DATA_DIR PLANLS_SOURCE_DIR "/tests/data/rules/xref"
#define DEMO ".engineering/artifacts/planning/2026-01-15-demo"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */

typedef struct fx {
    ts_root_t ts; /* temporary workspace root, its loop, log and config */
    ws_t *ws;
    rule_diags_t ds;
} fx_t;

/* One text replacement in a file of the clean folder: `old` must occur
 * exactly once. */
typedef struct edit {
    const char *file;
    const char *old;
    const char *new_text;
} edit_t;

static void fx_init(fx_t *fx)
{
    memset(fx, 0, sizeof(*fx));
    ts_root_init(&fx->ts, "xref");
}

static void fx_fini(fx_t *fx)
{
    rule_diags_free(&fx->ds);
    ts_ws_free(&fx->ts.loop, fx->ws);
    ts_root_fini(&fx->ts);
}

static void fx_write(fx_t *fx, const char *rel, const char *text)
{
    ts_put(fx->ts.path, rel, text);
}

static char *read_data(const char *rel)
{
    char *path = xasprintf("%s/%s", DATA_DIR, rel);
    char *data = ts_read(path);
    free(path);
    return data;
}

/* s with the single occurrence of old replaced. Caller frees. */
static char *replace_once(const char *s, const char *old, const char *new_text, const char *file)
{
    const char *at = strstr(s, old);
    cr_assert_not_null(at, "%s: '%s' not found", file, old);
    cr_assert_null(strstr(at + 1, old), "%s: '%s' occurs twice", file, old);
    size_t pre = (size_t)(at - s);
    return xasprintf("%.*s%s%s", (int)pre, s, new_text, at + strlen(old));
}

static const char *const CLEAN_FILES[] = {
    "START-HERE.md",          "README.md",               "01-CONTEXT-ANALYSIS.md",
    "02-RISK-ANALYSIS.md",    "03-observability-plan.md", "04-result-types-plan.md",
    "05-caching-plan.md",
};

/* Write the clean demo folder (tests/data/rules/xref/clean) with edits
 * applied; a file whose edit has old == NULL is removed (new_text NULL) or
 * created with new_text. Also writes the external docs and configures
 * externalDocs. */
static void fx_std(fx_t *fx, const edit_t *edits, size_t n)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(CLEAN_FILES); i++) {
        char *rel = xasprintf("clean/%s", CLEAN_FILES[i]);
        char *text = read_data(rel);
        bool drop = false;
        for (size_t k = 0; k < n; k++) {
            if (strcmp(edits[k].file, CLEAN_FILES[i]))
                continue;
            if (!edits[k].old) {
                drop = true;
                continue;
            }
            char *t = replace_once(text, edits[k].old, edits[k].new_text, edits[k].file);
            free(text);
            text = t;
        }
        if (!drop) {
            char *dst = xasprintf(DEMO "/%s", CLEAN_FILES[i]);
            fx_write(fx, dst, text);
            free(dst);
        }
        free(text);
        free(rel);
    }
    for (size_t k = 0; k < n; k++) {
        if (edits[k].old || !edits[k].new_text)
            continue;
        char *dst = xasprintf(DEMO "/%s", edits[k].file);
        fx_write(fx, dst, edits[k].new_text);
        free(dst);
    }
    char *wp = read_data("docs/workflows/_work-package.md");
    fx_write(fx, "docs/workflows/_work-package.md", wp);
    free(wp);
    char *guide = read_data("docs/guide.md");
    fx_write(fx, "docs/guide.md", guide);
    free(guide);
    char *err = NULL;
    json_t *j = json_pack("{s:[s]}", "externalDocs", "docs/workflows");
    cr_assert_eq(config_merge(&fx->ts.cfg, j, &err), 0);
    json_decref(j);
}

/* Turn every rule off except the given codes (NULL-terminated). */
static void fx_only(fx_t *fx, const char *const *codes)
{
    size_t n;
    const rule_info_t *t = rule_table(&n);
    json_t *rules = json_object();
    for (size_t i = 0; i < n; i++) {
        bool keep = false;
        for (size_t k = 0; codes[k]; k++)
            keep = keep || !strcmp(codes[k], t[i].code);
        if (!keep)
            json_object_set_new(rules, t[i].code, json_string("off"));
    }
    json_t *j = json_pack("{s:o}", "rules", rules);
    char *err = NULL;
    cr_assert_eq(config_merge(&fx->ts.cfg, j, &err), 0);
    json_decref(j);
}

static void fx_scan(fx_t *fx)
{
    fx->ws = ts_ws_scan(&fx->ts, 1);
}

static ws_folder_t *fx_folder(fx_t *fx, const char *rel)
{
    char *path = ts_path(fx->ts.path, rel);
    ws_folder_t *f = ts_folder(fx->ws, path);
    free(path);
    return f;
}

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Scan and check the demo folder. */
static void fx_check(fx_t *fx)
{
    fx_scan(fx);
    char *path = ts_path(fx->ts.path, DEMO);
    ts_check_folder(fx->ws, path, &fx->ts.cfg, &fx->ds);
    free(path);
}

static size_t count(const fx_t *fx, const char *code)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->ds.n; i++)
        n += !strcmp(fx->ds.items[i].code, code);
    return n;
}

/* The k-th diagnostic with code (asserts it exists). */
static rule_diag_t *nth(fx_t *fx, const char *code, size_t k)
{
    for (size_t i = 0; i < fx->ds.n; i++)
        if (!strcmp(fx->ds.items[i].code, code) && k-- == 0)
            return &fx->ds.items[i];
    cr_assert_fail("no %s diagnostic", code);
    return NULL;
}

static void expect_span(const ws_doc_t *d, md_span_t s, const char *text)
{
    char *t = ts_span_text(d, s);
    cr_expect_str_eq(t, text);
    free(t);
}

static void expect_diag(rule_diag_t *rd, const char *doc_name, const char *text, rule_sev_t sev)
{
    cr_expect_str_eq(rd->doc->name, doc_name);
    expect_span(rd->doc, rd->span, text);
    cr_expect_eq(rd->sev, sev, "%s: severity %d", rd->code, (int)rd->sev);
}

static void dump(const fx_t *fx)
{
    for (size_t i = 0; i < fx->ds.n; i++) {
        const rule_diag_t *d = &fx->ds.items[i];
        fprintf(stderr, "  %s %s [%u,%u) %s\n", d->code, d->doc->name, d->span.start, d->span.end,
                d->message);
    }
}

static void expect_none(fx_t *fx)
{
    if (fx->ds.n)
        dump(fx);
    cr_expect_eq(fx->ds.n, 0, "expected no diagnostics, got %zu", fx->ds.n);
}

static const char *data_str(const rule_diag_t *rd, const char *key)
{
    cr_assert_not_null(rd->data, "%s has no data", rd->code);
    const char *s = json_string_value(json_object_get(rd->data, key));
    cr_assert_not_null(s, "%s data has no '%s'", rd->code, key);
    return s;
}

#define STD(fx, ...)                                                                        \
    do {                                                                                     \
        static const edit_t edits_[] = {__VA_ARGS__};                                        \
        fx_std((fx), edits_, UTIL_ARRAY_LEN(edits_));                                         \
    } while (0)

/* ------------------------------------------------------------------ */
/* The clean folder                                                    */

Test(clean, template_conforming_folder_has_no_diagnostics)
{
    fx_t fx;
    fx_init(&fx);
    fx_std(&fx, NULL, 0);
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL040                                                               */

Test(pl040, fires_on_missing_target)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"04-result-types-plan.md", "[02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md)",
              "[02-RISKS.md](02-RISKS.md)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL040"), 1);
    rule_diag_t *rd = nth(&fx, "PL040", 0);
    expect_diag(rd, "04-result-types-plan.md", "02-RISKS.md", RULE_WARNING);
    cr_expect(strstr(rd->message, "'02-RISKS.md'") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "target"), "02-RISKS.md");
    fx_fini(&fx);
}

Test(pl040, silent_on_existing_external_and_anchor_links)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"04-result-types-plan.md", "[02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md)",
              "[02-RISK-ANALYSIS.md](./02-RISK-ANALYSIS.md), [web](https://example.com/x.md), "
              "[mail](mailto:a@example.com), [ftp](ftp://example.com/y.md), [top](#overview), "
              "<https://example.org/z.md>"});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl040, range_is_the_link_target_with_its_anchor)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "(01-CONTEXT-ANALYSIS.md#executive-summary)",
              "( 01-CONTEXT.md#executive-summary )"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL040"), 1);
    rule_diag_t *rd = nth(&fx, "PL040", 0);
    expect_diag(rd, "03-observability-plan.md", "01-CONTEXT.md#executive-summary", RULE_WARNING);
    cr_expect(strstr(rd->message, "'01-CONTEXT.md'") != NULL, "%s", rd->message);
    cr_expect_eq(count(&fx, "PL041"), 0);
    fx_fini(&fx);
}

Test(pl040, reference_definition_reported_once)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "A read-through cache for the hot queries.",
              "A read-through cache ([design][d]) for the hot queries ([again][d]).\n\n"
              "[d]: cache-design.md"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL040"), 1);
    expect_diag(nth(&fx, "PL040", 0), "05-caching-plan.md", "cache-design.md", RULE_WARNING);
    fx_fini(&fx);
}

Test(pl040, links_leaving_the_folder)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "- Distributed cache",
              "- Distributed cache, see [guide](../../../../docs/guide.md) and "
              "[old](../../../../docs/old-guide.md)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL040"), 1);
    rule_diag_t *rd = nth(&fx, "PL040", 0);
    expect_diag(rd, "05-caching-plan.md", "../../../../docs/old-guide.md", RULE_WARNING);
    cr_expect(strstr(rd->message, "'../../../../docs/old-guide.md'") != NULL, "%s", rd->message);
    fx_fini(&fx);
}

Test(pl040, external_docs_resolve_and_missing_without_them)
{
    fx_t fx;
    fx_init(&fx);
    fx_std(&fx, NULL, 0);
    /* Same workspace without externalDocs: every _work-package.md link
     * (START-HERE, README, three plans) is broken. */
    config_free(&fx.ts.cfg);
    config_init(&fx.ts.cfg);
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL040"), 5);
    for (size_t i = 0; i < 5; i++) {
        rule_diag_t *rd = nth(&fx, "PL040", i);
        expect_span(rd->doc, rd->span, "_work-package.md");
    }
    cr_expect_eq(fx.ds.n, 5);
    fx_fini(&fx);
}

Test(pl040, document_outside_folders_gets_link_rules)
{
    fx_t fx;
    fx_init(&fx);
    fx_std(&fx, NULL, 0);
    fx_scan(&fx);
    char *path = xasprintf("%s/docs/notes.md", fx.ts.path);
    static const char text[] = "# Notes\n\n[guide](guide.md#install) [gone](gone.md) "
                               "[bad](guide.md#instal)\n";
    ws_doc_t *d = ws_open(fx.ws, path, text, strlen(text), 1);
    free(path);
    cr_assert_not_null(d);
    cr_assert_null(d->folder);
    rule_check_doc(fx.ws, d, &fx.ts.cfg, &fx.ds);
    rule_diags_sort(&fx.ds);
    cr_assert_eq(fx.ds.n, 2);
    cr_expect_str_eq(fx.ds.items[0].code, "PL040");
    expect_span(d, fx.ds.items[0].span, "gone.md");
    cr_expect_str_eq(fx.ds.items[1].code, "PL041");
    expect_span(d, fx.ds.items[1].span, "instal");
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL041                                                               */

Test(pl041, fires_with_suggestion)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "(01-CONTEXT-ANALYSIS.md#executive-summary)",
              "(01-CONTEXT-ANALYSIS.md#executive-sumary)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL041"), 1);
    rule_diag_t *rd = nth(&fx, "PL041", 0);
    expect_diag(rd, "03-observability-plan.md", "executive-sumary", RULE_WARNING);
    cr_expect(strstr(rd->message, "did you mean #executive-summary?") != NULL, "%s", rd->message);
    cr_expect(strstr(rd->message, "01-CONTEXT-ANALYSIS.md") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "suggestion"), "executive-summary");
    cr_expect_str_eq(data_str(rd, "anchor"), "executive-sumary");
    fx_fini(&fx);
}

Test(pl041, no_suggestion_when_nothing_is_close)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "(02-RISK-ANALYSIS.md#risks)",
              "(02-RISK-ANALYSIS.md#quarterly-budget)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL041"), 1);
    rule_diag_t *rd = nth(&fx, "PL041", 0);
    expect_diag(rd, "05-caching-plan.md", "quarterly-budget", RULE_WARNING);
    cr_expect_null(strstr(rd->message, "did you mean"), "%s", rd->message);
    cr_expect_null(json_object_get(rd->data, "suggestion"));
    fx_fini(&fx);
}

Test(pl041, silent_on_slugs_emoji_headings_same_doc_and_case)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "(02-RISK-ANALYSIS.md#risks)",
              "(02-RISK-ANALYSIS.md#Risks), [crit](START-HERE.md#-success-criteria), "
              "[crit2](START-HERE.md#success-criteria), [scope](#out-of-scope), "
              "[up](#phase-5-caching), [sp](02-RISK-ANALYSIS.md#risk%73)"});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl041, same_document_anchor_range)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"04-result-types-plan.md", "- Client libraries",
              "- Client libraries (see [in scope](#in-scpe))"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL041"), 1);
    rule_diag_t *rd = nth(&fx, "PL041", 0);
    expect_diag(rd, "04-result-types-plan.md", "in-scpe", RULE_WARNING);
    cr_expect(strstr(rd->message, "did you mean #in-scope?") != NULL, "%s", rd->message);
    cr_expect(strstr(rd->message, "this document") != NULL, "%s", rd->message);
    fx_fini(&fx);
}

Test(pl041, anchors_of_documents_outside_the_folder_and_external_docs)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "- Distributed cache",
              "- Distributed cache: [install](../../../../docs/guide.md#install), "
              "[setup](../../../../docs/guide.md#setup), [steps](_work-package.md#steps), "
              "[stpes](_work-package.md#stpes)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL041"), 2);
    expect_diag(nth(&fx, "PL041", 0), "05-caching-plan.md", "setup", RULE_WARNING);
    cr_expect(strstr(nth(&fx, "PL041", 0)->message, "guide.md") != NULL);
    rule_diag_t *rd = nth(&fx, "PL041", 1);
    expect_diag(rd, "05-caching-plan.md", "stpes", RULE_WARNING);
    cr_expect(strstr(rd->message, "did you mean #steps?") != NULL, "%s", rd->message);
    cr_expect_eq(fx.ds.n, 2);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL042                                                               */

Test(pl042, fires_on_unknown_phase)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "- Phase 5 depends on Phase 4\n",
              "- Phase 5 depends on Phase 4\n- Phase 9 comes next quarter\n"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL042"), 1);
    rule_diag_t *rd = nth(&fx, "PL042", 0);
    expect_diag(rd, "START-HERE.md", "Phase 9", RULE_WARNING);
    cr_expect(strstr(rd->message, "Phase 9") != NULL, "%s", rd->message);
    cr_expect(strstr(rd->message, "3-5") != NULL, "%s", rd->message);
    fx_fini(&fx);
}

Test(pl042, silent_on_known_phases_and_placeholders)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"05-caching-plan.md", "- Distributed cache",
              "- Distributed cache (deferred to Phase N+1, see Phase X)\n- Revisit after "
              "Phase 3 and Phase 04"});
    fx_only(&fx, (const char *const[]){"PL042", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl042, range_in_link_label_and_table)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"README.md", "| [05-caching-plan.md](05-caching-plan.md) | Phase 5: Caching |",
              "| [05-caching-plan.md](05-caching-plan.md) | Phase 5: Caching |\n"
              "| [Phase 12 notes](notes.md) | Follow-up in Phase 11 |"},
        {"notes.md", NULL, "# Notes\n\nNothing yet.\n"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL042"), 2);
    rule_diag_t *a = nth(&fx, "PL042", 0), *b = nth(&fx, "PL042", 1);
    expect_diag(a, "README.md", "Phase 12", RULE_WARNING);
    expect_diag(b, "README.md", "Phase 11", RULE_WARNING);
    cr_expect_eq(a->span.start, (uint32_t)(strstr(a->doc->text->data, "[Phase 12 notes]") -
                                           a->doc->text->data) + 1);
    cr_expect_eq(fx.ds.n, 2);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL043                                                               */

Test(pl043, fires_on_title_mismatch)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
              "[Phase 4: Typed Results](04-result-types-plan.md)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL043"), 1);
    rule_diag_t *rd = nth(&fx, "PL043", 0);
    expect_diag(rd, "03-observability-plan.md", "Phase 4: Typed Results", RULE_INFO);
    cr_expect(strstr(rd->message, "'Result Types'") != NULL, "%s", rd->message);
    cr_assert_eq(rd->n_related, 1);
    cr_expect_str_eq(rd->related[0].doc->name, "04-result-types-plan.md");
    expect_span(rd->related[0].doc, rd->related[0].span, "# Phase 4: Result Types");
    cr_expect_str_eq(data_str(rd, "expected"), "Result Types");
    fx_fini(&fx);
}

Test(pl043, silent_on_case_spacing_and_dash_forms)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
              "[phase 4 -  result TYPES ](04-result-types-plan.md)"},
        {"04-result-types-plan.md", "[Phase 5: Caching](05-caching-plan.md)",
         "[**Phase 5:** Caching](05-caching-plan.md)"});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl043, range_is_the_link_text_in_a_table_cell)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "[Phase 3: Observability](03-observability-plan.md)",
              "[Phase 3 - Logging](03-observability-plan.md)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL043"), 1);
    expect_diag(nth(&fx, "PL043", 0), "START-HERE.md", "Phase 3 - Logging", RULE_INFO);
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL044                                                               */

Test(pl044, fires_for_plan_missing_from_start_here)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "| [05-caching-plan.md](05-caching-plan.md) | Phase 5: Caching |\n",
              ""});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL044"), 1);
    rule_diag_t *rd = nth(&fx, "PL044", 0);
    expect_diag(rd, "START-HERE.md", "| Document | Description |", RULE_WARNING);
    cr_expect(strstr(rd->message, "05-caching-plan.md") != NULL, "%s", rd->message);
    cr_expect(strstr(rd->message, "Document Navigation") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "file"), "05-caching-plan.md");
    cr_expect_str_eq(data_str(rd, "table"), "Document Navigation");
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

Test(pl044, one_per_missing_document_in_readme)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"README.md", "| [02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md) | Risks | ✅ |\n", ""},
        {"README.md", "| [04-result-types-plan.md](04-result-types-plan.md) | Phase 4: Result "
                      "Types | 📋 Ready |\n",
         ""});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL044"), 2);
    rule_diag_t *a = nth(&fx, "PL044", 0), *b = nth(&fx, "PL044", 1);
    expect_diag(a, "README.md", "| Document | Description | Status |", RULE_WARNING);
    expect_diag(b, "README.md", "| Document | Description | Status |", RULE_WARNING);
    cr_expect_str_eq(data_str(a, "file"), "02-RISK-ANALYSIS.md");
    cr_expect_str_eq(data_str(b, "file"), "04-result-types-plan.md");
    cr_expect_str_eq(data_str(a, "table"), "What's Inside");
    fx_fini(&fx);
}

Test(pl044, row_counts_when_any_cell_links_the_file)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "| [05-caching-plan.md](05-caching-plan.md) | Phase 5: Caching |",
              "| Caching | [Phase 5: Caching](./05-caching-plan.md#overview) |"});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl044, section_without_table_reports_on_heading)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"README.md",
              "| Document | Description | Status |\n"
              "|----------|-------------|--------|\n"
              "| **[START-HERE.md](START-HERE.md)** | 👈 **Read this first** - Executive summary "
              "| ✅ |\n"
              "| [01-CONTEXT-ANALYSIS.md](01-CONTEXT-ANALYSIS.md) | Background and motivation | ✅ "
              "|\n"
              "| [02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md) | Risks | ✅ |\n"
              "| [03-observability-plan.md](03-observability-plan.md) | Phase 3: Observability | "
              "📋 Ready |\n"
              "| [04-result-types-plan.md](04-result-types-plan.md) | Phase 4: Result Types | 📋 "
              "Ready |\n"
              "| [05-caching-plan.md](05-caching-plan.md) | Phase 5: Caching | 📋 Ready |\n",
              "- [START-HERE.md](START-HERE.md) - Read this first\n"
              "- [01-CONTEXT-ANALYSIS.md](01-CONTEXT-ANALYSIS.md) - Background\n"
              "- [02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md) - Risks\n"
              "- [03-observability-plan.md](03-observability-plan.md) - Observability\n"
              "- [04-result-types-plan.md](04-result-types-plan.md) - Result types\n"
              "- [05-caching-plan.md](05-caching-plan.md) - Caching\n"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL044"), 5);
    for (size_t i = 0; i < 5; i++)
        expect_diag(nth(&fx, "PL044", i), "README.md", "## 📚 What's Inside", RULE_WARNING);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL046                                                               */

Test(pl046, fires_when_next_phase_skips_a_plan)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
              "[Phase 5: Caching](05-caching-plan.md)"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL046"), 1);
    rule_diag_t *rd = nth(&fx, "PL046", 0);
    expect_diag(rd, "03-observability-plan.md", "[Phase 5: Caching](05-caching-plan.md)",
                RULE_INFO);
    cr_expect(strstr(rd->message, "04-result-types-plan.md") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "expected"), "04-result-types-plan.md");
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

Test(pl046, silent_on_last_plan_and_gaps)
{
    fx_t fx;
    fx_init(&fx);
    /* The last plan may say anything; 04 removed: 03 -> 05 is next. */
    STD(&fx, {"05-caching-plan.md", "None (last phase of this roadmap)", "—"},
        {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
         "[Phase 5: Caching](05-caching-plan.md)"},
        {"04-result-types-plan.md", NULL, NULL});
    fx_only(&fx, (const char *const[]){"PL046", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl046, range_is_the_value_without_a_link)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"04-result-types-plan.md", "[Phase 5: Caching](05-caching-plan.md)",
              "Phase 5: Caching"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL046"), 1);
    expect_diag(nth(&fx, "PL046", 0), "04-result-types-plan.md", "Phase 5: Caching", RULE_INFO);
    fx_fini(&fx);
}

Test(pl046, unfilled_template_link_is_left_to_pl030)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
              "[Link to next work package plan]"});
    fx_check(&fx);
    cr_assert_eq(fx.ds.n, 1);
    expect_diag(&fx.ds.items[0], "03-observability-plan.md", "[Link to next work package plan]",
                RULE_WARNING);
    cr_expect_str_eq(fx.ds.items[0].code, "PL030");
    fx_fini(&fx);

    /* With PL030 off, PL046 reports it. */
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "[Phase 4: Result Types](04-result-types-plan.md)",
              "[Link to next work package plan]"});
    fx_only(&fx, (const char *const[]){"PL046", NULL});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL046"), 1);
    expect_diag(nth(&fx, "PL046", 0), "03-observability-plan.md",
                "[Link to next work package plan]", RULE_INFO);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL050                                                               */

Test(pl050, three_edge_cycle_reports_every_edge)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "- [ ] Logging library approved",
              "- [ ] Phase 5 must be complete"},
        {"START-HERE.md", "- Phase 4 depends on Phase 3\n- Phase 5 depends on Phase 4\n", ""});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL050"), 3);
    static const char *const where[] = {"03-observability-plan.md", "04-result-types-plan.md",
                                        "05-caching-plan.md"};
    static const char *const target[] = {"5", "3", "4"};
    for (size_t i = 0; i < 3; i++) {
        rule_diag_t *rd = nth(&fx, "PL050", i);
        cr_expect_str_eq(rd->doc->name, where[i]);
        expect_span(rd->doc, rd->span, target[i]);
        cr_expect_eq(rd->sev, RULE_ERROR);
        cr_expect_str_eq(rd->message, "Dependency cycle: Phase 3 \xE2\x86\x92 Phase 5 "
                                      "\xE2\x86\x92 Phase 4 \xE2\x86\x92 Phase 3");
        cr_expect_eq(rd->n_related, 2);
    }
    /* The order inversion 3 -> 5 is part of the cycle: PL050 only. */
    cr_expect_eq(count(&fx, "PL052"), 0);
    cr_expect_eq(fx.ds.n, 3);
    fx_fini(&fx);
}

Test(pl050, silent_on_a_chain)
{
    fx_t fx;
    fx_init(&fx);
    fx_std(&fx, NULL, 0);
    fx_check(&fx);
    cr_expect_eq(count(&fx, "PL050"), 0);
    fx_fini(&fx);
}

Test(pl050, range_and_related_of_a_start_here_cycle)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "- Phase 4 depends on Phase 3\n- Phase 5 depends on Phase 4\n",
              "- Phase 3 depends on Phase 5\n"});
    fx_check(&fx);
    /* Edges 3->5 (START-HERE), 5->4 and 4->3 (plans). */
    cr_assert_eq(count(&fx, "PL050"), 3);
    rule_diag_t *rd = nth(&fx, "PL050", 2);
    cr_expect_str_eq(rd->doc->name, "START-HERE.md");
    expect_span(rd->doc, rd->span, "5");
    cr_expect_eq(rd->span.start, (uint32_t)(strstr(rd->doc->text->data,
                                                   "- Phase 3 depends on Phase 5") -
                                            rd->doc->text->data) + 27);
    cr_assert_eq(rd->n_related, 2);
    cr_expect_str_eq(rd->related[0].doc->name, "05-caching-plan.md");
    cr_expect_str_eq(rd->related[0].message, "Phase 5 depends on Phase 4");
    cr_expect_str_eq(rd->related[1].doc->name, "04-result-types-plan.md");
    cr_expect_str_eq(rd->related[1].message, "Phase 4 depends on Phase 3");
    fx_fini(&fx);
}

Test(pl050, only_edges_on_a_cycle_and_every_statement_of_them)
{
    fx_t fx;
    fx_init(&fx);
    /* 3 <-> 4 is a cycle (4 -> 3 stated twice: plan 04 and START-HERE);
     * 5 -> 4 leads into it but is on no cycle. */
    STD(&fx, {"03-observability-plan.md", "- [ ] Logging library approved",
              "- [ ] Phase 4 must be complete"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL050"), 3);
    static const char *const where[] = {"03-observability-plan.md", "04-result-types-plan.md",
                                        "START-HERE.md"};
    static const char *const target[] = {"4", "3", "3"};
    for (size_t i = 0; i < 3; i++) {
        rule_diag_t *rd = nth(&fx, "PL050", i);
        cr_expect_str_eq(rd->doc->name, where[i]);
        expect_span(rd->doc, rd->span, target[i]);
        cr_expect_str_eq(rd->message,
                         "Dependency cycle: Phase 3 \xE2\x86\x92 Phase 4 \xE2\x86\x92 Phase 3");
        cr_expect_eq(rd->n_related, 1);
    }
    cr_expect_eq(fx.ds.n, 3);
    fx_fini(&fx);
}

Test(pl050, self_dependency_is_a_cycle)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "- [ ] Logging library approved",
              "- [ ] Phase 3 must be complete"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL050"), 1);
    rule_diag_t *rd = nth(&fx, "PL050", 0);
    cr_expect_str_eq(rd->message, "Dependency cycle: Phase 3 \xE2\x86\x92 Phase 3");
    cr_expect_eq(rd->n_related, 0);
    fx_fini(&fx);
}

/* A folder of n plans; plan i requires plan i-1; with `cycle`, plan 1
 * requires plan n. */
static void write_chain(fx_t *fx, int n, bool cycle)
{
    for (int i = 1; i <= n; i++) {
        int dep = i > 1 ? i - 1 : (cycle ? n : 0);
        char *req = dep ? xasprintf("- [ ] Phase %d must be complete", dep)
                        : xstrdup("- [ ] Nothing");
        char *text = xasprintf("# Phase %d: Step %d\n\n"
                               "**Priority:** HIGH\n\n"
                               "## Dependencies\n\n### Requires (Blockers)\n%s\n",
                               i, i, req);
        char *rel = xasprintf(".engineering/artifacts/planning/2026-01-15-chain/%04d-step-plan.md",
                              i);
        fx_write(fx, rel, text);
        free(rel);
        free(text);
        free(req);
    }
    fx_write(fx, ".engineering/artifacts/planning/2026-01-15-chain/START-HERE.md",
             "# Chain\n");
}


Test(pl050, chain_of_5000_plans)
{
    fx_t fx;
    fx_init(&fx);
    write_chain(&fx, 5000, false);
    fx_only(&fx, (const char *const[]){"PL042", "PL046", "PL050", "PL051", "PL052", "PL053",
                                       NULL});
    fx_scan(&fx);
    ws_folder_t *f = fx_folder(&fx, ".engineering/artifacts/planning/2026-01-15-chain");
    cr_assert_eq(f->n_docs, 5001);
    double t0 = now_ms();
    rule_check_folder(fx.ws, f, &fx.ts.cfg, &fx.ds);
    double ms = now_ms() - t0;
    expect_none(&fx);
    cr_expect_lt(ms, 5000.0, "took %.1f ms", ms);
    fx_fini(&fx);
}

Test(pl050, cycle_of_1000_plans)
{
    fx_t fx;
    fx_init(&fx);
    write_chain(&fx, 1000, true);
    fx_only(&fx, (const char *const[]){"PL050", "PL052", NULL});
    fx_scan(&fx);
    ws_folder_t *f = fx_folder(&fx, ".engineering/artifacts/planning/2026-01-15-chain");
    double t0 = now_ms();
    rule_check_folder(fx.ws, f, &fx.ts.cfg, &fx.ds);
    double ms = now_ms() - t0;
    cr_expect_lt(ms, 5000.0, "took %.1f ms", ms);
    rule_diags_sort(&fx.ds);
    cr_assert_eq(count(&fx, "PL050"), 1000);
    cr_expect_eq(fx.ds.n, 1000);
    rule_diag_t *rd = nth(&fx, "PL050", 0);
    cr_expect_str_eq(rd->doc->name, "0001-step-plan.md");
    cr_expect_str_eq(rd->message,
                     "Dependency cycle: Phase 1 \xE2\x86\x92 Phase 1000 \xE2\x86\x92 Phase 999 "
                     "\xE2\x86\x92 Phase 998 \xE2\x86\x92 Phase 997 \xE2\x86\x92 Phase 996 "
                     "\xE2\x86\x92 Phase 995 \xE2\x86\x92 Phase 994 \xE2\x86\x92 \xE2\x80\xA6 "
                     "\xE2\x86\x92 Phase 2 \xE2\x86\x92 Phase 1 (1000 phases)");
    cr_expect_eq(rd->n_related, 8);
    for (size_t i = 0; i < fx.ds.n; i++)
        cr_assert_leq(fx.ds.items[i].n_related, 8);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL051                                                               */

Test(pl051, fires_on_priority_order_mismatch)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "1. 🔴 **HIGH:** Phase 3 - Observability",
              "1. 🟠 **MEDIUM:** Phase 3 - Observability"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL051"), 1);
    rule_diag_t *rd = nth(&fx, "PL051", 0);
    expect_diag(rd, "START-HERE.md", "MEDIUM", RULE_WARNING);
    cr_expect(strstr(rd->message, "HIGH") != NULL, "%s", rd->message);
    cr_assert_eq(rd->n_related, 1);
    cr_expect_str_eq(rd->related[0].doc->name, "03-observability-plan.md");
    expect_span(rd->related[0].doc, rd->related[0].span, "HIGH (Blocks other work)");
    cr_expect_str_eq(data_str(rd, "expected"), "HIGH");
    fx_fini(&fx);
}

Test(pl051, fires_in_readme_table_and_roadmap_list)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"README.md", "| 🟡 LOW | Phase 5 |", "| 🔴 HIGH | Phase 5 |"},
        {"START-HERE.md", "   - Priority: MEDIUM\n", "   - Priority: LOW\n"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL051"), 2);
    expect_diag(nth(&fx, "PL051", 0), "README.md", "HIGH", RULE_WARNING);
    expect_diag(nth(&fx, "PL051", 1), "START-HERE.md", "LOW", RULE_WARNING);
    fx_fini(&fx);
}

Test(pl051, silent_on_same_priority_in_other_case_or_decoration)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "1. 🔴 **HIGH:** Phase 3 - Observability",
              "1. **High:** Phase 3 - Observability"},
        {"README.md", "| 🟡 LOW | Phase 5 |", "| **LOW** (later) | Phase 5 |"});
    fx_only(&fx, (const char *const[]){"PL051", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl051, silent_when_plan_priority_is_invalid)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "**Priority:** HIGH (Blocks other work)",
              "**Priority:** Urgent"});
    fx_only(&fx, (const char *const[]){"PL051", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL052                                                               */

Test(pl052, fires_on_dependency_on_later_phase)
{
    fx_t fx;
    fx_init(&fx);
    /* 3 -> 5 while 5 -> 4 and nothing leads back to 3: no cycle. */
    STD(&fx, {"03-observability-plan.md", "- [ ] Logging library approved",
              "- [ ] Phase 5 must be complete"},
        {"04-result-types-plan.md", "- [ ] Phase 3 must be complete", "- [ ] Error design agreed"},
        {"START-HERE.md", "- Phase 4 depends on Phase 3\n", ""});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL052"), 1);
    rule_diag_t *rd = nth(&fx, "PL052", 0);
    expect_diag(rd, "03-observability-plan.md", "5", RULE_WARNING);
    cr_assert_eq(rd->n_related, 1);
    expect_span(rd->related[0].doc, rd->related[0].span, "Ready for Implementation");
    cr_expect(strstr(rd->message, "Phase 3 depends on Phase 5") != NULL, "%s", rd->message);
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

Test(pl052, silent_when_later_phase_is_complete)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"03-observability-plan.md", "- [ ] Logging library approved",
              "- [ ] Phase 5 must be complete"},
        {"04-result-types-plan.md", "- [ ] Phase 3 must be complete", "- [ ] Error design agreed"},
        {"START-HERE.md", "- Phase 4 depends on Phase 3\n", ""},
        {"05-caching-plan.md", "**Status:** Ready for Implementation", "**Status:** Complete"});
    fx_only(&fx, (const char *const[]){"PL052", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl052, range_on_start_here_line)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "- Phase 4 depends on Phase 3\n",
              "- Phase 3 depends on Phase 4\n"},
        {"04-result-types-plan.md", "- [ ] Phase 3 must be complete", "- [ ] Error design agreed"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL052"), 1);
    rule_diag_t *rd = nth(&fx, "PL052", 0);
    expect_diag(rd, "START-HERE.md", "4", RULE_WARNING);
    cr_expect_eq(rd->span.start, (uint32_t)(strstr(rd->doc->text->data,
                                                   "- Phase 3 depends on Phase 4") -
                                            rd->doc->text->data) + 27);
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL053                                                               */

Test(pl053, fires_on_wrong_total)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "6-11 hours agentic + 2.5 hours review = **8.5-13.5 total hours**",
              "6-10 hours agentic + 2.5 hours review = **8.5-12.5 total hours**"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL053"), 1);
    rule_diag_t *rd = nth(&fx, "PL053", 0);
    expect_diag(rd, "START-HERE.md",
                "6-10 hours agentic + 2.5 hours review = **8.5-12.5 total hours**",
                RULE_WARNING);
    cr_expect(strstr(rd->message, "6-10h agentic + 2.5h review") != NULL, "%s", rd->message);
    cr_expect(strstr(rd->message, "6-11h agentic + 2.5h review") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "expected"), "6-11h agentic + 2.5h review");
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

Test(pl053, fires_on_wrong_grand_total_and_in_readme)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "**8.5-13.5 total hours**", "**8-13.5 total hours**"},
        {"README.md", "**Total:** 6-11h agentic + 2.5h review", "**Total:** 6-11h agentic + 3h review"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL053"), 2);
    rule_diag_t *a = nth(&fx, "PL053", 0), *b = nth(&fx, "PL053", 1);
    expect_diag(a, "README.md", "6-11h agentic + 3h review", RULE_WARNING);
    cr_expect_str_eq(b->doc->name, "START-HERE.md");
    cr_expect(strstr(b->message, "8-13.5h in total") != NULL, "%s", b->message);
    cr_expect(strstr(b->message, "8.5-13.5h in total") != NULL, "%s", b->message);
    fx_fini(&fx);
}

Test(pl053, silent_on_equal_forms_and_invalid_plan_effort)
{
    fx_t fx;
    fx_init(&fx);
    /* Equivalent spellings of the right total. */
    STD(&fx, {"START-HERE.md", "6-11 hours agentic + 2.5 hours review = **8.5-13.5 total hours**",
              "6 - 11 hrs agentic + 2.5 h review"},
        {"README.md", "**Total:** 6-11h agentic + 2.5h review", "**Total:** 8.5-13.5 hours"});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);

    fx_init(&fx);
    /* A plan with an invalid effort: PL014's, no sum is checked. */
    STD(&fx, {"05-caching-plan.md", "1-2h agentic + 0.5h review", "a couple of hours"},
        {"START-HERE.md", "6-11 hours agentic", "1-2 hours agentic"});
    fx_only(&fx, (const char *const[]){"PL053", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* PL055                                                               */

Test(pl055, fires_on_created_date_mismatch)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "**Created:** 2026-01-15", "**Created:** 2026-01-14"});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL055"), 1);
    rule_diag_t *rd = nth(&fx, "PL055", 0);
    expect_diag(rd, "START-HERE.md", "2026-01-14", RULE_INFO);
    cr_expect(strstr(rd->message, "2026-01-15") != NULL, "%s", rd->message);
    cr_expect_str_eq(data_str(rd, "expected"), "2026-01-15");
    cr_expect_eq(fx.ds.n, 1);
    fx_fini(&fx);
}

Test(pl055, silent_when_equal_or_unreadable)
{
    fx_t fx;
    fx_init(&fx);
    /* README's Created is not START-HERE's; an invalid date is PL015's. */
    STD(&fx, {"README.md", "**Created:** 2026-01-15", "**Created:** 2026-01-16"});
    fx_only(&fx, (const char *const[]){"PL055", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);

    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "**Created:** 2026-01-15", "**Created:** 2026-02-30"});
    fx_only(&fx, (const char *const[]){"PL055", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

Test(pl055, range_is_the_created_value)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "**Created:** 2026-01-15", "**Created:**   2025-12-31  "});
    fx_only(&fx, (const char *const[]){"PL055", NULL});
    fx_check(&fx);
    cr_assert_eq(count(&fx, "PL055"), 1);
    expect_diag(nth(&fx, "PL055", 0), "START-HERE.md", "2025-12-31", RULE_INFO);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* Robustness                                                           */

Test(robust, invalid_utf8_nul_bytes_and_huge_anchors)
{
    fx_t fx;
    fx_init(&fx);
    char *big = xmalloc(70001);
    memset(big, 'a', 70000);
    big[70000] = '\0';
    char *text = xasprintf("# Notes\n\n[a](\xff\xfe-missing.md) [b](#\xc3) [c](#%s)\n"
                           "[d](05-caching-plan.md#caf\xc3) Phase 77\x01 [Phase 5: \xff](x)\n",
                           big);
    STD(&fx, {"notes.md", NULL, ""});
    /* The document continues after a NUL byte. */
    static const char tail[] = "\0 [n](nul\0.md) [m](gone-after-nul.md) Phase 88\n";
    char *path = xasprintf("%s/" DEMO "/notes.md", fx.ts.path);
    FILE *fp = fopen(path, "wb");
    cr_assert_not_null(fp);
    fwrite(text, 1, strlen(text), fp);
    fwrite(tail, 1, sizeof tail - 1, fp);
    fclose(fp);
    free(path);
    fx_check(&fx);
    cr_expect_geq(count(&fx, "PL040"), 3);
    cr_expect_geq(count(&fx, "PL041"), 3);
    cr_expect_eq(count(&fx, "PL042"), 2);
    for (size_t i = 0; i < fx.ds.n; i++) {
        const rule_diag_t *d = &fx.ds.items[i];
        cr_expect(text_utf8_valid(d->message, strlen(d->message)), "%s: invalid UTF-8", d->code);
        if (d->data) {
            char *js = json_dumps(d->data, 0);
            cr_expect_not_null(js, "%s: data not serialisable", d->code);
            free(js);
        }
    }
    free(text);
    free(big);
    fx_fini(&fx);
}

Test(robust, many_broken_anchors_into_many_headings_stay_fast)
{
    fx_t fx;
    fx_init(&fx);
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# Notes\n\n");
    for (int i = 0; i < 3000; i++)
        buf_printf(&b, "## Section %d\n\nSee [next](#sektion-%d).\n\n", i, i + 1);
    STD(&fx, {"notes.md", NULL, ""});
    fx_write(&fx, DEMO "/notes.md", buf_cstr(&b));
    buf_free(&b);
    fx_only(&fx, (const char *const[]){"PL041", NULL});
    fx_scan(&fx);
    double t0 = now_ms();
    rule_check_folder(fx.ws, fx_folder(&fx, DEMO), &fx.ts.cfg, &fx.ds);
    double ms = now_ms() - t0;
    cr_expect_lt(ms, 3000.0, "took %.1f ms", ms);
    cr_assert_eq(count(&fx, "PL041"), 3000);
    rule_diag_t *first = nth(&fx, "PL041", 0);
    expect_span(first->doc, first->span, "sektion-1");
    cr_expect(strstr(first->message, "did you mean #section-1?") != NULL, "%s", first->message);
    fx_fini(&fx);
}

Test(robust, rules_on_an_empty_folder_and_empty_documents)
{
    fx_t fx;
    fx_init(&fx);
    fx_write(&fx, DEMO "/START-HERE.md", "");
    fx_write(&fx, DEMO "/README.md", "");
    fx_write(&fx, DEMO "/03-x-plan.md", "");
    fx_only(&fx, (const char *const[]){"PL040", "PL041", "PL042", "PL043", "PL044", "PL046",
                                       "PL050", "PL051", "PL052", "PL053", "PL055", NULL});
    fx_check(&fx);
    expect_none(&fx);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* Configuration                                                        */

Test(config, severity_override_and_off)
{
    fx_t fx;
    fx_init(&fx);
    STD(&fx, {"START-HERE.md", "**Created:** 2026-01-15", "**Created:** 2026-01-14"},
        {"04-result-types-plan.md", "[02-RISK-ANALYSIS.md](02-RISK-ANALYSIS.md)",
         "[02-RISKS.md](02-RISKS.md)"});
    json_t *j = json_pack("{s:{s:s,s:s}}", "rules", "PL055", "error", "PL040", "off");
    char *err = NULL;
    cr_assert_eq(config_merge(&fx.ts.cfg, j, &err), 0);
    json_decref(j);
    fx_check(&fx);
    cr_assert_eq(fx.ds.n, 1);
    cr_expect_str_eq(fx.ds.items[0].code, "PL055");
    cr_expect_eq(fx.ds.items[0].sev, RULE_ERROR);
    fx_fini(&fx);
}

/* ------------------------------------------------------------------ */
/* tests/defects: one planted defect per code of the catalogue          */

typedef struct planted {
    char code[8];
    char file[256]; /* relative to tests/defects */
    unsigned line;  /* 1-based */
    bool found;
} planted_t;

/* tests/defects/EXPECTED lists "CODE path line" per planted diagnostic. */
static planted_t *read_expected(const char *root, size_t *n)
{
    char *path = ts_path(root, "EXPECTED");
    char *data = ts_read(path);
    free(path);
    planted_t *p = NULL;
    size_t np = 0, cap = 0;
    for (char *line = strtok(data, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        planted_t e;
        memset(&e, 0, sizeof(e));
        cr_assert_eq(sscanf(line, "%7s %255s %u", e.code, e.file, &e.line), 3, "bad line '%s'",
                     line);
        UTIL_PUSH(p, np, cap, e);
    }
    free(data);
    *n = np;
    return p;
}

Test(defects, every_code_fires_exactly_where_planted)
{
    const char *root = PLANLS_SOURCE_DIR "/tests/defects";
    size_t np;
    planted_t *p = read_expected(root, &np);

    uv_loop_t loop;
    uv_loop_init(&loop);
    log_t log;
    log_init(&log, LOG_ERROR);
    config_t cfg;
    config_init(&cfg);
    char *cpath = xasprintf("%s/.planls.json", root);
    char *ctext = NULL;
    size_t clen = 0;
    cr_assert_eq(util_read_file(cpath, 1 << 20, &ctext, &clen), 0);
    char *err = NULL;
    int el, ec;
    cr_assert_eq(config_merge_text(&cfg, ctext, clen, &err, &el, &ec), 0);
    free(ctext);
    free(cpath);

    char *abs = realpath(root, NULL);
    cr_assert_not_null(abs);
    ws_t *ws = ts_ws_scan_at(&loop, abs, &cfg, &log, 1);

    rule_diags_t ds = {0};
    for (size_t i = 0; i < ws_n_folders(ws); i++)
        rule_check_folder(ws, ws_folder_at(ws, i), &cfg, &ds);
    rule_diags_sort(&ds);

    size_t abs_len = strlen(abs);
    bool unexpected = false;
    for (size_t i = 0; i < ds.n; i++) {
        const rule_diag_t *d = &ds.items[i];
        const char *rel = d->doc->path + abs_len + 1;
        unsigned line = text_line_of(d->doc->text, d->span.start) + 1;
        bool ok = false;
        for (size_t k = 0; k < np; k++) {
            if (!strcmp(p[k].code, d->code) && !strcmp(p[k].file, rel) && p[k].line == line) {
                p[k].found = true;
                ok = true;
            }
        }
        if (!ok) {
            fprintf(stderr, "unexpected: %s %s %u %s\n", d->code, rel, line, d->message);
            unexpected = true;
        }
    }
    bool missing = false;
    for (size_t k = 0; k < np; k++) {
        if (!p[k].found) {
            fprintf(stderr, "missing: %s %s %u\n", p[k].code, p[k].file, p[k].line);
            missing = true;
        }
    }
    cr_expect_not(unexpected, "diagnostics outside the planted places");
    cr_expect_not(missing, "planted defects not reported");

    /* Every code of the catalogue is planted. */
    size_t nr;
    const rule_info_t *t = rule_table(&nr);
    cr_expect_geq(nr, 27);
    for (size_t i = 0; i < nr; i++) {
        bool planted = false;
        for (size_t k = 0; k < np; k++)
            planted = planted || !strcmp(p[k].code, t[i].code);
        cr_expect(planted, "%s is not planted in tests/defects", t[i].code);
    }

    rule_diags_free(&ds);
    ts_ws_free(&loop, ws);
    uv_loop_close(&loop);
    free(abs);
    config_free(&cfg);
    free(p);
}
