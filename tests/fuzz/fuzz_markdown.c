/* fuzz_markdown: Markdown -> model -> every rule. The input (a raw document,
 * so examples/ and tests/data/ are seeds as they are) is parsed with
 * md_parse and its model checked for consistency (spans inside the text,
 * indexes inside their arrays), then opened with ws_open in a planning
 * folder under every document kind at once (plan, analysis, START-HERE,
 * README, COMPLETE) and outside any folder; rule_check_folder and
 * rule_check_doc run, and every finding must lie inside its document, carry
 * a catalogue code, and convert (diag_to_lsp) to a Diagnostic with a range
 * and a message that serialises as JSON. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "fuzz_util.h"
#include "planls/config.h"
#include "planls/diagnostics.h"
#include "planls/markdown.h"
#include "planls/rules.h"
#include "planls/server.h"
#include "planls/util.h"
#include "planls/workspace.h"

#define FOLDER ".engineering/artifacts/planning/2026-01-15-fuzz"

static const char *root;
static uv_loop_t loop;
static config_t cfg;

static const char *const NAMES[] = {
    "03-fuzz-plan.md", "01-FUZZ-ANALYSIS.md", "START-HERE.md", "README.md", "FUZZ-COMPLETE.md",
};

#define SPAN_OK(sp, len) ((sp).start <= (sp).end && (sp).end <= (len))

static void check_model(const md_doc_t *m, size_t len)
{
    FZ_CHECK(m->h1 >= -1 && m->h1 < (int)m->n_headings, "h1 %d out of range", m->h1);
    if (m->h1_phase >= 0)
        FZ_CHECK(m->h1_title && SPAN_OK(m->h1_title_span, len), "h1 title");
    for (size_t i = 0; i < m->n_headings; i++) {
        const md_heading_t *h = &m->headings[i];
        FZ_CHECK(h->level >= 1 && h->level <= 6, "heading %zu level %d", i, h->level);
        FZ_CHECK(h->text && h->slug, "heading %zu without text/slug", i);
        FZ_CHECK(SPAN_OK(h->span, len) && SPAN_OK(h->text_span, len), "heading %zu span", i);
        FZ_CHECK(h->body_end <= len && h->section_end <= len && h->body_end <= h->section_end,
                 "heading %zu ends %u/%u (len %zu)", i, h->body_end, h->section_end, len);
        FZ_CHECK(h->parent >= -1 && h->parent < (int)i, "heading %zu parent %d", i, h->parent);
        FZ_CHECK(md_heading_bare(h->text) != NULL, "md_heading_bare NULL");
        char *slug = md_slug(h->text);
        FZ_CHECK(slug != NULL, "md_slug NULL");
        free(slug);
        FZ_CHECK(md_heading_find(m, h->text, 0) >= -1, "md_heading_find");
    }
    for (size_t i = 0; i < m->n_fields; i++) {
        const md_field_t *f = &m->fields[i];
        FZ_CHECK(f->key && f->value, "field %zu without key/value", i);
        FZ_CHECK(SPAN_OK(f->line, len) && SPAN_OK(f->key_span, len) && SPAN_OK(f->value_span, len),
                 "field %zu spans", i);
        FZ_CHECK(f->section >= -1 && f->section < (int)m->n_headings, "field %zu section", i);
        FZ_CHECK(md_field_get(m, f->key, false) != NULL, "md_field_get misses field %zu", i);
    }
    for (size_t i = 0; i < m->n_links; i++) {
        const md_link_t *l = &m->links[i];
        FZ_CHECK(l->text && l->target && l->path, "link %zu strings", i);
        FZ_CHECK(SPAN_OK(l->span, len) && SPAN_OK(l->text_span, len) &&
                     SPAN_OK(l->target_span, len) && SPAN_OK(l->anchor_span, len),
                 "link %zu spans", i);
        FZ_CHECK(l->section >= -1 && l->section < (int)m->n_headings, "link %zu section", i);
        FZ_CHECK(l->table_row >= -1 && l->table_row < (int)m->n_rows, "link %zu row", i);
    }
    for (size_t i = 0; i < m->n_refs; i++) {
        const md_phase_ref_t *r = &m->refs[i];
        FZ_CHECK(SPAN_OK(r->span, len) && SPAN_OK(r->num_span, len), "ref %zu spans", i);
        FZ_CHECK(r->link >= -1 && r->link < (int)m->n_links, "ref %zu link", i);
        FZ_CHECK(r->section >= -1 && r->section < (int)m->n_headings, "ref %zu section", i);
        FZ_CHECK(r->table_row >= -1 && r->table_row < (int)m->n_rows, "ref %zu row", i);
    }
    for (size_t i = 0; i < m->n_tables; i++) {
        const md_table_t *t = &m->tables[i];
        FZ_CHECK(SPAN_OK(t->span, len), "table %zu span", i);
        FZ_CHECK(t->first_row <= m->n_rows && t->n_rows <= m->n_rows - t->first_row,
                 "table %zu rows", i);
        FZ_CHECK(t->section >= -1 && t->section < (int)m->n_headings, "table %zu section", i);
    }
    for (size_t i = 0; i < m->n_rows; i++) {
        const md_row_t *r = &m->rows[i];
        FZ_CHECK(SPAN_OK(r->span, len), "row %zu span", i);
        FZ_CHECK(r->table >= 0 && r->table < (int)m->n_tables, "row %zu table", i);
        FZ_CHECK(r->first_cell <= m->n_cells && r->n_cells <= m->n_cells - r->first_cell,
                 "row %zu cells", i);
    }
    for (size_t i = 0; i < m->n_cells; i++)
        FZ_CHECK(m->cells[i].text && SPAN_OK(m->cells[i].span, len), "cell %zu", i);
    for (size_t i = 0; i < m->n_checks; i++)
        FZ_CHECK(m->checks[i].text && SPAN_OK(m->checks[i].span, len) &&
                     SPAN_OK(m->checks[i].box_span, len),
                 "check %zu", i);
    for (size_t i = 0; i < m->n_deps; i++)
        FZ_CHECK(SPAN_OK(m->deps[i].span, len) && SPAN_OK(m->deps[i].to_span, len), "dep %zu", i);
    for (size_t i = 0; i < m->n_prios; i++)
        FZ_CHECK(m->prios[i].priority && SPAN_OK(m->prios[i].span, len) &&
                     SPAN_OK(m->prios[i].phase_span, len),
                 "priority claim %zu", i);
    for (size_t i = 0; i < m->n_code; i++) {
        FZ_CHECK(SPAN_OK(m->code[i], len), "code span %zu", i);
        if (m->code[i].end > m->code[i].start)
            FZ_CHECK(md_in_code(m, m->code[i].start), "md_in_code misses code span %zu", i);
    }
}

static void check_diags(server_t *s, const rule_diags_t *ds)
{
    for (size_t i = 0; i < ds->n; i++) {
        const rule_diag_t *d = &ds->items[i];
        FZ_CHECK(d->doc && d->doc->text, "diagnostic without document");
        FZ_CHECK(d->code && rule_find(d->code), "diagnostic with unknown code");
        FZ_CHECK(SPAN_OK(d->span, d->doc->text->len), "%s span [%u,%u) outside the text (%zu)",
                 d->code, d->span.start, d->span.end, d->doc->text->len);
        FZ_CHECK(d->sev >= RULE_ERROR && d->sev <= RULE_HINT, "%s severity %d", d->code, d->sev);
        FZ_CHECK(d->message, "%s without message", d->code);
        FZ_CHECK(fz_utf8_valid(d->message, strlen(d->message)),
                 "%s message is not valid UTF-8: %s", d->code, d->message);
        for (size_t k = 0; k < d->n_related; k++) {
            const rule_related_t *r = &d->related[k];
            FZ_CHECK(r->doc && r->doc->text && SPAN_OK(r->span, r->doc->text->len),
                     "%s related %zu span", d->code, k);
            FZ_CHECK(r->message && fz_utf8_valid(r->message, strlen(r->message)),
                     "%s related message is not valid UTF-8", d->code);
        }
        json_t *j = diag_to_lsp(s, d);
        fz_json_check(j, d->code);
        FZ_CHECK(json_is_string(json_object_get(j, "message")), "%s: LSP diagnostic without message",
                 d->code);
        fz_check_range(json_object_get(j, "range"), d->code);
        json_decref(j);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    root = fz_tmpdir("fuzz-md");
    char *dir = xasprintf("%s/" FOLDER, root);
    fz_mkdirs(dir);
    free(dir);
    fz_write(root, "docs/workflows/_work-package.md", "# Work package\n\n## Overview\n", 28);
    config_init(&cfg);
    json_t *j = json_pack("{s:[s]}", "externalDocs", "docs/workflows");
    char *err = NULL;
    FZ_CHECK(config_merge(&cfg, j, &err) == 0, "config");
    json_decref(j);
    FZ_CHECK(uv_loop_init(&loop) == 0, "uv_loop_init");
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    md_doc_t *m = md_parse(text, size);
    FZ_CHECK(m != NULL, "md_parse returned NULL");
    check_model(m, size);
    md_doc_free(m);

    log_t log;
    log_init(&log, LOG_ERROR);
    log.to_stderr = false;
    ws_t *ws = ws_new(&loop, root, &cfg, &log);
    for (size_t i = 0; i < UTIL_ARRAY_LEN(NAMES); i++) {
        char *path = xasprintf("%s/" FOLDER "/%s", root, NAMES[i]);
        ws_doc_t *d = ws_open(ws, path, text, size, 1);
        FZ_CHECK(d && d->md && d->text && d->text->len == size, "ws_open %s", NAMES[i]);
        free(path);
    }
    char *outside = xasprintf("%s/notes/fuzz.md", root);
    ws_doc_t *od = ws_open(ws, outside, text, size, 1);
    free(outside);

    server_t s;
    memset(&s, 0, sizeof(s));
    s.ws = ws;
    s.enc = (text_enc_t)(fz_hash(data, size) % 3);
    s.caps.related_info = true;
    rule_diags_t ds = {0};
    char *fpath = xasprintf("%s/" FOLDER, root);
    ws_folder_t *f = ws_folder_by_path(ws, fpath);
    free(fpath);
    FZ_CHECK(f != NULL, "the planning folder is not modelled");
    rule_check_folder(ws, f, &cfg, &ds);
    rule_check_doc(ws, od, &cfg, &ds);
    rule_diags_sort(&ds);
    check_diags(&s, &ds);
    rule_diags_free(&ds);
    ws_free(ws);
    uv_run(&loop, UV_RUN_DEFAULT);
    return 0;
}
