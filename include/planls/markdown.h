/* markdown: one Markdown document -> its planning model, with cmark.
 *
 * Everything is located by byte offsets into the document's text
 * (md_span_t, half-open). Conversion to LSP positions happens elsewhere
 * (text.h). cmark gives block positions; inline spans (links, phase
 * references, code spans) are located precisely inside their block's source.
 * libcmark has no GFM extensions, so tables (pipe tables inside paragraphs)
 * and task-list items ("- [ ]") are recognised here from the source.
 *
 * The model never depends on other documents: what a link resolves to, which
 * plan a phase number names, and every cross-document fact belong to the
 * workspace. */
#ifndef PLANLS_MARKDOWN_H
#define PLANLS_MARKDOWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct md_span {
    uint32_t start, end; /* byte offsets, [start, end) */
} md_span_t;

typedef enum md_kind {
    MD_KIND_START,    /* START-HERE.md */
    MD_KIND_README,   /* README.md */
    MD_KIND_ANALYSIS, /* NN-UPPER-CASE-ANALYSIS.md */
    MD_KIND_PLAN,     /* NN-kebab-name-plan.md */
    MD_KIND_COMPLETE, /* NAME-COMPLETE.md */
    MD_KIND_TESTING,  /* NAME-TESTING.md */
    MD_KIND_OTHER,    /* any other .md */
} md_kind_t;

/* Kind of a document from its base name. *number receives NN for analyses
 * and plans, -1 otherwise. A name that looks like it wanted to be a plan or
 * an analysis but breaks the pattern ("3-foo-plan.md", "03_Foo-plan.md",
 * "01-analysis.md") is MD_KIND_OTHER with *malformed = true (PL003). */
md_kind_t md_kind_from_name(const char *basename, int *number, bool *malformed);
const char *md_kind_name(md_kind_t kind); /* "start", "readme", "analysis", ... */

/* `**Key:** value` on a line of a paragraph (also inside list items). */
typedef struct md_field {
    char *key;          /* without the ** and the colon: "Priority" */
    char *value;        /* trimmed raw source of the value, markup kept */
    md_span_t line;     /* the whole line, without its terminator */
    md_span_t key_span; /* "**Priority:**" */
    md_span_t value_span;
    bool in_header;     /* before the first H2 (the document's header block) */
    bool in_list;       /* inside a list item */
    int section;        /* index of the enclosing heading, -1 before any */
} md_field_t;

typedef struct md_heading {
    char *text;        /* plain text (inline markup removed, trimmed) */
    char *slug;        /* GitHub-style anchor, unique within the document
                          ("-1", "-2" suffixes for repeats) */
    md_span_t span;    /* the heading line(s), without the terminator */
    md_span_t text_span; /* the heading's text in the source */
    uint32_t body_end; /* end of the content directly under it: the start of
                          the next heading of any level, or end of text */
    uint32_t section_end; /* end of its section: the next heading of level
                             <= this one, or end of text */
    int parent;        /* enclosing heading of lower level, -1 for none */
    int level;         /* 1..6 (beside parent: no padding, 48 bytes) */
} md_heading_t;

typedef struct md_link {
    char *text;         /* plain text of the link's label */
    char *target;       /* destination as written (unescaped, %-decoded for
                           relative paths), anchor included */
    char *path;         /* destination without "#anchor" ("" for "#x") */
    char *anchor;       /* after '#', NULL when none */
    md_span_t span;     /* the whole link in the source */
    md_span_t text_span;   /* the label, inside the brackets */
    md_span_t target_span; /* the destination in the source (for reference
                              links: in the definition) */
    md_span_t anchor_span; /* the anchor, without '#'; empty when none */
    bool is_reference;  /* [text][ref] / [ref] style */
    bool is_external;   /* has a URI scheme (http:, https:, mailto:, ...) */
    int section;        /* enclosing heading index, -1 before any */
    int table_row;      /* index into rows when inside a table, else -1 */
} md_link_t;

typedef enum md_ctx {
    MD_CTX_PARAGRAPH = 1 << 0,
    MD_CTX_LIST = 1 << 1,
    MD_CTX_TABLE = 1 << 2,
    MD_CTX_HEADING = 1 << 3,
    MD_CTX_LINK_TEXT = 1 << 4, /* inside the label of a link */
} md_ctx_t;

/* `Phase N` in text (not in code; not `Phase N-1`, `Phase X`, `Phase N+1`). */
typedef struct md_phase_ref {
    int phase;
    md_span_t span;     /* "Phase 3" (or "Phase 03") */
    md_span_t num_span; /* "3" */
    unsigned ctx;       /* md_ctx_t flags */
    int link;           /* the link whose label holds it, or -1 */
    int section;
    int table_row;      /* -1 when not in a table */
} md_phase_ref_t;

typedef struct md_cell {
    char *text;     /* trimmed cell source */
    md_span_t span; /* trimmed cell in the source */
} md_cell_t;

typedef struct md_row {
    md_span_t span;   /* the row's line */
    int table;
    size_t first_cell, n_cells; /* into md_doc.cells */
} md_row_t;

typedef struct md_table {
    md_span_t span;
    int section;
    size_t first_row, n_rows; /* into md_doc.rows; the first is the header
                                 row; the delimiter row is not stored */
    size_t n_cols;
} md_table_t;

/* A list item starting with "[ ]" or "[x]"/"[X]". */
typedef struct md_check {
    bool checked;
    char *text;          /* the item's text after the box, trimmed */
    md_span_t span;      /* the item's first line */
    md_span_t box_span;  /* "[ ]" */
    int section;
} md_check_t;

/* A dependency edge stated in the document.
 *  - plan: an item of the "Requires (Blockers)" list that references a
 *    phase: from = -1 (this plan), to = N;
 *  - START-HERE: "Phase 6 depends on Phase 4 and 5" lines: one edge per
 *    target (6->4, 6->5). */
typedef struct md_dep {
    int from;           /* phase number, -1 = the document's own phase */
    int to;
    md_span_t span;     /* the item / line */
    md_span_t to_span;  /* the target's number or "Phase N" reference */
} md_dep_t;

/* A priority stated for a phase in a list or table ("1. 🔴 **HIGH:** Phase 3
 * - ...", "| 🔴 HIGH | Phase 3 | ...", or a "Priority: HIGH" sub-item of a
 * "**Phase 3:**" item). */
typedef struct md_prio_claim {
    int phase;
    char *priority;     /* "HIGH" / "MEDIUM" / "LOW" as written (word only) */
    md_span_t span;     /* the priority word */
    md_span_t phase_span;
} md_prio_claim_t;

typedef struct md_doc {
    /* H1 (the first level-1 heading), -1 when none. */
    int h1;
    /* For "# Phase N: Title": h1_phase = N and h1_title = "Title";
     * otherwise h1_phase = -1 and h1_title = NULL. */
    int h1_phase;
    char *h1_title;
    md_span_t h1_title_span;

    md_field_t *fields;     size_t n_fields;
    md_heading_t *headings; size_t n_headings;
    md_link_t *links;       size_t n_links;
    md_phase_ref_t *refs;   size_t n_refs;
    md_table_t *tables;     size_t n_tables;
    md_row_t *rows;         size_t n_rows;
    md_cell_t *cells;       size_t n_cells;
    md_check_t *checks;     size_t n_checks;
    md_dep_t *deps;         size_t n_deps;
    md_prio_claim_t *prios; size_t n_prios;
    /* Code (fenced/indented blocks, inline code spans, HTML blocks) in
     * source order: no reference, link or placeholder is found inside. */
    md_span_t *code;        size_t n_code;
} md_doc_t;

/* Parse text[0..len) (may contain NULs and invalid UTF-8; never trusted).
 * Caller frees with md_doc_free(). Never returns NULL. */
md_doc_t *md_parse(const char *text, size_t len);
void md_doc_free(md_doc_t *doc);

/* Lookups. */
const md_field_t *md_field_get(const md_doc_t *doc, const char *key, bool header_only);
/* Heading whose text, ignoring a leading emoji/symbols and case, equals
 * name ("Success Criteria" matches "🎯 Success Criteria"). -1 if none.
 * Search starts at heading index `from`. */
int md_heading_find(const md_doc_t *doc, const char *name, int from);
/* Heading text without a leading emoji/symbol run, for comparisons. */
const char *md_heading_bare(const char *text);
/* True when offset falls in a code span or code block. */
bool md_in_code(const md_doc_t *doc, uint32_t offset);
/* GitHub's anchor slug of a heading text: lower-case, punctuation other
 * than '-' and '_' removed, spaces -> '-'. Caller frees. */
char *md_slug(const char *text);

/* How md_parse reads documents (notes added to the contract above):
 *  - Strings of a document are valid UTF-8 without NUL (invalid sequences
 *    and NUL bytes become U+FFFD; a NUL inside heading or link text becomes
 *    0x1A) and belong to the document: md_doc_free() releases them all, so
 *    never free() one. link->anchor points into link->target.
 *  - `Phase N`: "Phase" (case-sensitive, not preceded by a letter, digit or
 *    '_'), blanks, 1-6 digits not followed by a letter, digit, '_', '+' or a
 *    range/decimal ("-4", ".5", "/4", "–4"). "Phase 3-4" is ambiguous and
 *    "Phases 3-4" is plural: neither is a reference. Image descriptions hold
 *    no references or links.
 *  - Table rows: refs get MD_CTX_TABLE instead of MD_CTX_PARAGRAPH; a row
 *    keeps at most n_cols cells (GitHub drops the rest); cells split on '|'
 *    unless escaped or inside a code span.
 *  - code also lists raw inline HTML (tags, comments).
 *  - Fields: `**Key:** value` and `**Key**: value`, a blank or the line end
 *    after the closing `**`; an empty value has an empty value_span at the
 *    end of the line.
 *  - md_check_t.span and the plan form of md_dep_t.span run from the list
 *    marker to the end of that line; a "Phase A depends on ..." dep's span
 *    is the statement's line. to_span is the phase number, or the
 *    destination of a link to a plan file ("04-x-plan.md").
 *  - Sections: "Requires (Blockers)" (also "Requires", "Blockers") for plan
 *    deps; "Dependencies" (any level, with its subsections) for "depends on"
 *    lines; "Priority Order" / "Priorities" for list priority claims. Any
 *    table with "Priority" and "Phase" header cells gives table claims.
 *    Priority words match in any case and keep their spelling;
 *    "HIGH/MEDIUM/LOW" is a placeholder, not a claim.
 *  - body_end / section_end are the start of the line of the next heading.
 *  - Slugs follow github-slugger, which GitHub matches: emoji are dropped but
 *    a following U+FE0F stays ("⚠️ Risks" -> "\uFE0F-risks"). */

#endif
