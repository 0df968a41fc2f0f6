/* rename: textDocument/prepareRename, textDocument/rename and
 * workspace/willRenameFiles (DESIGN §3). Renaming a link's target renames
 * the linked document (its path relative to the linking document);
 * renaming a plan's H1 title renames the plan file to
 * `NN-kebab-of-title-plan.md` and updates the title. Either way every
 * relative link to the file across the workspace is rewritten (anchors
 * kept), as it is when the client announces file renames of its own.
 *
 * Everything is a WorkspaceEdit (a RenameFile operation only for clients
 * with resource operation "rename"); no file is ever written here. */
#ifndef PLANLS_RENAME_H
#define PLANLS_RENAME_H

#include <jansson.h>
#include <stddef.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"
#include "planls/workspace.h"

/* {range, placeholder} of what a rename at offset of doc would rename, or
 * json_null() when nothing there can be renamed. NULL (req failed) when
 * it would need a file rename the client cannot do. New reference. */
json_t *rename_prepare(server_t *s, rpc_req_t *req, ws_doc_t *doc, size_t offset);
/* The WorkspaceEdit renaming what is at offset to new_name (a path for a
 * link target, a title for a plan's H1). NULL (req failed, with a message
 * for the user) when nothing is renameable there, the name is unusable, the
 * new file exists, or the client cannot rename files. New reference. */
json_t *rename_at(server_t *s, rpc_req_t *req, ws_doc_t *doc, size_t offset, const char *new_name);
/* workspace/willRenameFiles: files is the params' FileRename[] array
 * ({oldUri, newUri}: files or folders). The WorkspaceEdit updating the
 * links to (and from) the renamed files, or json_null() when none needs
 * to change. New reference. */
json_t *rename_will_rename(server_t *s, json_t *files);

/* Handlers (ctx is the server_t). */
json_t *rename_prepare_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *rename_request(void *ctx, rpc_req_t *req, json_t *params);
json_t *rename_will_rename_request(void *ctx, rpc_req_t *req, json_t *params);
/* renameProvider (with prepareProvider when the client supports it) and
 * workspace.fileOperations.willRename for every Markdown file. */
void rename_capabilities(const server_t *s, json_t *caps);

#endif
