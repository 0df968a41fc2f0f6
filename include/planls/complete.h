/* complete: textDocument/completion (DESIGN §3). Finds what is being typed
 * at the cursor — a link target, a heading anchor, a `Phase N` reference, a
 * header field value, a template section heading — and offers the matching
 * items from the workspace model, with a textEdit over the typed prefix.
 * Where nothing fits, nothing is offered.
 *
 * Trigger characters: "(" (after "]"), "#" (anchors), " " (after "Phase",
 * after a "**Key:**", after "##") and "/" (paths into other folders). */
#ifndef PLANLS_COMPLETE_H
#define PLANLS_COMPLETE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"
#include "planls/workspace.h"

typedef enum complete_kind {
    COMPLETE_NONE = 0,
    COMPLETE_LINK_TARGET, /* after "](": documents */
    COMPLETE_ANCHOR,      /* after "](file.md#" or "](#": heading slugs */
    COMPLETE_PHASE,       /* after "Phase " (digits may follow): phases */
    COMPLETE_PRIORITY,    /* the value of "**Priority:**" */
    COMPLETE_STATUS,      /* the value of "**Status:**" */
    COMPLETE_EFFORT,      /* the value of "**Estimated Effort:**" */
    COMPLETE_SECTION,     /* "## " on an otherwise empty line */
} complete_kind_t;

/* The completion context at a cursor. */
typedef struct complete_ctx {
    complete_kind_t kind;
    uint32_t start;      /* first byte the items replace */
    uint32_t end;        /* end of what they replace: the cursor, or past it
                            the rest of a link target or phase number the
                            cursor is in (so nothing is left dangling) */
    uint32_t cursor;     /* the cursor: [start, cursor) is what was typed */
    char *path;          /* COMPLETE_ANCHOR: the link path before '#' ("" =
                            this document); NULL otherwise */
    bool in_link_label;  /* COMPLETE_PHASE: typed inside "[...", so no
                            full-link item */
    bool lead_space;     /* field values: no blank typed after "**Key:**",
                            so the items insert one */
} complete_ctx_t;

/* Detect the context at byte offset of doc (its model must be fresh). Never
 * anything inside code spans or blocks. Returns cx->kind; caller frees cx with
 * complete_ctx_free() (also after COMPLETE_NONE). */
complete_kind_t complete_context(const ws_doc_t *doc, size_t offset, complete_ctx_t *cx);
void complete_ctx_free(complete_ctx_t *cx);

/* The CompletionList for the cursor at offset, in the negotiated encoding
 * and the client's capabilities (s->enc, s->caps); json_null() when nothing
 * fits. Returns a new reference. */
json_t *complete_at(server_t *s, ws_doc_t *doc, size_t offset);

/* textDocument/completion handler (ctx is the server_t). */
json_t *complete_request(void *ctx, rpc_req_t *req, json_t *params);
/* completionProvider in the ServerCapabilities object caps. */
/* completionItem/resolve handler: adds a document item's documentation
 * (sent lazily to clients that resolve it; see complete.c). Returns a new
 * item; ctx is the server_t. */
json_t *complete_resolve_request(void *ctx, rpc_req_t *req, json_t *params);
void complete_capabilities(const server_t *s, json_t *caps);

#endif
