/* rules: the diagnostic catalogue of DESIGN §2 (one table row per code) and
 * the driver that runs it over a planning folder, applying the configured
 * severities. It only reads the workspace model: it never touches the disk
 * and never changes a document. */
#include "planls/rules.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/map.h"
#include "planls/util.h"
#include "rules_internal.h"

/* One call of rule_check_folder() or rule_check_doc(). Findings are
 * finished (see finish_diag) as soon as the next one is reported, so at
 * most one is ever in its growable form. */
typedef struct rule_run {
    rule_ctx_t cx;  /* first member: rule_report() casts back */
    size_t first;   /* index in cx.out of the run's first finding */
    map_t data;     /* compact JSON text -> interned data (one reference) */
} rule_run_t;

/* In code order (rule_find relies on it). Names are kebab-case, stable, and
 * meant for humans (configuration uses the codes). */
static const rule_info_t RULES[] = {
    {"PL001", "folder-name", RULE_WARNING,
     "planning folder name is not YYYY-MM-DD-kebab-name or its date is not a real date", NULL,
     rule_pl001_folder_name},
    {"PL002", "missing-required-document", RULE_ERROR,
     "START-HERE.md or README.md is missing from the planning folder", NULL,
     rule_pl002_required_docs},
    {"PL003", "malformed-file-name", RULE_WARNING,
     "file name fits no document kind (NN-kebab-name-plan.md, NN-UPPER-CASE-ANALYSIS.md, ...)",
     rule_pl003_file_name, NULL},
    {"PL004", "numbering", RULE_ERROR,
     "two documents share a number (error) or the numbering has a gap (warning)", NULL,
     rule_pl004_numbering},
    {"PL010", "plan-title", RULE_ERROR,
     "plan has no H1 \"# Phase N: Title\" or N differs from the file number",
     rule_pl010_plan_title, NULL},
    {"PL011", "missing-field", RULE_WARNING,
     "required header field missing (plan: Date, Priority, Status, Estimated Effort; "
     "START-HERE/README: Created, Status)",
     rule_pl011_missing_field, NULL},
    {"PL012", "invalid-priority", RULE_ERROR, "priority is not HIGH, MEDIUM or LOW",
     rule_pl012_priority, NULL},
    {"PL013", "invalid-status", RULE_WARNING, "status is not valid for this document kind",
     rule_pl013_status, NULL},
    {"PL014", "invalid-effort", RULE_WARNING,
     "effort is not \"X-Yh agentic + Zh review\", or X > Y", rule_pl014_effort, NULL},
    {"PL015", "invalid-date", RULE_WARNING, "date field is not a real YYYY-MM-DD date",
     rule_pl015_date, NULL},
    {"PL020", "missing-section", RULE_WARNING, "required template section missing",
     rule_pl020_missing_section, NULL},
    {"PL021", "section-order", RULE_INFO, "sections out of template order",
     rule_pl021_section_order, NULL},
    {"PL022", "empty-section", RULE_INFO, "required section present but empty",
     rule_pl022_empty_section, NULL},
    {"PL030", "unfilled-placeholder", RULE_WARNING, "unfilled template placeholder",
     rule_pl030_placeholder, NULL},
    {"PL031", "no-success-checklist", RULE_WARNING, "Success Criteria has no checklist item",
     rule_pl031_no_checklist, NULL},
    {"PL032", "complete-with-open-criteria", RULE_WARNING,
     "status is Complete but success criteria are unchecked (hint: no *-COMPLETE.md)",
     rule_pl032_complete_unchecked, NULL},
    {"PL040", "broken-link", RULE_WARNING, "relative link target does not exist",
     rule_pl040_link_target, NULL},
    {"PL041", "broken-anchor", RULE_WARNING, "link anchor names no heading of the target file",
     rule_pl041_link_anchor, NULL},
    {"PL042", "unknown-phase", RULE_WARNING, "\"Phase N\" reference with no plan numbered N",
     rule_pl042_phase_ref, NULL},
    {"PL043", "phase-title-mismatch", RULE_INFO,
     "link text names a phase whose title differs from the plan's H1", rule_pl043_link_title,
     NULL},
    {"PL044", "missing-from-navigation", RULE_WARNING,
     "a plan or analysis is missing from the navigation tables", NULL, rule_pl044_navigation},
    {"PL046", "next-phase", RULE_INFO, "**Next Phase:** does not point at the next-numbered plan",
     rule_pl046_next_phase, NULL},
    {"PL050", "dependency-cycle", RULE_ERROR, "dependency cycle among phases", NULL,
     rule_pl050_cycle},
    {"PL051", "priority-mismatch", RULE_WARNING,
     "a phase's priority in START-HERE/README differs from the plan's Priority field", NULL,
     rule_pl051_priority_mismatch},
    {"PL052", "dependency-order", RULE_WARNING,
     "a phase depends on a higher-numbered phase that is not Complete", NULL,
     rule_pl052_order_inversion},
    {"PL053", "timeline-total", RULE_WARNING,
     "the Timeline total does not equal the sum of the plans' efforts", NULL,
     rule_pl053_timeline_total},
    {"PL055", "created-date-mismatch", RULE_INFO,
     "START-HERE \"Created\" date differs from the folder's date", NULL,
     rule_pl055_created_date},
};

const rule_info_t *rule_table(size_t *n)
{
    if (n)
        *n = UTIL_ARRAY_LEN(RULES);
    return RULES;
}

const rule_info_t *rule_find(const char *code)
{
    if (!code)
        return NULL;
    size_t lo = 0, hi = UTIL_ARRAY_LEN(RULES);
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(code, RULES[mid].code);
        if (c == 0)
            return &RULES[mid];
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return NULL;
}

/* The severity a rule runs with: the configured one, else its default;
 * CONFIG_SEV_OFF (0) when turned off. */
static rule_sev_t configured_sev(const config_t *cfg, const rule_info_t *r)
{
    config_sev_t s = config_rule_sev(cfg, r->code);
    if (s == CONFIG_SEV_DEFAULT)
        return r->default_sev;
    return (rule_sev_t)s;
}

/* A document the per-document rules can read (skipped documents have no
 * model). */
static bool doc_usable(const ws_doc_t *d)
{
    return d && !d->skipped && d->md && d->text;
}

/* Run one rule over a folder with its configured severity. */
static void run_rule(rule_ctx_t *cx, const rule_info_t *r, ws_folder_t *f)
{
    rule_sev_t sev = configured_sev(cx->cfg, r);
    if (sev == (rule_sev_t)CONFIG_SEV_OFF)
        return;
    cx->rule = r;
    cx->sev = sev;
    if (r->doc_fn) {
        for (size_t i = 0; i < f->n_docs; i++)
            if (doc_usable(f->docs[i]))
                r->doc_fn(cx, f->docs[i]);
    }
    if (r->folder_fn)
        r->folder_fn(cx, f);
}

/* Pack finding d into one allocation: its related array first (aligned by
 * malloc), then its message, then the related messages. A 5,000-phase
 * cycle reports 5,000 findings with 16 related entries each: 33 small
 * blocks per finding became one. */
static void pack_strings(rule_diag_t *d)
{
    size_t arr = d->n_related * sizeof(*d->related);
    size_t total = arr + strlen(d->message) + 1;
    for (size_t i = 0; i < d->n_related; i++)
        total += strlen(d->related[i].message) + 1;
    char *block = xmalloc(total);
    char *p = block + arr;
    size_t n = strlen(d->message) + 1;
    memcpy(p, d->message, n);
    free(d->message);
    d->message = p;
    p += n;
    rule_related_t *rel = (rule_related_t *)(void *)block;
    for (size_t i = 0; i < d->n_related; i++) {
        rel[i] = d->related[i];
        n = strlen(rel[i].message) + 1;
        memcpy(p, rel[i].message, n);
        free(rel[i].message);
        rel[i].message = p;
        p += n;
    }
    free(d->related);
    d->related = d->n_related ? rel : NULL;
}

/* Share equal data between the run's findings (every "missing section
 * Scope" carries the same {"section": "Scope"}): one JSON object instead of
 * thousands. Data is never changed once its finding is finished. */
static void intern_data(rule_run_t *run, rule_diag_t *d)
{
    if (!d->data)
        return;
    char *text = json_dumps(d->data, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return;
    json_t *have = map_get(&run->data, text);
    if (have) {
        json_decref(d->data);
        d->data = json_incref(have);
    } else {
        map_put(&run->data, text, json_incref(d->data));
    }
    free(text);
}

/* The finding is complete (no more related entries or data): pack it. */
static void finish_diag(rule_run_t *run, rule_diag_t *d)
{
    pack_strings(d);
    intern_data(run, d);
}

static void run_begin(rule_run_t *run, ws_t *ws, const config_t *cfg, rule_diags_t *out)
{
    memset(run, 0, sizeof(*run));
    run->cx = (rule_ctx_t){.ws = ws, .cfg = cfg, .rule = NULL, .sev = RULE_WARNING, .out = out,
                          .slugsets = NULL};
    run->first = out->n;
}

static void run_end(rule_run_t *run)
{
    rule_slugsets_free(run->cx.slugsets);
    run->cx.slugsets = NULL;
    rule_diags_t *ds = run->cx.out;
    if (ds->n > run->first)
        finish_diag(run, &ds->items[ds->n - 1]);
    void *v;
    for (size_t it = 0; map_next(&run->data, &it, NULL, &v);)
        json_decref(v);
    map_free(&run->data);
}

/* Findings are appended in table order, documents in folder order; callers
 * wanting position order call rule_diags_sort(). cfg NULL = the workspace's
 * configuration. */
void rule_check_folder(ws_t *ws, ws_folder_t *folder, const config_t *cfg, rule_diags_t *out)
{
    config_t defaults;
    bool own_cfg = false;
    if (!folder || !out)
        return;
    if (!cfg && ws)
        cfg = ws_config(ws);
    if (!cfg) {
        config_init(&defaults);
        cfg = &defaults;
        own_cfg = true;
    }
    ws_folder_index(folder);
    rule_run_t run;
    run_begin(&run, ws, cfg, out);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(RULES); i++)
        run_rule(&run.cx, &RULES[i], folder);
    run_end(&run);
    if (own_cfg)
        config_free(&defaults);
}

void rule_check_doc(ws_t *ws, ws_doc_t *doc, const config_t *cfg, rule_diags_t *out)
{
    static const char *const LINK_RULES[] = {"PL040", "PL041"};
    config_t defaults;
    bool own_cfg = false;
    if (!doc_usable(doc) || !out)
        return;
    if (!cfg && ws)
        cfg = ws_config(ws);
    if (!cfg) {
        config_init(&defaults);
        cfg = &defaults;
        own_cfg = true;
    }
    rule_run_t run;
    run_begin(&run, ws, cfg, out);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(LINK_RULES); i++) {
        const rule_info_t *r = rule_find(LINK_RULES[i]);
        rule_sev_t sev = configured_sev(cfg, r);
        if (sev == (rule_sev_t)CONFIG_SEV_OFF)
            continue;
        run.cx.rule = r;
        run.cx.sev = sev;
        r->doc_fn(&run.cx, doc);
    }
    run_end(&run);
    if (own_cfg)
        config_free(&defaults);
}

/* Severity of a finding: a rule's configured severity, except that a rule
 * naming two severities in the catalogue (PL004, PL032) may pass its second
 * one as sev_override; an explicit configuration of the code still wins, so
 * "PL004": "info" makes every PL004 finding info. The returned diagnostic
 * lives in cx->out: valid until the next rule_report on it. */
rule_diag_t *rule_report(rule_ctx_t *cx, ws_doc_t *doc, md_span_t span, int sev_override,
                         const char *fmt, ...)
{
    rule_sev_t sev = cx->sev;
    if (sev_override >= RULE_ERROR && sev_override <= RULE_HINT &&
        config_rule_sev(cx->cfg, cx->rule->code) == CONFIG_SEV_DEFAULT)
        sev = (rule_sev_t)sev_override;
    if (span.end < span.start)
        span.end = span.start;

    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);

    rule_run_t *run = (rule_run_t *)cx; /* every context is a run's */
    rule_diags_t *ds = cx->out;
    if (ds->n > run->first)
        finish_diag(run, &ds->items[ds->n - 1]);
    util_grow((void **)&ds->items, &ds->cap, ds->n + 1, sizeof(*ds->items));
    rule_diag_t *d = &ds->items[ds->n++];
    memset(d, 0, sizeof(*d));
    d->doc = doc;
    d->span = span;
    d->code = cx->rule->code;
    d->sev = sev;
    d->message = buf_detach(&b, NULL);
    return d;
}

void rule_add_related(rule_diag_t *d, ws_doc_t *doc, md_span_t span, const char *fmt, ...)
{
    buf_t b = BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    d->related = xrealloc(d->related, (d->n_related + 1) * sizeof(*d->related));
    rule_related_t *r = &d->related[d->n_related++];
    r->doc = doc;
    r->span = span;
    r->message = buf_detach(&b, NULL);
}

/* A finished finding is one block (pack_strings): the related array when
 * there is one, else the message. */
static void diag_release(rule_diag_t *d)
{
    free(d->n_related ? (void *)d->related : (void *)d->message);
    if (d->data)
        json_decref(d->data);
}

void rule_diags_clear(rule_diags_t *ds)
{
    for (size_t i = 0; i < ds->n; i++)
        diag_release(&ds->items[i]);
    ds->n = 0;
}

void rule_diags_free(rule_diags_t *ds)
{
    rule_diags_clear(ds);
    free(ds->items);
    ds->items = NULL;
    ds->cap = 0;
}

static int diag_cmp(const rule_diag_t *a, const rule_diag_t *b)
{
    if (a->doc != b->doc) {
        const char *pa = a->doc && a->doc->path ? a->doc->path : "";
        const char *pb = b->doc && b->doc->path ? b->doc->path : "";
        int c = strcmp(pa, pb);
        if (c)
            return c;
    }
    if (a->span.start != b->span.start)
        return a->span.start < b->span.start ? -1 : 1;
    if (a->span.end != b->span.end)
        return a->span.end < b->span.end ? -1 : 1;
    return 0;
}

/* Bottom-up merge sort: stable (equal positions keep the order the rules
 * reported them in), O(n log n), one scratch array. */
void rule_diags_sort(rule_diags_t *ds)
{
    size_t n = ds->n;
    if (n < 2)
        return;
    rule_diag_t *src = ds->items;
    rule_diag_t *tmp = xmalloc(n * sizeof(*tmp));
    rule_diag_t *dst = tmp;
    for (size_t w = 1; w < n; w *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * w) {
            size_t mid = UTIL_MIN(lo + w, n), hi = UTIL_MIN(lo + 2 * w, n);
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = diag_cmp(&src[j], &src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid)
                dst[k++] = src[i++];
            while (j < hi)
                dst[k++] = src[j++];
        }
        rule_diag_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != ds->items)
        memcpy(ds->items, src, n * sizeof(*src));
    free(tmp);
}
