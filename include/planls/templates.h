/* templates: the Work Packages Workflow's templates (the Markdown files of templates/, embedded
 * into the binary at build time by cmake/embed.cmake) and a project's own
 * template folder that overrides them file by file (`.planls.json`
 * "templates", relative to the workspace root): a file there with the same
 * name wins. Whole documents are "start-here.md", "readme.md", "plan.md";
 * each section of them can be cut out by its heading, or comes from a file
 * "<doc>-<section slug>.md" (see templates/README.md).
 *
 * The module only reads: the embedded table, and regular files of the
 * override folder (never anything else, never writes). Template text is
 * plain Markdown with the workflow's placeholders left in. */
#ifndef PLANLS_TEMPLATES_H
#define PLANLS_TEMPLATES_H

#include <stdbool.h>
#include <stddef.h>

#include "planls/markdown.h"

/* Largest override file read; bigger ones are ignored (built-in used). */
#define TPL_MAX_FILE (1u << 20)

/* A set of templates: the built-ins, overridden by the files of one
 * folder. Files are read on first use and kept until tpl_set_free. */
typedef struct tpl_set tpl_set_t;

/* root: the workspace root (absolute; may be NULL); dir: the configured
 * folder (config_t.templates_dir), relative to root or absolute, or NULL
 * for built-ins only. Does no I/O. Caller frees with tpl_set_free(). */
tpl_set_t *tpl_set_new(const char *root, const char *dir);
void tpl_set_free(tpl_set_t *t);

/* The template file `name` ("plan.md", "plan-scope.md"): the override
 * folder's file when it is a readable regular file of valid UTF-8 without
 * NUL bytes and at most TPL_MAX_FILE bytes (CRLF read as LF), else the
 * built-in. false when neither exists or name is not a plain file name.
 * *text (NUL-terminated) and *len stay valid until tpl_set_free(t). t may
 * be NULL (built-ins only). */
bool tpl_get(tpl_set_t *t, const char *name, const char **text, size_t *len);
/* Whether the text tpl_get returns for name comes from the override
 * folder. */
bool tpl_is_overridden(tpl_set_t *t, const char *name);
/* The embedded template only (static storage). */
bool tpl_builtin(const char *name, const char **text, size_t *len);
/* Number of embedded files and the name of the i-th (sorted by name;
 * includes templates/README.md, which describes them). */
size_t tpl_builtin_count(void);
const char *tpl_builtin_name(size_t i);

/* The whole-document template of a kind: "start-here.md", "readme.md",
 * "plan.md"; NULL for other kinds. */
const char *tpl_doc_name(md_kind_t kind);
/* The file name of a section template, "<doc>-<slug>.md" with <doc>
 * "start", "readme" or "plan" and <slug> the heading without its leading
 * emoji, lower-cased, apostrophes dropped, runs of other non-alphanumerics
 * turned into one hyphen ("What's Inside" -> "whats-inside"). NULL for
 * kinds without a template. Caller frees. */
char *tpl_section_file(md_kind_t kind, const char *section);

/* True when a heading's text names the template heading tpl_heading:
 * equal ignoring a leading emoji, ASCII case and typographic apostrophes;
 * a template heading with a "[placeholder]" ("Progress Since [Last
 * Session]") matches any heading starting with the text before it. */
bool tpl_heading_matches(const char *tpl_heading, const char *heading);

/* The H2 sections of a kind's document template, in template order: their
 * heading texts as written (emoji included). *names is a NULL-terminated
 * array; caller frees with tpl_names_free(). Returns the count (0 for kinds
 * without a template). */
size_t tpl_sections(tpl_set_t *t, md_kind_t kind, char ***names);
/* The H3 subsections of section `section` (matched as
 * tpl_heading_matches does) in template order. Same contract. */
size_t tpl_subsections(tpl_set_t *t, md_kind_t kind, const char *section, char ***names);
void tpl_names_free(char **names);

/* The template text of section `section` of a kind's template: from its
 * "## " heading line to the last non-blank line before the next H2 or the
 * `---` separator, ending without a newline. Taken from the override
 * folder's section file when there is one, else cut from the (possibly
 * overridden) document template, else the built-in section file. With
 * parent non-NULL, the H3 `section` under the H2 `parent` (up to the next
 * heading of level <= 3). Returns NULL when the template has no such
 * section; caller frees; *len receives its length. */
char *tpl_section_text(tpl_set_t *t, md_kind_t kind, const char *parent, const char *section,
                       size_t *len);

#endif
