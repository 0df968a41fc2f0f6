/* features: the registry of LSP feature modules (completion, navigation,
 * symbols, code actions). Each module contributes its methods to the
 * server's dispatch table and its capabilities to the initialize result, so
 * a capability is advertised exactly when its handler exists. */
#ifndef PLANLS_FEATURES_H
#define PLANLS_FEATURES_H

#include <jansson.h>

#include "planls/jsonrpc.h"
#include "planls/server.h"

/* Every feature method, ending with a {NULL} entry. Static storage. */
const rpc_method_t *features_methods(void);
/* Add the features' entries to the ServerCapabilities object caps. */
void features_capabilities(const server_t *s, json_t *caps);

#endif
