/* Tests for templates: the embedded copies are the workflow's templates
 * byte for byte (compared with tests/data/markdown/template-*.md), every
 * section file is the section cut out of its document template, sections
 * and subsections come out in template order, and a project's template
 * folder overrides files by name (unusable files ignored). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "planls/templates.h"
#include "planls/util.h"

#ifndef PLANLS_SOURCE_DIR
#define PLANLS_SOURCE_DIR "."
#endif

static char *read_file(const char *path)
{
    char *data = NULL;
    size_t len;
    cr_assert_eq(util_read_file(path, 1 << 22, &data, &len), 0, "read %s", path);
    return data;
}

static const char *builtin(const char *name)
{
    const char *text;
    size_t len;
    cr_assert(tpl_builtin(name, &text, &len), "no built-in %s", name);
    cr_assert_eq(strlen(text), len);
    return text;
}

Test(templates, documents_are_the_workflow_templates)
{
    static const char *const PAIRS[][2] = {
        {"start-here.md", "template-START-HERE.md"},
        {"readme.md", "template-README.md"},
        {"plan.md", "template-NN-plan.md"},
        {"completion-analysis.md", "template-01-COMPLETION-ANALYSIS.md"},
        {"concept-lexicon-analysis.md", "template-02-CONCEPT-LEXICON-ANALYSIS.md"},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(PAIRS); i++) {
        char *path = xasprintf("%s/tests/data/markdown/%s", PLANLS_SOURCE_DIR, PAIRS[i][1]);
        char *want = read_file(path);
        cr_assert_str_eq(builtin(PAIRS[i][0]), want, "%s", PAIRS[i][0]);
        free(want);
        free(path);
    }
}

Test(templates, builtin_table_is_sorted_and_complete)
{
    size_t n = tpl_builtin_count();
    cr_assert_geq(n, 21);
    for (size_t i = 1; i < n; i++)
        cr_assert_lt(strcmp(tpl_builtin_name(i - 1), tpl_builtin_name(i)), 0);
    cr_assert_null(tpl_builtin_name(n));
    const char *t;
    size_t len;
    cr_assert_not(tpl_builtin("nope.md", &t, &len));
    cr_assert_not(tpl_builtin("../plan.md", &t, &len));
    cr_assert_not(tpl_get(NULL, "", &t, &len));
    cr_assert(tpl_get(NULL, "plan.md", &t, &len));
}

Test(templates, document_names)
{
    cr_assert_str_eq(tpl_doc_name(MD_KIND_START), "start-here.md");
    cr_assert_str_eq(tpl_doc_name(MD_KIND_README), "readme.md");
    cr_assert_str_eq(tpl_doc_name(MD_KIND_PLAN), "plan.md");
    cr_assert_null(tpl_doc_name(MD_KIND_ANALYSIS));
    char *f = tpl_section_file(MD_KIND_README, "\xF0\x9F\x93\x9A What's Inside");
    cr_assert_str_eq(f, "readme-whats-inside.md");
    free(f);
    f = tpl_section_file(MD_KIND_README, "What\xE2\x80\x99s Inside");
    cr_assert_str_eq(f, "readme-whats-inside.md");
    free(f);
    f = tpl_section_file(MD_KIND_PLAN, "Context from Analysis");
    cr_assert_str_eq(f, "plan-context-from-analysis.md");
    free(f);
    f = tpl_section_file(MD_KIND_START, "\xF0\x9F\x8E\xAF Executive Summary");
    cr_assert_str_eq(f, "start-executive-summary.md");
    free(f);
    cr_assert_null(tpl_section_file(MD_KIND_OTHER, "Overview"));
    cr_assert_null(tpl_section_file(MD_KIND_PLAN, "\xF0\x9F\x9A\x80 --"));
}

Test(templates, heading_matching)
{
    cr_assert(tpl_heading_matches("\xF0\x9F\x93\x9A What's Inside", "what\xE2\x80\x99s inside"));
    cr_assert(tpl_heading_matches("Overview", "\xF0\x9F\x93\x8B OVERVIEW"));
    cr_assert(tpl_heading_matches("\xF0\x9F\x93\x8A Progress Since [Last Session]",
                                  "Progress Since the Search MVP"));
    cr_assert_not(tpl_heading_matches("Overview", "Overviews"));
    cr_assert_not(tpl_heading_matches("Scope", "In Scope"));
    cr_assert_not(tpl_heading_matches(NULL, "x"));
}

static void assert_names(char **names, const char *const *want, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(names[i], "only %zu names", i);
        cr_assert_str_eq(names[i], want[i]);
    }
    cr_assert_null(names[n]);
}

Test(templates, sections_in_template_order)
{
    char **names;
    static const char *const PLAN[] = {"Overview",     "Context from Analysis", "Scope",
                                       "Dependencies", "Success Criteria",      "Implementation"};
    cr_assert_eq(tpl_sections(NULL, MD_KIND_PLAN, &names), 6);
    assert_names(names, PLAN, 6);
    tpl_names_free(names);
    static const char *const README[] = {
        "\xF0\x9F\x93\x8B Overview", "\xF0\x9F\x93\x9A What's Inside",
        "\xF0\x9F\x93\x8A Quick Summary", "\xF0\x9F\x8E\xAF Priority Order",
        "\xF0\x9F\x9A\x80 Getting Started"};
    cr_assert_eq(tpl_sections(NULL, MD_KIND_README, &names), 5);
    assert_names(names, README, 5);
    tpl_names_free(names);
    cr_assert_eq(tpl_sections(NULL, MD_KIND_START, &names), 8);
    cr_assert_str_eq(names[1], "\xF0\x9F\x93\x8A Progress Since [Last Session]");
    cr_assert_str_eq(names[7], "\xF0\x9F\x9A\x80 Getting Started");
    tpl_names_free(names);
    static const char *const SCOPE[] = {"In Scope", "Out of Scope"};
    cr_assert_eq(tpl_subsections(NULL, MD_KIND_PLAN, "scope", &names), 2);
    assert_names(names, SCOPE, 2);
    tpl_names_free(names);
    cr_assert_eq(tpl_sections(NULL, MD_KIND_ANALYSIS, &names), 0);
    cr_assert_null(names[0]);
    tpl_names_free(names);
    cr_assert_eq(tpl_subsections(NULL, MD_KIND_PLAN, "Nope", &names), 0);
    tpl_names_free(names);
}

/* Each section file is its section cut from the document template: no
 * blank line or separator around it, one final newline. */
Test(templates, section_files_are_cut_from_their_documents)
{
    static const struct {
        md_kind_t kind;
        const char *section, *file;
    } CASES[] = {
        {MD_KIND_PLAN, "Overview", "plan-overview.md"},
        {MD_KIND_PLAN, "Context from Analysis", "plan-context-from-analysis.md"},
        {MD_KIND_PLAN, "Scope", "plan-scope.md"},
        {MD_KIND_PLAN, "Dependencies", "plan-dependencies.md"},
        {MD_KIND_PLAN, "Success Criteria", "plan-success-criteria.md"},
        {MD_KIND_PLAN, "Implementation", "plan-implementation.md"},
        {MD_KIND_START, "Executive Summary", "start-executive-summary.md"},
        {MD_KIND_START, "Success Criteria", "start-success-criteria.md"},
        {MD_KIND_START, "Document Navigation", "start-document-navigation.md"},
        {MD_KIND_START, "Priority Order", "start-priority-order.md"},
        {MD_KIND_START, "Dependencies", "start-dependencies.md"},
        {MD_KIND_START, "Getting Started", "start-getting-started.md"},
        {MD_KIND_README, "Overview", "readme-overview.md"},
        {MD_KIND_README, "What's Inside", "readme-whats-inside.md"},
        {MD_KIND_README, "Priority Order", "readme-priority-order.md"},
        {MD_KIND_README, "Getting Started", "readme-getting-started.md"},
    };
    for (size_t i = 0; i < UTIL_ARRAY_LEN(CASES); i++) {
        const char *file = builtin(CASES[i].file);
        size_t flen = strlen(file);
        cr_assert(flen > 1 && file[flen - 1] == '\n' && file[flen - 2] != '\n', "%s",
                  CASES[i].file);
        cr_assert_not_null(strstr(builtin(tpl_doc_name(CASES[i].kind)), file),
                           "%s is not a substring of its document", CASES[i].file);
        size_t len;
        char *cut = tpl_section_text(NULL, CASES[i].kind, NULL, CASES[i].section, &len);
        cr_assert_not_null(cut, "%s", CASES[i].section);
        cr_assert_eq(len, flen - 1, "%s", CASES[i].file);
        cr_assert(memcmp(cut, file, len) == 0, "%s", CASES[i].file);
        free(cut);
        char *name = tpl_section_file(CASES[i].kind, CASES[i].section);
        cr_assert_str_eq(name, CASES[i].file);
        free(name);
    }
}

Test(templates, sections_without_a_file_are_cut_too)
{
    size_t len;
    char *t = tpl_section_text(NULL, MD_KIND_START, NULL, "Progress Since the MVP", &len);
    cr_assert_not_null(t);
    cr_assert(util_has_prefix(t, "## \xF0\x9F\x93\x8A Progress Since [Last Session]\n\n"));
    cr_assert(util_has_suffix(t, "[Continue for all features...]"), "%s", t);
    cr_assert_not_null(strstr(t, "\n\n---\n\n### \xE2\x9A\xA0\xEF\xB8\x8F Partially Complete"),
                       "separators inside a section are kept");
    free(t);
    t = tpl_section_text(NULL, MD_KIND_START, NULL, "Timeline", &len);
    cr_assert(util_has_suffix(t, "= **A-B total hours**"));
    free(t);
    cr_assert_null(tpl_section_text(NULL, MD_KIND_PLAN, NULL, "Nope", &len));
    cr_assert_null(tpl_section_text(NULL, MD_KIND_ANALYSIS, NULL, "Overview", &len));
}

Test(templates, subsections)
{
    size_t len;
    char *t = tpl_section_text(NULL, MD_KIND_PLAN, "Scope", "Out of Scope", &len);
    cr_assert_str_eq(t, "### Out of Scope\n- Deferred to Phase N+1\n- Not part of this initiative");
    cr_assert_eq(len, strlen(t));
    free(t);
    t = tpl_section_text(NULL, MD_KIND_PLAN, "Dependencies", "Requires (Blockers)", &len);
    cr_assert_str_eq(t, "### Requires (Blockers)\n- [ ] Phase N-1 must be complete\n"
                        "- [ ] External dependency resolved");
    free(t);
    cr_assert_null(tpl_section_text(NULL, MD_KIND_PLAN, "Scope", "Requires (Blockers)", &len));
    cr_assert_null(tpl_section_text(NULL, MD_KIND_PLAN, "Nope", "In Scope", &len));
}

/* ---- overrides ---------------------------------------------------------------- */

static char root[256];

static void put(const char *rel, const char *data, size_t len)
{
    char *p = xasprintf("%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "%s", p);
    fwrite(data, 1, len, f);
    fclose(f);
    free(p);
}

static void setup(void)
{
    snprintf(root, sizeof(root), "/tmp/planls-templates-XXXXXX");
    cr_assert_not_null(mkdtemp(root));
    char *d = xasprintf("%s/tpl", root);
    cr_assert_eq(mkdir(d, 0755), 0);
    free(d);
}

static void teardown(void)
{
    char *cmd = xasprintf("rm -rf '%s'", root);
    cr_assert_eq(system(cmd), 0);
    free(cmd);
}

Test(templates, project_folder_overrides_by_name, .init = setup, .fini = teardown)
{
    const char *plan = "# Phase N: [Feature Name]\r\n\r\n**Date:** [Date]\r\n\r\n---\r\n\r\n"
                       "## Overview\r\n\r\nOurs.\r\n\r\n---\r\n\r\n## Risks\r\n\r\n- One\r\n";
    put("tpl/plan.md", plan, strlen(plan));
    put("tpl/bad.md", "\xFF\xFE", 2);
    put("tpl/nul.md", "a\0b", 3);
    put("tpl/readme-overview.md", "## Overview\n\nOur own README overview.\n\n---\n",
        strlen("## Overview\n\nOur own README overview.\n\n---\n"));
    char *sub = xasprintf("%s/tpl/start-here.md", root);
    cr_assert_eq(mkdir(sub, 0755), 0, "a folder where a file is expected");
    free(sub);
    tpl_set_t *t = tpl_set_new(root, "tpl");
    const char *text;
    size_t len;
    cr_assert(tpl_get(t, "plan.md", &text, &len));
    cr_assert_str_eq(text, "# Phase N: [Feature Name]\n\n**Date:** [Date]\n\n---\n\n## Overview\n\n"
                           "Ours.\n\n---\n\n## Risks\n\n- One\n");
    cr_assert_eq(len, strlen(text));
    cr_assert(tpl_is_overridden(t, "plan.md"));
    /* unusable files fall back to the built-in */
    cr_assert(tpl_get(t, "start-here.md", &text, &len));
    cr_assert(util_has_prefix(text, "# [Planning Session Name] - [Month Year]"));
    cr_assert_not(tpl_is_overridden(t, "start-here.md"));
    cr_assert_not(tpl_get(t, "bad.md", &text, &len));
    cr_assert_not(tpl_get(t, "nul.md", &text, &len));
    cr_assert_not(tpl_is_overridden(t, "../tpl/plan.md"));
    /* sections come from the overriding document */
    char **names;
    cr_assert_eq(tpl_sections(t, MD_KIND_PLAN, &names), 2);
    cr_assert_str_eq(names[1], "Risks");
    tpl_names_free(names);
    char *s = tpl_section_text(t, MD_KIND_PLAN, NULL, "Overview", &len);
    cr_assert_str_eq(s, "## Overview\n\nOurs.");
    free(s);
    /* a section the override lacks still comes from the built-in file */
    s = tpl_section_text(t, MD_KIND_PLAN, NULL, "Scope", &len);
    cr_assert(util_has_prefix(s, "## Scope\n\n### In Scope\n"));
    free(s);
    /* an overriding section file wins over the document */
    s = tpl_section_text(t, MD_KIND_README, NULL, "\xF0\x9F\x93\x8B Overview", &len);
    cr_assert_str_eq(s, "## Overview\n\nOur own README overview.");
    free(s);
    tpl_set_free(t);
    /* absolute folder, missing folder */
    char *abs = xasprintf("%s/tpl", root);
    t = tpl_set_new("/nonexistent", abs);
    cr_assert(tpl_is_overridden(t, "plan.md"));
    tpl_set_free(t);
    free(abs);
    t = tpl_set_new(root, "missing");
    cr_assert(tpl_get(t, "plan.md", &text, &len));
    cr_assert_str_eq(text, builtin("plan.md"));
    tpl_set_free(t);
    t = tpl_set_new(root, NULL);
    cr_assert_not(tpl_is_overridden(t, "plan.md"));
    tpl_set_free(t);
}
