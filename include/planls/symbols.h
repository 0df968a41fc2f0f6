/* symbols: textDocument/documentSymbol (the heading outline, nested; a
 * plan's header fields as children of its H1), workspace/symbol (every phase
 * of every planning folder, fuzzy query) and textDocument/foldingRange
 * (sections by heading, tables, lists, fenced code). Reads the in-memory
 * model only. */
#ifndef PLANLS_SYMBOLS_H
#define PLANLS_SYMBOLS_H

#include <jansson.h>
#include <stdbool.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"
#include "planls/workspace.h"

/* LSP SymbolKind values used. */
#define SYMBOLS_KIND_MODULE 2   /* a phase (workspace symbols) */
#define SYMBOLS_KIND_PROPERTY 7 /* a header field */
#define SYMBOLS_KIND_STRING 15  /* a heading (as VS Code's Markdown does) */

/* True when every character of pattern occurs in text in order, ASCII case
 * ignored (an empty pattern matches everything). */
bool symbols_fuzzy_match(const char *pattern, const char *text);

/* DocumentSymbol[] (s->caps.hierarchical_symbols) or SymbolInformation[]
 * for doc. New reference. */
json_t *symbols_document(server_t *s, ws_doc_t *doc);
/* SymbolInformation[] of every plan of every folder whose name (H1) or file
 * name matches query fuzzily, sorted by folder name then phase. New
 * reference. */
json_t *symbols_workspace(server_t *s, const char *query);
/* FoldingRange[] of doc, sorted by start line. New reference. */
json_t *symbols_folding(server_t *s, ws_doc_t *doc);

/* Handlers (ctx is the server_t). */
json_t *symbols_document_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *symbols_workspace_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *symbols_folding_request(void *ctx, rpc_req_t *req, json_t *params);
/* documentSymbolProvider, workspaceSymbolProvider, foldingRangeProvider. */
void symbols_capabilities(const server_t *s, json_t *caps);

#endif
