/* server: the language server's context — lifecycle, client capabilities,
 * configuration, document sync and the scheduling of diagnostics. Feature
 * modules (diagnostics, completion, navigation, symbols, actions) receive
 * the server context; nothing reaches for globals. */
#ifndef PLANLS_SERVER_H
#define PLANLS_SERVER_H

#include <jansson.h>
#include <stdbool.h>
#include <uv.h>

#include "planls/config.h"
#include "planls/jsonrpc.h"
#include "planls/log.h"
#include "planls/map.h"
#include "planls/text.h"
#include "planls/transport.h"
#include "planls/workspace.h"

/* What the client said it supports (never decided by its name). */
typedef struct server_caps {
    bool snippets;            /* completion snippetSupport */
    bool pull_diagnostics;    /* textDocument.diagnostic */
    bool diag_refresh;        /* workspace.diagnostics.refreshSupport */
    bool related_info;        /* publishDiagnostics.relatedInformation */
    bool diag_version;        /* publishDiagnostics.versionSupport */
    bool watch_dynamic;       /* didChangeWatchedFiles dynamicRegistration */
    bool work_done_progress;  /* window.workDoneProgress */
    bool configuration;       /* workspace.configuration */
    bool document_changes;    /* workspaceEdit.documentChanges */
    bool create_files;        /* resourceOperations contains "create" */
    bool rename_files;        /* resourceOperations contains "rename" */
    bool action_literals;     /* codeActionLiteralSupport */
    bool action_resolve;      /* codeAction resolveSupport.properties has "edit" */
    bool prepare_rename;      /* rename.prepareSupport */
    bool hierarchical_symbols;/* documentSymbol hierarchicalDocumentSymbolSupport */
    bool markdown_hover;      /* hover contentFormat has markdown */
    bool completion_label_details;
    bool completion_edit_range;/* completionList.itemDefaults has "editRange" */
    bool completion_default_data;/* completionList.itemDefaults has "data" */
    bool completion_resolve_docs;/* completionItem.resolveSupport has "documentation" */
} server_caps_t;

typedef struct server_opts {
    log_level_t log_level;
    int in_fd, out_fd;
    int threads;              /* scan threads: 0 = libuv pool */
} server_opts_t;

typedef struct diag_state diag_state_t;

typedef struct server {
    uv_loop_t *loop;
    log_t log;
    transport_t *transport;
    rpc_t *rpc;
    ws_t *ws;                 /* NULL until initialize */
    char *root;               /* workspace root path */
    text_enc_t enc;           /* negotiated position encoding */
    server_caps_t caps;
    /* Configuration sources, merged in this order into cfg. */
    json_t *cfg_init;         /* initializationOptions (object or NULL) */
    json_t *cfg_client;       /* workspace/configuration answer (or NULL) */
    char *cfg_file_error;     /* last `.planls.json` problem, NULL if fine */
    int cfg_file_line, cfg_file_col;
    bool cfg_problem_shown;   /* a config diagnostic is on the client */
    config_t cfg;
    uint64_t cfg_gen;         /* bumped when cfg changes */
    /* Edited documents waiting for a reparse (batched per input batch). */
    ws_doc_t **stale;
    size_t n_stale, cap_stale;
    diag_state_t *diags;
    uv_idle_t flush_idle;     /* runs once after a batch: reparse, diagnose */
    bool flush_pending;
    int threads;              /* scan threads (server_opts_t.threads) */
    bool progress_begun, progress_done;
    size_t progress_pct;
    bool initialized;         /* `initialized` received */
    bool exiting;
    int exit_code;
} server_t;

/* Run the language server on opts->in_fd/out_fd until `exit` or EOF.
 * Returns the process exit code. */
int server_run(const server_opts_t *opts);

/* Reparse every document edited since the last call. Feature handlers call
 * it before reading the model. */
void server_sync(server_t *s);
/* Ask for a flush (reparse + diagnostics) once the current batch is done. */
void server_schedule(server_t *s);
/* Whether the client is behind on reading: more than TRANSPORT_LOW_WATER
 * bytes of output wait. Producers of bulk output (a folder's diagnostics)
 * then stop and call server_schedule_when_drained(). */
bool server_output_backlog(const server_t *s);
/* server_schedule() once the client has read the backlog (at once when
 * there is no transport): no loop turn is spent waiting. */
void server_schedule_when_drained(server_t *s);
/* The document a request names by params.textDocument.uri, synced; NULL
 * (and -32602 set on req) when the field is missing, or NULL with a
 * RequestFailed error when the document is unknown. */
ws_doc_t *server_doc_param(server_t *s, rpc_req_t *req, json_t *params);
/* LSP Range JSON for a byte span of doc, in the negotiated encoding. */
json_t *server_range(const server_t *s, const ws_doc_t *doc, uint32_t start, uint32_t end);
/* params.position -> byte offset in doc (clamped); false + -32602 on bad
 * params. */
bool server_offset_param(server_t *s, rpc_req_t *req, json_t *params, const ws_doc_t *doc,
                         size_t *offset);

#endif
