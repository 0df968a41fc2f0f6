/* diagnostics: turns rule findings into LSP diagnostics and delivers them —
 * pushed (textDocument/publishDiagnostics, with versions) or pulled
 * (textDocument/diagnostic with resultIds), whichever the client supports.
 * Findings are computed once per folder change and cached; a burst of edits
 * costs one recompute because the server flushes once per input batch. */
#ifndef PLANLS_DIAGNOSTICS_H
#define PLANLS_DIAGNOSTICS_H

#include <jansson.h>

#include "planls/rules.h"
#include "planls/server.h"

/* Caller frees with diag_free(). */
diag_state_t *diag_new(void);
void diag_free(diag_state_t *ds);

/* The workspace changed: folder (may be NULL) and/or a document outside any
 * folder need fresh diagnostics at the next flush. */
void diag_mark(server_t *s, ws_folder_t *folder, ws_doc_t *doc);
/* Every folder needs fresh diagnostics (configuration changed). */
void diag_mark_all(server_t *s);
/* A document is going away: clear what was published for it. */
void diag_doc_removed(server_t *s, ws_doc_t *doc);
/* Recompute what was marked and publish (push mode) or ask the client to
 * pull again (pull mode with refresh support). */
void diag_flush(server_t *s);

/* The findings of folder, sorted (rule_diags_sort): the ones diagnostics
 * publish, recomputed only when the folder or the configuration changed.
 * Borrowed; valid until the next change of the workspace. */
const rule_diags_t *diag_folder_findings(server_t *s, ws_folder_t *folder);

/* textDocument/diagnostic. */
json_t *diag_pull(server_t *s, rpc_req_t *req, json_t *params);

/* One finding as an LSP Diagnostic (new reference). */
json_t *diag_to_lsp(const server_t *s, const rule_diag_t *d);

#endif
