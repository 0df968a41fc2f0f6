/* rules_xref: the cross-document rules of DESIGN §2 (PL040-PL055): link
 * targets and anchors, phase references, navigation tables, the phase
 * dependency graph, priority claims, the timeline total and the creation date.
 * Rules read the workspace model only: they never open, stat or write files
 * themselves (existence and on-demand loading go through the workspace). */
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/map.h"
#include "planls/text.h"
#include "planls/util.h"
#include "rules_internal.h"

/* Longest cycle written out in full in a PL050 message, and the most
 * related entries attached to one PL050 diagnostic: the steps the message
 * shows before its ellipsis (a cycle through 5,000 phases must not produce
 * 5,000 x 5,000 related entries; 16 each cost 2 MB more there). */
#define CYCLE_SHOW_MAX 10
#define CYCLE_RELATED_MAX 8
#define CYCLE_DATA_MAX 64
/* Cycles in strongly connected components up to this size are shortest
 * cycles (BFS); larger components get a cycle built from two spanning
 * trees, linear in the component's size. */
#define CYCLE_BFS_MAX 128
/* Strings longer than this are never compared for "did you mean". */
#define SUGGEST_MAX_LEN 64
/* Distance-table cells one document's suggestions may cost (a few ms). */
#define SUGGEST_BUDGET ((size_t)8 << 20)

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */

static bool doc_ok(const ws_doc_t *d)
{
    return d && !d->skipped && d->md && d->text;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* A valid UTF-8 copy of document text for messages. Caller frees. */
static char *utf8_clean(const char *s)
{
    return text_utf8_clean(s, strlen(s), NULL);
}

static bool span_inside(md_span_t inner, md_span_t outer)
{
    return inner.start >= outer.start && inner.end <= outer.end;
}



static void set_data(rule_diag_t *rd, json_t *data)
{
    if (!rd) {
        json_decref(data);
        return;
    }
    json_decref(rd->data);
    rd->data = data;
}

/* Whether a Status value says Complete ("Complete", "✅ Complete",
 * "completed"); "Incomplete" does not. */
static bool status_is_complete(const char *v)
{
    if (!v)
        return false;
    while (*v && !is_alpha(*v))
        v++;
    if (!util_ieqn(v, "complete", 8))
        return false;
    v += 8;
    if (*v == 'd' || *v == 'D')
        v++;
    return !is_alpha(*v);
}

static bool is_markdown_path(const char *p)
{
    size_t n = strlen(p);
    return (n > 3 && util_ieq(p + n - 3, ".md")) || (n > 9 && util_ieq(p + n - 9, ".markdown"));
}

/* Plans of the folder sorted by number: the first with number > n, or NULL. */
static ws_doc_t *plan_after(const ws_folder_t *f, int n)
{
    size_t lo = 0, hi = f->n_plans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->plans[mid]->number <= n)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < f->n_plans ? f->plans[lo] : NULL;
}

/* "3-6, 9, 11" for the plan numbers of the folder (at most a few ranges,
 * then "..."). Caller frees. */
static char *phase_list(const ws_folder_t *f)
{
    buf_t b = BUF_INIT;
    size_t ranges = 0;
    for (size_t i = 0; i < f->n_plans;) {
        int lo = f->plans[i]->number, hi = lo;
        size_t j = i + 1;
        while (j < f->n_plans && (f->plans[j]->number == hi || f->plans[j]->number == hi + 1))
            hi = f->plans[j++]->number;
        if (ranges == 6) {
            buf_append_str(&b, ", ...");
            break;
        }
        buf_printf(&b, "%s%d", ranges ? ", " : "", lo);
        if (hi != lo)
            buf_printf(&b, "-%d", hi);
        ranges++;
        i = j;
    }
    size_t len;
    return buf_detach(&b, &len);
}

/* ------------------------------------------------------------------ */
/* PL040: relative link target does not exist                          */

void rule_pl040_link_target(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!doc_ok(d) || !d->link_paths)
        return;
    map_t seen = MAP_INIT; /* reference definitions already reported */
    ptrmap_t exists = {0}; /* link path -> (void *)1 exists, (void *)2 missing */
    for (size_t i = 0; i < d->md->n_links; i++) {
        const md_link_t *l = &d->md->links[i];
        if (l->is_external || !d->link_paths[i] || !l->path || !l->path[0])
            continue;
        bool added;
        void **v = ptrmap_at(&exists, d->link_paths[i], &added);
        if (added)
            *v = (void *)(uintptr_t)(ws_path_exists(cx->ws, d->link_paths[i]) ? 1 : 2);
        if (*v == (void *)1)
            continue;
        if (l->is_reference) {
            char key[32];
            snprintf(key, sizeof key, "%u:%u", l->target_span.start, l->target_span.end);
            if (map_has(&seen, key))
                continue;
            map_put(&seen, key, NULL);
        }
        char *p = utf8_clean(l->path);
        rule_diag_t *rd = rule_report(cx, d, l->target_span, 0,
                                      "Link target '%s' does not exist: no such file relative "
                                      "to this document (or in externalDocs)",
                                      p);
        set_data(rd, json_pack("{s:o}", "target", text_json(l->path)));
        free(p);
    }
    ptrmap_free(&exists);
    map_free(&seen);
}

/* ------------------------------------------------------------------ */
/* PL041: link anchor names no heading                                 */

/* The heading slugs of one target document, for anchor lookups: each
 * heading's GitHub slug and the slug of its text without a leading emoji
 * ("🎯 Success Criteria" -> "-success-criteria" and "success-criteria"),
 * lower-cased. */
typedef struct slugset {
    map_t slugs;      /* slug -> (void *)1 */
    char **names;     /* every slug, in heading order (owned) */
    size_t n, cap;
    ws_doc_t *doc;    /* the document whose headings these are */
} slugset_t;

/* The slug sets of a run's anchor targets: each target's set is built once
 * per run, however many documents of the folder link into it. */
struct rule_slugsets {
    map_t by_path;    /* document path -> slugset_t* */
};

static void slugset_add(slugset_t *s, const char *slug)
{
    char *k = xstrdup(slug);
    for (char *p = k; *p; p++)
        *p = lower(*p);
    if (map_has(&s->slugs, k)) {
        free(k);
        return;
    }
    map_put(&s->slugs, k, (void *)1);
    UTIL_PUSH(s->names, s->n, s->cap, k);
}

static slugset_t *slugset_new(ws_doc_t *doc)
{
    const md_doc_t *md = doc->md;
    slugset_t *s = xcalloc(1, sizeof(*s));
    s->doc = doc;
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        if (h->slug)
            slugset_add(s, h->slug);
        if (h->text) {
            char *bare = md_slug(md_heading_bare(h->text));
            if (bare && bare[0])
                slugset_add(s, bare);
            free(bare);
        }
    }
    return s;
}

static void slugset_free(slugset_t *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
    map_free(&s->slugs);
    free(s);
}

/* The slug set of document t (usable), built on the run's first need. */
static slugset_t *run_slugset(rule_ctx_t *cx, ws_doc_t *t)
{
    if (!cx->slugsets)
        cx->slugsets = xcalloc(1, sizeof(*cx->slugsets));
    slugset_t *s = map_get(&cx->slugsets->by_path, t->path);
    if (!s) {
        s = slugset_new(t);
        map_put(&cx->slugsets->by_path, t->path, s);
    }
    return s;
}

void rule_slugsets_free(rule_slugsets_t *ss)
{
    if (!ss)
        return;
    void *v;
    for (size_t it = 0; map_next(&ss->by_path, &it, NULL, &v);)
        slugset_free(v);
    map_free(&ss->by_path);
    free(ss);
}

static int hexval(char c)
{
    if (is_digit(c))
        return c - '0';
    c = lower(c);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : -1;
}

/* The anchor as a slug lookup key: %-decoded, ASCII lower-cased. Caller
 * frees. */
static char *anchor_key(const char *a)
{
    size_t n = strlen(a);
    char *k = xmalloc(n + 1), *o = k;
    for (size_t i = 0; i < n; i++) {
        int h1, h2;
        if (a[i] == '%' && i + 2 < n && (h1 = hexval(a[i + 1])) >= 0 &&
            (h2 = hexval(a[i + 2])) >= 0 && (h1 | h2) != 0) {
            *o++ = lower((char)(h1 * 16 + h2));
            i += 2;
        } else {
            *o++ = lower(a[i]);
        }
    }
    *o = '\0';
    return k;
}

/* Edit distance of two short strings (both <= SUGGEST_MAX_LEN): insertions,
 * deletions, substitutions and swaps of adjacent characters ("stpes" is one
 * edit from "steps"), i.e. optimal string alignment distance. */
static size_t edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t rows[3][SUGGEST_MAX_LEN + 1];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= nb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= na; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= nb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[nb];
}

/* The slug closest to key, when one is close enough to be a plausible typo
 * (distance at most a third of the shorter length, at least 1) or one
 * contains the other; NULL otherwise. *budget bounds the work over a whole
 * document (cells of the distance table): a document with thousands of
 * broken anchors into one with thousands of headings stays fast, the late
 * ones simply get no suggestion. */
static const char *slug_suggest(const slugset_t *s, const char *key, size_t *budget)
{
    size_t nk = strlen(key);
    if (nk == 0 || nk > SUGGEST_MAX_LEN)
        return NULL;
    const char *best = NULL;
    size_t best_d = SIZE_MAX;
    for (size_t i = 0; i < s->n; i++) {
        const char *c = s->names[i];
        size_t nc = strlen(c);
        if (nc == 0 || nc > SUGGEST_MAX_LEN)
            continue;
        size_t shorter = nk < nc ? nk : nc, longer = nk < nc ? nc : nk;
        size_t limit = shorter / 3 ? shorter / 3 : 1;
        bool contains = shorter >= 4 && (strstr(c, key) || strstr(key, c));
        if (!contains && longer - shorter > limit)
            continue; /* the distance is at least the length difference */
        if (*budget < nk * nc)
            break;
        *budget -= nk * nc;
        size_t dist = edit_distance(key, nk, c, nc);
        if ((dist <= limit || contains) && dist < best_d) {
            best = c;
            best_d = dist;
        }
    }
    return best;
}

/* The document a link of d points at, for anchor checks: d itself for
 * "#x", else the Markdown document at the resolved path (the workspace has
 * already resolved it through externalDocs), loaded on demand when it lies
 * outside the planning folders. NULL when there is nothing to check
 * against (not Markdown, missing: PL040's). */
static ws_doc_t *anchor_target(rule_ctx_t *cx, ws_doc_t *d, size_t i)
{
    const md_link_t *l = &d->md->links[i];
    if (!l->path || !l->path[0])
        return d;
    const char *p = d->link_paths[i];
    if (!p || !is_markdown_path(p))
        return NULL;
    ws_doc_t *t = ws_doc_by_path(cx->ws, p);
    return t ? t : ws_doc_load(cx->ws, p);
}

void rule_pl041_link_anchor(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!doc_ok(d) || !d->link_paths)
        return;
    ptrmap_t targets = {0}; /* link path (d->path for "#x") -> slugset_t* or NULL */
    size_t budget = SUGGEST_BUDGET;
    for (size_t i = 0; i < d->md->n_links; i++) {
        const md_link_t *l = &d->md->links[i];
        if (l->is_external || !l->anchor || !l->anchor[0])
            continue;
        bool self = !l->path || !l->path[0];
        const char *tkey = self ? d->path : d->link_paths[i];
        if (!tkey)
            continue;
        bool added;
        void **v = ptrmap_at(&targets, tkey, &added);
        if (added) {
            ws_doc_t *at = self ? d : anchor_target(cx, d, i);
            *v = doc_ok(at) ? run_slugset(cx, at) : NULL;
        }
        slugset_t *s = *v;
        if (!s)
            continue;
        ws_doc_t *t = s->doc;
        char *key = anchor_key(l->anchor);
        if (!map_has(&s->slugs, key)) {
            const char *sug = slug_suggest(s, key, &budget);
            char *a = utf8_clean(l->anchor);
            char *tn = utf8_clean(t == d ? "this document" : t->name);
            rule_diag_t *rd;
            if (sug)
                rd = rule_report(cx, d, l->anchor_span, 0,
                                 "Anchor '#%s' names no heading of %s; did you mean #%s?", a, tn,
                                 sug);
            else
                rd = rule_report(cx, d, l->anchor_span, 0,
                                 "Anchor '#%s' names no heading of %s; expected the slug of "
                                 "one of its headings",
                                 a, tn);
            json_t *data = json_pack("{s:o}", "anchor", text_json(l->anchor));
            if (data && sug)
                json_object_set_new(data, "suggestion", text_json(sug));
            set_data(rd, data);
            free(tn);
            free(a);
        }
        free(key);
    }
    ptrmap_free(&targets);
}

/* ------------------------------------------------------------------ */
/* PL042: `Phase N` reference with no plan                             */

void rule_pl042_phase_ref(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!doc_ok(d) || !d->folder)
        return;
    ws_folder_t *f = d->folder;
    ws_folder_index(f);
    const md_doc_t *md = d->md;
    /* A plan's own H1 number is PL010's business when it is wrong. */
    md_span_t own_h1 = {0, 0};
    if (d->kind == MD_KIND_PLAN && md->h1 >= 0 && (size_t)md->h1 < md->n_headings)
        own_h1 = md->headings[md->h1].span;
    char *list = NULL;
    for (size_t i = 0; i < md->n_refs; i++) {
        const md_phase_ref_t *r = &md->refs[i];
        if (ws_folder_plan(f, r->phase))
            continue;
        if (own_h1.end > own_h1.start && span_inside(r->span, own_h1))
            continue;
        if (!list)
            list = phase_list(f);
        rule_diag_t *rd;
        if (list[0])
            rd = rule_report(cx, d, r->span, 0,
                             "Phase %d is referenced but no plan in this folder is numbered %d "
                             "(phases: %s)",
                             r->phase, r->phase, list);
        else
            rd = rule_report(cx, d, r->span, 0,
                             "Phase %d is referenced but this folder has no plans "
                             "(expected a file %02d-name-plan.md)",
                             r->phase, r->phase);
        set_data(rd, json_pack("{s:i}", "phase", r->phase));
    }
    free(list);
}

/* ------------------------------------------------------------------ */
/* PL043: link text names a phase with another title                   */

/* Parse "Phase N: Title" / "Phase N - Title" (also en/em dash). Returns
 * the title (pointer into s, trimmed start) and N, or NULL. */
static const char *parse_phase_label(const char *s, int *n)
{
    while (is_space(*s))
        s++;
    if (!util_ieqn(s, "phase", 5))
        return NULL;
    s += 5;
    if (!is_space(*s))
        return NULL;
    while (is_space(*s))
        s++;
    if (!is_digit(*s))
        return NULL;
    long v = 0;
    while (is_digit(*s)) {
        if (v < 100000000)
            v = v * 10 + (*s - '0');
        s++;
    }
    while (is_space(*s))
        s++;
    if (*s == ':' || *s == '-')
        s++;
    else if (!strncmp(s, "\xE2\x80\x93", 3) || !strncmp(s, "\xE2\x80\x94", 3))
        s += 3;
    else
        return NULL;
    while (is_space(*s))
        s++;
    if (!*s)
        return NULL;
    *n = (int)v;
    return s;
}

/* Case-insensitive comparison ignoring surrounding whitespace and treating
 * runs of whitespace as one space. */
static bool title_eq(const char *a, const char *b)
{
    while (is_space(*a))
        a++;
    while (is_space(*b))
        b++;
    for (;;) {
        bool sa = is_space(*a), sb = is_space(*b);
        if (sa || sb) {
            while (is_space(*a))
                a++;
            while (is_space(*b))
                b++;
            if (!*a || !*b)
                return !*a && !*b;
            if (!(sa && sb))
                return false;
            continue;
        }
        if (!*a || !*b)
            return !*a && !*b;
        if (lower(*a) != lower(*b))
            return false;
        a++;
        b++;
    }
}

void rule_pl043_link_title(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!doc_ok(d) || !d->folder)
        return;
    ws_folder_t *f = d->folder;
    ws_folder_index(f);
    for (size_t i = 0; i < d->md->n_links; i++) {
        const md_link_t *l = &d->md->links[i];
        int n = -1;
        const char *title = l->text ? parse_phase_label(l->text, &n) : NULL;
        if (!title)
            continue;
        ws_doc_t *p = ws_folder_plan(f, n);
        if (!doc_ok(p) || !p->md->h1_title || p->md->h1 < 0 ||
            (size_t)p->md->h1 >= p->md->n_headings)
            continue;
        if (title_eq(title, p->md->h1_title))
            continue;
        char *got = utf8_clean(title), *want = utf8_clean(p->md->h1_title);
        rule_diag_t *rd = rule_report(cx, d, l->text_span, 0,
                                      "Link text calls Phase %d '%s', but its plan's title is "
                                      "'%s'",
                                      n, got, want);
        if (rd)
            rule_add_related(rd, p, p->md->headings[p->md->h1].span, "Title of Phase %d", n);
        set_data(rd, json_pack("{s:i,s:o}", "phase", n, "expected", text_json(p->md->h1_title)));
        free(want);
        free(got);
    }
}

/* ------------------------------------------------------------------ */
/* PL044: plan or analysis missing from a navigation table             */

/* Check one navigation document (START-HERE's "Document Navigation" or
 * README's "What's Inside"): every plan and analysis of the folder must be
 * linked from some cell of a table of that section. */
static void nav_check(rule_ctx_t *cx, ws_folder_t *f, ws_doc_t *nav, const char *section,
                      const char *alt)
{
    if (!doc_ok(nav))
        return;
    const md_doc_t *md = nav->md;
    int h = md_heading_find(md, section, 0);
    if (h < 0 && alt)
        h = md_heading_find(md, alt, 0);
    if (h < 0 || (size_t)h >= md->n_headings)
        return; /* the missing section is PL020's */
    const md_heading_t *hd = &md->headings[h];
    md_span_t body = {hd->span.end, hd->section_end};
    long first_table = -1;
    for (size_t t = 0; t < md->n_tables; t++) {
        if (span_inside(md->tables[t].span, body)) {
            first_table = (long)t;
            break;
        }
    }
    map_t listed = MAP_INIT;
    for (size_t i = 0; nav->link_paths && i < md->n_links; i++) {
        const md_link_t *l = &md->links[i];
        if (l->table_row < 0 || (size_t)l->table_row >= md->n_rows || !nav->link_paths[i])
            continue;
        const md_row_t *row = &md->rows[l->table_row];
        if (row->table < 0 || (size_t)row->table >= md->n_tables ||
            !span_inside(md->tables[row->table].span, body))
            continue;
        map_put(&listed, nav->link_paths[i], NULL);
    }
    md_span_t at = hd->span;
    if (first_table >= 0 && md->tables[first_table].n_rows > 0 &&
        md->tables[first_table].first_row < md->n_rows)
        at = md->rows[md->tables[first_table].first_row].span;
    for (size_t i = 0; i < f->n_docs; i++) {
        const ws_doc_t *d = f->docs[i];
        if (d->kind != MD_KIND_PLAN && d->kind != MD_KIND_ANALYSIS)
            continue;
        if (map_has(&listed, d->path))
            continue;
        char *name = utf8_clean(d->name);
        rule_diag_t *rd = rule_report(cx, nav, at, 0,
                                      "%s is missing from the %s table of %s; add a row "
                                      "linking it",
                                      name, section, nav->name);
        set_data(rd, json_pack("{s:o,s:s}", "file", text_json(d->name), "table", section));
        free(name);
    }
    map_free(&listed);
}

void rule_pl044_navigation(rule_ctx_t *cx, ws_folder_t *f)
{
    nav_check(cx, f, f->start, "Document Navigation", NULL);
    nav_check(cx, f, f->readme, "What's Inside", "What\xE2\x80\x99s Inside");
}

/* ------------------------------------------------------------------ */
/* PL046: Next Phase does not link the next plan                       */

/* The template's unfilled "[Link to next work package plan]" (any
 * "[Link ...]" text in brackets that is not itself a link). */
static bool is_link_placeholder(const char *v)
{
    if (!v || strncmp(v, "[Link ", 6) != 0)
        return false;
    const char *close = strchr(v, ']');
    return close && close[1] != '(' && close[1] != '[';
}

void rule_pl046_next_phase(rule_ctx_t *cx, ws_doc_t *d)
{
    if (!doc_ok(d) || !d->folder || d->kind != MD_KIND_PLAN || d->number < 0)
        return;
    const md_field_t *fld = md_field_get(d->md, "Next Phase", false);
    if (!fld)
        return;
    ws_folder_t *f = d->folder;
    ws_folder_index(f);
    ws_doc_t *next = plan_after(f, d->number);
    if (!next)
        return; /* the last plan may omit it or say there is none */
    if (is_link_placeholder(fld->value) && config_rule_sev(cx->cfg, "PL030") != CONFIG_SEV_OFF)
        return; /* the template's "[Link to next ...]" is PL030's */
    for (size_t i = 0; d->link_paths && i < d->md->n_links; i++) {
        const md_link_t *l = &d->md->links[i];
        if (!span_inside(l->span, fld->value_span) || !d->link_paths[i])
            continue;
        ws_doc_t *t = ws_doc_by_path(cx->ws, d->link_paths[i]);
        if (t && t->folder == f && t->kind == MD_KIND_PLAN && t->number == next->number)
            return;
    }
    char *name = utf8_clean(next->name);
    rule_diag_t *rd = rule_report(cx, d, fld->value_span, 0,
                                  "Next Phase should link the next plan, %s (Phase %d)", name,
                                  next->number);
    set_data(rd, json_pack("{s:o,s:i}", "expected", text_json(next->name), "phase", next->number));
    free(name);
}

/* ------------------------------------------------------------------ */
/* The phase graph: nodes are phase numbers, edges the folder's edges   */

typedef struct graph {
    const ws_folder_t *f;
    int *phase;          /* node -> phase number, sorted */
    size_t n;
    size_t *eidx;        /* usable edges: indexes into f->edges */
    size_t ne;
    size_t *from, *to;   /* per usable edge: node indexes */
    size_t *out_start;   /* CSR: out edges of node v are */
    size_t *out;         /*   out[out_start[v] .. out_start[v+1]) */
    size_t *in_start;    /* and in edges likewise */
    size_t *in;
    size_t *scc;         /* node -> component id */
    size_t *scc_size;    /* component id -> node count */
} graph_t;

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static size_t node_of(const graph_t *g, int phase)
{
    size_t lo = 0, hi = g->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->phase[mid] < phase)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Build compressed adjacency (by from when fwd, else by to). */
static void graph_csr(graph_t *g, bool fwd, size_t **start_out, size_t **list_out)
{
    size_t *start = xcalloc(g->n + 1, sizeof(size_t));
    size_t *list = xcalloc(g->ne ? g->ne : 1, sizeof(size_t));
    for (size_t e = 0; e < g->ne; e++)
        start[(fwd ? g->from[e] : g->to[e]) + 1]++;
    for (size_t v = 0; v < g->n; v++)
        start[v + 1] += start[v];
    size_t *fill = xmalloc((g->n + 1) * sizeof(size_t));
    memcpy(fill, start, (g->n + 1) * sizeof(size_t));
    for (size_t e = 0; e < g->ne; e++)
        list[fill[fwd ? g->from[e] : g->to[e]]++] = e;
    free(fill);
    *start_out = start;
    *list_out = list;
}

/* Tarjan's strongly connected components with an explicit stack (folders
 * may hold thousands of phases: no recursion). */
static void graph_scc(graph_t *g)
{
    size_t n = g->n;
    size_t *index = xmalloc((n ? n : 1) * sizeof(size_t));
    size_t *low = xmalloc((n ? n : 1) * sizeof(size_t));
    bool *on = xcalloc(n ? n : 1, sizeof(bool));
    size_t *stack = xmalloc((n ? n : 1) * sizeof(size_t));
    size_t *call = xmalloc((n ? n : 1) * sizeof(size_t)); /* node */
    size_t *pos = xmalloc((n ? n : 1) * sizeof(size_t));  /* next out edge */
    size_t sp = 0, cp = 0, counter = 0, ncomp = 0;
    g->scc = xmalloc((n ? n : 1) * sizeof(size_t));
    g->scc_size = xcalloc(n ? n : 1, sizeof(size_t));
    for (size_t v = 0; v < n; v++)
        index[v] = SIZE_MAX;
    for (size_t root = 0; root < n; root++) {
        if (index[root] != SIZE_MAX)
            continue;
        index[root] = low[root] = counter++;
        stack[sp++] = root;
        on[root] = true;
        call[cp] = root;
        pos[cp++] = g->out_start[root];
        while (cp) {
            size_t v = call[cp - 1];
            if (pos[cp - 1] < g->out_start[v + 1]) {
                size_t w = g->to[g->out[pos[cp - 1]++]];
                if (index[w] == SIZE_MAX) {
                    index[w] = low[w] = counter++;
                    stack[sp++] = w;
                    on[w] = true;
                    call[cp] = w;
                    pos[cp++] = g->out_start[w];
                } else if (on[w] && index[w] < low[v]) {
                    low[v] = index[w];
                }
                continue;
            }
            cp--;
            if (low[v] == index[v]) {
                size_t w;
                do {
                    w = stack[--sp];
                    on[w] = false;
                    g->scc[w] = ncomp;
                    g->scc_size[ncomp]++;
                } while (w != v);
                ncomp++;
            }
            if (cp) {
                size_t u = call[cp - 1];
                if (low[v] < low[u])
                    low[u] = low[v];
            }
        }
    }
    free(pos);
    free(call);
    free(stack);
    free(on);
    free(low);
    free(index);
}

static void graph_build(graph_t *g, const ws_folder_t *f)
{
    memset(g, 0, sizeof(*g));
    g->f = f;
    size_t cap = f->n_edges * 2;
    g->phase = xmalloc((cap ? cap : 1) * sizeof(int));
    g->eidx = xmalloc((f->n_edges ? f->n_edges : 1) * sizeof(size_t));
    for (size_t e = 0; e < f->n_edges; e++) {
        const ws_edge_t *ed = &f->edges[e];
        if (ed->from < 0 || ed->to < 0 || !doc_ok(ed->doc) || ed->dep < 0 ||
            (size_t)ed->dep >= ed->doc->md->n_deps)
            continue;
        g->eidx[g->ne++] = e;
        g->phase[g->n++] = ed->from;
        g->phase[g->n++] = ed->to;
    }
    qsort(g->phase, g->n, sizeof(int), cmp_int);
    size_t u = 0;
    for (size_t i = 0; i < g->n; i++)
        if (u == 0 || g->phase[u - 1] != g->phase[i])
            g->phase[u++] = g->phase[i];
    g->n = u;
    g->from = xmalloc((g->ne ? g->ne : 1) * sizeof(size_t));
    g->to = xmalloc((g->ne ? g->ne : 1) * sizeof(size_t));
    for (size_t e = 0; e < g->ne; e++) {
        g->from[e] = node_of(g, f->edges[g->eidx[e]].from);
        g->to[e] = node_of(g, f->edges[g->eidx[e]].to);
    }
    graph_csr(g, true, &g->out_start, &g->out);
    graph_csr(g, false, &g->in_start, &g->in);
    graph_scc(g);
}

static void graph_free(graph_t *g)
{
    free(g->phase);
    free(g->eidx);
    free(g->from);
    free(g->to);
    free(g->out_start);
    free(g->out);
    free(g->in_start);
    free(g->in);
    free(g->scc);
    free(g->scc_size);
}

/* Whether usable edge e lies on a cycle. */
static bool edge_cyclic(const graph_t *g, size_t e)
{
    size_t a = g->from[e], b = g->to[e];
    return g->scc[a] == g->scc[b] && (a == b || g->scc_size[g->scc[a]] > 1);
}

static const ws_edge_t *gedge(const graph_t *g, size_t e)
{
    return &g->f->edges[g->eidx[e]];
}

static md_span_t edge_span(const ws_edge_t *ed)
{
    return ed->doc->md->deps[ed->dep].to_span;
}

/* Scratch space for finding cycles, sized for the whole graph. */
typedef struct cyc {
    size_t *mark;    /* node -> stamp of the search that reached it */
    size_t *prev;    /* node -> predecessor (BFS) */
    size_t *queue;
    size_t *path;    /* the cycle being built: nodes */
    size_t npath;
    size_t stamp;
    /* Per large component: forward tree from its root (ftree[v] = edge into
     * v) and backward tree towards it (btree[v] = edge out of v). */
    size_t *ftree, *btree;
    size_t *root;    /* component -> root node, SIZE_MAX until built */
    size_t *where;   /* node -> position in path + 1 (0 = absent) */
} cyc_t;

static void cyc_init(cyc_t *c, const graph_t *g)
{
    size_t n = g->n ? g->n : 1;
    c->mark = xcalloc(n, sizeof(size_t));
    c->prev = xmalloc(n * sizeof(size_t));
    c->queue = xmalloc(n * sizeof(size_t));
    c->path = xmalloc((2 * n + 2) * sizeof(size_t));
    c->ftree = xmalloc(n * sizeof(size_t));
    c->btree = xmalloc(n * sizeof(size_t));
    c->root = xmalloc(n * sizeof(size_t));
    c->where = xcalloc(n, sizeof(size_t));
    for (size_t i = 0; i < n; i++)
        c->root[i] = SIZE_MAX;
    c->npath = 0;
    c->stamp = 0;
}

static void cyc_free(cyc_t *c)
{
    free(c->mark);
    free(c->prev);
    free(c->queue);
    free(c->path);
    free(c->ftree);
    free(c->btree);
    free(c->root);
    free(c->where);
}

/* Shortest path v ~> u inside their component (BFS); c->path receives
 * u, v, ..., (the node before u): the cycle through edge u -> v. */
static void cycle_bfs(const graph_t *g, cyc_t *c, size_t u, size_t v)
{
    size_t comp = g->scc[u];
    size_t stamp = ++c->stamp;
    size_t qh = 0, qt = 0;
    c->mark[v] = stamp;
    c->queue[qt++] = v;
    while (qh < qt && c->mark[u] != stamp) {
        size_t x = c->queue[qh++];
        for (size_t k = g->out_start[x]; k < g->out_start[x + 1]; k++) {
            size_t y = g->to[g->out[k]];
            if (g->scc[y] != comp || c->mark[y] == stamp)
                continue;
            c->mark[y] = stamp;
            c->prev[y] = x;
            c->queue[qt++] = y;
        }
    }
    /* u is reachable from v (same component); walk back from u to v. */
    size_t len = 0;
    for (size_t x = u; x != v; x = c->prev[x])
        c->queue[len++] = x; /* reuse as scratch: u, ..., after v */
    c->npath = 0;
    c->path[c->npath++] = u;
    c->path[c->npath++] = v;
    for (size_t k = len; k-- > 1;)
        c->path[c->npath++] = c->queue[k];
    if (u == v)
        c->npath = 1;
}

/* The spanning trees of a large component from its smallest node: ftree by
 * BFS over out edges, btree by BFS over in edges. */
static void cycle_trees(const graph_t *g, cyc_t *c, size_t comp, size_t r)
{
    for (int fwd = 1; fwd >= 0; fwd--) {
        size_t stamp = ++c->stamp;
        size_t qh = 0, qt = 0;
        c->mark[r] = stamp;
        c->queue[qt++] = r;
        while (qh < qt) {
            size_t x = c->queue[qh++];
            const size_t *st = fwd ? g->out_start : g->in_start;
            const size_t *li = fwd ? g->out : g->in;
            for (size_t k = st[x]; k < st[x + 1]; k++) {
                size_t e = li[k];
                size_t y = fwd ? g->to[e] : g->from[e];
                if (g->scc[y] != comp || c->mark[y] == stamp)
                    continue;
                c->mark[y] = stamp;
                (fwd ? c->ftree : c->btree)[y] = e;
                c->queue[qt++] = y;
            }
        }
    }
    c->root[comp] = r;
}

/* Append x to the path, erasing the loop when x is already on it. */
static void path_push(cyc_t *c, size_t x)
{
    if (c->where[x]) {
        size_t keep = c->where[x];
        for (size_t k = keep; k < c->npath; k++)
            c->where[c->path[k]] = 0;
        c->npath = keep;
        return;
    }
    c->path[c->npath++] = x;
    c->where[x] = c->npath;
}

/* A simple cycle through edge u -> v of a large component: v ~> root by
 * the backward tree, root ~> u by the forward tree, loops erased. */
static void cycle_tree(const graph_t *g, cyc_t *c, size_t u, size_t v)
{
    size_t comp = g->scc[u];
    size_t r = c->root[comp];
    if (r == SIZE_MAX) {
        r = u;
        for (size_t x = 0; x < g->n; x++)
            if (g->scc[x] == comp) {
                r = x; /* nodes are sorted by phase: the smallest */
                break;
            }
        cycle_trees(g, c, comp, r);
    }
    c->npath = 0;
    if (u == v) {
        c->path[c->npath++] = u;
        return;
    }
    path_push(c, u);
    size_t x = v;
    bool closed = false;
    for (;;) {
        if (x == u) {
            closed = true;
            break;
        }
        path_push(c, x);
        if (x == r)
            break;
        x = g->to[c->btree[x]];
    }
    if (!closed) {
        /* root ~> u: collect by walking the forward tree back from u. */
        size_t tail = 0;
        for (size_t y = u; y != r; y = g->from[c->ftree[y]])
            c->queue[tail++] = y;
        for (size_t k = tail; k-- > 1;) /* skip u itself (queue[0]) */
            path_push(c, c->queue[k]);
    }
    for (size_t k = 0; k < c->npath; k++)
        c->where[c->path[k]] = 0;
}

/* An edge of the graph from node a to node b (the first stated). */
static size_t find_edge(const graph_t *g, size_t a, size_t b)
{
    for (size_t k = g->out_start[a]; k < g->out_start[a + 1]; k++)
        if (g->to[g->out[k]] == b)
            return g->out[k];
    return SIZE_MAX;
}

/* Position of the smallest phase in the cycle (where its text starts). */
static size_t cycle_start(const graph_t *g, const cyc_t *c)
{
    size_t start = 0;
    for (size_t k = 1; k < c->npath; k++)
        if (g->phase[c->path[k]] < g->phase[c->path[start]])
            start = k;
    return start;
}

/* "Phase 3 → Phase 5 → Phase 3", starting at the smallest phase; long
 * cycles are abbreviated. Caller frees. */
static char *cycle_text(const graph_t *g, const cyc_t *c)
{
    size_t n = c->npath, start = cycle_start(g, c);
    buf_t b = BUF_INIT;
    buf_append_str(&b, "Dependency cycle: ");
    for (size_t k = 0; k < n; k++) {
        if (n > CYCLE_SHOW_MAX && k == CYCLE_SHOW_MAX - 2) {
            buf_append_str(&b, "\xE2\x80\xA6 \xE2\x86\x92 ");
            k = n - 1;
        }
        buf_printf(&b, "Phase %d \xE2\x86\x92 ", g->phase[c->path[(start + k) % n]]);
    }
    buf_printf(&b, "Phase %d", g->phase[c->path[start]]);
    if (n > CYCLE_SHOW_MAX)
        buf_printf(&b, " (%zu phases)", n);
    size_t len;
    return buf_detach(&b, &len);
}

/* Report edge e, which is the k-th step of the cycle in c->path: the
 * cycle's message, and as related information the cycle's other steps in
 * order from the one after e (at most CYCLE_RELATED_MAX). */
static void report_cycle_edge(rule_ctx_t *cx, const graph_t *g, const cyc_t *c, size_t e,
                              size_t k, const char *msg, json_t *cycle)
{
    const ws_edge_t *ed = gedge(g, e);
    rule_diag_t *rd = rule_report(cx, ed->doc, edge_span(ed), 0, "%s", msg);
    if (!rd)
        return;
    json_t *data = json_pack("{s:i,s:i}", "from", ed->from, "to", ed->to);
    if (data && cycle)
        json_object_set_new(data, "cycle", json_deep_copy(cycle));
    set_data(rd, data);
    size_t n = c->npath;
    for (size_t j = 1; j < n && rd->n_related < CYCLE_RELATED_MAX; j++) {
        size_t a = c->path[(k + j) % n], b = c->path[(k + j + 1) % n];
        size_t oe = find_edge(g, a, b);
        if (oe == SIZE_MAX)
            continue;
        const ws_edge_t *od = gedge(g, oe);
        rule_add_related(rd, od->doc, edge_span(od), "Phase %d depends on Phase %d", g->phase[a],
                         g->phase[b]);
    }
}

/* Every edge inside a strongly connected component lies on a cycle. Take
 * the first edge not yet reported, find a simple cycle through it, and
 * report every edge of that cycle with it (parallel statements of the same
 * dependency included): a 5,000-phase ring costs one cycle search, not
 * 5,000. */
void rule_pl050_cycle(rule_ctx_t *cx, ws_folder_t *f)
{
    ws_folder_index(f);
    graph_t g;
    graph_build(&g, f);
    cyc_t c;
    cyc_init(&c, &g);
    bool *done = xcalloc(g.ne ? g.ne : 1, sizeof(bool));
    for (size_t e = 0; e < g.ne; e++) {
        if (done[e] || !edge_cyclic(&g, e))
            continue;
        size_t u = g.from[e], v = g.to[e];
        if (g.scc_size[g.scc[u]] <= CYCLE_BFS_MAX)
            cycle_bfs(&g, &c, u, v);
        else
            cycle_tree(&g, &c, u, v);
        char *msg = cycle_text(&g, &c);
        json_t *cycle = NULL;
        if (c.npath <= CYCLE_DATA_MAX) {
            size_t start = cycle_start(&g, &c);
            cycle = json_array();
            for (size_t k = 0; k <= c.npath; k++)
                json_array_append_new(cycle,
                                      json_integer(g.phase[c.path[(start + k) % c.npath]]));
        }
        for (size_t k = 0; k < c.npath; k++) {
            size_t a = c.path[k], b = c.path[(k + 1) % c.npath];
            for (size_t o = g.out_start[a]; o < g.out_start[a + 1]; o++) {
                size_t oe = g.out[o];
                if (g.to[oe] != b || done[oe])
                    continue;
                done[oe] = true;
                report_cycle_edge(cx, &g, &c, oe, k, msg, cycle);
            }
        }
        json_decref(cycle);
        free(msg);
    }
    free(done);
    cyc_free(&c);
    graph_free(&g);
}

/* ------------------------------------------------------------------ */
/* PL051: priority claim differs from the plan's Priority               */

static void prio_check(rule_ctx_t *cx, ws_folder_t *f, ws_doc_t *d)
{
    if (!doc_ok(d))
        return;
    for (size_t i = 0; i < d->md->n_prios; i++) {
        const md_prio_claim_t *pc = &d->md->prios[i];
        ws_doc_t *p = ws_folder_plan(f, pc->phase);
        if (!doc_ok(p) || !pc->priority)
            continue;
        const md_field_t *pf = md_field_get(p->md, "Priority", true);
        const char *want = pf ? rule_priority_word(pf->value) : NULL;
        if (!want || util_ieq(want, pc->priority))
            continue; /* "High" is the same priority (its case is no PL051 matter) */
        char *got = utf8_clean(pc->priority), *pn = utf8_clean(p->name);
        rule_diag_t *rd = rule_report(cx, d, pc->span, 0,
                                      "Phase %d is listed as %s here, but its plan %s says "
                                      "Priority: %s",
                                      pc->phase, got, pn, want);
        if (rd)
            rule_add_related(rd, p, pf->value_span, "Priority of Phase %d", pc->phase);
        set_data(rd, json_pack("{s:i,s:s}", "phase", pc->phase, "expected", want));
        free(pn);
        free(got);
    }
}

void rule_pl051_priority_mismatch(rule_ctx_t *cx, ws_folder_t *f)
{
    ws_folder_index(f);
    prio_check(cx, f, f->start);
    prio_check(cx, f, f->readme);
}

/* ------------------------------------------------------------------ */
/* PL052: dependency on a later phase that is not Complete              */

void rule_pl052_order_inversion(rule_ctx_t *cx, ws_folder_t *f)
{
    ws_folder_index(f);
    graph_t g;
    graph_build(&g, f);
    for (size_t e = 0; e < g.ne; e++) {
        const ws_edge_t *ed = gedge(&g, e);
        if (ed->to <= ed->from || edge_cyclic(&g, e))
            continue; /* a cycle is PL050's */
        ws_doc_t *p = ws_folder_plan(f, ed->to);
        if (!doc_ok(p))
            continue; /* a missing plan is PL042's */
        const md_field_t *st = md_field_get(p->md, "Status", true);
        if (st && status_is_complete(st->value))
            continue;
        char *sv = utf8_clean(st ? st->value : "none");
        rule_diag_t *rd = rule_report(cx, ed->doc, edge_span(ed), 0,
                                      "Phase %d depends on Phase %d, which comes later and is "
                                      "not Complete (Status: %s); a phase should depend only "
                                      "on earlier or completed phases",
                                      ed->from, ed->to, sv);
        if (rd && st)
            rule_add_related(rd, p, st->value_span, "Status of Phase %d", ed->to);
        set_data(rd, json_pack("{s:i,s:i}", "from", ed->from, "to", ed->to));
        free(sv);
    }
    graph_free(&g);
}

/* ------------------------------------------------------------------ */
/* PL053: Timeline total differs from the sum of the plans' efforts     */

typedef struct total {
    double x, y, z;    /* agentic range and review; has_split */
    bool has_split;
    double a, b;       /* grand total range; has_grand */
    bool has_grand;
} total_t;

static void skip_markup(const char **p)
{
    while (is_space(**p) || **p == '*' || **p == '_' || **p == '~' || **p == '`')
        (*p)++;
}

/* A non-negative decimal number ("12", "2.5"). */
static bool parse_num(const char **p, double *out)
{
    const char *s = *p;
    if (!is_digit(*s))
        return false;
    double v = 0;
    while (is_digit(*s))
        v = v * 10 + (*s++ - '0');
    if (*s == '.' && is_digit(s[1])) {
        double scale = 0.1;
        for (s++; is_digit(*s); s++, scale /= 10)
            v += (*s - '0') * scale;
    }
    *p = s;
    *out = v;
    return true;
}

/* "12" or "12-16" (also with an en dash or " to "). */
static bool parse_range(const char **p, double *lo, double *hi)
{
    const char *s = *p;
    if (!parse_num(&s, lo))
        return false;
    *hi = *lo;
    const char *t = s;
    while (*t == ' ')
        t++;
    if (*t == '-')
        t++;
    else if (!strncmp(t, "\xE2\x80\x93", 3))
        t += 3;
    else if (util_ieqn(t, "to ", 3))
        t += 3;
    else
        t = NULL;
    if (t) {
        while (*t == ' ')
            t++;
        if (parse_num(&t, hi))
            s = t;
        else
            *hi = *lo;
    }
    *p = s;
    return true;
}

/* An hours unit: "h", "hr", "hrs", "hour", "hours". */
static bool parse_hours(const char **p)
{
    const char *s = *p;
    while (*s == ' ')
        s++;
    static const char *const units[] = {"hours", "hour", "hrs", "hr", "h"};
    for (size_t i = 0; i < UTIL_ARRAY_LEN(units); i++) {
        size_t n = strlen(units[i]);
        if (util_ieqn(s, units[i], n) && !is_alpha(s[n])) {
            *p = s + n;
            return true;
        }
    }
    return false;
}

static bool parse_word(const char **p, const char *w)
{
    const char *s = *p;
    skip_markup(&s);
    size_t n = strlen(w);
    if (!util_ieqn(s, w, n) || is_alpha(s[n]))
        return false;
    *p = s + n;
    return true;
}

/* Parse a Timeline total: "X-Y hours agentic + Z hours review = **A-B
 * total hours**", "X-Yh agentic + Zh review", or just "A-B hours" / "Ah".
 * False when it is none of these (a placeholder, prose). */
static bool parse_total(const char *s, total_t *t)
{
    memset(t, 0, sizeof(*t));
    skip_markup(&s);
    double lo, hi;
    if (!parse_range(&s, &lo, &hi) || !parse_hours(&s))
        return false;
    const char *q = s;
    if (parse_word(&q, "agentic")) {
        skip_markup(&q);
        if (*q != '+')
            return false;
        q++;
        skip_markup(&q);
        double z, z2;
        if (!parse_range(&q, &z, &z2) || z != z2 || !parse_hours(&q) || !parse_word(&q, "review"))
            return false;
        t->x = lo;
        t->y = hi;
        t->z = z;
        t->has_split = true;
        skip_markup(&q);
        if (*q != '=')
            return true;
        q++;
        skip_markup(&q);
        if (!parse_range(&q, &lo, &hi))
            return true;
        const char *r = q;
        if (!parse_hours(&r) && !parse_word(&r, "total"))
            return true; /* "= 3 days": not an hours total */
    } else {
        parse_word(&q, "total");
    }
    t->a = lo;
    t->b = hi;
    t->has_grand = true;
    return true;
}

static bool near(double a, double b)
{
    return fabs(a - b) < 1e-6;
}

static void fmt_effort(buf_t *b, double x, double y, double z)
{
    if (near(x, y))
        buf_printf(b, "%gh agentic + %gh review", x, z);
    else
        buf_printf(b, "%g-%gh agentic + %gh review", x, y, z);
}

static void fmt_range(buf_t *b, double a, double c)
{
    if (near(a, c))
        buf_printf(b, "%gh", a);
    else
        buf_printf(b, "%g-%gh", a, c);
}

/* Whether heading h of md (or one enclosing it) is a Timeline heading. */
static bool under_timeline(const md_doc_t *md, int h)
{
    for (size_t guard = 0; h >= 0 && (size_t)h < md->n_headings && guard < 8; guard++) {
        const md_heading_t *hd = &md->headings[h];
        if (hd->text && util_ieq(md_heading_bare(hd->text), "Timeline"))
            return true;
        if (hd->parent >= h)
            break;
        h = hd->parent;
    }
    return false;
}

static void total_check(rule_ctx_t *cx, ws_doc_t *d, double x, double y, double z)
{
    if (!doc_ok(d))
        return;
    for (size_t i = 0; i < d->md->n_fields; i++) {
        const md_field_t *fl = &d->md->fields[i];
        if (!fl->key || !util_ieq(fl->key, "Total") || !under_timeline(d->md, fl->section))
            continue;
        total_t t;
        if (!fl->value || !parse_total(fl->value, &t))
            continue;
        bool split_bad = t.has_split && !(near(t.x, x) && near(t.y, y) && near(t.z, z));
        bool grand_bad = false;
        if (t.has_grand && t.has_split)
            grand_bad = !(near(t.a, x + z) && near(t.b, y + z));
        else if (t.has_grand)
            grand_bad = near(t.a, t.b) ? !(t.a > x + z - 1e-6 && t.a < y + z + 1e-6)
                                       : !(near(t.a, x + z) && near(t.b, y + z));
        if (!split_bad && !grand_bad)
            continue;
        buf_t found = BUF_INIT, want = BUF_INIT;
        if (split_bad) {
            fmt_effort(&found, t.x, t.y, t.z);
            fmt_effort(&want, x, y, z);
        } else {
            fmt_range(&found, t.a, t.b);
            buf_append_str(&found, " in total");
            fmt_range(&want, x + z, y + z);
            buf_append_str(&want, " in total (");
            fmt_effort(&want, x, y, z);
            buf_append_str(&want, ")");
        }
        rule_diag_t *rd = rule_report(cx, d, fl->value_span, 0,
                                      "Timeline total says %s, but the plans' efforts add up to "
                                      "%s",
                                      buf_cstr(&found), buf_cstr(&want));
        buf_t exp = BUF_INIT;
        fmt_effort(&exp, x, y, z);
        set_data(rd, json_pack("{s:s,s:f,s:f,s:f}", "expected", buf_cstr(&exp), "agenticMin", x,
                               "agenticMax", y, "review", z));
        buf_free(&exp);
        buf_free(&want);
        buf_free(&found);
    }
}

void rule_pl053_timeline_total(rule_ctx_t *cx, ws_folder_t *f)
{
    ws_folder_index(f);
    if (f->n_plans == 0)
        return;
    double x = 0, y = 0, z = 0;
    for (size_t i = 0; i < f->n_plans; i++) {
        const ws_doc_t *p = f->plans[i];
        if (!doc_ok(p))
            return;
        const md_field_t *ef = md_field_get(p->md, "Estimated Effort", true);
        double px, py, pz;
        if (!ef || !ef->value || !rule_parse_effort(ef->value, &px, &py, &pz))
            return; /* PL011 / PL014 report the plan; a sum would mislead */
        x += px;
        y += py;
        z += pz;
    }
    total_check(cx, f->start, x, y, z);
    total_check(cx, f->readme, x, y, z);
}

/* ------------------------------------------------------------------ */
/* PL055: START-HERE Created date differs from the folder's date        */

void rule_pl055_created_date(rule_ctx_t *cx, ws_folder_t *f)
{
    ws_doc_t *d = f->start;
    if (!doc_ok(d) || !f->name)
        return;
    const md_field_t *cf = md_field_get(d->md, "Created", true);
    int y1, m1, d1, y2, m2, d2;
    char fdate[11];
    size_t fl = strnlen(f->name, 10); /* "YYYY-MM-DD" of "YYYY-MM-DD-name" */
    memcpy(fdate, f->name, fl);
    fdate[fl] = '\0';
    if (!cf || !cf->value || !rule_parse_date(cf->value, &y1, &m1, &d1) ||
        !rule_parse_date(fdate, &y2, &m2, &d2))
        return; /* PL015 / PL001 report unreadable dates */
    if (y1 == y2 && m1 == m2 && d1 == d2)
        return;
    char want[16];
    snprintf(want, sizeof want, "%04d-%02d-%02d", y2 % 10000, m2 % 100, d2 % 100);
    char *fname = utf8_clean(f->name);
    rule_diag_t *rd = rule_report(cx, d, cf->value_span, 0,
                                  "Created date %04d-%02d-%02d differs from the date of the "
                                  "planning folder %s (expected %s)",
                                  y1 % 10000, m1 % 100, d1 % 100, fname, want);
    set_data(rd, json_pack("{s:s}", "expected", want));
    free(fname);
}
