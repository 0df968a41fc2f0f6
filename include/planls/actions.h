/* actions: textDocument/codeAction and codeAction/resolve (DESIGN §3) —
 * the quick fixes of the rule catalogue (PL002 create START-HERE/README,
 * PL004 renumber a duplicate, PL011 insert a header field, PL012/PL013
 * replace a value, PL020 insert a template section, PL044 add a navigation
 * row, PL046 fix the Next Phase link) and the source actions "Insert all
 * missing template sections" and "Create next plan".
 *
 * Also the WorkspaceEdit builder and the link rewriting shared with rename:
 * every change is a WorkspaceEdit the client applies (documentChanges with
 * versions when the client declares them or when resource operations are
 * needed, else `changes`); files are never written here. */
#ifndef PLANLS_ACTIONS_H
#define PLANLS_ACTIONS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"
#include "planls/workspace.h"

#define ACTIONS_KIND_QUICKFIX "quickfix"
#define ACTIONS_KIND_INSERT_SECTIONS "source.planls.insertSections"
#define ACTIONS_KIND_CREATE_PLAN "source.planls.createPlan"

/* ---- WorkspaceEdit builder ------------------------------------------------ */

/* Collects text edits (byte spans of workspace documents, converted to LSP
 * ranges in s->enc), file creations and renames, in order. Caller frees with
 * actions_edit_free(). */
typedef struct actions_edit actions_edit_t;

actions_edit_t *actions_edit_new(const server_t *s);
void actions_edit_free(actions_edit_t *e);
/* Replace doc's bytes [start, end) with text[0..len). Edits of one
 * document must not overlap (an overlapping one is dropped); insertions at
 * one offset keep their call order. All edits of a document go into one
 * TextDocumentEdit, placed where its first edit was made. */
void actions_edit_replace(actions_edit_t *e, const ws_doc_t *doc, uint32_t start, uint32_t end,
                          const char *text, size_t len);
/* Create the file at path (absolute) holding text: a CreateFile followed
 * by an insertion (version null). Only for clients with resource
 * operations "create" (s->caps.create_files). */
void actions_edit_create(actions_edit_t *e, const char *path, const char *text, size_t len);
/* Rename a file (RenameFile). Edits of the renamed document must be made
 * before this call (they refer to the old URI). Only for clients with
 * resource operations "rename". */
void actions_edit_rename(actions_edit_t *e, const char *old_path, const char *new_path);
bool actions_edit_is_empty(const actions_edit_t *e);
/* The WorkspaceEdit (new reference): documentChanges when the client
 * declares them or the edit holds resource operations, else changes. Sorts
 * the collected edits (e stays usable). */
json_t *actions_edit_json(actions_edit_t *e);

/* ---- link rewriting ------------------------------------------------------- */

/* One file (or folder, with is_dir) moving from `from` to `to` (absolute,
 * normalised). Optional relabelling of links to it: labels "Phase N: T"
 * with N == old_number become "Phase new_number: T" (old_number >= 0), and
 * with T equal to old_title (case-insensitive) "Phase N: new_title". */
typedef struct actions_move {
    const char *from, *to;
    bool is_dir;
    int old_number, new_number;        /* -1 when the number stays */
    const char *old_title, *new_title; /* NULL when the title stays */
} actions_move_t;

/* Add to e the text edits that keep every relative link of the workspace
 * pointing at the moved files: targets recomputed from each linking
 * document's directory (and from the moved documents' new directories for
 * their own links), anchors kept, a label naming the old file name or path
 * renamed with it, and "Phase N: Title" labels and table cells of the
 * linking row relabelled as the moves say. Edits use the documents' current
 * (pre-rename) URIs. */
void actions_edit_links(server_t *s, actions_edit_t *e, const actions_move_t *moves,
                        size_t n_moves);

/* Kebab-case of a title for a plan file name ("Query Parser v2!" ->
 * "query-parser-v2"); NULL when nothing is left. Caller frees. */
char *actions_kebab(const char *title);

/* ---- code actions ----------------------------------------------------------- */

/* CodeAction[] for params (CodeActionParams) on doc (its model synced):
 * quick fixes for the planls diagnostics of params.context.diagnostics
 * (matched to the server's own findings by code and start line, never by
 * exact range), then the source actions, filtered by context.only. Source
 * actions carry `data` instead of `edit` when the client resolves edits.
 * New reference (an empty array when nothing applies). */
json_t *actions_for(server_t *s, ws_doc_t *doc, json_t *params);
/* codeAction/resolve: the action with its edit. NULL (req failed) when the
 * action is not one of ours or its document is gone. New reference. */
json_t *actions_resolve(server_t *s, rpc_req_t *req, json_t *action);

/* Handlers (ctx is the server_t). */
json_t *actions_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *actions_resolve_request(void *ctx, rpc_req_t *req, json_t *params);
/* codeActionProvider (kinds and resolveProvider when the client takes
 * CodeAction literals, else true). */
void actions_capabilities(const server_t *s, json_t *caps);

#endif
