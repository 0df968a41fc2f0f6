/* rules: the diagnostic rule catalogue of DESIGN §2 (PL001-PL055), run on
 * the workspace model. One function per rule, listed in one table with its
 * code, name, default severity and description. Rules read the model; the
 * disk is touched only through the workspace: existence of link targets
 * (ws_path_exists, cached) and Markdown link targets outside every folder,
 * loaded once on demand for anchor checks (ws_doc_load). */
#ifndef PLANLS_RULES_H
#define PLANLS_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "planls/config.h"
#include "planls/markdown.h"
#include "planls/workspace.h"

/* LSP DiagnosticSeverity values. */
typedef enum rule_sev {
    RULE_ERROR = 1,
    RULE_WARNING = 2,
    RULE_INFO = 3,
    RULE_HINT = 4,
} rule_sev_t;

typedef struct rule_related {
    ws_doc_t *doc;
    md_span_t span;
    char *message;
} rule_related_t;

typedef struct rule_diag {
    ws_doc_t *doc;         /* the document it is reported on */
    md_span_t span;        /* precise byte range in doc->text */
    const char *code;      /* "PL012" (static) */
    rule_sev_t sev;        /* after configuration overrides */
    char *message;
    rule_related_t *related; size_t n_related;
    /* Facts a code action needs (e.g. {"field": "Priority"}), or NULL.
     * Owned reference. */
    json_t *data;
} rule_diag_t;

typedef struct rule_diags {
    rule_diag_t *items;
    size_t n, cap;
} rule_diags_t;

typedef struct rule_ctx rule_ctx_t; /* private to the rule implementations */

/* Per-document rules run on every document of the folder; folder rules run
 * once per folder. Each appends findings with rule_report(). */
typedef void (*rule_doc_fn)(rule_ctx_t *cx, ws_doc_t *doc);
typedef void (*rule_folder_fn)(rule_ctx_t *cx, ws_folder_t *folder);

typedef struct rule_info {
    const char *code;          /* "PL012" */
    const char *name;          /* "invalid-priority" */
    rule_sev_t default_sev;
    const char *description;   /* one line */
    rule_doc_fn doc_fn;        /* either may be NULL */
    rule_folder_fn folder_fn;
} rule_info_t;

/* The catalogue, in code order. */
const rule_info_t *rule_table(size_t *n);
const rule_info_t *rule_find(const char *code);

/* One section of a document template (DESIGN §2). A kind's sections are
 * listed in template order (the index is the order): each H2 is followed by
 * its H3 subsections. */
typedef struct rule_section {
    const char *name;   /* the heading as the template writes it, no emoji */
    const char *alt;    /* an accepted other spelling of the heading, or NULL */
    const char *parent; /* the H2 a subsection belongs to; NULL for an H2 */
    int parent_index;   /* that H2's index in the same table; -1 for an H2 */
    bool required;      /* PL020/PL022 check it; optional sections only take
                           part in the order check (PL021) */
    const char *emoji;  /* the template's leading emoji of an H2 (UTF-8),
                           NULL for a subsection */
} rule_section_t;

/* Most sections any kind's template has. */
#define RULE_MAX_SECTIONS 16

/* The template sections of a document kind, in template order (static
 * storage); NULL and *n = 0 for kinds without a template (anything but a
 * plan, START-HERE.md and README.md). */
const rule_section_t *rule_template_sections(md_kind_t kind, size_t *n);

/* The header field vocabulary the rules accept (static storage), in the
 * order fixes and completion offer it: the Priority words HIGH, MEDIUM,
 * LOW; the Status values of a kind (plan and README.md: Ready for
 * Implementation, In Progress, Complete; START-HERE.md: Ready for Review,
 * In Progress, Complete), NULL and *n = 0 for other kinds. */
const char *const *rule_priorities(size_t *n);
const char *const *rule_statuses(md_kind_t kind, size_t *n);

/* Run every enabled rule on a planning folder (all its documents) and append
 * the findings to out, severities after cfg. */
void rule_check_folder(ws_t *ws, ws_folder_t *folder, const config_t *cfg, rule_diags_t *out);
/* A document outside any planning folder: only PL040 and PL041. */
void rule_check_doc(ws_t *ws, ws_doc_t *doc, const config_t *cfg, rule_diags_t *out);

/* For rule implementations: report a finding. message is formatted;
 * sev_override 0 = the rule's configured severity (used by rules whose
 * catalogue line names two severities, e.g. PL004 error/warning). Returns the
 * diagnostic so related information or data can be attached. */
rule_diag_t *rule_report(rule_ctx_t *cx, ws_doc_t *doc, md_span_t span, int sev_override,
                         const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void rule_add_related(rule_diag_t *d, ws_doc_t *doc, md_span_t span, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void rule_diags_clear(rule_diags_t *ds);
void rule_diags_free(rule_diags_t *ds);
/* Sort by document, then position (stable output for the CLI and tests). */
void rule_diags_sort(rule_diags_t *ds);

#endif
