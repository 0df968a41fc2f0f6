/* Tests for markdown.h: the per-document planning model. Every span is
 * checked by the text it covers in the source (and, where a substring occurs
 * more than once, by which occurrence). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "planls/buf.h"
#include "planls/markdown.h"
#include "planls/util.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif

static md_doc_t *parse(const char *s)
{
    return md_parse(s, strlen(s));
}

/* Offset of the nth (0-based) occurrence of needle in text. */
static uint32_t at(const char *text, const char *needle, int nth)
{
    const char *p = text;
    for (;;) {
        p = strstr(p, needle);
        cr_assert_not_null(p, "\"%s\" (#%d) not in the text", needle, nth);
        if (nth-- == 0)
            return (uint32_t)(p - text);
        p++;
    }
}

/* text[span) must be exactly `exp`, found at its nth occurrence. */
#define assert_span_n(text, sp, exp, nth)                                                  \
    do {                                                                                   \
        md_span_t s_ = (sp);                                                               \
        const char *e_ = (exp);                                                            \
        size_t n_ = strlen(e_);                                                            \
        cr_assert(s_.start <= s_.end && s_.end <= strlen(text), "bad span [%u,%u)",        \
                  s_.start, s_.end);                                                       \
        cr_assert(s_.end - s_.start == n_ && memcmp((text) + s_.start, e_, n_) == 0,        \
                  "span [%u,%u) is \"%.*s\", expected \"%s\"", s_.start, s_.end,           \
                  (int)(s_.end - s_.start), (text) + s_.start, e_);                        \
        cr_assert_eq(s_.start, at((text), e_, (nth)), "\"%s\" at %u, expected occurrence " \
                     "#%d at %u", e_, s_.start, (nth), at((text), e_, (nth)));             \
    } while (0)
#define assert_span(text, sp, exp) assert_span_n(text, sp, exp, 0)

static char *load(const char *rel, size_t *len)
{
    char path[1024];
    char *data = NULL;
    snprintf(path, sizeof path, "%s/tests/data/markdown/%s", PLANLS_SOURCE_DIR, rel);
    cr_assert_eq(util_read_file(path, 1 << 24, &data, len), 0, "cannot read %s", path);
    return data;
}

static bool valid_utf8(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    while (*u) {
        int n = *u < 0x80 ? 1 : (*u >> 5) == 6 ? 2 : (*u >> 4) == 14 ? 3 : (*u >> 3) == 30 ? 4 : 0;
        if (!n)
            return false;
        for (int i = 1; i < n; i++)
            if ((u[i] & 0xC0) != 0x80)
                return false;
        u += n;
    }
    return true;
}

/* Time bounds stretch under valgrind (and sanitizers); they exist to catch
 * quadratic behaviour, not to benchmark. */
static double time_scale(void)
{
    const char *pre = getenv("LD_PRELOAD");
    return pre && strstr(pre, "valgrind") ? 60.0 : 1.0;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* ------------------------------------------------------------------ */

Test(kind, from_name)
{
    static const struct {
        const char *name;
        md_kind_t kind;
        int number;
        bool malformed;
    } cases[] = {
        {"START-HERE.md", MD_KIND_START, -1, false},
        {"README.md", MD_KIND_README, -1, false},
        {"01-COMPLETION-ANALYSIS.md", MD_KIND_ANALYSIS, 1, false},
        {"02-CONCEPT-LEXICON-ANALYSIS.md", MD_KIND_ANALYSIS, 2, false},
        {"01-ANALYSIS.md", MD_KIND_ANALYSIS, 1, false},
        {"03-observability-plan.md", MD_KIND_PLAN, 3, false},
        {"05-caching-strategy-plan.md", MD_KIND_PLAN, 5, false},
        {"10-v2-api-plan.md", MD_KIND_PLAN, 10, false},
        {"100-late-plan.md", MD_KIND_PLAN, 100, false},
        {"OBSERVABILITY-COMPLETE.md", MD_KIND_COMPLETE, -1, false},
        {"PHASE-3-COMPLETE.md", MD_KIND_COMPLETE, -1, false},
        {"CACHING-TESTING.md", MD_KIND_TESTING, -1, false},
        {"notes.md", MD_KIND_OTHER, -1, false},
        {"_work-package.md", MD_KIND_OTHER, -1, false},
        {"COMPLETE.md", MD_KIND_OTHER, -1, false},
        {"3-foo-plan.md", MD_KIND_OTHER, -1, true},
        {"03_Foo-plan.md", MD_KIND_OTHER, -1, true},
        {"03-Foo-Plan.md", MD_KIND_OTHER, -1, true},
        {"03-foo_bar-plan.md", MD_KIND_OTHER, -1, true},
        {"03--plan.md", MD_KIND_OTHER, -1, true},
        {"foo-plan.md", MD_KIND_OTHER, -1, true},
        {"01-analysis.md", MD_KIND_OTHER, -1, true},
        {"1-COMPLETION-ANALYSIS.md", MD_KIND_OTHER, -1, true},
        {"01-Completion-Analysis.md", MD_KIND_OTHER, -1, true},
        {"REQUIREMENTS-ANALYSIS.md", MD_KIND_OTHER, -1, true},
        {"04-notes.md", MD_KIND_OTHER, -1, true},
        {"03-feature-plan.MD", MD_KIND_OTHER, -1, true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int num = 42;
        bool bad = true;
        md_kind_t k = md_kind_from_name(cases[i].name, &num, &bad);
        cr_assert_eq(k, cases[i].kind, "%s: kind %s", cases[i].name, md_kind_name(k));
        cr_assert_eq(num, cases[i].number, "%s: number %d", cases[i].name, num);
        cr_assert_eq(bad, cases[i].malformed, "%s: malformed %d", cases[i].name, bad);
    }
    int num;
    bool bad;
    cr_assert_eq(md_kind_from_name("planning/x/04-a-plan.md", &num, &bad), MD_KIND_PLAN);
    cr_assert_eq(num, 4);
    cr_assert_eq(md_kind_from_name(NULL, &num, &bad), MD_KIND_OTHER);
    cr_assert_eq(md_kind_from_name("README.md", NULL, NULL), MD_KIND_README);
}

Test(kind, names)
{
    cr_assert_str_eq(md_kind_name(MD_KIND_START), "start");
    cr_assert_str_eq(md_kind_name(MD_KIND_README), "readme");
    cr_assert_str_eq(md_kind_name(MD_KIND_ANALYSIS), "analysis");
    cr_assert_str_eq(md_kind_name(MD_KIND_PLAN), "plan");
    cr_assert_str_eq(md_kind_name(MD_KIND_COMPLETE), "complete");
    cr_assert_str_eq(md_kind_name(MD_KIND_TESTING), "testing");
    cr_assert_str_eq(md_kind_name(MD_KIND_OTHER), "other");
}

/* ------------------------------------------------------------------ */

static void slug_is(const char *text, const char *want)
{
    char *s = md_slug(text);
    cr_assert_str_eq(s, want, "slug of \"%s\"", text);
    free(s);
}

Test(slug, github_rules)
{
    slug_is("Executive Summary", "executive-summary");
    slug_is("What's Inside", "whats-inside");
    slug_is("Requires (Blockers)", "requires-blockers");
    slug_is("Phase 3: Observability", "phase-3-observability");
    slug_is("snake_case and-dash", "snake_case-and-dash");
    slug_is("C++ & Rust", "c--rust");
    slug_is("  two  spaces ", "--two--spaces-");
    slug_is("[Planning Session Name] - [Month Year]", "planning-session-name---month-year");
    slug_is("", "");
}

Test(slug, emoji_and_unicode)
{
    slug_is("🎯 Executive Summary", "-executive-summary");
    slug_is("✅ Completed", "-completed");
    /* GitHub drops the emoji but keeps its variation selector (U+FE0F) */
    slug_is("⚠️ Partially Complete", "\xEF\xB8\x8F-partially-complete");
    slug_is("Café Ünïcode", "café-ünïcode");
    slug_is("Привет Мир", "привет-мир");
    slug_is("Scope › In Scope", "scope--in-scope");
    slug_is("a — b “c”", "a--b-c");
    slug_is("bad \xff byte", "bad--byte");
}

Test(slug, duplicates_in_document)
{
    const char *t = "# Notes\n## Notes\n## Notes\n## Notes-1\n# A\n# A-1\n# A\n## 🎯 Goal\n## 🚀 Goal\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_headings, 9);
    const char *want[] = {"notes", "notes-1", "notes-2", "notes-1-1", "a", "a-1", "a-2",
                          "-goal", "-goal-1"};
    for (size_t i = 0; i < 9; i++)
        cr_assert_str_eq(d->headings[i].slug, want[i], "heading %zu", i);
    md_doc_free(d);
}

Test(slug, heading_text_without_markup)
{
    const char *t = "## **Bold** `code` [link](x.md) ![img](y.png) &amp; \\*\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_headings, 1);
    cr_assert_str_eq(d->headings[0].text, "Bold code link  & *");
    cr_assert_str_eq(d->headings[0].slug, "bold-code-link---");
    assert_span(t, d->headings[0].text_span,
                "**Bold** `code` [link](x.md) ![img](y.png) &amp; \\*");
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(headings, structure)
{
    const char *t = "# Top\n\nintro\n\n## One\n\nbody one\n\n### One.A\n\ntext\n\n## Two\n\n"
                    "#### Deep\n\nend\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_headings, 5);
    const md_heading_t *h = d->headings;
    cr_assert_eq(h[0].level, 1);
    cr_assert_eq(h[3].level, 2);
    cr_assert_eq(h[4].level, 4);
    cr_assert_str_eq(h[2].text, "One.A");
    cr_assert_eq(h[0].parent, -1);
    cr_assert_eq(h[1].parent, 0);
    cr_assert_eq(h[2].parent, 1);
    cr_assert_eq(h[3].parent, 0);
    cr_assert_eq(h[4].parent, 3);
    cr_assert_eq(h[0].body_end, at(t, "## One", 0));
    cr_assert_eq(h[1].body_end, at(t, "### One.A", 0));
    cr_assert_eq(h[1].section_end, at(t, "## Two", 0));
    cr_assert_eq(h[2].section_end, at(t, "## Two", 0));
    cr_assert_eq(h[0].section_end, strlen(t));
    cr_assert_eq(h[3].section_end, strlen(t));
    cr_assert_eq(h[4].body_end, strlen(t));
    cr_assert_eq(d->h1, 0);
    md_doc_free(d);
}

Test(headings, spans)
{
    const char *t = "  ## Closed ##  \n\nSetext *title*\nwith two lines\n===\n\n> ### Quoted\n\n"
                    "#\n\n## #5 ticket #\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_headings, 5);
    assert_span(t, d->headings[0].span, "## Closed ##");
    assert_span(t, d->headings[0].text_span, "Closed");
    cr_assert_str_eq(d->headings[0].text, "Closed");
    cr_assert_eq(d->headings[1].level, 1);
    assert_span(t, d->headings[1].span, "Setext *title*\nwith two lines\n===");
    assert_span(t, d->headings[1].text_span, "Setext *title*\nwith two lines");
    cr_assert_str_eq(d->headings[1].text, "Setext title with two lines");
    assert_span(t, d->headings[2].span, "### Quoted");
    assert_span(t, d->headings[2].text_span, "Quoted");
    cr_assert_str_eq(d->headings[3].text, "");
    cr_assert_eq(d->headings[3].text_span.start, d->headings[3].text_span.end);
    assert_span(t, d->headings[4].text_span, "#5 ticket");
    md_doc_free(d);
}

Test(headings, bare_and_find)
{
    cr_assert_str_eq(md_heading_bare("🎯 Success Criteria"), "Success Criteria");
    cr_assert_str_eq(md_heading_bare("⚠️ Partially Complete"), "Partially Complete");
    cr_assert_str_eq(md_heading_bare("📋 Dependencies"), "Dependencies");
    cr_assert_str_eq(md_heading_bare("Overview"), "Overview");
    cr_assert_str_eq(md_heading_bare("1️⃣ One"), "1️⃣ One");
    const char *t = "# T\n## 📋 Overview\n## 🎯 Success Criteria\n### Overall Success\n"
                    "## Success criteria\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(md_heading_find(d, "Success Criteria", 0), 2);
    cr_assert_eq(md_heading_find(d, "🎯 success criteria", 0), 2);
    cr_assert_eq(md_heading_find(d, "Success Criteria", 3), 4);
    cr_assert_eq(md_heading_find(d, "overview", 0), 1);
    cr_assert_eq(md_heading_find(d, "Scope", 0), -1);
    cr_assert_eq(md_heading_find(d, "Overview", 99), -1);
    md_doc_free(d);
}

Test(headings, h1_phase_title)
{
    const char *t = "# Phase 3: Observability\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->h1_phase, 3);
    cr_assert_str_eq(d->h1_title, "Observability");
    assert_span(t, d->h1_title_span, "Observability");
    md_doc_free(d);

    t = "# **Phase 04:** *Result Types*\n";
    d = parse(t);
    cr_assert_eq(d->h1_phase, 4);
    cr_assert_str_eq(d->h1_title, "Result Types");
    assert_span(t, d->h1_title_span, "Result Types");
    md_doc_free(d);

    d = parse("# Phase N: [Feature Name]\n");
    cr_assert_eq(d->h1, 0);
    cr_assert_eq(d->h1_phase, -1);
    cr_assert_null(d->h1_title);
    md_doc_free(d);

    d = parse("## Intro\n\n# Phase 5: Caching\n\n# Phase 6: Later\n");
    cr_assert_eq(d->h1, 1);
    cr_assert_eq(d->h1_phase, 5);
    md_doc_free(d);

    d = parse("## Only H2\n");
    cr_assert_eq(d->h1, -1);
    cr_assert_eq(d->h1_phase, -1);
    md_doc_free(d);

    d = parse("# Phases 3-4: Both\n");
    cr_assert_eq(d->h1_phase, -1);
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(fields, header_values)
{
    const char *t = "# Phase 3: X\n\n**Date:** 2025-11-23\n**Priority:** 🔴 HIGH (blocks others)  \n"
                    "**Status:** In Progress\n**Estimated Effort:** 4-6h agentic + 1h review\n\n"
                    "---\n\n## Overview\n\n**Status:** Complete\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_fields, 5);
    const md_field_t *p = md_field_get(d, "Priority", true);
    cr_assert_not_null(p);
    cr_assert_str_eq(p->key, "Priority");
    cr_assert_str_eq(p->value, "🔴 HIGH (blocks others)");
    assert_span(t, p->value_span, "🔴 HIGH (blocks others)");
    assert_span(t, p->key_span, "**Priority:**");
    assert_span(t, p->line, "**Priority:** 🔴 HIGH (blocks others)  ");
    cr_assert(p->in_header);
    cr_assert_not(p->in_list);
    cr_assert_eq(p->section, 0);
    const md_field_t *e = md_field_get(d, "estimated effort", true);
    cr_assert_not_null(e);
    assert_span(t, e->value_span, "4-6h agentic + 1h review");
    const md_field_t *s = md_field_get(d, "Status", true);
    assert_span(t, s->value_span, "In Progress");
    cr_assert(s->in_header);
    const md_field_t *late = &d->fields[4];
    cr_assert_str_eq(late->value, "Complete");
    cr_assert_not(late->in_header);
    cr_assert_eq(late->section, 1);
    cr_assert_eq(md_field_get(d, "Status", false), s);
    cr_assert_null(md_field_get(d, "Owner", false));
    md_doc_free(d);
}

Test(fields, forms)
{
    const char *t = "- **Priority:** HIGH\n- x **Date:** no\n\n**Owner**: Ann  \n**Key:**value\n"
                    "**Empty:** \n**Empty2:**\n> **Quoted:** yes\n\n**Not a field**\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_fields, 5);
    cr_assert_str_eq(d->fields[0].key, "Priority");
    cr_assert(d->fields[0].in_list);
    assert_span(t, d->fields[0].value_span, "HIGH");
    assert_span(t, d->fields[0].line, "- **Priority:** HIGH");
    cr_assert_str_eq(d->fields[1].key, "Owner");
    assert_span(t, d->fields[1].key_span, "**Owner**:");
    assert_span(t, d->fields[1].value_span, "Ann");
    cr_assert_str_eq(d->fields[2].key, "Empty");
    cr_assert_str_eq(d->fields[2].value, "");
    cr_assert_eq(d->fields[2].value_span.start, at(t, "**Empty:** ", 0) + 11);
    cr_assert_eq(d->fields[2].value_span.end, d->fields[2].value_span.start);
    cr_assert_str_eq(d->fields[3].key, "Empty2");
    cr_assert_str_eq(d->fields[4].key, "Quoted");
    assert_span(t, d->fields[4].value_span, "yes");
    md_doc_free(d);
}

Test(fields, crlf_and_emoji_lines)
{
    const char *t = "# 🎯 T\r\n\r\n**Created:** 2025-11-23\r\n**Status:** ✅ In progress\r\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_fields, 2);
    assert_span(t, d->fields[0].value_span, "2025-11-23");
    assert_span(t, d->fields[1].value_span, "✅ In progress");
    assert_span(t, d->fields[1].line, "**Status:** ✅ In progress");
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(links, inline_forms)
{
    const char *t = "See [Phase 3: Obs](03-obs-plan.md), [a](<my file.md> \"title\"), "
                    "[b](my%20file.md#Sec-1 'x'), [c](#local), [d]( spaced.md ), "
                    "[e](https://example.com/a?b=1#frag) and [f](b(c).md).\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 7);
    md_link_t *l = d->links;
    assert_span(t, l[0].span, "[Phase 3: Obs](03-obs-plan.md)");
    assert_span(t, l[0].text_span, "Phase 3: Obs");
    assert_span(t, l[0].target_span, "03-obs-plan.md");
    cr_assert_str_eq(l[0].text, "Phase 3: Obs");
    cr_assert_str_eq(l[0].target, "03-obs-plan.md");
    cr_assert_str_eq(l[0].path, "03-obs-plan.md");
    cr_assert_null(l[0].anchor);
    cr_assert_eq(l[0].anchor_span.start, l[0].target_span.end);
    cr_assert_eq(l[0].anchor_span.end, l[0].target_span.end);
    cr_assert_not(l[0].is_external);
    cr_assert_not(l[0].is_reference);
    cr_assert_eq(l[0].table_row, -1);

    assert_span(t, l[1].span, "[a](<my file.md> \"title\")");
    assert_span(t, l[1].target_span, "my file.md");
    cr_assert_str_eq(l[1].target, "my file.md");

    assert_span(t, l[2].target_span, "my%20file.md#Sec-1");
    cr_assert_str_eq(l[2].target, "my file.md#Sec-1");
    cr_assert_str_eq(l[2].path, "my file.md");
    cr_assert_str_eq(l[2].anchor, "Sec-1");
    assert_span(t, l[2].anchor_span, "Sec-1");

    cr_assert_str_eq(l[3].path, "");
    cr_assert_str_eq(l[3].anchor, "local");
    assert_span(t, l[3].anchor_span, "local");

    assert_span(t, l[4].target_span, "spaced.md");
    assert_span(t, l[4].span, "[d]( spaced.md )");

    cr_assert(l[5].is_external);
    cr_assert_str_eq(l[5].target, "https://example.com/a?b=1#frag");
    cr_assert_str_eq(l[5].anchor, "frag");
    assert_span(t, l[5].anchor_span, "frag");

    assert_span(t, l[6].target_span, "b(c).md");
    md_doc_free(d);
}

Test(links, autolinks_and_schemes)
{
    const char *t = "Go <https://x.org/a> or <me@example.com>; [m](mailto:a@b.c), [ftp](ftp://h/x), "
                    "[win](C:/dir/x.md), [proto](//cdn/x).\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 6);
    assert_span(t, d->links[0].span, "<https://x.org/a>");
    assert_span(t, d->links[0].target_span, "https://x.org/a");
    cr_assert_str_eq(d->links[0].text, "https://x.org/a");
    cr_assert(d->links[0].is_external);
    assert_span(t, d->links[1].span, "<me@example.com>");
    cr_assert_str_eq(d->links[1].target, "mailto:me@example.com");
    cr_assert(d->links[1].is_external);
    cr_assert(d->links[2].is_external);
    cr_assert(d->links[3].is_external);
    cr_assert_not(d->links[4].is_external);
    cr_assert(d->links[5].is_external);
    md_doc_free(d);
}

Test(links, reference_style)
{
    const char *t = "Use [the plan][Obs] and [obs][] and [OBS] and [Missing][nope].\n\n"
                    "- [inlist]\n\n"
                    "[obs]: <03-observability-plan.md#scope> \"Obs\"\n"
                    "[obs]: second.md\n"
                    "- [inlist]: list.md\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 4);
    md_link_t *l = d->links;
    for (int i = 0; i < 3; i++) {
        cr_assert(l[i].is_reference, "link %d", i);
        assert_span(t, l[i].target_span, "03-observability-plan.md#scope");
        assert_span(t, l[i].anchor_span, "scope");
        cr_assert_str_eq(l[i].target, "03-observability-plan.md#scope");
        cr_assert_str_eq(l[i].path, "03-observability-plan.md");
        cr_assert_str_eq(l[i].anchor, "scope");
    }
    assert_span(t, l[0].span, "[the plan][Obs]");
    assert_span(t, l[0].text_span, "the plan");
    cr_assert_str_eq(l[0].text, "the plan");
    assert_span(t, l[1].span, "[obs][]");
    assert_span(t, l[1].text_span, "obs");
    assert_span(t, l[2].span, "[OBS]");
    assert_span_n(t, l[3].span, "[inlist]", 0);
    assert_span(t, l[3].target_span, "list.md");
    cr_assert_str_eq(l[3].target, "list.md");
    md_doc_free(d);
}

Test(links, reference_definition_before_text)
{
    const char *t = "[a]: x.md\n[b]:\n  y.md\n  'title'\ntext [a] and [b]\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 2);
    assert_span_n(t, d->links[0].span, "[a]", 1);
    assert_span(t, d->links[0].target_span, "x.md");
    assert_span(t, d->links[1].target_span, "y.md");
    cr_assert_eq(d->n_refs, 0);
    md_doc_free(d);
}

Test(links, hard_inline_cases)
{
    const char *t = "\\[not a link\\] `[code](x.md) Phase 3` **[a](b.md)** *see [c](d.md) now* "
                    "![alt](x.png) [![badge](b.svg)](e.md) [x [y] z](f.md) [**g** `h`](g.md) "
                    "\\\\[i](i.md)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 6);
    assert_span(t, d->links[0].span, "[a](b.md)");
    assert_span(t, d->links[1].span, "[c](d.md)");
    assert_span(t, d->links[1].target_span, "d.md");
    assert_span(t, d->links[2].span, "[![badge](b.svg)](e.md)");
    assert_span(t, d->links[2].text_span, "![badge](b.svg)");
    assert_span(t, d->links[2].target_span, "e.md");
    cr_assert_str_eq(d->links[2].text, "");
    assert_span(t, d->links[3].span, "[x [y] z](f.md)");
    cr_assert_str_eq(d->links[3].text, "x [y] z");
    assert_span(t, d->links[4].span, "[**g** `h`](g.md)");
    cr_assert_str_eq(d->links[4].text, "g h");
    assert_span(t, d->links[5].span, "[i](i.md)");
    cr_assert_eq(d->n_refs, 0, "Phase 3 in a code span is no reference");
    cr_assert_eq(d->n_code, 2);
    assert_span(t, d->code[0], "`[code](x.md) Phase 3`");
    assert_span(t, d->code[1], "`h`");
    md_doc_free(d);
}

Test(links, escapes_and_entities_in_destinations)
{
    const char *t = "[a](x\\_y.md) [b](&auml;.md \"t\") [c](caf%C3%A9.md) [d](<a\\>b.md>)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 4);
    assert_span(t, d->links[0].target_span, "x\\_y.md");
    cr_assert_str_eq(d->links[0].target, "x_y.md");
    assert_span(t, d->links[1].target_span, "&auml;.md");
    cr_assert_str_eq(d->links[1].target, "ä.md");
    cr_assert_str_eq(d->links[2].target, "café.md");
    assert_span(t, d->links[3].target_span, "a\\>b.md");
    cr_assert_str_eq(d->links[3].target, "a>b.md");
    md_doc_free(d);
}

Test(links, multi_line_and_containers)
{
    const char *t = "A paragraph that\nspans [three\nlines](multi.md) and more.\n\n"
                    "- item [one](one.md)\n  continued [two](two.md)\n\n"
                    "> quote [q](q.md)\n> > nested\n> > [deep](deep.md)\n\n"
                    "1. x\n   > inner\n   lazy [lz](lz.md)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 6);
    assert_span(t, d->links[0].span, "[three\nlines](multi.md)");
    assert_span(t, d->links[0].text_span, "three\nlines");
    cr_assert_str_eq(d->links[0].text, "three lines");
    assert_span(t, d->links[1].span, "[one](one.md)");
    assert_span(t, d->links[2].span, "[two](two.md)");
    assert_span(t, d->links[3].span, "[q](q.md)");
    assert_span(t, d->links[4].span, "[deep](deep.md)");
    assert_span(t, d->links[4].target_span, "deep.md");
    assert_span(t, d->links[5].span, "[lz](lz.md)");
    md_doc_free(d);
}

Test(links, emoji_before_links)
{
    const char *t = "🎯🔴 ✅ Ünïcödé line\n👉 **Follow the [Work Package Workflow](_work-package.md)** "
                    "now 🚀 [x](y.md)\n| 🟠 | [c](c.md) |\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 3);
    assert_span(t, d->links[0].span, "[Work Package Workflow](_work-package.md)");
    assert_span(t, d->links[0].target_span, "_work-package.md");
    assert_span(t, d->links[1].span, "[x](y.md)");
    assert_span(t, d->links[2].span, "[c](c.md)");
    md_doc_free(d);
}

Test(links, crlf)
{
    const char *t = "# T\r\n\r\nline one\r\nline [two](two.md) 🎯\r\n\r\n> [q](q.md)\r\n"
                    "> more [r](r.md)\r\n\r\n- [ ] Phase 3 [s](s.md)\r\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 4);
    assert_span(t, d->links[0].span, "[two](two.md)");
    assert_span(t, d->links[1].span, "[q](q.md)");
    assert_span(t, d->links[2].span, "[r](r.md)");
    assert_span(t, d->links[3].span, "[s](s.md)");
    cr_assert_eq(d->n_refs, 1);
    assert_span(t, d->refs[0].span, "Phase 3");
    cr_assert_eq(d->n_checks, 1);
    assert_span(t, d->checks[0].span, "- [ ] Phase 3 [s](s.md)");
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(refs, numbers_and_spans)
{
    const char *t = "Phase 3 first, then Phase 03, (Phase 12). **Phase 4:** and Phase 5.\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_refs, 5);
    int want[] = {3, 3, 12, 4, 5};
    for (int i = 0; i < 5; i++)
        cr_assert_eq(d->refs[i].phase, want[i], "ref %d", i);
    assert_span_n(t, d->refs[0].span, "Phase 3", 0);
    assert_span_n(t, d->refs[0].num_span, "3", 0);
    assert_span(t, d->refs[1].span, "Phase 03");
    assert_span(t, d->refs[1].num_span, "03");
    assert_span(t, d->refs[2].span, "Phase 12");
    assert_span(t, d->refs[3].span, "Phase 4");
    cr_assert_eq(d->refs[0].ctx, MD_CTX_PARAGRAPH);
    cr_assert_eq(d->refs[0].link, -1);
    cr_assert_eq(d->refs[0].section, -1);
    md_doc_free(d);
}

Test(refs, placeholders_are_not_references)
{
    const char *t = "Phase N-1, Phase X, Phase N+1, Phase 3-4, Phases 3-4, Phase 3+, Phase 3.5, "
                    "Phase 3a, Phase3, XPhase 3, phase 3, Phase 1–2, Phase 1234567.\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_refs, 0, "got %zu refs", d->n_refs);
    md_doc_free(d);
}

Test(refs, not_in_code)
{
    const char *t = "Text `Phase 3` and ``a ` Phase 4``.\n\n```\nPhase 5\n```\n\n    Phase 6\n\n"
                    "<div>\nPhase 7\n</div>\n\nreal Phase 8 <!-- Phase 9 -->\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_refs, 1);
    cr_assert_eq(d->refs[0].phase, 8);
    cr_assert_eq(d->n_code, 6);
    assert_span(t, d->code[0], "`Phase 3`");
    assert_span(t, d->code[1], "``a ` Phase 4``");
    assert_span(t, d->code[2], "```\nPhase 5\n```");
    assert_span(t, d->code[3], "Phase 6");
    assert_span(t, d->code[4], "<div>\nPhase 7\n</div>");
    assert_span(t, d->code[5], "<!-- Phase 9 -->");
    cr_assert(md_in_code(d, at(t, "Phase 5", 0)));
    cr_assert(md_in_code(d, at(t, "`Phase 3`", 0)));
    cr_assert(md_in_code(d, at(t, "Phase 7", 0) + 3));
    cr_assert_not(md_in_code(d, at(t, "Phase 8", 0)));
    cr_assert_not(md_in_code(d, 0));
    cr_assert_not(md_in_code(d, (uint32_t)strlen(t)));
    md_doc_free(d);
}

Test(refs, contexts)
{
    const char *t = "# Phase 1: Top\n\nPara Phase 2.\n\n- item Phase 3\n  - [Phase 4: Four](04-four-plan.md)\n\n"
                    "| A | B |\n|---|---|\n| Phase 5 | [Phase 6](06-x-plan.md) |\n\n> quoted Phase 7\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_refs, 7);
    md_phase_ref_t *r = d->refs;
    cr_assert_eq(r[0].ctx, MD_CTX_HEADING);
    cr_assert_eq(r[0].section, 0);
    cr_assert_eq(r[1].ctx, MD_CTX_PARAGRAPH);
    cr_assert_eq(r[2].ctx, MD_CTX_PARAGRAPH | MD_CTX_LIST);
    cr_assert_eq(r[3].ctx, MD_CTX_PARAGRAPH | MD_CTX_LIST | MD_CTX_LINK_TEXT);
    cr_assert_eq(r[3].link, 0);
    assert_span(t, r[3].span, "Phase 4");
    cr_assert_eq(r[4].ctx, MD_CTX_TABLE);
    cr_assert_eq(r[4].table_row, 1);
    cr_assert_eq(r[5].ctx, MD_CTX_TABLE | MD_CTX_LINK_TEXT);
    cr_assert_eq(r[5].link, 1);
    cr_assert_eq(r[5].table_row, 1);
    cr_assert_eq(r[6].ctx, MD_CTX_PARAGRAPH);
    cr_assert_eq(r[6].table_row, -1);
    for (int i = 0; i < 7; i++)
        cr_assert_eq(r[i].section, 0);
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(tables, basic)
{
    const char *t = "| Week | Features | Time |\n|------|:--------:|-----:|\n"
                    "| Week 1 | Phase 3 + Phase 4 | 7-11h |\n|  Week 2  | Phase 5 |\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_tables, 1);
    md_table_t *tb = &d->tables[0];
    cr_assert_eq(tb->n_cols, 3);
    cr_assert_eq(tb->n_rows, 3);
    cr_assert_eq(tb->first_row, 0);
    cr_assert_eq(tb->section, -1);
    assert_span(t, tb->span, "| Week | Features | Time |\n|------|:--------:|-----:|\n"
                             "| Week 1 | Phase 3 + Phase 4 | 7-11h |\n|  Week 2  | Phase 5 |");
    md_row_t *hdr = &d->rows[0];
    cr_assert_eq(hdr->n_cells, 3);
    cr_assert_eq(hdr->table, 0);
    assert_span(t, hdr->span, "| Week | Features | Time |");
    cr_assert_str_eq(d->cells[hdr->first_cell + 1].text, "Features");
    assert_span(t, d->cells[hdr->first_cell + 2].span, "Time");
    md_row_t *r2 = &d->rows[2];
    cr_assert_eq(r2->n_cells, 2);
    assert_span(t, d->cells[r2->first_cell].span, "Week 2");
    cr_assert_str_eq(d->cells[r2->first_cell + 1].text, "Phase 5");
    cr_assert_eq(d->refs[0].table_row, 1);
    cr_assert_eq(d->refs[2].table_row, 2);
    md_doc_free(d);
}

Test(tables, escaped_pipes_code_and_links)
{
    const char *t = "## Nav\n\nDocs:\n| Doc | Note |\n| --- | --- |\n"
                    "| **[START-HERE.md](START-HERE.md)** | a \\| b |\n"
                    "| [03-x-plan.md](03-x-plan.md) | `x | y` and [ref] |\n| extra | cells | dropped |\n\n"
                    "[ref]: r.md\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_tables, 1);
    cr_assert_eq(d->tables[0].section, 0);
    cr_assert_eq(d->tables[0].n_rows, 4);
    md_row_t *r = &d->rows[1];
    cr_assert_eq(r->n_cells, 2);
    assert_span(t, d->cells[r->first_cell].span, "**[START-HERE.md](START-HERE.md)**");
    assert_span(t, d->cells[r->first_cell + 1].span, "a \\| b");
    cr_assert_str_eq(d->cells[r->first_cell + 1].text, "a \\| b");
    r = &d->rows[2];
    cr_assert_eq(r->n_cells, 2);
    assert_span(t, d->cells[r->first_cell + 1].span, "`x | y` and [ref]");
    cr_assert_eq(d->rows[3].n_cells, 2);
    cr_assert_eq(d->n_links, 3);
    cr_assert_eq(d->links[0].table_row, 1);
    cr_assert_eq(d->links[1].table_row, 2);
    cr_assert_eq(d->links[2].table_row, 2);
    cr_assert(d->links[2].is_reference);
    assert_span(t, d->links[2].target_span, "r.md");
    /* the line before the table stays a paragraph line */
    assert_span(t, d->tables[0].span, "| Doc | Note |\n| --- | --- |\n"
                                      "| **[START-HERE.md](START-HERE.md)** | a \\| b |\n"
                                      "| [03-x-plan.md](03-x-plan.md) | `x | y` and [ref] |\n"
                                      "| extra | cells | dropped |");
    md_doc_free(d);
}

Test(tables, shapes)
{
    const char *t = "a | b\n--|--\n1 | 2\n\n| one |\n|:---:|\n| 1 |\n\n| a | b |\n| --- |\n\n"
                    "not | table\n\n> | q | r |\n> |---|---|\n> | s | [t](t.md) |\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_tables, 3);
    cr_assert_eq(d->tables[0].n_cols, 2);
    md_row_t *r = &d->rows[d->tables[0].first_row + 1];
    assert_span(t, d->cells[r->first_cell].span, "1");
    assert_span(t, d->cells[r->first_cell + 1].span, "2");
    cr_assert_eq(d->tables[1].n_cols, 1);
    cr_assert_eq(d->tables[2].n_rows, 2);
    r = &d->rows[d->tables[2].first_row + 1];
    assert_span(t, r->span, "| s | [t](t.md) |");
    assert_span(t, d->cells[r->first_cell + 1].span, "[t](t.md)");
    cr_assert_eq(d->links[0].table_row, (int)(d->tables[2].first_row + 1));
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(checks, forms)
{
    const char *t = "## Success Criteria\n\n- [ ] open item\n- [x] done item\n* [X] star item\n"
                    "\n1. [ ] ordered\n2. [x]\n\n+ [ ] multi\n  line text\n  - [x] nested\n\n"
                    "- [ ](link.md) not a task\n- [x]y no space\n- text [ ] later\n\n[ ] not in a list\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_checks, 7);
    md_check_t *c = d->checks;
    cr_assert_not(c[0].checked);
    cr_assert_str_eq(c[0].text, "open item");
    assert_span(t, c[0].box_span, "[ ]");
    assert_span(t, c[0].span, "- [ ] open item");
    cr_assert_eq(c[0].section, 0);
    cr_assert(c[1].checked);
    assert_span(t, c[1].box_span, "[x]");
    cr_assert(c[2].checked);
    assert_span(t, c[2].span, "* [X] star item");
    assert_span(t, c[3].span, "1. [ ] ordered");
    cr_assert(c[4].checked);
    cr_assert_str_eq(c[4].text, "");
    cr_assert_str_eq(c[5].text, "multi line text");
    assert_span(t, c[6].span, "- [x] nested");
    cr_assert(c[6].checked);
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(deps, plan_requires)
{
    const char *t = "# Phase 5: X\n\n## Dependencies\n\n### Requires (Blockers)\n"
                    "- [ ] Phase 3 must be complete\n- [ ] Phase N-1 must be complete\n"
                    "- [x] Phase 4 and Phase 02 merged\n- [ ] [Types](04-result-types-plan.md) first\n"
                    "- [ ] External dependency resolved\n\n### Enables (Unlocks)\n"
                    "- Phase 6 depends on this\n- Phase 7 requires Phase 5\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_deps, 4);
    cr_assert_eq(d->deps[0].from, -1);
    cr_assert_eq(d->deps[0].to, 3);
    assert_span(t, d->deps[0].span, "- [ ] Phase 3 must be complete");
    assert_span_n(t, d->deps[0].to_span, "3", 0);
    cr_assert_eq(d->deps[1].to, 4);
    cr_assert_eq(d->deps[2].to, 2);
    assert_span(t, d->deps[2].to_span, "02");
    assert_span(t, d->deps[1].span, "- [x] Phase 4 and Phase 02 merged");
    cr_assert_eq(d->deps[3].to, 4);
    assert_span(t, d->deps[3].to_span, "04-result-types-plan.md");
    md_doc_free(d);
}

Test(deps, start_here_forms)
{
    const char *t = "Phase 9 depends on Phase 1 (outside the section)\n\n## 📋 Dependencies\n\n"
                    "### External Dependencies\n- [ ] Dependency A must be resolved before Phase X\n\n"
                    "### Internal Dependencies\n- Phase 4 depends on Phase 3\n"
                    "- Phase 6 depends on Phase 4 and 5\n- Phase 7 depends on Phase 4, 5 and 6\n"
                    "- Phase 8 depends on Phases 4, 5\n\n**Phase 10** depends on [Phase 9](09-x-plan.md).\n"
                    "Phase 11 depends on Phase 3-4\n\n## Next\n\nPhase 12 depends on Phase 1\n";
    md_doc_t *d = parse(t);
    int want[][2] = {{4, 3}, {6, 4}, {6, 5}, {7, 4}, {7, 5}, {7, 6}, {8, 4}, {8, 5}, {10, 9}};
    cr_assert_eq(d->n_deps, 9, "got %zu deps", d->n_deps);
    for (int i = 0; i < 9; i++) {
        cr_assert_eq(d->deps[i].from, want[i][0], "dep %d", i);
        cr_assert_eq(d->deps[i].to, want[i][1], "dep %d", i);
    }
    assert_span(t, d->deps[0].span, "Phase 4 depends on Phase 3");
    uint32_t line = at(t, "Phase 6 depends on Phase 4 and 5", 0);
    assert_span(t, d->deps[1].span, "Phase 6 depends on Phase 4 and 5");
    cr_assert_eq(d->deps[1].to_span.start, line + 25);
    cr_assert_eq(d->deps[2].to_span.start, line + 31);
    assert_span(t, d->deps[2].to_span, "5");
    line = at(t, "Phase 7 depends on Phase 4, 5 and 6", 0);
    cr_assert_eq(d->deps[4].to_span.start, line + 28);
    cr_assert_eq(d->deps[5].to_span.start, line + 34);
    assert_span(t, d->deps[8].span, "**Phase 10** depends on [Phase 9](09-x-plan.md).");
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(prios, start_here_priority_order)
{
    const char *t = "## 🔥 Priority Order\n\n**Implementation sequence:**\n\n"
                    "1. 🔴 **HIGH:** Phase 3 - [Feature]\n   - Why: Dependency for Phase 5\n"
                    "2. 🟠 MEDIUM: [Phase 4: X](04-x-plan.md)\n3. 🟡 **LOW:** [Seven](07-seven-plan.md)\n"
                    "4. **HIGH/MEDIUM/LOW:** Phase 9\n\n## Other\n\n1. 🔴 **HIGH:** Phase 8\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_prios, 3);
    cr_assert_eq(d->prios[0].phase, 3);
    cr_assert_str_eq(d->prios[0].priority, "HIGH");
    assert_span(t, d->prios[0].span, "HIGH");
    assert_span(t, d->prios[0].phase_span, "Phase 3");
    cr_assert_eq(d->prios[1].phase, 4);
    cr_assert_str_eq(d->prios[1].priority, "MEDIUM");
    assert_span(t, d->prios[1].phase_span, "Phase 4");
    cr_assert_eq(d->prios[2].phase, 7);
    cr_assert_str_eq(d->prios[2].priority, "LOW");
    assert_span(t, d->prios[2].phase_span, "[Seven](07-seven-plan.md)");
    md_doc_free(d);
}

Test(prios, readme_table)
{
    const char *t = "## 🎯 Priority Order\n\n| Priority | Phase | Feature |\n|---|---|---|\n"
                    "| 🔴 HIGH | Phase 3 | [Feature] |\n| 🟠 **MEDIUM** | [Phase 4](04-x-plan.md) | y |\n"
                    "| 🟡 Low | Phase 5 | z |\n| HIGH/LOW | Phase 6 | w |\n\n"
                    "| Phase | **Priority** |\n|---|---|\n| Phase 7 | LOW |\n\n"
                    "| Week | Features |\n|---|---|\n| HIGH | Phase 8 |\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_prios, 4);
    cr_assert_eq(d->prios[0].phase, 3);
    assert_span(t, d->prios[0].span, "HIGH");
    assert_span_n(t, d->prios[0].phase_span, "Phase 3", 0);
    cr_assert_eq(d->prios[1].phase, 4);
    cr_assert_str_eq(d->prios[1].priority, "MEDIUM");
    cr_assert_eq(d->prios[2].phase, 5);
    cr_assert_str_eq(d->prios[2].priority, "Low");
    cr_assert_eq(d->prios[3].phase, 7);
    cr_assert_str_eq(d->prios[3].priority, "LOW");
    md_doc_free(d);
}

Test(prios, roadmap_items)
{
    const char *t = "### 🎯 This Roadmap\n\n1. **Phase 3:** Observability - traces\n   - Priority: HIGH\n"
                    "   - Effort: 4-6h agentic + 1h review\n\n2. **Phase 4:** [Feature Name]\n"
                    "   - Priority: HIGH/MEDIUM/LOW\n\n3. **Phase 5**: Caching\n   - **Priority:** 🟠 MEDIUM (why)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_prios, 2);
    cr_assert_eq(d->prios[0].phase, 3);
    assert_span(t, d->prios[0].span, "HIGH");
    assert_span(t, d->prios[0].phase_span, "Phase 3");
    cr_assert_eq(d->prios[1].phase, 5);
    cr_assert_str_eq(d->prios[1].priority, "MEDIUM");
    assert_span(t, d->prios[1].phase_span, "Phase 5");
    md_doc_free(d);
}

/* ------------------------------------------------------------------ */

Test(templates, start_here)
{
    size_t n;
    char *t = load("template-START-HERE.md", &n);
    md_doc_t *d = md_parse(t, n);
    cr_assert_eq(d->n_headings, 16);
    cr_assert_str_eq(d->headings[0].text, "[Planning Session Name] - [Month Year]");
    cr_assert_eq(d->h1_phase, -1);
    const char *required[] = {"Executive Summary", "Success Criteria", "Document Navigation",
                              "Priority Order", "Dependencies", "Getting Started"};
    for (size_t i = 0; i < 6; i++)
        cr_assert_geq(md_heading_find(d, required[i], 0), 0, "%s", required[i]);
    cr_assert_str_eq(d->headings[md_heading_find(d, "Executive Summary", 0)].slug,
                     "-executive-summary");
    const md_field_t *f = md_field_get(d, "Created", true);
    assert_span(t, f->value_span, "[Date]");
    f = md_field_get(d, "Status", true);
    cr_assert_str_eq(f->value, "[Ready for Review/In Progress/Complete]");
    cr_assert_eq(d->n_tables, 4);
    cr_assert_eq(d->n_links, 8);
    cr_assert_str_eq(d->links[0].target, "START-HERE.md");
    cr_assert_eq(d->links[0].table_row, (int)d->tables[3].first_row + 1);
    cr_assert_eq(d->n_checks, 9);
    cr_assert_eq(d->n_deps, 3);
    cr_assert_eq(d->deps[1].from, 6);
    cr_assert_eq(d->deps[2].to, 5);
    cr_assert_eq(d->n_prios, 4); /* Priority Order; the roadmap's HIGH/MEDIUM/LOW is a placeholder */
    cr_assert_str_eq(d->prios[3].priority, "LOW");
    cr_assert_eq(d->prios[3].phase, 6);
    cr_assert_eq(d->n_code, 0);
    md_doc_free(d);
    free(t);
}

Test(templates, readme)
{
    size_t n;
    char *t = load("template-README.md", &n);
    md_doc_t *d = md_parse(t, n);
    const char *required[] = {"Overview", "What's Inside", "Priority Order", "Getting Started"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_geq(md_heading_find(d, required[i], 0), 0, "%s", required[i]);
    cr_assert_str_eq(d->headings[md_heading_find(d, "What's Inside", 0)].slug, "-whats-inside");
    cr_assert_eq(d->n_tables, 2);
    cr_assert_eq(d->tables[0].n_rows, 7);
    cr_assert_eq(d->tables[1].n_cols, 5);
    cr_assert_eq(d->n_prios, 4);
    cr_assert_eq(d->prios[2].phase, 5);
    cr_assert_str_eq(d->prios[2].priority, "MEDIUM");
    cr_assert_eq(d->n_deps, 0);
    cr_assert_eq(d->n_code, 1);
    assert_span(t, d->code[0], "`03-feature-plan.md`");
    const md_field_t *f = md_field_get(d, "Next Step", false);
    cr_assert_not_null(f);
    cr_assert_not(f->in_header);
    md_doc_free(d);
    free(t);
}

Test(templates, analyses)
{
    size_t n;
    char *t = load("template-01-COMPLETION-ANALYSIS.md", &n);
    md_doc_t *d = md_parse(t, n);
    cr_assert_eq(d->h1, 0);
    cr_assert_str_eq(d->headings[0].text, "Completion Analysis");
    cr_assert_eq(d->n_headings, 8);
    cr_assert_str_eq(md_field_get(d, "Purpose", true)->value,
                     "Assess what was completed since last planning session");
    cr_assert_str_eq(d->headings[4].slug, "️-partially-complete");
    md_doc_free(d);
    free(t);

    t = load("template-02-CONCEPT-LEXICON-ANALYSIS.md", &n);
    d = md_parse(t, n);
    cr_assert_eq(d->n_headings, 6);
    /* fields below an H2 are not header fields */
    const md_field_t *f = md_field_get(d, "Definition", false);
    cr_assert_not_null(f);
    cr_assert_not(f->in_header);
    cr_assert_null(md_field_get(d, "Definition", true));
    assert_span(t, f->value_span, "[What it is]");
    md_doc_free(d);
    free(t);
}

Test(templates, plan)
{
    size_t n;
    char *t = load("template-NN-plan.md", &n);
    md_doc_t *d = md_parse(t, n);
    cr_assert_eq(d->h1, 0);
    cr_assert_eq(d->h1_phase, -1);
    const char *required[] = {"Overview", "Scope", "In Scope", "Out of Scope", "Dependencies",
                              "Requires (Blockers)", "Enables (Unlocks)", "Success Criteria",
                              "Implementation"};
    for (size_t i = 0; i < 9; i++)
        cr_assert_geq(md_heading_find(d, required[i], 0), 0, "%s", required[i]);
    const char *keys[] = {"Date", "Priority", "Status", "Estimated Effort"};
    for (size_t i = 0; i < 4; i++)
        cr_assert_not_null(md_field_get(d, keys[i], true), "%s", keys[i]);
    assert_span(t, md_field_get(d, "Priority", true)->value_span, "[HIGH/MEDIUM/LOW] ([Reason])");
    const md_field_t *next = md_field_get(d, "Next Phase", false);
    assert_span(t, next->value_span, "[Link to next work package plan]");
    cr_assert_eq(d->n_refs, 0, "Phase N, N-1 and N+1 are placeholders");
    cr_assert_eq(d->n_deps, 0);
    cr_assert_eq(d->n_checks, 5);
    int sc = md_heading_find(d, "Success Criteria", 0);
    cr_assert_eq(d->checks[2].section, sc);
    cr_assert_eq(d->n_links, 1);
    cr_assert_str_eq(d->links[0].path, "_work-package.md");
    md_doc_free(d);
    free(t);
}

Test(filled, start_here)
{
    size_t n;
    char *t = load("filled/START-HERE.md", &n);
    md_doc_t *d = md_parse(t, n);
    cr_assert_str_eq(md_field_get(d, "Status", true)->value, "In Progress");
    cr_assert_str_eq(md_field_get(d, "Status", false)->value, "In Progress");
    cr_assert_eq(d->n_links, 14);
    cr_assert_str_eq(d->links[2].anchor, "key-concepts");
    assert_span(t, d->links[2].anchor_span, "key-concepts");
    /* roadmap items (3), then the Priority Order list (3) */
    int want[][2] = {{3, 'M'}, {4, 'H'}, {5, 'H'}, {5, 'H'}, {4, 'H'}, {3, 'M'}};
    cr_assert_eq(d->n_prios, 6);
    for (int i = 0; i < 6; i++) {
        cr_assert_eq(d->prios[i].phase, want[i][0], "prio %d", i);
        cr_assert_eq(d->prios[i].priority[0], want[i][1], "prio %d", i);
    }
    cr_assert_eq(d->prios[5].phase_span.start, at(t, "[Phase 3: Observability]", 0) + 1);
    cr_assert_eq(d->prios[5].phase_span.end, d->prios[5].phase_span.start + 7);
    cr_assert_eq(d->refs[14].link, 12);
    cr_assert_eq(d->n_deps, 3);
    cr_assert_eq(d->deps[2].from, 5);
    cr_assert_eq(d->deps[2].to, 4);
    cr_assert_eq(d->n_checks, 5);
    cr_assert(d->checks[3].checked);
    int nav = md_heading_find(d, "Document Navigation", 0);
    const md_table_t *tb = NULL;
    for (size_t i = 0; i < d->n_tables; i++)
        if (d->tables[i].section == nav)
            tb = &d->tables[i];
    cr_assert_not_null(tb);
    cr_assert_eq(tb->n_rows, 8);
    md_doc_free(d);
    free(t);
}

Test(filled, readme_and_plan)
{
    size_t n;
    char *t = load("filled/README.md", &n);
    md_doc_t *d = md_parse(t, n);
    cr_assert_eq(d->n_prios, 3);
    cr_assert_eq(d->prios[1].phase, 4);
    assert_span_n(t, d->prios[1].phase_span, "Phase 4", 1);
    cr_assert_str_eq(md_field_get(d, "Status", true)->value, "In progress");
    md_doc_free(d);
    free(t);

    t = load("filled/03-observability-plan.md", &n);
    d = md_parse(t, n);
    cr_assert_eq(d->h1_phase, 3);
    cr_assert_str_eq(d->h1_title, "Observability");
    cr_assert_str_eq(md_field_get(d, "Priority", true)->value, "🟠 MEDIUM (operations need)");
    cr_assert_eq(d->n_deps, 2);
    cr_assert_eq(d->deps[0].to, 2);
    cr_assert_eq(d->deps[1].to, 4);
    cr_assert_str_eq(d->links[0].anchor, "-detailed-completion-status");
    const md_field_t *next = md_field_get(d, "Next Phase", false);
    cr_assert_not_null(next);
    const md_link_t *nl = &d->links[d->n_links - 1];
    cr_assert(nl->span.start >= next->value_span.start && nl->span.end <= next->value_span.end);
    cr_assert_str_eq(nl->path, "04-result-types-plan.md");
    md_doc_free(d);
    free(t);

    t = load("filled/01-COMPLETION-ANALYSIS.md", &n);
    d = md_parse(t, n);
    cr_assert_eq(d->n_links, 1);
    cr_assert(d->links[0].is_external);
    cr_assert_eq(d->n_refs, 3);
    md_doc_free(d);
    free(t);
}

/* ------------------------------------------------------------------ */

/* The same document with CRLF line ends gives the same model, spans
 * shifted but covering the same text. */
static void check_crlf(const char *rel)
{
    size_t n;
    char *t = load(rel, &n);
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (t[i] == '\n')
            buf_append_char(&b, '\r');
        buf_append_char(&b, t[i]);
    }
    md_doc_t *a = md_parse(t, n), *c = md_parse(b.data, b.len);
    cr_assert_eq(a->n_links, c->n_links, "%s", rel);
    cr_assert_eq(a->n_refs, c->n_refs, "%s", rel);
    cr_assert_eq(a->n_fields, c->n_fields, "%s", rel);
    cr_assert_eq(a->n_headings, c->n_headings, "%s", rel);
    cr_assert_eq(a->n_checks, c->n_checks, "%s", rel);
    cr_assert_eq(a->n_cells, c->n_cells, "%s", rel);
    cr_assert_eq(a->n_deps, c->n_deps, "%s", rel);
    cr_assert_eq(a->n_prios, c->n_prios, "%s", rel);
    cr_assert_eq(a->n_code, c->n_code, "%s", rel);
#define SAME(sa, sc)                                                                          \
    cr_assert((sa).end - (sa).start == (sc).end - (sc).start &&                               \
                  memcmp(t + (sa).start, b.data + (sc).start, (sa).end - (sa).start) == 0,    \
              "%s: span differs", rel)
    for (size_t i = 0; i < a->n_links; i++) {
        SAME(a->links[i].span, c->links[i].span);
        SAME(a->links[i].target_span, c->links[i].target_span);
        cr_assert_str_eq(a->links[i].target, c->links[i].target);
    }
    for (size_t i = 0; i < a->n_refs; i++)
        SAME(a->refs[i].span, c->refs[i].span);
    for (size_t i = 0; i < a->n_fields; i++) {
        SAME(a->fields[i].value_span, c->fields[i].value_span);
        cr_assert_str_eq(a->fields[i].value, c->fields[i].value);
    }
    for (size_t i = 0; i < a->n_cells; i++)
        SAME(a->cells[i].span, c->cells[i].span);
    for (size_t i = 0; i < a->n_headings; i++)
        cr_assert_str_eq(a->headings[i].slug, c->headings[i].slug);
#undef SAME
    md_doc_free(a);
    md_doc_free(c);
    buf_free(&b);
    free(t);
}

Test(robust, crlf_documents)
{
    const char *files[] = {"template-START-HERE.md", "template-README.md", "template-NN-plan.md",
                           "template-01-COMPLETION-ANALYSIS.md",
                           "template-02-CONCEPT-LEXICON-ANALYSIS.md", "filled/START-HERE.md",
                           "filled/README.md", "filled/03-observability-plan.md",
                           "filled/01-COMPLETION-ANALYSIS.md",
                           "filled/02-CONCEPT-LEXICON-ANALYSIS.md"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++)
        check_crlf(files[i]);
}

static void check_strings(const md_doc_t *d, size_t len)
{
    for (size_t i = 0; i < d->n_headings; i++) {
        cr_assert(valid_utf8(d->headings[i].text));
        cr_assert(valid_utf8(d->headings[i].slug));
        cr_assert_leq(d->headings[i].section_end, len);
    }
    for (size_t i = 0; i < d->n_links; i++) {
        cr_assert(valid_utf8(d->links[i].text));
        cr_assert(valid_utf8(d->links[i].target));
        cr_assert_leq(d->links[i].span.end, len);
        cr_assert_leq(d->links[i].target_span.end, len);
    }
    for (size_t i = 0; i < d->n_fields; i++)
        cr_assert(valid_utf8(d->fields[i].value) && valid_utf8(d->fields[i].key));
    for (size_t i = 0; i < d->n_cells; i++)
        cr_assert(valid_utf8(d->cells[i].text));
    for (size_t i = 0; i < d->n_code; i++)
        cr_assert_leq(d->code[i].end, len);
}

Test(robust, nul_bytes_and_invalid_utf8)
{
    static const char t[] = "# T\xff\xfe\n\n**Status:** In\0 progress \xc3\x28\n\nPhase 3 [a\0b](x\0y.md) "
                            "\xe2\x82 [c](c.md)\n\n| a\0 | b |\n|---|---|\n| \xf0\x9f | Phase\0 4 |\n"
                            "\xed\xa0\x80 surrogate \xc0\xaf overlong\n";
    size_t n = sizeof t - 1;
    md_doc_t *d = md_parse(t, n);
    cr_assert_eq(d->n_headings, 1);
    cr_assert_str_eq(d->headings[0].text, "T\xEF\xBF\xBD\xEF\xBF\xBD");
    cr_assert_eq(d->n_fields, 1);
    cr_assert_str_eq(d->fields[0].value, "In\x1a progress \xEF\xBF\xBD(");
    cr_assert_eq(d->n_links, 2);
    cr_assert_eq(d->links[1].span.start, (uint32_t)(strstr(t + 60, "[c](c.md)") - t));
    cr_assert_eq(d->n_refs, 1);
    cr_assert_eq(d->n_tables, 1);
    check_strings(d, n);
    md_doc_free(d);

    /* every prefix of it, too (truncated sequences everywhere) */
    for (size_t k = 0; k <= n; k++) {
        d = md_parse(t, k);
        check_strings(d, k);
        md_doc_free(d);
    }
}

Test(robust, empty_null_and_bom)
{
    md_doc_t *d = md_parse(NULL, 10);
    cr_assert_eq(d->n_headings, 0);
    cr_assert_eq(d->h1, -1);
    md_doc_free(d);
    d = md_parse("", 0);
    cr_assert_eq(d->n_links, 0);
    md_doc_free(d);
    md_doc_free(NULL);
    const char *t = "\xEF\xBB\xBF# Phase 2: BOM\n\n[a](b.md)\n";
    d = parse(t);
    cr_assert_eq(d->h1_phase, 2);
    assert_span(t, d->headings[0].span, "# Phase 2: BOM");
    assert_span(t, d->links[0].span, "[a](b.md)");
    md_doc_free(d);
    cr_assert_null(md_field_get(NULL, "x", false));
    cr_assert_eq(md_heading_find(NULL, "x", 0), -1);
    cr_assert_not(md_in_code(NULL, 0));
}

Test(robust, tabs_and_lazy_lines)
{
    const char *t = "-\tone [a](a.md)\n\tlazy [b](b.md)\n>\t> deep\n>\tlazy [c](c.md)\n\n"
                    "> 1.    > # H\n>       > bar [d](d.md)\n>     > baz [e](e.md)\n\n"
                    "> foo\\\n     bar [f](f.md)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 6);
    const char *want[] = {"[a](a.md)", "[b](b.md)", "[c](c.md)", "[d](d.md)", "[e](e.md)",
                          "[f](f.md)"};
    for (int i = 0; i < 6; i++)
        assert_span(t, d->links[i].span, want[i]);
    md_doc_free(d);
}

Test(robust, cmark_end_line_quirks)
{
    /* cmark reports one line too many for a setext heading and for a fence
     * closed by its container; neither may swallow the next line */
    const char *t = "Title\n=====\nnext [a](a.md)\n\n> ```\n[ref]: target.md\n> ```\n\n"
                    "> [ref]\n\nSub *x*\n---\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_headings, 2);
    assert_span(t, d->headings[0].span, "Title\n=====");
    assert_span(t, d->headings[0].text_span, "Title");
    assert_span(t, d->headings[1].span, "Sub *x*\n---");
    cr_assert_eq(d->n_links, 2);
    assert_span_n(t, d->links[1].span, "[ref]", 1);
    cr_assert_str_eq(d->links[1].target, "target.md");
    assert_span(t, d->links[1].target_span, "target.md");
    cr_assert_eq(d->n_code, 2);
    assert_span(t, d->code[0], "```");
    md_doc_free(d);
}

Test(robust, lazy_tab_after_hard_break)
{
    const char *t = "- >;\\\n\t\\ [a](a.md)\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 1);
    assert_span(t, d->links[0].span, "[a](a.md)");
    md_doc_free(d);
}

Test(links, unicode_label_folding)
{
    const char *t = "[ẞ] and [Ünïcode]\n\n[SS]: /ss.md\n[ünïcode]: /u.md\n";
    md_doc_t *d = parse(t);
    cr_assert_eq(d->n_links, 2);
    assert_span(t, d->links[0].target_span, "/ss.md");
    assert_span(t, d->links[1].target_span, "/u.md");
    md_doc_free(d);
}

typedef void (*gen_fn)(buf_t *b);

static void gen_quotes(buf_t *b)
{
    for (int i = 0; i < 50000; i++)
        buf_append_char(b, '>');
    buf_append_str(b, " Phase 3 [a](b.md)\nlazy\n");
}
static void gen_brackets(buf_t *b)
{
    for (int i = 0; i < 50000; i++)
        buf_append_char(b, '[');
    buf_append_str(b, "x](y.md)\n");
}
static void gen_open_links(buf_t *b)
{
    for (int i = 0; i < 50000; i++)
        buf_append_str(b, "[a](");
}
static void gen_emphasis(buf_t *b)
{
    for (int i = 0; i < 50000; i++)
        buf_append_str(b, "*a **");
}
static void gen_items(buf_t *b)
{
    for (int i = 0; i < 50000; i++)
        buf_append_str(b, "- ");
    buf_append_str(b, "[ ] Phase 4\n");
}
static void gen_images(buf_t *b)
{
    for (int i = 0; i < 20000; i++)
        buf_append_str(b, "![[");
    for (int i = 0; i < 20000; i++)
        buf_append_str(b, "](x)]");
}
static void gen_backticks(buf_t *b)
{
    for (int i = 1; i < 2000; i++) {
        for (int j = 0; j < i; j++)
            buf_append_char(b, '`');
        buf_append_char(b, ' ');
    }
}
static void gen_table(buf_t *b)
{
    buf_append_str(b, "| a | b |\n|---|---|\n");
    for (int i = 0; i < 20000; i++)
        buf_append_str(b, "| `x|` | \\| Phase 5 |\n");
}

Test(robust, pathological_inputs, .timeout = 120)
{
    gen_fn gens[] = {gen_quotes, gen_brackets, gen_open_links, gen_emphasis,
                     gen_items, gen_images, gen_backticks, gen_table};
    for (size_t i = 0; i < sizeof gens / sizeof gens[0]; i++) {
        buf_t b = BUF_INIT;
        gens[i](&b);
        double t0 = now();
        md_doc_t *d = md_parse(b.data, b.len);
        double dt = now() - t0;
        cr_assert_lt(dt, 2.0 * time_scale(), "input %zu took %.3f s", i, dt);
        check_strings(d, b.len);
        md_doc_free(d);
        buf_free(&b);
    }
}

Test(robust, deep_nesting_keeps_spans)
{
    buf_t b = BUF_INIT;
    gen_quotes(&b);
    md_doc_t *d = md_parse(b.data, b.len);
    cr_assert_eq(d->n_links, 1);
    cr_assert_eq(d->links[0].span.start, 50000 + 9);
    cr_assert_eq(d->n_refs, 1);
    cr_assert_eq(d->refs[0].span.start, 50000 + 1);
    md_doc_free(d);
    buf_clear(&b);
    gen_items(&b);
    d = md_parse(b.data, b.len);
    cr_assert_eq(d->n_checks, 1);
    cr_assert_eq(d->checks[0].box_span.start, 100000);
    md_doc_free(d);
    buf_free(&b);
}

/* A 3,000-line plan parses in milliseconds (the bound only catches
 * non-linear behaviour; see the report for measured times). */
Test(perf, plan_3000_lines)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# Phase 3: Observability\n\n**Date:** 2025-11-23\n**Priority:** HIGH\n\n");
    int lines = 4, s = 0;
    while (lines < 3000) {
        buf_printf(&b, "## 🎯 Section %d\n\nDepends on Phase %d; see [Phase %d](%02d-x-plan.md#scope) "
                       "and `code [x](y)` with **bold** text.\n\n- [ ] Phase %d must be complete\n"
                       "- [x] done [ref][r]\n\n| Priority | Phase |\n|---|---|\n| 🔴 HIGH | Phase %d |\n\n",
                   s, s % 9 + 1, s % 9 + 2, s % 9 + 2, s % 7 + 1, s % 5 + 1);
        lines += 14;
        s++;
    }
    buf_append_str(&b, "[r]: r.md\n");
    md_doc_t *d = md_parse(b.data, b.len);
    md_doc_free(d);
    double t0 = now();
    for (int i = 0; i < 10; i++) {
        d = md_parse(b.data, b.len);
        md_doc_free(d);
    }
    double per = (now() - t0) / 10;
    cr_assert_lt(per, 0.25 * time_scale(), "3,000-line plan took %.2f ms", per * 1e3);
    d = md_parse(b.data, b.len);
    cr_assert_eq(d->n_headings, (size_t)s + 1);
    cr_assert_eq(d->n_tables, (size_t)s);
    cr_assert_eq(d->n_checks, (size_t)s * 2);
    cr_assert(d->links[1].is_reference);
    md_doc_free(d);
    buf_free(&b);
}

/* Invalid bytes become U+FFFD (3 bytes each): the strings outgrow the parse
 * arena's first block, and the model is moved into one block from several.
 * Every string must read the same afterwards. */
Test(model, strings_from_several_arena_blocks_survive_compaction)
{
    buf_t b = BUF_INIT;
    buf_append_str(&b, "# T\xff\xfe\xfd\n\n**Priority:** \xff\xff HIGH\n\n");
    for (int i = 0; i < 200; i++)
        buf_printf(&b, "## H%d \xff\xff\xff\xff\n\n- [ ] c%d \xfe\xfe\n\n[l%d \xff\xff](p%d.md#a%d)\n\n"
                       "| x%d \xff | y |\n|---|---|\n| \xfe\xfe | z |\n\n",
                   i, i, i, i, i, i);
    md_doc_t *d = md_parse(b.data, b.len);
    cr_assert_eq(d->n_headings, 201);
    cr_assert_str_eq(d->headings[0].text, "T\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
    const md_field_t *f = md_field_get(d, "Priority", true);
    cr_assert_not_null(f);
    cr_assert_str_eq(f->value, "\xEF\xBF\xBD\xEF\xBF\xBD HIGH");
    for (int i = 0; i < 200; i++) {
        char want[64];
        snprintf(want, sizeof(want), "H%d \xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD", i);
        cr_assert_str_eq(d->headings[i + 1].text, want);
        snprintf(want, sizeof(want), "c%d \xEF\xBF\xBD\xEF\xBF\xBD", i);
        cr_assert_str_eq(d->checks[i].text, want);
        snprintf(want, sizeof(want), "l%d \xEF\xBF\xBD\xEF\xBF\xBD", i);
        cr_assert_str_eq(d->links[i].text, want);
        snprintf(want, sizeof(want), "p%d.md", i);
        cr_assert_str_eq(d->links[i].path, want);
        snprintf(want, sizeof(want), "a%d", i);
        cr_assert_str_eq(d->links[i].anchor, want);
    }
    cr_assert_eq(d->n_cells, 800);
    cr_assert_str_eq(d->cells[4 * 7 + 2].text, "\xEF\xBF\xBD\xEF\xBF\xBD");
    md_doc_free(d);
    buf_free(&b);
}
