/* Private to the rule implementations (rules.c, rules_doc.c, rules_xref.c):
 * the context every rule function receives and the rule functions the table
 * in rules.c lists. */
#ifndef PLANLS_RULES_INTERNAL_H
#define PLANLS_RULES_INTERNAL_H

#include "planls/rules.h"

/* PL041's heading slug sets of the documents a run's anchors point into
 * (rules_xref.c). */
typedef struct rule_slugsets rule_slugsets_t;

struct rule_ctx {
    ws_t *ws;
    const config_t *cfg;
    const rule_info_t *rule;  /* the rule running now */
    rule_sev_t sev;           /* its configured severity */
    rule_diags_t *out;
    rule_slugsets_t *slugsets; /* NULL until PL041 needs one; the run frees
                                  it with rule_slugsets_free() */
};

/* Free a run's slug sets; NULL is fine. */
void rule_slugsets_free(rule_slugsets_t *ss);

/* rules_doc.c: naming, header fields, sections, placeholders, checklists. */
void rule_pl001_folder_name(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl002_required_docs(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl003_file_name(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl004_numbering(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl010_plan_title(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl011_missing_field(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl012_priority(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl013_status(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl014_effort(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl015_date(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl020_missing_section(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl021_section_order(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl022_empty_section(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl030_placeholder(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl031_no_checklist(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl032_complete_unchecked(rule_ctx_t *cx, ws_doc_t *d);

/* rules_xref.c: links, phase references, navigation tables, the phase
 * graph, priorities, efforts and dates across documents. */
void rule_pl040_link_target(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl041_link_anchor(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl042_phase_ref(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl043_link_title(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl044_navigation(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl046_next_phase(rule_ctx_t *cx, ws_doc_t *d);
void rule_pl050_cycle(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl051_priority_mismatch(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl052_order_inversion(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl053_timeline_total(rule_ctx_t *cx, ws_folder_t *f);
void rule_pl055_created_date(rule_ctx_t *cx, ws_folder_t *f);

/* Shared value parsers (rules_doc.c), also used by completion and actions
 * through rules.h in the future. */
/* Parse an effort "X-Yh agentic + Zh review" (or "Xh agentic + Zh review");
 * returns true and the numbers when it matches. */
bool rule_parse_effort(const char *s, double *x, double *y, double *z);
/* A real calendar date "YYYY-MM-DD" at the start of s (exactly 10 chars). */
bool rule_parse_date(const char *s, int *year, int *month, int *day);
/* Priority word of a value ("🔴 HIGH (reason)" -> "HIGH"); NULL when the
 * value has no valid priority. */
const char *rule_priority_word(const char *value);

#endif
