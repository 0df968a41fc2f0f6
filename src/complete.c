/* complete: textDocument/completion. Detects the context at the cursor from
 * the current line and the document model, then builds items from the
 * in-memory workspace model. It never reads a file on the request path
 * (ws_doc_load only for an anchor into Markdown outside the model, once),
 * never offers anything inside code, and returns null where nothing fits. */
#include "planls/complete.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "planls/buf.h"
#include "planls/rules.h"
#include "planls/symbols.h"
#include "planls/util.h"

/* LSP CompletionItemKind values. */
enum {
    KIND_TEXT = 1,
    KIND_KEYWORD = 14,
    KIND_SNIPPET = 15,
    KIND_FILE = 17,
    KIND_REFERENCE = 18,
    KIND_ENUM_MEMBER = 20,
};

/* Documents of other folders offered at most per request; the list is then
 * marked incomplete and the client asks again as the user types. */
#define COMPLETE_MAX_OTHER 500
/* Up to this many documents in other folders are offered right after "](";
 * beyond it, only once the typed path starts with "../" or "/". */
#define COMPLETE_EAGER_OTHER 200

/* ---- small helpers ------------------------------------------------------- */


/* The directory of an absolute path ("/" for a file at the root). Caller
 * frees. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash || slash == path)
        return xstrdup("/");
    return xstrndup(path, (size_t)(slash - path));
}

/* Path of `to` relative to the directory from_dir (both absolute and
 * normalised). Caller frees. */
static char *rel_path(const char *from_dir, const char *to)
{
    size_t i = 0, last = 0;
    while (from_dir[i] && to[i] && from_dir[i] == to[i]) {
        if (to[i] == '/')
            last = i;
        i++;
    }
    if (from_dir[i] == '\0' && to[i] == '/')
        last = i;
    const char *rest = from_dir[last] ? from_dir + last + 1 : "";
    buf_t b = BUF_INIT;
    if (*rest) {
        buf_append_str(&b, "../");
        for (const char *p = rest; *p; p++)
            if (*p == '/' && p[1])
                buf_append_str(&b, "../");
    }
    buf_append_str(&b, to + last + 1);
    return buf_detach(&b, NULL);
}

/* A link destination for path: spaces and parentheses percent-encoded so
 * that the inserted link stays one destination. Caller frees. */
static char *link_dest(const char *path)
{
    buf_t b = BUF_INIT;
    for (const char *p = path; *p; p++) {
        if (*p == ' ')
            buf_append_str(&b, "%20");
        else if (*p == '(')
            buf_append_str(&b, "%28");
        else if (*p == ')')
            buf_append_str(&b, "%29");
        else
            buf_append_char(&b, *p);
    }
    return buf_detach(&b, NULL);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %XX decoding of a typed link path (a %00 is kept as is). Caller frees. */
static char *pct_decode(const char *s)
{
    buf_t b = BUF_INIT;
    for (const char *p = s; *p; p++) {
        int h = p[1] ? hexval(p[1]) : -1, l = h >= 0 && p[2] ? hexval(p[2]) : -1;
        if (*p == '%' && h >= 0 && l >= 0 && (h | l) != 0) {
            buf_append_char(&b, (char)(h * 16 + l));
            p += 2;
        } else {
            buf_append_char(&b, *p);
        }
    }
    return buf_detach(&b, NULL);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

static bool is_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

/* ---- context detection ---------------------------------------------------- */

/* "## prefix" with nothing but blanks after the cursor. */
static bool ctx_section(const char *t, size_t ls, size_t off, size_t le, complete_ctx_t *cx)
{
    size_t i = ls;
    while (i < off && t[i] == ' ' && i - ls < 3)
        i++;
    if (off - i < 3 || t[i] != '#' || t[i + 1] != '#' || !is_blank(t[i + 2]))
        return false;
    i += 2;
    while (i < off && is_blank(t[i]))
        i++;
    for (size_t j = i; j < off; j++)
        if (t[j] == '#')
            return false;
    for (size_t j = off; j < le; j++)
        if (!is_blank(t[j]))
            return false;
    cx->kind = COMPLETE_SECTION;
    cx->start = (uint32_t)i;
    return true;
}

/* "](target" or "](<target" before the cursor, target free of blanks and
 * parentheses; a '#' in it makes it an anchor; a ':' (a URI scheme) or a
 * second '#' makes it nothing. */
static bool ctx_link(const char *t, size_t ls, size_t off, complete_ctx_t *cx)
{
    size_t j = off;
    while (j > ls && !strchr(" \t()<>[]", t[j - 1]) && t[j - 1] != '\0')
        j--;
    size_t tstart = j, open = j;
    if (open > ls && t[open - 1] == '<')
        open--;
    if (open < ls + 2 || t[open - 1] != '(' || t[open - 2] != ']')
        return false;
    const char *hash = NULL;
    for (size_t k = tstart; k < off; k++) {
        if (t[k] == ':')
            return false;
        if (t[k] == '#') {
            if (hash)
                return false;
            hash = t + k;
        }
    }
    if (hash) {
        cx->kind = COMPLETE_ANCHOR;
        cx->path = xstrndup(t + tstart, (size_t)(hash - (t + tstart)));
        cx->start = (uint32_t)(hash - t + 1);
    } else {
        cx->kind = COMPLETE_LINK_TARGET;
        cx->start = (uint32_t)tstart;
    }
    return true;
}

/* "Phase " plus optional digits before the cursor, "Phase" a whole word. */
static bool ctx_phase(const char *t, size_t ls, size_t off, complete_ctx_t *cx)
{
    size_t j = off;
    while (j > ls && isdigit((unsigned char)t[j - 1]))
        j--;
    if (j - ls < 6 || memcmp(t + j - 6, "Phase ", 6) != 0)
        return false;
    size_t ps = j - 6;
    if (ps > ls && is_word_char(t[ps - 1]))
        return false;
    /* Inside an unclosed "[" the user is writing a link label. */
    bool in_label = false;
    for (size_t k = ls; k < ps; k++) {
        if (t[k] == '[')
            in_label = true;
        else if (t[k] == ']')
            in_label = false;
    }
    cx->kind = COMPLETE_PHASE;
    cx->start = (uint32_t)ps;
    cx->in_link_label = in_label;
    return true;
}

static const struct {
    const char *key;
    complete_kind_t kind;
} FIELD_KEYS[] = {
    {"**Priority:**", COMPLETE_PRIORITY},
    {"**Status:**", COMPLETE_STATUS},
    {"**Estimated Effort:**", COMPLETE_EFFORT},
};

/* A "**Key:**" at the start of the line (after indentation, a block quote
 * marker or a list marker) with the cursor in its value. */
static bool ctx_field(const char *t, size_t ls, size_t off, complete_ctx_t *cx)
{
    size_t i = ls;
    while (i < off && (is_blank(t[i]) || t[i] == '>'))
        i++;
    if (i + 1 < off && strchr("-*+", t[i]) && t[i] != '\0' && is_blank(t[i + 1])) {
        i += 2;
    } else {
        size_t d = i;
        while (d < off && d - i < 9 && isdigit((unsigned char)t[d]))
            d++;
        if (d > i && d + 1 < off && (t[d] == '.' || t[d] == ')') && is_blank(t[d + 1]))
            i = d + 2;
    }
    while (i < off && is_blank(t[i]))
        i++;
    for (size_t k = 0; k < UTIL_ARRAY_LEN(FIELD_KEYS); k++) {
        size_t kl = strlen(FIELD_KEYS[k].key);
        if (off - i < kl || !util_ieqn(t + i, FIELD_KEYS[k].key, kl))
            continue;
        size_t v = i + kl;
        while (v < off && is_blank(t[v]))
            v++;
        /* Priority stops at the reason in parentheses. */
        if (FIELD_KEYS[k].kind == COMPLETE_PRIORITY && memchr(t + v, '(', off - v))
            return false;
        cx->kind = FIELD_KEYS[k].kind;
        cx->start = (uint32_t)v;
        cx->lead_space = v == i + kl;
        return true;
    }
    return false;
}

/* Whether the cursor is in code: inside a code span or block, or after the
 * last character of a code block on the same line (a block's span ends at
 * its last non-blank character, so the end of its line, or of an unclosed
 * fence at the end of the text, is still code). */
static bool in_code(const md_doc_t *md, const char *t, size_t ls, size_t off)
{
    if (md_in_code(md, (uint32_t)off))
        return true;
    size_t lo = 0, hi = md->n_code;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (md->code[mid].start < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0)
        return false;
    const md_span_t *c = &md->code[lo - 1];
    if (c->end < ls || c->end > off)
        return false;
    for (size_t i = c->end; i < off; i++)
        if (!is_blank(t[i]))
            return false;
    /* A block: a fence, or indented by four columns or more. */
    size_t cs = c->start, bol = cs, cols = 0;
    if (strncmp(t + cs, "```", 3) == 0 || strncmp(t + cs, "~~~", 3) == 0)
        return true;
    while (bol > 0 && t[bol - 1] != '\n' && t[bol - 1] != '\r')
        bol--;
    for (size_t i = bol; i < cs; i++) {
        if (!is_blank(t[i]))
            return false;
        cols += t[i] == '\t' ? 4 - cols % 4 : 1;
    }
    return cols >= 4;
}

complete_kind_t complete_context(const ws_doc_t *doc, size_t offset, complete_ctx_t *cx)
{
    memset(cx, 0, sizeof(*cx));
    if (!doc->text || !doc->md)
        return COMPLETE_NONE;
    const text_doc_t *td = doc->text;
    size_t off = UTIL_MIN(offset, td->len);
    uint32_t line = text_line_of(td, off);
    size_t ls = text_line_start(td, line), le = text_line_end(td, line);
    if (off < ls || off > le)
        return COMPLETE_NONE;
    if (in_code(doc->md, td->data, ls, off))
        return COMPLETE_NONE;
    const char *t = td->data;
    if (!ctx_link(t, ls, off, cx) && !ctx_section(t, ls, off, le, cx) &&
        !ctx_phase(t, ls, off, cx) && !ctx_field(t, ls, off, cx))
        return COMPLETE_NONE;
    cx->cursor = (uint32_t)off;
    /* Replace the rest of the target or number the cursor is in. */
    size_t end = off;
    if (cx->kind == COMPLETE_LINK_TARGET || cx->kind == COMPLETE_ANCHOR)
        while (end < le && t[end] != '\0' && !strchr(" \t()<>[]", t[end]) &&
               (cx->kind == COMPLETE_ANCHOR || t[end] != '#'))
            end++;
    else if (cx->kind == COMPLETE_PHASE)
        while (end < le && isdigit((unsigned char)t[end]))
            end++;
    cx->end = (uint32_t)end;
    return cx->kind;
}

void complete_ctx_free(complete_ctx_t *cx)
{
    free(cx->path);
    cx->path = NULL;
    cx->kind = COMPLETE_NONE;
}

/* ---- item building -------------------------------------------------------------- */

typedef struct builder {
    server_t *s;
    ws_doc_t *doc;
    const complete_ctx_t *cx;
    json_t *range;   /* the typed prefix; shared by every item's textEdit */
    json_t *items;
    bool incomplete;
} builder_t;

/* Append an item replacing the typed prefix with new_text. Returns it
 * (borrowed) for extra members. */
static json_t *add_item(builder_t *b, const char *label, int kind, const char *new_text,
                        const char *sort)
{
    json_t *it = json_object();
    json_object_set_new(it, "label", text_json(label));
    json_object_set_new(it, "kind", json_integer(kind));
    if (sort)
        json_object_set_new(it, "sortText", text_json(sort));
    if (b->s->caps.completion_edit_range) {
        /* The range is the list's itemDefaults.editRange: sent once. */
        if (strcmp(new_text, label) != 0)
            json_object_set_new(it, "textEditText", text_json(new_text));
    } else {
        json_t *te = json_object();
        json_object_set(te, "range", b->range);
        json_object_set_new(te, "newText", text_json(new_text));
        json_object_set_new(it, "textEdit", te);
    }
    json_array_append_new(b->items, it);
    return it;
}

/* The H1 text of a document, or NULL. */
static const char *doc_h1(const ws_doc_t *d)
{
    if (!d->md || d->md->h1 < 0 || (size_t)d->md->h1 >= d->md->n_headings)
        return NULL;
    return d->md->headings[d->md->h1].text;
}

/* Whether documents' summaries wait for completionItem/resolve: the client
 * must resolve "documentation" and take the list's default "data" (the
 * completing document's URI, which the item's label is relative to). */
static bool lazy_docs(const server_t *s)
{
    return s->caps.completion_resolve_docs && s->caps.completion_default_data;
}

/* "Priority: HIGH · Status: … · Effort: …" from the header fields, or NULL
 * when the document has none of them. Caller frees. */
static char *doc_summary(const ws_doc_t *d)
{
    static const char *const keys[][2] = {
        {"Priority", "Priority"},
        {"Status", "Status"},
        {"Estimated Effort", "Effort"},
        {"Created", "Created"},
        {"Date", "Date"},
    };
    if (!d->md)
        return NULL;
    buf_t b = BUF_INIT;
    for (size_t i = 0; i < UTIL_ARRAY_LEN(keys); i++) {
        const md_field_t *f = md_field_get(d->md, keys[i][0], true);
        if (!f || !f->value || !f->value[0])
            continue;
        if (b.len)
            buf_append_str(&b, " \xC2\xB7 ");
        buf_printf(&b, "%s: %s", keys[i][1], f->value);
    }
    if (b.len == 0) {
        buf_free(&b);
        return NULL;
    }
    return buf_detach(&b, NULL);
}

static void doc_item(builder_t *b, const ws_doc_t *d, const char *label, char group)
{
    char *dest = link_dest(label);
    char *sort = xasprintf("%c%s", group, label);
    json_t *it = add_item(b, label, KIND_FILE, dest, sort);
    const char *h1 = doc_h1(d);
    if (h1 && h1[0])
        json_object_set_new(it, "detail", text_json(h1));
    /* Clients that resolve items get the summary on completionItem/resolve:
     * in a 100-plan folder it is half of every answer's bytes. */
    if (!lazy_docs(b->s)) {
        char *sum = doc_summary(d);
        if (sum)
            json_object_set_new(it, "documentation", text_json(sum));
        free(sum);
    }
    free(sort);
    free(dest);
}

/* Documents of this folder by name, then other folders' by relative path.
 * When other folders hold more than COMPLETE_MAX_OTHER documents, only those
 * matching the typed prefix are offered, at most that many, and the list is
 * incomplete (the client asks again as the user types). */
static void link_items(builder_t *b)
{
    ws_doc_t *doc = b->doc;
    ws_folder_t *own = doc->folder;
    char *dir = dir_of(doc->path);
    char *typed = xstrndup(doc->text->data + b->cx->start, b->cx->cursor - b->cx->start);
    /* A folder of thousands of documents is treated like other folders: the
     * typed prefix filters it, at most COMPLETE_MAX_OTHER are offered. */
    bool own_filter = own && own->n_docs > COMPLETE_MAX_OTHER;
    size_t n_own = 0;
    if (own)
        for (size_t i = 0; i < own->n_docs && n_own < COMPLETE_MAX_OTHER; i++)
            if (own->docs[i] != doc &&
                (!own_filter || symbols_fuzzy_match(typed, own->docs[i]->name))) {
                doc_item(b, own->docs[i], own->docs[i]->name, '0');
                n_own++;
            }
    b->incomplete = own_filter;
    size_t n_other = 0, total = 0;
    size_t nf = ws_n_folders(b->s->ws);
    for (size_t fi = 0; fi < nf; fi++)
        if (ws_folder_at(b->s->ws, fi) != own)
            total += ws_folder_at(b->s->ws, fi)->n_docs;
    /* In a large workspace, other folders' documents come once the typed
     * path leaves the folder ("../", "/"): listing thousands of them on
     * every "](" costs more than the answer is worth (a 2,800-document
     * workspace: 190 KB and 20 ms per keystroke). Until then the list is
     * incomplete, so the client asks again as the path is typed ("/" is a
     * trigger character). */
    if (own && total > COMPLETE_EAGER_OTHER && typed[0] != '.' && typed[0] != '/') {
        b->incomplete = true;
        nf = 0;
    }
    bool filter = total > COMPLETE_MAX_OTHER;
    b->incomplete = b->incomplete || filter;
    for (size_t fi = 0; fi < nf; fi++) {
        ws_folder_t *f = ws_folder_at(b->s->ws, fi);
        if (f == own)
            continue;
        for (size_t i = 0; i < f->n_docs && n_other < COMPLETE_MAX_OTHER; i++) {
            char *rel = rel_path(dir, f->docs[i]->path);
            if (!filter || symbols_fuzzy_match(typed, rel)) {
                doc_item(b, f->docs[i], rel, '1');
                n_other++;
            }
            free(rel);
        }
    }
    free(typed);
    free(dir);
}

/* The Markdown document at path (the model's, or loaded once). */
static ws_doc_t *doc_at(ws_t *ws, const char *path)
{
    ws_doc_t *d = ws_doc_by_path(ws, path);
    return d ? d : ws_doc_load(ws, path);
}

/* The document a typed link path leads to: beside doc (or from the root for
 * "/x.md"), else in the configured externalDocs, as the workspace resolves
 * links. NULL when there is none. */
static ws_doc_t *anchor_target(ws_t *ws, const ws_doc_t *doc, const char *path)
{
    const char *root = ws_root(ws);
    char *p = path[0] == '/' ? xasprintf("%s%s", root, path) : ws_path_resolve(doc->path, path);
    char *norm = ws_path_normalize(p);
    ws_doc_t *t = doc_at(ws, norm);
    free(norm);
    free(p);
    const config_t *cfg = ws_config(ws);
    for (size_t i = 0; !t && i < cfg->n_external_docs; i++) {
        const char *ed = cfg->external_docs[i];
        char *cand = ed[0] == '/' ? xasprintf("%s/%s", ed, path)
                                  : xasprintf("%s/%s/%s", root, ed, path);
        norm = ws_path_normalize(cand);
        t = doc_at(ws, norm);
        free(norm);
        free(cand);
    }
    return t;
}

/* Heading slugs of the link's target (this document for "](#"). */
static void anchor_items(builder_t *b)
{
    ws_doc_t *target = b->doc;
    if (b->cx->path && b->cx->path[0]) {
        char *dec = pct_decode(b->cx->path);
        target = anchor_target(b->s->ws, b->doc, dec);
        free(dec);
    }
    if (!target || !target->md)
        return;
    const md_doc_t *md = target->md;
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        if (!h->slug || !h->slug[0])
            continue;
        char sort[24];
        snprintf(sort, sizeof(sort), "%06zu", i);
        json_t *it = add_item(b, h->slug, KIND_REFERENCE, h->slug, sort);
        if (h->text && h->text[0])
            json_object_set_new(it, "detail", text_json(h->text));
    }
}

/* Title of a plan: the H1 title after "Phase N:", else the H1, else NULL. */
static const char *plan_title(const ws_doc_t *p)
{
    if (p->md && p->md->h1_title && p->md->h1_title[0])
        return p->md->h1_title;
    return doc_h1(p);
}

/* Every phase of the folder as "Phase N" and as a full link. */
static void phase_items(builder_t *b)
{
    ws_folder_t *f = b->doc->folder;
    if (!f)
        return;
    ws_folder_index(f);
    char *dir = dir_of(b->doc->path);
    int prev = -1;
    for (size_t i = 0; i < f->n_plans; i++) {
        const ws_doc_t *p = f->plans[i];
        const char *title = plan_title(p);
        char sort[32];
        if (p->number != prev) {
            char label[32];
            snprintf(label, sizeof(label), "Phase %d", p->number);
            snprintf(sort, sizeof(sort), "%06d.0", p->number);
            json_t *it = add_item(b, label, KIND_REFERENCE, label, sort);
            json_object_set_new(it, "detail", text_json(title ? title : p->name));
            if (title && b->s->caps.completion_label_details)
                json_object_set_new(it, "labelDetails",
                                    json_pack("{s:o}", "description", text_json(title)));
            prev = p->number;
        }
        if (b->cx->in_link_label)
            continue;
        /* The link text is the plan's own "Phase N: Title" (PL043). */
        const char *h1t = p->md && p->md->h1_title && p->md->h1_title[0] ? p->md->h1_title : NULL;
        char *filter = h1t ? xasprintf("Phase %d: %s", p->number, h1t)
                           : xasprintf("Phase %d", p->number);
        char *rel = rel_path(dir, p->path);
        char *dest = link_dest(rel);
        buf_t link = BUF_INIT;
        buf_append_char(&link, '[');
        for (const char *c = filter; *c; c++) {
            if (*c == '[' || *c == ']' || *c == '\\')
                buf_append_char(&link, '\\');
            buf_append_char(&link, *c);
        }
        buf_printf(&link, "](%s)", dest);
        snprintf(sort, sizeof(sort), "%06d.1", p->number);
        json_t *it = add_item(b, buf_cstr(&link), KIND_REFERENCE, buf_cstr(&link), sort);
        json_object_set_new(it, "filterText", text_json(filter));
        buf_free(&link);
        free(filter);
        free(dest);
        free(rel);
    }
    free(dir);
}

/* Whether the document writes priorities with 🔴/🟠/🟡 anywhere. */
static bool uses_emoji_priorities(const text_doc_t *t)
{
    const char *p = t->data, *end = t->data + t->len;
    while (p + 4 <= end && (p = memchr(p, '\xF0', (size_t)(end - p))) != NULL && p + 4 <= end) {
        if (memcmp(p, "\xF0\x9F\x94\xB4", 4) == 0 || memcmp(p, "\xF0\x9F\x9F\xA0", 4) == 0 ||
            memcmp(p, "\xF0\x9F\x9F\xA1", 4) == 0)
            return true;
        p++;
    }
    return false;
}

/* The inserted value: with a leading space when none was typed after the
 * key. Caller frees. */
static char *value_text(const builder_t *b, const char *v)
{
    return xasprintf("%s%s", b->cx->lead_space ? " " : "", v);
}

static void value_items(builder_t *b, const char *const *values, size_t n, int kind,
                        size_t sort_base, const char *detail)
{
    for (size_t i = 0; i < n; i++) {
        char sort[24];
        snprintf(sort, sizeof(sort), "%02zu", sort_base + i);
        char *text = value_text(b, values[i]);
        json_t *it = add_item(b, values[i], kind, text, sort);
        json_object_set_new(it, "detail", text_json(detail));
        free(text);
    }
}

static void priority_items(builder_t *b)
{
    size_t n_plain;
    const char *const *plain = rule_priorities(&n_plain);
    static const char *const emoji[] = {"\xF0\x9F\x94\xB4 HIGH", "\xF0\x9F\x9F\xA0 MEDIUM",
                                        "\xF0\x9F\x9F\xA1 LOW"};
    bool with_emoji = uses_emoji_priorities(b->doc->text);
    if (with_emoji)
        value_items(b, emoji, 3, KIND_ENUM_MEMBER, 0, "priority");
    value_items(b, plain, n_plain, KIND_ENUM_MEMBER, with_emoji ? 3 : 0, "priority");
}

static void status_items(builder_t *b)
{
    size_t n;
    const char *const *values = rule_statuses(b->doc->kind, &n);
    const char *detail = b->doc->kind == MD_KIND_PLAN     ? "plan status"
                         : b->doc->kind == MD_KIND_README ? "README status"
                                                          : "START-HERE status";
    if (values)
        value_items(b, values, n, KIND_ENUM_MEMBER, 0, detail);
}

/* Length of a number "12" or "1.5" at the start of s[0..n), 0 if none. */
static size_t number_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i == 0)
        return 0;
    if (i + 1 < n && s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
        i++;
        while (i < n && isdigit((unsigned char)s[i]))
            i++;
    }
    return i;
}

/* "X-Yh agentic + Zh review", keeping what was typed of it ("3", "3-",
 * "3-5"): tab stops for the rest when the client takes snippets. */
static void effort_items(builder_t *b)
{
    const char *typed = b->doc->text->data + b->cx->start;
    size_t n = b->cx->cursor - b->cx->start;
    const char *snip_rest, *plain_rest;
    size_t x = number_len(typed, n);
    if (n == 0) {
        snip_rest = "${1:X}-${2:Y}h agentic + ${3:Z}h review";
        plain_rest = "X-Yh agentic + Zh review";
    } else if (x == n) {
        snip_rest = "-${1:Y}h agentic + ${2:Z}h review";
        plain_rest = "-Yh agentic + Zh review";
    } else if (x > 0 && x + 1 == n && typed[x] == '-') {
        snip_rest = "${1:Y}h agentic + ${2:Z}h review";
        plain_rest = "Yh agentic + Zh review";
    } else if (x > 0 && typed[x] == '-' && x + 1 + number_len(typed + x + 1, n - x - 1) == n) {
        snip_rest = "h agentic + ${1:Z}h review";
        plain_rest = "h agentic + Zh review";
    } else {
        return;
    }
    bool snippets = b->s->caps.snippets;
    char *label = xasprintf("%.*s%s", (int)n, typed, plain_rest);
    char *text = xasprintf("%s%.*s%s", b->cx->lead_space ? " " : "", (int)n, typed,
                           snippets ? snip_rest : plain_rest);
    json_t *it = add_item(b, label, snippets ? KIND_SNIPPET : KIND_TEXT, text, "00");
    json_object_set_new(it, "insertTextFormat", json_integer(snippets ? 2 : 1));
    json_object_set_new(it, "detail", json_string("effort: agentic range + review"));
    free(text);
    free(label);
}

/* Whether the document's H2 headings start with an emoji or symbol. */
static bool uses_emoji_headings(const md_doc_t *md)
{
    for (size_t i = 0; i < md->n_headings; i++) {
        const md_heading_t *h = &md->headings[i];
        if (h->level == 2 && h->text && h->text[0] && md_heading_bare(h->text) != h->text)
            return true;
    }
    return false;
}

/* The H2 template sections this document is missing, in template order
 * (the rules' section table). */
static void section_items(builder_t *b)
{
    size_t n;
    const rule_section_t *tpl = rule_template_sections(b->doc->kind, &n);
    const md_doc_t *md = b->doc->md;
    bool emoji = uses_emoji_headings(md);
    for (size_t i = 0, h2 = 0; i < n; i++) {
        if (tpl[i].parent)
            continue;
        size_t order = h2++;
        if (md_heading_find(md, tpl[i].name, 0) >= 0)
            continue;
        char sort[24];
        snprintf(sort, sizeof(sort), "%02zu", order);
        char *text = emoji ? xasprintf("%s %s", tpl[i].emoji, tpl[i].name) : xstrdup(tpl[i].name);
        json_t *it = add_item(b, tpl[i].name, KIND_KEYWORD, text, sort);
        json_object_set_new(it, "detail", json_string(tpl[i].required ? "required section"
                                                                      : "template section"));
        free(text);
    }
}

json_t *complete_at(server_t *s, ws_doc_t *doc, size_t offset)
{
    complete_ctx_t cx;
    if (complete_context(doc, offset, &cx) == COMPLETE_NONE) {
        complete_ctx_free(&cx);
        return json_null();
    }
    builder_t b = {s, doc, &cx, server_range(s, doc, cx.start, cx.end), json_array(), false};
    switch (cx.kind) {
    case COMPLETE_LINK_TARGET:
        link_items(&b);
        break;
    case COMPLETE_ANCHOR:
        anchor_items(&b);
        break;
    case COMPLETE_PHASE:
        phase_items(&b);
        break;
    case COMPLETE_PRIORITY:
        priority_items(&b);
        break;
    case COMPLETE_STATUS:
        status_items(&b);
        break;
    case COMPLETE_EFFORT:
        effort_items(&b);
        break;
    case COMPLETE_SECTION:
        section_items(&b);
        break;
    case COMPLETE_NONE:
        break;
    }
    json_t *result;
    if (json_array_size(b.items) == 0)
        result = json_null();
    else
        result = json_pack("{s:b,s:O}", "isIncomplete", b.incomplete, "items", b.items);
    if (json_is_object(result) && (s->caps.completion_edit_range || lazy_docs(s))) {
        json_t *defaults = json_object();
        if (s->caps.completion_edit_range)
            json_object_set(defaults, "editRange", b.range);
        if (lazy_docs(s))
            json_object_set_new(defaults, "data", json_pack("{s:s}", "uri", doc->uri));
        json_object_set_new(result, "itemDefaults", defaults);
    }
    json_decref(b.items);
    json_decref(b.range);
    complete_ctx_free(&cx);
    return result;
}

json_t *complete_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    ws_doc_t *d = server_doc_param(s, req, params);
    if (!d)
        return NULL;
    size_t off;
    if (!server_offset_param(s, req, params, d, &off))
        return NULL;
    return complete_at(s, d, off);
}

/* completionItem/resolve: a document item (kind File) gets its summary.
 * Its label is the path relative to the completing document, whose URI is
 * the item's data (the list default). Any other item comes back as it was. */
json_t *complete_resolve_request(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    if (!json_is_object(params)) {
        rpc_req_fail(req, RPC_INVALID_PARAMS, "completionItem/resolve: the item must be an object");
        return NULL;
    }
    json_t *item = json_deep_copy(params);
    const char *label = json_string_value(json_object_get(item, "label"));
    const char *uri = json_string_value(rpc_get(item, "data.uri"));
    if (!label || !uri || json_integer_value(json_object_get(item, "kind")) != KIND_FILE ||
        json_object_get(item, "documentation"))
        return item;
    ws_doc_t *from = ws_doc_by_uri(s->ws, uri);
    char *path = from ? ws_path_resolve(from->path, label) : NULL;
    ws_doc_t *d = path ? ws_doc_by_path(s->ws, path) : NULL;
    char *sum = d ? doc_summary(d) : NULL;
    if (sum)
        json_object_set_new(item, "documentation", text_json(sum));
    free(sum);
    free(path);
    return item;
}

void complete_capabilities(const server_t *s, json_t *caps)
{
    json_object_set_new(caps, "completionProvider",
                        json_pack("{s:[s,s,s,s],s:b}", "triggerCharacters", "(", "#", " ", "/",
                                  "resolveProvider", lazy_docs(s)));
}
