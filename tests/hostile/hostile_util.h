/* hostile_util: workspace builders shared by the hostile-input tests. */
#ifndef PLANLS_HOSTILE_UTIL_H
#define PLANLS_HOSTILE_UTIL_H

#include <jansson.h>
#include <stddef.h>

#include "lsp_client.h"

/* The examples/ planning folder, relative to a workspace root. */
#define HX_FOLDER ".engineering/artifacts/planning/2026-03-02-search-platform"

/* Copy examples/ (its planning folder) into the workspace. */
void hx_copy_examples(const lc_t *c);
/* The text of a file of examples/'s planning folder. Caller frees. */
char *hx_example(const char *name, size_t *len);
/* Capabilities of a modern client: utf-16, versioned diagnostics, related
 * information, snippets, dynamic watch registration (so that the server
 * does not watch by itself). New reference. */
json_t *hx_caps(void);
/* The diagnostics array of a publishDiagnostics params with its codes and
 * ranges only, sorted: for comparing two servers. New reference. */
json_t *hx_diag_summary(const json_t *params);
/* Read until the requests first..last (ids sent in that order) are each
 * answered once with a result, in order; notifications and server requests
 * in between are skipped. Fails the test otherwise. */
void hx_expect_answers(lc_t *c, int first, int last);

#endif
