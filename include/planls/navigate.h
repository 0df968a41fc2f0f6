/* navigate: textDocument/definition, references, hover and documentLink
 * (DESIGN §3). A cursor names a plan through a `Phase N` reference, a link
 * whose target resolves to a plan, a table row that names a phase, or the
 * plan's own H1; links to other documents navigate to the file or to the
 * heading of their #anchor, across folders too. Reads the in-memory model
 * only (ws_doc_load brings in a Markdown file outside every planning folder
 * once, when a link leads there). */
#ifndef PLANLS_NAVIGATE_H
#define PLANLS_NAVIGATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"
#include "planls/workspace.h"

/* Location[] for the cursor at offset of doc, or json_null() when it is on
 * nothing navigable. New reference. */
json_t *nav_definition(server_t *s, ws_doc_t *doc, size_t offset);
/* Location[] of every reference to the plan named at offset: links and
 * `Phase N` mentions in its folder, links from other folders and documents,
 * and the plan's H1 first when include_decl. json_null() when the cursor
 * names no plan. New reference. */
json_t *nav_references(server_t *s, ws_doc_t *doc, size_t offset, bool include_decl);
/* Hover (MarkupContent in markdown or plaintext after s->caps) for a phase
 * reference or a link, or json_null(). New reference. */
json_t *nav_hover(server_t *s, ws_doc_t *doc, size_t offset);
/* DocumentLink[] of every relative link whose target exists. New reference. */
json_t *nav_document_links(server_t *s, ws_doc_t *doc);

/* Handlers (ctx is the server_t). */
json_t *nav_definition_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *nav_references_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *nav_hover_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *nav_document_links_request(void *ctx, rpc_req_t *req, json_t *params);
/* definitionProvider, referencesProvider, hoverProvider, documentLinkProvider. */
void nav_capabilities(const server_t *s, json_t *caps);

#endif
