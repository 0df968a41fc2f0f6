/* Tests of the rule table, the driver and the single-document rules
 * (PL001-PL032): each rule fires on a planted defect with its exact range,
 * severity and message, stays quiet on the nearest correct input, and the
 * workflow's templates filled with real content give no finding. Folders are
 * built in a temporary directory from tests/data/rules/doc/. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "../src/rules_internal.h"
#include "planls/buf.h"
#include "planls/config.h"
#include "planls/log.h"
#include "planls/rules.h"
#include "planls/util.h"
#include "planls/workspace.h"
#include "support.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif
#define DATA_DIR PLANLS_SOURCE_DIR "/tests/data/rules/doc"

/* ---- fixture: a planning folder on disk, scanned and checked ---------- */

typedef struct fx {
    ts_root_t ts; /* temporary workspace root, its loop, log and config */
    char *dir;    /* the planning folder */
    ws_t *ws;
    ws_folder_t *folder;
    rule_diags_t diags;
} fx_t;

static void fx_write(fx_t *fx, const char *name, const char *text)
{
    ts_put(fx->dir, name, text);
}

/* Text of a data file (caller frees). */
static char *data_file(const char *set, const char *name)
{
    char *path = xasprintf("%s/%s/%s", DATA_DIR, set, name);
    char *data = ts_read(path);
    free(path);
    return data;
}

static const char *const CLEAN_FILES[] = {
    "START-HERE.md",
    "README.md",
    "01-COMPLETION-ANALYSIS.md",
    "02-CONCEPT-LEXICON-ANALYSIS.md",
    "03-observability-plan.md",
    "04-result-types-plan.md",
    "05-caching-strategy-plan.md",
    "CACHING-STRATEGY-COMPLETE.md",
};

static const char *const TEMPLATE_FILES[] = {
    "START-HERE.md", "README.md", "01-COMPLETION-ANALYSIS.md", "02-CONCEPT-LEXICON-ANALYSIS.md",
    "03-feature-plan.md",
};

static void fx_config(fx_t *fx, const char *json)
{
    char *err = NULL;
    int line = 0, col = 0;
    int rc = config_merge_text(&fx->ts.cfg, json, strlen(json), &err, &line, &col);
    cr_assert_eq(rc, 0, "config: %s", err ? err : "?");
    free(err);
}

/* A workspace root with the planning folder `name`; set = "clean",
 * "templates" or NULL (empty folder). The link target _work-package.md
 * exists through externalDocs, as in a real repository. */
static void fx_begin(fx_t *fx, const char *name, const char *set)
{
    memset(fx, 0, sizeof(*fx));
    ts_root_init(&fx->ts, "rules-doc");
    fx->dir = xasprintf("%s/.engineering/artifacts/planning/%s", fx->ts.path, name);
    ts_mkdirs(fx->dir);
    ts_put(fx->ts.path, "docs/workflows/_work-package.md", "# Work Package Workflow\n");
    fx_config(fx, "{\"externalDocs\": [\"docs/workflows\"]}");
    const char *const *files = NULL;
    size_t n = 0;
    if (set && strcmp(set, "clean") == 0) {
        files = CLEAN_FILES;
        n = UTIL_ARRAY_LEN(CLEAN_FILES);
    } else if (set && strcmp(set, "templates") == 0) {
        files = TEMPLATE_FILES;
        n = UTIL_ARRAY_LEN(TEMPLATE_FILES);
    }
    for (size_t i = 0; i < n; i++) {
        char *text = data_file(set, files[i]);
        fx_write(fx, files[i], text);
        free(text);
    }
}

static void fx_remove(fx_t *fx, const char *name)
{
    char *path = xasprintf("%s/%s", fx->dir, name);
    cr_assert_eq(unlink(path), 0, "cannot remove %s", path);
    free(path);
}

/* Replace the first occurrence of old in a file of the folder. */
static void fx_edit(fx_t *fx, const char *name, const char *old, const char *new_text)
{
    char *path = xasprintf("%s/%s", fx->dir, name);
    char *data = ts_read(path);
    char *at = strstr(data, old);
    cr_assert_not_null(at, "%s: \"%s\" not found", name, old);
    buf_t b = BUF_INIT;
    buf_append(&b, data, (size_t)(at - data));
    buf_append_str(&b, new_text);
    buf_append_str(&b, at + strlen(old));
    fx_write(fx, name, buf_cstr(&b));
    buf_free(&b);
    free(data);
    free(path);
}

/* Scan the workspace and run every rule on the planning folder. */
static void fx_run(fx_t *fx)
{
    fx->ws = ts_ws_scan(&fx->ts, 1);
    fx->folder = ts_check_folder(fx->ws, fx->dir, &fx->ts.cfg, &fx->diags);
}

static void fx_end(fx_t *fx)
{
    rule_diags_free(&fx->diags);
    ts_ws_free(&fx->ts.loop, fx->ws);
    ts_root_fini(&fx->ts);
    free(fx->dir);
}

/* ---- lookups ---------------------------------------------------------- */

/* Diagnostics of code on the document named doc (NULL = any document). */
static size_t count(const fx_t *fx, const char *code, const char *doc)
{
    size_t n = 0;
    for (size_t i = 0; i < fx->diags.n; i++) {
        const rule_diag_t *d = &fx->diags.items[i];
        if (strcmp(d->code, code) == 0 && (!doc || strcmp(d->doc->name, doc) == 0))
            n++;
    }
    return n;
}

/* The k-th diagnostic of code on doc, in sorted order; NULL when none. */
static const rule_diag_t *nth(const fx_t *fx, const char *code, const char *doc, size_t k)
{
    for (size_t i = 0; i < fx->diags.n; i++) {
        const rule_diag_t *d = &fx->diags.items[i];
        if (strcmp(d->code, code) == 0 && (!doc || strcmp(d->doc->name, doc) == 0) && k-- == 0)
            return d;
    }
    return NULL;
}

static const rule_diag_t *one(const fx_t *fx, const char *code, const char *doc)
{
    cr_assert_eq(count(fx, code, doc), 1, "expected one %s on %s, got %zu", code,
                 doc ? doc : "any", count(fx, code, doc));
    return nth(fx, code, doc, 0);
}

static void expect_span(const rule_diag_t *d, const char *text)
{
    char *got = ts_span_text(d->doc, d->span);
    cr_expect_str_eq(got, text, "%s range: got \"%s\", want \"%s\"", d->code, got, text);
    free(got);
}

static void expect_diag(const rule_diag_t *d, const char *span, rule_sev_t sev, const char *msg)
{
    cr_assert_not_null(d);
    expect_span(d, span);
    cr_expect_eq(d->sev, sev, "%s severity %d, want %d", d->code, d->sev, sev);
    cr_expect_str_eq(d->message, msg);
}

static const char *data_str(const rule_diag_t *d, const char *key)
{
    cr_assert_not_null(d->data, "%s has no data", d->code);
    json_t *v = json_object_get(d->data, key);
    cr_assert(json_is_string(v), "%s data.%s is not a string", d->code, key);
    return json_string_value(v);
}

static const char *const MY_CODES[] = {"PL001", "PL002", "PL003", "PL004", "PL010", "PL011",
                                       "PL012", "PL013", "PL014", "PL015", "PL020", "PL021",
                                       "PL022", "PL030", "PL031", "PL032"};

static size_t count_mine(const fx_t *fx)
{
    size_t n = 0;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(MY_CODES); i++)
        n += count(fx, MY_CODES[i], NULL);
    return n;
}

static void dump(const fx_t *fx)
{
    for (size_t i = 0; i < fx->diags.n; i++) {
        const rule_diag_t *d = &fx->diags.items[i];
        char *t = ts_span_text(d->doc, d->span);
        fprintf(stderr, "  %s %s [%u,%u) \"%s\": %s\n", d->doc->name, d->code, d->span.start,
                d->span.end, t, d->message);
        free(t);
    }
}

/* ---- the catalogue ---------------------------------------------------- */

Test(rules_table, lists_every_code_in_order)
{
    static const char *const CODES[] = {
        "PL001", "PL002", "PL003", "PL004", "PL010", "PL011", "PL012", "PL013", "PL014",
        "PL015", "PL020", "PL021", "PL022", "PL030", "PL031", "PL032", "PL040", "PL041",
        "PL042", "PL043", "PL044", "PL046", "PL050", "PL051", "PL052", "PL053", "PL055",
    };
    size_t n = 0;
    const rule_info_t *t = rule_table(&n);
    cr_assert_eq(n, UTIL_ARRAY_LEN(CODES));
    for (size_t i = 0; i < n; i++) {
        cr_expect_str_eq(t[i].code, CODES[i]);
        cr_expect(t[i].doc_fn || t[i].folder_fn, "%s has no function", t[i].code);
        cr_expect(t[i].default_sev >= RULE_ERROR && t[i].default_sev <= RULE_HINT);
        cr_expect(t[i].description && *t[i].description);
        for (const char *c = t[i].name; *c; c++)
            cr_expect((*c >= 'a' && *c <= 'z') || *c == '-', "%s name %s", t[i].code, t[i].name);
        cr_expect_eq(rule_find(CODES[i]), &t[i]);
    }
    cr_expect_null(rule_find("PL999"));
    cr_expect_null(rule_find(""));
    cr_expect_null(rule_find(NULL));
}

Test(rules_table, default_severities)
{
    cr_expect_eq(rule_find("PL002")->default_sev, RULE_ERROR);
    cr_expect_eq(rule_find("PL004")->default_sev, RULE_ERROR);
    cr_expect_eq(rule_find("PL010")->default_sev, RULE_ERROR);
    cr_expect_eq(rule_find("PL012")->default_sev, RULE_ERROR);
    cr_expect_eq(rule_find("PL013")->default_sev, RULE_WARNING);
    cr_expect_eq(rule_find("PL021")->default_sev, RULE_INFO);
    cr_expect_eq(rule_find("PL022")->default_sev, RULE_INFO);
    cr_expect_eq(rule_find("PL030")->default_sev, RULE_WARNING);
    cr_expect_eq(rule_find("PL032")->default_sev, RULE_WARNING);
    cr_expect_eq(rule_find("PL050")->default_sev, RULE_ERROR);
    cr_expect_eq(rule_find("PL055")->default_sev, RULE_INFO);
}

/* ---- the shared parsers ----------------------------------------------- */

Test(rules_parse, dates)
{
    int y = 0, m = 0, d = 0;
    cr_assert(rule_parse_date("2026-01-15", &y, &m, &d));
    cr_expect_eq(y, 2026);
    cr_expect_eq(m, 1);
    cr_expect_eq(d, 15);
    cr_expect(rule_parse_date("2024-02-29", NULL, NULL, NULL));
    cr_expect(rule_parse_date("2000-02-29", NULL, NULL, NULL));
    cr_expect(rule_parse_date("2026-12-31-roadmap", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-02-29", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("1900-02-29", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-02-30", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-04-31", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-13-01", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-00-10", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-01-00", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("0000-01-01", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-1-15", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026/01/15", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("2026-01-1", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date("", NULL, NULL, NULL));
    cr_expect_not(rule_parse_date(NULL, NULL, NULL, NULL));
}

Test(rules_parse, efforts)
{
    double x = 0, y = 0, z = 0;
    cr_assert(rule_parse_effort("4-6h agentic + 2h review", &x, &y, &z));
    cr_expect(x == 4 && y == 6 && z == 2);
    cr_assert(rule_parse_effort("2.5-4.5h agentic + 1.5h review", &x, &y, &z));
    cr_expect(x == 2.5 && y == 4.5 && z == 1.5);
    cr_assert(rule_parse_effort("3h agentic + 1h review", &x, &y, &z));
    cr_expect(x == 3 && y == 3 && z == 1);
    cr_expect(rule_parse_effort("4 - 6 h Agentic+2h Review", NULL, NULL, NULL));
    cr_expect(rule_parse_effort("4\xE2\x80\x93" "6h agentic + 2h review", NULL, NULL, NULL));
    cr_expect(rule_parse_effort("**4-6h agentic + 2h review** (tracing only)", NULL, NULL, NULL));
    cr_expect(rule_parse_effort("4-6h agentic + 2h review, split in two PRs", NULL, NULL, NULL));
    /* reversed ranges still parse: the caller compares */
    cr_assert(rule_parse_effort("6-4h agentic + 2h review", &x, &y, &z));
    cr_expect(x == 6 && y == 4);
    cr_expect_not(rule_parse_effort("X-Yh agentic + Zh review", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("3 days", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("4-6h", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("4-6h agentic", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("4-6 hours agentic + 2 hours review", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("4-6h agentic + 2h reviewers", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("4-h agentic + 2h review", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("", NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort(NULL, NULL, NULL, NULL));
    cr_expect_not(rule_parse_effort("99999999999-1h agentic + 1h review", NULL, NULL, NULL));
}

Test(rules_parse, priority_words)
{
    cr_expect_str_eq(rule_priority_word("HIGH"), "HIGH");
    cr_expect_str_eq(rule_priority_word("🔴 HIGH (blocks release)"), "HIGH");
    cr_expect_str_eq(rule_priority_word("🟠 **MEDIUM**"), "MEDIUM");
    cr_expect_str_eq(rule_priority_word("LOW - nice to have"), "LOW");
    cr_expect_str_eq(rule_priority_word("LOW: later"), "LOW");
    cr_expect_null(rule_priority_word("High"));
    cr_expect_null(rule_priority_word("HIGHEST"));
    cr_expect_null(rule_priority_word("HIGH/MEDIUM/LOW"));
    cr_expect_null(rule_priority_word("[HIGH/MEDIUM/LOW] ([Reason])"));
    cr_expect_null(rule_priority_word("URGENT (now)"));
    cr_expect_null(rule_priority_word(""));
    cr_expect_null(rule_priority_word(NULL));
}

/* ---- the templates ---------------------------------------------------- */

Test(rules_doc, filled_templates_give_no_findings)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-search-platform", "clean");
    fx_run(&fx);
    if (count_mine(&fx))
        dump(&fx);
    cr_expect_eq(count_mine(&fx), 0);
    fx_end(&fx);
}

/* The bare templates: placeholders are reported once each (by PL030), not
 * again as invalid field values. */
Test(rules_doc, raw_plan_template_reports_each_placeholder)
{
    static const char *const WANT[] = {
        "[Feature Name]",
        "[Date]",
        "[HIGH/MEDIUM/LOW]",
        "[Reason]",
        "[Ready for Implementation/In Progress/Complete]",
        "X-Yh",
        "Zh review",
        "[1-2 paragraphs explaining:]",
        "[Reference relevant findings from analysis documents]",
        "Phase N+1",
        "Phase N-1",
        "Phase N+1",
        "[Measurable outcome 1]",
        "[Measurable outcome 2]",
        "[Performance target if applicable]",
        "[Link to next work package plan]",
    };
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "templates");
    fx_run(&fx);
    const char *plan = "03-feature-plan.md";
    cr_assert_eq(count(&fx, "PL030", plan), UTIL_ARRAY_LEN(WANT));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(WANT); i++) {
        const rule_diag_t *d = nth(&fx, "PL030", plan, i);
        expect_span(d, WANT[i]);
        cr_expect_eq(d->sev, RULE_WARNING);
    }
    const rule_diag_t *d = nth(&fx, "PL030", plan, 0);
    cr_expect_str_eq(d->message,
                     "Unfilled template placeholder [Feature Name]: replace it with real content");
    cr_expect_str_eq(data_str(d, "placeholder"), "[Feature Name]");
    cr_expect_eq(count(&fx, "PL012", NULL), 0);
    cr_expect_eq(count(&fx, "PL013", NULL), 0);
    cr_expect_eq(count(&fx, "PL014", NULL), 0);
    cr_expect_eq(count(&fx, "PL015", NULL), 0);
    cr_expect_eq(count(&fx, "PL020", NULL), 0);
    cr_expect_eq(count(&fx, "PL021", NULL), 0);
    cr_expect_eq(count(&fx, "PL022", NULL), 0);
    cr_expect_eq(count(&fx, "PL031", NULL), 0);
    cr_expect_eq(count(&fx, "PL011", NULL), 0);
    /* "# Phase N: [Feature Name]" is no phase title */
    cr_expect_eq(count(&fx, "PL010", plan), 1);
    fx_end(&fx);
}

Test(rules_doc, raw_start_template_placeholders)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "templates");
    fx_run(&fx);
    const char *doc = "START-HERE.md";
    size_t n = count(&fx, "PL030", doc);
    size_t pr = 0, adr = 0, pct = 0, total = 0, xy = 0, zh = 0, name = 0, xyh = 0;
    for (size_t i = 0; i < n; i++) {
        const rule_diag_t *d = nth(&fx, "PL030", doc, i);
        char *t = ts_span_text(d->doc, d->span);
        pr += strcmp(t, "PR #XX") == 0;
        adr += strcmp(t, "ADR YYYY") == 0;
        pct += strcmp(t, "~X%") == 0;
        total += strcmp(t, "A-B total hours") == 0;
        xy += strcmp(t, "X-Y hours") == 0;
        zh += strcmp(t, "Z hours review") == 0;
        name += strcmp(t, "[Feature Name]") == 0;
        xyh += strcmp(t, "X-Yh") == 0;
        free(t);
    }
    cr_expect_eq(pr, 1);
    cr_expect_eq(adr, 1);
    cr_expect_eq(pct, 1);
    cr_expect_eq(total, 1);
    cr_expect_eq(xy, 1);
    cr_expect_eq(zh, 1);
    cr_expect_eq(name, 6);
    cr_expect_eq(xyh, 6);
    cr_expect_eq(count(&fx, "PL013", doc), 0);
    cr_expect_eq(count(&fx, "PL020", doc), 0);
    cr_expect_eq(count(&fx, "PL020", "README.md"), 0);
    cr_expect_eq(count(&fx, "PL021", NULL), 0);
    fx_end(&fx);
}

/* ---- PL001 folder name ------------------------------------------------ */

Test(rules_pl001, unreal_date_reported_on_start_here)
{
    fx_t fx;
    fx_begin(&fx, "2026-02-30-demo", "clean");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL001", NULL);
    cr_expect_str_eq(d->doc->name, "START-HERE.md");
    expect_diag(d, "# Search Platform Roadmap - January 2026", RULE_WARNING,
                "Planning folder name \"2026-02-30-demo\" starts with 2026-02-30, which is not "
                "a real date");
    fx_end(&fx);
}

Test(rules_pl001, leap_day_is_fine)
{
    fx_t fx;
    fx_begin(&fx, "2024-02-29-demo-2", "clean");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL001", NULL), 0);
    fx_end(&fx);
}

Test(rules_pl001, not_kebab_case)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-Search_Platform", "clean");
    fx_run(&fx);
    expect_diag(one(&fx, "PL001", NULL), "# Search Platform Roadmap - January 2026",
                RULE_WARNING,
                "Planning folder name \"2026-01-15-Search_Platform\": the part after the date "
                "must be kebab-case (lower-case words joined by hyphens)");
    fx_end(&fx);
}

Test(rules_pl001, no_date_and_no_start_here_reports_every_document)
{
    fx_t fx;
    fx_begin(&fx, "search-platform", "clean");
    fx_remove(&fx, "START-HERE.md");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL001", NULL), UTIL_ARRAY_LEN(CLEAN_FILES) - 1);
    expect_diag(one(&fx, "PL001", "04-result-types-plan.md"), "# Phase 4: Result Types",
                RULE_WARNING,
                "Planning folder name \"search-platform\" should be YYYY-MM-DD-kebab-name (e.g. "
                "2026-01-15-search-platform)");
    fx_end(&fx);
}

/* ---- PL002 required documents ----------------------------------------- */

Test(rules_pl002, missing_start_here_on_every_other_document)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "START-HERE.md");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL002", NULL), UTIL_ARRAY_LEN(CLEAN_FILES) - 1);
    const rule_diag_t *d = one(&fx, "PL002", "README.md");
    expect_diag(d, "# Search Platform Roadmap", RULE_ERROR,
                "Planning folder has no START-HERE.md (required: the entry point: executive "
                "summary, navigation, priority order)");
    cr_expect_str_eq(data_str(d, "missing"), "START-HERE.md");
    fx_end(&fx);
}

Test(rules_pl002, missing_readme)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "README.md");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL002", NULL), UTIL_ARRAY_LEN(CLEAN_FILES) - 1);
    const rule_diag_t *d = one(&fx, "PL002", "START-HERE.md");
    expect_span(d, "# Search Platform Roadmap - January 2026");
    cr_expect_str_eq(data_str(d, "missing"), "README.md");
    fx_end(&fx);
}

Test(rules_pl002, empty_document_gets_empty_range_at_start)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", NULL);
    fx_write(&fx, "README.md", "");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL002", "README.md");
    cr_expect_eq(d->span.start, 0);
    cr_expect_eq(d->span.end, 0);
    fx_end(&fx);
}

/* ---- PL003 file names ------------------------------------------------- */

Test(rules_pl003, malformed_plan_name)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "3-foo-plan.md", "# Phase 3: Foo\n\nText.\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL003", NULL), "# Phase 3: Foo", RULE_WARNING,
                "File name \"3-foo-plan.md\" is not a valid plan name: expected "
                "NN-kebab-name-plan.md (two-digit number, lower-case words joined by hyphens)");
    fx_end(&fx);
}

Test(rules_pl003, malformed_analysis_name)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "06-analysis.md", "Notes\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL003", "06-analysis.md"), "Notes", RULE_WARNING,
                "File name \"06-analysis.md\" is not a valid analysis name: expected "
                "NN-UPPER-CASE-ANALYSIS.md (two-digit number, upper-case words)");
    fx_end(&fx);
}

Test(rules_pl003, other_documents_are_fine)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "NOTES.md", "# Notes\n");
    fx_write(&fx, "CACHING-TESTING.md", "# Caching tests\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL003", NULL), 0);
    fx_end(&fx);
}

/* ---- PL004 numbering -------------------------------------------------- */

Test(rules_pl004, duplicate_number_on_each_with_related)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    char *plan = data_file("clean", "03-observability-plan.md");
    fx_write(&fx, "03-tracing-plan.md", plan);
    free(plan);
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL004", NULL), 2);
    const rule_diag_t *d = one(&fx, "PL004", "03-observability-plan.md");
    expect_diag(d, "# Phase 3: Observability", RULE_ERROR,
                "Number 03 is also used by 03-tracing-plan.md: each analysis and plan needs its "
                "own number");
    cr_assert_eq(d->n_related, 1);
    cr_expect_str_eq(d->related[0].doc->name, "03-tracing-plan.md");
    cr_expect_str_eq(d->related[0].message, "also numbered 03");
    const rule_diag_t *e = one(&fx, "PL004", "03-tracing-plan.md");
    cr_assert_eq(e->n_related, 1);
    cr_expect_str_eq(e->related[0].doc->name, "03-observability-plan.md");
    fx_end(&fx);
}

Test(rules_pl004, gap_reported_on_the_document_after_it)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "04-result-types-plan.md");
    fx_run(&fx);
    expect_diag(one(&fx, "PL004", NULL), "# Phase 5: Caching Strategy", RULE_WARNING,
                "Gap in numbering: 04 is missing before 05");
    fx_end(&fx);
}

Test(rules_pl004, gaps_of_several_numbers)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "01-COMPLETION-ANALYSIS.md");
    fx_write(&fx, "09-late-plan.md", "# Phase 9: Late\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL004", NULL), 2);
    expect_diag(one(&fx, "PL004", "02-CONCEPT-LEXICON-ANALYSIS.md"),
                "# Concept Lexicon Analysis", RULE_WARNING,
                "Gap in numbering: 01 is missing before 02");
    expect_diag(one(&fx, "PL004", "09-late-plan.md"), "# Phase 9: Late", RULE_WARNING,
                "Gap in numbering: 06-08 are missing before 09");
    fx_end(&fx);
}

Test(rules_pl004, two_missing_and_contiguous_is_fine)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "03-observability-plan.md");
    fx_remove(&fx, "04-result-types-plan.md");
    fx_run(&fx);
    expect_diag(one(&fx, "PL004", NULL), "# Phase 5: Caching Strategy", RULE_WARNING,
                "Gap in numbering: 03 and 04 are missing before 05");
    fx_end(&fx);

    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "06-late-plan.md", "# Phase 6: Late\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL004", NULL), 0);
    fx_end(&fx);
}

/* ---- PL010 plan title ------------------------------------------------- */

Test(rules_pl010, number_differs_from_file)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "# Phase 3: Observability", "# Phase 4: Observability");
    fx_run(&fx);
    expect_diag(one(&fx, "PL010", NULL), "# Phase 4: Observability", RULE_ERROR,
                "Plan title says Phase 4 but the file is numbered 03: expected \"# Phase 3: "
                "...\"");
    fx_end(&fx);
}

Test(rules_pl010, title_without_phase)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "# Phase 3: Observability", "# Observability");
    fx_run(&fx);
    expect_diag(one(&fx, "PL010", NULL), "# Observability", RULE_ERROR,
                "Plan title must look like \"# Phase 3: Title\", found \"Observability\"");
    fx_end(&fx);
}

Test(rules_pl010, no_title_reported_on_line_one)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "# Phase 3: Observability\n", "Observability\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL010", NULL), "Observability", RULE_ERROR,
                "Plan has no title: expected \"# Phase 3: Feature Name\" as its first line");
    fx_end(&fx);
}

Test(rules_pl010, non_plans_need_no_phase_title)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "NOTES.md", "# Just notes\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL010", NULL), 0);
    fx_end(&fx);
}

/* ---- PL011 required header fields ------------------------------------- */

Test(rules_pl011, plan_without_priority)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md",
            "**Priority:** 🔴 HIGH (blocks debugging of every other change)\n", "");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL011", NULL);
    expect_diag(d, "# Phase 3: Observability", RULE_WARNING,
                "Missing required field **Priority:** in the document header");
    cr_expect_str_eq(data_str(d, "field"), "Priority");
    fx_end(&fx);
}

Test(rules_pl011, start_here_without_created_and_status)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "**Created:** 2026-01-15\n**Status:** In Progress\n", "");
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL011", "START-HERE.md"), 2);
    const rule_diag_t *a = nth(&fx, "PL011", "START-HERE.md", 0);
    const rule_diag_t *b = nth(&fx, "PL011", "START-HERE.md", 1);
    expect_span(a, "# Search Platform Roadmap - January 2026");
    cr_expect_str_eq(data_str(a, "field"), "Created");
    cr_expect_str_eq(data_str(b, "field"), "Status");
    fx_end(&fx);
}

Test(rules_pl011, footer_fields_do_not_count_as_header)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    /* the plan still has "**Status:** In progress" in its footer */
    fx_edit(&fx, "03-observability-plan.md", "**Status:** In Progress\n", "");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL011", NULL);
    cr_expect_str_eq(data_str(d, "field"), "Status");
    fx_end(&fx);
}

Test(rules_pl011, no_title_reports_on_line_one)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "README.md", "# Search Platform Roadmap\n\n**Created:** 2026-01-15\n",
            "Search platform\n\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL011", "README.md"), "Search platform", RULE_WARNING,
                "Missing required field **Created:** in the document header");
    fx_end(&fx);
}

/* ---- PL012 priority --------------------------------------------------- */

Test(rules_pl012, unknown_priority_word)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "🔴 HIGH (blocks", "🔴 URGENT (blocks");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL012", NULL);
    expect_diag(d, "URGENT", RULE_ERROR, "Priority must be HIGH, MEDIUM or LOW, found \"URGENT\"");
    cr_expect_str_eq(data_str(d, "field"), "Priority");
    cr_expect_str_eq(data_str(d, "found"), "URGENT");
    fx_end(&fx);
}

Test(rules_pl012, lower_case_priority)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "**Priority:** 🔴 HIGH (API clients wait for it)",
            "**Priority:** High");
    fx_run(&fx);
    expect_diag(one(&fx, "PL012", NULL), "High", RULE_ERROR,
                "Priority must be HIGH, MEDIUM or LOW (upper case), found \"High\"");
    fx_end(&fx);
}

Test(rules_pl012, choice_left_in_place)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "**Priority:** 🔴 HIGH (API clients wait for it)",
            "**Priority:** HIGH/MEDIUM");
    fx_run(&fx);
    expect_diag(one(&fx, "PL012", NULL), "HIGH/MEDIUM", RULE_ERROR,
                "Priority must be HIGH, MEDIUM or LOW, found \"HIGH/MEDIUM\"");
    fx_end(&fx);
}

Test(rules_pl012, decorated_priorities_are_fine)
{
    static const char *const OK[] = {"**Priority:** **HIGH** - blocks release",
                                      "**Priority:** 🟡 LOW", "**Priority:** MEDIUM: later",
                                      "**Priority:** _LOW_ (nice to have) 🟡"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(OK); i++) {
        fx_t fx;
        fx_begin(&fx, "2026-01-15-demo", "clean");
        fx_edit(&fx, "04-result-types-plan.md",
                "**Priority:** 🔴 HIGH (API clients wait for it)", OK[i]);
        fx_run(&fx);
        cr_expect_eq(count(&fx, "PL012", NULL), 0, "%s", OK[i]);
        fx_end(&fx);
    }
}

Test(rules_pl012, empty_priority)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "**Priority:** 🔴 HIGH (API clients wait for it)",
            "**Priority:**");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL012", NULL);
    cr_expect_eq(d->span.start, d->span.end);
    cr_expect_str_eq(d->message, "Priority is empty: expected HIGH, MEDIUM or LOW");
    fx_end(&fx);
}

/* ---- PL013 status ----------------------------------------------------- */

Test(rules_pl013, invalid_plan_status)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "**Status:** In Progress", "**Status:** Done");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL013", NULL);
    expect_diag(d, "Done", RULE_WARNING,
                "Status \"Done\" is not valid for a plan: expected Ready for Implementation, In "
                "Progress or Complete");
    cr_expect_str_eq(data_str(d, "field"), "Status");
    cr_expect_str_eq(data_str(d, "found"), "Done");
    fx_end(&fx);
}

Test(rules_pl013, start_here_has_its_own_statuses)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "**Status:** In Progress", "**Status:** ✅ **Ready for Implementation**");
    fx_run(&fx);
    expect_diag(one(&fx, "PL013", NULL), "Ready for Implementation", RULE_WARNING,
                "Status \"Ready for Implementation\" is not valid for START-HERE.md: expected "
                "Ready for Review, In Progress or Complete");
    fx_end(&fx);
}

Test(rules_pl013, readme_status)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "README.md", "**Status:** In Progress", "**Status:** Ready for Review");
    fx_run(&fx);
    expect_diag(one(&fx, "PL013", NULL), "Ready for Review", RULE_WARNING,
                "Status \"Ready for Review\" is not valid for README.md: expected Ready for "
                "Implementation, In Progress or Complete");
    fx_end(&fx);
}

Test(rules_pl013, decorated_and_case_insensitive_statuses_are_fine)
{
    static const char *const OK[] = {"**Status:** in progress", "**Status:** **In Progress**",
                                      "**Status:** 🚧 In progress - tracing half done",
                                      "**Status:** Ready for implementation",
                                      "**Status:** Complete ✅",
                                      "**Status:** Complete (2026-01-20)"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(OK); i++) {
        fx_t fx;
        fx_begin(&fx, "2026-01-15-demo", "clean");
        fx_edit(&fx, "04-result-types-plan.md", "**Status:** Ready for Implementation", OK[i]);
        fx_run(&fx);
        cr_expect_eq(count(&fx, "PL013", NULL), 0, "%s", OK[i]);
        fx_end(&fx);
    }
}

Test(rules_pl013, near_misses_are_invalid)
{
    static const char *const BAD[] = {"Completed", "Ready", "In Progress/Complete"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(BAD); i++) {
        fx_t fx;
        fx_begin(&fx, "2026-01-15-demo", "clean");
        char *line = xasprintf("**Status:** %s", BAD[i]);
        fx_edit(&fx, "04-result-types-plan.md", "**Status:** Ready for Implementation", line);
        free(line);
        fx_run(&fx);
        const rule_diag_t *d = one(&fx, "PL013", NULL);
        expect_span(d, BAD[i]);
        fx_end(&fx);
    }
}

/* ---- PL014 effort ----------------------------------------------------- */

Test(rules_pl014, not_an_effort)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "4-6h agentic + 2h review", "3 days");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL014", NULL);
    expect_diag(d, "3 days", RULE_WARNING,
                "Effort must look like \"X-Yh agentic + Zh review\", found \"3 days\"");
    cr_expect_str_eq(data_str(d, "found"), "3 days");
    fx_end(&fx);
}

Test(rules_pl014, reversed_range)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "4-6h agentic + 2h review", "6-4h agentic + 2h review");
    fx_run(&fx);
    expect_diag(one(&fx, "PL014", NULL), "6-4h", RULE_WARNING,
                "Effort range 6-4h is reversed: 6 > 4");
    fx_end(&fx);
}

Test(rules_pl014, accepted_forms)
{
    static const char *const OK[] = {"2.5-4h agentic + 1.5h review", "5h agentic + 1h review",
                                      "4 - 6h agentic + 2h review (tracing only)",
                                      "4-4h agentic + 1h review"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(OK); i++) {
        fx_t fx;
        fx_begin(&fx, "2026-01-15-demo", "clean");
        fx_edit(&fx, "03-observability-plan.md", "4-6h agentic + 2h review", OK[i]);
        fx_run(&fx);
        cr_expect_eq(count(&fx, "PL014", NULL), 0, "%s", OK[i]);
        fx_end(&fx);
    }
}

/* ---- PL015 dates ------------------------------------------------------ */

Test(rules_pl015, unreal_date)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "**Date:** 2026-01-15", "**Date:** 2026-02-30");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL015", NULL);
    expect_diag(d, "2026-02-30", RULE_WARNING, "Date 2026-02-30 is not a real calendar date");
    cr_expect_str_eq(data_str(d, "field"), "Date");
    fx_end(&fx);
}

Test(rules_pl015, not_iso_form)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "**Created:** 2026-01-15", "**Created:** January 2026");
    fx_run(&fx);
    expect_diag(one(&fx, "PL015", NULL), "January 2026", RULE_WARNING,
                "Created must be a date in YYYY-MM-DD form, found \"January 2026\"");
    fx_end(&fx);
}

Test(rules_pl015, footer_last_updated)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "**Last Updated:** 2026-01-20", "**Last Updated:** 2026-13-01");
    fx_run(&fx);
    expect_diag(one(&fx, "PL015", NULL), "2026-13-01", RULE_WARNING,
                "Last Updated 2026-13-01 is not a real calendar date");
    fx_end(&fx);
}

Test(rules_pl015, leap_day_and_annotations_are_fine)
{
    static const char *const OK[] = {"**Date:** 2024-02-29", "**Date:** 2026-01-15 (revised)",
                                      "**Date:** **2026-01-15**"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(OK); i++) {
        fx_t fx;
        fx_begin(&fx, "2026-01-15-demo", "clean");
        fx_edit(&fx, "03-observability-plan.md", "**Date:** 2026-01-15", OK[i]);
        fx_run(&fx);
        cr_expect_eq(count(&fx, "PL015", NULL), 0, "%s", OK[i]);
        fx_end(&fx);
    }
}

/* ---- PL020 missing sections ------------------------------------------- */

Test(rules_pl020, missing_h2)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Success Criteria\n", "## Results\n");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL020", NULL);
    expect_diag(d, "# Phase 4: Result Types", RULE_WARNING,
                "Missing required section \"Success Criteria\"");
    cr_expect_str_eq(data_str(d, "section"), "Success Criteria");
    cr_expect(json_is_null(json_object_get(d->data, "parent")));
    fx_end(&fx);
}

/* Findings with equal data share one JSON value, and every finished finding
 * keeps its message and related entries (they are packed into one block). */
Test(rules_pl020, equal_data_is_shared_between_findings)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Success Criteria\n", "## Results\n");
    fx_edit(&fx, "05-caching-strategy-plan.md", "## Success Criteria\n", "## Results\n");
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL020", NULL), 2);
    const rule_diag_t *a = nth(&fx, "PL020", "04-result-types-plan.md", 0);
    const rule_diag_t *b = nth(&fx, "PL020", "05-caching-strategy-plan.md", 0);
    cr_assert_not_null(a);
    cr_assert_not_null(b);
    cr_expect_eq(a->data, b->data, "equal data is one shared value");
    cr_expect_str_eq(data_str(a, "section"), "Success Criteria");
    cr_expect_str_eq(a->message, "Missing required section \"Success Criteria\"");
    cr_expect_str_eq(b->message, "Missing required section \"Success Criteria\"");
    fx_end(&fx);
}

Test(rules_pl020, missing_subsection_reported_on_its_parent)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "### Out of Scope\n", "### Not Doing\n");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL020", NULL);
    expect_diag(d, "## Scope", RULE_WARNING, "Missing required section \"Out of Scope\" under \"Scope\"");
    cr_expect_str_eq(data_str(d, "section"), "Out of Scope");
    cr_expect_str_eq(data_str(d, "parent"), "Scope");
    fx_end(&fx);
}

Test(rules_pl020, missing_parent_is_reported_alone)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Dependencies\n", "## Prerequisites\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL020", NULL), "# Phase 4: Result Types", RULE_WARNING,
                "Missing required section \"Dependencies\"");
    fx_end(&fx);
}

Test(rules_pl020, start_here_and_readme_sections)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "## 📚 Document Navigation", "## 📚 Documents");
    fx_edit(&fx, "README.md", "## 📚 What's Inside", "## 📚 Contents");
    fx_run(&fx);
    expect_diag(one(&fx, "PL020", "START-HERE.md"), "# Search Platform Roadmap - January 2026",
                RULE_WARNING, "Missing required section \"Document Navigation\"");
    expect_diag(one(&fx, "PL020", "README.md"), "# Search Platform Roadmap", RULE_WARNING,
                "Missing required section \"What's Inside\"");
    fx_end(&fx);
}

Test(rules_pl020, case_emoji_and_short_forms_match)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Success Criteria\n", "## ✅ success criteria\n");
    fx_edit(&fx, "04-result-types-plan.md", "### Requires (Blockers)\n", "### Requires\n");
    fx_edit(&fx, "04-result-types-plan.md", "### Enables (Unlocks)\n", "### 🔓 ENABLES (UNLOCKS)\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL020", NULL), 0);
    fx_end(&fx);
}

Test(rules_pl020, section_must_be_h2)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Implementation\n", "### Implementation\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL020", NULL), "# Phase 4: Result Types", RULE_WARNING,
                "Missing required section \"Implementation\"");
    fx_end(&fx);
}

/* ---- PL021 order ------------------------------------------------------ */

static const char *const ORDER_PLAN = "# Phase 5: Caching Strategy\n"
                                      "\n"
                                      "**Date:** 2026-01-16\n"
                                      "**Priority:** MEDIUM\n"
                                      "**Status:** Complete\n"
                                      "**Estimated Effort:** 6-8h agentic + 2h review\n"
                                      "\n"
                                      "## Overview\n"
                                      "A result cache.\n"
                                      "\n"
                                      "## Scope\n"
                                      "### Out of Scope\n"
                                      "- Shard caches\n"
                                      "### In Scope\n"
                                      "- Result cache\n"
                                      "\n"
                                      "## Success Criteria\n"
                                      "- [x] Hit rate above 60%\n"
                                      "\n"
                                      "## Dependencies\n"
                                      "### Requires (Blockers)\n"
                                      "- [x] Cache store provisioned\n"
                                      "### Enables (Unlocks)\n"
                                      "- Lower latency\n"
                                      "\n"
                                      "## Implementation\n"
                                      "Follow the workflow.\n";

Test(rules_pl021, first_section_out_of_order)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "05-caching-strategy-plan.md", ORDER_PLAN);
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL021", NULL), 2);
    expect_diag(nth(&fx, "PL021", NULL, 0), "### In Scope", RULE_INFO,
                "Section \"In Scope\" is out of template order: it should come before \"Out of "
                "Scope\"");
    expect_diag(nth(&fx, "PL021", NULL, 1), "## Dependencies", RULE_INFO,
                "Section \"Dependencies\" is out of template order: it should come before "
                "\"Success Criteria\"");
    cr_expect_eq(count(&fx, "PL020", NULL), 0);
    fx_end(&fx);
}

Test(rules_pl021, extra_sections_anywhere_are_fine)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "## Scope\n", "## Risks\n\n- Churn\n\n## Scope\n");
    fx_edit(&fx, "04-result-types-plan.md", "## Implementation\n",
            "## Notes\n\nNone.\n\n## Implementation\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL021", NULL), 0);
    fx_end(&fx);
}

/* ---- PL022 empty sections --------------------------------------------- */

Test(rules_pl022, empty_overview)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md",
            "Replace the bare error strings of the query API with typed results, so that\n"
            "clients can tell a timeout from a malformed query.\n",
            "");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL022", NULL);
    expect_diag(d, "## Overview", RULE_INFO,
                "Section \"Overview\" is empty: fill it in as the template shows");
    cr_expect_str_eq(data_str(d, "section"), "Overview");
    fx_end(&fx);
}

Test(rules_pl022, empty_subsection_and_last_section)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "- Changes to the indexer's internal errors\n", "");
    fx_edit(&fx, "04-result-types-plan.md",
            "👉 **Follow the [Work Package Workflow](_work-package.md)** to implement this work "
            "package.\n\n---\n\n**Status:** Ready for implementation\n**Next Phase:** [Phase 5: "
            "Caching Strategy](05-caching-strategy-plan.md)\n",
            "\n  \n***\n");
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL022", NULL), 2);
    expect_span(nth(&fx, "PL022", NULL, 0), "### Out of Scope");
    expect_span(nth(&fx, "PL022", NULL, 1), "## Implementation");
    fx_end(&fx);
}

Test(rules_pl022, section_holding_only_subsections_is_not_empty)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    /* "## Scope" and "## Dependencies" hold only their subsections */
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL022", NULL), 0);
    fx_end(&fx);
}

/* ---- PL030 placeholders ----------------------------------------------- */

Test(rules_pl030, placeholders_in_prose_not_in_code_or_links)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md", "- A result type for every query handler\n",
            "- A result type for [Feature Name] and [Feature Name](03-observability-plan.md)\n"
            "- Shipped in PR #XX, not `PR #XX` nor PR #12\n"
            "- [Measurable outcome 12] and [Link to the spec] but not [date] or [Features]\n"
            "- Budget X-Yh, not WX-Yh or X-Yhours, ~X% done\n"
            "\n"
            "```\n"
            "[Date] X-Yh agentic + Zh review\n"
            "```\n"
            "\n");
    fx_run(&fx);
    static const char *const WANT[] = {"[Feature Name]", "PR #XX", "[Measurable outcome 12]",
                                       "[Link to the spec]", "X-Yh", "~X%"};
    if (count(&fx, "PL030", NULL) != UTIL_ARRAY_LEN(WANT))
        dump(&fx);
    cr_assert_eq(count(&fx, "PL030", NULL), UTIL_ARRAY_LEN(WANT));
    for (size_t i = 0; i < UTIL_ARRAY_LEN(WANT); i++)
        expect_span(nth(&fx, "PL030", NULL, i), WANT[i]);
    fx_end(&fx);
}

/* The scan skips 16-byte blocks without a candidate byte, counted from
 * where it resumes after the previous placeholder: with prose of 21 to 36
 * bytes between two placeholders, each lies at every offset of a block
 * once, and is found with its exact range. */
Test(rules_pl030, placeholders_at_every_block_offset)
{
    static const char *const KINDS[] = {"~X%", "[Date]"};
    static const char YS[] = "yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy";
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    buf_t b = BUF_INIT;
    for (size_t k = 0; k < UTIL_ARRAY_LEN(KINDS); k++) {
        for (int i = 16; i < 32; i++)
            buf_printf(&b, "- %.*s %s\n", i, YS, KINDS[k]);
    }
    buf_append_str(&b, "- yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy Zh review\n");
    fx_edit(&fx, "04-result-types-plan.md", "- A result type for every query handler\n",
            buf_cstr(&b));
    buf_free(&b);
    fx_run(&fx);
    if (count(&fx, "PL030", NULL) != 33)
        dump(&fx);
    cr_assert_eq(count(&fx, "PL030", NULL), 33);
    for (size_t i = 0; i < 32; i++)
        expect_span(nth(&fx, "PL030", NULL, i), i < 16 ? "~X%" : "[Date]");
    expect_span(nth(&fx, "PL030", NULL, 32), "Zh review");
    fx_end(&fx);
}

Test(rules_pl030, readme_table_placeholders)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "README.md", "| 🟠 MEDIUM | Phase 5 | Caching Strategy | 6-8h | Latency budget |",
            "| 🟠 MEDIUM | Phase 5 | [Feature] | X-Yh | [Useful reason] |");
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL030", "README.md"), 3);
    expect_span(nth(&fx, "PL030", "README.md", 0), "[Feature]");
    expect_span(nth(&fx, "PL030", "README.md", 1), "X-Yh");
    expect_diag(nth(&fx, "PL030", "README.md", 2), "[Useful reason]", RULE_WARNING,
                "Unfilled template placeholder [Useful reason]: replace it with real content");
    fx_end(&fx);
}

Test(rules_pl030, other_documents_are_not_checked)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "NOTES.md", "# Notes\n\nThe template says [Feature Name] and X-Yh.\n");
    fx_write(&fx, "CACHING-TESTING.md", "# Tests\n\nSee PR #XX.\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL030", NULL), 0);
    fx_end(&fx);
}

/* ---- PL031 checklist -------------------------------------------------- */

Test(rules_pl031, success_criteria_without_checkboxes)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md",
            "- [ ] No query handler returns a bare error string\n"
            "- [ ] Error codes are listed in the API reference\n"
            "- [ ] Latency unchanged within 2% on the replay benchmark\n",
            "- No query handler returns a bare error string\n"
            "- Error codes are listed in the API reference\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL031", NULL), "## Success Criteria", RULE_WARNING,
                "Success Criteria has no checklist item: list measurable outcomes as \"- [ ] "
                "...\" items");
    fx_end(&fx);
}

Test(rules_pl031, one_checked_item_is_enough)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "04-result-types-plan.md",
            "- [ ] No query handler returns a bare error string\n"
            "- [ ] Error codes are listed in the API reference\n"
            "- [ ] Latency unchanged within 2% on the replay benchmark\n",
            "Measured on the replay benchmark:\n\n- [x] Latency unchanged\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL031", NULL), 0);
    fx_end(&fx);
}

Test(rules_pl031, checklist_in_start_here_subsections_counts)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "- [ ] All planned features implemented\n"
                                  "- [ ] Test coverage maintained/improved\n"
                                  "- [ ] Performance targets met\n"
                                  "- [ ] Documentation complete\n",
            "- Everything ships\n");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL031", NULL), 0);
    fx_end(&fx);
}

Test(rules_pl031, start_here_without_any_checklist)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "START-HERE.md", "- [ ] All planned features implemented\n"
                                  "- [ ] Test coverage maintained/improved\n"
                                  "- [ ] Performance targets met\n"
                                  "- [ ] Documentation complete\n",
            "- Everything ships\n");
    fx_edit(&fx, "START-HERE.md", "- [ ] Phase 3: every indexer request carries a trace id\n"
                                  "- [ ] Phase 4: no query handler returns a bare error string\n"
                                  "- [x] Phase 5: cache hit rate above 60% on the replay "
                                  "benchmark\n",
            "- Per phase: see the plans\n");
    fx_run(&fx);
    expect_diag(one(&fx, "PL031", NULL), "## 🎯 Success Criteria", RULE_WARNING,
                "Success Criteria has no checklist item: list measurable outcomes as \"- [ ] "
                "...\" items");
    fx_end(&fx);
}

/* ---- PL032 complete with open criteria -------------------------------- */

Test(rules_pl032, complete_with_unchecked_criteria)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "**Status:** In Progress", "**Status:** ✅ Complete");
    fx_run(&fx);
    const rule_diag_t *d = one(&fx, "PL032", NULL);
    expect_diag(d, "Complete", RULE_WARNING,
                "Status is Complete but 2 of 3 success criteria are unchecked");
    cr_assert_eq(d->n_related, 2);
    cr_expect_str_eq(d->related[0].message, "unchecked: Every indexer request carries a trace id");
    cr_expect_str_eq(d->related[1].message,
                     "unchecked: A p99 latency dashboard per shard is published");
    char *t = ts_span_text(d->related[0].doc, d->related[0].span);
    cr_expect(strstr(t, "Every indexer request carries a trace id") != NULL, "related: %s", t);
    free(t);
    fx_end(&fx);
}

Test(rules_pl032, hint_when_no_complete_document)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "CACHING-STRATEGY-COMPLETE.md");
    fx_run(&fx);
    expect_diag(one(&fx, "PL032", NULL), "Complete", RULE_HINT,
                "Status is Complete but the folder has no *-COMPLETE.md document: write one to "
                "record what was implemented");
    cr_expect_str_eq(one(&fx, "PL032", NULL)->doc->name, "05-caching-strategy-plan.md");
    fx_end(&fx);
}

Test(rules_pl032, all_checked_with_complete_document_is_fine)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_edit(&fx, "03-observability-plan.md", "**Status:** In Progress", "**Status:** Complete");
    fx_edit(&fx, "03-observability-plan.md", "- [ ] Every indexer", "- [x] Every indexer");
    fx_edit(&fx, "03-observability-plan.md", "- [ ] A p99", "- [X] A p99");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL032", NULL), 0);
    fx_end(&fx);
}

/* ---- configuration ---------------------------------------------------- */

Test(rules_config, rule_turned_off)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "templates");
    fx_config(&fx, "{\"rules\": {\"PL030\": \"off\"}}");
    fx_run(&fx);
    cr_expect_eq(count(&fx, "PL030", NULL), 0);
    /* with PL030 off, placeholder values are judged as values */
    expect_diag(one(&fx, "PL012", NULL), "[HIGH/MEDIUM/LOW]", RULE_ERROR,
                "Priority must be HIGH, MEDIUM or LOW, found \"[HIGH/MEDIUM/LOW]\"");
    cr_expect_eq(count(&fx, "PL014", NULL), 1);
    fx_end(&fx);
}

Test(rules_config, severity_changed)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_write(&fx, "05-caching-strategy-plan.md", ORDER_PLAN);
    fx_config(&fx, "{\"rules\": {\"PL021\": \"error\", \"PL010\": \"hint\"}}");
    fx_run(&fx);
    cr_assert_eq(count(&fx, "PL021", NULL), 2);
    cr_expect_eq(nth(&fx, "PL021", NULL, 0)->sev, RULE_ERROR);
    cr_expect_eq(nth(&fx, "PL021", NULL, 1)->sev, RULE_ERROR);
    fx_end(&fx);
}

Test(rules_config, explicit_severity_wins_over_second_severity)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    fx_remove(&fx, "04-result-types-plan.md");
    fx_remove(&fx, "CACHING-STRATEGY-COMPLETE.md");
    fx_config(&fx, "{\"rules\": {\"PL004\": \"info\", \"PL032\": \"error\"}}");
    fx_run(&fx);
    cr_expect_eq(one(&fx, "PL004", NULL)->sev, RULE_INFO);
    cr_expect_eq(one(&fx, "PL032", NULL)->sev, RULE_ERROR);
    fx_end(&fx);
}

Test(rules_config, every_rule_off)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "templates");
    buf_t b = BUF_INIT;
    buf_append_str(&b, "{\"rules\": {");
    size_t n = 0;
    const rule_info_t *t = rule_table(&n);
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s\"%s\": \"off\"", i ? ", " : "", t[i].code);
    buf_append_str(&b, "}}");
    fx_config(&fx, buf_cstr(&b));
    buf_free(&b);
    fx_run(&fx);
    cr_expect_eq(fx.diags.n, 0);
    fx_end(&fx);
}

/* ---- driver ----------------------------------------------------------- */

Test(rules_driver, document_outside_folders_gets_link_rules_only)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    char *path = xasprintf("%s/NOTES.md", fx.ts.path);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    fputs("# Phase N: [Feature Name]\n\n**Priority:** URGENT\n\n[gone](missing.md)\n", f);
    fclose(f);
    fx_run(&fx);
    ws_doc_t *doc = ws_doc_load(fx.ws, path);
    cr_assert_not_null(doc);
    rule_diags_t out = {0};
    rule_check_doc(fx.ws, doc, &fx.ts.cfg, &out);
    for (size_t i = 0; i < out.n; i++)
        cr_expect(strcmp(out.items[i].code, "PL040") == 0 ||
                      strcmp(out.items[i].code, "PL041") == 0,
                  "unexpected %s", out.items[i].code);
    rule_diags_free(&out);
    free(path);
    fx_end(&fx);
}

Test(rules_driver, sorted_by_document_then_position)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "templates");
    fx_run(&fx);
    cr_assert_gt(fx.diags.n, 10);
    for (size_t i = 1; i < fx.diags.n; i++) {
        const rule_diag_t *a = &fx.diags.items[i - 1], *b = &fx.diags.items[i];
        int c = strcmp(a->doc->path, b->doc->path);
        cr_expect(c < 0 || (c == 0 && a->span.start <= b->span.start), "out of order at %zu", i);
    }
    rule_diags_clear(&fx.diags);
    cr_expect_eq(fx.diags.n, 0);
    fx_end(&fx);
}

Test(rules_driver, hostile_documents_do_not_crash)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# Phase 6: \xff\xfe bad\n\n**Date:** \xe2\x82\n**Priority:** \xf0\x9f\x94"
                       "\n**Status:** \x01\x02\n**Estimated Effort:** 1-\xff"
                       "h agentic + 1h review\n\n## Success Criteria\n[");
    for (int i = 0; i < 2000; i++)
        buf_append_str(&b, "[[[(((");
    buf_append_str(&b, "\n## Overview\n(((((((((((((((((((((((((((((((((((\n");
    fx_write(&fx, "06-bad-plan.md", buf_cstr(&b));
    buf_free(&b);
    fx_run(&fx);
    /* messages and data stay valid UTF-8 */
    for (size_t i = 0; i < fx.diags.n; i++) {
        json_t *j = json_string(fx.diags.items[i].message);
        cr_expect_not_null(j, "%s message is not UTF-8", fx.diags.items[i].code);
        json_decref(j);
    }
    cr_expect_eq(count(&fx, "PL012", "06-bad-plan.md"), 1);
    cr_expect_eq(count(&fx, "PL013", "06-bad-plan.md"), 1);
    cr_expect_eq(count(&fx, "PL015", "06-bad-plan.md"), 1);
    fx_end(&fx);
}

Test(rules_driver, crlf_documents_are_clean_and_ranges_exact)
{
    fx_t fx;
    fx_begin(&fx, "2026-01-15-demo", "clean");
    for (size_t i = 0; i < UTIL_ARRAY_LEN(CLEAN_FILES); i++) {
        char *text = data_file("clean", CLEAN_FILES[i]);
        buf_t b = BUF_INIT;
        for (const char *p = text; *p; p++) {
            if (*p == '\n')
                buf_append_char(&b, '\r');
            buf_append_char(&b, *p);
        }
        fx_write(&fx, CLEAN_FILES[i], buf_cstr(&b));
        buf_free(&b);
        free(text);
    }
    fx_edit(&fx, "04-result-types-plan.md", "**Priority:** 🔴 HIGH (API clients wait for it)",
            "**Priority:** URGENT");
    fx_run(&fx);
    if (count_mine(&fx) != 1)
        dump(&fx);
    cr_expect_eq(count_mine(&fx), 1);
    expect_span(one(&fx, "PL012", NULL), "URGENT");
    fx_end(&fx);
}
