/* server: lifecycle, capabilities, configuration and document sync of the
 * language server. It wires transport -> jsonrpc -> handlers, keeps the
 * workspace model fresh and schedules one flush (reparse + diagnostics) per
 * input batch. It never writes the user's files and never prints to stdout
 * except through the transport. */
#include "planls/server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "planls/diagnostics.h"
#include "planls/features.h"
#include "planls/util.h"

#define SERVER_MAX_MESSAGE (64u << 20)
#define CONFIG_FILE ".planls.json"

/* ---- helpers shared with feature modules -------------------------------- */

json_t *server_range(const server_t *s, const ws_doc_t *doc, uint32_t start, uint32_t end)
{
    text_range_t r = text_range_at(doc->text, start, end, s->enc);
    return json_pack("{s:{s:i,s:i},s:{s:i,s:i}}", "start", "line", (json_int_t)r.start.line,
                     "character", (json_int_t)r.start.character, "end", "line",
                     (json_int_t)r.end.line, "character", (json_int_t)r.end.character);
}

void server_sync(server_t *s)
{
    for (size_t i = 0; i < s->n_stale; i++) {
        ws_doc_t *d = s->stale[i];
        if (d->stale)
            ws_doc_changed(s->ws, d, d->version);
    }
    s->n_stale = 0;
}

ws_doc_t *server_doc_param(server_t *s, rpc_req_t *req, json_t *params)
{
    const char *uri = rpc_param_str(req, params, "textDocument.uri");
    if (!uri)
        return NULL;
    if (!s->ws) {
        rpc_req_fail(req, RPC_REQUEST_FAILED, "no workspace");
        return NULL;
    }
    server_sync(s);
    ws_doc_t *d = ws_doc_by_uri(s->ws, uri);
    if (!d || !d->text || !d->md) {
        rpc_req_fail(req, RPC_REQUEST_FAILED, "unknown document: %s (open it first)", uri);
        return NULL;
    }
    return d;
}

bool server_offset_param(server_t *s, rpc_req_t *req, json_t *params, const ws_doc_t *doc,
                         size_t *offset)
{
    unsigned line, ch;
    if (!rpc_param_u32(req, params, "position.line", &line) ||
        !rpc_param_u32(req, params, "position.character", &ch))
        return false;
    text_pos_t p = {line, ch};
    *offset = text_offset_at(doc->text, p, s->enc);
    return true;
}

/* ---- scheduling ----------------------------------------------------------- */

static void flush_cb(uv_idle_t *h)
{
    server_t *s = h->data;
    uv_idle_stop(h);
    s->flush_pending = false;
    if (s->exiting || !s->ws)
        return;
    server_sync(s);
    diag_flush(s);
}

void server_schedule(server_t *s)
{
    if (s->flush_pending || s->exiting)
        return;
    s->flush_pending = true;
    uv_idle_start(&s->flush_idle, flush_cb);
}

bool server_output_backlog(const server_t *s)
{
    return s->transport && transport_pending(s->transport) > TRANSPORT_LOW_WATER;
}

static void on_transport_drained(void *ud)
{
    server_schedule(ud);
}

void server_schedule_when_drained(server_t *s)
{
    if (s->transport && !transport_output_closed(s->transport))
        transport_when_drained(s->transport, on_transport_drained);
    else if (!s->transport)
        server_schedule(s);
}

/* ---- configuration ---------------------------------------------------------- */

/* Report a `.planls.json` problem on the file itself; clear it once fixed.
 * Nothing is sent while there never was a problem. */
static void publish_config_problem(server_t *s)
{
    if (!s->root || !s->initialized)
        return;
    if (!s->cfg_file_error && !s->cfg_problem_shown)
        return;
    s->cfg_problem_shown = s->cfg_file_error != NULL;
    char *path = xasprintf("%s/%s", s->root, CONFIG_FILE);
    char *uri = ws_path_to_uri(path);
    json_t *diags = json_array();
    if (s->cfg_file_error) {
        int line = s->cfg_file_line > 0 ? s->cfg_file_line - 1 : 0;
        int col = s->cfg_file_col > 0 ? s->cfg_file_col - 1 : 0;
        json_array_append_new(
            diags, json_pack("{s:{s:{s:i,s:i},s:{s:i,s:i}},s:i,s:s,s:s,s:s}", "range", "start",
                             "line", line, "character", col, "end", "line", line, "character",
                             col + 1, "severity", 1, "source", "planls", "code", "config",
                             "message", s->cfg_file_error));
    }
    rpc_notify(s->rpc, "textDocument/publishDiagnostics",
               json_pack("{s:s,s:o}", "uri", uri, "diagnostics", diags));
    free(uri);
    free(path);
}

/* Rebuild s->cfg from every source: defaults, `.planls.json`,
 * initializationOptions, workspace/configuration (later wins). A bad source
 * is reported and skipped; the others still apply. */
static void config_reload(server_t *s)
{
    config_t cfg;
    config_init(&cfg);
    free(s->cfg_file_error);
    s->cfg_file_error = NULL;
    s->cfg_file_line = s->cfg_file_col = 0;
    if (s->root) {
        char *path = xasprintf("%s/%s", s->root, CONFIG_FILE);
        char *text = NULL;
        size_t len = 0;
        int rc = util_read_file(path, 1u << 20, &text, &len);
        if (rc == 0) {
            char *err = NULL;
            if (config_merge_text(&cfg, text, len, &err, &s->cfg_file_line, &s->cfg_file_col) < 0) {
                log_warn(&s->log, "%s: %s (defaults kept)", path, err);
                s->cfg_file_error = err;
            }
        } else if (rc != -ENOENT) {
            s->cfg_file_error = xasprintf("cannot read %s: %s", CONFIG_FILE, strerror(-rc));
            log_warn(&s->log, "%s", s->cfg_file_error);
        }
        free(text);
        free(path);
    }
    char *err = NULL;
    if (s->cfg_init && config_merge(&cfg, s->cfg_init, &err) < 0) {
        log_warn(&s->log, "initializationOptions ignored: %s", err);
        free(err);
        err = NULL;
    }
    if (s->cfg_client && config_merge(&cfg, s->cfg_client, &err) < 0) {
        log_warn(&s->log, "workspace configuration ignored: %s", err);
        free(err);
    }
    /* Editors resend unchanged settings (VS Code: didChangeConfiguration
     * after `initialized`, then the workspace/configuration answer): an
     * unchanged configuration must not relink and re-diagnose everything. */
    if (config_equal(&cfg, &s->cfg) && s->cfg_gen > 0) {
        config_free(&cfg);
        publish_config_problem(s);
        return;
    }
    config_free(&s->cfg);
    s->cfg = cfg;
    s->cfg_gen++;
    if (s->ws) {
        ws_set_config(s->ws, &s->cfg);
        diag_mark_all(s);
    }
    publish_config_problem(s);
}

static void on_configuration(void *ud, json_t *result, json_t *error)
{
    server_t *s = ud;
    if (error || !json_is_array(result))
        return;
    json_t *c = json_array_get(result, 0);
    /* Neovim answers null although it never declared the capability. */
    if (!json_is_object(c))
        return;
    json_decref(s->cfg_client);
    s->cfg_client = json_incref(c);
    config_reload(s);
}

static void request_configuration(server_t *s)
{
    if (!s->caps.configuration)
        return;
    rpc_request(s->rpc, "workspace/configuration",
                json_pack("{s:[{s:s}]}", "items", "section", "planls"), on_configuration, s);
}

/* ---- workspace callbacks ------------------------------------------------- */

static void on_ws_change(void *ud, ws_folder_t *folder, ws_doc_t *doc)
{
    server_t *s = ud;
    diag_mark(s, folder, doc);
}

static void on_ws_remove(void *ud, ws_doc_t *doc)
{
    server_t *s = ud;
    for (size_t i = 0; i < s->n_stale; i++)
        if (s->stale[i] == doc) {
            s->stale[i] = s->stale[--s->n_stale];
            break;
        }
    diag_doc_removed(s, doc);
}

static void on_ws_file(void *ud, const char *path, int type)
{
    server_t *s = ud;
    if (!s->root)
        return;
    char *cfg = xasprintf("%s/%s", s->root, CONFIG_FILE);
    if (strcmp(cfg, path) == 0) {
        log_info(&s->log, "%s changed, reloading configuration", CONFIG_FILE);
        config_reload(s);
    }
    free(cfg);
}

/* ---- progress ------------------------------------------------------------------- */

static void progress_send(server_t *s, json_t *value)
{
    rpc_notify(s->rpc, "$/progress",
               json_pack("{s:s,s:o}", "token", "planls/index", "value", value));
}

static void on_progress_created(void *ud, json_t *result, json_t *error)
{
    server_t *s = ud;
    if (error || s->progress_done)
        return;
    s->progress_begun = true;
    progress_send(s, json_pack("{s:s,s:s,s:b,s:i}", "kind", "begin", "title",
                               "Indexing planning folders", "cancellable", 0, "percentage", 0));
}

static void on_scan_progress(void *ud, size_t done, size_t total)
{
    server_t *s = ud;
    if (!s->progress_begun || total == 0)
        return;
    size_t pct = done * 100 / total;
    if (pct == s->progress_pct)
        return;
    s->progress_pct = pct;
    char msg[64];
    snprintf(msg, sizeof(msg), "%zu/%zu folders", done, total);
    progress_send(s, json_pack("{s:s,s:s,s:i}", "kind", "report", "message", msg, "percentage",
                               (int)pct));
}

static void on_scan_done(void *ud, size_t n_folders, size_t n_docs, double ms)
{
    server_t *s = ud;
    s->progress_done = true;
    if (s->progress_begun) {
        char msg[96];
        snprintf(msg, sizeof(msg), "%zu folders, %zu documents", n_folders, n_docs);
        progress_send(s, json_pack("{s:s,s:s}", "kind", "end", "message", msg));
    }
    diag_mark_all(s);
}

/* ---- lifecycle handlers -------------------------------------------------- */

static bool get_bool(json_t *root, const char *path)
{
    return json_is_true(rpc_get(root, path));
}

static bool array_has(json_t *arr, const char *value)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0)
            return true;
    }
    return false;
}

static void read_caps(server_t *s, json_t *c)
{
    server_caps_t *k = &s->caps;
    memset(k, 0, sizeof(*k));
    if (!json_is_object(c))
        return;
    k->snippets = get_bool(c, "textDocument.completion.completionItem.snippetSupport");
    json_t *defaults = rpc_get(c, "textDocument.completion.completionList.itemDefaults");
    k->completion_edit_range = json_is_array(defaults) && array_has(defaults, "editRange");
    k->completion_default_data = json_is_array(defaults) && array_has(defaults, "data");
    json_t *lazy = rpc_get(c, "textDocument.completion.completionItem.resolveSupport.properties");
    k->completion_resolve_docs = json_is_array(lazy) && array_has(lazy, "documentation");
    k->completion_label_details =
        get_bool(c, "textDocument.completion.completionItem.labelDetailsSupport");
    k->pull_diagnostics = json_is_object(rpc_get(c, "textDocument.diagnostic"));
    k->diag_refresh = get_bool(c, "workspace.diagnostics.refreshSupport");
    k->related_info = get_bool(c, "textDocument.publishDiagnostics.relatedInformation");
    k->diag_version = get_bool(c, "textDocument.publishDiagnostics.versionSupport");
    k->watch_dynamic = get_bool(c, "workspace.didChangeWatchedFiles.dynamicRegistration");
    k->work_done_progress = get_bool(c, "window.workDoneProgress");
    k->configuration = get_bool(c, "workspace.configuration");
    k->document_changes = get_bool(c, "workspace.workspaceEdit.documentChanges");
    json_t *ops = rpc_get(c, "workspace.workspaceEdit.resourceOperations");
    k->create_files = json_is_array(ops) && array_has(ops, "create");
    k->rename_files = json_is_array(ops) && array_has(ops, "rename");
    k->action_literals = json_is_object(rpc_get(c, "textDocument.codeAction.codeActionLiteralSupport"));
    json_t *props = rpc_get(c, "textDocument.codeAction.resolveSupport.properties");
    k->action_resolve = json_is_array(props) && array_has(props, "edit");
    k->prepare_rename = get_bool(c, "textDocument.rename.prepareSupport");
    k->hierarchical_symbols =
        get_bool(c, "textDocument.documentSymbol.hierarchicalDocumentSymbolSupport");
    json_t *fmt = rpc_get(c, "textDocument.hover.contentFormat");
    k->markdown_hover = json_is_array(fmt) && array_has(fmt, "markdown");

    /* Position encoding: byte offsets are native to us, so prefer utf-8. */
    s->enc = TEXT_ENC_UTF16;
    json_t *encs = rpc_get(c, "general.positionEncodings");
    if (json_is_array(encs)) {
        if (array_has(encs, "utf-8"))
            s->enc = TEXT_ENC_UTF8;
        else if (!array_has(encs, "utf-16") && array_has(encs, "utf-32"))
            s->enc = TEXT_ENC_UTF32;
    }
}

/* The workspace root from rootUri, workspaceFolders or rootPath. */
static char *root_from_params(json_t *params)
{
    json_t *v = json_object_get(params, "rootUri");
    if (json_is_string(v))
        return ws_uri_to_path(json_string_value(v));
    json_t *folders = json_object_get(params, "workspaceFolders");
    if (json_is_array(folders) && json_array_size(folders) > 0) {
        json_t *uri = json_object_get(json_array_get(folders, 0), "uri");
        if (json_is_string(uri))
            return ws_uri_to_path(json_string_value(uri));
    }
    v = json_object_get(params, "rootPath");
    if (json_is_string(v) && json_string_value(v)[0] == '/')
        return ws_path_normalize(json_string_value(v));
    return NULL;
}

static json_t *h_initialize(void *ctx, rpc_req_t *req, json_t *params)
{
    server_t *s = ctx;
    if (!json_is_object(params))
        return rpc_req_fail(req, RPC_INVALID_PARAMS, "invalid params: initialize needs an object");
    json_t *caps = json_object_get(params, "capabilities");
    if (caps && !json_is_object(caps))
        return rpc_req_fail(req, RPC_INVALID_PARAMS,
                            "invalid params: 'capabilities' must be an object");
    read_caps(s, caps);
    json_t *opts = json_object_get(params, "initializationOptions");
    if (json_is_object(opts))
        s->cfg_init = json_incref(opts);
    s->root = root_from_params(params);
    config_reload(s);

    char cwd[4096];
    const char *root = s->root ? s->root : (getcwd(cwd, sizeof(cwd)) ? cwd : "/");
    s->ws = ws_new(s->loop, root, &s->cfg, &s->log);
    ws_set_callbacks(s->ws, on_ws_change, on_ws_remove, s);
    ws_set_file_hook(s->ws, on_ws_file, s);

    json_t *sync = json_pack("{s:b,s:i,s:{s:b}}", "openClose", 1, "change", 2, "save",
                             "includeText", 0);
    json_t *capabilities = json_object();
    json_object_set_new(capabilities, "positionEncoding", json_string(text_enc_name(s->enc)));
    json_object_set_new(capabilities, "textDocumentSync", sync);
    json_object_set_new(capabilities, "diagnosticProvider",
                        json_pack("{s:s,s:b,s:b}", "identifier", "planls", "interFileDependencies",
                                  1, "workspaceDiagnostics", 0));
    features_capabilities(s, capabilities);
    return json_pack("{s:o,s:{s:s,s:s}}", "capabilities", capabilities, "serverInfo", "name",
                     "planls", "version", PLANLS_VERSION);
}

static void log_sink(void *ud, log_level_t level, const char *msg)
{
    server_t *s = ud;
    if (!s->rpc || !rpc_is_initialized(s->rpc) || s->exiting)
        return;
    rpc_notify(s->rpc, "window/logMessage", json_pack("{s:i,s:s}", "type", (int)level, "message", msg));
}

static void register_watchers(server_t *s)
{
    json_t *watchers = json_pack("[{s:s},{s:s}]", "globPattern", "**/*.md", "globPattern",
                                 "**/" CONFIG_FILE);
    json_t *reg = json_pack("{s:[{s:s,s:s,s:{s:o}}]}", "registrations", "id",
                            "planls-watch", "method", "workspace/didChangeWatchedFiles",
                            "registerOptions", "watchers", watchers);
    rpc_request(s->rpc, "client/registerCapability", reg, NULL, NULL);
}

static void n_initialized(void *ctx, json_t *params)
{
    server_t *s = ctx;
    if (s->initialized)
        return;
    s->initialized = true;
    s->log.sink = log_sink;
    s->log.sink_ud = s;
    publish_config_problem(s);
    request_configuration(s);
    /* Neovim 0.7 declares no dynamic registration for watched files: then we
     * watch ourselves. */
    if (s->caps.watch_dynamic)
        register_watchers(s);
    if (s->caps.work_done_progress)
        rpc_request(s->rpc, "window/workDoneProgress/create",
                    json_pack("{s:s}", "token", "planls/index"), on_progress_created, s);
    if (s->root) {
        ws_scan(s->ws, s->threads, on_scan_progress, on_scan_done, s);
        if (!s->caps.watch_dynamic)
            ws_watch(s->ws);
    } else {
        on_scan_done(s, 0, 0, 0);
    }
}

static json_t *h_shutdown(void *ctx, rpc_req_t *req, json_t *params)
{
    return json_null();
}

static void on_exit_msg(void *ctx, int code)
{
    server_t *s = ctx;
    s->exit_code = code;
    s->exiting = true;
    uv_stop(s->loop);
}

/* ---- text document sync ---------------------------------------------------- */

static const char *doc_uri(json_t *params)
{
    json_t *uri = rpc_get(params, "textDocument.uri");
    return json_is_string(uri) ? json_string_value(uri) : NULL;
}

static void n_did_open(void *ctx, json_t *params)
{
    server_t *s = ctx;
    const char *uri = doc_uri(params);
    json_t *text = rpc_get(params, "textDocument.text");
    json_t *version = rpc_get(params, "textDocument.version");
    if (!uri || !json_is_string(text)) {
        log_warn(&s->log, "didOpen ignored: 'textDocument.uri' and 'textDocument.text' must be strings");
        return;
    }
    char *path = ws_uri_to_path(uri);
    if (!path) {
        log_info(&s->log, "didOpen: %s is not a file URI, not modelled", uri);
        return;
    }
    ws_open(s->ws, path, json_string_value(text), json_string_length(text),
            json_is_integer(version) ? (int)json_integer_value(version) : 0);
    free(path);
}

static void mark_stale(server_t *s, ws_doc_t *d)
{
    if (d->stale)
        return;
    d->stale = true;
    UTIL_PUSH(s->stale, s->n_stale, s->cap_stale, d);
}

/* Apply contentChanges in order. A change whose shape is wrong is skipped
 * (logged) but never corrupts the text: ranges are clamped by text_doc_apply. */
static void n_did_change(void *ctx, json_t *params)
{
    server_t *s = ctx;
    const char *uri = doc_uri(params);
    json_t *changes = json_object_get(params, "contentChanges");
    if (!uri || !json_is_array(changes)) {
        log_warn(&s->log, "didChange ignored: needs 'textDocument.uri' and 'contentChanges' array");
        return;
    }
    ws_doc_t *d = ws_doc_by_uri(s->ws, uri);
    if (!d || !d->is_open) {
        log_warn(&s->log, "didChange for a document that is not open: %s", uri);
        return;
    }
    size_t i;
    json_t *ch;
    json_array_foreach(changes, i, ch) {
        json_t *text = json_object_get(ch, "text");
        if (!json_is_string(text)) {
            log_warn(&s->log, "didChange: contentChanges[%zu].text must be a string", i);
            continue;
        }
        json_t *range = json_object_get(ch, "range");
        if (!range) {
            text_doc_set(d->text, json_string_value(text), json_string_length(text));
            continue;
        }
        json_t *sl = rpc_get(range, "start.line"), *sc = rpc_get(range, "start.character");
        json_t *el = rpc_get(range, "end.line"), *ec = rpc_get(range, "end.character");
        if (!json_is_integer(sl) || !json_is_integer(sc) || !json_is_integer(el) ||
            !json_is_integer(ec)) {
            log_warn(&s->log, "didChange: contentChanges[%zu].range is malformed, change skipped", i);
            continue;
        }
#define CLAMP_U32(v) ((uint32_t)(json_integer_value(v) < 0 ? 0 : json_integer_value(v) > UINT32_MAX ? UINT32_MAX : json_integer_value(v)))
        text_range_t r = {{CLAMP_U32(sl), CLAMP_U32(sc)}, {CLAMP_U32(el), CLAMP_U32(ec)}};
#undef CLAMP_U32
        text_doc_apply(d->text, r, json_string_value(text), json_string_length(text), s->enc,
                       NULL, NULL);
    }
    json_t *version = rpc_get(params, "textDocument.version");
    if (json_is_integer(version))
        d->version = (int)json_integer_value(version);
    mark_stale(s, d);
    server_schedule(s);
}

static void n_did_save(void *ctx, json_t *params)
{
    server_t *s = ctx;
    const char *uri = doc_uri(params);
    ws_doc_t *d = uri ? ws_doc_by_uri(s->ws, uri) : NULL;
    if (d)
        d->on_disk = true;
}

static void n_did_close(void *ctx, json_t *params)
{
    server_t *s = ctx;
    const char *uri = doc_uri(params);
    ws_doc_t *d = uri ? ws_doc_by_uri(s->ws, uri) : NULL;
    if (!d || !d->is_open) {
        log_warn(&s->log, "didClose for a document that is not open: %s", uri ? uri : "(no uri)");
        return;
    }
    for (size_t i = 0; i < s->n_stale; i++)
        if (s->stale[i] == d) {
            s->stale[i] = s->stale[--s->n_stale];
            break;
        }
    d->stale = false;
    ws_close(s->ws, d);
}

static void n_did_change_watched(void *ctx, json_t *params)
{
    server_t *s = ctx;
    json_t *changes = json_object_get(params, "changes");
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c) {
        json_t *uri = json_object_get(c, "uri"), *type = json_object_get(c, "type");
        if (!json_is_string(uri) || !json_is_integer(type))
            continue;
        char *path = ws_uri_to_path(json_string_value(uri));
        if (path)
            ws_file_event(s->ws, path, (int)json_integer_value(type));
        free(path);
    }
}

/* settings.planls (non-empty) replaces the client's configuration; empty
 * settings mean "keep what you have" (eglot sends {} after initialized);
 * null/absent settings mean "ask me" (pull through workspace/configuration). */
static void n_did_change_configuration(void *ctx, json_t *params)
{
    server_t *s = ctx;
    json_t *settings = json_object_get(params, "settings");
    json_t *mine = json_object_get(settings, "planls");
    if (json_is_object(mine) && json_object_size(mine) > 0) {
        json_decref(s->cfg_client);
        s->cfg_client = json_incref(mine);
        config_reload(s);
    } else if (!settings || json_is_null(settings)) {
        request_configuration(s);
    }
}

static void n_ignore(void *ctx, json_t *params)
{
}

static json_t *h_diagnostic(void *ctx, rpc_req_t *req, json_t *params)
{
    return diag_pull(ctx, req, params);
}

static const rpc_method_t core_methods[] = {
    {"initialize", h_initialize, NULL},
    {"initialized", NULL, n_initialized},
    {"shutdown", h_shutdown, NULL},
    {"textDocument/didOpen", NULL, n_did_open},
    {"textDocument/didChange", NULL, n_did_change},
    {"textDocument/didSave", NULL, n_did_save},
    {"textDocument/didClose", NULL, n_did_close},
    {"workspace/didChangeWatchedFiles", NULL, n_did_change_watched},
    {"workspace/didChangeConfiguration", NULL, n_did_change_configuration},
    {"$/setTrace", NULL, n_ignore},
    {"textDocument/diagnostic", h_diagnostic, NULL},
};

/* The dispatch table: the core methods, then every feature module's.
 * Caller frees. */
static rpc_method_t *build_methods(void)
{
    const rpc_method_t *feat = features_methods();
    size_t nf = 0;
    while (feat[nf].name)
        nf++;
    size_t nc = UTIL_ARRAY_LEN(core_methods);
    rpc_method_t *m = xcalloc(nc + nf + 1, sizeof(*m));
    memcpy(m, core_methods, sizeof(core_methods));
    memcpy(m + nc, feat, nf * sizeof(*m));
    return m;
}

/* ---- transport glue --------------------------------------------------------- */

static void send_msg(void *ud, json_t *msg)
{
    server_t *s = ud;
    if (!s->transport || transport_output_closed(s->transport))
        return; /* nobody to read it: not even serialised */
    char *body = json_dumps(msg, JSON_COMPACT);
    if (!body) {
        log_error(&s->log, "cannot serialise an outgoing message");
        return;
    }
    transport_send(s->transport, body, strlen(body));
    free(body);
}

static void on_transport_msg(void *ud, const char *body, size_t len)
{
    server_t *s = ud;
    rpc_receive(s->rpc, body, len);
}

static void on_transport_batch(void *ud)
{
    server_t *s = ud;
    rpc_process(s->rpc);
}

static void on_transport_close(void *ud, int status)
{
    server_t *s = ud;
    if (s->exiting)
        return;
    if (status != 0)
        log_info(&s->log, "client connection lost: %s", uv_strerror(status));
    else
        log_info(&s->log, "end of input without exit");
    /* No `exit` was received: exit code 1 (as after a missing shutdown). */
    s->exit_code = 1;
    s->exiting = true;
    uv_stop(s->loop);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

int server_run(const server_opts_t *opts)
{
    server_t *s = xcalloc(1, sizeof(*s));
    rpc_method_t *methods = build_methods();
    uv_loop_t loop;
    int rc = 1;
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "planls: cannot create the event loop\n");
        free(methods);
        free(s);
        return 1;
    }
    s->loop = &loop;
    s->threads = opts->threads;
    log_init(&s->log, opts->log_level);
    config_init(&s->cfg);
    s->diags = diag_new();
    uv_idle_init(&loop, &s->flush_idle);
    s->flush_idle.data = s;
    s->rpc = rpc_new(methods, s, send_msg, s, on_exit_msg, &s->log);
    s->transport = transport_new(&loop, opts->in_fd, opts->out_fd, SERVER_MAX_MESSAGE,
                                 on_transport_msg, on_transport_batch, on_transport_close, s,
                                 &s->log);
    if (!s->transport)
        goto done;
    log_info(&s->log, "planls %s ready on stdio", PLANLS_VERSION);
    uv_run(&loop, UV_RUN_DEFAULT);
    rc = s->exit_code;
done:
    /* Orderly teardown: no more output, scan jobs drained, handles closed. */
    s->exiting = true;
    s->log.sink = NULL;
    if (s->transport)
        transport_close(s->transport);
    ws_free(s->ws);
    s->ws = NULL;
    /* Let queued output reach the client (the transport gives up on a
     * reader that never reads), then close what is left (the idle). */
    uv_idle_stop(&s->flush_idle);
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_walk(&loop, close_walk_cb, NULL);
    while (uv_run(&loop, UV_RUN_DEFAULT) != 0)
        ;
    transport_free(s->transport);
    rpc_free(s->rpc);
    diag_free(s->diags);
    uv_loop_close(&loop);
    config_free(&s->cfg);
    json_decref(s->cfg_init);
    json_decref(s->cfg_client);
    free(s->cfg_file_error);
    free(s->stale);
    free(s->root);
    free(methods);
    free(s);
    return rc;
}
