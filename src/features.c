/* features: the registry of LSP feature modules. Lists the methods they
 * implement and the capabilities they advertise; holds no logic itself.
 * To add a module: its methods go in `methods`, its capabilities function
 * in `capability_fns`, so that a capability exists exactly with its handler. */
#include "planls/features.h"

#include "planls/actions.h"
#include "planls/complete.h"
#include "planls/navigate.h"
#include "planls/rename.h"
#include "planls/symbols.h"
#include "planls/util.h"

static const rpc_method_t methods[] = {
    /* complete.c */
    {"textDocument/completion", complete_request, NULL},
    {"completionItem/resolve", complete_resolve_request, NULL},
    /* navigate.c */
    {"textDocument/definition", nav_definition_request, NULL},
    {"textDocument/references", nav_references_request, NULL},
    {"textDocument/hover", nav_hover_request, NULL},
    {"textDocument/documentLink", nav_document_links_request, NULL},
    /* symbols.c */
    {"textDocument/documentSymbol", symbols_document_request, NULL},
    {"workspace/symbol", symbols_workspace_request, NULL},
    {"textDocument/foldingRange", symbols_folding_request, NULL},
    /* actions.c */
    {"textDocument/codeAction", actions_request, NULL},
    {"codeAction/resolve", actions_resolve_request, NULL},
    /* rename.c */
    {"textDocument/prepareRename", rename_prepare_request, NULL},
    {"textDocument/rename", rename_request, NULL},
    {"workspace/willRenameFiles", rename_will_rename_request, NULL},
    {NULL, NULL, NULL},
};

typedef void (*capabilities_fn)(const server_t *s, json_t *caps);

static const capabilities_fn capability_fns[] = {
    complete_capabilities,
    nav_capabilities,
    symbols_capabilities,
    actions_capabilities,
    rename_capabilities,
};

const rpc_method_t *features_methods(void)
{
    return methods;
}

void features_capabilities(const server_t *s, json_t *caps)
{
    for (size_t i = 0; i < UTIL_ARRAY_LEN(capability_fns); i++)
        capability_fns[i](s, caps);
}
